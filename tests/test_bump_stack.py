"""`xeus-kernel-template bump-stack`, offline: the tests write the GitHub and PyPI API
responses it would get (newer releases of some actions, hooks and packages, an annotated
tag, a pre-release, a yanked release, a release beyond a range's ceiling), give them to the
command through a fetcher, then over HTTP from a server on 127.0.0.1, and check the diff it
shows and the stack.yml it writes."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from template_repo import TEMPLATE
from xeus_kernel_template.stack import BumpError, bump, load, plan

STACK = load((TEMPLATE / "stack.yml").read_text())
NEW_CHECKOUT, NEW_CODEQL = "1a" * 20, "2b" * 20
CODEQL_TAG_OBJECT = "3c" * 20


def responses(stack: dict) -> dict[str, object]:
    """path -> JSON, as api.github.com and pypi.org would answer: checkout and codeql have a
    newer release (codeql's an annotated tag), the other actions none; pre-commit-hooks has
    a newer tag and a newer pre-release; jupyterlite-xeus a newer 5.x, a yanked one and a 6.0."""
    found: dict[str, object] = {}
    for action, pin in stack["actions"].items():
        repo = "/".join(action.split("/")[:2])
        tag, sha, kind = pin["version"], pin["sha"], "commit"
        if repo == "actions/checkout":
            tag, sha = "v7.1.0", NEW_CHECKOUT
        elif repo == "github/codeql-action":
            tag, sha, kind = "v4.37.0", CODEQL_TAG_OBJECT, "tag"
            found[f"/github/repos/{repo}/git/tags/{CODEQL_TAG_OBJECT}"] = {"object": {"type": "commit", "sha": NEW_CODEQL}}
        found[f"/github/repos/{repo}/releases/latest"] = {"tag_name": tag, "name": tag}
        found[f"/github/repos/{repo}/git/ref/tags/{tag}"] = {"ref": f"refs/tags/{tag}", "object": {"type": kind, "sha": sha}}
    found["/github/repos/pre-commit/pre-commit-hooks/tags?per_page=100"] = [
        {"name": "v7.0.0rc1"}, {"name": "v6.1.0"}, {"name": "v6.0.0"}, {"name": "v5.0.0"}, {"name": "not-a-version"},
    ]
    clang = stack["pre-commit"]["https://github.com/pre-commit/mirrors-clang-format"]
    found["/github/repos/pre-commit/mirrors-clang-format/tags?per_page=100"] = [{"name": "v22.1.3"}, {"name": clang}]
    wheel = [{"filename": "x.whl", "yanked": False}]
    found["/pypi/jupyterlite-xeus/json"] = {"releases": {
        "5.1.0": wheel, "5.2.0": wheel, "5.3.0": [{"filename": "x.whl", "yanked": True}], "6.0.0": wheel, "6.1.0a1": wheel,
    }}
    found["/pypi/jupyterlite-core/json"] = {"releases": {"0.8.0": wheel, "0.9.0b1": wheel}}
    found["/pypi/copier/json"] = {"releases": {"9.19.1": wheel, "9.20.0": [], "9.20.1": wheel, "10.0.0": wheel}}
    return found


def fetcher(recorded: dict[str, object]):
    seen = []

    def fetch(url: str):
        path = url.removeprefix("https://recorded.test")
        seen.append(path)
        if path not in recorded:
            raise BumpError(f"GET {url}: HTTP 404 Not Found")
        return recorded[path]

    fetch.seen = seen
    return fetch


@pytest.fixture
def template_copy(tmp_path) -> Path:
    for name in ("stack.yml", "pyproject.toml"):
        (tmp_path / name).write_text((TEMPLATE / name).read_text())
    return tmp_path


def test_plan_takes_the_newest_release_in_range(template_copy):
    fetch = fetcher(responses(STACK))
    found, shown = bump(template_copy / "stack.yml", fetch, dry_run=False,
                        github_api="https://recorded.test/github", pypi="https://recorded.test/pypi")
    after = load((template_copy / "stack.yml").read_text())
    assert after["actions"]["actions/checkout"] == {"version": "v7.1.0", "sha": NEW_CHECKOUT}
    assert after["actions"]["github/codeql-action/upload-sarif"] == {"version": "v4.37.0", "sha": NEW_CODEQL}  # the tag's commit
    assert after["actions"]["mamba-org/setup-micromamba"] == STACK["actions"]["mamba-org/setup-micromamba"]
    assert after["pre-commit"]["https://github.com/pre-commit/pre-commit-hooks"] == "v6.1.0"  # not the rc
    assert after["pre-commit"]["https://github.com/pre-commit/mirrors-clang-format"] == "v22.1.3"
    for line in after["lines"].values():  # 5.3.0 was yanked, 6.0.0 is beyond the ceiling
        assert line["jupyterlite-xeus"] == ">=5.2.0,<6" and line["jupyterlite-core"] == ">=0.8,<0.9"
    assert after["pip"]["copier"] == ">=9.20.1,<10"  # 9.20.0 has no file
    assert after["conda"] == STACK["conda"]  # open floors are minimums, never raised
    assert "jupyterlite-xeus: 6.0.0 is out of the range >=5.1,<6" in "\n".join(found.report)
    # One request per repository, however many of its actions are pinned.
    assert fetch.seen.count("/github/repos/actions/checkout/releases/latest") == 1
    assert '"clang-format==22.1.3"' in (template_copy / "pyproject.toml").read_text()
    assert "-      actions/checkout: {version: v7.0.1, sha: 3d3c42e5aac5ba805825da76410c181273ba90b1}" in shown
    assert f"+      actions/checkout: {{version: v7.1.0, sha: {NEW_CHECKOUT}}}" in shown
    assert '+  "clang-format==22.1.3",' in shown.replace("  # the version the generated pre-commit config pins", "")


def test_only_the_changed_values_change(template_copy):
    """Comments, quotes, order and flow style of stack.yml are kept: the diff is the values."""
    before = (template_copy / "stack.yml").read_text()
    bump(template_copy / "stack.yml", fetcher(responses(STACK)), dry_run=False,
         github_api="https://recorded.test/github", pypi="https://recorded.test/pypi")
    after = (template_copy / "stack.yml").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 7, changed  # checkout, codeql, 2 hook revs, jupyterlite-xeus of both lines, copier
    assert all(a.split(":")[0] == b.split(":")[0] for a, b in changed)


def test_up_to_date_changes_nothing(template_copy):
    """Responses that hold exactly the table's values: no change, no diff."""
    recorded = {k: v for k, v in responses(STACK).items() if "/pypi/" not in k}
    for repo, tag in (("actions/checkout", "v7.0.1"), ("github/codeql-action", "v4.36.2")):
        sha = next(pin["sha"] for action, pin in STACK["actions"].items() if action.startswith(repo))
        recorded[f"/github/repos/{repo}/releases/latest"] = {"tag_name": tag}
        recorded[f"/github/repos/{repo}/git/ref/tags/{tag}"] = {"object": {"type": "commit", "sha": sha}}
    recorded["/github/repos/pre-commit/pre-commit-hooks/tags?per_page=100"] = [{"name": "v6.0.0"}]
    recorded["/github/repos/pre-commit/mirrors-clang-format/tags?per_page=100"] = [{"name": "v22.1.2"}]
    wheel = [{"filename": "x.whl"}]
    recorded["/pypi/jupyterlite-xeus/json"] = {"releases": {"5.1.0": wheel}}
    recorded["/pypi/jupyterlite-core/json"] = {"releases": {"0.8.0": wheel}}
    recorded["/pypi/copier/json"] = {"releases": {"9.19.1": wheel}}
    before = (template_copy / "stack.yml").read_text()
    found, shown = bump(template_copy / "stack.yml", fetcher(recorded), dry_run=False,
                        github_api="https://recorded.test/github", pypi="https://recorded.test/pypi")
    assert found.changes == [] and shown == "" and (template_copy / "stack.yml").read_text() == before


def test_a_failed_lookup_writes_nothing(template_copy):
    recorded = responses(STACK)
    del recorded["/pypi/copier/json"]
    before = (template_copy / "stack.yml").read_text()
    with pytest.raises(BumpError, match="copier/json: HTTP 404"):
        bump(template_copy / "stack.yml", fetcher(recorded), dry_run=False,
             github_api="https://recorded.test/github", pypi="https://recorded.test/pypi")
    assert (template_copy / "stack.yml").read_text() == before


class Recorded(http.server.BaseHTTPRequestHandler):
    recorded: ClassVar[dict[str, object]] = {}
    headers_seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self):
        self.headers_seen.append((self.path, self.headers.get("Authorization")))
        if self.path not in self.recorded:
            self.send_error(404)
            return
        body = json.dumps(self.recorded[self.path]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def api_server():
    Recorded.recorded, Recorded.headers_seen = responses(STACK), []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def cli(template_copy: Path, base: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xeus_kernel_template", "bump-stack", "--stack", str(template_copy / "stack.yml"),
         "--github-api", f"{base}/github", "--pypi", f"{base}/pypi", *args],
        capture_output=True, text=True, check=False, env={**os.environ, "GITHUB_TOKEN": "recorded-token"},
    )


