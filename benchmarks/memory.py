"""Issue 3, item 4: the Splitter's memory stays flat however long the stream.

``python -m benchmarks --memory [--mb N] [--trace]`` streams N MB (default 100) of NDJSON
records through one ``unspool.Splitter``, twice: in LLM-sized chunks (1-12 characters, as in
the suites) and in network-sized chunks (1-8192 characters, one socket read).  The records are
the ``records-ndjson`` workload's lines with fresh ids, generated block by block as they are
fed, so the stream itself is never held.  After 10%, 25%, 50% and 100% of the stream it
records the items so far, the seconds (generating and cutting the text included) and the
process's peak RSS; with ``--trace``, also the peak of the Python allocations that tracemalloc
sees (exact, but about ten times slower, so the default is RSS only).  A splitter that kept
returned items or consumed text would grow with the stream; flat readings show it keeps
neither.
"""

from __future__ import annotations

import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import unspool

from .workloads import DEFAULT_SEED, llm_chunks, make_records_ndjson

MARKS = (0.1, 0.25, 0.5, 1.0)  # fractions of the stream at which memory is read
BLOCK_LINES = 256  # lines generated, cut and fed at a time (about 40 KB)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def blocks() -> Iterator[str]:
    """NDJSON text without end: the workload's records, cycled, each with a fresh id."""
    lines = make_records_ndjson(200_000, DEFAULT_SEED).splitlines()
    tails = [line[line.index(",") :] for line in lines]  # '{"id": 7, ...}' -> ', ...}'
    i = 0
    while True:
        yield "".join(f'{{"id": {n}{tails[n % len(tails)]}\n' for n in range(i, i + BLOCK_LINES))
        i += BLOCK_LINES


def net_chunks(block: str, rng: random.Random) -> list[str]:
    """Cut ``block`` like socket reads: 1 to 8192 characters each."""
    chunks, i = [], 0
    while i < len(block):
        size = rng.randint(1, 8192)
        chunks.append(block[i : i + size])
        i += size
    return chunks


def stream(megabytes: float, chunking: str, trace: bool) -> list[dict[str, Any]]:
    """One pass; a row of readings at each mark."""
    rng = random.Random(DEFAULT_SEED)
    splitter = unspool.Splitter()
    feed = splitter.feed
    llm = chunking == "llm"
    marks = [megabytes * 1e6 * f for f in MARKS]
    rows: list[dict[str, Any]] = []
    fed = items = lines = 0
    if trace:
        tracemalloc.reset_peak()
    start = time.perf_counter()
    for block in blocks():
        chunks = llm_chunks(block, rng.getrandbits(32)) if llm else net_chunks(block, rng)
        for chunk in chunks:
            items += len(feed(chunk))
        fed += len(block.encode())
        lines += BLOCK_LINES
        if fed >= marks[len(rows)]:
            rows.append(
                {
                    "chunking": chunking,
                    "mb": fed / 1e6,
                    "items": items,
                    "seconds": time.perf_counter() - start,
                    "traced_peak_kb": tracemalloc.get_traced_memory()[1] / 1024 if trace else None,
                    "peak_rss_mb": peak_rss_mb(),
                }
            )
            if len(rows) == len(marks):
                break
    items += len(splitter.close())
    if items != lines:
        raise AssertionError(f"{chunking}: {items:,} items from {lines:,} lines")
    return rows


def run(megabytes: float, trace: bool) -> dict[str, Any]:
    """Both chunkings, printing each row as it comes; the result for RESULTS.md."""
    result: dict[str, Any] = {
        "mb": megabytes,
        "trace": trace,
        "start_rss_mb": peak_rss_mb(),
        "rows": [],
    }
    print(f"memory: {megabytes:g} MB of NDJSON through one Splitter", file=sys.stderr)
    if trace:
        tracemalloc.start()
    try:
        for chunking in ("llm", "net"):
            for row in stream(megabytes, chunking, trace):
                result["rows"].append(row)
                print("    " + " | ".join(cells(row)), file=sys.stderr)
    finally:
        if trace:
            tracemalloc.stop()
    return result


HEADER = ("chunks", "fed", "items", "seconds", "traced peak", "peak RSS")
CHUNKS = {"llm": "LLM (1-12 chars)", "net": "network (1-8192)"}


def cells(row: dict[str, Any]) -> list[str]:
    traced = row["traced_peak_kb"]
    return [
        CHUNKS[row["chunking"]],
        f"{row['mb']:.1f} MB",
        f"{row['items']:,}",
        f"{row['seconds']:.1f}",
        "-" if traced is None else f"{traced:,.0f} KB",
        f"{row['peak_rss_mb']:.1f} MB",
    ]


def markdown(result: dict[str, Any]) -> str:
    """The table, for stdout and RESULTS.md."""
    rows = ["| " + " | ".join(cells(row)) + " |" for row in result["rows"]]
    return "\n".join(
        [
            f"{result['mb']:g} MB of NDJSON generated on the fly through one `Splitter()`; "
            f"peak RSS of the whole process before streaming: {result['start_rss_mb']:.1f} MB."
            + ("" if result["trace"] else "  (Run with `--trace` for tracemalloc's peak.)"),
            "",
            "| " + " | ".join(HEADER) + " |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


def summary(result: dict[str, Any]) -> str:
    """One line for the README: the first and last readings of each pass."""
    parts = []
    for chunking, label in CHUNKS.items():
        rows = [row for row in result["rows"] if row["chunking"] == chunking]
        first, last = rows[0], rows[-1]
        text = (
            f"{label.split()[0]} chunks, peak RSS {first['peak_rss_mb']:.1f} MB after "
            f"{first['mb']:.3g} MB and {last['peak_rss_mb']:.1f} MB after {last['mb']:.3g} MB"
        )
        if first["traced_peak_kb"] is not None:
            text += (
                f" (traced peak {first['traced_peak_kb']:,.0f} KB, then "
                f"{last['traced_peak_kb']:,.0f} KB)"
            )
        parts.append(text)
    return (
        f"Memory (`python -m benchmarks --memory`): {result['mb']:g} MB of NDJSON generated on "
        "the fly through one `Splitter`: " + "; ".join(parts) + "."
    )
