"""Environments and commands of a kernel repository, whichever tool holds them.

- :class:`Environment`: one conda environment, from an ``environment*.yml`` file or from a
  ``pixi.toml`` environment (its features merged), with the role it plays for the kernel
  (``dev``, ``wasm-build``, ``wasm-host`` or ``other``).
- :class:`Command`: one command line the project runs: a CI ``run:`` step, a pixi task
  (expanded where CI calls ``pixi run [-e ENV] TASK``), or a shell script either of those
  runs; ``in_ci`` tells whether CI reaches it.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
import tomllib
from collections.abc import Iterable, Iterator
from typing import Any

from .parsing import MatchSpec, parse_match_spec

DEV, WASM_BUILD, WASM_HOST, OTHER = "dev", "wasm-build", "wasm-host", "other"
ROLE_FILES = {
    "environment-dev": DEV,
    "environment-wasm-build": WASM_BUILD,
    "environment-wasm-host": WASM_HOST,
}
_EMSCRIPTEN = {"emscripten_emscripten-wasm32", "emscripten", "emsdk"}


@dataclasses.dataclass
class Environment:
    label: str  # how a message names it: `environment-dev.yml`, `pixi.toml` environment `wasm-host`
    path: str  # the file
    name: str
    role: str
    channels: list[str]
    specs: list[MatchSpec]
    pip: list[MatchSpec]
    platforms: list[str]
    source: str  # "conda" or "pixi"
    error: str = ""
    text: str = ""

    def spec(self, *names: str) -> list[MatchSpec]:
        wanted = set(names)
        return [s for s in self.specs if s.name in wanted]

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.specs} | {s.name for s in self.pip}

    def line_of(self, needle: str) -> int | None:
        """The first line of the file mentioning needle (for annotations)."""
        for number, line in enumerate(self.text.splitlines(), start=1):
            if needle and needle in line:
                return number
        return None


def role_of(name: str, specs: Iterable[MatchSpec], channels: Iterable[str], platforms: Iterable[str]) -> str:
    """The part an environment plays, from its name, else from what it holds."""
    lowered = name.lower()
    for prefix, role in ROLE_FILES.items():
        if lowered.startswith(prefix):
            return role
    names = {s.name for s in specs}
    platforms = list(platforms)
    if platforms and all(p == "emscripten-wasm32" for p in platforms):
        return WASM_HOST
    if re.search(r"wasm[-_]?host|(^|[-_])host$", lowered):
        return WASM_HOST
    if re.search(r"wasm[-_]?build|emscripten", lowered) or names & _EMSCRIPTEN:
        return WASM_BUILD
    if "xeus-lite" in names and any("emscripten-forge" in c for c in channels):
        return WASM_HOST
    if names & {"jupyterlite-xeus", "jupyterlite-core"} and not names & {"xeus-zmq"}:
        return WASM_BUILD
    if lowered in ("default", "dev", "develop", "development") or names & {"xeus-zmq", "xeus"}:
        return DEV
    return OTHER


def conda_environment(path: str, data: Any, error: str, text: str) -> Environment:
    base = posixpath.basename(path)
    specs: list[MatchSpec] = []
    pip: list[MatchSpec] = []
    channels: list[str] = []
    if not error and isinstance(data, dict):
        for item in data.get("dependencies") or [] if isinstance(data.get("dependencies"), list) else []:
            if isinstance(item, str) and (spec := parse_match_spec(item)) is not None:
                specs.append(spec)
            elif isinstance(item, dict) and isinstance(item.get("pip"), list):
                pip += [s for p in item["pip"] if (s := parse_match_spec(str(p)))]
        if isinstance(data.get("channels"), list):
            channels = [str(c) for c in data["channels"]]
    name = base.rsplit(".", 1)[0]
    return Environment(f"`{path}`", path, name, role_of(name, specs, channels, []), channels, specs, pip, [],
                       "conda", error, text)


# --------------------------------------------------------------------------------------
# pixi


@dataclasses.dataclass
class PixiTask:
    name: str
    cmd: str
    depends: list[str]
    feature: str  # "" for the default feature


@dataclasses.dataclass
class Pixi:
    path: str
    error: str = ""
    environments: list[Environment] = dataclasses.field(default_factory=list)
    tasks: list[PixiTask] = dataclasses.field(default_factory=list)
    env_features: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def tasks_for(self, name: str, environment: str | None) -> list[PixiTask]:
        """The task ``pixi run [-e environment] name`` runs."""
        candidates = [t for t in self.tasks if t.name == name]
        if environment:
            features = self.env_features.get(environment, [""])
            in_env = [t for t in candidates if t.feature in features]
            # a feature's task overrides the default feature's
            return sorted(in_env, key=lambda t: t.feature == "")[:1]
        if len(candidates) > 1:
            default = [t for t in candidates if t.feature == ""]
            return default[:1] or candidates[:1]
        return candidates


def _pixi_specs(table: Any) -> list[MatchSpec]:
    specs: list[MatchSpec] = []
    if not isinstance(table, dict):
        return specs
    for name, value in table.items():
        if isinstance(value, dict):
            value = value.get("version", "")
        version = "" if value in (None, "", "*") else str(value)
        text = f"{name} {version}".strip()
        spec = parse_match_spec(text)
        if spec is not None:
            specs.append(MatchSpec(spec.name, spec.version, text))
    return specs


def _feature_parts(table: dict) -> tuple[list[MatchSpec], list[MatchSpec], list[str] | None, list[str] | None]:
    specs = _pixi_specs(table.get("dependencies")) + _pixi_specs(table.get("host-dependencies")) + _pixi_specs(
        table.get("build-dependencies")
    )
    for target in (table.get("target") or {}).values() if isinstance(table.get("target"), dict) else []:
        if isinstance(target, dict):
            specs += _pixi_specs(target.get("dependencies"))
    pip = _pixi_specs(table.get("pypi-dependencies"))
    channels = table.get("channels")
    platforms = table.get("platforms")
    channel_names = [c if isinstance(c, str) else str(c.get("channel", "")) for c in channels] if isinstance(
        channels, list) else None
    return specs, pip, channel_names, [str(p) for p in platforms] if isinstance(platforms, list) else None


def _tasks(table: Any, feature: str) -> list[PixiTask]:
    out: list[PixiTask] = []
    if not isinstance(table, dict):
        return out
    for name, value in table.items():
        depends: list[str] = []
        if isinstance(value, dict):
            cmd = value.get("cmd", "")
            raw = value.get("depends-on", value.get("depends_on", []))
            if isinstance(raw, str):
                raw = [raw]
            for d in raw if isinstance(raw, list) else []:
                depends.append(d if isinstance(d, str) else str(d.get("task", "")) if isinstance(d, dict) else "")
        else:
            cmd = value
        if isinstance(cmd, list):
            cmd = " ".join(shlex.quote(str(c)) for c in cmd)
        out.append(PixiTask(str(name), str(cmd or ""), [d for d in depends if d], feature))
    return out


def read_pixi(path: str, text: str | None, reason: str) -> Pixi:
    """pixi.toml's environments (default feature merged in unless ``no-default-feature``)
    and tasks. Never raises."""
    if text is None:
        return Pixi(path, error=reason)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return Pixi(path, error=f"`{path}` is not valid TOML ({error})")
    workspace = data.get("workspace") or data.get("project") or {}
    if not isinstance(workspace, dict):
        workspace = {}
    base_channels = [c if isinstance(c, str) else str(c.get("channel", "")) for c in workspace.get("channels", [])
                     if isinstance(c, (str, dict))] if isinstance(workspace.get("channels"), list) else []
    base_platforms = [str(p) for p in workspace.get("platforms", [])] if isinstance(
        workspace.get("platforms"), list) else []
    default = _feature_parts(data)
    features: dict[str, tuple] = {}
    raw_features = data.get("feature") if isinstance(data.get("feature"), dict) else {}
    tasks = _tasks(data.get("tasks"), "")
    for name, table in raw_features.items():
        if isinstance(table, dict):
            features[name] = _feature_parts(table)
            tasks += _tasks(table.get("tasks"), name)
    environments = {"default": {"features": [], "no-default-feature": False}}
    raw_envs = data.get("environments") if isinstance(data.get("environments"), dict) else {}
    for name, value in raw_envs.items():
        if isinstance(value, list):
            environments[name] = {"features": [str(v) for v in value], "no-default-feature": False}
        elif isinstance(value, dict):
            listed = value.get("features", [])
            environments[name] = {
                "features": [str(v) for v in listed] if isinstance(listed, list) else [],
                "no-default-feature": bool(value.get("no-default-feature", False)),
            }
    pixi = Pixi(path, tasks=tasks)
    for name, env in environments.items():
        parts = [features[f] for f in env["features"] if f in features]
        names = list(env["features"])
        if not env["no-default-feature"]:
            parts.append(default)
            names.append("")
        pixi.env_features[name] = names
        specs: dict[str, MatchSpec] = {}
        pip: dict[str, MatchSpec] = {}
        channels: list[str] = []
        platforms: list[str] | None = None
        for feature_specs, feature_pip, feature_channels, feature_platforms in parts:
            for spec in feature_specs:
                specs.setdefault(spec.name, spec)
            for spec in feature_pip:
                pip.setdefault(spec.name, spec)
            for channel in feature_channels or []:
                if channel not in channels:
                    channels.append(channel)
            if feature_platforms:
                platforms = feature_platforms if platforms is None else [p for p in platforms if p in feature_platforms] or feature_platforms
        for channel in base_channels:
            if channel not in channels:
                channels.append(channel)
        platforms = platforms if platforms is not None else base_platforms
        role = role_of(name, specs.values(), channels, platforms)
        pixi.environments.append(Environment(
            f"`{path}` environment `{name}`", path, name, role, channels, list(specs.values()), list(pip.values()),
            platforms, "pixi", text=text))
    # An environment that only exists because nothing was declared says nothing.
    if raw_envs == {} and not default[0] and not tasks:
        pixi.environments = []
    return pixi


# --------------------------------------------------------------------------------------
# Commands


@dataclasses.dataclass
class Command:
    text: str
    origin: str  # a workflow path, `pixi.toml` task `x`, or a script path
    file: str
    in_ci: bool
    environment: str = ""  # the pixi environment it runs in, when known


_PIXI_RUN = re.compile(
    r"\bpixi\s+run\b((?:\s+(?:-e|--environment)[ =]\S+|\s+--[\w-]+(?:=\S+)?|\s+-[a-zA-Z])*)\s+([\w.:-]+)"
)
_PIXI_ENV = re.compile(r"(?:-e|--environment)[ =](\S+)")
_SCRIPT = re.compile(r"(?:^|[\s;&|(])(?:bash|sh|source|\.)?\s*(\.?/?[\w./-]+\.(?:sh|bash))\b")


def pixi_invocations(text: str) -> Iterator[tuple[str, str | None]]:
    """(task, environment) for each ``pixi run`` in a command line."""
    for m in _PIXI_RUN.finditer(text):
        env = _PIXI_ENV.search(m.group(1) or "")
        yield m.group(2), env.group(1) if env else None


def expand_commands(
    ci: list[Command], pixi: Pixi | None, read_script: Any, *, depth: int = 4
) -> list[Command]:
    """CI commands, the pixi tasks and scripts they run (in CI), then every other task."""
    out: list[Command] = []
    seen: set[tuple[str, str]] = set()

    def visit(command: Command, level: int) -> None:
        out.append(command)
        if level >= depth:
            return
        if pixi is not None:
            for task_name, env in pixi_invocations(command.text):
                for task in pixi.tasks_for(task_name, env or command.environment or None):
                    key = (task.feature, task.name)
                    if key in seen and not command.in_ci:
                        continue
                    seen.add(key)
                    where = f"`{pixi.path}` task `{task.name}`" + (f" (feature `{task.feature}`)" if task.feature else "")
                    environment = env or command.environment
                    for dep in task.depends:
                        for dep_task in pixi.tasks_for(dep, environment or None):
                            visit(Command(dep_task.cmd, f"`{pixi.path}` task `{dep_task.name}`", pixi.path,
                                          command.in_ci, environment), level + 1)
                    visit(Command(task.cmd, where, pixi.path, command.in_ci, environment), level + 1)
        for m in _SCRIPT.finditer(command.text):
            path = posixpath.normpath(m.group(1).removeprefix("./"))
            text = read_script(path)
            if text is not None and ("script", path) not in seen:
                seen.add(("script", path))
                visit(Command(text, f"`{path}`", path, command.in_ci, command.environment), level + 1)

    for command in ci:
        visit(command, 0)
    if pixi is not None:
        for task in pixi.tasks:
            if (task.feature, task.name) not in seen:
                seen.add((task.feature, task.name))
                where = f"`{pixi.path}` task `{task.name}`" + (f" (feature `{task.feature}`)" if task.feature else "")
                visit(Command(task.cmd, where, pixi.path, False), 0)
    return out
