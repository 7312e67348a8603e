"""Tolerant readers for the files a xeus kernel repository is made of.

Everything here takes text and never raises on malformed input: CMake and JavaScript are
read the way their tools read them (comments, quoting, brackets, nesting) but without
evaluating anything, JSON templates get their ``@VAR@`` placeholders replaced before
parsing, and conda match specs are compared with a small version model that is enough to
tell which major versions a pin admits.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator

# --------------------------------------------------------------------------------------
# CMake

_BRACKET_OPEN = re.compile(r"\[(=*)\[")
_CMAKE_SPECIAL = re.compile(r'["#\[\\]')


def strip_cmake_comments(text: str) -> str:
    """Remove ``#`` line comments and ``#[[ ]]`` bracket comments, keeping line numbers.

    Quoted arguments and bracket arguments are left as they are, so a ``#`` inside them
    is not a comment. Unterminated constructs run to the end of the text.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        m = _CMAKE_SPECIAL.search(text, i)
        if m is None:
            out.append(text[i:])
            break
        j = m.start()
        out.append(text[i:j])
        c = text[j]
        if c == "\\":  # an escape outside quotes: keep it and the escaped character
            out.append(text[j : j + 2])
            i = j + 2
        elif c == '"':
            k = j + 1
            while k < n and text[k] != '"':
                k += 2 if text[k] == "\\" else 1
            out.append(text[j : k + 1])
            i = k + 1
        elif c == "[":
            b = _BRACKET_OPEN.match(text, j)
            if b is None:
                out.append(c)
                i = j + 1
            else:
                close = "]" + b.group(1) + "]"
                k = text.find(close, b.end())
                end = n if k < 0 else k + len(close)
                out.append(text[j:end])
                i = end
        else:  # "#": a bracket comment or a line comment
            b = _BRACKET_OPEN.match(text, j + 1)
            if b is not None:
                close = "]" + b.group(1) + "]"
                k = text.find(close, b.end())
                end = n if k < 0 else k + len(close)
                out.append("\n" * text.count("\n", j, end))
                i = end
            else:
                k = text.find("\n", j)
                i = n if k < 0 else k
    return "".join(out)


@dataclasses.dataclass(frozen=True)
class CMakeCommand:
    """One command invocation: lower-cased name, its arguments (unquoted), where it is.

    ``arg_lines`` holds the line each argument starts on; ``branch`` is ``"wasm"`` or
    ``"native"`` when the command sits in a branch that only one of the two builds takes
    (``if(EMSCRIPTEN)`` / its ``else()``, see :func:`annotate_branches`), else None.
    """

    name: str
    args: tuple[str, ...]
    file: str
    line: int
    arg_lines: tuple[int, ...] = ()
    branch: str | None = None
    guarded: bool = False  # inside an if() about something else than the build (an option...)
    quoted: frozenset[int] = frozenset()  # indexes of the arguments written quoted (or bracketed)

    def text(self) -> str:
        return f"{self.name}({' '.join(self.args)})"

    def arg_line(self, index: int) -> int:
        """The line argument ``index`` starts on (the command's line if unknown)."""
        return self.arg_lines[index] if 0 <= index < len(self.arg_lines) else self.line

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


_COMMAND_START = re.compile(r"(?<![A-Za-z0-9_$@{}<>:.\-/])([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")
_UNQUOTED_END = re.compile(r'[\s()"]')


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """Read a quoted argument starting at the opening quote; return (content, next index)."""
    n = len(text)
    k = i + 1
    parts: list[str] = []
    while k < n and text[k] != '"':
        if text[k] == "\\" and k + 1 < n:
            nxt = text[k + 1]
            if nxt == "\n":  # line continuation
                pass
            elif nxt in '"\\':
                parts.append(nxt)
            elif nxt in "$;{}":  # keep the escape visible: \${ is not a variable
                parts.append("\\" + nxt)
            elif nxt == "n":
                parts.append("\n")
            elif nxt == "t":
                parts.append("\t")
            else:
                parts.append(nxt)
            k += 2
        else:
            parts.append(text[k])
            k += 1
    return "".join(parts), min(k + 1, n)


