"""The kernel's own test set-up: pytest plugins its configuration turns on, which its
environments must carry, or its suite stops at "unrecognized arguments" (``--nbval``)."""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from pathlib import Path

# pytest options -> the conda-forge package that brings them.
PLUGIN_OPTIONS = {
    "--nbval": "nbval", "--nbval-lax": "nbval", "--cov": "pytest-cov", "--timeout": "pytest-timeout",
    "-n": "pytest-xdist", "--numprocesses": "pytest-xdist", "--reruns": "pytest-rerunfailures",
    "--html": "pytest-html", "--benchmark-only": "pytest-benchmark",
}
CONFIG_FILES = ("pytest.ini", "test/pytest.ini", "tests/pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml")


def _addopts(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.name == "pyproject.toml":
        try:
            options = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options", {})
        except tomllib.TOMLDecodeError:
            return ""
        addopts = options.get("addopts", "")
        return " ".join(addopts) if isinstance(addopts, list) else str(addopts)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return ""
    for section in ("pytest", "tool:pytest"):
        if parser.has_option(section, "addopts"):
            return parser.get(section, "addopts")
    return ""


def plugins_asked_for(root: Path) -> dict[str, str]:
    """Package -> where the kernel's pytest configuration asks for it ("test/pytest.ini: --nbval")."""
    found: dict[str, str] = {}
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            words = shlex.split(_addopts(path))
        except ValueError:
            words = _addopts(path).split()
        for word in words:
            option = re.split(r"=", word, maxsplit=1)[0]
            package = PLUGIN_OPTIONS.get(option)
            if package:
                found.setdefault(package, f"{name}: {option}")
    return found
