"""The lite journey, for real: render a kernel, run its `cmake --workflow --preset wasm`
(emscripten build against a wasm host prefix, install into it, pack a JupyterLite site with
jupyterlite-xeus, run the generated tests: node, the protocol suite through the bridge,
Chromium), then check what landed where, that the protocol suite gives the wasm build the
results it gives the native build of the same render, that the bridged kernel is
interrupted and shut down by message, and that a failing init hook stops the kernel with
its message instead of hanging."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import time
from pathlib import Path

import pytest

from conftest import started_kernel
from samples import answers
from xeus_kernel_template.toolchain import ROOT_CHROMIUM, host_chromium

HOST_PREFIX = os.environ.get("WASM_HOST_PREFIX")
if not HOST_PREFIX:
    pytest.skip(
        "wasm tier: no wasm host prefix; set WASM_HOST_PREFIX to an emscripten-wasm32 prefix with xeus 6 and xeus-lite 5",
        allow_module_level=True,
    )
pytestmark = pytest.mark.wasm

FAILING_HOOK = 'async function xkernel_initialize(Module) { throw new Error("no licence file found"); }\n'
# Finishes well after the module would be ready: only a loader that waits sees its variable.
# Slower than a second, so jupyter_client's start_new_kernel sends kernel_info_request more
# than once: the generated protocol suite must not take a spare reply for its own.
SLOW_HOOK = """async function xkernel_initialize(Module) {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  Module.ENV["XMYLANG_INITIALIZED"] = "late but waited for";
}
"""
START_AND_ASK = """
const [harness, kernelJs] = process.argv.slice(1);
const { startKernel } = await import(harness);
try {
  const kernel = await startKernel({ kernelJs });
  console.log("RESULT " + kernel.execute('getenv("XMYLANG_INITIALIZED")').result);
} catch (error) {
  console.log("REJECTED " + error.message);
}
"""


class LiteBuild:
    def __init__(self, work: Path, toolchain, kernel: str):
        self.work, self.kernel = work, kernel
        self.project, self.host = work / "project", work / "host"
        self.toolchain = toolchain.with_binds([work])
        self.env = {"WASM_HOST_PREFIX": str(self.host)}
        chromium = ROOT_CHROMIUM if toolchain.root is not None else host_chromium()
        if chromium:
            self.env["CHROMIUM_EXECUTABLE"] = chromium

    def run(self, *argv, check=True, timeout=900, env=None):
        return self.toolchain.run(argv, cwd=self.project, env={**self.env, **(env or {})}, check=check, timeout=timeout)


def wasm_exports(module: Path) -> set[str]:
    """The names a .wasm module exports (its export section): what side modules can link to."""

    def leb(data: bytes, at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, at

    data, at, names = module.read_bytes(), 8, set()
    while at < len(data):
        section, at = data[at], at + 1
        size, at = leb(data, at)
        if section == 7:
            count, cursor = leb(data, at)
            for _ in range(count):
                length, cursor = leb(data, cursor)
                names.add(data[cursor:cursor + length].decode())
                _, cursor = leb(data, cursor + length + 1)  # kind byte, then index
        at += size
    return names


def prepare(render: Path, work: Path, toolchain, kernel: str) -> LiteBuild:
    build = LiteBuild(work, toolchain, kernel)
    shutil.copytree(render, build.project)
    shutil.copytree(HOST_PREFIX, build.host, symlinks=True)  # the workflow installs into it
    return build


@pytest.fixture(scope="module", params=["defaults", "runtime-files", "wasm-only"])
def lite(request, rendered, wasm_toolchain, tmp_path_factory) -> tuple[LiteBuild, str]:
    kernel = answers(request.param).get("kernel_name", "xmylang")
    build = prepare(rendered(request.param), tmp_path_factory.mktemp(f"lite-{request.param}"), wasm_toolchain, kernel)
    workflow = build.run("cmake", "--workflow", "--preset", "wasm", check=False)
    assert workflow.returncode == 0, workflow.stdout[-8000:]
    return build, workflow.stdout


def test_workflow_builds_packs_and_passes_node_protocol_and_browser_tests(lite):
    build, output = lite
    assert re.search(r"100% tests passed, 0 tests failed out of 4", output), output[-3000:]
    for test in ("node", "bridge_kernelspec", "protocol", "browser"):
        assert f"{build.kernel}_{test}" in output
    # The pack has what it uses: no warning about optional packages (environment-wasm-build.yml).
    assert not re.search(r"UserWarning: .*install", output), re.findall(r".*UserWarning.*", output)


# pytest -v: "test/file.py::test[parameters] OUTCOME   [ 42%]" per test.
OUTCOME = re.compile(r"^(test/.+?) (PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) +\[ *\d+%\]$", re.MULTILINE)


# Inherent native/wasm differences: tests of the generated suite that skip on wasm, with
# the reason they give.
INHERENT = {"test_getenv_refuses_what_is_not_utf8": "wasm: the kernel's environment"}


def protocol_suite(toolchain, project: Path, jupyter_path: Path) -> tuple[dict[str, str], list[str], str]:
    """The generated suite (what ctest's <kernel>_protocol runs): outcome per test, subtest
    skips, the summary line without its duration."""
    result = toolchain.run(
        [toolchain.python, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider", "test", "--ignore", "test/wasm"],
        cwd=project, env={"JUPYTER_PATH": str(jupyter_path)}, check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    subskips = [line.split(": ", 1)[-1] for line in result.stdout.splitlines() if re.match(r"(SUB)?SKIPPED", line)]
    summary = re.sub(r" in [0-9.]+s.*", "", result.stdout.strip().splitlines()[-1]).strip("= ")
    return dict(OUTCOME.findall(result.stdout)), subskips, summary


def test_protocol_suite_gives_the_wasm_build_the_native_results(lite, toolchain, rendered, tmp_path):
    """The same generated test/*.py against the native build of the same render and against
    the wasm build through xeus-kernel-ci's bridge: test for test the same outcome. A
    browser-only render has no native build: the same kernel's, from the defaults, stands in."""
    build, _ = lite
    native_project = build.project
    if not (build.project / "src/main.cpp").exists():
        native_project = tmp_path / "native"
        shutil.copytree(rendered("defaults"), native_project)
    native_toolchain = toolchain.with_binds([build.work, tmp_path])
    native = native_toolchain.run(["cmake", "--workflow", "--preset", "native"], cwd=native_project, check=False)
    assert native.returncode == 0, native.stdout[-6000:]
    on_native = protocol_suite(native_toolchain, native_project, native_project / "build/native/share/jupyter")
    on_wasm = protocol_suite(build.toolchain, build.project, build.project / "build/wasm/bridge/share/jupyter")
    inherent = {f"test/test_{build.kernel}_kernel.py::{name}": why for name, why in INHERENT.items()}
    assert {test: outcome for test, outcome in on_native[0].items() if test in inherent} == dict.fromkeys(inherent, "PASSED")
    assert {test: outcome for test, outcome in on_wasm[0].items() if test in inherent} == dict.fromkeys(inherent, "SKIPPED")
    assert all(any(reason.startswith(why) for reason in on_wasm[1]) for why in inherent.values()), on_wasm[1]
    same = lambda suite: ({t: o for t, o in suite[0].items() if t not in inherent},
                          [r for r in suite[1] if not r.startswith(tuple(inherent.values()))])
    assert same(on_wasm) == same(on_native)
    outcomes, subskips = same(on_wasm)
    summary = on_wasm[2]
    assert len(outcomes) >= 30 and set(outcomes.values()) == {"PASSED"}, summary
    assert any("test_notebooks.py" in test for test in outcomes)
    # Skipped on both: the history operations xeus 6 gets wrong, nothing else.
    assert subskips and all(reason.startswith("History") for reason in subskips), subskips


@pytest.fixture
def bridged_kernel(lite, tmp_path):
    """The wasm kernel started by jupyter_client on this machine from the bridge's kernelspec."""
    build, _ = lite
    work = build.work / f"client-{tmp_path.name}"  # inside the toolchain's binds
    spec = build.project / "build/wasm/bridge/share/jupyter/kernels" / build.kernel / "kernel.json"
    with started_kernel(build.toolchain, spec, work, build.kernel, ready_timeout=60) as (manager, client):
        yield manager, client


def test_bridged_wasm_kernel_is_interrupted_and_shut_down_by_message(bridged_kernel):
    manager, client = bridged_kernel
    info = client.kernel_info(reply=True, timeout=10)["content"]
    assert (info["status"], info["implementation"]) == ("ok", "xeus-mylang")
    request = client.session.msg("interrupt_request", {})
    client.control_channel.send(request)
    reply = client.get_control_msg(timeout=10)
    assert (reply["msg_type"], reply["parent_header"]["msg_id"]) == ("interrupt_reply", request["header"]["msg_id"])
    assert manager.is_alive(), "the kernel must survive an interrupt"
    assert client.execute_interactive("answer = 6 * 7", timeout=10)["content"]["status"] == "ok"
    started = time.monotonic()
    manager.shutdown_kernel(now=False)
    assert not manager.is_alive()
    assert time.monotonic() - started < 10, "shutdown_request should end the kernel promptly"


def test_browser_tests_without_chromium_say_so_in_one_line(lite):
    build, _ = lite
    result = build.run("ctest", "--preset", "wasm", "-R", "_browser$", check=False,
                       env={"CHROMIUM_EXECUTABLE": "/nonexistent/chromium"})
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if "Chromium" in line]
    assert len(lines) == 1, result.stdout[-4000:]
    assert "playwright install chromium" in lines[0] and "CHROMIUM_EXECUTABLE" in lines[0]
    assert "Traceback" not in result.stdout


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_site_opens_the_example_notebook_with_the_kernel_and_shows_its_screenshot(lite):
    build, _ = lite
    site = build.project / "build/wasm/lite"
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    assert config["defaultKernelName"] == build.kernel  # File > New > Notebook: no kernel dialog
    assert (site / "files/example.ipynb").read_bytes() == (build.project / "notebooks/example.ipynb").read_bytes()
    # The browser test's screenshot, where the README's image points once the site is published.
    readme = (build.project / "README.md").read_text()
    (published,) = re.findall(r"!\[[^]]*\]\(https://[^/]+\.github\.io/[^/]+/([^)]+\.png)\)", readme)
    width, height = png_size(site / published)
    assert (width, height) == (1200, 900)


def test_kernel_lands_where_jupyterlite_xeus_finds_it(lite):
    build, _ = lite
    with_data = answers("runtime-files" if "runtime" in build.work.name else "defaults").get("with_runtime_files", False)
    binaries = {p.name for p in (build.host / "bin").glob(f"{build.kernel}.*")}
    assert binaries == {f"{build.kernel}.js", f"{build.kernel}.wasm"} | ({f"{build.kernel}.data"} if with_data else set())
    spec = json.loads((build.host / "share/jupyter/kernels" / build.kernel / "kernel.json").read_text())
    assert spec["argv"] == [str(build.host / "bin" / build.kernel)]  # no connection file in wasm
    assert spec["metadata"]["wasm_name"] == build.kernel
    site = build.project / "build/wasm/lite"
    assert {"kernel": build.kernel, "env_name": "host"} in json.loads((site / "xeus/kernels.json").read_text())
    packed = {p.name for p in (site / "xeus/host/bin").iterdir()}
    assert {f"{build.kernel}.js", f"{build.kernel}.wasm"} <= packed
    assert (site / "xeus/host/libxeus.so").is_file()  # the shared xeus side module travels too
    # No side module but libxeus.so (linked): the kernel keeps only what it and libxeus.so use
    # (MAIN_MODULE=2), not all of libc for modules loaded later.
    exports = wasm_exports(build.host / "bin" / f"{build.kernel}.wasm")
    assert exports and "fopen" not in exports and "strtok" not in exports, sorted(exports)[:20]


@pytest.mark.parametrize(
    ("hook", "outcome"),
    [
        (SLOW_HOOK, 'RESULT "late but waited for"'),
        (FAILING_HOOK, "REJECTED initialize_xkernel failed: Error: no licence file found"),
    ],
    ids=["slow-hook-is-waited-for", "failing-hook-is-a-start-error-not-a-hang"],
)
def test_the_kernel_starts_only_after_initialize_xkernel(rendered, wasm_toolchain, tmp_path, hook, outcome):
    build = prepare(rendered("defaults"), tmp_path, wasm_toolchain, "xmylang")
    (build.project / "wasm/initialize_xkernel.js").write_text(hook)
    build.run("cmake", "--preset", "wasm")
    build.run("cmake", "--build", "build/wasm", "--target", "install")
    # The generated harness, over xeus-kernel-ci's, which `xeus-kernel-bridge node-test` names.
    harness = build.run(build.toolchain.python, "-c", "from xeus_kernel_ci.kernel_bridge import HARNESS; print(HARNESS.as_uri())")
    started = build.run(
        "node", "--input-type=module", "-e", START_AND_ASK,
        str(build.project / "test/wasm/kernel_harness.mjs"), str(build.host / "bin/xmylang.js"),
        timeout=60, env={"KERNEL_HARNESS": harness.stdout.strip()},
    )
    assert outcome in started.stdout, started.stdout
    if hook == SLOW_HOOK:
        bridge = build.project / "build/wasm/bridge/share/jupyter"
        build.run(build.toolchain.python, "-m", "xeus_kernel_ci.kernel_bridge", "kernelspec",
                  "--from", build.host / "share/jupyter/kernels/xmylang", "--to", bridge / "kernels/xmylang")
        outcomes, _, summary = protocol_suite(build.toolchain, build.project, bridge)
        inherent = {f"test/test_{build.kernel}_kernel.py::{name}" for name in INHERENT}
        assert {o for t, o in outcomes.items() if t not in inherent} == {"PASSED"}, summary


def test_side_modules_are_declared_in_metadata_shared(rendered, wasm_toolchain, tmp_path):
    build = prepare(rendered("defaults"), tmp_path, wasm_toolchain, "xmylang")
    cmakelists = build.project / "CMakeLists.txt"
    cmakelists.write_text(cmakelists.read_text().replace(
        "    SOURCES src/xinterpreter.cpp src/language.cpp\n",
        "    SOURCES src/xinterpreter.cpp src/language.cpp\n    SIDE_MODULES lib/libmylang_extra.so lib/libz.so\n"))
    build.run("cmake", "--preset", "wasm")
    build.run("cmake", "--build", "build/wasm", "--target", "install")
    spec = json.loads((build.host / "share/jupyter/kernels/xmylang/kernel.json").read_text())
    assert spec["metadata"]["shared"] == {"libmylang_extra.so": "lib/libmylang_extra.so", "libz.so": "lib/libz.so"}
    # Side modules loaded at run time may need any of libc: the kernel keeps all of it for them.
    assert {"fopen", "strtok"} <= wasm_exports(build.host / "bin/xmylang.wasm")

