"""The template's stack table (stack.yml) and the command that keeps it current.

    xeus-kernel-template bump-stack [--stack PATH] [--dry-run]

For every entry it can look up (docs/stack.md, "Keeping it current"):

- GitHub actions: the latest release of the action's repository (GitHub API
  ``releases/latest``) and the commit its tag points to, annotated tags followed;
- pre-commit hook repositories: the newest release tag (PEP 440 order, no pre-release);
- version ranges ``>=A,<B`` of PyPI packages: the newest release inside the range (PyPI
  JSON API; no pre-release, no yanked release) becomes the floor ``A``; a newer release
  beyond the ceiling is reported, not taken.

It rewrites stack.yml keeping its comments and layout (ruamel.yaml round trip), and the
clang-format pin of pyproject.toml's test extra with the mirrors-clang-format rev, and
prints the unified diff. The lookups go through a ``fetch(url) -> JSON`` function, so that
tests give recorded responses.
"""

from __future__ import annotations

import difflib
import functools
import io
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

GITHUB_API = "https://api.github.com"
PYPI = "https://pypi.org/pypi"
CLANG_FORMAT_MIRROR = "https://github.com/pre-commit/mirrors-clang-format"
RELEASE_TAG = re.compile(r"^v?\d+(\.\d+)*$")

Fetch = Callable[[str], Any]


@functools.cache
def table() -> dict:
    """stack.yml's table, for the tooling (the same versions the generated files take):
    packaged with the wheel, or at the root of a source checkout (editable installs)."""
    packaged = resources.files("xeus_kernel_template") / "stack.yml"
    source = packaged if packaged.is_file() else Path(__file__).resolve().parents[2] / "stack.yml"
    return _table_of(yaml.safe_load(source.read_text(encoding="utf-8")))


def _table_of(document: dict) -> dict:
    """The table in a loaded stack.yml: its `stack` question's default."""
    return document["stack"]["default"]


def line() -> dict:
    """The line kernels build with: xeus majors, emscripten, channel, jupyterlite ranges."""
    return table()["lines"][table()["line"]]


class BumpError(RuntimeError):
    """A lookup failed: the message says which and why; nothing was written."""


def http_fetcher(github_api: str = GITHUB_API, token: str | None = None, timeout: float = 30) -> Fetch:
    """GET a URL and parse its JSON; GitHub API requests carry the token, if any."""

    def fetch(url: str) -> Any:
        headers = {"User-Agent": "xeus-kernel-template bump-stack", "Accept": "application/json"}
        if url.startswith(github_api):
            headers["Accept"] = "application/vnd.github+json"
            if token:
                headers["Authorization"] = f"Bearer {token}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise BumpError(f"GET {url}: HTTP {error.code} {error.reason}") from error
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
            raise BumpError(f"GET {url}: {error}") from error

    return fetch


@dataclass
class Change:
    where: tuple[str, ...]  # the keys of the value in stack.yml, under stack.default
    old: str
    new: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    report: list[str] = field(default_factory=list)  # one line per entry looked up


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _commit_of_tag(fetch: Fetch, api: str, repo: str, tag: str) -> str:
    ref = fetch(f"{api}/repos/{repo}/git/ref/tags/{tag}")["object"]
    for _ in range(5):  # an annotated tag points to a tag object, which points to the commit
        if ref["type"] == "commit":
            return ref["sha"]
        ref = fetch(f"{api}/repos/{repo}/git/tags/{ref['sha']}")["object"]
    raise BumpError(f"{repo}: tag {tag} does not lead to a commit")


def _range_floor(spec: str) -> tuple[str, str] | None:
    """(floor, ceiling) of a ">=A,<B" range, else None (an open floor is not a pin)."""
    try:
        parts = {s.operator: s.version for s in SpecifierSet(spec)}
    except InvalidSpecifier:
        return None
    return (parts[">="], parts["<"]) if set(parts) == {">=", "<"} else None


def _pypi_releases(fetch: Fetch, pypi: str, name: str) -> list[Version]:
    data = fetch(f"{pypi}/{name}/json")
    found = []
    for text, files in data.get("releases", {}).items():
        version = _version(text)
        if version is None or version.is_prerelease or not files or all(f.get("yanked") for f in files):
            continue
        found.append(version)
    return sorted(found)


