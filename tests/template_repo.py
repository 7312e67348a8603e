"""A throwaway git repository of the template, with releases tagged as docs/updating.md
prescribes, and kernels made from it: what the update, adoption and dependency-kernel tests
share. Copier reads a git template at a tag, as it does the real one."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import copier
from copier._template import load_template_config

from samples import BASE

TEMPLATE = Path(__file__).resolve().parent.parent
CONFLICT_MARKER = re.compile(rb"^(<<<<<<< |>>>>>>> )", re.MULTILINE)


def copier_config(root: Path = TEMPLATE) -> dict:
    """copier.yml as copier reads it: its YAML documents merged, `!include stack.yml` resolved."""
    return load_template_config(root / "copier.yml")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: expected {old!r} once, found {text.count(old)}: the template changed, update the test"
    path.write_text(text.replace(old, new), encoding="utf-8")


def copy_template(destination: Path) -> None:
    """The template as copier sees it (copier.yml, template/, hooks/) and as pre-commit installs
    its reviewer (the package), from the working tree: HEAD plus uncommitted changes."""
    parts = [
        "copier.yml", "stack.yml", "CHANGELOG.md", "includes", "template", "hooks", "pyproject.toml", "README.md", "src",
        ".pre-commit-hooks.yaml", "packages",
    ]
    listed = git(TEMPLATE, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *parts)
    for relative in sorted(set(filter(None, listed.split("\0")))):
        source = TEMPLATE / relative
        if source.is_file():  # deleted but not yet committed files are listed too
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / relative)


def commit_release(repo: Path, tag: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", f"Release {tag}")
    git(repo, "tag", "-a", tag, "-m", tag)


def two_releases(repo: Path, changes: dict[str, list[tuple[str, str]]], tags: tuple[str, str] = ("v1.0.0", "v1.1.0")) -> Path:
    """The working tree as release tags[0], then with *changes* (template path: [(old, new)])
    as release tags[1]."""
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet")
    copy_template(repo)
    commit_release(repo, tags[0])
    for relative, edits in changes.items():
        for old, new in edits:
            replace_once(repo / relative, old, new)
    commit_release(repo, tags[1])
    return repo


def copy_project(releases: Path, destination: Path, ref: str, data: dict | None = None) -> Path:
    copier.run_copy(str(releases), str(destination), data={**BASE, **(data or {})}, defaults=True, vcs_ref=ref, quiet=True)
    git(destination, "init", "--quiet")
    commit_all(destination, f"Kernel made from xeus-kernel-template {ref}")
    return destination


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--allow-empty", "-m", message)


def update(project: Path, ref: str, **kwargs) -> float:
    """`copier update --trust --defaults` to ref; returns the seconds it took."""
    started = time.perf_counter()
    copier.run_update(str(project), vcs_ref=ref, defaults=True, overwrite=True, unsafe=kwargs.pop("unsafe", True), quiet=True, **kwargs)
    return time.perf_counter() - started


@dataclass
class Leftovers:
    """What a conflicted update leaves behind, for the author to resolve."""

    markers: list[str] = field(default_factory=list)  # files with <<<<<<< / >>>>>>> lines
    rejects: list[str] = field(default_factory=list)  # *.rej files
    unmerged: list[str] = field(default_factory=list)  # paths with unmerged index entries

    def __bool__(self) -> bool:
        return bool(self.markers or self.rejects or self.unmerged)

    def shows(self, path: str) -> bool:
        return path in self.markers or path in self.unmerged or f"{path}.rej" in self.rejects


def leftovers(project: Path) -> Leftovers:
    found = Leftovers()
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if relative.startswith(".git/") or not path.is_file():
            continue
        if relative.endswith(".rej"):
            found.rejects.append(relative)
        elif CONFLICT_MARKER.search(path.read_bytes()):
            found.markers.append(relative)
    found.unmerged = sorted({line.split("\t", 1)[1] for line in git(project, "ls-files", "--unmerged").splitlines()})
    return found


def status(project: Path) -> list[str]:
    return git(project, "status", "--porcelain", "--untracked-files=all").splitlines()


def tree(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }
