#!/usr/bin/env python3
"""Fail when a pytest run skipped anything: the real-stack job has every tier's
prerequisites (xeus from conda-forge, a wasm host prefix from emscripten-forge, emscripten,
Chromium), so a skip there means a tier did not run.

    python -m pytest --junitxml=report.xml && python .ci/require_no_skips.py report.xml"""

from __future__ import annotations

import sys
from xml.etree import ElementTree


def skipped(report: str) -> list[str]:
    """'test id: reason' for each skipped test case of a JUnit XML report."""
    found = []
    for case in ElementTree.parse(report).iter("testcase"):
        for skip in case.iter("skipped"):
            found.append(f"{case.get('classname')}::{case.get('name')}: {skip.get('message', '')}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: require_no_skips.py REPORT.xml", file=sys.stderr)
        return 2
    found = skipped(argv[0])
    for line in found:
        print(f"skipped: {line}")
    print(f"{len(found)} skipped" if found else "no test skipped")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
