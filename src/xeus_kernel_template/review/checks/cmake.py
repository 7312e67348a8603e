"""XK2xx: the CMake build (``CMakeLists.txt``, ``cmake/XeusKernel.cmake``, presets)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, Environment, JsonFile, Kernelspec, NativeBuild, RepoTree, WasmBuild
from ..parsing import admitted_majors, first_lines, is_source_tree_path, version_major
from ..pins import XEUS_LITE_SHARED_XEUS_FROM
from ._base import CMAKE, NO_WASM, Example, XKCheck
from .kernelspec import wasm_specs

_FIND_PACKAGE_KEYWORDS = {
    "EXACT",
    "QUIET",
    "MODULE",
    "CONFIG",
    "NO_MODULE",
    "REQUIRED",
    "COMPONENTS",
    "OPTIONAL_COMPONENTS",
    "NAMES",
    "CONFIGS",
    "HINTS",
    "PATHS",
    "PATH_SUFFIXES",
    "GLOBAL",
    "NO_POLICY_SCOPE",
    "BYPASS_PROVIDER",
    "REGISTRY_VIEW",
    "NO_DEFAULT_PATH",
}


def _in_tests(path: str) -> bool:
    return any(part in ("test", "tests", "testing") for part in path.split("/")[:-1])


def _unreadable(cmake: CMakeProject) -> str:
    return first_lines(cmake.unreadable.values())


def _major_verdict(check: XKCheck, cmake: CMakeProject, package: str, major: int) -> bool | str:
    calls = [c for c in cmake.calls("find_package") if c.args and c.args[0] == package]
    # Test projects (test/CMakeLists.txt) often find packages again, without versions.
    calls = [c for c in calls if not _in_tests(c.file)] or calls
    if not calls:
        found = f"no `find_package({package} ...)`"
        if cmake.unreadable:
            found += f"; unreadable: {_unreadable(cmake)}"
        return check.fail(found)
    problems: list[str] = []
    for call in calls:
        where = f"{call.file}:{call.line}"
        version = call.args[1] if len(call.args) > 1 and call.args[1] not in _FIND_PACKAGE_KEYWORDS else None
        if version is None:
            problems.append(f"`find_package({package})` without a version at {where}")
        else:
            expansions = cmake.expand(version)
            majors = {version_major(v) for v in expansions}
            if None in majors:
                problems.append(f"version `{version}` at {where} cannot be resolved")
            elif majors != {major}:
                shown = "" if expansions == [version] else " = " + " or ".join(sorted(set(expansions)))
                problems.append(f"`find_package({package} {version})`{shown} at {where}")
        if "REQUIRED" not in call.args:
            problems.append(f"`find_package({package})` without REQUIRED at {where}")
    return check.fail(first_lines(problems)) if problems else True


class XK201(XKCheck):
    """Top-level CMakeLists.txt"""
    why = 'Everything the reviewer and the presets do starts from the top-level CMake project.'
    failing = Example('CMakeLists.txt', 'project(xeus-demo\n  VERSION 0.1.0', 'cmake')
    passing = Example('CMakeLists.txt', 'cmake_minimum_required(VERSION 3.25)\nproject(xeus-demo VERSION 0.1.0 LANGUAGES CXX)', 'cmake')

    family = CMAKE
    anchor = "cmake"

    def check(self, xk_repo: RepoTree, xk_cmake: CMakeProject) -> bool | str:
        """Add a top-level `CMakeLists.txt` (the template's calls `xeus_kernel_add()` from
        `cmake/XeusKernel.cmake`).
        """
        if not xk_repo.has("CMakeLists.txt"):
            return False
        if "CMakeLists.txt" in xk_cmake.unreadable:
            return self.fail(xk_cmake.unreadable["CMakeLists.txt"])
        problems = [p for p in xk_cmake.problems if p.startswith("CMakeLists.txt:")]
        return self.fail(first_lines(problems)) if problems else True


class XK202(XKCheck):
    """Build through xeus_kernel_add() from cmake/XeusKernel.cmake"""
    why = '`cmake/XeusKernel.cmake` holds every build convention in one template-owned file, so `copier update` brings build fixes to every kernel.'
    failing = Example('CMakeLists.txt', 'add_executable(xdemo src/main.cpp)\ntarget_link_libraries(xdemo PRIVATE xeus-zmq)', 'cmake')
    passing = Example('CMakeLists.txt', 'list(PREPEND CMAKE_MODULE_PATH "${PROJECT_SOURCE_DIR}/cmake")\ninclude(XeusKernel)\nxeus_kernel_add(xdemo LIBRARY xeus-demo SOURCES src/xinterpreter.cpp)', 'cmake')

    family = CMAKE
    anchor = "cmake"
    requires = frozenset({"XK201"})

    def check(self, xk_repo: RepoTree, xk_cmake: CMakeProject) -> bool | str:
        """Build the kernel with `xeus_kernel_add()` from the template's `cmake/XeusKernel.cmake`
        (`include(XeusKernel)`), so `copier update` brings build fixes.
        """
        if not xk_repo.has("cmake/XeusKernel.cmake"):
            return self.fail("no `cmake/XeusKernel.cmake`")
        calls = [
            c for c in xk_cmake.calls("xeus_kernel_add") if posixpath.basename(c.file) != "XeusKernel.cmake"
        ]
        if not calls:
            return self.fail("no `xeus_kernel_add()` call")
        return True


class XK203(XKCheck):
    """Requires xeus 6"""
    why = 'The interpreter API changed in xeus 6 (`shutdown_request_impl`, `interrupt_request_impl`, `create_info_reply`); building against another major fails or misbehaves.'
    failing = Example('CMakeLists.txt', 'find_package(xeus 5.0 REQUIRED)', 'cmake')
    passing = Example('CMakeLists.txt', 'find_package(xeus 6 REQUIRED)', 'cmake')

    family = CMAKE
    anchor = "stack"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject) -> bool | str:
        """Require xeus 6: `find_package(xeus 6 REQUIRED)` (a `set()` variable holding 6 is fine)."""
        return _major_verdict(self, xk_cmake, "xeus", 6)


class XK204(XKCheck):
    """Requires xeus-zmq 4 (native)"""
    why = 'xeus-zmq 4 is the native server for xeus 6.'
    failing = Example('CMakeLists.txt', 'find_package(xeus-zmq 3.0.0)', 'cmake')
    passing = Example('CMakeLists.txt', 'find_package(xeus-zmq 4 REQUIRED)', 'cmake')

    family = CMAKE
    anchor = "stack"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Require xeus-zmq 4 for the native kernel: `find_package(xeus-zmq 4 REQUIRED)`."""
        if xk_wasm.enabled and not xk_cmake.mentions(r"xeus-zmq"):
            return self.skip("no native build (a wasm-only kernel: no xeus-zmq in CMake)")
        return _major_verdict(self, xk_cmake, "xeus-zmq", 4)


