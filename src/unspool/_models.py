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

from pydantic import TypeAdapter

from ._builder import PartialBuilder
from ._drivers import AsyncClosingIterator, ClosingIterator, _aowned, _owned
from ._events import ItemError
from ._splitter import Splitter
from ._validate import ItemChecker, M, Partial

Chunk = str | bytes
T = TypeVar("T")
P = TypeVar("P")  # what a stream's partials are
OnError = Literal["raise", "skip", "yield"]


def _partials(builder: PartialBuilder[Any], chunks: Iterable[Chunk]) -> Generator[Any, None, None]:
    # A function, not a method: the generator must not refer to its ModelStream, so that a
    # loop left early over a stream held nowhere else drops it (and closes the source) at
    # once, not at the next garbage collection of a reference cycle.
    feed = builder.feed
    with _owned(chunks) as source:
        for chunk in source:
            if feed(chunk):
                yield builder.partial
        if builder.close():  # a number that is the whole document completes only here
            yield builder.partial
        _end(builder, chunks)


async def _apartials(
    builder: PartialBuilder[Any], chunks: AsyncIterable[Chunk]
) -> AsyncGenerator[Any, None]:
    async with _aowned(chunks) as source:
        async for chunk in source:
            if builder.feed(chunk):
                yield builder.partial
        if builder.close():
            yield builder.partial
        _end(builder, chunks)


def _end(builder: PartialBuilder[Any], chunks: object) -> None:
    """A stream cut off by the model's token limit (an adapter's source: ``truncated``)
    reports it from the iteration, as ``_owned`` rules (TokenLimitError carrying the
    partial, or a quiet end with ``strict=False``); any other truncated stream is reported
    by ``final()``."""
    if getattr(chunks, "truncated", False) is True:
        builder.raise_incomplete()


class _Stream(Generic[T, P]):
    """What the sync and async streams share: the builder, the live partial, the end."""

    def __init__(self, target: Any, options: dict[str, Any]) -> None:
        self._builder: PartialBuilder[T] = PartialBuilder(target, **options)

    @property
    def partial(self) -> P | None:
        """The live partial (``None`` until the document begins)."""
        return self._builder.partial  # type: ignore[no-any-return]

    def _final(self) -> T:
        self._builder.close()
        return self._builder.final()


class ModelStream(_Stream[T, P], ClosingIterator[P]):
    """What ``stream_model`` returns: a context manager and an iterator of partials.

    Iterating yields the partial (``Partial[Model]`` for a model; see ``stream_model`` for
    the other targets) after each chunk that changed something visible: always the same
    live instance, updated in place like ``Parser.value`` (treat it as read-only;
    ``copy.deepcopy(partial)`` or ``partial.model_copy(deep=True)`` keeps a snapshot).
    ``final()`` reads the rest of the stream if needed and returns the fully validated
    value, validated once; a truncated stream makes it raise ``IncompleteJSONError`` whose
    ``partial`` is the partial.  Invalid JSON (``ParseError``) and a completed value that
    fails validation (``ValidationError``) raise from the iteration at once.  The source
    is closed when the stream ends or fails and when the ``with`` block is left; without
    ``with``, a loop left early closes it as it drops the stream.
    """

    def __init__(self, chunks: Iterable[Chunk], target: Any, **options: Any) -> None:
        _Stream.__init__(self, target, options)
        # Iterating, with / close(): ClosingIterator's, over the generator below.
        ClosingIterator.__init__(self, _partials(self._builder, chunks), chunks)

    def final(self) -> T:
        """The validated value: ``Model.model_validate`` (or the adapter's
        ``validate_python``) of the whole value, run once."""
        for _ in self._generator:  # the rest of the stream, if any
            pass
        return self._final()


class AsyncModelStream(_Stream[T, P], AsyncClosingIterator[P]):
    """The async twin of ``ModelStream``: ``async with``, ``async for``, ``await final()``."""

    def __init__(self, chunks: AsyncIterable[Chunk], target: Any, **options: Any) -> None:
        _Stream.__init__(self, target, options)
        AsyncClosingIterator.__init__(self, _apartials(self._builder, chunks), chunks)

    async def final(self) -> T:
        """The validated value: ``Model.model_validate`` (or the adapter's
        ``validate_python``) of the whole value, run once."""
        async for _ in self._generator:  # the rest of the stream, if any
            pass
        return self._final()


