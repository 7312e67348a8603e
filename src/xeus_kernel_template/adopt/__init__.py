"""``xeus-kernel-template adopt PATH``: bring an existing kernel repository under the template.

On a clean git work tree that has no answers file yet, adopt

1. infers the answers from what the repository says (kernelspec, CMake ``project()``, the
   interpreter class and its ``kernel_info``, LICENSE, git), shows where each came from,
   and takes ``--data KEY=VALUE`` overrides; in a terminal, copier asks every question with
   the inferred answer as its default; each answer it could not infer is named with the
   ``--data`` line that sets it (a dry run renders a stand-in where a question has no
   default), and a kernel on the xeus 5 API gets the changes xeus 6 asks of it, made with
   ``--port-xeus6`` (:mod:`.port`);
2. renders the template at a release (its newest tag by default) with those answers, into a
   temporary folder, and plans: template-owned files written (new or replacing the
   kernel's), author-owned ones only where the kernel has none, the kernel's former build
   glue removed (only files git tracks), a thin CMakeLists.txt written from the old one;
3. applies the plan to a copy first, to score it with the reviewer, then (without
   ``--dry-run``) to the repository, and prints what it changed, what needs a human, the
   reviewer's score before and after, and the lines of build glue before and after.

The answers file it writes records the release, so plain ``copier update`` works from then
on. Nothing is committed: ``git diff`` shows everything, and git gives back anything.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import posixpath
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import copier.errors
import yaml

from ..review import score as review_score
from ..review.fixtures import read_text, xk_cpp, xk_kernelspecs, xk_native, xk_tests, xk_wasm, xk_wasm_glue
from ..review.parsing import collect_variables, parse_cmake
from ..toolchain import Toolchain, find_host_toolchain
from .cmake import SUSPENDING, thin_cmake_lists
from .entry_points import derived_classes, interpreter_factory
from .first_run import KNOWN_FAILURES
from .first_run import record as record_first_run
from .infer import Inference, NotAKernel, infer
from .test_setup import plugins_asked_for

DEFAULT_TEMPLATE = "gh:xeus-kernel-template/xeus-kernel-template"
# Questions without a default: a dry run that cannot infer one renders with this stand-in,
# and names the --data line that sets it; a real run asks (in a terminal) or refuses.
STAND_INS = {"language_name": "Not Inferred", "author_name": "Not Inferred", "author_email": "not-inferred@example.org",
             "github_owner": "not-inferred"}
# Answers the template decides for an adopted kernel, not inferred from it.
DECIDED = {"interpreter_sources"}
# Build glue: what a kernel maintains by hand to build, package and test it (for the count).
GLUE = re.compile(
    r"^(CMakeLists\.txt|CMake(User|Kernel)?Presets\.json|cmake/.*|.*\.cmake(\.in)?|environment[^/]*\.ya?ml|"
    r"\.github/workflows/.*|share/jupyter/kernels/.*/[^/]*kernel[^/]*\.json(\.in)?|src/(main[^/]*|native_startup)\.(cpp|cc)|"
    r"wasm/.*\.js|[^/]*(pre|post)\.js|pixi\.toml)$"
)
CUSTOM_MAIN = {
    "a signal handler": re.compile(r"\bsignal\s*\(|\bsigaction\b|set_terminate"),
    "its own server": re.compile(r"make_xserver_(control_main|shell|control|default)\b"),
    "logging": re.compile(r"make_(console|file)_logger"),
    "environment variables": re.compile(r"\b(setenv|_putenv|putenv)\s*\("),
    "a debugger": re.compile(r"make_(?!null_)\w*debugger|\bxdebugger\b"),
}


ACTIONS = {"new": "add", "replaced": "replace", "merged": "merge", "ported": "ported"}  # how a written file changes


class AdoptError(RuntimeError):
    """Adoption cannot start: the message says why, in one line. Nothing was changed."""


@dataclasses.dataclass
class Plan:
    answers: dict[str, Any]
    release: str
    written: dict[str, str]  # path -> "new" or "replaced"
    kept: list[str]  # author-owned files of the render the kernel already has
    removed: dict[str, str]  # tracked file -> why
    cmake_lists: str
    carried: list[str]
    replaced: list[str]
    needs_human: list[str]
    glue_before: int
    glue_after: int
    glue_author: int
    sources: dict[str, str] = dataclasses.field(default_factory=dict)  # answer -> where it came from
    score_before: str = ""
    score_after: str = ""
    failed_after: list[str] = dataclasses.field(default_factory=list)
    ledger: list = dataclasses.field(default_factory=list)  # where each command of the kernel's CMake went
    built: str = "not built"  # the native build of the adopted tree: "built", or why not
    known_failures: dict = dataclasses.field(default_factory=dict)  # suite -> test id -> reason (first run)
    not_inferred: dict[str, str] = dataclasses.field(default_factory=dict)  # answer -> why
    stand_ins: set[str] = dataclasses.field(default_factory=set)  # answers rendered with a stand-in
    port_changes: list[str] = dataclasses.field(default_factory=list)  # the xeus 6 API changes the kernel needs
    port_diff: str = ""  # the mechanical ones, as a diff
    ported: bool = False  # applied (--port-xeus6)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def check_repository(root: Path) -> None:
    """Refuse what adoption must not touch, each with its one-line reason."""
    if not root.is_dir():
        raise AdoptError(f"{root} is not a directory")
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
        raise AdoptError(f"{root} is not the top folder of a git repository: adopt changes only what git can give back")
    if (root / ".copier-answers.yml").exists():
        raise AdoptError(f"{root} already has .copier-answers.yml: it is on a template already, run `copier update` there")
    dirty = _git(root, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
    if dirty:
        raise AdoptError(
            f"{root} has uncommitted changes ({len(dirty)} paths): commit or stash them, so that git can give back "
            f"everything adopt changes"
        )


def _tracked(root: Path) -> set[str]:
    return set(_git(root, "ls-files", "-z").stdout.split("\0")) - {""}


def _lines(root: Path, paths: list[str]) -> int:
    total = 0
    for path in paths:
        text, _ = read_text(root, path)
        total += len(text.splitlines()) if text else 0
    return total


def _legacy(root: Path, inference: Inference, rendered: set[str], tracked: set[str]) -> tuple[dict[str, str], list[str]]:
    """The kernel's former build glue that the template replaces: (tracked file -> why, notes)."""
    removed: dict[str, str] = {}
    notes: list[str] = []
    files = [f for f in inference.tree.files if f in tracked and f not in rendered]
    for path in files:
        if re.fullmatch(r"share/jupyter/kernels/[^/]+/[^/]*kernel[^/]*\.json(\.in)?", path):
            removed[path] = "a kernelspec the template writes (cmake/XeusKernelSpec.cmake)"
            if re.search(r"win|mac|osx|linux|unix|windows", posixpath.basename(path), re.IGNORECASE):
                notes.append(f"{path} is a platform's variant of the kernelspec: the template writes one "
                             f"kernel.json; carry what differs (env entries: KERNELSPEC_ENV, under if(WIN32) "
                             f"in CMakeLists.txt) yourself")
        elif re.fullmatch(r"[^/]*environment[^/]*\.ya?ml|ci/environment[^/]*\.ya?ml", path):
            text, _ = read_text(root, path)
            if text and "xeus" in text:
                removed[path] = "an environment the template's environment-*.yml replace"
        elif path.startswith(".github/workflows/"):
            text, _ = read_text(root, path)
            if text and re.search(r"\b(cmake|emcmake|setup-micromamba|micromamba|jupyter lite|pixi run)\b", text):
                removed[path] = "CI the template's workflows replace"
        elif re.fullmatch(r"[^/]*Config\.cmake\.in|cmake/[^/]*Config\.cmake\.in", path):
            removed[path] = "a package config xeus_kernel_add(... SHARED) writes"
        elif re.fullmatch(r"src/main[^/]*\.(cpp|cc|cxx)", path):
            text, _ = read_text(root, path)
            if text and re.search(r"export_kernel|xkernel\s|make_xserver|xeus::xkernel", text):
                removed[path] = "an entry point the template's src/main.cpp / main_emscripten_kernel.cpp replace"
    glue = xk_wasm_glue(root, inference.tree, inference.cmake)
    kept = set(own_post_js(root, inference, tracked, rendered))
    for js in glue.files:
        if js.path not in tracked or js.role not in ("pre", "post") or js.path in kept:
            continue
        if js.path not in rendered:
            removed[js.path] = f"{js.role}.js glue: wasm/pre.js and wasm/initialize_xkernel.js replace it"
        own = _own_statements(js.code)
        if own:
            notes.append(
                f"{js.path} did more than re-export runtime symbols ({own[0].strip()[:60]}...): move that code into "
                f"wasm/initialize_xkernel.js (the old file is in git history)"
            )
    # The kernel's former entry points, replaced in place or removed: what they did beyond the
    # template's entry points.
    for path in sorted(p for p in files + [f for f in rendered if f in tracked] if re.fullmatch(r"src/main[^/]*\.(cpp|cc|cxx)", p)):
        text, _ = read_text(root, path)
        if not text or "emscripten" in path:
            continue
        did = [what for what, pattern in CUSTOM_MAIN.items() if pattern.search(text)]
        if did:
            notes.append(
                f"{path} set up {', '.join(did)}: put that into src/native_startup.cpp (native::configure), "
                f"the template's src/main.cpp calls it"
            )
    notebooks = sorted(f for f in tracked if re.fullmatch(r"notebooks/[^/]+\.ipynb", f))
    if notebooks:
        names = ", ".join(posixpath.basename(f) for f in notebooks[:3]) + (", ..." if len(notebooks) > 3 else "")
        notes.append(
            f"notebooks/ holds {len(notebooks)} notebooks ({names}): test/test_notebooks.py runs each on the kernel "
            f"and compares with its stored outputs; store them (`python test/test_notebooks.py notebooks/NAME.ipynb`, "
            f"JUPYTER_PATH naming the build) and tag cells that cannot give the same outputs twice "
            f"nbval-ignore-output or nbval-skip"
        )
    return removed, notes


