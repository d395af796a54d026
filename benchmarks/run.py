"""Time unspool side by side with its peers on LLM-shaped JSON, in one process.

    python -m benchmarks                   # the full run (about a minute or two); writes
                                           # RESULTS.md, plot.svg and README_SECTION.md
    python -m benchmarks --quick           # up to 100 KB, 3 repeats, no sweep (~10 s)
    python -m benchmarks --workload article --size 100k --chunking llm
    python -m benchmarks --profile article [--size 1m] [--chunking whole]
    python -m benchmarks --list

Method.  Each case (workload x size x chunking) is generated and chunked once, before any
timing; every contender then streams the same chunk list.  A pass is timed with
``time.perf_counter`` (``--clock process_time`` counts this process's CPU time only) with
the garbage collector disabled (``gc.collect()`` first; ``--gc`` keeps it on).

The first pass is a warm-up that also checks the result against ``json.loads``.  Then up to
``--repeats`` passes (default 5) are timed and the median is reported: fewer when a pass is
long (at most about ``--cell-budget`` seconds of samples per cell; a first pass over 0.5 s is
warm enough to count), and a very short pass is looped so that one sample lasts about 20 ms.
Samples are taken round-robin across the contenders of a case, so a burst of load from other
processes falls on all of them alike.

A re-parse contender (jiter) costs O(buffer) per chunk.  Before running it, the runner
estimates the whole pass from ``--estimate-points`` windows of consecutive chunks spread
evenly over the stream; when the estimate exceeds ``--reparse-budget`` seconds it reports
the estimate, marked "est.", instead of running it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path
from typing import Any

from . import report
from .contenders import CONTENDERS, Case, Contender, Run
from .results import Measurement, Results
from .suites import DEFAULT_SUITES, QUICK_SUITES, SUITES, Suite
from .workloads import CHUNKINGS, DEFAULT_SEED, SIZE_LABELS, SIZES, WORKLOADS

HERE = Path(__file__).resolve().parent
WARM_ENOUGH = 0.5  # seconds: a first pass this long is already warm, keep it as a sample
MIN_SAMPLE = 0.02  # seconds: shorter passes are looped so one sample lasts about this long
ESTIMATE_WINDOW = 8  # consecutive chunks re-parsed per estimate point
CLOCKS = {"perf_counter": time.perf_counter, "process_time": time.process_time}
CLOCK = time.perf_counter  # --clock process_time counts only this process's CPU time


@dataclass
class Settings:
    repeats: int = 5
    cell_budget: float = 10.0  # seconds of timed samples per (case, contender), about
    reparse_budget: float = 15.0  # run a re-parse contender for real only below this estimate
    estimate_points: int = 40
    gc_off: bool = True
    seed: int = DEFAULT_SEED
    clock: str = "perf_counter"


# -- timing -----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], gc_off: bool) -> tuple[float, Any]:
    """One call of ``fn`` under ``CLOCK``; its result is freed after the clock stops."""
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        start = CLOCK()
        result = fn()
        elapsed = CLOCK() - start
    finally:
        if gc_off:
            gc.enable()
    return elapsed, result


def _looped(run: Run, times: int) -> Callable[[], list[Any]]:
    def loop() -> list[Any]:
        return [run() for _ in range(times)]

    return loop


@dataclass
class Plan:
    """How one contender will be sampled on one case, decided by its warm-up pass."""

    m: Measurement
    fn: Callable[[], Any] | None = None  # one sample: a pass, or a loop of ``inner`` passes
    inner: int = 1
    remaining: int = 0


def warm_up(run: Run, contender: Contender, case: Case, plan: Plan, s: Settings) -> None:
    """Time a first pass, check its value, and decide the number and shape of samples."""
    m = plan.m
    first, result = timed(run, s.gc_off)
    if contender.expect is not None:
        m.check = "ok" if result == contender.expect(case) else "MISMATCH"
    del result
    if first >= WARM_ENOUGH:  # long enough to be warm already: keep it as a sample
        m.samples = [first]
        plan.fn = run
        plan.remaining = max(1, min(s.repeats, int(s.cell_budget / first))) - 1
        return
    plan.inner = max(1, int(MIN_SAMPLE / max(first, 1e-9)))
    plan.fn = _looped(run, plan.inner)
    plan.remaining = max(1, min(s.repeats, int(s.cell_budget / (first * plan.inner))))


def estimate_reparse(case: Case, step: Callable[[str], Any], s: Settings) -> float:
    """The full pass's time, summed from windows of chunks spread evenly over the stream.

    Each window re-parses ``ESTIMATE_WINDOW`` consecutive buffers back to back (three times,
    median), so the parser runs as warm as in the real loop; the per-chunk cost at each
    window, times the chunks it stands for, adds up to the estimate (stratified sampling).
    """
    ends = list(accumulate(len(chunk) for chunk in case.chunks))
    n = len(ends)
    k = min(s.estimate_points, max(1, n // ESTIMATE_WINDOW))
    total = 0.0
    gc.collect()
    if s.gc_off:
        gc.disable()
    try:
        for j in range(k):
            first = min(max(0, int((j + 0.5) * n / k) - ESTIMATE_WINDOW // 2), n - 1)
            buffers = [case.text[: ends[i]] for i in range(first, min(n, first + ESTIMATE_WINDOW))]
            times = []
            for _ in range(3):
                start = CLOCK()
                for buffer in buffers:
                    step(buffer)
                times.append(CLOCK() - start)
            total += statistics.median(times) / len(buffers)
    finally:
        if s.gc_off:
            gc.enable()
    return total * n / k


def measure_case(
    contenders: list[Contender], case: Case, suite: Suite, s: Settings
) -> list[Measurement]:
    """Every contender on one case.  Samples are taken round-robin (one per contender in
    turn), so a burst of load on a shared machine hits all contenders alike."""
    plans = []
    for contender in contenders:
        m = Measurement(
            suite.name,
            case.workload.name,
            case.size,
            case.chunking,
            contender.name,
            n_bytes=len(case.data),
            n_chunks=len(case.chunks),
        )
        plan = Plan(m)
        plans.append(plan)
        try:
            run = contender.prepare(case)
            step = contender.reparse(case) if contender.reparse is not None else None
            if step is not None and len(case.chunks) > 1:
                m.estimate = estimate_reparse(case, step, s)
                budget = s.reparse_budget if suite.reparse_budget is None else suite.reparse_budget
                if m.estimate > budget:
                    m.estimated = True
                    continue
            warm_up(run, contender, case, plan, s)
        except Exception as err:  # report it in the table, keep measuring the others
            m.error = f"{type(err).__name__}: {err}"
    while any(plan.remaining for plan in plans):
        for plan in plans:
            if not plan.remaining or plan.fn is None:
                continue
            plan.remaining -= 1
            try:
                plan.m.samples.append(timed(plan.fn, s.gc_off)[0] / plan.inner)
            except Exception as err:
                plan.m.error = f"{type(err).__name__}: {err}"
                plan.remaining = 0
    return [plan.m for plan in plans]


# -- running suites ---------------------------------------------------------------------------


class Texts:
    """Generated texts and their values (``workload.load``), made once per (workload, size)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._cache: dict[tuple[str, str], tuple[str, Any]] = {}

    def get(self, workload: str, size: str) -> tuple[str, Any]:
        key = (workload, size)
        if key not in self._cache:
            text = WORKLOADS[workload].make(SIZES[size], self.seed)
            self._cache[key] = (text, WORKLOADS[workload].load(text))
        return self._cache[key]

    def case(self, workload: str, size: str, chunking: str) -> Case:
        text, expected = self.get(workload, size)
        chunks = CHUNKINGS[chunking](text, self.seed)
        assert "".join(chunks) == text
        return Case(WORKLOADS[workload], size, chunking, text, chunks, expected)


