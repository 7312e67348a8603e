"""The template's own CI scripts (.ci/): imported, or run as the workflows run them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

CI = Path(__file__).resolve().parent.parent / ".ci"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"ci_{name}", CI / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """`python .ci/<name>.py ARGS` with this interpreter; output captured, never raises."""
    return subprocess.run([sys.executable, str(CI / f"{name}.py"), *args], capture_output=True, text=True,
                          check=False, **kwargs)
