"""Turn results into text: progress lines, markdown tables, RESULTS.md, the README section and a
hand-written log-log SVG plot (no plotting dependency)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from html import escape
from typing import Any

from . import memory
from .contenders import CONTENDERS
from .probe import footnote
from .results import (
    ESTIMATE_WINDOW,
    NOT_RUN,
    Measurement,
    Results,
    Settings,
    fmt_ratio,
    sig3,
)
from .suites import DOCUMENTED_QUADRATIC, SUITES, Suite, Target
from .workloads import CHUNKINGS, DEFAULT_SEED, LLM_MEAN, SIZE_LABELS, WORKLOADS

# -- cells ------------------------------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "-"
    if seconds >= 1:
        value, unit = seconds, "s"
    elif seconds >= 1e-3:
        value, unit = seconds / 1e-3, "ms"
    else:
        value, unit = seconds / 1e-6, "µs"
    return f"{value:,.0f} {unit}" if value >= 1000 else f"{sig3(value)} {unit}"


def fmt_size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.2f} MB" if n_bytes >= 999_500 else f"{n_bytes / 1000:.1f} KB"


def _time_cell(m: Measurement | None) -> str:
    if m is None:
        return "-"
    if m.error:
        return "not run" if m.error.startswith(NOT_RUN) else "error"
    text = ("~" if m.estimated else "") + fmt_time(m.seconds) + (" est." if m.estimated else "")
    return text + (" ⚠ wrong value" if m.check == "MISMATCH" else "")


def _versus_cells(
    results: Results, key: tuple[str, str, str], base: str, peers: Iterable[str]
) -> list[str]:
    """The base's time, then each peer's time with (peer time / base time)."""
    cells = [_time_cell(results.get(*key, base))]
    for peer in peers:
        ratio = results.speedup(*key, peer, base)
        cells.append(
            _time_cell(results.get(*key, peer)) + (f" ({fmt_ratio(ratio)})" if ratio else "")
        )
    return cells


def progress_line(m: Measurement, label: str = "") -> str:
    label = label or CONTENDERS[m.contender].label
    if m.error:
        return f"{label:<15} {'' if m.error.startswith(NOT_RUN) else 'ERROR '}{m.error}"
    how = (
        "estimated from sampled prefixes, not run"
        if m.estimated
        else f"{len(m.samples)} runs, median; value {m.check}"
    )
    return (
        f"{label:<15} {_time_cell(m):>14}  {m.mb_per_s:9.2f} MB/s  "
        f"{m.us_per_chunk:10.3f} us/chunk  ({how})"
    )


def _table(header: list[str], rows: Iterable[list[str]], align: str = "") -> str:
    align = align or "l" * len(header)
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _chunking_label(chunking: str, short: bool = False) -> str:
    if short:
        return {"llm": "LLM chunks", "whole": "whole text"}.get(chunking, chunking)
    if chunking == "llm":
        return f"LLM chunks (1-12 chars, mean {LLM_MEAN:.2f})"
    if chunking == "whole":
        return "whole text (one chunk)"
    return chunking.replace("fixed-", "") + "-char chunks"


# -- sections ---------------------------------------------------------------------------------


def suite_tables(suite: Suite, results: Results) -> str:
    """One table per chunking or, for a one-size suite such as the sweep, per workload."""
    results = results.view(suite.name)
    base, peers = suite.base, suite.contenders[1:]
    by_chunking = len(suite.sizes) > 1
    out = []
    for group in suite.chunkings if by_chunking else suite.workloads:
        if by_chunking:
            keys = [(w, s, group) for w in suite.workloads for s in suite.sizes]
        else:
            keys = [(group, s, c) for s in suite.sizes for c in suite.chunkings]
        rows = []
        for key in keys:
            measured = [m for c in suite.contenders if (m := results.get(*key, c))]
            if not measured:
                continue
            workload, _, chunking = key
            if by_chunking:
                first = [workload, fmt_size(measured[0].n_bytes)]
            else:
                first = [_chunking_label(chunking).replace(" (one chunk)", "")]
            m = results.get(*key, base)
            speed = [f"{m.mb_per_s:.2f}", f"{m.us_per_chunk:.2f}"] if m else ["-", "-"]
            time, *versus = _versus_cells(results, key, base, peers)
            rows.append([*first, f"{measured[0].n_chunks:,}", time, *speed, *versus])
        if not rows:
            continue
        head = ["workload", "size"] if by_chunking else ["chunks of"]
        backend = _backend_label(results.get(*key, base) for key in keys)
        header = [*head, "chunks", CONTENDERS[base].label + backend, "MB/s", "µs/chunk"]
        header += [CONTENDERS[p].label for p in peers]
        title = _chunking_label(group) if by_chunking else f"{group}, {SIZE_LABELS[suite.sizes[0]]}"
        align = "l" * len(head) + "r" * (len(header) - len(head))
        out.append(f"**{title}**\n\n" + _table(header, rows, align))
    return "\n\n".join(out)


def _footnoted(suite: Suite, results: Results) -> tuple[dict[str, int], list[str]]:
    """Footnote numbers for a suite's contenders, and the footnotes: what one pass does,
    what its partial values show (probe.py), whether its final value matched."""
    numbers: dict[str, int] = {}
    notes: list[str] = []
    for name in suite.contenders:
        mine = [m for m in results.items if m.contender == name and m.suite == suite.name]
        if not mine:
            continue
        c = CONTENDERS[name]
        checks = {m.check for m in mine if not m.error and m.check != "n/a"}
        if c.expect is None:
            check = "Builds no value to check"
        elif "MISMATCH" in checks:
            check = "**Its final value differed from `json.loads` in this run** (⚠)"
        elif checks == {"ok"}:
            check = "Its final value matched in every case it ran in this run"
        else:
            check = "Its value was not checked: every case was estimated, not run"
        numbers[name] = len(notes) + 1
        probed = results.extra.get("probes", {}).get(name)
        shows = footnote(probed) if c.snapshots else "none shown"
        notes.append(
            f"{len(notes) + 1}. **{c.label}**: {c.note}.  Partial values: {shows}.  {check}."
        )
    return numbers, notes


def transposed_tables(
    suite: Suite, results: Results, chunkings: tuple[str, ...] = (), marks: bool = True
) -> str:
    """Per (workload, chunking): a row per contender, a column per size, then the exponent.

    Cells are the median time and (peer time / base time); the footnote number after a
    contender's name points to what it does and shows."""
    view = results.view(suite.name)
    numbers, _ = _footnoted(suite, results)
    base = suite.base
    out = []
    for workload, chunking in suite.cases():
        if chunkings and chunking not in chunkings:
            continue
        sizes = [
            size
            for size in suite.sizes
            if any(view.find(workload, size, chunking, c) for c in suite.contenders)
        ]
        if not sizes:
            continue
        rows = []
        for name in suite.contenders:
            found = [view.find(workload, size, chunking, name) for size in sizes]
            cells = []
            for size, m in zip(sizes, found, strict=True):
                ratio = view.speedup(workload, size, chunking, name, base)
                shown = ratio is not None and name != base
                cells.append(_time_cell(m) + (f" ({fmt_ratio(ratio)})" if shown else ""))
            if all(cell == "-" for cell in cells):
                continue
            mark = f" [{numbers[name]}]" if marks and name in numbers else ""
            label = CONTENDERS[name].label + _backend_label(found) + mark
            if suite.fit_sizes:
                e = view.exponent(workload, suite.fit_sizes, chunking, name, best=True)
                cells.append("-" if e is None else f"{e:.2f}")
            rows.append([label, *cells])
            rows += _shadow_rows(suite, view, (workload, chunking), sizes, name)
        header = [
            f"{workload}, {_chunking_label(chunking, short=True)}",
            *(SIZE_LABELS[s] for s in sizes),
        ]
        if suite.fit_sizes:
            header.append("exponent")
        out.append(_table(header, rows, "l" + "r" * (len(header) - 1)))
    return "\n\n".join(out)


def _backend_label(found: Iterable[Measurement | None]) -> str:
    """`` (compiled)`` after unspool's name: which backend measured the figures of a row."""
    backends = sorted({m.backend for m in found if m is not None and m.backend})
    return f" ({' / '.join(backends)})" if backends else ""


def _shadow_rows(
    suite: Suite, view: Results, case: tuple[str, str], sizes: list[str], name: str
) -> list[list[str]]:
    """unspool's pure-Python figures under its compiled ones, with (time / the base's)."""
    workload, chunking = case
    shadows = [view.shadow(workload, size, chunking, name) for size in sizes]
    if not any(shadows):
        return []
    cells = []
    for size, m in zip(sizes, shadows, strict=True):
        b = view.get(workload, size, chunking, suite.base)
        ratio = m.seconds / b.seconds if m is not None and not m.error and b is not None else None
        cells.append(_time_cell(m) + (f" ({fmt_ratio(ratio)})" if ratio else ""))
    if suite.fit_sizes:
        cells.append("")
    return [[CONTENDERS[name].label + _backend_label(shadows), *cells]]


def exponents_table(suites: list[Suite], results: Results) -> str:
    """Per suite that fits exponents: a row per contender, a column per (workload, chunking)."""
    tables = []
    for suite in suites:
        if not suite.fit_sizes:
            continue
        cols = [(w, c) for w in suite.workloads for c in suite.chunkings]
        view = results.view(suite.name)
        rows = []
        for name in suite.contenders:
            row = [CONTENDERS[name].label]
            for workload, chunking in cols:
                best, median = (
                    view.exponent(workload, suite.fit_sizes, chunking, name, best)
                    for best in (True, False)
                )
                est = any(
                    m.estimated
                    for s in suite.fit_sizes
                    if (m := view.get(workload, s, chunking, name))
                )
                if best is None or median is None:
                    row.append("-")
                else:
                    row.append(f"{best:.3f} / {median:.3f}" + (" (est.)" if est else ""))
            if any(cell != "-" for cell in row[1:]):
                rows.append(row)
        if rows:
            header = ["contender", *(f"{w}, {c}" for w, c in cols)]
            table = _table(header, rows, "l" + "r" * len(cols))
            tables.append(f"**{suite.title}**\n\n{table}")
    return "\n\n".join(tables)


