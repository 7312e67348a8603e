"""Shapes real kernel repositories have, each once a wrong verdict (issue 10), and the
loader-contract checks. Every tree is written here (no file of a real repository).
"""

from __future__ import annotations

import pytest
from review_trees import (
    CMAKELISTS,
    ENV_DEV,
    ENV_WASM_BUILD,
    ENV_WASM_HOST,
    KERNEL_MODULE,
    NO_WASM,
    PRE_JS,
    SHA,
    _d,
    case,
    kernelspec,
    result,
    run_case,
    variant,
    write,
)

SPEC = "share/jupyter/kernels/xdemo/kernel.json.in"
WASM_SPEC = "share/jupyter/kernels/xdemo/wasm_kernel.json.in"
CI = ".github/workflows/ci.yml"


def extra(code: str) -> dict[str, str]:
    return {"CMakeLists.txt": CMAKELISTS + code}


#: A kernel whose wasm build is hand-written in its CMakeLists.txt (no xeus_kernel_add).
HAND_CMAKE = _d(
    """
    cmake_minimum_required(VERSION 3.16)
    project(xeus-demo)
    include(GNUInstallDirs)
    set(XDEMO_BIN "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/")
    configure_file(share/jupyter/kernels/xdemo/kernel.json.in "${CMAKE_CURRENT_BINARY_DIR}/kernel.json")
    if(EMSCRIPTEN)
        find_package(xeus-lite REQUIRED)
        include(WasmBuildOptions)
        add_executable(xdemo src/main_emscripten_kernel.cpp)
        target_link_libraries(xdemo PRIVATE xeus-lite)
        xeus_wasm_compile_options(xdemo)
        xeus_wasm_link_options(xdemo "web,worker")
        install(FILES "$<TARGET_FILE_DIR:xdemo>/xdemo.js" "$<TARGET_FILE_DIR:xdemo>/xdemo.wasm"
                DESTINATION ${CMAKE_INSTALL_BINDIR})
    else()
        find_package(xeus-zmq 4 REQUIRED)
        add_executable(xdemo src/main.cpp)
        target_link_libraries(xdemo PRIVATE xeus-zmq)
    endif()
    """
)
HAND_SPEC = kernelspec(argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"])


# A wasm test executable linked without MAIN_MODULE, in its own CMakeLists.txt.
WASM_TEST_CMAKE = "if(EMSCRIPTEN)\n    add_executable(test_demo test_demo.cpp)\n    target_link_libraries(test_demo PRIVATE xeus-lite)\nendif()\n"


def hand(changes: dict | None = None) -> dict:
    base = {"CMakeLists.txt": HAND_CMAKE, SPEC: HAND_SPEC, "cmake/XeusKernel.cmake": None}
    return {**base, **(changes or {})}


def hand_cmake(old: str, new: str) -> str:
    assert old in HAND_CMAKE
    return HAND_CMAKE.replace(old, new)


PIXI = _d(
    """
    [workspace]
    name = "xeus-demo"
    channels = ["conda-forge"]
    platforms = ["linux-64"]

    [dependencies]
    cmake = ">=3.25"
    xeus = ">=6,<7"
    xeus-zmq = ">=4,<5"

    [feature.wasm-build]
    channels = ["https://repo.prefix.dev/emscripten-forge-4x", "conda-forge"]

    [feature.wasm-build.dependencies]
    emscripten_emscripten-wasm32 = "==4.0.9"
    jupyterlite-core = ">=0.8,<0.9"
    jupyterlite-xeus = ">=5.1,<6"

    [feature.wasm-build.tasks]
    build = "emcmake cmake -S . -B build-wasm && cmake --build build-wasm --target install"
    site = { cmd = "jupyter lite build --XeusAddon.prefix=$PREFIX --output-dir site", depends-on = ["build"] }

    [feature.wasm-host]
    platforms = ["emscripten-wasm32"]
    channels = ["https://repo.prefix.dev/emscripten-forge-4x", "conda-forge"]

    [feature.wasm-host.dependencies]
    xeus = ">=6,<7"
    xeus-lite = ">=5,<6"

    [environments]
    wasm-build = { features = ["wasm-build"], no-default-feature = true }
    wasm-host = { features = ["wasm-host"], no-default-feature = true }
    """
)
PIXI_WORKFLOW = _d(
    f"""
    name: CI
    on: push
    permissions:
      contents: read
    jobs:
      wasm:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@{SHA}
          - uses: prefix-dev/setup-pixi@{SHA}
          - run: pixi install -e wasm-host
          - run: pixi run -e wasm-build site
          - run: cmake --workflow --preset native
    """
)
#: The conforming kernel, its environments and CI in pixi instead of environment files.
PIXI_KERNEL = {
    "environment-dev.yml": None,
    "environment-wasm-build.yml": None,
    "environment-wasm-host.yml": None,
    "pixi.toml": PIXI,
    CI: PIXI_WORKFLOW,
    "test/test_wasm.py": "from playwright.sync_api import sync_playwright\n",
}


def pixi(old: str, new: str) -> dict[str, str]:
    assert old in PIXI
    return {**PIXI_KERNEL, "pixi.toml": PIXI.replace(old, new)}


FACTORY_SUITE = _d(
    """
    import jupyter_kernel_test


    class BaseTests(jupyter_kernel_test.KernelTests):
        __test__ = False
        language_name = "demo"
        code_hello_world = 'print("hello, world")'


    for name in ["xdemo", "xdemo-fast"]:
        globals()[f"Tests_{name}"] = type(f"Tests_{name}", (BaseTests,), {"kernel_name": name, "__test__": True})
    """
)
NESTED_FACTORY_SUITE = _d(
    """
    import jupyter_kernel_test as jkt


    def suite(spec):
        class Tests(jkt.KernelTests):
            kernel_name = spec
            completion_samples = [{"text": "pri", "matches": {"print"}}]
        return Tests


    TestDemo, TestFast = suite("xdemo"), suite("xdemo-fast")
    """
)
ABSTRACT_ONLY_SUITE = FACTORY_SUITE.replace('{"kernel_name": name, "__test__": True}', '{"__test__": True}')

DOCTEST_WASM_CMAKE = _d(
    """
    if(EMSCRIPTEN)
        add_executable(test_xdemo test/main.cpp)
        target_link_options(test_xdemo PRIVATE "SHELL: -s MAIN_MODULE=1" "SHELL: --emrun")
        add_custom_target(check-xdemo COMMAND ${CMAKE_COMMAND} -E chdir ${CMAKE_CURRENT_BINARY_DIR} node test_xdemo.js
                          DEPENDS test_xdemo)
    endif()
    """
)
EMRUN_WORKFLOW = _d(
    f"""
    name: wasm tests
    on: push
    permissions: {{}}
    jobs:
      browser:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@{SHA}
          - run: python $BUILD_PREFIX/bin/emrun.py --browser=chrome --kill_exit --browser-args="--headless" test_xdemo.html
    """
)
NO_BROWSER = {"test/test_wasm.py": None, CI: PIXI_WORKFLOW.replace("pixi run -e wasm-build site", "echo").replace(
    "prefix-dev/setup-pixi", "actions/cache")}

CASES = [
    # --- flags only where CMake passes them, on their own line ---------------------------
    case(
        "XK207",
        {"cmake/patch.cmake": 'string(REPLACE "dlsym needs -sMAIN_MODULE" "see -s MAIN_MODULE=1" out "${in}")\n'},
        "pass",
        id="main-module-in-string-replace",
    ),
    case(
        "XK207",
        extra('target_link_options(xdemo PRIVATE\n    "SHELL: -s WASM_BIGINT"\n    "SHELL: -s MAIN_MODULE=1")\n'),
        "fail",
        "`MAIN_MODULE` at CMakeLists.txt:10",
        id="own-line",
    ),
    case(
        "XK207",
        extra('set(DEMO_FLAGS "-sMAIN_MODULE=1")\nset_target_properties(xdemo PROPERTIES LINK_FLAGS "${DEMO_FLAGS}")\n'),
        "fail",
        "`MAIN_MODULE` at CMakeLists.txt:8",
        id="through-a-variable",
    ),
    case("XK207", extra(DOCTEST_WASM_CMAKE), "pass", id="test-binary-needs-it"),
    case(
        "XK207",
        {"cmake/XeusKernel.cmake": KERNEL_MODULE.replace('xeus_wasm_link_options(${kernel} "web,worker")', "")},
        "skip",
        "no target is linked with `xeus_wasm_link_options()`",
        id="no-helper",
    ),
    case(
        "XK208",
        extra('target_link_options(xdemo PUBLIC\n    "SHELL: -s \'ASYNCIFY_IMPORTS=[\\"a\\", \\"b\\"]\'")\n'),
        "pass",
        id="imports-without-asyncify",
    ),
    case(
        "XK208",
        extra('target_link_options(xdemo PUBLIC\n    "SHELL: -s WASM_BIGINT"\n    -sASYNCIFY=1)\n'),
        "fail",
        "ASYNCIFY at CMakeLists.txt:10",
        id="own-line",
    ),
    case("XK208", extra('message(STATUS "no -sASYNCIFY=1 here")\ntarget_link_options(xdemo PRIVATE -sASYNCIFY=0)\n'),
         "pass", id="off"),
    # --- a pre.js CMake generates or copies, then links -------------------------------
    case(
        "XK302",
        {
            "wasm/pre.js": None,
            "wasm/pre.js.in": PRE_JS.replace("initialize_xkernel\"]().then", "initialize_xkernel\"]().then"),
            "CMakeLists.txt": CMAKELISTS + 'configure_file(wasm/pre.js.in "${CMAKE_BINARY_DIR}/pre.js" @ONLY)\n',
            "cmake/XeusKernel.cmake": KERNEL_MODULE.replace('"${PROJECT_SOURCE_DIR}/wasm/pre.js"', '"${CMAKE_BINARY_DIR}/pre.js"'),
        },
        "pass",
        id="configured",
    ),
    case(
        "XK302",
        {
            "wasm/pre.js": None,
            "CMakeLists.txt": CMAKELISTS + 'configure_file(${pyjs_PRE_JS_PATH} "${CMAKE_BINARY_DIR}/pre.js" COPYONLY)\n',
            "cmake/XeusKernel.cmake": KERNEL_MODULE.replace('"${PROJECT_SOURCE_DIR}/wasm/pre.js"', "pre.js"),
        },
        "fail",
        "`--pre-js pre.js` at cmake/XeusKernel.cmake:20 is copied from `${pyjs_PRE_JS_PATH}` (outside the repository)"
        " by `configure_file` at CMakeLists.txt:8: none defines",
        id="copied-from-a-dependency",
    ),
    # --- XK305 follows the helper's own list --------------------------------------------
    case(
        "XK305",
        {"wasm/post.js": "Module.wasmTable = wasmTable;\nModule['UTF8ToString'] = UTF8ToString;\n"},
        "pass",
        id="not-exported-by-the-helper",
    ),
    # --- a wasm kernelspec named kernel.json --------------------------------------------
    case(
        "XK103",
        {
            SPEC: None,
            "share/jupyter/kernels/xdemo/kernel.json": kernelspec(argv=["@CMAKE_INSTALL_PREFIX@/bin/xdemo"]),
            "CMakeLists.txt": CMAKELISTS + "if(EMSCRIPTEN)\n    install(DIRECTORY share/jupyter/kernels "
            "DESTINATION share/jupyter)\nendif()\n",
        },
        "pass",
        id="wasm-only-kernel-json",
    ),
    case(
        "XK103",
        {
            SPEC: None,
            "share/jupyter/kernels/xdemo/kernel.json": kernelspec(argv=["@CMAKE_INSTALL_PREFIX@/bin/xdemo"]),
            "CMakeLists.txt": CMAKELISTS + "install(DIRECTORY share/jupyter/kernels DESTINATION share/jupyter)\n",
        },
        "fail",
        "`share/jupyter/kernels/xdemo/kernel.json` has no `{connection_file}`",
        id="kernel-json-for-both",
    ),
    # --- jupyter_kernel_test classes from type() and factories ---------------------------
    case("XK701", {"test/test_xdemo_kernel.py": FACTORY_SUITE}, "pass", id="type-over-kernelspecs"),
    case("XK701", {"test/test_xdemo_kernel.py": NESTED_FACTORY_SUITE}, "pass", id="factory-function"),
    case("XK701", {"test/test_xdemo_kernel.py": ABSTRACT_ONLY_SUITE}, "fail", "sets no samples", id="no-kernel-name"),
    # --- wasm tests that are not Playwright ----------------------------------------------
    case("XK703", {"test/test_wasm.py": None, **extra(DOCTEST_WASM_CMAKE)}, "pass", id="doctest-in-node"),
    case(
        "XK703",
        {"test/test_wasm.py": None, ".github/workflows/emrun.yml": EMRUN_WORKFLOW},
        "pass",
        id="emrun",
    ),
    case(
        "XK605",
        {**NO_BROWSER, ".github/workflows/emrun.yml": EMRUN_WORKFLOW},
        "pass",
        id="emrun-headless-browser",
    ),
    case(
        "XK605",
        {**NO_BROWSER, ".github/workflows/emrun.yml": EMRUN_WORKFLOW.replace("--browser=chrome", "--no_browser")},
        "fail",
        "no step runs Playwright",
        id="emrun-without-browser",
    ),
    # --- pixi --------------------------------------------------------------------------
    case("XK501", PIXI_KERNEL, "pass", id="pixi"),
    case(
        "XK501",
        pixi('wasm-host = { features = ["wasm-host"], no-default-feature = true }\n', ""),
        "fail",
        "Add to `pixi.toml` a `wasm-host` environment (platform emscripten-wasm32) with xeus and xeus-lite",
        id="pixi-without-host",
    ),
    case("XK502", {"pixi.toml": PIXI.replace("[environments]", "[environments")}, "fail",
         "`pixi.toml` is not valid TOML", id="pixi-broken"),
    case("XK503", PIXI_KERNEL, "pass", id="pixi"),
    case("XK503", pixi('xeus-lite = ">=5,<6"', 'xeus-lite = ">=3,<4"'), "fail",
         "`pixi.toml` environment `wasm-host`: xeus-lite >=3,<4", id="pixi-old-lite"),
    case("XK504", pixi('"==4.0.9"', '"==3.1.73"'), "fail",
         "emscripten_emscripten-wasm32 ==3.1.73 in `pixi.toml` environment `wasm-build`", id="pixi"),
    case("XK505", PIXI_KERNEL, "pass", id="pixi"),
    case("XK506", pixi('jupyterlite-xeus = ">=5.1,<6"', 'jupyterlite-xeus = "*"'), "fail",
         "jupyterlite-xeus (unpinned) in `pixi.toml` environment `wasm-build`", id="pixi-unpinned"),
    case("XK604", PIXI_KERNEL, "pass", id="pixi-task"),
    case(
        "XK604",
        {**PIXI_KERNEL, CI: PIXI_WORKFLOW.replace("pixi run -e wasm-build site", "pixi run -e wasm-build build")},
        "fail",
        "no step runs `jupyter lite build`",
        id="pixi-task-without-site",
    ),
    # --- argv[0] ---------------------------------------------------------------------------
    case("XK107", {}, "pass"),
    case("XK107", hand(), "pass", id="through-a-variable"),
    case("XK107", hand({SPEC: kernelspec(argv=["xdemo", "-f", "{connection_file}"])}), "fail",
         "argv[0] `xdemo` is relative", id="relative"),
    case(
        "XK107",
        hand({SPEC: kernelspec(argv=["@CMAKE_INSTALL_PREFIX@/xdemo", "-f", "{connection_file}"])}),
        "fail",
        "argv[0] `@CMAKE_INSTALL_PREFIX@/xdemo` is not in the folder the module is installed to (bin)",
        id="wrong-folder",
    ),
    case("XK107", hand({SPEC: kernelspec(argv=["@FROM_OUTSIDE@xdemo", "-f", "{connection_file}"])}), "skip",
         "depends on values set outside CMake", id="unknown"),
    case("XK107", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
    # --- metadata.shared ----------------------------------------------------------------
    case("XK108", hand({SPEC: kernelspec(metadata={"shared": {"libdemo.so": "lib/libdemo.so"}})}), "pass"),
    case("XK108", hand({SPEC: kernelspec(metadata={"shared": {"lib/libdemo.so": "lib/libdemo.so"}})}), "fail",
         "`lib/libdemo.so` is not the file name of `lib/libdemo.so`", id="key-is-a-path"),
    case("XK108", hand({SPEC: kernelspec(metadata={"shared": {"libdemo.so": "/opt/x/libdemo.so"}})}), "fail",
         "is not a path inside the prefix", id="absolute"),
    case(
        "XK108",
        hand({
            SPEC: kernelspec(metadata={"shared": {"libdemo.so": "lib/libdemo.so"}}),
            "CMakeLists.txt": HAND_CMAKE + "add_library(demo SHARED src/x.cpp)\ninstall(TARGETS demo LIBRARY "
            "DESTINATION lib/demo)\n",
        }),
        "fail",
        "`lib/libdemo.so`, but CMake installs `libdemo.so` to lib/demo",
        id="installed-elsewhere",
    ),
    case("XK108", {}, "skip", "no kernelspec lists metadata.shared", id="none"),
    # --- env in the wasm kernelspec -------------------------------------------------------
    case("XK109", {}, "pass"),
    case("XK109", hand({SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"],
                                          env={"LD_LIBRARY_PATH": "@XDEMO_LIB@", "DEMO_HOME": "@CMAKE_INSTALL_PREFIX@/share"})}),
         "fail", "sets `LD_LIBRARY_PATH`, `DEMO_HOME`", id="shared-spec"),
    case(
        "XK109",
        hand({WASM_SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo"], env={"DEMO_HOME": "/share/demo"}),
              SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"], env={"PATH": "@X@"})}),
        "fail",
        "`share/jupyter/kernels/xdemo/wasm_kernel.json.in` (wasm) sets `DEMO_HOME`",
        id="wasm-spec-env-is-ignored",
    ),
    case(
        "XK109",
        hand({WASM_SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo"]),
              SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"], env={"PATH": "@X@"})}),
        "pass",
        id="native-spec-may",
    ),
    # --- MAIN_MODULE for side modules --------------------------------------------------------
    case("XK212", {}, "pass"),
    case(
        "XK212",
        hand({"CMakeLists.txt": hand_cmake('xeus_wasm_link_options(xdemo "web,worker")',
                                           'target_link_options(xdemo PRIVATE "SHELL: -s MODULARIZE=1")')}),
        "fail",
        "`xdemo` (CMakeLists.txt:9) is linked without MAIN_MODULE; but xeus-lite 5 links the shared `libxeus.so`",
        id="libxeus-without-main-module",
    ),
    case(
        "XK212",
        hand({
            "CMakeLists.txt": hand_cmake('xeus_wasm_link_options(xdemo "web,worker")', "").replace(
                "PRIVATE xeus-lite", "PRIVATE xeus-lite-static"),
            "environment-wasm-host.yml": ENV_WASM_HOST.replace("xeus-lite >=5,<6", "xeus-lite >=3,<4"),
            SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"],
                             metadata={"shared": {"libdemo.so": "lib/libdemo.so"}}),
        }),
        "fail",
        "lists `libdemo.so` in metadata.shared",
        id="metadata-shared-without-main-module",
    ),
    case("XK212", hand({"environment-wasm-host.yml": ENV_WASM_HOST.replace("xeus-lite >=5,<6", "xeus-lite >=3,<4")}),
         "skip", "given no shared libraries", id="static-xeus"),
    # A CMakeLists.txt is read when the build reaches it (add_subdirectory from the top).
    case("XK212", hand({"test/CMakeLists.txt": WASM_TEST_CMAKE}), "pass", id="subdirectory-nothing-adds"),
    case("XK212", hand({"test/CMakeLists.txt": WASM_TEST_CMAKE, "CMakeLists.txt": HAND_CMAKE + "add_subdirectory(test)\n"}),
         "fail", "`test_demo` (test/CMakeLists.txt:2) is linked without MAIN_MODULE", id="subdirectory-added"),
    case("XK212", hand({"test/CMakeLists.txt": WASM_TEST_CMAKE,
                        "CMakeLists.txt": HAND_CMAKE + "add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/test)\n"}),
         "fail", "`test_demo` (test/CMakeLists.txt:2)", id="subdirectory-added-by-path"),
    case("XK212", hand({"sub/test/CMakeLists.txt": WASM_TEST_CMAKE, "CMakeLists.txt": HAND_CMAKE + "add_subdirectory(sub)\n",
                        "sub/CMakeLists.txt": "add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/test)\n"}),
         "fail", "`test_demo` (sub/test/CMakeLists.txt:2)", id="subdirectory-of-a-subdirectory"),
    case("XK212", hand({"test/CMakeLists.txt": WASM_TEST_CMAKE, "CMakeLists.txt": HAND_CMAKE + "add_subdirectory(${TESTS})\n"}),
         "fail", "`test_demo` (test/CMakeLists.txt:2)", id="subdirectory-unknown-reads-all"),
    # --- libxeus.so and how xeus-lite links xeus ------------------------------------------
    case("XK213", {}, "pass"),
    case(
        "XK213",
        hand({"CMakeLists.txt": hand_cmake("PRIVATE xeus-lite)", "PRIVATE xeus-lite xeus-static)")}),
        "fail",
        "`xdemo` links `xeus-static` besides xeus-lite 5, which links the shared xeus "
        "(`environment-wasm-host.yml` pins xeus-lite >=5,<6)",
        id="two-xeus",
    ),
    case(
        "XK213",
        hand({"environment-wasm-host.yml": ENV_WASM_HOST.replace("xeus-lite >=5,<6", "xeus-lite >=3,<4"),
              SPEC: kernelspec(argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"],
                               metadata={"shared": {"libxeus.so": "lib/libxeus.so"}})}),
        "fail",
        "ships `libxeus.so`, but xeus-lite 3 links xeus statically",
        id="libxeus-with-static-lite",
    ),
    case(
        "XK213",
        hand({"environment-wasm-host.yml": ENV_WASM_HOST.replace("xeus-lite >=5,<6", "xeus-lite"),
              "CMakeLists.txt": hand_cmake("find_package(xeus-lite REQUIRED)", "find_package(xeus-lite REQUIRED)")}),
        "skip",
        "pinned nowhere",
        id="unknown-lite",
    ),
    # --- names -----------------------------------------------------------------------------
    case("XK308", {}, "pass"),
    case("XK308", hand(), "pass", id="hand-written"),
    case(
        "XK308",
        hand({"CMakeLists.txt": hand_cmake("add_executable(xdemo src/main_emscripten_kernel.cpp)",
                                           "add_executable(xeus_kernel src/main_emscripten_kernel.cpp)")
              .replace("xeus_wasm_compile_options(xdemo)", "xeus_wasm_compile_options(xeus_kernel)")
              .replace('xeus_wasm_link_options(xdemo "web,worker")', 'xeus_wasm_link_options(xeus_kernel "web,worker")')
              .replace("target_link_libraries(xdemo PRIVATE xeus-lite)", "target_link_libraries(xeus_kernel PRIVATE xeus-lite)")}),
        "fail",
        "argv[0] names `xdemo`",
        id="other-target",
    ),
    case(
        "XK308",
        hand({"CMakeLists.txt": HAND_CMAKE.replace("    install(FILES", "    set_target_properties(xdemo PROPERTIES OUTPUT_NAME xdemo_kernel)\n    install(FILES")}),
        "fail",
        "the wasm build makes `xdemo_kernel`",
        id="output-name",
    ),
    case("XK308", {SPEC: kernelspec(metadata={"wasm_name": "other"})}, "fail", "metadata.wasm_name names `other`",
         id="wasm-name"),
    # --- the kernel's own dependencies ---------------------------------------------------
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + "find_package(Lua 5.4 REQUIRED)\n",
         "environment-dev.yml": ENV_DEV + "  - lua 5.4.*\n",
         "environment-wasm-host.yml": ENV_WASM_HOST + "  - lua 5.4.*\n"},
        "pass",
    ),
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + "find_package(Lua 5.4 REQUIRED)\n",
         "environment-dev.yml": ENV_DEV + "  - lua 5.4.*\n"},
        "fail",
        "`Lua` (`find_package` at CMakeLists.txt:8) is in no wasm environment (`environment-wasm-host.yml`)",
        id="missing-in-host",
    ),
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + "if(NOT EMSCRIPTEN)\n    find_package(Threads REQUIRED)\n"
         "    find_package(nlohmann_json REQUIRED)\n    find_package(Wren REQUIRED)\nendif()\n",
         "environment-dev.yml": ENV_DEV + "  - wren\n"},
        "pass",
        id="stack-brings-json-cmake-modules-skipped",
    ),
    case("XK507", {}, "skip", "requires no package besides the xeus stack", id="none"),
    # --- emscripten, channel and xeus-lite -----------------------------------------------------
    case("XK508", {}, "pass"),
    case(
        "XK508",
        {"environment-wasm-build.yml": ENV_WASM_BUILD.replace("==4.0.9", "==3.1.73")},
        "fail",
        "emscripten 3 with channels for emscripten 4; xeus-lite 5 is built for emscripten 4/6, the build uses 3",
        id="old-emscripten",
    ),
    case(
        "XK508",
        {"environment-wasm-build.yml": ENV_WASM_BUILD.replace("==4.0.9", "==3.1.73"),
         "environment-wasm-host.yml": ENV_WASM_HOST.replace("emscripten-forge-4x", "emscripten-forge-dev").replace(
             "xeus-lite >=5,<6", "xeus-lite >=3,<4")},
        "pass",
        id="consistent-older-stack",
    ),
    case("XK508", pixi('"==4.0.9"', '"*"'), "pass", id="channel-only"),
]


