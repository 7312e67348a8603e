"""Review several repositories and render the comparison (Markdown, JSON, terminal).

Rows are kernel repositories, columns the chosen checks; a cell is ✓ (pass), ✗ (fail),
– (skipped: does not apply, or a check it requires did not pass) or blank (not selected
for that repository).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from repo_review.processor import collect_all, process

from .checks import DOCS, FAMILIES
from .config import Settings, expand

PASS, FAIL, SKIP, UNSELECTED = "✓", "✗", "–", ""
STATUS = {True: "pass", False: "fail", None: "skip"}


@dataclasses.dataclass
class CheckResult:
    id: str
    family: str
    description: str
    url: str
    result: bool | None
    message: str = ""  # the failure message (how to fix it, what was found)
    skip_reason: str = ""
    locations: list[tuple[str, int | None]] = dataclasses.field(default_factory=list)  # (file, line) of a failure

    @property
    def symbol(self) -> str:
        return PASS if self.result else FAIL if self.result is False else SKIP

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": STATUS[self.result], "family": self.family, "url": self.url}
        if self.message:
            out["message"] = self.message
        if self.skip_reason:
            out["skip_reason"] = self.skip_reason
        if self.locations:
            out["locations"] = [{"path": p, **({"line": n} if n else {})} for p, n in self.locations]
        return out


@dataclasses.dataclass
class RepoReport:
    name: str
    path: str
    kernels: list[str]
    results: dict[str, CheckResult]  # by ID, in check order
    settings: str = ""  # where select/ignore came from

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results.values() if r.result is False]

    def score(self) -> str:
        ran = [r for r in self.results.values() if r.result is not None]
        return f"{sum(1 for r in ran if r.result)}/{len(ran)}"


def _pyproject_settings(fixtures: Mapping[str, Any]) -> Settings:
    """repo-review's own settings, ``[tool.repo-review]`` of a pyproject.toml, if any."""
    pyproject = fixtures.get("pyproject") or {}
    tool = pyproject.get("tool", {}) if isinstance(pyproject, dict) else {}
    config = tool.get("repo-review", {}) if isinstance(tool, dict) else {}
    if not isinstance(config, dict):
        return Settings()
    ignore = config.get("ignore", [])
    return Settings(
        select=[s for s in config.get("select", []) if isinstance(s, str)],
        ignore=dict(ignore) if isinstance(ignore, dict) else {s: "" for s in ignore if isinstance(s, str)},
        source="pyproject.toml [tool.repo-review]",
    )


def review(path: Path, settings: Settings, name: str = "") -> RepoReport:
    """Run the reviewer's checks (through repo-review) on one repository.

    ``settings`` (command line or settings file) decide select and ignore; whichever of the
    two they leave empty comes from ``[tool.repo-review]`` of a pyproject.toml, where
    selectors of other repo-review plugins are allowed (and ignored here).
    """
    collected = collect_all(path)
    ours = {k: c for k, c in collected.checks.items() if getattr(c, "family", "") in FAMILIES}
    families = {k: v.get("name", k) for k, v in FAMILIES.items()}
    ids = {k: c.family for k, c in ours.items()}

    fallback = _pyproject_settings(collected.fixtures)
    sources = [settings.source] if settings.source else []
    if settings.select:
        select = expand(settings.select, ids, families)
    else:
        select = expand(fallback.select, ids, families, strict=False)
        sources += [fallback.source] if fallback.select else []
    ignore_settings = settings.ignore
    if not ignore_settings and fallback.ignore:
        ignore_settings = fallback.ignore
        sources.append(fallback.source)
    strict = ignore_settings is settings.ignore
    ignore_reasons: dict[str, str] = {}
    for selector, reason in ignore_settings.items():
        for check_id in expand([selector], ids, families, strict=strict):
            ignore_reasons[check_id] = reason

    # Run everything (requires need the checks they depend on); select afterwards. The
    # explicit sets keep repo-review from applying pyproject settings a second time.
    _, processed = process(path, select=frozenset({"*"}), ignore=frozenset({"-"}), collected=collected)
    everything: dict[str, CheckResult] = {}
    for r in processed:
        if r.name not in ours:
            continue
        check = ours[r.name]
        everything[r.name] = CheckResult(
            r.name,
            check.family,
            r.description,
            r.url,
            r.result,
            message=r.err_msg.strip() if r.result is False else "",
            skip_reason=getattr(check, "skip_reason", "") if r.result is None else "",
            locations=list(getattr(check, "locations", [])) if r.result is False else [],
        )
    for check_id, result in everything.items():
        if result.result is None and not result.skip_reason:
            result.skip_reason = _dependency_reason(check_id, ours, everything)

    results: dict[str, CheckResult] = {}
    for check_id, result in everything.items():
        if select and check_id not in select:
            continue
        if check_id in ignore_reasons:
            if ignore_reasons[check_id]:
                results[check_id] = dataclasses.replace(
                    result, result=None, message="", skip_reason=f"ignored: {ignore_reasons[check_id]}"
                )
            continue
        results[check_id] = result

    kernels = sorted({s.name for s in collected.fixtures.get("xk_kernelspecs", []) if s.standard})
    return RepoReport(name or path.name, str(path), kernels, results, "; ".join(dict.fromkeys(sources)))


