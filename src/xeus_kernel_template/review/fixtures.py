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
import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .cmake_model import CMakeModel, split_flags
from .envs import Command, Environment, Pixi, conda_environment, expand_commands, read_pixi
from .parsing import (
    SOURCE_DIR_VARIABLES,
    CMakeCommand,
    annotate_branches,
    collect_variables,
    expand_variables,
    inline_functions,
    load_json_template,
    parse_cmake,
    strip_cpp_comments,
    strip_js_comments,
)
from .pins import XEUS_WASM_RUNTIME_METHODS

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

    @property
    def model(self) -> CMakeModel:
        """Targets, emscripten flags, installs and generated files (computed once)."""
        cached = self.__dict__.get("_model")
        if cached is None:
            cached = self.__dict__["_model"] = CMakeModel(self.commands, self.variables)
        return cached

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


# Of parsing.SOURCE_DIR_VARIABLES: those naming the current file's folder; the others name the top.
_SOURCE_DIRS = ("${CMAKE_CURRENT_SOURCE_DIR}", "${CMAKE_CURRENT_LIST_DIR}")
_TOP_DIRS = tuple(v for v in SOURCE_DIR_VARIABLES if v not in _SOURCE_DIRS)
_BINARY_DIRS = ("${CMAKE_BINARY_DIR}", "${CMAKE_CURRENT_BINARY_DIR}", "${PROJECT_BINARY_DIR}")


def _built_lists(parsed: dict[str, list[CMakeCommand]]) -> set[str] | None:
    """The CMakeLists.txt files the build reaches from the top one through add_subdirectory();
    None when a directory cannot be told (a variable other than the source directories)."""
    reached, queue = set(), ["CMakeLists.txt"]
    while queue:
        path = queue.pop()
        if path in reached or path not in parsed:
            continue
        reached.add(path)
        here = posixpath.dirname(path)
        for command in parsed[path]:
            if command.name != "add_subdirectory" or not command.args:
                continue
            directory, base = command.args[0], here
            if directory.startswith(_BINARY_DIRS):
                continue  # fetched or generated sources: not in the repository
            for prefix in _SOURCE_DIRS + _TOP_DIRS:
                if directory.startswith(prefix):
                    directory, base = directory[len(prefix):].lstrip("/") or ".", here if prefix in _SOURCE_DIRS else ""
                    break
            if "${" in directory or posixpath.isabs(directory):
                return None
            queue.append(posixpath.normpath(posixpath.join(base, directory, "CMakeLists.txt")))
    return reached


def xk_cmake(root: Any, xk_repo: RepoTree) -> CMakeProject:
    """Fixture: the CMake files of the build (the top CMakeLists.txt, those it reaches through
    add_subdirectory(), every *.cmake), comments stripped, split into commands. A
    CMakeLists.txt that nothing adds (a leftover test/CMakeLists.txt, say) is parsed (its
    problems are still reported) but left out of the model."""
    files = [f for f in xk_repo.files if _is_cmake_file(f)]
    # The top-level CMakeLists.txt first, then by depth: simple set() values resolve in
    # the order CMake would usually meet them.
    files.sort(key=lambda f: (f != "CMakeLists.txt", f.count("/"), f))
    parsed: dict[str, list[CMakeCommand]] = {}
    unreadable: dict[str, str] = {}
    problems: list[str] = []
    for path in files:
        text, reason = read_text(root, path)
        if text is None:
            unreadable[path] = reason
            continue
        try:
            commands, issues = parse_cmake(text, path)
        except Exception as error:  # noqa: BLE001 - never: parse_cmake is total, but stay safe
            unreadable[path] = f"`{path}` cannot be parsed ({error})"
            continue
        parsed[path] = annotate_branches(commands)
        problems.extend(issues)
    built = _built_lists(parsed) if "CMakeLists.txt" in parsed else None
    if built is not None:
        files = [f for f in files if posixpath.basename(f) != "CMakeLists.txt" or f in built]
    commands = inline_functions([c for path in files for c in parsed.get(path, [])])
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
    wasm: bool  # a wasm-only spec: by its name (wasm_kernel.json.in) or installed by the wasm build only
    logos: list[str]
    text: str = ""
    builds: frozenset[str] = frozenset()  # which builds' CMake code uses it ("native", "wasm"); empty: unknown
    wasm_reason: str = ""  # why it is a wasm-only spec

    @property
    def standard(self) -> bool:
        """In the standard place: share/jupyter/kernels/<name>/kernel.json[.in]."""
        return bool(re.fullmatch(r"(.*/)?share/jupyter/kernels/[^/]+/kernel\.json(\.in)?", self.path))

    @property
    def raw_argv0(self) -> str | None:
        """argv[0] as written, placeholders (``@VAR@``) kept."""
        m = re.search(r'"argv"\s*:\s*\[\s*"((?:[^"\\]|\\.)*)"', self.text)
        return m.group(1) if m else None

    def line_of(self, needle: str) -> int | None:
        for number, line in enumerate(self.text.splitlines(), start=1):
            if needle in line:
                return number
        return None


_SPEC_NAME = re.compile(r"(.*kernel.*\.json\.in|kernel\.json)")
#: What a Jupyter connection file holds (a kernel's ports and key), which a kernelspec never does.
_CONNECTION_KEYS = frozenset({"shell_port", "iopub_port", "stdin_port", "control_port", "hb_port", "signature_scheme"})


def _connection_file(data: dict) -> bool:
    """A Jupyter connection file that happens to be called kernel.json: no argv, ports."""
    return "argv" not in data and bool(_CONNECTION_KEYS & data.keys())


def _spec_builds(spec_path: str, cmake: CMakeProject) -> frozenset[str]:
    """The builds whose CMake code uses the kernelspec: the commands naming the file itself
    (configure_file, file(READ), install(FILES), set()), else those naming its folder or
    the share/jupyter tree holding it (install(DIRECTORY)). Empty when none does."""
    folder = posixpath.dirname(spec_path)
    around = {folder}
    parent = folder
    while parent.count("/") and "share/jupyter" in parent:
        parent = posixpath.dirname(parent)
        around.add(parent)
    explicit: set[str] = set()
    broad: set[str] = set()
    for command in cmake.commands:
        if command.name in ("message", "if", "elseif", "else", "endif"):
            continue
        builds = {b for b in ("native", "wasm") if cmake.model.runs_in(command, b)}
        if command.branch:
            builds &= {command.branch}
        for arg in command.args:
            if "share" not in arg and "kernel" not in arg.lower() and "SPEC" not in arg.upper():
                continue
            for expansion in cmake.expand(arg):
                for piece in expansion.split(";"):
                    rel = _source_relative(piece)
                    if not rel:
                        continue
                    if rel == spec_path:
                        explicit |= builds
                    elif rel in around:
                        broad |= builds
    return frozenset(explicit or broad)


