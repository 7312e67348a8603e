"""XK3xx: the wasm glue (the ``xkernel`` export, ``wasm/pre.js``, post.js leftovers)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, CppSources, Environment, Kernelspec, WasmBuild, WasmGlue, XeusWasmOptions
from ..parsing import PLACEHOLDER_VALUE, first_lines, with_unreadable
from ._base import NO_WASM, WASM, Example, XKCheck
from .environments import emscripten_major
from .kernelspec import argv_written_by_cmake, resolve_program, wasm_specs

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
    why = 'jupyterlite-xeus creates the kernel with `new Module.xkernel(argv)`: the class must be registered under that name.'
    failing = Example('src/main_emscripten_kernel.cpp', 'xeus::export_kernel<xeus_demo::interpreter>("mykernel");', 'cpp')
    passing = Example('src/main_emscripten_kernel.cpp', 'xeus::export_core();\nxeus::export_kernel<xeus_demo::interpreter>("xkernel");', 'cpp')

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
    """Glue files that define the hook (linked ones, and files named like a pre.js)."""
    return [f.path for f in glue.files if f.role in ("pre", "post", "other") and _INITIALIZE.search(f.code)]


class XK302(XKCheck):
    """pre.js defines Module.initialize_xkernel"""
    why = 'One async start-up hook for every kernel (the unified conventions): the place for fetching files, setting up the file system, anything the interpreter needs before its first request.'
    failing = Example('wasm/pre.js', 'Module.onRuntimeInitialized = () => setup();', 'js')
    passing = Example('wasm/pre.js', 'Module["initialize_xkernel"] = () => xkernel_initialize(Module);', 'js')

    family = WASM
    anchor = "initialisation-hook"

    def check(self, xk_wasm_glue: WasmGlue, xk_wasm: WasmBuild) -> bool | str | None:
        """Define the async hook `Module.initialize_xkernel` in a pre.js of the kernel (the template's
        `wasm/pre.js` runs your `xkernel_initialize(Module)` from `wasm/initialize_xkernel.js`).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        if _initializers(xk_wasm_glue):
            return True
        pre = [f.path for f in xk_wasm_glue.role("pre")]
        linked = xk_wasm_glue.linked_as("--pre-js")
        for item in linked:
            self.at(item.file, item.line)
        if pre:
            found = "`" + "`, `".join(pre) + "` defines no `Module.initialize_xkernel`"
        elif linked:
            found = "; ".join(
                f"`--pre-js {item.value}` at {item.where} is {item.origin}" for item in linked
            ) + ": none defines `Module.initialize_xkernel`"
        else:
            found = "no pre.js: nothing is passed to `--pre-js`, no file is named like one"
        return self.fail(with_unreadable(found, xk_wasm_glue.unreadable))


class XK303(XKCheck):
    """The loader waits for initialize_xkernel (run dependency)"""
    why = "jupyterlite-xeus waits for emscripten's run dependencies before it creates the kernel, and calls no hook itself; holding one until `initialize_xkernel` settles is what makes it wait."
    failing = Example('wasm/pre.js', 'Module["initialize_xkernel"] = async () => { await setup(); };', 'js')
    passing = Example('wasm/pre.js', 'Module["preRun"] = [].concat(Module["preRun"] || [], () => {\n  addRunDependency("initialize_xkernel");\n  Module["initialize_xkernel"]().then(() => removeRunDependency("initialize_xkernel"));\n});', 'js')

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
        for path in _initializers(xk_wasm_glue):
            self.at(path, None)
        return self.fail("no `addRunDependency` / `removeRunDependency` pair next to `initialize_xkernel`")


