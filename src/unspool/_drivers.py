"""Drivers: loops that feed a parser from an iterable of chunks, sync and async twins.

Each driver owns its source: when the loop ends -- exhausted, broken out of, closed, or by an
exception in the consumer -- it closes the source's iterator and the source itself
(``close()`` / ``aclose()``), so an upstream HTTP stream stops at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from ._events import Event
from ._parser import Parser
from ._splitter import Splitter

Chunk = str | bytes


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


@contextlib.contextmanager
def _owned(source: Iterable[Chunk]) -> Iterator[Iterator[Chunk]]:
    """Iterate ``source``, closing its iterator and the source itself afterwards."""
    iterator = iter(source)
    try:
        yield iterator
    finally:
        _close(iterator, *((source,) if source is not iterator else ()))


@contextlib.asynccontextmanager
async def _aowned(source: AsyncIterable[Chunk]) -> AsyncIterator[AsyncIterator[Chunk]]:
    iterator = aiter(source)
    try:
        yield iterator
    finally:
        await _aclose(iterator, *((source,) if source is not iterator else ()))


def iter_events(chunks: Iterable[Chunk], **options: Any) -> Iterator[Event]:
    """Yield every event of the stream (``StringDelta`` and ``ValueCompleted``).

    ``options`` are passed to ``Parser`` (``multiple``, ``allow_nan``, limits).
    """
    parser = Parser(**options)
    with _owned(chunks) as source:
        for chunk in source:
            yield from parser.feed(chunk)
        yield from parser.close()


async def aiter_events(chunks: AsyncIterable[Chunk], **options: Any) -> AsyncIterator[Event]:
    """The async twin of ``iter_events``."""
    parser = Parser(**options)
    async with _aowned(chunks) as source:
        async for chunk in source:
            for event in parser.feed(chunk):
                yield event
        for event in parser.close():
            yield event


def iter_partial(chunks: Iterable[Chunk], **options: Any) -> Iterator[Any]:
    """Yield the snapshot after each chunk that changed it (chunks that change nothing
    visible -- whitespace, half a number, a key -- yield nothing).

    The snapshot is live (see ``Parser``): ``copy.deepcopy`` one you want to keep.
    """
    parser = Parser(events=False, **options)
    with _owned(chunks) as source:
        for chunk in source:
            parser.feed(chunk)
            if parser.changed:
                yield parser.value
        parser.close()
        if parser.changed:
            yield parser.value


async def aiter_partial(chunks: AsyncIterable[Chunk], **options: Any) -> AsyncIterator[Any]:
    """The async twin of ``iter_partial``."""
    parser = Parser(events=False, **options)
    async with _aowned(chunks) as source:
        async for chunk in source:
            parser.feed(chunk)
            if parser.changed:
                yield parser.value
        parser.close()
        if parser.changed:
            yield parser.value


def iter_objects(chunks: Iterable[Chunk], at: str | None = None, **options: Any) -> Iterator[Any]:
    """Yield each item the moment it closes: the elements of the array at ``at``, or each
    document (see ``Splitter``).

    ``options`` are passed to ``Splitter`` (``on_error``, ``with_raw``, ``allow_nan``, limits).
    """
    splitter = Splitter(at, **options)
    with _owned(chunks) as source:
        for chunk in source:
            yield from splitter.feed(chunk)
        yield from splitter.close()


async def aiter_objects(
    chunks: AsyncIterable[Chunk], at: str | None = None, **options: Any
) -> AsyncIterator[Any]:
    """The async twin of ``iter_objects``."""
    splitter = Splitter(at, **options)
    async with _aowned(chunks) as source:
        async for chunk in source:
            for item in splitter.feed(chunk):
                yield item
        for item in splitter.close():
            yield item
