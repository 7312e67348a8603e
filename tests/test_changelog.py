"""CHANGELOG.md follows Keep a Changelog, and its newest release is the version being
released: pyproject.toml's `version` (the one place the package's version is written; the
release tag is `v` + it, docs/updating.md). Tags of this repository, where the checkout has
them, each have their entry, and a tagged HEAD is the version pyproject.toml names."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from packaging.version import Version

from template_repo import TEMPLATE, two_releases

HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?$", re.MULTILINE)
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def entries(root: Path = TEMPLATE) -> list[tuple[str, str | None, str]]:
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    found = list(HEADING.finditer(text))
    return [(m["name"], m["date"], text[m.end(): found[i + 1].start() if i + 1 < len(found) else len(text)])
            for i, m in enumerate(found)]


def released(root: Path = TEMPLATE) -> list[Version]:
    return [Version(name) for name, _, _ in entries(root) if name != "Unreleased"]


def package_version(root: Path = TEMPLATE) -> Version:
    return Version(tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"])


def test_keep_a_changelog_shape():
    found = entries()
    assert found, "no entry"
    assert found[0][0] == "Unreleased" or found[0][1], "[Unreleased] first, then the releases"
    for name, date, body in found:
        assert name == "Unreleased" or (Version(name) and date), f"{name}: a version and a date"
        kinds = set(re.findall(r"^### (\w+)$", body, re.MULTILINE))
        assert kinds <= KINDS and (kinds or name == "Unreleased"), f"{name}: sections among {sorted(KINDS)}, got {sorted(kinds)}"
    versions = released()
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions), "newest first, once each"
    text = (TEMPLATE / "CHANGELOG.md").read_text()
    for name, _, _ in found:  # every heading links its comparison
        assert re.search(rf"^\[{re.escape(name)}\]: https://", text, re.MULTILINE), name


def test_the_newest_entry_is_the_version_being_released():
    assert released()[0] == package_version()


def git_tags(root: Path, *args: str) -> list[str]:
    result = subprocess.run(["git", "tag", "--list", "v*", *args], cwd=root, capture_output=True, text=True, check=False)
    return result.stdout.split() if result.returncode == 0 else []


def release_problems(root: Path) -> list[str]:
    """What is wrong between a checkout's release tags, CHANGELOG.md and pyproject.toml."""
    problems = []
    versions, version = set(released(root)), package_version(root)
    tags = git_tags(root)
    problems += [f"tag {tag} has no CHANGELOG.md entry" for tag in tags if Version(tag) not in versions]
    for tag in git_tags(root, "--points-at", "HEAD"):
        if Version(tag) != version:
            problems.append(f"HEAD is {tag}, pyproject.toml says {version}")
        if any(name == "Unreleased" and body.strip() for name, _, body in entries(root)):
            problems.append(f"{tag} leaves entries under [Unreleased]")
    if tags and max(map(Version, tags)) > version:
        problems.append(f"tag {max(tags, key=Version)} is newer than pyproject.toml's {version}")
    return problems


def test_release_tags_have_their_entries():
    """This checkout (CI's clone has no tags: nothing to find) has no problem."""
    assert release_problems(TEMPLATE) == []


def test_release_problems_are_found(tmp_path):
    """On a throwaway repository: a tag without entry, a tagged HEAD that pyproject.toml
    does not name, entries left under [Unreleased] at a release, a tag newer than the package."""
    repo = tmp_path / "template"
    unreleased = [("## [Unreleased]\n", "## [Unreleased]\n\n### Added\n\n- Not released yet.\n")]
    two_releases(repo, {"CHANGELOG.md": unreleased}, ("v0.2.0", "v9.0.0"))
    problems = release_problems(repo)
    assert f"HEAD is v9.0.0, pyproject.toml says {package_version()}" in problems
    assert "tag v9.0.0 has no CHANGELOG.md entry" in problems
    assert "v9.0.0 leaves entries under [Unreleased]" in problems
    assert f"tag v9.0.0 is newer than pyproject.toml's {package_version()}" in problems
    assert not any(p.startswith("tag v0.2.0 ") for p in problems)
