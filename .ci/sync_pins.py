#!/usr/bin/env python3
"""Pin this repository's own workflows (.github/workflows) to stack.yml's commits for every
action stack.yml lists, so that `xeus-kernel-template bump-stack` moves the template's CI
with the kernels' (nightly.yml runs both). Actions only this repository uses (its release:
setup-python, pypa/gh-action-pypi-publish) are pinned in the workflows alone.

    python .ci/sync_pins.py            # rewrite the pins that differ
    python .ci/sync_pins.py --check    # list them, exit 1 if any (the tests)"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
USES = re.compile(r"(?P<lead>uses: )(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})(?P<gap>\s+)# (?P<version>\S+)")


def stack_actions(root: Path = ROOT) -> dict[str, dict]:
    return yaml.safe_load((root / "stack.yml").read_text())["stack"]["default"]["actions"]


def synced(text: str, actions: dict[str, dict]) -> tuple[str, list[str]]:
    """*text* with stack.yml's pins, and what changed ('action: old -> new')."""
    changes = []

    def pin(match: re.Match) -> str:
        wanted = actions.get(match["action"])
        if wanted is None or (match["sha"], match["version"]) == (wanted["sha"], wanted["version"]):
            return match[0]
        changes.append(f"{match['action']}: {match['version']} -> {wanted['version']}")
        return f"{match['lead']}{match['action']}@{wanted['sha']}{match['gap']}# {wanted['version']}"

    return USES.sub(pin, text), changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a pin differs")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    options = parser.parse_args(argv)
    actions, differing = stack_actions(options.root), []
    for path in sorted((options.root / ".github/workflows").glob("*.yml")):
        text, changes = synced(path.read_text(encoding="utf-8"), actions)
        differing += [f"{path.relative_to(options.root)}: {change}" for change in changes]
        if changes and not options.check:
            path.write_text(text, encoding="utf-8")
    for line in differing:
        print(line)
    return 1 if differing and options.check else 0


if __name__ == "__main__":
    sys.exit(main())
