"""``xeus-kernel-review``: compare kernel repositories against the template's conventions.

    xeus-kernel-review PATH... [--format table|markdown|json|sarif|summary] [--output FILE]
                       [--sarif FILE] [--summary FILE] [--select IDS] [--ignore IDS]
                       [--config FILE] [--prefix DIR] [--details | --no-details] [--exit-zero]

Rows are repositories (local paths; two spellings of one path are one row), columns the
chosen checks. select/ignore come from the command line, else from ``--config FILE``, else
from ``.xeus-kernel-review.toml`` in each repository (see :mod:`.config`).

Exit status: 0 when no selected check fails (always with ``--exit-zero``), 1 when one
fails, 2 for a usage error (bad option, selector or settings file, a path that is not a
directory); nothing is reviewed then. ``repo-review PATH`` gives one repository's detailed
report through the same checks (repo-review's own exit codes).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .checks import ALL, FAMILIES
from .config import CONFIG_NAME, ConfigError, Settings, load_settings, split_selectors
from .fixtures import PREFIX_VARIABLE
from .report import review, to_json, to_markdown, to_sarif, to_summary, to_terminal


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xeus-kernel-review",
        description="Review xeus kernel repositories against the xeus-kernel-template conventions "
        "and print a comparison table (kernels as rows, checks as columns).",
        epilog=f"Selectors: check IDs (XK203), prefixes (XK, XK2) or families (kernelspec, cmake, "
        f"wasm-glue, runtime-files, environments, ci, tests, template-link). A repository may hold "
        f"its own settings in {CONFIG_NAME}: select = [...], ignore = [...] (or an [ignore] table "
        f"of reasons). Exit status: 0 no selected check fails, 1 a check fails, 2 usage error.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="kernel repositories (default: .)")
    parser.add_argument(
        "--format",
        choices=("table", "markdown", "json", "sarif", "summary"),
        default="table",
        help="output format: table (terminal), markdown, json (report.schema.json), sarif (SARIF 2.1.0, "
        "for code scanning), summary (Markdown for $GITHUB_STEP_SUMMARY); default: table",
    )
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the output to FILE, not stdout")
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="also write SARIF 2.1.0 to FILE")
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="also append the GitHub step summary to FILE (e.g. \"$GITHUB_STEP_SUMMARY\")",
    )
    parser.add_argument(
        "--prefix",
        action="append",
        type=Path,
        metavar="DIR",
        help="an installed (wasm host) prefix to check against: xeus's WasmBuildOptions.cmake, "
        "metadata.shared files (repeatable; default: the repository's .pixi/envs and wasm-host/)",
    )
    parser.add_argument(
        "--select", action="append", metavar="IDS", help="only these checks (comma-separated, repeatable)"
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="IDS",
        help="leave out these checks (comma-separated, repeatable)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"settings for every repository, instead of each one's {CONFIG_NAME}",
    )
    parser.add_argument(
        "--details",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="list each failure's message and each skip's reason (default: with one repository)",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when checks fail")
    parser.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    return parser


def _settings(root: Path, options: argparse.Namespace, shared: Settings | None) -> Settings:
    if shared is not None:
        settings = Settings(list(shared.select), dict(shared.ignore), shared.source)
    elif (root / CONFIG_NAME).is_file():
        settings = load_settings(root / CONFIG_NAME)
    else:
        settings = Settings()
    select = split_selectors(options.select)
    ignore = split_selectors(options.ignore)
    if select is not None:
        settings.select = select
        settings.source = "command line"
    if ignore is not None:
        settings.ignore = {s: "" for s in ignore}
        settings.source = "command line"
    return settings


def _list_checks() -> str:
    lines = []
    for cls in ALL:
        family = FAMILIES[cls.family]["name"]
        lines.append(f"{cls.__name__}  {family:<14} {(cls.__doc__ or '').strip()}")
    return "\n".join(lines) + "\n"


def _utf8_stdout() -> None:
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "")
    if encoding != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    _utf8_stdout()
    if options.list_checks:
        sys.stdout.write(_list_checks())
        return 0

    paths: list[Path] = []
    for path in (Path(p) for p in (options.paths or ["."])):
        if not path.is_dir():
            print(f"xeus-kernel-review: {path} is not a directory", file=sys.stderr)
            return 2
        if path.resolve() not in [p.resolve() for p in paths]:  # `x` and `./x` are one repository
            paths.append(path)
    for prefix in options.prefix or []:
        if not prefix.is_dir():
            print(f"xeus-kernel-review: --prefix {prefix} is not a directory", file=sys.stderr)
            return 2
    previous = os.environ.get(PREFIX_VARIABLE)
    if options.prefix:
        os.environ[PREFIX_VARIABLE] = os.pathsep.join(str(p.resolve()) for p in options.prefix)
    try:
        shared = load_settings(options.config) if options.config else None
        reports = []
        names = [p.resolve().name for p in paths]
        for path, name in zip(paths, names, strict=True):
            label = name if names.count(name) == 1 else str(path)
            reports.append(review(path.resolve(), _settings(path, options, shared), label))
    except ConfigError as error:
        print(f"xeus-kernel-review: {error}", file=sys.stderr)
        return 2
    finally:
        if options.prefix:
            if previous is None:
                os.environ.pop(PREFIX_VARIABLE, None)
            else:
                os.environ[PREFIX_VARIABLE] = previous

    details = options.details if options.details is not None else len(reports) == 1
    to_file = options.output is not None
    if options.format == "json":
        text = to_json(reports)
    elif options.format == "markdown":
        text = to_markdown(reports, details=details)
    elif options.format == "sarif":
        text = to_sarif(reports)
    elif options.format == "summary":
        text = to_summary(reports)
    else:
        text = to_terminal(reports, details=details, color=(sys.stdout.isatty() and not to_file) or None)
    try:
        if to_file:
            options.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        if options.sarif:
            options.sarif.write_text(to_sarif(reports), encoding="utf-8")
        if options.summary:
            with options.summary.open("a", encoding="utf-8") as summary:
                summary.write(to_summary(reports))
    except OSError as error:
        print(f"xeus-kernel-review: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    failed = any(r.failed for r in reports)
    return 1 if failed and not options.exit_zero else 0


def run() -> None:
    """Console script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
