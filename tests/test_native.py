"""The native journey, for real: render each kernel of the matrix, build it with its workflow
preset against xeus 6 / xeus-zmq 4 (no CMake warning allowed), install it, run its own
protocol tests against the installed kernelspec, and drive the starter kernel with
jupyter_client."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import started_kernel
from samples import NATIVE_RENDERS, answers

pytestmark = pytest.mark.native


class Built:
    def __init__(self, name: str, project: Path, prefix: Path, toolchain, workflow_output: str):
        self.name, self.project, self.prefix, self.toolchain = name, project, prefix, toolchain
        self.answers = answers(name)
        self.kernel = self.answers.get("kernel_name", "xmylang")
        self.workflow_output = workflow_output

    @property
    def kernelspec(self) -> Path:
        return self.prefix / "share/jupyter/kernels" / self.kernel


STARTER = sorted(name for name in NATIVE_RENDERS if answers(name).get("interpreter_sources", "starter") == "starter")
_builds: dict[str, Built] = {}


def build(name: str, rendered, toolchain, tmp_path_factory) -> Built:
    """A render of the matrix, built and tested with `cmake --workflow --preset native`, then
    installed; once per session."""
    if name not in _builds:
        work = tmp_path_factory.mktemp(f"native-{name}")
        project = work / "project"
        shutil.copytree(rendered(name), project)
        tc = toolchain.with_binds([work])
        workflow = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=project, env=tc.build_environment(), check=False)
        assert workflow.returncode == 0, workflow.stdout[-8000:]
        prefix = work / "prefix"
        tc.run(["cmake", "--install", "build/native", "--prefix", prefix], cwd=project)
        _builds[name] = Built(name, project, prefix, tc, workflow.stdout)
    return _builds[name]


@pytest.fixture(params=NATIVE_RENDERS)
def built(request, rendered, toolchain, tmp_path_factory) -> Built:
    return build(request.param, rendered, toolchain, tmp_path_factory)


@pytest.fixture(params=STARTER)
def built_starter(request, rendered, toolchain, tmp_path_factory) -> Built:
    return build(request.param, rendered, toolchain, tmp_path_factory)


def test_workflow_preset_runs_the_kernel_protocol_tests(built):
    assert re.search(r"100% tests passed, 0 tests failed out of [1-9]", built.workflow_output), built.workflow_output[-3000:]
    assert f"{built.kernel}_protocol" in built.workflow_output


def test_configure_gives_no_cmake_warning(built):
    """Developer warnings (CMP0174 under CMake 4.3, say) and deprecations included."""
    warnings = [line for line in built.workflow_output.splitlines() if re.match(r"CMake (Warning|Deprecation)", line)]
    assert warnings == [], built.workflow_output[:6000]


def test_install_refuses_a_prefix_nobody_chose(rendered, toolchain, tmp_path_factory):
    """Configured outside a conda environment, `cmake --install` without --prefix would write
    into CMake's default, /usr/local: it stops with one message saying how to choose, before
    writing anything."""
    built = build("defaults", rendered, toolchain, tmp_path_factory)
    if "XEUS_KERNEL_UNCHOSEN_PREFIX" not in (built.project / "build/native/CMakeCache.txt").read_text():
        pytest.skip("configured inside a conda environment (CONDA_PREFIX): it installs there")
    assert "cmake --install needs --prefix" in built.workflow_output
    result = built.toolchain.run(["cmake", "--install", "build/native"], cwd=built.project, check=False)
    said = " ".join(result.stdout.split())
    assert result.returncode != 0, said
    assert "cmake --install <build folder> --prefix <dir>" in said and "environment-dev.yml" in said
    assert "Installing:" not in said and "Up-to-date:" not in said


def test_installed_kernelspec_follows_the_conventions(built):
    spec = json.loads((built.kernelspec / "kernel.json").read_text())
    executable = built.prefix / "bin" / built.kernel
    assert spec["argv"] == [str(executable), "-f", "{connection_file}"]
    assert executable.is_file()
    assert spec["metadata"]["wasm_name"] == built.kernel
    assert spec["interrupt_mode"] == "message"
    assert {p.name for p in built.kernelspec.iterdir()} >= {"kernel.json", "logo-svg.svg", "logo-32x32.png", "logo-64x64.png"}


def test_generated_suite_passes_against_the_installed_kernel(built):
    result = built.toolchain.run(
        # The robustness suite runs on its own below (ctest ran it with the others).
        [built.toolchain.python, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider", "test", "--ignore", "test/wasm",
         "--ignore", "test/test_robustness.py"],
        cwd=built.project,
        env={"JUPYTER_PATH": str(built.prefix / "share/jupyter")},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-8000:]
    summary = result.stdout.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    # The starter's suite covers every protocol feature; the skeleton's, the generic ones.
    assert passed >= (20 if built.name in STARTER else 4), summary
    assert "failed" not in summary and "error" not in summary, summary
    # Only the history operations xeus 6 gets wrong may be skipped, and, without the starter
    # language, the features for which the generated suite has no sample in the language.
    # (pytest reports skipped subtests, which the history tests are, as SUBSKIPPED.)
    skips = [line for line in result.stdout.splitlines() if line.startswith(("SKIPPED", "SUBSKIPPED"))]
    allowed = ("History",) if built.name in STARTER else ("History", ": No ")
    assert all(any(reason in line for reason in allowed) for line in skips), skips
    assert any("History range" in line for line in skips), result.stdout[-3000:]  # seen, so the check reads skips


@pytest.mark.parametrize("name", ["defaults", "skeleton"])
def test_generated_robustness_suite_keeps_the_kernel_alive(name, rendered, toolchain, tmp_path_factory):
    """test/test_robustness.py, the template's language-agnostic fuzzing of the kernel (ctest
    ran it in every build), run again on the starter and the skeleton interpreter to read its
    summary: at least 1,000 requests, none killing the kernel."""
    built = build(name, rendered, toolchain, tmp_path_factory)
    result = built.toolchain.run(
        [built.toolchain.python, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "test/test_robustness.py"],
        cwd=built.project,
        env={"JUPYTER_PATH": str(built.prefix / "share/jupyter")},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-8000:]
    summary = re.search(r"robustness of \w+: seeds .*: (\d+) requests \(.*\), (\d+) deaths, (\d+) hangs, (\d+) malformed", result.stdout)
    assert summary, result.stdout[-3000:]
    requests, deaths, hangs, malformed = map(int, summary.groups())
    print(summary.group(0))
    assert requests >= 1000 and (deaths, hangs, malformed) == (0, 0, 0), summary.group(0)


def test_known_failures_are_recorded_and_a_fixed_one_is_reported(rendered, toolchain, tmp_path_factory, tmp_path):
    """test/known_failures.toml (yours): a recorded notebook failure keeps the suite green (XFAIL,
    with its reason); a recorded robustness case the kernel handles is reported (XPASS(strict))."""
    built = build("defaults", rendered, toolchain, tmp_path_factory)
    work = built.project.parent / f"known-{tmp_path.name}"  # inside the toolchain's binds
    (work / "test").mkdir(parents=True)
    for name in ("test_robustness.py", "test_notebooks.py"):
        shutil.copy2(built.project / "test" / name, work / "test")
    (work / "notebooks").mkdir()
    stored = json.loads((built.project / "notebooks/example.ipynb").read_text())
    stored["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "stale\n"}]
    (work / "notebooks/example.ipynb").write_text(json.dumps(stored))
    (work / "test/known_failures.toml").write_text(
        '[notebooks]\n"example.ipynb" = "its last output is stale"\n\n'
        '[robustness]\n"CR line ends" = "recorded, but the kernel answers it"\n')
    env = {"JUPYTER_PATH": str(built.prefix / "share/jupyter")}
    result = built.toolchain.run([built.toolchain.python, "-m", "pytest", "-rxX", "-p", "no:cacheprovider", "test",
                                  "-k", "example or (CR and ends)"], cwd=work, env=env, check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "XFAIL test/test_notebooks.py::TestNotebooks::test_notebook_gives_its_stored_outputs[example.ipynb]" in result.stdout
    assert "its last output is stale" in result.stdout
    assert "[XPASS(strict)] known failure (known_failures.toml): recorded, but the kernel answers it" in result.stdout
    assert "1 failed" in result.stdout and "1 xfailed" in result.stdout, result.stdout[-3000:]


def test_tagged_notebook_cells_are_left_out_of_the_comparison(rendered, toolchain, tmp_path_factory, tmp_path):
    """test/test_notebooks.py reads nbval's cell tags: an `nbval-skip` cell neither runs (its
    1 / 0 would fail) nor changes when outputs are stored; an `nbval-ignore-output` cell runs,
    its stale stored output is not compared. Without the tags, the same notebook fails."""
    built = build("defaults", rendered, toolchain, tmp_path_factory)
    work = built.project.parent / f"tags-{tmp_path.name}"  # inside the toolchain's binds
    (work / "test").mkdir(parents=True)
    shutil.copy2(built.project / "test/test_notebooks.py", work / "test")
    (work / "notebooks").mkdir()
    notebook = work / "notebooks/tagged.ipynb"

    def cell(source: str, *tags: str) -> dict:
        return {"cell_type": "code", "execution_count": None, "id": f"c{abs(hash(source))}",
                "metadata": {"tags": list(tags)}, "outputs": [], "source": source}

    cells = [cell("1 / 0", "nbval-skip"), cell('print("fresh")', "nbval-ignore-output"), cell("6 * 7")]
    notebook.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": built.kernel}},
                                    "nbformat": 4, "nbformat_minor": 5}))
    env = {"JUPYTER_PATH": str(built.prefix / "share/jupyter")}
    built.toolchain.run([built.toolchain.python, "test/test_notebooks.py", notebook], cwd=work, env=env)
    # Stored by nbformat, which writes a text as its list of lines.
    skipped, ignored, plain = json.loads(notebook.read_text())["cells"]
    assert skipped["outputs"] == [] and skipped["execution_count"] is None
    assert [o.get("text") for o in ignored["outputs"]] == [["fresh\n"]]
    assert plain["outputs"][0]["data"]["text/plain"] == ["42"] and plain["execution_count"] == 2

    def compare():
        return built.toolchain.run([built.toolchain.python, "-m", "pytest", "-vv", "-p", "no:cacheprovider", "test"],
                                   cwd=work, env=env, check=False)

    stored = json.loads(notebook.read_text())
    stored["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "stale\n"}]
    notebook.write_text(json.dumps(stored))
    result = compare()
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-3000:]
    for tagged in stored["cells"]:
        tagged["metadata"]["tags"] = []
    notebook.write_text(json.dumps(stored))
    result = compare()
    assert result.returncode == 1 and "ZeroDivisionError" in result.stdout and "stale" in result.stdout, result.stdout[-3000:]
    # The failure says how to store the new outputs, when they are meant.
    store = "JUPYTER_PATH=$PWD/build/native/share/jupyter python test/test_notebooks.py notebooks/tagged.ipynb"
    assert store in result.stdout, result.stdout[-3000:]


@pytest.fixture
def kernel_client(built_starter, tmp_path):
    """The installed starter kernel, started by jupyter_client on this machine through the toolchain."""
    built = built_starter
    work = built.prefix.parent / f"client-{tmp_path.name}"  # inside the toolchain's binds
    with started_kernel(built.toolchain, built.kernelspec / "kernel.json", work, built.kernel) as (manager, client):
        yield built, manager, client


def execute(client, code: str) -> tuple[dict, list[dict]]:
    msg_id = client.execute(code)
    reply = client.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    outputs = []
    while True:
        msg = client.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return reply["content"], outputs
        if msg["msg_type"] not in ("status", "execute_input"):
            outputs.append(msg)


def test_jupyter_client_session(kernel_client):
    built, _, client = kernel_client
    info = client.kernel_info(reply=True, timeout=10)["content"]
    assert info["status"] == "ok"
    assert info["implementation"] == built.answers.get("project_name", "xeus-mylang")
    assert info["language_info"]["name"] == built.answers.get("language_id", "mylang")
    assert info["language_info"]["file_extension"] == built.answers.get("file_extension", ".mylang")

    reply, outputs = execute(client, "answer = 6 * 7")
    assert reply["status"] == "ok" and outputs == []
    reply, outputs = execute(client, 'print("the answer is", answer)\nanswer + 0.5')
    assert reply["status"] == "ok"
    assert [(m["msg_type"], m["content"].get("text")) for m in outputs[:1]] == [("stream", "the answer is 42\n")]
    assert outputs[-1]["msg_type"] == "execute_result"
    assert outputs[-1]["content"]["data"]["text/plain"] == "42.5"

    reply, outputs = execute(client, "missing + 1")
    assert reply["status"] == "error" and reply["ename"] == "NameError"
    assert [m["msg_type"] for m in outputs] == ["error"]

    completion = client.complete("ans", 3, reply=True, timeout=10)["content"]
    assert completion["matches"] == ["answer"] and completion["cursor_start"] == 0
    client.is_complete("print(1,")
    assert client.get_shell_msg(timeout=10)["content"]["status"] == "incomplete"


def test_interrupt_and_shutdown_by_message(kernel_client):
    _, manager, client = kernel_client
    # interrupt_mode "message": Jupyter interrupts with an interrupt_request on control.
    request = client.session.msg("interrupt_request", {})
    client.control_channel.send(request)
    reply = client.get_control_msg(timeout=10)
    assert reply["msg_type"] == "interrupt_reply"
    assert reply["parent_header"]["msg_id"] == request["header"]["msg_id"]
    assert manager.is_alive(), "the kernel must survive an interrupt"
    reply, _ = execute(client, "1 + 1")
    assert reply["status"] == "ok"
    started = time.monotonic()
    manager.shutdown_kernel(now=False)
    assert not manager.is_alive()
    assert time.monotonic() - started < 10, "shutdown_request should end the kernel promptly"


CONSUMER_CMAKE = """cmake_minimum_required(VERSION 3.25)
project(extension LANGUAGES CXX)
find_package(xeus-mylang 0.1 REQUIRED)
add_executable(extension extension.cpp)
target_link_libraries(extension PRIVATE xeus-mylang::xeus-mylang)
"""
CONSUMER_SOURCE = """#include <iostream>
#include "xeus-mylang/xinterpreter.hpp"
int main()
{
    xeus_mylang::interpreter interpreter;
    std::cout << interpreter.kernel_info_request()["implementation"].get<std::string>() << std::endl;
}
"""


def test_a_shared_library_is_installed_as_a_cmake_package(rendered, toolchain, tmp_path_factory):
    """`xeus_kernel_add(... SHARED)`: the interpreter library, its headers and a CMake package
    are installed; an extension finds the package, links the library and runs; the installed
    kernel finds the library too."""
    work = tmp_path_factory.mktemp("native-shared")
    project = work / "project"
    shutil.copytree(rendered("defaults"), project)
    cmake_lists = project / "CMakeLists.txt"
    cmake_lists.write_text(cmake_lists.read_text().replace("    LIBRARY xeus-mylang\n", "    LIBRARY xeus-mylang\n    SHARED\n", 1))
    tc = toolchain.with_binds([work])
    workflow = tc.run(["cmake", "--workflow", "--preset", "native"], cwd=project, env=tc.build_environment(), check=False)
    assert workflow.returncode == 0, workflow.stdout[-6000:]
    prefix = work / "prefix"
    tc.run(["cmake", "--install", "build/native", "--prefix", prefix], cwd=project)
    assert (prefix / "lib/cmake/xeus-mylang/xeus-mylangConfig.cmake").is_file()
    assert (prefix / "include/xeus-mylang/xinterpreter.hpp").is_file()
    assert sorted(p.name for p in (prefix / "lib").glob("libxeus-mylang.so*"))
    version = tc.run([prefix / "bin/xmylang", "--version"], check=False)
    assert version.returncode == 0 and "xmylang 0.1.0" in version.stdout, version.stdout

    consumer = work / "extension"
    consumer.mkdir()
    (consumer / "CMakeLists.txt").write_text(CONSUMER_CMAKE)
    (consumer / "extension.cpp").write_text(CONSUMER_SOURCE)
    configured = tc.run(["cmake", "-S", consumer, "-B", consumer / "build", "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}"], check=False)
    assert configured.returncode == 0, configured.stdout[-4000:]
    compiled = tc.run(["cmake", "--build", consumer / "build"], check=False)
    assert compiled.returncode == 0, compiled.stdout[-4000:]
    ran = tc.run([consumer / "build/extension"], check=False)
    assert ran.returncode == 0 and ran.stdout.strip() == "xeus-mylang", ran.stdout


def test_a_browser_only_kernel_says_so_when_configured_natively(rendered, toolchain, tmp_path):
    """with_native=false: no native presets, and a native configure stops with one reason."""
    project = tmp_path / "project"
    shutil.copytree(rendered("wasm-only"), project)
    tc = toolchain.with_binds([tmp_path])
    result = tc.run(["cmake", "-S", ".", "-B", "build/by-hand", "-G", "Ninja"], cwd=project, check=False)
    assert result.returncode != 0
    assert "xmylang runs in the browser only (the answer with_native is false): build it with the wasm preset" in \
        " ".join(result.stdout.split())
