"""Every answer a user can get wrong is refused with a clear message, and nothing is written."""

from __future__ import annotations

import copier
import pytest

from conftest import render
from samples import BASE

# (question, bad value, a fragment of the message the user must see)
BAD_ANSWERS = [
    ("language_name", "", "Give the language a name"),
    ("language_name", "   ", "Give the language a name"),
    ("language_name", " MyLang", "must not start or end with spaces"),
    ("language_name", "My\nLang", "one line of printable text"),
    ("language_name", "Tab\tLang", "one line of printable text"),
    ("language_name", "x" * 41, "40 characters"),
    ("language_name", "ληξ", "at least one ASCII letter"),
    ("kernel_name", "", "must start with a lowercase letter"),
    ("kernel_name", "XMyLang", "must start with a lowercase letter"),
    ("kernel_name", "1lang", "must start with a lowercase letter"),
    ("kernel_name", "x-mylang", "only lowercase letters, digits and underscores"),
    ("kernel_name", "x mylang", "only lowercase letters, digits and underscores"),
    ("kernel_name", "../evil", "only lowercase letters, digits and underscores"),
    ("kernel_name", "x" * 33, "32 characters"),
    ("kernel_name", "test", "CMake, xeus or template build target"),
    ("kernel_name", "install", "CMake, xeus or template build target"),
    ("kernel_name", "lite", "CMake, xeus or template build target"),
    ("kernel_name", "xeus", "CMake, xeus or template build target"),
    ("project_name", "Xeus-MyLang", "must start with a lowercase letter"),
    ("project_name", "xeus-mylang-", "end with a letter or digit"),
    ("project_name", "xeus/mylang", "must start with a lowercase letter"),
    ("project_name", "xeus-lite", "CMake, xeus or template build target"),
    ("project_name", "xeus-zmq", "CMake, xeus or template build target"),
    ("project_name", "all", "CMake, xeus or template build target"),
    ("project_name", "xmylang", "must differ from the kernel name"),
    ("cpp_namespace", "my-lang", "must be an identifier"),
    ("cpp_namespace", "9lang", "must be an identifier"),
    ("cpp_namespace", "class", "is a C++ keyword"),
    ("cpp_namespace", "namespace", "is a C++ keyword"),
    ("cpp_namespace", "std", "used by the standard library or by xeus"),
    ("cpp_namespace", "xeus", "used by the standard library or by xeus"),
    ("cpp_namespace", "my__lang", "C++ reserves names"),
    ("cpp_namespace", "_Lang", "C++ reserves names"),
    ("display_name", "", "must not be empty"),
    ("display_name", "My Kernel ", "must not start or end with spaces"),
    ("display_name", "two\nlines", "one line of printable text"),
    ("display_name", "d" * 81, "80 characters"),
    ("display_name", "My \u2067Kernel", "bidirectional control characters"),
    ("display_name", "My Kernel\ufffe", "U+FFFE or U+FFFF"),
    ("language_id", "", "must start with a letter or digit"),
    ("language_id", "my lang", "must start with a letter or digit"),
    ("language_id", 'c"', "must start with a letter or digit"),
    ("interpreter_sources", "mine", "mine"),
    ("dev_dependencies", "lua", "Give a list of conda match specs"),
    ("dev_dependencies", {"lua": "5.4"}, "Give a list of conda match specs"),
    ("dev_dependencies", ["lua >=5.4", "lua; rm -rf /"], '"lua; rm -rf /" is not a conda match spec'),
    ("dev_dependencies", ["lua\n  - evil"], "is not a conda match spec"),
    ("dev_dependencies", [42], "42 is not a conda match spec"),
    ("wasm_host_dependencies", ["-lua"], '"-lua" is not a conda match spec'),
    ("wasm_build_dependencies", [""], '"" is not a conda match spec'),
    ("language_version", "", "must start with a letter or digit"),
    ("language_version", "1.0 beta", "must start with a letter or digit"),
    ("language_version", '1"0', "must start with a letter or digit"),
    ("file_extension", "mylang", "must be a dot followed by"),
    ("file_extension", ".my lang", "must be a dot followed by"),
    ("file_extension", ".", "must be a dot followed by"),
    ("mimetype", "mylang", "must look like type/subtype"),
    ("mimetype", "text/x mylang", "must look like type/subtype"),
    ("pygments_lexer", "", "must be a lexer alias"),
    ("pygments_lexer", "my lexer", "must be a lexer alias"),
    ("codemirror_mode", "text/x lua", "must be a mode name or a MIME type"),
    ("description", "", "must not be empty"),
    ("description", "two\nlines", "one line of printable text"),
    ("description", "bell\x07", "one line of printable text"),
    ("description", "d" * 201, "200 characters"),
    # Ends of free text: Markdown and the trailing-whitespace hook would drop the spaces.
    ("description", "A kernel ", "must not start or end with spaces"),
    ("description", " A kernel", "must not start or end with spaces"),
    ("description", "A kernel\u00a0", "must not start or end with spaces"),
    ("author_name", "Ada ", "must not start or end with spaces"),
    # Trojan Source: bidirectional controls reorder how the code they land in shows.
    ("language_name", "My\u202eLang", "bidirectional control characters"),
    ("description", "A \u2066kernel\u2069", "bidirectional control characters"),
    ("author_name", "Ada \u202aLovelace", "bidirectional control characters"),
    # Not characters: XML (the SVG logo) cannot hold them, not even as references.
    ("language_name", "My\ufffeLang", "U+FFFE or U+FFFF"),
    ("description", "A kernel\uffff!", "U+FFFE or U+FFFF"),
    # Undecodable bytes on a command line reach copier as lone surrogates.
    ("description", "A kernel \udcff!", "valid Unicode text"),
    ("author_name", "Ada \ud800", "valid Unicode text"),
    ("author_name", "", "must not be empty"),
    ("author_name", "Ada\r\nLovelace", "one line of printable text"),
    ("author_email", "ada", "is not an e-mail address"),
    ("author_email", "ada@example", "is not an e-mail address"),
    ("author_email", "ada lovelace@example.org", "is not an e-mail address"),
    ("author_email", '"ada"@example.org', "is not an e-mail address"),
    ("github_owner", "", "A GitHub owner has 1 to 39"),
    ("github_owner", "-ada", "A GitHub owner has 1 to 39"),
    ("github_owner", "ada--dev", "A GitHub owner has 1 to 39"),
    ("github_owner", "ada_dev", "A GitHub owner has 1 to 39"),
    ("github_owner", "a" * 40, "A GitHub owner has 1 to 39"),
    ("license", "GPL-3.0", "GPL-3.0 is deprecated by SPDX: say GPL-3.0-only or GPL-3.0-or-later"),
    ("license", "GPL-3.0+", "say GPL-3.0-or-later"),
    ("license", "Gizmo-1.0", '"Gizmo-1.0" is not an SPDX license identifier'),
    ("license", "bsd-3-clause", "is not an SPDX license identifier"),
]