def parse_cmake(text: str, file: str = "") -> tuple[list[CMakeCommand], list[str]]:
    """Split CMake code into commands. Returns (commands, problems).

    Comments are stripped first. Each command's arguments are split the way CMake does
    (whitespace-separated, quoted, bracket, nested parentheses), variables, generator
    expressions and escapes are kept as written. Problems (an unterminated command) are
    reported, never raised; what was read before the problem is kept.
    """
    code = strip_cmake_comments(text)
    commands: list[CMakeCommand] = []
    problems: list[str] = []
    pos, n = 0, len(code)
    counted_line, counted_pos = 1, 0
    while pos < n:
        m = _COMMAND_START.search(code, pos)
        if m is None:
            break
        name = m.group(1).lower()
        counted_line += code.count("\n", counted_pos, m.start())
        counted_pos = m.start()
        line = counted_line
        args: list[str] = []
        arg_lines: list[int] = []
        quoted: set[int] = set()
        line_at, line_pos = line, m.start()

        def here(index: int) -> int:
            nonlocal line_at, line_pos
            line_at += code.count("\n", line_pos, index)
            line_pos = index
            return line_at

        i, depth, closed = m.end(), 0, False
        while i < n:
            c = code[i]
            if c.isspace():
                i += 1
            elif c == "(":
                depth += 1
                i += 1
            elif c == ")":
                i += 1
                if depth == 0:
                    closed = True
                    break
                depth -= 1
            elif c == '"':
                arg_lines.append(here(i))
                value, i = _read_quoted(code, i)
                quoted.add(len(args))
                args.append(value)
            elif c == "[" and (b := _BRACKET_OPEN.match(code, i)) is not None:
                arg_lines.append(here(i))
                close = "]" + b.group(1) + "]"
                k = code.find(close, b.end())
                end = n if k < 0 else k
                content = code[b.end() : end]
                quoted.add(len(args))
                args.append(content.removeprefix("\n"))
                i = n if k < 0 else k + len(close)
            else:
                # Unquoted argument, possibly with legacy embedded quotes (-DX="a b").
                start = i
                parts: list[str] = []
                while i < n:
                    e = _UNQUOTED_END.search(code, i)
                    stop = n if e is None else e.start()
                    chunk = code[i:stop]
                    # escapes inside an unquoted argument
                    parts.append(
                        re.sub(
                            r"\\(.)", lambda x: x.group(1) if x.group(1) in '"\\ ()#' else x.group(0), chunk
                        )
                    )
                    i = stop
                    if i < n and code[i] == '"' and parts and parts[-1] and not parts[-1].endswith("\\"):
                        value, i = _read_quoted(code, i)
                        parts.append('"' + value + '"')
                        continue
                    break
                arg = "".join(parts)
                if arg:
                    args.append(arg)
                    arg_lines.append(here(start))
                elif i < n and code[i] == '"':  # cannot happen, but never loop forever
                    i += 1
        if not closed:
            problems.append(f"{file or 'CMake'}:{line}: `{name}(` is never closed")
        commands.append(CMakeCommand(name, tuple(args), file, line, tuple(arg_lines), quoted=frozenset(quoted)))
        pos = max(m.end(), i)
    return commands, problems


_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.+\-/]+)\}")
_SET_TERMINATORS = {"CACHE", "PARENT_SCOPE"}


