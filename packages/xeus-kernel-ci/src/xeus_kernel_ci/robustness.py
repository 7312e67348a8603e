"""Robustness of a kernel, whatever its language: random and adversarial execute, complete,
inspect and is_complete requests (deep nesting, megabyte lines, invalid UTF-8, huge numbers,
out-of-range cursors). Bad code must get an error reply, never kill the kernel: every request
must get a well-formed reply (the message specification, as jupyter_kernel_test checks it),
the kernel must stay alive, and each cell must raise the execution count by one.

A kernel points the suite at its kernelspec, in a test file of its own::

    from xeus_kernel_ci.robustness import RobustnessSuite

    class TestRobustness(RobustnessSuite):
        kernel_name = "xlua"

The requests come from fixed seeds, listed in the test names: a failure names the seed and
the request, and `pytest FILE -k seed_3` replays its stream. More streams:
ROBUSTNESS_SEEDS=10,11,12 ROBUSTNESS_REQUESTS=2000 pytest FILE (ROBUSTNESS_TIMEOUT: seconds
for one reply, default 10). A request that kills the
kernel, or gets no reply within TIMEOUT seconds, is named at once on the terminal (request
type and code), even when pytest's output is captured or a runner stops it later. Known
failures: ``known_failures.toml`` next to the test file, table ``[robustness]``
(:mod:`xeus_kernel_ci.known_failures`). A kernel whose language can do harm with random code
(a shell) should not run this suite.
"""

from __future__ import annotations

import os
import queue
import random
import string
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel
from jupyter_kernel_test.msgspec_v5 import validate_message

from . import known_failures

SEEDS = [int(seed) for seed in os.environ.get("ROBUSTNESS_SEEDS", "1,2,3,4").split(",")]
REQUESTS_PER_SEED = int(os.environ.get("ROBUSTNESS_REQUESTS", "250"))
# seconds for one reply, megabyte cells included (they take well under one)
TIMEOUT = float(os.environ.get("ROBUSTNESS_TIMEOUT", "10"))
# A broken kernel fails fast: a test stops at its third failure, and once ten requests have
# failed, the tests left fail without sending any.
MAX_FAILURES = 3
MAX_TOTAL_FAILURES = 10
MEGABYTE = 1 << 20

