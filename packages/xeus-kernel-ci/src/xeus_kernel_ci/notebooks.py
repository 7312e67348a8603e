"""A kernel's notebooks show what the kernel really outputs: each is run, cell by cell, on
the kernel its metadata names (found on JUPYTER_PATH), and its outputs are compared with the
stored ones. Against the native build, this keeps the stored outputs the native kernel's;
against the wasm build (through :mod:`xeus_kernel_ci.kernel_bridge`), the wasm kernel must give the
same, and the browser test compares JupyterLab's outputs with :func:`comparable` too.

A kernel points the suite at its notebooks, in a test file of its own::

    from xeus_kernel_ci.notebooks import NotebookSuite

    class TestNotebooks(NotebookSuite):
        folder = Path(__file__).parent.parent / "notebooks"

Store the native kernel's outputs after changing the language or a notebook (then review
the diff): ``JUPYTER_PATH=build/native/share/jupyter python -m xeus_kernel_ci.notebooks
notebooks/NAME.ipynb``. Execution counts and metadata are not compared.

Cells that cannot give the same outputs twice (times, random numbers, input(), widgets
needing a frontend) carry a cell tag, as nbval reads them: ``nbval-ignore-output`` (the cell
runs, its outputs are not compared) or ``nbval-skip`` (the cell neither runs nor is compared;
storing keeps its outputs). A notebook that fails for a known reason: ``known_failures.toml``
next to the test file, table ``[notebooks]``, its file name as key.
"""

from __future__ import annotations

import argparse
import json
import queue
from pathlib import Path

import pytest

from . import known_failures

TIMEOUT = 30
SKIP, IGNORE_OUTPUT = "nbval-skip", "nbval-ignore-output"  # cell tags, named as nbval names them


class NotCompared:
    """Stands for the outputs of a tagged cell: equal to any outputs."""

    def __init__(self, tag: str):
        self.tag = tag

    def __eq__(self, other) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<not compared: {self.tag}>"


def tag_of(cell: dict) -> str | None:
    tags = cell.get("metadata", {}).get("tags", [])
    return next((tag for tag in (SKIP, IGNORE_OUTPUT) if tag in tags), None)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def _data(mime: str, value):
    """A mime bundle's value: JSON types hold JSON (a list is data), the others text (a list
    is its lines)."""
    if mime == "application/json" or mime.endswith("+json"):
        return value
    return _text(value)


def comparable(outputs: list[dict]) -> list[dict]:
    """nbformat outputs without what differs between runs and frontends: execution counts,
    metadata, how texts are split into lines, consecutive stream chunks."""
    result: list[dict] = []
    for output in outputs:
        kind = output["output_type"]
        if kind == "stream":
            if result and result[-1]["output_type"] == "stream" and result[-1]["name"] == output["name"]:
                result[-1]["text"] += _text(output["text"])
                continue
            result.append({"output_type": kind, "name": output["name"], "text": _text(output["text"])})
        elif kind in ("execute_result", "display_data"):
            data = {mime: _data(mime, value) for mime, value in output["data"].items()}
            result.append({"output_type": kind, "data": data})
        elif kind == "error":
            result.append({key: output[key] for key in ("output_type", "ename", "evalue", "traceback")})
        else:
            raise ValueError(f"unknown output type {kind!r}")
    return result


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def stored_outputs(path: Path) -> list[list[dict] | NotCompared]:
    """The stored outputs of each code cell of the notebook at path, comparable; a tagged
    cell's, NotCompared."""
    return [
        NotCompared(tag) if (tag := tag_of(cell)) else comparable(cell["outputs"])
        for cell in code_cells(read(path))
    ]


def _output_of(msg: dict) -> dict | None:
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        return {"output_type": kind, "name": content["name"], "text": content["text"]}
    if kind in ("execute_result", "display_data"):
        output = {"output_type": kind, "data": content["data"], "metadata": content.get("metadata", {})}
        if kind == "execute_result":
            output["execution_count"] = content["execution_count"]
        return output
    if kind == "error":
        return {"output_type": kind, **{key: content[key] for key in ("ename", "evalue", "traceback")}}
    return None