def collect_variables(commands: Iterable[CMakeCommand]) -> dict[str, list[str]]:
    """Values variables can take, read without evaluating anything (every distinct value, in order).

    - ``set(VAR value...)`` and ``list(APPEND VAR value...)`` / ``string(APPEND VAR value)``;
    - ``foreach(var IN ITEMS a b)`` / ``foreach(var a b)``: ``var`` is each item.

    Function and macro parameters are not variables here: :func:`inline_functions` puts
    each call's arguments into a copy of the body instead.
    """
    commands = list(commands)
    variables: dict[str, list[str]] = {}

    def add(name: str, values: Iterable[str]) -> None:
        value = ";".join(values)
        if not value:
            return
        known = variables.setdefault(name, [])
        if value not in known:
            known.append(value)

    for command in commands:
        args = command.args
        if command.name == "set" and args:
            values: list[str] = []
            for arg in args[1:]:
                if arg in _SET_TERMINATORS:
                    break
                values.append(arg)
            add(args[0], values)
        elif command.name == "list" and len(args) > 2 and args[0].upper() in ("APPEND", "PREPEND"):
            add(args[1], args[2:])
        elif command.name == "string" and len(args) > 2 and args[0].upper() == "APPEND":
            add(args[1], ["".join(args[2:])])
        elif command.name == "foreach" and len(args) > 1:
            items = list(args[1:])
            if items and items[0].upper() == "IN":
                items = items[1:]
                mode = items[0].upper() if items else ""
                items = items[1:]
                if mode == "LISTS":
                    items = [f"${{{name}}}" for name in items]
                elif mode != "ITEMS":
                    items = []
            elif items and items[0].upper() == "RANGE":
                items = []
            for item in items[:16]:
                add(args[0], [item])
    return variables


def inline_functions(commands: list[CMakeCommand], *, depth: int = 3) -> list[CMakeCommand]:
    """Commands with each call of a project ``function()`` / ``macro()`` followed by a copy
    of its body, the call's arguments put in for the parameters (``${param}``, ``${ARGV0}``,
    ``${ARGN}`` and the ``<prefix>_<KEYWORD>`` of ``cmake_parse_arguments``).

    The copies keep the body's file and lines (a flag is reported where it is written) and
    take the call's wasm/native branch when the body line has none. Definitions are left
    out; calls nested in bodies are expanded ``depth`` levels deep.
    """
    definitions: dict[str, tuple[list[str], list[CMakeCommand]]] = {}
    outside: list[CMakeCommand] = []
    current: list[CMakeCommand] | None = None
    nesting = 0
    for command in commands:
        if command.name in ("function", "macro") and command.args and current is None:
            current = []
            definitions[command.args[0].lower()] = (list(command.args[1:]), current)
            nesting = 0
        elif current is not None:
            if command.name in ("function", "macro"):
                nesting += 1
            if command.name in ("endfunction", "endmacro"):
                if nesting == 0:
                    current = None
                    continue
                nesting -= 1
            current.append(command)
        else:
            outside.append(command)
    if not definitions:
        return list(commands)

    def expand(seq: list[CMakeCommand], level: int) -> list[CMakeCommand]:
        out: list[CMakeCommand] = []
        for command in seq:
            out.append(command)
            definition = definitions.get(command.name)
            if definition is None or level >= depth:
                continue
            params, body = definition
            values: dict[str, str] = {}
            for param, value in zip(params, command.args, strict=False):
                values[param] = value
            for i, value in enumerate(command.args):
                values[f"ARGV{i}"] = value
            values["ARGN"] = ";".join(command.args[len(params):])
            values["ARGV"] = ";".join(command.args)
            for parse in (c for c in body if c.name == "cmake_parse_arguments"):
                _bind_parsed_arguments(parse, params, command.args,
                                       lambda name, vals: values.__setitem__(name, ";".join(vals)))
            copies = [
                dataclasses.replace(
                    c,
                    args=tuple(_substitute(a, values) for a in c.args),
                    branch=c.branch or command.branch,
                    guarded=c.guarded or command.guarded,
                )
                for c in body
            ]
            out.extend(expand(copies, level + 1))
        return out

    return expand(outside, 0)


def _substitute(text: str, values: dict[str, str]) -> str:
    if "${" not in text:
        return text
    return _VARIABLE_REF.sub(lambda m: values.get(m.group(1), m.group(0)), text)


_VARIABLE_REF = re.compile(r"\$\{([A-Za-z0-9_.+\-/]+)\}")


