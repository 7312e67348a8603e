"""The template's own renders against the reviewer: the rendered template is the reference.

Every render must pass every check except the template-link ones that only a render from
a tagged release at its public URL can pass (listed below with the reason).
"""

from __future__ import annotations

from xeus_kernel_template.review.config import Settings
from xeus_kernel_template.review.report import review

#: Failures a render may have today, and why.
ALLOWED_FAILURES = {
    "XK802": "tests render an untagged working tree: _commit is a hash",
    "XK803": "tests render from a local path: _src_path is not a git URL",
}


def test_renders_follow_the_conventions(rendered, render_name):
    report = review(rendered(render_name), Settings())
    failed = {c: r.message for c, r in report.results.items() if r.result is False}
    unexpected = {c: m for c, m in failed.items() if c not in ALLOWED_FAILURES}
    assert unexpected == {}
    assert "XK803" in failed  # the checks do read the answers file (a local _src_path)


def test_render_skips_only_what_does_not_apply(rendered):
    results = review(rendered("no-wasm"), Settings()).results
    skipped = {c for c, r in results.items() if r.result is None}
    wasm_only = {
        "XK104",
        "XK205",
        "XK206",
        "XK207",
        "XK208",
        "XK301",
        "XK302",
        "XK303",
        "XK304",
        "XK305",
        "XK504",
        "XK505",
        "XK506",
        "XK703",
    }
    assert wasm_only <= skipped
    assert all(results[c].skip_reason.startswith(("no WebAssembly build", "needs XK302")) for c in wasm_only)
    assert results["XK211"].result is True  # native and native-debug workflow presets suffice

    runtime = review(rendered("runtime-files"), Settings()).results
    assert [runtime[c].result for c in ("XK401", "XK402", "XK403")] == [True, True, True]


def test_a_render_with_its_own_dependency(rendered, tmp_path):
    """XK507 on a render: a dependency the author's CMake requires and the environments list
    passes; forgetting it in the wasm host environment fails (the render itself never does)."""
    import shutil

    project = shutil.copytree(rendered("defaults"), tmp_path / "kernel")
    cmake = project / "CMakeLists.txt"
    cmake.write_text(cmake.read_text() + "\nfind_package(Lua 5.4 REQUIRED)\n")
    for name in ("environment-dev.yml", "environment-wasm-host.yml"):
        path = project / name
        path.write_text(path.read_text().rstrip("\n") + "\n  - lua 5.4.*\n")
    assert review(project, Settings()).results["XK507"].result is True
    host = project / "environment-wasm-host.yml"
    host.write_text(host.read_text().replace("  - lua 5.4.*\n", ""))
    result = review(project, Settings()).results["XK507"]
    assert result.result is False and "`Lua`" in result.message and "no wasm environment" in result.message