def _linearity(suites: list[Suite], results: Results) -> str:
    tables = exponents_table(suites, results)
    if not tables:
        return ""
    measured = {m.size for m in results.items}
    sizes = dict.fromkeys(s for suite in suites for s in suite.fit_sizes if s in measured)
    return (
        "## Linearity\n\n"
        "Least-squares slope of log(time) against log(size) over "
        f"{', '.join(SIZE_LABELS[size] for size in sizes)}: 1.0 is linear, 2.0 "
        "quadratic.  Each cell is *best-pass fit / median fit*: the first fits the fastest pass "
        "at each size (load from other processes only adds time, so on a shared machine the "
        "minimum is the steadiest measure of the cost), the second the medians of the tables.  "
        "The linearity target is judged on the best-pass fit.\n\n" + tables
    )


def targets_table(targets: list[Target], backend: str = "") -> str:
    verdict = {True: "met", False: "**missed**", None: "not measured"}
    header = ["target", *(["backend"] if backend else []), "this run", ""]
    rows = ([t.goal, *([backend] if backend else []), t.figure, verdict[t.met]] for t in targets)
    return _table(header, rows)


def _backend(results: Results) -> str:
    """unspool's backend in the headline figures of these results (compiled where both
    backends measured a case; "python" before issue 11's compiled build)."""
    return " / ".join(results.backends()) or "python"


def _range(ratios: list[float]) -> str:
    lo, hi = fmt_ratio(min(ratios)), fmt_ratio(max(ratios))
    return lo if lo == hi else f"{lo}-{hi}"


def peer_notes(suites: list[Suite], results: Results) -> list[str]:
    """Say plainly where a peer beats the base, per chunking (per workload for the sweep)."""
    notes = []
    for suite in suites:
        view = results.view(suite.name)
        by_chunking = len(suite.sizes) > 1
        for peer in suite.contenders[1:]:
            parts = []
            for group in suite.chunkings if by_chunking else suite.workloads:
                wins: list[tuple[str, float]] = []
                losses: list[float] = []
                for m in view.items:
                    if m.contender != peer or (m.chunking if by_chunking else m.workload) != group:
                        continue
                    r = view.speedup(m.workload, m.size, m.chunking, peer, suite.base)
                    if r is None:
                        continue
                    if r < 1:
                        where = m.workload if by_chunking else _chunking_label(m.chunking)
                        wins.append((f"{where} {SIZE_LABELS[m.size]}", 1 / r))
                    else:
                        losses.append(r)
                name = _chunking_label(group, short=True) if by_chunking else group
                if wins and not losses:
                    parts.append(f"{name}: faster on every case, by {_range([x for _, x in wins])}")
                elif wins:
                    listed = ", ".join(f"{w} ({fmt_ratio(x)})" for w, x in wins)
                    parts.append(f"{name}: faster on {listed}; slower on the rest")
                elif losses:
                    parts.append(f"{name}: slower on every case (unspool {_range(losses)} faster)")
            if not parts:
                continue
            extra = ""
            if peer == "json.loads":
                extra = " (C, sees the whole text once, cannot stream: the floor, not a rival)"
            elif CONTENDERS[peer].reparse is not None:
                extra = " (one chunk is one parse; more chunks cost O(buffer) each)"
            label = CONTENDERS[peer].label
            notes.append(f"[{suite.name}] **{label}**{extra}: " + "; ".join(parts) + ".")
    return notes


