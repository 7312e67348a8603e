"""The template's own Python (the packages, their tests, benchmarks, migration hooks and CI
scripts) is clean under ruff, at the version pyproject.toml pins and with the rules it
configures."""

from __future__ import annotations

import subprocess
import sys

from template_repo import TEMPLATE

OWN_PYTHON = ("src", "tests", "benchmarks", "hooks", ".ci", "packages")


def test_the_projects_own_python_is_clean_under_ruff():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *OWN_PYTHON],
        cwd=TEMPLATE, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
