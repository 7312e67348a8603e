"""repo-review fixtures: what the checks read from a kernel repository, parsed tolerantly.

Each fixture takes the repository root (a ``Traversable``: a local ``Path``, repo-review's
``GHPath`` for ``gh:org/repo``, or its empty stand-in while listing checks) and never
raises: a file that cannot be read or parsed is recorded with the reason, and the checks
turn that reason into a failure or a skip.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import posixpath
import re
from typing import Any

import yaml

from .parsing import (
    CMakeCommand,
    collect_variables,
    expand_variables,
    load_json_template,
    parse_cmake,
    strip_cpp_comments,
    strip_js_comments,
)

MAX_DEPTH = 10
MAX_FILES = 50_000
MAX_TEXT_BYTES = 2_000_000

# Folders that hold no source of the kernel: build trees, environments, vendored code.
_SKIPPED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".pixi",
    ".cache",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".idea",
    ".vscode",
    "__pycache__",
    "node_modules",
    "_output",
    "wasm-host",
    "wasm_host",
    "third_party",
    "thirdparty",
    "3rdparty",
    "extern",
    "external",
    "vendor",
    "subprojects",
    ".ipynb_checkpoints",
    "site-packages",
}
_SKIPPED_DIR_PATTERN = re.compile(
    r"^(build([-_.].*)?|_build|cmake-build-.*|.*\.egg-info|dist)$", re.IGNORECASE
)


def _skip_dir(name: str) -> bool:
    return name in _SKIPPED_DIRS or bool(_SKIPPED_DIR_PATTERN.match(name))


@dataclasses.dataclass
class RepoTree:
    """The repository's files (posix paths relative to the root), build trees excluded."""

    files: list[str]
    dirs: list[str]
    truncated: bool = False
    problems: list[str] = dataclasses.field(default_factory=list)

    def has(self, path: str) -> bool:
        return path in self._file_set

    def has_dir(self, path: str) -> bool:
        return path.rstrip("/") in self._dir_set

    def under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return [f for f in self.files if f.startswith(prefix)]

    def named(self, pattern: str) -> list[str]:
        """Files whose base name matches the regular expression (full match)."""
        regex = re.compile(pattern)
        return [f for f in self.files if regex.fullmatch(posixpath.basename(f))]

    @property
    def _file_set(self) -> set[str]:
        cached = self.__dict__.get("_files_cache")
        if cached is None:
            cached = self.__dict__["_files_cache"] = set(self.files)
        return cached

    @property
    def _dir_set(self) -> set[str]:
        cached = self.__dict__.get("_dirs_cache")
        if cached is None:
            cached = self.__dict__["_dirs_cache"] = set(self.dirs)
        return cached


def _walk(root: Any) -> RepoTree:
    files: list[str] = []
    dirs: list[str] = []
    problems: list[str] = []
    truncated = False
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        node, prefix, depth = stack.pop()
        try:
            children = sorted(node.iterdir(), key=lambda p: p.name)
        except Exception as error:  # noqa: BLE001 - unreadable folder: note it, go on
            if prefix:
                problems.append(f"{prefix}: {error}")
            continue
        for child in children:
            name = child.name
            rel = f"{prefix}{name}"
            try:
                if getattr(child, "is_symlink", lambda: False)() and child.is_dir():
                    continue
                is_dir = child.is_dir()
            except Exception:  # noqa: BLE001, S112 - an entry that cannot be inspected is left out
                continue
            if is_dir:
                if _skip_dir(name) or depth >= MAX_DEPTH:
                    continue
                dirs.append(rel)
                stack.append((child, rel + "/", depth + 1))
            else:
                files.append(rel)
                if len(files) >= MAX_FILES:
                    truncated = True
                    stack.clear()
                    break
    files.sort()
    dirs.sort()
    return RepoTree(files, dirs, truncated, problems)


def read_text(root: Any, path: str) -> tuple[str | None, str]:
    """Text of a file, or (None, reason)."""
    try:
        node = root.joinpath(*path.split("/"))
        data = node.read_bytes()
    except Exception as error:  # noqa: BLE001 - any failure to read is a reason, never a crash
        return None, f"`{path}` cannot be read ({type(error).__name__}: {error})"
    if len(data) > MAX_TEXT_BYTES:
        return None, f"`{path}` is too large to review ({len(data)} bytes)"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as error:
        return None, f"`{path}` is not UTF-8 text (byte {error.start})"