def _bind_parsed_arguments(parse: CMakeCommand, params: list[str], call_args: tuple[str, ...], add) -> None:
    args = list(parse.args)
    if args[:1] == ["PARSE_ARGV"]:
        if len(args) < 6 or not args[1].isdigit():
            return
        start, prefix, spec = int(args[1]), args[2], args[3:6]
        given = list(call_args[start:])
    else:
        if len(args) < 4:
            return
        prefix, spec = args[0], args[1:4]
        given = list(call_args[len(params):])
    options, one, multi = (set(filter(None, s.split(";"))) for s in spec)
    keywords = options | one | multi
    i = 0
    while i < len(given):
        key = given[i]
        if key in options:
            add(f"{prefix}_{key}", ["TRUE"])
            i += 1
        elif key in one:
            if i + 1 < len(given):
                add(f"{prefix}_{key}", [given[i + 1]])
            i += 2
        elif key in multi:
            j = i + 1
            while j < len(given) and given[j] not in keywords:
                j += 1
            add(f"{prefix}_{key}", given[i + 1 : j])
            i = j
        else:
            i += 1


def expand_variables(value: str, variables: dict[str, list[str]], *, limit: int = 8) -> list[str]:
    """Every expansion of ``${VAR}`` references in value through simple ``set()`` values.

    Unknown variables stay as written. A variable set to several values gives several
    expansions (at most ``limit``); self references and deep chains stop expanding.
    """
    results: list[str] = []
    seen: set[str] = set()

    def walk(text: str, start: int, depth: int) -> None:
        if len(results) >= limit:
            return
        m = _VARIABLE.search(text, start)
        while m is not None and (depth > 12 or not variables.get(m.group(1))):
            m = _VARIABLE.search(text, m.end())
        if m is None:
            if text not in seen:
                seen.add(text)
                results.append(text)
            return
        for candidate in variables[m.group(1)][:4]:
            replaced = text[: m.start()] + candidate + text[m.end() :]
            # Keep scanning from the start of the replacement: it may hold references.
            walk(replaced, m.start(), depth + 1)

    walk(value, 0, 0)
    return results or [value]


_WASM_WORD = re.compile(r"EMSCRIPTEN|WASM|WEBASSEMBLY", re.IGNORECASE)


def _condition_branch(args: tuple[str, ...]) -> tuple[str | None, bool]:
    """Which build an ``if()`` condition selects, and whether the condition is only that.

    ``if(EMSCRIPTEN)`` -> ("wasm", True); ``if(NOT EMSCRIPTEN)`` -> ("native", True);
    ``if(EMSCRIPTEN AND X)`` -> ("wasm", False) (its ``else()`` is no native-only branch);
    anything with ``OR`` or without an emscripten word -> (None, False). Variables named
    after emscripten or wasm (``XEUS_LUA_EMSCRIPTEN_WASM_BUILD``) and
    ``CMAKE_SYSTEM_NAME STREQUAL Emscripten`` count as the wasm build.
    """
    tokens = [a.strip() for a in args]
    upper = [t.upper() for t in tokens]
    if "OR" in upper:
        return None, False
    wasm_positions = [
        i
        for i, t in enumerate(tokens)
        if _WASM_WORD.search(t) and not t.upper().startswith(("NOT_", "NO_"))
    ]
    if not wasm_positions:
        return None, False
    first = wasm_positions[0]
    # `CMAKE_SYSTEM_NAME STREQUAL Emscripten`: the comparison is the wasm word's context.
    start = first
    if first >= 2 and upper[first - 1] in ("STREQUAL", "MATCHES", "EQUAL"):
        start = first - 2
    negated = start > 0 and upper[start - 1] == "NOT"
    pure = len(tokens) == (1 if start == first else 3) + (1 if negated else 0)
    return ("native" if negated else "wasm"), pure


