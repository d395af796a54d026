"""What a run measures: suites (workloads x sizes x chunkings x contenders) and their targets.

A suite is a grid.  Every contender in it runs on the very same prepared chunk list of every
case, one after another in one process.  A suite's targets are the issue's performance goals,
each computed from the results as a figure plus met / missed / not measured.

Adding a benchmark is one ``Suite`` here plus, if needed, a ``Workload`` and a ``Contender``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .results import Results, fmt_ratio, versus
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
    # Only these (workload, chunking) pairs, when given, instead of every combination.
    pairs: tuple[tuple[str, str], ...] = ()
    # Which contenders run on a workload (default: all of them).
    applies: Callable[[str, str], bool] = field(default=lambda workload, contender: True)
    # Skip a larger size when the smaller ones predict a pass longer than this (seconds).
    escalate_budget: float | None = None

    @property
    def base(self) -> str:
        return self.contenders[0]

    def cases(self) -> list[tuple[str, str]]:
        """The (workload, chunking) pairs this suite runs."""
        return list(self.pairs) or [(w, c) for w in self.workloads for c in self.chunkings]


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


def _worst(
    r: Results, workloads: tuple[str, ...], sizes: tuple[str, ...], peer: str, base: str
) -> tuple[float, str] | None:
    """The smallest t(peer) / t(base) over the LLM-chunk cases, and where it is."""
    found = [
        (ratio, f"{workload} {SIZE_LABELS[size]}")
        for workload in workloads
        for size in sizes
        if (ratio := r.speedup(workload, size, "llm", peer, base)) is not None
    ]
    return min(found, default=None)


def _at_most(
    r: Results,
    goal: str,
    cases: tuple[tuple[str, ...], tuple[str, ...]],
    peer: str,
    base: str,
    bound: float,
) -> Target:
    """``base`` takes at most ``bound`` times ``peer``'s time on every case."""
    worst = _worst(r, *cases, peer, base)
    if worst is None:
        return Target(goal, "not measured", None)
    ratio, where = worst
    return Target(goal, f"worst: {where}, {fmt_ratio(1 / ratio)} the time", 1 / ratio <= bound)


PARTIAL_SIZES = ("0.5k", "1k", "10k", "100k", "1m")


def parser_targets(r: Results) -> list[Target]:
    """Issue 11, item 3: the partial-snapshot parser."""
    out = []
    for workload in ("article", "records"):
        for peer, label in (
            ("ijson-items", "ijson C"),
            ("sjp-native", "streaming-json-parser-native"),
        ):
            goal = f"{workload} 0.5 KB-1 MB, LLM chunks: at or below {label}'s time"
            out.append(_at_most(r, goal, ((workload,), PARTIAL_SIZES), peer, "unspool", 1.0))
    for workload in ("article", "records"):
        goal = f"{workload} 0.5 KB, LLM chunks: >= 3x faster than the jiter re-parse"
        out.append(_faster(r, goal, (workload, "0.5k", "llm"), "jiter", "unspool", 3))
    goal = "with events and string deltas: <= 1.3x the snapshot-only time (LLM chunks)"
    both = (("article", "records"), PARTIAL_SIZES)
    out.append(_at_most(r, goal, both, "unspool", "unspool-events", 1.3))
    whole = [
        (m, size) for size in ("100k", "1m") if (m := r.get("article", size, "whole", "unspool"))
    ]
    out.append(
        Target(
            "whole-text article parses at >= 250 MB/s",
            ", ".join(f"{m.mb_per_s:.0f} MB/s at {SIZE_LABELS[size]}" for m, size in whole)
            or "not measured",
            min(m.mb_per_s for m, _ in whole) >= 250 if whole else None,
        )
    )
    out += [_linear(r, workload, "unspool") for workload in ("article", "records")]
    idle = r.extra.get("idle_parser_bytes")
    out.append(
        Target(
            "an open idle Parser takes at most 2 KiB",
            "not measured" if idle is None else f"{idle:,} bytes",
            None if idle is None else idle <= 2048,
        )
    )
    return out