def xk_repo(root: Any) -> RepoTree:
    """Fixture: the files of the repository (build trees and vendored code excluded)."""
    try:
        return _walk(root)
    except Exception as error:  # noqa: BLE001 - a Traversable that misbehaves
        return RepoTree([], [], problems=[f"the repository cannot be listed ({error})"])


# --------------------------------------------------------------------------------------
# CMake


@dataclasses.dataclass
class CMakeProject:
    """Every CMake file of the repository, split into commands."""

    files: list[str]
    commands: list[CMakeCommand]
    variables: dict[str, list[str]]
    unreadable: dict[str, str]
    problems: list[str]

    @property
    def present(self) -> bool:
        return "CMakeLists.txt" in self.files

    def calls(self, *names: str) -> list[CMakeCommand]:
        wanted = {n.lower() for n in names}
        return [c for c in self.commands if c.name in wanted]

    def expand(self, value: str) -> list[str]:
        return expand_variables(value, self.variables)

    def expanded_args(self, command: CMakeCommand) -> list[str]:
        """Arguments with variables expanded (each expansion of each argument)."""
        out: list[str] = []
        for arg in command.args:
            out.extend(self.expand(arg))
        return out

    def arguments(
        self, *, exclude: tuple[str, ...] = ("message",), skip_files: tuple[str, ...] = ()
    ) -> list[tuple[CMakeCommand, str]]:
        """(command, expanded argument) for every argument of every command."""
        out: list[tuple[CMakeCommand, str]] = []
        for command in self.commands:
            if command.name in exclude or posixpath.basename(command.file) in skip_files:
                continue
            for arg in self.expanded_args(command):
                out.append((command, arg))
        return out

    def mentions(self, pattern: str, **kwargs: Any) -> list[tuple[CMakeCommand, str]]:
        regex = re.compile(pattern)
        return [(c, a) for c, a in self.arguments(**kwargs) if regex.search(a)]


def _is_cmake_file(path: str) -> bool:
    base = posixpath.basename(path)
    return base == "CMakeLists.txt" or base.endswith(".cmake")


def xk_cmake(root: Any, xk_repo: RepoTree) -> CMakeProject:
    """Fixture: CMakeLists.txt and *.cmake files, comments stripped, split into commands."""
    files = [f for f in xk_repo.files if _is_cmake_file(f)]
    # The top-level CMakeLists.txt first, then by depth: simple set() values resolve in
    # the order CMake would usually meet them.
    files.sort(key=lambda f: (f != "CMakeLists.txt", f.count("/"), f))
    commands: list[CMakeCommand] = []
    unreadable: dict[str, str] = {}
    problems: list[str] = []
    for path in files:
        text, reason = read_text(root, path)
        if text is None:
            unreadable[path] = reason
            continue
        try:
            parsed, issues = parse_cmake(text, path)
        except Exception as error:  # noqa: BLE001 - never: parse_cmake is total, but stay safe
            unreadable[path] = f"`{path}` cannot be parsed ({error})"
            continue
        commands.extend(parsed)
        problems.extend(issues)
    return CMakeProject(files, commands, collect_variables(commands), unreadable, problems)


# --------------------------------------------------------------------------------------
# Kernelspecs


@dataclasses.dataclass
class Kernelspec:
    path: str
    folder: str  # the kernelspec folder (share/jupyter/kernels/<name>)
    name: str  # the folder's name: the kernel name
    data: dict | None
    error: str
    placeholders: bool
    wasm: bool  # a wasm-only spec (wasm_kernel.json.in, a wasm folder)
    logos: list[str]

    @property
    def standard(self) -> bool:
        """In the standard place: share/jupyter/kernels/<name>/kernel.json[.in]."""
        return bool(re.fullmatch(r"(.*/)?share/jupyter/kernels/[^/]+/kernel\.json(\.in)?", self.path))


_SPEC_NAME = re.compile(r"(.*kernel.*\.json\.in|kernel\.json)")