def annotate_branches(commands: Iterable[CMakeCommand]) -> list[CMakeCommand]:
    """Each command with ``branch`` set when only the wasm or only the native build runs it.

    Follows ``if()/elseif()/else()/endif()`` per file; nested branches take the innermost
    build they name. Nothing is evaluated: a condition that is not about emscripten leaves
    the branch as its enclosing one.
    """
    out: list[CMakeCommand] = []
    stack: list[dict] = []
    current_file = None
    for command in commands:
        if command.file != current_file:
            stack, current_file = [], command.file
        name = command.name
        if name == "if":
            build, pure = _condition_branch(command.args)
            stack.append({"first": (build, pure), "now": build, "guard": build is None and not _target_test(command.args)})
            out.append(dataclasses.replace(command, branch=_innermost(stack[:-1]), guarded=_guarded(stack[:-1])))
            continue
        if name in ("elseif", "else") and stack:
            frame = stack[-1]
            first_build, first_pure = frame["first"]
            if name == "elseif":
                build, _ = _condition_branch(command.args)
            else:
                build = None
            if build is None and first_pure:
                build = {"wasm": "native", "native": "wasm"}.get(first_build or "")
            frame["now"] = build
            frame["guard"] = frame["guard"] or build is None
            out.append(dataclasses.replace(command, branch=_innermost(stack[:-1]), guarded=_guarded(stack[:-1])))
            continue
        if name == "endif" and stack:
            stack.pop()
            out.append(dataclasses.replace(command, branch=_innermost(stack), guarded=_guarded(stack)))
            continue
        out.append(dataclasses.replace(command, branch=_innermost(stack), guarded=_guarded(stack)))
    return out


def _target_test(args: tuple[str, ...]) -> bool:
    """``if(NOT TARGET x)`` / ``if(TARGET x)``: a guard against defining things twice."""
    return [a.upper() for a in args[:2]] in (["NOT", "TARGET"], ["TARGET"]) or (args[:1] == ("TARGET",))


def _guarded(stack: list[dict]) -> bool:
    return any(frame.get("guard") for frame in stack)


def _innermost(stack: list[dict]) -> str | None:
    for frame in reversed(stack):
        if frame["now"] is not None:
            return frame["now"]
    return None


SOURCE_DIR_VARIABLES = (
    "${CMAKE_CURRENT_SOURCE_DIR}",
    "${CMAKE_SOURCE_DIR}",
    "${PROJECT_SOURCE_DIR}",
    "${CMAKE_CURRENT_LIST_DIR}",
)


def is_source_tree_path(path: str) -> bool:
    """Whether a (possibly unexpanded) CMake path points into the source tree."""
    stripped = path.strip()
    if any(stripped.startswith(v) for v in SOURCE_DIR_VARIABLES):
        return True
    return bool(re.match(r"\$\{[A-Za-z0-9_.+\-]+_SOURCE_DIR\}", stripped))


# --------------------------------------------------------------------------------------
# JavaScript and C++

_JS_SPECIAL = re.compile(r"[\"'`/]")


