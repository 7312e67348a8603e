"""Adoption of kernels shaped the way real ones differ from the template, each written by this
test on top of the calc kernel of tests/fixtures/legacy-calc (its own code, no real kernel's):

- an interpreter built from the command line (`interpreter() = delete`, `(argc, argv)`), with a
  wasm interpreter class of its own whose source is built only `if(EMSCRIPTEN)`;
- a configure-time `execute_process()` the build needs (it writes a header the interpreter
  includes), a second library, a CMake module of the kernel's own with a function, a
  `pkg_check_modules()` imported target under an option, a kernel's own `.gitignore`;
- C++ that suspends (`emscripten_sleep`) next to `ASYNCIFY` flags.

For each: every command of every CMake file the build reaches is in exactly one of the plan's
lists, the adopted tree builds natively with no edit to a template-owned file, and the
kernel's own tests pass."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from template_repo import commit_all, leftovers, status, two_releases, update
from test_adopt import AFTER, BEFORE, NEXT_RELEASE, legacy_repository
from xeus_kernel_template.adopt import adopt
from xeus_kernel_template.review.parsing import parse_cmake

HEADER = "include/xeus-calc/calc_interpreter.hpp"

CMAKE = """\
# The calc kernel, grown the way real kernels grow (written for the template's adoption tests).
cmake_minimum_required(VERSION 3.20)
project(xeus-calc VERSION 1.2.0 DESCRIPTION "Sums of integers in Jupyter" LANGUAGES CXX)

list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_SOURCE_DIR}/cmake")
include(GNUInstallDirs)
include(CalcHelpers)

option(CALC_WITH_ZLIB "compress results" OFF)
find_package(xeus 6 REQUIRED)
find_package(PkgConfig)
if(CALC_WITH_ZLIB)
    pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
endif()

# The companion step: the kernel's configuration header, made when CMake configures.
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy "${CMAKE_CURRENT_SOURCE_DIR}/src/calc_config.hpp.in"
                "${CMAKE_CURRENT_BINARY_DIR}/generated/calc_config.hpp")

