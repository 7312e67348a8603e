"""XK1xx: the kernelspec (``share/jupyter/kernels/<kernel>/kernel.json.in``)."""

from __future__ import annotations

import posixpath
import re

from ..fixtures import CMakeProject, Kernelspec, Prefixes, WasmBuild
from ..parsing import PLACEHOLDER_VALUE, first_lines
from ._base import KERNELSPEC, NO_WASM, Example, XKCheck

LOGOS = ("logo-svg.svg", "logo-32x32.png", "logo-64x64.png")


def _parsed(specs: list[Kernelspec]) -> list[Kernelspec]:
    return [s for s in specs if s.data is not None]


def wasm_specs(specs: list[Kernelspec]) -> list[Kernelspec]:
    """The kernelspecs the wasm build installs: wasm-only ones, and shared ones (used by
    both builds) in folders without a wasm-only one."""
    folders = {s.folder for s in specs if s.wasm}
    return [s for s in _parsed(specs) if s.wasm or ("wasm" in s.builds and s.folder not in folders)]


_ABSOLUTE_ROOTS = re.compile(
    r"^(/|\$\{CMAKE_INSTALL_PREFIX\}|\$\{CMAKE_INSTALL_FULL_[A-Z]+\}|\$ENV\{(PREFIX|CONDA_PREFIX|WASM_HOST_PREFIX)\}|"
    r"\$\{(PREFIX|CMAKE_PREFIX_PATH)\}|[A-Za-z]:[/\\])"
)
_BUILTIN_DIRS = {
    "CMAKE_INSTALL_FULL_BINDIR": "${CMAKE_INSTALL_PREFIX}/bin",
    "CMAKE_INSTALL_FULL_LIBDIR": "${CMAKE_INSTALL_PREFIX}/lib",
    "CMAKE_INSTALL_FULL_DATADIR": "${CMAKE_INSTALL_PREFIX}/share",
    "CMAKE_INSTALL_BINDIR": "bin",
    "CMAKE_INSTALL_LIBDIR": "lib",
    "CMAKE_INSTALL_DATADIR": "share",
}


def resolve_program(raw: str, cmake: CMakeProject) -> list[str]:
    """The paths a kernelspec's argv[0] may be once CMake configured it (``@VAR@`` as
    ``${VAR}``, expanded through the project's ``set()`` values)."""
    text = re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)@", r"${\1}", raw)
    out = []
    for expansion in cmake.expand(text):
        for name, value in _BUILTIN_DIRS.items():
            expansion = expansion.replace("${" + name + "}", value)
        out.append(expansion)
    return out or [text]


def argv_written_by_cmake(cmake: CMakeProject) -> str:
    """Where CMake sets argv with string(JSON ... SET ... argv ...), or ""."""
    for command in cmake.commands:
        args = [a.upper() for a in command.args[:4]]
        if command.name == "string" and args[:1] == ["JSON"] and "SET" in args and "argv" in command.args:
            return command.where
    return ""


class XK101(XKCheck):
    """Kernelspec in share/jupyter/kernels/KERNEL/"""
    why = "Jupyter finds kernels in `share/jupyter/kernels/<kernel>/`; the template's CMake installs that folder and writes `kernel.json` from `kernel.json.in` there."
    failing = Example('kernels/xdemo/kernel.json', '{"argv": ["xdemo", "-f", "{connection_file}"], "display_name": "Demo", "language": "demo"}', 'json')
    passing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '{"argv": ["xdemo", "-f", "{connection_file}"], "display_name": "Demo", "language": "demo"}', 'json')

    family = KERNELSPEC
    anchor = "kernelspec"

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Add the kernelspec as `share/jupyter/kernels/<kernel>/kernel.json.in`."""
        if any(s.standard for s in xk_kernelspecs):
            return True
        if xk_kernelspecs:
            return self.fail("only " + first_lines(f"`{s.path}`" for s in xk_kernelspecs))
        return False


class XK102(XKCheck):
    """Kernelspecs are JSON with argv, display_name and language"""
    why = 'Jupyter and jupyterlite-xeus read `argv`, `display_name` and `language`; a kernelspec without `argv` crashes `jupyter lite build`.'
    failing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '{"display_name": "Demo", "language": "demo"}', 'json')
    passing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '{"argv": ["@XDEMO_BIN@xdemo", "-f", "{connection_file}"],\n "display_name": "Demo", "language": "demo"}', 'json')

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK101"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Make every kernelspec valid JSON with `argv` (a list), `display_name` and `language` (`@VAR@`
        placeholders are fine).
        """
        problems: list[str] = []
        for spec in xk_kernelspecs:
            if spec.data is None:
                problems.append(spec.error)
                continue
            missing = [k for k in ("argv", "display_name", "language") if k not in spec.data]
            if missing:
                problems.append(f"`{spec.path}` lacks {', '.join(missing)}")
            elif not isinstance(spec.data["argv"], list) or not spec.data["argv"]:
                problems.append(f"`{spec.path}`: argv is not a non-empty list")
        return self.fail(first_lines(problems)) if problems else True


