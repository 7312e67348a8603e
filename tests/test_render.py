"""Render the template matrix and check every render is complete, valid and clean."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import copier
import pytest
import yaml

from conftest import CHECK_JSONSCHEMA
from escaping import escape, spellings
from samples import RENDERS, answers
from template_repo import copy_template

FREE_TEXT = ("language_name", "description", "author_name")
JINJA_MARKER = re.compile(r"(?<!\$)\{\{|\{%|\{#")
SCHEMAS = Path(__file__).parent / "schemas"


def text_files(project: Path):
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary (PNG logos)


def test_no_leftover_jinja(rendered, render_name):
    project = rendered(render_name)
    data = answers(render_name)
    forms = sorted({s for key in FREE_TEXT if key in data for s in spellings(data[key])}, key=len, reverse=True)
    for path, text in text_files(project):
        if path.name == ".copier-answers.yml":
            recorded = yaml.safe_load(text)
            assert {key: recorded[key] for key in data} == data
            continue
        for spelling in forms:
            text = text.replace(spelling, "")
        assert not JINJA_MARKER.search(text), f"{path.relative_to(project)} keeps Jinja syntax"
        assert "{{" not in path.name and "{%" not in path.name, f"unrendered file name {path.name}"


def identifiers(render: str) -> set[str]:
    data = answers(render)
    slug = re.sub(r"[^a-z0-9]+", "", data["language_name"].lower())
    return {
        data.get("kernel_name", f"x{slug}"),
        data.get("project_name", f"xeus-{slug}"),
        data.get("cpp_namespace", f"xeus_{slug}"),
    }


LEAK_PAIRS = [(a, b) for a in sorted(RENDERS) for b in sorted(RENDERS) if identifiers(b) - identifiers(a)]


@pytest.mark.parametrize(("render", "other"), LEAK_PAIRS)
def test_no_names_leak_from_another_render(rendered, render, other):
    foreign = identifiers(other) - identifiers(render)
    project = rendered(render)
    for path, text in text_files(project):
        relative = str(path.relative_to(project))
        for name in foreign:
            assert name not in relative and name not in text, f"{name} (from {other}) in {relative}"


def test_json_and_yaml_parse(rendered, render_name):
    project = rendered(render_name)
    checked = 0
    for path, text in text_files(project):
        if path.name.endswith((".json", ".json.in")):
            json.loads(text)
            checked += 1
        elif path.suffix in {".yml", ".yaml"} or path.name == ".clang-format":
            yaml.safe_load(text)
            checked += 1
    assert checked >= 5


def test_free_text_survives_escaping(rendered):
    """The hostile description reads back unchanged from JSON-, YAML- and C++-escaped places."""
    project = rendered("odd-names")
    data = answers("odd-names")
    spec = json.loads((project / "share/jupyter/kernels/xq_sharp2/kernel.json.in").read_text())
    assert spec["display_name"] == data["display_name"]
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["description"] == data["description"]
    assert recorded["author_name"] == data["author_name"]
    header = (project / "include/q_sharp-kernel9/kernel_metadata.hpp").read_text()
    literal = re.search(r"description = (\".*\");", header).group(1)
    assert json.loads(literal) == data["description"]  # a JSON string is the C++ literal here
    readme = (project / "README.md").read_text()
    assert str(escape().markdown(data["description"])) in readme  # tests/test_hostile_answers.py reads it back
    assert "<b>bold</b>" not in readme


def test_check_jsonschema(rendered, render_name):
    project = rendered(render_name)
    presets_schema = next(
        (p for p in sorted(Path("/usr/share").glob("cmake*/Help/manual/presets/schema.json"))), None
    )
    if presets_schema is None:
        pytest.skip("CMake's presets schema (cmake-data) is not installed")
    checks = [
        (presets_schema, [project / "CMakePresets.json", project / "CMakeKernelPresets.json", project / "cmake/XeusKernelPresets.json"]),
        (SCHEMAS / "kernelspec.json", sorted(project.glob("share/jupyter/kernels/*/kernel.json.in"))),
    ]
    for schema, files in checks:
        assert files
        result = subprocess.run(
            CHECK_JSONSCHEMA + ["--schemafile", str(schema), *map(str, files)],
            capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not on PATH")
def test_cmake_lists_the_presets(rendered, render_name):
    project = rendered(render_name)
    wasm = answers(render_name).get("with_wasm", True)
    native = answers(render_name).get("with_native", True)
    expected = {"configure": ({"native", "native-debug"} if native else set()) | ({"wasm"} if wasm else set())}
    expected["workflow"] = expected["configure"]
    for kind, names in expected.items():
        result = subprocess.run(
            ["cmake", f"--list-presets={kind}"], cwd=project, capture_output=True, text=True, check=True
        )
        listed = set(re.findall(r'^\s+"([^"]+)"', result.stdout, re.MULTILINE))
        assert listed == names, result.stdout


def test_expected_files_for_the_options(rendered, render_name):
    project = rendered(render_name)
    data = answers(render_name)
    kernel = data.get("kernel_name", "xmylang")
    present = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    always = {
        ".copier-answers.yml", "CMakeLists.txt", "CMakePresets.json", "CMakeKernelPresets.json",
        "cmake/XeusKernel.cmake", "cmake/XeusKernelPresets.json", "README.md", "LICENSE", "src/interpreter_factory.cpp",
        ".gitignore", ".clang-format", ".pre-commit-config.yaml", f"test/test_{kernel}_kernel.py",
        "test/test_robustness.py", "test/test_notebooks.py", "test/test_smoke.py", "test/smoke_cells.toml",
        "test/known_failures.toml",
        f"share/jupyter/kernels/{kernel}/kernel.json.in", f"share/jupyter/kernels/{kernel}/logo-svg.svg",
        f"share/jupyter/kernels/{kernel}/logo-32x32.png", f"share/jupyter/kernels/{kernel}/logo-64x64.png",
    }
    wasm = {
        "environment-wasm-build.yml", "environment-wasm-host.yml", "cmake/EmscriptenToolchain.cmake",
        "src/main_emscripten_kernel.cpp", "wasm/pre.js", "wasm/initialize_xkernel.js",
    }
    native = {"environment-dev.yml", "src/main.cpp", "src/native_startup.cpp", ".github/workflows/native.yml",
              "recipe/conda-forge/recipe.yaml"}
    runtime = {"runtime-files/README.txt"}
    project_name = data.get("project_name", "xeus-mylang")
    interpreter = {"src/xinterpreter.cpp", f"include/{project_name}/xinterpreter.hpp"}
    starter = {"src/language.cpp", f"include/{project_name}/language.hpp"}
    sources = data.get("interpreter_sources", "starter")
    assert always <= present, always - present
    # The interpreter sources the answer asks for, and never the others.
    if sources == "none":
        assert not interpreter & present, interpreter & present
    else:
        assert interpreter <= present, interpreter - present
    if sources == "starter":
        assert starter <= present, starter - present
    else:
        assert not starter & present, starter & present
    if data.get("with_wasm", True):
        assert wasm <= present, wasm - present
    else:
        assert not wasm & present, wasm & present
    if data.get("with_native", True):
        assert native <= present, native - present
    else:  # a browser-only kernel: nothing native, not even an empty folder
        assert not native & present and not (project / "recipe/conda-forge").exists(), native & present
    if data.get("with_runtime_files", False):
        assert runtime <= present
        assert "RUNTIME_FILES runtime-files" in (project / "CMakeLists.txt").read_text()
    else:
        assert not any(p.startswith("runtime-files/") for p in present)
    license_text = (project / "LICENSE").read_text()
    marker = {"BSD-3-Clause": "Redistribution and use", "MIT": "Permission is hereby granted", "Apache-2.0": "Apache License"}
    assert marker[data.get("license", "BSD-3-Clause")] in license_text


def test_kernelspec_conventions(rendered, render_name):
    project = rendered(render_name)
    data = answers(render_name)
    kernel = data.get("kernel_name", "xmylang")
    spec = json.loads((project / f"share/jupyter/kernels/{kernel}/kernel.json.in").read_text())
    assert spec["metadata"]["wasm_name"] == kernel
    assert spec["argv"][0] == kernel
    assert spec["interrupt_mode"] == "message"


@pytest.mark.skipif(shutil.which("clang-format") is None, reason="clang-format is not installed (test extra)")
def test_cpp_is_formatted_as_its_pre_commit_hook_wants(rendered, render_name):
    """A new kernel's first `pre-commit run` must not rewrite the C++ it was given."""
    project = rendered(render_name)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hook = next(h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "clang-format")
    excluded = re.compile(hook.get("exclude", "^$"))
    sources = [
        p for p in sorted(project.rglob("*.[ch]pp")) if not excluded.search(p.relative_to(project).as_posix())
    ]
    assert sources
    result = subprocess.run(
        ["clang-format", "--dry-run", "-Werror", *map(str, sources)], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_renders_from_a_folder_that_is_not_a_git_repository(tmp_path):
    """`copier copy path/to/an/unpacked/archive ...`: no _commit to record, still a valid render."""
    source = tmp_path / "template"
    copy_template(source)
    project = tmp_path / "kernel"
    copier.run_copy(str(source), str(project), data=answers("defaults"), defaults=True, unsafe=False, quiet=True)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    reviewer = next(repo for repo in config["repos"] if repo["repo"] == str(source))
    assert reviewer["rev"] == ""
    assert "_commit" not in yaml.safe_load((project / ".copier-answers.yml").read_text())