def xk_kernelspecs(root: Any, xk_repo: RepoTree) -> list[Kernelspec]:
    """Fixture: every kernelspec file (``kernel.json``, ``*kernel.json.in``), parsed as JSON
    after replacing ``@VAR@`` placeholders; standard ones first."""
    specs: list[Kernelspec] = []
    for path in xk_repo.named(_SPEC_NAME.pattern):
        parts = path.split("/")
        if any(p in ("test", "tests", "docs", "doc", "examples", "notebooks") for p in parts[:-1]):
            continue
        folder = posixpath.dirname(path)
        name = posixpath.basename(folder) if folder else ""
        base = posixpath.basename(path)
        wasm = "wasm" in base.lower() or "wasm" in name.lower()
        logos = sorted(
            posixpath.basename(f)
            for f in xk_repo.files
            if posixpath.dirname(f) == folder and posixpath.basename(f).startswith("logo")
        )
        text, reason = read_text(root, path)
        if text is None:
            specs.append(Kernelspec(path, folder, name, None, reason, False, wasm, logos))
            continue
        try:
            data, placeholders = load_json_template(text)
        except ValueError as error:
            specs.append(Kernelspec(path, folder, name, None, f"`{path}` is {error}", False, wasm, logos))
            continue
        if not isinstance(data, dict):
            specs.append(
                Kernelspec(
                    path, folder, name, None, f"`{path}` is not a JSON object", placeholders, wasm, logos
                )
            )
            continue
        specs.append(Kernelspec(path, folder, name, data, "", placeholders, wasm, logos))
    specs.sort(key=lambda s: (not s.standard, s.path))
    return specs


# --------------------------------------------------------------------------------------
# CMake presets


@dataclasses.dataclass
class JsonFile:
    path: str
    present: bool
    data: Any = None
    error: str = ""


def xk_presets(root: Any, xk_repo: RepoTree) -> JsonFile:
    """Fixture: CMakePresets.json, parsed."""
    path = "CMakePresets.json"
    if not xk_repo.has(path):
        return JsonFile(path, False)
    text, reason = read_text(root, path)
    if text is None:
        return JsonFile(path, True, error=reason)
    try:
        return JsonFile(path, True, json.loads(text))
    except json.JSONDecodeError as error:
        return JsonFile(path, True, error=f"`{path}` is not valid JSON (line {error.lineno}: {error.msg})")


# --------------------------------------------------------------------------------------
# JavaScript glue


@dataclasses.dataclass
class JsFile:
    path: str
    code: str  # comments stripped
    role: str  # "pre", "post" or "other"


@dataclasses.dataclass
class WasmGlue:
    files: list[JsFile]
    unreadable: dict[str, str]
    linked_pre: list[str]  # basenames given to --pre-js
    linked_post: list[str]  # basenames given to --post-js

    def role(self, role: str) -> list[JsFile]:
        return [f for f in self.files if f.role == role]


def _linked(cmake: CMakeProject, flag: str) -> list[str]:
    names: list[str] = []
    for command, arg in cmake.mentions(re.escape(flag)):
        tail = arg.split(flag, 1)[1].strip().strip('"').strip("'")
        if not tail:  # the file is the next argument
            args = cmake.expanded_args(command)
            try:
                tail = args[args.index(arg) + 1]
            except (ValueError, IndexError):
                tail = ""
        tail = tail.strip().strip('"').strip("'").strip("\\").strip('"')
        if tail:
            names.append(posixpath.basename(tail.replace("\\", "/")))
    return names


def xk_wasm_glue(root: Any, xk_repo: RepoTree, xk_cmake: CMakeProject) -> WasmGlue:
    """Fixture: the JavaScript linked into the wasm module (pre.js, post.js, ...), comments
    stripped, with the names CMake passes to ``--pre-js`` / ``--post-js``."""
    linked_pre = _linked(xk_cmake, "--pre-js")
    linked_post = _linked(xk_cmake, "--post-js")
    files: list[JsFile] = []
    unreadable: dict[str, str] = {}
    for path in xk_repo.files:
        base = posixpath.basename(path)
        if not base.endswith((".js", ".mjs")) or any(
            p in ("docs", "test", "tests", "ui-tests") for p in path.split("/")[:-1]
        ):
            continue
        lower = base.lower()
        if base in linked_pre or re.search(r"(^|[-_.])pre\.m?js$", lower):
            role = "pre"
        elif base in linked_post or re.search(r"(^|[-_.])post\.m?js$", lower):
            role = "post"
        elif path.split("/")[0] == "wasm":
            role = "other"
        else:
            continue
        text, reason = read_text(root, path)
        if text is None:
            unreadable[path] = reason
            continue
        files.append(JsFile(path, strip_js_comments(text), role))
    return WasmGlue(files, unreadable, linked_pre, linked_post)