def _settings_line(s: Settings) -> str:
    return (
        f"median of up to {s.repeats} passes (at most ~{s.cell_budget:g} s of samples per cell), "
        f"`time.{s.clock}`, gc disabled during each pass, seed {DEFAULT_SEED}, "
        f"re-parse budget {s.reparse_budget:g} s"
    )


def _machine_line(info: dict[str, Any]) -> str:
    load = info.get("load_before")
    load_text = f", load average {load[0]:.2f} at start" if load else ""
    return (
        f"{info['date']}, {info['python']}, {info['cpu']}, {info['cpus_usable']} usable CPUs"
        f" of {info['cpu_count']}{load_text}"
    )


# The README's generated section sits between these markers; ``python -m benchmarks --check``
# (run by CI) fails when it is not what benchmarks/results.json renders.
README_BEGIN, README_END = (
    "<!-- benchmarks:begin (generated by python -m benchmarks) -->",
    ("<!-- benchmarks:end -->"),
)


def _sections(
    suites: list[Suite], results: Results, mem: dict[str, Any] | None, to_file: bool
) -> list[str]:
    """What stdout and RESULTS.md share: targets, tables with footnotes, memory, peer notes."""
    out = []
    for suite in suites:
        if targets := suite.targets(results.view(suite.name)):
            table = targets_table(targets, _backend(results.view(suite.name)))
            out.append(f"## Targets ({suite.name})\n\n" + table)
    for suite in suites:
        transposed = len(suite.sizes) > 1
        body = transposed_tables(suite, results) if transposed else suite_tables(suite, results)
        if not body:
            continue
        if suite.plot and to_file:
            body = (
                "![time against size, log-log, per contender](plot.svg)\n\n"
                "Hollow markers and dashed lines: estimated, not run.\n\n" + body
            )
        base = CONTENDERS[suite.base].label
        how = (
            f"Median time of one pass; (Nx) after a peer's time = peer time / {base} time, so "
            f"above 1 {base} is faster."
        )
        if suite.fit_sizes:
            how += (
                "  exponent: least-squares slope of log(time) against log(size) over "
                f"{', '.join(SIZE_LABELS[s] for s in suite.fit_sizes)}, fitted to the fastest "
                "pass at each size (load from other processes only adds time): 1.0 is linear, "
                "2.0 quadratic."
            )
        _, notes = _footnoted(suite, results)
        footnotes = "\n\n" + "\n".join(notes) if notes and transposed else ""
        out.append(f"## {suite.title}\n\n{how}\n\n{body}{footnotes}")
    if mem or to_file:
        text = memory.markdown(mem) if mem else "Not measured in this run."
        out.append("## Memory: one Splitter over a long NDJSON stream\n\n" + text)
    if notes := peer_notes([s for s in suites if s.name in ("parser", "splitter")], results):
        out.append("## Where peers are faster\n\n" + "\n".join(f"- {n}" for n in notes))
    return out


def stdout_report(
    suites: list[Suite],
    results: Results,
    info: dict[str, Any],
    s: Settings,
    mem: dict[str, Any] | None,
) -> str:
    head = [f"Machine: {_machine_line(info)}.", f"Timing: {_settings_line(s)}."]
    return "\n\n".join(head + _sections(suites, results, mem, to_file=False))


def results_markdown(
    suites: list[Suite],
    results: Results,
    info: dict[str, Any],
    s: Settings,
    command: str,
    mem: dict[str, Any] | None,
) -> str:
    load_b, load_a = info.get("load_before"), info.get("load_after")
    loads = "unknown"
    if load_b and load_a:
        loads = " at start, ".join("/".join(f"{x:.2f}" for x in load) for load in (load_b, load_a))
        loads += " at end"
    machine = [
        ["date", info["date"]],
        ["python", info["python"]],
        ["platform", info["platform"]],
        ["cpu", f"{info['cpu']}: {info['cpus_usable']} usable of {info['cpu_count']}"],
        ["load average (1/5/15 min)", loads],
        ["unspool", f"{info['unspool']}, backend {info.get('backend', 'python')}"],
        ["ijson", info["ijson"]],
        *([name, v] for name, v in info.get("versions", {}).items() if name != "ijson"),
        ["wall time of the run", f"{info.get('wall_seconds', '?')} s"],
    ]
    out = [
        "# unspool benchmark results",
        f"Generated by `{command}` (benchmarks/run.py) into benchmarks/results.json and "
        "rendered from it; do not edit by hand.  These figures were taken on a loaded 2-core "
        "machine shared with other work: compare contenders within one run (their samples "
        "are interleaved), not across runs.",
        "## Machine\n\n" + _table(["", ""], machine),
        *_sections(suites, results, mem, to_file=True),
        method_markdown(results, s),
        "<details><summary>Every measurement</summary>\n\n" + detail_table(results) + "\n\n"
        "</details>",
    ]
    return "\n\n".join(out) + "\n"