class XK103(XKCheck):
    """argv: native specs take -f CONNECTION_FILE, wasm specs none"""
    why = 'A native kernel gets its ports from the connection file; in the browser there is none, and a wasm kernel is created with `new Module.xkernel(argv)`.'
    failing = Example('share/jupyter/kernels/xdemo/wasm_kernel.json.in', '{"argv": ["@XDEMO_BIN@xdemo", "-f", "{connection_file}"], "display_name": "Demo", "language": "demo"}', 'json')
    passing = Example('share/jupyter/kernels/xdemo/wasm_kernel.json.in', '{"argv": ["@XDEMO_BIN@xdemo"], "display_name": "Demo", "language": "demo"}', 'json')

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Native kernelspecs end `argv` with `"-f", "{connection_file}"`; wasm-only ones
        (`wasm_kernel.json.in`) have no connection file.
        """
        problems: list[str] = []
        for spec in _parsed(xk_kernelspecs):
            argv = spec.data.get("argv")
            if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
                problems.append(f"`{spec.path}`: argv is not a list of strings")
                continue
            has_connection = any("{connection_file}" in a for a in argv)
            if spec.wasm and has_connection:
                problems.append(f"`{spec.path}` (wasm) passes a connection file")
            elif not spec.wasm and not has_connection:
                problems.append(f"`{spec.path}` has no `{{connection_file}}`")
        return self.fail(first_lines(problems)) if problems else True


class XK104(XKCheck):
    """metadata.wasm_name names the wasm module"""
    why = "Loaders that look the module up by name (and the template's own tests) read `metadata.wasm_name`; it must name the `<kernel>.js` / `.wasm` pair."
    failing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"metadata": {"debugger": false}', 'json')
    passing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"metadata": {"wasm_name": "xdemo", "debugger": false}', 'json')

    family = KERNELSPEC
    anchor = "wasm_name-and-argv0"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec], xk_wasm: WasmBuild) -> bool | str | None:
        """Set `metadata.wasm_name` to the kernel name (the `<kernel>.js` / `.wasm` module) in the kernelspec
        jupyterlite uses.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        specs = _parsed(xk_kernelspecs)
        wasm_specs = [s for s in specs if s.wasm]
        problems: list[str] = []
        for spec in wasm_specs or specs:
            metadata = spec.data.get("metadata")
            name = metadata.get("wasm_name") if isinstance(metadata, dict) else None
            if not isinstance(name, str) or not name.strip():
                problems.append(f"`{spec.path}` has no wasm_name")
                continue
            argv = spec.data.get("argv")
            program = (
                posixpath.basename(argv[0])
                if isinstance(argv, list) and argv and isinstance(argv[0], str)
                else ""
            )
            program = program.replace(PLACEHOLDER_VALUE, "")
            if PLACEHOLDER_VALUE not in name and name not in (spec.name, program):
                problems.append(f"`{spec.path}`: wasm_name `{name}` is neither `{spec.name}` nor `{program}`")
        return self.fail(first_lines(problems)) if problems else True


