"""Browser-test fixtures (a conftest.py imports them): serve the packed JupyterLite site (LITE_SITE, set by ctest) on
127.0.0.1, open it in headless Chromium with Playwright, and drive the REPL and JupyterLab.

Chromium: Playwright's own (`python -m playwright install chromium`), or the one named by
CHROMIUM_EXECUTABLE. Requests to any other host than the local server are blocked.

How input() reaches the page (jupyterlite-xeus's get_stdin), both tested:
- "service-worker": the site served as GitHub Pages serves it, without cross-origin
  isolation; the kernel's worker asks the site's service worker, synchronously.
- "shared-array-buffer": the site served with the cross-origin isolation headers
  (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp);
  the worker waits on a SharedArrayBuffer. Service workers are blocked there, so that only
  this path can answer.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

# How the stored outputs of the notebooks are compared: as the notebook suite compares them.
from .notebooks import comparable, stored_outputs

__all__ = ["browser", "comparable", "lite_site", "lite_url", "open_notebook", "repl", "serve", "stdin_repl",
           "stored_outputs"]

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
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}
STDIN_PATHS = {"service-worker": False, "shared-array-buffer": True}  # path: cross-origin isolated


@pytest.fixture(scope="session")
def lite_site() -> Path:
    site = os.environ.get("LITE_SITE")
    if not site or not (Path(site) / "index.html").is_file():
        pytest.fail("LITE_SITE must name a packed JupyterLite site: run `cmake --workflow --preset wasm`")
    return Path(site)


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm"}
    headers_to_add: ClassVar[dict[str, str]] = {}

    def end_headers(self) -> None:
        for name, value in self.headers_to_add.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def serve(lite_site: Path):
    """serve(isolated) -> the URL of the site, served with or without cross-origin isolation."""
    servers: dict[bool, http.server.ThreadingHTTPServer] = {}

    def url(isolated: bool = False) -> str:
        if isolated not in servers:
            handler = type("Handler", (_SiteHandler,), {"headers_to_add": ISOLATION_HEADERS if isolated else {}})
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(lite_site)))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers[isolated] = server
        return f"http://127.0.0.1:{servers[isolated].server_address[1]}"

    yield url
    for server in servers.values():
        server.shutdown()


@pytest.fixture(scope="session")
def lite_url(serve) -> str:
    return serve(isolated=False)


@pytest.fixture(scope="session")
def browser():
    """Chromium, or one line saying how to get it (not a traceback per test)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.exit("the browser tests need Playwright: pip install playwright (see environment-wasm-build.yml)", 1)
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_EXECUTABLE") or None, args=CHROMIUM_ARGS
            )
        except Error as error:
            reason = str(error).strip().splitlines()[0]
            pytest.exit(
                f"no Chromium for the browser tests ({reason}): run `python -m playwright install chromium`, "
                "or set CHROMIUM_EXECUTABLE to a Chromium executable",
                1,
            )
        yield chromium
        chromium.close()


def _open_page(browser, url: str, *, isolated: bool):
    """A page in its own browser context that reaches only the local server. The JupyterLab
    app is exposed to the tests (window.jupyterapp) by the page config they are served."""
    context = browser.new_context(
        service_workers="block" if isolated else "allow", viewport={"width": 1200, "height": 900}
    )

    def route(route) -> None:
        request_url = route.request.url
        if not request_url.startswith(url + "/"):
            route.abort()
        elif request_url.split("?")[0].endswith("/jupyter-lite.json"):
            response = route.fetch()
            try:
                config = response.json()
            except ValueError:  # not a configuration (a 404 page): as it is
                route.fulfill(response=response)
                return
            config.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = "true"
            route.fulfill(response=response, json=config)
        else:
            route.continue_()

    context.route("**/*", route)
    page = context.new_page()
    # What the page said, for the message of a test that waited in vain.
    page.said = []
    first_line = lambda text: (str(text).splitlines() or [""])[0][:300]
    page.on("console", lambda message: page.said.append(f"{message.type}: {first_line(message.text)}"))
    page.on("pageerror", lambda error: page.said.append(f"page error: {first_line(error)}"))
    return page


