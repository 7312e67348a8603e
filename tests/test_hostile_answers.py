"""Hostile free-text answers: each is refused by its validator, leaving nothing behind, or
reads back exactly from every file type it lands in.

Two levels, both driven by hypothesis with a fixed seed (printed, with the examples, when a
test fails, so that a failure can be replayed):

- the escaping macros alone (includes/escape.jinja), on any Unicode text, also what the
  validators refuse: JSON, YAML (PyYAML, YAML 1.1, and ruamel.yaml, YAML 1.2), Python,
  C++ (compiled with -Wall -Wextra, no warning), CMake (configured), Markdown (markdown-it),
  XML;
- whole renders with hostile language_name, description and author_name: the same file
  types read back from the files of the render, the same Markdown block structure as a
  plain render, and the render's own pre-commit hooks passing on its first commit.

The compiler and CMake runs are batched: one configure and one build for all examples.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin
from ruamel.yaml import YAML

from conftest import render
from escaping import escape
from samples import BASE

SEED = 20260915
RENDERS = 40  # generated renders, on top of the explicit examples below
MACRO_EXAMPLES = 300
PRE_COMMIT_RENDERS = 6  # renders whose pre-commit hooks run (the explicit examples first)

# What hostile text is made of: what means something in one of the file types, invisible and
# unusual code points, and (drawn by st.characters) any other.
FRAGMENTS = [
    "]", "]]", "]=]", "]==]", "[[", "[=[", "[x]", "${VAR}", "@VAR@", "$<1:x>", "\\", "\\n", '"', "'",
    "`", "``", "*", "**", "_", "__", "~~", "#", "# ", "## ", "1. ", "2) ", "- ", "+ ", "> ", "---",
    "===", "=======", "<<<<<<< ", "%", "(t)=", "+++", ":::", "{x}`y`", "<b>", "</b>", "&amp;", "&#39;",
    "&", "<!--", "-->", "]]>", "{{", "}}", "{%", "%}", "{#", "|", "$", "$$", "??=", "??/", "???", "?",
    "1e3", "0o17", "0x1F", "1_000", ".inf", ".nan", "~", "null", "no", "yes", "on", "true", "- x",
    ": ", " #", "? ", "!", "!!str", "&a", "*a", "...", "%YAML", ",", "//", "/*", "*/", "#!",
    "\u00a0", "\u2028", "\u2029", "\u0085", "\ufeff", "\u200b", "\u200e", "\u061c", "é", "😀",
    "\u0301", "中", "\U0010fffd", "\ufdd0", " ", "  ",
]
# What the validators refuse (with spaces at either end): drawn less often.
REFUSED = [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\ufffe", "\uffff", "\t", "\n", "\r", "\x7f", "\x00", "\x85", "\x9f",
]
QUESTIONS = ("language_name", "display_name", "description", "author_name")  # in copier.yml's order
LIMITS = {"language_name": 40, "display_name": 80, "description": 200, "author_name": 100}
# Everything else fixed, so that renders differ only by their free text (and the C++
# namespace, distinct per render for the batched C++ program).
FIXED = {**BASE, "kernel_name": "xhostile", "project_name": "xeus-hostile", "with_wasm": True}
PLAIN = {
    "language_name": "Plainlang", "display_name": "Plain Display", "description": "Plain description",
    "author_name": "Plain Author",
}


def refusal_of(question: str, value: str) -> str | None:
    """What the validator of a free-text question (includes/validate.jinja, copier.yml) must
    answer: a fragment of its message, or None when it accepts the value."""
    if question == "language_name" and not value.strip():
        return "Give the language a name"
    if not value.strip():
        return "Must not be empty"
    if value != value.strip():
        return "No spaces at either end"
    if re.search("[\x00-\x1f\x7f-\x9f]", value):
        return "One line of printable text"
    if re.search("[\u202a-\u202e\u2066-\u2069]", value):
        return "bidirectional controls"
    if re.search("[\ufffe\uffff]", value):
        return "U+FFFE or U+FFFF"
    if len(value) > LIMITS[question]:
        return f"{LIMITS[question]} characters"
    if question == "language_name" and not re.search("[A-Za-z]", value):
        return "at least one ASCII letter"
    return None


def refusal(data: dict) -> str | None:
    """The refusal of the first answer refused, in the order copier asks the questions."""
    return next(filter(None, (refusal_of(q, data[q]) for q in QUESTIONS)), None)


def hostile_text(max_pieces: int, refusable: bool) -> st.SearchStrategy[str]:
    """Text made of fragments and any characters; unless refusable, only what the validators
    accept (no control character, no spaces at the ends)."""
    if refusable:
        characters = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=4)
        pieces = st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(REFUSED), characters)
        return st.lists(pieces, min_size=1, max_size=max_pieces).map("".join)
    printable = st.characters(exclude_categories=["Cc", "Cs"], exclude_characters="".join(REFUSED))
    characters = st.text(printable, min_size=1, max_size=4)
    pieces = st.lists(st.one_of(st.sampled_from(FRAGMENTS), characters), min_size=1, max_size=max_pieces)
    return pieces.map(lambda parts: "".join(parts).strip() or "x")


def answers(refusable: bool) -> st.SearchStrategy[dict]:
    # language_name needs an ASCII letter: one in the middle keeps the ends hostile.
    name = st.tuples(hostile_text(2, refusable), st.sampled_from("LqZ"), hostile_text(2, refusable))
    return st.fixed_dictionaries(
        {
            "language_name": st.one_of(name.map("".join), st.just(PLAIN["language_name"])),
            "display_name": st.one_of(hostile_text(6, refusable), st.just(PLAIN["display_name"])),
            "description": st.one_of(hostile_text(12, refusable), st.just(PLAIN["description"])),
            "author_name": st.one_of(hostile_text(8, refusable), st.just(PLAIN["author_name"])),
        }
    )


# Four in five rendered, the others mostly refused.
ANSWERS = st.one_of(*[answers(refusable=False)] * 4, answers(refusable=True))
# One per class of issue 9, each failing before its fix: a CMake bracket closed early, YAML
# 1.2 numbers, Markdown emphasis/heading/list/MyST comment/merge marker, C++ trigraphs; then
# answers that must be refused: trailing space, bidirectional control, noncharacter.
EXPLICIT = [
    {"language_name": "1e3", "display_name": "0x1F", "description": "A kernel [x]", "author_name": "null"},
    {"language_name": "L*g*", "display_name": "D\u2028D", "description": "]", "author_name": "**x**"},
    {"language_name": "0o17L", "display_name": "D", "description": "# not a heading", "author_name": "1. not a list"},
    {"language_name": "Lang", "display_name": "D", "description": "=======", "author_name": "% not a comment"},
    {"language_name": "What??=", "display_name": "D", "description": "0o17", "author_name": "Trigraphs??/ ??' ??!"},
    {"language_name": "Lang", "display_name": "D", "description": "A kernel ", "author_name": "Ada"},
    {"language_name": "Lang\ufffe", "display_name": "D", "description": "A kernel", "author_name": "Ada"},
    {"language_name": "Lang", "display_name": "D", "description": "evil \u202e txt", "author_name": "Ada"},
]


@dataclass
class Render:
    data: dict
    path: Path

    @property
    def namespace(self) -> str:
        return self.data["cpp_namespace"]

    def __str__(self) -> str:  # what a failure shows: enough to render it again
        return f"render {self.path.name} of {({k: self.data[k] for k in QUESTIONS})!r}"


@dataclass
class Hostile:
    rendered: list[Render] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    plain: Render | None = None


def settled(max_examples: int):
    """hypothesis settings for a bounded, reproducible run."""
    return settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="session")
def hostile(tmp_path_factory, _isolated) -> Hostile:
    """The renders (and refusals) of hostile answers, made once for the session."""
    root = tmp_path_factory.mktemp("hostile")
    result = Hostile()

    def data_for(answers: dict) -> tuple[dict, Path]:
        index = len(result.rendered) + len(result.refused)
        return {**FIXED, **answers, "cpp_namespace": f"hostile{index}"}, root / f"r{index}"

    @seed(SEED)
    @settled(RENDERS)
    @given(answers=ANSWERS)
    def render_or_refuse(answers):
        data, destination = data_for(answers)
        expected = refusal(data)
        if expected is None:
            result.rendered.append(Render(data, render(destination, data)))
            return
        with pytest.raises(ValueError) as refused:
            render(destination, data)
        assert expected in str(refused.value), f"{data!r} refused for another reason"
        assert not destination.exists(), f"{data!r} refused, but {destination} was written"
        result.refused.append(data)

    for answers in reversed(EXPLICIT):
        render_or_refuse = example(answers=answers)(render_or_refuse)
    render_or_refuse()
    plain, destination = data_for(PLAIN)
    result.plain = Render(plain, render(destination, plain))
    print(
        f"\nhostile answers (hypothesis seed {SEED}): {len(result.rendered)} rendered, "
        f"{len(result.refused)} refused"
    )
    return result


def first_failures(failures: list[str]) -> str:
    return f"{len(failures)} failures (seed {SEED}):\n" + "\n".join(failures[:10])


def test_refused_answers_leave_nothing_behind(hostile):
    """render_or_refuse checked each refusal (message, no output folder), the explicit
    examples among them, and rendered the others."""
    def answered(data):
        return {q: data[q] for q in QUESTIONS}

    refused, rendered = [answered(d) for d in hostile.refused], [answered(r.data) for r in hostile.rendered]
    for answers in EXPLICIT:
        assert answers in (refused if refusal({**FIXED, **answers}) else rendered), answers
    assert len(hostile.rendered) >= 10 and len(hostile.refused) >= 3


# --- file types read back from the renders ---------------------------------------------------


def yaml_readers():
    """PyYAML (YAML 1.1, what copier reads the answers with) and ruamel.yaml (YAML 1.2, what
    the generated check-yaml hook and other modern readers use)."""
    ruamel = YAML(typ="safe", pure=True)
    return {"PyYAML": yaml.safe_load, "ruamel.yaml": lambda text: ruamel.load(StringIO(text))}


def test_json_reads_back(hostile):
    failures = []
    for r in hostile.rendered:
        for path in sorted(r.path.rglob("*.json*")):
            parsed = json.loads(path.read_text(encoding="utf-8"))
            if path.name == "kernel.json.in" and parsed["display_name"] != r.data["display_name"]:
                failures.append(f"{r}: display_name {parsed['display_name']!r}")
    assert not failures, first_failures(failures)


def test_yaml_reads_back_with_yaml_1_1_and_1_2_readers(hostile):
    failures = []
    for r in hostile.rendered:
        for reader_name, read in yaml_readers().items():
            answers = read((r.path / ".copier-answers.yml").read_text(encoding="utf-8"))
            wrong = {key: answers.get(key) for key in r.data if answers.get(key) != r.data[key]}
            if wrong:
                failures.append(f"{r}: {reader_name} reads {wrong!r}")
            environment = read((r.path / "environment-dev.yml").read_text(encoding="utf-8"))
            if environment["name"] != r.data["project_name"]:
                failures.append(f"{r}: {reader_name} reads the environment name {environment['name']!r}")
            recipes = sorted(r.path.glob("recipe/*/recipe.yaml"))
            if not recipes:
                failures.append(f"{r}: no recipe/*/recipe.yaml to read")
            for recipe in recipes:
                # rattler-build's own ${{ }} syntax is broken up in the summary.
                summary = read(recipe.read_text(encoding="utf-8"))["about"]["summary"]
                if summary != r.data["description"].replace("${{", "$ {{"):
                    failures.append(f"{r}: {reader_name} reads the summary {summary!r} of {recipe.parent.name}")
    assert not failures, first_failures(failures)


def test_yaml_strings_that_look_like_other_types_stay_strings(tmp_path):
    """Names the validators accept, which YAML 1.1 or 1.2 read as numbers, booleans, null."""
    data = {
        **BASE, "language_name": "1e3", "description": "0o17", "author_name": "no",
        "project_name": "null", "kernel_name": "on", "cpp_namespace": "e5", "language_version": "1e5",
        "github_owner": "1e3",
    }
    project = render(tmp_path / "kernel", data)
    for reader_name, read in yaml_readers().items():
        answers = read((project / ".copier-answers.yml").read_text(encoding="utf-8"))
        assert {key: answers[key] for key in data} == data, reader_name
        for environment in project.glob("environment-*.yml"):
            assert read(environment.read_text(encoding="utf-8"))["name"].startswith("null"), environment
        recipes = sorted(project.glob("recipe/*/recipe.yaml"))
        assert recipes, "no recipe/*/recipe.yaml"
        for recipe in recipes:
            recipe = read(recipe.read_text(encoding="utf-8"))
            assert (recipe["context"]["name"], recipe["extra"]["recipe-maintainers"]) == ("null", ["1e3"]), reader_name


def python_strings(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Constant)}


def test_python_reads_back(hostile):
    failures = []
    for r in hostile.rendered:
        if r.data["author_name"] not in python_strings(r.path / "docs/conf.py"):
            failures.append(f"{r}: docs/conf.py")
        if r.data["description"] not in python_strings(r.path / "test/wasm/test_xhostile_lite.py"):
            failures.append(f"{r}: test/wasm/test_xhostile_lite.py")
    assert not failures, first_failures(failures)


def test_svg_reads_back(hostile):
    svg = "{http://www.w3.org/2000/svg}"
    failures = []
    for r in hostile.rendered:
        logo = ElementTree.parse(r.path / "share/jupyter/kernels/xhostile/logo-svg.svg").getroot()
        name = r.data["language_name"]
        title, label = logo.find(f"{svg}title").text, logo.find(f"{svg}text").text
        if (title, label) != (name, name.strip()[:3].strip()):
            failures.append(f"{r}: title {title!r}, label {label!r}")
    assert not failures, first_failures(failures)


def test_plain_text_reads_back(hostile):
    failures = []
    for r in hostile.rendered:
        if f"Copyright (c) {r.data['author_name']}\n" not in (r.path / "LICENSE").read_text(encoding="utf-8"):
            failures.append(f"{r}: LICENSE")
    assert not failures, first_failures(failures)


GITHUB = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(dollarmath_plugin)
MYST = MarkdownIt("commonmark").enable(["table"]).use(myst_block_plugin).use(myst_role_plugin)


def markdown_view(parser: MarkdownIt, text: str) -> tuple[list, list[str]]:
    """The block structure (token types, tags, inline token types) and the text of each
    inline, as a reader sees it: escapes and entities resolved."""
    blocks, texts = [], []
    for token in parser.parse(text):
        children = token.children or []
        blocks.append((token.type, token.tag, tuple(child.type for child in children)))
        if token.type == "inline":
            texts.append("".join("\n" if c.type == "softbreak" else c.content for c in children))
    return blocks, texts


def test_markdown_shows_answers_as_written(hostile):
    """README.md (GitHub Markdown, with math) and docs/index.md (MyST): the same blocks as a
    plain render, and each text with the plain answers replaced by the hostile ones."""
    failures = []
    for relative, parser in (("README.md", GITHUB), ("docs/index.md", MYST)):
        plain_blocks, plain_texts = markdown_view(parser, (hostile.plain.path / relative).read_text(encoding="utf-8"))
        for r in hostile.rendered:
            blocks, texts = markdown_view(parser, (r.path / relative).read_text(encoding="utf-8"))
            expected = plain_texts
            for question in QUESTIONS:
                expected = [t.replace(PLAIN[question], r.data[question]) for t in expected]
            if blocks != plain_blocks:
                diff = next(i for i, (a, b) in enumerate(zip(blocks, plain_blocks)) if a != b)
                failures.append(f"{r}: {relative} block {diff} is {blocks[diff]}, not {plain_blocks[diff]}")
            elif texts != expected:
                diff = next(i for i, (a, b) in enumerate(zip(texts, expected)) if a != b)
                failures.append(f"{r}: {relative} shows {texts[diff]!r}, not {expected[diff]!r}")
    assert not failures, first_failures(failures)


# --- C++ and CMake: one build and one configure for all examples -------------------------------


def length_prefixed(output: bytes) -> list[str]:
    """What the C++ program printed: <length>:<bytes> for each string."""
    strings, at = [], 0
    while at < len(output):
        colon = output.index(b":", at)
        size = int(output[at:colon])
        strings.append(output[colon + 1 : colon + 1 + size].decode("utf-8"))
        at = colon + 1 + size
    return strings


CPP_MAIN = """#include <cstdio>
#include <cstring>
void emit(const char* text, std::size_t size)
{
    std::printf("%zu:", size);
    std::fwrite(text, 1, size, stdout);
}
void emit(const char* text) { emit(text, std::strlen(text)); }
"""


@pytest.fixture(scope="session")
def macro_texts() -> list[str]:
    """Any Unicode text, what the validators refuse included (the literals escape it all)."""
    texts: list[str] = []

    @seed(SEED)
    @settled(MACRO_EXAMPLES)
    @given(text=st.one_of(hostile_text(10, refusable=True), st.text(st.characters(exclude_categories=["Cs"]), max_size=30)))
    def collect(text):
        texts.append(text)

    collect()
    return texts


@pytest.fixture(scope="session")
def compiled(hostile, macro_texts, toolchain, tmp_path_factory):
    """One program printing every render's C++ strings (kernel_metadata.hpp, each render in its
    own namespace and file) and the C++ literal of every macro text; built with -Wall -Wextra."""
    work = tmp_path_factory.mktemp("cpp")
    sources, calls, expected = [], [], []
    for r in hostile.rendered:
        source = work / f"{r.namespace}.cpp"
        header = r.path / "include/xeus-hostile/kernel_metadata.hpp"
        source.write_text(
            f'#define {r.data["kernel_name"].upper()}_KERNEL_VERSION "0.1.0"\n#include "{header}"\n'
            f"void emit(const char*);\nvoid emit_{r.namespace}()\n{{\n"
            f"    emit({r.namespace}::metadata::language_display_name);\n"
            f"    emit({r.namespace}::metadata::description);\n}}\n",
            encoding="utf-8",
        )
        sources.append(source)
        calls.append(f"emit_{r.namespace}();")
        expected += [r.data["language_name"], r.data["description"]]
    literals = [str(escape().cpp_string(text)) for text in macro_texts]
    main = CPP_MAIN + "".join(f"void emit_{r.namespace}();\n" for r in hostile.rendered)
    main += "int main()\n{\n" + "".join(f"    {call}\n" for call in calls)
    main += "".join(f"    emit({literal}, sizeof({literal}) - 1);\n" for literal in literals) + "}\n"
    (work / "main.cpp").write_text(main, encoding="utf-8")
    expected += macro_texts
    tc = toolchain.with_binds([work, *{r.path.parent for r in hostile.rendered}])
    build = tc.run(
        ["g++", "-std=c++17", "-Wall", "-Wextra", "-o", work / "readback", work / "main.cpp", *sources],
        check=False,
    )
    assert build.returncode == 0, build.stdout[-5000:]
    return build, expected, tc, work


def test_cpp_literals_compile_without_warnings(compiled):
    build, *_ = compiled
    assert build.stdout == "", build.stdout[-5000:]


def test_cpp_reads_back(compiled, hostile):
    _, expected, tc, work = compiled
    run = subprocess.run(tc.command([work / "readback"]), env=tc.environment(), capture_output=True, check=True)
    printed = length_prefixed(run.stdout)
    wrong = [f"{e!r} printed as {p!r}" for e, p in zip(expected, printed) if e != p]
    assert len(printed) == len(expected) and not wrong, first_failures(wrong)


def test_no_raw_bidirectional_control_in_literals(macro_texts):
    bidi = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
    for text in macro_texts:
        for macro in ("json", "yaml", "python_string", "cpp_string"):
            literal = str(getattr(escape(), macro)(text))
            assert not bidi.search(literal), (macro, text, literal)


@pytest.fixture(scope="session")
def configured(hostile, macro_texts, toolchain, tmp_path_factory):
    """One CMake configure reading back every render's project(DESCRIPTION) and the bracket
    argument of every macro text: each render's CMakeLists.txt, as rendered, in a
    subdirectory whose cmake/XeusKernel.cmake writes PROJECT_DESCRIPTION to a file."""
    work = tmp_path_factory.mktemp("cmake")
    top = ["cmake_minimum_required(VERSION 3.25)", "project(readback LANGUAGES CXX)"]
    for r in hostile.rendered:
        copy = work / r.namespace
        (copy / "cmake").mkdir(parents=True)
        shutil.copy(r.path / "CMakeLists.txt", copy / "CMakeLists.txt")
        (copy / "cmake/XeusKernel.cmake").write_text(
            "function(xeus_kernel_add)\nendfunction()\n"
            'file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/description.txt" "${PROJECT_DESCRIPTION}")\n'
        )
        top.append(f"add_subdirectory({r.namespace})")
    # What a CMake file can hold as written: no NUL, no CR (line ends), and a newline right
    # after the opening bracket is dropped.
    texts = [t for t in macro_texts if not re.search("[\x00\r]", t) and not t.startswith("\n")]
    macros = [f"set(text{i} {escape().cmake_bracket(t)})" for i, t in enumerate(texts)]
    macros += [f'file(WRITE "${{CMAKE_BINARY_DIR}}/text{i}.txt" "${{text{i}}}")' for i in range(len(texts))]
    (work / "macros.cmake").write_text("\n".join(macros) + "\n", encoding="utf-8")
    top.append('include("${CMAKE_CURRENT_SOURCE_DIR}/macros.cmake")')
    (work / "CMakeLists.txt").write_text("\n".join(top) + "\n")
    tc = toolchain.with_binds([work])
    result = tc.run(["cmake", "-S", work, "-B", work / "build"], check=False)
    return result, work, texts


def test_cmake_reads_back(configured, hostile):
    result, work, texts = configured
    assert result.returncode == 0, result.stdout[-5000:]
    wrong = []
    for r in hostile.rendered:
        read = (work / "build" / r.namespace / "description.txt").read_bytes().decode("utf-8")
        if read != r.data["description"]:
            wrong.append(f"{r}: CMake reads {read!r}")
    for i, text in enumerate(texts):
        read = (work / "build" / f"text{i}.txt").read_bytes().decode("utf-8")
        if read != text:
            wrong.append(f"cmake_bracket({text!r}) reads {read!r}")
    assert not wrong, first_failures(wrong)


# --- the macros alone, on any text -------------------------------------------------------------


def test_json_yaml_python_literals_read_back(macro_texts):
    readers = yaml_readers()
    for text in macro_texts:
        assert json.loads(str(escape().json(text))) == text
        assert ast.literal_eval(str(escape().python_string(text))) == text
        for reader_name, read in readers.items():
            assert read(f"key: {escape().yaml(text)}\n") == {"key": text}, (reader_name, text)


def test_markdown_and_xml_text_read_back(macro_texts):
    """On the texts the validators accept: one line, no spaces at the ends."""
    accepted = [t for t in macro_texts if refusal_of("description", t) is None]
    assert len(accepted) > 50
    for text in accepted:
        for parser in (GITHUB, MYST):
            line = str(escape().markdown(text))
            blocks, texts = markdown_view(parser, line + "\n")
            assert (blocks, texts) == ([("paragraph_open", "p", ()), ("inline", "", ("text",)), ("paragraph_close", "p", ())], [text]), (text, line)
            blocks, texts = markdown_view(parser, f"Before {line} after.\n")
            assert texts == [f"Before {text} after."], (text, line)
        element = ElementTree.fromstring(f'<t a="{escape().xml(text)}">{escape().xml(text)}</t>')
        assert (element.text, element.get("a")) == (text, text)


# --- the render's own pre-commit hooks ----------------------------------------------------------

# Where the generated config's hook repositories come from here (github.com is not reachable):
# the same hooks from PyPI, pinned to the generated config's revisions. entry and types are
# those of each repository's .pre-commit-hooks.yaml; the generated config's own settings
# (args, files, exclude, types) apply on top, as pre-commit applies them.
HOOK_PACKAGES = {
    "https://github.com/pre-commit/pre-commit-hooks": "pre-commit-hooks",
    "https://github.com/pre-commit/mirrors-clang-format": "clang-format",
}
HOOK_DEFINITIONS = {
    "check-merge-conflict": {"entry": "check-merge-conflict", "types": ["text"]},
    "check-json": {"entry": "check-json", "types": ["json"]},
    "check-yaml": {"entry": "check-yaml", "types": ["yaml"]},
    "check-toml": {"entry": "check-toml", "types": ["toml"]},
    "end-of-file-fixer": {"entry": "end-of-file-fixer", "types": ["text"]},
    "trailing-whitespace": {"entry": "trailing-whitespace-fixer", "types": ["text"]},
    "check-added-large-files": {"entry": "check-added-large-files"},
    "mixed-line-ending": {"entry": "mixed-line-ending", "types": ["text"]},
    "clang-format": {"entry": "clang-format", "args": ["-style=file", "-i"], "types_or": ["c++", "c", "c#", "cuda"]},
}
# Fails on every render made from a local path rather than a tagged git URL (tests/test_update.py).
REVIEW_IGNORED = "XK802,XK803"


def local_pre_commit_config(generated: dict) -> dict:
    """The generated config with each hook repository replaced by local hooks."""
    hooks = []
    for repo in generated["repos"]:
        if repo["repo"] == "local":
            hooks += repo["hooks"]
        elif repo["repo"] in HOOK_PACKAGES:
            pin = f"{HOOK_PACKAGES[repo['repo']]}=={repo['rev'].lstrip('v')}"
            for hook in repo["hooks"]:
                hooks.append({
                    "name": hook["id"], **HOOK_DEFINITIONS[hook["id"]], **hook,
                    "language": "python", "additional_dependencies": [pin],
                })
        else:  # the reviewer of the template release, from this checkout
            for hook in repo["hooks"]:
                reviewer = Path(sys.executable).with_name("xeus-kernel-review")
                hooks.append({
                    **hook, "name": hook["id"], "entry": str(reviewer), "language": "system",
                    "args": ["--details", "--ignore", REVIEW_IGNORED, *hook.get("args", [])],
                    "pass_filenames": False, "always_run": True,
                })
    return {"repos": [{"repo": "local", "hooks": hooks}]}


def test_pre_commit_passes_on_the_first_commit(hostile, tmp_path_factory):
    pytest.importorskip("pre_commit", reason="pre-commit is not installed")
    home = tmp_path_factory.mktemp("pre-commit-home")
    failures = []
    for r in hostile.rendered[:PRE_COMMIT_RENDERS]:
        project = tmp_path_factory.mktemp("first-commit") / "xeus-hostile"
        shutil.copytree(r.path, project)
        generated = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
        config = project.parent / "local-hooks.yaml"
        config.write_text(yaml.safe_dump(local_pre_commit_config(generated)))
        for command in (["git", "init", "-q"], ["git", "add", "--all"]):
            subprocess.run(command, cwd=project, check=True)
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--config", str(config), "--all-files"],
            cwd=project, capture_output=True, text=True, check=False,
            env={**os.environ, "PRE_COMMIT_HOME": str(home)},
        )
        if result.returncode != 0:
            failures.append(f"{r}:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    assert not failures, first_failures(failures)