def strip_js_comments(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments from JavaScript, keeping strings and lines.

    Strings ('', "", template literals) are kept. Regular expression literals are not
    recognised; a ``//`` inside one is rare enough in emscripten glue code.
    """
    return _strip_c_like(text, quotes="\"'`")


def strip_cpp_comments(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments from C++, keeping strings (raw strings too)."""
    return _strip_c_like(text, quotes="\"'", raw_strings=True)


def _strip_c_like(text: str, *, quotes: str, raw_strings: bool = False) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    pattern = re.compile("[" + re.escape(quotes) + "/]")
    while i < n:
        m = pattern.search(text, i)
        if m is None:
            out.append(text[i:])
            break
        j = m.start()
        c = text[j]
        if c == "/":
            nxt = text[j + 1] if j + 1 < n else ""
            if nxt == "/":
                out.append(text[i:j])
                k = text.find("\n", j)
                i = n if k < 0 else k
            elif nxt == "*":
                out.append(text[i:j])
                k = text.find("*/", j + 2)
                end = n if k < 0 else k + 2
                out.append("\n" * text.count("\n", j, end) or " ")
                i = end
            else:
                out.append(text[i : j + 1])
                i = j + 1
            continue
        if raw_strings and c == '"' and j > 0 and text[j - 1] == "R":
            r = re.match(r'"([^()\\\s]{0,16})\(', text[j:])
            if r is not None:
                close = ")" + r.group(1) + '"'
                k = text.find(close, j + r.end())
                end = n if k < 0 else k + len(close)
                out.append(text[i:end])
                i = end
                continue
        k = j + 1
        while k < n and text[k] != c:
            if text[k] == "\\":
                k += 2
                continue
            if text[k] == "\n" and c != "`":  # unterminated string: stop at the line end
                break
            k += 1
        end = min(k + 1, n)
        out.append(text[i:end])
        i = end
    return "".join(out)


# --------------------------------------------------------------------------------------
# JSON templates (kernel.json.in)

_PLACEHOLDER = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*@|\$\{[A-Za-z_][A-Za-z0-9_]*\}")
PLACEHOLDER_VALUE = "XK_PLACEHOLDER"


def substitute_placeholders(text: str, outside: str = f'"{PLACEHOLDER_VALUE}"') -> tuple[str, bool]:
    """Replace configure_file placeholders (``@VAR@``, ``${VAR}``) with a dummy value.

    Inside a JSON string the placeholder becomes ``XK_PLACEHOLDER``; outside one it becomes
    ``outside`` (by default the JSON string ``"XK_PLACEHOLDER"``, for ``"debugger": @X@``).
    Returns (text, whether any placeholder was replaced).
    """
    out: list[str] = []
    found = False
    in_string = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                out.append(text[i : i + 2])
                i += 2
                continue
            if c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        m = _PLACEHOLDER.match(text, i) if c in "@$" else None
        if m is not None:
            found = True
            if in_string:
                out.append(PLACEHOLDER_VALUE)
            else:
                # After a value ("-std=c17"@EXTRA_ARGS@) CMake appends more items: nothing.
                before = "".join(out).rstrip()[-1:]
                out.append(outside if before in ("", ":", "[", ",") else "")
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out), found


def load_json_template(text: str) -> tuple[object, bool]:
    """Parse a JSON file that may be a configure_file template. Raises ValueError.

    A placeholder outside strings where a value belongs (``"debugger": @X@``) is read as a
    string, one right after a value (``"-std=c17"@EXTRA_ARGS@``, which CMake fills with
    more list items) as nothing; if that does not parse, value placeholders are tried as
    nothing, then as ``null``.
    """
    first_error: json.JSONDecodeError | None = None
    found = False
    for outside in (f'"{PLACEHOLDER_VALUE}"', "", "null"):
        substituted, found = substitute_placeholders(text, outside)
        try:
            return json.loads(substituted), found
        except json.JSONDecodeError as error:
            first_error = first_error or error
            if not found:
                break
    assert first_error is not None
    raise ValueError(
        f"not valid JSON (line {first_error.lineno}, column {first_error.colno}: {first_error.msg})"
    ) from None


# --------------------------------------------------------------------------------------
# Conda match specs and version ranges

_SPEC_NAME = re.compile(r"^\s*(?:[A-Za-z0-9_.\-/:]+::)?([A-Za-z0-9_.\-]+)\s*(.*)$", re.DOTALL)
_CONSTRAINT = re.compile(r"^(>=|<=|==|!=|~=|>|<|=)?\s*([0-9A-Za-z.*+_!\-]+)$")


@dataclasses.dataclass(frozen=True)
class MatchSpec:
    name: str
    version: str  # "" when unpinned
    text: str


