"""A real kernel lives on the template without touching a template-owned file.

The kernel: an interpreter over a third-party language library (Lua 5.4, Debian's
liblua5.4-dev in the toolchain), written for these tests in tests/fixtures/lua-kernel and
rendered with the starter left out (`interpreter_sources=none`). Its author declares, each in
its own author-owned home: the dependency (answers `dev_dependencies`,
`wasm_host_dependencies`), a build option (`option()` in CMakeLists.txt, its value in
CMakeKernelPresets.json), a CI variant (a workflow preset there), kernelspec extras
(`KERNELSPEC_METADATA`, `KERNELSPEC_ENV`) and native start-up code (src/native_startup.cpp:
its own server and environment). It builds with the presets and passes its own
jupyter_kernel_test suite; then `copier update` crosses a template release that changes the
lines next to every one of those homes: no conflict, no edit lost, and the kernel still
builds and passes.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from template_repo import (
    commit_all,
    copier_config,
    copy_project,
    git,
    leftovers,
    status,
    tree,
    two_releases,
    update,
)

pytestmark = pytest.mark.native

FIXTURE = Path(__file__).parent / "fixtures" / "lua-kernel"
LUA_ANSWERS = {
    "language_name": "Lua",
    "kernel_name": "xlua",
    "project_name": "xeus-lua",
    "cpp_namespace": "xlua",
    "display_name": "Lua 5.4 (xeus)",
    "interpreter_sources": "none",
    "interpreter_class": "xlua::interpreter",
    "interpreter_header": "xeus-lua/xinterpreter.hpp",
    "language_version": "5.4",
    "file_extension": ".lua",
    "mimetype": "text/x-lua",
    "pygments_lexer": "lua",
    "codemirror_mode": "lua",
    "dev_dependencies": ["lua >=5.4,<5.5"],
    "wasm_host_dependencies": ["lua"],
}
BEFORE, AFTER = "v1.0.0", "v1.1.0"

# The release after: changes on the lines right next to every home of the author's work, in
# the template-owned files that refer to them (path in the template: [(old, new)]).
NEXT_TO_THE_HOMES = {
    # around the answers' dependency lines
    "template/{% if with_native %}environment-dev.yml{% endif %}.jinja": [
        ("  - nlohmann_json\n", "  - nlohmann_json >=3.11\n"),
        ("  # tests\n", "  # tests (run by ctest)\n"),
    ],
    "template/{% if with_wasm %}environment-wasm-host.yml{% endif %}.jinja": [
        ("  - nlohmann_json\n", "  - nlohmann_json >=3.11\n"),
    ],
    # around the include of CMakeKernelPresets.json and the inheritance of its presets
    "template/CMakePresets.json.jinja": [
        ('"cmakeMinimumRequired": { "major": 3, "minor": 25, "patch": 0 },', '"cmakeMinimumRequired": { "major": 3, "minor": 25 },'),
        ('"displayName": "Native (Release)"', '"displayName": "Native kernel (Release)"'),
    ],
    "template/cmake/XeusKernelPresets.json.jinja": [
        ('"description": "Native kernel against xeus and xeus-zmq from the active environment",',
         '"description": "The native kernel, against xeus and xeus-zmq of the active environment",'),
    ],
    # around the display name and the metadata the kernelspec extras join
    "template/share/jupyter/kernels/{{ kernel_name }}/kernel.json.in.jinja": [
        ('  "interrupt_mode": "message",\n', '  "interrupt_mode": "message",\n  "kernel_protocol_version": "5.4",\n'),
    ],
    # around the call of the start-up hooks and their declaration
    "template/src/{% if with_native %}main.cpp{% endif %}.jinja": [
        ('    // Jupyter passes "-f <connection file>"; without it the kernel picks its own ports.\n',
         '    // Jupyter passes "-f <connection file>"; without one the kernel chooses its own ports.\n'),
    ],
    "template/include/{{ project_name }}/{% if with_native %}native_startup.hpp{% endif %}.jinja": [
        ("    // Defined in src/native_startup.cpp: called first thing in main(), with the command line\n",
         "    // Defined in src/native_startup.cpp (yours): called first thing in main(), with the command line\n"),
    ],
    # around the kernelspec extras and the start-up source in the build conventions
    "template/cmake/XeusKernel.cmake": [
        ('    if(NOT EMSCRIPTEN)  # the wasm kernel has no process environment to set\n',
         '    if(NOT EMSCRIPTEN)  # the wasm kernel has no process environment for KERNELSPEC_ENV\n'),
        ('        _xeus_kernel_author_file(startup src/native_startup.cpp "your native start-up hooks (native_startup.hpp)")\n',
         '        _xeus_kernel_author_file(startup src/native_startup.cpp "your start-up hooks (native_startup.hpp)")\n'),
    ],
    # around the CI job that runs the author's presets
    "template/.github/workflows/{% if with_native %}native.yml{% endif %}.jinja": [
        ("        name: List the workflow presets of CMakeKernelPresets.json\n",
         "        name: List your workflow presets (CMakeKernelPresets.json)\n"),
    ],
}
# The author's work: the fixture's files, copied over the render.
AUTHOR_FILES = sorted(p.relative_to(FIXTURE).as_posix() for p in FIXTURE.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    return two_releases(tmp_path_factory.mktemp("lua-releases") / "xeus-kernel-template", NEXT_TO_THE_HOMES, (BEFORE, AFTER))


def build_and_test(toolchain, project: Path, preset: str = "native") -> str:
    result = toolchain.run(["cmake", "--workflow", "--preset", preset], cwd=project, env=toolchain.build_environment(), check=False)
    assert result.returncode == 0, result.stdout[-8000:]
    assert "100% tests passed" in result.stdout, result.stdout[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def kernel(releases, toolchain, tmp_path_factory):
    """The Lua kernel, made from the older release, with its author's work committed."""
    work = tmp_path_factory.mktemp("lua-kernel")
    project = copy_project(releases, work / "xeus-lua", BEFORE, LUA_ANSWERS)
    shutil.copytree(FIXTURE, project, dirs_exist_ok=True)
    commit_all(project, "Author: the Lua interpreter, its dependency, option, CI variant, kernelspec extras and start-up hook")
    return project, toolchain.with_binds([work])