class XK304(XKCheck):
    """pre.js linked with --pre-js"""
    why = 'A pre.js that is not linked is not in the module: the hook it defines never runs.'
    failing = Example('CMakeLists.txt', 'target_link_options(xdemo PRIVATE "SHELL:--post-js ${PROJECT_SOURCE_DIR}/wasm/pre.js")', 'cmake')
    passing = Example('CMakeLists.txt', 'target_link_options(xdemo PRIVATE "SHELL:--pre-js ${PROJECT_SOURCE_DIR}/wasm/pre.js")', 'cmake')

    family = WASM
    anchor = "cmake"
    requires = frozenset({"XK302"})

    def check(self, xk_wasm_glue: WasmGlue, xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Link the pre.js that defines `initialize_xkernel` into the module with `--pre-js`
        (`target_link_options(<kernel> PRIVATE "SHELL:--pre-js ...")`).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        targets = set(_initializers(xk_wasm_glue))
        linked = xk_wasm_glue.linked_as("--pre-js")
        if any(item.path in targets for item in linked):
            return True
        for path in targets:
            self.at(path, None)
        as_post = [i for i in xk_wasm_glue.linked_as("--post-js") if i.path in targets]
        if as_post:
            return self.fail(first_lines(f"`{i.path}` is linked with `--post-js` at {i.where}" for i in as_post))
        if not linked:
            return self.fail("no `--pre-js` in the CMake code")
        return self.fail("`--pre-js` links " + first_lines(f"`{i.value}` ({i.where})" for i in linked))


class XK305(XKCheck):
    """No post.js re-exports of what xeus's wasm helper exports"""
    why = 'Old loaders needed runtime symbols re-exported on `Module` by hand; what `xeus_wasm_link_options()` exports (its `EXPORTED_RUNTIME_METHODS`, read from the installed xeus or the pinned one) needs no re-export. Others (`wasmTable`, `UTF8ToString`) are not exported by the helper: deleting those would break a kernel that uses them.'
    failing = Example('wasm/post.js', 'Module["FS"] = FS;\nModule["PATH"] = PATH;', 'js')
    passing = Example('wasm/post.js', 'Module["wasmTable"] = wasmTable;  // not exported by the helper', 'js')

    family = WASM
    anchor = "initialisation-hook"

    def check(
        self,
        xk_wasm_glue: WasmGlue,
        xk_wasm: WasmBuild,
        xk_xeus_wasm_options: XeusWasmOptions,
        xk_envs: list[Environment],
    ) -> bool | str | None:
        """Delete from post.js the re-exports (`Module.FS = FS`, ...) of the runtime methods
        `xeus_wasm_link_options()` already exports; keep the others, or list them in your own
        `-sEXPORTED_RUNTIME_METHODS`.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        helper_exports = xk_xeus_wasm_options.for_emscripten(emscripten_major(xk_envs))
        exported = set(helper_exports)
        problems: list[str] = []
        kept: list[str] = []
        for js in xk_wasm_glue.role("post"):
            names = []
            for m in _REEXPORT.finditer(js.code):
                key = m.group(1) or m.group(3)
                if key == m.group(4) and _is_runtime_symbol(key) and key not in names:
                    names.append(key)
            redundant = [n for n in names if n in exported]
            kept += [n for n in names if n not in exported and n not in kept]
            if redundant:
                problems.append(f"`{js.path}` re-exports {first_lines(redundant, 4)}")
                self.at(js.path, None)
        if not problems:
            return True
        note = (f" (the helper exports {', '.join(helper_exports)}, per {xk_xeus_wasm_options.source}"
                + (f"; keep {first_lines(kept, 4)}: the helper does not export them" if kept else "") + ")")
        return self.fail("; ".join(problems) + note)


class XK308(XKCheck):
    """The wasm executable and the kernelspec agree on names"""
    why = "jupyterlite-xeus loads `argv[0].js`: the wasm executable's output name, the kernelspec's argv[0] and `metadata.wasm_name` must be one name, or the kernel is not found."
    failing = Example('CMakeLists.txt', 'add_executable(xeus_kernel src/main_emscripten_kernel.cpp)  # argv[0] is .../bin/xdemo', 'cmake')
    passing = Example('CMakeLists.txt', 'add_executable(xdemo src/main_emscripten_kernel.cpp)  # argv[0] is .../bin/xdemo', 'cmake')

    family = WASM
    anchor = "wasm_name-and-argv0"

    def check(self, xk_cmake: CMakeProject, xk_kernelspecs: list[Kernelspec], xk_wasm: WasmBuild) -> bool | str | None:
        """Name the wasm executable (its output name: `<name>.js`, `<name>.wasm`) after the kernel: the
        basename of argv[0] in the kernelspec the wasm build installs, and `metadata.wasm_name` when set.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        targets = xk_cmake.model.wasm_targets()
        specs = wasm_specs(xk_kernelspecs)
        if not targets:
            return self.skip("no wasm kernel executable found in the CMake code")
        if not specs:
            return self.skip("no kernelspec is installed by the wasm build")
        modules = {xk_cmake.model.output_name(t): t for t in targets}
        written = argv_written_by_cmake(xk_cmake)
        problems: list[str] = []
        for spec in specs:
            names: list[tuple[str, str]] = []
            raw = spec.raw_argv0
            if raw and not (written and not raw.startswith(("/", "@", "$"))):
                programs = {posixpath.basename(p) for p in resolve_program(raw, xk_cmake)}
                programs = {p for p in programs if "${" not in p}
                if programs and not programs & set(modules):
                    names.append(("argv[0]", " or ".join(sorted(programs))))
            metadata = spec.data.get("metadata")
            wasm_name = metadata.get("wasm_name") if isinstance(metadata, dict) else None
            named = isinstance(wasm_name, str) and wasm_name and PLACEHOLDER_VALUE not in wasm_name
            if named and wasm_name not in modules:
                names.append(("metadata.wasm_name", wasm_name))
            for what, value in names:
                problems.append(f"`{spec.path}`: {what} names `{value}`")
                self.at(spec.path, spec.line_of(value.split(" or ")[0]))
        if problems:
            built = ", ".join(f"`{n}` ({t.where})" for n, t in modules.items())
            return self.fail(first_lines(problems) + f"; the wasm build makes {built}")
        return True


CHECKS = (XK301, XK302, XK303, XK304, XK305, XK308)
