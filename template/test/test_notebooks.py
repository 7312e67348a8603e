# Managed by xeus-kernel-template: `copier update` rewrites this file.
"""The example notebooks (notebooks/*.ipynb) show what the kernel really outputs.

Their stored outputs are the native kernel's. ctest runs each notebook here, cell by cell,
on the kernel under test, and compares its outputs with the stored ones: against the native
build (`cmake --workflow --preset native`), this keeps the stored outputs the native
kernel's; against the wasm build (kernel_bridge.py), the wasm kernel must give the same. The
browser test (test/wasm) runs the same notebooks in JupyterLab and compares with the same
stored outputs.

After changing the language or a notebook, store the native kernel's new outputs with

    JUPYTER_PATH=$PWD/build/native/share/jupyter python test/test_notebooks.py notebooks/NAME.ipynb

and review the diff. Execution counts and metadata are not compared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
TIMEOUT = 30


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


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
            data = {mime: _text(value) if isinstance(value, (str, list)) else value for mime, value in output["data"].items()}
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


def stored_outputs(path: Path) -> list[list[dict]]:
    """The stored outputs of each code cell of the notebook at path, comparable."""
    return [comparable(cell["outputs"]) for cell in code_cells(read(path))]


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


def run(path: Path) -> list[tuple[int | None, list[dict]]]:
    """Runs each code cell of the notebook on the kernel its metadata names, as a notebook
    frontend does: (execution count, nbformat outputs) per code cell."""
    from jupyter_client.manager import start_new_kernel

    notebook = read(path)
    manager, client = start_new_kernel(kernel_name=notebook["metadata"]["kernelspec"]["name"])
    try:
        results = []
        for cell in code_cells(notebook):
            msg_id = client.execute(_text(cell["source"]), allow_stdin=False, stop_on_error=False)
            outputs: list[dict] = []
            while True:
                msg = client.get_iopub_msg(timeout=TIMEOUT)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
                if msg["msg_type"] == "clear_output":
                    outputs = []
                elif (output := _output_of(msg)) is not None:
                    outputs.append(output)
            reply = client.get_shell_msg(timeout=TIMEOUT)
            assert reply["parent_header"]["msg_id"] == msg_id
            results.append((reply["content"].get("execution_count"), outputs))
        return results
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_gives_its_stored_outputs(path):
    outputs = [comparable(outputs) for _, outputs in run(path)]
    assert outputs == stored_outputs(path)


def store(path: Path) -> None:
    """Runs the notebook and stores its outputs and execution counts in it."""
    notebook = read(path)
    for cell, (count, outputs) in zip(code_cells(notebook), run(path)):
        cell["execution_count"], cell["outputs"] = count, outputs
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"stored the outputs of {path}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} NOTEBOOK.ipynb...  (with JUPYTER_PATH naming the native kernel)")
    for name in sys.argv[1:]:
        store(Path(name))