def xk_kernelspecs(root: Any, xk_repo: RepoTree, xk_cmake: CMakeProject | None = None) -> list[Kernelspec]:
    """Fixture: every kernelspec file (``kernel.json``, ``*kernel.json.in``), parsed as JSON
    after replacing ``@VAR@`` placeholders, with the builds whose CMake code uses it; a
    spec is wasm-only by its name (``wasm_kernel.json.in``, a wasm folder) or because only
    the wasm build configures or installs it. Standard ones first."""
    if xk_cmake is None:  # called directly (not as a fixture)
        xk_cmake = globals()["xk_cmake"](root, xk_repo)
    specs: list[Kernelspec] = []
    for path in xk_repo.named(_SPEC_NAME.pattern):
        parts = path.split("/")
        if any(p in ("test", "tests", "docs", "doc", "examples", "notebooks") for p in parts[:-1]):
            continue
        folder = posixpath.dirname(path)
        name = posixpath.basename(folder) if folder else ""
        base = posixpath.basename(path)
        builds = _spec_builds(path, xk_cmake)
        wasm, wasm_reason = False, ""
        if "wasm" in base.lower() or "wasm" in name.lower():
            wasm, wasm_reason = True, "its name says wasm"
        elif builds == {"wasm"}:
            wasm, wasm_reason = True, "only the wasm build configures or installs it"
        logos = sorted(
            posixpath.basename(f)
            for f in xk_repo.files
            if posixpath.dirname(f) == folder and posixpath.basename(f).startswith("logo")
        )
        text, reason = read_text(root, path)

        def make(data: dict | None, error: str, placeholders: bool) -> Kernelspec:
            return Kernelspec(path, folder, name, data, error, placeholders, wasm, logos, text or "", builds,
                              wasm_reason)

        if text is None:
            specs.append(make(None, reason, False))
            continue
        try:
            data, placeholders = load_json_template(text)
        except ValueError as error:
            specs.append(make(None, f"`{path}` is {error}", False))
            continue
        if not isinstance(data, dict):
            specs.append(make(None, f"`{path}` is not a JSON object", placeholders))
            continue
        if _connection_file(data):
            continue
        specs.append(make(data, "", placeholders))
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
class LinkedJs:
    """A file CMake links with ``--pre-js`` / ``--post-js``, traced to where its code is.

    ``path`` is the repository file whose code ends up in the module: the file itself, or
    the ``configure_file`` / ``file(COPY)`` input it is generated from. ``origin`` says
    how it was found; ``dependency`` is set when the file is copied from outside the
    repository (another package), so its code cannot be read here.
    """

    option: str
    value: str
    file: str  # the CMake file and line of the flag
    line: int
    path: str | None
    origin: str = ""
    dependency: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclasses.dataclass
class WasmGlue:
    files: list[JsFile]
    unreadable: dict[str, str]
    linked_pre: list[str]  # basenames given to --pre-js
    linked_post: list[str]  # basenames given to --post-js
    linked: list[LinkedJs] = dataclasses.field(default_factory=list)

    def role(self, role: str) -> list[JsFile]:
        return [f for f in self.files if f.role == role]

    def linked_as(self, option: str) -> list[LinkedJs]:
        return [item for item in self.linked if item.option == option]


def _source_relative(path: str) -> str | None:
    """A repository-relative path for a CMake path into the source tree, or None."""
    clean = path.strip().strip("\"'").replace("\\", "/")
    m = re.match(r"^\$\{(?:CMAKE_CURRENT_SOURCE_DIR|CMAKE_SOURCE_DIR|PROJECT_SOURCE_DIR|CMAKE_CURRENT_LIST_DIR|"
                 r"[A-Za-z0-9_.+\-]+_SOURCE_DIR)\}/?(.*)$", clean)
    if m:
        return posixpath.normpath(m.group(1)) if m.group(1) else ""
    if "${" in clean or "$<" in clean or clean.startswith("/"):
        return None
    return posixpath.normpath(clean)


def _trace_js(cmake: CMakeProject, repo: RepoTree, flag: Any) -> LinkedJs:
    values = [v.strip().strip("\"'") for v in cmake.expand(flag.value)] or [flag.value]
    linked = LinkedJs(flag.setting, values[0], flag.file, flag.line, None)
    base_dir = posixpath.dirname(flag.file)
    generated = cmake.model.generated()
    for value in values:
        rel = _source_relative(value)
        for candidate in filter(None, [rel, posixpath.normpath(posixpath.join(base_dir, rel)) if rel else None]):
            if repo.has(candidate):
                linked.path, linked.value = candidate, value
                return linked
    # Generated (configure_file) or copied (file(COPY)) into the build tree, then linked.
    for value in values:
        base = posixpath.basename(value.replace("\\", "/"))
        for output, sources in generated.items():
            if output != value and posixpath.basename(output.rstrip("/")) != base:
                continue
            for source, command in sources:
                expansions = cmake.expand(source)
                for expansion in expansions:
                    rel = _source_relative(expansion)
                    for candidate in filter(None, [rel, posixpath.normpath(posixpath.join(
                            posixpath.dirname(command.file), rel)) if rel else None]):
                        if repo.has(candidate):
                            linked.path, linked.value = candidate, value
                            linked.origin = f"generated from `{candidate}` by `{command.name}` at {command.where}"
                            return linked
                linked.value = value
                linked.dependency = source
                linked.origin = f"copied from `{source}` (outside the repository) by `{command.name}` at {command.where}"
                return linked
    # A file named like it somewhere in the repository (a path built in a way we cannot follow).
    base = posixpath.basename(values[0].replace("\\", "/"))
    same = [f for f in repo.files if posixpath.basename(f) in (base, base + ".in")]
    if len(same) == 1:
        linked.path = same[0]
        linked.origin = f"found by its name `{base}`"
    else:
        linked.origin = "no such file in the repository"
    return linked


