"""The thin, author-owned CMakeLists.txt of an adopted kernel, from its hand-written build.

What carries over is what only the kernel knows: its project name and version, the sources
of its interpreter library, its own `find_package()`s, `option()`s, include directories,
libraries and compile definitions (under the conditions they had), its kernelspec's extra
metadata and environment, whether it exports its library. The rest (xeus itself, the wasm
flags, the executables, the kernelspec, install rules, tests) is what the template's
cmake/XeusKernel.cmake does; what has no counterpart there is listed for a human.
"""

from __future__ import annotations

import dataclasses
import json
import re

from ..review.parsing import PLACEHOLDER_VALUE as PLACEHOLDER
from ..review.parsing import CMakeCommand, expand_variables

# Packages and targets the template finds and links itself.
TEMPLATE_PACKAGES = {
    "xeus", "xeus-zmq", "xeus-lite", "nlohmann_json", "xtl", "threads", "cppzmq", "zeromq", "zeromq4",
    "openssl", "libuuid", "pkgconfig", "python", "pythoninterp", "gtest", "doctest",
}
TEMPLATE_LINKED = re.compile(
    r"^(xeus|xeus-zmq|xeus-lite|xeus-static|xeus-zmq-static|nlohmann_json::nlohmann_json|xtl|Threads::Threads"
    r"|\$\{CMAKE_THREAD_LIBS_INIT\}|cppzmq(-static)?|libzmq(-static)?|OpenSSL::\w+|-?pthread)$"
)
# Options that choose what the template decides: library kinds, executables, tests, wasm.
TEMPLATE_OPTIONS = re.compile(
    r"(BUILD_(\w+_)?(SHARED|STATIC|EXECUTABLE|TESTS?|DOCS)\b|USE_SHARED|STATIC_DEPENDENCIES|EMSCRIPTEN|WASM|"
    r"DOWNLOAD_GTEST|DISABLE_ARCH_NATIVE|ENABLE_NATIVE)",
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
    out = []
    for arg in args:
        if arg == "" or re.search(r'[\s;()#"\\]', arg) and not arg.startswith("${"):
            out.append(json.dumps(arg))
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
                    return re.sub(rf"\b{re.escape(option)}\b", "EMSCRIPTEN", condition)
                if re.fullmatch(rf"NOT\s+\(?{re.escape(option)}\)?", condition.strip()):
                    return _SKIP
                if condition.strip() == option:
                    return None
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
# Commands of the whole build (not of one target) that carry over as they are.
GLOBAL_COMMANDS = {"find_package", "option", "add_compile_definitions", "add_definitions", "include_directories",
                   "link_directories", "link_libraries"}
TARGET_COMMANDS = {"target_link_libraries", "target_include_directories", "target_compile_definitions",
                   "target_compile_options", "target_link_options"}
SEARCH_PATHS = {"CMAKE_MODULE_PATH", "CMAKE_PREFIX_PATH"}
HUMAN_COMMANDS = {"add_custom_command", "add_custom_target", "add_subdirectory", "configure_file",
                  "fetchcontent_declare", "externalproject_add", "include"}
QUIET_INCLUDES = {"GNUInstallDirs", "CMakePackageConfigHelpers", "WasmBuildOptions", "CheckCXXCompilerFlag",
                  "CMakeFindDependencyMacro", "FetchContent"}


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
) -> ThinBuild:
    top = commands  # the top-level CMakeLists.txt's, as written (both callers)
    conditions = dict(zip(map(id, top), _conditions(top), strict=True))
    carried: list[str] = []
    replaced: list[str] = []
    needs_human: list[str] = []

    # The interpreter library: the add_library() whose sources hold the interpreter.
    def sources_of(command: CMakeCommand) -> list[str]:
        found = []
        for arg in command.args[1:]:
            for expanded in expand_variables(arg, variables):
                for item in expanded.split(";"):
                    item = _strip_source_dir(item.strip())
                    if SOURCE.search(item) and not ENTRY_POINT.search(item) and "emscripten" not in item:
                        found.append(item)
        return list(dict.fromkeys(found))

    libraries = [c for c in top if c.name == "add_library" and c.args and "ALIAS" not in c.args and "INTERFACE" not in c.args]
    interpreter = {f.rsplit("/", 1)[-1].rsplit(".", 1)[0] for f in interpreter_files}
    library_command = next(
        (c for c in libraries if any(s.rsplit("/", 1)[-1].rsplit(".", 1)[0] in interpreter for s in sources_of(c))),
        libraries[0] if libraries else None,
    )
    library = library_command.args[0] if library_command else project
    sources = [s for s in (sources_of(library_command) if library_command else []) if s in repo_files]
    # Sources a set(VAR ${VAR} more.cpp) adds under a condition (an option): added the same way.
    conditional_sources: list[tuple[tuple[str, ...], list[str]]] = []
    if library_command is not None:
        for variable in {v for arg in library_command.args[1:] for v in _VARIABLE.findall(arg)}:
            setters = [c for c in top if c.name == "set" and c.args and c.args[0] == variable]
            for command in setters[1:]:
                added = [
                    _strip_source_dir(i) for i in command.args[1:]
                    if f"${{{variable}}}" not in i and SOURCE.search(i) and _strip_source_dir(i) in repo_files
                ]
                if added and conditions[id(command)]:
                    conditional_sources.append((conditions[id(command)], added))
        optional = {item for _, items in conditional_sources for item in items}
        sources = [s for s in sources if s not in optional]
    if not sources:
        sources = sorted(
            f for f in repo_files
            if f.startswith("src/") and SOURCE.search(f) and not ENTRY_POINT.search(f) and "emscripten" not in f
        )
        if sources:
            needs_human.append(
                f"the interpreter library's sources were not found in CMake: all of src/ but the entry points "
                f"are listed ({len(sources)} files); check SOURCES in CMakeLists.txt"
            )
    # Targets named by a macro's parameter are the library only inside that macro; the names
    # the macro is called with are the old library's names (not dependencies to link).
    enclosing = dict(zip(map(id, top), _enclosing(top), strict=True))
    library_targets: set[tuple[str, str]] = set()  # (macro or "", target argument)
    old_names: set[str] = set()
    for command in libraries:
        macro = enclosing[id(command)] if command.args[0].startswith("${") else ""
        library_targets.add((macro, command.args[0]))
        if macro:
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
                grew = True

    def is_library(command: CMakeCommand) -> bool:
        target = command.args[0]
        return (enclosing[id(command)], target) in library_targets or ("", target) in library_targets or target in old_names
    exported = any(c.name == "install" and "EXPORT" in c.args for c in top) or any(
        c.name in ("configure_package_config_file", "write_basic_package_version_file") for c in commands
    )
    template_options = {c.args[0] for c in top if c.name == "option" and c.args and TEMPLATE_OPTIONS.search(c.args[0])}

    # Pass 1: what carries over (by command), what the template does, what needs a human.
    chosen: dict[int, str] = {}  # id(command) -> its new text
    for command in top:
        args = command.args
        where = f"{command.file}:{command.line}"
        name = command.name
        if name == "find_package" and args:
            if args[0].lower() in TEMPLATE_PACKAGES:
                replaced.append(f"{where} find_package({args[0]}): the template finds xeus and what it needs")
                continue
            chosen[id(command)] = f"find_package({_arguments(args)})"
            carried.append(f"{where} find_package({args[0]})")
        elif name == "option" and args:
            if args[0] in template_options:
                replaced.append(f"{where} option({args[0]}): the template decides this")
                continue
            chosen[id(command)] = f"option({_arguments(args)})"
            carried.append(f"{where} option({args[0]})")
        elif name in GLOBAL_COMMANDS and args:
            items = list(args)
            if items:
                chosen[id(command)] = f"{name}({_arguments(items)})"
                carried.append(f"{where} {name}({' '.join(items)[:60]})")
        elif name in ("set", "list") and len(args) > 1 and (args[0] in SEARCH_PATHS or args[1] in SEARCH_PATHS):
            chosen[id(command)] = f"{name}({_arguments(args)})"
            carried.append(f"{where} {name}({' '.join(args)[:60]})")
        elif name in TARGET_COMMANDS and args and is_library(command):
            keyword = ""
            kept: list[tuple[str, str]] = []
            for item in args[1:]:
                if item in ("PUBLIC", "PRIVATE", "INTERFACE"):
                    keyword = item
                    continue
                if item in ("SYSTEM", "BEFORE"):
                    continue
                if name == "target_link_libraries" and all(
                    TEMPLATE_LINKED.match(e) or e in old_names or not e for e in expand_variables(item, variables)
                ):
                    continue
                if name == "target_include_directories" and any(
                    re.fullmatch(r"(\$<(BUILD|INSTALL)_INTERFACE:)?(\$\{\w+\}/)?include/?>?", e)
                    for e in expand_variables(item, variables)
                ):
                    continue  # the project's include/: the template adds it
                if name in ("target_link_options", "target_compile_options") and re.search(
                    r"MAIN_MODULE|SIDE_MODULE|ASYNCIFY|-fwasm-exceptions|-fexceptions|--bind|-lembind", item
                ):
                    replaced.append(f"{where} {name}(... {item}): xeus's wasm helpers (MAIN_MODULE), with no asyncify")
                    continue
                if FLAG_WITHOUT_HOME.search(item):
                    needs_human.append(f"{where} {name}(... {item}): no template equivalent, not carried over")
                    continue
                kept.append((keyword or "PRIVATE", item))
            lines = [
                f"{name}({project} {visibility} {_arguments([i for k, i in kept if k == visibility])})"
                for visibility in dict.fromkeys(k for k, _ in kept)
            ]
            if lines:
                chosen[id(command)] = "\n".join(lines)
                carried.append(f"{where} {name}(... {' '.join(i for _, i in kept)[:60]})")
        elif name in ("xeus_wasm_compile_options", "xeus_wasm_link_options"):
            replaced.append(f"{where} {name}(): cmake/XeusKernel.cmake calls xeus's helpers")
        elif name in ("set_target_properties", "target_link_options", "target_compile_options", "set") and any(
            re.search(r"MAIN_MODULE|ASYNCIFY|--pre-js|--post-js", a) for a in args
        ):
            flags = " ".join(a for a in args if re.search(r"MAIN_MODULE|ASYNCIFY|--pre-js|--post-js", a))
            replaced.append(f"{where} {name}({args[0]} ... {flags}): xeus's wasm helpers (MAIN_MODULE) and "
                            f"wasm/pre.js, with no asyncify")
        elif name in HUMAN_COMMANDS and args:
            if name == "configure_file" and any("kernel" in a and ".json" in a for a in args):
                replaced.append(f"{where} configure_file(kernel.json...): the template writes the kernelspec")
            elif name == "include" and args[0] in QUIET_INCLUDES:
                continue
            elif name == "add_subdirectory" and args[0] in ("test", "tests"):
                replaced.append(f"{where} add_subdirectory({args[0]}): the template runs test/*.py with ctest")
            else:
                needs_human.append(f"{where} {name}({_arguments(args)[:70]}): no template equivalent, not carried over")

    # Pass 2: the variables the carried commands use, set the way they were.
    needed: set[str] = set()
    pending = [v for text in chosen.values() for v in _VARIABLE.findall(text)]
    setters = {}
    for command in top:
        if command.name == "set" and command.args and id(command) not in chosen:
            setters.setdefault(command.args[0], []).append(command)
    while pending:
        variable = pending.pop()
        if variable in needed or variable not in setters:
            continue
        needed.add(variable)
        for command in setters[variable]:
            pending += _VARIABLE.findall(" ".join(command.args[1:]))
    own = _Emitter(template_options)
    targets = _Emitter(template_options)
    for condition, items in conditional_sources:
        targets.emit(condition, f"target_sources({project} PRIVATE {' '.join(items)})")
        carried.append(f"sources under {' AND '.join(condition)}: {' '.join(items)}")
    for command in top:
        if command.name == "set" and command.args and command.args[0] in needed and id(command) not in chosen:
            if any(re.search(r"\$\{(target_name|linkage\w*|output_name)\}", a) for a in command.args):
                continue  # a macro's own parameters
            own.emit(conditions[id(command)], f"set({_arguments(command.args)})")
        elif id(command) in chosen:
            (targets if command.name in TARGET_COMMANDS else own).emit(conditions[id(command)], chosen[id(command)])

    if exported:
        replaced.append("install(EXPORT ...) and the package config: xeus_kernel_add(... SHARED) writes them")

    # The kernelspec's own fields.
    metadata = {}
    env = {}
    if isinstance(kernelspec, dict):
        raw_metadata = kernelspec.get("metadata")
        if isinstance(raw_metadata, dict):
            for key, value in raw_metadata.items():
                if key in ("wasm_name", "debugger", "shared"):
                    continue
                if isinstance(value, str) and PLACEHOLDER in value:
                    needs_human.append(f"kernelspec metadata.{key} came from CMake (@VAR@): set it in KERNELSPEC_METADATA")
                    continue
                metadata[key] = value
        raw_env = kernelspec.get("env")
        if isinstance(raw_env, dict):
            for key, value in raw_env.items():
                if isinstance(value, str) and PLACEHOLDER not in value:
                    env[key] = value
                else:
                    needs_human.append(f"kernelspec env {key} came from CMake (@VAR@): set it with KERNELSPEC_ENV")
        extra = sorted(set(kernelspec) - {"display_name", "language", "argv", "metadata", "env", "interrupt_mode"})
        if extra:
            needs_human.append(f"kernelspec fields {', '.join(extra)}: the template's kernel.json.in has no home for them")

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
    if metadata:
        call.append(f"    KERNELSPEC_METADATA {bracket_argument(json.dumps(metadata, ensure_ascii=False))}")
        carried.append(f"kernelspec metadata: {', '.join(metadata)}")
    if env:
        call.append("    KERNELSPEC_ENV " + " ".join(json.dumps(f"{k}={v}", ensure_ascii=False) for k, v in env.items()))
        carried.append(f"kernelspec env: {', '.join(env)}")
    call.append(")")
    lines += call
    if targets.blocks:
        lines += [""] + targets.lines()
    return ThinBuild("\n".join(lines) + "\n", library, sources, exported, carried, replaced, needs_human)
