"""What a CMake project builds, read from its commands: targets, emscripten flags, installs.

Built on :mod:`.parsing` (commands with argument lines and wasm/native branches) and
never evaluating anything: a flag counts only where CMake would hand it to the compiler
or the linker (``target_link_options``, ``LINK_FLAGS``, ``CMAKE_EXE_LINKER_FLAGS``...,
directly or through a variable those use), never in ``message()``, ``string(REPLACE)``
arguments or comments; each flag keeps the line it is written on.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from collections.abc import Iterable

from .parsing import CMakeCommand, collect_variables, expand_variables

# Commands that hand their arguments (after the target) to the compiler or linker.
_TARGET_SINKS = {"target_link_options", "target_compile_options", "target_link_libraries"}
_GLOBAL_SINKS = {"add_link_options", "add_compile_options", "link_libraries"}
_SCOPE_WORDS = {"PUBLIC", "PRIVATE", "INTERFACE", "BEFORE", "debug", "optimized", "general", "LINK_PUBLIC",
                "LINK_PRIVATE", "LINK_INTERFACE_LIBRARIES"}
_FLAG_PROPERTIES = {"LINK_FLAGS", "LINK_OPTIONS", "COMPILE_FLAGS", "COMPILE_OPTIONS", "INTERFACE_LINK_OPTIONS",
                    "INTERFACE_COMPILE_OPTIONS", "STATIC_LIBRARY_OPTIONS"}
_FLAG_VARIABLES = re.compile(r"^CMAKE_(EXE|SHARED|MODULE|STATIC)_LINKER_FLAGS(_[A-Z]+)?$|^CMAKE_(C|CXX)_FLAGS(_[A-Z]+)?$")
_FILE_OPTIONS = {"--pre-js", "--post-js", "--extern-pre-js", "--extern-post-js", "--js-library", "--preload-file",
                 "--embed-file", "--exclude-file"}
_BARE_OPTIONS = {"--bind", "-lembind", "--emrun", "-fwasm-exceptions", "-fexceptions"}
_SETTING = re.compile(r"^([A-Z][A-Z0-9_]*)(?:=(.*))?$", re.DOTALL)
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.+\-/]+)\}")


@dataclasses.dataclass(frozen=True)
class EmFlag:
    """One emscripten setting or option, where CMake passes it.

    ``setting`` is the ``-s`` setting name (``MAIN_MODULE``) or the option itself
    (``--pre-js``, ``-lembind``); ``value`` its value (``1`` for a bare ``-sMAIN_MODULE``,
    the file for ``--pre-js``). ``target`` is the raw target argument of a per-target
    command, None for flags that apply to every target.
    """

    setting: str
    value: str
    text: str
    file: str
    line: int
    command: CMakeCommand
    target: str | None
    via: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def active(self) -> bool:
        """A setting that is on (``-sASYNCIFY=0`` is off)."""
        return self.value.strip().strip("'\"").lower() not in ("0", "false", "off", "no")


def _tokens(text: str) -> list[str]:
    text = text.strip()
    for prefix in ("SHELL:", "LINKER:"):
        if text.upper().startswith(prefix):
            text = text[len(prefix):]
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        return text.split()


def split_flags(pieces: Iterable[tuple[str, int]]) -> list[tuple[str, str, str, int]]:
    """(setting, value, text, line) of each emscripten flag in command arguments.

    ``pieces`` are (argument, line); a flag may span two arguments (``-s`` ``X=1``,
    ``--pre-js`` ``file``).
    """
    tokens: list[tuple[str, int]] = [(t, line) for text, line in pieces for t in _tokens(text)]
    out: list[tuple[str, str, str, int]] = []
    i = 0
    while i < len(tokens):
        token, line = tokens[i]
        if token == "-s" and i + 1 < len(tokens):
            m = _SETTING.match(tokens[i + 1][0].strip("'\""))
            if m:
                out.append((m.group(1), (m.group(2) if m.group(2) is not None else "1").strip("'\""),
                            f"-s {tokens[i + 1][0]}", line))
                i += 2
                continue
        elif token.startswith("-s") and len(token) > 2 and (m := _SETTING.match(token[2:].strip("'\""))):
            out.append((m.group(1), (m.group(2) if m.group(2) is not None else "1").strip("'\""), token, line))
        elif token in _BARE_OPTIONS:
            out.append((token, "", token, line))
        elif token in _FILE_OPTIONS and i + 1 < len(tokens):
            out.append((token, tokens[i + 1][0], f"{token} {tokens[i + 1][0]}", line))
            i += 2
            continue
        elif "=" in token and token.split("=", 1)[0] in _FILE_OPTIONS:
            option, value = token.split("=", 1)
            out.append((option, value, token, line))
        i += 1
    return out


@dataclasses.dataclass(frozen=True)
class Target:
    """An ``add_executable`` / ``add_library`` target (one per command: a native and a wasm
    definition of the same name are two targets)."""

    name: str  # the name, variables expanded when they can be
    raw: str
    kind: str  # "executable" or "library"
    type: str  # STATIC, SHARED, MODULE, INTERFACE, OBJECT, IMPORTED, ALIAS or ""
    sources: tuple[str, ...]
    command: CMakeCommand
    build: str | None = None  # the build that defines it, when known

    @property
    def branch(self) -> str | None:
        return self.build or self.command.branch

    @property
    def where(self) -> str:
        return self.command.where


@dataclasses.dataclass(frozen=True)
class Install:
    """One ``install()`` rule: what (files, directories or targets) and where."""

    mode: str  # FILES, PROGRAMS, DIRECTORY, TARGETS
    items: tuple[str, ...]
    destinations: tuple[str, ...]
    renames: tuple[str, ...]
    command: CMakeCommand


class CMakeModel:
    """Targets, flags, installs and generated files of a list of (annotated) commands."""

    def __init__(self, commands: list[CMakeCommand], variables: dict[str, list[str]]) -> None:
        self.commands = commands
        self.variables = variables
        self._setters: dict[str, list[CMakeCommand]] = {}
        for command in commands:
            if command.name == "set" and command.args:
                self._setters.setdefault(command.args[0], []).append(command)
            elif command.name in ("list", "string") and len(command.args) > 2 and command.args[0].upper() in (
                "APPEND",
                "PREPEND",
            ):
                self._setters.setdefault(command.args[1], []).append(command)
        self.builds, self.sure = _command_builds(commands)
        # keyed by value (commands are frozen): repo-review may copy fixtures between checks
        self._builds_of: dict[CMakeCommand, frozenset[str]] = {}
        self._sure_of: dict[CMakeCommand, frozenset[str]] = {}
        for c, b, sure in zip(commands, self.builds, self.sure, strict=True):
            self._builds_of[c] = self._builds_of.get(c, frozenset()) | b
            self._sure_of[c] = self._sure_of.get(c, sure) & sure
        self._by_build = {
            build: collect_variables(c for c, b in zip(commands, self.builds, strict=True) if build in b)
            for build in ("native", "wasm")
        }
        self.targets = self._targets()
        self.flags = self._flags()
        self.installs = self._installs()

    # -- names ---------------------------------------------------------------------------

    def expand(self, value: str) -> list[str]:
        return expand_variables(value, self.variables)

    def names(self, raw: str) -> set[str]:
        """Every name a raw target argument may stand for (itself included)."""
        return {raw, *self.expand(raw)}

    def same_target(self, raw: str, target: Target) -> bool:
        return bool(self.names(raw) & self.names(target.raw))

    # -- targets -------------------------------------------------------------------------

    def _targets(self) -> list[Target]:
        targets: list[Target] = []
        for command in self.commands:
            if command.name not in ("add_executable", "add_library") or not command.args:
                continue
            raw = command.args[0]
            rest = list(command.args[1:])
            kind = "executable" if command.name == "add_executable" else "library"
            type_ = ""
            keywords = {"STATIC", "SHARED", "MODULE", "INTERFACE", "OBJECT", "IMPORTED", "ALIAS"}
            while rest and rest[0] in keywords | {"EXCLUDE_FROM_ALL", "WIN32", "MACOSX_BUNDLE", "GLOBAL"}:
                if rest[0] in keywords and not type_:
                    type_ = rest[0]
                rest.pop(0)
            sources: list[str] = []
            for source in rest:
                sources.extend(s for e in self.expand(source) for s in e.split(";") if s)
            expansions = [e for e in self.expand(raw) if "${" not in e]
            targets.append(Target(expansions[0] if expansions else raw, raw, kind, type_, tuple(sources), command))
        # CMake refuses two targets of one name in one build: when a name is defined in a
        # wasm-only branch, its other definitions are the native build's (and vice versa).
        by_name: dict[str, set[str | None]] = {}
        for target in targets:
            by_name.setdefault(target.name, set()).add(target.command.branch)
        out = []
        for target in targets:
            branches = by_name[target.name]
            if target.command.branch is None and len(branches - {None}) == 1:
                other = next(iter(branches - {None}))
                target = dataclasses.replace(target, build="native" if other == "wasm" else "wasm")
            out.append(target)
        return out

    def calls_for(self, name: str, target: Target) -> list[CMakeCommand]:
        """Commands ``name(<target> ...)`` about the target (same branch or unconditional)."""
        out = []
        for command in self.commands:
            if command.name != name or not command.args:
                continue
            if not self.same_target(command.args[0], target):
                continue
            if command.branch and target.branch and command.branch != target.branch:
                continue
            out.append(command)
        return out

    def wasm_targets(self) -> list[Target]:
        """Executables built for the wasm kernel: linked with xeus's wasm helper or to
        xeus-lite, or built from an emscripten entry point; not native-only ones."""
        out = []
        for target in self.targets:
            if target.kind != "executable" or target.branch == "native":
                continue
            helper = self.calls_for("xeus_wasm_link_options", target)
            lite = "xeus-lite" in self.links(target, build="wasm")
            entry = any(re.search(r"emscripten|wasm", posixpath.basename(s), re.IGNORECASE) for s in target.sources)
            if helper or lite or (entry and target.branch == "wasm"):
                out.append(target)
        return out

    def output_name(self, target: Target) -> str:
        for command in self.calls_for("set_target_properties", target):
            args = list(command.args)
            if "PROPERTIES" in args:
                props = args[args.index("PROPERTIES") + 1 :]
                for key, value in zip(props[::2], props[1::2], strict=False):
                    if key == "OUTPUT_NAME":
                        expansions = [e for e in self.expand(value) if "${" not in e]
                        return expansions[0] if expansions else value
        return target.name

    def runs_in(self, command: CMakeCommand, build: str) -> bool:
        """Whether the command may run in that build ("native" or "wasm"), evaluating
        EMSCRIPTEN and the options and ON/OFF variables the project sets (unknown: may)."""
        builds = self._builds_of.get(command)
        return True if builds is None else build in builds

    def surely_runs(self, command: CMakeCommand) -> frozenset[str]:
        """The builds in which every condition around the command is known to hold."""
        return self._sure_of.get(command, frozenset())

    def links(self, target: Target, depth: int = 0, build: str | None = None) -> set[str]:
        """Everything the target links (``target_link_libraries``), through the project's own
        libraries, variables expanded with the values they have in the target's build."""
        build = build or target.branch
        variables = self._by_build.get(build, self.variables) if build else self.variables
        found: set[str] = set()
        for command in self.calls_for("target_link_libraries", target):
            if build and not self.runs_in(command, build):
                continue
            for arg in command.args[1:]:
                if arg in _SCOPE_WORDS:
                    continue
                for expansion in expand_variables(arg, variables):
                    found.update(item for item in expansion.split(";") if item and item not in _SCOPE_WORDS)
        if depth < 4:
            for library in [t for t in self.targets if t.kind == "library" and t.name in found]:
                if library.branch and build and library.branch != build:
                    continue
                if build and not self.runs_in(library.command, build):
                    continue
                found |= self.links(library, depth + 1, build)
        return found

    # -- flags ---------------------------------------------------------------------------

    def _flags(self) -> list[EmFlag]:
        flags: list[EmFlag] = []
        for command in self.commands:
            args = list(command.args)
            if command.name in _TARGET_SINKS and args:
                pieces = [(a, i) for i, a in enumerate(args[1:], start=1) if a not in _SCOPE_WORDS]
                flags += self._from_pieces(command, pieces, args[0])
            elif command.name in _GLOBAL_SINKS:
                flags += self._from_pieces(command, list(zip(args, range(len(args)), strict=True)), None)
            elif command.name == "set_target_properties" and "PROPERTIES" in args:
                targets = args[: args.index("PROPERTIES")]
                props = args[args.index("PROPERTIES") + 1 :]
                for k in range(0, len(props) - 1, 2):
                    if props[k] in _FLAG_PROPERTIES:
                        index = args.index("PROPERTIES") + 2 + k
                        for target in targets:
                            flags += self._from_pieces(command, [(props[k + 1], index)], target)
            elif command.name == "set_property" and args[:1] == ["TARGET"] and "PROPERTY" in args:
                p = args.index("PROPERTY")
                if p + 1 < len(args) and args[p + 1] in _FLAG_PROPERTIES:
                    targets = [a for a in args[1:p] if a not in ("APPEND", "APPEND_STRING")]
                    pieces = [(a, i) for i, a in enumerate(args[p + 2 :], start=p + 2)]
                    for target in targets:
                        flags += self._from_pieces(command, pieces, target)
            elif command.name == "set" and args and _FLAG_VARIABLES.match(args[0]):
                pieces = [(a, i) for i, a in enumerate(args[1:], start=1) if a not in ("CACHE", "FORCE")]
                flags += self._from_pieces(command, pieces, None, skip_variable=args[0])
            elif command.name in ("string", "list") and len(args) > 2 and args[0].upper() == "APPEND" and (
                _FLAG_VARIABLES.match(args[1])
            ):
                flags += self._from_pieces(command, [(a, i) for i, a in enumerate(args[2:], start=2)], None)
        # one flag per place: a variable used by several sinks is read once per target
        unique: dict[tuple, EmFlag] = {}
        for flag in flags:
            unique.setdefault((flag.setting, flag.value, flag.file, flag.line, flag.target), flag)
        return list(unique.values())

    def _from_pieces(
        self,
        command: CMakeCommand,
        pieces: list[tuple[str, int]],
        target: str | None,
        *,
        via: str = "",
        skip_variable: str = "",
        depth: int = 0,
    ) -> list[EmFlag]:
        flags = [
            EmFlag(setting, value, text, command.file, line, command, target, via)
            for setting, value, text, line in split_flags(
                (arg, command.arg_line(index)) for arg, index in pieces
            )
        ]
        if depth < 4:
            for arg, _ in pieces:
                for name in _VARIABLE.findall(arg):
                    if name == skip_variable:
                        continue
                    for setter in self._setters.get(name, []):
                        start = 1 if setter.name == "set" else 2
                        inner = [(a, i) for i, a in enumerate(setter.args[start:], start=start)
                                 if a not in ("CACHE", "FORCE", "PARENT_SCOPE")]
                        flags += self._from_pieces(setter, inner, target, via=via or name, skip_variable=name,
                                                   depth=depth + 1)
        return flags

    def flags_of(self, target: Target, *, include_global: bool = True) -> list[EmFlag]:
        """The flags a target gets: its own, and (optionally) those that apply to all targets
        of its build."""
        out = []
        for flag in self.flags:
            if flag.target is None:
                if include_global and not (flag.command.branch and target.branch and flag.command.branch != target.branch):
                    out.append(flag)
            elif self.same_target(flag.target, target) and not (
                flag.command.branch and target.branch and flag.command.branch != target.branch
            ):
                out.append(flag)
        return out

    # -- installs and generated files ----------------------------------------------------

    def _installs(self) -> list[Install]:
        out: list[Install] = []
        for command in self.commands:
            if command.name != "install" or not command.args:
                continue
            mode = command.args[0].upper()
            if mode not in ("FILES", "PROGRAMS", "DIRECTORY", "TARGETS"):
                continue
            items: list[str] = []
            destinations: list[str] = []
            renames: list[str] = []
            args = list(command.args[1:])
            keywords = {"DESTINATION", "RENAME", "PATTERN", "REGEX", "FILES_MATCHING", "PERMISSIONS",
                        "CONFIGURATIONS", "COMPONENT", "OPTIONAL", "EXCLUDE", "EXPORT", "ARCHIVE", "LIBRARY",
                        "RUNTIME", "PUBLIC_HEADER", "INCLUDES", "TYPE", "USE_SOURCE_PERMISSIONS",
                        "FILE_PERMISSIONS", "DIRECTORY_PERMISSIONS", "MESSAGE_NEVER", "NAMELINK_SKIP",
                        "EXCLUDE_FROM_ALL", "BUNDLE", "FRAMEWORK", "PRIVATE_HEADER", "RESOURCE", "OBJECTS"}
            i, in_items = 0, True
            while i < len(args):
                arg = args[i]
                if arg in ("DESTINATION", "RENAME") and i + 1 < len(args):
                    (destinations if arg == "DESTINATION" else renames).append(args[i + 1])
                    i += 2
                    in_items = False
                    continue
                if arg in ("PATTERN", "REGEX"):
                    i += 2
                    in_items = False
                    continue
                if arg in keywords:
                    in_items = False
                elif in_items:
                    items.append(arg)
                i += 1
            out.append(Install(mode, tuple(items), tuple(destinations), tuple(renames), command))
        return out

    def generated(self) -> dict[str, list[tuple[str, CMakeCommand]]]:
        """Output file (every expansion) -> (input, command) for ``configure_file`` and
        ``file(COPY_FILE)`` / ``file(COPY ... DESTINATION)``."""
        out: dict[str, list[tuple[str, CMakeCommand]]] = {}
        for command in self.commands:
            args = list(command.args)
            pairs: list[tuple[str, str]] = []
            if command.name == "configure_file" and len(args) >= 2:
                pairs.append((args[0], args[1]))
            elif command.name == "file" and args:
                mode = args[0].upper()
                if mode == "COPY_FILE" and len(args) >= 3:
                    pairs.append((args[1], args[2]))
                elif mode == "COPY" and "DESTINATION" in args:
                    d = args.index("DESTINATION")
                    if d + 1 < len(args):
                        for source in args[1:d]:
                            pairs.append((source, args[d + 1] + "/" + posixpath.basename(source)))
            for source, destination in pairs:
                for expansion in {destination, *self.expand(destination)}:
                    out.setdefault(expansion, []).append((source, command))
        return out


