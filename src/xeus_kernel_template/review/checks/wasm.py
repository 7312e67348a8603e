"""XK3xx: the wasm glue (the ``xkernel`` export, ``wasm/pre.js``, post.js leftovers)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, CppSources, WasmBuild, WasmGlue
from ..parsing import first_lines, with_unreadable
from ._base import NO_WASM, WASM, XKCheck

_EXPORT = re.compile(r"export_kernel\s*<(?:[^;{}()]|\([^()]*\))*?>\s*\(\s*\"([^\"]*)\"\s*\)")
_INITIALIZE = re.compile(
    r"Module\s*(?:\.\s*initialize_xkernel|\[\s*([\"'`])initialize_xkernel\1\s*\])\s*=(?!=)"
)
_REEXPORT = re.compile(
    r"Module\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*([\"'])([A-Za-z_$][\w$]*)\2\s*\])"  # Module.X or Module["X"]
    r"\s*=\s*([A-Za-z_$][\w$]*)\s*(?=;|,|\n|$|\})"  # = X
)


#: emscripten runtime symbols that old loaders needed re-exported on Module by hand.
RUNTIME_SYMBOLS = {
    "FS",
    "PATH",
    "ENV",
    "ERRNO_CODES",
    "LDSO",
    "GOT",
    "IDBFS",
    "NODEFS",
    "MEMFS",
    "PROXYFS",
    "WORKERFS",
    "wasmTable",
    "wasmMemory",
    "getDylinkMetadata",
    "loadDynamicLibrary",
    "loadWebAssemblyModule",
    "preloadedWasm",
    "UTF8ToString",
    "stringToUTF8",
    "lengthBytesUTF8",
    "addRunDependency",
    "removeRunDependency",
    "getExceptionMessage",
    "ccall",
    "cwrap",
    "getValue",
    "setValue",
    "addFunction",
    "removeFunction",
    "dynCall",
    "stackSave",
    "stackRestore",
    "stackAlloc",
    "callMain",
    "Asyncify",
    "PThread",
}


def _is_runtime_symbol(name: str) -> bool:
    return name in RUNTIME_SYMBOLS or name.startswith(("HEAP", "FS_", "_emscripten_"))


class XK301(XKCheck):
    """The wasm entry point exports the kernel as xkernel"""

    family = WASM
    anchor = "cmake"

    def check(self, xk_cpp: CppSources, xk_wasm: WasmBuild) -> bool | str | None:
        """Register the kernel class as `xkernel` (jupyterlite-xeus creates `new Module.xkernel(argv)`):
        `xeus::export_kernel<interpreter>("xkernel")` in `src/main_emscripten_kernel.cpp`.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        names = {m.group(1): path for path, code in xk_cpp.files.items() for m in _EXPORT.finditer(code)}
        if "xkernel" in names:
            return True
        if names:
            return self.fail(first_lines(f'`export_kernel<...>("{n}")` in `{p}`' for n, p in names.items()))
        found = "no `export_kernel<...>(...)` in the C++ sources"
        return self.fail(with_unreadable(found, xk_cpp.unreadable))


def _initializers(glue: WasmGlue) -> list[str]:
    return [f.path for f in glue.role("pre") if _INITIALIZE.search(f.code)]


class XK302(XKCheck):
    """pre.js defines Module.initialize_xkernel"""

    family = WASM
    anchor = "initialisation-hook"

    def check(self, xk_wasm_glue: WasmGlue, xk_wasm: WasmBuild) -> bool | str | None:
        """Define the async hook `Module.initialize_xkernel` in `wasm/pre.js` (the template's pre.js runs
        your `xkernel_initialize(Module)` from `wasm/initialize_xkernel.js`).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        if _initializers(xk_wasm_glue):
            return True
        pre = [f.path for f in xk_wasm_glue.role("pre")]
        found = ("`" + "`, `".join(pre) + "` defines no `Module.initialize_xkernel`") if pre else "no pre.js"
        return self.fail(with_unreadable(found, xk_wasm_glue.unreadable))


class XK303(XKCheck):
    """The loader waits for initialize_xkernel (run dependency)"""

    family = WASM
    anchor = "initialisation-hook"
    requires = frozenset({"XK302"})

    def check(self, xk_wasm_glue: WasmGlue, xk_wasm: WasmBuild) -> bool | str | None:
        """Hold an emscripten run dependency until `initialize_xkernel` settles (`addRunDependency` in
        `preRun`, `removeRunDependency` when done), so jupyterlite-xeus starts the kernel after the hook.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        for path in _initializers(xk_wasm_glue):
            code = next(f.code for f in xk_wasm_glue.files if f.path == path)
            if re.search(r"\baddRunDependency\s*\(", code) and re.search(r"\bremoveRunDependency\s*\(", code):
                return True
        return self.fail("no `addRunDependency` / `removeRunDependency` pair next to `initialize_xkernel`")


class XK304(XKCheck):
    """pre.js linked with --pre-js"""

    family = WASM
    anchor = "cmake"
    requires = frozenset({"XK302"})

    def check(self, xk_wasm_glue: WasmGlue, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Link `wasm/pre.js` into the module with `--pre-js` (`target_link_options(<kernel> PRIVATE
        "SHELL:--pre-js ...")`).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        targets = {posixpath.basename(p) for p in _initializers(xk_wasm_glue)}
        linked = set(xk_wasm_glue.linked_pre)
        if targets & linked:
            return True
        # --pre-js "${file}" in a loop: the file has to be named somewhere in the CMake code.
        if any("${" in name for name in linked) and any(
            xk_cmake.mentions(r"(^|[/\\\s\"'])" + re.escape(t) + r"\b") for t in targets
        ):
            return True
        if not linked:
            return self.fail("no `--pre-js` in the CMake code")
        return self.fail("`--pre-js` links " + first_lines(f"`{n}`" for n in sorted(linked)))


class XK305(XKCheck):
    """No stale post.js re-exports of runtime symbols"""

    family = WASM
    anchor = "initialisation-hook"

    def check(self, xk_wasm_glue: WasmGlue, xk_wasm: WasmBuild) -> bool | str | None:
        """Delete the runtime re-exports (`Module.FS = FS`, ...) from post.js: `xeus_wasm_link_options()`
        exports them; drop post.js if nothing else is left.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        problems: list[str] = []
        for js in xk_wasm_glue.role("post"):
            names = []
            for m in _REEXPORT.finditer(js.code):
                key = m.group(1) or m.group(3)
                if key == m.group(4) and _is_runtime_symbol(key) and key not in names:
                    names.append(key)
            if names:
                problems.append(f"`{js.path}` re-exports {first_lines(names, 4)}")
        return self.fail("; ".join(problems)) if problems else True


CHECKS = (XK301, XK302, XK303, XK304, XK305)
