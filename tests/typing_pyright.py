"""Type-checked by CI with pyright, never run: ``pyright tests/typing_pyright.py``.

pyright has no plugins, so ``Partial[Model]``'s fields read as ``Any`` there (mypy with the
``unspool.mypy`` plugin types them: ``tests/typing_partial.py``).  What pyright does check:
correct code using partials and the drivers is not flagged, the drivers are precisely
typed, and a model is not its partial.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from pydantic import BaseModel, RootModel, TypeAdapter
from typing_extensions import assert_type

import unspool
from unspool import ItemError, Partial


class Author(BaseModel):
    name: str


class Article(BaseModel):
    title: str
    author: Author | None = None
    co_authors: list[Author] = []


def render(partial: Partial[Article]) -> str:
    title: str | None = partial.title
    assert_type(partial.title, Any)  # the plugin-less view
    author = partial.author
    name: str | None = author.name if author is not None else None
    fields: set[str] = partial.model_fields_set
    done: frozenset[str] = unspool.completed(partial)
    items: list[Any] = partial.co_authors or []
    marked = [unspool.is_complete(item) for item in items]
    return f"{title or ''} {name} {sorted(fields)} {sorted(done)} {marked}"


def stream(chunks: Iterable[str]) -> Article:
    with unspool.stream_model(chunks, Article) as s:
        for partial in s:
            assert_type(partial, Partial[Article])
            render(partial)
            kept = partial.model_copy(deep=True)
            assert_type(kept, Partial[Article])
        article = s.final()
    assert_type(article, Article)
    render(article)  # type: ignore[arg-type]  # a model is not its partial
    return article


async def astream(chunks: AsyncIterator[bytes]) -> Article:
    async with unspool.astream_model(chunks, Article) as s:
        async for partial in s:
            render(partial)
        return await s.final()


def items(chunks: Iterable[str]) -> list[Author | ItemError]:
    authors = list(unspool.iter_models(chunks, Author, at="/items"))
    assert_type(authors, list[Author])
    return list(unspool.iter_models(chunks, Author, at="/items", on_error="yield"))


class Articles(RootModel[list[Article]]):
    pass


def targets(chunks: Iterable[str]) -> list[Article]:
    with unspool.stream_model(chunks, list[Article]) as listed:
        for partials in listed:
            assert_type(partials, list[Partial[Article]])
            if partials and not unspool.is_complete(partials[-1]):
                render(partials[-1])  # the item still growing
        result = listed.final()
    assert_type(result, list[Article])
    with unspool.stream_model(chunks, Articles) as rooted:
        for root in rooted:
            assert_type(root, Partial[Articles])
        assert_type(rooted.final(), Articles)
    with unspool.stream_model(chunks, TypeAdapter(list[Article])) as adapted:
        for partials in adapted:
            assert_type(partials, list[Partial[Article]])
        assert_type(adapted.final(), list[Article])
    with unspool.stream_model(chunks, dict[str, Author]) as by_name:
        assert_type(by_name.final(), dict[str, Author])
    authors = list(unspool.iter_models(chunks, TypeAdapter(Author), at="/items"))
    assert_type(authors, list[Author])
    return result