def method_markdown(results: Results, s: Settings) -> str:
    lines = [
        "## Method",
        "",
        "- Workloads (seeded, deterministic; `json.dumps(obj, indent=2, ensure_ascii=False)`, "
        "then every `é` written as `\\u00e9` and every 🚀 as the surrogate pair "
        "`\\ud83d\\ude80`):",
    ]
    for name in dict.fromkeys(m.workload for m in results.items):
        lines.append(f"  - `{name}`: {WORKLOADS[name].description}.")
    lines.append(
        f"- Chunkings: `llm` = seeded random sizes 1-12 characters weighted like LLM tokens "
        f"(mean {LLM_MEAN:.2f}); `whole` = one chunk; `fixed-N` = N characters.  Chunks are "
        "cut (and encoded to bytes for ijson) before any timing; every contender streams the "
        "same list.  A chunk never splits a character."
    )
    lines.append(
        "- Contenders, in one process; on each case their samples are taken round-robin (one "
        "pass of each in turn), so load from other processes falls on all of them alike:"
    )
    for name in CONTENDERS:
        if any(m.contender == name for m in results.items):
            lines.append(f"  - **{CONTENDERS[name].label}**: {CONTENDERS[name].note}.")
    lines.append(
        f"- Timing: {_settings_line(s)}.  The first pass is a warm-up "
        "and checks the final value against `json.loads` (all matched unless marked ⚠).  "
        "Passes shorter than 20 ms are looped so each sample lasts about 20 ms.  On a busy "
        "machine, `--clock process_time` (CPU time of this process only) is steadier."
    )
    lines.append(
        "- The jiter re-parse costs O(buffer) per chunk.  Before running it, the runner "
        f"re-parses {s.estimate_points} windows of {ESTIMATE_WINDOW} consecutive buffers spread "
        "evenly over the stream (each window three times, median) and adds the per-chunk costs "
        "up to the full pass; above the budget that estimate is reported (marked `est.`) "
        "instead of a run."
    )
    checks = [
        f"{m.workload} {SIZE_LABELS[m.size]} {m.chunking}: {m.estimate / m.seconds:.2f}"
        for m in results.items
        if m.estimate is not None and not m.estimated and m.samples and m.n_chunks > 1000
    ]
    if checks:
        lines[-1] += "  Where the full pass was run too, estimate / measured = "
        lines[-1] += "; ".join(checks) + "."
    return "\n".join(lines)


def detail_table(results: Results) -> str:
    rows = []
    for m in results.items:
        spread = f"{fmt_time(min(m.samples))} - {fmt_time(max(m.samples))}" if m.samples else "-"
        rows.append(
            [
                m.suite,
                f"{m.workload} {SIZE_LABELS[m.size]} {m.chunking}",
                CONTENDERS[m.contender].label,
                _time_cell(m),
                f"{m.mb_per_s:.2f}" if not m.error else "-",
                f"{m.us_per_chunk:.3f}" if not m.error else "-",
                "est." if m.estimated else str(len(m.samples)),
                spread,
                m.error or m.check,
            ]
        )
    header = ["suite", "case", "contender", "median", "MB/s", "µs/chunk", "runs", "min - max"]
    return _table([*header, "value"], rows, "lllrrrrrl")