class XK205(XKCheck):
    """Requires xeus-lite 5 (wasm)"""
    why = 'xeus-lite 5 is the wasm server for xeus 6 and what jupyterlite-xeus 5 loads.'
    failing = Example('CMakeLists.txt', 'find_package(xeus-lite REQUIRED)', 'cmake')
    passing = Example('CMakeLists.txt', 'find_package(xeus-lite 5 REQUIRED)', 'cmake')

    family = CMAKE
    anchor = "stack"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Require xeus-lite 5 for the wasm kernel: `find_package(xeus-lite 5 REQUIRED)`."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        return _major_verdict(self, xk_cmake, "xeus-lite", 5)


class XK206(XKCheck):
    """Wasm kernel built with xeus's wasm helpers"""
    why = "xeus's `WasmBuildOptions.cmake` sets the flags every lite kernel needs (embind, `MODULARIZE`, `createXeusModule`, wasm exceptions, `MAIN_MODULE`, the exported runtime methods) for the emscripten in use."
    failing = Example('CMakeLists.txt', 'target_link_options(xdemo PRIVATE "SHELL: -s MODULARIZE=1" "SHELL: -lembind")', 'cmake')
    passing = Example('CMakeLists.txt', 'include(WasmBuildOptions)\nxeus_wasm_compile_options(xdemo)\nxeus_wasm_link_options(xdemo "web,worker")', 'cmake')

    family = CMAKE
    anchor = "cmake"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Build the wasm kernel with xeus's helpers: `include(WasmBuildOptions)`,
        `xeus_wasm_compile_options(<kernel>)`, `xeus_wasm_link_options(<kernel> "web,worker")`.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        missing: list[str] = []
        if not xk_cmake.calls("xeus_wasm_compile_options"):
            missing.append("`xeus_wasm_compile_options()`")
        links = xk_cmake.calls("xeus_wasm_link_options")
        if not links:
            missing.append("`xeus_wasm_link_options()`")
        elif not any(
            "web" in arg and "worker" in arg for call in links for arg in xk_cmake.expanded_args(call)[1:]
        ):
            missing.append('`xeus_wasm_link_options(... "web,worker")`')
        return self.fail("no " + " and no ".join(missing)) if missing else True


