"""XK7xx tests and XK8xx template-link checks: pass, fail and malformed input."""

from __future__ import annotations

import pytest
from review_trees import ANSWERS, KERNEL_MODULE, KERNEL_TESTS, NO_WASM, case, run_case

SUITE = "test/test_xdemo_kernel.py"
ANSWERS_FILE = ".copier-answers.yml"


def answers(old: str, new: str) -> dict[str, str]:
    assert old in ANSWERS
    return {ANSWERS_FILE: ANSWERS.replace(old, new)}


PLACEHOLDER_SUITE = "import jupyter_kernel_test as jkt\n\nclass T(jkt.KernelTests):\n    kernel_name = 'xdemo'\n    code_hello_world = ''\n"

TEST_CASES = [
    case("XK701", {}, "pass"),
    case(
        "XK701",
        {SUITE: PLACEHOLDER_SUITE},
        "fail",
        "`test/test_xdemo_kernel.py` sets no samples",
        id="placeholder",
    ),
    case("XK701", {SUITE: None}, "fail", "no `KernelTests` subclass in the test folders", id="missing"),
    case(
        "XK701",
        {
            SUITE: "import jupyter_kernel_test\nclass T(jupyter_kernel_test.KernelTests):\n    kernel_name = (\n"
        },
        "fail",
        "`test/test_xdemo_kernel.py` is not valid Python (line",
        id="syntax-error",
    ),
    case(
        "XK701",
        {
            SUITE: None,
            "tests/test_protocol.py": "from jupyter_kernel_test import KernelTests\n\nclass P(KernelTests):\n    kernel_name = 'xdemo'\n\n    def test_banner(self):\n        pass\n",
        },
        "pass",
        id="tests-folder-own-test",
    ),
    case(
        "XK701",
        {SUITE: KERNEL_TESTS.replace("import jupyter_kernel_test", "import something_else")},
        "fail",
        "no `KernelTests` subclass",
        id="not-jkt",
    ),
    case("XK702", {}, "pass"),
    case(
        "XK702",
        {
            "cmake/XeusKernel.cmake": KERNEL_MODULE.replace(
                'add_test(NAME ${kernel}_protocol COMMAND python -m pytest "${PROJECT_SOURCE_DIR}/test")', ""
            )
        },
        "fail",
        "no `add_test()` runs pytest",
        id="not-registered",
    ),
    case("XK702", {SUITE: None}, "skip", "needs XK701 to pass", id="no-suite"),
    case("XK703", {}, "pass"),
    case("XK703", {"test/test_wasm.py": None}, "fail", "no test mentions Playwright", id="missing"),
    case(
        "XK703",
        {
            "test/test_wasm.py": None,
            "ui-tests/kernel.spec.ts": "import { test } from '@jupyterlab/galata';\n",
        },
        "pass",
        id="galata",
    ),
    case(
        "XK703",
        {"test/test_wasm.py": None, "test/node_test.mjs": "const m = await createXeusModule({});\n"},
        "pass",
        id="node",
    ),
    case("XK703", NO_WASM, "skip", "no WebAssembly build", id="native-only"),
]

LINK_CASES = [
    case("XK801", {}, "pass"),
    case("XK801", {ANSWERS_FILE: None}, "fail", "commit `.copier-answers.yml`", id="missing"),
    case(
        "XK801",
        {ANSWERS_FILE: "_commit: [v1\n"},
        "fail",
        "`.copier-answers.yml` is not valid YAML",
        id="malformed",
    ),
    case("XK801", {ANSWERS_FILE: "just text\n"}, "fail", "is not a mapping", id="scalar"),
    case("XK801", answers("_commit: v1.2.0\n", ""), "fail", "lacks `_commit`", id="no-commit"),
    case("XK801", {ANSWERS_FILE: None, ".copier-answers.xeus.yml": ANSWERS}, "pass", id="other-name"),
    case("XK802", {}, "pass"),
    case("XK802", answers("v1.2.0", "f8dbe79"), "fail", "`_commit: f8dbe79`", id="hash"),
    case(
        "XK802", answers("v1.2.0", "v1.2.0-3-gabc1234"), "fail", "`_commit: v1.2.0-3-gabc1234`", id="describe"
    ),
    case("XK802", answers("v1.2.0", "1234567"), "fail", "1234567", id="digits-only-hash"),
    case("XK802", answers("v1.2.0", "2.0.0rc1"), "pass", id="pre-release"),
    case("XK802", {ANSWERS_FILE: None}, "skip", "needs XK801 to pass", id="no-answers"),
    case("XK803", {}, "pass"),
    case(
        "XK803",
        answers(
            "gh:xeus-kernel-template/xeus-kernel-template",
            "https://github.com/xeus-kernel-template/xeus-kernel-template.git",
        ),
        "pass",
        id="https",
    ),
    case(
        "XK803",
        answers("gh:xeus-kernel-template/xeus-kernel-template", "/home/me/xeus-kernel-template"),
        "fail",
        "`_src_path: /home/me/xeus-kernel-template`",
        id="local",
    ),
    case(
        "XK803",
        answers("gh:xeus-kernel-template/xeus-kernel-template", "../template"),
        "fail",
        "../template",
        id="relative",
    ),
]


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), TEST_CASES)
def test_test_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


