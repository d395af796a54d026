"""Time unspool side by side with its peers on LLM-shaped JSON, in one process.

    python -m benchmarks                   # the full run (a few minutes): every suite and the
                                           # memory demo; writes RESULTS.md, plot.svg and
                                           # README_SECTION.md
    python -m benchmarks --quick           # parser suite up to 100 KB, 3 repeats (~10 s)
    python -m benchmarks --suite splitter --size 100k --chunking llm --contender splitter,jiter
    python -m benchmarks --memory [--mb N] [--trace] [--write]
    python -m benchmarks --profile article [--size 1m] [--chunking whole]
    python -m benchmarks --from-json benchmarks/results/latest.json
    python -m benchmarks --list

Method.  Each case (workload x size x chunking) is generated and chunked once, before any
timing; every contender then streams the same chunk list.  A pass is timed with
``time.perf_counter`` (``--clock process_time`` counts this process's CPU time only) with the
garbage collector disabled (``gc.collect()`` first).

The first pass is a warm-up that also checks the result.  Then up to ``Settings.repeats``
passes (5; 3 with ``--quick``) are timed and the median is reported: fewer when a pass is long
(at most about ``cell_budget`` seconds of samples per cell; a first pass over 0.5 s is warm
enough to count), and a very short pass is looped so that one sample lasts about 20 ms.
Samples are taken round-robin across the contenders of a case, so a burst of load from other
processes falls on all of them alike.

A re-parse contender (jiter) costs O(buffer) per chunk.  Before running it, the runner
estimates the whole pass from windows of consecutive chunks spread evenly over the stream;
when the estimate exceeds the re-parse budget it reports the estimate, marked "est.", instead
of running it.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import itertools
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timezone
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import memory, report
from .contenders import CONTENDERS, Case, Contender, Run
from .results import ESTIMATE_POINTS, ESTIMATE_WINDOW, QUICK, Measurement, Results, Settings
from .suites import QUICK_SUITES, SUITES, Suite
from .workloads import CHUNKINGS, DEFAULT_SEED, SIZE_LABELS, SIZES, WORKLOADS

HERE = Path(__file__).resolve().parent
WARM_ENOUGH = 0.5  # seconds: a first pass this long is already warm, keep it as a sample
MIN_SAMPLE = 0.02  # seconds: shorter passes are looped so one sample lasts about this long
CLOCKS = {"perf_counter": time.perf_counter, "process_time": time.process_time}
clock = time.perf_counter  # set from --clock


# -- timing -----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """One call of ``fn`` with the gc off; its result is freed after the clock stops."""
    gc.collect()
    gc.disable()
    try:
        start = clock()
        result = fn()
        elapsed = clock() - start
    finally:
        gc.enable()
    return elapsed, result


@dataclass
class Plan:
    """How one contender is sampled on one case, decided by its warm-up pass."""

    m: Measurement
    fn: Callable[[], Any]  # one sample: a pass, or a loop of ``inner`` passes
    inner: int
    remaining: int


def warm_up(run: Run, contender: Contender, case: Case, m: Measurement, s: Settings) -> Plan:
    """Time a first pass, check its value, and decide the number and shape of samples."""
    first, result = timed(run)
    if contender.expect is not None:
        m.check = "ok" if result == contender.expect(case) else "MISMATCH"
    del result
    if first >= WARM_ENOUGH:  # long enough to be warm already: keep it as a sample
        m.samples.append(first)
        return Plan(m, run, 1, max(1, min(s.repeats, int(s.cell_budget / first))) - 1)
    inner = max(1, int(MIN_SAMPLE / max(first, 1e-9)))
    remaining = max(1, min(s.repeats, int(s.cell_budget / (first * inner))))
    return Plan(m, lambda: [run() for _ in range(inner)], inner, remaining)


def estimate_reparse(case: Case, step: Callable[[str], Any]) -> float:
    """The full pass's time, summed from windows of chunks spread evenly over the stream.

    Each window re-parses ``ESTIMATE_WINDOW`` consecutive buffers back to back (three times,
    median), so the parser runs as warm as in the real loop; the per-chunk cost at each
    window, times the chunks it stands for, adds up to the estimate (stratified sampling).
    """
    ends = list(itertools.accumulate(len(chunk) for chunk in case.chunks))
    n = len(ends)
    k = min(ESTIMATE_POINTS, max(1, n // ESTIMATE_WINDOW))
    total = 0.0
    gc.collect()
    gc.disable()
    try:
        for j in range(k):
            first = min(max(0, int((j + 0.5) * n / k) - ESTIMATE_WINDOW // 2), n - 1)
            buffers = [case.text[: ends[i]] for i in range(first, min(n, first + ESTIMATE_WINDOW))]
            times = []
            for _ in range(3):
                start = clock()
                for buffer in buffers:
                    step(buffer)
                times.append(clock() - start)
            total += statistics.median(times) / len(buffers)
    finally:
        gc.enable()
    return total * n / k


def measure_case(
    contenders: list[Contender], case: Case, suite: Suite, s: Settings
) -> list[Measurement]:
    """Every contender on one case, sampled round-robin (one pass of each in turn)."""
    measurements, plans = [], []
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
        measurements.append(m)
        try:
            run = contender.prepare(case)
            step = contender.reparse(case) if contender.reparse else None
            if step is not None and len(case.chunks) > 1:
                m.estimate = estimate_reparse(case, step)
                if m.estimate > (suite.reparse_budget or s.reparse_budget):
                    m.estimated = True
                    continue
            plans.append(warm_up(run, contender, case, m, s))
        except Exception as err:  # report it in the table, keep measuring the others
            m.error = f"{type(err).__name__}: {err}"
    while plans := [plan for plan in plans if plan.remaining > 0]:
        for plan in plans:
            plan.remaining -= 1
            try:
                plan.m.samples.append(timed(plan.fn)[0] / plan.inner)
            except Exception as err:
                plan.m.error = f"{type(err).__name__}: {err}"
                plan.remaining = 0
    return measurements


# -- running suites ---------------------------------------------------------------------------


@cache
def _text(workload: str, size: str) -> tuple[str, Any]:
    text = WORKLOADS[workload].make(SIZES[size], DEFAULT_SEED)
    return text, WORKLOADS[workload].load(text)


def make_case(workload: str, size: str, chunking: str) -> Case:
    text, expected = _text(workload, size)
    chunks = CHUNKINGS[chunking](text, DEFAULT_SEED)
    assert "".join(chunks) == text
    return Case(WORKLOADS[workload], size, chunking, text, chunks, expected)


def run_suite(
    suite: Suite, s: Settings, results: Results, filters: dict[str, list[str] | None]
) -> None:
    def pick(values: Iterable[str], kind: str) -> list[str]:
        return [v for v in values if not filters[kind] or v in filters[kind]]

    contenders = [CONTENDERS[c] for c in pick(suite.contenders, "contender")]
    if not contenders:
        return
    for workload, size, chunking in itertools.product(
        pick(suite.workloads, "workload"),
        pick(suite.sizes, "size"),
        pick(suite.chunkings, "chunking"),
    ):
        case = make_case(workload, size, chunking)
        print(
            f"[{suite.name}] {workload} {SIZE_LABELS[size]} {chunking}: "
            f"{len(case.data):,} bytes, {len(case.chunks):,} chunks",
            file=sys.stderr,
        )
        fresh = []
        for contender in contenders:
            # A long re-parse pass (seconds; its ratios are large) is measured once per case
            # and shared between suites.
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

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    commit = _git("rev-parse", "--short", "HEAD")
    if commit and _git("status", "--porcelain", "--", "src"):
        commit += " (src/ modified)"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "load_before": os.getloadavg(),
        "unspool": f"{unspool.__version__} @ {commit or 'unknown commit'}",
        "jiter": version("jiter"),
        "ijson": f"{version('ijson')} ({ijson.backend})",
    }


def profile(workload: str, size: str, chunking: str, name: str) -> None:
    """cProfile one contender on one case and print the top functions; for unspool, then
    time its layers without the profiler."""
    case = make_case(workload, size, chunking)
    run = CONTENDERS[name].prepare(case)
    plain = statistics.median(timed(run)[0] for _ in range(3))
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
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(15)
    if name.startswith("unspool"):
        print(layers(case))


def layers(case: Case) -> str:
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
        parser = unspool.Parser(multiple=multiple, events=False)
        feed = parser.feed
        for chunk in chunks:
            feed(chunk)
        parser.close()
        return parser.value

    steps = [
        ("the bare loop over the chunks", loop_only),
        ("+ Tokenizer.feed (tokens only)", tokenizer_only),
        ("+ Parser(events=False).feed (the value)", parser_no_reads),
        ("+ read .value after every chunk", CONTENDERS["unspool"].prepare(case)),
        ("+ events", CONTENDERS["unspool-events"].prepare(case)),
    ]
    lines = [f"Layers on {case.name}, {len(chunks):,} chunks (median of 5, no profiler):"]
    previous = 0.0
    for label, fn in steps:
        t = statistics.median(timed(fn)[0] for _ in range(5))
        lines.append(
            f"  {label:<42} {t * 1e3:9.2f} ms  {t / len(chunks) * 1e6:7.3f} us/chunk  "
            f"(this layer {max(t - previous, 0) / len(chunks) * 1e6:+.3f} us/chunk)"
        )
        previous = t
    return "\n".join(lines)


def publish(
    suites: list[Suite],
    results: Results,
    info: dict[str, Any],
    s: Settings,
    command: str,
    mem: dict[str, Any] | None,
    write: bool,
) -> None:
    """Print the report; with ``write``, write RESULTS.md, plot.svg and README_SECTION.md."""
    print()
    print(report.stdout_report(suites, results, info, s, mem))
    if not write:
        return
    markdown = report.results_markdown(suites, results, info, s, command, mem)
    (HERE / "RESULTS.md").write_text(markdown)
    if plotted := [suite for suite in suites if suite.plot]:
        (HERE / "plot.svg").write_text(report.svg_plot(plotted[0], results))
    (HERE / "README_SECTION.md").write_text(report.readme_section(results, info, mem))
    print(f"wrote {HERE / 'RESULTS.md'}, plot.svg and README_SECTION.md")


def rerender(path: Path) -> None:
    """Write the reports again from a saved results JSON, without measuring anything."""
    data = json.loads(path.read_text())
    results = Results()
    for raw in data["results"]:
        raw.pop("seconds", None)
        results.add(Measurement(**raw))
    known = {f.name for f in fields(Settings)}
    s = Settings(**{k: v for k, v in data["settings"].items() if k in known})
    suites = [SUITES[name] for name in data["suites"]]
    publish(suites, results, data["machine"], s, data["command"], data.get("memory"), True)


def _names(known: Iterable[str]) -> Callable[[str], list[str]]:
    """An argparse type: comma-separated names, each one of ``known``."""
    known = list(known)

    def parse(text: str) -> list[str]:
        names = [part.strip() for part in text.split(",") if part.strip()]
        if unknown := [name for name in names if name not in known]:
            raise argparse.ArgumentTypeError(
                f"unknown: {', '.join(unknown)} (known: {', '.join(known)})"
            )
        return names

    return parse


FILTERS = {"workload": WORKLOADS, "size": SIZES, "chunking": CHUNKINGS, "contender": CONTENDERS}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark unspool against json.loads, the jiter re-parse and ijson (C). "
        "Without options: every suite and the memory demo, written to RESULTS.md, plot.svg "
        "and README_SECTION.md.",
    )
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument(
        "--memory",
        action="store_true",
        help="only the memory demo: --mb of NDJSON through one Splitter, peak memory as it goes",
    )
    mode.add_argument(
        "--profile",
        metavar="WORKLOAD",
        choices=sorted(WORKLOADS),
        help="cProfile unspool (or the first --contender) on one case (--size, default 100k; "
        "--chunking, default llm), then time unspool's layers without the profiler",
    )
    mode.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: rewrite RESULTS.md etc. from a saved results/latest.json",
    )
    mode.add_argument("--list", action="store_true", help="list suites, workloads, contenders")
    ap.add_argument("--quick", action="store_true", help="parser suite up to 100 KB, 3 repeats")
    ap.add_argument("--suite", type=_names(SUITES), help=f"comma-separated: {', '.join(SUITES)}")
    for kind, known in FILTERS.items():
        ap.add_argument(f"--{kind}", type=_names(known), help=f"filter: {', '.join(known)}")
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="perf_counter",
        help="process_time ignores time spent waiting for a busy CPU (shared machines)",
    )
    ap.add_argument("--mb", type=float, default=100.0, help="memory demo: MB to stream (100)")
    ap.add_argument(
        "--trace", action="store_true", help="memory demo: add tracemalloc's peak (much slower)"
    )
    ap.add_argument(
        "--write",
        action="store_true",
        help="write RESULTS.md, plot.svg, README_SECTION.md from a partial run (a full run "
        "always does); with --memory, replace only their memory block",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    global clock
    args = parse_args(argv)
    clock = CLOCKS[args.clock]
    if args.list:
        print(report.listing())
        return 0
    if args.profile:
        size, chunking, contender = (getattr(args, k) for k in ("size", "chunking", "contender"))
        profile(
            args.profile,
            size[0] if size else "100k",
            chunking[0] if chunking else "llm",
            contender[0] if contender else "unspool",
        )
        return 0
    if args.from_json:
        rerender(args.from_json)
        return 0
    if args.memory:
        mem = memory.run(args.mb, args.trace)
        print(memory.markdown(mem))
        if args.write:
            report.splice_memory(HERE, mem)
        return 0

    filters = {kind: getattr(args, kind) for kind in FILTERS}
    full_run = not (args.quick or args.suite or any(filters.values()))
    if args.quick and not filters["size"]:
        filters["size"] = ["1k", "10k", "100k"]
    s = replace(QUICK if args.quick else Settings(), clock=args.clock)
    suites = [SUITES[name] for name in args.suite or (QUICK_SUITES if args.quick else SUITES)]
    info = machine_info()
    started = time.perf_counter()
    # First, while the process is small: its peak RSS is what the Splitter's stream adds.
    mem = memory.run(args.mb, args.trace) if full_run else None
    results = Results()
    for suite in suites:
        run_suite(suite, s, results, filters)
    info["load_after"] = os.getloadavg()
    info["wall_seconds"] = round(time.perf_counter() - started, 1)
    command = " ".join(["python -m benchmarks", *(argv or sys.argv[1:])])
    json_path = HERE / "results" / "latest.json"
    json_path.parent.mkdir(exist_ok=True)
    data = {
        "command": command,
        "suites": [suite.name for suite in suites],
        "machine": info,
        "settings": asdict(s),
        "memory": mem,
        "results": [m.to_json() for m in results.items],
    }
    json_path.write_text(json.dumps(data, indent=1))
    publish(suites, results, info, s, command, mem, full_run or args.write)
    if not (full_run or args.write):
        print(f"wrote {json_path} (RESULTS.md only on a full run or with --write)")
    bad = [m for m in results.items if m.error or m.check == "MISMATCH"]
    for m in bad:
        print(f"PROBLEM: {m.contender} on {m.workload}-{m.size}-{m.chunking}: {m.error or m.check}")
    return 1 if bad else 0