# What xeus_wasm_link_options() sets: a flag by hand giving one of these values repeats it.
# (MAIN_MODULE=2 is another choice, not a repeat: keep only what the kernel and its linked
# side modules use; cmake/XeusKernel.cmake makes it for kernels that load no other side
# module at run time.)
_HAND_SETTINGS = {"MAIN_MODULE": {"1"}, "--bind": {""}, "-lembind": {""}}


def _repeats_helper(flag) -> bool:
    return flag.value in _HAND_SETTINGS.get(flag.setting, ())


def _helper_targets(cmake: CMakeProject) -> list:
    return [t for t in cmake.model.targets if cmake.model.calls_for("xeus_wasm_link_options", t)]


class XK207(XKCheck):
    """No MAIN_MODULE or embind flags by hand"""
    why = 'The helper already sets `MAIN_MODULE` and embind; repeating them by hand drifts from the helper when it changes (emscripten 4 replaced `--bind` with `-lembind`). A target without the helper (a test binary) may need them: it is not checked.'
    failing = Example('CMakeLists.txt', 'xeus_wasm_link_options(xdemo "web,worker")\ntarget_link_options(xdemo PRIVATE "SHELL: -s MAIN_MODULE=1")', 'cmake')
    passing = Example('CMakeLists.txt', 'xeus_wasm_link_options(xdemo "web,worker")', 'cmake')

    family = CMAKE
    anchor = "dlopen-and-main_module"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Remove `MAIN_MODULE`, `--bind` and `-lembind` from the targets linked with
        `xeus_wasm_link_options()` (and from flags every target gets): the helper already sets them.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        helped = _helper_targets(xk_cmake)
        if not helped:
            return self.skip("no target is linked with `xeus_wasm_link_options()` (XK206): flags by hand are "
                             "all it has")
        places: dict[str, None] = {}
        for target in helped:
            for flag in xk_cmake.model.flags_of(target):
                if _repeats_helper(flag) and posixpath.basename(flag.file) != "WasmBuildOptions.cmake":
                    shown = flag.setting if flag.setting.startswith("-") else f"{flag.setting}"
                    places.setdefault(f"`{shown}` at {flag.where}", None)
                    self.at(flag.file, flag.line)
        return self.fail(first_lines(list(places))) if places else True


class XK208(XKCheck):
    """No ASYNCIFY"""
    why = 'Asyncify made builds slow and fragile and never worked with every kernel; the lite kernels dropped it (stdin works without it). `ASYNCIFY_IMPORTS` without `-sASYNCIFY` does nothing and is not reported.'
    failing = Example('CMakeLists.txt', 'target_link_options(xdemo PRIVATE "SHELL: -s ASYNCIFY=1")', 'cmake')
    passing = Example('CMakeLists.txt', 'xeus_wasm_link_options(xdemo "web,worker")', 'cmake')

    family = CMAKE
    anchor = "no-asyncify"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Remove `-sASYNCIFY` (and its `ASYNCIFY_*` settings): xeus lite kernels do not use asyncify."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        flags = [f for f in xk_cmake.model.flags if f.setting in ("ASYNCIFY", "JSPI") and f.active]
        if not flags:
            return True  # ASYNCIFY_IMPORTS and friends without ASYNCIFY do nothing
        places = sorted({f.where for f in flags})
        for flag in flags:
            self.at(flag.file, flag.line)
        return self.fail("ASYNCIFY at " + first_lines(places))


