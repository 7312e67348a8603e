"""What an existing kernel repository already says about itself: the template's answers.

Every answer comes with where it was read (shown to the user, who can override it), read
with the reviewer's tolerant readers: kernelspecs with ``@VAR@`` placeholders, CMake with
comments and variables, C++ with comments stripped, environment files, LICENSE, git.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from ..licenses import identify_license
from ..review.fixtures import (
    CMakeProject,
    RepoTree,
    read_text,
    xk_cmake,
    xk_cpp,
    xk_environments,
    xk_kernelspecs,
    xk_repo,
)
from ..review.parsing import PLACEHOLDER_VALUE as PLACEHOLDER
from ..review.parsing import CMakeCommand, expand_variables, parse_cmake
from .kernel_info import ANSWERS, language_info
from .port import Port, port

# Packages of the template's own environments (and build tools any kernel has): not the
# kernel's own dependencies.
STACK_PACKAGES = {
    "cmake", "cxx-compiler", "c-compiler", "compilers", "ninja", "make", "pkg-config", "pkgconfig",
    "xeus", "xeus-zmq", "xeus-lite", "xtl", "nlohmann_json", "nlohmann_json-abi", "cppzmq", "zeromq", "libuuid", "openssl",
    "python", "pip", "pytest", "jupyter_kernel_test", "jupyter_client", "jupyterlab", "jupyter", "notebook",
    "pre-commit", "emscripten_emscripten-wasm32", "emsdk", "jupyterlite", "jupyterlite-core", "jupyterlite-xeus",
    "jupyter_server", "nodejs", "playwright", "empack", "doctest", "gtest", "libarchive", "libarchive-c",
}
_COPYRIGHT = re.compile(r"^\s*(?:Copyright|COPYRIGHT)\b(.*(?:\([cC]\)|©|\b[0-9]{4}\b).*)$", re.MULTILINE)
# Copyright lines of license texts themselves, not of the kernel: the license's steward, or
# the placeholders of its "how to apply" appendix.
_NOT_A_HOLDER = re.compile(r"Free Software Foundation|\[yyyy\]|<year>|\{yyyy\}|name of (copyright owner|author)|"
                           r"\byyyy\b|19yy", re.IGNORECASE)
_CONFIGURED = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)@|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WORDS = re.compile(r"[A-Za-z][\w+#.-]*( [A-Za-z][\w+#.-]*)*")
_VERSION_WORD = re.compile(r"\s+v?[0-9]+(\.[0-9A-Za-z]+)*$")
_GITHUB = re.compile(r"github\.com[:/]([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/")
_INTERPRETER_CLASS = re.compile(
    r"\bclass\s+(?:[A-Z_]+_API\s+)?([A-Za-z_]\w*)\s*(?:final\s*)?:\s*(?:public\s+)?(?:::)?xeus::xinterpreter\b"
)
_NAMESPACE = re.compile(r"\bnamespace\s+([A-Za-z_][\w:]*)\s*\{")


class NotAKernel(ValueError):
    """The repository is not a xeus kernel: adoption has nothing to work from."""


@dataclasses.dataclass
class Inference:
    answers: dict[str, Any]
    sources: dict[str, str]  # answer -> where it was read
    notes: list[str]  # what needs a human
    interpreter_files: list[str]  # the sources that define the interpreter class
    tree: RepoTree
    cmake: CMakeProject  # the reviewer's model of the build (macros inlined where called)
    top_level: list[CMakeCommand]  # CMakeLists.txt as written, what the thin one is made from
    port: Port | None = None  # the xeus 5 -> 6 API changes the kernel needs

    def set(self, key: str, value: Any, source: str) -> None:
        if value not in (None, "", []):
            self.answers[key] = value
            self.sources[key] = source


def _git(path: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def _namespace_at(code: str, position: int) -> str:
    """The C++ namespace open at *position* (nested namespaces joined with ::)."""
    stack: list[tuple[str, int]] = []  # (name, brace depth when opened)
    depth = 0
    i = 0
    opened = {m.end() - 1: m.group(1) for m in _NAMESPACE.finditer(code, 0, position)}
    while i < position:
        c = code[i]
        if c == "{":
            if i in opened:
                stack.append((opened[i], depth))
            depth += 1
        elif c == "}":
            depth -= 1
            while stack and stack[-1][1] >= depth:
                stack.pop()
        i += 1
    return "::".join(name for name, _ in stack)


def _version_from_headers(tree: RepoTree, root: Path) -> tuple[str, str] | None:
    """MAJOR.MINOR.PATCH from ``#define <X>_VERSION_MAJOR n`` lines of a config header."""
    for path in tree.files:
        if not path.endswith((".hpp", ".h")) or not path.startswith(("include/", "src/")):
            continue
        text, _ = read_text(root, path)
        if not text or "_VERSION_MAJOR" not in text:
            continue
        parts = {}
        for part in ("MAJOR", "MINOR", "PATCH"):
            found = re.search(rf"#\s*define\s+\w+_VERSION_{part}\s+([0-9]+)", text)
            if found:
                parts[part] = found.group(1)
        if len(parts) == 3:
            return f"{parts['MAJOR']}.{parts['MINOR']}.{parts['PATCH']}", path
    return None