@dataclasses.dataclass
class CppSources:
    files: dict[str, str]  # path -> code, comments stripped
    unreadable: dict[str, str]


_CPP = re.compile(r".*\.(cpp|cc|cxx|hpp|hh|hxx|h)(\.in)?")


def xk_cpp(root: Any, xk_repo: RepoTree) -> CppSources:
    """Fixture: the kernel's C++ sources (src/, include/, top level), comments stripped."""
    candidates = [
        f
        for f in xk_repo.named(_CPP.pattern)
        if f.split("/")[0] in ("src", "include", "wasm") or "/" not in f
    ]
    # The emscripten entry points first: with huge trees, they are what matters.
    candidates.sort(key=lambda f: ("emscripten" not in f and "wasm" not in f, f))
    files: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for path in candidates[:400]:
        text, reason = read_text(root, path)
        if text is None:
            unreadable[path] = reason
        else:
            files[path] = strip_cpp_comments(text)
    return CppSources(files, unreadable)


# --------------------------------------------------------------------------------------
# YAML: environments, workflows, copier answers


@dataclasses.dataclass
class YamlFile:
    path: str
    data: Any = None
    error: str = ""


def _load_yaml(root: Any, path: str) -> YamlFile:
    text, reason = read_text(root, path)
    if text is None:
        return YamlFile(path, error=reason)
    try:
        return YamlFile(path, yaml.safe_load(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        return YamlFile(path, error=f"`{path}` is not valid YAML{where}: {problem}")


def xk_environments(root: Any, xk_repo: RepoTree) -> dict[str, YamlFile]:
    """Fixture: the conda environment files (``environment*.yml``) of the repository root,
    ``ci/`` and ``.github/``, by path."""
    paths = [
        f
        for f in xk_repo.named(r"environment[^/]*\.ya?ml")
        if "/" not in f or f.split("/")[0] in ("ci", ".ci", ".github")
    ]
    return {p: _load_yaml(root, p) for p in paths}


def xk_workflows(root: Any, xk_repo: RepoTree) -> dict[str, YamlFile]:
    """Fixture: the GitHub Actions workflows (``.github/workflows/*.yml``), by path."""
    paths = [
        f for f in xk_repo.under(".github/workflows") if f.count("/") == 2 and f.endswith((".yml", ".yaml"))
    ]
    return {p: _load_yaml(root, p) for p in paths}


def xk_copier_answers(root: Any, xk_repo: RepoTree) -> YamlFile | None:
    """Fixture: the copier answers file (``.copier-answers.yml``), or None."""
    for path in (".copier-answers.yml", ".copier-answers.yaml"):
        if xk_repo.has(path):
            return _load_yaml(root, path)
    others = [f for f in xk_repo.named(r"\.copier-answers[^/]*\.ya?ml") if "/" not in f]
    return _load_yaml(root, others[0]) if others else None


# --------------------------------------------------------------------------------------
# Tests


@dataclasses.dataclass
class TestSuite:
    path: str
    classes: dict[str, set[str]]  # KernelTests subclasses -> attributes and methods defined


@dataclasses.dataclass
class TestFiles:
    kernel_suites: list[TestSuite]  # files importing jupyter_kernel_test
    texts: dict[str, str]  # every test file's text (for wasm test detection)
    unreadable: dict[str, str]


_TEST_DIRS = {"test", "tests", "testing", "ui-tests", "test-wasm", "wasm-test", "tests-wasm", "e2e"}
_TEST_SUFFIXES = (".py", ".js", ".mjs", ".ts", ".cjs")


def _kernel_test_classes(tree: ast.Module) -> dict[str, set[str]]:
    imported = False
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Import)
            and any(a.name.split(".")[0] == "jupyter_kernel_test" for a in node.names)
            or isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] == "jupyter_kernel_test"
        ):
            imported = True
    if not imported:
        return {}
    classes: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [ast.unparse(b) for b in node.bases]
        if not any(b.split(".")[-1] == "KernelTests" for b in bases):
            continue
        members: set[str] = set()
        for item in node.body:
            if isinstance(item, (ast.Assign, ast.AnnAssign)):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                value = item.value
                empty = (
                    value is None
                    or (isinstance(value, ast.Constant) and value.value in ("", None))
                    or (
                        isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.Set))
                        and not getattr(value, "elts", getattr(value, "keys", None))
                    )
                )
                for target in targets:
                    if isinstance(target, ast.Name) and not empty:
                        members.add(target.id)
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                members.add(item.name)
        classes[node.name] = members
    return classes


