"""Adoption: an existing kernel repository comes under the template under its own name.

The repositories are written by these tests (tests/fixtures/legacy-*), shaped the way real
kernels are: hand-written CMake with MAIN_MODULE/ASYNCIFY flags and options, a kernelspec
template with @VAR@ placeholders, a wasm-only kernelspec, pre.js/post.js glue, environment
files, workflows, a shared library exported as a CMake package, an entry point that sets
things up by hand, and a kernel named like a published one (xlua). Each is adopted from a
tagged release of a throwaway copy of the template, then: nothing of the author's is lost,
it builds natively and passes its own tests, the reviewer scores it like a fresh render of
the template, and a plain `copier update` to the next release works. Every refusal leaves
the repository as it was.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from template_repo import commit_all, copy_project, git, leftovers, status, tree, two_releases, update
from xeus_kernel_template.adopt import AdoptError, Plan, adopt, score

FIXTURES = Path(__file__).parent / "fixtures"
BEFORE, AFTER = "v1.0.0", "v1.1.0"
# The next release changes a convention the adopted kernels must receive: a pin of the
# stack table (stack.yml), which environment-dev.yml takes.
NEXT_RELEASE = {"stack.yml": [('      jupyter_client: ">=8"\n', '      jupyter_client: ">=8.6"\n')]}

# name -> (fixture folders copied in order, git remote, commit author, answers adoption must infer)
KERNELS = {
    "lua": (
        ["legacy-lua", "lua-kernel/src/xinterpreter.cpp", "lua-kernel/include", "lua-kernel/test"],
        "https://github.com/lua-kernels/xeus-lua.git",
        "Lua Dev <lua@example.org>",
        {
            "kernel_name": "xlua", "project_name": "xeus-lua", "cpp_namespace": "xlua",
            "interpreter_sources": "none", "interpreter_class": "xlua::interpreter",
            "interpreter_header": "xeus-lua/xinterpreter.hpp", "display_name": "Lua", "language_name": "Lua",
            "language_id": "lua", "language_version": "5.4", "file_extension": ".lua", "mimetype": "text/x-lua",
            "pygments_lexer": "lua", "codemirror_mode": "lua", "license": "BSD-3-Clause",
            "author_name": "The Lua Kernel Authors", "author_email": "lua@example.org", "github_owner": "lua-kernels",
            "dev_dependencies": ["lua >=5.4,<5.5"], "wasm_host_dependencies": ["lua"], "with_wasm": True,
        },
    ),
    "calc": (
        ["legacy-calc"],
        "git@github.com:calc-dev/xeus-calc.git",
        "Calc Dev <calc@example.org>",
        {
            "kernel_name": "xcalc", "project_name": "xeus-calc", "cpp_namespace": "calc",
            "interpreter_class": "calc::kernel_interpreter", "interpreter_header": "xeus-calc/calc_interpreter.hpp",
            "display_name": "Calc", "language_id": "calc", "language_version": "1.0", "file_extension": ".calc",
            "mimetype": "text/x-calc", "description": "Sums of integers in Jupyter", "license": "MIT",
            "author_name": "Calc Developers", "github_owner": "calc-dev", "dev_dependencies": [], "with_wasm": True,
        },
    ),
}


def legacy_repository(name: str, destination: Path) -> Path:
    """The kernel as its authors keep it today: a committed git work tree."""
    parts, remote, author, _ = KERNELS[name]
    destination.mkdir(parents=True)
    for part in parts:
        source = FIXTURES / part
        target = destination / Path(part).relative_to(part.split("/")[0]) if "/" in part else destination
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(destination, "init", "--quiet")
    git(destination, "remote", "add", "origin", remote)
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", f"--author={author}", "-m", "The kernel before the template")
    return destination


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    return two_releases(tmp_path_factory.mktemp("adopt-releases") / "xeus-kernel-template", NEXT_RELEASE, (BEFORE, AFTER))


@dataclasses.dataclass
class Adopted:
    name: str
    repo: Path
    plan: Plan
    before: dict[str, bytes]


@pytest.fixture(scope="module", params=sorted(KERNELS))
def adopted(request, releases, tmp_path_factory) -> Adopted:
    repo = legacy_repository(request.param, tmp_path_factory.mktemp(f"adopt-{request.param}") / request.param)
    before = tree(repo)
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE)
    return Adopted(request.param, repo, plan, before)


def test_it_infers_the_answers_from_the_repository(adopted):
    expected = KERNELS[adopted.name][3]
    assert {key: adopted.plan.answers.get(key) for key in expected} == expected
    assert adopted.plan.sources["kernel_name"] == f"share/jupyter/kernels/{expected['kernel_name']}/kernel.json.in"


def test_the_answers_file_records_the_release(adopted, releases):
    recorded = yaml.safe_load((adopted.repo / ".copier-answers.yml").read_text())
    assert recorded["_commit"] == BEFORE and recorded["_src_path"] == str(releases)
    assert recorded["interpreter_sources"] == "none"


def test_nothing_of_the_authors_is_lost(adopted):
    """Every file of the kernel is still there unchanged, or was replaced or removed by the
    plan, and git has it; the interpreter and its tests are untouched."""
    after = tree(adopted.repo)
    plan = adopted.plan
    for path, content in adopted.before.items():
        if after.get(path) == content:
            continue
        assert path in plan.removed or plan.written.get(path) == "replaced" or path == "CMakeLists.txt", path
        assert git(adopted.repo, "show", f"HEAD:{path}").encode() == content
    interpreter = [p for p in adopted.before if p.startswith(("include/", "test/")) or p.startswith("src/") and "main" not in p]
    assert interpreter and all(after[p] == adopted.before[p] for p in interpreter)
    assert not [p for p in adopted.before if p not in after and p not in plan.removed]


def test_the_plan_says_what_it_replaced_and_what_needs_a_human(adopted):
    plan = adopted.plan
    if adopted.name == "lua":
        assert set(plan.removed) == {".github/workflows/main.yml", "wasm/post.js"}
        assert plan.written["src/main.cpp"] == "replaced" and plan.written["environment-wasm-host.yml"] == "replaced"
        assert any("-sASYNCIFY=1" in line and "no asyncify" in line for line in plan.replaced)
        assert any("src/main.cpp set up a signal handler, environment variables" in line for line in plan.needs_human)
        # "Lua @LUA_VERSION_STRING@ (xeus)": FindLua's variable, not the kernel's: not inferred.
        assert any("display_name not inferred; set it with --data display_name=" in line for line in plan.needs_human)
        assert not any("post.js did more" in line for line in plan.needs_human)  # re-exports only
        assert not any("kernel_info names no Pygments lexer" in line for line in plan.needs_human)  # it names "lua"
    else:
        assert set(plan.removed) == {
            ".github/workflows/ci.yml", "share/jupyter/kernels/xcalc/wasm_kernel.json.in", "xeus-calcConfig.cmake.in",
        }
        assert plan.written["wasm/pre.js"] == "replaced"
        assert (adopted.repo / ".github/workflows/labels.yml").is_file()  # not about building: kept
        assert any("wasm/pre.js did more than re-export" in line for line in plan.needs_human)
        assert any("kernel_info names no Pygments lexer" in line for line in plan.needs_human)
        assert "    SHARED\n" in plan.cmake_lists and "CALC_WITH_SUMS=1" in plan.cmake_lists
    assert plan.glue_before > plan.glue_author


def test_the_thin_cmake_lists_carries_what_only_the_kernel_knows(adopted):
    text = (adopted.repo / "CMakeLists.txt").read_text()
    assert text.startswith("# Yours")
    if adopted.name == "lua":
        for line in ("project(xeus-lua\n    VERSION 0.3.0", "find_package(Lua ${Lua_REQUIRED_VERSION} REQUIRED)",
                     "set(Lua_REQUIRED_VERSION 5.4.0)", "option(XLUA_SANDBOX", "SOURCES src/xinterpreter.cpp",
                     "target_link_libraries(xeus-lua PUBLIC ${LUA_LIBRARIES})", "KERNELSPEC_ENV \"XLUA_GREETING=hello from the kernelspec\"",
                     '"lua_version": "5.4"', "target_compile_definitions(xeus-lua PRIVATE XLUA_SANDBOX)"):
            assert line in text, line
        assert "XEUS_LUA_BUILD_SHARED" not in text and "ASYNCIFY" not in text and "find_package(xeus " not in text
    else:
        assert "SOURCES src/calc_interpreter.cpp src/evaluate.cpp" in text
        assert "Threads" not in text and "find_package(xeus" not in text


@pytest.mark.native
def test_the_adopted_kernel_builds_and_passes_its_own_tests(adopted, toolchain):
    if adopted.name == "lua":
        # What adopt listed for a human: the main-time setup moves into the start-up hooks.
        shutil.copy2(FIXTURES / "lua-kernel/src/native_startup.cpp", adopted.repo / "src/native_startup.cpp")
    tc = toolchain.with_binds([adopted.repo.parent])
    result = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=adopted.repo, env=tc.build_environment(), check=False)
    assert result.returncode == 0, result.stdout[-8000:]
    own_tests = {"lua": "test_xlua_kernel.py", "calc": "test_calc.py"}[adopted.name]
    suite = tc.run([tc.python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test", "--ignore", "test/wasm"],
                   cwd=adopted.repo, env={"JUPYTER_PATH": str(adopted.repo / "build/native/share/jupyter")}, check=False)
    assert suite.returncode == 0, suite.stdout[-6000:]
    assert f"{own_tests}::" in suite.stdout and " PASSED" in suite.stdout
    shutil.rmtree(adopted.repo / "build")


def test_the_reviewer_scores_it_like_the_template_itself(adopted, releases, tmp_path):
    # The template itself, with its own protocol suite in place of the kernel's (protocol_suite).
    answers = {k: v for k, v in adopted.plan.answers.items() if not k.startswith("_") and k != "protocol_suite"}
    fresh = copy_project(releases, tmp_path / "fresh", BEFORE, answers)
    own, failed = score(fresh)
    # The same failures; the adopted kernel may have more checks that apply (its own
    # dependency, find_package(Lua), is checked against its environments: XK507).
    assert adopted.plan.failed_after == failed
    passed_after, total_after = map(int, adopted.plan.score_after.split("/"))
    assert total_after - passed_after == len(failed) and total_after >= int(own.split("/")[1])
    passed = int(adopted.plan.score_before.split("/")[0])
    assert passed < passed_after
    assert score(adopted.repo)[0] == adopted.plan.score_after


def test_then_plain_copier_update_works(adopted):
    commit_all(adopted.repo, "Adopt xeus-kernel-template")
    update(adopted.repo, AFTER, unsafe=False)
    assert not leftovers(adopted.repo)
    assert "  - jupyter_client >=8.6\n" in (adopted.repo / "environment-dev.yml").read_text()
    assert yaml.safe_load((adopted.repo / ".copier-answers.yml").read_text())["_commit"] == AFTER
    changed = {line[3:] for line in status(adopted.repo)}
    # The release (the answers, the reviewer's rev in the pre-commit config and the review
    # workflow) and its one change, in the files that take that pin from the stack table.
    assert changed == {
        ".copier-answers.yml", ".pre-commit-config.yaml", ".github/workflows/review.yml", "environment-dev.yml",
        "environment-wasm-build.yml", "recipe/conda-forge/recipe.yaml",
    }, changed


# --- refusals: each one-line, each leaving everything as it was -------------------------------


def not_a_kernel(repo: Path) -> None:
    shutil.rmtree(repo / "include")
    for path in (repo / "src").glob("*.cpp"):
        path.unlink()
    commit_all(repo, "No interpreter any more")


def dirty(repo: Path) -> None:
    (repo / "README.md").write_text("edited, not committed\n")


def untracked(repo: Path) -> None:
    (repo / "notes.txt").write_text("not in git\n")


def already_adopted(repo: Path) -> None:
    (repo / ".copier-answers.yml").write_text("_commit: v0.2.0\n_src_path: gh:xeus-kernel-template/xeus-kernel-template\n")
    commit_all(repo, "Made from the template")


def not_the_top(repo: Path) -> Path:
    return repo / "src"


REFUSALS = {
    "not-a-kernel": (not_a_kernel, "is not a xeus kernel: no C++ class derived from xeus::xinterpreter"),
    "dirty": (dirty, "has uncommitted changes (1 paths): commit or stash them"),
    "untracked": (untracked, "has uncommitted changes (1 paths)"),
    "already-adopted": (already_adopted, "already has .copier-answers.yml"),
    "not-the-top": (not_the_top, "is not the top folder of a git repository"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_change_nothing(case, releases, tmp_path):
    repo = legacy_repository("calc", tmp_path / "calc")
    prepare, message = REFUSALS[case]
    target = prepare(repo) or repo
    before, listed = tree(repo), status(repo)
    with pytest.raises(AdoptError) as refused:
        adopt(target, template=str(releases), vcs_ref=BEFORE)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert (tree(repo), status(repo)) == (before, listed)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xeus_kernel_template", "adopt", *args], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONWARNINGS": "ignore"}, check=False,
    )


def test_notebooks_it_will_test_are_named_with_what_to_do(releases, tmp_path):
    """test/test_notebooks.py compares the kernel's notebooks with their stored outputs: the
    plan says so, with how to store them and how to leave cells out."""
    repo = legacy_repository("lua", tmp_path / "lua")
    (repo / "notebooks").mkdir()
    for name in ("tour", "io"):
        (repo / "notebooks" / f"{name}.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    commit_all(repo, "Example notebooks")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, dry_run=True)
    (note,) = [line for line in plan.needs_human if line.startswith("notebooks/")]
    assert "2 notebooks (io.ipynb, tour.ipynb)" in note and "nbval-ignore-output" in note and "nbval-skip" in note
    assert "python test/test_notebooks.py notebooks/NAME.ipynb" in note


def test_a_lexer_given_with_data_needs_no_human(releases, tmp_path):
    repo = legacy_repository("calc", tmp_path / "calc")
    plan = adopt(repo, template=str(releases), vcs_ref=BEFORE, data={"pygments_lexer": "calc"}, dry_run=True)
    assert not any("kernel_info names no Pygments lexer" in line for line in plan.needs_human)


def test_the_command_line_plans_without_questions_when_there_is_no_terminal(releases, tmp_path):
    repo = legacy_repository("lua", tmp_path / "lua")
    before = tree(repo)
    result = run_cli(str(repo), "--dry-run", "--template", str(releases), "--vcs-ref", BEFORE, "--data", "display_name=Lua 5.4")
    assert result.returncode == 0, result.stderr
    assert "Plan (--dry-run: nothing is written)" in result.stdout
    assert "display_name             'Lua 5.4'" in result.stdout and "--data" in result.stdout
    assert "remove   wasm/post.js" in result.stdout and "Needs a human:" in result.stdout
    assert "Reviewer score:" in result.stdout and "Nothing was changed" in result.stdout
    assert tree(repo) == before and status(repo) == []


def test_the_command_line_refuses_in_one_line(releases, tmp_path):
    repo = legacy_repository("lua", tmp_path / "lua")
    dirty(repo)
    result = run_cli(str(repo), "--template", str(releases))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "has uncommitted changes" in result.stderr
    bad = run_cli(str(repo), "--data", "novalue")
    assert bad.returncode == 2 and "--data takes KEY=VALUE" in bad.stderr


def test_an_invalid_answer_is_refused_before_anything_is_written(releases, tmp_path):
    repo = legacy_repository("calc", tmp_path / "calc")
    before = tree(repo)
    with pytest.raises(AdoptError, match="Validation error for question 'kernel_name'"):
        adopt(repo, template=str(releases), vcs_ref=BEFORE, data={"kernel_name": "Not A Name"})
    assert tree(repo) == before


def test_in_a_terminal_it_asks_each_question_with_the_inferred_answer_as_default(releases, tmp_path):
    """copier's own prompts, in a pseudo-terminal; pressing Enter takes what adopt inferred."""
    import pty
    import re
    import select
    import time

    repo = legacy_repository("calc", tmp_path / "calc")
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command, in the terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "xeus_kernel_template", "adopt", str(repo), "--dry-run",
                                    "--template", str(releases), "--vcs-ref", BEFORE],
                   {**os.environ, "PYTHONWARNINGS": "ignore", "TERM": "xterm"})
    output, quiet_since, presses = b"", time.monotonic(), 0
    while presses < 60:
        ready, _, _ = select.select([terminal], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the command ended
                break
            if not chunk:
                break
            output += chunk
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.4:  # a question waits: Enter takes its default
            os.write(terminal, b"\r")
            presses += 1
            quiet_since = time.monotonic()
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode(errors="replace"))
    assert os.waitstatus_to_exitcode(status) == 0, text[-3000:]
    questions = text.count("🎤")
    assert questions >= 15, text[:3000]
    assert "Kernel name, for its executable" in text and "   xcalc" in text
    assert "kernel_name              'xcalc'" in text and "Plan (--dry-run" in text