add_library(calc-core STATIC src/evaluate.cpp)
target_include_directories(calc-core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(calc-core PUBLIC xeus)
set_target_properties(calc-core PROPERTIES POSITION_INDEPENDENT_CODE ON)
calc_checked(calc-core)

set(CALC_SOURCES src/calc_interpreter.cpp)
if(EMSCRIPTEN)
    list(APPEND CALC_SOURCES src/wasm_interpreter.cpp)
endif()
add_library(xeus-calc SHARED ${CALC_SOURCES})
target_include_directories(xeus-calc PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
target_include_directories(xeus-calc PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated)
target_link_libraries(xeus-calc PUBLIC xeus calc-core)
if(CALC_WITH_ZLIB)
    target_link_libraries(xeus-calc PRIVATE PkgConfig::ZLIB)
endif()

if(EMSCRIPTEN)
    find_package(xeus-lite REQUIRED)
    add_executable(xcalc src/main_emscripten_kernel.cpp)
    target_link_libraries(xcalc PRIVATE xeus-calc xeus-lite)
    target_link_options(xcalc PRIVATE "SHELL:-sASYNCIFY=1" "SHELL:-sMAIN_MODULE=1"
                        "SHELL:--post-js ${CMAKE_CURRENT_SOURCE_DIR}/src/calc_runtime.js")
else()
    find_package(xeus-zmq 4 REQUIRED)
    add_executable(xcalc src/main.cpp)
    target_link_libraries(xcalc PRIVATE xeus-calc xeus-zmq)
endif()
configure_file(share/jupyter/kernels/xcalc/kernel.json.in ${CMAKE_CURRENT_BINARY_DIR}/kernels/xcalc/kernel.json)
configure_file(xeus-calcConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/calc-extra.cmake @ONLY)
install(TARGETS xeus-calc xcalc)
"""

MODULE = """\
# The calc kernel's own CMake helpers.
function(calc_checked target)
    target_compile_definitions(${target} PRIVATE CALC_CHECKED=1)
endfunction()
"""

WASM_HEADER = """\
// The calc kernel's interpreter in the browser (written for the template's adoption tests).
#ifndef XEUS_CALC_WASM_INTERPRETER_HPP
#define XEUS_CALC_WASM_INTERPRETER_HPP

#include <emscripten/val.h>

#include "xeus-calc/calc_interpreter.hpp"

namespace calc
{
    class wasm_interpreter : public kernel_interpreter
    {
    public:

        wasm_interpreter();
    };
}

#endif
"""

WASM_SOURCE = """\
#include <emscripten.h>

#include "xeus-calc/wasm_interpreter.hpp"

namespace calc
{
    wasm_interpreter::wasm_interpreter()
        : kernel_interpreter(0, nullptr)
    {
        emscripten_sleep(0);  // yields to the browser once
    }
}
"""


def grow(repo: Path) -> None:
    """The calc kernel, grown into the shapes above, committed."""
    (repo / "CMakeLists.txt").write_text(CMAKE)
    (repo / "cmake").mkdir()
    (repo / "cmake/CalcHelpers.cmake").write_text(MODULE)
    (repo / "src/calc_config.hpp.in").write_text("#define CALC_GREETING \"calc\"\n")
    header = (repo / HEADER).read_text().replace("#include <string>\n", "#include <stdexcept>\n#include <string>\n")
    header = header.replace("        kernel_interpreter() = default;\n",
                            "        kernel_interpreter() = delete;\n"
                            "        // Natively, argv is the kernelspec's, -f <connection file> included.\n"
                            "        kernel_interpreter(int argc, char* argv[]) : m_arguments(argc)\n"
                            "        {\n"
                            "            if (argv != nullptr && (argc < 3 || std::string(argv[argc - 2]) != \"-f\"))\n"
                            "                throw std::invalid_argument(\"started without -f <connection file>\");\n"
                            "        }\n"
                            "\n    protected:\n\n        int m_arguments = 0;\n")
    (repo / HEADER).write_text(header)
    source = (repo / "src/calc_interpreter.cpp").read_text()
    (repo / "src/calc_interpreter.cpp").write_text('#include "calc_config.hpp"\n' + source)
    (repo / "include/xeus-calc/wasm_interpreter.hpp").write_text(WASM_HEADER)
    (repo / "src/wasm_interpreter.cpp").write_text(WASM_SOURCE)
    (repo / "src/calc_runtime.js").write_text("Module.calcGreeting = function () { return 'calc'; };\n")
    main = (repo / "src/main.cpp").read_text()
    (repo / "src/main.cpp").write_text(main.replace("std::make_unique<calc::kernel_interpreter>()",
                                                    "std::make_unique<calc::kernel_interpreter>(argc, argv)"))
    wasm_main = (repo / "src/main_emscripten_kernel.cpp").read_text()
    wasm_main = wasm_main.replace('#include "xeus-calc/calc_interpreter.hpp"', '#include "xeus-calc/wasm_interpreter.hpp"')
    (repo / "src/main_emscripten_kernel.cpp").write_text(wasm_main.replace("export_kernel<calc::kernel_interpreter>",
                                                                           "export_kernel<calc::wasm_interpreter>"))
    (repo / ".gitignore").write_text("# the calc kernel's own\n*.calc-cache\nbuild/\n")
    commit_all(repo, "The calc kernel grows")


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    return two_releases(tmp_path_factory.mktemp("shapes-releases") / "xeus-kernel-template", NEXT_RELEASE, (BEFORE, AFTER))


@pytest.fixture(scope="module")
def grown(releases, tmp_path_factory):
    repo = legacy_repository("calc", tmp_path_factory.mktemp("adopt-shapes") / "calc")
    grow(repo)
    return repo, adopt(repo, template=str(releases), vcs_ref=BEFORE)


def under(text: str, condition: str, line: str) -> bool:
    """Whether *line* is in an if(*condition*) ... endif() block of *text*."""
    blocks = text.split(f"if({condition})\n")[1:]
    return any(f"    {line}\n" in block.split("endif()")[0] for block in blocks)


def cmake_commands(repo_text: dict[str, str]) -> list:
    return [c for path, text in repo_text.items() for c in parse_cmake(text, path)[0]
            if c.name not in {"if", "elseif", "else", "endif", "endfunction", "endmacro"}]


def test_every_cmake_command_is_in_exactly_one_list(grown):
    _, plan = grown
    old = {"CMakeLists.txt": CMAKE, "cmake/CalcHelpers.cmake": MODULE}
    wheres = Counter(entry.where for entry in plan.ledger if entry.where)
    for command in cmake_commands(old):
        assert wheres[command.where] == 1, (command.where, command.text(), wheres[command.where])
    assert {e.kind for e in plan.ledger} <= {"carried", "replaced", "human"}
    lists = plan.carried + plan.replaced + plan.needs_human
    for entry in plan.ledger:
        assert entry.message in lists


def test_conditions_configure_steps_and_own_targets_survive(grown):
    repo = grown[0]
    text = (repo / "CMakeLists.txt").read_text()
    assert under(text, "EMSCRIPTEN", "target_sources(xeus-calc PRIVATE src/wasm_interpreter.cpp)")
    assert "SOURCES src/calc_interpreter.cpp\n" in text  # not the wasm source
    assert 'execute_process(COMMAND "${CMAKE_COMMAND}" -E copy "${CMAKE_CURRENT_SOURCE_DIR}/src/calc_config.hpp.in"' in text
    assert "add_library(calc-core STATIC src/evaluate.cpp)" in text and "calc_checked(calc-core)" in text
    assert "include(CalcHelpers)" in text and (repo / "cmake/CalcHelpers.cmake").read_text() == MODULE
    assert "if(CALC_WITH_ZLIB)\n    pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)\nendif()" in text
    assert "find_package(PkgConfig)" in text
    assert "if(CALC_WITH_ZLIB)\n    target_link_libraries(xeus-calc PRIVATE PkgConfig::ZLIB)\nendif()" in text
    assert "target_link_libraries(xeus-calc PUBLIC calc-core)" in text


def test_a_post_js_of_the_kernels_own_stays_linked(grown):
    repo, plan = grown
    assert (repo / "src/calc_runtime.js").is_file() and "src/calc_runtime.js" not in plan.removed
    assert under((repo / "CMakeLists.txt").read_text(), "EMSCRIPTEN",
                 'target_link_options(xcalc PRIVATE "SHELL:--post-js ${PROJECT_SOURCE_DIR}/src/calc_runtime.js")')


def test_no_carried_command_reads_a_file_the_plan_removes(grown):
    repo, plan = grown
    assert "xeus-calcConfig.cmake.in" in plan.removed
    assert "calc-extra.cmake" not in (repo / "CMakeLists.txt").read_text()
    assert any("reads xeus-calcConfig.cmake.in, which the template replaces" in line for line in plan.needs_human)


def test_asyncify_with_suspending_cpp_needs_a_human(grown):
    plan = grown[1]
    (line,) = [line for line in plan.needs_human if "ASYNCIFY" in line]
    assert "src/wasm_interpreter.cpp: emscripten_sleep" in line
    assert not any("ASYNCIFY" in line for line in plan.replaced)


def test_the_interpreter_is_made_as_the_old_entry_points_made_it(grown):
    repo, plan = grown
    factory = (repo / "src/interpreter_factory.cpp").read_text()
    assert factory.startswith("// Yours")
    assert "return std::make_unique<calc::kernel_interpreter>(argc, argv);" in factory
    assert "#ifdef __EMSCRIPTEN__\n#include \"xeus-calc/wasm_interpreter.hpp\"\n#endif" in factory
    assert "return std::make_unique<calc::wasm_interpreter>();" in factory
    assert any("interpreter_factory.cpp" in line for line in plan.carried)


def test_the_kernels_gitignore_is_merged(grown):
    repo, plan = grown
    text = (repo / ".gitignore").read_text()
    assert text.startswith("# the calc kernel's own\n*.calc-cache\nbuild/\n")
    assert "wasm-host/" in text.splitlines() and text.splitlines().count("build/") == 1
    assert plan.written[".gitignore"] == "merged"


@pytest.mark.native
def test_it_builds_with_no_template_owned_file_edited_and_passes_its_tests(grown, toolchain, tmp_path):
    repo, _ = grown
    # The adopted tree as adopt left it: nothing edited by hand.
    built = tmp_path / "calc"
    shutil.copytree(repo, built, symlinks=True)
    tc = toolchain.with_binds([tmp_path])
    result = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=built, env=tc.build_environment(), check=False)
    assert result.returncode == 0, result.stdout[-8000:]
    suite = tc.run([tc.python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test/test_calc.py"],
                   cwd=built, env={"JUPYTER_PATH": str(built / "build/native/share/jupyter")}, check=False)
    assert suite.returncode == 0 and " PASSED" in suite.stdout, suite.stdout[-6000:]
    assert (built / "build/native/.gitignore").read_text().endswith("\n*\n")  # the build tree ignores itself


def test_then_copier_update_has_no_conflict(grown):
    repo, _ = grown
    commit_all(repo, "Adopt xeus-kernel-template")
    update(repo, AFTER, unsafe=False)
    assert not leftovers(repo)
    assert not [line for line in status(repo) if line.startswith(("UU", "AA"))]


@pytest.mark.native
def test_adopt_builds_what_it_plans_and_says_when_it_does_not_build(releases, toolchain, tmp_path):
    """The plan's success is a tree that builds, not a score: adopt builds its trial copy."""
    repo = legacy_repository("calc", tmp_path / "calc")
    grow(repo)
    assert adopt(repo, template=str(releases), vcs_ref=BEFORE, dry_run=True, toolchain=toolchain).built == "built"
    # main() makes the interpreter from a local of its own: adopt cannot carry that, says so,
    # and the build of the default factory (a deleted default constructor) fails, visibly.
    main = (repo / "src/main.cpp").read_text()
    (repo / "src/main.cpp").write_text(main.replace("(argc, argv)", "(argc - skipped, argv + skipped)").replace(
        "int main(int argc, char* argv[])\n{", "int main(int argc, char* argv[])\n{\n    int skipped = 0;"))
    commit_all(repo, "main() skips arguments")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, dry_run=True, toolchain=toolchain)
    assert any("with names of its main()" in line and "skipped" in line for line in plan.needs_human)
    assert plan.built.startswith("failed at `cmake --build --preset native`")
    assert "kernel_interpreter" in plan.built


SECOND_SPEC = """\
{
  "display_name": "Calc (hexadecimal)",
  "language": "calc",
  "argv": ["@CMAKE_INSTALL_PREFIX@/bin/xcalc", "--base", "16", "-f", "{connection_file}"],
  "metadata": {"calc_base": 16}
}
"""

KERNEL_INFO = """\
import json, sys
from jupyter_client.manager import start_new_kernel
manager, client = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=60)
try:
    print(json.dumps(client.kernel_info(reply=True, timeout=30)["content"]["language_info"]))
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
"""


@pytest.mark.native
def test_several_kernelspecs_of_one_executable_all_survive(releases, toolchain, tmp_path):
    repo = legacy_repository("calc", tmp_path / "calc")
    (repo / "share/jupyter/kernels/xcalc-hex").mkdir()
    (repo / "share/jupyter/kernels/xcalc-hex/kernel.json.in").write_text(SECOND_SPEC)
    commit_all(repo, "A second kernelspec")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, toolchain=None)
    assert "share/jupyter/kernels/xcalc-hex/kernel.json.in" in plan.removed
    call = ('xeus_kernel_add_spec(xcalc-hex KERNEL xcalc\n    DISPLAY_NAME [[Calc (hexadecimal)]]\n    LANGUAGE calc\n'
            '    ARGS --base 16\n    KERNELSPEC_METADATA [[{"calc_base": 16}]])')
    assert call in (repo / "CMakeLists.txt").read_text()
    tc = toolchain.with_binds([tmp_path])
    result = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=repo, env=tc.build_environment(), check=False)
    assert result.returncode == 0, result.stdout[-8000:]
    spec = json.loads((repo / "build/native/share/jupyter/kernels/xcalc-hex/kernel.json").read_text())
    assert spec["argv"][1:] == ["--base", "16", "-f", "{connection_file}"] and spec["argv"][0].endswith("/bin/xcalc")
    assert spec["display_name"] == "Calc (hexadecimal)" and spec["metadata"]["calc_base"] == 16
    assert spec["metadata"]["wasm_name"] == "xcalc"
    script = tmp_path / "kernel_info.py"
    script.write_text(KERNEL_INFO)
    started = tc.run([tc.python, str(script), "xcalc-hex"], cwd=repo,
                     env={"JUPYTER_PATH": str(repo / "build/native/share/jupyter")}, check=False)
    assert started.returncode == 0 and json.loads(started.stdout.splitlines()[-1])["name"] == "calc", started.stdout[-3000:]


