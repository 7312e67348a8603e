"""Find a native xeus 6 / xeus-zmq 4 toolchain, or provision one.

Order of preference:

1. the user's environment: a prefix named by ``XEUS_PREFIX``, ``CONDA_PREFIX`` or one of
   ``CMAKE_PREFIX_PATH`` that holds xeus >= 6 and xeus-zmq >= 4 CMake packages;
2. a Debian forky (testing) root made with debootstrap, cached under
   ``~/.cache/xeus-kernel-template/`` and reused by every later run.

Commands run in the root through ``unshare --mount`` + ``chroot``: each command gets a
private mount namespace in which ``/proc``, ``/dev`` and the shared work folders are
mounted, so the mounts vanish with the process, even when it is killed.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .stack import line, table

# Bump a stage's version when its package set changes: that stage is then provisioned again.
STAGE_VERSIONS = {"base": "3", "native": "4", "wasm": "5"}
DEBIAN_SUITE = "forky"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
ROOT_PACKAGES = (
    "g++",
    "cmake",
    "make",
    "ninja-build",
    "pkgconf",
    "xeus-dev",
    "xeus-zmq-dev",
    "python3-venv",
    "ca-certificates",
    # Compiler cache for the many renders the tests build (kept in the cache folder).
    "ccache",
    # A third-party language library, for the tests' kernel with a real dependency.
    "liblua5.4-dev",
)
WASM_PACKAGES = ("emscripten", "nodejs", "chromium")
# What the wasm tier needs besides: packing (jupyterlite-xeus) and the browser tests.
ROOT_WASM_PYTHON_PACKAGES = (
    f"jupyterlite-core{line()['jupyterlite-core']}",
    f"jupyterlite-xeus{line()['jupyterlite-xeus']}",
    # what `jupyter lite build` uses when present: the contents index of notebooks/, and no
    # warnings about optional packages (as environment-wasm-build.yml has them)
    f"jupyter_server{table()['conda']['jupyter_server']}",
    f"jupyterlab_server{table()['conda']['jupyterlab_server']}",
    "libarchive-c",
    "playwright",
)
ROOT_CHROMIUM = "/usr/bin/chromium"
# What the kernel-side Python tests need inside the root (installed into a venv there).
ROOT_PYTHON_PACKAGES = ("pytest", "jupyter_kernel_test", "jupyter_client")
ROOT_VENV = "/opt/xkt-venv"
ROOT_PATH = f"{ROOT_VENV}/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ToolchainError(RuntimeError):
    """A toolchain cannot be found or provisioned; the message says what to do."""


def cache_dir() -> Path:
    """Where heavy, reusable things live (outside any checkout)."""
    explicit = os.environ.get("XKT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xeus-kernel-template"


def ccache_dir() -> Path:
    return (cache_dir() / "ccache").resolve()


def progress(message: str) -> None:
    print(f"[xeus-kernel-template] {message}", file=sys.stderr, flush=True)


@dataclass
class Toolchain:
    """Runs build and kernel commands against a real xeus 6 / xeus-zmq 4."""

    description: str
    prefix: Path | None = None  # host prefix holding xeus (host toolchain only)
    root: Path | None = None  # forky root (root toolchain only)
    binds: list[Path] = field(default_factory=list)

    @property
    def python(self) -> str:
        """The Python with pytest and jupyter_kernel_test, inside the toolchain."""
        return "python" if self.root is not None else sys.executable

    # -- command construction -------------------------------------------------------
    def command(self, argv: Sequence[str | os.PathLike], env: Mapping[str, str] | None = None) -> list[str]:
        """The host command line that runs *argv* inside this toolchain."""
        argv = [str(a) for a in argv]
        if self.root is None:
            return argv
        assignments = [f"{k}={v}" for k, v in self._root_env(env).items()]
        root = shlex.quote(str(self.root))
        mounts = [
            f"mount -t proc proc {root}/proc",
            f"mount --rbind /dev {root}/dev",
        ]
        cache = ccache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        (self.root / cache.relative_to("/")).mkdir(parents=True, exist_ok=True)
        for path in [cache, *self.binds]:
            mounts.append(f"mount --bind {shlex.quote(str(path))} {root}{shlex.quote(str(path))}")
        inner = " && ".join(
            [*mounts, "exec chroot " + root + " env -i " + shlex.join([*assignments, *argv])]
        )
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner]

    def build_environment(self) -> dict[str, str]:
        """Variables for builds in this toolchain: a compiler cache kept in the cache folder,
        so that later runs rebuild unchanged renders quickly (CMake reads the launcher from
        the environment). Paths are made relative so that renders in new temporary folders
        still hit the cache."""
        has_ccache = (self.root / "usr/bin/ccache").is_file() if self.root is not None else shutil.which("ccache")
        if not has_ccache:
            return {}
        return {
            "CMAKE_CXX_COMPILER_LAUNCHER": "ccache",
            "CCACHE_DIR": str(ccache_dir()),
            "CCACHE_BASEDIR": "/",
            "CCACHE_NOHASHDIR": "1",
        }

    def _root_env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        merged = {
            "PATH": ROOT_PATH,
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "VIRTUAL_ENV": ROOT_VENV,
            "PIP_CERT": "/etc/xkt-host-ca.crt",
        }
        merged.update(env or {})
        return merged

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a host subprocess running :meth:`command`."""
        if self.root is not None:
            return dict(os.environ)
        merged = dict(os.environ)
        if self.prefix is not None:
            existing = merged.get("CMAKE_PREFIX_PATH")
            merged["CMAKE_PREFIX_PATH"] = os.pathsep.join(p for p in (str(self.prefix), existing) if p)
            merged["PATH"] = os.pathsep.join([str(self.prefix / "bin"), merged.get("PATH", "")])
        merged.update(env or {})
        return merged

    def run(
        self,
        argv: Sequence[str | os.PathLike],
        *,
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run *argv* in the toolchain; output is captured and shown on failure."""
        command = self.command(_with_cwd(argv, cwd) if self.root is not None else argv, env)
        result = subprocess.run(
            command,
            cwd=None if self.root is not None else cwd,
            env=self.environment(env),
            text=True,
            # Kernels may log bytes that are not UTF-8 (xeus-zmq quotes the messages it cannot
            # read): keep them visible instead of failing to decode the output.
            errors="backslashreplace",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, list(map(str, argv)), result.stdout)
        return result

    def with_binds(self, paths: Iterable[Path]) -> Toolchain:
        """A copy that also makes *paths* visible at the same place inside the root."""
        if self.root is None:
            return self
        paths = [Path(p).resolve() for p in paths]
        for path in paths:
            (self.root / path.relative_to("/")).mkdir(parents=True, exist_ok=True)
        return Toolchain(self.description, self.prefix, self.root, [*self.binds, *paths])


def _with_cwd(argv: Sequence[str | os.PathLike], cwd: str | os.PathLike | None) -> list[str]:
    if cwd is None:
        return [str(a) for a in argv]
    return ["sh", "-c", 'cd "$0" && exec "$@"', str(cwd), *map(str, argv)]


# -- discovery ------------------------------------------------------------------------
_VERSION_FILES = {
    "xeus": ("xeusConfigVersion.cmake", 6),
    "xeus-zmq": ("xeus-zmqConfigVersion.cmake", 4),
}


def _package_version(prefix: Path, package: str) -> tuple[int, ...] | None:
    filename, _ = _VERSION_FILES[package]
    for candidate in prefix.glob(f"**/cmake/{package}/{filename}"):
        match = re.search(r'set\(PACKAGE_VERSION "([0-9.]+)"\)', candidate.read_text(errors="replace"))
        if match:
            return tuple(int(part) for part in match.group(1).split("."))
    return None


def prefix_has_xeus(prefix: Path) -> bool:
    """True when *prefix* holds xeus >= 6 and xeus-zmq >= 4 (their CMake packages)."""
    for package, (_, major) in _VERSION_FILES.items():
        version = _package_version(prefix, package)
        if version is None or version[0] < major:
            return False
    return True


def host_prefixes() -> list[Path]:
    names = [os.environ.get("XEUS_PREFIX"), os.environ.get("CONDA_PREFIX")]
    names += os.environ.get("CMAKE_PREFIX_PATH", "").split(os.pathsep)
    return [Path(n) for n in names if n]


def find_host_toolchain() -> Toolchain | None:
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        return None
    for prefix in host_prefixes():
        if prefix.is_dir() and prefix_has_xeus(prefix):
            return Toolchain(f"host prefix {prefix}", prefix=prefix)
    return None


# -- the forky root -------------------------------------------------------------------
def root_dir() -> Path:
    return cache_dir() / "forky-root"


def _stamp(root: Path, name: str) -> Path:
    return root / "etc" / f"xeus-kernel-template-{name}"


def _stamp_ok(root: Path, name: str) -> bool:
    stamp = _stamp(root, name)
    return stamp.is_file() and stamp.read_text().strip() == STAGE_VERSIONS[name]


def _write_stamp(root: Path, name: str) -> None:
    _stamp(root, name).write_text(STAGE_VERSIONS[name] + "\n")


def _host(argv: Sequence[str], what: str) -> None:
    progress(what)
    started = time.monotonic()
    result = subprocess.run(list(argv), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise ToolchainError(f"{what} failed (exit {result.returncode}):\n{result.stdout[-4000:]}")
    progress(f"  done in {time.monotonic() - started:.0f} s")


def _in_root(toolchain: Toolchain, argv: Sequence[str], what: str, env: Mapping[str, str] | None = None) -> None:
    progress(what)
    started = time.monotonic()
    result = toolchain.run(argv, env=env, check=False)
    if result.returncode != 0:
        raise ToolchainError(f"{what} failed (exit {result.returncode}):\n{result.stdout[-4000:]}")
    progress(f"  done in {time.monotonic() - started:.0f} s")


def _require_host_tools() -> None:
    if os.geteuid() != 0:
        raise ToolchainError(
            "No xeus >= 6 / xeus-zmq >= 4 found in XEUS_PREFIX, CONDA_PREFIX or CMAKE_PREFIX_PATH, "
            "and provisioning the Debian root needs root (debootstrap, chroot). Activate an "
            "environment made from a kernel's environment-dev.yml, or run as root."
        )
    if shutil.which("debootstrap") is None and shutil.which("apt-get") is not None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "debootstrap"]):
            progress(" ".join(argv))
            subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL)
    missing = [tool for tool in ("debootstrap", "unshare", "chroot") if shutil.which(tool) is None]
    if missing:
        raise ToolchainError(f"missing {', '.join(missing)}: install debootstrap, util-linux and coreutils")


def ensure_root(*, wasm: bool = False) -> Toolchain:
    """Provision (once) and return the cached forky root toolchain. Processes that need it
    at the same time (parallel test workers, two runs on one machine) provision it once: the
    first holds a lock in the cache folder, the others wait for it and then find it ready."""
    root = root_dir()
    toolchain = Toolchain(f"Debian {DEBIAN_SUITE} root {root}", root=root)
    if _stamp_ok(root, "native") and (not wasm or _stamp_ok(root, "wasm")):
        return toolchain
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / "forky-root.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stamp_ok(root, "native") and (not wasm or _stamp_ok(root, "wasm")):
            return toolchain
        return _provision(root, toolchain, wasm=wasm)


def _provision(root: Path, toolchain: Toolchain, *, wasm: bool) -> Toolchain:
    _require_host_tools()
    if not _stamp_ok(root, "base"):
        partial = root.with_name(root.name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        partial.parent.mkdir(parents=True, exist_ok=True)
        script = Path("/usr/share/debootstrap/scripts") / DEBIAN_SUITE
        if not script.exists():  # older debootstrap has no forky script; sid's fits testing
            script = script.with_name("sid")
        _host(
            ["debootstrap", "--variant=minbase", DEBIAN_SUITE, str(partial), DEBIAN_MIRROR, str(script)],
            f"debootstrap Debian {DEBIAN_SUITE} into {partial} (about 1 minute, once)",
        )
        # The registries here sit behind a TLS-intercepting proxy: trust the host's CA bundle.
        host_ca = Path("/etc/ssl/certs/ca-certificates.crt")
        if host_ca.is_file():
            shutil.copyfile(host_ca, partial / "etc/xkt-host-ca.crt")
        _write_stamp(partial, "base")
        if root.exists():
            shutil.rmtree(root)
        partial.rename(root)
    # The archive mirror reached here may serve a Release file past its Valid-Until date.
    apt = ["apt-get", "-o", "Acquire::Check-Valid-Until=false", "-o", "Acquire::https::CAInfo=/etc/xkt-host-ca.crt"]
    apt_env = {"DEBIAN_FRONTEND": "noninteractive"}
    if not _stamp_ok(root, "native"):
        _in_root(toolchain, [*apt, "update", "-q"], "apt-get update in the root", apt_env)
        _in_root(
            toolchain,
            [*apt, "install", "-y", "-q", "--no-install-recommends", *ROOT_PACKAGES],
            f"install {' '.join(ROOT_PACKAGES)} in the root",
            apt_env,
        )
        _in_root(toolchain, ["python3", "-m", "venv", ROOT_VENV], "create the test venv in the root")
        _in_root(
            toolchain,
            ["python", "-m", "pip", "install", "-q", *ROOT_PYTHON_PACKAGES],
            f"pip install {' '.join(ROOT_PYTHON_PACKAGES)} in the root",
        )
        _write_stamp(root, "native")
    if wasm and not _stamp_ok(root, "wasm"):
        _in_root(
            toolchain,
            [*apt, "install", "-y", "-q", "--no-install-recommends", *WASM_PACKAGES],
            f"install {' '.join(WASM_PACKAGES)} in the root (about 2 GB, once)",
            apt_env,
        )
        _in_root(
            toolchain,
            ["python", "-m", "pip", "install", "-q", *ROOT_WASM_PYTHON_PACKAGES],
            f"pip install {' '.join(ROOT_WASM_PYTHON_PACKAGES)} in the root",
        )
        _write_stamp(root, "wasm")
    return toolchain


# The wasm tier from the user's environment needs all of these; otherwise it uses the root.
WASM_HOST_TOOLS = ("emcc", "node", "jupyter", "cmake")
# Imported by the generated wasm build and tests, from the `python3` on PATH that runs them:
# the pack (jupyterlite-xeus; jupyter_server indexes the notebooks), the protocol tests
# through the bridge, the browser tests.
WASM_HOST_PYTHON_MODULES = ("jupyterlite_xeus", "jupyter_server", "jupyter_kernel_test", "playwright")
_PLAYWRIGHT_CHROMIUM = (
    "from playwright.sync_api import sync_playwright\n"
    "with sync_playwright() as p: print(p.chromium.executable_path)"
)


def host_chromium() -> str | None:
    """The Chromium for the browser tests outside the root: CHROMIUM_EXECUTABLE, else a
    `chromium` on PATH; None when neither (the tests then use Playwright's own)."""
    named = os.environ.get("CHROMIUM_EXECUTABLE")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _host_wasm_missing() -> list[str]:
    """What the user's environment lacks for the wasm tier (empty: nothing)."""
    missing = [tool for tool in WASM_HOST_TOOLS if shutil.which(tool) is None]
    python = shutil.which("python3")
    if python is None:
        return [*missing, "python3"]
    check = "import importlib.util, sys; print(*(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    modules = subprocess.run([python, "-c", check, *WASM_HOST_PYTHON_MODULES], capture_output=True, text=True, check=False)
    if modules.returncode != 0 or modules.stdout.split():
        missing += modules.stdout.split() or [f"a working {python}"]
    elif host_chromium() is None:
        found = subprocess.run([python, "-c", _PLAYWRIGHT_CHROMIUM], capture_output=True, text=True, check=False)
        if found.returncode != 0 or not Path(found.stdout.strip() or "/nonexistent").exists():
            missing.append("Chromium (CHROMIUM_EXECUTABLE, chromium on PATH, or playwright install chromium)")
    return missing


def find_wasm_toolchain() -> Toolchain:
    """The user's environment when it has everything the wasm tier runs, else the cached root:
    emcc, node, jupyter and cmake on PATH; a python3 on PATH with jupyterlite-xeus,
    jupyter_server, jupyter_kernel_test and Playwright; a Chromium (CHROMIUM_EXECUTABLE,
    `chromium` on PATH, or Playwright's own)."""
    missing = _host_wasm_missing()
    if not missing:
        return Toolchain("host emscripten, node, jupyter, Playwright and Chromium")
    progress(f"wasm tier: not all in your environment (missing {', '.join(missing)}): using the Debian root")
    return ensure_root(wasm=True)


def find_toolchain(*, provision: bool = True) -> Toolchain:
    """The user's xeus if there is one, else the cached root (provisioned if allowed)."""
    host = find_host_toolchain()
    if host is not None:
        return host
    if not provision and not _stamp_ok(root_dir(), "native"):
        raise ToolchainError("no xeus toolchain found and provisioning is off")
    return ensure_root()