def _dependencies(environment: Any) -> list[str]:
    if not isinstance(environment, dict):
        return []
    found = []
    for spec in environment.get("dependencies") or []:
        if not isinstance(spec, str):
            continue  # a pip: section
        spec = " ".join(spec.split())
        name = re.split(r"[\s=<>!~]", spec.split("::")[-1], maxsplit=1)[0]
        if name and name not in STACK_PACKAGES:
            found.append(spec)
    return found


def program_of(spec) -> str:
    """The program a kernelspec runs: argv[0]'s file name (a CMake @VAR@ prefix taken off)."""
    argv = spec.data.get("argv") if isinstance(spec.data, dict) else None
    program = argv[0] if isinstance(argv, list) and argv and isinstance(argv[0], str) else ""
    return re.split(r"[/\\]", program.replace(PLACEHOLDER, "/"))[-1].removesuffix(".exe")


def _runs_itself(spec) -> bool:
    return program_of(spec) == spec.name


def _read_project(inference: Inference, tree: RepoTree, root: Path, project: CMakeCommand | None) -> None:
    """CMake project(): name, version, description; else a version from a config header."""
    if project is not None:
        where = f"{project.file}:{project.line} project()"
        inference.set("project_name", project.args[0].lower(), where)
        args = list(project.args)
        for keyword, key in (("VERSION", "project_version"), ("DESCRIPTION", "description")):
            if keyword in args and args.index(keyword) + 1 < len(args):
                values = expand_variables(args[args.index(keyword) + 1], inference.cmake.variables)
                if len(values) == 1 and "${" not in values[0]:
                    inference.set(key, values[0], where)
    if "project_version" not in inference.answers:
        version = _version_from_headers(tree, root)
        if version:
            inference.set("project_version", version[0], version[1])


def _configure_variables(variables: dict[str, list[str]], project: CMakeCommand | None) -> dict[str, list[str]]:
    """The variables configure_file() sees: the kernel's, and those project() sets."""
    known = dict(variables)
    if project is not None:
        name, args = project.args[0], list(project.args)
        known.setdefault("PROJECT_NAME", [name])
        known.setdefault("CMAKE_PROJECT_NAME", [name])
        for keyword in ("VERSION", "DESCRIPTION"):
            if keyword in args and args.index(keyword) + 1 < len(args):
                for variable in (f"PROJECT_{keyword}", f"{name}_{keyword}", f"CMAKE_PROJECT_{keyword}"):
                    known.setdefault(variable, [args[args.index(keyword) + 1]])
    return known


def _read_spec_field(inference: Inference, spec: Any, field: str, key: str,
                     variables: dict[str, list[str]]) -> tuple[str, str]:
    """A kernelspec string field as the answer *key*, its ``@VAR@`` / ``${VAR}`` filled in from
    the CMake variables it is configured with. When one cannot be read, the answer is not
    inferred (never the text around the hole); returns the plain words before the first hole
    then, with where they are, for the language's name."""
    match = re.search(rf'"{field}"\s*:\s*"((?:[^"\\]|\\.)*)"', spec.text)
    if match is None:
        return "", ""
    try:
        written = json.loads(f'"{match.group(1)}"')
    except ValueError:
        return "", ""
    unresolved: list[str] = []

    def fill(found: re.Match[str]) -> str:
        name = found.group(1) or found.group(2)
        values = expand_variables(f"${{{name}}}", variables)
        if len(values) == 1 and not _CONFIGURED.search(values[0]) and values[0] != f"${{{name}}}":
            return values[0]
        unresolved.append(name)
        return found.group(0)

    value = _CONFIGURED.sub(fill, written)
    names = sorted({(m.group(1) or m.group(2)) for m in _CONFIGURED.finditer(written)})
    if not unresolved:
        how = f" (CMake's {', '.join(names)})" if names else ""
        inference.set(key, value, f"{spec.path}{how}")
        return "", ""
    inference.notes.append(
        f"{spec.path}: {field} {written!r} takes {', '.join(unresolved)} from CMake at configure time, "
        f"which adopt cannot read: {key} not inferred; set it with --data {key}=..."
    )
    prefix = written[: _CONFIGURED.search(written).start()].strip()
    return (prefix, f"{spec.path} ({field}, before @{unresolved[0]}@)") if _WORDS.fullmatch(prefix) else ("", "")


