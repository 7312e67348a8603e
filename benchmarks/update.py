"""Measure `copier copy` against `copier update` and print the figures.

    python benchmarks/update.py [--runs N]

Builds the same throwaway template repository as tests/test_update.py (v0.1.0, an older
state; v0.2.0, the working tree), then times copies from v0.1.0, updates to v0.2.0 (with
the migration) and no-op updates.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from test_update import NEW, OLD, build_releases, commit_all, copy_project, update  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    copies, updates, noops = [], [], []
    with tempfile.TemporaryDirectory(prefix="xkt-update-bench-") as scratch:
        work = Path(scratch)
        releases = build_releases(work / "xeus-kernel-template")
        for run in range(options.runs):
            started = time.perf_counter()
            project = copy_project(releases, work / f"kernel-{run}", OLD)
            copies.append(time.perf_counter() - started)
            updates.append(update(project, NEW))
            commit_all(project, "Updated to the new release")
            noops.append(update(project, NEW, unsafe=False))
    for label, values in (("copier copy (v0.1.0)", copies), ("copier update v0.1.0 -> v0.2.0", updates),
                          ("copier update, nothing to do", noops)):
        print(f"{label:<36} median {statistics.median(values):6.2f} s  (of {len(values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