def plan(stack: dict, fetch: Fetch, github_api: str = GITHUB_API, pypi: str = PYPI) -> Plan:
    """What bump-stack would change in the table `stack` (stack.yml's stack.default)."""
    result = Plan()
    commits: dict[str, tuple[str, str]] = {}
    for action, pin in stack["actions"].items():
        repo = "/".join(action.split("/")[:2])
        if repo not in commits:
            tag = fetch(f"{github_api}/repos/{repo}/releases/latest")["tag_name"]
            if not RELEASE_TAG.match(tag):
                result.report.append(f"{action}: latest release {tag!r} is not a version tag: kept {pin['version']}")
                continue
            commits[repo] = (tag, _commit_of_tag(fetch, github_api, repo, tag))
        tag, sha = commits[repo]
        if (tag, sha) == (pin["version"], pin["sha"]):
            result.report.append(f"{action}: {tag} is the latest release")
            continue
        result.report.append(f"{action}: {pin['version']} -> {tag} ({sha})")
        result.changes += [Change(("actions", action, "version"), pin["version"], tag), Change(("actions", action, "sha"), pin["sha"], sha)]

    for url, rev in stack["pre-commit"].items():
        repo = re.sub(r"^https://github\.com/|\.git$", "", url)
        tags = [t["name"] for t in fetch(f"{github_api}/repos/{repo}/tags?per_page=100")]
        versions = {v: t for t in tags if (v := _version(t)) is not None and not v.is_prerelease}
        if not versions:
            result.report.append(f"{url}: no release tag: kept {rev}")
            continue
        newest = versions[max(versions)]
        if _version(rev) is not None and max(versions) <= Version(rev):
            result.report.append(f"{url}: {rev} is the newest tag")
            continue
        result.report.append(f"{url}: {rev} -> {newest}")
        result.changes.append(Change(("pre-commit", url), rev, newest))

    ranges = [(("lines", line, name), spec) for line, row in stack["lines"].items() for name, spec in row.items()]
    ranges += [(("pip", name), spec) for name, spec in stack["pip"].items()]
    ranges += [(("conda", name), spec) for name, spec in stack["conda"].items()]
    releases: dict[str, list[Version]] = {}
    for where, spec in ranges:
        bounds = _range_floor(str(spec)) if isinstance(spec, str) else None
        if bounds is None:
            continue
        name = where[-1]
        if name not in releases:
            releases[name] = _pypi_releases(fetch, pypi, name)
        floor, ceiling = Version(bounds[0]), Version(bounds[1])
        inside = [v for v in releases[name] if floor <= v < ceiling]
        label = "/".join(where)
        beyond = [v for v in releases[name] if v >= ceiling]
        if beyond:
            result.report.append(f"{label}: {max(beyond)} is out of the range {spec}: crossing it is a change"
                                 " of the compatibility table, by hand (docs/stack.md)")
        if not inside or max(inside) == floor:
            result.report.append(f"{label}: {spec} has the newest release in range")
            continue
        new = re.sub(r">=\s*" + re.escape(bounds[0]), f">={max(inside)}", str(spec), count=1)
        result.report.append(f"{label}: {spec} -> {new}")
        result.changes.append(Change(where, str(spec), new))
    return result


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def load(text: str) -> dict:
    """The table of a stack.yml text (its `stack` question's default)."""
    return _table_of(_yaml().load(text))


def apply(text: str, changes: list[Change]) -> str:
    """stack.yml's text with the changes made, comments and layout kept."""
    yaml = _yaml()
    document = yaml.load(text)
    for change in changes:
        node = document["stack"]["default"]
        for key in change.where[:-1]:
            node = node[key]
        old = node[change.where[-1]]
        if str(old) != change.old:
            raise BumpError(f"{'/'.join(change.where)}: expected {change.old!r}, found {old!r}")
        node[change.where[-1]] = type(old)(change.new) if isinstance(old, str) else change.new
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def apply_pyproject(text: str, changes: list[Change]) -> str:
    """The test extra's clang-format pin follows the mirrors-clang-format rev."""
    for change in changes:
        if change.where == ("pre-commit", CLANG_FORMAT_MIRROR):
            text = re.sub(r'"clang-format==[^"]+"', f'"clang-format=={change.new.lstrip("v")}"', text)
    return text


def diff(path: Path, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path.name}", f"b/{path.name}"))


def bump(stack_file: Path, fetch: Fetch, *, dry_run: bool, github_api: str = GITHUB_API, pypi: str = PYPI,
         pyproject: Path | None = None) -> tuple[Plan, str]:
    """Look everything up, then (unless dry_run) write stack.yml and pyproject.toml.
    Returns the plan and the unified diff."""
    before = stack_file.read_text(encoding="utf-8")
    found = plan(load(before), fetch, github_api, pypi)
    after = apply(before, found.changes)
    shown = diff(stack_file, before, after)
    files = [(stack_file, before, after)]
    pyproject = pyproject if pyproject is not None else stack_file.with_name("pyproject.toml")
    if pyproject.is_file():
        old = pyproject.read_text(encoding="utf-8")
        new = apply_pyproject(old, found.changes)
        shown += diff(pyproject, old, new)
        files.append((pyproject, old, new))
    if not dry_run:
        for path, old, new in files:
            if new != old:
                path.write_text(new, encoding="utf-8")
    return found, shown
