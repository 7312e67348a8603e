"""A wasm kernel over a C library, as real kernels sit over their language's library: the
test writes the library (a few lines of C), compiles it with emcc into a copy of the wasm
host prefix and fills in the skeleton interpreter to answer each cell with the library's
result. Tried twice: linked statically (an archive in lib/, CMakeLists.txt links it), and as
a side module the kernel dlopen()s at run time (lib/libshout.so, listed in SIDE_MODULES:
kernel.json's metadata.shared, so that jupyterlite-xeus ships it). Each variant's
`cmake --workflow --preset wasm` must pass (node, the protocol suite through the bridge,
the browser), and the library's answer must come back from the wasm kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

if not os.environ.get("WASM_HOST_PREFIX"):
    pytest.skip("wasm tier: no wasm host prefix; set WASM_HOST_PREFIX (see tests/test_wasm.py)", allow_module_level=True)
pytestmark = pytest.mark.wasm

from conftest import render, started_kernel
from samples import answers
from test_wasm import LiteBuild, prepare

KERNEL = "xmylang"
VARIANTS = ["static", "side-module"]
# The library's answer: ASCII letters upper-cased, every other byte (UTF-8 too) kept.
CODE, ANSWER = "héllo, wörld 42", "HéLLO, WöRLD 42"

SHOUT_H = """#ifndef SHOUT_H
#define SHOUT_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Upper-cases the ASCII letters of text[0..length). */
void shout(char *text, size_t length);
#ifdef __cplusplus
}
#endif
#endif
"""
SHOUT_C = """#include "shout.h"

void shout(char *text, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        if (text[i] >= 'a' && text[i] <= 'z')
            text[i] = (char)(text[i] - 'a' + 'A');
}
"""

# The skeleton's execute_request_impl answers with the library's result for the cell.
SKELETON_RESULT = "const std::string result = code;"
LIBRARY_RESULT = "const std::string result = shouted(code);"
INTERPRETER_INCLUDE = '#include "xeus-mylang/xinterpreter.hpp"\n'
LINKED_CALL = """#include "shout.h"

namespace
{
    std::string shouted(std::string text)
    {
        shout(text.data(), text.size());
        return text;
    }
}
"""
LOADED_CALL = """#include <dlfcn.h>
#include <stdexcept>

#include "shout.h"

namespace
{
    // The library is a side module, loaded on first use as kernels load their language's
    // shared library: jupyterlite-xeus serves it (metadata.shared), node reads it from lib/.
    decltype(&shout) load_shout()
    {
        void* library = dlopen("libshout.so", RTLD_NOW);
        void* symbol = library != nullptr ? dlsym(library, "shout") : nullptr;
        if (symbol == nullptr)
        {
            const char* why = dlerror();
            throw std::runtime_error(std::string("libshout.so: ") + (why != nullptr ? why : "no shout"));
        }
        return reinterpret_cast<decltype(&shout)>(symbol);
    }

    std::string shouted(std::string text)
    {
        static const auto function = load_shout();  // tried again on the next cell if it threw
        function(text.data(), text.size());
        return text;
    }
}
"""
FIND_HEADER = """
find_path(SHOUT_INCLUDE_DIR shout.h REQUIRED)
target_include_directories(xeus-mylang PRIVATE "${SHOUT_INCLUDE_DIR}")
"""
LINK_ARCHIVE = """find_library(SHOUT_LIBRARY shout REQUIRED)
target_link_libraries(xeus-mylang PRIVATE "${SHOUT_LIBRARY}")
"""
KERNEL_SOURCES = "    SOURCES src/xinterpreter.cpp\n"
SIDE_MODULE = "    SIDE_MODULES lib/libshout.so\n"

NODE_TEST = f"""import assert from "node:assert/strict";
import {{ test }} from "node:test";

import {{ startKernel }} from "./kernel_harness.mjs";

