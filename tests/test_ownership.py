"""docs/ownership.md, copier.yml's _skip_if_exists and the files' own headers agree."""

from __future__ import annotations

import fnmatch
import json
import re
import sys

from template_repo import TEMPLATE as ROOT
from template_repo import copier_config

sys.path.insert(0, str(ROOT / "docs/_ext"))
import xkt_docs  # docs/_ext: its reader of docs/ownership.md, which the docs' reference uses too

# What owning a file means, in the words every file says it with (docs/ownership.md).
MARKERS = {
    "template": "Managed by xeus-kernel-template: `copier update` merges the template's changes into this file; "
                "your edits to the same lines become conflicts.",
    "author": "Yours",
}
# JSON has no comments: CMake presets say their owner in their `vendor` field, other JSON files
# in the README.md beside them.
JSON = ("*.json", "*.json.in")
# Data files, and files whose first lines are not ours.
NO_HEADER = ("*.ipynb", "*.png", "LICENSE", "runtime-files/*")
COMMENT = re.compile(r"^\s*(#|//|<!--)?\s*|\s*(-->)?\s*$")


def header(path) -> str:
    """The first lines of a file, comment markers dropped, as one line of text."""
    lines = path.read_text(encoding="utf-8").splitlines()[:4]
    return " ".join(filter(None, (COMMENT.sub("", line) for line in lines)))


def says_owner_of_json(path, relative: str, owner: str) -> bool:
    if path.name.endswith("Presets.json"):
        vendor = json.loads(path.read_text(encoding="utf-8")).get("vendor", {}).get("xeus-kernel-template", {})
        return vendor.get("owner") == owner and MARKERS[owner] in vendor.get("ownership", "")
    beside = path.parent / "README.md"
    return beside.is_file() and MARKERS[owner] in header(beside) and f"`{path.name}`" in beside.read_text(encoding="utf-8")


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
        if any(fnmatch.fnmatch(relative, pattern) for pattern in JSON):
            assert says_owner_of_json(path, relative, owner), f"{relative} is {owner}-owned: no vendor field or README says so"
            continue
        assert MARKERS[owner] in header(path), f"{relative} is {owner}-owned but does not say so in its first lines"