# Characters random code is made of: ASCII, multi-byte UTF-8, a combining mark, zero-width and
# bidirectional characters, the byte order mark, NUL and DEL.
CHARACTERS = string.printable + "éß€中😀\u0301\u200b\u202e\u2066\ufeff\x00\x7f"
# Pieces of code that most languages give a meaning to.
TOKENS = [
    "(", ")", "[", "]", "{", "}", '"', "'", "`", "\\", "+", "-", "*", "/", "%", "^", "=", "==",
    "<", ">", "!", "&", "|", ",", ";", ":", ".", "#", "//", "/*", "*/", "--", "\n", "\r\n", "\t",
    " ", "0", "1", "42", "-7", "3.5", ".5", "1e308", "1e-320", "0x1F", "9" * 40, "x", "y", "_",
    "print", "if", "else", "for", "while", "def", "function", "return", "end", "nil", "true",
    "null", '"text"', "'c'", "é", "😀", "sqrt", "len", "help",
]
# Code shaped like cells, for mutation.
SAMPLES = [
    "1 + 2", "x = 3", 'print("a")', "f(1, 2)", "[1, 2, 3]", '{"a": 1}', "-x ^ 2", "a.b(c)",
    "if x then y end", "(1 +\n 2)", '"a" + "b"', "# comment", "x = (1, (2, (3)))",
]
# (name, code): what breaks interpreters written in a hurry.
ADVERSARIAL = [
    ("empty", ""),
    ("whitespace", " \t\n" * 1000),
    ("deep parentheses", "(" * 100_000 + "1" + ")" * 100_000),
    ("unclosed parentheses", "(" * 100_000),
    ("unopened parentheses", ")" * 100_000),
    ("deep brackets", "[" * 50_000 + "]" * 50_000),
    ("deep braces", "{" * 50_000 + "}" * 50_000),
    ("deep calls", "f(" * 50_000 + ")" * 50_000),
    ("deep unary minus", "-" * 100_000 + "1"),
    ("power tower", "^".join(["2"] * 50_000)),
    ("long sum", "+".join(["1"] * 300_000)),
    ("megabyte name", "x" * MEGABYTE),
    ("megabyte string", '"' + "a" * MEGABYTE + '"'),
    ("megabyte unterminated string", '"' + "a" * MEGABYTE),
    ("megabyte number", "9" * MEGABYTE),
    ("megabyte comment", "#" + "c" * MEGABYTE),
    ("megabyte of multi-byte characters", "é😀" * (MEGABYTE // 6)),
    ("many lines", "\n" * 200_000 + "1"),
    ("many statements", "1;" * 300_000),
    ("huge exponent", "1e999999999"),
    ("huge numbers", "9" * 400 + " * " + "9" * 400 + " ^ 9999"),
    ("tiny numbers", "1e-999999999 / 1e-999999999"),
    ("NUL bytes", "\x00" * 1000),
    # Lone surrogates U+DC80-U+DCFF are sent as the raw bytes 0x80-0xFF (surrogateescape):
    # invalid UTF-8 on the wire.
    ("invalid UTF-8", "\udcff\udcfe1 + \udc80" * 1000),
    ("invalid UTF-8 in a string", '"\udcc3(\udce2\udc82"'),
    ("bidirectional controls", "\u202e1 + 2\u202c\u2066x\u2069"),
    ("CR line ends", "1\r2\r3"),
]
# Cursor positions outside the code, for complete and inspect.
def far_cursors(code):
    return [-1, -(2**31), len(code) + 1, len(code) + 10**6, 2**31 - 1]


def excerpt(code: str, limit: int = 80) -> str:
    """The code as a request's label shows it: quoted, cut at limit characters."""
    return repr(code[:limit]) + (f" ... ({len(code)} characters)" if len(code) > limit else "")


class Kernel:
    """One kernel for the suite; a request that kills it (or hangs) is recorded, named at
    once on the terminal (say), and the kernel restarted so that the other requests still run."""

    def __init__(self, kernel_name: str, say=print):
        self.kernel_name, self.say = kernel_name, say
        self.deaths, self.hangs, self.malformed = [], [], []
        self.sent = Counter()
        self.in_flight = "starting the kernel"
        self._start()

    def _start(self):
        self.manager, self.client = start_new_kernel(kernel_name=self.kernel_name)
        self.execution_count = None  # unknown until the first cell

    def _restart(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
        self._start()

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def _receive(self, get, msg_ids, label, what):
        """The next message on a channel whose parent is one of msg_ids, or None when the
        kernel died or hung (recorded, kernel restarted)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                msg = get(timeout=0.05)
            except queue.Empty:
                if not self.manager.is_alive():
                    self._lost(self.deaths, f"{label}: the kernel died (waiting for {what}) on {self.in_flight}")
                    return None
                if time.monotonic() > deadline:
                    self._lost(self.hangs, f"{label}: {what} did not come within {TIMEOUT} s: hung on {self.in_flight}")
                    return None
                continue
            if msg["parent_header"].get("msg_id") in msg_ids:
                return msg

    def _lost(self, record, message):
        record.append(message)
        self.say(f"[robustness of {self.kernel_name}] {message}")
        self._restart()

    def _check(self, condition, label, message):
        if not condition:
            self.malformed.append(f"{label}, {self.in_flight}: {message}")
        return condition

    def request(self, kind, label, code, **options):
        """Sends one request, checks its reply and its iopub messages."""
        self.sent[kind] += 1
        self.in_flight = f"{kind}_request, code {excerpt(code)}"
        client = self.client
        if kind == "execute":
            msg_id = client.execute(code, allow_stdin=False, stop_on_error=False, **options)
        elif kind == "complete":
            msg_id = client.complete(code, **options)
        elif kind == "inspect":
            msg_id = client.inspect(code, **options)
        else:
            msg_id = client.is_complete(code)
        if is_unicode(code):
            reply = self._receive(client.get_shell_msg, {msg_id}, label, f"the {kind}_reply")
            if reply is not None:
                self._check_reply(kind, label, msg_id, reply, options)
            return
        # Not Unicode: the message is not valid JSON text. xeus-zmq drops a message it cannot
        # read (no reply is possible) and the kernel must stay alive. A kernel_info request
        # after it tells when the kernel is past it: replies come in the order of the requests.
        probe = client.kernel_info()
        while True:
            reply = self._receive(client.get_shell_msg, {msg_id, probe}, label, "the kernel_info_reply")
            if reply is None or reply["parent_header"]["msg_id"] == probe:
                return
            self._check_reply(kind, label, msg_id, reply, options)

    def _check_reply(self, kind, label, msg_id, reply, options):
        try:
            validate_message(reply, f"{kind}_reply", msg_id)
        except Exception as error:  # noqa: BLE001 (jsonschema's ValidationError, an AssertionError)
            self._check(False, label, f"malformed {kind}_reply ({error}): {reply['content']}")
        content = reply["content"]
        if kind == "execute":
            self._check_execution_count(label, content, options.get("silent", False))
        elif kind == "complete" and content.get("status") == "ok":
            self._check(
                content["cursor_start"] <= content["cursor_end"],
                label, f"cursor_start after cursor_end: {content}",
            )
        self._drain_iopub(msg_id, label)

    def _check_execution_count(self, label, content, silent):
        count = content.get("execution_count")
        if not self._check(isinstance(count, int), label, f"execute_reply without execution_count: {content}"):
            return
        if self.execution_count is not None:
            expected = self.execution_count if silent else self.execution_count + 1
            self._check(count == expected, label, f"execution_count {count}, expected {expected}")
        self.execution_count = count

    def _drain_iopub(self, msg_id, label):
        """The request's iopub messages, each well-formed, up to its idle status."""
        while True:
            msg = self._receive(self.client.get_iopub_msg, {msg_id}, label, "the idle status")
            if msg is None:
                return
            try:
                validate_message(msg)
            except Exception as error:  # noqa: BLE001 (as above)
                self._check(False, label, f"malformed {msg['msg_type']} ({error})")
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return

    def alive(self, label):
        """A kernel_info round trip: the kernel still answers."""
        self.in_flight = "kernel_info_request"
        msg_id = self.client.kernel_info()
        return self._receive(self.client.get_shell_msg, {msg_id}, label, "the kernel_info_reply") is not None

    def failures(self):
        return self.deaths + self.hangs + self.malformed

    def summary(self):
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.sent.items()))
        return (
            f"{sum(self.sent.values())} requests ({kinds}), {len(self.deaths)} deaths, "
            f"{len(self.hangs)} hangs, {len(self.malformed)} malformed replies"
        )


def is_unicode(code):
    try:
        code.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, sent as raw bytes (invalid UTF-8)
        return False
    return True


def random_code(rng):
    shape = rng.uniform(0, 1)
    if shape < 0.3:
        return "".join(rng.choice(CHARACTERS) for _ in range(rng.randrange(80)))
    if shape < 0.7:
        return "".join(rng.choice(TOKENS) for _ in range(rng.randrange(1, 40)))
    code = list(rng.choice(SAMPLES))
    for _ in range(rng.randrange(1, 6)):  # mutations: insert, delete or replace a character
        at = rng.randrange(len(code) + 1)
        action = rng.randrange(3)
        if action == 0 or not code:
            code.insert(at, rng.choice(CHARACTERS + "\udc80\udcff"))
        elif action == 1:
            del code[min(at, len(code) - 1)]
        else:
            code[min(at, len(code) - 1)] = rng.choice(TOKENS)
    return "".join(code)


def random_cursor(rng, code):
    return rng.randrange(len(code) + 1) if rng.uniform(0, 1) < 0.8 else rng.choice(far_cursors(code))


def _terminal(config: pytest.Config):
    """say(text): a line on the terminal now, past pytest's capture, so that a runner that
    stops the tests later (ctest's timeout) still shows which request hung."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def say(text: str) -> None:
        if capture is None:
            print(text, file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            print(text, file=sys.stderr, flush=True)

    return say


def _check(kernel, before):
    failures = kernel.failures()[before:]
    assert not failures, f"{len(failures)} failures, first ones:\n" + "\n".join(failures[:20])


class RobustnessSuite:
    """Subclass it in a test file, with kernel_name: the kernelspec the suite starts (found
    on JUPYTER_PATH, as jupyter_client finds kernels)."""

    kernel_name: str = ""
    #: where the known failures are; default: known_failures.toml next to the test file
    known_failures: Path | None = None

    @pytest.fixture(scope="class")
    def kernel(self, request):
        if not self.kernel_name:
            raise pytest.UsageError(f"{type(self).__name__}: set kernel_name, the kernelspec to test")
        started = Kernel(self.kernel_name, say=_terminal(request.config))
        yield started
        print(f"\nrobustness of {self.kernel_name}: seeds {SEEDS}: {started.summary()}")
        started.close()

    @pytest.fixture(autouse=True)
    def _known_failure(self, request):
        path = self.known_failures or request.path.parent / known_failures.FILE_NAME
        ids = {f"seed_{seed}" for seed in SEEDS} | {name for name, _ in ADVERSARIAL}
        known_failures.apply(request, "robustness", path, ids, pattern=r"seed_\d+")  # any seed: ROBUSTNESS_SEEDS

    @pytest.fixture
    def before(self, kernel):
        """The failures so far; none sent once there are too many."""
        failed = len(kernel.failures())
        if failed >= MAX_TOTAL_FAILURES:
            pytest.fail(f"not run: {failed} requests failed already, first ones:\n" + "\n".join(kernel.failures()[:10]))
        return failed

    @pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed_{seed}")
    def test_random_requests(self, kernel, before, seed):
        rng = random.Random(seed)
        for index in range(REQUESTS_PER_SEED):
            if len(kernel.failures()) - before >= MAX_FAILURES:
                break
            code = random_code(rng)
            label = f"seed {seed}, request {index}"
            kind = rng.choices(["execute", "complete", "inspect", "is_complete"], [5, 2, 2, 1])[0]
            if kind == "execute":
                kernel.request(kind, label, code, silent=rng.uniform(0, 1) < 0.1)
            elif kind == "complete":
                kernel.request(kind, label, code, cursor_pos=random_cursor(rng, code))
            elif kind == "inspect":
                kernel.request(kind, label, code, cursor_pos=random_cursor(rng, code), detail_level=rng.randrange(2))
            else:
                kernel.request(kind, label, code)
        assert kernel.alive(f"seed {seed}, after the last request")
        _check(kernel, before)

    @pytest.mark.parametrize(("name", "code"), ADVERSARIAL, ids=[name for name, _ in ADVERSARIAL])
    def test_adversarial_code(self, kernel, before, name, code):
        label = f"{name} ({len(code)} characters)"
        kernel.request("execute", label, code)
        kernel.request("is_complete", label, code)
        kernel.request("complete", label, code, cursor_pos=len(code) // 2)
        kernel.request("inspect", label, code, cursor_pos=len(code))
        for cursor in far_cursors(code):
            if len(kernel.failures()) - before >= MAX_FAILURES:
                break
            kernel.request("complete", f"{label}, cursor {cursor}", code, cursor_pos=cursor)
            kernel.request("inspect", f"{label}, cursor {cursor}", code, cursor_pos=cursor)
        assert kernel.alive(f"{label}, after its requests")
        _check(kernel, before)
