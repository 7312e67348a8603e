"""A new kernel's first minutes: the copy's defaults, the message after it (what a copy from a
local folder or an untagged commit breaks, and the one command that fixes it; the first
steps), the README's commands. Copier clones `gh:xeus-kernel-template/xeus-kernel-template`
from a local release, through git's `url.<base>.insteadOf`, so the published form is tried
as users type it."""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml
from plumbum import local

from samples import BASE
from template_repo import TEMPLATE, commit_release, copier_config, copy_template, git
from test_docs import _headings
from xeus_kernel_template.adopt import DEFAULT_TEMPLATE
from xeus_kernel_template.review import score
from xeus_kernel_template.review.checks._base import DOCS

PUBLISHED = "gh:xeus-kernel-template/xeus-kernel-template"
FIX = f"copier copy --force {PUBLISHED}"  # --force: --defaults --overwrite
WITHOUT_LANGUAGE = {key: value for key, value in BASE.items() if key != "language_name"}


@pytest.fixture(scope="module")
def github(tmp_path_factory) -> Path:
    """A release v1.0.0 of the working tree where git finds github.com/xeus-kernel-template."""
    root = tmp_path_factory.mktemp("github")
    repo = root / "xeus-kernel-template" / "xeus-kernel-template.git"
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet")
    copy_template(repo)
    commit_release(repo, "v1.0.0")
    return root


@pytest.fixture
def published(github, monkeypatch):
    """`gh:` URLs resolve to the local releases (git's configuration by environment: for
    subprocesses, and for copier's git, which runs in plumbum's copy of the environment)."""
    redirect = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{github.as_uri()}/.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/",
    }
    for name, value in redirect.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XKT_CACHE_DIR", str(github / "cache"))  # XK804's clone of the "published" template
    with local.env(**redirect):
        yield github / "xeus-kernel-template" / "xeus-kernel-template.git"


def copy(source, destination: Path, data: dict, capfd, **kwargs) -> str:
    """Copy as `copier copy` does; the message after the copy."""
    capfd.readouterr()
    copier.run_copy(str(source), str(destination), data=data, defaults=True, unsafe=False, **kwargs)
    return capfd.readouterr().err


def link_checks(kernel: Path) -> set[str]:
    return {check for check in score(kernel).failed if check.startswith("XK80")}


def test_the_published_form_at_a_release_needs_no_warning(tmp_path, published, capfd):
    message = copy(PUBLISHED, tmp_path / "xeus-mylang", BASE, capfd)
    assert "Warning" not in message and "copier copy" not in message
    answers = yaml.safe_load((tmp_path / "xeus-mylang/.copier-answers.yml").read_text())
    assert (answers["_src_path"], answers["_commit"]) == (PUBLISHED, "v1.0.0")
    assert link_checks(tmp_path / "xeus-mylang") == set()


@pytest.mark.parametrize(
    ("source", "breaks", "fails"),
    [
        ("folder", ["review.yml", ".pre-commit-config.yaml", "XK801"], {"XK801"}),
        ("local tag", ["review.yml", ".pre-commit-config.yaml", "XK803 (a local path)."], {"XK803"}),
        ("local commit", ["review.yml", ".pre-commit-config.yaml", "XK803 (a local path) and XK802"], {"XK802", "XK803"}),
    ],
)
def test_a_local_copy_says_what_breaks_and_the_command_that_fixes_it(
    tmp_path, template_folder, published, capfd, source, breaks, fails
):
    # The checkout of the tests: its HEAD and uncommitted changes, no release tag.
    origin = {"folder": template_folder, "local tag": published, "local commit": TEMPLATE}[source]
    kernel = tmp_path / "xeus-mylang"
    message = copy(origin, kernel, BASE, capfd, vcs_ref="HEAD" if source == "local commit" else None)
    assert f"Warning: made from {origin}" in message
    for what in breaks:
        assert what in message
    assert link_checks(kernel) == fails, "the message and the reviewer disagree"
    assert f"\n    {FIX} {kernel}\n" in message

    capfd.readouterr()
    copier.run_copy(PUBLISHED, str(kernel), defaults=True, overwrite=True, unsafe=False)
    assert "Warning" not in capfd.readouterr().err
    answers = yaml.safe_load((kernel / ".copier-answers.yml").read_text())
    assert {key: answers[key] for key in BASE} == BASE, "the fix keeps the answers"
    assert (answers["_src_path"], answers["_commit"]) == (PUBLISHED, "v1.0.0")
    assert link_checks(kernel) == set()


