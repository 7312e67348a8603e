"""Command line of xeus-kernel-template.

    xeus-kernel-template adopt PATH [--data KEY=VALUE]... [--defaults] [--dry-run]
                                    [--template SRC] [--vcs-ref REF] [--port-xeus6]
    xeus-kernel-template toolchain [--wasm]
    xeus-kernel-template bump-stack [--stack PATH] [--dry-run]

``adopt`` brings an existing kernel repository under the template (see
:mod:`xeus_kernel_template.adopt`); ``toolchain`` finds or provisions a native xeus toolchain; ``bump-stack`` brings the template's
stack table (stack.yml) up to date and shows the diff (see :mod:`xeus_kernel_template.stack`).
Exit status: 0 done, 1 refused or failed (the message says why), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .toolchain import ToolchainError, ensure_root, find_toolchain


def _data(items: list[str]) -> dict[str, str]:
    data = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"--data takes KEY=VALUE, got {item!r}")
        data[key] = value
    return data


def _adopt(options: argparse.Namespace) -> int:
    from .adopt import DEFAULT_TEMPLATE, AdoptError, adopt, report

    try:
        data = _data(options.data or [])
    except argparse.ArgumentTypeError as error:
        print(f"xeus-kernel-template adopt: {error}", file=sys.stderr)
        return 2
    interactive = sys.stdin.isatty() and not options.defaults
    root = Path(options.path)
    try:
        plan = adopt(
            root, template=options.template or DEFAULT_TEMPLATE, vcs_ref=options.vcs_ref, data=data,
            interactive=interactive, dry_run=options.dry_run, port_xeus6=options.port_xeus6,
            record_known_failures=options.record_known_failures,
        )
    except AdoptError as error:
        print(f"xeus-kernel-template adopt: {error}", file=sys.stderr)
        return 1
    report(plan, dry_run=options.dry_run)
    return 0


def _bump_stack(options: argparse.Namespace) -> int:
    import os

    from .stack import BumpError, bump, http_fetcher

    stack_file = Path(options.stack)
    if not stack_file.is_file():
        print(f"xeus-kernel-template bump-stack: {stack_file} not found (run it in the template's checkout, or give --stack)",
              file=sys.stderr)
        return 1
    fetch = http_fetcher(options.github_api, os.environ.get("GITHUB_TOKEN") or None)
    try:
        found, shown = bump(stack_file, fetch, dry_run=options.dry_run, github_api=options.github_api, pypi=options.pypi)
    except BumpError as error:
        print(f"xeus-kernel-template bump-stack: {error} (nothing written)", file=sys.stderr)
        return 1
    print("\n".join(found.report))
    print()
    if not found.changes:
        print("The stack is up to date.")
    else:
        print(shown, end="")
        print(f"\n{len(found.changes)} values {'would change (dry run: nothing written)' if options.dry_run else 'changed'}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xeus-kernel-template", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    toolchain = commands.add_parser(
        "toolchain",
        help="find xeus 6 / xeus-zmq 4 in your environment, or provision the cached Debian root",
    )
    toolchain.add_argument("--wasm", action="store_true", help="also install emscripten in the root")
    adopt = commands.add_parser("adopt", help="bring an existing kernel repository under the template")
    adopt.add_argument("path", metavar="PATH", help="the kernel repository (a clean git work tree)")
    adopt.add_argument("--data", "-d", action="append", metavar="KEY=VALUE", help="an answer, over the inferred one")
    adopt.add_argument("--defaults", action="store_true", help="take the inferred answers without asking")
    adopt.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    adopt.add_argument("--template", metavar="SRC", help="the template (default: the published one)")
    adopt.add_argument("--vcs-ref", metavar="REF", help="the template release (default: its newest)")
    adopt.add_argument("--port-xeus6", action="store_true",
                       help="a xeus 5 kernel: also make the mechanical xeus 6 API changes in its sources")
    adopt.add_argument("--record-known-failures", action="store_true",
                       help="build, run the generated suites, record their failures in test/known_failures.toml")
    bump = commands.add_parser("bump-stack", help="bring the template's stack table (stack.yml) up to date, show the diff")
    bump.add_argument("--stack", default="stack.yml", metavar="PATH", help="the table (default: ./stack.yml)")
    bump.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    bump.add_argument("--github-api", default="https://api.github.com", metavar="URL",
                      help="the GitHub REST API (default: %(default)s; GITHUB_TOKEN is sent to it)")
    bump.add_argument("--pypi", default="https://pypi.org/pypi", metavar="URL", help="PyPI's JSON API (default: %(default)s)")
    options = parser.parse_args(argv)

    if options.command == "adopt":
        return _adopt(options)
    if options.command == "bump-stack":
        return _bump_stack(options)
    try:
        found = ensure_root(wasm=True) if options.wasm else find_toolchain()
    except ToolchainError as error:
        print(f"xeus-kernel-template: {error}", file=sys.stderr)
        return 1
    print(found.description)
    return 0


if __name__ == "__main__":
    sys.exit(main())
