"""Measurements, the settings they were taken with, and the ratios and fits computed from them."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

ESTIMATE_POINTS = 40  # windows of consecutive chunks sampled to estimate a re-parse pass
ESTIMATE_WINDOW = 8  # consecutive chunks re-parsed per window
NOT_RUN = "not run"  # the start of ``Measurement.error`` for a pass skipped as too long


@dataclass
class Settings:
    repeats: int = 5  # timed passes per (case, contender), at most
    cell_budget: float = 5.0  # seconds of timed samples per (case, contender), about
    reparse_budget: float = 15.0  # run a re-parse contender for real only below this estimate
    clock: str = "process_time"  # CPU time of this process: steadier on a shared machine
    min_sample: float = 0.02  # seconds: shorter passes are looped to about this long a sample
    estimate_points: int = ESTIMATE_POINTS  # windows sampled to estimate a re-parse pass


# The CI smoke run: every contender once on small cases, every value checked, about 30 s.
QUICK = Settings(
    repeats=1, cell_budget=0.2, reparse_budget=0.3, min_sample=0.002, estimate_points=6
)


def sig3(x: float) -> str:
    """Three significant figures, no exponent."""
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_ratio(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if x < 1:
        return f"{x:.2g}x"  # peer faster: 0.19x, 0.0081x
    return f"{x:,.0f}x" if x >= 100 else f"{sig3(x)}x"


def versus(x: float | None) -> str:
    """``x`` = peer time / unspool time, said from unspool's side."""
    if x is None or not math.isfinite(x):
        return "not measured"
    return f"unspool {fmt_ratio(x)} faster" if x >= 1 else f"unspool {fmt_ratio(1 / x)} slower"


@dataclass
class Measurement:
    """One contender on one case: the timed samples and what they add up to."""

    suite: str
    workload: str
    size: str
    chunking: str
    contender: str
    n_bytes: int  # UTF-8 bytes of the text
    n_chunks: int
    samples: list[float] = field(default_factory=list)  # seconds per pass
    estimated: bool = False  # no full pass was run: ``estimate`` stands in for it
    estimate: float | None = None  # the re-parse estimate, when one was made
    check: str = "n/a"  # "ok" or "MISMATCH" against the expected value; "n/a": nothing built
    error: str | None = None  # what went wrong, or NOT_RUN + why a long pass was skipped
    backend: str = ""  # unspool's backend ("python" / "compiled") for unspool's own rows

    @property
    def seconds(self) -> float:
        """The median pass, or the estimate when no full pass was run."""
        if self.samples:
            return statistics.median(self.samples)
        return self.estimate if self.estimate is not None else math.nan

    @property
    def best(self) -> float:
        """The fastest pass (least disturbed by other processes), or the estimate."""
        if self.samples:
            return min(self.samples)
        return self.estimate if self.estimate is not None else math.nan

    @property
    def mb_per_s(self) -> float:
        return self.n_bytes / self.seconds / 1e6

    @property
    def us_per_chunk(self) -> float:
        return self.seconds / self.n_chunks * 1e6

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": self.seconds}


def _headline(m: Measurement) -> bool:
    """Of unspool's rows on both backends, the compiled one is the headline: it is what an
    install with a C compiler runs.  The pure-Python row stays (``shadow``)."""
    return m.backend == "compiled"


class Results:
    """Measurements, addressable by (workload, size, chunking, contender); ``view(suite)``
    narrows them to one suite.

    unspool's rows say which backend measured them; when both backends measured a case, the
    compiled row is the one ``get``/``find`` give and the pure-Python one is its ``shadow``.
    """

    def __init__(
        self, items: list[Measurement] | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        self.items: list[Measurement] = []
        self._index: dict[tuple[str, str, str, str], Measurement] = {}
        self._shadows: dict[tuple[str, str, str, str], Measurement] = {}
        # Figures that are not timings: the idle Parser's bytes, the probes' findings.
        self.extra: dict[str, Any] = extra if extra is not None else {}
        for m in items or ():
            self.add(m)

    def add(self, m: Measurement) -> None:
        self.items.append(m)
        key = (m.workload, m.size, m.chunking, m.contender)
        held = self._index.get(key)
        if held is not None and held.backend and m.backend and held.backend != m.backend:
            if _headline(held):
                self._shadows[key] = m
                return
            self._shadows[key] = held
        self._index[key] = m

    def shadow(self, workload: str, size: str, chunking: str, contender: str) -> Measurement | None:
        """unspool's pure-Python row where the compiled one is shown (else None)."""
        return self._shadows.get((workload, size, chunking, contender))

    def backends(self) -> list[str]:
        """The backends of the rows ``get`` gives (the headline figures), sorted."""
        return sorted({m.backend for m in self._index.values() if m.backend})

    def view(self, suite: str) -> Results:
        return Results([m for m in self.items if m.suite == suite], self.extra)

    def find(self, workload: str, size: str, chunking: str, contender: str) -> Measurement | None:
        """The measurement, even one that failed or was not run."""
        return self._index.get((workload, size, chunking, contender))

    def get(self, workload: str, size: str, chunking: str, contender: str) -> Measurement | None:
        """The measurement without an error (the latest, across suites, unless a ``view``)."""
        m = self._index.get((workload, size, chunking, contender))
        return m if m is not None and m.error is None else None

    def speedup(
        self, workload: str, size: str, chunking: str, peer: str, base: str = "unspool"
    ) -> float | None:
        """t(peer) / t(base): above 1 the base is faster."""
        p = self.get(workload, size, chunking, peer)
        b = self.get(workload, size, chunking, base)
        return p.seconds / b.seconds if p is not None and b is not None else None

    def exponent(
        self, workload: str, sizes: tuple[str, ...], chunking: str, contender: str, best: bool
    ) -> float | None:
        """Least-squares slope of log(time) against log(bytes) over ``sizes``.

        ``best`` fits the fastest pass per size: load from other processes only ever adds
        time, so the minimum is the steadiest estimate of the cost; otherwise the median.
        """
        points = []
        for size in sizes:
            m = self.get(workload, size, chunking, contender)
            if m is not None and (t := m.best if best else m.seconds) > 0:
                points.append((math.log(m.n_bytes), math.log(t)))
        if len(points) < 2:
            return None
        mx = sum(x for x, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        sxx = sum((x - mx) ** 2 for x, _ in points)
        sxy = sum((x - mx) * (y - my) for x, y in points)
        return sxy / sxx
