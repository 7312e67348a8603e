"""Bring this kernel to the newest release of its template, on a branch of its own.

What .github/workflows/template-update.yml runs (and what you can run by hand), in the
kernel's checkout:

    xeus-kernel-template-update --branch template-update --base main --body body.md

1. reads the template and the release this kernel is on from .copier-answers.yml;
2. finds the template's newest release (its newest PEP 440 tag, no pre-release: the one
   `copier update` takes);
3. runs `copier update --defaults --vcs-ref <release>`, with `--trust` only when a migration
   of the template lies between the two releases (copier runs migrations only when trusted);
4. lists what the update left for a human: files with conflict markers, *.rej files,
   unmerged git entries;
5. writes the pull request's body (--body): the two releases, why --trust or not, the
   conflicts, the template's CHANGELOG.md between the two releases;
6. commits the update on --branch (never --base) and tells whether it is worth pushing: not
   when the remote branch already holds the same update, nor when someone else committed on
   it (their work is never overwritten).

Needs git and copier (`pip install xeus-kernel-ci[update]`). With GITHUB_OUTPUT set it writes the step's
outputs (update, push, blocked, release, title, conflicts, workflows); with
GITHUB_STEP_SUMMARY, a summary. Exit status: 0 done or nothing to do, 1 failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

TEMPLATE_NAME = "xeus-kernel-template"
ANSWERS = ".copier-answers.yml"
MARKER = re.compile(r"^(<<<<<<< |>>>>>>> )", re.MULTILINE)
# What the branch's commits carry, so that a later run knows them from a human's.
TRAILER = "Template-Update:"


class Failure(Exception):
    """The update cannot go on: the message says why."""


def run(*command: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise Failure(f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}")
    return result


def git(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    return run("git", *args, cwd=cwd, check=check).stdout


# --- the template and its releases -------------------------------------------------------


def template_url(src_path: str) -> str:
    """A git URL for copier's _src_path (which may use copier's gh:/gl: shortcuts)."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if src_path.startswith(prefix):
            return host + src_path[len(prefix):]
    return src_path.removeprefix("git+")


def browse_url(url: str, ref: str, path: str) -> str | None:
    """Where a file of the template can be read on the web (GitHub and GitLab only)."""
    match = re.match(r"^https://(github\.com|gitlab\.com)/([^/]+/[^/]+?)(\.git)?/?$", url)
    if not match:
        return None
    separator = "/-/blob/" if match.group(1) == "gitlab.com" else "/blob/"
    return f"https://{match.group(1)}/{match.group(2)}{separator}{ref}/{path}"


def version_of(ref: str) -> Version | None:
    """The PEP 440 version of a release tag, or of a `git describe` name (tag-N-gHASH) as
    copier records for kernels made from a commit after a tag."""
    try:
        return Version(ref)
    except InvalidVersion:
        match = re.match(r"^(.+)-(\d+)-g([0-9a-f]+)$", ref)
        if match:
            try:
                return Version(f"{match.group(1)}.post{match.group(2)}+{match.group(3)}")
            except InvalidVersion:
                return None
    return None


def releases(url: str) -> dict[Version, str]:
    """The template's releases: version -> tag (pre-releases left out, as copier does)."""
    found = {}
    for line in git("ls-remote", "--tags", "--refs", url).splitlines():
        tag = line.split("\t", 1)[1].removeprefix("refs/tags/")
        version = version_of(tag)
        if version is not None and not version.is_prerelease and version.local is None:
            found[version] = tag
    return found


def load_config(root: Path) -> dict:
    """copier.yml as copier reads it: its YAML documents merged (later ones win), the files
    of `!include` tags (globs, relative to the template root) read in their place."""

    class Loader(yaml.SafeLoader):
        pass

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> list:
        documents = []
        for path in sorted(root.glob(loader.construct_scalar(node))):
            documents += [d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader) if d]
        return documents

    Loader.add_constructor("!include", include)
    documents = []
    for document in yaml.load_all((root / "copier.yml").read_text(encoding="utf-8"), Loader=Loader):
        documents += document if isinstance(document, list) else [document] if document else []
    config: dict = {}
    for document in documents:
        for key, value in document.items():
            if key in ("_exclude", "_jinja_extensions", "_skip_if_exists"):
                config[key] = config.get(key, []) + list(value)
            else:
                config[key] = value
    return config