def readme_section(results: Results, info: dict[str, Any], mem: dict[str, Any] | None) -> str:
    """The README's Performance section, between its markers, rendered from results.json."""
    parser = SUITES["parser"]
    _, notes = _footnoted(parser, results)
    whole = [
        f"{SIZE_LABELS[s]} {w} {m.mb_per_s:.0f} MB/s"
        for w in ("article", "records")
        for s in ("100k", "1m")
        if (m := results.view("parser").get(w, s, "whole", "unspool"))
    ]
    lines = [
        "`python -m benchmarks` (about half an hour; `--quick` for a smoke run, `--check` to "
        "compare this section with `benchmarks/results.json`) streams seeded, LLM-shaped JSON "
        "-- a string-heavy `article` and a structure-heavy `records` list, 0.5 KB to 1 MB -- in "
        "chunks of 1-12 characters (mean about 4, like model tokens), and times every parser a "
        "user might pick instead on the very same chunks, in one process, reading the value "
        "after every chunk.  This section, `benchmarks/RESULTS.md` (method, every measurement, a "
        "chunk-size sweep) and `benchmarks/plot.svg` (time against size, log-log) in the source "
        "tree are generated from `benchmarks/results.json`; CI fails if they differ.",
        "",
        f"Median time of one stream; (Nx) = peer time / unspool time, so above 1 unspool is "
        f"faster; unspool's backend: {_backend(results)}.  {_machine_line(info)}: a loaded "
        "2-core machine shared with other work, so read the ratios, not the absolute times.",
        "",
        transposed_tables(parser, results, ("llm",)),
        "",
        "The whole text in one chunk: " + (", ".join(whole) or "not measured") + ".",
        "",
        text_plot(parser, results, "article"),
        "",
        *notes,
        "",
    ]
    if models := transposed_tables(SUITES["models"], results, marks=False):
        lines += [
            "Typed partial models (`stream_model`, a Pydantic `Article` after every chunk) "
            "against pydantic's `experimental_allow_partial` re-validation and the SDKs' "
            "jiter + `model_construct`:",
            "",
            models,
            "",
        ]
    if split := transposed_tables(SUITES["splitter"], results, ("llm",), marks=False):
        lines += [
            "`Splitter` (each item the moment it closes) against ijson's `items_coro`:",
            "",
            split,
            "",
        ]
    if hostile := adversarial_table(results):
        lines += [
            "Hostile shapes (issue 13): cost exponent from 10 KB to 1 MB, target <= 1.05 "
            "(1.0 is linear, 2.0 quadratic; a size whose smaller sizes predict over 20 s is not "
            "run).  One long string whose snapshot is read after every chunk is the documented "
            "exception: each read copies the string so far, O(length), as in every parser that "
            "shows growing strings; `iter_events` reads none and stays linear.",
            "",
            hostile,
            "",
        ]
    targets = [
        t for name in ("parser", "splitter", "models") for t in _suite_targets(name, results)
    ]
    if targets:
        lines += [
            "Issue 11's targets for the compiled backend, judged on this run:",
            "",
            targets_table(targets, _backend(results)),
            "",
        ]
    lines += [
        memory.summary(mem) if mem else "Memory: not measured in this run.",
        "",
    ]
    return "\n".join(lines)


def adversarial_table(results: Results) -> str:
    """One row per hostile shape, one column per consumer: the cost exponent from 10 KB to
    1 MB against the target (<= 1.05), and the time at the largest size that ran."""
    suite = SUITES["adversarial"]
    view = results.view(suite.name)
    rows = []
    for workload, chunking in suite.cases():
        row = [f"{workload}, {_chunking_label(chunking)}"]
        for name in suite.contenders:
            ran = [m for size in suite.sizes if (m := view.get(workload, size, chunking, name))]
            if not suite.applies(workload, name) or not ran:
                row.append("-")
                continue
            e = view.exponent(workload, suite.fit_sizes, chunking, name, best=True)
            exempt = (workload, name) in DOCUMENTED_QUADRATIC
            verdict = "exempt" if exempt else "met" if e is not None and e <= 1.05 else "**missed**"
            if e is None:
                verdict = "not measured"
            last = ran[-1]
            at = f"{fmt_time(last.seconds)} at {SIZE_LABELS[last.size]}"
            row.append(f"{'-' if e is None else f'{e:.2f}'} {verdict}; {at}")
        if any(cell != "-" for cell in row[1:]):
            rows.append(row)
    header = ["shape, chunks", *(CONTENDERS[c].label for c in suite.contenders)]
    return _table(header, rows, "l" + "r" * len(suite.contenders)) if rows else ""


TEXT_W, TEXT_H = 72, 18  # the text plot's grid: columns (size) and rows (time)
# The text plot's series: unspool and one of each kind of peer (plot.svg has them all).
TEXT_SERIES = (
    "unspool",
    "json.loads",
    "jiter",
    "partial-json-parser",
    "sjp-native",
    "sjp-pure",
    "ijson-items",
)


