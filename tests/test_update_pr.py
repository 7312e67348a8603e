"""The update pull request's step, for real: xeus-kernel-ci's xeus-kernel-template-update,
installed from its wheel (what template-update.yml runs) goes through the update
scenarios of tests/test_update.py (throwaway template repositories with tagged releases,
real `copier update`): it updates to the newest release, with --trust only across a
migration, lists what is left in conflict, quotes CHANGELOG.md between the two releases,
commits on its own branch (never the default branch) and refreshes that branch only when it
is its own. The pull request itself (gh) is GitHub's part and is not run here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import CHECK_JSONSCHEMA
from template_repo import TEMPLATE, commit_all, copy_project, git, leftovers, status, two_releases
from test_update import NEW, OLD, build_releases, edit_on_changed_template_line, readme_body

COMMAND = "xeus-kernel-template-update"
BRANCH, BASE = "template-update", "main"


class Run:
    def __init__(self, result: subprocess.CompletedProcess, body: Path, output: Path):
        self.returncode, self.log = result.returncode, result.stdout + result.stderr
        self.body = body.read_text() if body.is_file() else ""
        self.outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.is_file() else {}


@pytest.fixture(scope="module")
def command(kernel_ci_bin) -> str:
    """The command in the virtualenv the workflow makes: xeus-kernel-ci[update], installed."""
    return str(kernel_ci_bin / COMMAND)


@pytest.fixture
def run_script(command):
    """run_script(project, *args) -> Run: the command as the workflow runs it, from the
    kernel's checkout, in the virtualenv that has copier, GITHUB_OUTPUT and
    GITHUB_STEP_SUMMARY set."""
    return lambda project, *args: _run(command, project, *args)


def _run(command: str, project: Path, *args: str) -> Run:
    scratch = project.parent / f"run-{len(list(project.parent.glob('run-*')))}"
    scratch.mkdir()
    body, output = scratch / "body.md", scratch / "output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(scratch / "summary.md")}
    result = subprocess.run(
        [command, "--branch", BRANCH, "--base", BASE, "--body", str(body), *args],
        cwd=project, capture_output=True, text=True, check=False, env=env,
    )
    return Run(result, body, output)


def with_origin(project: Path) -> Path:
    """A bare repository as the kernel's GitHub remote."""
    origin = project.parent / "origin.git"
    git(project.parent, "clone", "--quiet", "--bare", str(project), str(origin))
    git(project, "remote", "add", "origin", str(origin))
    return origin


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    return build_releases(tmp_path_factory.mktemp("pr-releases") / "xeus-kernel-template")


@pytest.fixture(scope="module")
def old_kernel(releases, tmp_path_factory) -> Path:
    return copy_project(releases, tmp_path_factory.mktemp("pr-old") / "xeus-mylang", OLD)


@pytest.fixture
def kernel(old_kernel, tmp_path) -> Path:
    project = tmp_path / "xeus-mylang"
    shutil.copytree(old_kernel, project, symlinks=True)
    with_origin(project)
    return project


def changelog_section(version: str) -> str:
    """The body of a release's entry in the template's CHANGELOG.md."""
    text = (TEMPLATE / "CHANGELOG.md").read_text()
    start = text.index(f"## [{version}]")
    return text[start: text.index("\n## ", start + 1)]


