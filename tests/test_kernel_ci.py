"""xeus-kernel-ci (packages/xeus-kernel-ci) as a kernel gets it: its wheel installed by pip into
a clean virtualenv (conftest's kernel_ci_bin), every test running there, in a process of its
own; nothing here imports it from the source tree. Against real kernels: tests/test_native.py
(the suites on built renders), tests/test_kernel_bridge.py (the bridge), tests/test_wasm.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

import kernel_ci
from template_repo import TEMPLATE

STANDIN = Path(__file__).resolve().parent / "bridge/standin_kernel.cjs"


def python_in(kernel_ci_bin: Path, code: str, cwd: Path | None = None, env: dict | None = None) -> str:
    """Runs code with the virtualenv's Python; its standard output."""
    result = subprocess.run([str(kernel_ci_bin / "python"), "-c", code], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def pytest_in(kernel_ci_bin: Path, folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(kernel_ci_bin / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-rxXfE", *args],
                          cwd=folder, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)


def test_the_package_is_released_with_the_template_and_pinned_from_the_stack():
    template = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())["project"]["version"]
    stack = yaml.safe_load((TEMPLATE / "stack.yml").read_text())["stack"]["default"]
    assert kernel_ci.VERSION == template
    assert stack["pip"]["xeus-kernel-ci"] == f"=={template}"


def test_it_depends_on_no_tooling_of_the_template():
    """A kernel's tests need no copier nor repo-review: copier only with [update]."""
    project = tomllib.loads((kernel_ci.PACKAGE / "pyproject.toml").read_text())["project"]
    names = {dependency.split(">")[0].split("=")[0].split(";")[0].strip() for dependency in project["dependencies"]}
    assert names == {"jupyter_client", "jupyter_kernel_test", "nbclient", "nbformat", "pytest", "tomli"}
    assert not any("copier" in extra or "repo-review" in extra for extra in project["dependencies"])


def test_the_installed_package_is_the_wheel_not_the_source(kernel_ci_bin):
    where = python_in(kernel_ci_bin, "import xeus_kernel_ci; print(xeus_kernel_ci.__file__, xeus_kernel_ci.__version__)")
    path, version = where.split()
    assert "site-packages" in path and not path.startswith(str(TEMPLATE)) and version == kernel_ci.VERSION


KNOWN_FAILURES_TEST = """
import pytest
from pathlib import Path
from xeus_kernel_ci import known_failures

CASES = ["crashes", "fails", "fixed", "passes"]

@pytest.fixture(autouse=True)
def _known(request):
    known_failures.apply(request, "robustness", Path(__file__).parent / "known_failures.toml", set(CASES))

@pytest.mark.parametrize("case", CASES)
def test_case(case):
    assert case in ("fixed", "passes")
"""


@pytest.fixture
def known_failures_suite(tmp_path) -> Path:
    (tmp_path / "test_cases.py").write_text(KNOWN_FAILURES_TEST)
    return tmp_path


def test_known_failures_are_reported_and_a_fixed_one_fails_the_suite(kernel_ci_bin, known_failures_suite):
    (known_failures_suite / "known_failures.toml").write_text(
        '[robustness]\ncrashes = "the parser recurses"\nfixed = "was a crash, fixed since"\n')
    result = pytest_in(kernel_ci_bin, known_failures_suite, "-v")
    outcomes = dict(re.findall(r"^test_cases\.py::(\S+) (\w+)", result.stdout, re.MULTILINE))
    assert outcomes == {"test_case[crashes]": "XFAIL", "test_case[fails]": "FAILED", "test_case[fixed]": "FAILED",
                        "test_case[passes]": "PASSED"}, result.stdout
    assert "XFAIL test_cases.py::test_case[crashes] - known failure (known_failures.toml): the parser recurses" in result.stdout
    assert "[XPASS(strict)] known failure (known_failures.toml): was a crash, fixed since" in result.stdout
    assert result.returncode == 1


def test_known_failures_that_name_no_test_fail(kernel_ci_bin, known_failures_suite):
    (known_failures_suite / "known_failures.toml").write_text('[robustness]\n"renamed case" = "a reason"\n')
    result = pytest_in(kernel_ci_bin, known_failures_suite, "-k", "passes")
    assert result.returncode == 1
    assert "[robustness] names no test of this suite: renamed case" in result.stdout, result.stdout


def test_known_failures_without_a_reason_are_refused(kernel_ci_bin, known_failures_suite):
    (known_failures_suite / "known_failures.toml").write_text('[robustness]\ncrashes = ""\n')
    result = pytest_in(kernel_ci_bin, known_failures_suite)
    assert result.returncode != 0
    assert "[robustness] must map test ids to reasons (non-empty strings)" in result.stdout + result.stderr


def test_notebook_outputs_compare_json_as_data_and_text_as_lines(kernel_ci_bin):
    """comparable(): a list is a text's lines, except in a JSON mime type, where it is the data
    (a kernel displaying a JSON array must not break the test)."""
    output = {"output_type": "display_data", "metadata": {},
              "data": {"text/plain": ["[1,\n", " true]"], "application/json": [1, True], "application/vnd.x+json": ["a", 2]}}
    code = f"import json; from xeus_kernel_ci.notebooks import comparable; print(json.dumps(comparable([{output!r}])))"
    (compared,) = json.loads(python_in(kernel_ci_bin, code.replace("True", "True")))
    assert compared["data"] == {"text/plain": "[1,\n true]", "application/json": [1, True], "application/vnd.x+json": ["a", 2]}


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="the bridge runs modules in Node.js: no node on PATH")


