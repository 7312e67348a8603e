"""The template files of a kernel as its recorded release rendered them: the template at
``.copier-answers.yml``'s ``_commit``, rendered by copier with the recorded answers into a
temporary folder. XK804 compares them with the kernel's, to name the template-owned files
an author edited before the next ``copier update`` merges into them.

A remote template is cloned once per URL into the cache (``git`` with a time limit, so a
network that hangs costs a skip, not a stuck review); a local one is read in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: copier's shortcuts for hosted repositories (as xeus-kernel-ci's template update reads them)
_SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
_GIT_TIMEOUT = 120  # seconds for one clone or fetch


class Unreachable(RuntimeError):
    """The template or its release cannot be had; the message says which and why."""


@dataclass(frozen=True)
class Rendered:
    """The files the release writes that the template owns: relative path -> bytes."""

    release: str
    template_files: dict[str, bytes]


def _git(*args: str, cwd: Path | None = None) -> None:
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        result = subprocess.run(["git", *args], cwd=cwd, env=environment, capture_output=True, text=True,
                                timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unreachable(f"git {args[0]}: {error}") from error
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise Unreachable(f"git {args[0]}: {last}")


def _has_commit(repo: Path, commit: str) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"], cwd=repo,
                          capture_output=True, check=False).returncode == 0


@dataclass(frozen=True)
class _Source:
    """Where copier can read the release without the network, under the recorded name (so
    that the render's `_src_path` is the recorded one): a folder to run copier in, and git
    settings that send the recorded URL to a clone in the cache."""

    folder: Path | None = None
    git_config: tuple[tuple[str, str], ...] = ()

    def environment(self) -> dict[str, str]:
        settings = {"GIT_CONFIG_COUNT": str(len(self.git_config)), "GIT_TERMINAL_PROMPT": "0"}
        for index, (key, value) in enumerate(self.git_config):
            settings[f"GIT_CONFIG_KEY_{index}"], settings[f"GIT_CONFIG_VALUE_{index}"] = key, value
        return settings


def _local_source(source: str, commit: str, kernel: Path | None) -> _Source:
    """A local template as it is (from the folder its relative path was recorded in), a
    remote one cloned into the cache (fetched again when the release is newer than the clone)."""
    url = next((host + source[len(short):] for short, host in _SHORTCUTS.items() if source.startswith(short)), source)
    url = url.removeprefix("git+")
    if "://" not in url and not url.startswith("git@"):
        # copier records a relative path as given: relative to where `copier copy` ran, which
        # is often the kernel's parent folder or the current one.
        folder = Path(url).expanduser()
        bases = [Path("/")] if folder.is_absolute() else [*((kernel, kernel.parent) if kernel else ()), Path.cwd()]
        found = next((base for base in bases if (base / folder).is_dir()), None)
        if found is None:
            raise Unreachable(f"the template folder {source} does not exist here")
        return _Source(folder=found)
    from ..toolchain import cache_dir

    clone = cache_dir() / "templates" / hashlib.sha256(url.encode()).hexdigest()[:16]
    if not (clone / ".git").is_dir():
        clone.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=clone.parent) as partial:
            _git("clone", "--quiet", "--no-checkout", url, partial)
            with contextlib.suppress(OSError):
                Path(partial).rename(clone)
    if not _has_commit(clone, commit):
        _git("fetch", "--quiet", "--tags", "origin", cwd=clone)
    if not _has_commit(clone, commit):
        raise Unreachable(f"{source} has no release {commit}")
    bare = url.removesuffix(".git")
    return _Source(git_config=tuple((f"url.{clone.as_uri()}.insteadOf", u) for u in (bare, bare + ".git")))


@contextlib.contextmanager
def _inside(source: _Source):
    """Run copier where the recorded source means the same template, offline."""
    from plumbum import local  # copier's git runs in plumbum's copy of the environment

    previous = Path.cwd()
    with local.env(**source.environment()):
        try:
            if source.folder is not None:
                os.chdir(source.folder)
            yield
        finally:
            os.chdir(previous)


def _render(source: str, commit: str, data: dict, kernel: Path | None) -> Rendered:
    import copier
    import pathspec

    where = _local_source(source, commit, kernel)
    with tempfile.TemporaryDirectory(prefix="xkt-release-") as output:
        try:
            with _inside(where), contextlib.redirect_stderr(io.StringIO()):
                worker = copier.run_copy(source, output, data=data, vcs_ref=commit, defaults=True,
                                         quiet=True, unsafe=False, skip_tasks=True)
            skipped = list(worker.template.skip_if_exists)
        except Exception as error:  # any failure of copier is a reason to skip
            raise Unreachable(f"copier cannot render {source} at {commit} ({type(error).__name__}: {error})") from error
        # copier's own matching of _skip_if_exists: pathspec's gitignore style (1.0 renamed it)
        style = "gitignore" if int(pathspec.__version__.split(".")[0]) >= 1 else "gitwildmatch"
        authors = pathspec.PathSpec.from_lines(style, skipped)
        files = {}
        for path in sorted(Path(output).rglob("*")):
            relative = path.relative_to(output).as_posix()
            if path.is_file() and not authors.match_file(relative) and not relative.startswith(".copier-answers"):
                files[relative] = path.read_bytes()
    return Rendered(commit, files)


#: Renders (or why there is none) by source, release, answers and kernel: a review of many
#: kernels of one release renders it once per answers.
_RENDERS: dict[tuple, Rendered | Unreachable] = {}


def render_release(answers: dict, kernel: Path | None) -> Rendered:
    """The template-owned files of the recorded release, rendered with the recorded answers;
    Unreachable when the template or the release cannot be had."""
    source, commit = str(answers.get("_src_path", "")), str(answers.get("_commit", ""))
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    key = (source, commit, repr(sorted(data.items())), kernel)
    if key not in _RENDERS:
        try:
            _RENDERS[key] = _render(source, commit, data, kernel)
        except Unreachable as error:
            _RENDERS[key] = error
    found = _RENDERS[key]
    if isinstance(found, Unreachable):
        raise found
    return found