# Questions asked only after another answer: (that answer, question, bad value, message).
BAD_DEPENDENT_ANSWERS = [
    ({"interpreter_sources": "none"}, "interpreter_class", "my lang::interpreter", "must be a C++ name"),
    ({"interpreter_sources": "none"}, "interpreter_class", "ns::interpreter<int>", "must be a C++ name"),
    ({"interpreter_sources": "none"}, "interpreter_header", "../outside.hpp", "relative path to a C++ header"),
    ({"interpreter_sources": "none"}, "interpreter_header", "/abs/xinterpreter.hpp", "relative path to a C++ header"),
    ({"interpreter_sources": "none"}, "interpreter_header", 'x/y.hpp"', "relative path to a C++ header"),
    ({"interpreter_sources": "none"}, "interpreter_header", "x/interpreter.cpp", "relative path to a C++ header"),
]
ROWS = [({}, *row) for row in BAD_ANSWERS] + BAD_DEPENDENT_ANSWERS


def test_the_table_is_large_enough():
    assert len(ROWS) >= 30
    assert len({repr(row[:3]) for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("context", "question", "value", "message"), ROWS, ids=lambda v: repr(v)[:30])
def test_bad_answer_is_refused_and_writes_nothing(tmp_path, template_folder, context, question, value, message):
    destination = tmp_path / "kernel"
    with pytest.raises(ValueError) as refused:
        render(destination, {**BASE, **context, question: value}, source=template_folder)
    assert message in str(refused.value)
    assert not destination.exists(), "a refused answer must not leave an output folder"


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
