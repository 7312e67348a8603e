"""Pages of the documentation generated from the template itself, so that they cannot drift.

Directives (in MyST: a fence named ``{xkt-generated-files}`` and so on):

``xkt-generated-files``
    Every file of a generated kernel repository: who owns it and what it is for (the rows of
    docs/ownership.md) and the answers that make copier write it (from the paths of
    template/). The template is rendered with sample answers at build time.
``xkt-ownership-map``
    The same files as a Graphviz diagram, a table per folder, coloured by owner.
``xkt-copier-questions``
    copier.yml's questions: what each asks, when, and its default for the sample language.

:func:`reference` is what the directives show and what ``tests/test_docs.py`` checks. What
it cannot place (a template file that no row of docs/ownership.md matches, or two rows
match, a row that matches no file) is a build warning, and so an error of the strict build.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import html
import json
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.ext.graphviz import graphviz
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

# The answers of the docs' examples (Getting started copies a kernel with these).
SAMPLE = {"language_name": "MyLang", "author_name": "Ada Lovelace", "author_email": "ada@example.org",
          "github_owner": "ada-dev"}
# Together, these renders write every file of template/ (checked: a file none writes is a problem).
VARIANTS = {
    "starter": {"with_wasm": True, "with_runtime_files": True},
    "skeleton": {"interpreter_sources": "skeleton"},
    "none": {"interpreter_sources": "none"},
}
KERNEL, PROJECT = "xmylang", "xeus-mylang"
# What copier needs of the template's root to render it (template/ itself, its settings, the
# stack table copier.yml includes, the validators' macros).
TEMPLATE_PARTS = ("copier.yml", "stack.yml", "includes", "template", "hooks")
SKIPPED = ("__pycache__", "*.pyc", "*.pyo")
OWNERSHIP_ROW = re.compile(r"^\| `([^`]+)` \| (template|author) \| (.*?) \|\s*$", re.MULTILINE)
CONDITION = re.compile(r"{%-?\s*if\s+(.+?)\s*-?%}")
COLOURS = {"template": "#cfe2f3", "author": "#d9ead3"}
OWNERS = {"template": "template: `copier update` rewrites it", "author": "author: yours, written once"}


@dataclasses.dataclass
class Row:
    """One file of a generated repository."""

    path: str  # generic: <kernel>, <project> for the names
    owner: str
    what: str  # Markdown, from docs/ownership.md
    pattern: str  # the row of docs/ownership.md
    when: str  # the answers that write it ("" for every kernel)
    sources: list[str]  # under template/


@dataclasses.dataclass
class Question:
    name: str
    help: str
    when: str
    default: Any
    required: bool
    choices: list[Any]


@dataclasses.dataclass
class Reference:
    rows: list[Row]
    questions: list[Question]
    problems: list[str]


def _generic(path: str) -> str:
    return path.replace(PROJECT, "<project>").replace(KERNEL, "<kernel>")


def ownership_rows(root: Path) -> list[tuple[str, str, str]]:
    """(path pattern, owner, what it is) of each row of docs/ownership.md's file table."""
    return OWNERSHIP_ROW.findall((root / "docs" / "ownership.md").read_text(encoding="utf-8"))


def _render(root: Path, work: Path, answers: dict) -> tuple[Path, dict]:
    """The render, and every answer its paths were rendered with (those of questions the
    answers left unasked too: their defaults)."""
    import copier  # imported here: the extension loads before any page needs it

    destination = work / "render"
    worker = copier.run_copy(str(root), str(destination), data=answers, defaults=True, quiet=True, unsafe=False)
    return destination, dict(worker.answers.combined)


def _template_sources(template: Path) -> list[str]:
    files = []
    for path in sorted(template.rglob("*")):
        relative = path.relative_to(template)
        if path.is_file() and not any(fnmatch.fnmatch(part, p) for part in relative.parts for p in SKIPPED):
            files.append(relative.as_posix())
    return files


