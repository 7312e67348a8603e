"""Copy and update: `copier copy` of the full template against its floor and its peers, and
`copier update` against the copy.

Every tool runs as a fresh process, the way a user runs it, so interpreter start-up and
imports are in every figure; the in-process figures (imports already done) and the
import-only figures split that cost out. The peers are written here, from the reference
render of the template, and must reproduce that render byte for byte:

- floor: plain Jinja2 (with the filters the template uses) rendering template/ into the
  same tree, with the answers copier computed;
- cookiecutter (PyPI) rendering an equivalent cookiecutter template: the same files, the
  answers as Jinja variables in their contents and paths, the same questions with the
  same derived defaults;
- copier copying the same equivalent template (copier's own floor for this tree: no
  validators, no conditional paths, no includes).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from timing import Results, interleave

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

import template_repo
from samples import BASE

# The update pair: the working tree as release OLD, then a release that changes a convention
# in a template-owned file (what a release brings kernels).
OLD, NEW = "v1.0.0", "v1.1.0"
RELEASE_CHANGES = {
    "template/cmake/XeusKernel.cmake": [(
        "# Managed by xeus-kernel-template: `copier update` rewrites this file.\n",
        "# Managed by xeus-kernel-template: `copier update` rewrites this file.\n# Release 1.1.0: a convention changed.\n",
    )],
}
RAW_MARKERS = ("{{", "{%", "{#", "}}", "%}", "#}")


def isolated_environment(home: Path) -> dict[str, str]:
    """No user settings of copier, cookiecutter or git in any measurement."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "copier-settings.yml").write_text("{}\n")
    (home / "gitconfig").write_text("[user]\n\tname = Benchmark\n\temail = bench@example.org\n[init]\n\tdefaultBranch = main\n")
    (home / "cookiecutterrc").write_text(f"cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env.update(COPIER_SETTINGS_PATH=str(home / "copier-settings.yml"), GIT_CONFIG_GLOBAL=str(home / "gitconfig"),
               GIT_CONFIG_NOSYSTEM="1", COOKIECUTTER_CONFIG=str(home / "cookiecutterrc"), PYTHONDONTWRITEBYTECODE="")
    return env


tree = template_repo.tree  # relative path -> bytes, as the tests compare trees


def tree_difference(expected: Path, found: Path) -> str:
    a, b = tree(expected), tree(found)
    missing, extra = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    parts = [f"{label}: {', '.join(items[:5])}" for label, items in
             (("missing", missing), ("extra", extra), ("different", changed)) if items]
    return "; ".join(parts)


# --- the equivalent template, written from the reference render ----------------------------


def substitutions(context: dict) -> list[tuple[str, str]]:
    """(value, variable) for the answers that appear as text: longest values first, one
    variable per value (the first question that produced it)."""
    seen: dict[str, str] = {}
    for name, value in context.items():
        if name.startswith("_") or not isinstance(value, str) or len(value) < 3 or value in seen:
            continue
        seen[value] = name
    return sorted(seen.items(), key=lambda item: -len(item[0]))


def templated(text: str, subs: list[tuple[str, str]], variable: Callable[[str], str]) -> tuple[str, bool]:
    """text with each answer replaced by its variable and the rest kept literally (Jinja
    syntax in the literal parts protected by raw blocks); and whether anything was replaced."""
    if not subs:
        return text, False
    pattern = re.compile("|".join(re.escape(value) for value, _ in subs))
    names = dict(subs)
    out, last, replaced = [], 0, False

    def literal(chunk: str) -> str:
        # A brace next to a variable would join its delimiters: "${" + "{{ x }}" reads "{{{".
        if any(marker in chunk for marker in RAW_MARKERS) or chunk.endswith("{") or chunk.startswith("}"):
            if "endraw" in chunk:
                raise ValueError("literal text contains 'endraw': cannot protect it")
            return "{% raw %}" + chunk + "{% endraw %}"
        return chunk

    for match in pattern.finditer(text):
        out.append(literal(text[last:match.start()]))
        out.append(variable(names[match.group(0)]))
        last, replaced = match.end(), True
    out.append(literal(text[last:]))
    return "".join(out), replaced


