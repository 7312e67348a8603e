"""XK5xx: the environments (one coherent xeus stack, the emscripten-forge channel of the
stack's line), from the conda environment files or from ``pixi.toml``. Versions and channels
in the checks' texts come from stack.yml (:mod:`..pins`), never from literals here."""

from __future__ import annotations

import re

from ..envs import DEV, WASM_BUILD, WASM_HOST, Environment
from ..fixtures import CMakeProject, NativeBuild, Pixi, WasmBuild, YamlFile
from ..parsing import MatchSpec, admitted_majors, first_lines, pins_major, spec_admits
from ..pins import (
    CHANNEL,
    CHANNEL_URL,
    EMSCRIPTEN,
    EMSCRIPTEN_CHANNELS,
    EMSCRIPTEN_MAJOR,
    EMSCRIPTEN_PACKAGES,
    JUPYTERLITE_XEUS,
    JUPYTERLITE_XEUS_MAJOR,
    RANGES,
    STACK,
    XEUS_LITE_EMSCRIPTEN,
)
from ._base import ENVIRONMENTS, NO_WASM, Example, XKCheck

DEV_FILE = "environment-dev.yml"
WASM_BUILD_FILE = "environment-wasm-build.yml"
WASM_HOST_FILE = "environment-wasm-host.yml"
FILES = {DEV: DEV_FILE, WASM_BUILD: WASM_BUILD_FILE, WASM_HOST: WASM_HOST_FILE}
PIXI_ADVICE = {
    DEV: "a default environment with xeus and xeus-zmq",
    WASM_BUILD: "a `wasm-build` environment with emscripten and jupyterlite-xeus",
    WASM_HOST: "a `wasm-host` environment (platform emscripten-wasm32) with xeus and xeus-lite",
}


def _roles(native: NativeBuild, wasm: WasmBuild) -> list[str]:
    return ([DEV] if native.enabled else []) + ([WASM_BUILD, WASM_HOST] if wasm.enabled else [])


def of_role(envs: list[Environment], role: str) -> list[Environment]:
    return [e for e in envs if e.role == role and not e.error]


def channel_name(channel: str) -> str:
    return channel.rstrip("/").rsplit("/", 1)[-1]


def emscripten_specs(envs: list[Environment]) -> list[tuple[Environment, MatchSpec]]:
    return [(e, s) for e in of_role(envs, WASM_BUILD) for s in e.spec(*EMSCRIPTEN_PACKAGES)]


def emscripten_major(envs: list[Environment]) -> int | None:
    """The emscripten major the wasm build environment pins, if it pins one."""
    majors: set[int] = set()
    for _, spec in emscripten_specs(envs):
        found = admitted_majors(spec.version, 4) if spec.version else None
        if not found or len(found) != 1:
            return None
        majors |= found
    return next(iter(majors)) if len(majors) == 1 else None


class XK501(XKCheck):
    """Development, wasm build and wasm host environments"""
    why = 'The kernel builds in three environments: development (native xeus, xeus-zmq, test tools), the wasm build (emscripten, jupyterlite) and the wasm host (xeus and xeus-lite for emscripten-wasm32). pixi environments count as well as environment files.'
    failing = Example('environment-dev.yml', '(only this file; no wasm environments)', '')
    passing = Example('pixi.toml', '[environments]\nwasm-build = { features = ["wasm-build"], no-default-feature = true }\nwasm-host = { features = ["wasm-host"], no-default-feature = true }', 'toml')

    family = ENVIRONMENTS
    anchor = "stack"

    def check(
        self, xk_native: NativeBuild, xk_envs: list[Environment], xk_pixi: Pixi | None, xk_cmake: CMakeProject,
        xk_wasm: WasmBuild,
    ) -> bool | str:
        """Describe the environments the kernel is built in: the template's `environment-dev.yml`, and for
        wasm `environment-wasm-build.yml` and `environment-wasm-host.yml` (or the same three as
        `pixi.toml` environments).
        """
        missing = [role for role in _roles(xk_native, xk_wasm) if not [e for e in xk_envs if e.role == role]]
        if not missing:
            return True
        if xk_pixi is not None and not xk_pixi.error:
            self.at("pixi.toml", None)
            return ("Add to `pixi.toml` " + "; ".join(PIXI_ADVICE[r] for r in missing)
                    + f" (or the template's environment files). Found: no {', '.join(missing)} environment.")
        return self.fail("no " + ", ".join(f"`{FILES[m]}`" for m in missing))