def _pick(values: Iterable[str], wanted: list[str] | None) -> tuple[str, ...]:
    return tuple(v for v in values if not wanted or v in wanted)


def run_suite(
    suite: Suite, texts: Texts, s: Settings, results: Results, filters: dict[str, list[str] | None]
) -> None:
    picked = [CONTENDERS[c] for c in _pick(suite.contenders, filters["contender"])]
    contenders = [c for c in picked if c.available]
    for c in picked:
        if not c.available:
            print(f"[{suite.name}] skipping {c.label}: not available here", file=sys.stderr)
    if not contenders:
        return
    for workload in _pick(suite.workloads, filters["workload"]):
        for size in _pick(suite.sizes, filters["size"]):
            for chunking in _pick(suite.chunkings, filters["chunking"]):
                case = texts.case(workload, size, chunking)
                _ = case.byte_chunks, case.data  # encode before any timing
                print(
                    f"[{suite.name}] {workload} {SIZE_LABELS[size]} {chunking}: "
                    f"{len(case.data):,} bytes, {len(case.chunks):,} chunks",
                    file=sys.stderr,
                )
                fresh = []
                for contender in contenders:
                    # A long re-parse pass (seconds; its ratios are large) is measured once
                    # per case and shared between suites.
                    old = results.get(workload, size, chunking, contender.name)
                    if contender.reparse and old is not None and old.seconds > WARM_ENOUGH:
                        results.add(replace(old, suite=suite.name))
                        label = f"{contender.label} (from the {old.suite} suite)"
                        print("    " + report.progress_line(old, label), file=sys.stderr)
                    else:
                        fresh.append(contender)
                for m in measure_case(fresh, case, suite, s):
                    results.add(m)
                    print("    " + report.progress_line(m), file=sys.stderr)


