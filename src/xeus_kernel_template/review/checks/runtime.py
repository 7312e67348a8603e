"""XK4xx: runtime files, shipped one way (``runtime-files/``, packed with --preload-file)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, CppSources, JsonFile, Kernelspec, RepoTree, WasmGlue, YamlFile
from ..parsing import iter_strings
from ._base import RUNTIME, XKCheck

RUNTIME_DIR = "runtime-files"
NO_RUNTIME_FILES = "the kernel ships no runtime files"

_FS_WRITES = re.compile(
    r"\bFS\s*\.\s*(writeFile|createPreloadedFile|createLazyFile|createDataFile|mount)\s*\("
)


def runtime_mechanisms(
    xk_cmake: CMakeProject,
    xk_kernelspecs: list[Kernelspec],
    xk_wasm_glue: WasmGlue,
    xk_workflows: dict[str, YamlFile],
    xk_lite_config: dict[str, JsonFile],
    xk_repo: RepoTree,
) -> dict[str, str]:
    """Fixture ``xk_runtime_mechanisms``: the ways runtime files reach the kernel,
    mechanism -> where it was seen."""
    found: dict[str, str] = {}
    packed = "packed with --preload-file/--embed-file"
    for call in xk_cmake.calls("xeus_kernel_add"):
        if "RUNTIME_FILES" in call.args and posixpath.basename(call.file) != "XeusKernel.cmake":
            found.setdefault(packed, f"`xeus_kernel_add(... RUNTIME_FILES)` at {call.file}:{call.line}")
    # cmake/XeusKernel.cmake holds the packing code whether or not the kernel uses it.
    for call, _ in xk_cmake.mentions(r"--(preload|embed)-file", skip_files=("XeusKernel.cmake",)):
        found.setdefault(packed, f"{call.file}:{call.line}")
    for spec in xk_kernelspecs:
        metadata = spec.data.get("metadata") if spec.data else None
        if isinstance(metadata, dict) and metadata.get("shared"):
            found.setdefault("kernelspec metadata.shared", f"`{spec.path}`")
    for path, workflow in xk_workflows.items():
        for text in iter_strings(workflow.data):
            if re.search(r"XeusAddon\.mounts|--mounts\b", text):
                found.setdefault("JupyterLite mounts", f"`{path}`")
            if "empack_config" in text:
                found.setdefault("empack packages", f"`{path}`")
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
        if xk_cmake.mentions(r"--(preload|embed)-file.*" + RUNTIME_DIR, skip_files=("XeusKernel.cmake",)):
            return True
        return self.fail(
            "`runtime-files/` is not passed to `xeus_kernel_add(... RUNTIME_FILES runtime-files)`"
        )


class XK403(XKCheck):
    """The interpreter finds runtime files through runtime_dir()"""

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