def wait_or_fail(page, what: str, wait, timeout_ms: int) -> None:
    """wait(timeout=...) or fail with one message: what did not happen, what the page said."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        wait(timeout=timeout_ms)
        return
    except Timeout:
        pass
    said = "\n  ".join(getattr(page, "said", [])[-15:]) or "(nothing)"
    pytest.fail(f"{what} within {timeout_ms / 1000:.0f} s; the page said, last:\n  {said}", pytrace=False)


# On a cross-origin isolated page (the SharedArrayBuffer worker), jupyterlite-xeus 5.1 loses
# the kernel's connection while starting it on about one page load in eight ("Trying to send
# message on removed socket", then this page error), and the kernel never answers; a reload
# starts it. That one failure, and only it, gets a reload (twice at most); anything else fails.
UPSTREAM_RACE = "value.then is not a function"
UPSTREAM_RACE_RELOADS = 2


def _upstream_race(page, banner, said_before: int) -> bool:
    """Waits for the banner; True when the page hit the upstream race instead."""
    from playwright.sync_api import TimeoutError as Timeout

    deadline = time.monotonic() + KERNEL_READY_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            banner.wait_for(timeout=1000)
            return False
        except Timeout:
            if any(UPSTREAM_RACE in said for said in page.said[said_before:]):
                return True
    return False


class Repl:
    """The JupyterLite REPL of one kernel: run(code) returns the texts of the cell's outputs."""

    def __init__(self, page, url: str):
        self.page = page
        started = time.monotonic()
        # The banner shows "..." until the kernel_info reply: then the kernel is answering.
        banner = page.locator(".jp-CodeConsole-banner").filter(has_text=re.compile(r"[^.\s]"))
        for attempt in range(UPSTREAM_RACE_RELOADS + 1):
            said_before = len(page.said)
            page.goto(url)
            if attempt == UPSTREAM_RACE_RELOADS or not _upstream_race(page, banner, said_before):
                break
            print(f"[the REPL] jupyterlite-xeus lost the kernel's connection while starting it ({UPSTREAM_RACE}): reloading")
        wait_or_fail(page, "the REPL's kernel did not answer", banner.wait_for, KERNEL_READY_TIMEOUT_MS)
        self.ready_seconds = time.monotonic() - started
        self.last_run_seconds = None

    @property
    def stdin_path(self) -> str:
        """How the kernel's input() reaches this page: "shared-array-buffer" or "service-worker"."""
        if self.page.evaluate("crossOriginIsolated"):
            return "shared-array-buffer"
        return "service-worker" if self.page.evaluate("navigator.serviceWorker.controller !== null") else "none"

    def run(self, code: str, *, input: str | None = None) -> list[str]:
        """Runs code; with input, types it (and Enter) into the input box the cell opens."""
        cells = self.page.locator(".jp-CodeConsole-content .jp-CodeCell")
        count = cells.count()
        prompt = self.page.locator(".jp-CodeConsole-promptCell .cm-content")
        prompt.click()
        self.page.keyboard.insert_text(code)
        started = time.monotonic()
        self.page.keyboard.press("Shift+Enter")
        cell = cells.nth(count)
        if input is not None:
            box = cell.locator(".jp-Stdin-input")
            box.wait_for(timeout=CELL_TIMEOUT_MS)
            box.fill(input)
            box.press("Enter")
            box.wait_for(state="detached", timeout=CELL_TIMEOUT_MS)  # replaced by the echo of the answer
        cell.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=CELL_TIMEOUT_MS)
        self.last_run_seconds = time.monotonic() - started
        return [text.strip() for text in cell.locator(".jp-OutputArea-output").all_inner_texts()]


@pytest.fixture(scope="session")
def repl(browser, lite_url: str, kernel_name: str) -> Repl:
    """The REPL on the site served as GitHub Pages serves it."""
    page = _open_page(browser, lite_url, isolated=False)
    yield Repl(page, f"{lite_url}/repl/index.html?kernel={kernel_name}&toolbar=1")
    page.context.close()


@pytest.fixture(scope="session", params=sorted(STDIN_PATHS))
def stdin_repl(request, browser, serve, kernel_name: str) -> Repl:
    """The REPL on each way input() reaches the page; fails if the page does not use it."""
    isolated = STDIN_PATHS[request.param]
    url = serve(isolated)
    page = _open_page(browser, url, isolated=isolated)
    repl = Repl(page, f"{url}/repl/index.html?kernel={kernel_name}&toolbar=1")
    assert repl.stdin_path == request.param
    yield repl
    page.context.close()


