"""The lite parts that need no wasm host prefix, in every run: the wasm preset's errors, the
browser tests' message without a browser, the JupyterLite site configuration and the
example notebooks, the environments, and the READMEs' claims about all of them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from samples import RENDERS, answers
from xeus_kernel_template import toolchain as toolchain_module

TEMPLATE = Path(__file__).resolve().parent.parent
WASM_RENDERS = sorted(name for name, data in RENDERS.items() if data.get("with_wasm", True))
STARTER_RENDERS = sorted(name for name, data in RENDERS.items() if data.get("interpreter_sources", "starter") == "starter")


@pytest.fixture(params=WASM_RENDERS)
def lite_render(request, rendered) -> tuple[Path, dict]:
    return rendered(request.param), answers(request.param)


@pytest.fixture(params=STARTER_RENDERS)
def starter_render(request, rendered) -> tuple[Path, dict]:
    """Renders with the starter language, which come with an example notebook."""
    return rendered(request.param), answers(request.param)


# -- the wasm preset stops at one clear error ----------------------------------------------
def configure_wasm(toolchain, project: Path, case: str) -> str:
    """`cmake --preset wasm` without a host prefix, or without emscripten anywhere."""
    tc = toolchain.with_binds([project.parent])
    unset = ["EMSDK", "EMSCRIPTEN_ROOT", "CONDA_EMSDK_DIR"]
    if case == "no WASM_HOST_PREFIX":
        env, path = {}, ""
        unset.append("WASM_HOST_PREFIX")
    else:
        env, path = {"WASM_HOST_PREFIX": str(project.parent)}, "PATH=/nonexistent "
    script = f'cmake="$(command -v cmake)"; {path}exec "$cmake" --preset wasm'
    unsetting = [arg for name in unset for arg in ("-u", name)]
    result = tc.run(["env", *unsetting, "sh", "-c", script], cwd=project, env=env, check=False)
    assert result.returncode != 0, result.stdout
    return result.stdout


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no WASM_HOST_PREFIX", "WASM_HOST_PREFIX is not set. It names the wasm host environment"),
        ("no emscripten", "emscripten not found: put emcc on PATH"),
    ],
)
def test_wasm_preset_stops_at_one_clear_error(rendered, toolchain, tmp_path, case, expected):
    project = tmp_path / "project"
    shutil.copytree(rendered("defaults"), project)
    output = configure_wasm(toolchain, project, case)
    assert output.count("CMake Error") == 1, output
    assert expected in re.sub(r"\s+", " ", output), output
    # The placeholders that silence CMake's follow-up errors are not cached: the next
    # configure, with the problem fixed, looks for the real tools.
    cache = project / "build/wasm/CMakeCache.txt"
    assert cache.is_file(), output  # the configure got far enough to write its cache
    cached = cache.read_text()
    assert not re.search(r"^CMAKE_(MAKE_PROGRAM|C_COMPILER|CXX_COMPILER):", cached, re.MULTILINE), cached


# -- the browser tests without Playwright: one line ----------------------------------------
def test_browser_tests_without_playwright_say_so_in_one_line(rendered, tmp_path, kernel_ci_bin):
    project = rendered("defaults")
    (tmp_path / "index.html").write_text("")
    # The virtualenv with xeus-kernel-ci and without Playwright (not one of its dependencies).
    result = subprocess.run(
        [str(kernel_ci_bin / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-q", str(project / "test/wasm")],
        env={**os.environ, "LITE_SITE": str(tmp_path)}, capture_output=True, text=True, check=False, cwd=project,
    )
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if "Playwright" in line]
    assert len(lines) == 1 and "pip install playwright" in lines[0], result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# -- the site configuration ----------------------------------------------------------------
def test_site_has_the_kernel_as_default_and_notebooks_to_open(lite_render):
    project, data = lite_render
    kernel = next((project / "share/jupyter/kernels").iterdir()).name
    page = json.loads((project / "lite/jupyter-lite.json").read_text())
    assert page["jupyter-config-data"]["defaultKernelName"] == kernel
    build = json.loads((project / "lite/jupyter_lite_config.json").read_text())["LiteBuildConfig"]
    assert set(build["apps"]) >= {"lab", "repl"}
    # The lite target packs notebooks/ as the contents (the wasm tier checks the site has it).
    if data.get("interpreter_sources", "starter") == "starter":
        assert list((project / "notebooks").glob("*.ipynb")), "the site would open no notebook"


def test_example_notebooks_are_for_the_kernel_and_keep_outputs(starter_render):
    project, _ = starter_render
    (spec_in,) = (project / "share/jupyter/kernels").glob("*/kernel.json.in")
    spec, kernel = json.loads(spec_in.read_text()), spec_in.parent.name
    notebooks = sorted((project / "notebooks").glob("*.ipynb"))
    assert notebooks, "the starter render has no example notebook"
    for path in notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
        assert notebook["metadata"]["kernelspec"] == {
            "name": kernel, "display_name": spec["display_name"], "language": spec["language"]}
        ids = [cell["id"] for cell in notebook["cells"]]
        assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids)
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        assert code and all(cell["outputs"] and cell["execution_count"] for cell in code)


BROWSER_COMPARISON = """
import json, sys
sys.path.insert(0, "test/wasm")
import conftest
from xeus_kernel_ci import notebooks
assert conftest.comparable is notebooks.comparable and conftest.stored_outputs is notebooks.stored_outputs
split = json.loads(sys.argv[1])
print(json.dumps([conftest.stored_outputs(conftest.NOTEBOOKS[0]), conftest.comparable(split),
                  [path.name for path in conftest.NOTEBOOKS]]))