def test_the_kernels_pytest_plugins_reach_its_environments(releases, tmp_path):
    repo = legacy_repository("calc", tmp_path / "calc")
    (repo / "test/pytest.ini").write_text("[pytest]\naddopts = --nbval -p no:cacheprovider\n")
    commit_all(repo, "Notebook tests")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, dry_run=True, toolchain=None)
    assert "nbval" in plan.answers["dev_dependencies"] and "nbval" in plan.answers["wasm_build_dependencies"]
    assert plan.sources["dev_dependencies"].endswith("test/pytest.ini: --nbval")


def test_a_browser_only_kernel_gets_no_native_build(releases, tmp_path):
    """A kernel whose only executable is the wasm one (its C++ needs emscripten): with_native=false,
    so no native entry point, presets or CI that could only fail."""
    repo = legacy_repository("calc", tmp_path / "calc")
    cmake = (repo / "CMakeLists.txt").read_text()
    native = cmake[cmake.index("else()\n    find_package(xeus-zmq"):cmake.index("endif()", cmake.index("else()\n    find_package(xeus-zmq"))]
    (repo / "CMakeLists.txt").write_text(cmake.replace(native, ""))
    (repo / "src/main.cpp").unlink()
    commit_all(repo, "In the browser only")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, toolchain=None)
    assert plan.answers["with_native"] is False and plan.sources["with_native"].startswith("browser-only")
    for gone in ("src/main.cpp", "src/native_startup.cpp", ".github/workflows/native.yml", "environment-dev.yml"):
        assert not (repo / gone).exists(), gone
    presets = json.loads((repo / "CMakePresets.json").read_text())
    assert [p["name"] for p in presets["workflowPresets"]] == ["wasm"]


