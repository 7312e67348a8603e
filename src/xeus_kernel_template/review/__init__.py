"""The reviewer: checks a xeus kernel repository against the template's conventions.

It is a `repo-review <https://repo-review.readthedocs.io>`_ plugin: the checks (IDs
``XK101``... by family, see :mod:`.checks`), the fixtures that read a repository
tolerantly (:mod:`.fixtures`) and the families register through entry points, so

- ``repo-review PATH`` prints the detailed report of one kernel repository;
- ``xeus-kernel-review PATH...`` (:mod:`.cli`) compares several kernels in one table
  (Markdown, JSON or the terminal), with select/ignore from the command line or from a
  ``.xeus-kernel-review.toml`` in each repository (C++ kernels have no pyproject.toml);
- the ``xeus-kernel-review`` pre-commit hook runs it in a kernel's pre-commit and CI.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xeus-kernel-template")
except PackageNotFoundError:  # a source tree that was not installed
    __version__ = "0+unknown"


def score(path, settings=None):
    """Review the repository at path: a :class:`~.report.Score` (``passed``, ``total``,
    ``failed`` and ``skipped`` check IDs; ``str()`` is ``passed/total``)."""
    from .report import score as _score

    return _score(path, settings)


__all__ = ["__version__", "score"]
