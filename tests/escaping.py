"""The template's escaping macros (includes/escape.jinja), callable from the tests.

They run in the Jinja environment copier gives templates: sandboxed, with the
jinja2-ansible-filters copier loads, rooted at the template repository."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

TEMPLATE = Path(__file__).resolve().parent.parent


@cache
def escape():
    """The module of includes/escape.jinja: escape().cpp_string(text) and so on."""
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATE)),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
    )
    return environment.get_template("includes/escape.jinja").module


def spellings(value: str) -> set[str]:
    """Every form an answer takes in the rendered files: as is (plain text), and the literal
    of each file type without its quotes or brackets."""
    macros = escape()
    return {
        value,
        str(macros.json(value))[1:-1],
        str(macros.cpp_string(value))[1:-1],
        str(macros.markdown(value)),
        str(macros.xml(value)),
    }