def splitter_targets(r: Results) -> list[Target]:
    """Issue 11, item 3 (and issue 3's linearity): the Splitter."""
    out = []
    for workload, what in (("records", "records at /items"), ("records-ndjson", "NDJSON")):
        goal = f"Splitter, {what}, LLM chunks: <= 0.8x ijson C `items`' time"
        sizes = ("10k", "100k", "1m")
        out.append(_at_most(r, goal, ((workload,), sizes), "ijson-at", "splitter", 0.8))
    out += [_linear(r, workload, "splitter") for workload in ("records", "records-ndjson")]
    return out


def models_targets(r: Results) -> list[Target]:
    """Issue 11, item 3: ``stream_model`` at 10 KB."""
    case = ("article", "10k", "llm")
    goal = "stream_model, 10 KB: >= 20x faster than pydantic's experimental_allow_partial"
    out = [_faster(r, goal, case, "pydantic-partial", "stream-model", 20)]
    ratio = r.speedup(*case, "parser-model", "stream-model")
    out.append(
        Target(
            "stream_model, 10 KB: <= 2x the bare parser (+ one model_validate)",
            "not measured" if ratio is None else f"{fmt_ratio(1 / ratio)} the time",
            None if ratio is None else 1 / ratio <= 2,
        )
    )
    return out


def extract_targets(r: Results) -> list[Target]:
    """Issue 8, item 5: the article in prose + fence + prose costs <= 1.1x the bare one."""
    out = []
    for size in ("10k", "100k"):
        bare = r.get("article", size, "llm", "unspool")
        wrapped = r.get("article-in-prose", size, "llm", "unspool-extract")
        if bare is None or wrapped is None:
            figure, ratio = "not measured", None
        else:  # medians decide; the best passes show how much of a gap is a loaded machine
            ratio = wrapped.seconds / bare.seconds
            figure = (
                f"{fmt_ratio(ratio)} the time (best passes: {fmt_ratio(wrapped.best / bare.best)})"
            )
        out.append(
            Target(
                f"article {SIZE_LABELS[size]} in prose + fence + prose, extract=True, LLM "
                "chunks: <= 1.1x the bare article's time",
                figure,
                None if ratio is None else ratio <= 1.1,
            )
        )
    return out


# The adversarial shapes of issue 13 and the consumers each is fed to.
ADVERSARIAL = (
    ("long-number", "fixed-4"),
    ("long-string", "fixed-4"),
    ("whitespace", "fixed-4"),
    ("deep-wide", "fixed-4"),
    ("deep-wide", "fixed-4096"),
    ("flat-wide", "fixed-4"),  # the yardstick for deep-wide: its events cost no more
    ("flat-wide", "fixed-4096"),
    ("article", "fixed-1"),
)
# Events on deep-wide cost what they cost on flat-wide, as long (issue 13, item 3): each
# event shares its container's path, it was a tuple of ~1,000 items per event.
DEPTH_COST_LIMIT = 1.25
# One long string read after every chunk costs O(length) per read (issue 13, item 9).
DOCUMENTED_QUADRATIC = {("long-string", "unspool")}


def _adversarial_applies(workload: str, contender: str) -> bool:
    if contender == "splitter":
        return workload in ("long-number", "long-string", "whitespace")
    return True


