"""xeus-kernel-review: the comparison table of several kernels, its formats and settings."""

from __future__ import annotations

import json

import pytest
from review_trees import conforming, lua_like, sqlite_like, variant, write

from xeus_kernel_template.review.checks import ALL
from xeus_kernel_template.review.cli import main
from xeus_kernel_template.review.config import Settings
from xeus_kernel_template.review.report import review, to_terminal


@pytest.fixture
def kernels(tmp_path):
    """Three kernels that differ the way real ones do."""
    return [
        write(tmp_path / "xeus-lualike", lua_like()),
        write(tmp_path / "xeus-sqlitelike", sqlite_like()),
        write(tmp_path / "xeus-conforming", conforming()),
    ]


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


EXPECTED_TABLE = """\
| kernel | XK104 | XK207 | XK208 | XK210 | XK211 | XK212 | XK213 | XK305 | XK601 | passed |
|---|:-:|:-:|:-:|:-:|:-:|:-:|:-:|:-:|:-:|--:|
| xeus-lualike | ✗ | ✗ | ✓ | ✗ | – | ✓ | ✓ | ✓ | ✓ | 5/8 |
| xeus-sqlitelike | ✓ | ✓ | ✗ | ✓ | ✓ | ✓ | ✓ | ✗ | ✓ | 7/9 |
| xeus-conforming | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | 9/9 |
"""


def test_markdown_table(kernels, capsys):
    code, out = run(
        capsys,
        *kernels,
        "--format",
        "markdown",
        "--select",
        "XK104,XK207,XK208",
        "--select",
        "XK21,XK305,XK601",
    )
    assert code == 1
    assert out.startswith(EXPECTED_TABLE)
    assert (
        "- [XK207](https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/docs/reviewer.md#xk207) CMake: No MAIN_MODULE"
        in out
    )
    assert "### " not in out  # several repositories: no details unless asked


def test_whole_table_differences(kernels):
    """Over every check, each kernel fails exactly where it differs from the conventions."""
    failed = {
        k.name: {c for c, r in review(k, Settings()).results.items() if r.result is False} for k in kernels
    }
    assert failed == {
        "xeus-lualike": {"XK104", "XK207", "XK210"},
        "xeus-sqlitelike": {"XK208", "XK305"},
        "xeus-conforming": set(),
    }


def test_json_report(kernels, capsys):
    code, out = run(capsys, *kernels, "--format", "json", "--ignore", "XK6,tests,template-link")
    document = json.loads(out)
    assert code == 1
    assert list(document["checks"]) == [c.__name__ for c in ALL if c.__name__[2] not in "678"]
    lua, sqlite, ok = document["repositories"]
    assert (lua["name"], lua["kernels"], ok["passed"]) == ("xeus-lualike", ["xdemo"], "34/34")
    assert lua["results"]["XK210"]["status"] == "fail"
    assert lua["results"]["XK210"]["message"].startswith("Add the template's `CMakePresets.json`")
    assert lua["results"]["XK211"] == {
        "status": "skip",
        "family": "xk-cmake",
        "url": "https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/docs/reviewer.md#xk211",
        "skip_reason": "needs XK210 to pass",
    }
    assert "Found: `src/post.js` re-exports FS, PATH, ERRNO_CODES (the helper exports FS, ENV" in (
        sqlite["results"]["XK305"]["message"]
    )
    assert ok["results"]["XK401"]["skip_reason"] == "the kernel ships no runtime files"


def test_terminal_table_fits_the_width(kernels):
    reports = [review(k, Settings()) for k in kernels]
    text = to_terminal(reports, details=False, width=100)
    assert max(len(line) for line in text.splitlines()) <= 100
    for cls in ALL:
        assert cls.__name__ in text
    assert text.count("xeus-lualike") > 1  # split into several tables, each with the rows
    last_rows = [line for line in text.splitlines() if line.strip().startswith("xeus-")][-3:]
    assert [row.split()[-1] for row in last_rows] == ["43/46", "45/47", "47/47"]
    assert "✗" in text and "✓" in text and "–" in text


def test_terminal_details_with_one_repository(kernels, capsys):
    code, out = run(capsys, kernels[0])
    assert code == 1
    assert "✗ XK207 Remove `MAIN_MODULE`" in out.replace("\n", " ")
    assert "– XK211 skipped: needs XK210 to pass" in out


def test_exit_status(kernels, capsys):
    assert run(capsys, kernels[2], "--format", "json")[0] == 0
    assert run(capsys, kernels[0], "--format", "json")[0] == 1
    assert run(capsys, kernels[0], "--format", "json", "--exit-zero")[0] == 0
    assert run(capsys, kernels[0], "--format", "json", "--ignore", "XK104,XK207,XK210")[0] == 0


