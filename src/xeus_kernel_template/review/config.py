"""Which checks run: ``select`` / ``ignore`` from the command line or a small TOML file.

C++ kernels rarely have a ``pyproject.toml`` (where repo-review reads its settings), so the
reviewer also reads ``.xeus-kernel-review.toml`` at the repository root::

    # .xeus-kernel-review.toml
    select = ["XK"]                 # IDs, ID prefixes (XK2, XK20) or family names (cmake)
    ignore = ["XK6"]                # or, with reasons shown in the report:

    [ignore]
    XK803 = "we copy the template from an internal mirror"

The same keys may sit under ``[tool.xeus-kernel-review]``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

CONFIG_NAME = ".xeus-kernel-review.toml"


class ConfigError(ValueError):
    """A settings file or a selector that cannot be used."""


@dataclasses.dataclass
class Settings:
    select: list[str] = dataclasses.field(default_factory=list)
    ignore: dict[str, str] = dataclasses.field(default_factory=dict)  # selector -> reason ("" for none)
    source: str = ""


def _selectors(value: object, key: str, source: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: `{key}` must be a list of check IDs, prefixes or families")
    return [v.strip() for v in value if v.strip()]


def parse_settings(data: Mapping[str, object], source: str) -> Settings:
    table = data.get("tool", {}).get("xeus-kernel-review") if isinstance(data.get("tool"), dict) else None
    if isinstance(table, dict):
        data = table
    unknown = sorted(set(data) - {"select", "ignore", "tool"})
    if unknown:
        raise ConfigError(f"{source}: unknown setting(s) {', '.join(unknown)} (use select and ignore)")
    settings = Settings(source=source)
    if "select" in data:
        settings.select = _selectors(data["select"], "select", source)
    ignore = data.get("ignore", [])
    if isinstance(ignore, dict):
        if not all(isinstance(v, str) for v in ignore.values()):
            raise ConfigError(f"{source}: the reasons in `[ignore]` must be strings")
        settings.ignore = {k.strip(): v for k, v in ignore.items() if k.strip()}
    else:
        settings.ignore = {s: "" for s in _selectors(ignore, "ignore", source)}
    return settings


def load_settings(path: Path) -> Settings:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return parse_settings(data, str(path))


def split_selectors(values: Iterable[str] | None) -> list[str] | None:
    """Command-line values (repeatable, comma-separated) as a list; None when not given."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def expand(
    selectors: Iterable[str],
    checks: Mapping[str, str],
    family_names: Mapping[str, str],
    *,
    strict: bool = True,
) -> set[str]:
    """The check IDs that selectors name.

    A selector is an ID (``XK203``), an ID prefix (``XK``, ``XK2``, ``XK20``), ``*`` / ``all``,
    or a family, by key (``xk-cmake``) or name (``CMake``, ``cmake``, ``wasm-glue``).
    ``checks`` maps ID -> family key; ``family_names`` maps family key -> display name.
    A selector that names nothing is an error, unless not ``strict`` (pyproject settings
    also name other plugins' checks).
    """
    by_name: dict[str, str] = {}
    for key, name in family_names.items():
        for alias in (key, key.removeprefix("xk-"), name, name.replace(" ", "-"), name.replace(" ", "")):
            by_name[alias.lower()] = key
    chosen: set[str] = set()
    for selector in selectors:
        s = selector.strip()
        if s.lower() in ("*", "all"):
            chosen |= set(checks)
            continue
        family = by_name.get(s.lower())
        matched = (
            {i for i, f in checks.items() if f == family}
            if family
            else {i for i in checks if i.startswith(s.upper())}
        )
        if not matched and strict:
            raise ConfigError(
                f"`{s}` names no check (use IDs like XK203, prefixes like XK2, or families like cmake)"
            )
        chosen |= matched
    return chosen
