"""Time unspool side by side with every peer a user would pick instead, in one process.

    python -m benchmarks                   # the full run (about half an hour on a loaded
                                           # machine): every suite and the memory demo, saved
                                           # to results.json and rendered into RESULTS.md,
                                           # plot.svg, README_SECTION.md and README.md
    python -m benchmarks --quick           # CI smoke run: small cases, every value checked
    python -m benchmarks --check           # CI: README/RESULTS.md/plot == render(results.json)
    python -m benchmarks --from-json       # render results.json again (after a report change)
    python -m benchmarks --suite adversarial --size 10k,100k --contender unspool
    python -m benchmarks --suite adversarial --merge   # re-measure one suite in results.json
    python -m benchmarks --memory [--mb N] [--trace] [--write]
    python -m benchmarks --profile article [--size 1m] [--chunking whole]
    python -m benchmarks --list

Method.  Each case (workload x size x chunking) is generated and chunked once, before any
timing; every contender then streams the same chunk list.  A pass is timed with
``time.process_time`` (this process's CPU time, so that other work on a shared machine weighs
less; ``--clock perf_counter`` for wall time) with the garbage collector disabled
(``gc.collect()`` first).

The first pass is a warm-up that also checks the result against ``json.loads`` with the same
types (``probe.same``).  Then up to ``Settings.repeats`` passes (5; ``--repeats`` for steadier
medians on a noisy machine) are timed and the median is reported: fewer when a pass is long
(at most about ``cell_budget`` seconds of samples per cell; a first pass over 0.5 s is warm
enough to count), and a very short pass is looped so that one sample lasts about
``min_sample``.  Samples are taken round-robin across the
contenders of a case, so a burst of load from other processes falls on all of them alike.

A re-parse contender costs O(buffer) per chunk.  Before running it, the runner estimates the
whole pass from windows of consecutive chunks spread evenly over the stream; when the estimate
exceeds the re-parse budget it reports the estimate, marked "est.", instead of running it.  A
suite with an ``escalate_budget`` (the hostile shapes) skips a size that its smaller sizes
predict to take longer than that, and says so ("not run").

A later compiled backend (issue 11) shows up as ``unspool.BACKEND``; every unspool row records
the backend it ran on, and the targets table says which backend it judged.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import itertools
import json
import math
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
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import memory, probe, report
from .contenders import BACKEND, CONTENDERS, Case, Contender, Run
from .results import (
    ESTIMATE_WINDOW,
    NOT_RUN,
    QUICK,
    Measurement,
    Results,
    Settings,
)
from .suites import QUICK_SIZES, QUICK_SUITES, SUITES, Suite
from .workloads import CHUNKINGS, DEFAULT_SEED, SIZE_LABELS, SIZES, WORKLOADS

HERE = Path(__file__).resolve().parent
WARM_ENOUGH = 0.5  # seconds: a first pass this long is already warm, keep it as a sample
CLOCKS = {"perf_counter": time.perf_counter, "process_time": time.process_time}
clock = time.process_time  # set from --clock


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
        m.check = "ok" if probe.same(result, contender.expect(case)) else "MISMATCH"
    del result
    if first >= WARM_ENOUGH:  # long enough to be warm already: keep it as a sample
        m.samples.append(first)
        return Plan(m, run, 1, max(1, min(s.repeats, int(s.cell_budget / first))) - 1)
    inner = max(1, int(s.min_sample / max(first, 1e-9)))
    remaining = max(1, min(s.repeats, int(s.cell_budget / (first * inner))))
    return Plan(m, lambda: [run() for _ in range(inner)], inner, remaining)


def estimate_reparse(case: Case, step: Callable[[str], Any], points: int, budget: float) -> float:
    """The full pass's time, summed from windows of chunks spread evenly over the stream.

    Each window re-parses ``ESTIMATE_WINDOW`` consecutive buffers back to back (three times,
    median), so the parser runs as warm as in the real loop; the per-chunk cost at each
    window, times the chunks it stands for, adds up to the estimate (stratified sampling).
    A coarse estimate from a few windows comes first: far over the budget (a pure-Python
    re-parse of a 1 MB stream: hours), it is what is reported, refining it would take minutes.
    """
    coarse = _windows(case, step, min(points, 4), repeats=1)
    if coarse > 4 * budget:
        return coarse
    return _windows(case, step, points, repeats=3)


def _windows(case: Case, step: Callable[[str], Any], points: int, repeats: int) -> float:
    ends = list(itertools.accumulate(len(chunk) for chunk in case.chunks))
    n = len(ends)
    k = min(points, max(1, n // ESTIMATE_WINDOW))
    total = 0.0
    gc.collect()
    gc.disable()
    try:
        for j in range(k):
            first = min(max(0, int((j + 0.5) * n / k) - ESTIMATE_WINDOW // 2), n - 1)
            buffers = [case.text[: ends[i]] for i in range(first, min(n, first + ESTIMATE_WINDOW))]
            times = []
            for _ in range(repeats):
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
            backend=BACKEND if contender.unspool else "",
        )
        measurements.append(m)
        try:
            run = contender.prepare(case)
            step = contender.reparse(case) if contender.reparse else None
            if step is not None and len(case.chunks) > 1:
                budget = suite.reparse_budget or s.reparse_budget
                m.estimate = estimate_reparse(case, step, s.estimate_points, budget)
                if m.estimate > budget:
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


def _predicted(suite: Suite, results: Results, case: Case, contender: str) -> float | None:
    """This pass's time as the suite's smaller sizes predict it (the fitted exponent, or 2
    from one size: hostile shapes may be quadratic), or None with nothing to go by."""
    view = results.view(suite.name)
    done = [
        m
        for size in suite.sizes
        if (m := view.get(case.workload.name, size, case.chunking, contender))
        and m.n_bytes < len(case.data)
    ]
    if not done:
        return None
    exponent = 2.0
    if len(done) >= 2:
        exponent = max(
            1.0,
            view.exponent(
                case.workload.name, tuple(m.size for m in done), case.chunking, contender, True
            )
            or 2.0,
        )
    last = done[-1]
    return last.seconds * math.pow(len(case.data) / last.n_bytes, exponent)


def run_suite(
    suite: Suite, s: Settings, results: Results, filters: dict[str, list[str] | None]
) -> None:
    def pick(values: Iterable[str], kind: str) -> list[str]:
        wanted = filters[kind]
        return [v for v in values if not wanted or v in wanted]

    contenders = [CONTENDERS[c] for c in pick(suite.contenders, "contender")]
    if not contenders:
        return
    pairs = [
        (w, c)
        for w, c in suite.cases()
        if w in pick([w], "workload") and c in pick([c], "chunking")
    ]
    for (workload, chunking), size in itertools.product(pairs, pick(suite.sizes, "size")):
        case = make_case(workload, size, chunking)
        print(
            f"[{suite.name}] {workload} {SIZE_LABELS[size]} {chunking}: "
            f"{len(case.data):,} bytes, {len(case.chunks):,} chunks",
            file=sys.stderr,
        )
        fresh = []
        for contender in contenders:
            if not suite.applies(workload, contender.name):
                continue
            # A long re-parse pass (seconds; its ratios are large) is measured once per case
            # and shared between suites.
            old = results.get(workload, size, chunking, contender.name)
            predicted = _predicted(suite, results, case, contender.name)
            if contender.reparse and old is not None and old.seconds > WARM_ENOUGH:
                results.add(replace(old, suite=suite.name))
                label = f"{contender.label} (from the {old.suite} suite)"
                print("    " + report.progress_line(old, label), file=sys.stderr)
            elif suite.escalate_budget and predicted and predicted > suite.escalate_budget:
                m = Measurement(
                    suite.name,
                    workload,
                    size,
                    chunking,
                    contender.name,
                    n_bytes=len(case.data),
                    n_chunks=len(case.chunks),
                    error=f"{NOT_RUN}: smaller sizes predict ~{predicted:.0f} s",
                )
                results.add(m)
                print("    " + report.progress_line(m), file=sys.stderr)
            else:
                fresh.append(contender)
        for m in measure_case(fresh, case, suite, s):
            results.add(m)
            print("    " + report.progress_line(m), file=sys.stderr)


def idle_parser_bytes(n: int = 1000) -> int:
    """Memory of one open, idle Parser: mid-document (``{"answer": `` fed), waiting for the
    next chunk; traced allocations of ``n`` of them, divided by ``n``."""
    import tracemalloc

    import unspool

    unspool.Parser().feed('{"answer": ')  # warm any caches first
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parsers = [unspool.Parser() for _ in range(n)]
        for parser in parsers:
            parser.feed('{"answer": ')
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del parsers
    return round((after - before) / n)


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
        "backend": BACKEND,
        "jiter": version("jiter"),
        "ijson": f"{version('ijson')} ({ijson.backend})",
        "versions": _versions(),
    }


def _versions() -> dict[str, str]:
    """The installed version of every peer's distribution (``bench`` extra)."""
    out = {}
    for name in sorted({c.package for c in CONTENDERS.values() if c.package} | {"pydantic"}):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


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


RESULTS_FILE = HERE / "results.json"  # committed: what the README section is rendered from
LATEST_FILE = HERE / "results" / "latest.json"  # a partial run's results (not committed)
README = HERE.parent / "README.md"


def render(data: dict[str, Any]) -> dict[Path, str]:
    """RESULTS.md, plot.svg and README_SECTION.md from a results file's data: nothing is
    measured and nothing depends on the clock, so the same file always renders the same."""
    results = Results(extra=data.get("extra", {}))
    for raw in data["results"]:
        raw = dict(raw)
        raw.pop("seconds", None)
        results.add(Measurement(**raw))
    known = {f.name for f in fields(Settings)}
    s = Settings(**{k: v for k, v in data["settings"].items() if k in known})
    suites = [SUITES[name] for name in data["suites"] if name in SUITES]
    info, mem = data["machine"], data.get("memory")
    out = {
        HERE / "RESULTS.md": report.results_markdown(
            suites, results, info, s, data["command"], mem
        ),
        HERE / "README_SECTION.md": report.readme_section(results, info, mem),
    }
    if plotted := [suite for suite in suites if suite.plot]:
        out[HERE / "plot.svg"] = report.svg_plot(plotted[0], results)
    return out


def splice_readme(readme: str, section: str) -> str:
    """The README with ``section`` between its benchmark markers."""
    begin, end = report.README_BEGIN, report.README_END
    start, stop = readme.find(begin), readme.find(end)
    if start < 0 or stop < start:
        raise SystemExit(f"README.md has no {begin} ... {end} markers")
    return readme[: start + len(begin)] + "\n" + section + readme[stop:]


def write_outputs(data: dict[str, Any]) -> None:
    """Write the results file and everything rendered from it, README section included."""
    RESULTS_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    for path, text in render(data).items():
        path.write_text(text)
    section = (HERE / "README_SECTION.md").read_text()
    README.write_text(splice_readme(README.read_text(), section))
    print(f"wrote {RESULTS_FILE.name}, RESULTS.md, plot.svg, README_SECTION.md and README.md")


def check() -> int:
    """CI: the README section, RESULTS.md and the plot are exactly what results.json renders
    (so no figure in them was copied or edited by hand)."""
    data = json.loads(RESULTS_FILE.read_text())
    rendered = render(data)
    expected = {
        **rendered,
        README: splice_readme(README.read_text(), rendered[HERE / "README_SECTION.md"]),
    }
    stale = [
        path for path, text in expected.items() if not path.exists() or path.read_text() != text
    ]
    for path in stale:
        print(
            f"{path.relative_to(HERE.parent)} is not what {RESULTS_FILE.name} renders",
            file=sys.stderr,
        )
    if stale:
        print(
            "run `python -m benchmarks --from-json` (or a full run) and commit the result",
            file=sys.stderr,
        )
        return 1
    print(f"benchmark check: README.md, RESULTS.md, plot.svg match {RESULTS_FILE.name}")
    return 0


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


FILTERS: dict[str, Iterable[str]] = {
    "workload": WORKLOADS,
    "size": SIZES,
    "chunking": CHUNKINGS,
    "contender": CONTENDERS,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark unspool against every peer a user would pick instead. Without "
        "options: every suite and the memory demo, saved to benchmarks/results.json and "
        "rendered into RESULTS.md, plot.svg, README_SECTION.md and the README's section.",
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
        nargs="?",
        const=RESULTS_FILE,
        metavar="PATH",
        help="measure nothing: render RESULTS.md, the plot and the README section again from "
        "a results file (default benchmarks/results.json; another file replaces it)",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="measure nothing: fail unless the README section, RESULTS.md and the plot are "
        "what benchmarks/results.json renders (CI)",
    )
    mode.add_argument("--list", action="store_true", help="list suites, workloads, contenders")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run (CI): parser, models and adversarial suites at 0.5 and 10 KB, one "
        "short sample per cell; checks every contender's value",
    )
    ap.add_argument("--suite", type=_names(SUITES), help=f"comma-separated: {', '.join(SUITES)}")
    for kind, known in FILTERS.items():
        ap.add_argument(f"--{kind}", type=_names(known), help=f"filter: {', '.join(known)}")
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="process_time",
        help="process_time (the default) ignores time spent waiting for a busy CPU",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=Settings.repeats,
        help=f"timed samples per cell, at most ({Settings.repeats}); more give steadier medians "
        "on a noisy machine",
    )
    ap.add_argument("--mb", type=float, default=20.0, help="memory demo: MB to stream (20)")
    ap.add_argument(
        "--trace", action="store_true", help="memory demo: add tracemalloc's peak (much slower)"
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="replace only the measurements this run made again in benchmarks/results.json "
        "(the rest and the machine line stay; the command line says what was merged) and "
        "render it",
    )
    ap.add_argument(
        "--write",
        action="store_true",
        help="save a partial run as benchmarks/results.json and render it (a full run always "
        "does); with --memory, replace only the memory figures in results.json",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    global clock
    args = parse_args(argv)
    clock = CLOCKS[args.clock]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))  # json.loads of deep-wide
    if args.list:
        print(report.listing())
        return 0
    if args.check:
        return check()
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
        write_outputs(json.loads(args.from_json.read_text()))
        return 0
    if args.memory:
        mem = memory.run(args.mb, args.trace)
        print(memory.markdown(mem))
        if args.write:
            data = json.loads(RESULTS_FILE.read_text())
            write_outputs({**data, "memory": mem})
        return 0
    return measure(args, argv)