def text_plot(suite: Suite, results: Results, workload: str, chunking: str = "llm") -> str:
    """A log-log plot of time against size in plain text (the README cannot link an image
    that the package index would show): one letter per contender, lower case where the time
    is estimated; where marks meet, the one listed first is drawn."""
    view = results.view(suite.name)
    names = [n for n in TEXT_SERIES if n in suite.contenders]
    letters = dict(zip(names, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", strict=False))
    points = [
        (math.log10(m.n_bytes), math.log10(m.seconds), name, m.estimated)
        for name in reversed(names)  # the first listed is drawn last, on top
        for size in suite.sizes
        if (m := view.get(workload, size, chunking, name)) and m.seconds > 0
    ]
    if not points:
        return ""
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    y0, y1 = math.floor(min(p[1] for p in points)), math.ceil(max(p[1] for p in points))
    grid = [[" "] * TEXT_W for _ in range(TEXT_H)]
    for x, y, name, estimated in points:
        col = round((x - x0) / max(x1 - x0, 1e-9) * (TEXT_W - 1))
        row = TEXT_H - 1 - round((y - y0) / max(y1 - y0, 1) * (TEXT_H - 1))
        grid[row][col] = letters[name].lower() if estimated else letters[name]
    decades = {
        round((y1 - d) / max(y1 - y0, 1) * (TEXT_H - 1)): _time_label(d) for d in range(y0, y1 + 1)
    }
    width = max(len(label) for label in decades.values())
    lines = [f"{workload}, {_chunking_label(chunking)}: time per stream against size, log-log"]
    lines += [
        f"{decades.get(row, ''):>{width}} |" + "".join(cells).rstrip()
        for row, cells in enumerate(grid)
    ]
    lines.append(" " * (width + 1) + "+" + "-" * TEXT_W)
    ticks = [" "] * (width + TEXT_W + 12)
    free = 0  # the first column a tick label may use without touching the previous one
    for size in suite.sizes:
        m = next((m for m in view.items if m.workload == workload and m.size == size), None)
        if m is None:
            continue
        col = width + 2 + round((math.log10(m.n_bytes) - x0) / max(x1 - x0, 1e-9) * (TEXT_W - 1))
        label = SIZE_LABELS[size]
        start = max(free, col - len(label) // 2)
        if start + len(label) <= len(ticks) and start <= col:
            ticks[start : start + len(label)] = label
            free = start + len(label) + 1
    lines.append("".join(ticks).rstrip())
    legend = [f"{letters[n]} {CONTENDERS[n].label}" for n in names]
    lines += ["", *("   ".join(legend[i : i + 4]) for i in range(0, len(legend), 4))]
    lines.append("(lower case: estimated, not run; where marks meet, the first listed is drawn)")
    return "```text\n" + "\n".join(lines) + "\n```"


def _suite_targets(name: str, results: Results) -> list[Target]:
    view = results.view(name)
    return SUITES[name].targets(view) if view.items else []


def listing() -> str:
    lines = ["suites:"]
    lines += [f"  {s.name:<14} {s.title}" for s in SUITES.values()]
    lines.append("workloads:")
    lines += [f"  {w.name:<14} {w.description}" for w in WORKLOADS.values()]
    lines.append("chunkings: " + ", ".join(CHUNKINGS))
    lines.append("contenders:")
    lines += [f"  {c.name:<14} {c.note}" for c in CONTENDERS.values()]
    return "\n".join(lines)


# -- SVG plot ---------------------------------------------------------------------------------

_COLORS = {
    "unspool": "#d62728",
    "unspool-events": "#ff7f0e",
    "splitter": "#d62728",
    "json.loads": "#000000",
    "jiter": "#1f77b4",
    "ijson-items": "#2ca02c",
    "ijson-at": "#2ca02c",
    "ijson-events": "#17becf",
    "ijson-python": "#98df8a",
    "pydantic-core": "#aec7e8",
    "sjp-native": "#8c564b",
    "sjp-pure": "#c49c94",
    "jsonriver": "#e377c2",
    "partial-json-parser": "#bcbd22",
    "langchain": "#9467bd",
    "json-repair": "#7f7f7f",
    "stream-model": "#d62728",
    "pydantic-partial": "#1f77b4",
    "jiter-construct": "#aec7e8",
    "parser-model": "#ff7f0e",
}
PANEL_W, PANEL_H = 430, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 14, 30, 40


def _size_label(x: int) -> str:
    names = {2: "100 B", 3: "1 KB", 4: "10 KB", 5: "100 KB", 6: "1 MB", 7: "10 MB", 8: "100 MB"}
    return names.get(x, f"1e{x} B")


def _time_label(y: int) -> str:
    units = ("ns", "µs", "ms", "s")
    index = min(max((y + 9) // 3, 0), 3)
    value = 10 ** (y + 9 - 3 * index)
    return f"{value:,} {units[index]}"


def _legend(suite: Suite, width: int) -> tuple[list[str], int]:
    """One entry per contender, wrapped into rows; returns the SVG and its height."""
    out = []
    x, y = 10.0, 16
    for name in suite.contenders:
        color = _COLORS.get(name, "#9467bd")
        label = escape(CONTENDERS[name].label)
        step = 36 + 6.3 * len(label)
        if x + step > width - 10:
            x, y = 10.0, y + 18
        out.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{color}" stroke-width="2.5"/>'
            f'<circle cx="{x + 11}" cy="{y}" r="3.5" fill="{color}"/>'
            f'<text x="{x + 27}" y="{y + 4}">{label}</text>'
        )
        x += step
    y += 18
    out.append(
        f'<text x="{width - 10}" y="{y + 4}" text-anchor="end" fill="#555">'
        "hollow/dashed = estimated</text>"
    )
    return out, y + 16


def svg_plot(suite: Suite, results: Results) -> str:
    """Log-log time against size, one panel per (chunking, workload), one line per contender."""
    results = results.view(suite.name)
    panels = [(c, w) for c in suite.chunkings for w in suite.workloads]
    ncols = len(suite.workloads)
    nrows = math.ceil(len(panels) / ncols)
    width = ncols * PANEL_W
    legend, legend_h = _legend(suite, width)
    height = legend_h + nrows * PANEL_H
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        *legend,
    ]
    sizes = [math.log10(m.n_bytes) for m in results.items if m.error is None]
    xrange = (min(sizes, default=3.0) - 0.12, max(sizes, default=6.0) + 0.12)
    for index, (chunking, workload) in enumerate(panels):
        ox = (index % ncols) * PANEL_W
        oy = legend_h + (index // ncols) * PANEL_H
        svg += _panel(suite, results, workload, chunking, (ox, oy), xrange)
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def _panel(
    suite: Suite,
    results: Results,
    workload: str,
    chunking: str,
    origin: tuple[float, float],
    xrange: tuple[float, float],
) -> list[str]:
    ox, oy = origin
    x0, x1 = xrange
    series = []
    for name in suite.contenders:
        points = [
            (math.log10(m.n_bytes), math.log10(m.seconds), m.estimated)
            for size in suite.sizes
            if (m := results.get(workload, size, chunking, name)) and m.seconds > 0
        ]
        if points:
            series.append((name, points))
    title = f"{workload}, {_chunking_label(chunking)}"
    out = [f'<text x="{ox + LEFT}" y="{oy + 18}" font-weight="bold">{escape(title)}</text>']
    if not series:
        return out
    ys = [p[1] for _, pts in series for p in pts]
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))
    pw, ph = PANEL_W - LEFT - RIGHT, PANEL_H - TOP - BOTTOM

    def px(v: float) -> float:
        return ox + LEFT + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return oy + TOP + ph - (v - y0) / max(y1 - y0, 1) * ph

    for gx in range(math.ceil(x0), math.floor(x1) + 1):
        out.append(
            f'<line x1="{px(gx):.1f}" y1="{py(y0):.1f}" x2="{px(gx):.1f}" y2="{py(y1):.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{px(gx):.1f}" y="{py(y0) + 15:.1f}" text-anchor="middle">'
            f"{_size_label(gx)}</text>"
        )
    for gy in range(y0, y1 + 1):
        out.append(
            f'<line x1="{px(x0):.1f}" y1="{py(gy):.1f}" x2="{px(x1):.1f}" y2="{py(gy):.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{px(x0) - 5:.1f}" y="{py(gy) + 4:.1f}" text-anchor="end">'
            f"{escape(_time_label(gy))}</text>"
        )
    out.append(
        f'<rect x="{px(x0):.1f}" y="{py(y1):.1f}" width="{pw}" height="{ph}" fill="none" '
        'stroke="#999"/>'
        f'<text x="{ox + LEFT + pw / 2:.1f}" y="{oy + PANEL_H - 6}" text-anchor="middle" '
        'fill="#555">size of the JSON text (log)</text>'
        f'<text transform="translate({ox + 12},{oy + TOP + ph / 2:.1f}) rotate(-90)" '
        'text-anchor="middle" fill="#555">time per stream (log)</text>'
    )
    for name, points in series:
        color = _COLORS.get(name, "#9467bd")
        width = 2.5 if name == suite.base else 1.6
        for (ax, ay, ae), (bx, by, be) in itertools.pairwise(points):
            dash = ' stroke-dasharray="5,4"' if ae or be else ""
            out.append(
                f'<line x1="{px(ax):.1f}" y1="{py(ay):.1f}" x2="{px(bx):.1f}" y2="{py(by):.1f}" '
                f'stroke="{color}" stroke-width="{width}"{dash}/>'
            )
        for vx, vy, est in points:
            fill = "white" if est else color
            out.append(
                f'<circle cx="{px(vx):.1f}" cy="{py(vy):.1f}" r="3.5" fill="{fill}" '
                f'stroke="{color}" stroke-width="1.5"/>'
            )
    return out