def why_trust(config: dict, old: Version, new: Version) -> list[str]:
    """What of the new release copier would run as code in this kernel, going from old to
    new: the migrations with old < version <= new (copier's own rule), tasks, extensions."""
    reasons = []
    for migration in config.get("_migrations", []):
        if isinstance(migration, dict) and "version" in migration and old < Version(str(migration["version"])) <= new:
            command = migration.get("command", "")
            parts = command if isinstance(command, list) else [command]
            scripts = [re.sub(r"^\{\{\s*_copier_conf\.src_path\s*\}\}/", "", str(p)) for p in parts if "src_path" in str(p)]
            reasons.append(f"migration {migration['version']}: " + (", ".join(f"`{s}`" for s in scripts) or f"`{command}`"))
        elif not isinstance(migration, dict) or "version" not in migration:
            reasons.append("a migration without a version (copier runs it on every update)")
    if config.get("_tasks"):
        reasons.append("tasks (`_tasks` in copier.yml)")
    if config.get("_jinja_extensions"):
        reasons.append("Jinja extensions (`_jinja_extensions` in copier.yml)")
    return reasons


def changelog(text: str, old: Version, new: Version) -> str:
    """The sections of a Keep a Changelog file for the releases after old, up to new,
    with their headings two levels down (they sit under the body's own `###`)."""
    sections, current = [], None
    for line in text.splitlines():
        heading = re.match(r"^## \[?v?([^\]\s]+)\]?", line)
        if heading:
            version = version_of(heading.group(1))
            current = [] if version is not None and old < version <= new else None
            if current is not None:
                sections.append(current)
        elif re.match(r"^\[[^\]]+\]: ", line):  # link references at the bottom
            current = None
        if current is not None:
            current.append("##" + line if line.startswith("#") else line)
    return "\n".join("\n".join(section).strip() for section in sections)


# --- the kernel repository --------------------------------------------------------------


def leftovers(project: Path) -> dict[str, str]:
    """path -> what the update left there for a human."""
    found = {}
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=project)
    for relative in sorted(set(filter(None, listed.split("\0")))):
        path = project / relative
        if not path.is_file():
            continue
        if relative.endswith(".rej"):
            found[relative[: -len(".rej")]] = f"the change copier could not apply is in `{relative}`"
        elif MARKER.search(path.read_bytes().decode("utf-8", errors="replace")):
            found[relative] = "conflict markers (`<<<<<<< before updating` … `>>>>>>> after updating`)"
    for line in git("ls-files", "--unmerged", cwd=project).splitlines():
        found.setdefault(line.split("\t", 1)[1], "unmerged in git (both sides changed it)")
    return found


def changed_files(project: Path) -> list[str]:
    return sorted(line[3:] for line in git("status", "--porcelain", "--untracked-files=all", cwd=project).splitlines())


def ci_workflows(project: Path, own: str) -> list[str]:
    """The workflows that check pull requests and can be started by hand: the update's
    branch needs them started (pushes made with GITHUB_TOKEN start no workflow)."""
    names = []
    for path in sorted((project / ".github/workflows").glob("*.y*ml")):
        if path.name == own:
            continue
        try:
            triggers = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(True, {})  # `on:` reads as True
        except yaml.YAMLError:
            continue  # left in conflict: the body lists it
        triggers = {triggers: None} if isinstance(triggers, str) else dict.fromkeys(triggers) if isinstance(triggers, list) else triggers
        if "workflow_dispatch" in triggers and "pull_request" in triggers:
            names.append(path.name)
    return names


