"""XK2xx: the CMake build (``CMakeLists.txt``, ``cmake/XeusKernel.cmake``, presets)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, JsonFile, RepoTree, WasmBuild
from ..parsing import first_lines, is_source_tree_path, version_major
from ._base import CMAKE, NO_WASM, XKCheck

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

    family = CMAKE
    anchor = "stack"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject) -> bool | str:
        """Require xeus 6: `find_package(xeus 6 REQUIRED)` (a `set()` variable holding 6 is fine)."""
        return _major_verdict(self, xk_cmake, "xeus", 6)


class XK204(XKCheck):
    """Requires xeus-zmq 4 (native)"""

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


# What xeus's helper sets: MAIN_MODULE (=1) and embind. MAIN_MODULE=2 is not a repeat but a
# narrower choice (keep only what the kernel and its linked side modules use): the template's
# cmake/XeusKernel.cmake makes it for kernels that load no other side module.
_HAND_FLAGS = re.compile(r"MAIN_MODULE(?!\s*=\s*2\b)|(?:^|[\s\"'])(?:--bind|-lembind)\b")


class XK207(XKCheck):
    """No MAIN_MODULE or embind flags by hand"""

    family = CMAKE
    anchor = "cmake"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Remove `MAIN_MODULE`, `--bind` and `-lembind` from your CMake: `xeus_wasm_link_options()` already
        sets them.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        hits = xk_cmake.mentions(_HAND_FLAGS.pattern)
        places = sorted({f"`{_HAND_FLAGS.search(a).group().strip()}` at {c.file}:{c.line}" for c, a in hits})
        return self.fail(first_lines(places)) if places else True


class XK208(XKCheck):
    """No ASYNCIFY"""

    family = CMAKE
    anchor = "cmake"
    requires = frozenset({"XK201"})

    def check(self, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Remove the `ASYNCIFY` flags: xeus lite kernels do not use asyncify."""
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        places = sorted({f"{c.file}:{c.line}" for c, _ in xk_cmake.mentions(r"ASYNCIFY")})
        return self.fail("ASYNCIFY at " + first_lines(places)) if places else True


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

    family = CMAKE
    anchor = "presets"
    requires = frozenset({"XK210"})

    def check(self, xk_presets: JsonFile, xk_wasm: WasmBuild) -> bool | str:
        """Define workflow presets (presets version >= 6) `native` and `native-debug` (configure, build,
        test) and, with a wasm build, `wasm`.
        """
        data = xk_presets.data
        problems: list[str] = []
        version = data.get("version")
        if not isinstance(version, int) or version < 6:
            problems.append(f"version {version}")
        workflows = {w.get("name"): w for w in data.get("workflowPresets", []) or [] if isinstance(w, dict)}
        wanted = ["native", "native-debug"] + (["wasm"] if xk_wasm.enabled else [])
        missing = [name for name in wanted if name not in workflows]
        if missing:
            problems.append("no workflow preset " + ", ".join(f"`{m}`" for m in missing))
        for name in ("native", "native-debug"):
            steps = workflows.get(name, {}).get("steps", []) if name in workflows else None
            if steps is not None and not any(isinstance(s, dict) and s.get("type") == "test" for s in steps):
                problems.append(f"workflow `{name}` runs no tests")
        return self.fail("; ".join(problems)) if problems else True


CHECKS = (XK201, XK202, XK203, XK204, XK205, XK206, XK207, XK208, XK209, XK210, XK211)