def xk_wasm_glue(root: Any, xk_repo: RepoTree, xk_cmake: CMakeProject) -> WasmGlue:
    """Fixture: the JavaScript linked into the wasm module (pre.js, post.js, ...), comments
    stripped: every file CMake passes to ``--pre-js`` / ``--post-js`` (traced through
    ``configure_file`` and copies), plus ``wasm/*.js`` and files named ``*pre.js`` /
    ``*post.js``."""
    linked = [
        _trace_js(xk_cmake, xk_repo, flag)
        for flag in xk_cmake.model.flags
        if flag.setting in ("--pre-js", "--post-js")
    ]
    roles: dict[str, str] = {}
    for item in linked:
        if item.path:
            roles.setdefault(item.path, "pre" if item.option == "--pre-js" else "post")
    linked_pre = [posixpath.basename(i.path or i.value) for i in linked if i.option == "--pre-js"]
    linked_post = [posixpath.basename(i.path or i.value) for i in linked if i.option == "--post-js"]
    files: list[JsFile] = []
    unreadable: dict[str, str] = {}
    for path in xk_repo.files:
        base = posixpath.basename(path)
        lower = base.lower()
        if path in roles:
            role = roles[path]
        elif not base.endswith((".js", ".mjs")) or any(
            p in ("docs", "test", "tests", "ui-tests") for p in path.split("/")[:-1]
        ):
            continue
        elif re.search(r"(^|[-_.])pre\.m?js$", lower):
            role = "pre"
        elif re.search(r"(^|[-_.])post\.m?js$", lower):
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
    return WasmGlue(files, unreadable, linked_pre, linked_post, linked)


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


def _is_empty(value: ast.AST | None) -> bool:
    return (
        value is None
        or (isinstance(value, ast.Constant) and value.value in ("", None))
        or (isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.Set))
            and not getattr(value, "elts", getattr(value, "keys", None)))
    )