def _cmake_definitions(inference: Inference) -> dict[str, str]:
    """Macros the kernel's CMake defines (NAME=value in add_definitions, *_compile_definitions)."""
    found: dict[str, str] = {}
    for command in inference.cmake.calls("add_definitions", "add_compile_definitions", "target_compile_definitions"):
        for argument in inference.cmake.expanded_args(command):
            name, equals, value = argument.removeprefix("-D").partition("=")
            if equals and re.fullmatch(r"[A-Za-z_]\w*", name) and "${" not in value:
                found.setdefault(name, value)
    return found


def _read_language_info(inference: Inference, sources: dict[str, str]) -> None:
    """The language's id, version, MIME type, file extension, lexers: from kernel_info."""
    info = language_info(sources, inference.interpreter_files, _cmake_definitions(inference))
    for key, (value, where) in info.items():
        answer = ANSWERS[key]
        if value is None and answer not in inference.answers:
            inference.notes.append(f"{where} is not a value adopt can read: {answer} not inferred; "
                                   f"set it with --data {answer}=...")
        elif value is None:
            continue
        elif answer == "language_id":
            inference.answers.setdefault(answer, value)
            inference.sources.setdefault(answer, where)
        elif answer == "file_extension" and not value.startswith("."):
            inference.set(answer, f".{value}", f"{where}, without its dot")
        else:
            inference.set(answer, value, where)


def _license_notices(root: Path, tree: RepoTree) -> list[str]:
    """Where a kernel says which version of a GNU license: its README, its sources' headers."""
    texts = []
    for path in tree.files:
        if re.fullmatch(r"README[^/]*", path, re.IGNORECASE) or (
            path.startswith(("src/", "include/")) and path.endswith((".cpp", ".hpp", ".h", ".cc", ".hh"))
        ):
            text, _ = read_text(root, path)
            texts.append((text or "")[:4000])
    return texts


def _read_license(inference: Inference, root: Path, tree: RepoTree) -> None:
    """The license from the kernel's license file (kept as it is), and its copyright holder."""
    candidates = [f for f in tree.files if re.fullmatch(r"(LICEN[CS]E|COPYING)([.-][A-Za-z]+)?(\.md|\.txt)?", f)]
    lesser = [f for f in candidates if re.search(r"LESSER|LGPL", f, re.IGNORECASE)]
    path = (lesser or sorted(candidates, key=len) or [None])[0]
    if path is None:
        inference.notes.append("no LICENSE file: the template writes one for the answer `license`; "
                               "--data license=SPDX-ID names the kernel's")
        return
    kind, how = identify_license(root, path, _license_notices(root, tree))
    if kind:
        inference.set("license", kind, how)
    else:
        inference.notes.append(
            f"{path} is no license text adopt knows: it is kept as it is; license not inferred, "
            f"set it with --data license=SPDX-ID (https://spdx.org/licenses/)"
        )
    text, _ = read_text(root, path)
    for holder in _COPYRIGHT.finditer(text or ""):
        if _NOT_A_HOLDER.search(holder.group(1)):
            continue
        # "Copyright (c) 2021-2024, Ada Lovelace. All rights reserved." -> Ada Lovelace
        name = re.sub(r"\(c\)|©|\b[0-9]{4}\b|All rights reserved\.?|<[^>]*>", " ", holder.group(1), flags=re.IGNORECASE)
        name = " ".join(t for t in name.replace(",", " ").split() if t not in ("-", "–")).strip(" .")
        if name and re.search(r"[A-Za-z]", name):
            inference.set("author_name", name[:100], path)
            return


