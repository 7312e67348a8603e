"""Command line: ``xeus-kernel-template toolchain`` finds or provisions a native xeus toolchain."""

from __future__ import annotations

import argparse
import sys

from .toolchain import ToolchainError, ensure_root, find_toolchain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xeus-kernel-template", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    toolchain = commands.add_parser(
        "toolchain",
        help="find xeus 6 / xeus-zmq 4 in your environment, or provision the cached Debian root",
    )
    toolchain.add_argument("--wasm", action="store_true", help="also install emscripten in the root")
    options = parser.parse_args(argv)

    try:
        found = ensure_root(wasm=True) if options.wasm else find_toolchain()
    except ToolchainError as error:
        print(f"xeus-kernel-template: {error}", file=sys.stderr)
        return 1
    print(found.description)
    return 0


if __name__ == "__main__":
    sys.exit(main())
