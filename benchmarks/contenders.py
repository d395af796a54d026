"""The parsers under test, each wrapped as "one full pass over a prepared chunk list".

A ``Contender`` has a ``prepare(case)`` that does everything that must not be timed (encoding
chunks to bytes, binding functions) and returns a zero-argument ``run`` that streams the whole
case once and returns the final value (or ``None`` if the contender builds no value).  The
runner times ``run()`` only, checks a value-building contender's result against
``json.loads`` once (outside the timing), and never lets a contender see another's state.

Re-parse contenders (jiter) cost O(buffer) per chunk, so O(n^2) per stream; they also give a
``reparse(case)`` step -- the work done on the buffer after one chunk -- from which the runner
estimates a pass that would take too long to run (see ``run.estimate_reparse``).

To add a contender: write a ``prepare`` and add one ``Contender`` to ``CONTENDERS``; it reads
what it needs from ``case.workload`` (``item_pointer``, ``multiple``) and says with ``expect``
what its pass returns (the document, or the items), which the runner checks once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    expected: Any = field(default=None, repr=False)  # json.loads(text), filled by the runner

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
    """What a whole-document contender's pass must return: ``workload.load(text)``."""
    return case.expected


def items(case: Case) -> Any:
    """What a splitter's pass must return: the items, in order."""
    return case.workload.items(case.expected)


@dataclass(frozen=True)
class Contender:
    name: str  # CLI name and key in the results
    label: str  # table header
    note: str  # what exactly one pass does, for RESULTS.md
    prepare: Callable[[Case], Run]
    # What the pass's result must equal (checked once, outside timing); None: builds nothing.
    expect: Callable[[Case], Any] | None = document
    # For a contender that re-parses the buffer after every chunk (O(buffer) each): the work
    # done after one chunk, so the runner can estimate a pass too long to run.  It may return
    # None for a case where the contender does not re-parse the whole buffer.
    reparse: Callable[[Case], Callable[[str], Any] | None] | None = None
    available: bool = True  # False: its library is missing here; the runner skips it


# -- unspool ----------------------------------------------------------------------------------


def _unspool_run(case: Case, events: bool) -> Run:
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


def _unspool(case: Case) -> Run:
    return _unspool_run(case, events=False)


def _unspool_events(case: Case) -> Run:
    return _unspool_run(case, events=True)


# -- json.loads -------------------------------------------------------------------------------


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
    if case.workload.multiple:
        return _jiter_lines(chunks)

    def run() -> Any:
        buffer = ""
        value = None
        for chunk in chunks:
            buffer += chunk
            value = from_json(buffer.encode(), partial_mode="trailing-strings")
        return value

    return run


def _jiter_lines(chunks: list[str]) -> Run:
    """NDJSON: parse each finished line once and re-parse only the open line per chunk."""
    from_json = jiter.from_json

    def run() -> Any:
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

    return run


# -- ijson, C backend, push interface ---------------------------------------------------------

if ijson.backend != "yajl2_c":  # pragma: no cover - a set-up problem, not a result
    raise SystemExit(f"ijson is using its {ijson.backend!r} backend; the benchmark needs yajl2_c")


def _ijson_items(case: Case) -> Run:
    chunks = case.byte_chunks
    multiple = case.workload.multiple

    def run() -> Any:
        sink = ijson.sendable_list()
        coro = ijson.items_coro(sink, "", use_float=True, multiple_values=multiple)
        send = coro.send
        for chunk in chunks:
            send(chunk)
        coro.close()
        return sink[0]

    return run


def ijson_prefix(pointer: str) -> str:
    """ijson's prefix for the elements of the array at a JSON Pointer: "/items" -> "items.item"."""
    keys = [k.replace("~1", "/").replace("~0", "~") for k in pointer.split("/")[1:]]
    return ".".join([*keys, "item"])


def _ijson_at(case: Case) -> Run:
    chunks = case.byte_chunks
    workload = case.workload
    prefix = "" if workload.multiple else ijson_prefix(workload.item_pointer or "")

    def run() -> Any:
        sink = ijson.sendable_list()
        coro = ijson.items_coro(sink, prefix, use_float=True, multiple_values=workload.multiple)
        send = coro.send
        for chunk in chunks:
            send(chunk)
        coro.close()
        return sink

    return run


# -- unspool's Splitter (issue 3) -------------------------------------------------------------


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


def _ijson_events(case: Case) -> Run:
    chunks = case.byte_chunks
    multiple = case.workload.multiple

    def run() -> Any:
        sink = ijson.sendable_list()
        coro = ijson.basic_parse_coro(sink, use_float=True, multiple_values=multiple)
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
            _unspool,
            expect=lambda case: case.expected[-1] if case.workload.multiple else case.expected,
        ),
        Contender(
            "unspool-events",
            "unspool +events",
            "`Parser().feed(chunk)`, which also returns the `StringDelta` / `ValueCompleted` "
            "events, then read `.value` after every chunk, then `close()`",
            _unspool_events,
            expect=lambda case: case.expected[-1] if case.workload.multiple else case.expected,
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
            _ijson_items,
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
            available=hasattr(unspool, "Splitter"),
        ),
        Contender(
            "ijson-at",
            "ijson items at",
            '`ijson.items_coro(sink, "items.item", use_float=True)` (yajl2_c), or prefix `""` '
            "with `multiple_values=True` for NDJSON, `send(bytes)` per chunk",
            _ijson_at,
            expect=items,
        ),
    )
}