def test_one_conflict_across_a_migration(kernel, run_script):
    """The author edited the line of cmake/XeusKernel.cmake that v0.2.0 changes, and v0.2.0
    has a migration: --trust, said why, the one file in conflict, the 0.2.0 changelog."""
    head = git(kernel, "rev-parse", "HEAD")
    edit_on_changed_template_line(kernel)
    readme_body(kernel)
    commit_all(kernel, "Author: my pre-js, my README")
    base = git(kernel, "rev-parse", "HEAD")
    assert base != head
    run = run_script(kernel)
    assert run.returncode == 0, run.log
    assert run.outputs == {
        "update": "true", "push": "true", "blocked": "false", "release": NEW, "title": f"Update to xeus-kernel-template {NEW}",
        "conflicts": "1", "workflows": "lite.yml native.yml review.yml",
    }
    body = run.body
    assert f"from xeus-kernel-template **{OLD}** to **{NEW}**" in body
    assert f"copier update --defaults --vcs-ref {NEW} --trust\n" in body
    assert "**Why `--trust`:**" in body and "- migration 0.2.0: `hooks/migrate_0_2_0_initialize_xkernel.py`" in body
    conflicts = body[body.index("### Conflicts"): body.index("<details>")]
    assert "1 file needs you" in conflicts
    assert [line for line in conflicts.splitlines() if line.startswith("- ")] == [
        "- `cmake/XeusKernel.cmake`: conflict markers (`<<<<<<< before updating` … `>>>>>>> after updating`)"
    ]
    notes = body[body.index(f"### What changed in the template ({NEW})"):]
    section = changelog_section("0.2.0")
    assert "\n#### [0.2.0] - " in notes and "\n##### Changed\n" in notes
    assert section.split("\n", 1)[1].split("### Changed")[1].strip().splitlines()[0] in notes
    assert "[0.1.0]" not in notes and "Unreleased" not in notes
    # The update is one commit on the script's branch; the default branch is as it was.
    assert git(kernel, "rev-parse", BASE) == base
    assert git(kernel, "branch", "--show-current").strip() == BRANCH
    assert git(kernel, "rev-parse", "HEAD~1") == base
    assert status(kernel) == [] and not git(kernel, "ls-files", "--unmerged").strip()
    assert "<<<<<<< before updating" in (kernel / "cmake/XeusKernel.cmake").read_text()  # committed for the author to resolve
    committed = git(kernel, "show", "--stat", "--format=%B", "HEAD")
    assert "1 file left in conflict." in committed and f"Template-Update: {NEW}" in committed
    assert "README.md" not in committed  # the author's file: never touched
    assert yaml.safe_load((kernel / ".copier-answers.yml").read_text())["_commit"] == NEW
    print(body)  # the pull request's body, for the record (pytest -s)


def test_rej_files_are_listed_as_such(kernel, run_script):
    edit_on_changed_template_line(kernel)
    commit_all(kernel, "Author: my pre-js")
    run = run_script(kernel, "--conflict", "rej")
    assert run.returncode == 0, run.log
    assert "copier update --defaults --vcs-ref v0.2.0 --trust --conflict rej" in run.body
    assert "- `cmake/XeusKernel.cmake`: the change copier could not apply is in `cmake/XeusKernel.cmake.rej`" in run.body
    assert run.outputs["conflicts"] == "1"


def test_the_branch_is_refreshed_only_while_it_is_the_scripts(kernel, run_script):
    """Pushed, then run again: the same update, nothing to push. Once a human commits on
    the branch, their work is left alone (blocked), and the default branch never moves."""
    origin = kernel.parent / "origin.git"
    first = run_script(kernel)
    assert first.outputs["push"] == "true"
    git(kernel, "push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{BRANCH}")  # the workflow's push
    git(kernel, "checkout", "--quiet", BASE)
    again = run_script(kernel)
    assert again.returncode == 0, again.log
    assert (again.outputs["update"], again.outputs["push"], again.outputs["blocked"]) == ("true", "false", "false")
    # A maintainer resolves on the branch, from a clone of their own.
    maintainer = kernel.parent / "maintainer"
    git(kernel.parent, "clone", "--quiet", "--branch", BRANCH, str(origin), str(maintainer))
    (maintainer / "NOTES.md").write_text("resolved by hand\n")
    commit_all(maintainer, "Resolve the update")
    git(maintainer, "push", "--quiet", "origin", BRANCH)
    git(kernel, "checkout", "--quiet", BASE)
    third = run_script(kernel)
    assert third.returncode == 0, third.log
    assert (third.outputs["push"], third.outputs["blocked"]) == ("false", "true")
    assert "are left alone" in third.log
    assert git(origin, "rev-parse", BASE) == git(kernel, "rev-parse", BASE)


