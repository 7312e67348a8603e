"""Every answer a user can get wrong is refused with a clear message, and nothing is written."""

from __future__ import annotations

import re

import copier
import pytest

from conftest import render
from samples import BASE
from template_repo import copier_config

# (question, bad value, a fragment of the message the user must see)
BAD_ANSWERS = [
    ("language_name", "", "Give the language a name"),
    ("language_name", "   ", "Give the language a name"),
    ("language_name", " MyLang", "No spaces at either end"),
    ("language_name", "My\nLang", "One line of printable text"),
    ("language_name", "Tab\tLang", "One line of printable text"),
    ("language_name", "x" * 41, "40 characters"),
    ("language_name", "ληξ", "at least one ASCII letter"),
    ("kernel_name", "", "Start with a-z"),
    ("kernel_name", "XMyLang", "Start with a-z"),
    ("kernel_name", "1lang", "Start with a-z"),
    ("kernel_name", "x-mylang", 'then only a-z, 0-9 and "_"'),
    ("kernel_name", "x mylang", 'then only a-z, 0-9 and "_"'),
    ("kernel_name", "../evil", 'then only a-z, 0-9 and "_"'),
    ("kernel_name", "x" * 33, "32 characters"),
    ("kernel_name", "test", "Is a CMake or xeus build target"),
    ("kernel_name", "install", "Is a CMake or xeus build target"),
    ("kernel_name", "lite", "Is a CMake or xeus build target"),
    ("kernel_name", "xeus", "Is a CMake or xeus build target"),
    ("project_name", "Xeus-MyLang", "Start with a-z"),
    ("project_name", "xeus-mylang-", "End with a letter or digit"),
    ("project_name", "xeus/mylang", 'then only a-z, 0-9, "-" and "_"'),
    ("project_name", "xeus-lite", "Is a CMake or xeus build target"),
    ("project_name", "xeus-zmq", "Is a CMake or xeus build target"),
    ("project_name", "all", "Is a CMake or xeus build target"),
    ("project_name", "xmylang", "Must differ from the kernel name"),
    ("cpp_namespace", "my-lang", "An identifier only"),
    ("cpp_namespace", "9lang", "An identifier only"),
    ("cpp_namespace", "class", "Not a C++ keyword"),
    ("cpp_namespace", "namespace", "Not a C++ keyword"),
    ("cpp_namespace", "std", "Taken by std or xeus"),
    ("cpp_namespace", "xeus", "Taken by std or xeus"),
    ("cpp_namespace", "my__lang", 'No "__"'),
    ("cpp_namespace", "_Lang", 'No "__"'),
    ("display_name", "", "Must not be empty"),
    ("display_name", "My Kernel ", "No spaces at either end"),
    ("display_name", "two\nlines", "One line of printable text"),
    ("display_name", "d" * 81, "80 characters"),
    ("display_name", "My \u2067Kernel", "bidirectional controls"),
    ("display_name", "My Kernel\ufffe", "U+FFFE or U+FFFF"),
    ("language_id", "", "Start with a letter or digit"),
    ("language_id", "my lang", "Only letters, digits"),
    ("language_id", 'c"', "Only letters, digits"),
    ("interpreter_sources", "mine", "mine"),
    ("dev_dependencies", "lua", "A list of conda match specs"),
    ("dev_dependencies", {"lua": "5.4"}, "A list of conda match specs"),
    ("dev_dependencies", ["lua >=5.4", "lua; rm -rf /"], '): "lua; rm -rf /"'),
    ("dev_dependencies", ["lua\n  - evil"], '): "lua\\n  - evil"'),
    ("dev_dependencies", [42], '(e.g. "lua >=5.4"): 42'),
    ("wasm_host_dependencies", ["-lua"], '): "-lua"'),
    ("wasm_build_dependencies", [""], '): ""'),
    ("language_version", "", "Start with a letter or digit"),
    ("language_version", "1.0 beta", "Only letters, digits"),
    ("language_version", '1"0', "Only letters, digits"),
    ("file_extension", "mylang", "A dot, then letters"),
    ("file_extension", ".my lang", "A dot, then letters"),
    ("file_extension", ".", "A dot, then letters"),
    ("mimetype", "mylang", "Type/subtype"),
    ("mimetype", "text/x mylang", "Type/subtype"),
    ("pygments_lexer", "", "A lexer alias"),
    ("pygments_lexer", "my lexer", "A lexer alias"),
    ("codemirror_mode", "text/x lua", "A mode name or a MIME type"),
    ("description", "", "Must not be empty"),
    ("description", "two\nlines", "One line of printable text"),
    ("description", "bell\x07", "One line of printable text"),
    ("description", "d" * 201, "200 characters"),
    # Ends of free text: Markdown and the trailing-whitespace hook would drop the spaces.
    ("description", "A kernel ", "No spaces at either end"),
    ("description", " A kernel", "No spaces at either end"),
    ("description", "A kernel\u00a0", "No spaces at either end"),
    ("author_name", "Ada ", "No spaces at either end"),
    # Trojan Source: bidirectional controls reorder how the code they land in shows.
    ("language_name", "My\u202eLang", "bidirectional controls"),
    ("description", "A \u2066kernel\u2069", "bidirectional controls"),
    ("author_name", "Ada \u202aLovelace", "bidirectional controls"),
    # Not characters: XML (the SVG logo) cannot hold them, not even as references.
    ("language_name", "My\ufffeLang", "U+FFFE or U+FFFF"),
    ("description", "A kernel\uffff!", "U+FFFE or U+FFFF"),
    # Undecodable bytes on a command line reach copier as lone surrogates.
    ("description", "A kernel \udcff!", "Valid Unicode"),
    ("author_name", "Ada \ud800", "Valid Unicode"),
    ("author_name", "", "Must not be empty"),
    ("author_name", "Ada\r\nLovelace", "One line of printable text"),
    ("author_email", "ada", "Not an e-mail address"),
    ("author_email", "ada@example", "Not an e-mail address"),
    ("author_email", "ada lovelace@example.org", "Not an e-mail address"),
    ("author_email", '"ada"@example.org', "Not an e-mail address"),
    ("github_owner", "", "GitHub allows 1-39 letters"),
    ("github_owner", "-ada", "GitHub allows 1-39 letters"),
    ("github_owner", "ada--dev", "GitHub allows 1-39 letters"),
    ("github_owner", "ada_dev", "GitHub allows 1-39 letters"),
    ("github_owner", "a" * 40, "GitHub allows 1-39 letters"),
    ("license", "GPL-3.0", "GPL-3.0 is deprecated by SPDX: say GPL-3.0-only or GPL-3.0-or-later"),
    ("license", "GPL-3.0+", "say GPL-3.0-or-later"),
    ("license", "Gizmo-1.0", '"Gizmo-1.0" is not an SPDX license identifier'),
    ("license", "bsd-3-clause", "is not an SPDX license identifier"),
]


