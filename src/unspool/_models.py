"""Pydantic drivers: ``stream_model`` / ``astream_model`` and ``iter_models`` / ``aiter_models``.

Thin sync and async twins over the sans-I/O cores in ``_validate`` (``PartialBuilder``,
``ItemChecker``) and ``Splitter``; they only loop and own the source, like ``_drivers``: when
the stream ends, is left early or fails, the source's iterator and the source itself are
closed (``close()`` / ``aclose()``), so an upstream HTTP stream stops at once.  The partial
that ``stream_model`` yields is live (one instance updated in place, see ``_validate``).
Keyword options reach the ``Parser`` / ``Splitter``, so ``extract=True`` reads a model's
answer with prose, code fences and ``<think>`` blocks around the JSON (see ``_extract``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Callable, Generator, Iterable
from typing import Any, Generic, Literal, TypeVar, overload

from ._drivers import AsyncClosingIterator, ClosingIterator, _aowned, _owned
from ._events import ItemError
from ._splitter import Splitter
from ._validate import ItemChecker, M, Partial, PartialBuilder

Chunk = str | bytes
T = TypeVar("T")
OnError = Literal["raise", "skip", "yield"]


def _partials(
    builder: PartialBuilder[M], chunks: Iterable[Chunk]
) -> Generator[Partial[M], None, None]:
    # A function, not a method: the generator must not refer to its ModelStream, so that a
    # loop left early over a stream held nowhere else drops it (and closes the source) at
    # once, not at the next garbage collection of a reference cycle.
    with _owned(chunks) as source:
        for chunk in source:
            if builder.feed(chunk):
                yield builder.partial  # type: ignore[misc]
        _end(builder, chunks)


async def _apartials(
    builder: PartialBuilder[M], chunks: AsyncIterable[Chunk]
) -> AsyncGenerator[Partial[M], None]:
    async with _aowned(chunks) as source:
        async for chunk in source:
            if builder.feed(chunk):
                yield builder.partial  # type: ignore[misc]
        _end(builder, chunks)


def _end(builder: PartialBuilder[M], chunks: object) -> None:
    """A stream cut off by the model's token limit (an adapter's source: ``truncated``)
    reports it from the iteration, as ``_owned`` rules (TokenLimitError carrying the
    partial, or a quiet end with ``strict=False``); any other truncated stream is reported
    by ``final()``."""
    if getattr(chunks, "truncated", False) is True:
        builder.close()
        builder.raise_incomplete()


class _Stream(Generic[M]):
    """What the sync and async streams share: the builder, the live partial, the end."""

    def __init__(self, model: type[M], options: dict[str, Any]) -> None:
        self._builder = PartialBuilder(model, **options)

    @property
    def partial(self) -> Partial[M] | None:
        """The live partial (``None`` until the object begins)."""
        return self._builder.partial

    def _final(self) -> M:
        self._builder.close()
        return self._builder.final()


class ModelStream(_Stream[M], ClosingIterator["Partial[M]"]):
    """What ``stream_model`` returns: a context manager and an iterator of partials.

    Iterating yields the ``Partial[Model]`` after each chunk that changed something
    visible: always the same live instance, updated in place like ``Parser.value`` (treat
    it as read-only; ``partial.model_copy(deep=True)`` keeps a snapshot).  ``final()`` reads
    the rest of the stream if needed and returns the fully validated model, validated once;
    a truncated stream makes it raise ``IncompleteJSONError`` whose ``partial`` is the
    partial.  Invalid JSON (``ParseError``) and a completed value that fails validation
    (``ValidationError``) raise from the iteration at once.  The source is closed when the
    stream ends or fails and when the ``with`` block is left; without ``with``, a loop left
    early closes it as it drops the stream.
    """

    def __init__(self, chunks: Iterable[Chunk], model: type[M], **options: Any) -> None:
        _Stream.__init__(self, model, options)
        # Iterating, with / close(): ClosingIterator's, over the generator below.
        ClosingIterator.__init__(self, _partials(self._builder, chunks), chunks)

    def final(self) -> M:
        """The validated model: ``Model.model_validate`` of the whole value, run once."""
        for _ in self._generator:  # the rest of the stream, if any
            pass
        return self._final()


class AsyncModelStream(_Stream[M], AsyncClosingIterator["Partial[M]"]):
    """The async twin of ``ModelStream``: ``async with``, ``async for``, ``await final()``."""

    def __init__(self, chunks: AsyncIterable[Chunk], model: type[M], **options: Any) -> None:
        _Stream.__init__(self, model, options)
        AsyncClosingIterator.__init__(self, _apartials(self._builder, chunks), chunks)

    async def final(self) -> M:
        """The validated model: ``Model.model_validate`` of the whole value, run once."""
        async for _ in self._generator:  # the rest of the stream, if any
            pass
        return self._final()


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
) -> ClosingIterator[T]: ...
@overload
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["yield"],
    **options: Any,
) -> ClosingIterator[T | ItemError]: ...
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: OnError = "raise",
    **options: Any,
) -> ClosingIterator[Any]:
    """Yield each item (an element of the array at ``at``, or each document: see
    ``Splitter``) validated as ``model``, once, the moment it closes.

    ``on_error``: ``"raise"`` raises (``ParseError`` or ``unspool.ValidationError`` with the
    item's ``index`` and ``raw`` text) after every earlier item was yielded; ``"skip"`` logs a
    warning on the ``unspool`` logger and goes on; ``"yield"`` yields an ``ItemError`` in the
    bad item's place.  ``options`` are passed to ``Splitter``.
    """
    splitter = Splitter(at, on_error=on_error, with_raw=True, **options)
    checked = ItemChecker(model, on_error).checked
    return ClosingIterator(_models(splitter, checked, chunks), chunks)


def _models(
    splitter: Splitter, checked: Callable[[list[Any]], Iterable[Any]], chunks: Iterable[Chunk]
) -> Generator[Any, None, None]:
    with _owned(chunks) as source:
        for chunk in source:
            items = splitter.feed(chunk)
            if items:  # most chunks complete no item
                yield from checked(items)
        yield from checked(splitter.close())


@overload
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    **options: Any,
) -> AsyncClosingIterator[T]: ...
@overload
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: Literal["yield"],
    **options: Any,
) -> AsyncClosingIterator[T | ItemError]: ...
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T],
    *,
    at: str | None = None,
    on_error: OnError = "raise",
    **options: Any,
) -> AsyncClosingIterator[Any]:
    """The async twin of ``iter_models``."""
    splitter = Splitter(at, on_error=on_error, with_raw=True, **options)
    checked = ItemChecker(model, on_error).checked
    return AsyncClosingIterator(_amodels(splitter, checked, chunks), chunks)


async def _amodels(
    splitter: Splitter, checked: Callable[[list[Any]], Iterable[Any]], chunks: AsyncIterable[Chunk]
) -> AsyncGenerator[Any, None]:
    async with _aowned(chunks) as source:
        async for chunk in source:
            items = splitter.feed(chunk)
            if items:
                for item in checked(items):
                    yield item
        for item in checked(splitter.close()):
            yield item