def _kernel_json_destinations(cmake: CMakeProject) -> list[tuple[str, str]]:
    """(where, destination) of every command that writes a kernel.json."""
    found: list[tuple[str, str]] = []
    for call in cmake.commands:
        args = list(call.args)
        destinations: list[str] = []
        if call.name == "configure_file" and len(args) >= 2:
            destinations = [args[1]]
        elif call.name == "file" and args:
            mode = args[0].upper()
            if mode in ("WRITE", "APPEND") and len(args) > 1:
                destinations = [args[1]]
            elif mode in ("GENERATE", "CONFIGURE"):
                destinations = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "OUTPUT"]
            elif mode == "COPY_FILE" and len(args) > 2:
                destinations = [args[2]]
            elif (
                mode == "COPY"
                and "DESTINATION" in args[:-1]
                and any(posixpath.basename(a) == "kernel.json" for a in args[1:])
            ):
                destinations = [args[args.index("DESTINATION") + 1] + "/kernel.json"]
        for destination in destinations:
            if re.search(r"(^|[/}])kernel\.json$", destination.strip().rstrip("/")):
                found.append((f"{call.file}:{call.line}", destination))
    return found


class XK209(XKCheck):
    """kernel.json generated into the build tree"""
    why = "A kernel.json written into the source tree is a build product in git's way and ties the sources to one prefix."
    failing = Example('CMakeLists.txt', 'configure_file(share/jupyter/kernels/xdemo/kernel.json.in\n               "${CMAKE_CURRENT_SOURCE_DIR}/share/jupyter/kernels/xdemo/kernel.json")', 'cmake')
    passing = Example('CMakeLists.txt', 'configure_file(share/jupyter/kernels/xdemo/kernel.json.in\n               "${CMAKE_BINARY_DIR}/share/jupyter/kernels/xdemo/kernel.json")', 'cmake')

    family = CMAKE
    anchor = "cmake"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject) -> bool | str:
        """Generate `kernel.json` from `kernel.json.in` into the build tree (`${CMAKE_BINARY_DIR}`), never
        into the source tree.
        """
        destinations = _kernel_json_destinations(xk_cmake)
        if not destinations:
            return self.fail("no command writes a kernel.json")
        in_source = [
            f"`{d}` at {where}"
            for where, d in destinations
            if any(is_source_tree_path(e) for e in xk_cmake.expand(d))
        ]
        return self.fail("written into the source tree: " + first_lines(in_source)) if in_source else True


class XK210(XKCheck):
    """CMakePresets.json"""
    why = "Presets make the README's commands and CI's the same: `cmake --workflow --preset native` builds and tests anywhere."
    failing = Example('CMakePresets.json', '(no file)', '')
    passing = Example('CMakePresets.json', '{"version": 6, "configurePresets": [{"name": "native", "binaryDir": "${sourceDir}/build/native"}]}', 'json')

    family = CMAKE
    anchor = "presets"

    def check(self, xk_presets: JsonFile) -> bool | str:
        """Add the template's `CMakePresets.json` (configure, build, test and workflow presets `native`,
        `native-debug`, `wasm`).
        """
        if not xk_presets.present:
            return False
        if xk_presets.error:
            return self.fail(xk_presets.error)
        if not isinstance(xk_presets.data, dict):
            return self.fail("`CMakePresets.json` is not a JSON object")
        return True


