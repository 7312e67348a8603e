"""A kernel still on the xeus 5 API: each change xeus 6 asks of it, found in its sources.

xeus 6 changed the interpreter's interface (xeus's include/xeus/xinterpreter.hpp and
xhelper.hpp, 5.2 -> 6.0):

- ``void shutdown_request_impl()`` became ``nl::json shutdown_request_impl(bool restart)``,
  returning ``xeus::create_shutdown_reply(restart)``;
- ``nl::json interrupt_request_impl()`` is new and pure virtual (``xeus::create_interrupt_reply()``);
- ``create_info_reply`` lost its first parameter (the protocol version, now set by xeus) and
  its ``debugger`` flag (the twelfth; ``supported_features`` replaces it, last);
- the comm API: ``xtarget`` has no default constructor, comms hold a ``const xtarget*``,
  ``xcomm(const xtarget*, xguid)``;
- ``xconfiguration`` became a variant; the kernel's own is ``xkernel_configuration``.

The first three are mechanical: :func:`port` rewrites them (shown as a diff; adopt applies it
only with ``--port-xeus6``). The others are named for a human.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

from ..review.parsing import matching_close
from .kernel_info import call_arguments, protocol_first

_VOID_SHUTDOWN = re.compile(r"\bvoid(\s+)((?:[A-Za-z_]\w*::)*)shutdown_request_impl\s*\(\s*\)")
_XCOMM = re.compile(r"\bxtarget\b|\bxcomm\s*\(|\.target\s*\(\s*\)")
_XCONFIGURATION = re.compile(r"\bxconfiguration\b")


@dataclasses.dataclass
class Port:
    changes: list[str]  # each API change, with where: for the plan
    patched: dict[str, str]  # path -> the file with the mechanical changes made
    diff: str  # the unified diff of those

    @property
    def needed(self) -> bool:
        return bool(self.changes)


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _body(text: str, start: int) -> tuple[int, int] | None:
    """The braces of the function body opening at or after *start*, before any ';'."""
    i = start
    while i < len(text) and text[i] not in "{;":
        i += 1
    if i >= len(text) or text[i] == ";":
        return None
    end = matching_close(text, i)
    return None if end is None else (i, end)


def _port_shutdown(path: str, text: str, changes: list[str]) -> str:
    for match in reversed(list(_VOID_SHUTDOWN.finditer(text))):
        body = _body(text, match.end())
        head = f"nl::json{match.group(1)}{match.group(2)}shutdown_request_impl(bool restart)"
        if body is not None:
            opening, closing = body
            inner = re.sub(r"\breturn\s*;", "return xeus::create_shutdown_reply(restart);", text[opening + 1 : closing])
            indent = re.search(r"\n([ \t]*)[^\n]*$", text[:closing])
            pad = indent.group(1) if indent and not text[:closing].rstrip(" \t").endswith("{") else ""
            line_indent = re.search(r"([ \t]*)$", text[: match.start()]).group(1)
            inner = inner.rstrip() + f"\n{line_indent}    return xeus::create_shutdown_reply(restart);\n{pad or line_indent}"
            text = text[: match.start()] + head + text[match.end() : opening + 1] + inner + text[closing:]
        else:
            text = text[: match.start()] + head + text[match.end() :]
        changes.append(f"{path}:{_line(text, match.start())}: shutdown_request_impl() returns nl::json and takes "
                       f"bool restart (return xeus::create_shutdown_reply(restart))")
    return text


def _add_interrupt(path: str, text: str, changes: list[str]) -> str:
    """interrupt_request_impl next to shutdown_request_impl: declared, or defined."""
    match = re.search(r"^([ \t]*)(?:virtual\s+)?nl::json(\s+)((?:[A-Za-z_]\w*::)*)shutdown_request_impl\s*\(\s*bool\s+\w+\s*\)",
                      text, re.MULTILINE)
    if match is None:
        return text
    indent, scope = match.group(1), match.group(3)
    body = _body(text, match.end())
    if body is None:  # a declaration
        end = text.index(";", match.end()) + 1
        override = " override" if "override" in text[match.end() : end] else ""
        text = text[:end] + f"\n{indent}nl::json interrupt_request_impl(){override};" + text[end:]
    else:
        end = body[1] + 1
        text = (text[:end] + f"\n\n{indent}nl::json {scope}interrupt_request_impl()\n{indent}{{\n{indent}    "
                f"return xeus::create_interrupt_reply();\n{indent}}}" + text[end:])
    changes.append(f"{path}:{_line(text, end) + 1}: interrupt_request_impl() is new in xeus 6 (pure virtual): "
                   f"the port answers ok without interrupting; make it stop a running execution if it can")
    return text


def _port_info_reply(path: str, text: str, changes: list[str]) -> str:
    match = re.search(r"\bcreate_info_reply\s*\(", text)
    arguments = call_arguments(text, "create_info_reply") if match else None
    if not arguments or not protocol_first(arguments):
        return text
    spans, depth, start, quote, i = [], 0, match.end(), "", match.end()
    while i < len(text):  # the arguments' spans, as call_arguments reads them
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                spans.append((start, i))
                break
            depth -= 1
        elif c == "," and depth == 0:
            spans.append((start, i))
            start = i + 1
        i += 1
    drop = [0] + ([11] if len(spans) >= 12 else [])
    what = "the protocol version (first)" + (" and the debugger flag (twelfth; xeus 6 takes supported_features, "
                                              "e.g. {\"debugger\"}, last)" if len(drop) > 1 else "")
    for index in reversed(drop):  # an argument and its separator, the layout of the others kept
        if index + 1 < len(spans):
            text = text[: spans[index][0]] + text[spans[index + 1][0] :]
        else:
            text = text[: spans[index - 1][1]] + text[spans[index][1] :]
    changes.append(f"{path}:{_line(text, match.start())}: create_info_reply() no longer takes {what}")
    return text


def _include_helpers(path: str, text: str, changes: list[str]) -> str:
    """xeus/xhelper.hpp, which declares the reply helpers the port calls, included where they are."""
    if not re.search(r"\bxeus::create_(shutdown|interrupt)_reply\b", text) or "xeus/xhelper.hpp" in text:
        return text
    includes = list(re.finditer(r"^#\s*include[^\n]*\n", text, re.MULTILINE))
    at = includes[-1].end() if includes else 0
    changes.append(f"{path}:{_line(text, at) if includes else 1}: #include \"xeus/xhelper.hpp\" (the reply helpers)")
    return text[:at] + '#include "xeus/xhelper.hpp"\n' + text[at:]


def port(sources: dict[str, str]) -> Port:
    """The xeus 5 -> 6 changes of the kernel's C++ (*sources*: path -> text as written)."""
    changes: list[str] = []
    patched: dict[str, str] = {}
    interpreters = sorted(p for p, text in sources.items() if re.search(r"shutdown_request_impl|create_info_reply", text))
    has_interrupt = any("interrupt_request_impl" in sources[p] for p in interpreters)
    for path in interpreters:
        text = sources[path]
        new = _port_info_reply(path, _port_shutdown(path, text, changes), changes)
        if not has_interrupt:
            new = _add_interrupt(path, new, changes)
        new = _include_helpers(path, new, changes)
        if new != text:
            patched[path] = new
    for path, text in sorted(sources.items()):
        if not changes:
            break
        if _XCOMM.search(text):
            line = _line(text, _XCOMM.search(text).start())
            changes.append(f"{path}:{line}: the comm API changed (xtarget: no default constructor, comms hold a "
                           f"const xtarget*, xcomm(const xtarget*, xguid)): by hand")
        if _XCONFIGURATION.search(text) and not re.search(r"(^|/)main[^/]*\.(cpp|cc|cxx)$", path):
            line = _line(text, _XCONFIGURATION.search(text).start())
            changes.append(f"{path}:{line}: xeus::xconfiguration is a variant now; the kernel's is "
                           f"xeus::xkernel_configuration: by hand")
    diff = "".join(
        "".join(difflib.unified_diff(sources[p].splitlines(True), patched[p].splitlines(True), f"a/{p}", f"b/{p}"))
        for p in sorted(patched)
    )
    return Port(changes, patched, diff)