# The overloads type the partials: a model's are Partial[Model], a list's or dict's of
# models hold partials; any other target's read as Any.  Order matters (first match wins).
@overload
def stream_model(
    chunks: Iterable[Chunk], model: type[list[M]], **options: Any
) -> ModelStream[list[M], list[Partial[M]]]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: type[dict[str, M]], **options: Any
) -> ModelStream[dict[str, M], dict[str, Partial[M]]]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: TypeAdapter[list[M]], **options: Any
) -> ModelStream[list[M], list[Partial[M]]]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: TypeAdapter[dict[str, M]], **options: Any
) -> ModelStream[dict[str, M], dict[str, Partial[M]]]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: TypeAdapter[M], **options: Any
) -> ModelStream[M, Partial[M]]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: TypeAdapter[T], **options: Any
) -> ModelStream[T, Any]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: type[M], **options: Any
) -> ModelStream[M, Partial[M]]: ...
@overload
def stream_model(
    chunks: Iterable[Chunk], model: type[T], **options: Any
) -> ModelStream[T, Any]: ...
def stream_model(chunks: Iterable[Chunk], model: Any, **options: Any) -> ModelStream[Any, Any]:
    """Stream ``chunks`` (str or UTF-8 bytes) as one JSON document validated as ``model``::

        with unspool.stream_model(chunks, Article) as stream:
            for partial in stream:  # unspool.Partial[Article]
                render(partial)
            article = stream.final()  # Article, validated once

    ``model`` is a pydantic model, or anything pydantic validates: a ``RootModel``, a type
    (``list[Article]``, ``dict[str, Article]``, a dataclass, a TypedDict, ``list[int]``) or
    a ``TypeAdapter``.  The partial is the document as it streams, with every model in it
    a ``Partial[...]``:

    - ``Article``: a ``Partial[Article]``;
    - ``list[Article]``: a list of ``Partial[Article]``, growing; every item but the last
      is complete, the last one grows (``unspool.is_complete(item)`` says when it is done);
    - ``RootModel[list[Article]]``: a ``Partial[RootModel[list[Article]]]``, itself a
      ``RootModel`` whose ``.root`` is that list -- the shape ``final()`` returns, so code
      that reads ``.root`` works on the partial and the final value alike, and
      ``model_dump()`` gives the root value for both;
    - a ``TypeAdapter``: what its type gives (``TypeAdapter(Article)`` as ``Article``);
    - a string grows; a number, ``bool`` or ``None`` document shows only once complete.

    The partial is live: the same instance each time, updated in place like
    ``Parser.value``; ``copy.deepcopy(partial)`` keeps a snapshot.  ``final()`` is the
    validated value (an ``Article``, a ``list[Article]``, the ``RootModel``).  A chunk
    costs O(depth) on top of parsing it, however long the document and its lists.
    ``options`` are passed to ``Parser`` (``allow_nan``, limits).
    """
    return ModelStream(chunks, model, **options)


@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: type[list[M]], **options: Any
) -> AsyncModelStream[list[M], list[Partial[M]]]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: type[dict[str, M]], **options: Any
) -> AsyncModelStream[dict[str, M], dict[str, Partial[M]]]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: TypeAdapter[list[M]], **options: Any
) -> AsyncModelStream[list[M], list[Partial[M]]]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: TypeAdapter[dict[str, M]], **options: Any
) -> AsyncModelStream[dict[str, M], dict[str, Partial[M]]]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: TypeAdapter[M], **options: Any
) -> AsyncModelStream[M, Partial[M]]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: TypeAdapter[T], **options: Any
) -> AsyncModelStream[T, Any]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: type[M], **options: Any
) -> AsyncModelStream[M, Partial[M]]: ...
@overload
def astream_model(
    chunks: AsyncIterable[Chunk], model: type[T], **options: Any
) -> AsyncModelStream[T, Any]: ...
def astream_model(
    chunks: AsyncIterable[Chunk], model: Any, **options: Any
) -> AsyncModelStream[Any, Any]:
    """The async twin of ``stream_model``: ``async with`` / ``async for`` / ``await final()``."""
    return AsyncModelStream(chunks, model, **options)


@overload
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T] | TypeAdapter[T],
    *,
    at: str | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    **options: Any,
) -> ClosingIterator[T]: ...
@overload
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T] | TypeAdapter[T],
    *,
    at: str | None = None,
    on_error: Literal["yield"],
    **options: Any,
) -> ClosingIterator[T | ItemError]: ...
def iter_models(
    chunks: Iterable[Chunk],
    model: type[T] | TypeAdapter[T],
    *,
    at: str | None = None,
    on_error: OnError = "raise",
    **options: Any,
) -> ClosingIterator[Any]:
    """Yield each item (an element of the array at ``at``, or each document: see
    ``Splitter``) validated as ``model``, once, the moment it closes.

    ``model`` is the type of one item: a pydantic model, a ``RootModel``, any type pydantic
    validates, or a ``TypeAdapter``.  It always describes the item, never the array around
    it: ``iter_models(chunks, Article)`` reads ``[{...}, {...}]`` as Articles, while
    ``iter_models(chunks, list[Article])`` expects each item to be a list (NDJSON lines
    that are arrays, say).  For the whole array as one growing value, use
    ``stream_model(chunks, list[Article])``.

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
    model: type[T] | TypeAdapter[T],
    *,
    at: str | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    **options: Any,
) -> AsyncClosingIterator[T]: ...
@overload
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T] | TypeAdapter[T],
    *,
    at: str | None = None,
    on_error: Literal["yield"],
    **options: Any,
) -> AsyncClosingIterator[T | ItemError]: ...
def aiter_models(
    chunks: AsyncIterable[Chunk],
    model: type[T] | TypeAdapter[T],
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
