"""`copier update` carries the conventions into existing kernels without losing the author's work.

A throwaway git repository of the template holds two synthetic releases: v0.1.0, an older
state derived from the working tree (the start-up hook still called wasm/initialize.js, no
migration, one convention line different in cmake/XeusKernel.cmake and in
environment-dev.yml), and v0.2.0, the working tree itself. Kernels are made from v0.1.0
with `copier copy`, committed, edited the way an author would, committed, and updated to
v0.2.0 with a real `copier update`. After each update every edit must still be there, byte
for byte, or show as a conflict the author cannot miss: merge markers, `*.rej` files or
unmerged git entries. `copier update` exits 0 even with conflicts, so the tests look for
those themselves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from copier.errors import TaskError, UnsafeTemplateError

import template_repo
from template_repo import (
    TEMPLATE,
    Leftovers,
    commit_all,
    commit_release,
    copier_config,
    copy_project,
    copy_template,
    git,
    leftovers,
    replace_once,
    status,
    tree,
)

OLD, NEW = "v0.1.0", "v0.2.0"
KERNEL = "xmylang"
HOOK_OLD, HOOK_NEW = "wasm/initialize.js", "wasm/initialize_xkernel.js"
HOOK_TEMPLATE = "template/{% if with_wasm %}wasm{% endif %}/initialize_xkernel.js.jinja"
# Convention lines that differ between the two releases (v0.1.0, v0.2.0), in template-owned
# cmake/XeusKernel.cmake and environment-dev.yml (whose pin comes from stack.yml).
PRE_JS_OLD = 'set(pre_js "${PROJECT_SOURCE_DIR}/wasm/initialize.js" "${PROJECT_SOURCE_DIR}/wasm/pre.js")'
PRE_JS_NEW = 'set(pre_js "${PROJECT_SOURCE_DIR}/wasm/initialize_xkernel.js" "${PROJECT_SOURCE_DIR}/wasm/pre.js")'
PIN_OLD, PIN_NEW = "  - jupyter_client >=7\n", "  - jupyter_client >=8\n"
STACK_PIN_OLD, STACK_PIN_NEW = '      jupyter_client: ">=7"\n', '      jupyter_client: ">=8"\n'


def update(project: Path, ref: str = NEW, **kwargs) -> float:
    return template_repo.update(project, ref, **kwargs)


# --- the throwaway template repository -----------------------------------------------------


def make_older(tree: Path) -> None:
    """Turn a copy of the current template into the synthetic v0.1.0: the state before the
    start-up hook was renamed, without the migration, with older convention lines."""
    hook = tree / HOOK_TEMPLATE
    hook.rename(hook.with_name(hook.name.replace("initialize_xkernel.js", "initialize.js")))
    replace_once(tree / "template/cmake/XeusKernel.cmake", PRE_JS_NEW, PRE_JS_OLD)
    replace_once(tree / "template/{% if with_wasm %}wasm{% endif %}/pre.js", "// wasm/initialize_xkernel.js,", "// wasm/initialize.js,")
    replace_once(tree / "stack.yml", STACK_PIN_NEW, STACK_PIN_OLD)  # environment-dev.yml takes it from the stack
    replace_once(tree / "copier.yml", f"  - {HOOK_NEW}\n", f"  - {HOOK_OLD}\n")
    drop_migrations(tree)


def drop_migrations(tree: Path) -> None:
    config = tree / "copier.yml"
    text, count = re.subn(r"^_migrations:\n(?:(?:[ \t].*)?\n)*", "", config.read_text(encoding="utf-8"), flags=re.MULTILINE)
    config.write_text(text, encoding="utf-8")
    assert count == 1 and "_migrations" not in copier_config(tree), "copier.yml: no _migrations block to remove"
    shutil.rmtree(tree / "hooks")


def build_releases(repo: Path, with_migration: bool = True) -> Path:
    """v0.1.0 (synthetic older state) and v0.2.0 (the working tree), tagged like real releases."""
    repo.mkdir()
    git(repo, "init", "--quiet")
    copy_template(repo)
    make_older(repo)
    commit_release(repo, OLD)
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    copy_template(repo)
    if not with_migration:
        drop_migrations(repo)
    commit_release(repo, NEW)
    return repo


@pytest.fixture(scope="session")
def releases(tmp_path_factory) -> Path:
    return build_releases(tmp_path_factory.mktemp("releases") / "xeus-kernel-template")


# --- kernels made from the template --------------------------------------------------------


@pytest.fixture(scope="session")
def old_project(releases, tmp_path_factory) -> Path:
    """A kernel made from v0.1.0 and committed: copied (with its .git) for each scenario."""
    return copy_project(releases, tmp_path_factory.mktemp("old") / "xeus-mylang", OLD)


@pytest.fixture
def project(old_project, tmp_path) -> Path:
    destination = tmp_path / "xeus-mylang"
    shutil.copytree(old_project, destination, symlinks=True)
    return destination


# --- the author's edits ------------------------------------------------------------------------
#
# Each edit changes a v0.1.0 kernel the way an author would and returns what must survive the
# update: {path after the update: the author's bytes}. The outcome of a path is "preserved"
# (the bytes are there), "conflict" (a marker, a .rej file or an unmerged entry shows it) or
# "lost" (neither): no scenario may lose anything.


def append(project: Path, relative: str, text: str) -> bytes:
    path = project / relative
    path.write_bytes(path.read_bytes() + text.encode())
    return path.read_bytes()


def write(project: Path, relative: str, text: str) -> bytes:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def edit_in_place(project: Path, relative: str, old: str, new: str) -> bytes:
    replace_once(project / relative, old, new)
    return (project / relative).read_bytes()


EXTRA_SOURCE = "// Mine: an extra source of the interpreter library.\nnamespace xeus_mylang\n{\n    int extra_answer();\n    int extra_answer() { return 42; }\n}\n"
USER_PRESETS = {
    "version": 6,
    "configurePresets": [{"name": "native-mine", "inherits": "native", "binaryDir": "${sourceDir}/build/mine"}],
    "buildPresets": [{"name": "native-mine", "configurePreset": "native-mine"}],
}


def interpreter_code(p: Path) -> dict:
    return {
        "src/xinterpreter.cpp": append(p, "src/xinterpreter.cpp", "\n// Mine: the evaluator of my language goes here.\n"),
        "include/xeus-mylang/xinterpreter.hpp": append(p, "include/xeus-mylang/xinterpreter.hpp", "// Mine: a note on the class.\n"),
        "src/language.cpp": edit_in_place(p, "src/language.cpp", "// The builtins that need", "// Mine: the builtins that need"),
    }


def readme_body(p: Path) -> dict:
    return {"README.md": edit_in_place(p, "README.md", "A Jupyter kernel for MyLang, built on xeus\n", "MyLang in Jupyter: my own words, with ünicode.\n")}


def cmake_sources(p: Path) -> dict:
    edit_in_place(p, "CMakeLists.txt", "    SOURCES src/xinterpreter.cpp src/language.cpp\n", "    SOURCES src/xinterpreter.cpp src/language.cpp src/extra.cpp\n")
    return {
        "src/extra.cpp": write(p, "src/extra.cpp", EXTRA_SOURCE),
        "CMakeLists.txt": append(p, "CMakeLists.txt", "\n# Mine: my own compile definition.\ntarget_compile_definitions(xeus-mylang PRIVATE MYLANG_EXTRA=1)\n"),
    }


def user_presets(p: Path) -> dict:
    # Git-ignored (CMake's convention): never committed, and copier must leave it alone.
    return {"CMakeUserPresets.json": write(p, "CMakeUserPresets.json", json.dumps(USER_PRESETS, indent=2) + "\n")}


def init_hook(p: Path) -> dict:
    # The rename of v0.2.0: the author's hook must arrive, unchanged, under the new name.
    edited = edit_in_place(p, HOOK_OLD, '= "yes";\n', '= "yes";\n  Module.ENV["MYLANG_HOME"] = "/home/mylang";  // mine\n')
    return {HOOK_NEW: edited}


def extra_workflow(p: Path) -> dict:
    return {".github/workflows/docs.yml": write(p, ".github/workflows/docs.yml", "# Mine\nname: docs\non: [push]\njobs: {}\n")}


def deleted_template_file(p: Path) -> dict:
    git(p, "rm", "--quiet", ".clang-format")
    return {".clang-format": None}  # None: must stay deleted


def far_edit_in_template_file(p: Path) -> dict:
    # An author's line far (> 3 lines) from the v0.2.0 change of the same template-owned file:
    # the 3-way merge keeps both.
    edited = edit_in_place(p, "environment-dev.yml", "  - nlohmann_json\n", "  - nlohmann_json\n  - lua  # mine\n")
    return {"environment-dev.yml": edited.replace(PIN_OLD.encode(), PIN_NEW.encode())}


def kernel_tests(p: Path) -> dict:
    return {f"test/test_{KERNEL}_kernel.py": append(p, f"test/test_{KERNEL}_kernel.py", "\n\ndef test_mine():\n    assert 6 * 7 == 42\n")}


def logo(p: Path) -> dict:
    return {f"share/jupyter/kernels/{KERNEL}/logo-svg.svg": write(p, f"share/jupyter/kernels/{KERNEL}/logo-svg.svg", "<svg xmlns='http://www.w3.org/2000/svg'><!-- mine --></svg>\n")}


def edit_on_changed_template_line(p: Path) -> dict:
    # The author edits the very line v0.2.0 changes (in a template-owned file): a conflict.
    edited = edit_in_place(p, "cmake/XeusKernel.cmake", PRE_JS_OLD, PRE_JS_OLD.replace(")", ' "${PROJECT_SOURCE_DIR}/wasm/mine.js")'))
    return {"cmake/XeusKernel.cmake": edited}


def hook_renamed(p: Path) -> None:
    assert not (p / HOOK_OLD).exists()
    assert PRE_JS_NEW in (p / "cmake/XeusKernel.cmake").read_text()
    assert f"R  {HOOK_OLD} -> {HOOK_NEW}" in status(p)  # a move the author sees and commits


def description_reached_template_files(p: Path) -> None:
    assert 'description = "A new description"' in (p / "include/xeus-mylang/kernel_metadata.hpp").read_text()


def wasm_files_removed(p: Path) -> None:
    for relative in ("wasm/pre.js", "src/main_emscripten_kernel.cpp", "environment-wasm-host.yml", "cmake/EmscriptenToolchain.cmake"):
        assert not (p / relative).exists(), relative
    assert "wasm" not in {preset["name"] for preset in json.loads((p / "CMakePresets.json").read_text())["configurePresets"]}


@dataclass
class Scenario:
    edit: Callable[[Path], dict]
    outcome: str  # what every path the edit returns must show after the update
    data: dict = field(default_factory=dict)  # answers changed on update (`copier update --data`)
    conflict: str = "inline"  # copier's --conflict
    check: Callable[[Path], None] | None = None


SCENARIOS = {
    "interpreter-code": Scenario(interpreter_code, "preserved"),
    "readme-body": Scenario(readme_body, "preserved"),
    "cmake-sources": Scenario(cmake_sources, "preserved"),
    "user-presets": Scenario(user_presets, "preserved"),
    "init-hook-renamed": Scenario(init_hook, "preserved", check=hook_renamed),
    "extra-workflow": Scenario(extra_workflow, "preserved"),
    "deleted-template-file": Scenario(deleted_template_file, "preserved"),
    "far-edit-in-template-file": Scenario(far_edit_in_template_file, "preserved"),
    "kernel-tests": Scenario(kernel_tests, "preserved"),
    "logo": Scenario(logo, "preserved"),
    "answer-changed-description": Scenario(readme_body, "preserved", data={"description": "A new description"}, check=description_reached_template_files),
    "answer-changed-no-wasm": Scenario(init_hook, "preserved", data={"with_wasm": False}, check=wasm_files_removed),
    "edit-on-changed-template-line": Scenario(edit_on_changed_template_line, "conflict"),
    "edit-on-changed-template-line-rej": Scenario(edit_on_changed_template_line, "conflict", conflict="rej"),
}
# Edits that go together in one kernel, which must still build and pass its tests once updated.
TOGETHER = [
    interpreter_code, readme_body, cmake_sources, user_presets, init_hook, extra_workflow,
    deleted_template_file, far_edit_in_template_file, kernel_tests, logo,
]


def outcome(project: Path, path: str, expected: bytes | None, found: Leftovers) -> str:
    target = project / path
    if expected is None:
        return "preserved" if not target.exists() else "lost"
    if target.is_file() and target.read_bytes() == expected:
        return "preserved"
    return "conflict" if found.shows(path) else "lost"


def outcomes(project: Path, kept: dict) -> tuple[dict[str, str], Leftovers]:
    found = leftovers(project)
    return {path: outcome(project, path, expected, found) for path, expected in kept.items()}, found


@pytest.mark.parametrize("name", SCENARIOS)
def test_author_edits_survive_the_update(project, name):
    scenario = SCENARIOS[name]
    kept = scenario.edit(project)
    commit_all(project, f"Author: {name}")
    update(project, data=scenario.data, conflict=scenario.conflict)
    result, found = outcomes(project, kept)
    assert set(result.values()) == {scenario.outcome}, (result, found)
    if scenario.outcome == "preserved":
        assert not found, found
    else:  # the author's line is in front of them, next to the template's
        for path in kept:
            shown = (project / (f"{path}.rej" if scenario.conflict == "rej" else path)).read_text()
            assert "wasm/mine.js" in shown, shown
        if scenario.conflict == "inline":
            assert list(kept) == found.markers == found.unmerged, found
        else:
            assert [f"{path}.rej" for path in kept] == found.rejects, found
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == NEW
    assert {key: answers[key] for key in scenario.data} == scenario.data
    if scenario.check:
        scenario.check(project)


def test_a_deleted_author_file_comes_back_visibly(project):
    """Copier re-creates a deleted `_skip_if_exists` file: the starter docs come back as
    untracked files the author sees in `git status`; nothing of theirs is touched. With
    `--exclude` they stay deleted."""
    git(project, "rm", "-r", "--quiet", "docs")
    commit_all(project, "Author: no docs")
    excluded = project.parent / "excluded"
    shutil.copytree(project, excluded, symlinks=True)
    update(project)
    assert {"?? docs/conf.py", "?? docs/index.md", "?? docs/requirements.txt"} <= set(status(project))
    assert not leftovers(project)
    update(excluded, exclude=["docs"])
    assert not (excluded / "docs").exists()


# --- idempotence, conventions, the migration -------------------------------------------------


def test_copies_are_reproducible(releases, tmp_path):
    """No dates, no random values: two copies with the same answers are identical, and the
    template uses none of the Jinja filters that would make them differ another day."""
    first = copy_project(releases, tmp_path / "first" / "xeus-mylang", NEW)
    second = copy_project(releases, tmp_path / "second" / "xeus-mylang", NEW)
    assert tree(first) == tree(second)
    unstable = re.compile(r"\|\s*(random|shuffle|to_uuid|strftime)\b|\bnow\(|\bdatetime\b|\brandom\(")
    for path in [TEMPLATE / "copier.yml", *(TEMPLATE / "template").rglob("*.jinja")]:
        assert not unstable.search(path.read_text(encoding="utf-8")), path


def test_no_op_update_leaves_git_status_empty(releases, tmp_path):
    """Updating a clean kernel to the version it has changes nothing; such an update crosses
    no migration, so it needs no --trust either."""
    project = copy_project(releases, tmp_path / "xeus-mylang", NEW)
    update(project, NEW, unsafe=False)
    assert status(project) == []


def test_convention_change_reaches_an_unedited_kernel(project, releases, tmp_path):
    """A clean v0.1.0 kernel updated to v0.2.0 is exactly a v0.2.0 kernel, and a second update
    is a no-op."""
    before = (project / "cmake/XeusKernel.cmake").read_text()
    assert PRE_JS_OLD in before and PIN_OLD in (project / "environment-dev.yml").read_text()
    update(project)
    assert PRE_JS_NEW in (project / "cmake/XeusKernel.cmake").read_text()
    assert PIN_NEW in (project / "environment-dev.yml").read_text()
    fresh = copy_project(releases, tmp_path / "fresh" / "xeus-mylang", NEW)
    assert tree(project) == tree(fresh)
    assert not leftovers(project)
    commit_all(project, f"Update to xeus-kernel-template {NEW}")
    update(project)
    assert status(project) == []


def test_without_the_migration_the_hook_would_be_lost(tmp_path):
    """Why the migration exists: the same release without it replaces the author's hook by the
    starter one and deletes theirs, with no conflict to show it."""
    releases = build_releases(tmp_path / "no-migration", with_migration=False)
    project = copy_project(releases, tmp_path / "xeus-mylang", OLD)
    kept = init_hook(project)
    commit_all(project, "Author: my hook")
    update(project, unsafe=False)  # no migration: nothing unsafe
    assert outcomes(project, kept)[0] == {HOOK_NEW: "lost"}
    assert f" D {HOOK_OLD}" in status(project)


def test_migration_needs_trust_and_refuses_without(project):
    head = git(project, "rev-parse", "HEAD")
    with pytest.raises(UnsafeTemplateError, match="migrations"):
        update(project, unsafe=False)
    assert status(project) == [] and git(project, "rev-parse", "HEAD") == head


def test_migration_stops_when_both_hook_names_exist(project):
    """An author who already made wasm/initialize_xkernel.js must merge the two by hand: the
    update stops before changing anything and says so."""
    write(project, HOOK_NEW, "// mine, new name\n")
    before = tree(project)
    commit_all(project, "Author: both hooks")
    with pytest.raises(TaskError):
        update(project)
    assert status(project) == [] and tree(project) == before


def run_migration(project: Path) -> subprocess.CompletedProcess:
    script = TEMPLATE / "hooks/migrate_0_2_0_initialize_xkernel.py"
    return subprocess.run([sys.executable, str(script)], cwd=project, capture_output=True, text=True, check=False)


def test_migration_script_is_idempotent(tmp_path):
    """Outside git too (a plain rename), and a second run changes nothing."""
    hook = write(tmp_path, HOOK_OLD, "async function xkernel_initialize(Module) {}  // mine\n")
    first = run_migration(tmp_path)
    assert first.returncode == 0 and "moved" in first.stdout
    assert (tmp_path / HOOK_NEW).read_bytes() == hook and not (tmp_path / HOOK_OLD).exists()
    second = run_migration(tmp_path)
    assert second.returncode == 0 and "nothing to move" in second.stdout
    assert tree(tmp_path) == {HOOK_NEW: hook}


def test_update_runs_the_migration_only_across_its_release(project):
    """After the migration ran once (v0.1.0 -> v0.2.0), later updates do not run it again."""
    init_hook(project)
    commit_all(project, "Author: my hook")
    update(project)
    commit_all(project, f"Update to {NEW}")
    assert [m["version"] for m in copier_config()["_migrations"]] == ["0.2.0"]
    update(project, unsafe=False)  # v0.2.0 -> v0.2.0: no migration in range, no --trust
    assert status(project) == []


# --- conflict hygiene ---------------------------------------------------------------------------


@pytest.fixture
def rejected(project) -> Path:
    """A kernel whose update left a *.rej file."""
    edit_on_changed_template_line(project)
    commit_all(project, "Author: my pre-js")
    update(project, conflict="rej")
    assert leftovers(project).rejects == ["cmake/XeusKernel.cmake.rej"]
    return project


def guard_hooks(project: Path) -> dict[str, dict]:
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    return {hook["id"]: {**hook, "repo": repo["repo"]} for repo in config["repos"] for hook in repo["hooks"]}


def test_pre_commit_config_refuses_update_leftovers(rejected):
    """The generated pre-commit config refuses merge markers (check-merge-conflict, even
    outside a git merge) and every *.rej / *.orig file, which copier's leftovers are."""
    hooks = guard_hooks(rejected)
    assert "--assume-in-merge" in hooks["check-merge-conflict"]["args"]
    guard = hooks["no-rejected-merges"]
    assert guard["repo"] == "local" and guard["language"] == "fail"  # fails on any file it matches
    for leftover in [*leftovers(rejected).rejects, "src/xinterpreter.cpp.orig"]:
        assert re.search(guard["files"], leftover), leftover
    assert not re.search(guard["files"], "cmake/XeusKernel.cmake")