_TRUE = {"ON", "TRUE", "YES", "Y", "1"}
#: Platform variables that are false when emscripten is the compiler.
_NOT_IN_WASM = {"WIN32", "MSVC", "APPLE", "CYGWIN", "MINGW", "IOS", "ANDROID", "UNIX_AND_NOT_EMSCRIPTEN"}
_FALSE = {"OFF", "FALSE", "NO", "N", "0", "IGNORE", "NOTFOUND", ""}


def _truth(value: str) -> bool | None:
    v = value.strip().upper()
    if v in _TRUE:
        return True
    if v in _FALSE or v.endswith("-NOTFOUND"):
        return False
    return None


def _known_booleans(commands: list[CMakeCommand], build: str) -> dict[str, bool]:
    """ON/OFF values of ``option()`` and ``set(VAR ON)`` in one build (the last one wins)."""
    values: dict[str, bool] = {}
    for command in commands:
        if command.branch and command.branch != build:
            continue
        args = command.args
        if command.name == "option" and args:
            truth = _truth(args[2]) if len(args) > 2 else False
            if truth is not None and args[0] not in values:
                values[args[0]] = truth
        elif command.name == "set" and len(args) >= 2 and not command.guarded:
            truth = _truth(args[1])
            if truth is not None:
                values[args[0]] = truth
    return values


