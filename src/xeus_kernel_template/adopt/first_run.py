"""adopt --record-known-failures: the generated suites' first run on the adopted kernel,
its failures written into the author's test/known_failures.toml (xeus-kernel-ci's format),
each with the reason the run gave, so that CI is green on the first day and every recorded
bug, once fixed, shows as fixed (the entries are strict)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

from ..toolchain import Toolchain

KNOWN_FAILURES = "test/known_failures.toml"
# The generated suites whose failures can be recorded, by the table of known_failures.toml.
SUITES = {"robustness": "test/test_robustness.py", "notebooks": "test/test_notebooks.py"}


def failures(report: Path) -> dict[str, dict[str, str]]:
    """{suite: {test id: reason}} from a JUnit XML report of the suites."""
    found: dict[str, dict[str, str]] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        parameter = re.search(r"\[(.*)\]$", case.get("name", ""))
        suite = next((s for s, path in SUITES.items() if Path(path).stem in case.get("classname", "")), None)
        if problem is None or parameter is None or suite is None:
            continue
        lines = [line.strip() for line in (problem.get("message") or problem.text or "failed").splitlines() if line.strip()]
        message = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]  # "N failures, first ones:" + the first
        found.setdefault(suite, {})[parameter.group(1)] = " ".join(message.split())[:160]
    return found


def toml(found: dict[str, dict[str, str]], header: str) -> str:
    """The known-failures file: the template's header comments, then one table per suite."""
    lines = [line for line in header.splitlines() if line.startswith("#")]
    for suite in sorted(found):
        lines += ["", f"[{suite}]"]
        lines += [f"{json.dumps(test)} = {json.dumps('found by adopt (first run): ' + why)}"
                  for test, why in sorted(found[suite].items())]
    return "\n".join(lines) + "\n"


def record(tree: Path, toolchain: Toolchain) -> dict[str, dict[str, str]]:
    """Run the generated suites on the built *tree* and write their failures into its
    test/known_failures.toml; returns them."""
    suites = [path for path in SUITES.values() if (tree / path).is_file()]
    if not suites:
        return {}
    tc = toolchain.with_binds([tree.parent])
    report = tree.parent / "first-run.xml"
    tc.run([tc.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", str(report), *suites],
           cwd=tree, env={"JUPYTER_PATH": str(tree / "build/native/share/jupyter")}, check=False, timeout=1800)
    found = failures(report) if report.is_file() else {}
    if found:
        header = (tree / KNOWN_FAILURES).read_text(encoding="utf-8") if (tree / KNOWN_FAILURES).is_file() else ""
        (tree / KNOWN_FAILURES).write_text(toml(found, header), encoding="utf-8")
    return found
