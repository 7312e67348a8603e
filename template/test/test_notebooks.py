# Managed by xeus-kernel-template: `copier update` merges the template's changes into this file;
# your edits to the same lines become conflicts.
"""The example notebooks (notebooks/*.ipynb) run on the kernel under test (native, or wasm
through the bridge) give their stored outputs, the native kernel's (xeus-kernel-ci's suite;
cells tagged nbval-skip or nbval-ignore-output are not compared). Known failures:
known_failures.toml, next to this file. Store the native kernel's outputs, then review:

    JUPYTER_PATH=$PWD/build/native/share/jupyter python test/test_notebooks.py notebooks/NAME.ipynb
"""

from pathlib import Path

from xeus_kernel_ci.notebooks import NotebookSuite, main


class TestNotebooks(NotebookSuite):
    folder = Path(__file__).resolve().parent.parent / "notebooks"
    store_command = "JUPYTER_PATH=$PWD/build/native/share/jupyter python test/test_notebooks.py"


if __name__ == "__main__":
    raise SystemExit(main())