def test_repository_settings_file(kernels, capsys):
    lua = kernels[0]
    (lua / ".xeus-kernel-review.toml").write_text(
        'select = ["kernelspec", "XK2"]\n\n[ignore]\nXK104 = "our loader does not need wasm_name"\nXK21 = ""\n',
        encoding="utf-8",
    )
    code, out = run(capsys, lua, kernels[2], "--format", "json")
    lua_report, conforming_report = json.loads(out)["repositories"]
    assert lua_report["settings"].endswith(".xeus-kernel-review.toml")
    assert lua_report["results"]["XK104"] == {
        "status": "skip",
        "family": "xk-kernelspec",
        "url": "https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/docs/reviewer.md#xk104",
        "skip_reason": "ignored: our loader does not need wasm_name",
    }
    assert "XK210" not in lua_report["results"] and "XK305" not in lua_report["results"]
    assert [c for c, r in lua_report["results"].items() if r["status"] == "fail"] == ["XK207"]
    assert len(conforming_report["results"]) == len(ALL)  # its own (absent) settings: everything
    assert code == 1

    # A flag replaces the same setting of the file, and only that one.
    code, out = run(capsys, lua, "--format", "json", "--select", "XK207,XK210")
    assert list(json.loads(out)["repositories"][0]["results"]) == ["XK207"]  # XK21 still ignored
    code, out = run(capsys, lua, "--format", "json", "--ignore", "XK207")
    results = json.loads(out)["repositories"][0]["results"]
    assert [c for c, r in results.items() if r["status"] == "fail"] == ["XK104", "XK210"]
    assert "XK305" not in results  # still not selected by the file


def test_shared_settings_file(kernels, capsys, tmp_path):
    config = tmp_path / "review.toml"
    config.write_text('[tool.xeus-kernel-review]\nselect = ["XK1"]\n', encoding="utf-8")
    code, out = run(capsys, *kernels, "--config", config, "--format", "markdown")
    assert out.splitlines()[0] == (
        "| kernel | XK101 | XK102 | XK103 | XK104 | XK105 | XK106 | XK107 | XK108 | XK109 | passed |"
    )
    assert code == 1  # xeus-lualike has no wasm_name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "XK9"], "`XK9` names no check"),
        (["--ignore", "nonsense"], "`nonsense` names no check"),
    ],
)
def test_bad_selectors(kernels, capsys, args, message):
    assert main([str(kernels[0]), *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("select = [", "not valid TOML"),
        ("select = 3", "`select` must be a list"),
        ("colour = 'red'", "unknown setting(s) colour"),
        ("[ignore]\nXK101 = 3", "reasons in `[ignore]` must be strings"),
    ],
)
def test_bad_settings_files(kernels, capsys, content, message):
    (kernels[0] / ".xeus-kernel-review.toml").write_text(content, encoding="utf-8")
    assert main([str(kernels[0])]) == 2
    assert message in capsys.readouterr().err


def test_not_a_directory(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_same_names_are_told_apart(tmp_path, capsys):
    a = write(tmp_path / "a" / "kernel", conforming())
    b = write(tmp_path / "b" / "kernel", variant({"CMakePresets.json": None}))
    _, out = run(capsys, a, b, "--format", "json", "--select", "XK210")
    names = [r["name"] for r in json.loads(out)["repositories"]]
    assert names == [str(a), str(b)]


def test_list_checks(capsys):
    code, out = run(capsys, "--list-checks")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(ALL)
    assert lines[0].startswith("XK101  Kernelspec")


def test_skip_reasons_name_checks_that_are_not_selected(kernels, capsys):
    _, out = run(capsys, kernels[0], "--format", "json", "--select", "XK211")
    (result,) = json.loads(out)["repositories"][0]["results"].values()
    assert result["status"] == "skip" and result["skip_reason"] == "needs XK210 to pass"


def test_pyproject_settings_are_the_fallback(tmp_path, capsys):
    kernel = write(
        tmp_path / "xeus-pyish",
        variant(
            {
                "pyproject.toml": '[tool.repo-review]\nselect = ["PY", "XK2"]\n'
                '[tool.repo-review.ignore]\nXK210 = "presets live in another repository"\nPY007 = "x"\n',
                "CMakePresets.json": None,
            },
            base=lua_like(),
        ),
    )
    code, out = run(capsys, kernel, "--format", "json")
    report = json.loads(out)["repositories"][0]
    assert set(report["results"]) == {f"XK2{n:02}" for n in range(1, 14)}
    assert report["results"]["XK210"]["skip_reason"] == "ignored: presets live in another repository"
    assert report["settings"] == "pyproject.toml [tool.repo-review]"
    assert code == 1  # XK207 still fails

    code, out = run(capsys, kernel, "--format", "json", "--select", "XK1")  # the command line wins
    assert [c for c, r in json.loads(out)["repositories"][0]["results"].items() if r["status"] == "fail"] == [
        "XK104"
    ]
