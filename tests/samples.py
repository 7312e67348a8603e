"""The answers the tests render the template with."""

from __future__ import annotations

BASE = {
    "language_name": "MyLang",
    "author_name": "Ada Lovelace",
    "author_email": "ada@example.org",
    "github_owner": "ada-dev",
}

# Free text that must survive every file type it lands in (JSON, YAML, CMake, C++,
# Python, Markdown, SVG): quotes, backslashes, Jinja and CMake syntax, unicode, HTML.
HOSTILE_TEXT = 'Quotes " \' and \\ backslash ]=] ]] {{ jinja }} {% if x %} ${VAR} @VAR@ $<1:x> <b>bold</b> Zoë 😀'

# The render matrix: name -> answers on top of BASE.
RENDERS: dict[str, dict] = {
    "defaults": {},
    "no-wasm": {"with_wasm": False},
    "runtime-files": {"with_runtime_files": True},
    "odd-names": {
        "language_name": 'Q# "Lite" ✓',
        "display_name": 'Q# "Lite" ✓ (xeus)',
        "language_id": "q#",
        "kernel_name": "xq_sharp2",
        "project_name": "q_sharp-kernel9",
        "cpp_namespace": "QSharp_",
        "language_version": "2.0+dev-1",
        "file_extension": ".qs",
        "mimetype": "text/x-q-sharp+src",
        "pygments_lexer": "csharp",
        "codemirror_mode": "text/x-csharp",
        "description": HOSTILE_TEXT,
        "author_name": "Zoë O'Brien \"Z\" \\ {{ x }}",
        "github_owner": "Q-1",
        "license": "MIT",
        "with_runtime_files": True,
    },
    "apache": {"license": "Apache-2.0", "description": HOSTILE_TEXT},
    # The xeus plumbing without the starter language, for a kernel over a language library.
    "skeleton": {"interpreter_sources": "skeleton", "display_name": "MyLang (skeleton)", "with_wasm": False},
    # A kernel that runs in the browser only (no native entry point, presets, environment or CI).
    "wasm-only": {"with_native": False},
}


def answers(render: str) -> dict:
    return {**BASE, **RENDERS[render]}


# The renders with a native build (all but the browser-only one).
NATIVE_RENDERS = sorted(name for name in RENDERS if answers(name).get("with_native", True))
