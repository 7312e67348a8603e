"""Runs inside the wasm toolchain (Playwright and Chromium live there): opens the REPL of each
kernel in a packed JupyterLite site, in headless Chromium, and prints JSON with, per round
and kernel, the time from page load to kernel ready, the cells' execute → result times, the
files downloaded and when each finished.

    python lite_page.py SITE DRIVER_DIR ROUNDS CELLS KERNEL...

DRIVER_DIR is the generated kernel's test/wasm folder: its REPL driver (conftest.Repl, the
one the kernel's own browser tests use) measures ready and cell times here too.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import sys
import threading
import time


def main() -> int:
    site, driver, rounds, cells, *kernels = sys.argv[1:]
    sys.path.insert(0, driver)
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM_ARGS, Repl, _open_page, _SiteHandler  # the generated repository's driver

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_SiteHandler, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_EXECUTABLE") or None, args=CHROMIUM_ARGS)
        for index in range(int(rounds) + 1):  # the first round warms the OS file cache only
            shift = index % len(kernels)
            for kernel in kernels[shift:] + kernels[:shift]:
                # as the kernel's own browser tests open it: a new context (an empty HTTP cache,
                # a first visit) that reaches only the local server
                page = _open_page(browser, url, isolated=False)
                started = time.monotonic()
                finished: dict[str, float] = {}
                events: dict[str, float] = {}
                page.on("requestfinished", lambda request: finished.setdefault(request.url[len(url):], time.monotonic() - started))
                page.on("domcontentloaded", lambda _: events.setdefault("domcontentloaded", time.monotonic() - started))
                page.on("load", lambda _: events.setdefault("load", time.monotonic() - started))
                repl = Repl(page, f"{url}/repl/index.html?kernel={kernel}&toolbar=1")
                runs = []
                for cell in range(int(cells)):
                    outputs = repl.run(f"{cell} * 2")
                    expected = f"{cell} * 2" if kernel == "xecho" else str(cell * 2)
                    if outputs != [expected]:
                        raise RuntimeError(f"{kernel}: {cell} * 2 gave {outputs!r}")
                    runs.append(repl.last_run_seconds)
                if index:
                    samples.append({"round": index, "kernel": kernel, "ready": repl.ready_seconds, "cells": runs,
                                    "events": events, "finished": finished})
                page.context.close()
        browser.close()
    server.shutdown()
    print(json.dumps(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
