"""xeus-kernel-ci serves kernels the template never touched (docs/xeus-kernel-ci.md): a Lua
kernel with its own hand-made CMake (tests/fixtures/legacy-lua, as tests/test_adopt.py
builds it before adoption) is built and installed as its authors build it, then its own
jupyter_kernel_test suite and xeus-kernel-ci's robustness suite, in a test file of the
kernel's own, run against its kernelspec, with the package installed from its wheel as a
kernel's test environment gets it. No render, no copier."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.native

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The kernel as its authors keep it (test_adopt.py's "lua" kernel, without git).
PARTS = ["legacy-lua", "lua-kernel/src/xinterpreter.cpp", "lua-kernel/include", "lua-kernel/test"]
ROBUSTNESS = """from xeus_kernel_ci.robustness import RobustnessSuite


class TestRobustness(RobustnessSuite):
    kernel_name = "xlua"
"""


@pytest.fixture(scope="module")
def installed(toolchain, tmp_path_factory) -> tuple:
    work = tmp_path_factory.mktemp("foreign")
    kernel = work / "xeus-lua"
    for part in PARTS:
        source, target = FIXTURES / part, kernel / Path(part).relative_to(part.split("/")[0]) if "/" in part else kernel
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # The fixture's main() is read by adopt's tests, never compiled there: it lacks an include.
    main = kernel / "src/main.cpp"
    main.write_text(main.read_text().replace('#include "xeus/xkernel.hpp"', '#include "xeus/xhelper.hpp"\n#include "xeus/xkernel.hpp"'))
    (kernel / "test/test_robustness.py").write_text(ROBUSTNESS)
    tc = toolchain.with_binds([work])
    prefix = work / "prefix"
    for step in (["cmake", "-S", ".", "-B", "build", "-G", "Ninja", f"-DCMAKE_INSTALL_PREFIX={prefix}"],
                 ["cmake", "--build", "build"], ["cmake", "--install", "build"]):
        done = tc.run(step, cwd=kernel, env=tc.build_environment(), check=False)
        assert done.returncode == 0, done.stdout[-4000:]
    assert not (kernel / "cmake/XeusKernel.cmake").exists()  # nothing of the template
    return tc, kernel, prefix


def run_tests(installed, *args: str):
    tc, kernel, prefix = installed
    return tc.run([tc.python, "-m", "pytest", "-p", "no:cacheprovider", "-rxXs", *args], cwd=kernel,
                  env={"JUPYTER_PATH": str(prefix / "share/jupyter")}, check=False)


def test_its_own_protocol_suite_runs_against_its_own_build(installed):
    result = run_tests(installed, "test/test_xlua_kernel.py")
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r"\b(1\d|[2-9]\d) passed", result.stdout), result.stdout[-2000:]


def test_the_robustness_suite_runs_from_a_file_of_the_kernels_own(installed):
    result = run_tests(installed, "-s", "test/test_robustness.py")
    summary = re.search(r"robustness of xlua: seeds .*: (\d+) requests .*, (\d+) deaths, (\d+) hangs", result.stdout)
    assert summary and int(summary.group(1)) >= 1000, result.stdout[-4000:]
    assert result.returncode == 0, result.stdout[-6000:]


def test_a_known_failure_of_its_own_is_recorded_strictly(installed):
    kernel = installed[1]
    known = kernel / "test/known_failures.toml"
    known.write_text('[robustness]\n"NUL bytes" = "recorded by the kernel\'s authors, though Lua answers it"\n')
    try:
        result = run_tests(installed, "test/test_robustness.py", "-k", "NUL")
    finally:
        known.unlink()
    assert result.returncode == 1, result.stdout[-3000:]
    assert "[XPASS(strict)] known failure (known_failures.toml): recorded by the kernel's authors" in result.stdout
