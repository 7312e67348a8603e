"""XK3xx wasm glue and XK4xx runtime-files checks: pass, fail and malformed input."""

from __future__ import annotations

import pytest
from review_trees import (
    CMAKELISTS,
    EMSCRIPTEN_MAIN,
    KERNEL_MODULE,
    NO_WASM,
    PRE_JS,
    case,
    kernelspec,
    run_case,
)

MAIN = "src/main_emscripten_kernel.cpp"
SPEC = "share/jupyter/kernels/xdemo/kernel.json.in"

WASM_CASES = [
    case("XK301", {}, "pass"),
    case(
        "XK301",
        {MAIN: EMSCRIPTEN_MAIN.replace('("xkernel")', '("mykernel")')},
        "fail",
        '`export_kernel<...>("mykernel")` in `src/main_emscripten_kernel.cpp`',
        id="renamed",
    ),
    case(
        "XK301",
        {MAIN: '// xeus::export_kernel<x>("xkernel");\nint main() {}\n'},
        "fail",
        "no `export_kernel<...>(...)`",
        id="commented-out",
    ),
    case(
        "XK301",
        {
            MAIN: 'EMSCRIPTEN_BINDINGS(m) {\n  xeus::export_kernel<\n      ns::interpreter<int>,\n      ns::server>(\n    "xkernel");\n}\n'
        },
        "pass",
        id="multiline",
    ),
    case(
        "XK301",
        {MAIN: b"\xff\xfe\x00binary", "src/other.cpp": "int x;\n"},
        "fail",
        "is not UTF-8",
        id="binary",
    ),
    case("XK301", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
    case("XK302", {}, "pass"),
    case(
        "XK302",
        {"wasm/pre.js": "Module.initialize_xkernel = async function () {};\n"},
        "pass",
        id="dot-syntax",
    ),
    case(
        "XK302",
        {"wasm/pre.js": "// Module.initialize_xkernel = f\nvar x = Module.initialize_xkernel == null;\n"},
        "fail",
        "`wasm/pre.js` defines no `Module.initialize_xkernel`",
        id="comment-and-comparison",
    ),
    case(
        "XK302",
        {"wasm/pre.js": None},
        "fail",
        "`--pre-js ${PROJECT_SOURCE_DIR}/wasm/pre.js` at cmake/XeusKernel.cmake:20 is no such file",
        id="missing",
    ),
    case(
        "XK302",
        {"wasm/pre.js": "/* never closed Module.initialize_xkernel = 1"},
        "fail",
        "defines no",
        id="malformed",
    ),
    case("XK302", {"wasm/pre.js": None, "src/kernel_pre.js": PRE_JS}, "pass", id="other-name"),
    case("XK303", {}, "pass"),
    case(
        "XK303",
        {"wasm/pre.js": "Module['initialize_xkernel'] = async () => {};\n"},
        "fail",
        "no `addRunDependency`",
        id="no-run-dependency",
    ),
    case("XK303", {"wasm/pre.js": None}, "skip", "needs XK302 to pass", id="no-hook"),
    case("XK304", {}, "pass"),
    case(
        "XK304",
        {
            "cmake/XeusKernel.cmake": KERNEL_MODULE.replace(
                'foreach(file IN ITEMS "${PROJECT_SOURCE_DIR}/wasm/pre.js")',
                "foreach(file IN ITEMS ${PRE_FILES})",
            )
        },
        "fail",
        "`--pre-js` links `${PRE_FILES}` (cmake/XeusKernel.cmake:20)",
        id="loop-over-unnamed-files",
    ),
    case(
        "XK304",
        {
            "cmake/XeusKernel.cmake": KERNEL_MODULE.replace(
                '"SHELL:--pre-js \\"${file}\\""', '"SHELL:--post-js \\"${file}\\""'
            )
        },
        "fail",
        "`wasm/pre.js` is linked with `--post-js` at cmake/XeusKernel.cmake:20",
        id="not-linked",
    ),
    case(
        "XK304",
        {
            "CMakeLists.txt": CMAKELISTS
            + "target_link_options(xdemo PRIVATE --pre-js ${CMAKE_CURRENT_SOURCE_DIR}/wasm/pre.js)\n"
        },
        "pass",
        id="direct",
    ),
    case("XK305", {}, "pass"),
    case(
        "XK305",
        {"wasm/post.js": "Module['FS'] = FS;\nModule.PATH = PATH\nModule.HEAPU8 = HEAPU8;\n"},
        "fail",
        "`wasm/post.js` re-exports FS, PATH (the helper exports FS, ENV, PATH, ERRNO_CODES, getExceptionMessage, "
        "getCppExceptionTag, per xeus 6.0.5 cmake/WasmBuildOptions.cmake (the version the conventions pin); "
        "keep HEAPU8: the helper does not export them)",
        id="re-exports",
    ),
    case(
        "XK305",
        {"src/post.js": "Module.myHelper = myHelper;\nModule.FS_note = 'x';\n// Module.FS = FS\n"},
        "pass",
        id="own-code",
    ),
    case(
        "XK305", {"src/post.js": "Module.FS = FS; /* never closed"}, "fail", "re-exports FS", id="malformed"
    ),
    case(
        "XK305",
        {**NO_WASM, "src/post.js": "Module.FS = FS;"},
        "skip",
        "no WebAssembly build",
        id="native-only",
    ),
]

RUNTIME = {
    "CMakeLists.txt": CMAKELISTS.replace(
        "SOURCES src/xinterpreter.cpp)", "SOURCES src/xinterpreter.cpp\n    RUNTIME_FILES runtime-files)"
    ),
    "runtime-files/lib/init.demo": "print 1\n",
    "include/xeus-demo/kernel_metadata.hpp": (
        "inline std::string runtime_dir() {\n"
        '    const char* v = std::getenv("XDEMO_RUNTIME_DIR");\n'
        "    return v ? v : XDEMO_RUNTIME_DIR;\n}\n"
    ),
}

RUNTIME_CASES = [
    case("XK401", {}, "skip", "the kernel ships no runtime files", id="none"),
    case("XK401", RUNTIME, "pass"),
    # metadata.shared lists side modules (shared libraries), not runtime files
    case(
        "XK401",
        {**RUNTIME, SPEC: kernelspec(metadata={"wasm_name": "xdemo", "shared": {"libx.so": "lib/libx.so"}})},
        "pass",
        id="shared-is-no-runtime-file",
    ),
    case(
        "XK401",
        {
            **RUNTIME,
            "pixi.toml": '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[tasks]\n'
            'site = "jupyter lite build --XeusAddon.prefix=$PREFIX --XeusAddon.mounts=$PWD/data:/share/data"\n',
        },
        "fail",
        "2 ways: packed with --preload-file/--embed-file (`xeus_kernel_add(... RUNTIME_FILES)` at CMakeLists.txt:5); "
        "JupyterLite mounts (`pixi.toml` task `site`)",
        id="mounts-in-a-task",
    ),
    case(
        "XK401",
        {
            ".github/workflows/ci.yml": "on: push\npermissions: {}\njobs:\n  a:\n    steps:\n      - run: jupyter lite build --XeusAddon.mounts=a:/b\n",
            "wasm/post.js": "FS.writeFile('/x', 'y');\n",
        },
        "fail",
        "JupyterLite mounts (`.github/workflows/ci.yml`); files written by pre/post.js",
        id="mounts-and-js",
    ),
    case(
        "XK401",
        {"jupyter_lite_config.json": '{"XeusAddon": {"mounts": ["a:/b"]}}'},
        "pass",
        id="one-other-way",
    ),
    case(
        "XK401",
        {"jupyter_lite_config.json": '{"XeusAddon": '},
        "skip",
        "ships no runtime files",
        id="malformed-lite-config",
    ),
    case("XK402", RUNTIME, "pass"),
    case("XK402", {}, "skip", "ships no runtime files", id="none"),
    case(
        "XK402",
        {
            "CMakeLists.txt": CMAKELISTS
            + 'target_link_options(xdemo PRIVATE "SHELL:--preload-file ${CMAKE_SOURCE_DIR}/share/stdlib@/share/stdlib")\n'
        },
        "fail",
        "no `runtime-files/` folder",
        id="own-folder",
    ),
    case(
        "XK402",
        {**RUNTIME, "CMakeLists.txt": CMAKELISTS},
        "fail",
        "is not passed to `xeus_kernel_add",
        id="not-passed",
    ),
    case(
        "XK402",
        {
            **RUNTIME,
            "CMakeLists.txt": CMAKELISTS
            + 'target_link_options(xdemo PRIVATE "SHELL:--embed-file ${CMAKE_SOURCE_DIR}/runtime-files@/share/xdemo")\n',
        },
        "pass",
        id="embed-by-hand",
    ),
    case("XK403", RUNTIME, "pass"),
    case(
        "XK403",
        {**RUNTIME, "include/xeus-demo/kernel_metadata.hpp": "// runtime_dir() one day\n"},
        "fail",
        "no `runtime_dir()` and no `<KERNEL>_RUNTIME_DIR`",
        id="no-accessor",
    ),
    case("XK403", {}, "skip", "needs XK402 (the kernel ships no runtime files)", id="none"),
]


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), WASM_CASES)
def test_wasm_glue_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), RUNTIME_CASES)
def test_runtime_files_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


CASES = WASM_CASES + RUNTIME_CASES