def equivalent_files(reference: Path, context: dict, variable: Callable[[str], str]):
    """(template path, bytes, rendered?) for every file of the reference render."""
    subs = substitutions(context)
    for relative, data in tree(reference).items():
        path, _ = templated(relative, subs, variable)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            yield path, data, False
            continue
        content, replaced = templated(text, subs, variable)
        if replaced or content != text:  # answers inside, or Jinja syntax to protect
            yield path, content.encode("utf-8"), True
        else:
            yield path, data, False


def question_defaults(context: dict, prefix: str) -> dict[str, str]:
    """The template's questions with their answers; derived ones computed from earlier answers
    with the same Jinja expressions (in the filters both tools have)."""
    derived = {
        "language_slug": "{{ %slanguage_name | lower | replace(' ', '') }}",
        "kernel_name": "x{{ %slanguage_slug }}",
        "project_name": "xeus-{{ %slanguage_slug }}",
        "display_name": "{{ %slanguage_name }}",
        "language_id": "{{ %slanguage_slug }}",
        "cpp_namespace": "{{ %sproject_name | replace('-', '_') }}",
        "interpreter_class": "{{ %scpp_namespace }}::interpreter",
        "interpreter_header": "{{ %sproject_name }}/xinterpreter.hpp",
        "file_extension": ".{{ %slanguage_slug }}",
        "mimetype": "text/x-{{ %slanguage_slug }}",
        "codemirror_mode": "{{ %spygments_lexer }}",
        "description": "A Jupyter kernel for {{ %slanguage_name }}, built on xeus",
        "cpp_macro_prefix": "{{ %sproject_name | upper | replace('-', '_') }}",
    }
    questions = {}
    for name, value in context.items():
        if name.startswith("_") or not isinstance(value, (str, bool)):
            continue
        questions[name] = derived[name].replace("%s", prefix) if name in derived else value
    return questions


def write_cookiecutter_template(reference: Path, context: dict, destination: Path) -> int:
    variable = lambda name: f"{{{{ cookiecutter.{name} }}}}"
    project = destination / "{{ cookiecutter.project_name }}"
    copy_only, count = [], 0
    for path, data, rendered in equivalent_files(reference, context, variable):
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
        if not rendered:
            copy_only.append(path)
    config = {**question_defaults(context, "cookiecutter."), "_copy_without_render": copy_only}
    (destination / "cookiecutter.json").write_text(json.dumps(config, indent=2) + "\n")
    return count


