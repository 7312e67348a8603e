"""Every answer a user can get wrong is refused with a clear message, and nothing is written."""

from __future__ import annotations

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
    ("kernel_name", "test", "is reserved"),
    ("kernel_name", "install", "is reserved"),
    ("kernel_name", "xpython", "is reserved"),
    ("kernel_name", "xeus", "is reserved"),
    ("project_name", "Xeus-MyLang", "must start with a lowercase letter"),
    ("project_name", "xeus-mylang-", "end with a letter or digit"),
    ("project_name", "xeus/mylang", "must start with a lowercase letter"),
    ("project_name", "xeus-lite", "existing xeus project"),
    ("project_name", "xmylang", "must differ from the kernel name"),
    ("cpp_namespace", "my-lang", "must be an identifier"),
    ("cpp_namespace", "9lang", "must be an identifier"),
    ("cpp_namespace", "class", "is a C++ keyword"),
    ("cpp_namespace", "namespace", "is a C++ keyword"),
    ("cpp_namespace", "std", "used by the standard library or by xeus"),
    ("cpp_namespace", "xeus", "used by the standard library or by xeus"),
    ("cpp_namespace", "my__lang", "C++ reserves names"),
    ("cpp_namespace", "_Lang", "C++ reserves names"),
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
    ("license", "GPL-3.0", "GPL-3.0"),
]


def test_the_table_is_large_enough():
    assert len(BAD_ANSWERS) >= 30
    assert len({(q, v) for q, v, _ in BAD_ANSWERS}) == len(BAD_ANSWERS)


@pytest.mark.parametrize(("question", "value", "message"), BAD_ANSWERS, ids=lambda v: repr(v)[:30])
def test_bad_answer_is_refused_and_writes_nothing(tmp_path, question, value, message):
    destination = tmp_path / "kernel"
    with pytest.raises(ValueError) as refused:
        render(destination, {**BASE, question: value})
    assert message in str(refused.value)
    assert not destination.exists(), "a refused answer must not leave an output folder"


def test_good_answers_are_accepted(tmp_path):
    """The table above fails for the right reason: the same base answers render fine."""
    destination = render(tmp_path / "kernel", dict(BASE))
    assert (destination / "CMakeLists.txt").is_file()