"""


def test_browser_tests_compare_with_what_test_notebooks_compares(rendered, kernel_ci_bin):
    """The generated browser conftest hands the browser tests the notebook suite's own
    comparison (xeus-kernel-ci, installed from its wheel), over the example notebook."""
    project = rendered("defaults")
    # A frontend splits texts into lines and chunks streams: the comparison does not care.
    split = [{"output_type": "stream", "name": "stdout", "text": ["the area ", "is 12.56636\n"]},
             {"output_type": "stream", "name": "stdout", "text": ""},
             {"output_type": "execute_result", "execution_count": 7, "metadata": {"x": 1}, "data": {"text/plain": ["13"]}}]
    result = subprocess.run([str(kernel_ci_bin / "python"), "-c", BROWSER_COMPARISON, json.dumps(split)],
                            cwd=project, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    stored, compared, names = json.loads(result.stdout)
    assert names == ["example.ipynb"]
    kinds = [[output["output_type"] for output in cell] for cell in stored]
    assert kinds == [["stream", "execute_result"], ["display_data", "stream", "execute_result"], ["error"]]
    assert compared == stored[0]


# -- environments and READMEs --------------------------------------------------------------
def test_wasm_build_environment_has_what_the_build_and_its_tests_use(rendered):
    project = rendered("defaults")
    environment = yaml.safe_load((project / "environment-wasm-build.yml").read_text())
    names = {re.split(r"[ <>=]", entry)[0] for entry in environment["dependencies"] if isinstance(entry, str)}
    pip = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    # the build program of the presets, the pack with what it warns about when missing, the
    # protocol tests through the bridge, the browser tests
    assert {"cmake", "ninja", "nodejs", "jupyterlite-core", "jupyterlite-xeus"} <= names
    assert {"jupyter_server", "jupyterlab_server", "python-libarchive-c"} <= names
    assert {"pytest", "jupyter_kernel_test", "jupyter_client"} <= names
    assert "playwright" in pip
    dev = yaml.safe_load((project / "environment-dev.yml").read_text())
    assert "ninja" in {re.split(r"[ <>=]", entry)[0] for entry in dev["dependencies"] if isinstance(entry, str)}


def test_generated_readme_documents_the_browser_and_both_stdin_paths(lite_render, kernel_ci_bin):
    project, data = lite_render
    readme = (project / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    (install,) = [block for block in blocks if "playwright install chromium" in block]
    assert "CHROMIUM_EXECUTABLE=" in install  # next to `playwright install`
    code = "import json; from xeus_kernel_ci.browser import ISOLATION_HEADERS; print(json.dumps(ISOLATION_HEADERS))"
    headers = subprocess.run([str(kernel_ci_bin / "python"), "-c", code], capture_output=True, text=True, check=True)
    for name, value in json.loads(headers.stdout).items():
        assert f"`{name}: {value}`" in readme
    assert "service worker" in readme and "GitHub Pages" in readme and "SharedArrayBuffer" in readme
    if data.get("interpreter_sources", "starter") == "starter":  # the example notebook's screenshot
        owner, name = data["github_owner"].lower(), data.get("project_name", "xeus-mylang")
        assert f"](https://{owner}.github.io/{name}/screenshots/example.png)" in readme
        lite_test = next((project / "test/wasm").glob("test_*_lite.py")).read_text()
        assert 'lite_site / "screenshots" / f"{notebook.stem}.png"' in lite_test


def test_template_readme_says_what_the_wasm_tier_takes_from_your_environment():
    readme = re.sub(r"\s+", " ", (TEMPLATE / "README.md").read_text())
    section = readme[readme.index("The wasm tier needs a wasm host prefix"):]
    for tool in toolchain_module.WASM_HOST_TOOLS:
        assert f"`{tool}`" in section, tool
    for module in toolchain_module.WASM_HOST_PYTHON_MODULES:
        assert module.replace("_", "-") in section.lower() or module in section.lower(), module
    assert "`CHROMIUM_EXECUTABLE`" in section
    assert "XKT_CACHE_DIR" in readme and "XKT_CACHE_DIR" in (TEMPLATE / ".ci/run").read_text()


def test_the_wasm_tier_names_what_your_environment_lacks(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHROMIUM_EXECUTABLE", raising=False)
    assert toolchain_module._host_wasm_missing() == [*toolchain_module.WASM_HOST_TOOLS, "python3"]
    assert toolchain_module.host_chromium() is None
    monkeypatch.setenv("CHROMIUM_EXECUTABLE", "/opt/chrome/chrome")
    assert toolchain_module.host_chromium() == "/opt/chrome/chrome"
