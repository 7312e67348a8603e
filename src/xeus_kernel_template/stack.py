"""The template's stack table (stack.yml, explained in docs/stack.md), for the tooling: the
same versions the generated files take from it."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml


@cache
def table() -> dict:
    """stack.yml's table: packaged with the wheel, or at the root of a source checkout
    (editable installs)."""
    packaged = files("xeus_kernel_template") / "stack.yml"
    source = packaged if packaged.is_file() else Path(__file__).resolve().parents[2] / "stack.yml"
    return yaml.safe_load(source.read_text(encoding="utf-8"))["stack"]["default"]


def line() -> dict:
    """The line kernels build with: xeus majors, emscripten, channel, jupyterlite ranges."""
    return table()["lines"][table()["line"]]
