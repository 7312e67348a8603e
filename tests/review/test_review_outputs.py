"""Where maintainers look: docs/reviewer.md (generated, one anchor per check), the JSON report
against its committed schema, SARIF 2.1.0 against the official schema, the GitHub step
summary, exit codes, and the score API."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from review_trees import CMAKELISTS, conforming, variant, write

from xeus_kernel_template.review import score
from xeus_kernel_template.review.checks import ALL
from xeus_kernel_template.review.cli import main
from xeus_kernel_template.review.docs import render
from xeus_kernel_template.toolchain import cache_dir

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "reviewer.md"
SCHEMA = REPO / "src/xeus_kernel_template/review/report.schema.json"
CHECK_JSONSCHEMA = [sys.executable, "-m", "check_jsonschema"]
#: The SARIF 2.1.0 schema's `run.language` pattern ends in an unmatched `]`: fine for Python's
#: regular expressions, not for ECMAScript's in unicode mode (check-jsonschema's default).
SARIF_CHECK = CHECK_JSONSCHEMA + ["--regex-variant", "python"]
#: The npm package that ships the OASIS SARIF 2.1.0 schema (sarif-2.1.0-rtm.5.json).
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"

FAILING = {
    "CMakeLists.txt": CMAKELISTS + 'target_link_options(xdemo PRIVATE\n    "SHELL: -s WASM_BIGINT"\n'
    '    "SHELL: -s MAIN_MODULE=1")\n',
    "CMakePresets.json": None,
}


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


def _slugs(markdown: str) -> set[str]:
    return {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
        for h in re.findall(r"^#{1,6}\s+(.+)$", markdown, flags=re.MULTILINE)
    }


def test_the_committed_page_is_the_generated_one():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/reviewer.md is out of date: python -m xeus_kernel_template.review.docs > docs/reviewer.md"
    )


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_link_resolves_to_a_section_with_its_documentation(cls):
    check = cls()
    page, anchor = check.url.split("#")
    assert page.endswith("/docs/reviewer.md")
    slugs = _slugs(PAGE.read_text(encoding="utf-8"))
    assert anchor == cls.__name__.lower() and anchor in slugs
    assert check.convention_url.split("#")[1] in _slugs((REPO / "docs/conventions.md").read_text(encoding="utf-8"))
    assert cls.why.strip() and cls.failing and cls.passing
    assert (cls.failing.path, cls.failing.code) != (cls.passing.path, cls.passing.code)


def test_page_links_are_anchors_that_exist():
    text = PAGE.read_text(encoding="utf-8")
    slugs = _slugs(text)
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in slugs, target
    for target in re.findall(r"\]\(conventions\.md#([^)]+)\)", text):
        assert target in _slugs((REPO / "docs/conventions.md").read_text(encoding="utf-8")), target


def test_json_report_matches_its_schema(tmp_path, capsys):
    kernels = [write(tmp_path / "ok", conforming()), write(tmp_path / "bad", variant(FAILING))]
    _, out = run(capsys, *kernels, "--format", "json")
    report = tmp_path / "report.json"
    report.write_text(out, encoding="utf-8")
    document = json.loads(out)
    assert document["$schema"] == json.loads(SCHEMA.read_text())["$id"]
    bad = document["repositories"][1]["results"]
    assert bad["XK207"]["locations"] == [{"path": "CMakeLists.txt", "line": 10}]
    result = subprocess.run(CHECK_JSONSCHEMA + ["--schemafile", str(SCHEMA), str(report)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_json_schema_is_not_blind(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"$schema": "x", "tool": {"name": "other", "version": "1"}, "families": {},
                                  "checks": {}, "repositories": [{"name": "k", "path": "k", "kernels": [],
                                  "settings": None, "passed": "1/1", "results": {"XK101": {"status": "fail",
                                  "family": "xk-kernelspec", "url": "https://x"}}}]}))
    result = subprocess.run(CHECK_JSONSCHEMA + ["--schemafile", str(SCHEMA), str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "'message' is a required property" in result.stdout


@pytest.fixture(scope="session")
def sarif_schema() -> Path:
    """The SARIF 2.1.0 schema, from its npm package (cached; npm is needed the first time)."""
    folder = cache_dir() / "npm-sarif"
    schema = folder / "package/lib/schemas/sarif-2.1.0-rtm.5.json"
    if not schema.is_file():
        if shutil.which("npm") is None:
            pytest.fail(f"npm is needed to fetch the SARIF schema ({SARIF_PACKAGE})")
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["npm", "pack", SARIF_PACKAGE, "--pack-destination", str(folder)],
                                capture_output=True, text=True, check=False, cwd=folder)
        assert result.returncode == 0, result.stderr
        tarball = folder / result.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            archive.extract("package/lib/schemas/sarif-2.1.0-rtm.5.json", folder, filter="data")
    data = json.loads(schema.read_text(encoding="utf-8"))
    assert data["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return schema


def test_sarif_is_valid_and_on_the_lines(tmp_path, capsys, sarif_schema):
    kernel = write(tmp_path / "bad", variant(FAILING))
    sarif = tmp_path / "review.sarif"
    code, _ = run(capsys, kernel, "--format", "table", "--sarif", sarif)
    assert code == 1
    result = subprocess.run(SARIF_CHECK + ["--schemafile", str(sarif_schema), str(sarif)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    log = json.loads(sarif.read_text())
    (run_,) = log["runs"]
    assert log["version"] == "2.1.0"
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    by_rule = {r["ruleId"]: r for r in run_["results"]}
    assert set(by_rule) == {"XK207", "XK210"}
    main_module = by_rule["XK207"]
    assert rules[main_module["ruleIndex"]] == "XK207"
    location = main_module["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "CMakeLists.txt", "uriBaseId": "SRCROOT"}
    assert location["region"] == {"startLine": 10}
    assert run_["originalUriBaseIds"]["SRCROOT"]["uri"] == kernel.resolve().as_uri() + "/"


def test_sarif_schema_is_not_blind(tmp_path, sarif_schema):
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "loud"}]}]}))
    result = subprocess.run(SARIF_CHECK + ["--schemafile", str(sarif_schema), str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode == 1


def test_step_summary(tmp_path, capsys):
    kernel = write(tmp_path / "bad", variant(FAILING))
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    code, out = run(capsys, kernel, "--format", "summary", "--summary", summary)
    assert code == 1
    assert summary.read_text().startswith("# earlier step\n## xeus-kernel-review")  # appended
    assert "### ✗ bad: " in out
    assert re.search(r"^\| \[XK207\]\(https://\S+/docs/reviewer\.md#xk207\) \| Remove `MAIN_MODULE`.* \| "
                     r"`CMakeLists.txt:10` \|$", out, re.MULTILINE)
    ok = write(tmp_path / "ok", conforming())
    _, out = run(capsys, ok, "--format", "summary")
    assert "### ✓ ok: " in out and "Every selected check passes." in out


def test_two_spellings_of_one_path_are_one_row(tmp_path, capsys, monkeypatch):
    write(tmp_path / "x", conforming())
    monkeypatch.chdir(tmp_path)
    _, out = run(capsys, "x", "./x", str(tmp_path / "x"), "--format", "json", "--select", "XK101")
    assert [r["name"] for r in json.loads(out)["repositories"]] == ["x"]


def test_details_without_a_terminal_do_not_wrap(tmp_path, capsys):
    kernel = write(tmp_path / "bad", variant(FAILING))
    _, out = run(capsys, kernel, "--details")
    lines = out.splitlines()
    url = "https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/docs/reviewer.md#xk207"
    assert f"    {url}" in lines
    (line,) = [line for line in lines if line.startswith("✗ XK207 ")]
    assert line.endswith("Found: `MAIN_MODULE` at CMakeLists.txt:10.") and len(line) > 80


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 0),
        (["--select", "XK210"], 1),
        (["--select", "XK210", "--exit-zero"], 0),
        (["--select", "XK999"], 2),
        (["--format", "nonsense"], 2),
        (["--output", "/nonexistent/dir/out.json"], 2),
        (["--prefix", "/nonexistent/prefix"], 2),
    ],
)
def test_exit_codes(tmp_path, capsys, args, code):
    kernel = write(tmp_path / "k", variant({"CMakePresets.json": None}) if "XK210" in args else conforming())
    try:
        assert main([str(kernel), *args, *([] if "--select" in args else ["--ignore", "XK210"])]) == code
    except SystemExit as error:  # argparse's own usage errors
        assert error.code == code


def test_score_api(tmp_path):
    ok = score(write(tmp_path / "ok", conforming()))
    bad = score(write(tmp_path / "bad", variant(FAILING)))
    assert ok.failed == () and ok.passed == ok.total and str(ok) == f"{ok.total}/{ok.total}"
    assert bad.failed == ("XK207", "XK210") and bad.passed == bad.total - 2
    assert "XK211" in bad.skipped  # needs XK210
