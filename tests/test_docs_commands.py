"""The commands of the docs, run as a reader runs them: in order, in one shell, in an empty folder.

A code block runs when an HTML comment right before it says so (neither GitHub nor the site
shows it): ``<!-- docs-test: run -->``, or ``<!-- docs-test: run wasm -->`` for a block that
needs a wasm host prefix (it runs when WASM_HOST_PREFIX names one, as the wasm tier does).
``<!-- docs-test: output -->`` before a block says it is what the run block before it
prints; ``<!-- docs-test: output excerpt -->``, that these lines are among what it prints, in
this order (spaces collapsed, the sandbox's $CONDA_PREFIX written as such).

The sandbox stands in for a reader's machine, so that the commands run as written:

- ``gh:xeus-kernel-template/xeus-kernel-template`` is a release made of the working tree
  (tagged with pyproject.toml's version), which git reaches through ``url.insteadOf`` in the
  sandbox's git configuration: copier and adopt clone it as they would clone GitHub;
- ``micromamba activate xeus-mylang`` is what the docs ask the reader to run before the
  native build. Here, ``CONDA_PREFIX`` names an empty folder of the sandbox (the install goes
  there, and ``JUPYTER_PATH`` looks there, as the environment's Jupyter does), and ``cmake``
  and ``ctest`` run in the xeus 6 toolchain the native tier uses (the cached Debian root,
  or the user's xeus);
- the wasm block gets a copy of $WASM_HOST_PREFIX at ``./wasm-host``, where the command the
  docs give before it (micromamba, from emscripten-forge) would have created it.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from template_repo import commit_release, copy_template, git
from test_adopt import legacy_repository
from xeus_kernel_template.toolchain import ROOT_CHROMIUM, host_chromium

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKER = re.compile(
    r"^<!-- docs-test: (?P<what>[a-z ]+?) -->\n(?P<fence>`{3,})(?P<lang>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
WASM_HOST_PREFIX = os.environ.get("WASM_HOST_PREFIX")
GITHUB_OWNER = "https://github.com/xeus-kernel-template/"
# What the sandbox's shell sees of the host (its tools come from PATH, set below).
PASSED_TO_THE_TOOLCHAIN = ("CONDA_PREFIX", "WASM_HOST_PREFIX", "CHROMIUM_EXECUTABLE")


@dataclasses.dataclass
class Block:
    page: str
    line: int
    kind: str  # run, output
    options: set[str]
    body: str
    span: tuple[int, int]  # of the body in the page's text

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The marked blocks of a page, in order; a marker that is not right before a code block
    is an error, not a command that silently never runs."""
    text = path.read_text(encoding="utf-8")
    page = path.name
    found = []
    for match in MARKER.finditer(text):
        kind, *options = match["what"].split()
        found.append(Block(page, text.count("\n", 0, match.start()) + 1, kind, set(options), match["body"], match.span("body")))
    assert len(found) == text.count("<!-- docs-test:"), f"docs/{page}: a docs-test marker that is not right before a code block"
    for block in found:
        assert (block.kind, sorted(block.options)) in [("run", []), ("run", ["wasm"]), ("output", []), ("output", ["excerpt"])], (
            f"{block.where}: unknown marker {block.kind} {' '.join(sorted(block.options))}"
        )
    for before, block in itertools.pairwise(found):
        assert block.kind != "output" or before.kind == "run", f"{block.where}: output of no command"
    assert found and found[0].kind == "run", f"docs/{page} marks no command"
    return found


