"""Drivers: loops that feed a parser from an iterable of chunks, sync and async twins.

Each driver owns its source and closes it -- the source's iterator, then the source itself
(``close()`` / ``aclose()``), so an upstream SDK stream drops its HTTP response -- as soon as
it knows the loop is over.  When that is, is the one rule this module keeps, for every
driver of the package (``_models`` and ``_adapters`` reuse ``ClosingIterator`` and
``_owned``):

1. Exhausted, or failed (bad JSON, an error from the source): closed at once.
2. ``with`` / ``async with`` the driver, or ``close()`` / ``aclose()``: closed at once on
   exit, however the block is left (``break``, ``return``, an exception, cancellation), and
   even if the loop never began.
3. Sync, without ``with``: the driver's generator closes the source when it is dropped, so
   ``for x in iter_partial(...): break`` closes at once on CPython (the loop held the only
   reference), and a named driver closes when its name goes (``del``, end of function).
   Nothing else holds the generator: it never refers back to its wrapper, so no reference
   cycle delays this to a garbage collection.
4. Async, without ``async with``: a task cancelled while it waits for the next chunk closes
   at once (the cancellation runs through the generator's ``finally``).  After a plain
   ``break`` or an exception in the loop body, Python cannot run ``await`` at drop time:
   asyncio's async-generator finalizer schedules ``aclose()`` once the driver is collected.

Keyword options go to ``Parser`` / ``Splitter``; ``extract=True`` finds the JSON in model
text (prose, code fences, ``<think>`` blocks skipped: the rules are in ``_extract``).
"""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Generator,
    Iterable,
    Iterator,
)
from typing import Any, Generic, TypeGuard, TypeVar

from ._errors import IncompleteJSONError
from ._events import Event
from ._parser import Parser
from ._splitter import Splitter

Chunk = str | bytes
T = TypeVar("T")
Self = TypeVar("Self", bound="ClosingIterator[Any]")
ASelf = TypeVar("ASelf", bound="AsyncClosingIterator[Any]")


def _close(*objects: object) -> None:
    for obj in objects:
        close = getattr(obj, "close", None)
        if close is not None:
            close()


async def _aclose(*objects: object) -> None:
    for obj in objects:
        aclose = getattr(obj, "aclose", None)
        if aclose is not None:
            await aclose()
        else:
            _close(obj)