def test_the_message_gives_the_first_steps_in_order(tmp_path, template_folder, capfd):
    message = copy(template_folder, tmp_path / "xeus-mylang", BASE, capfd)
    steps = [
        f"cd {tmp_path / 'xeus-mylang'}",
        "git init && git add --all && git commit",
        "micromamba create -f environment-dev.yml && micromamba activate xeus-mylang",
        "cmake --workflow --preset native",
    ]
    where = [message.index(step) for step in steps]
    assert where == sorted(where)
    url = re.search(r"(\S+troubleshooting\.md)#(\S+)", message)
    assert url and url[1] == DOCS.replace("reviewer.md", "troubleshooting.md")
    troubleshooting = (TEMPLATE / "docs/troubleshooting.md").read_text(encoding="utf-8")
    assert url[2] in _headings(troubleshooting), "the message links to a heading GitHub has"
    assert 'provided by "xeus"' in troubleshooting and "environment-dev.yml" in troubleshooting
    paths = (str(tmp_path), str(template_folder), "://")  # the user's own, and links
    too_wide = [line for line in message.splitlines() if len(line) > 80 and not any(p in line for p in paths)]
    assert too_wide == []


def test_the_template_is_named_in_one_way():
    assert copier_config()["template_home"]["default"] == DEFAULT_TEMPLATE == PUBLISHED
    assert DOCS.startswith(PUBLISHED.replace("gh:", "https://github.com/") + "/blob/")


@pytest.mark.parametrize(("folder", "language"), [("xeus-mylang", "Mylang"), ("lua", "Lua"), ("xeus_q-sharp", "Q-sharp")])
def test_the_language_name_defaults_to_the_folder(tmp_path, template_folder, capfd, folder, language):
    copy(template_folder, tmp_path / folder, WITHOUT_LANGUAGE, capfd)
    answers = yaml.safe_load((tmp_path / folder / ".copier-answers.yml").read_text())
    assert answers["language_name"] == language


def test_a_folder_that_gives_no_language_name_asks_for_it(tmp_path, template_folder):
    """No default then: copier says the question is required (docs/troubleshooting.md)."""
    with pytest.raises(ValueError, match='Question "language_name" is required'):
        copier.run_copy(str(template_folder), str(tmp_path / "λ"), data=WITHOUT_LANGUAGE, defaults=True, quiet=True)
    assert not (tmp_path / "λ").exists()


@pytest.mark.parametrize(
    "answers",
    [{"language_name": "Lite"}, {"language_name": "Zmq"}, {"language_name": "Eus"}, {"language_name": "L" * 40},
     {"language_name": "Static"}, {"project_name": "class"}, {"project_name": "std"}, {"project_name": "my__lang"}],
    ids=lambda a: repr(a)[:40],
)
def test_every_default_passes_its_validator(tmp_path, template_folder, answers):
    """Copier validates a default before asking: one it refuses would end a copy in a traceback."""
    copier.run_copy(str(template_folder), str(tmp_path / "k"), data={**BASE, **answers}, defaults=True, quiet=True)
    recorded = yaml.safe_load((tmp_path / "k/.copier-answers.yml").read_text())
    assert len(recorded["kernel_name"]) <= 32


def readme_block(after: str) -> str:
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    return re.search(re.escape(after) + r".*?```bash\n(.*?)```", readme, re.DOTALL)[1]


def test_the_readme_creates_a_kernel_from_the_published_release():
    first = readme_block("Create a kernel")
    assert f"copier copy {PUBLISHED} xeus-mylang" in first


def test_the_readmes_non_interactive_line_works(tmp_path, published):
    """It names every answer without a default, and copier runs it as written."""
    line = readme_block("The same without questions").replace("\\\n", " ")
    words = shlex.split(line)
    given = {word.split("=")[0] for word in words[words.index("--data") :] if "=" in word}
    required = {name for name, spec in copier_config().items() if isinstance(spec, dict) and "type" in spec and "default" not in spec}
    assert required and required <= given
    copier_cli = [sys.executable, "-m", "copier", *words[1:]]
    result = subprocess.run(copier_cli, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "xeus-mylang/.copier-answers.yml").is_file()


def test_the_readme_names_what_the_bridge_skips_by_design():
    """The wasm tier's protocol suite matches the native one test for test, but for the tests
    skipped in wasm by design (tests/test_wasm.py's INHERENT): the README names them."""
    wasm_tier = (TEMPLATE / "tests/test_wasm.py").read_text(encoding="utf-8")
    inherent = re.search(r"^INHERENT = (\{.*\})$", wasm_tier, re.MULTILINE)[1]
    readme = " ".join((TEMPLATE / "README.md").read_text(encoding="utf-8").split())
    assert "same pass count" not in readme
    for name in ast.literal_eval(inherent):
        assert f"`{name}`, skipped in wasm by design" in readme


@pytest.mark.parametrize("render_name", ["defaults", "no-wasm", "skeleton"])
def test_a_render_has_no_empty_folder(rendered, render_name):
    project = rendered(render_name)
    assert [p for p in project.rglob("*") if p.is_dir() and not any(p.iterdir())] == []


def test_the_generated_readme_changes_an_answer_one_way_and_starts_with_git(rendered):
    readme = (rendered("defaults") / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"copier update[^`\n]*--data", readme)
    assert commands and set(commands) == {"copier update --defaults --vcs-ref=:current: --data"}
    assert readme.index("git init") < readme.index("cmake --workflow --preset native")