def _wrappers(bin_dir: Path, toolchain) -> None:
    """cmake and ctest on the sandbox's PATH, run in the toolchain's Debian root (bound at the
    same paths), in the current folder, with the variables a build takes from the environment."""
    for tool in ("cmake", "ctest"):
        script = bin_dir / tool
        script.write_text(
            f"#!{sys.executable}\n"
            "import os, subprocess, sys\n"
            "from pathlib import Path\n"
            "from xeus_kernel_template.toolchain import Toolchain\n"
            f"toolchain = Toolchain('docs', root=Path({str(toolchain.root)!r}), binds=[Path(p) for p in {[str(b) for b in toolchain.binds]!r}])\n"
            f"env = {{**{toolchain.build_environment()!r}, **{{k: os.environ[k] for k in {PASSED_TO_THE_TOOLCHAIN!r} if k in os.environ}}}}\n"
            f"argv = ['sh', '-c', 'cd \"$0\" && exec \"$@\"', os.getcwd(), {tool!r}, *sys.argv[1:]]\n"
            # unshare, mount and chroot: the system's, whatever the sandbox's PATH
            "sys.exit(subprocess.call(toolchain.command(argv, env), env={**os.environ, 'PATH': '/usr/sbin:/usr/bin:/sbin:/bin'}))\n"
        )
        script.chmod(0o755)


@dataclasses.dataclass
class Sandbox:
    work: Path
    env: dict[str, str]

    def run(self, page: str, runnable: list[Block], timeout: float = 600) -> dict[int, str]:
        """Run the blocks in one bash, from the sandbox's folder; each block's output by index."""
        state = self.work / "blocks"
        shutil.rmtree(state, ignore_errors=True)
        state.mkdir()
        script = [
            "set -euo pipefail",
            'trap \'echo "docs-test: block $block failed" >&2\' EXIT',
            # Where the docs' command before the wasm block would have created the host prefix.
            '_docs_test_wasm_host() { cp -a "$DOCS_TEST_WASM_HOST" "$PWD/wasm-host"; }',
        ]
        for index, block in enumerate(runnable):
            (state / f"{index}.sh").write_text(block.body)
            if "wasm" in block.options:
                script.append("_docs_test_wasm_host")
            script.append(f'block={index}; . "{state}/{index}.sh" > "{state}/{index}.out" 2>&1')
        script += ["trap - EXIT"]
        result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=self.work, env=self.env, capture_output=True,
                                text=True, timeout=timeout, check=False)
        outputs = {i: (state / f"{i}.out").read_text(errors="replace") for i in range(len(runnable)) if (state / f"{i}.out").exists()}
        if result.returncode != 0:
            failed = re.search(r"docs-test: block (\d+) failed", result.stderr)
            index = int(failed.group(1)) if failed else len(outputs) - 1
            block = runnable[index]
            pytest.fail(f"{block.where}: this command failed in the sandbox:\n{block.body}\n--- its output ---\n"
                        f"{outputs.get(index, '')[-6000:]}\n{result.stderr[-2000:]}", pytrace=False)
        return outputs


def _release(work: Path) -> None:
    """The working tree as the newest release, where the sandbox's git finds GitHub's copy."""
    source = work / "template-release"
    source.mkdir()
    git(source, "init", "--quiet")
    copy_template(source)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    commit_release(source, f"v{version}")
    (work / "github").mkdir()
    git(work, "clone", "--quiet", "--bare", str(source), str(work / "github/xeus-kernel-template.git"))


@pytest.fixture
def sandbox(tmp_path, toolchain, request) -> Sandbox:
    work = tmp_path
    _release(work)
    home = work / "home"
    home.mkdir()
    (home / "gitconfig").write_text(
        "[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n[init]\n\tdefaultBranch = main\n"
        f'[url "file://{work}/github/"]\n\tinsteadOf = {GITHUB_OWNER}\n'
    )
    (home / "copier.yml").write_text("{}\n")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    tools = toolchain
    if WASM_HOST_PREFIX and any("wasm" in b.options for b in blocks(DOCS / request.param)):
        tools = request.getfixturevalue("wasm_toolchain")
    tools = tools.with_binds([work])
    env = {
        "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb",
        "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
        "COPIER_SETTINGS_PATH": str(home / "copier.yml"),
        "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # micromamba activate xeus-mylang, as far as the commands see it.
        "CONDA_PREFIX": str(work / "env"), "JUPYTER_PATH": str(work / "env/share/jupyter"),
    }
    (work / "env").mkdir()
    if tools.root is not None:
        _wrappers(bin_dir, tools)
    else:
        env = tools.environment(env)  # the user's xeus: its prefix on PATH and CMAKE_PREFIX_PATH
    if WASM_HOST_PREFIX:
        env["DOCS_TEST_WASM_HOST"] = WASM_HOST_PREFIX
        chromium = ROOT_CHROMIUM if tools.root is not None else host_chromium()
        if chromium:
            env["CHROMIUM_EXECUTABLE"] = chromium
    return Sandbox(work, env)