def test_a_platform_variant_of_the_kernelspec_is_named_for_a_human(releases, tmp_path):
    repo = legacy_repository("calc", tmp_path / "calc")
    spec = repo / "share/jupyter/kernels/xcalc"
    (spec / "kernel-win.json.in").write_text((spec / "kernel.json.in").read_text().replace(
        '"argv"', '"env": {"PATH": "@CALC_DLL_DIR@;%PATH%"},\n  "argv"'))
    commit_all(repo, "A Windows kernelspec")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, dry_run=True, toolchain=None)
    assert "share/jupyter/kernels/xcalc/kernel-win.json.in" in plan.removed
    assert any(line.startswith("share/jupyter/kernels/xcalc/kernel-win.json.in is a platform's variant")
               for line in plan.needs_human)


KNOWN_CRASH = """\
    nl::json kernel_interpreter::complete_request_impl(const std::string& code, int cursor_pos)
    {
        if (code.find("(((") != std::string::npos)
        {
            std::abort();  // the kernel's known bug: deep parentheses
        }
        return xeus::create_complete_reply(nl::json::array(), cursor_pos, cursor_pos);
    }
"""


@pytest.mark.native
def test_known_failures_of_a_first_run_are_recorded_and_keep_ctest_green(releases, toolchain, tmp_path):
    """A kernel with its own protocol suite and a real crash: adopt --record-known-failures
    builds it, runs the generated suites, writes their failures into test/known_failures.toml
    with their reasons; ctest is then green, the crash recorded, not hidden."""
    repo = legacy_repository("calc", tmp_path / "calc")
    source = repo / "src/calc_interpreter.cpp"
    text = source.read_text()
    start = text.index("    nl::json kernel_interpreter::complete_request_impl(")
    end = text.index("    }\n", start) + len("    }\n")
    source.write_text("#include <cstdlib>\n" + text[:start] + KNOWN_CRASH + text[end:])
    commit_all(repo, "A kernel that crashes on deep parentheses")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, toolchain=toolchain, record_known_failures=True)
    assert plan.built == "built"
    recorded = plan.known_failures.get("robustness", {})
    assert "deep parentheses" in recorded, recorded
    known = (repo / "test/known_failures.toml").read_text()
    assert known.startswith("# Yours") and '[robustness]\n"deep parentheses" = "found by adopt (first run): ' in known
    tc = toolchain.with_binds([tmp_path])
    ctest = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=repo, env=tc.build_environment(), check=False)
    assert ctest.returncode == 0, ctest.stdout[-6000:]


def test_what_a_wasm_kernelspec_adds_is_carried_or_named(releases, tmp_path):
    """The wasm kernelspec's metadata.shared becomes SIDE_MODULES; its own arguments are named."""
    repo = legacy_repository("calc", tmp_path / "calc")
    (repo / "share/jupyter/kernels/xcalc/wasm_kernel.json.in").write_text(
        '{"display_name": "Calc", "language": "calc", "argv": ["@CMAKE_INSTALL_PREFIX@/bin/xcalc", "-msimd128"],\n'
        ' "metadata": {"wasm_name": "xcalc", "shared": {"libcalc.so": "lib/libcalc.so"}}}\n')
    commit_all(repo, "The wasm kernelspec ships a side module and an argument")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, dry_run=True, toolchain=None)
    assert "    SIDE_MODULES lib/libcalc.so\n" in plan.cmake_lists
    assert any(line.startswith("share/jupyter/kernels/xcalc/wasm_kernel.json.in (the wasm kernelspec) has "
                               "arguments -msimd128") for line in plan.needs_human), plan.needs_human