def _render_path(source: str, answers: dict, suffix: str) -> str | None:
    """Where copier writes *source* (a path under template/) with *answers*; None: not written."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
    parts = list(PurePosixPath(source).parts)
    parts[-1] = parts[-1].removesuffix(suffix)
    rendered = [environment.from_string(part).render(answers) for part in parts]
    return "/".join(rendered) if all(rendered) else None  # copier skips what renders empty


def _questions(root: Path, defaults: dict[str, dict]) -> list[Question]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!include", lambda loader, node: {})
    config: dict = {}
    for document in yaml.load_all((root / "copier.yml").read_text(encoding="utf-8"), Loader=Loader):
        config.update(document or {})
    questions = []
    for name, spec in config.items():
        if name.startswith("_") or not isinstance(spec, dict) or spec.get("when") is False:
            continue
        if "help" not in spec:
            continue
        when = spec.get("when", "")
        when = "" if when is True else str(when)
        when = re.sub(r"^{{\s*(.*?)\s*}}$", r"\1", when)
        choices = spec.get("choices") or []
        if isinstance(choices, dict):
            choices = list(choices.values())
        # The default: the answer of a sample render that does not set this question itself.
        found = next((d[name] for v, d in defaults.items() if name in d and name not in VARIANTS[v]), None)
        questions.append(Question(name, spec["help"], when, found, "default" not in spec, list(choices)))
    return questions


@functools.cache
def reference(root: Path) -> Reference:
    """The files of a generated repository, the questions, and what cannot be placed."""
    problems: list[str] = []
    rows_by_path: dict[str, Row] = {}
    table = ownership_rows(root)
    template = root / "template"
    sources = _template_sources(template)
    written: dict[str, set[str]] = {source: set() for source in sources}  # source -> variants
    defaults: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="xkt-docs-") as temporary:
        copy = Path(temporary) / "template"
        for part in TEMPLATE_PARTS:
            if (root / part).is_dir():
                shutil.copytree(root / part, copy / part, ignore=shutil.ignore_patterns(*SKIPPED))
            elif (root / part).is_file():
                copy.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / part, copy / part)
        for variant, extra in VARIANTS.items():
            render, combined = _render(copy, Path(temporary) / variant, {**SAMPLE, **extra})
            answers = yaml.safe_load((render / ".copier-answers.yml").read_text(encoding="utf-8"))
            defaults[variant] = {k: v for k, v in answers.items() if not k.startswith("_")}
            context = {**combined, **answers, "_copier_conf": {"answers_file": ".copier-answers.yml"}}
            produced = {p.relative_to(render).as_posix() for p in render.rglob("*") if p.is_file()}
            mapped = set()
            for source in sources:
                target = _render_path(source, context, ".jinja")
                if target is None:
                    continue
                if target not in produced:
                    problems.append(f"template/{source} should be written as {target} ({variant} answers), but copier did not")
                    continue
                mapped.add(target)
                written[source].add(variant)
                path = _generic(target)
                owners = [(p, o, w) for p, o, w in table
                          if fnmatch.fnmatch(target, p.replace("<kernel>", KERNEL).replace("<project>", PROJECT))]
                if len(owners) != 1:
                    problems.append(
                        f"{path} (from template/{source}) matches {len(owners)} rows of docs/ownership.md: "
                        "give it exactly one (path, owner, what it is)"
                    )
                    continue
                pattern, owner, what = owners[0]
                row = rows_by_path.setdefault(path, Row(path, owner, what, pattern, "", []))
                if source not in row.sources:
                    row.sources.append(source)
            for extra_file in sorted(produced - mapped):
                problems.append(f"{extra_file} of the {variant} render comes from no file of template/")
    for source, variants in written.items():
        if not variants:
            problems.append(f"template/{source} is written by none of the reference's sample answers {sorted(VARIANTS)}")
    for row in rows_by_path.values():
        # The answers come from the template's paths ({% if ... %}); sources with complementary
        # conditions (one file, written differently) that every sample writes: always.
        conditions = sorted({" and ".join(CONDITION.findall(s)) for s in row.sources})
        complementary = len(row.sources) > 1 and set().union(*(written[s] for s in row.sources)) == set(VARIANTS)
        row.when = "" if "" in conditions or complementary else " or ".join(conditions)
    used = {row.pattern for row in rows_by_path.values()}
    for pattern, _, _ in table:
        if pattern not in used:
            problems.append(f"docs/ownership.md lists {pattern}, which no file of the template writes")
    rows = sorted(rows_by_path.values(), key=lambda r: (r.path.count("/") > 0, r.path.lower()))
    return Reference(rows, _questions(root, defaults), problems)


def _code(text: str) -> str:
    return f"`{text}`"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _code(str(value).lower())
    if isinstance(value, str):
        return _code(value) if value else "(empty)"
    return _code(json.dumps(value, ensure_ascii=False))


_REPORTED: set[str] = set()  # the problems warned about in this build (emptied when it starts)


class _Generated(SphinxDirective):
    has_content = False

    def root(self) -> Path:
        return Path(self.env.srcdir).resolve().parent

    def reference(self) -> Reference:
        root = self.root()
        for name in ("copier.yml", "stack.yml", "docs/ownership.md"):
            self.env.note_dependency(str(root / name))
        self.env.xkt_generated = getattr(self.env, "xkt_generated", set()) | {self.env.docname}
        found = reference(root)
        for problem in found.problems:
            if problem not in _REPORTED:  # once per build, at the first directive that shows it
                _REPORTED.add(problem)
                logger.warning(problem, location=(self.env.docname, self.lineno), type="xkt", subtype="reference")
        return found

    def markdown(self, lines: list[str]) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
        return container.children


class GeneratedFiles(_Generated):
    def run(self) -> list[nodes.Node]:
        rows = self.reference().rows
        lines = ["| file | owner | what it is (and the answers that write it, when not every kernel has it) |", "|---|---|---|"]
        for row in rows:
            when = f"; written when {' or '.join(_code(c) for c in row.when.split(' or '))}" if row.when else ""
            lines.append(f"| `{row.path}` | {row.owner} | {row.what}{when} |")
        count = {owner: sum(r.owner == owner for r in rows) for owner in OWNERS}
        lines += ["", f"{len(rows)} files: {count['template']} owned by the template, {count['author']} by the author."]
        return self.markdown(lines)


class OwnershipMap(_Generated):
    def run(self) -> list[nodes.Node]:
        rows = self.reference().rows
        folders: dict[str, list[Row]] = {}
        for row in rows:
            folder = str(PurePosixPath(row.path).parent)
            folders.setdefault(folder, []).append(row)
            parent = PurePosixPath(folder)
            while str(parent) != ".":  # folders holding only folders get a node too
                parent = parent.parent
                folders.setdefault(str(parent), [])
        ids = {folder: f"f{i}" for i, folder in enumerate(sorted(folders))}
        dot = [
            "digraph ownership {",
            '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.12, ranksep=0.5, fontname="sans-serif"];',
            '  node [shape=plaintext, fontname="sans-serif", fontsize=10];',
            '  edge [color="#777777", arrowhead=none];',
        ]
        for folder, files in sorted(folders.items()):
            title = f"{PROJECT}/ (your repository)" if folder == "." else PurePosixPath(folder).name + "/"
            cells = [f'<tr><td bgcolor="#eeeeee" align="left"><b>{html.escape(_generic(title))}</b></td></tr>']
            for row in sorted(files, key=lambda r: r.path.lower()):
                name = html.escape(PurePosixPath(row.path).name)
                cells.append(f'<tr><td bgcolor="{COLOURS[row.owner]}" align="left">{name}</td></tr>')
            label = '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">' + "".join(cells) + "</table>"
            dot.append(f"  {ids[folder]} [label=<{label}>];")
        for folder in sorted(folders):
            if folder != ".":
                dot.append(f"  {ids[str(PurePosixPath(folder).parent)]} -> {ids[folder]};")
        legend = "".join(
            f'<tr><td bgcolor="{COLOURS[owner]}" align="left">{html.escape(text.replace("`", ""))}</td></tr>'
            for owner, text in OWNERS.items()
        )
        dot.append(f'  legend [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">{legend}</table>>];')
        dot.append("}")
        node = graphviz()
        node["code"] = "\n".join(dot)
        node["options"] = {"docname": self.env.docname}
        node["alt"] = "The files of a generated kernel repository by folder, coloured by owner"
        return [node]


class CopierQuestions(_Generated):
    def run(self) -> list[nodes.Node]:
        lines = ["| question | what it asks | default (for `MyLang`) |", "|---|---|---|"]
        for question in self.reference().questions:
            default = "required" if question.required else _value(question.default)
            text = question.help.replace("|", "\\|")
            if question.choices:
                text += "; one of " + ", ".join(_code(str(c)) for c in question.choices)
            if question.when:
                text += f"; asked when {_code(question.when)}"
            lines.append(f"| `{question.name}` | {text} | {default} |")
        return self.markdown(lines)


class Checks(_Generated):
    """The reviewer's checks of one section of conventions.md (their ``anchor``)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from xeus_kernel_template.review.checks import ALL

        anchor = self.arguments[0]
        checks = [cls for cls in ALL if cls.anchor == anchor]
        if not checks:
            logger.warning(f"no check of the reviewer has the anchor {anchor!r}", location=(self.env.docname, self.lineno))
            return []
        lines = ["Checked by:", ""]
        for cls in checks:
            title = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
            lines.append(f"- [{cls.__name__}](reviewer.md#{cls.__name__.lower()}): {title}")
        return self.markdown(lines)


def _always_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """The generated pages depend on every template file: read them again on every build."""
    return sorted(getattr(env, "xkt_generated", set()) - set(removed))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("xkt-generated-files", GeneratedFiles)
    app.add_directive("xkt-ownership-map", OwnershipMap)
    app.add_directive("xkt-copier-questions", CopierQuestions)
    app.add_directive("xkt-checks", Checks)
    app.connect("env-get-outdated", _always_outdated)
    app.connect("builder-inited", lambda _app: _REPORTED.clear())
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
