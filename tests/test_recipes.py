"""The generated package recipes (rattler-build, recipe format v1): recipe/conda-forge for the
native kernel, recipe/emscripten-forge for the wasm kernel.

Validated by rattler-build's own recipe parser (py-rattler-build, from PyPI): no PyPI or npm
package ships the JSON schema prefix-dev publishes for the format, and the parser is the
format's reference (it refuses unknown keys and wrong types, tested below). Rendered by
rattler-build for the platforms each channel builds, with the variant keys those channels
set. Offline, the build stops where rattler-build resolves the build and host environments
from conda-forge / emscripten-forge (not reachable here): tested too. The native recipe's
build script then runs for real in the xeus toolchain, the same commands, into a prefix,
and the recipe's own tests run against what it installed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import render
from samples import BASE, answers
from template_repo import copier_config

rattler_build = pytest.importorskip("rattler_build", reason="py-rattler-build is not installed (test extra)")

STACK = copier_config()["stack"]["default"]
LINE = STACK["lines"][STACK["line"]]
VERSION = "0.1.0"  # the VERSION of project() in the generated CMakeLists.txt
NATIVE, WASM = "recipe/conda-forge/recipe.yaml", "recipe/emscripten-forge/recipe.yaml"
# The variant keys conda-forge's and emscripten-forge's configurations give every build.
VARIANTS = {
    "linux-64": {"c_stdlib": ["sysroot"], "c_stdlib_version": ["2.17"]},
    "osx-64": {"c_stdlib": ["macosx_deployment_target"], "c_stdlib_version": ["10.13"]},
    "osx-arm64": {"c_stdlib": ["macosx_deployment_target"], "c_stdlib_version": ["11.0"]},
    "emscripten-wasm32": {"cxx_compiler_version": [LINE["emscripten"]]},
}
PLATFORMS = {NATIVE: ["linux-64", "osx-64", "osx-arm64"], WASM: ["emscripten-wasm32"]}
DEPENDENCIES = {
    "dev_dependencies": ["lua >=5.4,<5.5", "conda-forge::zlib"],
    "wasm_host_dependencies": ["lua"],
    "wasm_build_dependencies": ["make"],
}


@pytest.fixture(autouse=True)
def _kernel_version(monkeypatch):
    monkeypatch.setenv("KERNEL_VERSION", VERSION)


def rendered_recipe(project: Path, recipe: str, platform: str) -> dict:
    parsed = rattler_build.Stage0Recipe.from_file(project / recipe)
    config = rattler_build.RenderConfig(platform=rattler_build.PlatformConfig(target_platform=platform))
    (variant,) = parsed.render(rattler_build.VariantConfig(VARIANTS[platform]), config)
    return variant.recipe.to_dict()


def recipes_of(name: str) -> list[str]:
    data = answers(name)
    return ([NATIVE] if data.get("with_native", True) else []) + ([WASM] if data.get("with_wasm", True) else [])


def test_every_render_has_its_recipes_and_they_render(rendered, render_name):
    project = rendered(render_name)
    data = answers(render_name)
    kernel, name = data.get("kernel_name", "xmylang"), data.get("project_name", "xeus-mylang")
    assert sorted(str(p.relative_to(project)) for p in project.glob("recipe/*/recipe.yaml")) == sorted(recipes_of(render_name))
    for recipe in recipes_of(render_name):
        parsed = rattler_build.Stage0Recipe.from_file(project / recipe)
        assert parsed.schema_version == 1
        for platform in PLATFORMS[recipe]:
            out = rendered_recipe(project, recipe, platform)
            assert out["package"] == {"name": name, "version": VERSION}
            assert out["source"] == [{"path": "../.."}]
            assert out["about"]["license"] == data.get("license", "BSD-3-Clause")
            assert out["about"]["summary"] == data.get("description", f"A Jupyter kernel for {data['language_name']}, built on xeus").replace("${{", "$ {{")
            host = out["requirements"]["host"]
            assert f"xeus >={LINE['xeus']},<{LINE['xeus'] + 1}" in host and "nlohmann_json" in host
            files = out["tests"][0]["package_contents"]["files"]
            assert f"share/jupyter/kernels/{kernel}/kernel.json" in files
            if recipe == NATIVE:
                assert f"xeus-zmq >={LINE['xeus-zmq']},<{LINE['xeus-zmq'] + 1}" in host
                assert out["tests"][0]["package_contents"]["bin"] == [kernel]
                assert out["build"]["script"][0].startswith("cmake ${CMAKE_ARGS} --preset native ")
                assert "run" not in out["requirements"]  # run_exports of what host links
            else:
                assert f"xeus-lite >={LINE['xeus-lite']},<{LINE['xeus-lite'] + 1}" in host
                assert out["requirements"]["build"][0] == f"emscripten_emscripten-wasm32 {LINE['emscripten']}.*"
                wasm = [f"bin/{kernel}.js", f"bin/{kernel}.wasm"] + ([f"bin/{kernel}.data"] if data.get("with_runtime_files") else [])
                assert files[: len(wasm)] == wasm
                assert out["build"]["script"][-1] == "cmake --install build/wasm"
    if NATIVE in recipes_of(render_name):
        assert rattler_build.Stage0Recipe.from_file(project / NATIVE).build.to_dict()["skip"] == ["win"]


def test_the_kernels_own_dependencies_come_from_their_answers(tmp_path):
    """Channel-qualified specs lose their channel: a recipe names packages of its channel."""
    project = render(tmp_path / "deps", {**BASE, **DEPENDENCIES})
    native = rendered_recipe(project, NATIVE, "linux-64")["requirements"]
    assert native["host"][-2:] == ["lua >=5.4,<5.5", "zlib"]
    wasm = rendered_recipe(project, WASM, "emscripten-wasm32")["requirements"]
    assert wasm["host"][-1] == "lua" and wasm["build"][-1] == "make"


def test_the_format_is_enforced(rendered):
    """rattler-build's parser is a real validator: an unknown key, a wrong type, a recipe
    without package are refused with their reason."""
    text = (rendered("defaults") / NATIVE).read_text()
    broken = {
        "unknown field 'numbr'": text.replace("  number: 0\n", "  numbr: 0\n"),
        "'requirements': unknown field 'hosts'": text.replace("  host:\n", "  hosts:\n"),
        "expected scalar but got non-scalar": text.replace("  skip:\n    - win\n", "  skip:\n    - {win: true}\n"),
        "missing required field 'package'": text.replace("package:\n  name: ${{ name }}\n  version: ${{ version }}\n", ""),
    }
    for reason, recipe in broken.items():
        assert recipe != text, reason
        with pytest.raises(rattler_build.RecipeParseError, match=reason):
            rattler_build.Stage0Recipe.from_yaml(recipe)


def test_offline_the_build_stops_at_resolving_its_environments(rendered, tmp_path):
    """Where rendering ends offline: the build resolves its build and host environments
    from the channels (conda-forge is not reachable here; an empty local channel stands in)."""
    channel = tmp_path / "channel"
    for subdir in ("noarch", "linux-64"):
        (channel / subdir).mkdir(parents=True)
        (channel / subdir / "repodata.json").write_text(json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": {}}))
    project = tmp_path / "project"
    shutil.copytree(rendered("defaults"), project)
    recipe = rattler_build.Stage0Recipe.from_file(project / NATIVE)
    with pytest.raises(Exception, match="Failed to resolve dependencies"):
        recipe.run_build(
            variant_config=rattler_build.VariantConfig(VARIANTS["linux-64"]),
            channels=[channel.as_uri()], output_dir=str(tmp_path / "output"),
        )


def run_script(toolchain, lines: list[str], cwd: Path, env: dict[str, str]):
    """A recipe's script the way rattler-build runs it on unix: one bash script, stopping at
    the first failure, in the source folder."""
    return toolchain.run(["bash", "-euo", "pipefail", "-c", "\n".join(lines)], cwd=cwd, env=env, check=False)


@pytest.mark.native
def test_native_recipe_installs_the_kernel_and_passes_its_tests(rendered, toolchain, tmp_path_factory):
    """The conda-forge recipe's build script, line for line, in the xeus toolchain: a kernel
    installed into $PREFIX with its kernelspec (argv[0] in $PREFIX, which conda relocates),
    everything its package_contents test names, and its own protocol suite passing."""
    work = tmp_path_factory.mktemp("recipe-native")
    project, prefix = work / "src", work / "prefix"
    shutil.copytree(rendered("runtime-files"), project)
    data = answers("runtime-files")
    kernel = data.get("kernel_name", "xmylang")
    recipe = rendered_recipe(project, NATIVE, "linux-64")
    tc = toolchain.with_binds([work])
    env = {
        **tc.build_environment(),
        "PREFIX": str(prefix), "SRC_DIR": str(project), "CPU_COUNT": str(os.cpu_count() or 2),
        # What conda-forge's compiler activation puts in CMAKE_ARGS on linux (less its toolchain paths).
        "CMAKE_ARGS": f"-DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX={prefix} -DCMAKE_INSTALL_LIBDIR=lib",
    }
    built = run_script(tc, recipe["build"]["script"], project, env)
    assert built.returncode == 0, built.stdout[-8000:]
    assert "CMake Warning" not in built.stdout, built.stdout[:6000]
    contents = recipe["tests"][0]["package_contents"]
    assert [b for b in contents["bin"] if not (prefix / "bin" / b).is_file()] == []
    missing = [f for f in contents["files"] if not (list(prefix.glob(f)) if "*" in f else (prefix / f).is_file())]
    assert missing == []
    spec = json.loads((prefix / f"share/jupyter/kernels/{kernel}/kernel.json").read_text())
    assert spec["argv"][0] == f"{prefix}/bin/{kernel}"
    assert not (project / "build/native/CTestTestfile.cmake").read_text().count("add_test")  # BUILD_TESTING=OFF
    # The recipe's test: its files (test/) in a folder of their own, against the installed
    # kernel. rattler-build installs the package into the test environment's prefix, where
    # jupyter_client looks; here the kernel is in $PREFIX, so JUPYTER_PATH points there.
    test = recipe["tests"][1]
    testdir = work / "test-env"
    for source in test["files"]["source"]:
        shutil.copytree(project / source, testdir / source)
    script = [line.replace("python ", f"{tc.python} ", 1) if line.startswith("python ") else line for line in [test["script"]]]
    tested = run_script(tc, script, testdir, {"JUPYTER_PATH": str(prefix / "share/jupyter")})
    assert tested.returncode == 0, tested.stdout[-8000:]
    assert " passed" in tested.stdout.strip().splitlines()[-1], tested.stdout[-2000:]


WASM_HOST_PREFIX = os.environ.get("WASM_HOST_PREFIX")


@pytest.mark.wasm
@pytest.mark.skipif(not WASM_HOST_PREFIX, reason="wasm tier: no wasm host prefix (WASM_HOST_PREFIX)")
def test_wasm_recipe_installs_what_jupyterlite_xeus_loads(rendered, wasm_toolchain, tmp_path_factory):
    """The emscripten-forge recipe's build script, line for line, with a copy of the wasm host
    prefix as $PREFIX: bin/<kernel>.js/.wasm/.data and the kernelspec, argv[0] in $PREFIX."""
    work = tmp_path_factory.mktemp("recipe-wasm")
    project, prefix = work / "src", work / "prefix"
    shutil.copytree(rendered("runtime-files"), project)
    shutil.copytree(WASM_HOST_PREFIX, prefix, symlinks=True)
    kernel = answers("runtime-files").get("kernel_name", "xmylang")
    recipe = rendered_recipe(project, WASM, "emscripten-wasm32")
    tc = wasm_toolchain.with_binds([work])
    built = run_script(tc, recipe["build"]["script"], project, {"PREFIX": str(prefix), "SRC_DIR": str(project), "CMAKE_ARGS": ""})
    assert built.returncode == 0, built.stdout[-8000:]
    missing = [f for f in recipe["tests"][0]["package_contents"]["files"] if not (prefix / f).is_file()]
    assert missing == []
    spec = json.loads((prefix / f"share/jupyter/kernels/{kernel}/kernel.json").read_text())
    assert spec["argv"] == [f"{prefix}/bin/{kernel}"]

