"""The parsers under test, each wrapped as "one full pass over a prepared chunk list".

A ``Contender``'s ``prepare(case)`` does everything that must not be timed (encoding chunks to
bytes, binding functions) and returns a zero-argument ``run`` that streams the whole case once
and returns what it built.  The runner times ``run()`` only and checks its result once,
outside the timing, against ``expect(case)``.

A re-parse contender (jiter, pydantic-core, partial-json-parser, langchain-core, json-repair)
costs O(buffer) per chunk, so O(n^2) per stream; its ``reparse`` gives the work done on the
buffer after one chunk, from which the runner estimates a pass too long to run
(``run.estimate_reparse``).

A contender that shows partial values also gives ``snapshots(chunks)``: the value a user would
see after each chunk.  ``probe.py`` feeds it a small document cut everywhere and reports what
its partial values show (cut numbers, growing strings, wrong types) for the footnotes.

To add a contender: write a ``prepare`` and add one ``Contender`` to ``CONTENDERS``; a peer
from PyPI also goes into pyproject's ``bench`` extra.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import ijson
import jiter

import unspool

from .workloads import Workload

Run = Callable[[], Any]
Snapshots = Callable[[list[str]], Iterator[Any]]
BACKEND: str = getattr(unspool, "BACKEND", "python")  # "compiled" once issue 11's build lands


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
    snapshots: Snapshots | None = None  # what a user sees after each chunk (probe.py)
    package: str = ""  # the PyPI distribution, for the version line; "" for unspool / stdlib
    unspool: bool = False  # measures unspool itself (its backend is recorded)


def _unspool(events: bool, extract: bool = False) -> Callable[[Case], Run]:
    def prepare(case: Case) -> Run:
        chunks = case.chunks
        multiple = case.workload.multiple

        def run() -> Any:
            parser = unspool.Parser(multiple=multiple, events=events, extract=extract)
            feed = parser.feed
            for chunk in chunks:
                feed(chunk)
                value = parser.value  # what a UI does after every chunk: read the snapshot
            parser.close()
            value = parser.value
            return value

        return run

    return prepare


def _unspool_snapshots(chunks: list[str]) -> Iterator[Any]:
    parser = unspool.Parser(events=False)
    for chunk in chunks:
        parser.feed(chunk)
        yield copy.deepcopy(parser.value)
    parser.close()
    yield parser.value


def _unspool_events_only(case: Case) -> Run:
    """Events and string deltas only, no snapshot read: what ``iter_events`` costs."""
    chunks = case.chunks
    multiple = case.workload.multiple

    def run() -> Any:
        parser = unspool.Parser(multiple=multiple)
        feed = parser.feed
        for chunk in chunks:
            feed(chunk)
        parser.close()
        return parser.value

    return run


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
            return list(sink)

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


# -- re-parse peers: the whole buffer after every chunk ----------------------------------------


def _reparse(parse: Callable[[str], Any]) -> tuple[Callable[[Case], Run], Snapshots]:
    """A peer that parses the whole buffer again after every chunk: its pass and snapshots."""

    def prepare(case: Case) -> Run:
        if case.workload.multiple:
            raise ValueError("this peer reads one document, not NDJSON")
        chunks = case.chunks

        def run() -> Any:
            buffer = ""
            value = None
            for chunk in chunks:
                buffer += chunk
                value = parse(buffer)
            return value

        return run

    def snapshots(chunks: list[str]) -> Iterator[Any]:
        buffer = ""
        for chunk in chunks:
            buffer += chunk
            try:
                yield parse(buffer)
            except Exception as err:  # the probe reports a peer that raises on a prefix
                yield ProbeError(f"{type(err).__name__}: {err}")
        yield parse(buffer)

    return prepare, snapshots


@dataclass(frozen=True)
class ProbeError:
    """What a snapshot function yields where the peer raised on a prefix of valid JSON."""

    error: str


def _step(parse: Callable[[str], Any]) -> Callable[[Case], Callable[[str], Any] | None]:
    return lambda case: None if case.workload.multiple else parse


def _pydantic_core(buffer: str) -> Any:
    import pydantic_core

    return pydantic_core.from_json(buffer, allow_partial="trailing-strings")


def _partial_json_parser(buffer: str) -> Any:
    import partial_json_parser

    return partial_json_parser.loads(buffer)


def _langchain(buffer: str) -> Any:
    from langchain_core.utils.json import parse_partial_json

    return parse_partial_json(buffer)


def _json_repair(buffer: str) -> Any:
    import json_repair

    return json_repair.loads(buffer)


def _jiter_parse(buffer: str) -> Any:
    return jiter.from_json(buffer.encode(), partial_mode="trailing-strings")


# -- incremental peers ---------------------------------------------------------------------------


@contextlib.contextmanager
def _sjp_backend(native: bool) -> Iterator[None]:
    """streaming-json-parser picks its Rust extension when it is installed; with
    ``native=False`` its pure-Python parser runs instead (the module-level switch it checks)."""
    import streaming_json_parser.high_performance_parser as module

    sjp: Any = module  # the switch is private: the package's stubs do not declare it
    if native and sjp._backend_native is None:
        raise RuntimeError("streaming-json-parser-native is not installed")
    saved = sjp._backend_native
    if not native:
        sjp._backend_native = None
    try:
        yield
    finally:
        sjp._backend_native = saved


def _sjp(native: bool) -> tuple[Callable[[Case], Run], Snapshots]:
    def prepare(case: Case) -> Run:
        from streaming_json_parser import StreamingJsonParser

        if case.workload.multiple:
            raise ValueError("measured on one document here, not NDJSON")
        chunks = case.byte_chunks

        def run() -> Any:
            with _sjp_backend(native):
                parser = StreamingJsonParser()
                feed = parser.feed
                for chunk in chunks:
                    feed(chunk).value  # noqa: B018 - read the snapshot after every chunk
                return parser.finish().value

        return run

    def snapshots(chunks: list[str]) -> Iterator[Any]:
        from streaming_json_parser import StreamingJsonParser

        with _sjp_backend(native):
            parser = StreamingJsonParser()
            for chunk in chunks:
                yield copy.deepcopy(parser.feed(chunk.encode()).value)
            yield parser.finish().value

    return prepare, snapshots


def _jsonriver_values(chunks: list[str]) -> Iterator[Any]:
    """jsonriver's async generator driven by hand: its source never suspends, so each step
    finishes synchronously (no event loop in the timing)."""
    import jsonriver

    async def source() -> Any:
        for chunk in chunks:
            yield chunk

    step = jsonriver.parse(source()).__anext__
    while True:
        try:
            step().send(None)
        except StopIteration as done:
            yield done.value
            continue
        except StopAsyncIteration:
            return
        raise RuntimeError("jsonriver suspended: it cannot be driven synchronously")


def _jsonriver(case: Case) -> Run:
    if case.workload.multiple:
        raise ValueError("jsonriver reads one document, not NDJSON")
    chunks = case.chunks

    def run() -> Any:
        value = None
        for value in _jsonriver_values(chunks):  # noqa: B007 - the last one is the result
            pass
        return value

    return run


def _jsonriver_snapshots(chunks: list[str]) -> Iterator[Any]:
    value = None
    for value in _jsonriver_values(chunks):
        yield copy.deepcopy(value)
    yield value


def _ijson_python(case: Case) -> Run:
    backend = ijson.get_backend("python")
    chunks = case.byte_chunks

    def run() -> Any:
        sink = ijson.sendable_list()
        coro = backend.items_coro(sink, "", use_float=True)
        send = coro.send
        for chunk in chunks:
            send(chunk)
        coro.close()
        return list(sink)

    return run


_PYDANTIC_CORE = _reparse(_pydantic_core)
_PARTIAL_JSON_PARSER = _reparse(_partial_json_parser)
_LANGCHAIN = _reparse(_langchain)
_JSON_REPAIR = _reparse(_json_repair)
_SJP_PURE = _sjp(native=False)
_SJP_NATIVE = _sjp(native=True)


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender(
            "unspool",
            "unspool",
            "`Parser(events=False).feed(chunk)` then read `.value` after every chunk, then "
            "`close()`: snapshots only, what `iter_partial` does",
            _unspool(events=False),
            snapshots=_unspool_snapshots,
            unspool=True,
        ),
        Contender(
            "unspool-extract",
            "unspool extract=True",
            "as `unspool`, with `Parser(events=False, extract=True)`: the JSON found in model "
            "text (prose, ```json fence, <think> block)",
            _unspool(events=False, extract=True),
            unspool=True,
        ),
        Contender(
            "unspool-events",
            "unspool +events",
            "`Parser().feed(chunk)`, which also returns the `StringDelta` / `ValueCompleted` "
            "events, then read `.value` after every chunk, then `close()`",
            _unspool(events=True),
            unspool=True,
        ),
        Contender(
            "unspool-events-only",
            "unspool events",
            "`Parser().feed(chunk)` returning the events and string deltas, no snapshot read "
            "(what `iter_events` costs), then `close()`",
            _unspool_events_only,
            unspool=True,
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
            snapshots=_reparse(_jiter_parse)[1],
            package="jiter",
        ),
        Contender(
            "pydantic-core",
            "pydantic-core re-parse",
            "append to a `str` buffer, then `pydantic_core.from_json(buffer, allow_partial="
            '"trailing-strings")` after every chunk',
            _PYDANTIC_CORE[0],
            reparse=_step(_pydantic_core),
            snapshots=_PYDANTIC_CORE[1],
            package="pydantic-core",
        ),
        Contender(
            "partial-json-parser",
            "partial-json-parser",
            "append to a `str` buffer, then `partial_json_parser.loads(buffer)` (pure Python, "
            "every partial kind allowed, its default) after every chunk",
            _PARTIAL_JSON_PARSER[0],
            reparse=_step(_partial_json_parser),
            snapshots=_PARTIAL_JSON_PARSER[1],
            package="partial-json-parser",
        ),
        Contender(
            "langchain",
            "langchain-core parse_partial_json",
            "append to a `str` buffer, then `langchain_core.utils.json.parse_partial_json"
            "(buffer)` after every chunk (what LangChain's JSON output parsers do)",
            _LANGCHAIN[0],
            reparse=_step(_langchain),
            snapshots=_LANGCHAIN[1],
            package="langchain-core",
        ),
        Contender(
            "json-repair",
            "json-repair",
            "append to a `str` buffer, then `json_repair.loads(buffer)` after every chunk",
            _JSON_REPAIR[0],
            reparse=_step(_json_repair),
            snapshots=_JSON_REPAIR[1],
            package="json-repair",
        ),
        Contender(
            "sjp-native",
            "streaming-json-parser-native",
            "`streaming_json_parser.StreamingJsonParser()` with its Rust extension "
            "(`streaming-json-parser-native`) installed, `feed(bytes).value` after every "
            "chunk, then `finish()`",
            _SJP_NATIVE[0],
            snapshots=_SJP_NATIVE[1],
            package="streaming-json-parser-native",
        ),
        Contender(
            "sjp-pure",
            "streaming-json-parser (pure)",
            "the same `StreamingJsonParser` with its pure-Python parser (the extension switched "
            "off for the pass), `feed(bytes).value` after every chunk, then `finish()`",
            _SJP_PURE[0],
            snapshots=_SJP_PURE[1],
            package="streaming-json-parser",
        ),
        Contender(
            "jsonriver",
            "jsonriver",
            "`jsonriver.parse(chunks)` (an async generator of growing values, pure Python), "
            "stepped by hand so that no event loop is timed; each value it yields is the "
            "snapshot",
            _jsonriver,
            snapshots=_jsonriver_snapshots,
            package="jsonriver",
        ),
        Contender(
            "ijson-items",
            "ijson items",
            '`ijson.items_coro(sink, "", use_float=True)` (yajl2_c backend), `send(bytes)` '
            "per chunk: builds the same final value, no snapshots on the way",
            _ijson(items_at=False),
            expect=lambda case: [case.expected],
            package="ijson",
        ),
        Contender(
            "ijson-python",
            "ijson items (Python)",
            "the same `items_coro` from ijson's pure-Python backend "
            '(`ijson.get_backend("python")`)',
            _ijson_python,
            expect=lambda case: [case.expected],
            package="ijson",
        ),
        Contender(
            "ijson-events",
            "ijson events",
            "`ijson.basic_parse_coro(sink, use_float=True)` (yajl2_c), `send(bytes)` per "
            "chunk, events drained per chunk: tokenizing only, builds no value (a lower bound)",
            _ijson_events,
            expect=None,
            package="ijson",
        ),
        Contender(
            "splitter",
            "unspool Splitter",
            "`Splitter(at=pointer)` (`at=None` for NDJSON), `feed(chunk)` per chunk collecting "
            "the items it returns, then `close()`",
            _splitter,
            expect=items,
            unspool=True,
        ),
        Contender(
            "ijson-at",
            "ijson items at",
            '`ijson.items_coro(sink, "items.item", use_float=True)` (yajl2_c), or prefix `""` '
            "with `multiple_values=True` for NDJSON, `send(bytes)` per chunk",
            _ijson(items_at=True),
            expect=items,
            package="ijson",
        ),
    )
}

# The models suite's contenders live beside their Pydantic models; they build on Case and
# Contender above, hence the late import.
from .models_bench import MODEL_CONTENDERS  # noqa: E402

CONTENDERS.update({c.name: c for c in MODEL_CONTENDERS})
