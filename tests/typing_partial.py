"""Type-checked by CI, never run: ``mypy --strict tests/typing_partial.py``.

Checks that ``unspool.Partial[Model]`` works in annotations and that the pydantic drivers
are precisely typed.  A ``# type: ignore[code]`` line is an error that must happen: with
``--strict`` (``warn_unused_ignores``) mypy fails if it does not.

With the plugin ``unspool.mypy`` (enabled in pyproject.toml), ``Partial[Model]``'s fields
read as their types made optional, nested models as their partials, and a misspelled field
is an error; its pydantic methods are typed, and ``Model`` itself is not a
``Partial[Model]``.  ``tests/typing_pyright.py`` is what pyright (no plugins) checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from pydantic import BaseModel, RootModel, TypeAdapter
from typing_extensions import assert_type

import unspool
from unspool import ItemError, Partial


class Author(BaseModel):
    name: str
    tags: list[str] = []


class Article(BaseModel):
    title: str
    author: Author | None = None
    co_authors: list[Author] = []
    by_lang: dict[str, Author] = {}
    score: int = 0


class Review(Article):
    stars: float


def render(partial: Partial[Article]) -> str:
    title: str | None = partial.title
    fields: set[str] = partial.model_fields_set
    done: frozenset[str] = unspool.completed(partial)
    return f"{title or ''} {sorted(fields)} {sorted(done)}"


def fields(partial: Partial[Article], review: Partial[Review]) -> None:
    assert_type(partial.title, str | None)
    assert_type(partial.score, int | None)
    assert_type(partial.author, Partial[Author] | None)
    assert_type(partial.co_authors, list[Partial[Author]] | None)
    assert_type(partial.by_lang, dict[str, Partial[Author]] | None)
    if partial.author is not None:
        assert_type(partial.author.name, str | None)
        assert_type(partial.author.tags, list[str] | None)
    assert_type(review.title, str | None)  # inherited
    assert_type(review.stars, float | None)
    partial.titel  # type: ignore[attr-defined]  # noqa: B018
    review.star  # type: ignore[attr-defined]  # noqa: B018
    if partial.title is not None:
        partial.title.upper()
    partial.title.upper()  # type: ignore[union-attr]


def partial_class() -> type[Partial[Article]]:
    return Partial[Article]


def stream(chunks: Iterable[str]) -> Article:
    with unspool.stream_model(chunks, Article) as s:
        for partial in s:
            assert_type(partial, Partial[Article])
            render(partial)
            kept = partial.model_copy(deep=True)  # the partial is live: a snapshot to keep
            assert_type(kept, Partial[Article])
        assert_type(s.partial, Partial[Article] | None)
        article = s.final()
    assert_type(article, Article)
    article.no_such_field  # type: ignore[attr-defined]  # noqa: B018
    render(article)  # type: ignore[arg-type]
    return article


async def astream(chunks: AsyncIterator[bytes]) -> Article:
    async with unspool.astream_model(chunks, Article) as s:
        async for partial in s:
            render(partial)
        return await s.final()


def items(chunks: Iterable[str]) -> list[Author]:
    authors = list(unspool.iter_models(chunks, Author, at="/items"))
    assert_type(authors, list[Author])
    mixed = list(unspool.iter_models(chunks, Author, at="/items", on_error="yield"))
    assert_type(mixed, list[Author | ItemError])
    return authors


async def aitems(chunks: AsyncIterator[str]) -> list[Author | ItemError]:
    return [item async for item in unspool.aiter_models(chunks, Author, on_error="yield")]


class Articles(RootModel[list[Article]]):
    pass


def targets(chunks: Iterable[str]) -> None:
    """Targets other than a model: the partials of lists and dicts of models are lists
    and dicts of partials; a RootModel's partial has ``.root``; other types read as Any."""
    with unspool.stream_model(chunks, list[Article]) as listed:
        for partials in listed:
            assert_type(partials, list[Partial[Article]])
            assert_type(partials[0].title, str | None)
        assert_type(listed.final(), list[Article])
    with unspool.stream_model(chunks, dict[str, Author]) as by_name:
        for named in by_name:
            assert_type(named, dict[str, Partial[Author]])
        assert_type(by_name.final(), dict[str, Author])
    with unspool.stream_model(chunks, Articles) as rooted:
        for root in rooted:
            assert_type(root, Partial[Articles])
            assert_type(root.root, list[Partial[Article]] | None)
            root.roots  # type: ignore[attr-defined]  # noqa: B018
        assert_type(rooted.final(), Articles)
    with unspool.stream_model(chunks, TypeAdapter(list[Article])) as adapted:
        for partials in adapted:
            assert_type(partials, list[Partial[Article]])
        assert_type(adapted.final(), list[Article])
    with unspool.stream_model(chunks, TypeAdapter(Article)) as one:
        for partial in one:
            assert_type(partial, Partial[Article])
        assert_type(one.final(), Article)
    with unspool.stream_model(chunks, list[int]) as numbers:
        for anything in numbers:
            assert_type(anything, Any)
        assert_type(numbers.final(), list[int])
    authors = list(unspool.iter_models(chunks, TypeAdapter(Author), at="/items"))
    assert_type(authors, list[Author])
    rows = list(unspool.iter_models(chunks, list[Author], at="/rows"))
    assert_type(rows, list[list[Author]])


class Shelf(BaseModel):
    articles: Articles


def nested_root_model(shelf: Partial[Shelf]) -> None:
    # A RootModel field shows as its partial, whose root holds partials.
    assert_type(shelf.articles, Partial[Articles] | None)
    if shelf.articles is not None:
        assert_type(shelf.articles.root, list[Partial[Article]] | None)


async def atargets(chunks: AsyncIterator[str]) -> list[Article]:
    async with unspool.astream_model(chunks, list[Article]) as s:
        async for partials in s:
            assert_type(partials, list[Partial[Article]])
        return await s.final()
