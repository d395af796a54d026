"""What a run measures: suites (workloads x sizes x chunkings x contenders) and their targets.

A suite is a grid.  Every contender in it runs on the very same prepared chunk list of every
case, one after another in one process.  A suite's targets are the issue's performance goals,
each computed from the results as a figure plus met / missed / not measured.

Adding a benchmark is one ``Suite`` here plus, if needed, a ``Workload`` and a ``Contender``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .results import Results, versus
from .workloads import SIZE_LABELS

FIT_SIZES = ("10k", "100k", "1m")  # the issues' range for the linearity targets


@dataclass(frozen=True)
class Target:
    goal: str  # the wording, short
    figure: str  # what this run measured
    met: bool | None  # None: not measured in this run


@dataclass(frozen=True)
class Suite:
    name: str
    title: str
    workloads: tuple[str, ...]
    sizes: tuple[str, ...]
    chunkings: tuple[str, ...]
    contenders: tuple[str, ...]  # the first is the one the others are compared with
    fit_sizes: tuple[str, ...] = ()  # sizes for the log-log exponent (empty: no fit)
    plot: bool = False  # draw time against size per contender
    reparse_budget: float | None = None  # override the run's budget for re-parse contenders
    targets: Callable[[Results], list[Target]] = field(default=lambda r: [])

    @property
    def base(self) -> str:
        return self.contenders[0]


def _faster(
    r: Results, goal: str, case: tuple[str, str, str], peer: str, base: str, at_least: float
) -> Target:
    """``base`` is at least ``at_least`` times faster than ``peer`` on ``case``."""
    s = r.speedup(*case, peer, base)
    return Target(goal, versus(s), None if s is None else s >= at_least)


def _linear(r: Results, workload: str, base: str) -> Target:
    e = r.exponent(workload, FIT_SIZES, "llm", base, best=True)
    complete = all(r.get(workload, size, "llm", base) for size in FIT_SIZES)
    figure = "not measured" if e is None else f"{e:.3f}"
    if e is not None and not complete:
        figure += " (not all of 10 KB-1 MB measured)"
    return Target(
        f"linear: exponent <= 1.05 from 10 KB to 1 MB ({workload}, LLM chunks)",
        figure,
        None if e is None or not complete else e <= 1.05,
    )


def parser_targets(r: Results) -> list[Target]:
    """Issue 2, item 7."""
    article, records = ("article", "100k", "llm"), ("records", "100k", "llm")
    goal = "100 KB article, LLM chunks: unspool >= 100x faster than the jiter re-parse"
    out = [_faster(r, goal, article, "jiter", "unspool", 100)]
    for peer, label in (("ijson-items", "ijson items"), ("ijson-events", "ijson events")):
        goal = f"100 KB article, LLM chunks: unspool no slower than ijson C ({label})"
        out.append(_faster(r, goal, article, peer, "unspool", 1))

    speedups = [
        (s, f"{workload} {SIZE_LABELS[size]}")
        for workload in ("article", "records")
        for size in ("1k", "10k", "100k", "1m")
        if (s := r.speedup(workload, size, "llm", "jiter")) is not None
    ]
    worst = min(speedups, default=None)
    out.append(
        Target(
            "LLM chunks: faster than the jiter re-parse from 1 KB up (both workloads)",
            "not measured" if worst is None else f"closest: {worst[1]}, {versus(worst[0])}",
            None if worst is None else worst[0] > 1,
        )
    )

    for peer, label in (("ijson-items", "ijson items"), ("ijson-events", "ijson events")):
        goal = f"100 KB records, LLM chunks: within 2x of ijson C ({label})"
        out.append(_faster(r, goal, records, peer, "unspool", 0.5))
    out += [_linear(r, workload, "unspool") for workload in ("article", "records")]

    whole = [
        (m, size) for size in ("100k", "1m") if (m := r.get("article", size, "whole", "unspool"))
    ]
    out.append(
        Target(
            "whole-text article parses at >= 150 MB/s",
            ", ".join(f"{m.mb_per_s:.0f} MB/s at {SIZE_LABELS[size]}" for m, size in whole)
            or "not measured",
            min(m.mb_per_s for m, _ in whole) >= 150 if whole else None,
        )
    )
    return out


def splitter_targets(r: Results) -> list[Target]:
    """Issue 3, item 8."""
    out = []
    for workload, what in (("records", "records at /items"), ("records-ndjson", "NDJSON")):
        for chunking in ("llm", "whole"):
            goal = f"1 MB {what}, {chunking}: at or below ijson C's time"
            out.append(_faster(r, goal, (workload, "1m", chunking), "ijson-at", "splitter", 1))
    goal = "100 KB records at /items, LLM chunks: >= 50x faster than the jiter re-parse"
    out.append(_faster(r, goal, ("records", "100k", "llm"), "jiter", "splitter", 50))
    out += [_linear(r, workload, "splitter") for workload in ("records", "records-ndjson")]
    return out


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite(
            "parser",
            "Partial-value parser: snapshot after every chunk",
            workloads=("article", "records"),
            sizes=("1k", "10k", "100k", "1m"),
            chunkings=("llm", "whole"),
            contenders=(
                *("unspool", "unspool-events", "json.loads", "jiter"),
                *("ijson-items", "ijson-events"),
            ),
            fit_sizes=FIT_SIZES,
            plot=True,
            targets=parser_targets,
        ),
        Suite(
            "splitter",
            "Splitter: every item the moment it closes",
            workloads=("records", "records-ndjson"),
            sizes=("10k", "100k", "1m"),
            chunkings=("llm", "whole"),
            contenders=("splitter", "json.loads", "jiter", "ijson-at"),
            fit_sizes=FIT_SIZES,
            targets=splitter_targets,
        ),
        Suite(
            "sweep",
            "Chunk-size sweep, 100 KB: the fixed cost of one feed",
            workloads=("article", "records"),
            sizes=("100k",),
            chunkings=(
                *("fixed-1", "fixed-2", "fixed-4", "fixed-8", "fixed-16", "fixed-64"),
                *("fixed-256", "fixed-4096", "whole"),
            ),
            contenders=("unspool", "jiter", "ijson-items", "ijson-events"),
            reparse_budget=1.0,
        ),
    )
}
QUICK_SUITES = ("parser",)