def measure(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Run the suites, save the results and, for a full run or ``--write``, render them."""
    filters = {kind: getattr(args, kind) for kind in FILTERS}
    full_run = not (args.quick or args.suite or any(filters.values()))
    if args.quick and not filters["size"]:
        filters["size"] = list(QUICK_SIZES)
    s = replace(QUICK if args.quick else Settings(repeats=args.repeats), clock=args.clock)
    suites = [SUITES[name] for name in args.suite or (QUICK_SUITES if args.quick else SUITES)]
    info = machine_info()
    started = time.perf_counter()
    # First, while the process is small: its peak RSS is what the Splitter's stream adds.
    mem = memory.run(args.mb, args.trace) if full_run else None
    extra = {
        "idle_parser_bytes": idle_parser_bytes(),
        "probes": probe.probe_all(list(CONTENDERS)),
    }
    results = Results(extra=extra)
    for suite in suites:
        run_suite(suite, s, results, filters)
    info["load_after"] = os.getloadavg()
    info["wall_seconds"] = round(time.perf_counter() - started, 1)
    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    data = {
        "command": command,
        "suites": [suite.name for suite in suites],
        "machine": info,
        "settings": asdict(s),
        "memory": mem,
        "extra": extra,
        "results": [m.to_json() for m in results.items],
    }
    print()
    print(report.stdout_report(suites, results, info, s, mem))
    if args.merge:
        write_outputs(merged(json.loads(RESULTS_FILE.read_text()), data))
    elif full_run or args.write:
        write_outputs(data)
    else:
        LATEST_FILE.parent.mkdir(exist_ok=True)
        LATEST_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False))
        print(f"wrote {LATEST_FILE} (results.json and the README only on a full run or --write)")
    return problems(results)


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` results with every measurement that ``new`` made again replaced by ``new``'s."""

    def key(m: dict[str, Any]) -> tuple[str, ...]:
        # By backend too: a compiled run replaces compiled rows and keeps the pure-Python ones.
        case = (m["suite"], m["workload"], m["size"], m["chunking"], m["contender"])
        return (*case, m.get("backend", ""))

    again = {key(m) for m in new["results"]}
    kept = [m for m in old["results"] if key(m) not in again]
    return {
        **old,
        "command": f"{old['command']}, then {new['command']} ({new['machine']['date']}, "
        f"unspool {new['machine']['unspool']})",
        "suites": [*old["suites"], *(name for name in new["suites"] if name not in old["suites"])],
        "extra": _merged_extra(old, new),
        "results": kept + new["results"],
    }


def _merged_extra(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The figures that are not timings.  The idle Parser's bytes are the headline backend's
    (the old run's): a re-run on the other backend (UNSPOOL_PURE_PYTHON=1) keeps them."""
    same_backend = new["machine"].get("backend") == old["machine"].get("backend")
    extra = {**old["extra"], **new["extra"]} if same_backend else {**old["extra"]}
    extra["probes"] = _merged_probes(old, new)
    return extra


def _merged_probes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The new run's probe findings, except where its probe failed (a peer not installed in
    that environment) and the old run's succeeded: a partial re-run must not turn a peer's
    footnote into "the probe failed"."""
    before = old["extra"].get("probes", {})
    probes = {**before}
    for name, found in new["extra"].get("probes", {}).items():
        if "error" not in found or "error" in before.get(name, {"error": ""}):
            probes[name] = found
    return probes


def problems(results: Results) -> int:
    """1 when unspool itself failed or built a wrong value; a peer's wrong value or error is
    a finding, shown in the tables and footnotes, not a failure of the run."""
    bad = 0
    for m in results.items:
        if (m.error and not m.error.startswith(NOT_RUN)) or m.check == "MISMATCH":
            own = CONTENDERS[m.contender].unspool
            bad += own
            what = "PROBLEM" if own else "peer"
            case = f"{m.workload}-{m.size}-{m.chunking}"
            print(f"{what}: {m.contender} on {case}: {m.error or m.check}")
    return 1 if bad else 0
