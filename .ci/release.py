#!/usr/bin/env python3
"""The release's checks and build, as release.yml runs them on a tag vX.Y.Z (and the tests
here): CHANGELOG.md, pyproject.toml's version and the tag must agree, then the sdist and
wheel are built and checked by twine.

    python .ci/release.py check --tag v0.3.0              # the agreement alone
    python .ci/release.py prepare --tag v0.3.0 --dist dist --notes notes.md

`prepare` refuses (exit 1, one line per problem, nothing built) when they disagree; else it
writes that version's CHANGELOG section to --notes (the GitHub release's text) and the
checked distributions to --dist. --no-isolation builds with the build backend already
installed (the tests: no network)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?$", re.MULTILINE)
TAG = re.compile(r"^v(?P<version>\d+\.\d+\.\d+.*)$")
# Packages of this repository released with the template, at its version (docs/xeus-kernel-ci.md).
PACKAGES = ("packages/xeus-kernel-ci",)


def entries(root: Path = ROOT) -> list[tuple[str, str | None, str]]:
    """CHANGELOG.md's entries, newest first: (name, date or None, body)."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    found = list(HEADING.finditer(text))
    return [(m["name"], m["date"], text[m.end(): found[i + 1].start() if i + 1 < len(found) else len(text)])
            for i, m in enumerate(found)]


def released(root: Path = ROOT) -> list[Version]:
    return [Version(name) for name, _, _ in entries(root) if name != "Unreleased"]


def package_version(root: Path = ROOT) -> Version:
    return Version(tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"])


def projects(root: Path = ROOT) -> list[Path]:
    """The template's own project and the packages released with it."""
    return [root, *(root / package for package in PACKAGES if (root / package / "pyproject.toml").is_file())]


def project_name(project: Path) -> str:
    return tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"]


def git_tags(root: Path, *args: str) -> list[str]:
    result = subprocess.run(["git", "tag", "--list", "v*", *args], cwd=root, capture_output=True, text=True, check=False)
    return result.stdout.split() if result.returncode == 0 else []


def release_problems(root: Path = ROOT) -> list[str]:
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


def tag_problems(tag: str, root: Path = ROOT) -> list[str]:
    """release_problems, and what the tag being released must have: the form vX.Y.Z, the
    version pyproject.toml names, the newest CHANGELOG.md entry, dated, [Unreleased] empty."""
    match = TAG.match(tag)
    try:
        tagged = Version(match["version"]) if match else None
    except InvalidVersion:
        tagged = None
    if tagged is None:
        return [f"tag {tag!r} is not v<version> (docs/updating.md)"]
    problems, version = [], package_version(root)
    if tagged != version:
        problems.append(f"tag {tag} but pyproject.toml says {version}")
    for project in projects(root)[1:]:
        if package_version(project) != version:
            problems.append(f"{project.relative_to(root)}/pyproject.toml says {package_version(project)}, "
                            f"pyproject.toml {version}: they are released together")
    newest = next(((name, date) for name, date, _ in entries(root) if name != "Unreleased"), None)
    if newest is None or newest[0] != str(tagged):
        problems.append(f"CHANGELOG.md's newest release is {newest[0] if newest else 'none'}, not {tagged}")
    elif not newest[1]:
        problems.append(f"CHANGELOG.md's [{tagged}] has no date")
    if any(name == "Unreleased" and body.strip() for name, _, body in entries(root)):
        problems.append(f"{tag} leaves entries under [Unreleased]")
    return problems + [p for p in release_problems(root) if p not in problems]


def notes(version: str, root: Path = ROOT) -> str:
    """The body of CHANGELOG.md's entry for *version* (its link lines at the end aside)."""
    for name, _, body in entries(root):
        if name == version:
            return re.sub(r"(?m)^\[[^\]]+\]: \S+\s*$", "", body).strip() + "\n"
    raise LookupError(version)


def build(dist: Path, *, isolation: bool, root: Path = ROOT) -> list[Path]:
    """The sdists and wheels of the template and the packages released with it into *dist*,
    checked by `twine check --strict`."""
    dist.mkdir(parents=True, exist_ok=True)
    built: list[Path] = []
    for project in projects(root):
        command = [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(project)]
        subprocess.run(command + ([] if isolation else ["--no-isolation"]), check=True)
        prefix = project_name(project).replace("-", "_")
        built += sorted(dist.glob(f"{prefix}-{package_version(project)}*"))
    subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)], check=True)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="CHANGELOG.md, pyproject.toml and the tag agree")
    prepare = commands.add_parser("prepare", help="check, then the release notes and the checked build")
    for command in (check, prepare):
        command.add_argument("--tag", required=True, help="the tag being released, vX.Y.Z")
        command.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    prepare.add_argument("--dist", type=Path, required=True, help="where the sdist and wheel go")
    prepare.add_argument("--notes", type=Path, required=True, help="where the release notes go")
    prepare.add_argument("--no-isolation", action="store_true", help="build with the installed backend")
    options = parser.parse_args(argv)
    problems = tag_problems(options.tag, options.root)
    if problems:
        for problem in problems:
            print(f"release refused: {problem}", file=sys.stderr)
        return 1
    if options.command == "prepare":
        options.notes.write_text(notes(str(package_version(options.root)), options.root), encoding="utf-8")
        for path in build(options.dist, isolation=not options.no_isolation, root=options.root):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