test("a cell's result is the C library's", async () => {{
  const kernel = await startKernel();
  assert.equal(kernel.execute({json.dumps(CODE)}).result, {json.dumps(ANSWER)});
}});
"""
BROWSER_TEST = f'''import pytest


@pytest.fixture(scope="session")
def kernel_name() -> str:
    return "{KERNEL}"


def test_a_cells_result_is_the_c_librarys(repl):
    assert repl.run({CODE!r}) == [{ANSWER!r}]
'''
# The protocol suite's sample: the library's result instead of the skeleton's echo.
SKELETON_SAMPLE = 'code_execute_result = [{"code": "1 + 2", "result": "1 + 2"}]'
LIBRARY_SAMPLE = f"code_execute_result = [{{'code': {CODE!r}, 'result': {ANSWER!r}}}]"

ASK = """
const [harness, kernelJs, code] = process.argv.slice(1);
const { startKernel } = await import(harness);
const { reply, result } = (await startKernel({ kernelJs })).execute(code);
console.log("REPLY " + JSON.stringify({ status: reply.status, evalue: reply.evalue, result }));
"""


def patch(path: Path, old: str, new: str) -> None:
    """Replaces the one occurrence of old in an author-owned file of the render."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name} no longer holds {old!r} once"
    path.write_text(text.replace(old, new))


def build_library(build: LiteBuild, variant: str) -> None:
    """Writes the library (its source into a temporary folder) and compiles it into the copied
    host prefix: include/shout.h, and lib/libshout.a (static) or lib/libshout.so (side module)."""
    sources = build.work / "shout"
    sources.mkdir()
    (sources / "shout.c").write_text(SHOUT_C)
    (build.host / "include/shout.h").write_text(SHOUT_H)
    flags = ["-O2", "-fPIC", "-fwasm-exceptions", f"-I{build.host / 'include'}"]
    if variant == "static":
        commands = [["emcc", "-c", *flags, sources / "shout.c", "-o", sources / "shout.o"],
                    ["emar", "rcs", build.host / "lib/libshout.a", sources / "shout.o"]]
    else:
        commands = [["emcc", "-sSIDE_MODULE=1", *flags, sources / "shout.c", "-o", build.host / "lib/libshout.so"]]
    for command in commands:
        result = build.run(*command, check=False, timeout=300)
        assert result.returncode == 0, result.stdout[-4000:]


def fill_in_kernel(project: Path, variant: str) -> None:
    """The author's side: the interpreter calls the library, CMakeLists.txt finds it, the
    kernel's own tests (protocol, node, browser) expect its answer."""
    interpreter = project / "src/xinterpreter.cpp"
    patch(interpreter, INTERPRETER_INCLUDE, INTERPRETER_INCLUDE + "\n" + (LINKED_CALL if variant == "static" else LOADED_CALL))
    patch(interpreter, SKELETON_RESULT, LIBRARY_RESULT)
    cmakelists = project / "CMakeLists.txt"
    if variant == "static":
        cmakelists.write_text(cmakelists.read_text() + FIND_HEADER + LINK_ARCHIVE)
    else:
        patch(cmakelists, KERNEL_SOURCES, KERNEL_SOURCES + SIDE_MODULE)
        cmakelists.write_text(cmakelists.read_text() + FIND_HEADER)
    patch(project / f"test/test_{KERNEL}_kernel.py", SKELETON_SAMPLE, LIBRARY_SAMPLE)
    patch(project / "test/smoke_cells.toml", 'code = "hello"\nresult = "hello"', 'code = "hello"\nresult = "HELLO"')
    (project / f"test/wasm/{KERNEL}.test.mjs").write_text(NODE_TEST)
    (project / f"test/wasm/test_{KERNEL}_lite.py").write_text(BROWSER_TEST)


@pytest.fixture(scope="module")
def skeleton_render(tmp_path_factory) -> Path:
    """The skeleton interpreter (a kernel over a language's library) with the wasm build."""
    return render(tmp_path_factory.mktemp("render") / "skeleton-wasm", {**answers("skeleton"), "with_wasm": True})


@pytest.fixture(scope="module")
def built(skeleton_render, wasm_toolchain, tmp_path_factory):
    """built(variant) -> (LiteBuild, workflow output): one wasm build per variant."""
    cache: dict[str, tuple[LiteBuild, subprocess.CompletedProcess[str]]] = {}

    def get(variant: str) -> tuple[LiteBuild, str]:
        if variant not in cache:  # a failed build too: the variant's other tests fail at once
            build = prepare(skeleton_render, tmp_path_factory.mktemp(f"clib-{variant}"), wasm_toolchain, KERNEL)
            build_library(build, variant)
            fill_in_kernel(build.project, variant)
            cache[variant] = build, build.run("cmake", "--workflow", "--preset", "wasm", check=False, timeout=1800)
        build, workflow = cache[variant]
        assert workflow.returncode == 0, workflow.stdout[-8000:]
        return build, workflow.stdout

    return get


