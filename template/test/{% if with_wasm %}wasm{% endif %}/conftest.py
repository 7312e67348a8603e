# Managed by xeus-kernel-template: `copier update` rewrites this file.
"""Browser-test fixtures: serve the packed JupyterLite site (LITE_SITE, set by ctest) on
127.0.0.1, open its REPL in headless Chromium with Playwright, and run code in the kernel.

Chromium: Playwright's own (`playwright install chromium`), or the one named by
CHROMIUM_EXECUTABLE. Requests to any other host than the local server are blocked.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
import time
from pathlib import Path

import pytest

KERNEL_READY_TIMEOUT_MS = 120_000
CELL_TIMEOUT_MS = 30_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def lite_site() -> Path:
    site = os.environ.get("LITE_SITE")
    if not site or not (Path(site) / "index.html").is_file():
        pytest.fail("LITE_SITE must name a packed JupyterLite site: run `cmake --workflow --preset wasm`")
    return Path(site)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm"}

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def lite_url(lite_site: Path):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(lite_site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_EXECUTABLE") or None, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Repl:
    """The JupyterLite REPL of one kernel: run(code) returns the texts of the cell's outputs."""

    def __init__(self, page, url: str):
        self.page = page
        started = time.monotonic()
        page.goto(url)
        # The banner shows "..." until the kernel_info reply: then the kernel is answering.
        page.locator(".jp-CodeConsole-banner").filter(has_text=re.compile(r"[^.\s]")).wait_for(
            timeout=KERNEL_READY_TIMEOUT_MS
        )
        self.ready_seconds = time.monotonic() - started
        self.last_run_seconds = None

    def run(self, code: str) -> list[str]:
        cells = self.page.locator(".jp-CodeConsole-content .jp-CodeCell")
        count = cells.count()
        prompt = self.page.locator(".jp-CodeConsole-promptCell .cm-content")
        prompt.click()
        self.page.keyboard.insert_text(code)
        started = time.monotonic()
        self.page.keyboard.press("Shift+Enter")
        cell = cells.nth(count)
        cell.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=CELL_TIMEOUT_MS)
        self.last_run_seconds = time.monotonic() - started
        return [text.strip() for text in cell.locator(".jp-OutputArea-output").all_inner_texts()]


@pytest.fixture(scope="session")
def repl(browser, lite_url: str, kernel_name: str) -> Repl:
    page = browser.new_page()
    allowed = lite_url + "/"
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield Repl(page, f"{lite_url}/repl/index.html?kernel={kernel_name}&toolbar=1")
    page.close()
