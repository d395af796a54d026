"""Pydantic drivers: ``stream_model`` / ``astream_model`` and ``iter_models`` / ``aiter_models``.

Thin sync and async twins over the sans-I/O cores in ``_validate`` (``PartialBuilder``,
``ItemChecker``) and ``Splitter``; they only loop and own the source, like ``_drivers``: when
the stream ends, is left early or fails, the source's iterator and the source itself are
closed (``close()`` / ``aclose()``), so an upstream HTTP stream stops at once.  The partial
that ``stream_model`` yields is live (one instance updated in place, see ``_validate``).
"""

from __future__ import annotations

import contextlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Generator,
    Iterable,
    Iterator,
)
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, overload

from ._drivers import _aowned, _owned
from ._events import ItemError
from ._splitter import Splitter
from ._validate import ItemChecker, M, Partial, PartialBuilder

Chunk = str | bytes
T = TypeVar("T")
OnError = Literal["raise", "skip", "yield"]


class ModelStream(Generic[M]):
    """What ``stream_model`` returns: a context manager and an iterator of partials.

    Iterating yields the ``Partial[Model]`` after each chunk that changed something
    visible: always the same live instance, updated in place like ``Parser.value`` (treat
    it as read-only; ``partial.model_copy(deep=True)`` keeps a snapshot).  ``final()`` reads
    the rest of the stream if needed and returns the fully validated model, validated once;
    a truncated stream makes it raise ``IncompleteJSONError`` whose ``partial`` is the
    partial.  Invalid JSON (``ParseError``) and a completed value that fails validation
    (``ValidationError``) raise from the iteration at once.  Leaving the ``with`` block
    closes the source.
    """

    def __init__(self, chunks: Iterable[Chunk], model: type[M], **options: Any) -> None:
        self._builder = PartialBuilder(model, **options)
        self._chunks = chunks
        self._owner: contextlib.AbstractContextManager[Iterator[Chunk]] | None = None
        self._source: Iterator[Chunk] | None = None
        self._partials = self._stream()

    @property
    def partial(self) -> Partial[M] | None:
        """The live partial (``None`` until the object begins)."""
        return self._builder.partial

    def __enter__(self) -> ModelStream[M]:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the source now (``with`` does this on exit)."""
        self._partials.close()
        self._close_source()

    def __iter__(self) -> Iterator[Partial[M]]:
        # The generator itself: resuming it is the cheapest step per chunk.
        return self._partials

    def __next__(self) -> Partial[M]:
        return next(self._partials)

    def final(self) -> M:
        """The validated model: ``Model.model_validate`` of the whole value, run once."""
        for _ in self._partials:  # the rest of the stream, if any
            pass
        self._builder.close()
        return self._builder.final()

    def _stream(self) -> Generator[Partial[M], None, None]:
        builder = self._builder
        try:
            for chunk in self._open():
                if builder.feed(chunk):
                    yield builder.partial  # type: ignore[misc]
        finally:  # exhausted, failed or closed early: stop the source
            self._close_source()
        if builder.close():
            yield builder.partial  # type: ignore[misc]

    def _open(self) -> Iterator[Chunk]:
        if self._source is None:
            self._owner = _owned(self._chunks)
            self._source = self._owner.__enter__()
        return self._source

    def _close_source(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.__exit__(None, None, None)


class AsyncModelStream(Generic[M]):
    """The async twin of ``ModelStream``: ``async with``, ``async for``, ``await final()``."""

    def __init__(self, chunks: AsyncIterable[Chunk], model: type[M], **options: Any) -> None:
        self._builder = PartialBuilder(model, **options)
        self._chunks = chunks
        self._owner: contextlib.AbstractAsyncContextManager[AsyncIterator[Chunk]] | None = None
        self._source: AsyncIterator[Chunk] | None = None
        self._partials = self._stream()

    @property
    def partial(self) -> Partial[M] | None:
        """The live partial (``None`` until the object begins)."""
        return self._builder.partial

    async def __aenter__(self) -> AsyncModelStream[M]:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the source now (``async with`` does this on exit)."""
        await self._partials.aclose()
        await self._close_source()

    def __aiter__(self) -> AsyncIterator[Partial[M]]:
        return self._partials

    def __anext__(self) -> Awaitable[Partial[M]]:
        return self._partials.__anext__()

    async def final(self) -> M:
        """The validated model: ``Model.model_validate`` of the whole value, run once."""
        async for _ in self._partials:  # the rest of the stream, if any
            pass
        self._builder.close()
        return self._builder.final()

    async def _stream(self) -> AsyncGenerator[Partial[M], None]:
        builder = self._builder
        try:
            async for chunk in await self._open():
                if builder.feed(chunk):
                    yield builder.partial  # type: ignore[misc]
        finally:  # exhausted, failed or closed early: stop the source
            await self._close_source()
        if builder.close():
            yield builder.partial  # type: ignore[misc]

    async def _open(self) -> AsyncIterator[Chunk]:
        if self._source is None:
            self._owner = _aowned(self._chunks)
            self._source = await self._owner.__aenter__()
        return self._source

    async def _close_source(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            await owner.__aexit__(None, None, None)


def stream_model(chunks: Iterable[Chunk], model: type[M], **options: Any) -> ModelStream[M]:
    """Stream ``chunks`` (str or UTF-8 bytes) as one JSON object validated as ``model``::

        with unspool.stream_model(chunks, Article) as stream:
            for partial in stream:  # unspool.Partial[Article]
                render(partial)
            article = stream.final()  # Article, validated once

    The partial is live: the same instance each time, updated in place like
    ``Parser.value``; ``partial.model_copy(deep=True)`` keeps a snapshot.  A chunk costs
    O(depth) on top of parsing it, however long the document and its lists.
    ``options`` are passed to ``Parser`` (``allow_nan``, limits).
    """
    return ModelStream(chunks, model, **options)


def astream_model(
    chunks: AsyncIterable[Chunk], model: type[M], **options: Any
) -> AsyncModelStream[M]:
    """The async twin of ``stream_model``: ``async with`` / ``async for`` / ``await final()``."""
    return AsyncModelStream(chunks, model, **options)


@overload
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    **options: Any,
) -> Iterator[T]: ...
@overload
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["yield"],
    **options: Any,
) -> Iterator[T | ItemError]: ...
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: OnError = "raise",
    **options: Any,
) -> Iterator[Any]:
    """Yield each item (an element of the array at ``at``, or each document: see
    ``Splitter``) validated as ``model``, once, the moment it closes.

    ``on_error``: ``"raise"`` raises (``ParseError`` or ``unspool.ValidationError`` with the
    item's ``index`` and ``raw`` text) after every earlier item was yielded; ``"skip"`` logs a
    warning on the ``unspool`` logger and goes on; ``"yield"`` yields an ``ItemError`` in the
    bad item's place.  ``options`` are passed to ``Splitter``.
    """
    checker = ItemChecker(model, on_error)
    splitter = Splitter(at, on_error=on_error, with_raw=True, **options)
    check = checker.check
    skip = checker.SKIP
    with _owned(chunks) as source:
        for chunk in source:
            for item in splitter.feed(chunk):
                result = check(item)
                if result is not skip:
                    yield result
        for item in splitter.close():
            result = check(item)
            if result is not skip:
                yield result


@overload
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    **options: Any,
) -> AsyncIterator[T]: ...
@overload
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["yield"],
    **options: Any,
) -> AsyncIterator[T | ItemError]: ...
async def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: OnError = "raise",
    **options: Any,
) -> AsyncIterator[Any]:
    """The async twin of ``iter_models``."""
    checker = ItemChecker(model, on_error)
    splitter = Splitter(at, on_error=on_error, with_raw=True, **options)
    check = checker.check
    skip = checker.SKIP
    async with _aowned(chunks) as source:
        async for chunk in source:
            for item in splitter.feed(chunk):
                result = check(item)
                if result is not skip:
                    yield result
        for item in splitter.close():
            result = check(item)
            if result is not skip:
                yield result
