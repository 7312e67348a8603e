"""Measure the lite journey of a default kernel and print the figures.

    WASM_HOST_PREFIX=/path/to/wasm-host python benchmarks/lite.py [--cells N]

Renders the template with default answers, runs `cmake --workflow --preset wasm` against a
copy of the wasm host prefix (build, install, pack, node and browser tests), then reports
the module sizes (raw and gzip) and, in headless Chromium on the packed site, the time from
page load to kernel ready and from execute to result, with the generated repository's own
REPL driver (test/wasm/conftest.py).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure_browser(site: Path, kernel: str, cells: int) -> None:
    """Runs inside the toolchain: Playwright and Chromium live there."""
    sys.path.insert(0, str(site.parent.parent.parent / "test/wasm"))
    import http.server
    import threading

    from conftest import CHROMIUM_ARGS, Repl, _SiteHandler  # the generated repo's driver
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _SiteHandler(*a, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_EXECUTABLE") or None, args=CHROMIUM_ARGS)
        ready, runs = [], []
        for _ in range(3):  # fresh pages: page load to kernel ready
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url + "/") else route.abort())
            repl = Repl(page, f"{url}/repl/index.html?kernel={kernel}&toolbar=1")
            ready.append(repl.ready_seconds)
            for i in range(cells):
                assert repl.run(f"{i} * 2") == [str(i * 2)]
                runs.append(repl.last_run_seconds)
            page.close()
        browser.close()
    server.shutdown()
    print(f"{'page load to kernel ready, median of 3':<44} {statistics.median(ready):8.2f} s")
    print(f"{'execute to result in the REPL, median':<44} {statistics.median(runs) * 1e3:8.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10, help="cells to time per page")
    parser.add_argument("--measure", nargs=2, metavar=("SITE", "KERNEL"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measure_browser(Path(options.measure[0]), options.measure[1], options.cells)
        return 0

    import copier

    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    from samples import BASE
    from xeus_kernel_template.toolchain import ROOT_CHROMIUM, find_wasm_toolchain, host_chromium

    host_prefix = os.environ.get("WASM_HOST_PREFIX")
    if not host_prefix:
        parser.error("set WASM_HOST_PREFIX to a wasm host prefix with xeus 6 and xeus-lite 5")
    toolchain = find_wasm_toolchain()
    print(f"toolchain: {toolchain.description}")
    with tempfile.TemporaryDirectory(prefix="xkt-lite-bench-") as scratch:
        work = Path(scratch)
        project, host = work / "xeus-mylang", work / "host"
        shutil.copytree(host_prefix, host, symlinks=True)
        copier.run_copy(str(ROOT), str(project), data=BASE, defaults=True, vcs_ref="HEAD", quiet=True)
        tc = toolchain.with_binds([work, ROOT])
        env = {"WASM_HOST_PREFIX": str(host)}
        chromium = ROOT_CHROMIUM if toolchain.root is not None else host_chromium()
        if chromium:
            env["CHROMIUM_EXECUTABLE"] = chromium

        def timed(label, argv):
            started = time.perf_counter()
            tc.run(argv, cwd=project, env=env)
            print(f"{label:<44} {time.perf_counter() - started:8.2f} s", flush=True)

        timed("cmake --preset wasm (configure)", ["cmake", "--preset", "wasm"])
        timed("build + install (cold)", ["cmake", "--build", "build/wasm", "--target", "install"])
        timed("pack the JupyterLite site (lite target)", ["cmake", "--build", "--preset", "wasm"])
        timed("node, protocol (bridge), browser tests (ctest)", ["ctest", "--preset", "wasm"])
        for name in ("xmylang.wasm", "xmylang.js"):
            data = (host / "bin" / name).read_bytes()
            print(f"{name + ' (raw / gzip)':<44} {len(data) / 1e6:8.2f} MB / {len(gzip.compress(data, 9)) / 1e6:.2f} MB")
        shared = (host / "lib/libxeus.so").read_bytes()
        print(f"{'libxeus.so side module (raw / gzip)':<44} {len(shared) / 1e6:8.2f} MB / {len(gzip.compress(shared, 9)) / 1e6:.2f} MB")
        site = project / "build/wasm/lite"
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        print(f"{'packed site, all files':<44} {size / 1e6:8.1f} MB")
        measure = tc.run([toolchain.python, __file__, "--measure", str(site), "xmylang", "--cells", str(options.cells)],
                         cwd=project, env=env)
        print(measure.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
