"""The reviewer's checks, by family (XK1xx kernelspec ... XK8xx template link)."""

from __future__ import annotations

from . import ci, cmake, environments, kernelspec, runtime, template_link, tests, wasm
from ._base import CI, CMAKE, DOCS, ENVIRONMENTS, KERNELSPEC, RUNTIME, TEMPLATE, TESTS, WASM, XKCheck

ALL: tuple[type[XKCheck], ...] = (
    *kernelspec.CHECKS,
    *cmake.CHECKS,
    *wasm.CHECKS,
    *runtime.CHECKS,
    *environments.CHECKS,
    *ci.CHECKS,
    *tests.CHECKS,
    *template_link.CHECKS,
)


FAMILIES: dict[str, dict] = {
    KERNELSPEC: {"name": "Kernelspec", "order": 1},
    CMAKE: {"name": "CMake", "order": 2},
    WASM: {"name": "Wasm glue", "order": 3},
    RUNTIME: {"name": "Runtime files", "order": 4},
    ENVIRONMENTS: {"name": "Environments", "order": 5},
    CI: {"name": "CI", "order": 6},
    TESTS: {"name": "Tests", "order": 7},
    TEMPLATE: {"name": "Template link", "order": 8},
}


def repo_review_checks() -> dict[str, XKCheck]:
    """Entry point ``repo_review.checks``: a fresh instance of every check, by ID."""
    return {cls.__name__: cls() for cls in ALL}


def repo_review_families() -> dict[str, dict]:
    """Entry point ``repo_review.families``: names and order of the families."""
    return {key: dict(value) for key, value in FAMILIES.items()}


__all__ = ["ALL", "DOCS", "FAMILIES", "XKCheck", "repo_review_checks", "repo_review_families"]