def test_up_to_date_changes_nothing(releases, tmp_path, run_script):
    project = copy_project(releases, tmp_path / "xeus-mylang", NEW)
    head = git(project, "rev-parse", "HEAD")
    run = run_script(project)
    assert run.returncode == 0, run.log
    assert run.outputs == {"update": "false", "push": "false", "blocked": "false", "release": NEW}
    assert git(project, "rev-parse", "HEAD") == head and status(project) == []
    assert git(project, "branch", "--list", BRANCH) == ""


def test_never_on_the_default_branch(kernel, command):
    result = subprocess.run([command, "--branch", BASE, "--base", BASE, "--body", "b.md"],
                            cwd=kernel, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "must not be the default branch" in result.stderr
    assert status(kernel) == []


def test_no_trust_when_no_migration_lies_between(tmp_path, run_script):
    """v1.0.0 -> v1.1.0 of today's template crosses no migration (0.2.0 is older): copier
    runs without --trust, and the body says why; an author's edit far from the change merges."""
    releases = two_releases(
        tmp_path / "xeus-kernel-template",
        {"template/{% if with_native %}environment-dev.yml{% endif %}.jinja": [("  - nlohmann_json\n", "  - nlohmann_json >=3.11\n")]},
    )
    project = copy_project(releases, tmp_path / "xeus-mylang", "v1.0.0")
    readme_body(project)
    commit_all(project, "Author: my README")
    run = run_script(project)
    assert run.returncode == 0, run.log
    assert "copier update --defaults --vcs-ref v1.1.0\n" in run.body and "--trust" not in run.body.split("```")[1]
    assert "**No `--trust`:** no migration of the template lies between v1.0.0 and v1.1.0" in run.body
    assert "None: your edits merged cleanly." in run.body and run.outputs["conflicts"] == "0"
    assert "- `environment-dev.yml`" in run.body
    assert "nlohmann_json >=3.11" in (project / "environment-dev.yml").read_text()
    assert not leftovers(project)


def test_the_workflow_installs_the_command_and_the_copier_it_runs(old_kernel):
    """The workflow installs xeus-kernel-ci[update] at the template's pin and copier into one
    virtualenv, and runs the command from there (it runs `python -m copier` with its own
    interpreter); the command imports copier's own dependencies only (yaml, packaging)."""
    text = (old_kernel / ".github/workflows/template-update.yml").read_text()
    pin = yaml.safe_load((TEMPLATE / "stack.yml").read_text())["stack"]["default"]["pip"]
    assert f'"xeus-kernel-ci[update]{pin["xeus-kernel-ci"]}"' in text and f'"copier{pin["copier"]}"' in text
    assert f'"$RUNNER_TEMP/copier/bin/{COMMAND}"' in text
    assert not (old_kernel / ".github/scripts").exists()  # nothing of it is copied into kernels
    source = (TEMPLATE / "packages/xeus-kernel-ci/src/xeus_kernel_ci/template_update.py").read_text()
    imports = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports - set(sys.stdlib_module_names) == {"yaml", "packaging"}


# --- Renovate, the documented alternative -------------------------------------------------


def renovate_config() -> str:
    text = (TEMPLATE / "docs/updating.md").read_text()
    return re.search(r"<!-- renovate-config: [^>]*-->\n```json\n(.*?)```", text, re.DOTALL).group(1)


def validate_renovate(config: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Against Renovate's own JSON schema, as check-jsonschema vendors it (offline)."""
    path = tmp_path / "renovate.json"
    path.write_text(config)
    return subprocess.run(CHECK_JSONSCHEMA + ["--builtin-schema", "vendor.renovate", str(path)], capture_output=True, text=True, check=False)


def test_the_renovate_config_of_the_docs_is_valid(tmp_path):
    config = renovate_config()
    result = validate_renovate(config, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    parsed = json.loads(config)
    assert parsed["enabledManagers"] == ["copier"] and parsed["ignoreScripts"] is False
    assert all(rule.get("automerge") is False for rule in parsed["packageRules"] if "copier" in rule.get("matchManagers", []))


def test_renovates_schema_is_not_blind(tmp_path):
    for broken in (renovate_config().replace('["copier"]', '["copierx"]'), renovate_config().replace("false", '"no"', 1)):
        result = validate_renovate(broken, tmp_path)
        assert result.returncode != 0, broken