def xk_tests(root: Any, xk_repo: RepoTree) -> TestFiles:
    """Fixture: the test files (test/, tests/, ui-tests/ ...), with the jupyter_kernel_test
    suites found in the Python ones."""
    paths = [
        f
        for f in xk_repo.files
        if f.endswith(_TEST_SUFFIXES)
        and (
            any(p in _TEST_DIRS for p in f.split("/")[:-1])
            or posixpath.basename(f).startswith("test_")
            and "/" not in f
        )
    ][:500]
    suites: list[TestSuite] = []
    texts: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for path in paths:
        text, reason = read_text(root, path)
        if text is None:
            unreadable[path] = reason
            continue
        texts[path] = text
        if path.endswith(".py") and "jupyter_kernel_test" in text:
            try:
                tree = ast.parse(text, filename=path)
            except (SyntaxError, ValueError) as error:
                unreadable[path] = f"`{path}` is not valid Python (line {getattr(error, 'lineno', '?')})"
                continue
            classes = _kernel_test_classes(tree)
            if classes:
                suites.append(TestSuite(path, classes))
    return TestFiles(suites, texts, unreadable)


# --------------------------------------------------------------------------------------
# Does the repository build for WebAssembly?


@dataclasses.dataclass
class WasmBuild:
    enabled: bool
    evidence: str


def xk_wasm(xk_repo: RepoTree, xk_cmake: CMakeProject) -> WasmBuild:
    """Fixture: whether the kernel builds for WebAssembly, and why we think so.

    The template's ``cmake/XeusKernel.cmake`` has its EMSCRIPTEN branch whether or not the
    kernel builds for wasm, so it is no evidence; an emscripten entry point, a wasm
    environment file or an EMSCRIPTEN branch of the kernel's own CMake code is.
    """
    for path in xk_repo.files:
        base = posixpath.basename(path)
        if re.fullmatch(r"main_emscripten.*\.cpp|environment-wasm.*\.ya?ml", base):
            return WasmBuild(True, f"`{path}`")
    for command in xk_cmake.commands:
        if posixpath.basename(command.file) == "XeusKernel.cmake":
            continue
        if command.name in ("if", "elseif") and any(re.search(r"\bEMSCRIPTEN\b", a) for a in command.args):
            return WasmBuild(True, f"`{command.name}(EMSCRIPTEN)` in {command.file}")
        if command.name == "find_package" and command.args[:1] == ("xeus-lite",):
            return WasmBuild(True, f"`find_package(xeus-lite)` in {command.file}")
    return WasmBuild(False, "no emscripten entry point, no wasm environment, no EMSCRIPTEN branch in CMake")


def xk_lite_config(root: Any, xk_repo: RepoTree) -> dict[str, JsonFile]:
    """Fixture: JupyterLite configuration files (``jupyter_lite_config.json``,
    ``jupyter-lite.json``), by path."""
    out: dict[str, JsonFile] = {}
    for path in xk_repo.named(r"jupyter[_-]lite(_config)?\.jsonc?"):
        if path.count("/") > 2:
            continue
        text, reason = read_text(root, path)
        if text is None:
            out[path] = JsonFile(path, True, error=reason)
            continue
        try:
            out[path] = JsonFile(path, True, json.loads(text))
        except json.JSONDecodeError as error:
            out[path] = JsonFile(path, True, error=f"`{path}` is not valid JSON (line {error.lineno})")
    return out
