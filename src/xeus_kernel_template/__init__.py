"""Tooling of xeus-kernel-template: toolchains for building kernels rendered from the template."""

from importlib.metadata import PackageNotFoundError, version

try:  # one place for the version: pyproject.toml (CHANGELOG.md's newest release, tests/test_changelog.py)
    __version__ = version("xeus-kernel-template")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0+unknown"
