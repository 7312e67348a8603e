"""XK6xx: GitHub Actions CI (native, wasm, pack, browser test; pinned, least privilege).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from ..fixtures import CMakeProject, Command, JsonFile, NativeBuild, TestFiles, WasmBuild, YamlFile
from ..parsing import first_lines
from ._base import CI, NO_WASM, Example, XKCheck

_SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def _jobs(workflow: YamlFile) -> Iterator[dict]:
    data = workflow.data
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if isinstance(jobs, dict):
        yield from (job for job in jobs.values() if isinstance(job, dict))


def _steps(workflow: YamlFile) -> Iterator[dict]:
    for job in _jobs(workflow):
        steps = job.get("steps")
        if isinstance(steps, list):
            yield from (step for step in steps if isinstance(step, dict))


def runs(workflows: dict[str, YamlFile]) -> list[tuple[str, str]]:
    return [
        (path, str(step["run"]))
        for path, w in sorted(workflows.items())
        for step in _steps(w)
        if "run" in step
    ]


def uses(workflows: dict[str, YamlFile]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path, workflow in sorted(workflows.items()):
        for job in _jobs(workflow):
            if isinstance(job.get("uses"), str):
                found.append((path, job["uses"]))
        for step in _steps(workflow):
            if isinstance(step.get("uses"), str):
                found.append((path, step["uses"]))
    return found


def ci_texts(commands: list[Command]) -> list[str]:
    """What CI runs: its run steps, and the pixi tasks and scripts they call."""
    return [c.text for c in commands if c.in_ci]


_BROWSER = re.compile(
    r"playwright|galata|puppeteer|selenium|webdriver|\bemrun(\.py)?\b[^\n]*--browser[= ]", re.IGNORECASE
)


def _parsed(workflows: dict[str, YamlFile]) -> dict[str, YamlFile]:
    return {p: w for p, w in workflows.items() if not w.error and isinstance(w.data, dict)}


class _CICheck(XKCheck):
    family = CI
    anchor = "ci"


class XK601(_CICheck):
    """GitHub workflows"""
    why = 'CI is where the conventions are kept: the build, the pack and the browser test run on every push.'
    failing = Example('.github/workflows/', '(none)', '')
    passing = Example('.github/workflows/native.yml', 'on: [push, pull_request]\npermissions: {}\njobs: {build: {runs-on: ubuntu-latest, steps: [{run: cmake --workflow --preset native}]}}', 'yaml')

    def check(self, xk_workflows: dict[str, YamlFile]) -> bool | str:
        """Add the CI workflows in `.github/workflows/` (native and wasm builds, `jupyter lite build`,
        browser test) as valid YAML.
        """
        if not xk_workflows:
            return False
        broken = [
            w.error or f"`{p}` is not a mapping"
            for p, w in sorted(xk_workflows.items())
            if p not in _parsed(xk_workflows)
        ]
        return self.fail(first_lines(broken)) if broken else True


class XK602(_CICheck):
    """CI builds and tests the native kernel with the native preset"""
    why = 'The preset CI runs is the one the README documents: what passes in CI passes for a contributor.'
    failing = Example('.github/workflows/native.yml', '- run: cmake -B build && cmake --build build', 'yaml')
    passing = Example('.github/workflows/native.yml', '- run: cmake --workflow --preset native', 'yaml')

    requires = frozenset({"XK601"})

    def check(self, xk_commands: list[Command], xk_native: NativeBuild) -> bool | str | None:
        """Add a CI job that runs `cmake --workflow --preset native` (build and protocol tests)."""
        if not xk_native.enabled:
            return self.skip(f"no native build ({xk_native.evidence})")
        if any(re.search(r"--preset[= ]+native\b", text) for text in ci_texts(xk_commands)):
            return True
        return self.fail("no step runs `--preset native`")


class XK603(_CICheck):
    """CI builds the wasm kernel with the wasm preset"""
    why = 'The wasm preset builds, installs, packs and tests the lite kernel in one command.'
    failing = Example('.github/workflows/lite.yml', '- run: emcmake cmake -B build && emmake make -C build', 'yaml')
    passing = Example('.github/workflows/lite.yml', '- run: cmake --workflow --preset wasm', 'yaml')

    requires = frozenset({"XK601"})

    def check(self, xk_commands: list[Command], xk_wasm: WasmBuild) -> bool | str | None:
        """Add a CI job that builds the wasm kernel with `cmake --workflow --preset wasm`."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        if any(re.search(r"--preset[= ]+wasm\b", text) for text in ci_texts(xk_commands)):
            return True
        return self.fail("no step runs `--preset wasm`")


def _packing_targets(cmake: CMakeProject) -> set[str]:
    """Custom targets whose commands run `jupyter lite build` (e.g. the template's `lite`)."""
    targets = set()
    for call in cmake.calls("add_custom_target"):
        args = cmake.expanded_args(call)
        if args and re.search(r"(^|[;\s])lite[;\s]+build([;\s]|$)", ";".join(args[1:])):
            targets.add(args[0])
    return targets