def write_trivial_copier_template(reference: Path, context: dict, destination: Path) -> int:
    import yaml

    variable = lambda name: f"{{{{ {name} }}}}"
    count = 0
    for path, data, rendered in equivalent_files(reference, context, variable):
        target = destination / "template" / (path + (".jinja" if rendered else ""))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    questions = {name: {"type": "bool" if isinstance(value, bool) else "str", "default": value}
                 for name, value in question_defaults(context, "").items()}
    for name in ("language_slug", "cpp_macro_prefix"):
        questions[name]["when"] = False
    config = {"_subdirectory": "template", "_templates_suffix": ".jinja", **questions}
    (destination / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return count


FLOOR_SCRIPT = '''\
"""The floor of a copy: plain Jinja2 renders template/ (paths and .jinja files) with the
answers copier computed, and copies the other files."""
import json, shutil, sys
from pathlib import Path
import jinja2

source, destination, context_file = map(Path, sys.argv[1:4])
context = json.loads(context_file.read_text())
env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(source)), keep_trailing_newline=True,
                         extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
root = source / "template"
for path in sorted(root.rglob("*")):
    if not path.is_file():
        continue
    relative = path.relative_to(root).as_posix()
    templated = relative.endswith(".jinja")
    if templated:
        relative = relative[: -len(".jinja")]
    parts = [env.from_string(p).render(context) if "{" in p else p for p in relative.split("/")]
    if not all(parts):
        continue
    target = destination.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    if templated:
        target.write_text(env.get_template(path.relative_to(source).as_posix()).render(context), encoding="utf-8")
    else:
        shutil.copyfile(path, target)
    shutil.copymode(path, target)
'''


def capture_context(source: str, destination: Path, data: dict, **kwargs) -> dict:
    """Render with copier, recording the context its files were rendered with (JSON-able
    part: the answers, derived values and copier's own variables the template uses)."""
    import copier
    from copier import _main

    original = _main.Worker._render_context
    seen: dict = {}

    def recording(self):
        context = original(self)
        seen.update(context)
        return context

    _main.Worker._render_context = recording
    try:
        copier.run_copy(source, str(destination), data=data, defaults=True, quiet=True, **kwargs)
    finally:
        _main.Worker._render_context = original
    if "_copier_answers" not in seen:
        raise RuntimeError("copier's render context was not captured (copier internals changed?)")
    context = {k: v for k, v in seen.items() if isinstance(v, (str, bool, int, list, dict)) and not k.startswith("_")}
    context["_copier_answers"] = dict(seen["_copier_answers"])
    context["_copier_conf"] = {"answers_file": ".copier-answers.yml", "dst_path": str(destination)}
    return context


# --- the copy section -------------------------------------------------------------------------


class Rendering:
    """Prepares the templates and runs the copy and update pairs."""

    def __init__(self, work: Path, results: Results, progress: Callable[[str], None]):
        self.work, self.results, self.progress = work, results, progress
        self.env = isolated_environment(work / "home")
        self.bin = Path(sys.executable).parent
        self.counter = 0

    def fresh(self, name: str) -> Path:
        self.counter += 1
        return self.work / "out" / f"{name}-{self.counter}"

    def run(self, argv: list, cwd: Path | None = None) -> None:
        result = subprocess.run([str(a) for a in argv], cwd=cwd, env=self.env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, argv))} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-3000:]}")

    def data_args(self) -> list[str]:
        return [arg for key, value in BASE.items() for arg in ("-d", f"{key}={value}")]

    # -- preparation -------------------------------------------------------------------
    def prepare(self) -> None:
        os.environ.update({k: self.env[k] for k in ("COPIER_SETTINGS_PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")})
        self.progress("writing the template, its git releases and the equivalent templates")
        self.template = self.work / "xeus-kernel-template"  # a plain folder: what cookiecutter gets too
        self.template.mkdir(parents=True)
        template_repo.copy_template(self.template)
        self.releases = template_repo.two_releases(self.work / "releases", RELEASE_CHANGES, (OLD, NEW))
        self.reference = self.work / "reference"
        self.context = capture_context(str(self.template), self.reference, BASE)
        self.files = len(tree(self.reference))
        (self.work / "context.json").write_text(json.dumps(self.context))
        self.floor_script = self.work / "jinja_floor.py"
        self.floor_script.write_text(FLOOR_SCRIPT)
        self.cookiecutter = self.work / "cookiecutter-equivalent"
        cookiecutter_files = write_cookiecutter_template(self.reference, self.context, self.cookiecutter)
        self.trivial = self.work / "copier-equivalent"
        trivial_files = write_trivial_copier_template(self.reference, self.context, self.trivial)
        assert cookiecutter_files == trivial_files == self.files
        # Each peer must write the reference tree, byte for byte.
        for key, (name, action, output) in self.actions().items():
            if key not in ("jinja", "cookiecutter", "copier_trivial"):
                continue
            destination = output()
            action(destination)
            root = destination / BASE_PROJECT if name == "cookiecutter" else destination
            difference = tree_difference(self.reference, root)
            if difference:
                raise RuntimeError(f"the {name} peer does not reproduce the template's render: {difference}")
        self.results.meta["copy"] = {"files": self.files, "template": "full (default answers: wasm on, runtime files off)"}

    def actions(self) -> dict[str, tuple[str, Callable[[Path], None], Callable[[], Path]]]:
        copier_cli = self.bin / "copier"
        return {
            "copier": ("copier", lambda d: self.run([copier_cli, "copy", "--defaults", "--quiet", *self.data_args(), self.template, d]),
                       lambda: self.fresh("copier")),
            "copier_git": ("copier from git", lambda d: self.run([copier_cli, "copy", "--defaults", "--quiet", "--vcs-ref", NEW,
                                                                  *self.data_args(), self.releases, d]),
                           lambda: self.fresh("copier-git")),
            "jinja": ("jinja2", lambda d: self.run([sys.executable, self.floor_script, self.template, d, self.work / "context.json"]),
                      lambda: self.fresh("jinja")),
            "cookiecutter": ("cookiecutter", lambda d: self.run([self.bin / "cookiecutter", "--no-input", "-o", d, self.cookiecutter,
                                                                 *(f"{k}={v}" for k, v in BASE.items())]),
                             lambda: self.fresh("cookiecutter")),
            "copier_trivial": ("copier, equivalent template", lambda d: self.run([copier_cli, "copy", "--defaults", "--quiet",
                                                                                  *self.data_args(), self.trivial, d]),
                               lambda: self.fresh("copier-trivial")),
        }

    # -- the copy pairs ----------------------------------------------------------------
    def measure_copy(self, rounds: int) -> None:
        r = self.results
        timed_actions = {key: (lambda a=action, o=output: a(o())) for key, (_, action, output) in self.actions().items()}
        python = [sys.executable, "-c"]
        timed_actions.update({
            "python": lambda: self.run([*python, "pass"]),
            "import_copier": lambda: self.run([*python, "import copier._cli"]),
            "import_cookiecutter": lambda: self.run([*python, "import cookiecutter.cli"]),
            "import_jinja": lambda: self.run([*python, "import jinja2, jinja2_ansible_filters"]),
        })
        self.progress(f"copy: {len(timed_actions)} commands, {rounds} interleaved rounds")
        samples = interleave(rounds, timed_actions, progress=self.progress)
        n = self.files
        r.add("copy.jinja", f"Jinja2 renders the same tree ({n} files), floor", samples["jinja"])
        r.add("copy.cookiecutter", f"cookiecutter, equivalent template ({n} files)", samples["cookiecutter"], peer="copy.jinja", paired=True)
        r.add("copy.copier_trivial", f"copier copy, equivalent template ({n} files)", samples["copier_trivial"], peer="copy.cookiecutter", paired=True)
        r.add("copy.copier", "copier copy of the template (a folder)", samples["copier"], peer="copy.cookiecutter", paired=True, target=1.0)
        r.add("copy.copier_vs_floor", "  same, against the Jinja2 floor", samples["copier"], peer="copy.jinja", paired=True)
        r.add("copy.copier_vs_trivial", "  same, against copier on the equivalent", samples["copier"], peer="copy.copier_trivial", paired=True)
        r.add("copy.copier_git", f"copier copy from a git tag ({NEW})", samples["copier_git"], peer="copy.copier", paired=True)
        r.add("copy.python", "python -c pass", samples["python"])
        r.add("copy.import_copier", "python -c 'import copier._cli'", samples["import_copier"], peer="copy.copier", paired=True)
        r.add("copy.import_cookiecutter", "python -c 'import cookiecutter.cli'", samples["import_cookiecutter"], peer="copy.cookiecutter", paired=True)
        r.add("copy.import_jinja", "python -c 'import jinja2, ...filters'", samples["import_jinja"], peer="copy.jinja", paired=True)
        self.measure_in_process(rounds)

    def measure_in_process(self, rounds: int) -> None:
        """The same renders with the imports done: what each tool's own work costs."""
        import copier
        from cookiecutter.main import cookiecutter

        spec = {
            "copier": lambda: copier.run_copy(str(self.template), str(self.fresh("ip-copier")), data=BASE, defaults=True, quiet=True),
            # As tests/conftest.py renders: the checkout itself at HEAD, uncommitted changes included.
            "checkout": lambda: copier.run_copy(str(ROOT), str(self.fresh("ip-checkout")), data=BASE, defaults=True, quiet=True,
                                                vcs_ref="HEAD"),
            "cookiecutter": lambda: cookiecutter(str(self.cookiecutter), no_input=True, extra_context=BASE,
                                                 output_dir=str(self.fresh("ip-cookiecutter"))),
            "jinja": lambda: self.floor_in_process(self.fresh("ip-jinja")),
        }
        spec["filemode_once"] = lambda: self.with_filemode_once(
            lambda: copier.run_copy(str(self.template), str(self.fresh("ip-once")), data=BASE, defaults=True, quiet=True))
        samples = interleave(rounds, spec)
        r = self.results
        r.add("copy.ip_jinja", "in process: Jinja2 floor", samples["jinja"])
        r.add("copy.ip_cookiecutter", "in process: cookiecutter", samples["cookiecutter"], peer="copy.ip_jinja", paired=True)
        r.add("copy.ip_copier", "in process: copier copy", samples["copier"], peer="copy.ip_cookiecutter", paired=True)
        r.add("copy.ip_filemode_once", "in process: same, `git config core.fileMode` asked once per copy",
              samples["filemode_once"], peer="copy.ip_copier", paired=True,
              note="what caching copier's per-file git call would save (patched here, not in copier)")
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
        r.add("copy.ip_checkout", f"in process: from the {'dirty' if dirty else 'clean'} checkout, vcs_ref=HEAD (as the tests)",
              samples["checkout"], peer="copy.ip_copier", paired=True)

    @staticmethod
    def with_filemode_once(action: Callable[[], object]) -> None:
        """Run `action` with copier asking git for core.fileMode once per destination instead
        of once per file (copier 9.19 asks before writing each file)."""
        from copier import _main

        original = _main.Worker._sync_git_index_executable_bit
        answers: dict[str, str] = {}

        def once(self, dst_relpath, src_mode):
            root = str(self.subproject.local_abspath)
            if root not in answers:
                answers[root] = subprocess.run(["git", "config", "--type=bool", "--get", "core.fileMode"], cwd=root,
                                               capture_output=True, text=True, check=False).stdout.strip()
            if answers[root] == "false":
                original(self, dst_relpath, src_mode)

        _main.Worker._sync_git_index_executable_bit = once
        try:
            action()
        finally:
            _main.Worker._sync_git_index_executable_bit = original

    def floor_in_process(self, destination: Path) -> None:
        namespace = {"__name__": "floor"}
        argv = sys.argv
        sys.argv = ["floor", str(self.template), str(destination), str(self.work / "context.json")]
        try:
            exec(compile(FLOOR_SCRIPT, "jinja_floor.py", "exec"), namespace)  # noqa: S102 (our own floor script)
        finally:
            sys.argv = argv

    # -- where the time of a copy goes -------------------------------------------------
    def profile_copy(self) -> None:
        import copier

        destination = self.fresh("profile-copy")
        profile = profiled(lambda: copier.run_copy(str(self.template), str(destination), data=BASE, defaults=True, quiet=True))
        self.note_profile("copy", "copier copy, in process (imports done)", profile)

    def note_profile(self, section: str, title: str, profile: dict) -> None:
        total = profile.pop("total")
        self.results.meta.setdefault("profiles", {})[f"{section}: {title}"] = {"total": total, **profile}
        self.results.note(section, f"where one {title} spends its {total * 1e3:.0f} ms (wall clock, inclusive):")
        for name, (seconds, calls) in profile.items():
            self.results.note(section, f"  {seconds * 1e3:6.0f} ms {calls:4d}×  {name}")

    # -- update ------------------------------------------------------------------------
    def measure_update(self, rounds: int) -> None:
        copier_cli = self.bin / "copier"
        state: dict[str, Path] = {}

        def copy_old():
            project = self.fresh("update")
            started = time.perf_counter()
            self.run([copier_cli, "copy", "--defaults", "--quiet", "--vcs-ref", OLD, *self.data_args(), self.releases, project])
            elapsed = time.perf_counter() - started
            template_repo.git(project, "init", "--quiet")
            template_repo.commit_all(project, f"made from {OLD}")
            state["project"] = project
            return elapsed

        def copy_new():
            self.run([copier_cli, "copy", "--defaults", "--quiet", "--vcs-ref", NEW, *self.data_args(), self.releases,
                      self.fresh("copy-new")])

        def update():
            project = state["project"]
            started = time.perf_counter()
            self.run([copier_cli, "update", "--defaults", "--quiet", "--trust", "--vcs-ref", NEW], cwd=project)
            elapsed = time.perf_counter() - started
            template_repo.commit_all(project, f"updated to {NEW}")
            return elapsed

        def noop():
            self.run([copier_cli, "update", "--defaults", "--quiet", "--vcs-ref", NEW], cwd=state["project"])

        self.progress(f"update: copy, update one release, no-op update; {rounds} rounds")
        samples: dict[str, list[float]] = {"copy_old": [], "copy_new": [], "update": [], "noop": []}
        from timing import timed

        for index in range(1 + rounds):  # the order is fixed by the journey; the copy of NEW alternates
            order = [("copy_new", copy_new), ("copy_old", copy_old), ("update", update), ("noop", noop)]
            if index % 2:
                order = order[1:] + order[:1]
            for name, action in order:
                value = timed(action)
                if index:
                    samples[name].append(value)
            self.progress(f"round {index}/{rounds}" if index else "warm-up round")
        r = self.results
        r.add("update.copy", f"copier copy from git ({NEW})", samples["copy_new"])
        r.add("update.copy_old", f"copier copy from git ({OLD})", samples["copy_old"], peer="update.copy", paired=True)
        r.add("update.one_release", f"copier update {OLD} → {NEW} (one release)", samples["update"],
              peer="update.copy", paired=True, target=1.5)
        r.add("update.noop", "copier update, nothing to do", samples["noop"], peer="update.copy", paired=True, target=1.5)

    def profile_update(self) -> None:
        import copier

        project = self.fresh("profile-update")
        copier.run_copy(str(self.releases), str(project), data=BASE, defaults=True, quiet=True, vcs_ref=OLD)
        template_repo.git(project, "init", "--quiet")
        template_repo.commit_all(project, f"made from {OLD}")
        profile = profiled(lambda: copier.run_update(str(project), vcs_ref=NEW, defaults=True, overwrite=True,
                                                     unsafe=True, quiet=True))
        self.note_profile("update", f"copier update {OLD} → {NEW}, in process", profile)
        template_repo.commit_all(project, "updated")
        profile = profiled(lambda: copier.run_update(str(project), vcs_ref=NEW, defaults=True, overwrite=True, quiet=True))
        self.note_profile("update", "no-op copier update, in process", profile)


