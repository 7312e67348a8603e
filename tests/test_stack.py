"""The stack's versions are defined once (stack.yml) and every generated file takes them
from there: no template file holds a literal copy, a render with every value of the table
changed carries none of the old values and all of the new ones, docs/stack.md shows the
table as it is, and moving every kernel to the emscripten-6x line is one change in one
place, shipped as a release that `copier update` carries into a kernel without a conflict."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest

from conftest import render
from samples import answers
from template_repo import (
    TEMPLATE,
    commit_all,
    copier_config,
    copy_project,
    leftovers,
    status,
    tree,
    two_releases,
    update,
)

STACK = copier_config()["stack"]["default"]
# Where a template carries its versions: the questions, the shared macros and the rendered tree.
SOURCES = [TEMPLATE / "copier.yml", *sorted((TEMPLATE / "includes").rglob("*")), *sorted((TEMPLATE / "template").rglob("*"))]
# conda and pip package names of the table: none may be followed by a literal version.
PACKAGES = sorted(
    {"xeus", "xeus-zmq", "xeus-lite", "emscripten_emscripten-wasm32", "jupyterlite-core", "jupyterlite-xeus"}
    | set(STACK["conda"]) | set(STACK["pip"])
)


def template_texts():
    for path in SOURCES:
        if path.is_file():
            try:
                yield path.relative_to(TEMPLATE).as_posix(), path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # the PNG logos


def literals(stack: dict) -> set[str]:
    """The values of the table specific enough to be found as text: versions, ranges,
    SHAs, channels (majors are found by the package-name patterns)."""
    found = {pin[key] for pin in stack["actions"].values() for key in ("sha", "version")}
    found |= set(stack["pre-commit"].values()) | set(stack["pip"].values())
    found |= {v for v in stack["conda"].values()}
    for row in stack["lines"].values():
        found |= {str(row["emscripten"]), row["channel"], row["channel"].rsplit("/", 1)[1]}
        found |= {row["jupyterlite-core"], row["jupyterlite-xeus"]}
    return found


def versioned(name: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])\s*(==|>=|<=|~=|!=|<|>|=)\s*\d")


MAJOR_IN_CMAKE = re.compile(r"XEUS_KERNEL_XEUS\w*_VERSION \d|find_package\(xeus(-zmq|-lite)? \d")


def test_no_template_file_holds_a_literal_of_the_table():
    specific = sorted(v for v in literals(STACK) if len(v) >= 5 or "," in v)  # ">=8" alone is too common
    found = []
    for relative, text in template_texts():
        found += [f"{relative}: {value}" for value in specific if value in text]
        found += [f"{relative}: {m.group(0)}" for name in PACKAGES for m in versioned(name).finditer(text)]
        found += [f"{relative}: {m.group(0)}" for m in MAJOR_IN_CMAKE.finditer(text)]
        found += [f"{relative}: {m.group(0)}" for m in re.finditer(r"rev: v?\d[\w.]*|@[0-9a-f]{40}", text)]
    assert found == [], "take these from stack.yml (docs/stack.md):\n" + "\n".join(found)


def perturbed(stack: dict) -> dict:
    """The table with every value changed: majors +10, versions and SHAs replaced."""
    new = copy.deepcopy(stack)
    for name, row in new["lines"].items():
        for key in ("xeus", "xeus-zmq", "xeus-lite"):
            row[key] += 10
        row["emscripten"] = "9.8.7"
        row["channel"] = f"https://conda.example.org/{name}-next"
        row["jupyterlite-core"], row["jupyterlite-xeus"] = ">=7.7,<7.8", ">=8.8,<9"
    new["conda"] = {name: f">=77.{i}" for i, name in enumerate(new["conda"])}
    new["pip"] = {name: f">=66.{i},<67" for i, name in enumerate(new["pip"])}
    for i, pin in enumerate(new["actions"].values()):
        pin["sha"], pin["version"] = f"{i:x}" * 40 if i < 16 else "f" * 40, f"v55.{i}.0"
    new["pre-commit"] = {repo: f"v44.{i}.0" for i, repo in enumerate(new["pre-commit"])}
    return new


def rendered_texts(project: Path) -> dict[str, str]:
    texts = {}
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            try:
                texts[path.relative_to(project).as_posix()] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return texts


def test_every_generated_file_follows_the_table(tmp_path):
    """Rendered with every value of the table changed: no old value is left in any generated
    file (nothing kept a copy), and every new value of the line in use is somewhere."""
    new = perturbed(STACK)
    for name in ("defaults", "no-wasm"):
        project = render(tmp_path / name, {**answers(name), "stack": new})
        texts = rendered_texts(project)
        everything = "\n".join(texts.values())
        old = {v for v in literals(STACK) if len(v) >= 5 or "," in v}
        left = sorted(f"{path}: {v}" for path, text in texts.items() for v in old if v in text)
        assert left == [], left
        row = STACK["lines"][STACK["line"]]
        for key in ("xeus", "xeus-zmq", "xeus-lite"):
            assert not re.search(rf"(?<![\w-]){key} >={row[key]},", everything), key
        assert f"XEUS_KERNEL_XEUS_VERSION {row['xeus']})" not in everything
        line = new["lines"][new["line"]]
        cmake = texts["cmake/XeusKernelStack.cmake"]
        assert f"XEUS_KERNEL_XEUS_VERSION {line['xeus']})" in cmake
        assert f"XEUS_KERNEL_XEUS_ZMQ_VERSION {line['xeus-zmq']})" in cmake
        assert f"xeus >={line['xeus']},<{line['xeus'] + 1}" in texts["environment-dev.yml"]
        for pin in new["actions"].values():  # all but the wasm-only actions are in every render
            if pin["sha"] in everything:
                assert f"@{pin['sha']}  # {pin['version']}" in everything
        used = {a for a, pin in new["actions"].items() if pin["sha"] in everything}
        assert {"actions/checkout", "mamba-org/setup-micromamba"} <= used
        if name == "defaults":  # the render with every file: every value of the table is used
            for value in [*new["conda"].values(), *new["pre-commit"].values(), *new["pip"].values()]:
                assert value in everything, value
            assert set(new["actions"]) == used
            assert f"emscripten_emscripten-wasm32 =={line['emscripten']}" in texts["environment-wasm-build.yml"]
            for file in ("environment-wasm-host.yml", "lite/jupyter_lite_config.json"):
                assert line["channel"] in texts[file], file
            for key in ("jupyterlite-core", "jupyterlite-xeus"):
                assert f"{key} {line[key]}" in texts["environment-wasm-build.yml"]


def docs_table() -> dict[str, list[str]]:
    text = (TEMPLATE / "docs/stack.md").read_text()
    rows = re.findall(r"^\| (emscripten-\w+)( \(in use\))? \| (.+) \|$", text, re.MULTILINE)
    return {name: [cell.strip() for cell in cells.split("|")] + [bool(in_use)] for name, in_use, cells in rows}


def test_docs_show_the_table_as_it_is():
    keys = ("xeus", "xeus-zmq", "xeus-lite", "emscripten", "channel", "jupyterlite-core", "jupyterlite-xeus")
    expected = {name: [str(row[k]) for k in keys] + [name == STACK["line"]] for name, row in STACK["lines"].items()}
    assert docs_table() == expected


def test_pyproject_clang_format_is_the_hook_of_the_table():
    """The test extra's clang-format (tests/test_render.py runs it) is the one the generated
    pre-commit config pins: bump-stack moves both."""
    extras = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    pinned = next(spec for spec in extras if spec.startswith("clang-format=="))
    assert "v" + pinned.split("==")[1] == STACK["pre-commit"]["https://github.com/pre-commit/mirrors-clang-format"]


# --- the emscripten-6x line, as a template release ----------------------------------------

BEFORE, AFTER = "v1.0.0", "v1.1.0"
SIX = "emscripten-6x"


@pytest.fixture(scope="module")
def six_releases(tmp_path_factory) -> Path:
    return two_releases(
        tmp_path_factory.mktemp("6x-releases") / "xeus-kernel-template",
        {"stack.yml": [(f"    line: {STACK['line']}\n", f"    line: {SIX}\n")]},
        (BEFORE, AFTER),
    )


def test_moving_to_the_6x_line_is_one_change_in_a_release(six_releases, tmp_path):
    """The release changes one line of stack.yml; a kernel updated across it gets the 6x
    emscripten, channel and recipe, in exactly the files that carry them, with no conflict
    and no --trust (no migration lies between the two)."""
    project = copy_project(six_releases, tmp_path / "xeus-mylang", BEFORE)
    before = tree(project)
    update(project, AFTER, unsafe=False)
    assert not leftovers(project)
    after = tree(project)
    changed = {path for path in after if after[path] != before.get(path)} | set(before) - set(after)
    assert changed == {
        ".copier-answers.yml", ".pre-commit-config.yaml", ".github/workflows/review.yml",  # the release's name
        "environment-wasm-build.yml", "environment-wasm-host.yml", "lite/jupyter_lite_config.json",
        "cmake/XeusKernelStack.cmake", "recipe/emscripten-forge/recipe.yaml",
    }, changed
    old, new = STACK["lines"][STACK["line"]], STACK["lines"][SIX]
    text = {path: after[path].decode() for path in changed}
    assert f"emscripten_emscripten-wasm32 =={new['emscripten']}" in text["environment-wasm-build.yml"]
    for path in ("environment-wasm-host.yml", "lite/jupyter_lite_config.json", "recipe/emscripten-forge/recipe.yaml"):
        assert new["channel"] in text[path] and old["channel"] not in text[path], path
    everything = b"\n".join(after.values()).decode(errors="replace")
    assert old["channel"] not in everything and f"=={old['emscripten']}" not in everything
    assert {line[3:] for line in status(project)} == changed
    commit_all(project, f"Update to {AFTER}")
    update(project, AFTER, unsafe=False)
    assert status(project) == []
