"""A kernel's notebooks show what the kernel really outputs: each is run, cell by cell, on
the kernel its metadata names (found on JUPYTER_PATH) by nbclient, and its outputs are
compared with the stored ones by :func:`comparable` (the browser test's comparison too; nbval
reads the same cell tags, but its comparison is internal to its plugin). Against the native build, this keeps the stored outputs the native kernel's;
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
import shutil
import tempfile
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


def describe_differences(stored: list, given: list) -> list[str]:
    """One paragraph per code cell whose outputs differ from the stored ones (the suite's
    message: pytest does not rewrite this module's asserts)."""
    if len(stored) != len(given):
        return [f"{len(given)} code cells ran, {len(stored)} stored"]
    return [f"code cell {index}: stored {json.dumps(want, ensure_ascii=False)}\n  but got {json.dumps(got, ensure_ascii=False)}"
            for index, (want, got) in enumerate(zip(stored, given)) if want != got]


class NotebookFailed(Exception):
    """A notebook could not run to its end: the message names the cell."""


def run(path: Path):
    """The notebook at path, executed by nbclient on the kernel its metadata names (found on
    JUPYTER_PATH), as a notebook frontend runs it, errors included; cells tagged nbval-skip
    do not run and keep what is stored."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    skipped = [cell for cell in notebook.cells if cell.cell_type == "code" and tag_of(cell) == SKIP]
    for cell in skipped:  # nbclient runs code cells only
        cell.cell_type = "raw"
    # In a copy of the notebook's folder: what a notebook writes (io.open("test.txt", "w"))
    # never lands in the repository, where the next `git add` would take it.
    with tempfile.TemporaryDirectory(prefix="xeus-kernel-ci-notebook-") as folder:
        shutil.copytree(path.parent, folder, dirs_exist_ok=True)
        try:
            NotebookClient(notebook, timeout=TIMEOUT, allow_errors=True, kernel_name=notebook.metadata.kernelspec.name,
                           resources={"metadata": {"path": folder}}).execute()
        except (CellTimeoutError, DeadKernelError) as error:
            raise NotebookFailed(f"{path.name}: {str(error).strip()}") from None
        finally:
            for cell in skipped:
                cell.cell_type = "code"
    return notebook


class NotebookSuite:
    """Subclass it in a test file, with folder: the notebooks (*.ipynb) to compare."""

    folder: Path | None = None
    #: where the known failures are; default: known_failures.toml next to the test file
    known_failures: Path | None = None
    #: how the failure says to store new outputs, followed by the notebook's path
    store_command = "JUPYTER_PATH=<the native build>/share/jupyter python -m xeus_kernel_ci.notebooks"

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
        try:
            executed = run(notebook)
        except NotebookFailed as failure:
            pytest.fail(str(failure), pytrace=False)
        outputs = [comparable(cell["outputs"]) for cell in code_cells(executed)]
        differences = describe_differences(stored_outputs(notebook), outputs)
        shown = notebook.relative_to(Path(self.folder).parent).as_posix()
        assert not differences, (
            f"{shown}: the kernel's outputs differ from the stored ones. If the change is meant, store the native "
            f"kernel's: {self.store_command} {shown}\n" + "\n".join(differences)
        )


def store(path: Path) -> None:
    """Runs the notebook and stores its outputs and execution counts in it (nbformat)."""
    import nbformat

    nbformat.write(run(path), path)
    print(f"stored the outputs of {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run notebooks on the kernel their metadata names (found on "
                                     "JUPYTER_PATH) and store its outputs in them.")
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK.ipynb")
    for path in parser.parse_args(argv).notebooks:
        try:
            store(path)
        except NotebookFailed as failure:
            raise SystemExit(str(failure)) from None
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