class XK105(XKCheck):
    """interrupt_mode is message"""
    why = 'xeus installs no SIGINT handler: with the default `signal` mode, interrupting a cell kills the kernel. With `message`, Jupyter sends an interrupt request the kernel answers.'
    failing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '{"argv": ["xdemo", "-f", "{connection_file}"], "display_name": "Demo", "language": "demo"}', 'json')
    passing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '{"argv": ["xdemo", "-f", "{connection_file}"], "display_name": "Demo", "language": "demo",\n "interrupt_mode": "message"}', 'json')

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Set `"interrupt_mode": "message"` in every kernelspec: xeus installs no SIGINT handler, so a
        signal kills the kernel.
        """
        problems = [
            f"`{s.path}`: {s.data.get('interrupt_mode', 'unset')!s}"
            for s in _parsed(xk_kernelspecs)
            if s.data.get("interrupt_mode") != "message"
        ]
        return self.fail(first_lines(problems)) if problems else True


class XK106(XKCheck):
    """Kernelspec folders hold the three logos"""
    why = "JupyterLab's launcher shows `logo-svg.svg`, the classic notebook the PNGs; jupyterlite-xeus copies the logos it finds into the site."
    failing = Example('share/jupyter/kernels/xdemo/', 'kernel.json.in', '')
    passing = Example('share/jupyter/kernels/xdemo/', 'kernel.json.in\nlogo-svg.svg\nlogo-32x32.png\nlogo-64x64.png', '')

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK101"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Put `logo-svg.svg`, `logo-32x32.png` and `logo-64x64.png` next to each kernelspec."""
        problems: list[str] = []
        for folder in sorted({s.folder for s in xk_kernelspecs if s.standard}):
            logos = next(s.logos for s in xk_kernelspecs if s.folder == folder)
            missing = [logo for logo in LOGOS if logo not in logos]
            if missing:
                problems.append(f"`{folder}` lacks {', '.join(missing)}")
        return self.fail(first_lines(problems)) if problems else True