class XK211(XKCheck):
    """Workflow presets native, native-debug and wasm"""
    why = 'Workflow presets (presets version 6) run configure, build and test in one command; `native-debug` is the same in Debug, `wasm` builds, packs and tests the lite kernel.'
    failing = Example('CMakePresets.json', '{"version": 4, "configurePresets": [{"name": "native"}]}', 'json')
    passing = Example('CMakePresets.json', '{"version": 6, "workflowPresets": [{"name": "native", "steps": [\n  {"type": "configure", "name": "native"}, {"type": "build", "name": "native"}, {"type": "test", "name": "native"}]}]}', 'json')

    family = CMAKE
    anchor = "presets"
    requires = frozenset({"XK210"})

    def check(self, xk_presets: JsonFile, xk_wasm: WasmBuild, xk_native: NativeBuild) -> bool | str:
        """Define workflow presets (presets version >= 6) `native` and `native-debug` (configure, build,
        test) and, with a wasm build, `wasm` (a browser-only kernel: `wasm` alone).
        """
        data = xk_presets.data
        problems: list[str] = []
        version = data.get("version")
        if not isinstance(version, int) or version < 6:
            problems.append(f"version {version}")
        workflows = {w.get("name"): w for w in data.get("workflowPresets", []) or [] if isinstance(w, dict)}
        wanted = (["native", "native-debug"] if xk_native.enabled else []) + (["wasm"] if xk_wasm.enabled else [])
        missing = [name for name in wanted if name not in workflows]
        if missing:
            problems.append("no workflow preset " + ", ".join(f"`{m}`" for m in missing))
        for name in ("native", "native-debug"):
            steps = workflows.get(name, {}).get("steps", []) if name in workflows else None
            if steps is not None and not any(isinstance(s, dict) and s.get("type") == "test" for s in steps):
                problems.append(f"workflow `{name}` runs no tests")
        return self.fail("; ".join(problems)) if problems else True


def xeus_lite_major(cmake: CMakeProject, envs: list[Environment]) -> tuple[int | None, str]:
    """The xeus-lite major the wasm build gets, and from where: the wasm host environment's
    pin, else find_package(xeus-lite <version>)."""
    for env in envs:
        if env.role != "wasm-host":
            continue
        for spec in env.spec("xeus-lite"):
            majors = admitted_majors(spec.version, 5) if spec.version else None
            if majors and (len(majors) == 1 or min(majors) >= XEUS_LITE_SHARED_XEUS_FROM):
                # a floor at or above 4 says enough: every such xeus-lite links the shared xeus
                return min(majors), f"{env.label} pins xeus-lite {spec.version}"
    for call in cmake.calls("find_package"):
        if call.args[:1] == ("xeus-lite",) and len(call.args) > 1:
            majors = {version_major(v) for v in cmake.expand(call.args[1])} - {None}
            if len(majors) == 1:
                return next(iter(majors)), f"`find_package(xeus-lite {call.args[1]})` at {call.where}"
    return None, ""


def _main_module(cmake: CMakeProject, target) -> tuple[bool, str]:
    """Whether the target is linked as a MAIN_MODULE (by xeus's helper or by hand)."""
    if cmake.model.calls_for("xeus_wasm_link_options", target):
        return True, "`xeus_wasm_link_options()`"
    for flag in cmake.model.flags_of(target):
        if flag.setting == "MAIN_MODULE":
            return flag.active, f"`-sMAIN_MODULE={flag.value}` at {flag.where}"
    return False, ""