def remote_state(project: Path, remote: str, branch: str) -> tuple[str | None, bool]:
    """The remote branch's tip tree, and whether its tip is an update this script made."""
    if remote not in git("remote", cwd=project).split():
        return None, True
    if not git("ls-remote", "--heads", remote, f"refs/heads/{branch}", cwd=project).strip():
        return None, True
    shallow = git("rev-parse", "--is-shallow-repository", cwd=project).strip() == "true"
    depth = ["--depth=1"] if shallow else []  # a checkout of one commit needs the branch's tip only
    git("fetch", "--quiet", *depth, remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}", cwd=project)
    tip = f"refs/remotes/{remote}/{branch}"
    message = git("log", "-1", "--format=%B", tip, cwd=project)
    ours = any(line.startswith(TRAILER) for line in message.splitlines())
    return git("rev-parse", tip + "^{tree}", cwd=project).strip(), ours


# --- the pull request ---------------------------------------------------------------------


def body_text(*, old: str, new: str, command: list[str], trust: list[str], url: str, found: dict[str, str],
              changed: list[str], notes: str) -> str:
    lines = [
        f"Updates this kernel from {TEMPLATE_NAME} **{old}** to **{new}**, the template's newest release, with",
        "",
        "```sh",
        " ".join(command),
        "```",
        "",
    ]
    if trust:
        lines.append("**Why `--trust`:** this update crosses code of the template that copier runs in your"
                     " repository, and copier runs it only when trusted:")
        lines.append("")
        for reason in trust:
            script = re.search(r"`([^`]+\.py)`", reason)
            link = browse_url(url, new, script.group(1)) if script else None
            lines.append(f"- {reason}" + (f" ([read it]({link}))" if link else ""))
        lines += ["", "Read it before merging; the changelog below says what it does.", ""]
    else:
        lines += [(f"**No `--trust`:** no migration of the template lies between {old} and {new}, so copier"
                   " ran none of the template's code."), ""]
    lines += ["### Conflicts", ""]
    if found:
        count = "1 file needs" if len(found) == 1 else f"{len(found)} files need"
        lines += [f"{count} you: where your edits and the template's changes meet, copier kept both.", ""]
        lines += [f"- `{path}`: {what}" for path, what in found.items()]
        lines += [
            "",
            ("Resolve them on this branch: keep what you need, delete the markers and any `*.rej` file,"
             " push; this pull request follows. Better still, move your change to the file that is yours"
             " for it (the template's docs/ownership.md, \"Where your changes go\"), so that the next update"
             " has nothing to merge."),
            "",
        ]
    else:
        lines += ["None: your edits merged cleanly.", ""]
    lines += [f"<details><summary>{len(changed)} files changed</summary>", ""]
    lines += [f"- `{path}`" for path in changed]
    lines += ["", "</details>", "", f"### What changed in the template ({new})", ""]
    lines += [notes or f"The template's CHANGELOG.md has no entry between {old} and {new}.", ""]
    lines += [
        "---",
        ("Opened by `.github/workflows/template-update.yml` (kept by the template). It never merges and never"
         " pushes to your default branch: review, resolve and merge it yourself. While this pull request is"
         " open and holds no commit of yours, the next run refreshes it; once you push to its branch, it"
         " leaves the branch alone."),
    ]
    return "\n".join(lines) + "\n"


