"""Measure the native journey of a default kernel and print the figures.

    python benchmarks/native.py [--runs N]

Renders the template with default answers, then times `cmake --workflow --preset native`
(configure, build, protocol tests), a rebuild with no change, the install, a cold kernel
start up to the kernel_info reply, and execute round trips, with whichever xeus toolchain
the tests would use (the user's environment, else the cached Debian root).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import copier
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from samples import BASE  # noqa: E402
from xeus_kernel_template.toolchain import find_toolchain  # noqa: E402


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"{label:<44} {time.perf_counter() - started:8.2f} s", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="execute round trips to time")
    options = parser.parse_args()

    toolchain = find_toolchain()
    print(f"toolchain: {toolchain.description}")
    with tempfile.TemporaryDirectory(prefix="xkt-bench-") as scratch:
        work = Path(scratch)
        project = work / "xeus-mylang"
        tc = toolchain.with_binds([work])
        timed("render (copier copy)", lambda: copier.run_copy(
            str(ROOT), str(project), data=BASE, defaults=True, vcs_ref="HEAD", quiet=True))
        timed("cmake --workflow --preset native (cold)",
              lambda: tc.run(["cmake", "--workflow", "--preset", "native"], cwd=project))
        timed("cmake --build --preset native (no change)",
              lambda: tc.run(["cmake", "--build", "--preset", "native"], cwd=project))
        timed("cmake --install", lambda: tc.run(
            ["cmake", "--install", "build/native", "--prefix", work / "prefix"], cwd=project))
        executable = work / "prefix/bin/xmylang"
        print(f"{'kernel executable size':<44} {executable.stat().st_size / 1e6:8.2f} MB")

        spec = json.loads((work / "prefix/share/jupyter/kernels/xmylang/kernel.json").read_text())
        spec["argv"] = tc.command(spec["argv"])
        (work / "kernels/xmylang").mkdir(parents=True)
        (work / "kernels/xmylang/kernel.json").write_text(json.dumps(spec))
        manager = KernelManager(
            kernel_name="xmylang",
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(work / "kernels")]),
            connection_file=str(work / "connection.json"),
        )
        started = time.perf_counter()
        manager.start_kernel(env=tc.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=30)
        print(f"{'kernel start to kernel_info reply':<44} {(time.perf_counter() - started) * 1e3:8.1f} ms")
        rounds = []
        for i in range(options.runs):
            started = time.perf_counter()
            reply = client.execute_interactive(f"x = {i} * 2\nx + 1", timeout=10, output_hook=lambda msg: None)
            rounds.append((time.perf_counter() - started) * 1e3)
            assert reply["content"]["status"] == "ok"
        rounds.sort()
        print(f"{'execute round trip, median':<44} {statistics.median(rounds):8.2f} ms")
        print(f"{'execute round trip, 95th percentile':<44} {rounds[int(len(rounds) * 0.95) - 1]:8.2f} ms")
        client.stop_channels()
        manager.shutdown_kernel()
    return 0


if __name__ == "__main__":
    sys.exit(main())