def test_pre_commit_refuses_to_commit_a_rej_file(rejected, tmp_path):
    """The same, run for real with pre-commit (its local hooks need no download)."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed")
    config = yaml.safe_load((rejected / ".pre-commit-config.yaml").read_text())
    local = tmp_path / "local-hooks.yaml"
    local.write_text(yaml.safe_dump({"repos": [repo for repo in config["repos"] if repo["repo"] == "local"]}))
    git(rejected, "add", "--all")  # the careless `git add -A` the hook is there for
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--config", str(local), "--all-files"],
        cwd=rejected, capture_output=True, text=True, check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cmake/XeusKernel.cmake.rej" in result.stdout and "Leftovers of `copier update`" in result.stdout


# --- the reviewer in the generated pre-commit ----------------------------------------------------


def test_generated_pre_commit_runs_the_reviewer_of_its_release(releases, tmp_path):
    """The kernel's pre-commit installs the reviewer from the template release it was made
    from, and the reviewer passes it but for XK803 (made from a local path, not a git URL)."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed")
    project = copy_project(releases, tmp_path / "xeus-mylang", NEW)
    hooks = guard_hooks(project)
    assert hooks["xeus-kernel-review"]["repo"] == str(releases)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    reviewer = next(r for r in config["repos"] if r["repo"] == str(releases))
    assert reviewer["rev"] == NEW
    only = tmp_path / "reviewer-hook.yaml"  # the other hook repos would need github.com
    only.write_text(yaml.safe_dump({"repos": [reviewer]}))
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--config", str(only), "--all-files"],
        cwd=project, capture_output=True, text=True, check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    failed = set(re.findall(r"\b(XK\d{3})\b[^\n]*✗|✗[^\n]*\b(XK\d{3})\b", output))
    assert {c for pair in failed for c in pair if c} == {"XK803"}, output[-4000:]


