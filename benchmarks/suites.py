"""What a run measures: suites (workloads x sizes x chunkings x contenders) and their targets.

A suite is a grid.  Every contender in it runs on the very same prepared chunk list of every
case, one after another in one process.  A suite's targets are the issue's performance goals,
each computed from the results as a figure plus met / missed / not measured.

Adding a benchmark is one ``Suite`` here plus, if needed, a ``Workload`` and a ``Contender``.
The ``splitter`` suite (issue 3: records at ``/items`` and as NDJSON) is already declared; it
joins the default run as soon as ``unspool.Splitter`` exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .contenders import CONTENDERS
from .results import Results, versus
from .workloads import SIZE_LABELS


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


def parser_targets(r: Results) -> list[Target]:
    """Issue 2, item 7."""
    out: list[Target] = []

    s = r.speedup("article", "100k", "llm", "jiter")
    out.append(
        Target(
            "100 KB article, LLM chunks: unspool >= 100x faster than the jiter re-parse",
            versus(s),
            None if s is None else s >= 100,
        )
    )
    for peer, label in (("ijson-items", "ijson items"), ("ijson-events", "ijson events")):
        s = r.speedup("article", "100k", "llm", peer)
        out.append(
            Target(
                f"100 KB article, LLM chunks: unspool no slower than ijson C ({label})",
                versus(s),
                None if s is None else s >= 1,
            )
        )

    worst: tuple[float, str] | None = None
    for workload in ("article", "records"):
        for size in ("1k", "10k", "100k", "1m"):
            s = r.speedup(workload, size, "llm", "jiter")
            if s is not None and (worst is None or s < worst[0]):
                worst = (s, f"{workload} {SIZE_LABELS[size]}")
    out.append(
        Target(
            "LLM chunks: faster than the jiter re-parse from 1 KB up (both workloads)",
            "not measured" if worst is None else f"closest: {worst[1]}, {versus(worst[0])}",
            None if worst is None else worst[0] > 1,
        )
    )

    for peer, label in (("ijson-items", "ijson items"), ("ijson-events", "ijson events")):
        s = r.speedup("records", "100k", "llm", peer)
        out.append(
            Target(
                f"100 KB records, LLM chunks: within 2x of ijson C ({label})",
                versus(s),
                None if s is None else 1 / s <= 2,
            )
        )

    fit = ("10k", "100k", "1m")
    for workload in ("article", "records"):
        e = r.exponent(workload, fit, "llm", "unspool")
        complete = all(r.get(workload, size, "llm", "unspool") for size in fit)
        out.append(
            Target(
                f"linear: exponent <= 1.05 from 10 KB to 1 MB ({workload}, LLM chunks)",
                "not measured"
                if e is None
                else f"{e:.3f}" + ("" if complete else " (without 1 MB: not the target range)"),
                None if e is None or not complete else e <= 1.05,
            )
        )

    speeds = []
    for size in ("100k", "1m"):
        m = r.get("article", size, "whole", "unspool")
        if m is not None:
            speeds.append(f"{m.mb_per_s:.0f} MB/s at {SIZE_LABELS[size]}")
    slowest = min(
        (m.mb_per_s for s in ("100k", "1m") if (m := r.get("article", s, "whole", "unspool"))),
        default=None,
    )
    out.append(
        Target(
            "whole-text article parses at >= 150 MB/s",
            ", ".join(speeds) or "not measured",
            None if slowest is None else slowest >= 150,
        )
    )
    return out


def splitter_targets(r: Results) -> list[Target]:
    """Issue 3, item 8."""
    out: list[Target] = []
    for workload, what in (("records", "records at /items"), ("records-ndjson", "NDJSON")):
        for chunking in ("llm", "whole"):
            s = r.speedup(workload, "1m", chunking, "ijson-at", "splitter")
            out.append(
                Target(
                    f"1 MB {what}, {chunking}: at or below ijson C's time",
                    versus(s),
                    None if s is None else s >= 1,
                )
            )
    s = r.speedup("records", "100k", "llm", "jiter", "splitter")
    out.append(
        Target(
            "100 KB records at /items, LLM chunks: >= 50x faster than the jiter re-parse",
            versus(s),
            None if s is None else s >= 50,
        )
    )
    fit = ("10k", "100k", "1m")
    for workload in ("records", "records-ndjson"):
        e = r.exponent(workload, fit, "llm", "splitter")
        complete = all(r.get(workload, size, "llm", "splitter") for size in fit)
        out.append(
            Target(
                f"linear: exponent <= 1.05 from 10 KB to 1 MB ({workload}, LLM chunks)",
                "not measured" if e is None else f"{e:.3f}" + ("" if complete else " (partial)"),
                None if e is None or not complete else e <= 1.05,
            )
        )
    return out


SWEEP_CHUNKINGS = (
    *("fixed-1", "fixed-2", "fixed-4", "fixed-8", "fixed-16", "fixed-64", "fixed-256"),
    *("fixed-4096", "whole"),
)

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
                "unspool",
                "unspool-events",
                "json.loads",
                "jiter",
                "ijson-items",
                "ijson-events",
            ),
            fit_sizes=("10k", "100k", "1m"),
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
            fit_sizes=("10k", "100k", "1m"),
            targets=splitter_targets,
        ),
        Suite(
            "sweep",
            "Chunk-size sweep, 100 KB: the fixed cost of one feed",
            workloads=("article", "records"),
            sizes=("100k",),
            chunkings=SWEEP_CHUNKINGS,
            contenders=("unspool", "jiter", "ijson-items", "ijson-events"),
            reparse_budget=1.0,
        ),
    )
}
# A suite runs by default when its first contender exists here (the splitter from issue 3 on).
DEFAULT_SUITES = tuple(
    name for name in ("parser", "splitter", "sweep") if CONTENDERS[SUITES[name].base].available
)
QUICK_SUITES = ("parser",)