def _preset_build_targets(presets: JsonFile, names: set[str]) -> set[str]:
    """Targets built by the named build presets, or by the build steps of named workflow presets."""
    data = presets.data if isinstance(presets.data, dict) else {}
    builds = {p.get("name"): p for p in data.get("buildPresets", []) if isinstance(p, dict)}
    wanted = set(names)
    for workflow in data.get("workflowPresets", []):
        if isinstance(workflow, dict) and workflow.get("name") in names:
            wanted |= {s.get("name") for s in workflow.get("steps", []) if isinstance(s, dict) and s.get("type") == "build"}
    targets: set[str] = set()
    for name in wanted & set(builds):
        value = builds[name].get("targets", [])
        targets |= {value} if isinstance(value, str) else {t for t in value if isinstance(t, str)}
    return targets


class XK604(_CICheck):
    """CI packs a JupyterLite site"""
    why = 'Packing with jupyterlite-xeus is where the loader contract is checked (argv[0], `metadata.shared`, libxeus.so): a kernel that builds but does not pack is not a lite kernel. A pixi task CI runs (`pixi run -e wasm-build site`) counts.'
    failing = Example('.github/workflows/lite.yml', '- run: cmake --build build --target install', 'yaml')
    passing = Example('.github/workflows/lite.yml', '- run: jupyter lite build --XeusAddon.prefix=$WASM_HOST_PREFIX', 'yaml')

    requires = frozenset({"XK601"})

    def check(
        self, xk_commands: list[Command], xk_wasm: WasmBuild, xk_cmake: CMakeProject, xk_presets: JsonFile
    ) -> bool | str | None:
        """Pack the wasm kernel in CI: `jupyter lite build --XeusAddon.prefix=$WASM_HOST_PREFIX` (in a step, a
        pixi task or a script CI runs), or a preset whose build runs it (the template's
        `cmake --workflow --preset wasm` builds the `lite` target)."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        texts = ci_texts(xk_commands)
        if any(re.search(r"jupyter[ -]lite\s+build", text) for text in texts):
            return True
        presets = {m for text in texts for m in re.findall(r"--preset[= ]+([\w.-]+)", text)}
        if _preset_build_targets(xk_presets, presets) & _packing_targets(xk_cmake):
            return True
        return self.fail("no step runs `jupyter lite build`, nor a preset whose build target runs it")


class XK605(_CICheck):
    """CI runs the kernel in a browser"""
    why = 'Only a browser shows that the module loads, the hook runs and a cell returns: most lite kernel bugs ("No Kernel", getDylinkMetadata, a missing `libxeus.so`) appear only there.'
    failing = Example('.github/workflows/lite.yml', '- run: node test/test_wasm_node.mjs', 'yaml')
    passing = Example('.github/workflows/lite.yml', '- run: python -m pytest test/wasm   # Playwright, headless Chromium', 'yaml')

    requires = frozenset({"XK601"})

    def check(
        self, xk_workflows: dict[str, YamlFile], xk_commands: list[Command], xk_tests: TestFiles, xk_wasm: WasmBuild
    ) -> bool | str | None:
        """Test the kernel in a headless browser in CI: a Playwright test of the packed site, or the wasm test
        binary in headless browsers (`emrun --browser=...`)."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        texts = ci_texts(xk_commands) + [u for _, u in uses(xk_workflows)]
        if any(_BROWSER.search(t) for t in texts):
            return True
        # A step running a test file that drives a browser counts too.
        browser_tests = [p for p, text in xk_tests.texts.items() if _BROWSER.search(text)]
        for path in browser_tests:
            if any(path in t or posixpath.basename(path) in t for t in texts):
                return True
        return self.fail("no step runs Playwright or a browser test file")


class XK606(_CICheck):
    """Actions pinned to commit SHAs"""
    why = 'A tag can be moved to other code; a commit SHA cannot (supply-chain safety).'
    failing = Example('.github/workflows/native.yml', '- uses: actions/checkout@v5', 'yaml')
    passing = Example('.github/workflows/native.yml', '- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1', 'yaml')

    requires = frozenset({"XK601"})

    def check(self, xk_workflows: dict[str, YamlFile]) -> bool | str:
        """Pin every `uses:` to a full 40-character commit SHA (`owner/action@<sha> # vX.Y`)."""
        unpinned = sorted(
            {
                f"`{u}` in `{p}`"
                for p, u in uses(xk_workflows)
                if not u.startswith(("./", "docker://")) and not _SHA.match(u.strip())
            }
        )
        return self.fail(first_lines(unpinned)) if unpinned else True


class XK607(_CICheck):
    """Workflows declare top-level permissions"""
    why = "Without `permissions:` a workflow's token gets the repository's default, often write access to everything."
    failing = Example('.github/workflows/native.yml', 'on: push\njobs: {}', 'yaml')
    passing = Example('.github/workflows/native.yml', 'on: push\npermissions:\n  contents: read\njobs: {}', 'yaml')

    requires = frozenset({"XK601"})

    def check(self, xk_workflows: dict[str, YamlFile]) -> bool | str:
        """Declare top-level `permissions:` (least privilege, e.g. `contents: read`) in every workflow."""
        missing = sorted(f"`{p}`" for p, w in _parsed(xk_workflows).items() if "permissions" not in w.data)
        return self.fail(first_lines(missing)) if missing else True


CHECKS = (XK601, XK602, XK603, XK604, XK605, XK606, XK607)