# -- machine and output -----------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=HERE.parent, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def machine_info() -> dict[str, Any]:
    import ijson

    import unspool

    commit = _git("rev-parse", "--short", "HEAD")
    if commit and _git("status", "--porcelain", "--", "src"):
        commit += " (src/ modified)"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "load_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "unspool": f"{unspool.__version__} @ {commit or 'unknown commit'}",
        "jiter": version("jiter"),
        "ijson": f"{version('ijson')} ({ijson.backend})",
    }


def profile(args: argparse.Namespace, s: Settings) -> None:
    """cProfile one contender (unspool by default) on one case and print the top functions."""
    size = args.size[0] if args.size else "100k"
    chunking = args.chunking[0] if args.chunking else "llm"
    name = args.contender[0] if args.contender else "unspool"
    case = Texts(s.seed).case(args.profile, size, chunking)
    run = CONTENDERS[name].prepare(case)
    plain = statistics.median(timed(run, s.gc_off)[0] for _ in range(3))
    profiler = cProfile.Profile()
    gc.collect()
    gc.disable()
    profiler.enable()
    run()
    profiler.disable()
    gc.enable()
    print(
        f"{name} on {case.name}: {len(case.data):,} bytes, {len(case.chunks):,} chunks; "
        f"unprofiled pass {plain * 1e3:.1f} ms ({plain / len(case.chunks) * 1e6:.2f} us/chunk, "
        f"{len(case.data) / plain / 1e6:.1f} MB/s).  cProfile adds a fixed cost per call, so "
        "read the shares, not the absolute times.\n"
    )
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(min(args.top, 15))
    if name == "unspool":
        print(layers(case, s))