def ask_in_node(build: LiteBuild, kernel_js: Path, code: str) -> dict:
    """Starts the installed module in node (test/wasm/kernel_harness.mjs, over xeus-kernel-ci's
    harness, which `xeus-kernel-bridge node-test` names as ctest runs it), runs one cell."""
    harness = build.run(build.toolchain.python, "-c",
                        "from xeus_kernel_ci.kernel_bridge import HARNESS; print(HARNESS.as_uri())").stdout.strip()
    ran = build.run("node", "--input-type=module", "-e", ASK, build.project / "test/wasm/kernel_harness.mjs",
                    kernel_js, code, check=False, timeout=120, env={"KERNEL_HARNESS": harness})
    replies = [line for line in ran.stdout.splitlines() if line.startswith("REPLY ")]
    assert len(replies) == 1, ran.stdout[-4000:]
    return json.loads(replies[0].removeprefix("REPLY "))


@pytest.mark.parametrize("variant", VARIANTS)
def test_workflow_builds_packs_and_passes_node_protocol_and_browser_tests(built, variant):
    _, output = built(variant)
    assert "100% tests passed, 0 tests failed out of 4" in output, output[-3000:]
    # The skeleton brings no node or browser test: these are the ones fill_in_kernel wrote,
    # expecting the library's answer, as the protocol suite's sample does.
    for test in ("node", "bridge_kernelspec", "protocol", "browser"):
        assert f"{KERNEL}_{test}" in output


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_bridged_wasm_kernel_answers_with_the_librarys_result(built, variant, tmp_path):
    build, _ = built(variant)
    spec = build.project / f"build/wasm/bridge/share/jupyter/kernels/{KERNEL}/kernel.json"
    results = []

    def keep_result(message):
        if message["msg_type"] == "execute_result":
            results.append(message["content"]["data"]["text/plain"])

    with started_kernel(build.toolchain, spec, build.work / f"client-{tmp_path.name}", KERNEL, ready_timeout=60) as (_, client):
        reply = client.execute_interactive(CODE, output_hook=keep_result, timeout=30)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert results == [ANSWER]


def test_linked_statically_nothing_is_shipped_beside_the_kernel(built):
    build, _ = built("static")
    spec = json.loads((build.host / f"share/jupyter/kernels/{KERNEL}/kernel.json").read_text())
    assert "shared" not in spec["metadata"], spec["metadata"]
    assert not list((build.project / "build/wasm/lite").rglob("libshout*"))


def test_the_side_module_is_declared_and_packed_where_jupyterlite_xeus_serves_it(built):
    build, _ = built("side-module")
    spec = json.loads((build.host / f"share/jupyter/kernels/{KERNEL}/kernel.json").read_text())
    assert spec["metadata"]["shared"] == {"libshout.so": "lib/libshout.so"}
    # jupyterlite-xeus copies metadata.shared to xeus/<env>/<kernel>/ and its worker's
    # locateFile maps the library's name there.
    packed = build.project / f"build/wasm/lite/xeus/host/{KERNEL}/libshout.so"
    assert packed.read_bytes() == (build.host / "lib/libshout.so").read_bytes()


def test_the_side_module_is_loaded_at_run_time_not_linked_in(built, tmp_path):
    """The same installed kernel without lib/libshout.so beside it: the cell fails with
    dlopen's message, where it answers with the library's result in the host prefix."""
    build, _ = built("side-module")
    bare = build.work / f"without-library-{tmp_path.name}"  # inside the toolchain's binds
    (bare / "bin").mkdir(parents=True)
    (bare / "lib").mkdir()
    for name in (f"{KERNEL}.js", f"{KERNEL}.wasm"):
        shutil.copyfile(build.host / "bin" / name, bare / "bin" / name)
    shutil.copyfile(build.host / "lib/libxeus.so", bare / "lib/libxeus.so")
    assert ask_in_node(build, build.host / f"bin/{KERNEL}.js", CODE) == {"status": "ok", "result": ANSWER}
    missing = ask_in_node(build, bare / f"bin/{KERNEL}.js", CODE)
    assert missing["status"] == "error" and missing.get("result") is None, missing
    assert "libshout.so" in missing["evalue"], missing
