"""XK2xx CMake checks: pass, fail and malformed input on small trees."""

from __future__ import annotations

import json

import pytest
from review_trees import CMAKELISTS, KERNEL_MODULE, NO_WASM, PRESETS, case, run_case

MODULE = "cmake/XeusKernel.cmake"


def module(old: str, new: str) -> dict[str, str]:
    assert old in KERNEL_MODULE
    return {MODULE: KERNEL_MODULE.replace(old, new)}


def extra(code: str) -> dict[str, str]:
    return {"CMakeLists.txt": CMAKELISTS + code}


def presets(**changes) -> dict[str, str]:
    data = json.loads(json.dumps(PRESETS))
    data.update(changes)
    return {"CMakePresets.json": json.dumps(data)}


CASES = [
    case("XK201", {}, "pass"),
    case("XK201", {"CMakeLists.txt": None}, "fail", "Add a top-level `CMakeLists.txt`", id="missing"),
    case(
        "XK201",
        {"CMakeLists.txt": b"project(x)\n\xff\xfe"},
        "fail",
        "`CMakeLists.txt` is not UTF-8",
        id="binary",
    ),
    case(
        "XK201",
        {"CMakeLists.txt": "project(demo\nset(A 1"},
        "fail",
        "CMakeLists.txt:1: `project(` is never closed",
        id="unterminated",
    ),
    case(
        "XK203",
        {"cmake/extra.cmake": "if(x\n", "cmake/more.cmake": b"\xff\xfe"},
        "pass",
        id="other-files-broken",
    ),
    case("XK202", {}, "pass"),
    case("XK202", {MODULE: None}, "fail", "no `cmake/XeusKernel.cmake`", id="no-module"),
    case(
        "XK202",
        {"CMakeLists.txt": "project(x)\ninclude(XeusKernel)\n# xeus_kernel_add(xdemo)\n"},
        "fail",
        "no `xeus_kernel_add()` call",
        id="no-call",
    ),
    case("XK202", {"CMakeLists.txt": None}, "skip", "needs XK201 to pass", id="no-cmake"),
    case("XK203", {}, "pass"),
    case(
        "XK203",
        module("set(DEMO_XEUS_MAJOR 6)", "set(DEMO_XEUS_MAJOR 5.0.0)"),
        "fail",
        "`find_package(xeus ${DEMO_XEUS_MAJOR})` = 5.0.0 at cmake/XeusKernel.cmake",
        id="five-via-variable",
    ),
    case(
        "XK203",
        module("find_package(xeus ${DEMO_XEUS_MAJOR} REQUIRED)", "find_package(xeus 6...<7 REQUIRED)"),
        "pass",
        id="range",
    ),
    case(
        "XK203",
        module(
            "find_package(xeus ${DEMO_XEUS_MAJOR} REQUIRED)", "find_package(xeus ${FROM_THE_CACHE} REQUIRED)"
        ),
        "fail",
        "version `${FROM_THE_CACHE}` at",
        id="unresolvable",
    ),
    case(
        "XK203",
        module("find_package(xeus ${DEMO_XEUS_MAJOR} REQUIRED)", "find_package(xeus ${DEMO_XEUS_MAJOR})"),
        "fail",
        "without REQUIRED",
        id="not-required",
    ),
    case(
        "XK203",
        module("find_package(xeus ${DEMO_XEUS_MAJOR} REQUIRED)", "find_package(xeus REQUIRED)"),
        "fail",
        "without a version",
        id="no-version",
    ),
    case(
        "XK203",
        module("find_package(xeus ${DEMO_XEUS_MAJOR} REQUIRED)", "# find_package(xeus 6 REQUIRED)"),
        "fail",
        "no `find_package(xeus ...)`",
        id="commented-out",
    ),
    case(
        "XK203",
        {"test/CMakeLists.txt": "find_package(xeus)\nfind_package(xeus-zmq)\n"},
        "pass",
        id="test-project-ignored",
    ),
    case("XK204", {}, "pass"),
    case(
        "XK204", module('set(DEMO_ZMQ_MAJOR "4")', "set(DEMO_ZMQ_MAJOR 3.0.0)"), "fail", "= 3.0.0", id="three"
    ),
    case(
        "XK204",
        {
            MODULE: KERNEL_MODULE.replace("find_package(xeus-zmq ${DEMO_ZMQ_MAJOR} REQUIRED)", "").replace(
                " xeus-zmq)", ")"
            )
        },
        "skip",
        "no native build",
        id="wasm-only",
    ),
    case("XK205", {}, "pass"),
    case(
        "XK205",
        module("find_package(xeus-lite ${DEMO_LITE_MAJOR} REQUIRED)", "find_package(xeus-lite REQUIRED)"),
        "fail",
        "`find_package(xeus-lite)` without a version",
        id="no-version",
    ),
    case("XK205", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
    case("XK206", {}, "pass"),
    case(
        "XK206",
        module("xeus_wasm_compile_options(${kernel})", ""),
        "fail",
        "no `xeus_wasm_compile_options()`",
        id="no-compile-options",
    ),
    case(
        "XK206",
        module('xeus_wasm_link_options(${kernel} "web,worker")', "xeus_wasm_link_options(${kernel} web)"),
        "fail",
        '"web,worker"',
        id="web-only",
    ),
    case("XK206", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
    case("XK207", {}, "pass"),
    case("XK207", extra('message(STATUS "MAIN_MODULE comes from xeus")\n'), "pass", id="message-ignored"),
    case(
        "XK207",
        extra('target_link_options(xdemo PRIVATE "SHELL: -s MAIN_MODULE=1")\n'),
        "fail",
        "`MAIN_MODULE` at CMakeLists.txt:8",
        id="main-module",
    ),
    case(
        "XK207",
        extra('set(LINK_FLAGS "-lembind")\ntarget_link_options(xdemo PRIVATE ${LINK_FLAGS})\n'),
        "fail",
        "`-lembind` at CMakeLists.txt",
        id="embind",
    ),
    case("XK207", extra("target_link_options(xdemo PRIVATE --bind)\n"), "fail", "`--bind`", id="bind"),
    case("XK207", extra('target_link_options(xdemo PRIVATE "SHELL:-sMAIN_MODULE=2")\n'), "pass", id="main-module-2-narrows"),
    case(
        "XK207",
        {**NO_WASM, **extra("target_link_options(xdemo PRIVATE -sMAIN_MODULE=1)\n")},
        "skip",
        "no WebAssembly build",
        id="native-only",
    ),
    case("XK208", {}, "pass"),
    case(
        "XK208",
        extra('target_link_options(xdemo PRIVATE "SHELL:-s ASYNCIFY=1" -sASYNCIFY_IMPORTS=[x])\n'),
        "fail",
        "ASYNCIFY at CMakeLists.txt:8",
        id="asyncify",
    ),
    case("XK208", extra("#[[ -sASYNCIFY=1 ]]\n# -sASYNCIFY\n"), "pass", id="comments-only"),
    case("XK209", {}, "pass"),
    case(
        "XK209",
        extra(
            'configure_file(share/jupyter/kernels/xdemo/kernel.json.in "${CMAKE_CURRENT_SOURCE_DIR}/share/jupyter/kernels/xdemo/kernel.json")\n'
        ),
        "fail",
        "written into the source tree: `${CMAKE_CURRENT_SOURCE_DIR}/share/jupyter/kernels/xdemo/kernel.json` at CMakeLists.txt:8",
        id="source-tree",
    ),
    case(
        "XK209",
        extra(
            'set(SPEC_DIR ${PROJECT_SOURCE_DIR}/share/jupyter/kernels/xdemo)\nfile(WRITE ${SPEC_DIR}/kernel.json "{}")\n'
        ),
        "fail",
        "`${SPEC_DIR}/kernel.json` at CMakeLists.txt:9",
        id="source-tree-via-variable",
    ),
    case(
        "XK209",
        extra(
            'file(COPY_FILE "${CMAKE_BINARY_DIR}/k.json" "${PROJECT_SOURCE_DIR}/share/jupyter/kernels/xdemo/kernel.json")\n'
        ),
        "fail",
        "`${PROJECT_SOURCE_DIR}/share/jupyter/kernels/xdemo/kernel.json` at CMakeLists.txt:8",
        id="copy-file-to-source",
    ),
    case(
        "XK209",
        extra(
            "file(COPY share/jupyter/kernels/xdemo/kernel.json DESTINATION ${CMAKE_CURRENT_LIST_DIR}/out)\n"
        ),
        "fail",
        "`${CMAKE_CURRENT_LIST_DIR}/out/kernel.json`",
        id="copy-to-source",
    ),
    case(
        "XK209",
        module(
            'configure_file("${PROJECT_SOURCE_DIR}/share/jupyter/kernels/${kernel}/kernel.json.in"',
            "message(",
        ),
        "fail",
        "no command writes a kernel.json",
        id="not-generated",
    ),
    case("XK210", {}, "pass"),
    case(
        "XK210", {"CMakePresets.json": None}, "fail", "Add the template's `CMakePresets.json`", id="missing"
    ),
    case(
        "XK210",
        {"CMakePresets.json": '{"version": 6,'},
        "fail",
        "`CMakePresets.json` is not valid JSON (line 1",
        id="malformed",
    ),
    case("XK210", {"CMakePresets.json": "[]"}, "fail", "is not a JSON object", id="array"),
    case("XK211", {}, "pass"),
    case(
        "XK211",
        presets(workflowPresets=PRESETS["workflowPresets"][:2]),
        "fail",
        "no workflow preset `wasm`",
        id="no-wasm-preset",
    ),
    case(
        "XK211",
        {**NO_WASM, **presets(workflowPresets=PRESETS["workflowPresets"][:2])},
        "pass",
        id="native-only",
    ),
    case(
        "XK211",
        presets(version=4, workflowPresets=None),
        "fail",
        "version 4; no workflow preset `native`, `native-debug`, `wasm`",
        id="old",
    ),
    case(
        "XK211",
        presets(
            workflowPresets=[{"name": "native", "steps": [{"type": "configure", "name": "native"}]}]
            + PRESETS["workflowPresets"][1:]
        ),
        "fail",
        "workflow `native` runs no tests",
        id="untested",
    ),
    case("XK211", {"CMakePresets.json": "{"}, "skip", "needs XK210 to pass", id="malformed"),
]


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), CASES)
def test_cmake_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)