# Questions asked only after another answer: (that answer, question, bad value, message).
BAD_DEPENDENT_ANSWERS = [
    ({"interpreter_sources": "none"}, "interpreter_class", "my lang::interpreter", "A C++ name"),
    ({"interpreter_sources": "none"}, "interpreter_class", "ns::interpreter<int>", "A C++ name"),
    ({"interpreter_sources": "none"}, "interpreter_header", "../outside.hpp", "A relative path to a .h"),
    ({"interpreter_sources": "none"}, "interpreter_header", "/abs/xinterpreter.hpp", "A relative path to a .h"),
    ({"interpreter_sources": "none"}, "interpreter_header", 'x/y.hpp"', "A relative path to a .h"),
    ({"interpreter_sources": "none"}, "interpreter_header", "x/interpreter.cpp", "A relative path to a .h"),
]
ROWS = [({}, *row) for row in BAD_ANSWERS] + BAD_DEPENDENT_ANSWERS


def test_the_table_is_large_enough():
    assert len(ROWS) >= 30
    assert len({repr(row[:3]) for row in ROWS}) == len(ROWS)


QUESTIONS = {name: spec for name, spec in copier_config().items() if isinstance(spec, dict) and "type" in spec}
VALIDATED = {name for name, spec in QUESTIONS.items() if "validator" in spec}
# Copier shows a refusal after "Validation error for question '<name>': ", on one line of
# the prompt's toolbar, cut at the terminal's width: the rule comes first, and is short.
MESSAGE_WIDTH = 70
# Copier prints a question's help after "🎤 " (3 columns); questionary a choice after "» ".
HELP_WIDTH = 77