def outputs(values: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as output:
            output.writelines(f"{key}={value}\n" for key, value in values.items())


def summary(text: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as output:
            output.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xeus-kernel-template-update", description=__doc__.split("\n\n")[0])
    parser.add_argument("--branch", default="template-update", help="the update's branch (default: template-update)")
    parser.add_argument("--base", required=True, help="the default branch, which is never written to")
    parser.add_argument("--body", type=Path, required=True, help="where to write the pull request's body")
    parser.add_argument("--remote", default="origin", help="the remote whose branch is refreshed (default: origin)")
    parser.add_argument("--conflict", choices=("inline", "rej"), default="inline", help="copier's --conflict")
    parser.add_argument("--workflow", default="template-update.yml", help="this workflow's file name")
    options = parser.parse_args(argv)
    project = Path.cwd()
    try:
        return update(project, options)
    except Failure as failure:
        print(f"template update: {failure}", file=sys.stderr)
        summary(f"### Template update failed\n\n```\n{failure}\n```")
        return 1


def update(project: Path, options: argparse.Namespace) -> int:
    if options.branch == options.base:
        raise Failure(f"the update's branch must not be the default branch ({options.base})")
    answers = yaml.safe_load((project / ANSWERS).read_text(encoding="utf-8"))
    url, recorded = template_url(answers["_src_path"]), str(answers["_commit"])
    current = version_of(recorded)
    found_releases = releases(url)
    if not found_releases:
        raise Failure(f"{url} has no release tag")
    newest = max(found_releases)
    tag = found_releases[newest]
    if current is not None and current >= newest:
        print(f"Up to date: {TEMPLATE_NAME} {recorded} is the newest release.")
        summary(f"Up to date: {TEMPLATE_NAME} **{recorded}** is the newest release.")
        outputs({"update": "false", "push": "false", "blocked": "false", "release": tag})
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        checkout = Path(scratch) / "template"
        git("clone", "--quiet", "--depth=1", "--branch", tag, url, str(checkout))
        config = load_config(checkout)
        notes_file = checkout / "CHANGELOG.md"
        notes_text = notes_file.read_text(encoding="utf-8") if notes_file.is_file() else ""
    if current is None:  # made from a commit copier cannot order: trust only if some code would run
        trust = why_trust(config, Version("0"), newest)
        notes = changelog(notes_text, Version("0"), newest)
    else:
        trust = why_trust(config, current, newest)
        notes = changelog(notes_text, current, newest)

    command = ["copier", "update", "--defaults", "--vcs-ref", tag] + (["--trust"] if trust else [])
    if options.conflict != "inline":
        command += ["--conflict", options.conflict]
    print("Running:", " ".join(command), flush=True)
    result = run(sys.executable, "-m", *command, cwd=project, check=False)
    print(result.stdout + result.stderr)
    if result.returncode != 0:
        raise Failure(f"copier update failed (exit {result.returncode}):\n{result.stderr[-4000:]}")

    found = leftovers(project)
    changed = changed_files(project)
    title = f"Update to {TEMPLATE_NAME} {tag}"
    body = body_text(old=recorded, new=tag, command=command, trust=trust, url=url, found=found, changed=changed, notes=notes)
    options.body.write_text(body, encoding="utf-8")
    if not changed:
        print(f"{tag} changes nothing in this kernel: no pull request.")
        outputs({"update": "false", "push": "false", "blocked": "false", "release": tag})
        return 0

    git("add", "--all", cwd=project)  # files left in conflict go in as they are: the body lists them
    git("checkout", "--quiet", "-B", options.branch, cwd=project)
    left = {0: "No file left in conflict.", 1: "1 file left in conflict."}.get(len(found), f"{len(found)} files left in conflict.")
    git("commit", "--quiet", "--no-verify", "-m", f"{title}\n\n{left}\n\n{TRAILER} {tag}", cwd=project)
    remote_tree, ours = remote_state(project, options.remote, options.branch)
    blocked = remote_tree is not None and not ours
    push = not blocked and remote_tree != git("rev-parse", "HEAD^{tree}", cwd=project).strip()
    if blocked:
        message = (f"The branch `{options.branch}` holds commits that are not this workflow's: they are left"
                   f" alone, and the update to {tag} is not pushed. Merge or close its pull request, or delete"
                   " the branch, and the next run opens a fresh one.")
        print(message)
        summary(f"### Template update: {tag}\n\n{message}")
    else:
        summary(f"### Template update: {recorded} → {tag}\n\n{left}"
                f" {'Pushed to' if push else 'Already on'} `{options.branch}`.")
    outputs({
        "update": "true", "push": str(push).lower(), "blocked": str(blocked).lower(), "release": tag,
        "title": title, "conflicts": str(len(found)), "workflows": " ".join(ci_workflows(project, options.workflow)),
    })
    print(f"{title}: {len(changed)} files changed, {len(found)} in conflict; push: {push}, blocked: {blocked}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
