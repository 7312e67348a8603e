#!/usr/bin/env python3
"""Render one kernel of the tests' matrix (tests/samples.py) and push it, as a history of its
own, to a branch PREFIX/NAME (`rendered/<name>`) of a repository: there its own workflows
(native.yml, lite.yml, review.yml) can be started with workflow_dispatch and run on
GitHub's runners.

    python .ci/render_push.py --list                          # the matrix, as JSON
    python .ci/render_push.py defaults --remote URL [--template SRC --vcs-ref REF]
    python .ci/render_push.py defaults --out DIR              # render only

The template is this checkout at HEAD unless --template names another source (CI: this
repository's URL at the commit under test, so that the render's review.yml and
template-update.yml can reach it). The branch is force-pushed: each run replaces the last
render. Prints `branch=`, `sha=` and `workflows=` (the dispatchable ones, JSON) lines, and
appends them to $GITHUB_OUTPUT when it is set."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from samples import RENDERS, answers  # the matrix lives with the tests

# The generated workflows that check a kernel and can be started by hand; template-update.yml
# is left alone (it would open pull requests against the rendered branch).
DISPATCHED = ("native.yml", "lite.yml", "review.yml")
COMMITTER = ["-c", "user.name=xeus-kernel-template CI", "-c", "user.email=ci@xeus-kernel-template.invalid"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *COMMITTER, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def render(name: str, destination: Path, template: str, vcs_ref: str) -> Path:
    import copier

    copier.run_copy(template, str(destination), data=answers(name), defaults=True, vcs_ref=vcs_ref,
                    unsafe=False, quiet=True)
    return destination


def push(project: Path, remote: str, branch: str, message: str) -> str:
    """Commit *project* as the root commit of a new history; force-push it to *branch*."""
    git(project, "init", "--quiet", "--initial-branch", branch)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--no-verify", "-m", message)
    git(project, "push", "--quiet", "--force", remote, f"HEAD:refs/heads/{branch}")
    return git(project, "rev-parse", "HEAD")


def dispatched(project: Path) -> list[str]:
    return [name for name in DISPATCHED if (project / ".github/workflows" / name).is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", help="a render of tests/samples.py")
    parser.add_argument("--list", action="store_true", help="print the matrix's names as JSON")
    parser.add_argument("--remote", help="the repository to push to (a URL or a path)")
    parser.add_argument("--prefix", default="rendered", help="the branch is PREFIX/NAME (default: rendered)")
    parser.add_argument("--out", type=Path, help="render into this new folder, push nothing")
    parser.add_argument("--template", default=str(ROOT), help="the template source (default: this checkout)")
    parser.add_argument("--vcs-ref", default="HEAD", help="the template commit or tag (default: HEAD)")
    options = parser.parse_args(argv)
    if options.list:
        print(json.dumps(sorted(RENDERS)))
        return 0
    if options.name not in RENDERS or not (options.remote or options.out):
        parser.error(f"give a render ({', '.join(sorted(RENDERS))}) and --remote or --out")
    if options.out:
        render(options.name, options.out, options.template, options.vcs_ref)
        return 0
    branch = f"{options.prefix}/{options.name}"
    with tempfile.TemporaryDirectory(prefix="render-") as work:
        project = render(options.name, Path(work) / options.name, options.template, options.vcs_ref)
        message = f"Render {options.name} of {options.template} at {options.vcs_ref}"
        outputs = {"branch": branch, "sha": push(project, options.remote, branch, message),
                   "workflows": json.dumps(dispatched(project))}
    lines = [f"{key}={value}" for key, value in outputs.items()]
    print(*lines, sep="\n")
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
