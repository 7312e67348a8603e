"""XK5xx environment and XK6xx CI checks: pass, fail and malformed input."""

from __future__ import annotations

import json

import pytest
from review_trees import (
    ENV_DEV,
    ENV_WASM_BUILD,
    ENV_WASM_HOST,
    NO_WASM,
    PRESETS,
    SHA,
    WORKFLOW,
    case,
    run_case,
)

DEV, BUILD, HOST = "environment-dev.yml", "environment-wasm-build.yml", "environment-wasm-host.yml"
CI = ".github/workflows/ci.yml"


def dev(old: str, new: str) -> dict[str, str]:
    assert old in ENV_DEV
    return {DEV: ENV_DEV.replace(old, new)}


def build(old: str, new: str) -> dict[str, str]:
    assert old in ENV_WASM_BUILD
    return {BUILD: ENV_WASM_BUILD.replace(old, new)}


def host(old: str, new: str) -> dict[str, str]:
    assert old in ENV_WASM_HOST
    return {HOST: ENV_WASM_HOST.replace(old, new)}


def presets_packing_with(target: str) -> dict:
    """The synthetic presets, with a wasm workflow whose build step builds `target`."""
    presets = json.loads(json.dumps(PRESETS))
    for preset in presets["buildPresets"]:
        if preset["name"] == "wasm":
            preset["targets"] = [target]
    presets["workflowPresets"].append(
        {"name": "wasm", "steps": [{"type": "configure", "name": "wasm"}, {"type": "build", "name": "wasm"}]}
    )
    return presets


# Packing as a build step: a `site` target runs jupyter lite build, the wasm preset builds it.
PACK_BY_PRESET = {
    "cmake/Pack.cmake": 'add_custom_target(site COMMAND jupyter lite build --output-dir "${CMAKE_BINARY_DIR}/site")\n',
    "CMakePresets.json": json.dumps(presets_packing_with("site")),
}


def workflow(old: str, new: str) -> dict[str, str]:
    assert old in WORKFLOW
    return {CI: WORKFLOW.replace(old, new)}


