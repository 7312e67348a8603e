"""Wasm: the kernel's downloads and its start in the browser, next to JupyterLite's JavaScript
kernel in the same site, and the template's echo kernel (its interpreter skeleton) as the
floor of a xeus-lite kernel built with the same conventions.

Builds both xeus kernels with the render's `wasm` preset into a copy of the wasm host prefix,
packs one JupyterLite site with them and jupyterlite-javascript-kernel (the release built
for jupyterlite-core 0.8), then opens the REPL of each kernel in headless Chromium (fresh
browser context each time: a first visit), interleaved round by round.
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kernels import ECHO_ANSWERS
from timing import Results

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# The JavaScript kernel release that targets JupyterLite 0.8 (@jupyterlite/services ^0.8.0;
# the 0.3 line targets JupyterLite 0.2-0.3).
JAVASCRIPT_KERNEL = "jupyterlite-javascript-kernel==0.4.0a5"
JAVASCRIPT_KERNEL_WHEELS = "jupyterlite_javascript_kernel-{}-*.whl".format(JAVASCRIPT_KERNEL.split("==")[1])
CELLS = 10
# The starter kernel again, built as a kernel whose language loads shared libraries at run
# time (WASM_LOADS_SIDE_MODULES: all of libc/libc++ kept, MAIN_MODULE=1): what that costs.
DYNAMIC_ANSWERS = {"kernel_name": "xmylangdl", "project_name": "xeus-mylang-dl"}


LABELS = {"xmylang": "xmylang", "xecho": "echo kernel (skeleton)",
          "xmylangdl": "xmylang with WASM_LOADS_SIDE_MODULES", "javascript": "JavaScript kernel"}


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


class Wasm:
    def __init__(self, work: Path, results: Results, host_prefix: Path, progress: Callable[[str], None], rendering):
        self.work, self.results, self.host_prefix, self.progress = work, results, host_prefix, progress
        self.rendering = rendering

    def run(self, rounds: int) -> None:
        from xeus_kernel_template.toolchain import (
            ROOT_CHROMIUM,
            ToolchainError,
            cache_dir,
            find_wasm_toolchain,
        )

        try:
            toolchain = find_wasm_toolchain()
        except ToolchainError as error:
            self.results.miss("wasm", f"no emscripten toolchain: {error}")
            return
        self.work.mkdir(parents=True)
        wheels = cache_dir().resolve() / "bench-wheels"
        self.tc = toolchain.with_binds([self.work, wheels.parent])
        self.host = self.work / "host"
        shutil.copytree(self.host_prefix, self.host, symlinks=True)
        self.env = {"WASM_HOST_PREFIX": str(self.host)}
        if toolchain.root is not None:
            self.env["CHROMIUM_EXECUTABLE"] = ROOT_CHROMIUM
        self.results.meta["wasm"] = {"toolchain": toolchain.description, "host_prefix": str(self.host_prefix),
                                     "javascript_kernel": JAVASCRIPT_KERNEL}

        builds = {}
        for name, folder, answers in (("xmylang", "xeus-mylang", None), ("xecho", "xeus-echo", ECHO_ANSWERS),
                                      ("xmylangdl", "xeus-mylang-dl", DYNAMIC_ANSWERS)):
            self.progress(f"wasm: render and build {name} (emscripten)")
            project = self.work / folder
            self.rendering_copy(project, answers)
            if name == "xmylangdl":  # as an author whose language loads shared libraries would
                cmakelists = project / "CMakeLists.txt"
                text = cmakelists.read_text()
                if "    SOURCES " not in text:
                    raise RuntimeError("CMakeLists.txt has no SOURCES line to add WASM_LOADS_SIDE_MODULES after")
                cmakelists.write_text(text.replace("    SOURCES ", "    WASM_LOADS_SIDE_MODULES\n    SOURCES ", 1))
            builds[name] = self.build(project)
        self.project = self.work / "xeus-mylang"
        r = self.results
        for step in ("configure", "build + install"):
            key = step.split()[0]
            r.add(f"wasm.build_{key}_echo", f"echo kernel (skeleton): {step}", [builds["xecho"][step]])
            r.add(f"wasm.build_{key}", f"xmylang: {step} (emscripten cache warm)", [builds["xmylang"][step]],
                  peer=f"wasm.build_{key}_echo")

        wheel = self.javascript_kernel_wheel(wheels)
        self.progress("wasm: pack one JupyterLite site with xmylang, xecho and the JavaScript kernel")
        started = time.perf_counter()
        self.site = self.pack(wheel)
        r.add("wasm.pack", "jupyter lite build (3 kernels, offline)", [time.perf_counter() - started])
        self.sizes()
        self.browser(rounds)

    def rendering_copy(self, project: Path, answers: dict | None) -> None:
        from samples import BASE

        data = {**BASE, **(answers or {})}
        self.rendering.run([Path(sys.executable).parent / "copier", "copy", "--defaults", "--quiet",
                            *(a for k, v in data.items() for a in ("-d", f"{k}={v}")), self.rendering.template, project])

    def build(self, project: Path) -> dict[str, float]:
        steps = {}
        for step, argv in (("configure", ["cmake", "--preset", "wasm"]),
                           ("build + install", ["cmake", "--build", "build/wasm", "--target", "install"])):
            started = time.perf_counter()
            result = self.tc.run(argv, cwd=project, env=self.env, check=False)
            steps[step] = time.perf_counter() - started
            if result.returncode:
                raise RuntimeError(f"{' '.join(argv)} failed in {project}:\n{result.stdout[-4000:]}")
        return steps

    def javascript_kernel_wheel(self, wheels: Path) -> Path:
        found = sorted(wheels.glob(JAVASCRIPT_KERNEL_WHEELS))
        if not found:
            self.progress(f"wasm: pip download {JAVASCRIPT_KERNEL} into {wheels}")
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check",
                            "-d", str(wheels), JAVASCRIPT_KERNEL], check=True)
            found = sorted(wheels.glob(JAVASCRIPT_KERNEL_WHEELS))
        return found[0]

    def pack(self, wheel: Path) -> Path:
        """The render's lite config plus the JavaScript kernel, into one site."""
        config_dir = self.work / "pack"
        config_dir.mkdir()
        config = json.loads((self.project / "lite/jupyter_lite_config.json").read_text())
        config.setdefault("LiteBuildConfig", {})["federated_extensions"] = [str(wheel)]
        (config_dir / "jupyter_lite_config.json").write_text(json.dumps(config, indent=2))
        site = self.work / "site"
        result = self.tc.run(["jupyter", "lite", "build", "--output-dir", str(site), f"--XeusAddon.prefix={self.host}"],
                             cwd=config_dir, env=self.env, check=False)
        if result.returncode:
            raise RuntimeError(f"jupyter lite build failed:\n{result.stdout[-4000:]}")
        return site

    # -- sizes ------------------------------------------------------------------------
    def sizes(self) -> None:
        r = self.results
        bin_dir = self.site / "xeus/host/bin"
        shared = self.site / "xeus/host/libxeus.so"
        for kernel in ("xecho", "xmylang", "xmylangdl"):
            peer = "xecho" if kernel == "xmylang" else "xmylang" if kernel == "xmylangdl" else None
            files = [bin_dir / f"{kernel}.wasm", bin_dir / f"{kernel}.js"]
            needs_shared = shared.is_file() and b"libxeus.so" in files[0].read_bytes()
            if needs_shared:
                files.append(shared)
            label = LABELS[kernel]
            for path in files[:2]:
                ext = path.suffix
                r.add(f"wasm.size_{kernel}{ext}_raw", f"{label}: {path.name}, raw", [path.stat().st_size], unit="MB",
                      peer=f"wasm.size_{peer}{ext}_raw" if peer else None,
                      target=1.3e6 if kernel == "xmylang" and ext == ".wasm" else None, target_on="value")
                r.add(f"wasm.size_{kernel}{ext}_gzip", f"{label}: {path.name}, gzip -9", [gzipped(path)], unit="MB",
                      peer=f"wasm.size_{peer}{ext}_gzip" if peer else None)
            names = " + ".join(p.suffix if p.parent == bin_dir else p.name for p in files)
            r.add(f"wasm.size_{kernel}_module_gzip", f"{label}: {names}, gzip -9", [sum(gzipped(p) for p in files)], unit="MB",
                  peer=f"wasm.size_{peer}_module_gzip" if peer else None, target=0.7e6 if kernel == "xmylang" else None,
                  target_on="value")
            r.note("wasm", f"{kernel} loads {names}" + ("" if needs_shared else " (xeus linked in: no libxeus.so)"))

    # -- the browser ----------------------------------------------------------------------
    def browser(self, rounds: int) -> None:
        kernels = ["xmylang", "xecho", "javascript", "xmylangdl"]
        self.progress(f"wasm: headless Chromium, {rounds} rounds × {len(kernels)} kernels × {CELLS} cells")
        page_script = Path(__file__).resolve().parent / "lite_page.py"
        tc = self.tc.with_binds([page_script.parent])
        result = tc.run([tc.python, str(page_script), str(self.site), str(self.project / "test/wasm"), str(rounds), str(CELLS),
                         *kernels], cwd=self.work, env=self.env, check=False, timeout=1800)
        if result.returncode:
            raise RuntimeError(f"browser measurement failed:\n{result.stdout[-4000:]}")
        samples = json.loads(result.stdout.strip().splitlines()[-1])
        r = self.results
        ready = {k: [s["ready"] for s in samples if s["kernel"] == k] for k in kernels}
        cells = {k: [c for s in samples if s["kernel"] == k for c in s["cells"]] for k in kernels}
        r.add("browser.ready_javascript", "JavaScript kernel: page load → kernel ready (REPL)", ready["javascript"])
        r.add("browser.ready_xmylang", "xmylang: page load → kernel ready (REPL)", ready["xmylang"],
              peer="browser.ready_javascript", paired=True, target=1.0)
        r.add("browser.ready_xecho", "echo kernel (skeleton): page load → kernel ready", ready["xecho"],
              peer="browser.ready_xmylang", paired=True)
        r.add("browser.ready_xmylangdl", "xmylang with WASM_LOADS_SIDE_MODULES: page load → ready", ready["xmylangdl"],
              peer="browser.ready_xmylang", paired=True)
        for kernel in ("xmylang", "xecho", "xmylangdl"):
            own = [s["ready"] - max(v for u, v in s["finished"].items() if f"/bin/{kernel}." in u or u.endswith("/libxeus.so"))
                   for s in samples if s["kernel"] == kernel]
            r.add(f"browser.own_{kernel}", f"{LABELS[kernel]}: its files downloaded → ready", own,
                  peer="browser.own_xecho" if kernel != "xecho" else None, paired=True)
        r.add("browser.cell_javascript", "JavaScript kernel: execute → result", cells["javascript"], unit="ms")
        r.add("browser.cell_xmylang", "xmylang: execute → result", cells["xmylang"], unit="ms",
              peer="browser.cell_javascript", paired=True)
        r.add("browser.cell_xecho", "echo kernel (skeleton): execute → result", cells["xecho"], unit="ms",
              peer="browser.cell_xmylang", paired=True)
        self.downloads(samples, kernels)
        self.timeline(samples)

    def local_file(self, url_path: str) -> Path | None:
        path = url_path.split("?")[0].split("#")[0].lstrip("/")
        candidate = self.site / (path or "index.html")
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def downloads(self, samples: list[dict], kernels: list[str]) -> None:
        """Every file a first visit of each kernel's REPL downloads (from the site on disk)."""
        r = self.results
        gz: dict[Path, int] = {}
        totals: dict[str, tuple[int, int, int]] = {}
        for kernel in kernels:
            urls = next(s["finished"] for s in samples if s["kernel"] == kernel)
            files = {self.local_file(u) for u in urls} - {None}
            raw = sum(p.stat().st_size for p in files)
            for p in files:
                if p not in gz:
                    gz[p] = gzipped(p)
            totals[kernel] = (raw, sum(gz[p] for p in files), len(files))
            biggest = sorted(files, key=lambda p: -p.stat().st_size)[:6]
            r.note("wasm", f"{kernel} page: {len(files)} files, {raw / 1e6:.2f} MB raw, {totals[kernel][1] / 1e6:.2f} MB gzip; "
                           "largest: " + ", ".join(f"{p.relative_to(self.site)} {p.stat().st_size / 1e6:.2f}/{gz[p] / 1e6:.2f}"
                                                   for p in biggest))
        if not any(totals[k][2] for k in kernels):
            r.miss("wasm.downloads", "the browser reported no downloads")
            return
        r.add("wasm.page_javascript_gzip", "JavaScript kernel page: every download, gzip -9", [totals["javascript"][1]], unit="MB")
        r.add("wasm.page_xmylang_gzip", "xmylang page: every download, gzip -9", [totals["xmylang"][1]], unit="MB",
              peer="wasm.page_javascript_gzip")
        r.add("wasm.page_xecho_gzip", "echo kernel page: every download, gzip -9", [totals["xecho"][1]], unit="MB",
              peer="wasm.page_xmylang_gzip")
        r.add("wasm.page_xmylangdl_gzip", "xmylang with WASM_LOADS_SIDE_MODULES page: every download, gzip -9",
              [totals["xmylangdl"][1]], unit="MB", peer="wasm.page_xmylang_gzip")

    def timeline(self, samples: list[dict]) -> None:
        """What happens between page load and ready: when the page's events fire and each
        kernel file finishes downloading, medians over the rounds (xmylang)."""
        mine = [s for s in samples if s["kernel"] == "xmylang"]
        marks: dict[str, list[float]] = {}
        for sample in mine:
            for event, seconds in sample["events"].items():
                marks.setdefault(event, []).append(seconds)
            for url, seconds in sample["finished"].items():
                name = url.split("?")[0]
                if "/xeus/" in name or "/@jupyterlite/xeus" in name:
                    marks.setdefault(name.split("/")[-1], []).append(seconds)
            marks.setdefault("kernel ready (banner)", []).append(sample["ready"])
        ordered = sorted((statistics.median(v), k) for k, v in marks.items())
        self.results.note("wasm", "xmylang page load → ready, medians (s after navigation starts): "
                          + "; ".join(f"{k} {v:.2f}" for v, k in ordered))
