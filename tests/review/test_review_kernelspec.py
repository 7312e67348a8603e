"""XK1xx kernelspec checks: pass, fail and malformed input on small trees."""

from __future__ import annotations

import pytest
from review_trees import NO_WASM, case, kernelspec, run_case

SPEC = "share/jupyter/kernels/xdemo/kernel.json.in"

CASES = [
    case("XK101", {}, "pass"),
    case("XK101", {"share": None}, "fail", "Add the kernelspec", id="none"),
    case(
        "XK101",
        {"share": None, "kernels/xdemo/kernel.json": kernelspec()},
        "fail",
        "only `kernels/xdemo/kernel.json`",
        id="elsewhere",
    ),
    case(
        "XK101",
        {SPEC: None, "share/jupyter/kernels/xdemo/kernel.json": kernelspec()},
        "pass",
        id="plain-json",
    ),
    case("XK102", {}, "pass"),
    case("XK102", {SPEC: "{ not json"}, "fail", "is not valid JSON (line 1", id="malformed"),
    case("XK102", {SPEC: b"\xff\xfe{}"}, "fail", "is not UTF-8", id="binary"),
    case("XK102", {SPEC: "[1, 2]"}, "fail", "is not a JSON object", id="array"),
    case("XK102", {SPEC: kernelspec(language=None)}, "fail", "lacks language", id="no-language"),
    case("XK102", {SPEC: kernelspec(argv=[])}, "fail", "argv is not a non-empty list", id="empty-argv"),
    case(
        "XK102",
        {
            SPEC: '{"display_name": "D", "language": "d", "argv": ["@PREFIX@/bin/xdemo", "-f", "{connection_file}"@EXTRA@],\n'
            ' "interrupt_mode": "message", "metadata": {"wasm_name": "@WASM_NAME@", "debugger": @DEBUGGER@}}'
        },
        "pass",
        id="placeholders",
    ),
    case(
        "XK102",
        {"share/jupyter/kernels/xdemo/wasm_kernel.json.in": "{"},
        "fail",
        "wasm_kernel.json.in` is not valid JSON",
        id="second-spec-broken",
    ),
    case("XK103", {}, "pass"),
    case(
        "XK103",
        {SPEC: kernelspec(argv=["xdemo"])},
        "fail",
        "has no `{connection_file}`",
        id="native-without-connection",
    ),
    case(
        "XK103",
        {
            "share/jupyter/kernels/xdemo/wasm_kernel.json.in": kernelspec(
                argv=["xdemo", "-f", "{connection_file}"]
            )
        },
        "fail",
        "(wasm) passes a connection file",
        id="wasm-with-connection",
    ),
    case(
        "XK103",
        {"share/jupyter/kernels/xdemo/wasm_kernel.json.in": kernelspec(argv=["xdemo"])},
        "pass",
        id="wasm-spec",
    ),
    case(
        "XK103",
        {SPEC: kernelspec(argv="xdemo -f {connection_file}")},
        "skip",
        "needs XK102 to pass",
        id="argv-string",
    ),
    case("XK103", {SPEC: "{"}, "skip", "needs XK102 to pass", id="malformed"),
    case("XK104", {}, "pass"),
    case("XK104", {SPEC: kernelspec(metadata={"debugger": False})}, "fail", "has no wasm_name", id="missing"),
    case(
        "XK104",
        {SPEC: kernelspec(metadata={"wasm_name": "other"})},
        "fail",
        "wasm_name `other` is neither",
        id="wrong",
    ),
    case(
        "XK104", {SPEC: kernelspec(metadata="nonsense")}, "fail", "has no wasm_name", id="metadata-not-object"
    ),
    case(
        "XK104",
        {SPEC: kernelspec(metadata={"wasm_name": "@KERNEL@"}).replace('"@KERNEL@"', '"@KERNEL@"')},
        "pass",
        id="placeholder",
    ),
    case(
        "XK104", {**NO_WASM, SPEC: kernelspec(metadata={})}, "skip", "no WebAssembly build", id="native-only"
    ),
    case(
        "XK104",
        {"share/jupyter/kernels/xdemo/wasm_kernel.json.in": kernelspec(argv=["xdemo"], metadata={})},
        "fail",
        "wasm_kernel.json.in` has no wasm_name",
        id="wasm-spec-checked",
    ),
    case("XK105", {}, "pass"),
    case("XK105", {SPEC: kernelspec(interrupt_mode="signal")}, "fail", ": signal", id="signal"),
    case("XK105", {SPEC: kernelspec(interrupt_mode=None)}, "fail", ": unset", id="unset"),
    case("XK106", {}, "pass"),
    case(
        "XK106", {"share/jupyter/kernels/xdemo/logo-svg.svg": None}, "fail", "lacks logo-svg.svg", id="no-svg"
    ),
    case("XK106", {"share": None}, "skip", "needs XK101 to pass", id="no-spec"),
]


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), CASES)
def test_kernelspec_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)
