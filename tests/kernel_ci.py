"""xeus-kernel-ci (packages/xeus-kernel-ci) as kernels get it: its wheel, built once, and
installed by name and version with pip, the wheel's folder as PIP_FIND_LINKS, as a user
installs it from PyPI. Nothing of the tests imports it from the source tree."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from template_repo import TEMPLATE

PACKAGE = TEMPLATE / "packages/xeus-kernel-ci"
NAME = "xeus-kernel-ci"
VERSION = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]["version"]
REQUIREMENT = f"{NAME}=={VERSION}"


def build_wheelhouse(destination: Path) -> Path:
    """A folder holding the package's wheel (built from its source with pip, in isolation)."""
    destination.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                             str(destination), str(PACKAGE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(destination.glob("xeus_kernel_ci-*.whl"))) == 1, list(destination.iterdir())
    return destination


def wheel_digest(wheelhouse: Path) -> str:
    (wheel,) = wheelhouse.glob("xeus_kernel_ci-*.whl")
    return hashlib.sha256(wheel.read_bytes()).hexdigest()


def pip_install_env(wheelhouse: Path) -> dict[str, str]:
    return {"PIP_FIND_LINKS": str(wheelhouse), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def clean_venv(destination: Path, wheelhouse: Path, extras: str = "") -> Path:
    """A new virtualenv with the package (and its extras) installed by pip; its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(destination)], check=True)
    python = destination / "bin/python"
    requirement = f"{NAME}[{extras}]=={VERSION}" if extras else REQUIREMENT
    result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement],
                            env={**os.environ, **pip_install_env(wheelhouse)}, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return destination / "bin"


def install_into_toolchain(toolchain, wheelhouse: Path, lock_dir: Path) -> None:
    """The package in the toolchain's Python (the root's venv, or the user's environment),
    as `pip install xeus-kernel-ci==VERSION` installs it; again only when the wheel changed.
    Test workers share the toolchain: one installs, under a lock, the others find it done."""
    site = toolchain.root / "opt/xkt-venv" if toolchain.root is not None else Path(sys.prefix)
    stamp = site / "xeus-kernel-ci.sha256"
    digest = wheel_digest(wheelhouse)
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "xeus-kernel-ci-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return
        tc = toolchain.with_binds([wheelhouse])
        result = tc.run([tc.python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", REQUIREMENT],
                        env=pip_install_env(wheelhouse), check=False)
        assert result.returncode == 0, result.stdout
        check = tc.run([tc.python, "-m", "pip", "install", "--quiet", REQUIREMENT], env=pip_install_env(wheelhouse),
                       check=False)  # its dependencies, if the environment lacks some
        assert check.returncode == 0, check.stdout
        stamp.write_text(digest + "\n")
