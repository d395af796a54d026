"""The parsers under test, each wrapped as "one full pass over a prepared chunk list".

A ``Contender``'s ``prepare(case)`` does everything that must not be timed (encoding chunks to
bytes, binding functions) and returns a zero-argument ``run`` that streams the whole case once
and returns what it built.  The runner times ``run()`` only and checks its result once,
outside the timing, against ``expect(case)``.

A re-parse contender (jiter) costs O(buffer) per chunk, so O(n^2) per stream; its ``reparse``
gives the work done on the buffer after one chunk, from which the runner estimates a pass too
long to run (``run.estimate_reparse``).

To add a contender: write a ``prepare`` and add one ``Contender`` to ``CONTENDERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import ijson
import jiter

import unspool

from .workloads import Workload

Run = Callable[[], Any]


@dataclass
class Case:
    """One workload at one size under one chunking: the text and its chunks, made once."""

    workload: Workload
    size: str  # a key of workloads.SIZES
    chunking: str  # a key of workloads.CHUNKINGS
    text: str
    chunks: list[str]
    expected: Any  # workload.load(text)

    @cached_property
    def data(self) -> bytes:
        return self.text.encode()

    @cached_property
    def byte_chunks(self) -> list[bytes]:
        """The same cut points as ``chunks``, as UTF-8 (a character is never split)."""
        return [chunk.encode() for chunk in self.chunks]

    @property
    def name(self) -> str:
        return f"{self.workload.name}-{self.size}-{self.chunking}"


def document(case: Case) -> Any:
    return case.expected


def items(case: Case) -> Any:
    return case.workload.items(case.expected)


@dataclass(frozen=True)
class Contender:
    name: str  # CLI name and key in the results
    label: str  # table header
    note: str  # what exactly one pass does, for RESULTS.md
    prepare: Callable[[Case], Run]
    expect: Callable[[Case], Any] | None = document  # None: builds nothing to check
    # Re-parse contenders: the work after one chunk, or None where a case is not re-parsed.
    reparse: Callable[[Case], Callable[[str], Any] | None] | None = None


def _unspool(events: bool) -> Callable[[Case], Run]:
    def prepare(case: Case) -> Run:
        chunks = case.chunks
        multiple = case.workload.multiple

        def run() -> Any:
            parser = unspool.Parser(multiple=multiple, events=events)
            feed = parser.feed
            for chunk in chunks:
                feed(chunk)
                value = parser.value  # what a UI does after every chunk: read the snapshot
            parser.close()
            value = parser.value
            return value

        return run

    return prepare


def _splitter(case: Case) -> Run:
    chunks = case.chunks
    at = case.workload.item_pointer  # None for NDJSON: each document is an item

    def run() -> Any:
        splitter = unspool.Splitter(at=at)
        feed = splitter.feed
        found: list[Any] = []
        for chunk in chunks:
            found += feed(chunk)
        found += splitter.close()
        return found

    return run


def _json_loads(case: Case) -> Run:
    text = case.text
    loads = case.workload.load  # json.loads, or one json.loads per line for NDJSON

    def run() -> Any:
        return loads(text)

    return run


# -- jiter: what the openai and anthropic SDKs do ---------------------------------------------


def _jiter_step(case: Case) -> Callable[[str], Any] | None:
    if case.workload.multiple:
        return None  # NDJSON: only the open line is re-parsed, which is linear
    from_json = jiter.from_json

    def step(buffer: str) -> Any:
        return from_json(buffer.encode(), partial_mode="trailing-strings")

    return step


def _jiter(case: Case) -> Run:
    chunks = case.chunks
    from_json = jiter.from_json

    def run() -> Any:
        buffer = ""
        value = None
        for chunk in chunks:
            buffer += chunk
            value = from_json(buffer.encode(), partial_mode="trailing-strings")
        return value

    def run_lines() -> Any:
        """NDJSON: parse each finished line once and re-parse only the open line per chunk."""
        done: list[Any] = []
        buffer = ""
        for chunk in chunks:
            buffer += chunk
            if "\n" in buffer:
                *lines, buffer = buffer.split("\n")
                done += [from_json(line.encode()) for line in lines if line.strip()]
            if buffer.strip():
                from_json(buffer.encode(), partial_mode="trailing-strings")
        if buffer.strip():
            done.append(from_json(buffer.encode()))
        return done

    return run_lines if case.workload.multiple else run


# -- ijson, C backend, push interface ---------------------------------------------------------

if ijson.backend != "yajl2_c":  # pragma: no cover - a set-up problem, not a result
    raise SystemExit(f"ijson is using its {ijson.backend!r} backend; the benchmark needs yajl2_c")


def _ijson(items_at: bool) -> Callable[[Case], Run]:
    """``items_coro`` collecting the whole document (prefix ``""``) or, with ``items_at``,
    the elements of the workload's item array (every document, for NDJSON)."""

    def prepare(case: Case) -> Run:
        chunks = case.byte_chunks
        multiple = case.workload.multiple
        pointer = case.workload.item_pointer
        prefix = pointer[1:].replace("/", ".") + ".item" if items_at and pointer else ""

        def run() -> Any:
            sink = ijson.sendable_list()
            coro = ijson.items_coro(sink, prefix, use_float=True, multiple_values=multiple)
            send = coro.send
            for chunk in chunks:
                send(chunk)
            coro.close()
            return sink

        return run

    return prepare


