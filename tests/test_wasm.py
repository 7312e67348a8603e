"""The lite journey, for real: render a kernel, run its `cmake --workflow --preset wasm`
(emscripten build against a wasm host prefix, install into it, pack a JupyterLite site with
jupyterlite-xeus, run the generated node and browser tests), then check what landed where
and that a failing init hook stops the kernel with its message instead of hanging."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from samples import answers
from xeus_kernel_template.toolchain import ROOT_CHROMIUM

HOST_PREFIX = os.environ.get("WASM_HOST_PREFIX")
if not HOST_PREFIX:
    pytest.skip(
        "wasm tier: no wasm host prefix; set WASM_HOST_PREFIX to an emscripten-wasm32 prefix with xeus 6 and xeus-lite 5",
        allow_module_level=True,
    )
pytestmark = pytest.mark.wasm

FAILING_HOOK = 'async function xkernel_initialize(Module) { throw new Error("no licence file found"); }\n'
# Finishes well after the module would be ready: only a loader that waits sees its variable.
SLOW_HOOK = """async function xkernel_initialize(Module) {
  await new Promise((resolve) => setTimeout(resolve, 500));
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
        if toolchain.root is not None:
            self.env["CHROMIUM_EXECUTABLE"] = ROOT_CHROMIUM

    def run(self, *argv, check=True, timeout=900):
        return self.toolchain.run(argv, cwd=self.project, env=self.env, check=check, timeout=timeout)


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


@pytest.fixture(scope="module", params=["defaults", "runtime-files"])
def lite(request, rendered, wasm_toolchain, tmp_path_factory) -> tuple[LiteBuild, str]:
    kernel = answers(request.param).get("kernel_name", "xmylang")
    build = prepare(rendered(request.param), tmp_path_factory.mktemp(f"lite-{request.param}"), wasm_toolchain, kernel)
    workflow = build.run("cmake", "--workflow", "--preset", "wasm", check=False)
    assert workflow.returncode == 0, workflow.stdout[-8000:]
    return build, workflow.stdout


def test_workflow_builds_packs_and_passes_node_and_browser_tests(lite):
    build, output = lite
    assert re.search(r"100% tests passed, 0 tests failed out of 2", output), output[-3000:]
    assert f"{build.kernel}_node" in output and f"{build.kernel}_browser" in output


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
    assert "fopen" not in exports and "strtok" not in exports, sorted(exports)[:20]


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
    started = build.run(
        "node", "--input-type=module", "-e", START_AND_ASK,
        str(build.project / "test/wasm/kernel_harness.mjs"), str(build.host / "bin/xmylang.js"),
        timeout=60,
    )
    assert outcome in started.stdout, started.stdout


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

