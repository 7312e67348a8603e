"""xeus-kernel-ci's bridge (installed from its wheel) on its own, without a wasm build: started by
jupyter_client from the kernelspec it writes, in front of a stand-in module that keeps the
xeus-lite contract (tests/bridge/standin_kernel.cjs). The real wasm kernel behind it is
tested in tests/test_wasm.py."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.session import Session
from jupyter_kernel_test.msgspec_v5 import schema_fragments, validate_message

STANDIN = Path(__file__).resolve().parent / "bridge/standin_kernel.cjs"
TIMEOUT = 10

if shutil.which("node") is None:
    pytest.skip("the bridge runs the kernel module in Node.js: no node on PATH", allow_module_level=True)


@pytest.fixture(scope="module")
def bridge(kernel_ci_bin) -> list[str]:
    """The bridge's command, as the generated CMake runs it: its module, in a Python that has it."""
    return [str(kernel_ci_bin / "python"), "-m", "xeus_kernel_ci.kernel_bridge"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A host prefix with the stand-in installed as jupyterlite-xeus expects a kernel."""
    prefix = tmp_path_factory.mktemp("host")
    (prefix / "bin").mkdir()
    shutil.copyfile(STANDIN, prefix / "bin/standin.js")
    spec = prefix / "share/jupyter/kernels/standin"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(prefix / "bin/standin")],
        "display_name": "Stand-in «lite»",
        "language": "standin",
        "interrupt_mode": "message",
        "metadata": {"wasm_name": "standin", "debugger": False},
    }))
    return spec


@pytest.fixture(scope="module")
def kernels(bridge, installed, tmp_path_factory) -> Path:
    """The bridge's kernelspec, written by the bridge from the installed one."""
    kernels = tmp_path_factory.mktemp("bridge") / "kernels"
    subprocess.run([*bridge, "kernelspec", "--from", installed, "--to", kernels / "standin",
                    "--node", shutil.which("node")], check=True, capture_output=True)
    return kernels


def manager_for(kernels: Path, tmp_path: Path) -> KernelManager:
    return KernelManager(kernel_name="standin", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]),
                         connection_file=str(tmp_path / "connection.json"))


@pytest.fixture
def kernel(kernels, tmp_path):
    """The bridge in front of the stand-in, started by jupyter_client with an environment."""
    manager = manager_for(kernels, tmp_path)
    env = {**os.environ, "STANDIN_GREETING": "hello from the launcher", "HOME": "/home/launcher"}
    with (tmp_path / "stderr.txt").open("w") as stderr:  # open as long as a restart may use it
        manager.start_kernel(env=env, stderr=stderr)
        client = manager.client()
        try:
            client.start_channels()
            client.wait_for_ready(timeout=TIMEOUT)
            yield manager, client
        finally:  # also when it never gets ready: no bridge left running
            client.stop_channels()
            if manager.is_alive():
                manager.shutdown_kernel(now=True)
            else:
                manager.cleanup_resources()


def reply_to(get, msg_id: str, msg_type: str) -> dict:
    """The next message of a channel (get), validated, which must be the reply to msg_id."""
    reply = get(timeout=TIMEOUT)
    validate_message(reply, msg_type)
    assert reply["parent_header"]["msg_id"] == msg_id
    return reply


def execute(client, code: str, **options) -> tuple[dict, list[dict]]:
    """Runs code; the execute_reply and the iopub messages up to idle, all validated."""
    msg_id = client.execute(code, **options)
    return reply_to(client.get_shell_msg, msg_id, "execute_reply"), iopub_until_idle(client, msg_id)