def _kernel_test_classes(tree: ast.Module) -> dict[str, set[str]]:
    """jupyter_kernel_test suites of a module: ``KernelTests`` subclasses (nested in
    functions or ``if`` blocks too), classes made with ``type(name, (Base,), {...})`` (a
    factory over several kernelspecs), each with the attributes it sets or inherits from
    the module's own base classes."""
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
    found: dict[str, tuple[list[str], set[str]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b).split(".")[-1] for b in node.bases]
            members: set[str] = set()
            for item in node.body:
                if isinstance(item, (ast.Assign, ast.AnnAssign)):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    if not _is_empty(item.value):
                        members |= {t.id for t in targets if isinstance(t, ast.Name)}
                elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
            found.setdefault(node.name, (bases, members))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "type"
            and len(node.args) == 3
            and isinstance(node.args[1], (ast.Tuple, ast.List))
        ):
            bases = [ast.unparse(b).split(".")[-1] for b in node.args[1].elts]
            members = set()
            namespace = node.args[2]
            if isinstance(namespace, ast.Dict):
                members = {k.value for k, v in zip(namespace.keys, namespace.values, strict=True)
                           if isinstance(k, ast.Constant) and isinstance(k.value, str) and not _is_empty(v)}
            elif isinstance(namespace, ast.Call) and ast.unparse(namespace.func) == "dict":
                members = {k.arg for k in namespace.keywords if k.arg and not _is_empty(k.value)}
            name = node.args[0].value if isinstance(node.args[0], ast.Constant) else f"type() at line {node.lineno}"
            found[str(name)] = (bases, members)

    def derives(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name == "KernelTests":
            return True
        if name not in found or name in seen:
            return False
        return any(derives(b, seen | {name}) for b in found[name][0])

    def members_of(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if name not in found or name in seen:
            return set()
        bases, own = found[name]
        out = set(own)
        for base in bases:
            out |= members_of(base, seen | {name})
        return out

    return {name: members_of(name) for name in found if derives(name)}


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

    Only a wasm target is evidence: an emscripten entry point the CMake code builds, a wasm
    executable of the kernel's own CMake code, or xeus-lite found. Wasm environment files
    alone are not (kernels keep them from an attempt, or for a build made elsewhere), nor
    the EMSCRIPTEN branch the template's ``cmake/XeusKernel.cmake`` has in every kernel.
    """
    mentioned = " ".join(" ".join(command.args) for command in xk_cmake.commands)
    for path in xk_repo.files:
        base = posixpath.basename(path)
        if re.fullmatch(r"main_emscripten.*\.cpp", base) and base in mentioned:
            return WasmBuild(True, f"`{path}`, built by the CMake code")
    for target in xk_cmake.model.wasm_targets():
        if posixpath.basename(target.command.file) != "XeusKernel.cmake":
            return WasmBuild(True, f"the wasm executable `{target.name}` in {target.command.file}")
    for command in xk_cmake.commands:
        own = posixpath.basename(command.file) != "XeusKernel.cmake"
        if own and command.name == "find_package" and command.args[:1] == ("xeus-lite",):
            return WasmBuild(True, f"`find_package(xeus-lite)` in {command.file}")
    return WasmBuild(False, "no wasm target: no emscripten entry point built, no wasm executable, no xeus-lite")


@dataclasses.dataclass
class NativeBuild:
    enabled: bool
    evidence: str


def xk_native(xk_repo: RepoTree, xk_cmake: CMakeProject, xk_wasm: WasmBuild, xk_cpp: CppSources) -> NativeBuild:
    """Fixture: whether the kernel builds a native kernel (served over ZeroMQ by xeus-zmq).

    Every kernel without a wasm build does. A wasm one does too when it has the template's
    native entry point (src/main.cpp), its C++ uses xeus-zmq or its own CMake code asks for
    it; the template's cmake/XeusKernel.cmake, the same for browser-only kernels, is no evidence.
    """
    if not xk_wasm.enabled:
        return NativeBuild(True, "no WebAssembly build")
    if xk_repo.has("src/main.cpp"):
        return NativeBuild(True, "`src/main.cpp`")
    for path, code in sorted(xk_cpp.files.items()):
        if re.search(r"xeus-zmq/|\bmake_zmq_context\b", code):
            return NativeBuild(True, f"`{path}` uses xeus-zmq")
    mentioned = xk_cmake.mentions(r"\bxeus-zmq\b", skip_files=("XeusKernel.cmake",))
    if mentioned:
        return NativeBuild(True, f"xeus-zmq in {mentioned[0][0].file}")
    return NativeBuild(False, "a wasm build, and neither its C++ nor its CMake uses xeus-zmq")


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


# --------------------------------------------------------------------------------------
# pixi, environments whatever holds them, commands (CI steps, tasks, scripts)


def xk_pixi(root: Any, xk_repo: RepoTree) -> Pixi | None:
    """Fixture: ``pixi.toml`` (environments from features, tasks), or None."""
    if not xk_repo.has("pixi.toml"):
        return None
    text, reason = read_text(root, "pixi.toml")
    return read_pixi("pixi.toml", text, reason)


def xk_envs(root: Any, xk_environments: dict[str, YamlFile], xk_pixi: Pixi | None) -> list[Environment]:
    """Fixture: every conda environment of the repository, from ``environment*.yml`` files
    and from ``pixi.toml``, each with its role (dev, wasm-build, wasm-host, other)."""
    out: list[Environment] = []
    for path, env in sorted(xk_environments.items()):
        text, _ = read_text(root, path)
        out.append(conda_environment(path, env.data, env.error, text or ""))
    if xk_pixi is not None:
        out.extend(xk_pixi.environments)
    return out


def _steps_with_uses(workflows: dict[str, YamlFile]) -> Iterator[tuple[str, dict]]:
    for path, workflow in sorted(workflows.items()):
        jobs = workflow.data.get("jobs") if isinstance(workflow.data, dict) else None
        for job in (jobs or {}).values() if isinstance(jobs, dict) else []:
            if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
                continue
            for step in job["steps"]:
                if isinstance(step, dict):
                    yield path, step


def xk_commands(root: Any, xk_repo: RepoTree, xk_workflows: dict[str, YamlFile], xk_pixi: Pixi | None) -> list[Command]:
    """Fixture: the commands the project runs: every CI ``run:`` step, the pixi tasks and
    shell scripts they call (``in_ci``), then the other pixi tasks (not in CI)."""
    ci = [Command(str(step["run"]), f"`{path}`", path, True) for path, step in _steps_with_uses(xk_workflows)
          if "run" in step]

    def read_script(path: str) -> str | None:
        if not xk_repo.has(path):
            return None
        text, _ = read_text(root, path)
        return text

    return expand_commands(ci, xk_pixi, read_script)


_CONDA_FILE = re.compile(
    r"\b(?:micromamba|mamba|conda)\s+(?:env\s+)?(?:create|install|update)\b[^\n]*?(?:-f|--file)[ =]?\s*([^\s;&|]+)"
)


def xk_ci_envs(xk_workflows: dict[str, YamlFile], xk_commands: list[Command], xk_envs: list[Environment]) -> list[Environment]:
    """Fixture: the environments CI installs (setup-micromamba's ``environment-file``,
    ``micromamba create -f``, ``pixi install -e`` / ``pixi run -e``, setup-pixi)."""
    paths: set[str] = set()
    pixi_names: set[str] = set()
    for _, step in _steps_with_uses(xk_workflows):
        uses = str(step.get("uses", ""))
        options = step.get("with") if isinstance(step.get("with"), dict) else {}
        if re.search(r"setup-(micromamba|miniconda)|provision-with-micromamba", uses) and options.get("environment-file"):
            paths.add(str(options["environment-file"]).strip().removeprefix("./"))
        if "setup-pixi" in uses:
            names = str(options.get("environments", "") or "").split()
            pixi_names |= set(names) or {"default"}
    for command in xk_commands:
        if not command.in_ci:
            continue
        for m in _CONDA_FILE.finditer(command.text):
            paths.add(m.group(1).strip("'\"").removeprefix("./"))
        for m in re.finditer(r"\bpixi\s+(?:install|run|shell)\b([^\n;&|]*)", command.text):
            env = re.search(r"(?:-e|--environment)[ =](\S+)", m.group(1))
            if env:
                pixi_names.add(env.group(1))
        if command.environment:
            pixi_names.add(command.environment)
    return [e for e in xk_envs if (e.source == "conda" and e.path in paths) or (e.source == "pixi" and e.name in pixi_names)]


# --------------------------------------------------------------------------------------
# Installed prefixes: a given one, or the repository's own environments


PREFIX_VARIABLE = "XEUS_KERNEL_REVIEW_PREFIX"


@dataclasses.dataclass
class Prefixes:
    """Installed conda prefixes to look into: ``host`` ones (wasm host prefixes, where the
    kernel and its side modules are installed) and every prefix found, with how each was
    found."""

    host: list[Path]
    all: list[Path]
    origin: dict[str, str]


def xk_prefixes(root: Any, xk_pixi: Pixi | None) -> Prefixes:
    """Fixture: the prefixes given with ``--prefix`` (``$XEUS_KERNEL_REVIEW_PREFIX``, separated
    by the path separator), else the repository's own: ``.pixi/envs/<env>`` and ``wasm-host/``."""
    given = [Path(p) for p in os.environ.get(PREFIX_VARIABLE, "").split(os.pathsep) if p.strip()]
    origin: dict[str, str] = {str(p): "given" for p in given}
    found: list[Path] = []
    host: list[Path] = []
    if isinstance(root, Path):
        hosts = {e.name for e in (xk_pixi.environments if xk_pixi else []) if e.role == "wasm-host"}
        envs = root / ".pixi" / "envs"
        if envs.is_dir():
            for env in sorted(envs.iterdir()):
                if env.is_dir():
                    found.append(env)
                    origin[str(env)] = f"pixi environment `{env.name}`"
                    if env.name in hosts:
                        host.append(env)
        for name in ("wasm-host", "wasm_host"):
            if (root / name / "conda-meta").is_dir():
                found.append(root / name)
                host.append(root / name)
                origin[str(root / name)] = f"`{name}/`"
    if given:
        # a given prefix is a host prefix when it holds a wasm kernel, else a native one
        host = [p for p in given if any(p.glob("bin/*.wasm"))] or given
        found = given + found
    return Prefixes(host, found, origin)


@dataclasses.dataclass
class XeusWasmOptions:
    """What xeus's ``xeus_wasm_link_options()`` exports (``EXPORTED_RUNTIME_METHODS``), by
    emscripten line, and where that was read."""

    methods: dict[str, tuple[str, ...]]  # "emscripten>=4" / "emscripten<4" -> names
    source: str

    def for_emscripten(self, major: int | None) -> tuple[str, ...]:
        key = "emscripten<4" if major is not None and major < 4 else "emscripten>=4"
        return self.methods.get(key) or next(iter(self.methods.values()), ())


def read_wasm_build_options(text: str) -> dict[str, tuple[str, ...]]:
    """EXPORTED_RUNTIME_METHODS of each branch of a ``WasmBuildOptions.cmake``."""
    commands = annotate_branches(parse_cmake(text, "WasmBuildOptions.cmake")[0])
    out: dict[str, tuple[str, ...]] = {}
    below_four: bool | None = None
    for command in commands:
        if command.name in ("if", "elseif") and any("VERSION" in a for a in command.args):
            below_four = any(a.upper() == "VERSION_LESS" for a in command.args)
            continue
        if command.name == "else" and below_four is not None:
            below_four = not below_four
            continue
        if command.name == "endif":
            below_four = None
            continue
        if command.name != "target_link_options":
            continue
        for setting, value, _, _ in split_flags((a, 0) for a in command.args):
            if setting == "EXPORTED_RUNTIME_METHODS":
                names = tuple(dict.fromkeys(re.findall(r"[A-Za-z_$][\w$]*", value)))
                key = "emscripten<4" if below_four else "emscripten>=4"
                out[key] = names
                if below_four is None:
                    out["emscripten<4"] = names
    return out


def xk_xeus_wasm_options(xk_prefixes: Prefixes) -> XeusWasmOptions:
    """Fixture: the runtime methods xeus's wasm helper exports: from the
    ``WasmBuildOptions.cmake`` of an installed xeus (a given prefix, else the repository's
    environments), else from the xeus version the conventions pin (:mod:`.pins`)."""
    for prefix in [*xk_prefixes.host, *xk_prefixes.all]:
        places = ("lib/cmake/xeus", "share/cmake/xeus", "lib64/cmake/xeus", "Library/lib/cmake/xeus")
        candidates = [prefix / place / "WasmBuildOptions.cmake" for place in places]
        candidates += sorted(prefix.glob("lib/*/cmake/xeus/WasmBuildOptions.cmake"))  # multiarch
        for candidate in candidates:
            if not candidate.is_file():
                continue
            try:
                methods = read_wasm_build_options(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
            if methods:
                return XeusWasmOptions(methods, f"the installed xeus (`{candidate}`)")
    pinned = {k: v for k, v in XEUS_WASM_RUNTIME_METHODS.items() if k != "source"}
    return XeusWasmOptions(pinned, str(XEUS_WASM_RUNTIME_METHODS["source"]))