def _ijson_events(case: Case) -> Run:
    chunks = case.byte_chunks

    def run() -> Any:
        sink = ijson.sendable_list()
        coro = ijson.basic_parse_coro(sink, use_float=True)
        send = coro.send
        for chunk in chunks:
            send(chunk)
            if sink:
                del sink[:]  # a consumer drains the events it was sent
        coro.close()
        return None

    return run


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender(
            "unspool",
            "unspool",
            "`Parser(events=False).feed(chunk)` then read `.value` after every chunk, then "
            "`close()`: snapshots only, what `iter_partial` does",
            _unspool(events=False),
        ),
        Contender(
            "unspool-events",
            "unspool +events",
            "`Parser().feed(chunk)`, which also returns the `StringDelta` / `ValueCompleted` "
            "events, then read `.value` after every chunk, then `close()`",
            _unspool(events=True),
        ),
        Contender(
            "json.loads",
            "json.loads",
            "`json.loads(text)` once on the whole text (the floor: no streaming at all)",
            _json_loads,
        ),
        Contender(
            "jiter",
            "jiter re-parse",
            "append the chunk to a `str` buffer, then "
            '`jiter.from_json(buffer.encode(), partial_mode="trailing-strings")` after every '
            "chunk, as the openai and anthropic SDKs do (they pass `partial_mode=True`); for "
            "NDJSON, each finished line is parsed once and only the open line is re-parsed",
            _jiter,
            reparse=_jiter_step,
        ),
        Contender(
            "ijson-items",
            "ijson items",
            '`ijson.items_coro(sink, "", use_float=True)` (yajl2_c backend), `send(bytes)` '
            "per chunk: builds the same final value, no snapshots on the way",
            _ijson(items_at=False),
            expect=lambda case: [case.expected],
        ),
        Contender(
            "ijson-events",
            "ijson events",
            "`ijson.basic_parse_coro(sink, use_float=True)` (yajl2_c), `send(bytes)` per "
            "chunk, events drained per chunk: tokenizing only, builds no value (a lower bound)",
            _ijson_events,
            expect=None,
        ),
        Contender(
            "splitter",
            "unspool Splitter",
            "`Splitter(at=pointer)` (`at=None` for NDJSON), `feed(chunk)` per chunk collecting "
            "the items it returns, then `close()`",
            _splitter,
            expect=items,
        ),
        Contender(
            "ijson-at",
            "ijson items at",
            '`ijson.items_coro(sink, "items.item", use_float=True)` (yajl2_c), or prefix `""` '
            "with `multiple_values=True` for NDJSON, `send(bytes)` per chunk",
            _ijson(items_at=True),
            expect=items,
        ),
    )
}
