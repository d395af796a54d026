"""Benchmark: typed partial models while an LLM streams an article (issue 4, item 7).

Three ways to show a live, typed ``Article`` after every chunk of a streamed JSON answer:

- ``unspool``: ``unspool.stream_model(chunks, Article)``: each value validated once when it
  completes, one live partial updated in place, ``final()`` validated once.
- ``pydantic-partial``: after every chunk, ``TypeAdapter(LooseArticle).validate_json(buffer,
  experimental_allow_partial=True)`` on the whole buffer (``LooseArticle``: every field
  optional, as a partial must be); ``Article.model_validate_json`` at the end.
- ``jiter+construct`` (the SDK approach): after every chunk, ``jiter.from_json(buffer,
  partial_mode="trailing-strings")`` and ``Article.model_construct(**value)``;
  ``Article.model_validate_json`` at the end.
- ``parser alone`` (reference, not a peer): ``unspool.Parser`` fed every chunk, no partials,
  then ``Article.model_validate`` once -- the floor that the pure-Python core sets.

The article is LLM-shaped (title, tags, sections of paragraphs, a few scalars), generated at
each size; chunks are seeded random slices of 1-12 characters (LLM tokens).  Each cell is
the median (``--stat min``: the fastest) of ``--repeat`` runs of the whole stream, timed by
CPU time of this process (``--clock wall`` for wall time), so that other work on a shared
machine weighs less.  Run::

    python benchmarks/models_bench.py                 # 10 KB and 100 KB, plus scaling
    python benchmarks/models_bench.py --sizes 10 40 --repeat 3 --scaling   # no scaling table
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable

import jiter
from pydantic import BaseModel, TypeAdapter

import unspool


class Section(BaseModel):
    heading: str
    paragraphs: list[str]


class Article(BaseModel):
    title: str
    summary: str
    tags: list[str]
    reading_minutes: int
    sections: list[Section]
    published: bool
    rating: float
    editor: str | None = None


class LooseSection(BaseModel):
    heading: str | None = None
    paragraphs: list[str] | None = None


class LooseArticle(BaseModel):
    title: str | None = None
    summary: str | None = None
    tags: list[str] | None = None
    reading_minutes: int | None = None
    sections: list[LooseSection] | None = None
    published: bool | None = None
    rating: float | None = None
    editor: str | None = None


WORDS = [
    "stream",
    "token",
    "model",
    "value",
    "chunk",
    "partial",
    "linear",
    "parser",
    "buffer",
    "snapshot",
    "schema",
    "field",
    "validate",
    "answer",
    "user",
    "interface",
    "latency",
    "quadratic",
    "incremental",
    "événement",
    "🎉",
]


def article(size: int, seed: int = 1) -> str:
    """An article of about ``size`` characters, pretty-printed as models tend to emit it."""
    rng = random.Random(seed)

    def sentence(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    sections: list[dict[str, object]] = []
    doc = {
        "title": sentence(6),
        "summary": sentence(25),
        "tags": [rng.choice(WORDS) for _ in range(5)],
        "reading_minutes": 0,
        "sections": sections,
        "published": True,
        "rating": 4.5,
        "editor": None,
    }
    while len(json.dumps(doc, ensure_ascii=False, indent=2)) < size:
        paragraphs = [sentence(rng.randint(15, 70)) for _ in range(rng.randint(2, 5))]
        sections.append({"heading": sentence(4), "paragraphs": paragraphs})
    doc["reading_minutes"] = size // 1200 + 1
    return json.dumps(doc, ensure_ascii=False, indent=2)


def llm_chunks(text: str, seed: int = 7, low: int = 1, high: int = 12) -> list[str]:
    rng = random.Random(seed)
    out = []
    i = 0
    while i < len(text):
        n = rng.randint(low, high)
        out.append(text[i : i + n])
        i += n
    return out


def run_unspool(chunks: list[str]) -> Article:
    with unspool.stream_model(chunks, Article) as stream:
        for _partial in stream:
            pass
        return stream.final()


_LOOSE = TypeAdapter(LooseArticle)


def run_pydantic_partial(chunks: list[str]) -> Article:
    validate = _LOOSE.validate_json
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        validate(buffer, experimental_allow_partial=True)
    return Article.model_validate_json(buffer)


def run_jiter_construct(chunks: list[str]) -> Article:
    from_json = jiter.from_json
    construct = Article.model_construct
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        construct(**from_json(buffer.encode(), partial_mode="trailing-strings"))
    return Article.model_validate_json(buffer)


def run_parser_alone(chunks: list[str]) -> Article:
    parser = unspool.Parser()
    for chunk in chunks:
        parser.feed(chunk)
    parser.close()
    return Article.model_validate(parser.value)


RUNNERS: dict[str, Callable[[list[str]], Article]] = {
    "unspool": run_unspool,
    "pydantic-partial": run_pydantic_partial,
    "jiter+construct": run_jiter_construct,
    "parser alone": run_parser_alone,
}


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
STATS = {"median": statistics.median, "min": min}


def timed(fn: Callable[[list[str]], Article], chunks: list[str], args: argparse.Namespace) -> float:
    clock = CLOCKS[args.clock]
    times = []
    for _ in range(args.repeat):
        start = clock()
        fn(chunks)
        times.append(clock() - start)
    return STATS[args.stat](times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="KB, vs peers")
    ap.add_argument(
        "--scaling", type=int, nargs="*", default=[10, 40, 100, 400], help="KB, unspool only"
    )
    ap.add_argument("--repeat", type=int, default=5, help="runs per cell")
    ap.add_argument("--clock", choices=CLOCKS, default="cpu", help="process CPU or wall time")
    ap.add_argument("--stat", choices=STATS, default="median", help="of the runs per cell")
    ap.add_argument("--seed", type=int, default=7, help="chunking seed")
    args = ap.parse_args(argv)

    print(
        f"Python {sys.version.split()[0]}, chunks of 1-12 characters, "
        f"{args.stat} of {args.repeat} runs, {args.clock} time"
    )
    print()
    print("| size | chunks | " + " | ".join(RUNNERS) + " | vs pydantic-partial | vs jiter |")
    print("|---:|---:|" + "---:|" * (len(RUNNERS) + 2))
    for kb in args.sizes:
        text = article(kb * 1000)
        chunks = llm_chunks(text, args.seed)
        expected = Article.model_validate_json(text)
        times = {}
        for name, fn in RUNNERS.items():
            if fn(chunks) != expected:
                raise SystemExit(f"{name} gave a different article at {kb} KB")
            times[name] = timed(fn, chunks, args)
        base = times["unspool"]
        cells = " | ".join(f"{t * 1e3:.1f} ms" for t in times.values())
        print(
            f"| {kb} KB | {len(chunks)} | {cells} "
            f"| {times['pydantic-partial'] / base:.1f}x | {times['jiter+construct'] / base:.1f}x |"
        )
    if args.scaling:
        print()
        print("unspool alone (linear: 4x the input should cost < 5x the time)")
        print()
        print("| size | chunks | time | MB/s | us/chunk | time / previous size |")
        print("|---:|---:|---:|---:|---:|---:|")
        previous = None
        for kb in args.scaling:
            text = article(kb * 1000)
            chunks = llm_chunks(text, args.seed)
            t = timed(run_unspool, chunks, args)
            ratio = f"{t / previous[1]:.2f}x for {kb / previous[0]:.1f}x" if previous else ""
            print(
                f"| {kb} KB | {len(chunks)} | {t * 1e3:.1f} ms | {len(text) / t / 1e6:.2f} "
                f"| {t / len(chunks) * 1e6:.2f} | {ratio} |"
            )
            previous = (kb, t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
