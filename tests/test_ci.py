"""The template's own CI (.github/workflows, .ci/): what can run here runs here. Pushing a
render to a branch (against a local bare repository), the release's build and refusal, the
no-skip gate, the choice of a dispatched run; and the generated CI's parts that only GitHub
runs, checked for the pattern each OS needs and for where each package is published."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from xml.etree import ElementTree

import pytest
import yaml

from ci_scripts import load, run
from samples import RENDERS, answers
from template_repo import TEMPLATE, copy_template, git, replace_once

# Files of the template repository itself, which a render never has.
TEMPLATE_ONLY = ("copier.yml", "stack.yml", "template", "tests", ".ci", "includes", "hooks", "pyproject.toml",
                 "CHANGELOG.md", ".pre-commit-hooks.yaml", "benchmarks")


# -- render and push ------------------------------------------------------------------------------
def test_the_matrix_is_the_tests(tmp_path):
    listed = run("render_push", "--list")
    assert listed.returncode == 0 and json.loads(listed.stdout) == sorted(RENDERS)
    refused = run("render_push", "no-such-render", "--remote", str(tmp_path / "remote.git"))
    assert refused.returncode == 2 and "give a render (" in refused.stderr.splitlines()[-1]
    assert not (tmp_path / "remote.git").exists()


def test_a_render_is_pushed_as_a_history_of_its_own(tmp_path, rendered):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    # The last run's render, of another history: the new one replaces it (force-push).
    last = tmp_path / "last"
    git(tmp_path, "init", "--quiet", str(last))
    git(last, "commit", "--quiet", "--allow-empty", "-m", "the last render")
    git(last, "push", "--quiet", str(remote), "HEAD:refs/heads/rendered/defaults")
    outputs = tmp_path / "github-output"
    pushed = run("render_push", "defaults", "--remote", str(remote), env={**os.environ, "GITHUB_OUTPUT": str(outputs)})
    assert pushed.returncode == 0, pushed.stderr
    said = dict(line.split("=", 1) for line in pushed.stdout.splitlines())
    assert said["branch"] == "rendered/defaults" and outputs.read_text() == pushed.stdout
    assert json.loads(said["workflows"]) == ["native.yml", "lite.yml", "review.yml"]
    assert git(remote, "rev-parse", "refs/heads/rendered/defaults").strip() == said["sha"]
    assert git(remote, "rev-list", "--count", said["sha"]).strip() == "1", "one root commit: its own history"
    files = set(git(remote, "ls-tree", "-r", "--name-only", said["sha"]).split())
    expected = {str(p.relative_to(rendered("defaults"))) for p in rendered("defaults").rglob("*") if p.is_file()}
    assert files == expected
    assert {f".github/workflows/{name}" for name in ("native.yml", "lite.yml", "review.yml", "template-update.yml")} <= files
    assert not [f for f in files if f.split("/")[0] in TEMPLATE_ONLY]


# -- dispatched runs ------------------------------------------------------------------------------
def test_the_run_of_the_pushed_commit_is_the_one_waited_for():
    dispatch = load("dispatch_wait")
    runs = [
        {"databaseId": 7, "headSha": "old", "event": "workflow_dispatch"},
        {"databaseId": 9, "headSha": "new", "event": "push"},
        {"databaseId": 8, "headSha": "new", "event": "workflow_dispatch"},
        {"databaseId": 5, "headSha": "new", "event": "workflow_dispatch"},
    ]
    assert dispatch.pick_run(runs, "new")["databaseId"] == 8
    assert dispatch.pick_run(runs, "other") is None
    rows = [
        {"workflow": "native.yml", "databaseId": 8, "conclusion": "success", "url": "https://x/8"},
        {"workflow": "lite.yml", "databaseId": 9, "conclusion": "failure", "url": "https://x/9"},
        {"workflow": "review.yml"},
    ]
    assert dispatch.failed(rows) == ["lite.yml", "review.yml"]
    table = dispatch.summary("rendered/defaults", rows)
    assert "| native.yml | success | [8](https://x/8) |" in table and "| review.yml | missing | not started |" in table


def test_without_the_github_cli_one_line(tmp_path):
    without_gh = run("dispatch_wait", "--repo", "o/r", "--branch", "b", "--sha", "s", "--workflows", '["native.yml"]',
                     env={**os.environ, "PATH": str(tmp_path)}, cwd=tmp_path)
    assert without_gh.returncode == 1 and without_gh.stderr == "dispatch_wait.py needs the GitHub CLI, gh, on PATH\n"


# -- the no-skip gate of the real-stack job ---------------------------------------------------------
def test_a_skip_fails_the_real_stack_job(tmp_path):
    """On a report pytest writes: a skipped test fails the gate, with its reason."""
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\ndef test_runs():\n    pass\n\n"
        "@pytest.mark.skip(reason='no wasm host prefix')\ndef test_tier():\n    pass\n"
    )
    report = tmp_path / "report.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                    f"--junitxml={report}", str(tmp_path / "test_sample.py")],
                   check=True, capture_output=True, env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    gate = run("require_no_skips", str(report))
    assert gate.returncode == 1 and "test_sample::test_tier: no wasm host prefix" in gate.stdout
    tree = ElementTree.parse(report)
    for case in tree.iter("testcase"):
        for skipped in case.findall("skipped"):
            case.remove(skipped)
    tree.write(report)
    assert run("require_no_skips", str(report)).returncode == 0


# -- the release ----------------------------------------------------------------------------------
@pytest.fixture
def release_checkout(tmp_path):
    """A throwaway checkout of the template at version 9.8.7, its CHANGELOG.md entry dated and
    [Unreleased] empty, tagged v9.8.7."""
    repo = tmp_path / "template"
    repo.mkdir()
    git(repo, "init", "--quiet")
    copy_template(repo)
    for project in (repo, repo / "packages/xeus-kernel-ci"):  # released together, at one version
        pyproject = (project / "pyproject.toml").read_text()
        (project / "pyproject.toml").write_text(re.sub(r'(?m)^version = ".*"$', 'version = "9.8.7"', pyproject, count=1))
    changelog = (repo / "CHANGELOG.md").read_text()
    head, rest = changelog.split("## [Unreleased]", 1)
    rest = re.sub(r"^.*?(?=^## \[)", "", rest, count=1, flags=re.DOTALL | re.MULTILINE)  # empty [Unreleased]
    (repo / "CHANGELOG.md").write_text(
        f"{head}## [Unreleased]\n\n## [9.8.7] - 2026-12-06\n\n### Fixed\n\n- The release test's entry.\n\n{rest}"
        "[9.8.7]: https://example.org/compare/v0.3.0...v9.8.7\n"
    )
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "Release 9.8.7")
    git(repo, "tag", "-a", "v9.8.7", "-m", "v9.8.7")
    return repo


def test_the_release_builds_checks_and_quotes_its_entry(release_checkout, tmp_path):
    dist, notes = tmp_path / "dist", tmp_path / "notes.md"
    prepared = run("release", "prepare", "--tag", "v9.8.7", "--root", str(release_checkout), "--dist", str(dist),
                   "--notes", str(notes), "--no-isolation")
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    assert sorted(p.name for p in dist.iterdir()) == [
        "xeus_kernel_ci-9.8.7-py3-none-any.whl", "xeus_kernel_ci-9.8.7.tar.gz",
        "xeus_kernel_template-9.8.7-py3-none-any.whl", "xeus_kernel_template-9.8.7.tar.gz"]
    assert "PASSED" in prepared.stdout  # twine check, on both
    assert notes.read_text() == "### Fixed\n\n- The release test's entry.\n"


@pytest.mark.parametrize(("tag", "edit", "refusal"), [
    ("v9.8.8", None, "tag v9.8.8 but pyproject.toml says 9.8.7"),
    ("9.8.7", None, "tag '9.8.7' is not v<version>"),
    ("v9.8.7", ("## [Unreleased]\n", "## [Unreleased]\n\n### Added\n\n- Not yet.\n"), "v9.8.7 leaves entries under [Unreleased]"),
    ("v9.8.7", ("## [9.8.7] - 2026-12-06", "## [9.8.7]"), "CHANGELOG.md's [9.8.7] has no date"),
    ("v9.8.7", ("packages/xeus-kernel-ci/pyproject.toml", 'version = "9.8.7"', 'version = "9.8.6"'),
     "packages/xeus-kernel-ci/pyproject.toml says 9.8.6, pyproject.toml 9.8.7: they are released together"),
])
def test_the_release_refuses_when_they_disagree(release_checkout, tmp_path, tag, edit, refusal):
    if edit:
        path, *change = edit if len(edit) == 3 else ("CHANGELOG.md", *edit)
        replace_once(release_checkout / path, *change)
    dist = tmp_path / "dist"
    refused = run("release", "prepare", "--tag", tag, "--root", str(release_checkout), "--dist", str(dist),
                  "--notes", str(tmp_path / "notes.md"), "--no-isolation")
    assert refused.returncode == 1 and not dist.exists() and not (tmp_path / "notes.md").exists()
    assert any(line.startswith(f"release refused: {refusal}") for line in refused.stderr.splitlines()), refused.stderr


# -- the generated CI: each OS's shell and compiler activation --------------------------------------
WINDOWS = {"os": "windows-latest", "shell": "cmd /C call {0}", "init-shell": "cmd.exe"}
UNIX = [{"os": "ubuntu-latest", "shell": "bash -el {0}", "init-shell": "bash"},
        {"os": "macos-latest", "shell": "bash -el {0}", "init-shell": "bash"}]


def test_each_os_enters_its_environment_by_the_proven_pattern(rendered, render_name):
    """Windows: cmd.exe without /D, so that the AutoRun of setup-micromamba's `init-shell:
    cmd.exe` activates the environment and its Visual Studio .bat (cl.exe for Ninja), as
    xeus's own CI; Linux and macOS: a login bash. The reason stands next to it."""
    project = rendered(render_name)
    if not answers(render_name).get("with_native", True):  # a browser-only kernel: Linux only, bash
        assert not (project / ".github/workflows/native.yml").exists()
        lite = yaml.safe_load((project / ".github/workflows/lite.yml").read_text())
        assert lite["jobs"]["build-pack-test"]["defaults"]["run"]["shell"] == "bash -el {0}"
        return
    text = (project / ".github/workflows/native.yml").read_text()
    job = yaml.safe_load(text)["jobs"]["build-and-test"]
    assert job["strategy"]["matrix"]["include"] == [*UNIX, WINDOWS]
    assert job["runs-on"] == "${{ matrix.os }}" and job["defaults"]["run"]["shell"] == "${{ matrix.shell }}"
    (micromamba,) = [s for s in job["steps"] if "setup-micromamba" in s.get("uses", "")]
    assert micromamba["with"] == {"environment-file": "environment-dev.yml", "init-shell": "${{ matrix.init-shell }}"}
    assert not any("shell" in step for step in job["steps"]), "no step overrides its OS's shell"
    assert "cl.exe" in text and "/D" in text and "jupyter-xeus/xeus" in text, "the reason, next to it"
    presets = json.loads((project / "cmake/XeusKernelPresets.json").read_text())
    assert presets["configurePresets"][0]["generator"] == "Ninja"
    dev = yaml.safe_load((project / "environment-dev.yml").read_text())["dependencies"]
    assert {"cxx-compiler", "ninja"} <= {d.split()[0] for d in dev if isinstance(d, str)}
    linux_jobs = [j for name, j in yaml.safe_load(text)["jobs"].items() if name == "kernel-variants"]
    if (project / ".github/workflows/lite.yml").exists():
        linux_jobs.append(yaml.safe_load((project / ".github/workflows/lite.yml").read_text())["jobs"]["build-pack-test"])
    assert all(j["defaults"]["run"]["shell"] == "bash -el {0}" for j in linux_jobs)


def test_one_place_owns_the_per_os_difference():
    """The shells and init-shells are written in includes/runners.jinja only."""
    sources = [p for p in (TEMPLATE / "template").rglob("*") if p.is_file()]
    for pattern in ("bash -el", "cmd /C", "init-shell: bash", "init-shell: cmd.exe"):
        assert not [p for p in sources if pattern in p.read_text(errors="replace")], pattern
        assert pattern in (TEMPLATE / "includes/runners.jinja").read_text()


# -- the generated environments: each package where it is published ----------------------------------
CONDA_FORGE = "conda-forge"
LINE_CHANNEL = "the line's emscripten-forge channel"
# Where each package of the generated environments is published. emscripten-forge builds
# the emscripten-wasm32 packages (xeus, xeus-lite, nlohmann_json for wasm) and the emscripten
# compiler package for the build machine (real kernels' wasm build environments, xeus-lua's
# and xeus-r's, take emscripten_emscripten-wasm32 from emscripten-forge-4x); conda-forge has
# the native stack and the Python tools; pip's section comes from PyPI.
PUBLISHED = {
    "environment-dev.yml": {
        **dict.fromkeys(["cmake", "cxx-compiler", "ninja", "xeus", "xeus-zmq", "nlohmann_json", "python", "pytest",
                         "jupyter_kernel_test", "jupyter_client", "jupyterlab", "pre-commit", "pip"], CONDA_FORGE),
        # this repository's package, published to PyPI by release.yml with each template release
        "xeus-kernel-ci": "PyPI",
    },
    "environment-wasm-build.yml": {
        **dict.fromkeys(["cmake", "ninja", "python", "jupyterlite-core", "jupyterlite-xeus", "jupyter_server",
                         "jupyterlab_server", "python-libarchive-c", "nodejs", "pytest", "jupyter_kernel_test",
                         "jupyter_client", "pip"], CONDA_FORGE),
        "emscripten_emscripten-wasm32": LINE_CHANNEL,
        "playwright": "PyPI",
        "xeus-kernel-ci": "PyPI",
    },
    "environment-wasm-host.yml": dict.fromkeys(["xeus", "xeus-lite", "nlohmann_json"], LINE_CHANNEL),
}


def _channel(where: str, line_channel: str) -> str:
    return line_channel if where == LINE_CHANNEL else where


@pytest.mark.parametrize("render_name", [n for n in sorted(RENDERS) if answers(n).get("with_wasm", True)])
def test_every_package_comes_from_a_listed_channel_that_publishes_it(rendered, render_name):
    from xeus_kernel_template.stack import line

    project = rendered(render_name)
    for filename, published in PUBLISHED.items():
        if filename == "environment-dev.yml" and not answers(render_name).get("with_native", True):
            assert not (project / filename).exists()  # a browser-only kernel has no native environment
            continue
        environment = yaml.safe_load((project / filename).read_text())
        found = {}
        for dependency in environment["dependencies"]:
            if isinstance(dependency, dict):
                found.update({spec.split()[0].split("=")[0]: "PyPI" for spec in dependency["pip"]})
            else:
                found[re.split(r"[\s=<>!]", dependency, maxsplit=1)[0]] = None
        assert set(found) == set(published), f"{filename}: record where a new package is published"
        for package, where in published.items():
            if where != "PyPI":
                assert _channel(where, line()["channel"]) in environment["channels"], f"{filename}: {package}"
    build = yaml.safe_load((project / "environment-wasm-build.yml").read_text())
    assert build["channels"] == [CONDA_FORGE, line()["channel"]]


# -- this repository's own workflows: pinned with the stack, least privilege ----------------------------
OWN = sorted((TEMPLATE / ".github/workflows").glob("*.yml"))


def test_own_workflows_are_pinned_and_least_privilege():
    assert {p.name for p in OWN} == {"ci.yml", "real-stack.yml", "nightly.yml", "release.yml", *DISPATCHED}
    synced = run("sync_pins", "--check")
    assert synced.returncode == 0, f"pins differ from stack.yml: {synced.stdout}"
    grants = {}
    for path in OWN:
        text = path.read_text()
        workflow = yaml.safe_load(text)
        assert "pull_request_target" not in workflow[True] and workflow["permissions"] == {}
        for line in text.splitlines():
            if re.search(r"uses: \w[\w.-]*/", line):  # not ./ (this repository)
                assert re.search(r"@[0-9a-f]{40}  # v\d+\.\d+\.\d+$", line), line.strip()
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}: {name}"
            assert "timeout-minutes" in job or "uses" in job, f"{path.name}: {name}"
            grants[f"{path.stem}.{name}"] = job["permissions"]
            if "secrets." in json.dumps(job):
                assert job.get("environment") == "rendered-branches", f"{path.name}: {name}: a secret outside its environment"
    writes = {job: sorted(k for k, v in p.items() if v == "write") for job, p in grants.items()}
    assert {job: w for job, w in writes.items() if w} == {
        "ci.real-stack": ["actions"], "nightly.real-stack": ["actions"], "real-stack.generated-workflows": ["actions"],
        "release.pypi": ["id-token"], "release.github-release": ["contents"], "release.pages": ["id-token", "pages"],
    }
    release = yaml.safe_load((TEMPLATE / ".github/workflows/release.yml").read_text())
    assert release[True] == {"push": {"tags": ["v*"]}}
    steps = json.dumps(release["jobs"]["build"]["steps"])
    assert '.ci/release.py prepare --tag \\"$GITHUB_REF_NAME\\"' in steps
    assert "pypa/gh-action-pypi-publish@" in json.dumps(release["jobs"]["pypi"]) and "password" not in json.dumps(release)


DISPATCHED = load("render_push").DISPATCHED


@pytest.mark.parametrize("name", DISPATCHED)
def test_each_dispatched_workflow_is_registered_on_the_default_branch(name):
    """GitHub starts a workflow_dispatch only for a file also on the default branch (then runs
    the file of the given ref): each workflow real-stack.yml starts on a rendered branch has a
    file of that name here, which does nothing but fail when started on another branch."""
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows" / name).read_text())
    assert workflow[True] == {"workflow_dispatch": None}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {} and [s["run"].splitlines()[-1] for s in job["steps"]] == ["exit 1"]


def test_sync_pins_moves_them_with_stack_yml(tmp_path):
    sync = load("sync_pins")
    actions = sync.stack_actions()
    checkout = actions["actions/checkout"]
    text = f"      - uses: actions/checkout@{'0' * 40}  # v1.0.0\n      - uses: other/action@{'1' * 40}  # v2.0.0\n"
    new, changes = sync.synced(text, actions)
    assert new == (f"      - uses: actions/checkout@{checkout['sha']}  # {checkout['version']}\n"
                   f"      - uses: other/action@{'1' * 40}  # v2.0.0\n")
    assert changes == [f"actions/checkout: v1.0.0 -> {checkout['version']}"]