def test_the_table_covers_every_validator():
    assert VALIDATED <= {row[1] for row in ROWS}


@pytest.mark.parametrize(("context", "question", "value", "message"), ROWS, ids=lambda v: repr(v)[:30])
def test_bad_answer_is_refused_and_writes_nothing(tmp_path, template_folder, context, question, value, message):
    destination = tmp_path / "kernel"
    with pytest.raises(ValueError) as refused:
        render(destination, {**BASE, **context, question: value}, source=template_folder)
    assert message in str(refused.value)
    assert not destination.exists(), "a refused answer must not leave an output folder"
    if question in VALIDATED:
        shown = str(refused.value).removeprefix(f"Validation error for question '{question}': ")
        assert len(shown) <= MESSAGE_WIDTH and "\n" not in shown, f"{shown!r}: longer than {MESSAGE_WIDTH} columns"
        # The rule first, visible next to copier's prefix at 80 columns (up to its first
        # punctuation); never the answer first, nor the question's name again.
        gist = re.split(r"[:;(,]", shown)[0].strip()
        assert len(f"Validation error for question '{question}': {gist}") <= 80, f"{gist!r} is cut at 80 columns"
        assert shown[:1].isupper() and not shown.startswith(("The ", '"')), f"{shown!r}: the rule first"


def test_questions_fit_an_80_column_terminal():
    for name, spec in QUESTIONS.items():
        assert len(spec.get("help", "")) <= HELP_WIDTH, f"{name}: help longer than {HELP_WIDTH} columns"
        choices = spec.get("choices", [])
        for title in choices if isinstance(choices, (list, dict)) else []:
            assert len(str(title)) <= HELP_WIDTH - 2, f"{name}: choice {title!r} too long"


def test_one_question_is_about_the_launcher():
    """The launcher shows the kernel's display_name, and only that question says so."""
    assert [name for name, spec in QUESTIONS.items() if "launcher" in spec.get("help", "")] == ["display_name"]


def test_good_answers_are_accepted(tmp_path, template_folder):
    """The table above fails for the right reason: the same base answers render fine."""
    destination = render(tmp_path / "kernel", dict(BASE), source=template_folder)
    assert (destination / "CMakeLists.txt").is_file()


@pytest.mark.parametrize(
    ("kernel_name", "project_name", "published"),
    [("xlua", "xeus-lua", "xeus-lua"), ("xpython", "xeus-python", "xeus-python"), ("python3", "my-python", "ipykernel")],
)
def test_an_existing_kernel_keeps_its_name_with_a_note(tmp_path, capfd, template_folder, kernel_name, project_name, published):
    """A published kernel's name is not refused (the kernel itself adopts the template under
    it), but the copy ends with a note for anyone who took it by accident."""
    destination = tmp_path / "kernel"
    copier.run_copy(
        str(template_folder), str(destination), data={**BASE, "kernel_name": kernel_name, "project_name": project_name},
        defaults=True, unsafe=False,
    )
    assert (destination / f"share/jupyter/kernels/{kernel_name}/kernel.json.in").is_file()
    note = capfd.readouterr().err
    assert f'Note: "{kernel_name}" is the kernel name of {published}' in note
