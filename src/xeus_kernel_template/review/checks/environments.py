"""XK5xx: the conda environment files (one coherent xeus 6 stack, the 4x channel)."""

from __future__ import annotations

from ..fixtures import WasmBuild, YamlFile
from ..parsing import MatchSpec, first_lines, parse_match_spec, pins_major, spec_admits
from ._base import ENVIRONMENTS, NO_WASM, XKCheck

DEV = "environment-dev.yml"
WASM_BUILD = "environment-wasm-build.yml"
WASM_HOST = "environment-wasm-host.yml"

#: package -> major of the conventions' stack
STACK = {"xeus": 6, "xeus-zmq": 4, "xeus-lite": 5}
RANGES = {"xeus": ">=6,<7", "xeus-zmq": ">=4,<5", "xeus-lite": ">=5,<6"}
EMSCRIPTEN = "4.0.9"
EMSCRIPTEN_PACKAGES = ("emscripten_emscripten-wasm32", "emscripten", "emsdk")
CHANNEL_4X = "emscripten-forge-4x"


def _get(envs: dict[str, YamlFile], name: str) -> YamlFile | None:
    return envs.get(name) or envs.get(name[: -len(".yml")] + ".yaml")


def _expected(wasm: WasmBuild) -> list[str]:
    return [DEV] + ([WASM_BUILD, WASM_HOST] if wasm.enabled else [])


def dependencies(env: YamlFile | None) -> list[MatchSpec]:
    if env is None or not isinstance(env.data, dict):
        return []
    deps = env.data.get("dependencies")
    if not isinstance(deps, list):
        return []
    return [spec for d in deps if isinstance(d, str) and (spec := parse_match_spec(d)) is not None]


def channels(env: YamlFile | None) -> list[str]:
    if env is None or not isinstance(env.data, dict) or not isinstance(env.data.get("channels"), list):
        return []
    return [str(c) for c in env.data["channels"]]


class XK501(XKCheck):
    """environment-dev.yml (and the wasm build and host environments)"""

    family = ENVIRONMENTS
    anchor = "stack"

    def check(self, xk_environments: dict[str, YamlFile], xk_wasm: WasmBuild) -> bool | str:
        """Add the template's environment files: `environment-dev.yml`, and for wasm
        `environment-wasm-build.yml` and `environment-wasm-host.yml`.
        """
        missing = [name for name in _expected(xk_wasm) if _get(xk_environments, name) is None]
        return self.fail("no " + ", ".join(f"`{m}`" for m in missing)) if missing else True


class XK502(XKCheck):
    """Environment files are valid"""

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK501"})

    def check(self, xk_environments: dict[str, YamlFile]) -> bool | str:
        """Make every `environment*.yml` valid YAML: a mapping with `channels` and a `dependencies` list."""
        problems: list[str] = []
        for path, env in sorted(xk_environments.items()):
            if env.error:
                problems.append(env.error)
            elif not isinstance(env.data, dict):
                problems.append(f"`{path}` is not a mapping")
            elif not isinstance(env.data.get("dependencies"), list):
                problems.append(f"`{path}` has no `dependencies` list")
            elif not isinstance(env.data.get("channels"), list):
                problems.append(f"`{path}` has no `channels` list")
        return self.fail(first_lines(problems)) if problems else True


class XK503(XKCheck):
    """xeus, xeus-zmq and xeus-lite pinned to one coherent stack"""

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_environments: dict[str, YamlFile], xk_wasm: WasmBuild) -> bool | str:
        """Pin one coherent stack in every environment file: `xeus >=6,<7`, `xeus-zmq >=4,<5` (native),
        `xeus-lite >=5,<6` (wasm host).
        """
        problems: list[str] = []
        for path, env in sorted(xk_environments.items()):
            for spec in dependencies(env):
                if spec.name not in STACK:
                    continue
                if not spec.version:
                    problems.append(f"`{path}`: {spec.name} unpinned")
                elif not pins_major(spec.version, STACK[spec.name]):
                    problems.append(f"`{path}`: {spec.name} {spec.version}")
        needed = {DEV: ("xeus", "xeus-zmq")}
        if xk_wasm.enabled:
            needed[WASM_HOST] = ("xeus-lite",)
        for name, packages in needed.items():
            env = _get(xk_environments, name)
            present = {s.name for s in dependencies(env)}
            for package in packages:
                if env is not None and package not in present:
                    problems.append(f"`{env.path}` lacks {package}")
        return self.fail(first_lines(problems)) if problems else True


class XK504(XKCheck):
    """emscripten 4.0.9 in the wasm build environment"""

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_environments: dict[str, YamlFile], xk_wasm: WasmBuild) -> bool | str | None:
        """Pin `emscripten_emscripten-wasm32 ==4.0.9` in `environment-wasm-build.yml` (the emscripten of the
        emscripten-forge-4x packages).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        env = _get(xk_environments, WASM_BUILD)
        specs = [s for s in dependencies(env) if s.name in EMSCRIPTEN_PACKAGES]
        if not specs:
            return self.fail(f"no emscripten in `{WASM_BUILD}`")
        wrong = [
            f"{s.name} {s.version or '(unpinned)'}"
            for s in specs
            if not s.version or not spec_admits(s.version, EMSCRIPTEN) or not pins_major(s.version, 4)
        ]
        return self.fail(first_lines(wrong)) if wrong else True


class XK505(XKCheck):
    """The wasm host environment uses the emscripten-forge-4x channel"""

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_environments: dict[str, YamlFile], xk_wasm: WasmBuild) -> bool | str | None:
        """List the `https://repo.prefix.dev/emscripten-forge-4x` channel in `environment-wasm-host.yml`, and
        no older emscripten-forge channel.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        found = channels(_get(xk_environments, WASM_HOST))
        names = [c.rstrip("/").rsplit("/", 1)[-1] for c in found]
        if CHANNEL_4X not in names:
            return self.fail("channels " + (", ".join(f"`{c}`" for c in found) or "none"))
        stale = [c for c, n in zip(found, names, strict=True) if "emscripten-forge" in n and n != CHANNEL_4X]
        return self.fail("also " + ", ".join(f"`{c}`" for c in stale)) if stale else True


class XK506(XKCheck):
    """jupyterlite-xeus 5 in the wasm build environment"""

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_environments: dict[str, YamlFile], xk_wasm: WasmBuild) -> bool | str | None:
        """Pin `jupyterlite-xeus >=5.1,<6` in `environment-wasm-build.yml` (it loads xeus-lite 5 kernels)."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        env = _get(xk_environments, WASM_BUILD)
        specs = [s for s in dependencies(env) if s.name == "jupyterlite-xeus"]
        if env is not None and isinstance(env.data, dict):
            for item in env.data.get("dependencies") or []:
                if isinstance(item, dict) and isinstance(item.get("pip"), list):
                    specs += [
                        s
                        for p in item["pip"]
                        if (s := parse_match_spec(str(p))) and s.name == "jupyterlite-xeus"
                    ]
        if not specs:
            return self.fail(f"no jupyterlite-xeus in `{WASM_BUILD}`")
        wrong = [
            f"jupyterlite-xeus {s.version or '(unpinned)'}"
            for s in specs
            if not s.version or not pins_major(s.version, 5)
        ]
        return self.fail(first_lines(wrong)) if wrong else True


CHECKS = (XK501, XK502, XK503, XK504, XK505, XK506)
