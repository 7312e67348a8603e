"""The throwaway template repository with two releases, and kernels copied and updated from
it: shared by the update tests (tests/test_update.py) and the benchmark (benchmarks/)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import copier
import yaml

from samples import BASE

TEMPLATE = Path(__file__).resolve().parent.parent

OLD, NEW = "v0.1.0", "v0.2.0"
KERNEL = "xmylang"
HOOK_OLD, HOOK_NEW = "wasm/initialize.js", "wasm/initialize_xkernel.js"
HOOK_TEMPLATE = "template/wasm/{% if with_wasm %}initialize_xkernel.js{% endif %}.jinja"
# Convention lines that differ between the two releases (v0.1.0, v0.2.0), in template-owned
# cmake/XeusKernel.cmake and environment-dev.yml.
PRE_JS_OLD = 'set(pre_js "${PROJECT_SOURCE_DIR}/wasm/initialize.js" "${PROJECT_SOURCE_DIR}/wasm/pre.js")'
PRE_JS_NEW = 'set(pre_js "${PROJECT_SOURCE_DIR}/wasm/initialize_xkernel.js" "${PROJECT_SOURCE_DIR}/wasm/pre.js")'
PIN_OLD, PIN_NEW = "  - jupyter_client >=7\n", "  - jupyter_client >=8\n"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: expected {old!r} once, found {text.count(old)}: update tests/releases.py"
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the throwaway template repository -----------------------------------------------------


def copy_template(destination: Path) -> None:
    """The template as copier sees it (copier.yml, template/, hooks/) and as pre-commit installs
    its reviewer (the package), from the working tree: HEAD plus uncommitted changes."""
    parts = ["copier.yml", "includes", "template", "hooks", "pyproject.toml", "README.md", "src", ".pre-commit-hooks.yaml"]
    listed = git(TEMPLATE, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *parts)
    for relative in sorted(set(filter(None, listed.split("\0")))):
        source = TEMPLATE / relative
        if source.is_file():  # deleted but not yet committed files are listed too
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / relative)


def make_older(tree: Path) -> None:
    """Turn a copy of the current template into the synthetic v0.1.0: the state before the
    start-up hook was renamed, without the migration, with older convention lines."""
    hook = tree / HOOK_TEMPLATE
    hook.rename(hook.with_name(hook.name.replace("initialize_xkernel.js", "initialize.js")))
    replace_once(tree / "template/cmake/XeusKernel.cmake", PRE_JS_NEW, PRE_JS_OLD)
    replace_once(tree / "template/wasm/{% if with_wasm %}pre.js{% endif %}", "// wasm/initialize_xkernel.js,", "// wasm/initialize.js,")
    replace_once(tree / "template/environment-dev.yml.jinja", PIN_NEW, PIN_OLD)
    replace_once(tree / "copier.yml", f"  - {HOOK_NEW}\n", f"  - {HOOK_OLD}\n")
    drop_migrations(tree)


def drop_migrations(tree: Path) -> None:
    config = tree / "copier.yml"
    text, count = re.subn(r"^_migrations:\n(?:(?:[ \t].*)?\n)*", "", config.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert count == 1 and "_migrations" not in yaml.safe_load(text), "copier.yml: no _migrations block to remove"
    config.write_text(text, encoding="utf-8")
    shutil.rmtree(tree / "hooks")


def commit_release(repo: Path, tag: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", f"Release {tag}")
    git(repo, "tag", "-a", tag, "-m", tag)


def build_releases(repo: Path, with_migration: bool = True) -> Path:
    """v0.1.0 (synthetic older state) and v0.2.0 (the working tree), tagged like real releases."""
    repo.mkdir()
    git(repo, "init", "--quiet")
    copy_template(repo)
    make_older(repo)
    commit_release(repo, OLD)
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    copy_template(repo)
    if not with_migration:
        drop_migrations(repo)
    commit_release(repo, NEW)
    return repo


# --- kernels made from the template --------------------------------------------------------


def copy_project(releases: Path, destination: Path, ref: str, data: dict | None = None) -> Path:
    copier.run_copy(str(releases), str(destination), data={**BASE, **(data or {})}, defaults=True, vcs_ref=ref, quiet=True)
    git(destination, "init", "--quiet")
    commit_all(destination, f"Kernel made from xeus-kernel-template {ref}")
    return destination


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--allow-empty", "-m", message)


def update(project: Path, ref: str = NEW, **kwargs) -> float:
    """`copier update --trust --defaults` to ref; returns the seconds it took."""
    started = time.perf_counter()
    copier.run_update(str(project), vcs_ref=ref, defaults=True, overwrite=True, unsafe=kwargs.pop("unsafe", True), quiet=True, **kwargs)
    return time.perf_counter() - started