def describe_differences(stored: list, given: list) -> list[str]:
    """One paragraph per code cell whose outputs differ from the stored ones (the suite's
    message: pytest does not rewrite this module's asserts)."""
    if len(stored) != len(given):
        return [f"{len(given)} code cells ran, {len(stored)} stored"]
    return [f"code cell {index}: stored {json.dumps(want, ensure_ascii=False)}\n  but got {json.dumps(got, ensure_ascii=False)}"
            for index, (want, got) in enumerate(zip(stored, given)) if want != got]


def _next(get, path: Path, cell: dict) -> dict:
    """The next message of a channel, or a failure naming the cell that hung."""
    try:
        return get(timeout=TIMEOUT)
    except queue.Empty:
        code = _text(cell["source"])
        pytest.fail(f"{path.name}: no answer within {TIMEOUT} s to execute_request, code {code[:80]!r}", pytrace=False)


def run(path: Path) -> list[tuple[int | None, list[dict]]]:
    """Runs each code cell of the notebook on the kernel its metadata names, as a notebook
    frontend does: (execution count, nbformat outputs) per code cell; a cell tagged
    nbval-skip does not run and keeps what is stored."""
    from jupyter_client.manager import start_new_kernel

    notebook = read(path)
    manager, client = start_new_kernel(kernel_name=notebook["metadata"]["kernelspec"]["name"])
    try:
        results = []
        for cell in code_cells(notebook):
            if tag_of(cell) == SKIP:
                results.append((cell.get("execution_count"), cell["outputs"]))
                continue
            msg_id = client.execute(_text(cell["source"]), allow_stdin=False, stop_on_error=False)
            outputs: list[dict] = []
            while True:
                msg = _next(client.get_iopub_msg, path, cell)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
                if msg["msg_type"] == "clear_output":
                    outputs = []
                elif (output := _output_of(msg)) is not None:
                    outputs.append(output)
            reply = _next(client.get_shell_msg, path, cell)
            while reply["msg_type"] == "kernel_info_reply":  # spares of start_new_kernel's retries
                reply = _next(client.get_shell_msg, path, cell)
            assert reply["parent_header"]["msg_id"] == msg_id
            results.append((reply["content"].get("execution_count"), outputs))
        return results
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


class NotebookSuite:
    """Subclass it in a test file, with folder: the notebooks (*.ipynb) to compare."""

    folder: Path | None = None
    #: where the known failures are; default: known_failures.toml next to the test file
    known_failures: Path | None = None

    def pytest_generate_tests(self, metafunc):
        if "notebook" in metafunc.fixturenames:
            found = sorted(Path(self.folder).glob("*.ipynb")) if self.folder else []
            if not found:
                none = pytest.mark.skip(reason=f"No notebooks in {self.folder}: nothing to compare")
                found = [pytest.param(None, marks=none, id="no notebooks")]
            metafunc.parametrize("notebook", found, ids=lambda path: path.name)

    @pytest.fixture(autouse=True)
    def _known_failure(self, request):
        path = self.known_failures or request.path.parent / known_failures.FILE_NAME
        ids = {notebook.name for notebook in Path(self.folder).glob("*.ipynb")} if self.folder else set()
        known_failures.apply(request, "notebooks", path, ids)

    def test_notebook_gives_its_stored_outputs(self, notebook):
        outputs = [comparable(outputs) for _, outputs in run(notebook)]
        differences = describe_differences(stored_outputs(notebook), outputs)
        assert not differences, f"{notebook.name}: " + "\n".join(differences)


def store(path: Path) -> None:
    """Runs the notebook and stores its outputs and execution counts in it."""
    notebook = read(path)
    for cell, (count, outputs) in zip(code_cells(notebook), run(path)):
        cell["execution_count"], cell["outputs"] = count, outputs
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"stored the outputs of {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run notebooks on the kernel their metadata names (found on "
                                     "JUPYTER_PATH) and store its outputs in them.")
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK.ipynb")
    for path in parser.parse_args(argv).notebooks:
        store(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