def test_the_dependency_is_in_the_environments_ci_installs(kernel):
    project, _ = kernel
    development = yaml.safe_load((project / "environment-dev.yml").read_text())["dependencies"]
    host = yaml.safe_load((project / "environment-wasm-host.yml").read_text())["dependencies"]
    assert "lua >=5.4,<5.5" in development and "xeus >=6,<7" in development
    assert "lua" in host and "xeus-lite >=5,<6" in host
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["dev_dependencies"] == ["lua >=5.4,<5.5"]
    # and the reviewer sees it so: find_package(Lua) in CMake, lua in both environments
    from xeus_kernel_template.review.config import Settings
    from xeus_kernel_template.review.report import review

    assert review(project, Settings()).results["XK507"].result is True


def test_no_starter_language_and_no_template_owned_file_edited(kernel):
    project, _ = kernel
    assert not (project / "src/language.cpp").exists()
    assert not (project / "include/xeus-lua/language.hpp").exists()
    author_owned = copier_config()["_skip_if_exists"]
    edited = git(project, "diff", "--name-only", "--diff-filter=M", "HEAD~1", "HEAD").split()
    assert edited  # CMakeLists.txt, CMakeKernelPresets.json, src/native_startup.cpp
    assert [p for p in edited if not any(fnmatch.fnmatch(p, pattern) for pattern in author_owned)] == []


def test_it_builds_with_the_presets_and_passes_its_own_suite(kernel):
    project, toolchain = kernel
    output = build_and_test(toolchain, project)
    assert "Found Lua" in output and "xlua_protocol" in output
    spec = json.loads((project / "build/native/share/jupyter/kernels/xlua/kernel.json").read_text())
    assert spec["display_name"] == "Lua 5.4 (xeus)"
    assert spec["metadata"] == {"wasm_name": "xlua", "debugger": False, "lua_version": "5.4", "sandboxed": True}
    assert spec["env"] == {"XLUA_GREETING": "hello from the kernelspec"}


def test_its_ci_variant_builds_with_the_option_off(kernel):
    """The workflow preset the author added: what native.yml runs as one more job."""
    project, toolchain = kernel
    build_and_test(toolchain, project, "native-unsandboxed")
    spec = json.loads((project / "build/native-unsandboxed/share/jupyter/kernels/xlua/kernel.json").read_text())
    assert spec["metadata"]["sandboxed"] is False
    # The step of native.yml that lists the jobs to run, run as GitHub would run it (bash, jq).
    workflow = yaml.safe_load((project / ".github/workflows/native.yml").read_text())
    step = next(s for s in workflow["jobs"]["kernel-presets"]["steps"] if s.get("id") == "list")
    output = project.parent / "github-output"
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env={**os.environ, "GITHUB_OUTPUT": str(output)}, check=True)
    assert output.read_text() == 'workflows=["native-unsandboxed"]\n'
    matrix = workflow["jobs"]["kernel-variants"]["strategy"]["matrix"]["preset"]
    assert matrix == "${{ fromJSON(needs.kernel-presets.outputs.workflows) }}"


def test_an_update_next_to_every_home_merges_without_conflict(kernel):
    project, toolchain = kernel
    shutil.rmtree(project / "build", ignore_errors=True)
    before = tree(project)
    update(project, AFTER, unsafe=False)  # crosses no migration: no --trust
    assert not leftovers(project), leftovers(project)
    after = tree(project)
    for relative in AUTHOR_FILES:
        assert after[relative] == before[relative], f"{relative} changed"
    # The release's changes arrived, around the author's lines, which are still there.
    development = (project / "environment-dev.yml").read_text()
    assert "  - nlohmann_json >=3.11\n" in development and '"lua >=5.4,<5.5"' in development
    assert '"kernel_protocol_version": "5.4"' in (project / "share/jupyter/kernels/xlua/kernel.json.in").read_text()
    assert "without one the kernel chooses its own ports" in (project / "src/main.cpp").read_text()
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == AFTER
    changed = {line[3:] for line in status(project)}
    assert changed and not changed & set(AUTHOR_FILES), changed
    commit_all(project, f"Update to xeus-kernel-template {AFTER}")
    build_and_test(toolchain, project)
