"""Any xeus-lite kernel's installed .js/.wasm as a Jupyter kernel that jupyter_client can
start: the same protocol tests (jupyter_kernel_test, nbclient, the robustness suite) then run
against the native and the wasm build.

    xeus-kernel-bridge kernelspec --from PREFIX/share/jupyter/kernels/<kernel> --to DIR
        writes DIR/kernel.json: the installed wasm kernelspec whose argv starts this bridge
    xeus-kernel-bridge run --kernel-js PREFIX/bin/<kernel>.js CONNECTION_FILE
        what that argv runs: one kernel, until shutdown_request
    xeus-kernel-bridge node-test --kernel-js PREFIX/bin/<kernel>.js [--smoke-cells FILE] FILE.test.mjs...
        `node --test` on the files, with KERNEL_JS and KERNEL_HARNESS (the URL of the harness
        that loads the module the way jupyterlite-xeus does: import it from there); with
        --smoke-cells, also the smoke cells of FILE (xeus_kernel_ci.smoke)

How it works. This process speaks the Jupyter wire protocol: it binds the five channels of
the connection file (shell, control, stdin: ROUTER; iopub: PUB; heartbeat: REP), checks
and makes the HMAC signatures with jupyter_client's Session, and echoes heartbeats itself,
so they are answered while the kernel is busy, as xeus-zmq's heartbeat thread does. The
kernel runs in Node.js (kernel_bridge.mjs), loaded from the installed <kernel>.js/.wasm
the way jupyterlite-xeus loads it, and exchanges JSON messages with this process over
pipes. Each reply goes back to the client that sent the request (its ZeroMQ identities
are kept by msg_id); input_request goes out on stdin to the client of the execute_request,
and its input_reply is handed to the kernel, which waits for it in get_stdin as it does in
the browser. Interrupt and shutdown come by message (interrupt_mode "message"); after the
shutdown_reply the bridge stops the kernel and exits. As in the browser, the module runs on
one thread: an interrupt_request is answered once the running cell is done, it cannot stop
it.

Why a kernelspec, and why pyzmq:
- A kernelspec whose argv starts the bridge needs nothing installed: JUPYTER_PATH finds
  it, and every Jupyter client starts it the usual way (jupyter_kernel_test, nbclient,
  `jupyter console --kernel`). A kernel provisioner would have to be an installed Python
  package with an entry point, for no gain: the bridge is a local process either way.
- pyzmq is already there: jupyter_client, which the protocol tests need, is built on it,
  and its Session implements the signatures. The `zeromq` npm package downloads prebuilt
  native binaries from GitHub when installed (or needs a C++ toolchain to build them), a
  step that fails on machines that reach only a package registry, and the Node.js side
  would have to reimplement the signing.
- Node.js runs the module: <kernel>.js is emscripten glue for a JavaScript engine, and
  Node.js is the one the wasm build already uses for its node tests.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_SIDE = HERE / "kernel_bridge.mjs"
HARNESS = HERE / "kernel_harness.mjs"
SMOKE = HERE / "kernel_smoke.test.mjs"
SHUTDOWN_GRACE_SECONDS = 5
NO_REPLY = ("comm_open", "comm_msg", "comm_close")  # requests the protocol does not answer


def find_node(node: str | None) -> str:
    """The Node.js executable (--node, else `node` on PATH), or one line saying it is missing."""
    found = shutil.which(node or "node")
    if found is None:
        raise SystemExit(f"[kernel_bridge] {node or 'node'} not found: the bridge runs the wasm kernel in"
                         " Node.js (install nodejs, or pass --node)")
    return found


def kernel_module(kernel_js: Path) -> Path:
    """The installed <kernel>.js, or one line saying it is missing."""
    if not kernel_js.is_file():
        raise SystemExit(f"[kernel_bridge] {kernel_js} does not exist: build and install the wasm kernel first")
    return kernel_js


def write_kernelspec(installed: Path, destination: Path, node: str) -> Path:
    """Writes destination/kernel.json: the installed wasm kernelspec, started by this bridge."""
    spec_file = installed / "kernel.json"
    if not spec_file.is_file():
        raise SystemExit(f"[kernel_bridge] {spec_file} does not exist: install the wasm kernel first")
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    kernel_js = kernel_module(Path(spec["argv"][0] + ".js"))  # jupyterlite-xeus loads argv[0].js and .wasm
    spec["argv"] = [
        sys.executable, "-m", "xeus_kernel_ci.kernel_bridge", "run",
        "--node", node, "--kernel-js", str(kernel_js), "{connection_file}",
    ]
    spec["interrupt_mode"] = "message"  # no signal reaches a wasm module
    destination.mkdir(parents=True, exist_ok=True)
    (destination / "kernel.json").write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return destination / "kernel.json"


class _Pipe:
    """The write end of a pipe to Node.js that never blocks the bridge: what the kernel has
    not read yet (it is busy) waits here, and the heartbeat keeps being answered."""

    def __init__(self, fd: int):
        self.fd = fd
        self.pending = bytearray()
        os.set_blocking(fd, False)

    def write(self, line: bytes) -> None:
        self.pending += line
        self.flush()

    def flush(self) -> None:
        while self.pending:
            try:
                written = os.write(self.fd, self.pending)
            except BlockingIOError:
                return
            except BrokenPipeError:  # the kernel is gone: the end of its output ends the bridge
                self.pending.clear()
                return
            del self.pending[:written]

    def close(self) -> None:
        os.close(self.fd)


class Bridge:
    def __init__(self, connection: dict, kernel_js: Path, node: str):
        import zmq
        from jupyter_client.session import Session

        self.zmq = zmq
        self.session = Session(
            key=connection.get("key", "").encode(), signature_scheme=connection.get("signature_scheme", "hmac-sha256")
        )
        self.context = zmq.Context()
        self.sockets = {}
        kinds = {"shell": zmq.ROUTER, "control": zmq.ROUTER, "stdin": zmq.ROUTER, "iopub": zmq.PUB, "hb": zmq.REP}
        for channel, kind in kinds.items():
            socket = self.context.socket(kind)
            socket.linger = 1000
            socket.bind(_address(connection, connection[f"{channel}_port"]))
            self.sockets[channel] = socket
        # msg_id of a request -> (channel, ZeroMQ identities of its client, msg_type)
        self.routes: dict[str, tuple[str, list[bytes], str]] = {}
        self.received = bytearray()
        self.awaiting_input = 0  # input_requests sent to clients and not answered yet
        self.exit_code: int | None = None
        self.node = self._start_node(node, kernel_js)

    def _start_node(self, node: str, kernel_js: Path) -> subprocess.Popen:
        requests_read, requests_write = os.pipe()
        input_read, input_write = os.pipe()
        messages_read, messages_write = os.pipe()
        theirs = (requests_read, input_read, messages_write)
        try:
            process = subprocess.Popen(
                [node, str(NODE_SIDE), str(kernel_js), *map(str, theirs)], pass_fds=theirs, stdin=subprocess.DEVNULL
            )
        except OSError as error:
            raise SystemExit(f"[kernel_bridge] cannot run Node.js ({node}): {error.strerror}") from None
        for fd in theirs:
            os.close(fd)
        self.requests, self.input = _Pipe(requests_write), _Pipe(input_write)
        self.messages = messages_read
        return process

    # -- client -> kernel ---------------------------------------------------------------
    def _from_client(self, channel: str) -> None:
        frames = self.sockets[channel].recv_multipart()
        identities, rest = self.session.feed_identities(frames)
        try:
            message = self.session.deserialize(rest)
        except (ValueError, TypeError, KeyError) as error:  # bad signature, replay, malformed
            print(f"[kernel_bridge] {channel}: message dropped: {error}", file=sys.stderr)
            return
        wire = {
            "channel": channel,
            "header": message["header"],
            "parent_header": message["parent_header"],
            "metadata": message["metadata"],
            "content": message["content"],
            "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in message["buffers"]],
        }
        line = (json.dumps(wire, default=_json_default, ensure_ascii=False) + "\n").encode()
        if channel == "stdin":
            if self.awaiting_input == 0:  # it would answer the kernel's next question instead
                print("[kernel_bridge] stdin: input_reply to no input_request dropped", file=sys.stderr)
                return
            self.awaiting_input -= 1
            self.input.write(line)
        else:
            self.routes[message["header"]["msg_id"]] = (channel, identities, message["header"]["msg_type"])
            self.requests.write(line)

    # -- kernel -> client ---------------------------------------------------------------
    def _from_kernel(self) -> bool:
        """Reads what the kernel posted; False at its end."""
        chunk = os.read(self.messages, 1 << 16)
        if not chunk:
            return False
        self.received += chunk
        while (newline := self.received.find(b"\n")) >= 0:
            line = bytes(self.received[:newline])
            del self.received[: newline + 1]
            if line.strip():
                self._to_client(json.loads(line))
        return True

    def _to_client(self, wire: dict) -> None:
        channel = wire.pop("channel", None)
        buffers = [base64.b64decode(b) for b in wire.pop("buffers", [])]
        topic = wire.pop("topic", "")
        message = {key: wire.get(key, {}) for key in ("header", "parent_header", "metadata", "content")}
        parent = message["parent_header"].get("msg_id")
        if channel == "iopub":
            topic = topic or f"kernel.{message['header'].get('msg_type', '')}"
            self.session.send(self.sockets["iopub"], message, ident=[topic.encode()], buffers=buffers)
            # Requests without a reply (comm messages) are done when the kernel is idle again.
            if message["header"].get("msg_type") == "status" and message["content"].get("execution_state") == "idle":
                route = self.routes.get(parent)
                if route is not None and route[2] in NO_REPLY:
                    del self.routes[parent]
            return
        route = self.routes.get(parent)
        if route is None:
            print(f"[kernel_bridge] {channel} message for an unknown request dropped", file=sys.stderr)
            return
        if channel == "stdin":  # input_request: to the client of the execute_request
            self.session.send(self.sockets["stdin"], message, ident=route[1], buffers=buffers)
            self.awaiting_input += 1
            return
        self.session.send(self.sockets[route[0]], message, ident=route[1], buffers=buffers)
        del self.routes[parent]
        if message["header"].get("msg_type") == "shutdown_reply":
            self.exit_code = 0

    # -- the loop -----------------------------------------------------------------------
    def serve(self) -> int:
        zmq = self.zmq
        poller = zmq.Poller()
        for channel in ("shell", "control", "stdin", "hb"):
            poller.register(self.sockets[channel], zmq.POLLIN)
        poller.register(self.messages, zmq.POLLIN)
        kernel_running = True
        while self.exit_code is None and kernel_running:
            for pipe in (self.requests, self.input):  # wait for room only with something to write
                poller.register(pipe.fd, zmq.POLLOUT if pipe.pending else 0)
            events = dict(poller.poll())
            if self.sockets["hb"] in events:
                self.sockets["hb"].send_multipart(self.sockets["hb"].recv_multipart())
            for channel in ("control", "shell", "stdin"):
                if self.sockets[channel] in events:
                    self._from_client(channel)
            for pipe in (self.requests, self.input):
                if events.get(pipe.fd, 0) & zmq.POLLOUT:
                    pipe.flush()
            if self.messages in events:
                kernel_running = self._from_kernel()
        return self.close(kernel_running)

    def close(self, kernel_running: bool) -> int:
        """Ends the kernel (end of its input), forwards what it still posts, closes the sockets."""
        for pipe in (self.requests, self.input):
            pipe.close()
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        while kernel_running and (left := deadline - time.monotonic()) > 0:
            if select.select([self.messages], [], [], left)[0]:
                kernel_running = self._from_kernel()
        try:
            code = self.node.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.node.kill()
            code = self.node.wait()
        os.close(self.messages)
        for socket in self.sockets.values():
            socket.close()
        self.context.term()
        if self.exit_code is not None:
            return self.exit_code
        print(f"[kernel_bridge] the kernel exited with status {code}", file=sys.stderr)
        return code or 1


def _address(connection: dict, port: int) -> str:
    if connection.get("transport", "tcp") == "ipc":
        return f"ipc://{connection['ip']}-{port}"
    return f"tcp://{connection['ip']}:{port}"


def _json_default(value):
    from jupyter_client.jsonutil import json_default

    return json_default(value)


def node_test(kernel_js: Path, node: str, files: list[str], smoke_cells: Path | None) -> int:
    """`node --test FILES` with KERNEL_JS and KERNEL_HARNESS set (and the smoke cells'
    test, with SMOKE_CELLS); node's exit status."""
    env = {**os.environ, "KERNEL_JS": str(kernel_module(kernel_js).resolve()), "KERNEL_HARNESS": HARNESS.as_uri()}
    if not files and smoke_cells is None:
        raise SystemExit("[kernel_bridge] node-test: no test file, and no --smoke-cells")
    with tempfile.TemporaryDirectory(prefix="xeus-kernel-ci-") as scratch:
        if smoke_cells is not None:  # node reads JSON: the cells, as smoke.read_cells reads them
            from .smoke import read_cells

            if not smoke_cells.is_file():
                raise SystemExit(f"[kernel_bridge] {smoke_cells} does not exist: no smoke cells to run")
            try:
                cells = read_cells(smoke_cells)
            except Exception as error:  # noqa: BLE001 (pytest's UsageError: one line, not a traceback)
                raise SystemExit(f"[kernel_bridge] {error}") from None
            env["SMOKE_CELLS"] = str(Path(scratch) / "smoke_cells.json")
            Path(env["SMOKE_CELLS"]).write_text(json.dumps({"cells": cells}), encoding="utf-8")
            files = [*files, str(SMOKE)]
        return subprocess.run([node, "--test", *files], env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xeus-kernel-bridge", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    spec = commands.add_parser("kernelspec", help="write the bridge's kernelspec from the installed wasm one")
    spec.add_argument("--from", dest="installed", type=Path, required=True, help="installed kernelspec folder")
    spec.add_argument("--to", dest="destination", type=Path, required=True, help="folder to write kernel.json into")
    run = commands.add_parser("run", help="run the kernel of KERNEL_JS on the connection file")
    run.add_argument("--kernel-js", type=Path, required=True, help="the installed <kernel>.js")
    run.add_argument("connection_file", type=Path)
    test = commands.add_parser("node-test", help="node --test FILES against the installed <kernel>.js")
    test.add_argument("--kernel-js", type=Path, required=True, help="the installed <kernel>.js")
    test.add_argument("--smoke-cells", type=Path, help="a smoke_cells.toml whose cells to run too")
    test.add_argument("files", nargs="*", metavar="FILE.test.mjs")
    for command in (spec, run, test):
        command.add_argument("--node", default=None, help="the Node.js executable (default: node on PATH)")
    args = parser.parse_args(argv)

    if args.command == "kernelspec":
        print(write_kernelspec(args.installed, args.destination, find_node(args.node)))
        return 0
    if args.command == "node-test":
        return node_test(args.kernel_js, find_node(args.node), args.files, args.smoke_cells)
    # Interrupts come by message; Ctrl-C in a terminal must not end the kernel.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = json.loads(args.connection_file.read_text(encoding="utf-8"))
    return Bridge(connection, kernel_module(args.kernel_js), find_node(args.node)).serve()


if __name__ == "__main__":
    sys.exit(main())