def parse_match_spec(text: str) -> MatchSpec | None:
    """Name and version range of a conda dependency line; None if it is not one."""
    if not isinstance(text, str):
        return None
    m = _SPEC_NAME.match(text)
    if m is None:
        return None
    name, rest = m.group(1).lower(), m.group(2).strip()
    bracket = re.search(r"\[(.*)\]", rest)
    if rest.startswith("[") and bracket:
        v = re.search(r"version\s*=\s*['\"]?([^'\",\]]+(?:,[^'\",\]]+)*)", bracket.group(1))
        return MatchSpec(name, v.group(1).replace(" ", "") if v else "", text)
    rest = re.sub(r"\s*([,|])\s*", r"\1", rest)
    rest = re.sub(r"(>=|<=|==|!=|~=|>|<)\s+", r"\1", rest)
    version = rest.split()[0] if rest else ""
    if version.startswith("=") and not version.startswith("=="):
        version = "=" + version[1:].split("=")[0]  # =6.0.5=h1234_0: drop the build string
    return MatchSpec(name, version, text)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split("."):
        m = re.match(r"\d+", piece)
        if m is None:
            break
        parts.append(int(m.group()))
    return tuple(parts)


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a > b) - (a < b)


def _admits_one(constraint: str, version: tuple[int, ...]) -> bool | None:
    m = _CONSTRAINT.match(constraint)
    if m is None:
        return None
    op, literal = m.group(1) or "", m.group(2)
    prefix = literal.endswith("*") or op in ("", "=")
    target = _version_tuple(literal.rstrip("*").rstrip("."))
    if not target and literal.strip("*") == "":
        return True  # "*"
    if op in ("", "=") or (op == "==" and literal.endswith("*")):
        return version[: len(target)] == target if prefix else _cmp(version, target) == 0
    if op == "==":
        return _cmp(version, target) == 0
    if op == "!=":
        return version[: len(target)] != target if literal.endswith("*") else _cmp(version, target) != 0
    if op == "~=":
        return _cmp(version, target) >= 0 and version[: len(target) - 1] == target[:-1]
    result = _cmp(version, target)
    return {">=": result >= 0, "<=": result <= 0, ">": result > 0, "<": result < 0}[op]


def spec_admits(spec: str, version: str | tuple[int, ...]) -> bool | None:
    """Whether a version range (``>=6,<7``, ``6.0.*``, ``==4.0.9``, ``a|b``) admits version.

    None when the range cannot be read.
    """
    v = _version_tuple(version) if isinstance(version, str) else version
    spec = spec.strip()
    if spec in ("", "*"):
        return True
    any_ok = False
    for alternative in spec.split("|"):
        verdicts = [_admits_one(c.strip(), v) for c in alternative.split(",") if c.strip()]
        if any(x is None for x in verdicts):
            return None
        if all(verdicts):
            any_ok = True
    return any_ok


def admitted_majors(spec: str, major: int) -> set[int] | None:
    """Which majors around ``major`` a range admits (probing each side and the literals)."""
    probes: set[tuple[int, ...]] = {
        (major - 1, 999, 999),
        (major, 0, 0),
        (major, 5, 0),
        (major, 999, 999),
        (major + 1, 0, 0),
        (major + 1, 999, 999),
    }
    for literal in re.findall(r"\d+(?:\.\d+)*", spec):
        probes.add(_version_tuple(literal))
    majors: set[int] = set()
    for probe in probes:
        verdict = spec_admits(spec, probe)
        if verdict is None:
            return None
        if verdict and probe:
            majors.add(probe[0])
    return majors


def pins_major(spec: str, major: int) -> bool:
    """A range pins a major when it admits that major and nothing before or after it."""
    return admitted_majors(spec, major) == {major}


def version_major(text: str) -> int | None:
    """Major of a CMake version argument (``6``, ``6.0.2``, ``6...<7``); None if not one."""
    m = re.match(r"\s*(\d+)(?:\.\d+)*(?:\.\.\.|$|\s)", text)
    return int(m.group(1)) if m else None


def first_lines(items: Iterable[str], limit: int = 3) -> str:
    """Join at most ``limit`` items, with "and N more"."""
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def with_unreadable(found: str, unreadable: dict[str, str]) -> str:
    """A failure message, followed by the files that could not be read, if any."""
    return found + ("; unreadable: " + first_lines(unreadable.values()) if unreadable else "")


def iter_strings(value: object) -> Iterator[str]:
    """Every string inside nested lists and dicts (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from iter_strings(v)
