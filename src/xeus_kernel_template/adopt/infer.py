"""What an existing kernel repository already says about itself: the template's answers.

Every answer comes with where it was read (shown to the user, who can override it), read
with the reviewer's tolerant readers: kernelspecs with ``@VAR@`` placeholders, CMake with
comments and variables, C++ with comments stripped, environment files, LICENSE, git.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Any

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
from ..review.parsing import CMakeCommand, parse_cmake

# Packages of the template's own environments (and build tools any kernel has): not the
# kernel's own dependencies.
STACK_PACKAGES = {
    "cmake", "cxx-compiler", "c-compiler", "compilers", "ninja", "make", "pkg-config", "pkgconfig",
    "xeus", "xeus-zmq", "xeus-lite", "xtl", "nlohmann_json", "nlohmann_json-abi", "cppzmq", "zeromq", "libuuid", "openssl",
    "python", "pip", "pytest", "jupyter_kernel_test", "jupyter_client", "jupyterlab", "jupyter", "notebook",
    "pre-commit", "emscripten_emscripten-wasm32", "emsdk", "jupyterlite", "jupyterlite-core", "jupyterlite-xeus",
    "jupyter_server", "nodejs", "playwright", "empack", "doctest", "gtest", "libarchive", "libarchive-c",
}
_LICENSES = [
    ("Apache-2.0", re.compile(r"Apache License,?\s+Version 2\.0", re.IGNORECASE)),
    ("MIT", re.compile(r"Permission is hereby granted, free of charge", re.IGNORECASE)),
    ("BSD-3-Clause", re.compile(r"Redistribution and use in source and binary forms", re.IGNORECASE)),
]
_COPYRIGHT = re.compile(r"^\s*Copyright\b(.*)$", re.IGNORECASE | re.MULTILINE)
_GITHUB = re.compile(r"github\.com[:/]([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/")
_INTERPRETER_CLASS = re.compile(
    r"\bclass\s+(?:[A-Z_]+_API\s+)?([A-Za-z_]\w*)\s*(?:final\s*)?:\s*(?:public\s+)?(?:::)?xeus::xinterpreter\b"
)
_NAMESPACE = re.compile(r"\bnamespace\s+([A-Za-z_][\w:]*)\s*\{")
_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$')


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


def _call_arguments(code: str, name: str) -> list[str] | None:
    """The top-level arguments of the first call of *name* in *code*, as written."""
    match = re.search(rf"\b{name}\s*\(", code)
    if match is None:
        return None
    args, depth, current, i = [], 0, [], match.end()
    quote = ""
    while i < len(code):
        c = code[i]
        if quote:
            current.append(c)
            if c == "\\" and i + 1 < len(code):
                current.append(code[i + 1])
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
            current.append(c)
        elif c in "([{":
            depth += 1
            current.append(c)
        elif c in ")]}":
            if depth == 0:
                args.append("".join(current).strip())
                return [a for a in args if a]
            depth -= 1
            current.append(c)
        elif c == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    return None


def _literal(argument: str) -> str | None:
    match = _STRING.match(argument)
    return match.group(1) if match else None


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

    # The kernelspec: kernel name, display name, language.
    specs = [s for s in xk_kernelspecs(root, tree) if s.data is not None]
    # The kernel is the kernelspec named after the program it runs (argv[0]); the others
    # become more kernelspecs of it (xeus_kernel_add_spec), not the alphabetically first.
    native = sorted([s for s in specs if not s.wasm] or specs, key=lambda s: (not _runs_itself(s), s.name))
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
        display = spec.data.get("display_name")
        if isinstance(display, str):
            if PLACEHOLDER in display:
                display = " ".join(display.replace(PLACEHOLDER, " ").split())
                inference.notes.append(
                    f"{spec.path}: display_name is filled in by CMake (@VAR@); the answer is {display!r}: "
                    f"change it with --data display_name=..."
                )
            inference.set("display_name", display.strip(), spec.path)
        language = spec.data.get("language")
        if isinstance(language, str) and PLACEHOLDER not in language:
            inference.set("language_id", language, spec.path)

    # CMake: project name, version, description.
    project = next((c for c in top_level if c.name == "project" and c.args), None)
    if project is not None:
        inference.set("project_name", project.args[0].lower(), f"{project.file}:{project.line} project()")
        args = list(project.args)
        for keyword in ("VERSION", "DESCRIPTION"):
            if keyword in args and args.index(keyword) + 1 < len(args):
                value = args[args.index(keyword) + 1]
                if "${" not in value:
                    key = "project_version" if keyword == "VERSION" else "description"
                    inference.set(key, value, f"{project.file}:{project.line} project()")
    if "project_version" not in inference.answers:
        version = _version_from_headers(tree, root)
        if version:
            inference.set("project_version", version[0], version[1])

    # kernel_info: the arguments of create_info_reply(...), where they are string literals.
    info_keys = ["implementation", "implementation_version", "language_name", "language_version", "mimetype",
                 "file_extension", "pygments_lexer", "codemirror_mode"]
    for path in inference.interpreter_files + sorted(cpp.files):
        arguments = _call_arguments(cpp.files.get(path, ""), "create_info_reply")
        if arguments is None:
            continue
        for key, argument in zip(info_keys, arguments, strict=False):
            value = _literal(argument)
            if value is None:
                continue
            if key == "language_name":
                inference.answers.setdefault("language_id", value)
                inference.sources.setdefault("language_id", f"{path} create_info_reply()")
            elif key == "language_version":
                inference.set("language_version", value, f"{path} create_info_reply()")
            elif key in ("mimetype", "file_extension", "pygments_lexer", "codemirror_mode"):
                inference.set(key, value, f"{path} create_info_reply()")
        break

    # The language's display name: the kernelspec's, without the parenthesised parts.
    display = inference.answers.get("display_name", "")
    language_name = re.sub(r"\s*\([^)]*\)", "", display).strip() or inference.answers.get("language_id", "")
    if language_name and re.search("[A-Za-z]", language_name):
        inference.set("language_name", language_name[:40].strip(), inference.sources.get("display_name", "kernelspec"))

    # LICENSE, authors, the GitHub owner.
    license_path = next((f for f in tree.files if re.fullmatch(r"(LICEN[CS]E|COPYING)(\.md|\.txt)?", f)), None)
    if license_path:
        text, _ = read_text(root, license_path)
        text = text or ""
        kind = next((k for k, pattern in _LICENSES if pattern.search(text)), None)
        if kind:
            inference.set("license", kind, license_path)
        else:
            inference.notes.append(
                f"{license_path} is none of BSD-3-Clause, MIT, Apache-2.0: it is kept as it is; the answer "
                f"`license` is recorded with the template's default"
            )
        holder = _COPYRIGHT.search(text)
        if holder:
            # "Copyright (c) 2021-2024, Ada Lovelace. All rights reserved." -> Ada Lovelace
            name = re.sub(r"\(c\)|©|\b[0-9]{4}\b|All rights reserved\.?|<[^>]*>", " ", holder.group(1), flags=re.IGNORECASE)
            name = " ".join(t for t in name.replace(",", " ").split() if t not in ("-", "–")).strip(" .")
            if name and re.search(r"[A-Za-z]", name):
                inference.set("author_name", name[:100], license_path)
    first = _git(root, "log", "--reverse", "--format=%an%x00%ae", "--max-parents=0")
    if first:
        author, _, email = first.splitlines()[0].partition("\0")
        if "author_name" not in inference.answers:
            inference.set("author_name", author, "the first commit")
        inference.set("author_email", email, "the first commit")
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