class XK212(XKCheck):
    """Side modules go to a kernel linked as MAIN_MODULE"""
    why = 'Only a MAIN_MODULE can load side modules (xeus-lite\'s `libxeus.so`, the libraries in `metadata.shared`); a kernel linked without it fails at start with "getDylinkMetadata is not a function".'
    failing = Example('CMakeLists.txt', 'target_link_libraries(xdemo PRIVATE xeus-lite)\ntarget_link_options(xdemo PRIVATE "SHELL: -s MODULARIZE=1")', 'cmake')
    passing = Example('CMakeLists.txt', 'target_link_libraries(xdemo PRIVATE xeus-lite)\nxeus_wasm_link_options(xdemo "web,worker")', 'cmake')

    family = CMAKE
    anchor = "dlopen-and-main_module"
    requires = frozenset({"XK201"})

    def check(
        self, xk_cmake: CMakeProject, xk_kernelspecs: list[Kernelspec], xk_envs: list[Environment], xk_wasm: WasmBuild
    ) -> bool | str | None:
        """Link the wasm kernel as a MAIN_MODULE (`xeus_wasm_link_options()` does) when it is given shared
        libraries (`metadata.shared`, xeus-lite's `libxeus.so`): a kernel linked without it cannot load
        them and fails with "getDylinkMetadata is not a function".
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        targets = xk_cmake.model.wasm_targets()
        if not targets:
            return self.skip("no wasm kernel executable found in the CMake code")
        shipped: list[str] = []
        for spec in wasm_specs(xk_kernelspecs):
            metadata = spec.data.get("metadata")
            shared = metadata.get("shared") if isinstance(metadata, dict) else None
            if isinstance(shared, dict) and shared:
                shipped.append(f"`{spec.path}` lists {first_lines(f'`{k}`' for k in shared)} in metadata.shared")
        major, source = xeus_lite_major(xk_cmake, xk_envs)
        if major is not None and major >= XEUS_LITE_SHARED_XEUS_FROM and any(
            "xeus-lite" in xk_cmake.model.links(t, build="wasm") for t in targets
        ):
            shipped.append(f"xeus-lite {major} links the shared `libxeus.so` ({source})")
        if not shipped:
            return self.skip("the kernel is given no shared libraries")
        problems = []
        for target in targets:
            main, how = _main_module(xk_cmake, target)
            if not main:
                problems.append(f"`{target.name}` ({target.where}) is linked without MAIN_MODULE" + (f" ({how})" if how else ""))
                self.at(target.command.file, target.command.line)
        if problems:
            return self.fail(first_lines(problems) + "; but " + first_lines(shipped, 2))
        return True


class XK213(XKCheck):
    """libxeus.so shipped as xeus-lite links xeus"""
    why = 'Since 4.0, xeus-lite links the shared wasm xeus (`libxeus.so`, a side module jupyterlite-xeus ships from the prefix); a kernel that also links `xeus-static` carries two xeus, whose registries and singletons disagree. An older, static xeus-lite has no `libxeus.so` to ship.'
    failing = Example('CMakeLists.txt', 'target_link_libraries(xdemo PRIVATE xeus-lite xeus-static)', 'cmake')
    passing = Example('CMakeLists.txt', 'target_link_libraries(xdemo PRIVATE xeus-lite)', 'cmake')

    family = CMAKE
    anchor = "dlopen-and-main_module"
    requires = frozenset({"XK201"})

    def check(
        self, xk_cmake: CMakeProject, xk_kernelspecs: list[Kernelspec], xk_envs: list[Environment], xk_wasm: WasmBuild
    ) -> bool | str | None:
        """Link xeus the way xeus-lite does: xeus-lite >= 4 links the shared `libxeus.so` (jupyterlite-xeus
        ships it from `PREFIX/lib`), so the kernel links `xeus-lite` and never `xeus-static` as well (two
        xeus in one kernel); with an older xeus-lite, no `libxeus.so` in `metadata.shared`.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        targets = xk_cmake.model.wasm_targets()
        if not targets:
            return self.skip("no wasm kernel executable found in the CMake code")
        major, source = xeus_lite_major(xk_cmake, xk_envs)
        if major is None:
            return self.skip("the xeus-lite version is pinned nowhere (environment or find_package)")
        listed = []
        for spec in wasm_specs(xk_kernelspecs):
            metadata = spec.data.get("metadata")
            shared = metadata.get("shared") if isinstance(metadata, dict) else None
            if isinstance(shared, dict) and "libxeus.so" in shared:
                listed.append(spec)
        problems = []
        if major >= XEUS_LITE_SHARED_XEUS_FROM:
            for target in targets:
                links = xk_cmake.model.links(target, build="wasm")
                if "xeus-lite" in links and "xeus-static" in links:
                    problems.append(f"`{target.name}` links `xeus-static` besides xeus-lite {major}, which links "
                                    f"the shared xeus ({source})")
                    self.at(target.command.file, target.command.line)
            for spec in listed:
                value = spec.data["metadata"]["shared"]["libxeus.so"]
                if value != "lib/libxeus.so":
                    problems.append(f"`{spec.path}` ships `libxeus.so` from `{value}`, not `lib/libxeus.so`")
                    self.at(spec.path, spec.line_of("libxeus.so"))
        else:
            for spec in listed:
                problems.append(f"`{spec.path}` ships `libxeus.so`, but xeus-lite {major} links xeus statically ({source})")
                self.at(spec.path, spec.line_of("libxeus.so"))
        return self.fail(first_lines(problems)) if problems else True


CHECKS = (XK201, XK202, XK203, XK204, XK205, XK206, XK207, XK208, XK209, XK210, XK211, XK212, XK213)