#: xeus linked through an option, as most kernels do it: shared by default, the wasm branch
#: may turn it off.
OPTION_LINK = _d(
    """
    option(XDEMO_USE_SHARED_XEUS "Link the shared xeus" ON)
    if(XDEMO_USE_SHARED_XEUS)
        set(XDEMO_XEUS_TARGET xeus)
    else()
        set(XDEMO_XEUS_TARGET xeus-static)
    endif()
    add_library(xdemo-lib STATIC src/x.cpp)
    target_link_libraries(xdemo-lib PUBLIC ${XDEMO_XEUS_TARGET})
    """
)


def option_link(wasm_override: str = "") -> dict:
    cmake = hand_cmake("cmake_minimum_required(VERSION 3.16)\n", "cmake_minimum_required(VERSION 3.16)\n"
                       + (f"if(EMSCRIPTEN)\n    set(XDEMO_USE_SHARED_XEUS {wasm_override})\nendif()\n" if wasm_override else "")
                       + OPTION_LINK).replace("PRIVATE xeus-lite)", "PRIVATE xeus-lite xdemo-lib)")
    return hand({"CMakeLists.txt": cmake})


CASES += [
    # --- found by the survey: options evaluated per build ------------------------------------
    case("XK213", option_link(), "pass", id="shared-by-option"),
    case("XK213", option_link("OFF"), "fail", "`xdemo` links `xeus-static` besides xeus-lite 5", id="static-in-wasm"),
    case(
        "XK213",
        {**option_link("OFF"), "environment-wasm-host.yml": ENV_WASM_HOST.replace("xeus-lite >=5,<6", "xeus-lite >=4.0.0")},
        "fail",
        "besides xeus-lite 4",
        id="a-floor-of-four-is-enough",
    ),
    case(
        "XK107",
        hand({"CMakeLists.txt": HAND_CMAKE.replace('set(XDEMO_BIN "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/")',
                                                   'set(XDEMO_BIN "${CMAKE_INSTALL_FULL_BINDIR}/")')}),
        "pass",
        id="full-bindir",
    ),
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + 'option(DEMO_USE_JIT "" OFF)\nif(DEMO_USE_JIT)\n    find_package(LuaJIT REQUIRED)\n'
         "else()\n    find_package(Lua REQUIRED)\nendif()\n",
         "environment-dev.yml": ENV_DEV + "  - lua\n", "environment-wasm-host.yml": ENV_WASM_HOST + "  - lua\n"},
        "pass",
        id="option-default-decides",
    ),
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + 'option(DEMO_USE_JIT "" OFF)\nif(NOT DEMO_USE_JIT)\n    find_package(Lua REQUIRED)\nendif()\n'},
        "fail",
        "`Lua` (`find_package` at CMakeLists.txt:10) is in no native environment",
        id="option-default-requires",
    ),
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + "if(DEMO_FROM_THE_COMMAND_LINE)\n    find_package(Lua REQUIRED)\nendif()\n"},
        "skip",
        "requires no package",
        id="unknown-condition",
    ),
    case(
        "XK507",
        {"CMakeLists.txt": CMAKELISTS + "find_package(tabulate REQUIRED)\nfind_package(SQLite3 REQUIRED)\n",
         "environment-dev.yml": ENV_DEV + "  - cpp-tabulate\n  - sqlitecpp\n",
         "environment-wasm-host.yml": ENV_WASM_HOST + "  - cpp-tabulate\n  - sqlitecpp\n"},
        "pass",
        id="conda-names",
    ),
    case(
        "XK501",
        {"environment-dev.yml": None, "src/main.cpp": None, "cmake/XeusKernel.cmake": KERNEL_MODULE.replace(
            "find_package(xeus-zmq ${DEMO_ZMQ_MAJOR} REQUIRED)", "").replace(" xeus-zmq)", ")")},
        "pass",
        id="wasm-only-needs-no-dev-environment",
    ),
]


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), CASES)
def test_real_shapes(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


def test_flags_report_their_own_line(tmp_path):
    """The failure points at the flag's line (SARIF too), not where the command starts."""
    root = write(tmp_path / "k", variant(extra('target_link_options(xdemo PRIVATE\n    "SHELL: -s WASM_BIGINT"\n'
                                               '    "SHELL: -s MAIN_MODULE=1"\n    -sASYNCIFY)\n')))
    assert result(root, "XK207").locations == [("CMakeLists.txt", 10)]
    assert result(root, "XK208").locations == [("CMakeLists.txt", 11)]


def test_runtime_methods_come_from_an_installed_xeus(tmp_path, monkeypatch):
    """With a prefix holding xeus's WasmBuildOptions.cmake, XK305 follows that list."""
    prefix = tmp_path / "host"
    options = prefix / "lib/cmake/xeus/WasmBuildOptions.cmake"
    options.parent.mkdir(parents=True)
    options.write_text(
        'function(xeus_wasm_link_options target environment)\n  target_link_options("${target}"\n'
        "    PUBLIC \"SHELL: -s EXPORTED_RUNTIME_METHODS='[\\\"FS\\\",\\\"wasmTable\\\"]'\")\nendfunction()\n"
    )
    root = write(tmp_path / "k", variant({"wasm/post.js": "Module.wasmTable = wasmTable;\n"}))
    assert result(root, "XK305").result is True  # the pinned xeus does not export wasmTable
    monkeypatch.setenv("XEUS_KERNEL_REVIEW_PREFIX", str(prefix))
    r = result(root, "XK305")
    assert r.result is False and f"per the installed xeus (`{options}`)" in r.message
    assert "re-exports wasmTable" in r.message


def test_metadata_shared_against_a_prefix(tmp_path, monkeypatch):
    prefix = tmp_path / "host"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin/xdemo.wasm").write_bytes(b"\0asm")
    (prefix / "lib").mkdir()
    root = write(tmp_path / "k", variant(hand({SPEC: kernelspec(
        argv=["@XDEMO_BIN@xdemo", "-f", "{connection_file}"], metadata={"shared": {"libdemo.so": "lib/libdemo.so"}})})))
    monkeypatch.setenv("XEUS_KERNEL_REVIEW_PREFIX", str(prefix))
    r = result(root, "XK108")
    assert r.result is False and f"no `lib/libdemo.so` in `{prefix}`" in r.message
    (prefix / "lib/libdemo.so").write_bytes(b"\0asm")
    assert result(root, "XK108").result is True


def test_installed_xeus_of_the_toolchain_is_read():
    """The WasmBuildOptions.cmake a real xeus installs (the native toolchain's xeus 6) parses."""
    from xeus_kernel_template.review.fixtures import read_wasm_build_options
    from xeus_kernel_template.toolchain import ToolchainError, find_toolchain

    try:
        toolchain = find_toolchain()
    except ToolchainError as error:
        pytest.skip(f"no xeus toolchain: {error}")
    found = [p for p in toolchain.prefix_candidates() if p.is_file()] if hasattr(toolchain, "prefix_candidates") else []
    root = getattr(toolchain, "root", None)
    if not found and root is not None:
        found = sorted(root.glob("usr/lib/*/cmake/xeus/WasmBuildOptions.cmake"))
    if not found:
        pytest.skip("this xeus installs no WasmBuildOptions.cmake")
    methods = read_wasm_build_options(found[0].read_text(encoding="utf-8"))
    assert {"FS", "ENV", "PATH"} <= set(methods["emscripten>=4"])


def test_pixi_environments_are_read(tmp_path):
    from xeus_kernel_template.review.envs import read_pixi

    environments = {e.name: e for e in read_pixi("pixi.toml", PIXI, "").environments}
    assert {n: e.role for n, e in environments.items()} == {
        "default": "dev", "wasm-build": "wasm-build", "wasm-host": "wasm-host"}
    assert environments["wasm-host"].platforms == ["emscripten-wasm32"]
    assert "xeus-zmq" not in environments["wasm-host"].names  # no-default-feature
    assert [c.split("/")[-1] for c in environments["wasm-build"].channels] == ["emscripten-forge-4x", "conda-forge"]
    assert read_pixi("pixi.toml", "[x", "").error.startswith("`pixi.toml` is not valid TOML")


# Issue 20: wrong verdicts found against 33 real kernels, hand-labelled.
CONNECTION_FILE = (
    '{"shell_port": 53794, "iopub_port": 53795, "stdin_port": 53796, "control_port": 53797,'
    ' "hb_port": 53798, "ip": "127.0.0.1", "key": "a0436f6c", "transport": "tcp",'
    ' "signature_scheme": "hmac-sha256", "kernel_name": "xdemo"}\n'
)
WASM_CHECKS = ("XK205", "XK206", "XK301", "XK302", "XK703")


def statuses(root, prefix: str) -> dict[str, str]:
    from review_trees import results, status

    return {check: status(r) for check, r in results(root).items() if check.startswith(prefix)}


def test_a_connection_file_named_kernel_json_is_no_kernelspec(tmp_path):
    """A kernel's connection file committed at the top as kernel.json (ports, key, no argv)."""
    conforming = statuses(write(tmp_path / "conforming", variant({})), "XK1")
    with_it = statuses(write(tmp_path / "kernel", variant({"kernel.json": CONNECTION_FILE})), "XK1")
    assert with_it == conforming
    assert "fail" not in conforming.values()


def test_wasm_environment_files_alone_are_no_wasm_build(tmp_path):
    """A native-only kernel that keeps environment-wasm-*.yml (from an attempt) builds no wasm
    target: the wasm checks do not apply, as for a kernel without those files."""
    kept = {"environment-wasm-build.yml": ENV_WASM_BUILD, "environment-wasm-host.yml": ENV_WASM_HOST}
    native_only = statuses(write(tmp_path / "native", variant(NO_WASM)), "XK")
    with_files = statuses(write(tmp_path / "kept", variant({**NO_WASM, **kept})), "XK")
    assert {check: with_files[check] for check in WASM_CHECKS} == {check: native_only[check] for check in WASM_CHECKS}
    assert "fail" not in {with_files[check] for check in WASM_CHECKS}