@pytest.mark.parametrize(("check_id", "changes", "expected", "fragment"), LINK_CASES)
def test_template_link_checks(tmp_path, check_id, changes, expected, fragment):
    run_case(tmp_path, check_id, changes, expected, fragment)


CASES = TEST_CASES + LINK_CASES


# XK804: template-owned files edited since the recorded release, on a template of two files.
def tiny_template(root):
    """A template release v1.0.0: one file it owns, one the author owns (_skip_if_exists)."""
    import subprocess

    root.mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: template\n_skip_if_exists: [mine.txt]\nname:\n  type: str\n")
    (root / "template").mkdir()
    (root / "template/managed.txt.jinja").write_text("Managed by the template, for {{ name }}\n")
    (root / "template/mine.txt").write_text("Yours\n")
    (root / "template/{{_copier_conf.answers_file}}.jinja").write_text("{{ _copier_answers | to_nice_yaml }}")
    for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "release"], ["tag", "v1.0.0"]):
        subprocess.run(["git", *command], cwd=root, check=True, capture_output=True)
    return root


@pytest.fixture
def tiny_kernel(tmp_path, monkeypatch):
    import copier

    monkeypatch.setenv("XKT_CACHE_DIR", str(tmp_path / "cache"))
    template = tiny_template(tmp_path / "template")
    kernel = tmp_path / "kernel"
    copier.run_copy(str(template), str(kernel), data={"name": "demo"}, defaults=True, quiet=True)
    return kernel


def xk804(kernel):
    from review_trees import result

    return result(kernel, "XK804")


def test_xk804_passes_on_files_as_the_release_wrote_them(tiny_kernel):
    (tiny_kernel / "mine.txt").write_text("Mine, edited\n")  # the author's: never compared
    (tiny_kernel / "extra.txt").write_text("a file of the author's own\n")
    assert xk804(tiny_kernel).result is True


def test_xk804_names_the_edited_template_files(tiny_kernel):
    (tiny_kernel / "managed.txt").write_text("Managed by the template, for demo\nplus a line of mine\n")
    check = xk804(tiny_kernel)
    assert check.result is False
    assert "edited since v1.0.0: `managed.txt`." in check.message and "mine.txt" not in check.message


def test_xk804_leaves_deleted_template_files_alone(tiny_kernel):
    (tiny_kernel / "managed.txt").unlink()  # copier update leaves it deleted: nothing to merge into
    assert xk804(tiny_kernel).result is True


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [("_commit: v1.0.0", "_commit: v9.9.9", "copier cannot render"),
     ("_src_path: ", "_src_path: /nowhere/", "does not exist here")],
    ids=["no-such-release", "no-template"],
)
def test_xk804_skips_when_the_release_cannot_be_had(tiny_kernel, old, new, reason):
    answers = tiny_kernel / ".copier-answers.yml"
    assert old in answers.read_text()
    answers.write_text(answers.read_text().replace(old, new))
    check = xk804(tiny_kernel)
    assert check.result is None and "the recorded release cannot be rendered" in check.skip_reason
    assert reason in check.skip_reason


def test_xk804_clones_a_remote_template_into_the_cache(tmp_path, monkeypatch):
    """A `gh:` source (git sent to a local repository by url.insteadOf): cloned once into the
    cache, rendered offline under its recorded name."""
    import copier
    from plumbum import local

    monkeypatch.setenv("XKT_CACHE_DIR", str(tmp_path / "cache"))
    hosted = tiny_template(tmp_path / "github/ada/tiny.git")
    redirect = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{(tmp_path / 'github').as_uri()}/.insteadOf",
                "GIT_CONFIG_VALUE_0": "https://github.com/"}
    for name, value in redirect.items():
        monkeypatch.setenv(name, value)
    with local.env(**redirect):
        copier.run_copy("gh:ada/tiny", str(tmp_path / "kernel"), data={"name": "demo"}, defaults=True, quiet=True)
    (tmp_path / "kernel/managed.txt").write_text("edited\n")
    check = xk804(tmp_path / "kernel")
    assert check.result is False and "`managed.txt`" in check.message
    assert len(list((tmp_path / "cache/templates").iterdir())) == 1
    assert hosted.is_dir()