class _Cut:
    """The end of a source that can stop at the model's token limit (an adapter's
    ``DeltaStream``: it has ``truncated``, ``strict`` and ``stop_reason``).

    Such a source raises ``TokenLimitError`` (an ``IncompleteJSONError`` of kind
    ``"token_limit"``) after its last chunk when ``strict``; the driver takes that as the
    end of the text instead, and lets its own ``close()`` decide, so that:

    1. JSON that was complete anyway is no error: the value is whole (the stop reason stays
       readable on the source).
    2. Cut-off JSON raises the source's ``TokenLimitError`` with ``partial`` set to what
       the driver's ``close()`` reported: the last snapshot (the salvage case).
    3. With ``strict=False`` cut-off JSON ends the loop quietly, keeping what arrived.
    """

    __slots__ = ("error", "source")

    def __init__(self, source: Any) -> None:
        self.source = source
        self.error: IncompleteJSONError | None = None

    def chunks(self, iterator: Iterator[Any]) -> Generator[Any, None, None]:
        try:
            yield from iterator
        except IncompleteJSONError as err:
            if err.kind != "token_limit":  # another error of the source's: as it is
                raise
            self.error = err

    async def achunks(self, iterator: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
        try:
            async for chunk in iterator:
                yield chunk
        except IncompleteJSONError as err:
            if err.kind != "token_limit":
                raise
            self.error = err

    def incomplete(self, err: IncompleteJSONError) -> None:
        """The driver's close() found the text cut off: raise, or end quietly (rule 3)."""
        if self.error is not None:
            self.error.partial = err.partial
            raise self.error from err
        if not (self.source.truncated and self.source.strict is False):
            raise err


def _cut(source: object) -> _Cut | None:
    return _Cut(source) if hasattr(source, "truncated") and hasattr(source, "strict") else None


@contextlib.contextmanager
def _owned(source: Iterable[Any]) -> Iterator[Iterator[Any]]:
    """Iterate ``source``, closing its iterator and the source itself afterwards (and end
    a source cut off at the token limit as ``_Cut`` says)."""
    iterator = iter(source)
    cut = _cut(source)
    chunks = iterator if cut is None else cut.chunks(iterator)
    try:
        yield chunks
    except IncompleteJSONError as err:
        if cut is None:
            raise
        cut.incomplete(err)
    finally:
        _close(*((chunks,) if chunks is not iterator else ()), iterator)
        _close(*((source,) if source is not iterator else ()))


@contextlib.asynccontextmanager
async def _aowned(source: AsyncIterable[Any]) -> AsyncIterator[AsyncIterator[Any]]:
    iterator = aiter(source)
    cut = _cut(source)
    chunks = iterator if cut is None else cut.achunks(iterator)
    try:
        yield chunks
    except IncompleteJSONError as err:
        if cut is None:
            raise
        cut.incomplete(err)
    finally:
        await _aclose(*((chunks,) if chunks is not iterator else ()), iterator)
        await _aclose(*((source,) if source is not iterator else ()))


def _is_async(chunks: Any) -> TypeGuard[AsyncIterable[Any]]:
    """Whether to read ``chunks`` with ``async for``.  An adapter's ``DeltaStream`` serves
    both: it is async when the SDK stream it wraps is."""
    if getattr(chunks, "__aiter__", None) is None:
        return False
    if getattr(chunks, "__iter__", None) is None:
        return True
    inner = getattr(chunks, "_stream", None)
    return inner is not None and not hasattr(inner, "__iter__") and not hasattr(inner, "__enter__")


def _unbegun(generator: Generator[Any, Any, Any]) -> bool:
    """Has the generator not run yet (so its ``finally`` will never close the source)?"""
    return inspect.getgeneratorstate(generator) == inspect.GEN_CREATED


def _aunbegun(generator: Any) -> bool:
    state = getattr(inspect, "getasyncgenstate", None)  # Python 3.12+
    if state is not None:
        return bool(state(generator) == "AGEN_CREATED")
    # 3.10 / 3.11: a frame that has not run is at its first instruction (-1 or 0).
    frame = generator.ag_frame
    return frame is not None and not generator.ag_running and frame.f_lasti <= 0


class ClosingIterator(Generic[T]):
    """What every sync driver returns: an iterator that is also a context manager.

    ``with unspool.iter_objects(chunks, at="/items") as items:`` closes the source when the
    block exits, however it exits (rule 2 above).  Iterating hands out the driver's
    generator itself, so a ``for`` loop costs no more than over a bare generator.
    """

    def __init__(self, generator: Generator[T, None, None], source: object) -> None:
        self._generator = generator
        self._source = source  # closed by close() too, in case the loop never began

    def __iter__(self) -> Iterator[T]:
        return self._generator

    def __next__(self) -> T:
        return next(self._generator)

    def __enter__(self: Self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the source now (idempotent; ``with`` does this on exit)."""
        unbegun = _unbegun(self._generator)
        self._generator.close()  # runs the generator's finally, which closes the source
        if unbegun:  # no finally to run: close the source here
            _close(self._source)


class AsyncClosingIterator(Generic[T]):
    """The async twin of ``ClosingIterator``: ``async with`` / ``async for`` / ``aclose()``."""

    def __init__(self, generator: AsyncGenerator[T, None], source: object) -> None:
        self._generator = generator
        self._source = source

    def __aiter__(self) -> AsyncIterator[T]:
        return self._generator

    def __anext__(self) -> Awaitable[T]:
        return self._generator.__anext__()

    async def __aenter__(self: ASelf) -> ASelf:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the source now (idempotent; ``async with`` does this on exit)."""
        unbegun = _aunbegun(self._generator)
        await self._generator.aclose()
        if unbegun:
            await _aclose(self._source)


_now = time.monotonic  # the pacer's clock (a test drives its own)


class _Pacer:
    """``min_interval``: lets a changed snapshot through at most once per ``interval``
    seconds, and remembers that one was held back (the end delivers it)."""

    __slots__ = ("due", "held", "interval")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.due = float("-inf")  # the first snapshot goes at once
        self.held = False

    def ready(self, changed: bool) -> bool:
        if not (changed or self.held):
            return False
        now = _now()
        if now < self.due:
            self.held = True
            return False
        self.due = now + self.interval
        self.held = False
        return True


def _pacer(min_interval: float | None) -> _Pacer | None:
    if min_interval is None or min_interval == 0:
        return None
    if not min_interval > 0:
        raise ValueError(f"min_interval must be a number of seconds >= 0, got {min_interval!r}")
    return _Pacer(min_interval)


# -- the loops (generators that never refer to their ClosingIterator: rule 3) --------------


def _events(parser: Parser, chunks: Iterable[Chunk]) -> Generator[Event, None, None]:
    with _owned(chunks) as source:
        for chunk in source:
            yield from parser.feed(chunk)
        yield from parser.close()


async def _aevents(parser: Parser, chunks: AsyncIterable[Chunk]) -> AsyncGenerator[Event, None]:
    async with _aowned(chunks) as source:
        async for chunk in source:
            for event in parser.feed(chunk):
                yield event
        for event in parser.close():
            yield event


def _partials(
    parser: Parser, chunks: Iterable[Chunk], pacer: _Pacer | None
) -> Generator[Any, None, None]:
    with _owned(chunks) as source:
        if pacer is None:  # the plain loop, as lean as it can be
            for chunk in source:
                parser.feed(chunk)
                if parser.changed:
                    yield parser.value
        else:
            for chunk in source:
                parser.feed(chunk)
                if pacer.ready(parser.changed):
                    yield parser.value
        parser.close()
        if parser.changed or (pacer is not None and pacer.held):
            yield parser.value


async def _apartials(
    parser: Parser, chunks: AsyncIterable[Chunk], pacer: _Pacer | None
) -> AsyncGenerator[Any, None]:
    async with _aowned(chunks) as source:
        async for chunk in source:
            parser.feed(chunk)
            if pacer.ready(parser.changed) if pacer is not None else parser.changed:
                yield parser.value
        parser.close()
        if parser.changed or (pacer is not None and pacer.held):
            yield parser.value


def _objects(splitter: Splitter, chunks: Iterable[Chunk]) -> Generator[Any, None, None]:
    with _owned(chunks) as source:
        for chunk in source:
            yield from splitter.feed(chunk)
        yield from splitter.close()


async def _aobjects(splitter: Splitter, chunks: AsyncIterable[Chunk]) -> AsyncGenerator[Any, None]:
    async with _aowned(chunks) as source:
        async for chunk in source:
            for item in splitter.feed(chunk):
                yield item
        for item in splitter.close():
            yield item


# -- the public drivers ---------------------------------------------------------------------


def iter_events(chunks: Iterable[Chunk], **options: Any) -> ClosingIterator[Event]:
    """Yield every event of the stream (``StringDelta`` and ``ValueCompleted``).

    ``options`` are passed to ``Parser`` (``multiple``, ``allow_nan``, limits).  Also a
    context manager: ``with iter_events(chunks) as events:`` closes ``chunks`` on exit.
    """
    return ClosingIterator(_events(Parser(**options), chunks), chunks)


def aiter_events(chunks: AsyncIterable[Chunk], **options: Any) -> AsyncClosingIterator[Event]:
    """The async twin of ``iter_events`` (``async with`` closes ``chunks`` on exit)."""
    return AsyncClosingIterator(_aevents(Parser(**options), chunks), chunks)


def iter_partial(
    chunks: Iterable[Chunk], *, min_interval: float | None = None, **options: Any
) -> ClosingIterator[Any]:
    """Yield the snapshot after each chunk that changed it (chunks that change nothing
    visible -- whitespace, half a number, a key -- yield nothing).

    The snapshot is live (see ``Parser``): ``copy.deepcopy`` one you want to keep.
    ``min_interval`` (seconds) coalesces snapshots for a page that should not redraw after
    every token: a snapshot is yielded at most that often (a change within the interval is
    yielded with the first chunk after it), and the last one is always yielded at the end.
    ``options`` are passed to ``Parser``.  Also a context manager that closes ``chunks``.
    """
    pacer = _pacer(min_interval)
    return ClosingIterator(_partials(Parser(events=False, **options), chunks, pacer), chunks)


def aiter_partial(
    chunks: AsyncIterable[Chunk], *, min_interval: float | None = None, **options: Any
) -> AsyncClosingIterator[Any]:
    """The async twin of ``iter_partial``."""
    parser = Parser(events=False, **options)
    return AsyncClosingIterator(_apartials(parser, chunks, _pacer(min_interval)), chunks)


def iter_objects(
    chunks: Iterable[Chunk], at: str | None = None, **options: Any
) -> ClosingIterator[Any]:
    """Yield each item the moment it closes: the elements of the array at ``at``, or each
    document (see ``Splitter``).

    ``options`` are passed to ``Splitter`` (``on_error``, ``with_raw``, ``allow_nan``,
    limits).  Also a context manager: ``with iter_objects(...) as items:`` closes ``chunks``.
    """
    return ClosingIterator(_objects(Splitter(at, **options), chunks), chunks)


def aiter_objects(
    chunks: AsyncIterable[Chunk], at: str | None = None, **options: Any
) -> AsyncClosingIterator[Any]:
    """The async twin of ``iter_objects``."""
    return AsyncClosingIterator(_aobjects(Splitter(at, **options), chunks), chunks)
