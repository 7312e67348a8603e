"""The benchmark: every figure of this project next to a peer or a floor measured in the same run.

    python3 benchmarks/run.py [--quick] [--json results.json] [--only copy,update,native,journey,wasm]

From a fresh clone, in one command: it creates its own virtualenv in the cache folder
(~/.cache/xeus-kernel-template/bench-venv: copier, cookiecutter, ipykernel, pyzmq,
jupyter_client) and re-runs itself there; the native parts use the xeus toolchain the tests
use (your xeus, else the cached Debian root, provisioned on first use); the wasm parts run
when WASM_HOST_PREFIX names a wasm host prefix. Pairs are interleaved round by round; each
figure prints its median, spread and ratio to its peer; figures that cannot be measured
here say why. Timings are never asserted: this is the measurement.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

# The benchmark's own environment (not the project's): the tools it measures and the peers.
REQUIREMENTS = [
    "copier>=9.11,<10",
    "cookiecutter>=2.6,<3",
    "ipykernel>=7,<8",
    "pyzmq>=26",
    "jupyter_client>=8,<9",
    "pyyaml>=6",
]
SECTIONS = ("copy", "update", "native", "journey", "wasm")


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_venv() -> Path:
    from xeus_kernel_template.toolchain import cache_dir

    return cache_dir().resolve() / "bench-venv"


def ensure_environment() -> None:
    """Run in the benchmark's venv, creating or updating it first."""
    venv = bench_venv()
    if Path(sys.prefix).resolve() == venv:
        return
    python = venv / "bin" / "python"
    stamp = venv / "bench-requirements.txt"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if not python.exists():
        progress(f"creating the benchmark's virtualenv {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not stamp.is_file() or stamp.read_text() != wanted:
        progress(f"pip install {' '.join(REQUIREMENTS)}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS], check=True)
        stamp.write_text(wanted)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {"python": platform.python_version()}
    for name in ("copier", "cookiecutter", "jinja2", "ipykernel", "jupyter_client", "pyzmq"):
        try:
            found[name] = version(name)
        except Exception:  # noqa: BLE001
            found[name] = "?"
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a full run in a few minutes)")
    parser.add_argument("--json", type=Path, help="write every figure, its samples and the notes here")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--rounds", type=int, help="rounds for the short measurements (default 5 quick, 15 full)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    options = parser.parse_args()
    ensure_environment()

    sys.path.insert(0, str(HERE))
    from timing import Results

    only = set(options.only.split(",")) if options.only else set(SECTIONS)
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    rounds = options.rounds or (5 if options.quick else 15)
    builds = 1 if options.quick else 3
    round_trips = 200

    results = Results()
    results.meta.update(versions=versions(), machine=f"{platform.machine()}, {os.cpu_count()} cores",
                        load_average=os.getloadavg(), quick=options.quick, rounds=rounds,
                        started=time.strftime("%Y-%m-%d %H:%M:%S"))
    scratch = Path(tempfile.mkdtemp(prefix="xkt-bench-"))
    started = time.perf_counter()
    try:
        run_sections(results, scratch, only, rounds, builds, round_trips)
    finally:
        results.meta["seconds"] = round(time.perf_counter() - started, 1)
        results.meta["load_average_end"] = os.getloadavg()
        if options.keep:
            progress(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
        print(results.table())
        meta = results.meta
        print(f"\n{meta['machine']}, load {meta['load_average'][0]:.1f} → {meta['load_average_end'][0]:.1f}; "
              f"{meta['seconds']:.0f} s; " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
        if options.json:
            options.json.write_text(results.to_json() + "\n")
            print(f"JSON: {options.json}")
    return 1 if results.failed else 0


def section(results, name: str, action) -> None:
    """Run one section; a failure is reported (and makes the exit status 1), the others still run."""
    try:
        action()
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        results.fail(name, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")


def run_sections(results, scratch: Path, only: set[str], rounds: int, builds: int, round_trips: int) -> None:
    import warnings

    warnings.filterwarnings("ignore", module="copier")
    from rendering import Rendering

    rendering = Rendering(scratch / "rendering", results, progress)
    rendering.prepare()
    if "copy" in only:
        section(results, "copy", lambda: (rendering.measure_copy(rounds), rendering.profile_copy()))
    if "update" in only:
        section(results, "update", lambda: (rendering.measure_update(max(3, rounds // 3)), rendering.profile_update()))

    toolchain = None
    if only & {"native", "journey"}:
        from xeus_kernel_template.toolchain import ToolchainError, find_toolchain

        try:
            toolchain = find_toolchain()
        except ToolchainError as error:
            for name in only & {"native", "journey"}:
                results.miss(name, f"no xeus toolchain: {error}")
    if toolchain is not None:
        from kernels import Native

        native = Native(scratch / "kernels", results, toolchain, progress, rendering.env)

        def prepare_and_measure():
            native.prepare(rendering.template)
            if "native" in only:
                native.measure_start(rounds)
                native.measure_round_trips(round_trips)

        section(results, "native", prepare_and_measure)
        if "journey" in only:
            section(results, "journey", lambda: native.measure_journey(builds))

    if "wasm" in only:
        host = os.environ.get("WASM_HOST_PREFIX")
        if not host:
            results.miss("wasm", "WASM_HOST_PREFIX is not set: no wasm host prefix (xeus and xeus-lite built for "
                                 "emscripten-wasm32) to build against; see README, Benchmarks")
        else:
            from browser import Wasm

            section(results, "wasm", lambda: Wasm(scratch / "wasm", results, Path(host), progress, rendering).run(rounds))


if __name__ == "__main__":
    sys.exit(main())
