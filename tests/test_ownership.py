"""docs/ownership.md, copier.yml's _skip_if_exists and the files' own headers agree."""

from __future__ import annotations

import fnmatch
import re
import sys

from template_repo import TEMPLATE as ROOT
from template_repo import copier_config

sys.path.insert(0, str(ROOT / "docs/_ext"))
import xkt_docs  # docs/_ext: its reader of docs/ownership.md, which the docs' reference uses too

MARKERS = {"template": "Managed by xeus-kernel-template", "author": "Yours"}
# Formats without comments, data files and files whose header copier writes.
NO_HEADER = ("*.json", "*.json.in", "*.ipynb", "*.png", "LICENSE", ".copier-answers.yml", "runtime-files/*")


def documented() -> dict[str, str]:
    return {re.sub(r"<(kernel|project)>", "*", path): owner for path, owner, _ in xkt_docs.ownership_rows(ROOT)}


def owner_of(relative: str, table: dict[str, str]) -> str:
    owners = [owner for pattern, owner in table.items() if fnmatch.fnmatch(relative, pattern)]
    assert len(owners) == 1, f"{relative} matches {len(owners)} rows of docs/ownership.md"
    return owners[0]


def test_author_files_are_exactly_the_skipped_ones():
    skipped = set(copier_config(ROOT)["_skip_if_exists"])
    assert {p for p, owner in documented().items() if owner == "author"} == skipped


def test_every_rendered_file_has_one_owner_and_says_so(rendered, render_name):
    project = rendered(render_name)
    table = documented()
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        relative = path.relative_to(project).as_posix()
        owner = owner_of(relative, table)
        if any(fnmatch.fnmatch(relative, pattern) for pattern in NO_HEADER):
            continue
        head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:4])
        assert MARKERS[owner] in head, f"{relative} is {owner}-owned but does not say so in its first lines"
