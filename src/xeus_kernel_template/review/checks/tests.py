"""XK7xx: the kernel's tests (a real jupyter_kernel_test suite run by ctest, a wasm test)."""

from __future__ import annotations

import re

from ..fixtures import CMakeProject, Command, TestFiles, WasmBuild
from ..parsing import first_lines, with_unreadable
from ._base import NO_WASM, TESTS, Example, XKCheck

#: What makes a jupyter_kernel_test suite test something beyond starting the kernel.
SAMPLES = {
    "code_hello_world",
    "code_stderr",
    "completion_samples",
    "complete_code_samples",
    "incomplete_code_samples",
    "invalid_code_samples",
    "code_page_something",
    "code_generate_error",
    "code_execute_result",
    "code_display_data",
    "code_history_pattern",
    "code_inspect_sample",
    "code_clear_output",
    "supported_history_operations",
}
_WASM_RUNNER = re.compile(r"(^|[\s/;&|(])(node|emrun(\.py)?|npx\s+playwright)\b", re.MULTILINE)
_WASM_TEST = re.compile(r"playwright|galata|createXeusModule|jupyter[ -]lite|\.wasm\b", re.IGNORECASE)


def _real(members: set[str]) -> bool:
    return "kernel_name" in members and bool(members & SAMPLES or any(m.startswith("test_") for m in members))


class XK701(XKCheck):
    """A real jupyter_kernel_test suite"""
    why = 'jupyter_kernel_test checks the kernel against the Jupyter protocol (kernel_info, execute, errors, completion, history...); a suite without samples only starts the kernel. Classes made with `type()` or by a factory over several kernelspecs count.'
    failing = Example('test/test_xdemo_kernel.py', 'class DemoTests(jupyter_kernel_test.KernelTests):\n    kernel_name = "xdemo"', 'python')
    passing = Example('test/test_xdemo_kernel.py', 'class DemoTests(jupyter_kernel_test.KernelTests):\n    kernel_name = "xdemo"\n    code_hello_world = \'print("hello, world")\'', 'python')

    family = TESTS
    anchor = "tests"

    def check(self, xk_tests: TestFiles) -> bool | str:
        """Add `test/test_<kernel>_kernel.py`: a `jupyter_kernel_test.KernelTests` subclass with
        `kernel_name` and samples (`code_hello_world`, `completion_samples`, ...).
        """
        if any(_real(members) for suite in xk_tests.kernel_suites for members in suite.classes.values()):
            return True
        if xk_tests.kernel_suites:
            return self.fail(first_lines(f"`{s.path}` sets no samples" for s in xk_tests.kernel_suites))
        found = "no `KernelTests` subclass in the test folders"
        return self.fail(with_unreadable(found, xk_tests.unreadable))


class XK702(XKCheck):
    """ctest runs the protocol tests"""
    why = 'Tests that ctest runs are run by `cmake --workflow --preset native`, locally and in CI alike.'
    failing = Example('CMakeLists.txt', '# pytest test/   (run by hand)', 'cmake')
    passing = Example('CMakeLists.txt', 'add_test(NAME xdemo_protocol COMMAND ${Python_EXECUTABLE} -m pytest ${PROJECT_SOURCE_DIR}/test)', 'cmake')

    family = TESTS
    anchor = "tests"
    requires = frozenset({"XK701"})

    def check(self, xk_cmake: CMakeProject) -> bool | str:
        """Register the protocol tests with ctest (`add_test(... -m pytest test)`, as
        `cmake/XeusKernel.cmake` does) so `cmake --workflow --preset native` runs them.
        """
        for call in xk_cmake.calls("add_test"):
            if any("pytest" in a or a.endswith(".py") for a in xk_cmake.expanded_args(call)):
                return True
        return self.fail("no `add_test()` runs pytest")


class XK703(XKCheck):
    """A test of the wasm build"""
    why = 'The wasm build is a different program (other flags, another server, a loader): only a test of it shows it works. A test binary built for wasm and run by node or emrun counts.'
    failing = Example('test/', 'test_xdemo_kernel.py   (native tests only)', '')
    passing = Example('test/wasm/xdemo.test.mjs', 'const Module = await createXeusModule({});\nconst kernel = new Module.xkernel([]);', 'js')

    family = TESTS
    anchor = "tests"

    def check(
        self, xk_tests: TestFiles, xk_cmake: CMakeProject, xk_commands: list[Command], xk_wasm: WasmBuild
    ) -> bool | str | None:
        """Add a test of the wasm kernel: run it in a headless browser (Playwright against a `jupyter lite
        build` site) or in node (the module itself, or a test binary built for wasm).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        if any(_WASM_TEST.search(text) for text in xk_tests.texts.values()):
            return True
        # A test target of the wasm build (ctest, or a custom target) that runs node or emrun.
        for call in xk_cmake.calls("add_test", "add_custom_target", "add_custom_command"):
            if call.branch == "native":
                continue
            args = " ".join(xk_cmake.expanded_args(call))
            if _WASM_RUNNER.search(args) and (call.branch == "wasm" or re.search(r"\.(js|mjs|html)\b", args)):
                return True
        for command in xk_commands:
            if _WASM_RUNNER.search(command.text) and re.search(r"\.(js|mjs|html|wasm)\b", command.text):
                return True
        return self.fail("no test mentions Playwright, JupyterLite or the wasm module, and no test target or "
                         "command runs a wasm build in node or a browser")


CHECKS = (XK701, XK702, XK703)
