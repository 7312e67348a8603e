"""Shared fixtures: isolation from the developer's machine, renders, the toolchain."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import copier
import pytest

import kernel_ci
from samples import RENDERS, answers
from template_repo import copy_template
from xeus_kernel_template.toolchain import ToolchainError, cache_dir, find_toolchain, find_wasm_toolchain

TEMPLATE = Path(__file__).resolve().parent.parent
# tests/fixtures holds kernels' own files (their tests run inside those kernels, by ctest),
# not tests of the template.
collect_ignore = ["fixtures"]
# From the environment running the tests, whatever else is on PATH.
CHECK_JSONSCHEMA = [sys.executable, "-m", "check_jsonschema"]


@pytest.fixture(autouse=True, scope="session")
def _isolated(tmp_path_factory: pytest.TempPathFactory):
    """Keep the developer's copier settings and git config out of every render."""
    home = tmp_path_factory.mktemp("isolated-home")
    (home / "gitconfig").write_text("[user]\n\tname = Template Tests\n\temail = tests@example.org\n[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as patch:
        (home / "copier-settings.yml").write_text("{}\n")
        patch.setenv("COPIER_SETTINGS_PATH", str(home / "copier-settings.yml"))
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
            patch.delenv(name, raising=False)
        yield


def render(destination: Path, data: dict, source: Path = TEMPLATE, **kwargs) -> Path:
    """Render the template (its working tree, HEAD plus uncommitted changes) into destination:
    from this git checkout (a release's link in the answers: `_commit`), or from a plain
    folder (`template_folder`, no clone: for tests of the answers alone)."""
    copier.run_copy(
        str(source),
        str(destination),
        data=data,
        defaults=True,
        # `copier copy` needs no --trust: copier counts migrations (copier.yml) as unsafe only
        # in `copier update` (tests/test_update.py). Prove it on every render.
        unsafe=False,
        vcs_ref="HEAD" if source == TEMPLATE else None,
        quiet=True,
        **kwargs,
    )
    return destination


@pytest.fixture(scope="session")
def template_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree as a plain folder: copier reads it in place, where from the
    checkout it clones it at HEAD and commits the uncommitted changes first (about 0.5 s a
    render, benchmarks/run.py --only copy)."""
    folder = tmp_path_factory.mktemp("template-folder") / "xeus-kernel-template"
    folder.mkdir()
    copy_template(folder)
    return folder


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory, _isolated):
    """Render each entry of the matrix once per session: rendered(name) -> project path."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = render(tmp_path_factory.mktemp("render") / name, answers(name))
        return cache[name]

    return get


@pytest.fixture(params=sorted(RENDERS))
def render_name(request) -> str:
    return request.param


def provisioned(pytestconfig, find, what: str):
    """find() a toolchain, showing the provisioning progress (not captured)."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        try:
            return find()
        except ToolchainError as error:
            pytest.fail(f"no {what}: {error}")


@pytest.fixture(scope="session")
def kernel_ci_wheelhouse(tmp_path_factory) -> Path:
    """The folder holding xeus-kernel-ci's wheel, built from packages/xeus-kernel-ci."""
    return kernel_ci.build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def kernel_ci_bin(kernel_ci_wheelhouse, tmp_path_factory) -> Path:
    """The bin folder of a clean virtualenv with xeus-kernel-ci[update] installed from its wheel."""
    return kernel_ci.clean_venv(tmp_path_factory.mktemp("kernel-ci") / "venv", kernel_ci_wheelhouse, "update")


@pytest.fixture(scope="session")
def toolchain(pytestconfig, kernel_ci_wheelhouse):
    """xeus 6 for the native tiers: the user's xeus if any, else the cached Debian root; its
    Python has xeus-kernel-ci, which the generated tests use, installed from the wheel."""
    found = provisioned(pytestconfig, find_toolchain, "xeus 6 toolchain")
    kernel_ci.install_into_toolchain(found, kernel_ci_wheelhouse, cache_dir())
    return found


@pytest.fixture(scope="session")
def wasm_toolchain(pytestconfig, kernel_ci_wheelhouse):
    """emscripten, node, jupyterlite-xeus, Playwright and Chromium for the wasm tier, and
    xeus-kernel-ci from its wheel."""
    found = provisioned(pytestconfig, find_wasm_toolchain, "emscripten toolchain")
    kernel_ci.install_into_toolchain(found, kernel_ci_wheelhouse, cache_dir())
    return found


@contextlib.contextmanager
def started_kernel(toolchain, spec_file: Path, work: Path, kernel: str, *, ready_timeout: float = 30):
    """A kernel started by jupyter_client on this machine from a kernelspec (spec_file), its
    command run through the toolchain; yields (manager, client), shuts the kernel down."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec = json.loads(spec_file.read_text())
    spec["argv"] = toolchain.command(spec["argv"])
    (work / "kernels" / kernel).mkdir(parents=True)
    (work / "kernels" / kernel / "kernel.json").write_text(json.dumps(spec))
    manager = KernelManager(
        kernel_name=kernel,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(work / "kernels")]),
        connection_file=str(work / "connection.json"),
    )
    manager.start_kernel(env=toolchain.environment())
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=ready_timeout)
        yield manager, client
    finally:
        client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)