def _normalise(text: str, sandbox: Sandbox) -> list[str]:
    text = text.replace(sandbox.env["CONDA_PREFIX"], "$CONDA_PREFIX")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def check_outputs(found: list[Block], outputs: dict[int, str], runnable: list[Block], sandbox: Sandbox) -> int:
    """Compare each output block with what its run block printed; how many were compared.
    With XKT_UPDATE_DOCS_OUTPUT=1, a whole output that differs is written into the page instead."""
    compared = 0
    rewrites: list[tuple[Block, str]] = []
    for before, block in itertools.pairwise(found):
        if block.kind != "output" or before not in runnable:
            continue
        printed = outputs[runnable.index(before)]
        if "excerpt" in block.options:
            lines, at = _normalise(printed, sandbox), 0
            for wanted in _normalise(block.body, sandbox):
                hits = [i for i in range(at, len(lines)) if wanted in lines[i]]
                assert hits, f"{block.where}: {wanted!r} is not in what {before.where} printed (after line {at}):\n{printed[-4000:]}"
                at = hits[0] + 1
        elif printed.rstrip("\n") != block.body.rstrip("\n"):
            if os.environ.get("XKT_UPDATE_DOCS_OUTPUT") == "1":
                rewrites.append((block, printed.rstrip("\n") + "\n"))
            else:
                pytest.fail(f"{block.where}: the docs show another output than {before.where} prints (rerun with "
                            f"XKT_UPDATE_DOCS_OUTPUT=1 to write it into the page); it prints:\n{printed}", pytrace=False)
        compared += 1
    for block, body in sorted(rewrites, key=lambda r: r[0].span[0], reverse=True):
        path = DOCS / block.page
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: block.span[0]] + body + text[block.span[1]:], encoding="utf-8")
        print(f"{block.where}: output written into the page (XKT_UPDATE_DOCS_OUTPUT=1)")
    return compared


def _prepare(page: str, sandbox: Sandbox) -> None:
    if page == "adopting.md":
        # The worked example's kernel, committed as its authors keep it (tests/test_adopt.py's).
        legacy_repository("lua", sandbox.work / "xeus-lua")


@pytest.mark.native
@pytest.mark.parametrize("sandbox", ["getting-started.md", "adopting.md"], indirect=True)
def test_the_commands_of_the_page_run_in_order(sandbox, request):
    page = request.node.callspec.params["sandbox"]
    found = blocks(DOCS / page)
    runnable = [b for b in found if b.kind == "run" and ("wasm" not in b.options or WASM_HOST_PREFIX)]
    _prepare(page, sandbox)
    outputs = sandbox.run(page, runnable)
    compared = check_outputs(found, outputs, runnable, sandbox)
    assert compared >= 1, f"docs/{page}: no output of its commands is checked"
    if len(runnable) < sum(b.kind == "run" for b in found):
        print(f"docs/{page}: the wasm commands did not run (no WASM_HOST_PREFIX)")


def test_a_marker_not_right_before_a_code_block_is_an_error(tmp_path):
    good = tmp_path / "good.md"
    good.write_text("<!-- docs-test: run -->\n```bash\necho one\n```\n\n<!-- docs-test: output -->\n```text\none\n```\n")
    assert [(b.kind, b.body) for b in blocks(good)] == [("run", "echo one\n"), ("output", "one\n")]
    broken = tmp_path / "broken.md"
    broken.write_text("<!-- docs-test: run -->\n\nsome text\n```bash\necho never\n```\n")
    with pytest.raises(AssertionError, match="not right before a code block"):
        blocks(broken)