# In the page: the notebook JupyterLab shows, and whether its kernel is idle.
_NOTEBOOK_JS = """
const notebook = () => window.jupyterapp?.shell.currentWidget;
const idle = () => notebook()?.sessionContext?.session?.kernel?.status === "idle";
const codeCells = () => Array.from(notebook().content.model.cells).filter((cell) => cell.type === "code");
"""
_OPENED = "(path) => { " + _NOTEBOOK_JS + " return notebook()?.context?.path === path && idle(); }"
_OUTPUTS = "() => { " + _NOTEBOOK_JS + " return codeCells().map((cell) => cell.outputs.toJSON()); }"
_ALL_RAN = "() => { " + _NOTEBOOK_JS + " return codeCells().every((cell) => cell.executionCount !== null) && idle(); }"
_NONE_RAN = "() => { " + _NOTEBOOK_JS + " return codeCells().every((cell) => cell.executionCount === null); }"
_KERNEL_NAME = "() => { " + _NOTEBOOK_JS + " return notebook().sessionContext.session.kernel.name; }"


class Notebook:
    """A notebook of the site opened in JupyterLab, driven through its menus."""

    def __init__(self, page, url: str, name: str):
        self.page, self.name = page, name
        page.goto(f"{url}/lab/index.html?path={name}")
        wait_or_fail(page, f"JupyterLab did not open {name} with an idle kernel",
                     lambda timeout: page.wait_for_function(_OPENED, arg=name, timeout=timeout), KERNEL_READY_TIMEOUT_MS)

    @property
    def kernel_name(self) -> str:
        return self.page.evaluate(_KERNEL_NAME)

    def menu(self, menu: str, item: str) -> None:
        self.page.get_by_role("menuitem", name=menu, exact=True).click()
        self.page.get_by_role("menuitem", name=item, exact=True).click()

    def outputs(self) -> list[list[dict]]:
        """The nbformat outputs of each code cell, from JupyterLab's notebook model."""
        return self.page.evaluate(_OUTPUTS)

    def run_all(self) -> None:
        """Clears every output, runs all cells and waits until each code cell has run."""
        self.menu("Edit", "Clear Outputs of All Cells")
        cleared = all(outputs == [] for outputs in self.outputs()) and self.page.evaluate(_NONE_RAN)
        assert cleared, "Edit > Clear Outputs of All Cells left outputs or execution counts"
        self.menu("Run", "Run All Cells")
        wait_or_fail(self.page, "not every cell ran",
                     lambda timeout: self.page.wait_for_function(_ALL_RAN, timeout=timeout), CELL_TIMEOUT_MS * 4)

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def open_notebook(browser, lite_url: str):
    """open_notebook(name) -> the notebook `name` of the site, in JupyterLab."""
    pages = []

    def open_(name: str) -> Notebook:
        pages.append(_open_page(browser, lite_url, isolated=False))
        return Notebook(pages[-1], lite_url, name)

    yield open_
    for page in pages:
        page.context.close()


class BrowserSmokeSuite:
    """The smoke cells (xeus_kernel_ci.smoke) in the JupyterLite REPL: subclass it in a test
    file, with kernel_name and cells (the smoke file's path); conftest.py imports the fixtures."""

    kernel_name: str = ""
    cells: Path | None = None

    def pytest_generate_tests(self, metafunc):
        from .smoke import SmokeSuite

        SmokeSuite.pytest_generate_tests(self, metafunc)

    @pytest.fixture(scope="class")
    def smoke_repl(self, browser, lite_url: str) -> Repl:
        page = _open_page(browser, lite_url, isolated=False)
        yield Repl(page, f"{lite_url}/repl/index.html?kernel={self.kernel_name}&toolbar=1")
        page.context.close()

    def test_cell_gives_what_the_smoke_file_says_in_the_repl(self, smoke_repl, cell):
        outputs = smoke_repl.run(cell["code"])
        shown = {"result": cell.get("result"), "stdout": (cell.get("stdout") or "").strip()}
        missing = [f"{key} {shown[key]!r}" for key in ("result", "stdout") if key in cell and shown[key] not in outputs]
        if "error" in cell and not any(cell["error"] in output for output in outputs):
            missing.append(f"error {cell['error']!r}")
        assert not missing, f"{cell['code']!r}: the REPL shows {outputs}, without {', '.join(missing)}"
