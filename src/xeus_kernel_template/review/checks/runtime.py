"""XK4xx: runtime files, shipped one way (``runtime-files/``, packed with --preload-file)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, Command, CppSources, JsonFile, RepoTree, WasmGlue
from ._base import RUNTIME, Example, XKCheck

RUNTIME_DIR = "runtime-files"
NO_RUNTIME_FILES = "the kernel ships no runtime files"

_FS_WRITES = re.compile(
    r"\bFS\s*\.\s*(writeFile|createPreloadedFile|createLazyFile|createDataFile|mount)\s*\("
)


def runtime_mechanisms(
    xk_cmake: CMakeProject,
    xk_wasm_glue: WasmGlue,
    xk_commands: list[Command],
    xk_lite_config: dict[str, JsonFile],
    xk_repo: RepoTree,
) -> dict[str, str]:
    """Fixture ``xk_runtime_mechanisms``: the ways runtime files reach the kernel,
    mechanism -> where it was seen.

    Files packed into the module (``--preload-file`` / ``--embed-file`` in CMake or in a
    command), JupyterLite mounts (``--XeusAddon.mounts`` in CI, a task or a script, or
    ``jupyter_lite_config.json``), empack packages, files written by pre/post.js.
    ``metadata.shared`` is none of them: it lists side modules (shared libraries).
    """
    found: dict[str, str] = {}
    packed = "packed with --preload-file/--embed-file"
    for call in xk_cmake.calls("xeus_kernel_add"):
        if "RUNTIME_FILES" in call.args and posixpath.basename(call.file) != "XeusKernel.cmake":
            found.setdefault(packed, f"`xeus_kernel_add(... RUNTIME_FILES)` at {call.file}:{call.line}")
    # cmake/XeusKernel.cmake holds the packing code whether or not the kernel uses it.
    for flag in xk_cmake.model.flags:
        if flag.setting in ("--preload-file", "--embed-file") and posixpath.basename(flag.file) != "XeusKernel.cmake":
            found.setdefault(packed, flag.where)
    for command in xk_commands:
        if re.search(r"--(preload|embed)-file\b", command.text):
            found.setdefault(packed, command.origin)
        if re.search(r"XeusAddon\.mounts|--mounts\b", command.text):
            found.setdefault("JupyterLite mounts", command.origin)
        if "empack_config" in command.text:
            found.setdefault("empack packages", command.origin)
    for path, config in xk_lite_config.items():
        if isinstance(config.data, dict):
            addon = config.data.get("XeusAddon", {})
            if isinstance(addon, dict) and addon.get("mounts"):
                found.setdefault("JupyterLite mounts", f"`{path}`")
            if isinstance(addon, dict) and addon.get("empack_config"):
                found.setdefault("empack packages", f"`{path}`")
    for path in xk_repo.named(r"empack_config\.ya?ml"):
        found.setdefault("empack packages", f"`{path}`")
    for js in xk_wasm_glue.files:
        if js.role in ("pre", "post") and (m := _FS_WRITES.search(js.code)):
            found.setdefault("files written by pre/post.js", f"`FS.{m.group(1)}` in `{js.path}`")
    return found


def _ships(mechanisms: dict[str, str], xk_repo: RepoTree) -> bool:
    return bool(mechanisms) or bool(xk_repo.under(RUNTIME_DIR))


class XK401(XKCheck):
    """Runtime files travel one way"""
    why = ('Runtime files used to travel three ways (packed data, JupyterLite mounts, empack); one way, the same natively and in wasm, is one thing to get right. The packages jupyterlite-xeus packs from the host environment (its default empack packing) are dependencies, not runtime files of the kernel.')
    failing = Example('.github/workflows/lite.yml', 'run: jupyter lite build --XeusAddon.mounts=$PREFIX/share/demo:/share/demo\n# and CMakeLists.txt: --preload-file data@/share/data', 'yaml')
    passing = Example('CMakeLists.txt', 'xeus_kernel_add(xdemo LIBRARY xeus-demo SOURCES src/xinterpreter.cpp\n    RUNTIME_FILES runtime-files)', 'cmake')

    family = RUNTIME
    anchor = "runtime-files"

    def check(self, xk_repo: RepoTree, xk_runtime_mechanisms: dict[str, str]) -> bool | str | None:
        """Ship runtime files one way only: `runtime-files/`, installed natively and packed into
        `<kernel>.data` with `--preload-file`.
        """
        if not _ships(xk_runtime_mechanisms, xk_repo):
            return self.skip(NO_RUNTIME_FILES)
        if len(xk_runtime_mechanisms) <= 1:
            return True
        ways = "; ".join(f"{k} ({v})" for k, v in xk_runtime_mechanisms.items())
        return self.fail(f"{len(xk_runtime_mechanisms)} ways: {ways}")


class XK402(XKCheck):
    """Runtime files live in runtime-files/ and go through xeus_kernel_add"""
    why = '`xeus_kernel_add(... RUNTIME_FILES runtime-files)` installs the folder natively to `share/<kernel>` and packs it into `<kernel>.data` for wasm.'
    failing = Example('CMakeLists.txt', 'target_link_options(xdemo PRIVATE "SHELL:--preload-file ${CMAKE_SOURCE_DIR}/stdlib@/share/stdlib")', 'cmake')
    passing = Example('CMakeLists.txt', 'xeus_kernel_add(xdemo LIBRARY xeus-demo SOURCES src/xinterpreter.cpp RUNTIME_FILES runtime-files)', 'cmake')

    family = RUNTIME
    anchor = "runtime-files"

    def check(
        self, xk_repo: RepoTree, xk_cmake: CMakeProject, xk_runtime_mechanisms: dict[str, str]
    ) -> bool | str | None:
        """Keep runtime files in `runtime-files/` and pass `RUNTIME_FILES runtime-files` to
        `xeus_kernel_add()` (installed to `share/<kernel>`, packed for wasm).
        """
        if not _ships(xk_runtime_mechanisms, xk_repo):
            return self.skip(NO_RUNTIME_FILES)
        if not xk_repo.under(RUNTIME_DIR):
            return self.fail("no `runtime-files/` folder")
        for call in xk_cmake.calls("xeus_kernel_add"):
            args = list(call.args)
            if "RUNTIME_FILES" in args[:-1] and RUNTIME_DIR in args[args.index("RUNTIME_FILES") + 1]:
                return True
        for flag in xk_cmake.model.flags:
            if flag.setting in ("--preload-file", "--embed-file") and RUNTIME_DIR in "".join(
                xk_cmake.expand(flag.value)
            ):
                return True
        return self.fail(
            "`runtime-files/` is not passed to `xeus_kernel_add(... RUNTIME_FILES runtime-files)`"
        )


class XK403(XKCheck):
    """The interpreter finds runtime files through runtime_dir()"""
    why = 'One accessor finds the files wherever they are (the install prefix natively, `/share/<kernel>` in wasm, the source tree in tests).'
    failing = Example('src/xinterpreter.cpp', 'std::ifstream init("/usr/share/xdemo/init.demo");', 'cpp')
    passing = Example('src/xinterpreter.cpp', 'std::ifstream init(metadata::runtime_dir() + "/init.demo");', 'cpp')

    family = RUNTIME
    anchor = "runtime-files"
    requires = frozenset({"XK402"})

    def check(self, xk_repo: RepoTree, xk_cpp: CppSources) -> bool | str | None:
        """Find runtime files through the one accessor `metadata::runtime_dir()`
        (`include/<project>/kernel_metadata.hpp`), which `<KERNEL>_RUNTIME_DIR` can redirect.
        """
        if not xk_repo.under(RUNTIME_DIR):
            return self.skip(NO_RUNTIME_FILES)
        accessor = [p for p, code in xk_cpp.files.items() if re.search(r"\bruntime_dir\s*\(", code)]
        variable = [p for p, code in xk_cpp.files.items() if "_RUNTIME_DIR" in code]
        if accessor and variable:
            return True
        missing = [
            what
            for what, found in (("`runtime_dir()`", accessor), ("`<KERNEL>_RUNTIME_DIR`", variable))
            if not found
        ]
        return self.fail("no " + " and no ".join(missing) + " in `src/` or `include/`")


CHECKS = (XK401, XK402, XK403)