def layers(case: Case, s: Settings) -> str:
    """Where a pass's time goes, layer by layer, timed without a profiler (medians of 5)."""
    import unspool
    from unspool._tokenizer import Tokenizer  # private, on purpose: this is a dev tool

    chunks = case.chunks
    multiple = case.workload.multiple

    def loop_only() -> None:
        for _chunk in chunks:
            pass

    def tokenizer_only() -> None:
        feed = Tokenizer(multiple=multiple).feed
        for chunk in chunks:
            feed(chunk)

    def parser_no_reads() -> Any:
        parser = unspool.Parser(multiple=multiple)
        feed = parser.feed
        for chunk in chunks:
            feed(chunk)
        parser.close()
        return parser.value

    steps = [
        ("the bare loop over the chunks", loop_only),
        ("+ Tokenizer.feed (tokens only)", tokenizer_only),
        ("+ Parser.feed (build the value, events)", parser_no_reads),
        ("+ read .value after every chunk", CONTENDERS["unspool"].prepare(case)),
    ]
    lines = [f"Layers on {case.name}, {len(chunks):,} chunks (median of 5, no profiler):"]
    previous = 0.0
    for label, fn in steps:
        t = statistics.median(timed(fn, s.gc_off)[0] for _ in range(5))
        lines.append(
            f"  {label:<42} {t * 1e3:9.2f} ms  {t / len(chunks) * 1e6:7.3f} us/chunk  "
            f"(this layer {max(t - previous, 0) / len(chunks) * 1e6:+.3f} us/chunk)"
        )
        previous = t
    return "\n".join(lines)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark unspool against json.loads, the jiter re-parse and ijson (C).",
    )
    ap.add_argument("--quick", action="store_true", help="sizes up to 100 KB, 3 repeats, no sweep")
    ap.add_argument("--suite", type=_csv, help=f"comma-separated: {', '.join(SUITES)}")
    ap.add_argument("--workload", type=_csv, help=f"filter: {', '.join(WORKLOADS)}")
    ap.add_argument("--size", type=_csv, help=f"filter: {', '.join(SIZES)}")
    ap.add_argument("--chunking", type=_csv, help=f"filter: {', '.join(CHUNKINGS)}")
    ap.add_argument("--contender", type=_csv, help=f"filter: {', '.join(CONTENDERS)}")
    ap.add_argument("--repeats", type=int, help="timed passes per cell (default 5, quick 3)")
    ap.add_argument("--cell-budget", type=float, help="seconds of samples per cell (default 10)")
    ap.add_argument(
        "--reparse-budget",
        type=float,
        help="run a re-parse contender only if its estimate is below this (default 15 s, quick 2)",
    )
    ap.add_argument("--estimate-points", type=int, default=40, help="windows sampled (40)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--gc", action="store_true", help="keep the garbage collector on")
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="perf_counter",
        help="process_time ignores time spent waiting for a busy CPU (shared machines)",
    )
    ap.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md etc. go")
    write = ap.add_mutually_exclusive_group()
    write.add_argument(
        "--write",
        action="store_true",
        default=None,
        help="write RESULTS.md, plot.svg, README_SECTION.md (default: only on a full run)",
    )
    write.add_argument("--no-write", dest="write", action="store_false")
    ap.add_argument(
        "--profile",
        metavar="WORKLOAD",
        choices=sorted(WORKLOADS),
        help="cProfile unspool (or the first --contender) on one case (--size, default 100k; "
        "--chunking, default llm), then time its layers without the profiler",
    )
    ap.add_argument("--top", type=int, default=25, help="functions shown by --profile")
    ap.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: rewrite RESULTS.md etc. from a saved results/latest.json",
    )
    ap.add_argument("--list", action="store_true", help="list suites, workloads, contenders")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    global CLOCK
    args = parse_args(argv)
    CLOCK = CLOCKS[args.clock]
    s = Settings(
        repeats=args.repeats or (3 if args.quick else 5),
        cell_budget=args.cell_budget or (3.0 if args.quick else 10.0),
        reparse_budget=args.reparse_budget or (2.0 if args.quick else 15.0),
        estimate_points=args.estimate_points,
        gc_off=not args.gc,
        seed=args.seed,
        clock=args.clock,
    )
    for kind, known in (
        ("suite", SUITES),
        ("workload", WORKLOADS),
        ("size", SIZES),
        ("chunking", CHUNKINGS),
        ("contender", CONTENDERS),
    ):
        unknown = [v for v in getattr(args, kind) or () if v not in known]
        if unknown:
            raise SystemExit(f"unknown {kind}: {', '.join(unknown)} (known: {', '.join(known)})")
    if args.list:
        print(report.listing())
        return 0
    if args.profile:
        profile(args, s)
        return 0

    filters: dict[str, list[str] | None] = {
        k: getattr(args, k) for k in ("workload", "size", "chunking", "contender")
    }
    if args.quick and not filters["size"]:
        filters["size"] = ["1k", "10k", "100k"]
    suite_names = args.suite or (QUICK_SUITES if args.quick else DEFAULT_SUITES)
    suites = [SUITES[name] for name in suite_names]
    full_run = not (args.quick or args.suite or any(filters.values()) or args.gc)
    write = full_run if args.write is None else args.write

    if args.from_json:
        return rerender(args.from_json, args.out)

    info = machine_info()
    texts = Texts(s.seed)
    results = Results()
    started = time.perf_counter()
    for suite in suites:
        run_suite(suite, texts, s, results, filters)
    info["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    info["wall_seconds"] = round(time.perf_counter() - started, 1)
    command = "python -m benchmarks" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    json_path = args.out / "results" / "latest.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "command": command,
        "suites": [suite.name for suite in suites],
        "machine": info,
        "settings": vars(s),
        "results": [m.to_json() for m in results.items],
    }
    json_path.write_text(json.dumps(data, indent=1))
    publish(suites, results, info, s, command, args.out if write else None)
    if not write:
        print(f"wrote {json_path} (RESULTS.md only on a full run or with --write)")
    bad = [m for m in results.items if m.error or m.check == "MISMATCH"]
    for m in bad:
        print(f"PROBLEM: {m.contender} on {m.workload}-{m.size}-{m.chunking}: {m.error or m.check}")
    return 1 if bad else 0


def publish(
    suites: list[Suite],
    results: Results,
    info: dict[str, Any],
    s: Settings,
    command: str,
    out: Path | None,
) -> None:
    """Print the report; with ``out``, write RESULTS.md, plot.svg and README_SECTION.md."""
    print()
    print(report.stdout_report(suites, results, info, s))
    if out is None:
        return
    (out / "RESULTS.md").write_text(report.results_markdown(suites, results, info, s, command))
    plotted = [suite for suite in suites if suite.plot]
    if plotted:
        (out / "plot.svg").write_text(report.svg_plot(plotted[0], results))
    (out / "README_SECTION.md").write_text(report.readme_section(results, info))
    print(f"wrote {out / 'RESULTS.md'}, plot.svg and README_SECTION.md")


def rerender(path: Path, out: Path) -> int:
    """Write the reports again from a saved results JSON, without measuring anything."""
    data = json.loads(path.read_text())
    results = Results()
    for raw in data["results"]:
        raw.pop("seconds", None)
        results.add(Measurement(**raw))
    info = data["machine"]
    for key in ("load_before", "load_after"):
        info[key] = tuple(info[key]) if info.get(key) else None
    suites = [SUITES[name] for name in data.get("suites", SUITES) if name in SUITES]
    command = data.get("command", "python -m benchmarks")
    publish(suites, results, info, Settings(**data["settings"]), command, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