def iopub_until_idle(client, msg_id: str) -> list[dict]:
    """The iopub messages caused by request msg_id up to its idle status, validated."""
    messages = []
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] in schema_fragments:
            validate_message(msg, msg["msg_type"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
        messages.append(msg)


def result(messages: list[dict]) -> str:
    return next(m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result")


def test_kernelspec_is_the_installed_one_started_by_the_bridge(bridge, installed, kernels):
    spec = json.loads((kernels / "standin/kernel.json").read_text())
    assert spec["argv"] == [*bridge, "run", "--node", shutil.which("node"),
                            "--kernel-js", str(installed.parents[3] / "bin/standin.js"), "{connection_file}"]
    original = json.loads((installed / "kernel.json").read_text())
    assert {k: v for k, v in spec.items() if k != "argv"} == {k: v for k, v in original.items() if k != "argv"}


def test_kernelspec_refuses_an_installed_kernel_without_its_module(bridge, installed, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    spec = json.loads((installed / "kernel.json").read_text())
    spec["argv"] = [str(tmp_path / "bin/missing")]
    (broken / "kernel.json").write_text(json.dumps(spec))
    done = subprocess.run([*bridge, "kernelspec", "--from", broken, "--to", tmp_path / "out"],
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert done.stderr.strip() == f"[kernel_bridge] {tmp_path / 'bin/missing.js'} does not exist: build and install the wasm kernel first"
    assert not (tmp_path / "out").exists()


def test_kernel_info_and_execute_over_the_wire_protocol(kernel):
    _, client = kernel
    reply = reply_to(client.get_shell_msg, client.kernel_info(), "kernel_info_reply")
    assert reply["content"]["implementation"] == "standin"
    reply, messages = execute(client, "1 + 2")
    assert reply["content"]["status"] == "ok"
    assert [m["msg_type"] for m in messages] == ["status", "execute_input", "execute_result"]
    assert result(messages) == "1 + 2"
    assert messages[-1]["content"]["execution_count"] == reply["content"]["execution_count"]


def test_unsigned_or_badly_signed_requests_are_dropped(kernel):
    manager, _ = kernel
    info = manager.get_connection_info()
    context = zmq.Context.instance()
    for key in (b"not the key", b""):
        intruder = Session(key=key, signature_scheme=info["signature_scheme"])
        socket = context.socket(zmq.DEALER)
        socket.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        intruder.send(socket, "execute_request", {"code": "exit 9", "silent": False, "store_history": True,
                                                  "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        assert socket.poll(1000) == 0, "the bridge answered a request it cannot trust"
        socket.close(linger=0)
    assert manager.is_alive()
    genuine = Session(key=info["key"], signature_scheme=info["signature_scheme"])
    socket = context.socket(zmq.DEALER)
    socket.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    genuine.send(socket, "kernel_info_request", {})
    assert socket.poll(TIMEOUT * 1000), "no reply to a signed request"
    _, frames = genuine.feed_identities(socket.recv_multipart())
    assert genuine.deserialize(frames)["msg_type"] == "kernel_info_reply"  # checks its signature
    socket.close(linger=0)


def test_heartbeat_is_answered_while_the_kernel_is_busy(kernel):
    manager, client = kernel
    info = manager.get_connection_info()
    msg_id = client.execute("busy 3")
    time.sleep(0.5)  # the module is now in its long computation
    heartbeat = zmq.Context.instance().socket(zmq.REQ)
    heartbeat.connect(f"tcp://{info['ip']}:{info['hb_port']}")
    started = time.monotonic()
    heartbeat.send(b"ping")
    assert heartbeat.poll(1000), "no heartbeat within 1 s while the kernel computes"
    assert heartbeat.recv() == b"ping"
    assert time.monotonic() - started < 1
    heartbeat.close(linger=0)
    assert client.get_shell_msg(timeout=TIMEOUT)["parent_header"]["msg_id"] == msg_id


def test_input_request_reaches_the_client_and_its_answer_the_kernel(kernel):
    _, client = kernel
    msg_id = client.execute("input Your name? ", allow_stdin=True)
    request = client.get_stdin_msg(timeout=TIMEOUT)  # (jupyter_kernel_test's schema wants a numeric password)
    assert (request["msg_type"], request["parent_header"]["msg_id"]) == ("input_request", msg_id)
    assert request["content"] == {"prompt": "Your name? ", "password": False}
    client.input("Ada")
    reply_to(client.get_shell_msg, msg_id, "execute_reply")
    assert result(iopub_until_idle(client, msg_id)) == "Ada"


def test_an_input_reply_to_no_request_does_not_answer_the_next_one(kernel):
    _, client = kernel
    client.input("stray")  # nothing asked for it
    msg_id = client.execute("input Really? ", allow_stdin=True)
    assert client.get_stdin_msg(timeout=TIMEOUT)["parent_header"]["msg_id"] == msg_id
    client.input("yes")
    reply_to(client.get_shell_msg, msg_id, "execute_reply")
    assert result(iopub_until_idle(client, msg_id)) == "yes"


def test_restart_by_message_starts_a_fresh_kernel(kernel):
    manager, client = kernel
    execute(client, "one")
    assert execute(client, "two")[0]["content"]["execution_count"] == 2
    process = manager.provisioner.process
    manager.restart_kernel(now=False)
    assert process.returncode == 0, "the old bridge must exit on shutdown_request(restart=True)"
    client.wait_for_ready(timeout=TIMEOUT)
    assert execute(client, "fresh")[0]["content"]["execution_count"] == 1


def test_binary_buffers_cross_both_ways(kernel):
    _, client = kernel
    payload = [bytes(range(256)), b"", "é\n".encode()]
    msg = client.session.msg("comm_msg", {"comm_id": "c1", "data": {"n": len(payload)}})
    client.session.send(client.shell_channel.socket, msg, buffers=payload)
    echoed = [m for m in iopub_until_idle(client, msg["header"]["msg_id"]) if m["msg_type"] == "comm_msg"]
    assert [bytes(b) for b in echoed[0]["buffers"]] == payload
    assert echoed[0]["content"]["data"] == {"n": 3}


def test_the_launch_environment_reaches_the_kernel_but_not_emscriptens_own_variables(kernel):
    _, client = kernel
    assert result(execute(client, "env STANDIN_GREETING")[1]) == "hello from the launcher"
    # HOME, PATH, PWD, ... describe the module's virtual file system: emscripten sets them.
    assert result(execute(client, "env HOME")[1]) == "(unset)"
    assert result(execute(client, "env PATH")[1]) == "(unset)"
    assert result(execute(client, "argv")[1]) == '["standin"]'


def test_replies_go_to_the_client_that_asked(kernel):
    manager, first = kernel
    info = manager.get_connection_info()
    second = manager.client(session=Session(key=info["key"], signature_scheme=info["signature_scheme"]))
    second.start_channels()
    try:
        ids = {first.kernel_info(): first, second.kernel_info(): second}
        for msg_id, client in ids.items():
            reply = client.get_shell_msg(timeout=TIMEOUT)
            assert reply["parent_header"]["msg_id"] == msg_id
        for client in ids.values():
            with pytest.raises(queue.Empty):  # nothing else arrived
                client.get_shell_msg(timeout=0.5)
    finally:
        second.stop_channels()


def test_interrupt_and_shutdown_by_message(kernel):
    manager, client = kernel
    request = client.session.msg("interrupt_request", {})
    client.control_channel.send(request)
    reply_to(client.get_control_msg, request["header"]["msg_id"], "interrupt_reply")
    assert manager.is_alive()
    assert execute(client, "still here")[0]["content"]["status"] == "ok"
    process = manager.provisioner.process
    started = time.monotonic()
    manager.shutdown_kernel(now=False)
    assert not manager.is_alive()
    assert time.monotonic() - started < 5, "the bridge must exit on shutdown_request, not be killed"
    assert process.returncode == 0


def test_sigint_does_not_end_the_kernel(kernel):
    manager, client = kernel
    os.killpg(manager.provisioner.pgid, signal.SIGINT)  # Ctrl-C in the terminal of `jupyter console`
    time.sleep(0.5)
    assert manager.is_alive()
    assert result(execute(client, "after Ctrl-C")[1]) == "after Ctrl-C"


def test_a_kernel_that_exits_ends_the_bridge_with_its_status(kernel):
    manager, client = kernel
    client.execute("exit 3")
    deadline = time.monotonic() + TIMEOUT
    while manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not manager.is_alive()
    assert manager.provisioner.process.returncode == 3


def test_without_node_the_bridge_says_so(bridge, installed, kernels, tmp_path):
    refused = subprocess.run([*bridge, "kernelspec", "--from", installed, "--to", tmp_path / "refused",
                              "--node", "/nonexistent/node"], capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and not (tmp_path / "refused").exists()
    missing = ("[kernel_bridge] /nonexistent/node not found: the bridge runs the wasm kernel in Node.js"
               " (install nodejs, or pass --node)")
    assert refused.stderr.strip() == missing
    # Node.js gone after the kernelspec was written: the kernel dies with the same line.
    spec = json.loads((kernels / "standin/kernel.json").read_text())
    spec["argv"][spec["argv"].index("--node") + 1] = "/nonexistent/node"
    (tmp_path / "kernels/standin").mkdir(parents=True)
    (tmp_path / "kernels/standin/kernel.json").write_text(json.dumps(spec))
    manager = manager_for(tmp_path / "kernels", tmp_path)
    with (tmp_path / "stderr.txt").open("w") as stderr:
        manager.start_kernel(stderr=stderr)
    manager.provisioner.process.wait(timeout=TIMEOUT)
    manager.cleanup_resources()
    assert (tmp_path / "stderr.txt").read_text().strip() == missing


def test_a_module_that_fails_to_start_is_a_dead_kernel_with_its_message(kernels, tmp_path):
    manager = manager_for(kernels, tmp_path)
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as output:
        manager.start_kernel(env={**os.environ, "STANDIN_START_ERROR": "no licence file found"}, stderr=output)
    client = manager.client()
    client.start_channels()
    try:
        with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
            client.wait_for_ready(timeout=TIMEOUT)
    finally:
        client.stop_channels()
        manager.cleanup_resources()
    assert "the wasm kernel failed to start: Error: no licence file found" in stderr.read_text()
    assert manager.provisioner.process.returncode == 1
