"""CHANGELOG.md follows Keep a Changelog, and its newest release is the version being
released: pyproject.toml's `version` (the one place the package's version is written; the
release tag is `v` + it, docs/updating.md). Tags of this repository, where the checkout has
them, each have their entry, and a tagged HEAD is the version pyproject.toml names. The
release workflow refuses a tag on the same checks (tests/test_ci.py)."""

from __future__ import annotations

import re

from packaging.version import Version

from ci_scripts import load
from template_repo import TEMPLATE, two_releases

# The checks live where release.yml runs them (.ci/release.py): one implementation.
release = load("release")
entries, released, package_version, release_problems = (
    release.entries, release.released, release.package_version, release.release_problems)

KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


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