class XK502(XKCheck):
    """Environment files are valid"""
    why = 'An environment file micromamba or pixi cannot read stops CI before it builds anything.'
    failing = Example('environment-dev.yml', 'dependencies: [xeus\n  - xeus-zmq', 'yaml')
    passing = Example('environment-dev.yml', f'channels: [conda-forge]\ndependencies:\n  - xeus {RANGES["xeus"]}\n  - xeus-zmq {RANGES["xeus-zmq"]}', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK501"})

    def check(self, xk_environments: dict[str, YamlFile], xk_pixi: Pixi | None) -> bool | str:
        """Make every `environment*.yml` valid YAML (a mapping with `channels` and a `dependencies` list) and
        `pixi.toml` valid TOML.
        """
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
            else:
                continue
            self.at(path, None)
        if xk_pixi is not None and xk_pixi.error:
            problems.append(xk_pixi.error)
            self.at(xk_pixi.path, None)
        return self.fail(first_lines(problems)) if problems else True


class XK503(XKCheck):
    """xeus, xeus-zmq and xeus-lite pinned to one coherent stack"""
    why = 'xeus, xeus-zmq and xeus-lite are released together; an unpinned or open-ended pin picks up the next major and breaks the build or the protocol.'
    failing = Example('environment-wasm-host.yml', 'dependencies:\n  - xeus\n  - xeus-lite >=4', 'yaml')
    passing = Example('environment-wasm-host.yml', f'dependencies:\n  - xeus {RANGES["xeus"]}\n  - xeus-lite {RANGES["xeus-lite"]}', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(
        self, xk_native: NativeBuild, xk_envs: list[Environment], xk_cmake: CMakeProject, xk_wasm: WasmBuild
    ) -> bool | str:
        problems: list[str] = []
        for env in xk_envs:
            for spec in env.specs:
                if spec.name not in STACK:
                    continue
                if not spec.version:
                    problems.append(f"{env.label}: {spec.name} unpinned")
                elif not pins_major(spec.version, STACK[spec.name]):
                    problems.append(f"{env.label}: {spec.name} {spec.version}")
                else:
                    continue
                self.at(env.path, env.line_of(spec.name))
        needed = {DEV: ("xeus-zmq",)} if xk_native.enabled else {}
        if xk_wasm.enabled:
            needed[WASM_HOST] = ("xeus-lite",)
        for role, packages in needed.items():
            for env in of_role(xk_envs, role):
                for package in packages:
                    if package not in env.names:
                        problems.append(f"{env.label} lacks {package}")
                        self.at(env.path, None)
        return self.fail(first_lines(problems)) if problems else True

    check.__doc__ = (f"Pin one coherent stack in every environment: `xeus {RANGES['xeus']}`, `xeus-zmq "
                     f"{RANGES['xeus-zmq']}` (development), `xeus-lite {RANGES['xeus-lite']}` (wasm host).")


class XK504(XKCheck):
    __doc__ = f"""emscripten {EMSCRIPTEN} in the wasm build environment"""
    why = f'Wasm packages are built with one emscripten (their `emscripten-abi`); the kernel must be built with the same, {EMSCRIPTEN} on the {CHANNEL} channel.'
    failing = Example('environment-wasm-build.yml', 'dependencies:\n  - emscripten_emscripten-wasm32 ==3.1.73', 'yaml')
    passing = Example('environment-wasm-build.yml', f'dependencies:\n  - emscripten_emscripten-wasm32 =={EMSCRIPTEN}', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_envs: list[Environment], xk_wasm: WasmBuild) -> bool | str | None:
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        specs = emscripten_specs(xk_envs)
        if not specs:
            builds = of_role(xk_envs, WASM_BUILD)
            for env in builds:
                self.at(env.path, None)
            return self.fail("no emscripten in " + (", ".join(e.label for e in builds) or "any environment"))
        wrong = []
        for env, s in specs:
            if not s.version or not spec_admits(s.version, EMSCRIPTEN) or not pins_major(s.version, EMSCRIPTEN_MAJOR):
                wrong.append(f"{s.name} {s.version or '(unpinned)'} in {env.label}")
                self.at(env.path, env.line_of(s.name))
        return self.fail(first_lines(wrong)) if wrong else True

    check.__doc__ = (f"Pin `emscripten_emscripten-wasm32 =={EMSCRIPTEN}` in the wasm build environment (the "
                     f"emscripten of the {CHANNEL} packages).")


class XK505(XKCheck):
    __doc__ = f"""The wasm host environment uses the {CHANNEL} channel"""
    why = (f'{CHANNEL} has the emscripten {EMSCRIPTEN_MAJOR} builds of xeus {STACK["xeus"]} and xeus-lite '
           f'{STACK["xeus-lite"]}; other channels have other builds, mixing them breaks the link or the load.')
    failing = Example('environment-wasm-host.yml', 'channels:\n  - https://repo.prefix.dev/emscripten-forge-dev', 'yaml')
    passing = Example('environment-wasm-host.yml', f'channels:\n  - {CHANNEL_URL}\n  - conda-forge', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_envs: list[Environment], xk_wasm: WasmBuild) -> bool | str | None:
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        hosts = of_role(xk_envs, WASM_HOST)
        if not hosts:
            return self.fail("no wasm host environment")
        problems = []
        for env in hosts:
            names = [channel_name(c) for c in env.channels]
            if CHANNEL not in names:
                problems.append(f"{env.label}: channels " + (", ".join(f"`{c}`" for c in env.channels) or "none"))
            else:
                stale = [c for c, n in zip(env.channels, names, strict=True) if "emscripten-forge" in n and n != CHANNEL]
                if not stale:
                    continue
                problems.append(f"{env.label}: also " + ", ".join(f"`{c}`" for c in stale))
            self.at(env.path, env.line_of("emscripten-forge") or env.line_of("channels"))
        return self.fail("; ".join(problems)) if problems else True

    check.__doc__ = f"List the `{CHANNEL_URL}` channel in the wasm host environment, and no other emscripten-forge channel."


class XK506(XKCheck):
    __doc__ = f"""jupyterlite-xeus {JUPYTERLITE_XEUS_MAJOR} in the wasm build environment"""
    why = (f'jupyterlite-xeus {JUPYTERLITE_XEUS_MAJOR} packs and loads xeus-lite {STACK["xeus-lite"]} kernels '
           f'(argv constructor, emscripten {EMSCRIPTEN_MAJOR}).')
    failing = Example('environment-wasm-build.yml', 'dependencies:\n  - jupyterlite-xeus', 'yaml')
    passing = Example('environment-wasm-build.yml', f'dependencies:\n  - jupyterlite-xeus {JUPYTERLITE_XEUS}', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_envs: list[Environment], xk_wasm: WasmBuild) -> bool | str | None:
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        builds = of_role(xk_envs, WASM_BUILD)
        specs = [(e, s) for e in builds for s in [*e.spec("jupyterlite-xeus"), *[p for p in e.pip if p.name == "jupyterlite-xeus"]]]
        if not specs:
            for env in builds:
                self.at(env.path, None)
            return self.fail("no jupyterlite-xeus in " + (", ".join(e.label for e in builds) or "any environment"))
        wrong = []
        for env, s in specs:
            if not s.version or not pins_major(s.version, JUPYTERLITE_XEUS_MAJOR):
                wrong.append(f"jupyterlite-xeus {s.version or '(unpinned)'} in {env.label}")
                self.at(env.path, env.line_of("jupyterlite-xeus"))
        return self.fail(first_lines(wrong)) if wrong else True

    check.__doc__ = (f"Pin `jupyterlite-xeus {JUPYTERLITE_XEUS}` in the wasm build environment (it loads "
                     f"xeus-lite {STACK['xeus-lite']} kernels).")


# --------------------------------------------------------------------------------------
# The kernel's own dependencies

#: CMake package names (find_package) -> conda package names that provide them.
CMAKE_TO_CONDA = {
    "lua": ("lua",),
    "luajit": ("luajit",),
    "sqlite3": ("sqlite", "libsqlite"),
    "sqlitecpp": ("sqlitecpp",),
    "python": ("python",),
    "python3": ("python",),
    "pybind11": ("pybind11",),
    "pybind11_json": ("pybind11_json",),
    "nlohmann_json": ("nlohmann_json",),
    "zeromq": ("zeromq", "libzmq"),
    "cppzmq": ("cppzmq",),
    "openssl": ("openssl",),
    "zlib": ("zlib", "libzlib"),
    "curl": ("libcurl",),
    "doctest": ("doctest",),
    "gtest": ("gtest",),
    "boost": ("boost", "libboost-devel", "libboost-headers", "boost-cpp"),
    "cppinterop": ("cppinterop",),
    "argparse": ("cpp-argparse", "argparse"),
    "pugixml": ("pugixml",),
    "r": ("r-base",),
    "libuuid": ("libuuid",),
    "xtl": ("xtl",),
    "pyjs": ("pyjs",),
    "tabulate": ("cpp-tabulate", "tabulate"),
    "xvega": ("xvega",),
    "xvega-bindings": ("xvega-bindings",),
    "xproperty": ("xproperty",),
    "xwidgets": ("xwidgets",),
    "xcanvas": ("xcanvas",),
    "gmp": ("gmp",),
    "png": ("libpng",),
    "glfw3": ("glfw",),
    "glad": ("glad",),
    "octave": ("octave",),
}
#: What the stack brings along (a kernel need not list these itself).
TRANSITIVE = {
    "xeus": {"nlohmann_json", "xtl", "libuuid"},
    "xeus-zmq": {"xeus", "nlohmann_json", "xtl", "cppzmq", "zeromq", "libzmq", "openssl", "libuuid"},
    "xeus-lite": {"xeus", "nlohmann_json", "xtl"},
    "xeus-python": {"python", "pybind11", "pybind11_json"},
    "r-base": {"r"},
    "jupyter_kernel_test": {"python"},
    "jupyterlab": {"python"},
    "pytest": {"python"},
    "xwidgets": {"xproperty", "xeus"},
    "xcanvas": {"xwidgets", "xproperty", "xeus"},
    "xvega": {"nlohmann_json"},
    "sqlitecpp": {"sqlite", "libsqlite"},
    "xvega-bindings": {"xvega", "nlohmann_json"},
}
#: find_package names that are CMake's own modules or the stack (checked elsewhere).
NOT_DEPENDENCIES = {
    "threads", "pkgconfig", "xeus", "xeus-zmq", "xeus-lite", "xeus-static", "git", "doxygen", "sphinx",
    "cmakeparsearguments", "gnuinstalldirs", "python", "python3", "pythoninterp", "pythonlibs", "openmp",
    "llvm", "clang", "emscripten", "filesystem", "tbb", "cuda", "mpi",
}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]", "", name.lower()).removeprefix("lib")


def _provided(names: set[str]) -> set[str]:
    out = set(names)
    for name in names:
        out |= TRANSITIVE.get(name, set())
    return out


def own_dependencies(cmake: CMakeProject) -> list[tuple[str, str | None, object]]:
    """(CMake package, build it is found in or None for both, command) of each required
    find_package() of the kernel, FetchContent and in-tree packages left out."""
    fetched = {c.args[0].lower() for c in cmake.calls("fetchcontent_declare", "externalproject_add") if c.args}
    out = []
    for call in cmake.calls("find_package"):
        if not call.args or "REQUIRED" not in call.args:
            continue
        branch = call.branch
        if call.guarded:  # behind options: only when their values are known
            sure = cmake.model.surely_runs(call)
            if not sure:
                continue
            branch = next(iter(sure)) if len(sure) == 1 else None
        if any(part in ("test", "tests", "testing", "examples") for part in call.file.split("/")[:-1]):
            continue
        name = call.args[0]
        if "${" in name or name.lower() in NOT_DEPENDENCIES or name.lower() in fetched:
            continue
        out.append((name, branch, call))
    return out


class XK507(XKCheck):
    """The kernel's own dependencies are in the environments CI installs"""
    why = "A package CMake requires but no environment installs fails the build on a fresh machine (CI) while it works on the author's. Compared conservatively: only `find_package(... REQUIRED)` outside option branches, with known CMake-to-conda names and what the xeus stack brings along."
    failing = Example('CMakeLists.txt', 'find_package(Lua 5.4 REQUIRED)   # environment-dev.yml lists no lua', 'cmake')
    passing = Example('environment-dev.yml', f'dependencies:\n  - xeus-zmq {RANGES["xeus-zmq"]}\n  - lua 5.4.*', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(
        self, xk_native: NativeBuild, xk_cmake: CMakeProject, xk_envs: list[Environment],
        xk_ci_envs: list[Environment], xk_wasm: WasmBuild,
    ) -> bool | str | None:
        """List each package your CMake code requires (`find_package(<pkg> REQUIRED)`) in the environment of
        the build that needs it: `environment-dev.yml` for the native build, `environment-wasm-host.yml`
        for the wasm build (the template's `dev_dependencies` / `wasm_host_dependencies` answers).
        """
        deps = own_dependencies(xk_cmake)
        if not deps:
            return self.skip("the CMake code requires no package besides the xeus stack")
        roles = ([DEV] if xk_native.enabled else []) + ([WASM_HOST] if xk_wasm.enabled else [])
        problems: list[str] = []
        checked = False
        for role in roles:
            build = "native" if role == DEV else "wasm"
            envs = [e for e in xk_ci_envs if e.role == role] or of_role(xk_envs, role)
            if not envs:
                continue
            provided = _provided(set().union(*(e.names for e in envs)))
            normal = {_normal(n) for n in provided}
            for name, branch, call in deps:
                if branch and branch != build:
                    continue
                checked = True
                candidates = CMAKE_TO_CONDA.get(name.lower())
                if candidates is not None:
                    ok = any(c in provided for c in candidates)
                else:  # a name we do not know: compare names, and stay quiet when unsure
                    ok = _normal(name) in normal or any(_normal(name) in n or n in _normal(name) for n in normal if len(n) > 2)
                if not ok:
                    problems.append(f"`{name}` (`find_package` at {call.where}) is in no {build} environment "
                                    f"({', '.join(e.label for e in envs)})")
                    self.at(call.file, call.line)
        if problems:
            return self.fail(first_lines(problems))
        if not checked:
            return self.skip("no environment to compare with")
        return True


class XK508(XKCheck):
    """emscripten, the emscripten-forge channel and xeus-lite agree"""
    why = 'emscripten-forge\'s channels are built for one emscripten each (3.1.45, 3.1.73, 4.0.x, 6.0.x) and xeus-lite 5 exists only for emscripten >= 4: a mismatched trio links but fails to load ("getDylinkMetadata is not a function", missing symbols).'
    failing = Example('environment-wasm-build.yml', '# emscripten 3.1.73 with the 4x channel and xeus-lite 5\n  - emscripten_emscripten-wasm32 ==3.1.73', 'yaml')
    passing = Example('environment-wasm-build.yml', f'  - emscripten_emscripten-wasm32 =={EMSCRIPTEN}   # channel {CHANNEL}, xeus-lite {RANGES["xeus-lite"]}', 'yaml')

    family = ENVIRONMENTS
    anchor = "stack"
    requires = frozenset({"XK502"})

    def check(self, xk_envs: list[Environment], xk_wasm: WasmBuild) -> bool | str | None:
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        facts: list[str] = []
        lines: list[tuple[str, int | None]] = []
        em_major = emscripten_major(xk_envs)
        if em_major is not None:
            facts.append(f"emscripten {em_major}")
        channel_lines: set[tuple[int, int]] = set()
        for env in of_role(xk_envs, WASM_HOST) + of_role(xk_envs, WASM_BUILD):
            for channel in env.channels:
                line = EMSCRIPTEN_CHANNELS.get(channel_name(channel))
                if line:
                    channel_lines.add(line)
                    lines.append((env.path, env.line_of(channel_name(channel))))
        lite: set[int] = set()
        for env in of_role(xk_envs, WASM_HOST):
            for spec in env.spec("xeus-lite"):
                majors = admitted_majors(spec.version, 5) if spec.version else None
                if majors and len(majors) == 1:
                    lite |= majors
                    lines.append((env.path, env.line_of("xeus-lite")))
        problems: list[str] = []
        channel_majors = {m for m, _ in channel_lines}
        if em_major is not None and channel_majors and em_major not in channel_majors:
            problems.append(f"emscripten {em_major} with channels for emscripten "
                            + ", ".join(sorted(str(m) for m in channel_majors)))
        if len(channel_majors) > 1:
            problems.append("channels for emscripten " + " and ".join(sorted(str(m) for m in channel_majors)))
        for major in lite:
            allowed = XEUS_LITE_EMSCRIPTEN.get(major)
            if allowed is None:
                continue
            used = {em_major} if em_major is not None else channel_majors
            if used and not used & allowed:
                problems.append(f"xeus-lite {major} is built for emscripten {'/'.join(map(str, sorted(allowed)))}, "
                                f"the build uses {'/'.join(map(str, sorted(used)))}")
        if not problems:
            if em_major is None and not channel_majors:
                return self.skip("neither emscripten nor an emscripten-forge channel is pinned")
            return True
        for path, line in lines:
            self.at(path, line)
        return self.fail("; ".join(problems))

    check.__doc__ = (f"Build with the emscripten the host packages are built with: emscripten {EMSCRIPTEN_MAJOR} "
                     f"with the {CHANNEL} channel and xeus-lite {STACK['xeus-lite']}, emscripten 3.1.x with the "
                     "older channels and xeus-lite 3 or 4 (a mismatch breaks loading: \"getDylinkMetadata is not a "
                     "function\", missing symbols).")


CHECKS = (XK501, XK502, XK503, XK504, XK505, XK506, XK507, XK508)
