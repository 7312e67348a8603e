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
    """One command invocation: lower-cased name, its arguments (unquoted), where it is."""

    name: str
    args: tuple[str, ...]
    file: str
    line: int

    def text(self) -> str:
        return f"{self.name}({' '.join(self.args)})"


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
    while pos < n:
        m = _COMMAND_START.search(code, pos)
        if m is None:
            break
        name = m.group(1).lower()
        line = code.count("\n", 0, m.start()) + 1
        args: list[str] = []
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
                value, i = _read_quoted(code, i)
                args.append(value)
            elif c == "[" and (b := _BRACKET_OPEN.match(code, i)) is not None:
                close = "]" + b.group(1) + "]"
                k = code.find(close, b.end())
                end = n if k < 0 else k
                content = code[b.end() : end]
                args.append(content.removeprefix("\n"))
                i = n if k < 0 else k + len(close)
            else:
                # Unquoted argument, possibly with legacy embedded quotes (-DX="a b").
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
                elif i < n and code[i] == '"':  # cannot happen, but never loop forever
                    i += 1
        if not closed:
            problems.append(f"{file or 'CMake'}:{line}: `{name}(` is never closed")
        commands.append(CMakeCommand(name, tuple(args), file, line))
        pos = max(m.end(), i)
    return commands, problems


_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.+\-/]+)\}")
_SET_TERMINATORS = {"CACHE", "PARENT_SCOPE"}


def collect_variables(commands: Iterable[CMakeCommand]) -> dict[str, list[str]]:
    """Values given to variables by ``set(VAR value...)`` (every distinct value, in order)."""
    variables: dict[str, list[str]] = {}
    for command in commands:
        if command.name != "set" or not command.args:
            continue
        name = command.args[0]
        values: list[str] = []
        for arg in command.args[1:]:
            if arg in _SET_TERMINATORS:
                break
            values.append(arg)
        if not values:
            continue
        value = ";".join(values)
        known = variables.setdefault(name, [])
        if value not in known:
            known.append(value)
    return variables


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
