"""The failures a kernel knows of, recorded by its author, each with its reason.

A TOML file next to the tests (``known_failures.toml`` by default) has one table per suite,
``[robustness]`` and ``[notebooks]``; each key is a test's parameter id as pytest shows it
between brackets (a seed such as ``seed_3``, an adversarial case such as ``deep parentheses``,
a notebook's file name such as ``tour.ipynb``), each value the reason::

    [robustness]
    "deep parentheses" = "the parser recurses once per parenthesis: a stack overflow"

Those tests are expected to fail, strictly (pytest's ``xfail(strict=True)``): a known failure
reported as XFAIL keeps the suite green, and once the bug is fixed its test fails as
XPASS(strict) until the entry is deleted. An entry that names no test of its suite fails the
suite's first test, so that a renamed case cannot hide a stale entry.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):  # noqa: UP036 (the package supports 3.10)
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FILE_NAME = "known_failures.toml"


@cache
def read(path: Path) -> dict[str, dict[str, str]]:
    """{suite: {test id: reason}} from the file at path; empty when there is none."""
    if not path.is_file():
        return {}
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise pytest.UsageError(f"{path}: not valid TOML: {error}") from None
    for suite, entries in tables.items():
        if not isinstance(entries, dict) or not all(isinstance(v, str) and v.strip() for v in entries.values()):
            raise pytest.UsageError(f"{path}: [{suite}] must map test ids to reasons (non-empty strings)")
    return tables


def apply(request: pytest.FixtureRequest, suite: str, path: Path, all_ids: set[str], pattern: str = "") -> None:
    """Marks the requesting test xfail(strict) when the file records it. Entries that name
    none of all_ids (the suite's tests, selected or not) and do not match pattern (ids the
    suite makes on demand) fail the test that finds them."""
    known = read(path.resolve()).get(suite, {})
    stale = sorted(key for key in set(known) - all_ids if not (pattern and re.fullmatch(pattern, key)))
    if stale:
        pytest.fail(f"{path}: [{suite}] names no test of this suite: {', '.join(stale)}", pytrace=False)
    node = request.node
    test_id = node.callspec.id if hasattr(node, "callspec") else node.name
    if test_id in known:
        node.add_marker(pytest.mark.xfail(reason=f"known failure ({path.name}): {known[test_id]}", strict=True))
