"""Benchmarks of ``unspool.Splitter`` (issue 3, items 4 and 8), a standalone CLI.

    python benchmarks/splitter_bench.py compare        # item 8: side by side with peers
    python benchmarks/splitter_bench.py memory         # item 4: 100 MB of NDJSON, flat memory
    python benchmarks/splitter_bench.py all

``compare`` splits LLM-shaped records -- 1 MB of them at ``/items`` and the same records as
1 MB of NDJSON -- fed in LLM-sized chunks (seeded random 1-12 characters) and whole, and
prints the median of ``--repeat`` runs for:

- unspool ``Splitter`` fed ``str`` chunks (what LLM SDKs give) and fed ``bytes``;
- ijson's C backend (``items_coro`` at ``items.item``; ``multiple_values=True`` for NDJSON),
  fed pre-encoded ``bytes`` (encoding is not timed), floats as ``float``;
- ``json.loads`` once on the whole text (the floor: no streaming at all);
- jiter re-parsing the whole buffer after every chunk (``partial_mode``), what schema-aware
  streaming helpers do -- quadratic, so it runs on the 100 KB size only.

Ratios are against unspool (str) on the same row group.  The 100 KB rows show linearity.

``memory`` generates NDJSON records on the fly (never holding the stream), feeds ``--mb``
megabytes (default 100) through a Splitter in chunks of ``--chunk`` (``net``: 1-8192
characters, or ``llm``: 1-12), and prints, every tenth of the way, the items so far, the
Python allocations now and at their peak (tracemalloc; ``--no-trace`` skips it, which runs
several times faster) and the process's peak RSS: all stay flat.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import unspool

# -- workloads ---------------------------------------------------------------------------------

WORDS = [
    *("stream", "token", "model", "json", "item", "latency", "buffer", "schema", "field"),
    *("value", "chunk", "parse", "emit", "close", "vector", "widget", "gadget", "rocket"),
    *("garden", "coffee", "planet", "signal"),
]


def record(i: int, rng: random.Random) -> dict[str, Any]:
    """One LLM-shaped record: ids, short strings, a float, a list, a nested object."""
    return {
        "id": i,
        "name": " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).title(),
        "description": " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))) + ".",
        "price": round(rng.uniform(1, 500), 2),
        "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 4))],
        "in_stock": rng.random() < 0.7,
        "rating": {"score": round(rng.uniform(1, 5), 1), "count": rng.randint(0, 9999)},
        "note": None if rng.random() < 0.5 else 'caf\u00e9 \u2014 "quoted"\n\ttabbed',
    }


def records_text(size: int, seed: int = 1) -> tuple[str, str, int]:
    """About ``size`` characters of records: as ``{"items": [...]}`` and as NDJSON."""
    rng = random.Random(seed)
    recs, total = [], 0
    while total < size:
        rec = json.dumps(record(len(recs), rng))
        recs.append(rec)
        total += len(rec) + 2
    return '{"items": [' + ", ".join(recs) + "]}", "\n".join(recs) + "\n", len(recs)


def llm_chunks(text: str, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(text):
        k = rng.randint(1, 12)
        chunks.append(text[i : i + k])
        i += k
    return chunks


# -- contenders --------------------------------------------------------------------------------


def run_unspool(chunks: list[Any], at: str | None) -> int:
    splitter = unspool.Splitter(at)
    n = 0
    for chunk in chunks:
        n += len(splitter.feed(chunk))
    return n + len(splitter.close())


def run_ijson(chunks: list[bytes], at: str | None) -> int:
    import ijson

    backend = ijson.get_backend("yajl2_c")
    items: Any = ijson.sendable_list()
    if at is None:
        coro = backend.items_coro(items, "", multiple_values=True, use_float=True)
    else:
        coro = backend.items_coro(items, "items.item", use_float=True)
    n = 0
    for chunk in chunks:
        coro.send(chunk)
        n += len(items)
        del items[:]
    coro.close()
    return n + len(items)


def run_json_loads(text: str, at: str | None) -> int:
    if at is None:
        return sum(1 for line in text.splitlines() if line and json.loads(line) is not None)
    return len(json.loads(text)["items"])


def run_jiter(chunks: list[bytes], at: str | None) -> int:
    import jiter

    buffer = b""
    value: Any = None
    for chunk in chunks:
        buffer += chunk
        with contextlib.suppress(ValueError):  # a buffer ending where jiter cannot read yet
            value = jiter.from_json(buffer, partial_mode="trailing-strings")
    return len(value["items"]) if value else 0


def median_ms(fn: Callable[..., int], args: tuple[Any, ...], repeat: int, expected: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        n = fn(*args)
        times.append(time.perf_counter() - t0)
        assert n == expected, (fn.__name__, n, expected)
    return statistics.median(times) * 1e3


def compare(repeat: int, sizes: list[int]) -> None:
    import ijson

    print(f"# unspool.Splitter vs peers (median of {repeat}; python {sys.version.split()[0]}, ")
    print(f"# ijson {ijson.__version__} backend yajl2_c)\n")
    print("| workload | size | chunks | contender | median ms | MB/s | vs unspool |")
    print("|---|---|---|---|---:|---:|---:|")
    for size in sizes:
        doc, ndjson, count = records_text(size)
        label = f"{size // 1000} KB" if size < 1_000_000 else f"{size / 1e6:g} MB"
        for name, text, at in (("/items", doc, "/items"), ("NDJSON", ndjson, None)):
            mb = len(text.encode()) / 1e6
            for chunking in ("llm", "whole"):
                chunks = llm_chunks(text) if chunking == "llm" else [text]
                data = [c.encode() for c in chunks]
                runs: list[tuple[str, Callable[..., int], tuple[Any, ...], int]] = [
                    ("unspool (str)", run_unspool, (chunks, at), repeat),
                    ("unspool (bytes)", run_unspool, (data, at), repeat),
                    ("ijson yajl2_c", run_ijson, (data, at), repeat),
                ]
                if chunking == "whole":
                    runs.append(("json.loads once", run_json_loads, (text, at), repeat))
                if at is not None and size <= 200_000 and chunking == "llm":
                    runs.append(("jiter re-parse", run_jiter, (data, at), max(1, repeat // 2)))
                base = 0.0
                for contender, fn, args, times in runs:
                    ms = median_ms(fn, args, times, count)
                    base = base or ms
                    print(
                        f"| {name} | {label} | {chunking} ({len(chunks)}) | {contender} | "
                        f"{ms:.1f} | {mb / (ms / 1e3):.1f} | {ms / base:.2f}x |"
                    )
    print("\n(vs unspool: time relative to unspool (str) on the same workload; below 1 is faster.)")


# -- memory ------------------------------------------------------------------------------------


def record_pool(seed: int = 2) -> list[str]:
    """2000 record lines without their leading id (ndjson_stream adds a fresh one)."""
    rng = random.Random(seed)
    return [json.dumps(record(0, rng))[len('{"id": 0') :] for _ in range(2000)]


def ndjson_stream(megabytes: float, chunk: str, pool: list[str], seed: int = 2) -> Iterator[str]:
    """NDJSON records made on the fly and cut into chunks; the stream is never held."""
    crng = random.Random(seed + 1)
    top = 12 if chunk == "llm" else 8192
    limit = int(megabytes * 1e6)
    produced, i, buffer = 0, 0, ""
    while produced < limit:
        lines = []
        while len(buffer) + sum(map(len, lines)) < 4 * top:
            lines.append(f'{{"id": {i}{pool[i % 2000]}\n')
            i += 1
        buffer += "".join(lines)
        j = 0
        while len(buffer) - j >= top:
            k = crng.randint(1, top)
            yield buffer[j : j + k]
            j += k
            produced += k
        buffer = buffer[j:]
    if buffer:
        yield buffer


def memory(megabytes: float, chunk: str, trace: bool) -> None:
    def rss_mb() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return usage / (1 << 20) if sys.platform == "darwin" else usage / 1024

    print(f"# {megabytes:g} MB of NDJSON in {chunk} chunks through one Splitter\n")
    print("| fed MB | items | seconds | traced now KB | traced peak KB | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    splitter = unspool.Splitter()
    stream = ndjson_stream(megabytes, chunk, record_pool())
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    fed = items = 0
    step = megabytes * 1e6 / 10
    mark = step
    for piece in stream:
        items += len(splitter.feed(piece))
        fed += len(piece)
        if fed >= mark:
            now, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
            print(
                f"| {fed / 1e6:.3g} | {items} | {time.perf_counter() - t0:.1f} | "
                f"{now / 1024:.0f} | {peak / 1024:.0f} | {rss_mb():.1f} |"
            )
            mark += step
    items += len(splitter.close())
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    print(f"\n{items} items in {time.perf_counter() - t0:.1f} s", end="")
    print(f"; traced peak {peak / 1024:.0f} KB" if trace else "", end="")
    print(f"; peak RSS {rss_mb():.1f} MB (the whole process, Python included)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["compare", "memory", "all"], nargs="?", default="all")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="100000,1000000", help="compare: sizes in chars")
    parser.add_argument("--mb", type=float, default=100.0, help="memory: megabytes to stream")
    parser.add_argument("--chunk", choices=["net", "llm"], default="net")
    parser.add_argument("--no-trace", action="store_true", help="memory: RSS only, faster")
    args = parser.parse_args(argv)
    if args.what in ("compare", "all"):
        compare(args.repeat, [int(s) for s in args.sizes.split(",")])
        print()
    if args.what in ("memory", "all"):
        memory(args.mb, args.chunk, not args.no_trace)


if __name__ == "__main__":
    main()