class XK107(XKCheck):
    """argv[0] of the wasm kernelspec is the installed module's absolute path"""
    why = 'jupyterlite-xeus takes `argv[0]`, adds `.js` and `.wasm` and copies those files into the site; when they are not there (a relative name, a wrong folder) it only warns, `kernels.json` stays empty and the page shows "No Kernel".'
    failing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"argv": ["xdemo"]', 'json')
    passing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"argv": ["@CMAKE_INSTALL_PREFIX@/bin/xdemo"]', 'json')

    family = KERNELSPEC
    anchor = "wasm_name-and-argv0"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec], xk_cmake: CMakeProject, xk_wasm: WasmBuild) -> bool | str | None:
        """Make argv[0] of the kernelspec the wasm build installs the absolute path of the installed module
        without suffix (`@CMAKE_INSTALL_PREFIX@/bin/<kernel>`): jupyterlite-xeus opens `argv[0].js` and
        `argv[0].wasm` from where it runs, and a kernel whose files it cannot find is left out of
        `kernels.json` with only a warning ("No Kernel").
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        specs = wasm_specs(xk_kernelspecs)
        if not specs:
            return self.skip("no kernelspec is installed by the wasm build")
        written = argv_written_by_cmake(xk_cmake)
        destinations = _module_destinations(xk_cmake)
        problems: list[str] = []
        unknown: list[str] = []
        for spec in specs:
            raw = spec.raw_argv0
            if raw is None:
                continue
            if written and ("XK_PLACEHOLDER" in str(spec.data.get("argv")) or not raw.startswith(("/", "@", "$"))):
                continue  # argv is written by CMake (string(JSON)): the file's argv is a stand-in
            paths = resolve_program(raw, xk_cmake)
            line = spec.line_of(raw)
            if not any(_ABSOLUTE_ROOTS.match(p) for p in paths):
                if any("${" in p for p in paths):
                    unknown.append(spec.path)
                    continue
                problems.append(f"`{spec.path}`: argv[0] `{raw}` is relative")
                self.at(spec.path, line)
                continue
            dirs = {posixpath.dirname(p) for p in paths if _ABSOLUTE_ROOTS.match(p)}
            if destinations and not any(d.rstrip("/").endswith("/" + dest) or d.rstrip("/") == dest
                                        for d in dirs for dest in destinations):
                problems.append(
                    f"`{spec.path}`: argv[0] `{raw}` is not in the folder the module is installed to "
                    f"({', '.join(sorted(destinations))})"
                )
                self.at(spec.path, line)
        if problems:
            return self.fail(first_lines(problems))
        if unknown and len(unknown) == len(specs):
            return self.skip("argv[0] depends on values set outside CMake: " + first_lines(f"`{u}`" for u in unknown))
        return True


def _module_destinations(cmake: CMakeProject) -> set[str]:
    """Where the wasm module (<kernel>.js) is installed, relative to the prefix."""
    names = {cmake.model.output_name(t) for t in cmake.model.wasm_targets()}
    out: set[str] = set()
    for rule in cmake.model.installs:
        if rule.command.branch == "native":
            continue
        hits = rule.mode in ("FILES", "PROGRAMS") and any(
            re.search(r"(^|[/>])" + re.escape(n) + r"\.js$", item) for item in rule.items for n in names
        ) or rule.mode == "TARGETS" and any(n in rule.items for n in names)
        if hits:
            for destination in rule.destinations:
                for expansion in cmake.expand(destination):
                    for name, value in _BUILTIN_DIRS.items():
                        expansion = expansion.replace("${" + name + "}", value)
                    if "${" not in expansion:
                        out.add(expansion.strip("/"))
    return out


class XK108(XKCheck):
    """Every metadata.shared entry is a side module where the install puts it"""
    why = "jupyterlite-xeus copies each `metadata.shared` entry from `PREFIX/<path>` into the site under the entry's name, which the kernel's loader then asks for; a path that is not installed fails the build, a name that is not the file's is never found."
    failing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"metadata": {"shared": {"lib/libfoo.so": "/usr/lib/libfoo.so"}}', 'json')
    passing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"metadata": {"shared": {"libfoo.so": "lib/libfoo.so"}}', 'json')

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(
        self, xk_kernelspecs: list[Kernelspec], xk_cmake: CMakeProject, xk_wasm: WasmBuild, xk_prefixes: Prefixes
    ) -> bool | str | None:
        """List in `metadata.shared` each side module as `"libfoo.so": "lib/libfoo.so"`: the file name the
        kernel loads, and its path relative to the prefix, where the install (yours or a host package's)
        puts it; jupyterlite-xeus copies `PREFIX/<path>` into the site and the build fails when it is not
        there.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        entries = []
        for spec in wasm_specs(xk_kernelspecs):
            metadata = spec.data.get("metadata")
            shared = metadata.get("shared") if isinstance(metadata, dict) else None
            if shared is None:
                continue
            if not isinstance(shared, dict):
                if shared == PLACEHOLDER_VALUE:
                    continue  # filled in by CMake
                entries.append((spec, None, None))
                continue
            entries += [(spec, k, v) for k, v in shared.items()]
        if not entries:
            return self.skip("no kernelspec lists metadata.shared")
        built = _side_module_destinations(xk_cmake)
        problems: list[str] = []
        for spec, key, value in entries:
            if key is None:
                problems.append(f"`{spec.path}`: metadata.shared is not an object")
                self.at(spec.path, spec.line_of('"shared"'))
                continue
            value = str(value)
            line = spec.line_of(f'"{key}"')
            if PLACEHOLDER_VALUE in value or PLACEHOLDER_VALUE in key:
                continue
            if value.startswith("/") or ".." in value.split("/") or re.match(r"^[A-Za-z]:", value):
                problems.append(f"`{spec.path}`: `{key}` -> `{value}` is not a path inside the prefix")
            elif "/" in key or key != posixpath.basename(value):
                problems.append(f"`{spec.path}`: `{key}` is not the file name of `{value}`")
            elif key in built and posixpath.dirname(value) not in built[key]:
                problems.append(
                    f"`{spec.path}`: `{value}`, but CMake installs `{key}` to {', '.join(sorted(built[key]))}"
                )
            elif xk_prefixes.host and not any((p / value).is_file() for p in xk_prefixes.host):
                problems.append(f"`{spec.path}`: no `{value}` in {', '.join(f'`{p}`' for p in xk_prefixes.host)}")
            else:
                continue
            self.at(spec.path, line)
        return self.fail(first_lines(problems)) if problems else True


def _side_module_destinations(cmake: CMakeProject) -> dict[str, set[str]]:
    """lib<name>.so -> folders the project installs it to (its own SHARED/MODULE libraries)."""
    libraries = {t.name: t for t in cmake.model.targets if t.kind == "library" and t.type in ("SHARED", "MODULE")}
    out: dict[str, set[str]] = {}
    for rule in cmake.model.installs:
        if rule.mode != "TARGETS" or rule.command.branch == "native":
            continue
        for item in rule.items:
            for name in cmake.expand(item):
                if name in libraries:
                    for destination in rule.destinations:
                        for expansion in cmake.expand(destination):
                            expansion = expansion.replace("${CMAKE_INSTALL_LIBDIR}", "lib").replace(
                                "${CMAKE_INSTALL_BINDIR}", "bin")
                            out.setdefault(f"lib{cmake.model.output_name(libraries[name]).removeprefix('lib')}.so",
                                           set()).add(expansion.strip("/"))
    return out


#: kernelspec `env` names that only mean something to a native process.
NATIVE_ENV = re.compile(r"^(PATH|LD_LIBRARY_PATH|LD_PRELOAD|DYLD_[A-Z_]+|LIBPATH|PYTHONHOME|CONDA_PREFIX)$")
_HOST_PATH = re.compile(r"@CMAKE_INSTALL_PREFIX@|@CMAKE_INSTALL_FULL_[A-Z]+@|\$\{CMAKE_INSTALL_PREFIX\}|@[A-Z0-9_]*(DIR|HOME|PATH|PREFIX)@|^/")


class XK109(XKCheck):
    """No native-only env in the wasm kernelspec"""
    why = "jupyterlite-xeus passes the kernel only `argv`; `env` of the kernelspec never reaches the browser, and values such as `LD_LIBRARY_PATH` or the build machine's prefix mean nothing there. Variables the wasm kernel needs are set in pre.js."
    failing = Example('share/jupyter/kernels/xdemo/kernel.json.in', '"env": {"LD_LIBRARY_PATH": "@XDEMO_LIBDIR@", "DEMO_HOME": "@CMAKE_INSTALL_PREFIX@/share/demo"}', 'json')
    passing = Example('wasm/pre.js', 'Module["preRun"] = [].concat(Module["preRun"] || [], () => { ENV["DEMO_HOME"] = "/share/demo"; });', 'js')

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec], xk_wasm: WasmBuild) -> bool | str | None:
        """Keep `env` out of the kernelspec the wasm build installs (a separate `wasm_kernel.json.in` if the
        native one needs it): jupyterlite-xeus ignores it, and PATH-like variables or paths of the build
        machine mean nothing in the browser; set the kernel's variables in pre.js (`ENV` in `preRun`).
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        problems: list[str] = []
        for spec in wasm_specs(xk_kernelspecs):
            env = spec.data.get("env")
            if not isinstance(env, dict) or not env:
                continue
            raw = {k: v for k, v in env.items()}
            native = [k for k in raw if spec.wasm or NATIVE_ENV.match(str(k)) or _raw_value_is_host(spec, str(k))]
            if native:
                problems.append(f"`{spec.path}` ({'wasm' if spec.wasm else 'used by the wasm build'}) sets "
                                + ", ".join(f"`{k}`" for k in native))
                self.at(spec.path, spec.line_of(f'"{native[0]}"'))
        return self.fail(first_lines(problems)) if problems else True


def _raw_value_is_host(spec: Kernelspec, key: str) -> bool:
    m = re.search(r'"' + re.escape(key) + r'"\s*:\s*"((?:[^"\\]|\\.)*)"', spec.text)
    return bool(m and _HOST_PATH.search(m.group(1)))


CHECKS = (XK101, XK102, XK103, XK104, XK105, XK106, XK107, XK108, XK109)