def test_the_command_over_http(template_copy, api_server):
    """The command as a maintainer runs it, its HTTP client included: --dry-run shows the
    diff and writes nothing; without it, stack.yml is written; the token goes to the GitHub
    API only."""
    before = (template_copy / "stack.yml").read_text()
    dry = cli(template_copy, api_server, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"+      actions/checkout: {{version: v7.1.0, sha: {NEW_CHECKOUT}}}" in dry.stdout
    assert "actions/checkout: v7.0.1 -> v7.1.0" in dry.stdout and "(dry run: nothing written)" in dry.stdout
    assert (template_copy / "stack.yml").read_text() == before
    real = cli(template_copy, api_server)
    assert real.returncode == 0, real.stderr
    assert load((template_copy / "stack.yml").read_text())["actions"]["actions/checkout"]["sha"] == NEW_CHECKOUT
    tokens = {path.split("/")[1]: auth for path, auth in Recorded.headers_seen}
    assert tokens == {"github": "Bearer recorded-token", "pypi": None}


def test_the_command_says_what_failed(template_copy, api_server):
    del Recorded.recorded["/github/repos/actions/checkout/releases/latest"]
    failed = cli(template_copy, api_server)
    assert failed.returncode == 1
    assert "actions/checkout/releases/latest: HTTP 404" in failed.stderr and "nothing written" in failed.stderr


def test_the_plan_of_the_real_table_names_every_entry():
    """Every action, hook repository and ranged PyPI package of stack.yml is looked up."""
    found = plan(STACK, fetcher(responses(STACK)), "https://recorded.test/github", "https://recorded.test/pypi")
    report = "\n".join(found.report)
    for name in [*STACK["actions"], *STACK["pre-commit"], "copier"]:
        assert name in report, name
