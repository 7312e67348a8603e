"""Migration to template 0.2.0: wasm/initialize.js becomes wasm/initialize_xkernel.js.

Run by `copier update` (copier.yml `_migrations`, stage "before") in the kernel's
directory, for kernels made from a template older than 0.2.0. It moves the author's
start-up hook to its new name, so the update keeps it instead of writing the starter hook
under the new name and dropping the old file.

- old file, no new file: move it (with `git mv` when git tracks it, so the move is in the
  index copier reads the author's changes from); the content is unchanged, byte for byte;
- no old file (already migrated, or a kernel without wasm): nothing to do;
- both files: stop, changing nothing, and say how to resolve it by hand.

Running it again after it succeeded does nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OLD = Path("wasm/initialize.js")
NEW = Path("wasm/initialize_xkernel.js")


def tracked(project: Path, path: Path) -> bool:
    """True when git tracks project/path."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", path.as_posix()],
            cwd=project,
            capture_output=True,
            check=False,
        )
    except OSError:  # no git at all
        return False
    return result.returncode == 0


def migrate(project: Path) -> int:
    old, new = project / OLD, project / NEW
    if not old.exists():
        print(f"migration 0.2.0: no {OLD}, nothing to move")
        return 0
    if new.exists():
        print(
            f"migration 0.2.0: both {OLD} and {NEW} exist; the template now builds {NEW} only.\n"
            f"Merge what you need from {OLD} into {NEW}, delete {OLD}, commit, and run"
            " `copier update` again. Nothing was changed.",
            file=sys.stderr,
        )
        return 1
    if tracked(project, OLD):
        subprocess.run(["git", "mv", "--", OLD.as_posix(), NEW.as_posix()], cwd=project, check=True)
    else:
        old.rename(new)
    print(f"migration 0.2.0: moved your start-up hook {OLD} to {NEW}")
    return 0


if __name__ == "__main__":
    sys.exit(migrate(Path.cwd()))
