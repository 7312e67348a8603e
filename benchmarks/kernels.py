"""The native kernel: start and round trips against ipykernel and a bare xeus kernel, and
copy → kernel ready (configure, build, install, start), cold and warm.

Kernels start the way Jupyter starts them: the kernelspec's argv with a connection file,
through the toolchain (the Debian root's launcher when xeus comes from there: the same
launcher for every kernel, ipykernel included, so that none gets an advantage). Two
clients talk to them:

- jupyter_client (KernelManager + BlockingKernelClient.wait_for_ready / execute_interactive),
  what Jupyter's tools use;
- a raw ZeroMQ client written here, which connects before the process is spawned and
  retries its connection every millisecond, so that the time to the kernel_info reply is
  the kernel's own (libzmq retries every 100-200 ms by default).

The floor is the echo kernel the template itself writes with `interpreter_sources:
skeleton` (a cell's result is its code): the same conventions, xeus and xeus-zmq, no
language; built and started the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import queue
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from timing import Results, interleave

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from samples import BASE

# The floor: the same template with its interpreter skeleton (a cell's result is its code)
# instead of the starter language.
ECHO_ANSWERS = {"language_name": "Echo", "interpreter_sources": "skeleton"}


# --- the Jupyter wire protocol, for the raw client ---------------------------------------


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def write_connection_file(path: Path) -> dict:
    shell, iopub, stdin, control, hb = free_ports(5)
    info = {"shell_port": shell, "iopub_port": iopub, "stdin_port": stdin, "control_port": control, "hb_port": hb,
            "ip": "127.0.0.1", "key": uuid.uuid4().hex, "transport": "tcp", "signature_scheme": "hmac-sha256",
            "kernel_name": ""}
    path.write_text(json.dumps(info))
    return info


class RawClient:
    """Shell and IOPub sockets speaking the Jupyter protocol (v5.3), signed with the key."""

    def __init__(self, info: dict, reconnect_ms: int = 1):
        import zmq

        self.zmq = zmq
        self.key = info["key"].encode()
        self.context = zmq.Context()
        self.shell = self.context.socket(zmq.DEALER)
        self.iopub = self.context.socket(zmq.SUB)
        for sock, port in ((self.shell, info["shell_port"]), (self.iopub, info["iopub_port"])):
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.RECONNECT_IVL, reconnect_ms)
            sock.connect(f"tcp://{info['ip']}:{port}")
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.session = uuid.uuid4().hex

    def close(self) -> None:
        self.shell.close()
        self.iopub.close()
        self.context.term()

    def sign(self, parts: list[bytes]) -> bytes:
        digest = hmac.new(self.key, digestmod=hashlib.sha256)
        for part in parts:
            digest.update(part)
        return digest.hexdigest().encode()

    def send(self, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "session": self.session, "username": "bench", "msg_type": msg_type,
                  "version": "5.3", "date": datetime.now(UTC).isoformat()}
        parts = [json.dumps(p).encode() for p in (header, {}, {}, content)]
        self.shell.send_multipart([b"<IDS|MSG>", self.sign(parts), *parts])
        return msg_id

    @staticmethod
    def parse(frames: list[bytes]) -> tuple[dict, dict, dict]:
        start = frames.index(b"<IDS|MSG>") + 2
        header, parent, _, content = (json.loads(f) for f in frames[start:start + 4])
        return header, parent, content

    def wait(self, sock, timeout: float, match: Callable[[dict, dict, dict], bool]) -> dict:
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or not sock.poll(int(left * 1000) + 1):
                raise TimeoutError("no reply from the kernel")
            header, parent, content = self.parse(sock.recv_multipart())
            if match(header, parent, content):
                return content

    def kernel_info(self, timeout: float = 30) -> dict:
        msg_id = self.send("kernel_info_request", {})
        return self.wait(self.shell, timeout, lambda h, p, c: p.get("msg_id") == msg_id)

    def execute(self, code: str, timeout: float = 10) -> dict:
        """execute_request → execute_reply on shell and the idle status on IOPub (the
        result has been published): one round trip as a frontend sees it."""
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        reply = self.wait(self.shell, timeout, lambda h, p, c: p.get("msg_id") == msg_id)
        states: dict[str, str] = {}

        def status(header, parent, content) -> bool:
            if parent.get("msg_id") == msg_id and header["msg_type"] == "status":
                states[content.get("execution_state")] = header["date"]
            return "idle" in states

        self.wait(self.iopub, timeout, status)
        # The kernel's own share of the round trip: its busy and idle status messages' dates.
        self.kernel_seconds = (datetime.fromisoformat(states["idle"]) - datetime.fromisoformat(states["busy"])).total_seconds() \
            if "busy" in states else None
        return reply

    def subscribed(self, timeout: float = 10) -> None:
        """Wait until IOPub delivers (kernel_info requests until a status arrives)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            self.kernel_info()
            if self.iopub.poll(50):
                while self.iopub.poll(0):
                    self.iopub.recv_multipart()
                return
        raise TimeoutError("IOPub never delivered")