def _own_statements(code: str) -> list[str]:
    """The statements of a pre/post.js beyond re-exports of runtime symbols (Module.X = X)."""
    statements = [s for s in re.split(r"[;\n]", code) if s.strip()]
    return [s for s in statements if not re.match(r"\s*Module\s*(\.\w+|\[[^]]+\])\s*=\s*[\w.\[\]'\"]+\s*$", s)]


def own_post_js(root: Path, inference: Inference, tracked: set[str], rendered: set[str]) -> list[str]:
    """The kernel's post.js files that are code of its own (a JavaScript runtime, not re-exports):
    they stay, linked with --post-js as before."""
    glue = xk_wasm_glue(root, inference.tree, inference.cmake)
    return sorted(js.path for js in glue.files if js.role == "post" and js.path in tracked
                  and js.path not in rendered and _own_statements(js.code))


def _skipped(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def render(template: str, destination: Path, defaults: dict[str, Any], data: dict[str, Any], *, vcs_ref: str | None,
           interactive: bool) -> tuple[dict[str, Any], list[str], str]:
    """The template rendered with the inferred answers (and the user's): (answers, the
    author-owned patterns, the release)."""
    worker = copier.run_copy(
        template, str(destination), data=data, user_defaults=defaults, defaults=not interactive,
        vcs_ref=vcs_ref, unsafe=False, quiet=not interactive, overwrite=True,
    )
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    return answers, list(worker.all_skip_if_exists), str(answers.get("_commit", ""))


FACTORY = "src/interpreter_factory.cpp"


def infer_shape(root: Path, inference: Inference) -> None:
    """A kernel with a wasm build and no native one (nothing of it uses xeus-zmq) runs in the
    browser only: the answer with_native=false leaves out the native entry point, presets and CI."""
    wasm = xk_wasm(inference.tree, inference.cmake)
    if not wasm.enabled:
        return
    native = xk_native(inference.tree, inference.cmake, wasm, xk_cpp(root, inference.tree))
    if not native.enabled:
        inference.set("with_native", False, f"browser-only: {native.evidence}")


def carry_test_setup(root: Path, inference: Inference) -> None:
    """The kernel's own protocol suite (the answer protocol_suite: the template writes none
    beside it, ctest runs it), and the pytest plugins its test configuration turns on, added to
    the environments its suites run in (native, and the wasm build's, where the bridge runs them)."""
    tracked = _tracked(root)
    suites = sorted(s.path for s in xk_tests(root, inference.tree).kernel_suites if s.path in tracked)
    suites = [s for s in suites if s.startswith("test/") and s.count("/") == 1] or suites
    if suites:
        inference.set("protocol_suite", suites[0], f"{suites[0]}: jupyter_kernel_test")
    for package, where in plugins_asked_for(root).items():
        for key in ("dev_dependencies", "wasm_build_dependencies"):
            specs = list(inference.answers.get(key, []))
            if not any(re.match(rf"{re.escape(package)}\b", spec) for spec in specs):
                inference.set(key, [*specs, package], f"{inference.sources.get(key, '')}; {where}".lstrip("; "))


def _other_cmake_files(root: Path, inference: Inference) -> dict[str, list]:
    """The CMake files the build reaches besides the top CMakeLists.txt, as written: they stay."""
    found = {}
    for path in inference.cmake.files:
        if path == "CMakeLists.txt":
            continue
        text, _ = read_text(root, path)
        found[path], _ = parse_cmake(text or "", path)
    return found


def _suspending_calls(root: Path, inference: Inference) -> list[str]:
    """Where the kernel's C++ calls something that needs asyncify or JSPI ("src/x.cpp: emscripten_sleep")."""
    calls = []
    for path, code in sorted(xk_cpp(root, inference.tree).files.items()):
        calls += [f"{path}: {name}" for name in dict.fromkeys(m.group(1) for m in SUSPENDING.finditer(code))]
    return calls


def _carry_factory(root: Path, rendered_dir: Path, inference: Inference, answers: dict[str, Any],
                   tracked: set[str]) -> tuple[list[str], list[str]]:
    """Write into the render the src/interpreter_factory.cpp that makes the interpreter as the
    kernel's former entry points did: (carried, needs a human)."""
    if not (rendered_dir / FACTORY).is_file() or (root / FACTORY).exists():
        return [], []
    sources = xk_cpp(root, inference.tree).files
    entry_points = {path: code for path, code in sources.items()
                    if path in tracked and re.fullmatch(r"src/main[^/]*\.(cpp|cc|cxx)", path)}
    factory = interpreter_factory(
        entry_points, namespace=answers["cpp_namespace"], interpreter_class=answers["interpreter_class"],
        interpreter_header=answers["interpreter_header"],
        factory_header=f"{answers['project_name']}/interpreter_factory.hpp",
        classes=derived_classes(sources) | {answers["interpreter_class"]}, files=set(inference.tree.files),
    )
    if factory.text is not None:
        (rendered_dir / FACTORY).write_text(factory.text, encoding="utf-8")
    return factory.carried, factory.needs_human


def _merge_gitignore(root: Path, rendered_dir: Path, tracked: set[str]) -> bool:
    """The kernel's .gitignore with the template's patterns it lacks appended, written into the
    render: True when that changes the kernel's file."""
    if ".gitignore" not in tracked or not (rendered_dir / ".gitignore").is_file():
        return False
    own = (root / ".gitignore").read_text(encoding="utf-8", errors="replace")
    patterns = {line.strip() for line in own.splitlines()}
    missing = [line for line in (rendered_dir / ".gitignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#") and line.strip() not in patterns]
    if not missing:
        return False
    merged = own.rstrip("\n") + "\n\n# The template's patterns (added by xeus-kernel-template adopt)\n" + "\n".join(missing) + "\n"
    (rendered_dir / ".gitignore").write_text(merged, encoding="utf-8")
    return True

def _unreachable(template: str, error: Exception) -> AdoptError:
    text = " ".join(str(getattr(error, "stderr", "") or error).split())
    reason = re.search(r"Could not resolve host: \S+|Failed to connect[^.]*|not found|does not exist", text)
    return AdoptError(f"cannot reach the template {template} ({reason.group(0) if reason else text[:60]}): "
                      f"give a local copy with --template PATH")


def render_answers(template: str, destination: Path, inference: Inference, data: dict[str, str], *,
                   vcs_ref: str | None, interactive: bool, dry_run: bool) -> tuple[tuple, dict[str, str], set[str]]:
    """Render with the inferred answers; an inferred answer the template's validator refuses is
    dropped (its --data line named), a question without a default that adopt could not infer
    gets a stand-in in a dry run. Returns (render(), refused answers -> why, stand-ins)."""
    defaults = {k: v for k, v in inference.answers.items() if k != "project_version"}
    refused: dict[str, str] = {}
    stand_ins = {k for k in STAND_INS if k not in defaults and k not in data} if not interactive else set()
    if stand_ins and not dry_run:
        lines = " ".join(f"--data {k}=..." for k in sorted(stand_ins))
        raise AdoptError(f"adopt could not infer {', '.join(sorted(stand_ins))}: give {lines}")
    while True:
        shutil.rmtree(destination, ignore_errors=True)
        try:
            given = {**{k: STAND_INS[k] for k in stand_ins}, **data}
            return render(template, destination, defaults, given, vcs_ref=vcs_ref, interactive=interactive), refused, stand_ins
        except ValueError as error:  # a validator refused an answer: say which, change nothing
            message = str(error).splitlines()[0]
            question = re.search(r"question '(\w+)': (.*)", message)
            key = question.group(1) if question else ""
            if key not in defaults or key in data:
                raise AdoptError(message) from None
            where = inference.sources.get(key, "inferred")
            refused[key] = f"{defaults.pop(key)!r} from {where} is refused: {question.group(2)}"
            if key in STAND_INS and not dry_run:
                raise AdoptError(f"{key} {refused[key]}; give one with --data {key}=...") from None
            if key in STAND_INS:
                stand_ins.add(key)
        except (OSError, copier.errors.CopierError) as error:
            raise _unreachable(template, error) from None


def plan_adoption(root: Path, rendered_dir: Path, inference: Inference, answers: dict[str, Any],
                  author_owned: list[str], release: str) -> Plan:
    tracked = _tracked(root)
    gitignore_merged = _merge_gitignore(root, rendered_dir, tracked)
    factory_carried, factory_human = _carry_factory(root, rendered_dir, inference, answers, tracked)
    rendered = sorted(p.relative_to(rendered_dir).as_posix() for p in rendered_dir.rglob("*") if p.is_file())
    written: dict[str, str] = {}
    kept: list[str] = []
    ignored: list[str] = []
    for path in rendered:
        exists = (root / path).is_file()
        if path == "CMakeLists.txt":
            continue
        if exists and path not in tracked:  # ignored by git: it could not be given back
            ignored.append(path)
        elif path == ".gitignore" and gitignore_merged:
            written[path] = "merged"
        elif _skipped(path, author_owned) and exists:
            kept.append(path)
        elif not exists:
            written[path] = "new"
        elif (root / path).read_bytes() != (rendered_dir / path).read_bytes():
            written[path] = "replaced"
    kernel = answers["kernel_name"]
    removed, notes = _legacy(root, inference, set(rendered), tracked)
    all_specs = _kernelspecs(root, inference)
    specs = [s for s in all_specs if s.name == kernel]
    others = {s.name: (s.data, s.text) for s in all_specs if s.name != kernel and isinstance(s.data, dict)}
    kernelspec, wasm_notes = _with_wasm_spec(root, inference, kernel, specs[0].data if specs else None)
    notes += wasm_notes
    build = thin_cmake_lists(
        inference.top_level, collect_variables(inference.top_level),
        other_files=_other_cmake_files(root, inference), suspending_calls=_suspending_calls(root, inference),
        other_kernelspecs=others, kernelspec_text=specs[0].text if specs else "",
        kept_js=own_post_js(root, inference, tracked, set(rendered)), removed_files=removed,
        project=answers["project_name"], version=inference.answers.get("project_version", "0.1.0"),
        description=answers.get("description", ""), kernel=kernel,
        interpreter_files=inference.interpreter_files, repo_files=inference.tree.files,
        kernelspec=kernelspec, with_runtime_files=bool(answers.get("with_runtime_files")),
    )
    notes += [f"{path} is ignored by git, so adopt leaves it as it is: compare it with the template's" for path in ignored]
    if answers.get("protocol_suite"):
        build.carried.append(f"the kernel's protocol suite {answers['protocol_suite']}: ctest runs it (test/*.py); "
                             f"the template writes none beside it (answer protocol_suite)")
    calls = _suspending_calls(root, inference)
    if calls and answers.get("with_wasm") and not any("asyncify" in line for line in build.needs_human):
        notes.append(f"{calls[0]}{' (and more)' if len(calls) > 1 else ''} suspends the kernel: in wasm it aborts "
                     f"without asyncify or JSPI, which the template leaves out; replace the call, or add the "
                     f"flags in CMakeLists.txt")
    kept += ignored
    if answers.get("pygments_lexer") == "text" and "pygments_lexer" not in inference.answers:
        notes.append(
            "kernel_info names no Pygments lexer or CodeMirror mode: the template writes 'text' (no "
            "highlighting); --data pygments_lexer=... (and codemirror_mode=...) names the language's"
        )
    if "project_version" not in inference.answers:
        notes.append("no project version found (project(VERSION) or a *_VERSION_MAJOR header): CMakeLists.txt says 0.1.0")
    glue_before = [f for f in tracked if GLUE.match(f)]
    after = (tracked - set(removed)) | set(rendered) | {"CMakeLists.txt"}
    glue_after = [f for f in after if GLUE.match(f)]
    author_glue = [f for f in glue_after if _skipped(f, author_owned) or f not in rendered]
    glue_author_lines = sum(
        len(build.text.splitlines()) if f == "CMakeLists.txt"
        else _lines(rendered_dir if f in written else root, [f]) for f in author_glue
    )
    glue_after_lines = glue_author_lines + _lines(rendered_dir, [f for f in glue_after if f not in author_glue])
    plan = Plan(
        answers, release, written, kept, removed, build.text, build.carried + factory_carried, build.replaced,
        inference.notes + build.needs_human + factory_human + notes, _lines(root, glue_before), glue_after_lines, glue_author_lines,
    )
    plan.ledger = build.ledger
    return plan


def _with_wasm_spec(root: Path, inference: Inference, kernel: str, native: dict | None) -> tuple[dict | None, list[str]]:
    """The kernel's kernelspec with what its wasm kernelspecs add: their metadata.shared (the
    side modules, SIDE_MODULES), and a note for each argument or metadata entry of theirs the
    template's one kernel.json.in has no home for."""
    notes: list[str] = []
    merged = json.loads(json.dumps(native)) if isinstance(native, dict) else None
    for spec in xk_kernelspecs(root, inference.tree):
        if not spec.wasm or not isinstance(spec.data, dict):
            continue
        metadata = spec.data.get("metadata") if isinstance(spec.data.get("metadata"), dict) else {}
        shared = metadata.get("shared")
        if isinstance(shared, dict) and shared and spec.name == kernel and merged is not None:
            merged_metadata = merged.setdefault("metadata", {})
            if isinstance(merged_metadata, dict) and "shared" not in merged_metadata:
                merged_metadata["shared"] = shared
        extra = sorted(set(metadata) - {"wasm_name", "debugger", "shared"})
        argv = [a for a in spec.data.get("argv", [])[1:] if isinstance(a, str)]
        what = []
        if argv:
            what.append(f"arguments {' '.join(argv)}")
        if extra:
            what.append(f"metadata {', '.join(extra)}")
        if isinstance(shared, dict) and spec.name != kernel:
            what.append("metadata.shared (SIDE_MODULES of its kernel)")
        if what:
            notes.append(f"{spec.path} (the wasm kernelspec) has {'; '.join(what)}: the template writes one "
                         f"kernel.json.in for both builds; carry them under if(EMSCRIPTEN) in CMakeLists.txt")
    return merged, notes


def _kernelspecs(root: Path, inference: Inference):
    return [s for s in xk_kernelspecs(root, inference.tree) if s.data is not None and not s.wasm]


def apply(plan: Plan, rendered_dir: Path, root: Path) -> None:
    for path in plan.written:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(rendered_dir / path, target)
    (root / "CMakeLists.txt").write_text(plan.cmake_lists, encoding="utf-8")
    for path in plan.removed:
        (root / path).unlink(missing_ok=True)


def _first_error(output: str) -> str:
    """The first error of a build's output with its cause: CMake says where on one line and
    why on the next ones."""
    lines = [line.strip() for line in output.splitlines()]
    for index, line in enumerate(lines):
        if re.search(r"\berror\b|Error", line):
            cause = next((n for n in lines[index + 1:index + 4] if n), "") if line.startswith("CMake Error") else ""
            return f"{line} {cause}".strip()
    return "see the output"


def build_check(tree: Path, toolchain: Toolchain | None) -> str:
    """Configure and build the adopted *tree* natively (its presets): "built", or what stopped it."""
    if toolchain is None:
        return "not built: no xeus toolchain (an environment from environment-dev.yml, CONDA_PREFIX or XEUS_PREFIX)"
    tc = toolchain.with_binds([tree.parent])
    for step in (["cmake", "--preset", "native"], ["cmake", "--build", "--preset", "native"]):
        result = tc.run(step, cwd=tree, env=tc.build_environment(), check=False)
        if result.returncode != 0:
            return f"failed at `{' '.join(step)}`: {_first_error(result.stdout)[:200]}"
    return "built"


def _record_known_failures(plan: Plan, root: Path, trial: Path, rendered_dir: Path, builder: Toolchain | None) -> None:
    if (root / KNOWN_FAILURES).exists():
        plan.needs_human.append(f"{KNOWN_FAILURES} exists: adopt records no first run over yours")
    elif plan.built != "built" or builder is None:
        plan.needs_human.append("known failures not recorded: the adopted tree was not built")
    else:
        plan.known_failures = record_first_run(trial, builder)
        if plan.known_failures:
            shutil.copy2(trial / KNOWN_FAILURES, rendered_dir / KNOWN_FAILURES)
            plan.written[KNOWN_FAILURES] = "new"


def score(root: Path) -> tuple[str, list[str]]:
    """The reviewer's score (passed/total) and the failing check IDs."""
    result = review_score(root)
    return str(result), list(result.failed)


def _not_inferred(plan: Plan, inference: Inference, data: dict[str, str], refused: dict[str, str]) -> dict[str, str]:
    """Each answer that is neither inferred nor given, with why."""
    found = {}
    for key, value in plan.answers.items():
        if key.startswith("_") or key in DECIDED or key in data or (key in inference.sources and key not in refused):
            continue
        found[key] = refused.get(key) or ("a stand-in for this dry run" if key in plan.stand_ins else
                                           f"the template's default, {value!r}")
    return found


def adopt(
    root: Path,
    *,
    template: str = DEFAULT_TEMPLATE,
    vcs_ref: str | None = None,
    data: dict[str, str] | None = None,
    interactive: bool = False,
    dry_run: bool = False,
    toolchain: Toolchain | None | str = "find",
    port_xeus6: bool = False,
    record_known_failures: bool = False,
) -> Plan:
    """Adopt the kernel repository at *root* (see the module's documentation). The adopted
    tree is built natively with *toolchain* ("find": the user's xeus, if any; None: no build).
    *port_xeus6*: make the mechanical xeus 5 -> 6 API changes in the kernel's own sources too.
    *record_known_failures*: run the generated suites on the built tree and record their
    failures in test/known_failures.toml."""
    root = root.resolve()
    check_repository(root)
    try:
        inference = infer(root)
    except NotAKernel as error:
        raise AdoptError(f"{root} is not a xeus kernel: {error}") from None
    infer_shape(root, inference)
    carry_test_setup(root, inference)
    with tempfile.TemporaryDirectory(prefix="xkt-adopt-") as temporary:
        work = Path(temporary)
        (answers, author_owned, release), refused, stand_ins = render_answers(
            template, work / "render", inference, dict(data or {}), vcs_ref=vcs_ref, interactive=interactive,
            dry_run=dry_run,
        )
        plan = plan_adoption(root, work / "render", inference, answers, author_owned, release)
        plan.sources = {**inference.sources, **{key: "--data" for key in data or {}}}
        plan.stand_ins = stand_ins
        plan.not_inferred = _not_inferred(plan, inference, dict(data or {}), refused)
        if inference.port is not None and inference.port.needed:
            plan.port_changes, plan.port_diff = inference.port.changes, inference.port.diff
            plan.ported = port_xeus6
            if port_xeus6:
                plan.written.update({path: "ported" for path in inference.port.patched})
                for path, text in inference.port.patched.items():
                    (work / "render" / path).parent.mkdir(parents=True, exist_ok=True)
                    (work / "render" / path).write_text(text, encoding="utf-8")
        plan.score_before, _ = score(root)
        trial = work / "adopted"
        shutil.copytree(root, trial, ignore=shutil.ignore_patterns(".git"), symlinks=True)
        apply(plan, work / "render", trial)
        plan.score_after, plan.failed_after = score(trial)
        builder = find_host_toolchain() if toolchain == "find" else toolchain
        plan.built = build_check(trial, builder)
        if record_known_failures:
            _record_known_failures(plan, root, trial, work / "render", builder)
        if not dry_run:
            apply(plan, work / "render", root)
    return plan


def report(plan: Plan, *, dry_run: bool, write: Callable[[str], None] = print) -> None:
    write(f"Template release {plan.release or '(untagged)'}; answers (--data KEY=VALUE overrides one):")
    for key in sorted(k for k in plan.answers if not k.startswith("_")):
        value = "(not inferred)" if key in plan.stand_ins else repr(plan.answers[key])
        write(f"  {key:<24} {value:<36} {plan.sources.get(key, 'not inferred')}")
    if plan.not_inferred:
        write("Not inferred (set each with its --data line):")
        for key, why in sorted(plan.not_inferred.items()):
            example = f"'{key}=[...]'" if isinstance(plan.answers.get(key), list) else f"{key}=..."
            write(f"  --data {example:<34} {why}")
    write("Files:" if not dry_run else "Plan (--dry-run: nothing is written):")
    for path, how in sorted(plan.written.items()):
        write(f"  {ACTIONS[how]:<8} {path}")
    write(f"  {'rewrite':<8} CMakeLists.txt ({len(plan.cmake_lists.splitlines())} lines, yours)")
    for path, why in sorted(plan.removed.items()):
        write(f"  {'remove':<8} {path}: {why}")
    for path in sorted(plan.kept):
        write(f"  {'keep':<8} {path} (yours)")
    if plan.carried:
        write("Carried over into CMakeLists.txt:")
        write("\n".join(f"  {line}" for line in plan.carried))
    if plan.replaced:
        write("Now done by the template:")
        write("\n".join(f"  {line}" for line in plan.replaced))
    if plan.port_changes:
        write("xeus 6 API: the kernel is written against xeus 5; what it must change:")
        write("\n".join(f"  - {line}" for line in plan.port_changes))
        if plan.port_diff and plan.ported:
            write("The mechanical changes were made in the kernel's sources (--port-xeus6):")
        elif plan.port_diff:
            write("The mechanical changes, made by --port-xeus6:")
        write("\n".join(f"    {line}" for line in plan.port_diff.splitlines()))
    if plan.needs_human:
        write("Needs a human:")
        write("\n".join(f"  - {line}" for line in plan.needs_human))
    write(f"Build glue you maintain: {plan.glue_before} lines before, {plan.glue_author} after "
          f"({plan.glue_after} with the template's own)")
    failed = f" (failing: {', '.join(plan.failed_after)})" if plan.failed_after else ""
    write(f"Reviewer score: {plan.score_before} before, {plan.score_after} after{failed}")
    write(f"Native build of the adopted tree: {plan.built}")
    if plan.known_failures:
        recorded = "; ".join(f"{suite} {', '.join(sorted(ids))}" for suite, ids in sorted(plan.known_failures.items()))
        write(f"Known failures of the first run, recorded in {KNOWN_FAILURES} (strict: a fix shows): {recorded}")
    if dry_run:
        write("Nothing was changed. Run again without --dry-run to apply the plan.")
    else:
        write("Next: review `git status` and `git diff`, build with `cmake --workflow --preset native`, commit; "
              "from then on `copier update` brings the template's releases.")