def _evaluate(args: tuple[str, ...], build: str, known: dict[str, bool]) -> bool | None:
    """A simple if() condition in a build: atoms, NOT, AND, OR; None when unknown."""
    tokens = [a.strip() for a in args]
    if not tokens or "(" in tokens or ")" in tokens:
        return None

    def atom(token: str) -> bool | None:
        name = token[2:-1] if token.startswith("${") and token.endswith("}") else token
        if name.upper() == "EMSCRIPTEN":
            return build == "wasm"
        if build == "wasm" and name.upper() in _NOT_IN_WASM:
            return False
        if name in known:
            return known[name]
        return _truth(name) if name.upper() in _TRUE | {"OFF", "FALSE", "NO"} else None

    # OR of ANDs, NOT binding tightest
    result: bool | None = False
    for alternative in _split(tokens, "OR"):
        value: bool | None = True
        for part in _split(alternative, "AND"):
            negate = 0
            while part and part[0].upper() == "NOT":
                negate += 1
                part = part[1:]
            if len(part) != 1:
                v = None
            else:
                v = atom(part[0])
            if v is not None and negate % 2:
                v = not v
            value = False if v is False or value is False else (None if v is None or value is None else True)
        result = True if value is True or result is True else (None if value is None or result is None else False)
    return result