# --- kernels and how they start ----------------------------------------------------------


class Kernel:
    def __init__(self, name: str, argv: list[str], launcher, work: Path):
        self.name, self.argv, self.launcher, self.work = name, argv, launcher, work

    def command(self, connection_file: Path) -> list[str]:
        return self.launcher.command([a.replace("{connection_file}", str(connection_file)) for a in self.argv])

    def spawn(self, connection_file: Path) -> subprocess.Popen:
        return subprocess.Popen(self.command(connection_file), env=self.launcher.environment(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def raw_start(self, reconnect_ms: int = 1) -> float:
        """Seconds from spawning the process to the kernel_info reply, the client connected first."""
        connection = self.work / f"raw-{self.name}-{uuid.uuid4().hex[:8]}.json"
        info = write_connection_file(connection)
        client = RawClient(info, reconnect_ms)
        started = time.perf_counter()
        process = self.spawn(connection)
        try:
            client.kernel_info()
            return time.perf_counter() - started
        finally:
            client.close()
            stop(process)
            connection.unlink()

    def version_run(self) -> float:
        """Seconds to run `<kernel> --version` through the launcher: process start, dynamic
        loading and static initialisation, without ZeroMQ."""
        started = time.perf_counter()
        subprocess.run(self.launcher.command([self.argv[0], "--version"]), env=self.launcher.environment(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def kernel_manager(kernel: Kernel, work: Path):
    """A KernelManager for `kernel`, from a kernelspec written for it (argv through the
    launcher), with its own ZeroMQ context; and that context."""
    import zmq
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    specs = work / "kernelspecs"
    spec = specs / kernel.name / "kernel.json"
    if not spec.is_file():
        spec.parent.mkdir(parents=True, exist_ok=True)
        argv = kernel.launcher.command(kernel.argv)
        spec.write_text(json.dumps({"argv": argv, "display_name": kernel.name, "language": kernel.name}))
    context = zmq.Context()
    manager = KernelManager(kernel_name=kernel.name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
                            connection_file=str(work / f"jc-{kernel.name}-{uuid.uuid4().hex[:8]}.json"), context=context)
    return manager, context


def start_with_jupyter_client(kernel: Kernel, work: Path):
    manager, context = kernel_manager(kernel, work)
    manager.start_kernel(env=kernel.launcher.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = manager.client(context=context)
    client.start_channels()
    return manager, client, context


def shut_down(manager, client, context) -> None:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    manager.cleanup_resources()
    context.term()


class Native:
    """The native section: prepares the kernels, then measures their start and round trips."""

    def __init__(self, work: Path, results: Results, toolchain, progress: Callable[[str], None], copier_env: dict):
        self.work, self.results, self.progress = work, results, progress
        self.toolchain = toolchain.with_binds([work])
        self.copier_env = copier_env
        self.kernels: dict[str, Kernel] = {}

    # -- building ----------------------------------------------------------------------
    def render(self, destination: Path, answers: dict | None = None) -> float:
        started = time.perf_counter()
        data = {**BASE, **(answers or {})}
        result = subprocess.run([str(Path(sys.executable).parent / "copier"), "copy", "--defaults", "--quiet",
                                 *(a for k, v in data.items() for a in ("-d", f"{k}={v}")), str(self.template_source),
                                 str(destination)], env=self.copier_env, capture_output=True, text=True, check=False)
        if result.returncode:
            raise RuntimeError(f"copier copy failed: {result.stderr[-3000:]}")
        return time.perf_counter() - started

    def build(self, project: Path, prefix: Path, env: dict) -> dict[str, float]:
        """configure, build and install with the render's presets; seconds of each step."""
        tc, steps = self.toolchain, {}
        commands = {"configure": ["cmake", "--preset", "native"], "build": ["cmake", "--build", "--preset", "native"],
                    "install": ["cmake", "--install", "build/native", "--prefix", str(prefix)]}
        for step, argv in commands.items():
            started = time.perf_counter()
            result = tc.run(argv, cwd=project, env=env, check=False)
            steps[step] = time.perf_counter() - started
            if result.returncode:
                raise RuntimeError(f"{' '.join(argv)} failed in {project}:\n{result.stdout[-4000:]}")
        return steps

    def prepare(self, template_source: Path) -> None:
        self.template_source = template_source
        self.progress("native: rendering and building the kernel and the echo kernel")
        env = self.toolchain.build_environment()
        for name, folder, answers in (("xmylang", "xeus-mylang", None), ("echo", "xeus-echo", ECHO_ANSWERS)):
            project = self.work / "native" / folder
            project.parent.mkdir(parents=True, exist_ok=True)
            self.render(project, answers)
            prefix = self.work / "native" / f"{folder}-prefix"
            self.build(project, prefix, env)
            executable = prefix / "bin" / ("xmylang" if name == "xmylang" else "xecho")
            self.kernels[name] = Kernel(name, [str(executable), "-f", "{connection_file}"], self.toolchain, self.work)
        python = self.ipykernel_python()
        self.kernels["ipykernel"] = Kernel("ipykernel", [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                           self.ipykernel_launcher, self.work)
        self.results.meta["native"] = {"toolchain": self.toolchain.description, "ipykernel": self.ipykernel_version}

    def ipykernel_python(self) -> str:
        """ipykernel from PyPI, started by the same launcher as the xeus kernels: in the
        Debian root, a venv of its Python in the cache folder; on a host toolchain, this
        benchmark's own venv."""
        from xeus_kernel_template.toolchain import cache_dir

        tc = self.toolchain
        if tc.root is None:
            import ipykernel

            self.ipykernel_launcher, self.ipykernel_version = tc, ipykernel.__version__
            return sys.executable
        venv = cache_dir().resolve() / "bench-root-venv"
        launcher = tc.with_binds([venv.parent])
        python = venv / "bin/python"
        if not (venv / "ready").is_file():
            self.progress(f"native: pip install ipykernel into {venv} (the root's Python, once)")
            launcher.run(["python3", "-m", "venv", str(venv)])
            launcher.run([str(python), "-m", "pip", "install", "-q", "ipykernel"])
            (venv / "ready").write_text("ipykernel\n")
        version = launcher.run([str(python), "-c", "import ipykernel; print(ipykernel.__version__)"]).stdout.strip()
        self.ipykernel_launcher, self.ipykernel_version = launcher, version
        return str(python)

    # -- start -------------------------------------------------------------------------
    def measure_start(self, rounds: int) -> None:
        launcher_floor = self.toolchain

        def floor() -> float:
            started = time.perf_counter()
            subprocess.run(launcher_floor.command(["true"]), env=launcher_floor.environment(), check=True)
            return time.perf_counter() - started

        actions: dict[str, Callable[[], object]] = {"launcher": floor}
        for name, kernel in self.kernels.items():
            actions[f"{name}.raw"] = kernel.raw_start
            actions[f"{name}.jc_reply"] = lambda k=kernel: self.jc_start(k, ready=False)
            if name != "echo":
                actions[f"{name}.raw_default"] = lambda k=kernel: k.raw_start(reconnect_ms=100)
                actions[f"{name}.jc_ready"] = lambda k=kernel: self.jc_start(k, ready=True)
            if name != "ipykernel":
                actions[f"{name}.version"] = kernel.version_run
        self.progress(f"native start: {len(actions)} ways, {rounds} interleaved rounds")
        s = interleave(rounds, actions, progress=self.progress)
        r, ipk = self.results, f"ipykernel {self.ipykernel_version}"
        r.add("start.ipykernel_jc_reply", f"{ipk}: start → kernel_info reply (jupyter_client)", s["ipykernel.jc_reply"], unit="ms")
        r.add("start.xmylang_jc_reply", "xmylang: start → kernel_info reply (jupyter_client)", s["xmylang.jc_reply"], unit="ms",
              peer="start.ipykernel_jc_reply", paired=True, target=0.1)
        r.add("start.echo_jc_reply", "echo kernel: start → kernel_info reply (jupyter_client)", s["echo.jc_reply"], unit="ms",
              peer="start.xmylang_jc_reply", paired=True)
        r.add("start.ipykernel_jc_ready", f"{ipk}: start → wait_for_ready() returns", s["ipykernel.jc_ready"], unit="ms")
        r.add("start.xmylang_jc_ready", "xmylang: start → wait_for_ready() returns", s["xmylang.jc_ready"], unit="ms",
              peer="start.ipykernel_jc_ready", paired=True)
        r.add("start.ipykernel_raw", f"{ipk}: spawn → kernel_info reply (raw ZeroMQ, 1 ms reconnect)", s["ipykernel.raw"], unit="ms")
        r.add("start.xmylang_raw", "xmylang: spawn → kernel_info reply (raw ZeroMQ, 1 ms reconnect)", s["xmylang.raw"], unit="ms",
              peer="start.ipykernel_raw", paired=True, target=0.1)
        r.add("start.echo_raw", "echo kernel: same", s["echo.raw"], unit="ms", peer="start.xmylang_raw", paired=True)
        r.add("start.xmylang_raw_default", "xmylang: raw ZeroMQ, libzmq's default reconnect (100 ms)", s["xmylang.raw_default"],
              unit="ms", peer="start.xmylang_raw", paired=True)
        r.add("start.ipykernel_raw_default", f"{ipk}: same", s["ipykernel.raw_default"], unit="ms", peer="start.ipykernel_raw", paired=True)
        r.add("start.launcher", "launcher alone (`true` through the same launcher)", s["launcher"], unit="ms")
        r.add("start.xmylang_version", "xmylang --version (exec + loading, no ZeroMQ)", s["xmylang.version"], unit="ms",
              peer="start.launcher", paired=True)
        r.add("start.echo_version", "echo --version", s["echo.version"], unit="ms", peer="start.xmylang_version", paired=True)
        import statistics

        launcher, version, reply = (statistics.median(s[k]) * 1e3 for k in ("launcher", "xmylang.version", "xmylang.raw"))
        r.note("start", f"xmylang before its first reply (medians): the launcher {launcher:.1f} ms, then exec, dynamic "
                        f"loading and static initialisation {version - launcher:.1f} ms (--version), then reading the connection "
                        f"file, binding the ZeroMQ sockets and answering kernel_info {reply - version:.1f} ms")
        jc = statistics.median(s["xmylang.jc_reply"]) * 1e3
        r.note("start", f"jupyter_client sees the reply {jc - reply:.0f} ms later than the kernel sends it: its sockets connect "
                        "before the kernel listens, and libzmq retries after 100-200 ms (RECONNECT_IVL plus jitter); "
                        "wait_for_ready() then also waits for 0.2 s of IOPub silence")

    def jc_start(self, kernel: Kernel, ready: bool) -> float:
        """Seconds from KernelManager.start_kernel() to the kernel_info reply on the shell
        channel (one request, sent at once), or to wait_for_ready() returning (which also
        waits for 0.2 s of IOPub silence)."""
        started = time.perf_counter()
        manager, client, context = start_with_jupyter_client(kernel, self.work)
        try:
            if ready:
                client.wait_for_ready(timeout=60)
            else:
                msg_id = client.kernel_info()
                while client.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
                    pass
            return time.perf_counter() - started
        finally:
            shut_down(manager, client, context)

    # -- round trips -------------------------------------------------------------------
    def measure_round_trips(self, count: int) -> None:
        started = {}
        try:
            for name, kernel in self.kernels.items():
                manager, client, context = start_with_jupyter_client(kernel, self.work)
                started[name] = (manager, client, None, context)
                client.wait_for_ready(timeout=60)
                raw = RawClient(json.loads(Path(manager.connection_file).read_text()))
                started[name] = (manager, client, raw, context)
                raw.subscribed()
            # xeus-zmq 4 broadcasts an iopub_welcome with a null parent header to every
            # subscriber whenever one subscribes: drop those before jupyter_client reads IOPub.
            for manager, client, raw, context in started.values():
                while True:
                    try:
                        client.get_iopub_msg(timeout=0.2)
                    except queue.Empty:
                        break
            cell_code = "x = {i} * 2\nx + 1"  # the same cell in every kernel's language

            numbers = itertools.count(1)  # a new value each cell, so no kernel can cache a reply

            def jc(name):
                cell = cell_code.format(i=next(numbers))
                reply = started[name][1].execute_interactive(cell, timeout=10, output_hook=lambda msg: None)
                assert reply["content"]["status"] == "ok", reply["content"]

            inside: dict[str, list[float]] = {name: [] for name in started}

            def raw(name):
                client = started[name][2]
                reply = client.execute(cell_code.format(i=next(numbers)))
                assert reply["status"] == "ok", reply
                if client.kernel_seconds is not None:
                    inside[name].append(client.kernel_seconds)

            actions = {}
            for name in started:
                actions[f"{name}.jc"] = lambda n=name: jc(n)
                actions[f"{name}.raw"] = lambda n=name: raw(n)
            self.progress(f"round trips: {count} per kernel and client, interleaved")
            s = interleave(count, actions, warmup=5)
        finally:
            for manager, client, raw_client, context in started.values():
                if raw_client is not None:
                    raw_client.close()
                shut_down(manager, client, context)
        r = self.results
        r.add("execute.ipykernel_jc", "ipykernel: execute round trip (jupyter_client)", s["ipykernel.jc"], unit="ms")
        r.add("execute.xmylang_jc", "xmylang: execute round trip (jupyter_client)", s["xmylang.jc"], unit="ms",
              peer="execute.ipykernel_jc", paired=True, target=0.5e-3, target_on="value")
        r.add("execute.echo_jc", "echo kernel: execute round trip (jupyter_client)", s["echo.jc"], unit="ms",
              peer="execute.xmylang_jc", paired=True)
        r.add("execute.ipykernel_raw", "ipykernel: execute round trip (raw ZeroMQ)", s["ipykernel.raw"], unit="ms")
        r.add("execute.xmylang_raw", "xmylang: execute round trip (raw ZeroMQ)", s["xmylang.raw"], unit="ms",
              peer="execute.ipykernel_raw", paired=True, target=0.5e-3, target_on="value")
        r.add("execute.echo_raw", "echo kernel: execute round trip (raw ZeroMQ)", s["echo.raw"], unit="ms",
              peer="execute.xmylang_raw", paired=True)
        labels = {"ipykernel": "ipykernel", "xmylang": "xmylang", "echo": "echo kernel"}
        for name in ("ipykernel", "xmylang", "echo"):
            if len(inside.get(name, [])) > 5:  # the first five are the warm-up round trips
                r.add(f"execute.{name}_inside", f"{labels[name]}: busy → idle inside the kernel (message dates)", inside[name][5:],
                      unit="ms", peer=f"execute.{name}_raw")

    # -- copy → kernel ready ------------------------------------------------------------
    def measure_journey(self, rounds: int) -> None:
        """Fresh render (copier copy) + configure + build + install + start → kernel_info, for
        the template's kernel and the echo kernel: cold (empty compiler cache) and warm (the
        cache the cold build of another render filled: new folders, same sources)."""
        base = self.toolchain.build_environment()
        if not base:
            self.results.miss("journey.warm", "no ccache in the toolchain: warm builds not measured")
        samples: dict[str, list[float]] = {}

        def journey(kind: str, temperature: str, cache: Path) -> None:
            directory = self.work / "journey" / f"{kind}-{temperature}-{uuid.uuid4().hex[:6]}"
            directory.mkdir(parents=True)
            env = {**base, "CCACHE_DIR": str(cache)} if base else {}
            steps = {}
            project = directory / ("xeus-mylang" if kind == "xmylang" else "xeus-echo")
            steps["copy"] = self.render(project, None if kind == "xmylang" else ECHO_ANSWERS)
            steps.update(self.build(project, directory / "prefix", env))
            executable = directory / "prefix/bin" / ("xmylang" if kind == "xmylang" else "xecho")
            steps["start"] = Kernel(kind, [str(executable), "-f", "{connection_file}"], self.toolchain, self.work).raw_start()
            steps["total"] = sum(steps.values())
            for step, value in steps.items():
                samples.setdefault(f"{kind}.{temperature}.{step}", []).append(value)

        for index in range(rounds):
            caches = {kind: self.work / "journey" / f"ccache-{kind}-{index}" for kind in ("xmylang", "echo")}
            kinds = ["xmylang", "echo"] if index % 2 == 0 else ["echo", "xmylang"]
            for temperature in ("cold", "warm") if base else ("cold",):
                for kind in kinds:
                    self.progress(f"copy → kernel ready: {kind}, {temperature}, round {index + 1}/{rounds}")
                    journey(kind, temperature, caches[kind])
        r = self.results
        what = "empty ccache" if base else "no compiler cache"
        for temperature in ("cold", "warm") if base else ("cold",):
            detail = what if temperature == "cold" else "ccache filled by the cold build, new folders"
            for step in ("total", "copy", "configure", "build", "install", "start"):
                label = (f"copy → kernel ready, {temperature} ({detail})" if step == "total" else f"  {step}")
                unit = "s" if step in ("total", "build", "configure", "copy") else "ms"
                r.add(f"journey.{temperature}_{step}", label, samples[f"xmylang.{temperature}.{step}"], unit=unit,
                      peer=f"journey.echo_{temperature}_{step}", paired=True)
            r.add(f"journey.echo_{temperature}_total", f"echo kernel (skeleton), {temperature}: the same steps",
                  samples[f"echo.{temperature}.total"])
            for step in ("copy", "configure", "build", "install", "start"):
                unit = "s" if step in ("build", "configure", "copy") else "ms"
                r.add(f"journey.echo_{temperature}_{step}", f"  echo: {step}", samples[f"echo.{temperature}.{step}"], unit=unit)