def adversarial_targets(r: Results) -> list[Target]:
    """Issue 13, item 10: cost exponent <= 1.05 on every hostile shape, 10 KB to 1 MB."""
    out = []
    for workload, chunking in ADVERSARIAL:
        for contender in SUITES["adversarial"].contenders:
            if not _adversarial_applies(workload, contender):
                continue
            e = r.exponent(workload, FIT_SIZES, chunking, contender, best=True)
            measured = [s for s in FIT_SIZES if r.get(workload, s, chunking, contender)]
            figure = "not measured" if e is None else f"{e:.3f}"
            if e is not None and len(measured) < len(FIT_SIZES):
                figure += f" ({SIZE_LABELS[measured[0]]}-{SIZE_LABELS[measured[-1]]} only)"
            goal = f"{workload}, {chunking}, {contender}: exponent <= 1.05"
            if (workload, contender) in DOCUMENTED_QUADRATIC:
                goal += " (exempt: a snapshot read after every chunk copies the open string)"
                out.append(Target(goal, figure, None if e is None else True))
                continue
            complete = len(measured) == len(FIT_SIZES)
            out.append(Target(goal, figure, None if e is None else complete and e <= 1.05))
    return out + depth_cost_targets(r)


def depth_cost_targets(r: Results) -> list[Target]:
    """Issue 13, item 3: events 999 deep cost what they cost flat, at the largest size."""
    out = []
    size = FIT_SIZES[-1]
    for chunking in ("fixed-4", "fixed-4096"):
        deep = r.get("deep-wide", size, chunking, "unspool-events-only")
        flat = r.get("flat-wide", size, chunking, "unspool-events-only")
        ratio = deep.seconds / flat.seconds if deep and flat else None
        out.append(
            Target(
                f"deep-wide / flat-wide, {SIZE_LABELS[size]}, {chunking}, unspool events: "
                f"<= {DEPTH_COST_LIMIT}x",
                "not measured" if ratio is None else f"{ratio:.2f}x",
                None if ratio is None else ratio <= DEPTH_COST_LIMIT,
            )
        )
    return out


PARSER_PEERS = (
    *("unspool-events", "json.loads", "jiter", "pydantic-core", "partial-json-parser"),
    *("langchain", "json-repair", "sjp-native", "sjp-pure", "jsonriver"),
    *("ijson-items", "ijson-python", "ijson-events"),
)

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite(
            "parser",
            "Partial-value parser: snapshot after every chunk",
            workloads=("article", "records"),
            sizes=PARTIAL_SIZES,
            chunkings=("llm", "whole"),
            contenders=("unspool", *PARSER_PEERS),
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
            "models",
            "Typed partial models: a live Pydantic `Article` after every chunk",
            workloads=("article",),
            # A tool call's arguments and a short structured answer (0.5-1 KB) up to a long
            # article; not 1 MB: pydantic's re-validation is quadratic (minutes a pass).
            sizes=("0.5k", "1k", "10k", "100k"),
            chunkings=("llm",),
            contenders=("stream-model", "pydantic-partial", "jiter-construct", "parser-model"),
            targets=models_targets,
        ),
        Suite(
            "adversarial",
            "Hostile shapes (issue 13): cost against size",
            workloads=tuple(dict.fromkeys(w for w, _ in ADVERSARIAL)),
            sizes=FIT_SIZES,
            chunkings=tuple(dict.fromkeys(c for _, c in ADVERSARIAL)),
            contenders=("unspool", "unspool-events-only", "splitter"),
            fit_sizes=FIT_SIZES,
            targets=adversarial_targets,
            pairs=ADVERSARIAL,
            applies=_adversarial_applies,
            escalate_budget=20.0,
        ),
        Suite(
            "extract",
            "JSON inside model text (extract=True) against the bare JSON",
            workloads=("article", "article-in-prose"),
            sizes=("10k", "100k"),
            chunkings=("llm",),
            contenders=("unspool", "unspool-extract"),
            targets=extract_targets,
            applies=lambda workload, contender: (workload == "article") == (contender == "unspool"),
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
            contenders=("unspool", "jiter", "ijson-items", "ijson-events", "sjp-native"),
            reparse_budget=1.0,
        ),
    )
}
QUICK_SUITES = ("parser", "models", "adversarial")
QUICK_SIZES = ("0.5k", "10k")