BASE_PROJECT = "xeus-mylang"

# Where a copier run spends its time: wall-clock time inside these functions (outermost
# calls only; inclusive, so nested phases are also counted in the phase around them).
PHASES = [
    ("whole renders (Worker.run_copy)", "copier._main", "Worker", "run_copy"),
    ("  cloning the template at a ref (git clone + checkout)", "copier._vcs", None, "clone"),
    ("  reading copier.yml", "copier._template", None, "load_template_config"),
    ("  questions: defaults, validators, when", "copier._main", "Worker", "_ask"),
    ("  Jinja strings: path parts, answers file name, settings", "copier._main", "Worker", "_render_string"),
    ("  rendering and writing files", "copier._main", "Worker", "_render_file"),
    ("    `git config core.fileMode`, once per file", "copier._main", "Worker", "_sync_git_index_executable_bit"),
    ("  migrations and tasks", "copier._main", "Worker", "_execute_tasks"),
    ("every git command (plumbum)", "plumbum.commands.base", "BaseCommand", "run"),
]


@contextlib.contextmanager
def silenced_fds():
    """Subprocesses (copier's migrations) write to the inherited stdout/stderr: not into the table."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def profiled(action: Callable[[], object]) -> dict:
    """Run `action` once with PHASES timed; {"total": s, label: (s, calls)}."""
    import importlib

    found: dict = {}
    restore = []
    for label, module_name, class_name, attribute in PHASES:
        owner = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
        original = owner.__dict__[attribute] if class_name else getattr(owner, attribute)
        found[label] = [0.0, 0]
        state = {"depth": 0}

        def wrapper(*args, __original=original, __label=label, __state=state, **kwargs):
            __state["depth"] += 1
            started = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                __state["depth"] -= 1
                if __state["depth"] == 0:
                    found[__label][0] += time.perf_counter() - started
                    found[__label][1] += 1

        setattr(owner, attribute, wrapper)
        restore.append((owner, attribute, original))
        if module_name == "copier._vcs":  # imported by name into other modules too
            for other in ("copier._template", "copier._main"):
                module = importlib.import_module(other)
                if getattr(module, attribute, None) is original:
                    setattr(module, attribute, wrapper)
                    restore.append((module, attribute, original))
    quiet = io.StringIO()
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet), silenced_fds():
            action()
    finally:
        total = time.perf_counter() - started
        for owner, attribute, original in reversed(restore):
            setattr(owner, attribute, original)
    return {"total": total, **{label: tuple(value) for label, value in found.items() if value[1]}}