@pytest.fixture
def standin(tmp_path, kernel_ci_bin) -> Path:
    """The stand-in module installed as jupyterlite-xeus expects a kernel, and the bridge's
    kernelspec for it in tmp_path/bridge (JUPYTER_PATH)."""
    prefix = tmp_path / "host"
    (prefix / "bin").mkdir(parents=True)
    shutil.copyfile(STANDIN, prefix / "bin/standin.js")
    spec = prefix / "share/jupyter/kernels/standin"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(prefix / "bin/standin")], "display_name": "Stand-in",
                                                  "language": "standin", "metadata": {"wasm_name": "standin"}}))
    subprocess.run([str(kernel_ci_bin / "xeus-kernel-bridge"), "kernelspec", "--from", spec,
                    "--to", tmp_path / "bridge/kernels/standin"], check=True, capture_output=True)
    return prefix


@needs_node
def test_a_hung_request_is_named_at_once_with_its_code(kernel_ci_bin, standin, tmp_path):
    """The stand-in never answers is_complete: the robustness suite names the request and its
    code on the terminal as soon as it gives up on it, past pytest's capture (what a runner
    that kills the tests later, like ctest, still shows), and in the failure."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_robustness.py").write_text(
        "from xeus_kernel_ci.robustness import RobustnessSuite\n\n"
        "class TestRobustness(RobustnessSuite):\n    kernel_name = 'standin'\n")
    result = pytest_in(kernel_ci_bin, suite, "-k", "CR and ends", "-x",
                       env={"JUPYTER_PATH": str(tmp_path / "bridge"), "ROBUSTNESS_TIMEOUT": "1"})
    assert result.returncode == 1, result.stdout
    named = "the is_complete_reply did not come within 1.0 s: hung on is_complete_request, code '1\\r2\\r3'"
    assert f"[robustness of standin] CR line ends (5 characters): {named}" in result.stderr, result.stderr
    assert named in result.stdout


@needs_node
def test_the_node_harness_accepts_an_execute_result_without_data(kernel_ci_bin, standin, tmp_path):
    test = tmp_path / "standin.test.mjs"
    test.write_text("""import assert from "node:assert/strict";
import { test } from "node:test";
const { startKernel } = await import(process.env.KERNEL_HARNESS);

test("execute results with and without data", async () => {
  const kernel = await startKernel();
  assert.equal(kernel.execute("hello").result, "hello");
  const { reply, result } = kernel.execute("nulldata");
  assert.equal(reply.status, "ok");
  assert.equal(result, undefined);
});
""")
    result = subprocess.run([str(kernel_ci_bin / "xeus-kernel-bridge"), "node-test", "--kernel-js",
                             standin / "bin/standin.js", test], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "# pass 1" in result.stdout, result.stdout + result.stderr


def test_node_tests_without_the_module_say_so_in_one_line(kernel_ci_bin, tmp_path):
    result = subprocess.run([str(kernel_ci_bin / "xeus-kernel-bridge"), "node-test", "--kernel-js",
                             tmp_path / "bin/xlua.js", "x.test.mjs"], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr == f"[kernel_bridge] {tmp_path / 'bin/xlua.js'} does not exist: build and install the wasm kernel first\n"


@needs_node
def test_smoke_cells_run_in_node_for_any_language(kernel_ci_bin, standin, tmp_path):
    """The stand-in echoes its code: a cell that says so passes, one that says otherwise fails
    with what it gave; kernel_info is checked for every kernel."""
    cells = tmp_path / "smoke_cells.toml"
    cells.write_text('[[cells]]\ncode = "hello"\nresult = "hello"\n\n[[cells]]\ncode = "echo"\nresult = "other"\n')
    result = subprocess.run([str(kernel_ci_bin / "xeus-kernel-bridge"), "node-test", "--kernel-js",
                             standin / "bin/standin.js", "--smoke-cells", cells], capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "# pass 2" in result.stdout and "# fail 1" in result.stdout, result.stdout
    assert '\\"echo\\" gave {\\"result\\":\\"echo\\"}' in result.stdout or '"echo" gave {"result":"echo"}' in result.stdout


def test_a_smoke_file_without_what_a_cell_gives_is_refused_in_one_line(kernel_ci_bin, standin, tmp_path):
    cells = tmp_path / "smoke_cells.toml"
    cells.write_text('[[cells]]\ncode = "hello"\n')
    result = subprocess.run([str(kernel_ci_bin / "xeus-kernel-bridge"), "node-test", "--kernel-js",
                             standin / "bin/standin.js", "--smoke-cells", cells], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr == f"[kernel_bridge] {cells}: cell 0 needs a code and one of result, stdout, error\n"