def _split(tokens: list[str], word: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for token in tokens:
        if token.upper() == word:
            out.append([])
        else:
            out[-1].append(token)
    return out


def _command_builds(commands: list[CMakeCommand]) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """For each command, the builds it may run in, and those it surely runs in (following
    if/elseif/else/endif with the conditions evaluated per build)."""
    both = ("native", "wasm")
    known = {build: _known_booleans(commands, build) for build in both}
    out: list[frozenset[str]] = []
    sure: list[frozenset[str]] = []
    # frame: per build, (this branch may run, an earlier branch surely ran, this branch surely runs)
    stack: list[dict[str, tuple]] = []

    def current() -> frozenset[str]:
        return frozenset(b for b in both if all(frame[b][0] for frame in stack))

    def certain() -> frozenset[str]:
        return frozenset(b for b in both if all(frame[b][2] for frame in stack))

    for command in commands:
        name = command.name
        if name == "if":
            out.append(current())
            sure.append(certain())
            frame = {}
            for b in both:
                value = _evaluate(command.args, b, known[b])
                frame[b] = (value is not False, value is True, value is True, value is not None)
            stack.append(frame)
            continue
        if name in ("elseif", "else") and stack:
            frame = stack[-1]
            for b in both:
                _, taken, _, decided = frame[b]
                if name == "else":
                    frame[b] = (not taken, True, decided and not taken, decided)
                else:
                    value = _evaluate(command.args, b, known[b])
                    frame[b] = (not taken and value is not False, taken or value is True,
                                decided and not taken and value is True, decided and value is not None)
            stack.pop()
            out.append(current())
            sure.append(certain())
            stack.append(frame)
            continue
        if name == "endif" and stack:
            stack.pop()
            out.append(current())
            sure.append(certain())
            continue
        builds = current()
        certainly = certain()
        if command.branch:
            builds = builds & {command.branch}
            certainly = certainly & {command.branch}
        out.append(builds)
        sure.append(certainly)
    return out, sure