ENV_CASES = [
    case("XK501", {}, "pass"),
    case("XK501", {HOST: None}, "fail", "no `environment-wasm-host.yml`", id="no-host"),
    case("XK501", {**NO_WASM}, "pass", id="native-only"),
    case("XK501", {DEV: None, "environment-dev.yaml": ENV_DEV}, "pass", id="yaml-suffix"),
    case("XK502", {}, "pass"),
    case(
        "XK502",
        {DEV: "dependencies: [xeus\n  - : :"},
        "fail",
        "`environment-dev.yml` is not valid YAML (line",
        id="malformed",
    ),
    case(
        "XK502",
        {DEV: "name: x\nchannels: [conda-forge]\n"},
        "fail",
        "has no `dependencies` list",
        id="no-dependencies",
    ),
    case("XK502", {DEV: "- just\n- a list\n"}, "fail", "is not a mapping", id="list"),
    case("XK502", {DEV: b"\xff\xfe"}, "fail", "is not UTF-8", id="binary"),
    case("XK503", {}, "pass"),
    case(
        "XK503",
        dev("xeus >=6,<7", "xeus >=5.0,<6"),
        "fail",
        "`environment-dev.yml`: xeus >=5.0,<6",
        id="old-xeus",
    ),
    case("XK503", dev("xeus >=6,<7", "xeus >=6"), "fail", "xeus >=6", id="no-upper-bound"),
    case("XK503", dev("xeus-zmq>=4,<5", "xeus-zmq"), "fail", "xeus-zmq unpinned", id="unpinned"),
    case(
        "XK503", dev("  - xeus-zmq>=4,<5\n", ""), "fail", "`environment-dev.yml` lacks xeus-zmq", id="missing"
    ),
    case(
        "XK503",
        {**dev("xeus >=6,<7", "xeus 6.0.*"), **host("xeus >=6,<7", "conda-forge::xeus=6.0.5=h123_0")},
        "pass",
        id="other-spellings",
    ),
    case(
        "XK503",
        host("xeus-lite >=5,<6", "xeus-lite >=4"),
        "fail",
        "`environment-wasm-host.yml`: xeus-lite >=4",
        id="old-lite",
    ),
    case("XK503", {DEV: "{"}, "skip", "needs XK502 to pass", id="malformed"),
    case("XK504", {}, "pass"),
    case("XK504", build("==4.0.9", "==3.1.73"), "fail", "emscripten_emscripten-wasm32 ==3.1.73", id="three"),
    case("XK504", build(" ==4.0.9", ""), "fail", "(unpinned)", id="unpinned"),
    case("XK504", build("emscripten_emscripten-wasm32 ==4.0.9", "emsdk 4.0.9"), "pass", id="emsdk"),
    case(
        "XK504",
        build("  - emscripten_emscripten-wasm32 ==4.0.9\n", ""),
        "fail",
        "no emscripten in `environment-wasm-build.yml`",
        id="missing",
    ),
    case("XK504", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
    case("XK505", {}, "pass"),
    case(
        "XK505",
        host("https://repo.prefix.dev/emscripten-forge-4x", "https://repo.prefix.dev/emscripten-forge-dev"),
        "fail",
        "channels `https://repo.prefix.dev/emscripten-forge-dev`",
        id="dev-channel",
    ),
    case(
        "XK505",
        host("  - conda-forge\n", "  - https://repo.mamba.pm/emscripten-forge\n"),
        "fail",
        "also `https://repo.mamba.pm/emscripten-forge`",
        id="old-channel-too",
    ),
    case(
        "XK505",
        host("https://repo.prefix.dev/emscripten-forge-4x", "https://prefix.dev/emscripten-forge-4x/"),
        "pass",
        id="other-host",
    ),
    case("XK506", {}, "pass"),
    case(
        "XK506",
        build("jupyterlite-xeus >=5.1,<6", "jupyterlite-xeus >=4.5.2"),
        "fail",
        "jupyterlite-xeus >=4.5.2",
        id="old",
    ),
    case("XK506", build("  - jupyterlite-xeus >=5.1,<6\n", ""), "fail", "no jupyterlite-xeus", id="missing"),
    case(
        "XK506",
        {
            BUILD: ENV_WASM_BUILD.replace("  - jupyterlite-xeus >=5.1,<6\n", "").replace(
                "- playwright", "- playwright\n      - jupyterlite-xeus>=5.1,<6"
            )
        },
        "pass",
        id="pip",
    ),
]

CI_CASES = [
    case("XK601", {}, "pass"),
    case("XK601", {".github": None}, "fail", "Add the CI workflows", id="none"),
    case(
        "XK601",
        {".github/workflows/broken.yml": "jobs: [\n"},
        "fail",
        "`.github/workflows/broken.yml` is not valid YAML",
        id="malformed",
    ),
    case(
        "XK601",
        {".github/workflows/empty.yaml": ""},
        "fail",
        "`.github/workflows/empty.yaml` is not a mapping",
        id="empty",
    ),
    case("XK602", {}, "pass"),
    case(
        "XK602",
        workflow("cmake --workflow --preset native", "cmake -B build && cmake --build build"),
        "fail",
        "no step runs `--preset native`",
        id="hand-written",
    ),
    case("XK602", {".github": None}, "skip", "needs XK601 to pass", id="no-workflows"),
    case("XK603", {}, "pass"),
    case(
        "XK603",
        workflow("cmake --workflow --preset wasm", "emcmake cmake . && emmake make"),
        "fail",
        "`--preset wasm`",
        id="hand-written",
    ),
    case("XK603", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
    case("XK604", {}, "pass"),
    case(
        "XK604", workflow("jupyter lite build", "echo no site"), "fail", "`jupyter lite build`", id="no-site"
    ),
    case("XK604", {**workflow("jupyter lite build", "cmake --workflow --preset wasm"), **PACK_BY_PRESET}, "pass", id="by-preset"),
    case(
        "XK604",
        {**workflow("jupyter lite build", "cmake --workflow --preset wasm"), **PACK_BY_PRESET,
         "CMakePresets.json": json.dumps(presets_packing_with("install"))},
        "fail",
        "nor a preset",
        id="preset-without-pack",
    ),
    case("XK605", {}, "pass"),
    case("XK605", workflow("python -m pytest test/test_wasm.py", "npx playwright test"), "pass", id="npx"),
    case(
        "XK605",
        workflow("python -m pytest test/test_wasm.py", "python -m pytest test/test_xdemo_kernel.py"),
        "fail",
        "no step runs Playwright",
        id="no-browser",
    ),
    case("XK606", {}, "pass"),
    case(
        "XK606",
        workflow(f"actions/checkout@{SHA}  # v5", "actions/checkout@v5"),
        "fail",
        "`actions/checkout@v5` in `.github/workflows/ci.yml`",
        id="tag",
    ),
    case(
        "XK606",
        workflow(f"mamba-org/setup-micromamba@{SHA}", "mamba-org/setup-micromamba@0123abc"),
        "fail",
        "@0123abc",
        id="short-sha",
    ),
    case(
        "XK606",
        {
            ".github/workflows/reuse.yml": f"on: push\npermissions: {{}}\njobs:\n  r:\n    uses: org/repo/.github/workflows/x.yml@main\n  s:\n    uses: org/repo/.github/workflows/x.yml@{SHA}\n"
        },
        "fail",
        "x.yml@main",
        id="reusable",
    ),
    case("XK607", {}, "pass"),
    case(
        "XK607",
        workflow("permissions:\n  contents: read\n", ""),
        "fail",
        "`.github/workflows/ci.yml`",
        id="missing",
    ),
]


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), ENV_CASES)
def test_environment_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), CI_CASES)
def test_ci_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


CASES = ENV_CASES + CI_CASES


# What the environment checks say, with stack.yml's line moved (issue 20): their titles,
# reasons, fixes and examples follow it, as the generated files do.
CHECK_TEXTS = r"""
import json, sys
import xeus_kernel_template.stack as stack
table = dict(stack.table())
table["line"] = sys.argv[1]
stack.table = lambda: table
from xeus_kernel_template.review.checks.environments import CHECKS
texts = {}
for cls in CHECKS:
    check = cls()
    examples = [e.code for e in (cls.failing, cls.passing) if e]
    texts[cls.__name__] = " ".join([cls.__doc__ or "", cls.why, check.fix, *examples])
print(json.dumps(texts))
"""


def check_texts(line: str) -> dict[str, str]:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", CHECK_TEXTS, line], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_the_environment_checks_say_the_stacks_versions():
    from xeus_kernel_template.stack import table

    lines = table()["lines"]
    used, other = table()["line"], next(name for name in lines if name != table()["line"])
    assert lines[used]["emscripten"] != lines[other]["emscripten"]
    for line, stale in ((used, other), (other, used)):
        texts = check_texts(line)
        emscripten, channel = lines[line]["emscripten"], lines[line]["channel"].rsplit("/", 1)[1]
        assert emscripten in texts["XK504"] and channel in texts["XK505"], texts
        old_emscripten, old_channel = lines[stale]["emscripten"], lines[stale]["channel"].rsplit("/", 1)[1]
        assert [name for name, text in texts.items() if old_emscripten in text or old_channel in text] == []
