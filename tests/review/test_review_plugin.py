"""The reviewer as a repo-review plugin: registration, metadata, robustness, coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import test_review_cmake
import test_review_env_ci
import test_review_kernelspec
import test_review_real_shapes
import test_review_tests_link
import test_review_wasm_runtime
import yaml
from repo_review.__main__ import main as repo_review_main
from repo_review.processor import collect_all, process
from review_trees import conforming, results, status, variant, write

from xeus_kernel_template.review.checks import ALL, DOCS, FAMILIES
from xeus_kernel_template.review.fixtures import xk_cmake, xk_repo

REPO = Path(__file__).resolve().parents[2]
FAMILY_DIGIT = {key: str(value["order"]) for key, value in FAMILIES.items()}


def test_entry_points_register_every_check_and_family():
    collected = collect_all()  # repo-review's empty repository: what `--list-all` sees
    ours = {k: c for k, c in collected.checks.items() if k.startswith("XK")}
    assert sorted(ours) == sorted(cls.__name__ for cls in ALL)
    assert set(FAMILIES) <= set(collected.families)
    assert {"xk_repo", "xk_cmake", "xk_kernelspecs", "xk_workflows"} <= set(collected.fixtures)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_check_metadata(cls):
    check = cls()
    assert re.fullmatch(r"XK[1-8]\d\d", cls.__name__)
    assert cls.__name__[2] == FAMILY_DIGIT[check.family], "the hundreds digit is the family"
    assert check.url.startswith(DOCS + "#")
    description = (cls.__doc__ or "").strip()
    assert description and "\n" not in description and "{" not in description  # repo-review formats it
    assert check.fix and check.fix.endswith((".", ")")), "the failure message says how to fix it"
    assert all(re.fullmatch(r"XK\d{3}", r) for r in check.requires)
    assert set(check.requires) <= {c.__name__ for c in ALL}


def _anchors(markdown: str) -> set[str]:
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+)$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


@pytest.mark.parametrize("anchor", sorted({c.anchor for c in ALL}))
def test_links_point_at_sections_of_the_conventions(anchor):
    assert anchor in _anchors((REPO / "docs" / "conventions.md").read_text(encoding="utf-8"))


def test_every_check_has_pass_and_fail_cases():
    cases = [
        p.values
        for module in (
            test_review_kernelspec,
            test_review_cmake,
            test_review_wasm_runtime,
            test_review_env_ci,
            test_review_tests_link,
            test_review_real_shapes,
        )
        for p in module.CASES
    ]
    seen = {(check_id, expected) for check_id, _, expected, _ in cases}
    # XK804 renders the recorded template release: its cases need a template of their own
    # (test_review_tests_link.py, test_xk804_*), which the tables' conforming tree has not.
    seen |= {("XK804", "pass"), ("XK804", "fail")}
    for cls in ALL:
        assert (cls.__name__, "pass") in seen, cls.__name__
        assert (cls.__name__, "fail") in seen, cls.__name__


def test_conforming_tree_passes_everything(tmp_path):
    root = write(tmp_path / "kernel", conforming())
    outcome = {k: status(r) for k, r in results(root).items()}
    assert {k for k, v in outcome.items() if v == "fail"} == set()
    # no runtime files, no side modules, no dependencies of its own; its template release
    # (gh:..., v1.2.0) is not one the tests can reach
    assert {k for k, v in outcome.items() if v == "skip"} == {"XK401", "XK402", "XK403", "XK108", "XK507", "XK804"}


GARBAGE = {
    "CMakeLists.txt": "project(x\n#[[ never closed\nfind_package(xeus",
    "cmake/broken.cmake": b"\x00\xff\xfe" * 100,
    "CMakePresets.json": '{"version": ',
    "share/jupyter/kernels/x/kernel.json.in": "@@@@",
    "share/jupyter/kernels/y/kernel.json": b"\xff",
    "share/jupyter/kernels/z/wasm_kernel.json.in": '{"argv": 3, "metadata": []}',
    "wasm/pre.js": "Module[ /* ",
    "src/post.js": "`unterminated template",
    "src/main_emscripten_kernel.cpp": 'R"x(never closed',
    "environment-dev.yml": "dependencies:\n  - [\n",
    "environment-wasm-build.yml": "42\n",
    "environment-wasm-host.yml": "channels: notalist\ndependencies: {}\n",
    ".github/workflows/a.yml": "jobs:\n  x: [1, 2\n",
    ".github/workflows/b.yml": "jobs: {x: 3, y: {steps: [1, {run: 5}, {uses: 7}]}}\n",
    ".copier-answers.yml": "- not a mapping\n",
    "test/test_x.py": "import jupyter_kernel_test\nclass(:\n",
    "test/test_y.py": b"\xff\xfe",
    "jupyter_lite_config.json": "[1,",
    "runtime-files/": None,
}


def test_garbage_repository_never_crashes(tmp_path):
    root = write(tmp_path / "garbage", {k: v for k, v in GARBAGE.items() if v is not None})
    (root / "runtime-files").mkdir()
    (root / "loop").symlink_to(root, target_is_directory=True)  # a symlink cycle
    deep = root.joinpath(*["d"] * 30)
    deep.mkdir(parents=True)
    (deep / "CMakeLists.txt").write_text("find_package(xeus 1 REQUIRED)\n")  # beyond the depth limit
    (root / "big.cmake").write_text("set(A 1)\n" * 300_000)  # over the size limit
    outcome = results(root)
    assert len(outcome) == len(ALL)
    for r in outcome.values():
        assert r.result in (True, False, None)
        assert "could not evaluate" not in r.message, r.message
    failed = {k for k, r in outcome.items() if r.result is False}
    assert {"XK102", "XK201", "XK210", "XK502", "XK601", "XK801"} <= failed
    assert "`project(` is never closed" in outcome["XK201"].message
    cmake = xk_cmake(root, xk_repo(root))
    assert "too large to review" in cmake.unreadable["big.cmake"]
    assert "not UTF-8" in cmake.unreadable["cmake/broken.cmake"]
    assert not any(f.startswith("d/d/d/d/d/d/d/d/d/d/d/") for f in cmake.files)  # depth limit


def test_empty_directory(tmp_path):
    outcome = results(tmp_path)
    assert outcome["XK101"].result is False and outcome["XK201"].result is False
    assert outcome["XK104"].skip_reason  # skipped: no wasm build, or needs XK102


class MemoryPath:
    """A read-only in-memory Traversable, like repo-review's GHPath for gh:org/repo."""

    def __init__(self, files: dict[str, bytes], path: str = "") -> None:
        self.files, self.path = files, path

    def __eq__(self, other: object) -> bool:  # repo-review compares fixtures after each check
        return isinstance(other, MemoryPath) and (self.files, self.path) == (other.files, other.path)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def joinpath(self, *parts: str) -> MemoryPath:
        return MemoryPath(self.files, "/".join(p for p in (self.path, *parts) if p))

    __truediv__ = joinpath

    def is_file(self) -> bool:
        return self.path in self.files

    def is_dir(self) -> bool:
        return not self.path or any(f.startswith(self.path + "/") for f in self.files)

    def iterdir(self):
        prefix = self.path + "/" if self.path else ""
        names = {f[len(prefix) :].split("/")[0] for f in self.files if f.startswith(prefix)}
        return (self.joinpath(n) for n in sorted(names))

    def read_bytes(self) -> bytes:
        return self.files[self.path]

    def read_text(self, encoding: str | None = "utf-8") -> str:
        return self.read_bytes().decode(encoding or "utf-8")

    def open(self, mode: str = "r", encoding: str | None = "utf-8"):
        import io

        return io.BytesIO(self.read_bytes()) if "b" in mode else io.StringIO(self.read_text(encoding))


