"""Figures, pairs and the table: what every part of the benchmark reports through.

A figure is a list of samples (seconds, bytes, ...) summarised by its median, min, max and
95th percentile. Most figures name a peer or a floor measured in the same run; their ratio
is the median of the per-round ratios when both were sampled in the same interleaved
rounds (robust to the machine getting busier or quieter during the run), else the ratio
of the medians. A figure that cannot be measured on this machine is recorded as missing,
with the reason.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

UNITS = {"s": (1.0, "s", 2), "ms": (1e3, "ms", 1), "MB": (1e-6, "MB", 2)}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the value below which `fraction` of the samples lie)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Figure:
    key: str  # section.name, unique, the JSON key
    label: str
    samples: list[float]  # in base units: seconds or bytes
    unit: str = "s"  # how to print: s, ms, us, MB, kB
    peer: str | None = None  # key of the figure this one is compared with
    paired: bool = False  # samples taken in the same interleaved rounds as the peer's
    target: float | None = None  # ratio to the peer (or value in base units) to stay under
    target_on: str = "ratio"  # "ratio" or "value"
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def summary(self) -> dict[str, Any]:
        values = self.samples
        return {
            "label": self.label,
            "unit": self.unit,
            "n": len(values),
            "median": self.median,
            "min": min(values),
            "max": max(values),
            "p95": percentile(values, 0.95),
            "samples": values,
        }


@dataclass
class Results:
    figures: dict[str, Figure] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # section or figure -> why
    failed: dict[str, str] = field(default_factory=dict)  # section -> the error that stopped it
    notes: dict[str, list[str]] = field(default_factory=dict)  # section -> lines (profiles)
    meta: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, label: str, samples: list[float], **options) -> Figure:
        if not samples:
            raise ValueError(f"{key}: no samples")
        figure = Figure(key, label, list(samples), **options)
        self.figures[key] = figure
        return figure

    def miss(self, key: str, why: str) -> None:
        self.missing[key] = why

    def fail(self, section: str, error: str) -> None:
        self.failed[section] = error

    def note(self, section: str, line: str) -> None:
        self.notes.setdefault(section, []).append(line)

    def ratio(self, figure: Figure) -> float | None:
        peer = self.figures.get(figure.peer) if figure.peer else None
        if peer is None:
            return None
        if figure.paired and len(peer.samples) == len(figure.samples):
            return statistics.median(a / b for a, b in zip(figure.samples, peer.samples) if b > 0)
        return figure.median / peer.median if peer.median > 0 else None

    def target_met(self, figure: Figure) -> bool | None:
        if figure.target is None:
            return None
        value = self.ratio(figure) if figure.target_on == "ratio" else figure.median
        return None if value is None else value <= figure.target

    # -- output ---------------------------------------------------------------------
    def to_json(self) -> str:
        figures = {}
        for key, figure in self.figures.items():
            entry = figure.summary()
            entry.update(peer=figure.peer, paired=figure.paired, ratio=self.ratio(figure), note=figure.note or None)
            if figure.target is not None:
                entry.update(target={"on": figure.target_on, "max": figure.target}, target_met=self.target_met(figure))
            figures[key] = entry
        return json.dumps({"meta": self.meta, "figures": figures, "missing": self.missing, "failed": self.failed,
                           "notes": self.notes},
                          indent=2, ensure_ascii=False)

    def table(self) -> str:
        rows = [("", "what", "n", "median", "min–max", "p95", "ratio", "vs", "target")]
        section = None
        for key, figure in self.figures.items():
            if key.split(".")[0] != section:
                section = key.split(".")[0]
                rows.append((section, "", "", "", "", "", "", "", ""))
            scale, unit, digits = UNITS[figure.unit]
            fmt = lambda v: f"{v * scale:.{digits}f}"
            n = len(figure.samples)
            spread = f"{fmt(min(figure.samples))}–{fmt(max(figure.samples))}" if n > 1 else ""
            p95 = fmt(percentile(figure.samples, 0.95)) if n >= 20 else ""
            ratio = self.ratio(figure)
            peer = self.figures.get(figure.peer).label if figure.peer in self.figures else (figure.peer or "")
            target = ""
            if figure.target is not None:
                met = self.target_met(figure)
                bound = f"≤{figure.target:g}×" if figure.target_on == "ratio" else f"≤{fmt(figure.target)} {unit}"
                target = f"{bound} {'✓' if met else '✗' if met is not None else '?'}"
            rows.append(("", figure.label, str(n), f"{fmt(figure.median)} {unit}", spread, p95,
                         f"{ratio:.2f}×" if ratio is not None else "", peer, target))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = []
        for row in rows:
            if row[0]:
                lines.append(f"\n[{row[0]}]")
                continue
            cells = [row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3]),
                     row[4].rjust(widths[4]), row[5].rjust(widths[5]), row[6].rjust(widths[6]),
                     row[7].ljust(widths[7]), row[8]]
            lines.append("  ".join(cells).rstrip())
        if self.notes:
            for section, notes in self.notes.items():
                lines.append(f"\n[{section}: notes]")
                lines.extend(f"  {line}" for line in notes)
        if self.missing:
            lines.append("\n[missing on this machine]")
            lines.extend(f"  {key}: {why}" for key, why in self.missing.items())
        if self.failed:
            lines.append("\n[failed: a defect of the benchmark or of the template, not of this machine]")
            lines.extend(f"  {key}: {error}" for key, error in self.failed.items())
        return "\n".join(lines).lstrip("\n")


def timed(action: Callable[[], Any]) -> float:
    """Seconds one call takes; an action returning a float measured itself (e.g. a kernel
    start measured from spawn to reply) and that value is used instead."""
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    return result if isinstance(result, float) else elapsed


def interleave(rounds: int, actions: dict[str, Callable[[], Any]], warmup: int = 1,
               progress: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Run every action once per round, rotating the order each round so that no action
    always runs first (cold caches) or last; returns the samples of each action. `warmup`
    untimed rounds come first (file caches, imports, compiled bytecode)."""
    names = list(actions)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(warmup + rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            value = timed(actions[name])
            if index >= warmup:
                samples[name].append(value)
        if progress:
            progress(f"round {index + 1 - warmup}/{rounds}" if index >= warmup else "warm-up round")
    return samples
