# Managed by xeus-kernel-template: `copier update` merges the template's changes into this file;
# your edits to the same lines become conflicts.
"""The browser tests' fixtures, from xeus-kernel-ci: the packed JupyterLite site (LITE_SITE,
set by ctest) served on 127.0.0.1 with and without cross-origin isolation, Chromium through
Playwright, the REPL (`repl`, `stdin_repl`) and JupyterLab (`open_notebook`) drivers. The
tests name their kernel with a `kernel_name` fixture."""

from pathlib import Path

from xeus_kernel_ci.browser import (  # noqa: F401 (fixtures)
    browser,
    comparable,
    lite_site,
    lite_url,
    open_notebook,
    repl,
    serve,
    stdin_repl,
    stored_outputs,
)

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent.parent / "notebooks").glob("*.ipynb"))
