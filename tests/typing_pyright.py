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

from pydantic import BaseModel
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