# --- the native build after an update -----------------------------------------------------------


@pytest.mark.native
def test_updated_kernel_builds_and_passes_its_tests(old_project, toolchain, tmp_path_factory):
    """A v0.1.0 kernel with all the author's edits above, updated to v0.2.0, still builds with
    `cmake --workflow --preset native` and passes its own tests, the author's included."""
    work = tmp_path_factory.mktemp("native-updated")
    project = work / "xeus-mylang"
    shutil.copytree(old_project, project, symlinks=True)
    kept = {path: content for edit in TOGETHER for path, content in edit(project).items()}
    commit_all(project, "Author: everything")
    update(project)
    result, found = outcomes(project, kept)
    assert set(result.values()) == {"preserved"} and not found, (result, found)
    tc = toolchain.with_binds([work])
    workflow = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=project, check=False)
    assert workflow.returncode == 0, workflow.stdout[-8000:]
    assert re.search(r"100% tests passed, 0 tests failed out of [1-9]", workflow.stdout), workflow.stdout[-3000:]
    # ctest shows pytest's lines only when verbose: the author's own test ran and passed.
    verbose = tc.run(["ctest", "--test-dir", "build/native", "--verbose"], cwd=project, check=False)
    assert verbose.returncode == 0 and re.search(r"test_mine PASSED", verbose.stdout), verbose.stdout[-3000:]
