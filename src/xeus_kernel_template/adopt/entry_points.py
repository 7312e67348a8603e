"""How the kernel's former entry points made its interpreter, carried into the author-owned
src/interpreter_factory.cpp that both template entry points call.

A kernel's ``main()`` may build its interpreter from the command line
(``std::make_unique<ns::interpreter>(argc, argv)``) and its wasm entry point may export an
interpreter class of its own (``xeus::export_kernel<ns::wasm_interpreter>``). Both are carried:
a construction whose arguments use only ``argc``, ``argv`` and literals is written as it was;
anything else (a local of ``main()``, a configuration object) is listed for a human.
"""

from __future__ import annotations

import dataclasses
import re

from ..review.parsing import strip_cpp_comments

_MAKE = re.compile(r"\b(?:std::)?make_unique\s*<\s*((?:::)?[A-Za-z_][\w:]*)\s*>\s*\(")
_NEW = re.compile(r"\bnew\s+((?:::)?[A-Za-z_][\w:]*)\s*\(")
_EXPORT = re.compile(r"\bexport_kernel\s*<\s*((?:::)?[A-Za-z_][\w:]*)")
_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
_IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*\b")
_DERIVED_CLASS = re.compile(r"\b(?:class|struct)\s+([A-Za-z_]\w*)\s*(?:final\s*)?:\s*(?:public|protected|private)?\s*[A-Za-z_:]")
# What a construction's arguments may name and still mean the same in make_interpreter().
_PORTABLE = {"argc", "argv", "static_cast", "const_cast", "reinterpret_cast", "char", "int", "const", "std",
             "string", "nullptr", "true", "false"}


@dataclasses.dataclass
class Construction:
    cls: str
    arguments: str  # as written, "" for none
    file: str


@dataclasses.dataclass
class Factory:
    text: str | None  # the factory to write; None when the template's default fits
    carried: list[str]
    needs_human: list[str]


def _arguments_at(code: str, start: int) -> str | None:
    """The text between the parenthesis opened just before *start* and its match."""
    depth = 1
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return " ".join(code[start:i].split())
    return None


def construction(code: str, path: str, classes: set[str]) -> Construction | None:
    """The first construction of one of *classes* (unqualified names match too) in *code*."""
    code = strip_cpp_comments(code)
    short = {c.rsplit("::", 1)[-1] for c in classes}
    for pattern in (_MAKE, _NEW):
        for match in pattern.finditer(code):
            if match.group(1).rsplit("::", 1)[-1] in short:
                arguments = _arguments_at(code, match.end())
                if arguments is not None:
                    return Construction(match.group(1), arguments, path)
    return None


def derived_classes(sources: dict[str, str]) -> set[str]:
    """The classes of the kernel's own code that derive from another (its interpreters among them)."""
    return {m.group(1) for code in sources.values() for m in _DERIVED_CLASS.finditer(code)}


def exported_class(code: str) -> str | None:
    """The class export_kernel<...> names, through a `using X = ...;` or typedef of the file."""
    code = strip_cpp_comments(code)
    match = _EXPORT.search(code)
    if match is None:
        return None
    name = match.group(1)
    alias = re.search(rf"\busing\s+{re.escape(name)}\s*=\s*((?:::)?[A-Za-z_][\w:]*)\s*;", code) or re.search(
        rf"\btypedef\s+((?:::)?[A-Za-z_][\w:]*)\s+{re.escape(name)}\s*;", code)
    return alias.group(1) if alias else name


def project_includes(code: str, files: set[str]) -> list[str]:
    """The quoted #includes of *code* that name a header of the repository's include/."""
    return [h for h in _INCLUDE.findall(strip_cpp_comments(code)) if f"include/{h}" in files]


def interpreter_factory(
    entry_points: dict[str, str], *, namespace: str, interpreter_class: str, interpreter_header: str,
    factory_header: str, classes: set[str], files: set[str],
) -> Factory:
    """The src/interpreter_factory.cpp that does what *entry_points* (path -> code) did."""
    carried: list[str] = []
    needs_human: list[str] = []
    native = None
    wasm_class, wasm_includes, native_includes = None, [], []
    for path, code in sorted(entry_points.items()):
        exported = exported_class(code)
        if exported:
            wasm_class, wasm_includes = exported, project_includes(code, files)
            continue
        found = construction(code, path, classes)
        if found and native is None:
            native, native_includes = found, project_includes(code, files)
    if native and native.arguments:
        names = set(_IDENTIFIER.findall(re.sub(r'"(?:\\.|[^"\\])*"', '""', native.arguments)))
        if names <= _PORTABLE:
            carried.append(f"{native.file}: the interpreter is made as {native.cls}({native.arguments}): "
                           f"src/interpreter_factory.cpp")
        else:
            needs_human.append(
                f"{native.file} makes the interpreter as {native.cls}({native.arguments[:60]}), with names of "
                f"its main(): construct it that way in src/interpreter_factory.cpp (make_interpreter)"
            )
            native = Construction(native.cls, "", native.file)
    same = wasm_class is None or wasm_class.rsplit("::", 1)[-1] == (native.cls if native else interpreter_class).rsplit("::", 1)[-1]
    if (native is None or not native.arguments) and same:
        return Factory(None, carried, needs_human)
    native_line = f"std::make_unique<{native.cls if native else interpreter_class}>({native.arguments if native else ''})"
    lines = [
        "// Yours: `copier update` never rewrites this file.",
        "//",
        "// Makes the interpreter for both entry points (native and wasm). Written by",
        "// `xeus-kernel-template adopt` from the kernel's former entry points (in git history).",
        "",
        "#include <memory>",
        "",
        f'#include "{factory_header}"',
    ]
    native_headers = list(dict.fromkeys(native_includes or [interpreter_header]))
    lines += [f'#include "{h}"' for h in native_headers]
    if not same:
        extra = [h for h in wasm_includes if h not in native_headers]
        if extra:
            lines += ["", "#ifdef __EMSCRIPTEN__", *(f'#include "{h}"' for h in extra), "#endif"]
        carried.append(f"the wasm entry point's interpreter class {wasm_class}: src/interpreter_factory.cpp "
                       f"(under __EMSCRIPTEN__)")
    lines += ["", f"namespace {namespace}", "{",
              "    std::unique_ptr<xeus::xinterpreter> make_interpreter(int argc, char* argv[])", "    {"]
    if not same:
        lines += ["#ifdef __EMSCRIPTEN__", "        static_cast<void>(argc);", "        static_cast<void>(argv);",
                  f"        return std::make_unique<{wasm_class}>();", "#else"]
    if not (native and native.arguments):
        lines += ["        static_cast<void>(argc);", "        static_cast<void>(argv);"]
    lines.append(f"        return {native_line};")
    if not same:
        lines.append("#endif")
    lines += ["    }", "}", ""]
    return Factory("\n".join(lines), carried, needs_human)