def test_any_traversable_works():
    """The fixtures only use the Traversable API: remote (GHPath) repositories work too."""
    files = {
        p: c if isinstance(c, bytes) else c.encode() for p, c in variant({"CMakePresets.json": None}).items()
    }
    _, processed = process(MemoryPath(files))
    outcome = {r.name: r.result for r in processed if r.name.startswith("XK")}
    assert [k for k, v in outcome.items() if v is False] == ["XK210"]
    assert outcome["XK101"] is True and outcome["XK211"] is None


def test_repo_review_cli_reports_the_checks(tmp_path, capsys):
    root = write(tmp_path / "kernel", variant({"CMakePresets.json": None}))
    with pytest.raises(SystemExit) as exit_info:
        repo_review_main([str(root), "--format", "json"])
    assert exit_info.value.code == 3  # repo-review's "checks failed"
    report = json.loads(capsys.readouterr().out)
    assert report["checks"]["XK210"]["result"] is False
    assert report["checks"]["XK211"]["result"] is None
    assert report["checks"]["XK101"]["result"] is True
    assert report["checks"]["XK210"]["url"].endswith("reviewer.md#xk210")


def test_repo_review_reads_pyproject_settings(tmp_path, capsys):
    root = write(
        tmp_path / "kernel",
        variant(
            {"pyproject.toml": '[tool.repo-review]\nignore = ["XK210", "XK211"]\n', "CMakePresets.json": None}
        ),
    )
    repo_review_main([str(root), "--format", "json"])  # nothing fails: no SystemExit
    report = json.loads(capsys.readouterr().out)
    assert "XK210" not in report["checks"] and report["checks"]["XK201"]["result"] is True


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "xeus-kernel-review"]
    scripts = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(
        rf'^{re.escape(hook["entry"])} = "xeus_kernel_template\.review\.cli:run"$', scripts, re.MULTILINE
    )
    assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["always_run"] is True