def infer(root: Path) -> Inference:
    """Read the answers from the repository at *root*; raise NotAKernel when there is no
    xeus interpreter to adopt."""
    tree = xk_repo(root)
    cmake = xk_cmake(root, tree)
    text, _ = read_text(root, "CMakeLists.txt")
    top_level, _ = parse_cmake(text or "", "CMakeLists.txt")
    inference = Inference({"interpreter_sources": "none"}, {"interpreter_sources": "kept: the kernel's own"},
                          [], [], tree, cmake, top_level)

    # The interpreter: a class derived from xeus::xinterpreter.
    cpp = xk_cpp(root, tree)
    found = []
    for path, code in cpp.files.items():
        for match in _INTERPRETER_CLASS.finditer(code):
            found.append((path, match.group(1), _namespace_at(code, match.start())))
    headers = [f for f in found if f[0].endswith((".hpp", ".hh", ".hxx", ".h"))]
    if not found:
        raise NotAKernel("no C++ class derived from xeus::xinterpreter in src/ or include/")
    path, name, namespace = (headers or found)[0]
    qualified = f"{namespace}::{name}" if namespace else name
    inference.set("interpreter_class", qualified, path)
    inference.interpreter_files = sorted({f[0] for f in found})
    if path.startswith("include/"):
        inference.set("interpreter_header", path.removeprefix("include/"), path)
    else:
        inference.notes.append(
            f"the interpreter's header {path} is not under include/: the entry points include "
            f"the answer interpreter_header from include/"
        )
    if namespace and re.fullmatch(r"[A-Za-z_]\w*", namespace.split("::")[0]):
        inference.set("cpp_namespace", namespace.split("::")[0], path)
    if len({f[1] for f in found}) > 1:
        names = ", ".join(sorted({f"{f[2]}::{f[1]}" for f in found}))
        inference.notes.append(f"several interpreter classes ({names}): the entry points use {qualified}")

    project = next((c for c in top_level if c.name == "project" and c.args), None)
    _read_project(inference, tree, root, project)
    variables = _configure_variables(cmake.variables, project)

    # The kernelspec: kernel name, display name, language.
    specs = [s for s in xk_kernelspecs(root, tree) if s.data is not None]
    # The kernel is the kernelspec named after the program it runs (argv[0]); the others
    # become more kernelspecs of it (xeus_kernel_add_spec), not the alphabetically first.
    native = sorted([s for s in specs if not s.wasm] or specs, key=lambda s: (not _runs_itself(s), s.name))
    display_prefix = ("", "")
    if native:
        spec = native[0]
        inference.set("kernel_name", spec.name, spec.path)
        programs = {program_of(s) for s in native}
        program = programs.pop() if len(programs) == 1 else ""
        if not _runs_itself(spec) and re.fullmatch(r"[a-z][a-z0-9_]*", program):
            # Several kernelspecs of one program, none under its name (xcpp17, xcpp20 of xcpp):
            # the kernel is the program; every kernelspec becomes an xeus_kernel_add_spec().
            inference.set("kernel_name", program, f"argv[0] of the {len(native)} kernelspecs")
            inference.notes.append(
                f"no kernelspec is named after the program {program} they all run: the template adds a "
                f"kernelspec {program} (display_name from {spec.name}'s: --data display_name=... names it)"
            )
        display_prefix = _read_spec_field(inference, spec, "display_name", "display_name", variables)
        _read_spec_field(inference, spec, "language", "language_id", variables)

    # The xeus API the interpreter is written against, and its kernel_info reply.
    raw = {path: read_text(root, path)[0] or "" for path in cpp.files}
    inference.port = port(raw)
    _read_language_info(inference, cpp.files)

    # The language's display name: the kernelspec's, without the parenthesised parts and a
    # version; else the kernel's language_info name.
    display, where = inference.answers.get("display_name"), inference.sources.get("display_name", "")
    if not display:
        display, where = display_prefix
    language_name = _VERSION_WORD.sub("", re.sub(r"\s*\([^)]*\)", "", display or "").strip()).strip()
    if not re.search("[A-Za-z]", language_name):
        language_name, where = inference.answers.get("language_id", ""), inference.sources.get("language_id", "")
    if language_name and re.search("[A-Za-z]", language_name):
        inference.set("language_name", language_name[:40].strip(), where)

    _read_license(inference, root, tree)
    first = _git(root, "log", "--reverse", "--format=%an%x00%ae", "--max-parents=0")
    if first:
        author, _, email = first.splitlines()[0].partition("\0")
        if "author_name" not in inference.answers:
            inference.set("author_name", author, "the first commit's author")
        inference.set("author_email", email, "the first commit's author")
    owner = _GITHUB.search(_git(root, "remote", "get-url", "origin"))
    if owner:
        inference.set("github_owner", owner.group(1), "git remote origin")

    # What is built: wasm, runtime files, the kernel's own dependencies.
    wasm_cmake = any("EMSCRIPTEN" in " ".join(c.args) for c in cmake.commands if c.name in ("if", "elseif"))
    inference.answers["with_wasm"] = wasm_cmake
    inference.sources["with_wasm"] = "CMake: if(EMSCRIPTEN)" if wasm_cmake else "CMake: no wasm build"
    environments = xk_environments(root, tree)
    for key, pattern in (
        ("dev_dependencies", r"environment(-dev)?\.ya?ml"),
        ("wasm_host_dependencies", r"environment-wasm-host\.ya?ml"),
        ("wasm_build_dependencies", r"environment-wasm-build\.ya?ml"),
    ):
        for path, environment in sorted(environments.items()):
            if re.fullmatch(pattern, path.rsplit("/", 1)[-1]):
                specs = _dependencies(environment.data)
                if specs:
                    inference.set(key, specs, path)
                break
    runtime = [c for c in cmake.commands if any("--preload-file" in a or "--embed-file" in a for a in c.args)]
    if runtime:
        inference.notes.append(
            f"runtime files ({runtime[0].file}:{runtime[0].line} --preload-file/--embed-file): move them into "
            f"runtime-files/ and answer with_runtime_files=true, or keep shipping them your way"
        )
    return inference
