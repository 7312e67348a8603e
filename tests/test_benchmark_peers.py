"""The copy benchmark's peers stay honest as the template changes: the equivalent template the
benchmark writes from the reference render (the answers as plain Jinja variables, the rest
literal) renders back that very tree, byte for byte. A brace or Jinja syntax in a
template-owned file next to an answer is what breaks it (`${text}` once did)."""

from __future__ import annotations

import sys
from pathlib import Path

import copier
import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import rendering  # benchmarks/rendering.py, the copy benchmark

from samples import BASE


def test_the_equivalent_copier_template_renders_the_reference_tree(template_folder, tmp_path):
    reference = tmp_path / "reference"
    context = rendering.capture_context(str(template_folder), reference, BASE)
    equivalent = tmp_path / "copier-equivalent"
    assert rendering.write_trivial_copier_template(reference, context, equivalent) == len(rendering.tree(reference))
    copied = tmp_path / "copied"
    copier.run_copy(str(equivalent), str(copied), defaults=True, quiet=True)
    assert rendering.tree_difference(reference, copied) == ""


def test_braces_and_jinja_syntax_next_to_an_answer_stay_literal():
    original = 'message("${text}") {{ x }} {text}'
    text, replaced = rendering.templated(original, [("text", "pygments_lexer")], lambda n: f"{{{{ {n} }}}}")
    assert replaced and text.count("{{ pygments_lexer }}") == 2
    assert jinja2.Template(text).render(pygments_lexer="text") == original