def _dependency_reason(
    check_id: str, checks: Mapping[str, Any], results: Mapping[str, CheckResult], depth: int = 0
) -> str:
    for required in sorted(getattr(checks[check_id], "requires", ())):
        r = results.get(required)
        if r is None or r.result:
            continue
        if r.result is False:
            return f"needs {required} to pass"
        inner = r.skip_reason or (
            _dependency_reason(required, checks, results, depth + 1) if depth < 5 else ""
        )
        return f"needs {required} ({inner})" if inner else f"needs {required}"
    return ""


def columns(reports: Sequence[RepoReport]) -> list[str]:
    """The checks shown: those that ran or were ignored with a reason in any repository."""
    seen: dict[str, None] = {}
    order = {c: i for i, c in enumerate(_all_ids(reports))}
    for report in reports:
        for check_id in report.results:
            seen.setdefault(check_id, None)
    return sorted(seen, key=lambda c: order.get(c, len(order)))


def _all_ids(reports: Sequence[RepoReport]) -> list[str]:
    ids: list[str] = []
    for report in reports:
        for check_id in report.results:
            if check_id not in ids:
                ids.append(check_id)
    return sorted(ids, key=lambda c: (FAMILIES.get(_family_of(c, reports), {}).get("order", 99), c))


def _family_of(check_id: str, reports: Sequence[RepoReport]) -> str:
    for report in reports:
        if check_id in report.results:
            return report.results[check_id].family
    return ""


def _info(check_id: str, reports: Sequence[RepoReport]) -> CheckResult:
    return next(r.results[check_id] for r in reports if check_id in r.results)


def cell(report: RepoReport, check_id: str) -> str:
    result = report.results.get(check_id)
    return UNSELECTED if result is None else result.symbol


# --------------------------------------------------------------------------------------
# Markdown


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(reports: Sequence[RepoReport], *, details: bool) -> str:
    cols = columns(reports)
    lines = [
        "| kernel | " + " | ".join(cols) + " | passed |",
        "|---|" + "|".join(":-:" for _ in cols) + "|--:|",
    ]
    for report in reports:
        lines.append(
            f"| {_md(report.name)} | "
            + " | ".join(cell(report, c) or " " for c in cols)
            + f" | {report.score()} |"
        )
    lines += [
        "",
        (
            f"{PASS} pass · {FAIL} fail · {SKIP} skipped (does not apply, or needs a check that did not pass)"
            " · blank: not selected"
        ),
    ]
    if cols:
        lines += ["", "<details><summary>Checks</summary>", ""]
        for c in cols:
            info = _info(c, reports)
            family = FAMILIES.get(info.family, {}).get("name", info.family)
            lines.append(f"- [{c}]({info.url}) {family}: {_md(info.description)}")
        lines += ["", "</details>"]
    if details:
        for report in reports:
            lines += ["", f"### {_md(report.name)}", ""]
            lines += _detail_lines(report, markdown=True) or ["All selected checks pass."]
    return "\n".join(lines) + "\n"


