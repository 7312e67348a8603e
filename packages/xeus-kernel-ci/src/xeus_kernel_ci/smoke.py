"""Smoke tests for any kernel, from a few cells its author writes with what each must give:
a TOML file (``smoke_cells.toml``), read by this suite (the native build, or the wasm build
through the bridge), by ``kernel_smoke.test.mjs`` (the wasm module in Node.js, through
``xeus-kernel-bridge node-test --smoke-cells FILE``) and by the browser suite::

    [[cells]]
    code = "6 * 7"
    result = "42"

    [[cells]]
    code = 'print("hi")'
    stdout = "hi\n"

``result``: the text/plain of the cell's execute_result; ``stdout``: what it printed;
``error``: the ename of its error reply. A cell says what it checks; the others are free.
Every kernel also gets a kernel_info check, with no cell at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):  # noqa: UP036 (the package supports 3.10)
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TIMEOUT = 30
CHECKED = ("result", "stdout", "error")


def read_cells(path: Path) -> list[dict]:
    """The cells of a smoke file, each with code and at least one of result/stdout/error."""
    try:
        cells = tomllib.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError) as error:
        raise pytest.UsageError(f"{path}: not a smoke file (TOML, [[cells]] tables): {error}") from None
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("code"), str) or not any(key in cell for key in CHECKED):
            raise pytest.UsageError(f"{path}: cell {index} needs a code and one of {', '.join(CHECKED)}")
    return cells


def outcome(client, code: str) -> dict:
    """What a cell gave, in the smoke file's terms: result, stdout, error (present ones only)."""
    given: dict = {}
    outputs: list[dict] = []
    reply = client.execute_interactive(code, timeout=TIMEOUT, allow_stdin=False, output_hook=outputs.append)
    for msg in outputs:
        if msg["msg_type"] == "execute_result" and msg["content"].get("data"):
            given["result"] = msg["content"]["data"].get("text/plain")
        elif msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            given["stdout"] = given.get("stdout", "") + msg["content"]["text"]
    if reply["content"]["status"] == "error":
        given["error"] = reply["content"].get("ename")
    return given


class SmokeSuite:
    """Subclass it in a test file, with kernel_name and cells (the smoke file's path)."""

    kernel_name: str = ""
    cells: Path | None = None

    def pytest_generate_tests(self, metafunc):
        if "cell" in metafunc.fixturenames:
            found = read_cells(Path(self.cells)) if self.cells and Path(self.cells).is_file() else []
            if not found:
                none = pytest.mark.skip(reason=f"No cells in {self.cells}: write a few with what they give")
                found = [pytest.param(None, marks=none, id="no cells")]
            metafunc.parametrize("cell", found, ids=lambda cell: cell["code"][:40] if cell else "none")

    @pytest.fixture(scope="class")
    def client(self):
        from jupyter_client.manager import start_new_kernel

        manager, client = start_new_kernel(kernel_name=self.kernel_name)
        yield client
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    def test_kernel_info_describes_a_language(self, client):
        reply = client.kernel_info(reply=True, timeout=TIMEOUT)["content"]
        assert reply["status"] == "ok", reply
        assert reply["language_info"]["name"], reply

    def test_cell_gives_what_the_smoke_file_says(self, client, cell):
        expected = {key: cell[key] for key in CHECKED if key in cell}
        given = outcome(client, cell["code"])
        assert {key: given.get(key) for key in expected} == expected, f"{cell['code']!r} gave {given}"
