"""Small synthetic kernel repositories for the reviewer's tests, written into tmp_path.

``conforming()`` is a minimal kernel that follows every convention (it is written here,
not copied from the template or any real kernel); ``variant()`` applies changes to it;
``lua_like()``, ``sqlite_like()`` reproduce the ways real kernels differ.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

from xeus_kernel_template.review.config import Settings
from xeus_kernel_template.review.report import CheckResult, review

Tree = dict[str, str | bytes | None]

SHA = "0123456789abcdef0123456789abcdef01234567"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def kernelspec(kernel: str = "xdemo", **changes: object) -> str:
    spec: dict[str, object] = {
        "display_name": "Demo",
        "language": "demo",
        "argv": [f"@CMAKE_INSTALL_PREFIX@/bin/{kernel}", "-f", "{connection_file}"],
        "interrupt_mode": "message",
        "metadata": {"wasm_name": kernel, "debugger": False},
    }
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return json.dumps(spec, indent=2) + "\n"


PRESETS = {
    "version": 6,
    "configurePresets": [
        {"name": "native", "binaryDir": "${sourceDir}/build/native"},
        {"name": "native-debug", "inherits": "native"},
        {"name": "wasm", "binaryDir": "${sourceDir}/build/wasm"},
    ],
    "buildPresets": [{"name": n, "configurePreset": n} for n in ("native", "native-debug", "wasm")],
    "testPresets": [{"name": n, "configurePreset": n} for n in ("native", "native-debug")],
    "workflowPresets": [
        {
            "name": "native",
            "steps": [
                {"type": "configure", "name": "native"},
                {"type": "build", "name": "native"},
                {"type": "test", "name": "native"},
            ],
        },
        {
            "name": "native-debug",
            "steps": [
                {"type": "configure", "name": "native-debug"},
                {"type": "build", "name": "native-debug"},
                {"type": "test", "name": "native-debug"},
            ],
        },
        {"name": "wasm", "steps": [{"type": "configure", "name": "wasm"}, {"type": "build", "name": "wasm"}]},
    ],
}

KERNEL_MODULE = _d(
    """
    # A made-up kernel module with the shape of the conventions.
    #[[ Bracket comment: find_package(xeus 5 REQUIRED) is not code here.
        Neither is -sASYNCIFY=1 ]]
    set(DEMO_XEUS_MAJOR 6)
    set(DEMO_ZMQ_MAJOR "4")
    set(DEMO_LITE_MAJOR 5)

    function(xeus_kernel_add kernel)
        cmake_parse_arguments(PARSE_ARGV 1 arg "" "LIBRARY;RUNTIME_FILES" "SOURCES")
        add_library(${arg_LIBRARY} STATIC ${arg_SOURCES})
        target_include_directories(${arg_LIBRARY} PUBLIC "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>")
        if(EMSCRIPTEN)
            find_package(xeus-lite ${DEMO_LITE_MAJOR} REQUIRED)
            include(WasmBuildOptions)  # brings MAIN_MODULE: not repeated here
            add_executable(${kernel} "${PROJECT_SOURCE_DIR}/src/main_emscripten_kernel.cpp")
            target_link_libraries(${kernel} PRIVATE ${arg_LIBRARY} xeus-lite)
            xeus_wasm_compile_options(${kernel})
            xeus_wasm_link_options(${kernel} "web,worker")
            foreach(file IN ITEMS "${PROJECT_SOURCE_DIR}/wasm/pre.js")
                target_link_options(${kernel} PRIVATE "SHELL:--pre-js \\"${file}\\"")
            endforeach()
            if(arg_RUNTIME_FILES)
                target_link_options(${kernel} PRIVATE "SHELL:--preload-file ${arg_RUNTIME_FILES}@/share/${kernel}")
            endif()
        else()
            find_package(xeus ${DEMO_XEUS_MAJOR} REQUIRED)
            find_package(xeus-zmq ${DEMO_ZMQ_MAJOR} REQUIRED)
            add_executable(${kernel} "${PROJECT_SOURCE_DIR}/src/main.cpp")
            target_link_libraries(${kernel} PRIVATE ${arg_LIBRARY} xeus-zmq)
            add_test(NAME ${kernel}_protocol COMMAND python -m pytest "${PROJECT_SOURCE_DIR}/test")
        endif()
        set(spec_dir "${CMAKE_BINARY_DIR}/share/jupyter/kernels/${kernel}")
        configure_file("${PROJECT_SOURCE_DIR}/share/jupyter/kernels/${kernel}/kernel.json.in"
                       "${spec_dir}/kernel.json" @ONLY)
    endfunction()
    """
)

CMAKELISTS = _d(
    """
    cmake_minimum_required(VERSION 3.25)
    project(xeus-demo VERSION 0.1.0 LANGUAGES CXX)  # a "quoted ( paren" in a comment
    list(PREPEND CMAKE_MODULE_PATH "${PROJECT_SOURCE_DIR}/cmake")
    include(XeusKernel)
    xeus_kernel_add(xdemo
        LIBRARY xeus-demo
        SOURCES src/xinterpreter.cpp)
    """
)

PRE_JS = _d(
    """
    // The hook: Module.initialize_xkernel = undefined  <- a comment, not the definition
    Module["initialize_xkernel"] = (function () {
      let started = null;
      return function () {
        if (started === null) {
          started = Promise.resolve().then(() => typeof xkernel_initialize === "function" && xkernel_initialize(Module));
        }
        return started;
      };
    })();
    Module["preRun"] = [].concat(Module["preRun"] || []);
    Module["preRun"].push(function () {
      addRunDependency("initialize_xkernel");
      Module["initialize_xkernel"]().then(() => removeRunDependency("initialize_xkernel"), (e) => abort(String(e)));
    });
    """
)

EMSCRIPTEN_MAIN = _d(
    """
    #include <emscripten/bind.h>
    #include "xeus/xembind.hpp"
    #include "xeus-demo/xinterpreter.hpp"

    // export_kernel<old>("oldname") in a comment does not count
    EMSCRIPTEN_BINDINGS(my_module)
    {
        xeus::export_core();
        xeus::export_kernel<xeus_demo::interpreter>("xkernel");
    }
    """
)

ENV_DEV = _d(
    """
    name: xeus-demo
    channels:
      - conda-forge
    dependencies:
      - cmake >=3.25
      - xeus >=6,<7
      - xeus-zmq>=4,<5
      - jupyter_kernel_test >=0.7
    """
)

ENV_WASM_BUILD = _d(
    """
    name: xeus-demo-wasm-build
    channels:
      - conda-forge
    dependencies:
      - emscripten_emscripten-wasm32 ==4.0.9
      - jupyterlite-core >=0.8,<0.9
      - jupyterlite-xeus >=5.1,<6
      - pip
      - pip:
          - playwright
    """
)

ENV_WASM_HOST = _d(
    """
    name: xeus-demo-wasm-host
    channels:
      - https://repo.prefix.dev/emscripten-forge-4x
      - conda-forge
    dependencies:
      - xeus >=6,<7
      - xeus-lite >=5,<6
    """
)

WORKFLOW = _d(
    f"""
    name: CI
    on: [push, pull_request]
    permissions:
      contents: read
    jobs:
      native:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@{SHA}  # v5
          - uses: mamba-org/setup-micromamba@{SHA}
            with:
              environment-file: environment-dev.yml
          - run: cmake --workflow --preset native
      wasm:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@{SHA}
          - uses: ./.github/actions/local-helper
          - run: |
              micromamba create -f environment-wasm-host.yml --platform=emscripten-wasm32 -p $PWD/wasm-host
              WASM_HOST_PREFIX=$PWD/wasm-host cmake --workflow --preset wasm
          - run: jupyter lite build --XeusAddon.prefix=$PWD/wasm-host
          - run: python -m pytest test/test_wasm.py  # drives the site with Playwright
    """
)

KERNEL_TESTS = _d(
    """
    import unittest

    import jupyter_kernel_test


    class DemoKernelTests(jupyter_kernel_test.KernelTests):
        kernel_name = "xdemo"
        language_name = "demo"
        code_hello_world = 'print("hello, world")'
        completion_samples = [{"text": "pri", "matches": {"print"}}]


    if __name__ == "__main__":
        unittest.main()
    """
)

WASM_TEST = _d(
    """
    from playwright.sync_api import sync_playwright


    def test_kernel_starts_in_jupyterlite():
        with sync_playwright() as p:
            p.chromium.launch()
    """
)

ANSWERS = _d(
    """
    # Changes here will be overwritten by Copier; NEVER EDIT MANUALLY
    _commit: v1.2.0
    _src_path: gh:xeus-kernel-template/xeus-kernel-template
    kernel_name: xdemo
    with_wasm: true
    """
)


def conforming() -> Tree:
    """A kernel repository that follows every convention the reviewer checks."""
    return {
        "CMakeLists.txt": CMAKELISTS,
        "cmake/XeusKernel.cmake": KERNEL_MODULE,
        "CMakePresets.json": json.dumps(PRESETS, indent=2),
        "share/jupyter/kernels/xdemo/kernel.json.in": kernelspec(),
        "share/jupyter/kernels/xdemo/logo-svg.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
        "share/jupyter/kernels/xdemo/logo-32x32.png": PNG,
        "share/jupyter/kernels/xdemo/logo-64x64.png": PNG,
        "src/main.cpp": "int main() { return 0; }\n",
        "src/main_emscripten_kernel.cpp": EMSCRIPTEN_MAIN,
        "src/xinterpreter.cpp": "// the interpreter\n",
        "wasm/pre.js": PRE_JS,
        "wasm/initialize_xkernel.js": "async function xkernel_initialize(Module) {}\n",
        "environment-dev.yml": ENV_DEV,
        "environment-wasm-build.yml": ENV_WASM_BUILD,
        "environment-wasm-host.yml": ENV_WASM_HOST,
        ".github/workflows/ci.yml": WORKFLOW,
        "test/test_xdemo_kernel.py": KERNEL_TESTS,
        "test/test_wasm.py": WASM_TEST,
        ".copier-answers.yml": ANSWERS,
        # a build tree holding things that would fail checks: never looked at
        "build/native/CMakeFiles/stale.cmake": 'set(CMAKE_EXE_LINKER_FLAGS "-sASYNCIFY=1")\n',
        "build/native/share/jupyter/kernels/xdemo/kernel.json": "{ not json",
    }


def variant(changes: Mapping[str, str | bytes | None], base: Tree | None = None) -> Tree:
    """The conforming tree (or base) with files replaced, added, or removed (None)."""
    tree = dict(conforming() if base is None else base)
    for path, content in changes.items():
        if content is None:
            for existing in [p for p in tree if p == path or p.startswith(path.rstrip("/") + "/")]:
                del tree[existing]
        else:
            tree[path] = content
    return tree


def lua_like() -> Tree:
    """Like xeus-lua: MAIN_MODULE by hand, no CMake presets, no wasm_name."""
    return variant(
        {
            "CMakeLists.txt": CMAKELISTS
            + 'if(EMSCRIPTEN)\n    target_link_options(xdemo PUBLIC "SHELL: -s MAIN_MODULE=1")\nendif()\n',
            "CMakePresets.json": None,
            "share/jupyter/kernels/xdemo/kernel.json.in": kernelspec(metadata={"debugger": False}),
        }
    )


def sqlite_like() -> Tree:
    """Like xeus-sqlite: ASYNCIFY leftovers and a post.js re-exporting runtime symbols."""
    return variant(
        {
            "CMakeLists.txt": CMAKELISTS
            + _d(
                """
                if(EMSCRIPTEN)
                    target_link_options(xdemo PUBLIC
                        "SHELL: -s ASYNCIFY=1"  # leftover
                        "SHELL: --post-js ${CMAKE_CURRENT_SOURCE_DIR}/src/post.js")
                endif()
                """
            ),
            "src/post.js": "Module['FS'] = FS;\nModule.PATH = PATH\nModule['ERRNO_CODES'] = ERRNO_CODES;\n",
        }
    )


def write(root: Path, tree: Tree) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for path, content in tree.items():
        if content is None:
            continue
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def results(root: Path, select: list[str] | None = None) -> dict[str, CheckResult]:
    return review(root, Settings(select=select or [])).results


def result(root: Path, check_id: str) -> CheckResult:
    return results(root)[check_id]


def status(r: CheckResult) -> str:
    return {True: "pass", False: "fail", None: "skip"}[r.result]


#: Changes that turn the conforming kernel into a native-only one.
NO_WASM: Tree = {
    "src/main_emscripten_kernel.cpp": None,
    "environment-wasm-build.yml": None,
    "environment-wasm-host.yml": None,
    "wasm": None,
}


def case(
    check_id: str,
    changes: Mapping[str, str | bytes | None],
    expected: str,
    fragment: str = "",
    *,
    id: str = "",
):
    """One row of a check table: apply changes, expect status and a message fragment."""
    import pytest

    return pytest.param(
        check_id,
        dict(changes),
        expected,
        fragment,
        id=f"{check_id}-{expected}-{id}" if id else f"{check_id}-{expected}",
    )


def run_case(
    tmp_path: Path, check_id: str, changes: Mapping[str, str | bytes | None], expected: str, fragment: str
) -> CheckResult:
    root = write(tmp_path / "kernel", variant(changes))
    r = result(root, check_id)
    assert status(r) == expected, (r.message, r.skip_reason)
    text = r.message if expected == "fail" else r.skip_reason
    assert fragment in text, text
    if expected == "fail":
        assert "\n" not in r.message.strip(), "failure messages are one line"
    return r
