"""The thin, author-owned CMakeLists.txt of an adopted kernel, from its hand-written build.

Every command of the kernel's CMake gets one verdict in a ledger (``ThinBuild.ledger``):
*carried* (written into the new file as it was, under the conditions it had: what only the
kernel knows, its sources, dependencies, options, configure steps, targets, modules and
kernelspec extras), *replaced* (naming the convention of cmake/XeusKernel.cmake that now does
it: xeus itself, the wasm flags, the executables, the kernelspec, install rules, tests), or
*human* (with why: flags without a home, asyncify where the C++ suspends, what reads a file
the plan removes, a condition on a macro's own parameter). A command nothing recognises is
carried, never dropped.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable

from ..review.cmake_model import split_flags
from ..review.parsing import PLACEHOLDER_VALUE as PLACEHOLDER
from ..review.parsing import CMakeCommand, collect_variables, expand_variables

# Packages and targets the template finds and links itself.
TEMPLATE_PACKAGES = {
    "xeus", "xeus-zmq", "xeus-lite", "nlohmann_json", "xtl", "threads", "cppzmq", "zeromq", "zeromq4",
    "openssl", "libuuid", "python", "pythoninterp",
}
TEMPLATE_LINKED = re.compile(
    r"^(xeus|xeus-zmq|xeus-lite|xeus-static|xeus-zmq-static|nlohmann_json::nlohmann_json|xtl|Threads::Threads"
    r"|\$\{CMAKE_THREAD_LIBS_INIT\}|cppzmq(-static)?|libzmq(-static)?|OpenSSL::\w+|-?pthread)$"
)
# Options that choose what the template decides: library kinds, executables, tests, wasm.
TEMPLATE_OPTIONS = re.compile(
    r"(BUILD_(\w+_)?(SHARED|STATIC|EXECUTABLE)\b|USE_SHARED|STATIC_DEPENDENCIES|EMSCRIPTEN|WASM|"
    r"DOWNLOAD_GTEST)",
    re.IGNORECASE,
)
ENTRY_POINT = re.compile(r"(^|/)main[^/]*\.(cpp|cc|cxx)$")
SOURCE = re.compile(r"\.(cpp|cc|cxx|c)$")
FLAG_WITHOUT_HOME = re.compile(r"-s\s*(ASYNCIFY|EXPORTED_FUNCTIONS|EXPORTED_RUNTIME_METHODS|MODULARIZE)\b|--(embed|preload)-file")


@dataclasses.dataclass
class ThinBuild:
    text: str  # the new CMakeLists.txt
    library: str  # the old interpreter library target
    sources: list[str]
    shared: bool
    carried: list[str]  # what came over, one line each
    replaced: list[str]  # what the template now does instead
    needs_human: list[str]
    ledger: list = dataclasses.field(default_factory=list)  # Entry per command: where each went


def bracket_argument(text: str) -> str:
    """*text* as a CMake bracket argument, [=[...]=], with as many "=" as it takes for the
    first closing bracket to be the last one."""
    level = ""
    while (text + "]" + level + "]").find("]" + level + "]") != len(text):
        level += "="
    return f"[{level}[{text}]{level}]"


def _strip_source_dir(path: str) -> str:
    return re.sub(r"^\$\{(CMAKE_CURRENT_SOURCE_DIR|PROJECT_SOURCE_DIR|CMAKE_SOURCE_DIR)\}/", "", path)


def _negate(condition: str) -> str:
    if condition.startswith("NOT ") and " " not in condition[4:]:
        return condition[4:]
    return f"NOT ({condition})" if " " in condition else f"NOT {condition}"


def _conditions(commands: list[CMakeCommand]) -> list[tuple[str, ...]]:
    """For each command, the conditions (if/elseif/else chain, outermost first) it runs under."""
    stack: list[list[str]] = []  # per open if: the conditions of its current branch
    result: list[tuple[str, ...]] = []
    for command in commands:
        name = command.name
        args = " ".join(command.args)
        if name == "if":
            result.append(tuple(c for frame in stack for c in frame))
            stack.append([args])
            continue
        if name in ("elseif", "else") and stack:
            previous = [_negate(c) for c in stack[-1][-1:]]
            stack[-1] = stack[-1][:-1] + previous + ([args] if name == "elseif" else [])
            result.append(())
            continue
        if name == "endif" and stack:
            stack.pop()
            result.append(())
            continue
        result.append(tuple(c for frame in stack for c in frame))
    return result


def _enclosing(commands: list[CMakeCommand]) -> list[str]:
    """For each command, the macro or function it is defined in ("" at the top level)."""
    result, current = [], ""
    for command in commands:
        if command.name in ("macro", "function") and command.args:
            result.append("")
            current = command.args[0].lower()
        elif command.name in ("endmacro", "endfunction"):
            result.append("")
            current = ""
        else:
            result.append(current)
    return result


def _arguments(args: tuple[str, ...] | list[str]) -> str:
    """Arguments written back: quoted where CMake would otherwise split or reinterpret them
    (spaces, specials, a path made from a variable that may hold spaces), a lone ${VAR} left
    unquoted so that a list still expands to its items."""
    out = []
    for arg in args:
        lone_variable = re.fullmatch(r"\$\{[A-Za-z0-9_]+\}", arg) is not None
        if arg == "" or re.search(r'[\s;()#"\\]', arg) or ("${" in arg and not lone_variable and "$<" not in arg):
            out.append(_quote(arg))
        else:
            out.append(arg)
    return " ".join(out)


_SKIP = object()


class _Emitter:
    """Writes carried commands under the conditions they had. A condition on one of the
    options the template decides is rewritten: a wasm switch becomes EMSCRIPTEN; for a
    library-kind switch (shared or static, with or without executable), the branch the
    template builds is kept (the option on) and the other one left out. Consecutive commands
    under the same conditions share one if(); identical blocks are written once."""

    def __init__(self, template_options: set[str]):
        self.template_options = template_options
        self.blocks: list[tuple[str, list[str]]] = []  # (condition, commands)

    def condition(self, condition: str) -> str | object | None:
        for option in self.template_options:
            if re.search(rf"\b{re.escape(option)}\b", condition):
                if re.search(r"EMSCRIPTEN|WASM", option, re.IGNORECASE):
                    condition = re.sub(rf"\b{re.escape(option)}\b", "EMSCRIPTEN", condition)
                    continue
                if re.fullmatch(rf"NOT\s+\(?{re.escape(option)}\)?", condition.strip()):
                    return _SKIP
                if condition.strip() == option:
                    return None
                # In a longer condition, the option has the value the template decided: on.
                condition = re.sub(rf"\b{re.escape(option)}\b", "ON", condition)
        return condition

    def emit(self, conditions: tuple[str, ...], text: str) -> None:
        mapped = [self.condition(c) for c in conditions]
        if _SKIP in mapped:
            return
        kept = [c for c in mapped if c]
        joined = kept[0] if len(kept) == 1 else " AND ".join(f"({c})" if " " in c else c for c in kept)
        if any(text in commands for condition, commands in self.blocks if condition == joined):
            return
        if self.blocks and self.blocks[-1][0] == joined:
            self.blocks[-1][1].append(text)
        else:
            self.blocks.append((joined, [text]))

    def lines(self) -> list[str]:
        out: list[str] = []
        for condition, commands in self.blocks:
            body = [line for command in commands for line in command.split("\n")]
            out += [f"if({condition})", *(f"    {line}" for line in body), "endif()"] if condition else body
        return out


_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
# Commands that set what later commands read: they keep their place before xeus_kernel_add().
VARIABLE_COMMANDS = {"set", "list", "string", "option", "find_package", "include", "math", "file", "message",
                     "cmake_path", "get_filename_component", "execute_process", "pkg_check_modules"}
# Commands of the whole build (not of one target) that carry over as they are.
GLOBAL_COMMANDS = {"find_package", "option", "add_compile_definitions", "add_definitions", "include_directories",
                   "link_directories", "link_libraries"}
TARGET_COMMANDS = {"target_link_libraries", "target_include_directories", "target_compile_definitions",
                   "target_compile_options", "target_link_options"}
SEARCH_PATHS = {"CMAKE_MODULE_PATH", "CMAKE_PREFIX_PATH"}
TEMPLATE_INCLUDES = {"GNUInstallDirs", "CMakePackageConfigHelpers", "WasmBuildOptions", "CMakeFindDependencyMacro",
                     "CTest"}
STRUCTURE = {"if", "elseif", "else", "endif", "endforeach", "endwhile", "endmacro", "endfunction", "return",
             "break", "continue"}
# Variables whose job the template's conventions do, each with the convention.
TEMPLATE_VARIABLES = {
    "CMAKE_BUILD_TYPE": "the presets' build type (CMakePresets.json)",
    "CMAKE_EXECUTABLE_SUFFIX": "the wasm kernel's .js/.wasm (cmake/XeusKernel.cmake)",
    "CMAKE_CXX_STANDARD_REQUIRED": "cxx_std_17 on the library (cmake/XeusKernel.cmake)",
    "CMAKE_CXX_EXTENSIONS": "cxx_std_17 on the library (cmake/XeusKernel.cmake)",
    "CMAKE_INSTALL_PREFIX": "the install prefix: $CONDA_PREFIX or the wasm host prefix (cmake/XeusKernel.cmake)",
    "CMAKE_INSTALL_RPATH": "the kernel's rpath (cmake/XeusKernel.cmake)",
    "CMAKE_INSTALL_RPATH_USE_LINK_PATH": "the kernel's rpath (cmake/XeusKernel.cmake)",
    "CMAKE_POSITION_INDEPENDENT_CODE": "the library kinds (cmake/XeusKernel.cmake)",
    "CMAKE_EXPORT_COMPILE_COMMANDS": "the presets (cmake/XeusKernelPresets.json)",
}
# C++ calls that suspend the kernel: they need ASYNCIFY or JSPI, which the template leaves out.
SUSPENDING = re.compile(r"\b(emscripten_sleep|emscripten_wget|emscripten_async_call_sync|EM_ASYNC_JS|"
                        r"emscripten_promise_await|emscripten_fiber_swap)\b")


@dataclasses.dataclass(frozen=True)
class Entry:
    """Where one command of the kernel's CMake went: "carried", "replaced" (by the named
    convention) or "human" (why it needs one)."""

    where: str
    kind: str
    message: str


@dataclasses.dataclass
class _Ledger:
    entries: list[Entry] = dataclasses.field(default_factory=list)
    seen: set[int] = dataclasses.field(default_factory=set)

    def add(self, command: CMakeCommand | None, kind: str, message: str) -> None:
        if command is not None:
            if id(command) in self.seen:
                return
            self.seen.add(id(command))
        where = command.where if command is not None else ""
        self.entries.append(Entry(where, kind, f"{where} {message}".strip()))

    def of(self, kind: str) -> list[str]:
        return [e.message for e in self.entries if e.kind == kind]


def _quote(arg: str) -> str:
    """*arg* as a CMake quoted argument; the escapes the parser kept visible (\\${, \\;) stay."""
    return '"' + re.sub(r'\\(?![$;{}])', r'\\\\', arg).replace('"', '\\"') + '"'


def _text(command: CMakeCommand) -> str:
    """The command as written: quoted arguments quoted again, the others as _arguments() writes them."""
    parts = [_quote(arg) if index in command.quoted else _arguments([arg]) for index, arg in enumerate(command.args)]
    return f"{command.name}({' '.join(parts)})"


def _short(command: CMakeCommand, width: int = 60) -> str:
    text = " ".join(command.args)
    return f"{command.name}({text[:width]}{'...' if len(text) > width else ''})"


def _definitions(top: list[CMakeCommand]) -> dict[str, list[CMakeCommand]]:
    """Each macro()/function() of the file with its commands, definition and end included."""
    found: dict[str, list[CMakeCommand]] = {}
    current: list[CMakeCommand] | None = None
    for command in top:
        if command.name in ("macro", "function") and command.args:
            current = found.setdefault(command.args[0].lower(), [])
        if current is not None:
            current.append(command)
        if command.name in ("endmacro", "endfunction"):
            current = None
    return found


def _definition_text(commands: list[CMakeCommand]) -> str:
    lines, depth = [], 0
    for command in commands:
        if command.name in ("endif", "endforeach", "endwhile", "endmacro", "endfunction", "else", "elseif"):
            depth -= 1
        lines.append("    " * max(depth, 0) + _text(command))
        if command.name in ("if", "foreach", "while", "macro", "function", "else", "elseif"):
            depth += 1
    return "\n".join(lines)


def _loops(top: list[CMakeCommand]) -> dict[int, str]:
    """For each command inside a foreach()/while() body, the loop's header."""
    inside: dict[int, str] = {}
    stack: list[str] = []
    for command in top:
        if command.name in ("endforeach", "endwhile") and stack:
            stack.pop()
            continue
        if stack:
            inside[id(command)] = stack[0]
        if command.name in ("foreach", "while"):
            stack.append(_short(command, 40))
    return inside


def thin_cmake_lists(
    commands: list[CMakeCommand],
    variables: dict[str, list[str]],
    *,
    project: str,
    version: str,
    description: str,
    kernel: str,
    interpreter_files: list[str],
    repo_files: list[str],
    kernelspec: dict | None,
    with_runtime_files: bool,
    other_files: dict[str, list[CMakeCommand]] | None = None,
    suspending_calls: list[str] | None = None,
    other_kernelspecs: dict[str, tuple[dict, str]] | None = None,
    kernelspec_text: str = "",
    kept_js: list[str] | None = None,
    removed_files: Iterable[str] | None = None,
) -> ThinBuild:
    """The thin CMakeLists.txt, and where each command of the kernel's CMake went.

    *commands* are the top-level CMakeLists.txt's, as written; *other_files* the other CMake
    files the build reaches (subdirectories' CMakeLists.txt, the kernel's own modules), which
    stay in the repository; *suspending_calls* the kernel's C++ calls that need asyncify
    ("src/x.cpp: emscripten_sleep"). Every command ends up in exactly one of the carried,
    replaced and needs-a-human lists (``ThinBuild.ledger``)."""
    top = commands
    conditions = dict(zip(map(id, top), _conditions(top), strict=True))
    enclosing = dict(zip(map(id, top), _enclosing(top), strict=True))
    loops = _loops(top)
    ledger = _Ledger()
    files = set(repo_files)

    # The interpreter library: the add_library() whose sources hold the interpreter.
    def sources_of(command: CMakeCommand, *, unconditional: bool = False) -> list[str]:
        found = []
        for arg in command.args[1:]:
            if unconditional:
                values = _unconditional_values(arg, top, conditions)
            else:
                values = expand_variables(arg, variables)
            for expanded in values:
                for item in expanded.split(";"):
                    item = _strip_source_dir(item.strip())
                    if SOURCE.search(item) and not ENTRY_POINT.search(item):
                        found.append(item)
        return list(dict.fromkeys(found))

    libraries = [c for c in top if c.name == "add_library" and c.args and "ALIAS" not in c.args and "INTERFACE" not in c.args
                 and "IMPORTED" not in c.args]
    interpreter = {f.rsplit("/", 1)[-1].rsplit(".", 1)[0] for f in interpreter_files}
    library_command = next(
        (c for c in libraries if any(s.rsplit("/", 1)[-1].rsplit(".", 1)[0] in interpreter for s in sources_of(c))),
        libraries[0] if libraries else None,
    )
    library = library_command.args[0] if library_command else project
    sources = [s for s in (sources_of(library_command, unconditional=True) if library_command else []) if s in files]
    # Sources a set(VAR ${VAR} more.cpp) or list(APPEND VAR more.cpp) adds under a condition
    # (an option, EMSCRIPTEN): added the same way, under the same condition.
    conditional_sources: list[tuple[CMakeCommand, tuple[str, ...], list[str]]] = []
    if library_command is not None:
        for variable in {v for arg in library_command.args[1:] for v in _VARIABLE.findall(arg)}:
            for command in _setters(top, variable)[1:]:
                added = [_strip_source_dir(i) for i in _set_values(command)
                         if f"${{{variable}}}" not in i and SOURCE.search(i) and _strip_source_dir(i) in files]
                if added and conditions[id(command)]:
                    conditional_sources.append((command, conditions[id(command)], added))
        optional = {item for _, _, items in conditional_sources for item in items}
        sources = [s for s in sources if s not in optional]
    human_notes: list[str] = []
    if not sources:
        sources = sorted(f for f in files if f.startswith("src/") and SOURCE.search(f) and not ENTRY_POINT.search(f)
                         and "emscripten" not in f)
        if sources:
            human_notes.append(
                f"the interpreter library's sources were not found in CMake: all of src/ but the entry points "
                f"are listed ({len(sources)} files); check SOURCES in CMakeLists.txt"
            )
    # Targets named by a macro's parameter are the library only inside that macro; the names
    # the macro is called with are the old library's names (not dependencies to link).
    library_targets: set[tuple[str, str]] = set()  # (macro or "", target argument)
    old_names: set[str] = set()
    library_macros: set[str] = set()
    for command in libraries:
        if not _is_interpreter_library(command, library_command, sources_of, interpreter):
            continue
        macro = enclosing[id(command)] if command.args[0].startswith("${") else ""
        library_targets.add((macro, command.args[0]))
        if macro:
            library_macros.add(macro)
            old_names |= {c.args[0] for c in top if c.name == macro and c.args}
        else:
            old_names.add(command.args[0])

    # Helper macros called with the library (`set_common_options(${target_name})`): their
    # commands on their first parameter are the library's too.
    macros = {c.args[0].lower(): [f"${{{a}}}" for a in c.args[1:]] for c in top if c.name in ("macro", "function") and c.args}
    grew = True
    while grew:
        grew = False
        for command in top:
            parameters = macros.get(command.name)
            if not parameters or not command.args:
                continue
            target = command.args[0]
            calls_with_library = target in old_names or (enclosing[id(command)], target) in library_targets
            if calls_with_library and (command.name, parameters[0]) not in library_targets:
                library_targets.add((command.name, parameters[0]))
                library_macros.add(command.name)
                grew = True

    def is_library(command: CMakeCommand) -> bool:
        target = command.args[0]
        return (enclosing[id(command)], target) in library_targets or ("", target) in library_targets or target in old_names

    entry_executables = {c.args[0] for c in top if c.name == "add_executable" and c.args and (
        c.args[0] == kernel or any(ENTRY_POINT.search(_strip_source_dir(a)) for a in c.args[1:]))}
    other_targets = {c.args[0] for c in top if c.name in ("add_library", "add_executable") and c.args
                     and c.args[0] not in entry_executables and not is_library(c) and "ALIAS" not in c.args}
    exported = any(c.name == "install" and "EXPORT" in c.args for c in top) or any(
        c.name in ("configure_package_config_file", "write_basic_package_version_file") for c in commands
    )
    template_options = {c.args[0] for c in top if c.name == "option" and c.args and TEMPLATE_OPTIONS.search(c.args[0])}
    emitter_check = _Emitter(template_options)
    definitions = _definitions(top)
    # Own macros called only on the kernel executables set up what the template's executables
    # now are: their calls are replaced, their commands on the executable judged as such.
    calls = {name: [c for c in top if c.name == name] for name in definitions}
    executable_macros = {name for name, found in calls.items() if found and name not in library_macros
                         and all(c.args and c.args[0] in entry_executables for c in found)}
    entry_targets = entry_executables | {macros[name][0] for name in executable_macros if macros.get(name)}
    # Own functions that write kernelspecs do what xeus_kernel_add() and xeus_kernel_add_spec() do.
    kernelspec_macros = {name for name, body in definitions.items() if any(
        c.name in ("configure_file", "file") and _KERNELSPEC_FILE.search(" ".join(
            e for a in c.args for e in expand_variables(a, variables))) for c in body)}
    executable_macros |= kernelspec_macros - library_macros
    carried_definitions = {name for name in definitions if name not in library_macros | executable_macros}

    module_functions = {c.args[0].lower() for commands in (other_files or {}).values() for c in commands
                        if c.name in ("function", "macro") and c.args}

    # Pass 1: what carries over (by command), what the template does, what needs a human.
    chosen: dict[int, str] = {}  # id(command) -> its new text
    pending_sets: list[CMakeCommand] = []
    to_library: list[tuple[CMakeCommand, str]] = []  # the executables' own libraries, linked to the library
    for command in top:
        args, name, macro = command.args, command.name, enclosing[id(command)]
        if name in STRUCTURE or name == "foreach" or name == "while":
            continue
        if _SKIP in [emitter_check.condition(c) for c in conditions[id(command)]]:
            ledger.add(command, "replaced", f"{_short(command)}: in a branch of an option the template decides")
            continue
        if name in ("macro", "function"):
            if args and args[0].lower() in carried_definitions:
                chosen[id(command)] = _definition_text(definitions[args[0].lower()])
                ledger.add(command, "carried", f"{name}({args[0]}), as written")
            elif args and args[0].lower() in executable_macros:
                what = "wrote kernelspecs" if args[0].lower() in kernelspec_macros else "set up the kernel executable"
                ledger.add(command, "replaced", f"{name}({args[0]}): {what}, which cmake/XeusKernel.cmake does; "
                           f"what it linked of the kernel's own goes to the library")
            else:
                ledger.add(command, "replaced", f"{name}({args[0] if args else ''}): made the library, which "
                           f"xeus_kernel_add() makes; its commands on the library are carried")
            continue
        if macro and macro in carried_definitions:
            ledger.add(command, "carried", f"{_short(command)}: in {macro}(), carried as written")
            continue
        if macro in library_macros and name in module_functions and args and (macro, args[0]) in library_targets:
            # The library's macro calls a function of the kernel's own CMake module on it.
            chosen[id(command)] = _text(dataclasses.replace(command, args=(project, *args[1:])))
            ledger.add(command, "carried", f"{_short(command)}: {name}() of the kernel's module, on the library")
            continue
        if name in ("set", "string", "list", "math", "file") and _is_version_parsing(command):
            ledger.add(command, "replaced", f"{_short(command)}: the version: project(VERSION) of the new CMakeLists.txt")
            continue
        if id(command) in loops:
            ledger.add(command, "human", f"{_short(command)}: inside {loops[id(command)]}, not carried over")
            continue
        parameters = [p for p in macros.get(macro, []) if any(p in c for c in conditions[id(command)])]
        if parameters:
            # Under a condition on the macro's own parameter: it means nothing outside the macro.
            ledger.add(command, "human", f"{_short(command)}: in {macro}(), under a condition on its "
                       f"{', '.join(parameters)}: not carried over")
            continue
        _classify(command, ledger, chosen, pending_sets, to_library, is_library=is_library, library=library,
                  library_command=library_command, project=project, variables=variables, macros=macros,
                  library_macros=library_macros | executable_macros, entry_executables=entry_targets,
                  other_targets=other_targets,
                  old_names=old_names, files=files, kernel=kernel, suspending_calls=suspending_calls or [],
                  in_library_macro=bool(macro), removed=set(removed_files or ()))

    # Pass 2: the variables the carried commands use, set the way they were; sets nothing
    # carried uses are carried too when they are the kernel's own (unknown to the template).
    needed: set[str] = set()
    pending = [v for text in chosen.values() for v in _VARIABLE.findall(text)]
    pending += [v for _, text in to_library for v in _VARIABLE.findall(text)]
    setters: dict[str, list[CMakeCommand]] = {}
    for command in pending_sets:
        setters.setdefault(_set_variable(command), []).append(command)
    while pending:
        variable = pending.pop()
        if variable in needed or variable not in setters:
            continue
        needed.add(variable)
        for command in setters[variable]:
            pending += _VARIABLE.findall(" ".join(command.args[1:]))
    library_variables = {v for arg in (library_command.args[1:] if library_command else ()) for v in _VARIABLE.findall(arg)}
    conditional_setters = {id(c) for c, _, _ in conditional_sources}
    for command in pending_sets:
        variable = _set_variable(command)
        if id(command) in conditional_setters:
            continue
        if variable in needed:
            if any(re.search(r"\$\{(target_name|linkage\w*|output_name)\}", a) for a in command.args):
                ledger.add(command, "replaced", f"{_short(command)}: a parameter of the macro that made the library")
                continue
            chosen[id(command)] = _text(command)
            ledger.add(command, "carried", _short(command))
        elif variable in library_variables:
            ledger.add(command, "replaced", f"{_short(command)}: the library's sources, now xeus_kernel_add(SOURCES)")
        elif _used_only_by_replaced(variable, top, chosen):
            ledger.add(command, "replaced", f"{_short(command)}: used only by commands the template replaces")
        else:
            chosen[id(command)] = _text(command)
            ledger.add(command, "carried", f"{_short(command)}: the kernel's own variable")

    own = _Emitter(template_options)
    targets = _Emitter(template_options)
    for command, condition, items in conditional_sources:
        targets.emit(condition, f"target_sources({project} PRIVATE {' '.join(items)})")
        ledger.add(command, "carried", f"sources under {' AND '.join(condition)}: {' '.join(items)}")
    for command, text in to_library:
        targets.emit(conditions[id(command)], text)
    for command in top:
        linked = [js for js in kept_js or [] if any(
            setting in ("--post-js", "--pre-js") and _strip_source_dir(value).strip('"') == js
            for setting, value, _, _ in split_flags((e, command.line) for a in command.args
                                                    for e in expand_variables(a, variables)))]
        condition = conditions[id(command)]
        if not any("EMSCRIPTEN" in c for c in condition):
            condition = ("EMSCRIPTEN", *condition)
        for js in linked:
            targets.emit(condition, f'target_link_options({kernel} PRIVATE "SHELL:--post-js '
                         f'${{PROJECT_SOURCE_DIR}}/{js}")')
            ledger.add(None, "carried", f"{command.where} --post-js {js}: the kernel's own JavaScript, kept and linked")
    names_after = {project, kernel, *old_names, *entry_executables}
    for command in top:
        if id(command) in chosen:
            target_command = command.name in TARGET_COMMANDS or command.name in ("set_target_properties", "target_sources")
            names_a_new_target = command.name not in VARIABLE_COMMANDS and any(
                word in names_after for word in re.findall(r"[\w.+-]+", chosen[id(command)]))
            (targets if target_command or names_a_new_target else own).emit(conditions[id(command)], chosen[id(command)])
    if library_command is not None:
        ledger.add(library_command, "replaced", f"add_library({library_command.args[0]}): xeus_kernel_add(LIBRARY "
                   f"{project} SOURCES ...), its sources carried")

    replaced_dirs = [_strip_source_dir(c.args[0]).rstrip("/") + "/" for c in top if c.name == "add_subdirectory" and c.args
                     and any(e.where == c.where and e.kind == "replaced" for e in ledger.entries)]
    for path, file_commands in sorted((other_files or {}).items()):
        for command in file_commands:
            if command.name in STRUCTURE:
                continue
            if path.startswith(tuple(replaced_dirs)):
                ledger.add(command, "replaced", f"{_short(command)}: {path} is no longer built (ctest runs test/*.py)")
            else:
                ledger.add(command, "carried", f"{_short(command)}: stays in {path}")

    metadata, env, side_modules = _kernelspec_fields(kernelspec, ledger, kernelspec_text)
    specs = [_add_spec(name, data, kernel, ledger, text) for name, (data, text) in sorted((other_kernelspecs or {}).items())]
    text = _render(project, version, description, kernel, exported, sources, with_runtime_files, metadata, env, own,
                   targets, ledger, [s for s in specs if s], side_modules)
    return ThinBuild(text, library, sources, exported, ledger.of("carried"), ledger.of("replaced"),
                     human_notes + ledger.of("human"), ledger.entries)


def _set_variable(command: CMakeCommand) -> str:
    if command.name == "list" and len(command.args) > 1:
        return command.args[1]
    return command.args[0] if command.args else ""


def _set_values(command: CMakeCommand) -> list[str]:
    if command.name == "list":
        return list(command.args[2:])
    return [a for a in command.args[1:] if a not in ("PARENT_SCOPE", "CACHE")]


def _setters(top: list[CMakeCommand], variable: str) -> list[CMakeCommand]:
    return [c for c in top if (c.name == "set" and c.args and c.args[0] == variable)
            or (c.name == "list" and len(c.args) > 2 and c.args[0].upper() in ("APPEND", "PREPEND") and c.args[1] == variable)]


def _unconditional_values(arg: str, top: list[CMakeCommand], conditions: dict[int, tuple[str, ...]]) -> list[str]:
    """*arg* with its variables expanded from the set()s and list(APPEND)s that run in every
    build (no if() around them): a source added under if(EMSCRIPTEN) is not one of these."""
    unconditional = [c for c in top if not conditions[id(c)]]
    return expand_variables(arg, collect_variables(unconditional))


def _is_interpreter_library(command, library_command, sources_of, interpreter) -> bool:
    """The add_library() of the interpreter, or another kind of it (static next to shared):
    the same sources."""
    if library_command is None:
        return False
    if command is library_command:
        return True
    return bool(set(sources_of(command)) & set(sources_of(library_command)))


def _used_only_by_replaced(variable: str, top: list[CMakeCommand], chosen: dict[int, str]) -> bool:
    users = [c for c in top if f"${{{variable}}}" in " ".join(c.args) and not (c.args and c.args[0] == variable)]
    return bool(users) and not any(id(c) in chosen for c in users)


def _kernelspec_fields(kernelspec: dict | None, ledger: _Ledger, text: str = "") -> tuple[dict, dict, list[str]]:
    """The kernelspec's own metadata and env for xeus_kernel_add(), and its metadata.shared as
    SIDE_MODULES; an env value CMake filled in (@VAR@) becomes ${VAR} (*text*: the file as written)."""
    metadata: dict = {}
    env: dict = {}
    side_modules: list[str] = []
    if not isinstance(kernelspec, dict):
        return metadata, env, side_modules
    raw_metadata = kernelspec.get("metadata")
    if isinstance(raw_metadata, dict):
        for key, value in raw_metadata.items():
            if key in ("wasm_name", "debugger"):
                continue
            if key == "shared" and isinstance(value, dict):
                side_modules = [v for v in value.values() if isinstance(v, str) and PLACEHOLDER not in v]
                ledger.add(None, "carried" if len(side_modules) == len(value) else "human",
                           f"kernelspec metadata.shared: SIDE_MODULES {' '.join(side_modules)}"
                           + ("" if len(side_modules) == len(value) else " (the ones from CMake variables: add them)"))
                continue
            if isinstance(value, str) and PLACEHOLDER in value:
                ledger.add(None, "human", f"kernelspec metadata.{key} came from CMake (@VAR@): set it in KERNELSPEC_METADATA")
                continue
            metadata[key] = value
    raw_env = kernelspec.get("env")
    if isinstance(raw_env, dict):
        for key, value in raw_env.items():
            written = re.search(rf'"{re.escape(key)}"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
            if isinstance(value, str) and PLACEHOLDER not in value:
                env[key] = value
            elif written and re.fullmatch(r"(?:[^@]|@[A-Za-z_][A-Za-z0-9_]*@)*", written.group(1)):
                env[key] = re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)@", r"${\1}", written.group(1))
                ledger.add(None, "carried", f"kernelspec env {key}: {env[key]}, from CMake's variables")
            else:
                ledger.add(None, "human", f"kernelspec env {key} came from CMake (@VAR@): set it with KERNELSPEC_ENV")
    extra = sorted(set(kernelspec) - {"display_name", "language", "argv", "metadata", "env", "interrupt_mode"})
    if extra:
        ledger.add(None, "human", f"kernelspec fields {', '.join(extra)}: the template's kernel.json.in has no home for them")
    if metadata:
        ledger.add(None, "carried", f"kernelspec metadata: {', '.join(metadata)}")
    if env:
        ledger.add(None, "carried", f"kernelspec env: {', '.join(env)}")
    return metadata, env, side_modules


def _written_argv(text: str) -> list[str] | None:
    """A kernelspec's argv as written, CMake's @VAR@ made ${VAR} (None when it cannot be read)."""
    found = re.search(r'"argv"\s*:\s*\[(.*?)\]', text, re.DOTALL)
    if found is None:
        return None
    try:
        items = [json.loads(f'"{s}"') for s in re.findall(r'"((?:[^"\\]|\\.)*)"', found.group(1))]
    except ValueError:
        return None
    return [re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)@", r"${\1}", item) for item in items]


def _add_spec(name: str, data: dict, kernel: str, ledger: _Ledger, text: str = "") -> str | None:
    """xeus_kernel_add_spec() for another kernelspec of the kernel's executable, or None (for
    a human) when it runs another program. An argument CMake filled in (@VAR@) becomes ${VAR}."""
    argv = [a for a in data.get("argv", []) if isinstance(a, str)]
    written = _written_argv(text) if any(PLACEHOLDER in a for a in argv) else None
    if written is not None and len(written) == len(argv):
        argv = [argv[0], *written[1:]]
    elif any(PLACEHOLDER in a for a in argv[1:]):
        ledger.add(None, "human", f"kernelspec {name}: argv from CMake variables adopt cannot read: not carried over")
        return None
    program = re.split(r"[/\\]", argv[0].replace(PLACEHOLDER, "/"))[-1].removesuffix(".exe") if argv else ""
    if program != kernel:
        ledger.add(None, "human", f"kernelspec {name} runs {argv[0] if argv else 'nothing'}, not {kernel}: "
                                  f"not carried over")
        return None
    arguments = [a for a in argv[1:] if a not in ("-f", "{connection_file}")]
    metadata = {k: v for k, v in (data.get("metadata") or {}).items() if k not in ("wasm_name", "debugger", "shared")}
    env = data.get("env") or {}
    display = str(data.get("display_name") or name)
    if PLACEHOLDER in display:
        ledger.add(None, "human", f"kernelspec {name}: display_name came from CMake (@VAR@): set DISPLAY_NAME")
        display = name
    call = [f"xeus_kernel_add_spec({name} KERNEL {kernel}", f"    DISPLAY_NAME {bracket_argument(display)}"]
    if isinstance(data.get("language"), str):
        call.append(f"    LANGUAGE {_arguments([data['language']])}")
    if arguments:
        call.append(f"    ARGS {_arguments(arguments)}")
    if metadata:
        call.append(f"    KERNELSPEC_METADATA {bracket_argument(json.dumps(metadata, ensure_ascii=False))}")
    if env:
        call.append("    KERNELSPEC_ENV " + " ".join(_quote(f"{k}={v}") for k, v in env.items()))
    ledger.add(None, "carried", f"kernelspec {name}: xeus_kernel_add_spec({name}{' ARGS ' if arguments else ''}"
                                f"{' '.join(arguments)})")
    return "\n".join(call) + ")"


def _render(project, version, description, kernel, exported, sources, with_runtime_files, metadata, env, own, targets,
            ledger, specs, side_modules) -> str:
    lines = [
        "# Yours: `copier update` never rewrites this file. The build conventions (targets,",
        "# kernelspec, wasm flags, install rules, tests) live in cmake/XeusKernel.cmake.",
        "# Written by `xeus-kernel-template adopt` from the kernel's former build: what only this",
        "# kernel knows (the old CMakeLists.txt is in git history).",
        "cmake_minimum_required(VERSION 3.25)",
        f"project({project}",
        f"    VERSION {version}",
    ]
    if description:
        lines.append(f"    DESCRIPTION {bracket_argument(description)}")
    lines += ["    LANGUAGES CXX)", "", 'list(PREPEND CMAKE_MODULE_PATH "${PROJECT_SOURCE_DIR}/cmake")', "include(XeusKernel)", ""]
    if own.blocks:
        lines += own.lines() + [""]
    call = [f"xeus_kernel_add({kernel}", f"    LIBRARY {project}"]
    if exported:
        call.append("    SHARED")
    call.append("    SOURCES " + " ".join(sources or ["src/xinterpreter.cpp"]))
    if with_runtime_files:
        call.append("    RUNTIME_FILES runtime-files")
    if side_modules:
        call.append("    SIDE_MODULES " + _arguments(side_modules))
    if metadata:
        call.append(f"    KERNELSPEC_METADATA {bracket_argument(json.dumps(metadata, ensure_ascii=False))}")
    if env:
        call.append("    KERNELSPEC_ENV " + " ".join(_quote(f"{k}={v}") for k, v in env.items()))
    call.append(")")
    lines += call
    for spec in specs:
        lines += ["", spec]
    if targets.blocks:
        lines += [""] + targets.lines()
    return "\n".join(lines) + "\n"


_WASM_FLAG = re.compile(r"MAIN_MODULE|SIDE_MODULE|-fwasm-exceptions|-fexceptions|--bind|-lembind|--pre-js|--post-js"
                        r"|EXPORTED_RUNTIME_METHODS|EXPORT_NAME|MODULARIZE|ENVIRONMENT|ALLOW_MEMORY_GROWTH|STACK_SIZE"
                        r"|TOTAL_STACK|WASM_BIGINT|EXPORT_ES6|USE_ES6_IMPORT_META|ERROR_ON_UNDEFINED_SYMBOLS")
_ASYNC_FLAG = re.compile(r"ASYNCIFY|JSPI")
_KERNELSPEC_FILE = re.compile(r"kernel[^/]*\.json|logo-|share/jupyter/kernels")
_WASM_OUTPUT = re.compile(r"\.(js|wasm|data)\b")


def _classify(command, ledger, chosen, pending_sets, to_library, *, is_library, library, library_command, project,
              variables, macros, library_macros, entry_executables, other_targets, old_names, files, kernel,
              suspending_calls, in_library_macro, removed) -> None:
    """One command of the top-level CMakeLists.txt: its verdict in the ledger, its new text
    in *chosen* when it is carried (variables wait for pass 2 in *pending_sets*)."""
    args, name = command.args, command.name
    first = args[0] if args else ""
    joined = " ".join(args)

    def carry(text: str | None = None, message: str | None = None) -> None:
        gone = sorted({_strip_source_dir(e) for a in args for e in expand_variables(a, variables)} & removed)
        if gone:  # never carry a command that reads a file the plan removes
            return human(f"reads {', '.join(gone)}, which the template replaces: not carried over")
        chosen[id(command)] = text or _text(command)
        ledger.add(command, "carried", message or _short(command))

    def replace(why: str) -> None:
        ledger.add(command, "replaced", f"{_short(command)}: {why}")

    def human(why: str) -> None:
        ledger.add(command, "human", f"{_short(command)}: {why}")

    if name == "cmake_minimum_required":
        return replace("the template's cmake_minimum_required(VERSION 3.25)")
    if name == "project":
        return ledger.add(command, "carried", f"project({first}): name, version and description in project()")
    if name == "find_package":
        if first.lower() in TEMPLATE_PACKAGES:
            return replace("the template finds xeus and what it needs")
        return carry(message=f"find_package({first})")
    if name == "option":
        if TEMPLATE_OPTIONS.search(first):
            return replace("the template decides this")
        return carry(message=f"option({first})")
    if name in GLOBAL_COMMANDS:
        return carry()
    if name == "include":
        if first in TEMPLATE_INCLUDES:
            return replace("cmake/XeusKernel.cmake includes what it uses")
        return carry()
    if name in ("set", "list", "string", "file", "math") and _is_version_parsing(command):
        return replace("the version: project(VERSION) of the new CMakeLists.txt")
    if name in ("set", "list"):
        variable = _set_variable(command)
        if variable in SEARCH_PATHS:
            return carry()
        if variable in TEMPLATE_VARIABLES:
            return replace(TEMPLATE_VARIABLES[variable])
        if variable == "CMAKE_CXX_STANDARD":
            standard = args[1] if len(args) > 1 else ""
            if standard.isdigit() and int(standard) > 17:
                return carry(message=f"set(CMAKE_CXX_STANDARD {standard}): above the template's C++17")
            return replace("cxx_std_17 on the library (cmake/XeusKernel.cmake)")
        if _FLAG_VARIABLE.match(variable):
            return _flags(command, joined, replace, human, carry, suspending_calls, same_target=True)
        pending_sets.append(command)
        return None
    if name == "add_library":
        if "ALIAS" in args and len(args) > 2 and (args[2] in old_names or args[2] == library):
            return replace("the library's alias <project>::<project> (cmake/XeusKernel.cmake)")
        if is_library(command):
            return replace(f"xeus_kernel_add(LIBRARY {project}): the template makes the library") \
                if command is not library_command else None
        return carry(message=f"add_library({first}): a library of the kernel's own, as written")
    if name == "add_executable":
        if first in entry_executables:
            return replace("the kernel executables: src/main.cpp and src/main_emscripten_kernel.cpp")
        return carry(message=f"add_executable({first}): a program of the kernel's own, as written")
    if name in macros:
        if name in library_macros:
            return replace(f"{name}() made what the template makes (the library, the executable or "
                           f"kernelspecs): what it did of the kernel's own is carried")
        return carry()
    if name in TARGET_COMMANDS or name in ("set_target_properties", "target_sources", "add_dependencies",
                                           "target_compile_features", "set_property", "target_precompile_headers"):
        return _target_command(command, ledger, chosen, to_library, is_library=is_library, project=project,
                               variables=variables, entry_executables=entry_executables, other_targets=other_targets,
                               old_names=old_names, suspending_calls=suspending_calls, carry=carry, replace=replace,
                               human=human, in_library_macro=in_library_macro, kernel=kernel)
    if name in ("xeus_wasm_compile_options", "xeus_wasm_link_options"):
        return replace("cmake/XeusKernel.cmake calls xeus's helpers")
    expanded = " ".join(e for arg in args for e in expand_variables(arg, variables))
    if name == "install":
        return _install(command, expanded, carry, replace, old_names | entry_executables | {library, project}, variables)
    if name == "configure_file":
        if _KERNELSPEC_FILE.search(expanded):
            return replace("the kernelspec: cmake/XeusKernelSpec.cmake writes kernel.json")
        return carry()
    if name in ("configure_package_config_file", "write_basic_package_version_file", "export"):
        return replace("the CMake package: xeus_kernel_add(... SHARED) writes it")
    if name == "enable_testing":
        return replace("cmake/XeusKernel.cmake enables the tests")
    if name == "add_test":
        if re.search(r"pytest|python", joined, re.IGNORECASE):
            return replace("ctest runs test/*.py (cmake/XeusKernel.cmake)")
        return carry()
    if name == "add_subdirectory":
        directory = _strip_source_dir(first).rstrip("/")
        if directory in ("test", "tests") and not any(
            f.startswith(f"{directory}/") and SOURCE.search(f) for f in files
        ):
            return replace("ctest runs test/*.py (cmake/XeusKernel.cmake)")
        return carry(message=f"add_subdirectory({first}): its CMakeLists.txt stays")
    if in_library_macro:
        return replace("part of the macro that made the library or set up the executable (xeus_kernel_add)")
    if name in ("set_target_properties", "target_link_options") and first in entry_executables:
        return _flags(command, joined, replace, human, carry, suspending_calls, same_target=first == kernel)
    # Anything else is the kernel's own (execute_process, file(COPY), pkg_check_modules,
    # FetchContent, custom commands, messages): kept as written, under its conditions.
    return carry()


_FLAG_VARIABLE = re.compile(r"^CMAKE_(EXE|SHARED|MODULE|STATIC)_LINKER_FLAGS(_[A-Z]+)?$|^CMAKE_(C|CXX)_FLAGS(_[A-Z]+)?$"
                            r"|^EMSCRIPTEN_\w+FLAGS$")


def _is_version_parsing(command: CMakeCommand) -> bool:
    joined = " ".join(command.args)
    if command.name == "file":
        return bool(command.args) and command.args[0] == "STRINGS" and "VERSION" in joined
    if command.name == "string":
        return bool(command.args) and command.args[0] in ("REGEX", "STRIP") and "VERSION" in joined
    if command.name in ("set", "math"):
        target = command.args[1] if command.name == "math" and len(command.args) > 1 else (command.args[0] if command.args else "")
        values = " ".join(command.args[1:])
        return bool(re.search(r"VERSION_(MAJOR|MINOR|PATCH|\$\{CMAKE_MATCH_\d\})$", target)) or (
            target.endswith("_VERSION") and bool(re.search(r"VERSION_(MAJOR|MINOR|PATCH)", values)))
    return False


# What the template's wasm build sets or makes needless (xeus's helpers, --pre-js, MAIN_MODULE).
TEMPLATE_SETTINGS = {"MAIN_MODULE", "SIDE_MODULE", "WASM_BIGINT", "EXPORTED_RUNTIME_METHODS", "ALLOW_MEMORY_GROWTH",
                     "STACK_SIZE", "TOTAL_STACK", "MODULARIZE", "EXPORT_NAME", "ENVIRONMENT", "EXPORT_ES6",
                     "USE_ES6_IMPORT_META", "ERROR_ON_UNDEFINED_SYMBOLS", "-fwasm-exceptions", "-fexceptions", "--bind",
                     "-lembind", "--pre-js", "--post-js", "WASM", "EXIT_RUNTIME", "NO_EXIT_RUNTIME", "INITIAL_MEMORY",
                     "TOTAL_MEMORY", "MAXIMUM_MEMORY", "SUPPORT_LONGJMP", "DISABLE_EXCEPTION_CATCHING"}


EXECUTABLE_PROPERTIES = {"SUFFIX", "PREFIX", "OUTPUT_NAME", "RUNTIME_OUTPUT_DIRECTORY", "INSTALL_RPATH",
                         "BUILD_RPATH", "LINK_DEPENDS", "INSTALL_RPATH_USE_LINK_PATH", "BUILD_WITH_INSTALL_RPATH",
                         "MACOSX_RPATH", "CXX_STANDARD", "CXX_STANDARD_REQUIRED", "CXX_EXTENSIONS"}


def _flags(command, joined, replace, human, carry, suspending_calls, same_target: bool) -> None:
    """Compiler or linker flags of the kernel's executables: the template's wasm flags, asyncify
    (a human's call when the C++ suspends), flags with no home (each named), or, on the
    executable the template makes under the same name, the kernel's own flags, carried."""
    settings = [(setting, text) for setting, _, text, _ in split_flags((a, command.line) for a in command.args)]
    unhomed = [text for setting, text in settings
               if setting not in TEMPLATE_SETTINGS and not _ASYNC_FLAG.search(setting)]
    problems = []
    if _ASYNC_FLAG.search(joined) and suspending_calls:
        problems.append(f"asyncify, and the kernel's C++ suspends ({', '.join(suspending_calls[:2])}): the "
                        f"template builds without asyncify; replace the call, or add the flags in CMakeLists.txt "
                        f"and accept a larger, slower kernel")
    if unhomed:
        problems.append(f"{', '.join(unhomed)}: no template equivalent, not carried over")
    if problems:
        return human("; ".join(problems))
    if settings or _WASM_FLAG.search(joined) or _ASYNC_FLAG.search(joined):
        why = "no asyncify: nothing in the kernel's C++ suspends" if _ASYNC_FLAG.search(joined) else \
            "xeus's wasm helpers (MAIN_MODULE), wasm/pre.js and the kernel's link options"
        return replace(why)
    properties = set(command.args[2::2]) if command.name == "set_target_properties" else set()
    if properties and properties <= EXECUTABLE_PROPERTIES:
        return replace("the kernel executable's name, place and links: cmake/XeusKernel.cmake")
    if command.name == "set" or same_target:
        return carry()
    return human("flags of the former kernel executable, whose name the template's does not take: not carried over")


def _target_command(command, ledger, chosen, to_library, *, is_library, project, variables, entry_executables,
                    other_targets, old_names, suspending_calls, carry, replace, human, in_library_macro, kernel) -> None:
    args, name = command.args, command.name
    target = args[0] if args else ""
    if target in other_targets:
        return carry(message=f"{_short(command)}: of {target}, the kernel's own target")
    if name == "set_property":
        return carry() if not in_library_macro else replace("a property of the library the template makes")
    if target in entry_executables and not is_library(command):
        if name == "target_link_libraries":
            own = [a for a in args[1:] if a not in ("PUBLIC", "PRIVATE", "INTERFACE") and not any(
                TEMPLATE_LINKED.match(e) or e in old_names or not e for e in expand_variables(a, variables))]
            if own:
                to_library.append((command, f"target_link_libraries({project} PRIVATE {_arguments(own)})"))
                return ledger.add(command, "carried", f"{_short(command)}: the executable's own libraries, linked "
                                  f"to the library")
            return replace("the kernel executable links the library and xeus (cmake/XeusKernel.cmake)")
        if name in ("target_link_options", "target_compile_options", "set_target_properties"):
            return _flags(command, " ".join(args), replace, human, carry, suspending_calls, same_target=target == kernel)
        if name in ("target_sources",):
            return human("sources of the former kernel executable: add them to SOURCES")
        return replace("the kernel executables (cmake/XeusKernel.cmake)")
    if not is_library(command):
        return human(f"on {target}, a target the new build does not have: not carried over")
    if name == "set_target_properties":
        return replace("the library's properties (cmake/XeusKernel.cmake)")
    if name in ("target_compile_features",):
        return replace("cxx_std_17 on the library (cmake/XeusKernel.cmake)")
    keyword = ""
    kept: list[tuple[str, str]] = []
    dropped: list[str] = []
    for item in args[1:]:
        if item in ("PUBLIC", "PRIVATE", "INTERFACE"):
            keyword = item
            continue
        if item in ("SYSTEM", "BEFORE"):
            continue
        if name == "target_link_libraries" and all(
            TEMPLATE_LINKED.match(e) or e in old_names or not e for e in expand_variables(item, variables)
        ):
            dropped.append(item)
            continue
        if name == "target_include_directories" and any(
            re.fullmatch(r"(\$<(BUILD|INSTALL)_INTERFACE:)?(\$\{\w+\}/)?include/?>?", e)
            for e in expand_variables(item, variables)
        ):
            dropped.append(item)
            continue  # the project's include/: the template adds it
        if name in ("target_link_options", "target_compile_options") and (_WASM_FLAG.search(item) or _ASYNC_FLAG.search(item)):
            dropped.append(item)
            continue
        if FLAG_WITHOUT_HOME.search(item):
            dropped.append(item)
            continue
        kept.append((keyword or "PRIVATE", item))
    lines = [
        f"{name}({project} {visibility} {_arguments([i for k, i in kept if k == visibility])})"
        for visibility in dict.fromkeys(k for k, _ in kept)
    ]
    if lines:
        chosen[id(command)] = "\n".join(lines)
        extra = f" (left to the template: {' '.join(dropped)[:40]})" if dropped else ""
        return ledger.add(command, "carried", f"{name}(... {' '.join(i for _, i in kept)[:60]}){extra}")
    if any(_ASYNC_FLAG.search(d) for d in dropped) and suspending_calls:
        return human(f"asyncify, and the kernel's C++ suspends ({', '.join(suspending_calls[:2])}): the template "
                     f"builds without asyncify")
    if any(FLAG_WITHOUT_HOME.search(d) for d in dropped):
        return human("no template equivalent, not carried over")
    return replace("xeus, the include folder and the wasm flags: cmake/XeusKernel.cmake")


def _install(command, joined, carry, replace, template_targets, variables) -> None:
    args = command.args
    kind = args[0] if args else ""
    if kind in ("TARGETS", "EXPORT"):
        names = {item for arg in args[1:] for e in expand_variables(arg, variables) for item in e.split(";")}
        if kind == "EXPORT" or "EXPORT" in args or names & template_targets:
            return replace("install rules of the library and the kernel (cmake/XeusKernel.cmake)")
        return carry(message=f"{_short(command)}: a target of the kernel's own")
    if re.search(r"Config(Version)?\.cmake\b|Targets\.cmake\b", joined):
        return replace("the CMake package: xeus_kernel_add(... SHARED) writes and installs it")
    if _KERNELSPEC_FILE.search(joined) or _WASM_OUTPUT.search(joined) and "BINDIR" in joined:
        return replace("the kernelspec, logos and wasm outputs: cmake/XeusKernel.cmake installs them")
    if kind == "FILES" and re.search(r"include/|_HEADERS|\.hpp", joined) and "DESTINATION" in joined and "INCLUDEDIR" in joined:
        return replace("the library's headers: xeus_kernel_add(... SHARED) installs include/")
    return carry(message=f"{_short(command)}: files the kernel installs, as written")
