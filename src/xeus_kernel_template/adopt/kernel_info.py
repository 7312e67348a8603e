"""What a kernel's ``kernel_info`` reply says about its language, however the kernel builds it.

Three shapes are read, in the kernel's C++ (comments stripped):

- the arguments of ``xeus::create_info_reply(...)``, in xeus 6's order, or xeus 5's (a
  protocol version first) when the kernel is still on the xeus 5 API;
- a JSON object filled by hand: ``result["language_info"]["name"] = "wren";``,
  ``language_info["version"] = ...;`` or ``{"name", "wren"}`` pairs;
- either of them naming variables or macros instead of literals:
  ``const std::string language_name = "gadget";``, ``#define XLANG_VERSION "1.0"``, or a
  version made of ``<X>_VERSION_MAJOR/MINOR/PATCH`` macros.

An argument that is none of these (a call, a value from the language's own library) is left
out: the answer is then "not inferred", never a guess.
"""

from __future__ import annotations

import re

# language_info's keys -> the template's answers.
ANSWERS = {
    "name": "language_id",
    "version": "language_version",
    "mimetype": "mimetype",
    "file_extension": "file_extension",
    "pygments_lexer": "pygments_lexer",
    "codemirror_mode": "codemirror_mode",
}
# create_info_reply's parameters, xeus 6 order (xeus 5 has protocol_version first).
INFO_REPLY = ["implementation", "implementation_version", "name", "version", "mimetype", "file_extension",
              "pygments_lexer", "codemirror_mode"]
_STRING = r'"((?:[^"\\]|\\.)*)"'
_LITERAL = re.compile(rf"^(?:std::string\s*[({{]\s*)?{_STRING}\s*[)}}]?$")
_IDENTIFIER = re.compile(r"^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)$")
_JSON_KEY = re.compile(
    r'(?:\[\s*"language_info"\s*\]|\b\w*language_info\w*)\s*\[\s*"(\w+)"\s*\]\s*=\s*([^;]+);'
)
_JSON_PAIR = re.compile(r'\{\s*"(name|version|mimetype|file_extension|pygments_lexer|codemirror_mode)"\s*,\s*([^{}]+?)\s*\}')


def call_arguments(code: str, name: str) -> list[str] | None:
    """The top-level arguments of the first call of *name* in *code*, as written."""
    match = re.search(rf"\b{name}\s*\(", code)
    if match is None:
        return None
    args: list[str] = []
    depth, current, i, quote = 0, [], match.end(), ""
    while i < len(code):
        c = code[i]
        if quote:
            current.append(c)
            if c == "\\" and i + 1 < len(code):
                current.append(code[i + 1])
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
            current.append(c)
        elif c in "([{":
            depth += 1
            current.append(c)
        elif c in ")]}":
            if depth == 0:
                args.append("".join(current).strip())
                return [a for a in args if a]
            depth -= 1
            current.append(c)
        elif c == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    return None


_PROTOCOL = re.compile(r'^(?:"5\.\d+"|.*protocol.*)$', re.IGNORECASE)


def protocol_first(arguments: list[str]) -> bool:
    """Whether create_info_reply(...)'s arguments are xeus 5's (a protocol version first)."""
    return len(arguments) >= 12 or bool(arguments and _PROTOCOL.match(arguments[0].strip()))


class Resolver:
    """String values of C++ expressions: literals, variables initialised with a literal in the
    same file, and macros defined anywhere in the kernel's sources."""

    def __init__(self, sources: dict[str, str], defines: dict[str, str]):
        self.defines = dict(defines)
        for code in sources.values():
            for name, value in re.findall(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+([^\n]+)$", code, re.MULTILINE):
                self.defines.setdefault(name, value.strip())

    def value(self, expression: str, code: str, depth: int = 0) -> str | None:
        expression = expression.strip()
        literal = _LITERAL.match(expression)
        if literal:
            return literal.group(1)
        identifier = _IDENTIFIER.match(expression)
        if identifier is None or depth > 4:
            return None
        name = identifier.group(1)
        local = re.search(rf"\b{name}\s*(?:\[\s*\])?\s*(?:=|\{{|\()\s*(?:std::string\s*[({{]\s*)?{_STRING}\s*[)}};]", code)
        if local:
            return local.group(1)
        alias = re.search(rf"\b{name}\s*(?:=|\{{|\()\s*((?:[A-Za-z_]\w*::)*[A-Za-z_]\w*)\s*[)}};]", code)
        if alias and alias.group(1) != name:
            return self.value(alias.group(1), code, depth + 1)
        defined = self.value(self.defines[name], code, depth + 1) if name in self.defines else None
        if defined is not None:
            return defined
        parts = [self.defines.get(f"{name}_{part}", "") for part in ("MAJOR", "MINOR", "PATCH")]
        if all(p.isdigit() for p in parts):
            return ".".join(parts)
        return None


def language_info(sources: dict[str, str], order: list[str], defines: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """language_info's fields the kernel's code sets: key -> (value, where), the value None when
    it is not one adopt can read. *order*: the files to look in first (the interpreter's);
    *defines*: macros the build defines."""
    resolver = Resolver(sources, defines)
    found: dict[str, tuple[str | None, str]] = {}
    for path in order + sorted(set(sources) - set(order)):
        code = sources.get(path, "")
        arguments = call_arguments(code, "create_info_reply")
        if arguments is not None:
            if protocol_first(arguments):
                arguments = arguments[1:]
            for key, argument in zip(INFO_REPLY, arguments, strict=False):
                value = resolver.value(argument, code)
                if key in ANSWERS and value != "":
                    found.setdefault(key, (value, f"{path} create_info_reply(... {argument[:40]} ...)"))
            return found
        for key, expression in _JSON_KEY.findall(code) + _JSON_PAIR.findall(code):
            value = resolver.value(expression, code)
            if key in ANSWERS and value != "":
                found.setdefault(key, (value, f'{path} language_info["{key}"] = {expression.strip()[:40]}'))
        if found:
            return found
    return found