def _detail_lines(report: RepoReport, *, markdown: bool) -> list[str]:
    lines: list[str] = []
    for r in report.results.values():
        if r.result is False:
            lines.append(
                f"- {FAIL} **{r.id}** {r.message} ([docs]({r.url}))"
                if markdown
                else f"{FAIL} {r.id} {r.message}\n    {r.url}"
            )
        elif r.result is None and r.skip_reason:
            lines.append(
                f"- {SKIP} **{r.id}** skipped: {r.skip_reason}"
                if markdown
                else f"{SKIP} {r.id} skipped: {r.skip_reason}"
            )
    return lines


# --------------------------------------------------------------------------------------
# JSON


#: The ``$schema`` of ``--format json`` documents: the schema committed as
#: ``src/xeus_kernel_template/review/report.schema.json`` (documented in docs/reviewer.md).
JSON_SCHEMA_ID = "https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/src/xeus_kernel_template/review/report.schema.json"


def to_json(reports: Sequence[RepoReport]) -> str:
    cols = columns(reports)
    checks = {}
    for c in cols:
        info = _info(c, reports)
        checks[c] = {"family": info.family, "description": info.description, "url": info.url}
    from . import __version__

    document = {
        "$schema": JSON_SCHEMA_ID,
        "tool": {"name": "xeus-kernel-review", "version": __version__},
        "families": {k: v.get("name", k) for k, v in FAMILIES.items()},
        "checks": checks,
        "repositories": [
            {
                "name": r.name,
                "path": r.path,
                "kernels": r.kernels,
                "settings": r.settings or None,
                "passed": r.score(),
                "results": {c: res.as_dict() for c, res in r.results.items()},
            }
            for r in reports
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------
# Terminal


def _chunks(cols: list[str], reports: Sequence[RepoReport], width: int, label_width: int) -> list[list[str]]:
    """Split the columns into tables that fit the terminal, keeping families together."""
    col_width = max((len(c) for c in cols), default=5) + 3
    per_table = max(1, (width - label_width - 12) // col_width)
    groups: list[list[str]] = []
    for c in cols:
        family = _info(c, reports).family
        if groups and _info(groups[-1][-1], reports).family == family:
            groups[-1].append(c)
        else:
            groups.append([c])
    chunks: list[list[str]] = [[]]
    for group in groups:
        while group:
            room = per_table - len(chunks[-1])
            if room <= 0 or (len(group) > room and len(group) <= per_table and chunks[-1]):
                chunks.append([])
                continue
            chunks[-1].extend(group[:room])
            group = group[room:]
    return [c for c in chunks if c]


def to_terminal(
    reports: Sequence[RepoReport], *, details: bool, width: int | None = None, color: bool | None = None
) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(
        record=True, width=width, force_terminal=color, no_color=color is False, soft_wrap=False, file=_Null()
    )
    cols = columns(reports)
    label_width = max([len("kernel")] + [len(r.name) for r in reports]) + 3
    styles = {PASS: "green", FAIL: "bold red", SKIP: "yellow", UNSELECTED: ""}
    chunks = _chunks(cols, reports, console.width, label_width) or [[]]
    for n, chunk in enumerate(chunks):
        families = []
        for c in chunk:
            name = FAMILIES.get(_info(c, reports).family, {}).get("name", "")
            if name not in families:
                families.append(name)
        table = Table(
            box=box.SIMPLE_HEAD, title=", ".join(families) or None, title_justify="left", pad_edge=False
        )
        table.add_column("kernel", no_wrap=True)
        for c in chunk:
            table.add_column(c, justify="center", no_wrap=True)
        last = n == len(chunks) - 1
        if last:
            table.add_column("passed", justify="right", no_wrap=True)
        for report in reports:
            cells = [Text(cell(report, c), style=styles[cell(report, c)]) for c in chunk]
            table.add_row(report.name, *cells, *([report.score()] if last else []))
        console.print(table)
    console.print(f"{PASS} pass  {FAIL} fail  {SKIP} skipped  (blank: not selected)")
    if details:
        # soft wrap: long messages and URLs stay whole lines, whatever the width
        for report in reports:
            console.print()
            console.print(Text(report.name, style="bold"), soft_wrap=True)
            for line in _detail_lines(report, markdown=False) or ["All selected checks pass."]:
                console.print(Text(line), soft_wrap=True)
    return console.export_text(styles=bool(color))


class _Null:
    """A sink: the console only records, the caller prints the exported text."""

    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass


# --------------------------------------------------------------------------------------
# GitHub step summary (Markdown for $GITHUB_STEP_SUMMARY)


def to_summary(reports: Sequence[RepoReport]) -> str:
    """A GitHub Actions job summary: the score, the failures with where and how to fix them."""
    lines = ["## xeus-kernel-review", ""]
    for report in reports:
        failed = report.failed
        mark = PASS if not failed else FAIL
        title = f"### {mark} {_md(report.name)}: {report.score()} checks pass"
        lines += [title, ""]
        if not failed:
            lines += ["Every selected check passes.", ""]
            continue
        lines += ["| check | what to fix | where |", "|---|---|---|"]
        for r in failed:
            where = ", ".join(f"`{p}:{n}`" if n else f"`{p}`" for p, n in r.locations[:3]) or "–"
            lines.append(f"| [{r.id}]({r.url}) | {_md(r.message)} | {where} |")
        lines.append("")
    skipped = sum(1 for report in reports for r in report.results.values() if r.result is None)
    lines.append(f"{PASS} pass · {FAIL} fail · {skipped} skipped (not applicable). "
                 f"Checks and how to fix them: [reviewer.md]({DOCS}).")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# SARIF 2.1.0, for GitHub code scanning

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_name(description: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", description)
    return "".join(w[:1].upper() + w[1:] for w in words)[:80] or "Check"


def to_sarif(reports: Sequence[RepoReport]) -> str:
    """One SARIF run per repository; every failure is a result on the files and lines it
    concerns (the repository's top-level ``CMakeLists.txt``, else its root, when the
    failure is about something missing)."""
    from . import __version__
    from .checks import ALL

    by_id = {cls.__name__: cls() for cls in ALL}
    runs = []
    for report in reports:
        ids = [c for c in report.results]
        rules = []
        for check_id in ids:
            r = report.results[check_id]
            check = by_id.get(check_id)
            rules.append({
                "id": check_id,
                "name": _rule_name(r.description),
                "shortDescription": {"text": r.description},
                "fullDescription": {"text": check.fix if check else r.description},
                "helpUri": r.url,
                "help": {"text": f"{check.fix if check else ''} See {r.url}",
                         "markdown": f"{check.fix if check else ''}\n\n[{check_id}]({r.url})"},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": [FAMILIES.get(r.family, {}).get("name", r.family)]},
            })
        index = {check_id: i for i, check_id in enumerate(ids)}
        results = []
        root = Path(report.path)
        for r in report.failed:
            places = r.locations or [("CMakeLists.txt", None)] if (root / "CMakeLists.txt").is_file() else r.locations
            locations = []
            for path, line in places or [(".", None)]:
                physical: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": "SRCROOT"}}
                if line:
                    physical["region"] = {"startLine": int(line)}
                locations.append({"physicalLocation": physical})
            results.append({
                "ruleId": r.id,
                "ruleIndex": index[r.id],
                "level": "error",
                "message": {"text": r.message},
                "locations": locations,
            })
        runs.append({
            "tool": {"driver": {
                "name": "xeus-kernel-review",
                "version": __version__,
                "informationUri": DOCS,
                "rules": rules,
            }},
            "automationDetails": {"id": f"xeus-kernel-review/{report.name}/"},
            "originalUriBaseIds": {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}},
            "results": results,
        })
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------
# A score, for other tools (adoption: before/after)


@dataclasses.dataclass(frozen=True)
class Score:
    """How a repository does: checks that passed of those that ran, and which failed."""

    passed: int
    total: int
    failed: tuple[str, ...]
    skipped: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.passed}/{self.total}"


def score(path: str | Path, settings: Settings | None = None) -> Score:
    """Review one repository and return its :class:`Score` (every check unless settings
    select or ignore some)."""
    report = review(Path(path).resolve(), settings or Settings())
    ran = [r for r in report.results.values() if r.result is not None]
    return Score(
        passed=sum(1 for r in ran if r.result),
        total=len(ran),
        failed=tuple(r.id for r in report.failed),
        skipped=tuple(r.id for r in report.results.values() if r.result is None),
    )
