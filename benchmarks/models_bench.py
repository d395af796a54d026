"""Typed partial models while an LLM streams an article: the ``models`` suite's contenders.

Four ways to show a live, typed ``Article`` after every chunk of the benchmark's ``article``
workload, on the same LLM chunks as every other suite:

- ``stream-model``: ``unspool.stream_model(chunks, Article)``: each value validated once when
  it completes, one live partial updated in place, ``final()`` validated once.
- ``pydantic-partial``: after every chunk, ``TypeAdapter(LooseArticle).validate_json(buffer,
  experimental_allow_partial="trailing-strings")`` on the whole buffer (``LooseArticle``: every
  field optional, as a partial must be); ``Article.model_validate_json`` at the end.
- ``jiter-construct`` (the SDK approach): after every chunk, ``jiter.from_json(buffer,
  partial_mode="trailing-strings")`` and ``LooseArticle.model_construct(**value)``;
  ``Article.model_validate_json`` at the end.
- ``parser-model`` (the bare parser, a reference, not a peer): ``Parser(events=False)`` fed
  every chunk with ``.value`` read after each, then ``Article.model_validate`` once.

Run them with ``python -m benchmarks --suite models`` (``python -m benchmarks.models_bench``
does the same).
"""

from __future__ import annotations

from typing import Any

import jiter
from pydantic import BaseModel, TypeAdapter

import unspool

from .contenders import Case, Contender, Run


class Author(BaseModel):
    name: str
    verified: bool
    followers: int


class Section(BaseModel):
    heading: str
    paragraphs: list[str]
    word_count: int
    has_code: bool
    confidence: float


class Article(BaseModel):
    """The shape of ``workloads.make_article``'s text."""

    title: str
    author: Author
    language: str
    reading_time_minutes: int
    score: float
    draft: bool
    tags: list[str]
    sections: list[Section]
    summary: str


class LooseAuthor(BaseModel):
    name: str | None = None
    verified: bool | None = None
    followers: int | None = None


class LooseSection(BaseModel):
    heading: str | None = None
    paragraphs: list[str] | None = None
    word_count: int | None = None
    has_code: bool | None = None
    confidence: float | None = None


class LooseArticle(BaseModel):
    """What a partial ``Article`` must accept: every field optional."""

    title: str | None = None
    author: LooseAuthor | None = None
    language: str | None = None
    reading_time_minutes: int | None = None
    score: float | None = None
    draft: bool | None = None
    tags: list[str] | None = None
    sections: list[LooseSection] | None = None
    summary: str | None = None


_LOOSE = TypeAdapter(LooseArticle)


def expect_article(case: Case) -> Article:
    return Article.model_validate_json(case.text)


def _stream_model(case: Case) -> Run:
    chunks = case.chunks

    def run() -> Any:
        with unspool.stream_model(chunks, Article) as stream:
            for _partial in stream:
                pass
            return stream.final()

    return run


def _pydantic_partial(case: Case) -> Run:
    chunks = case.chunks
    validate = _LOOSE.validate_json

    def run() -> Any:
        buffer = ""
        for chunk in chunks:
            buffer += chunk
            validate(buffer, experimental_allow_partial="trailing-strings")
        return Article.model_validate_json(buffer)

    return run


def _jiter_construct(case: Case) -> Run:
    chunks = case.chunks
    from_json = jiter.from_json
    construct = LooseArticle.model_construct

    def run() -> Any:
        buffer = ""
        for chunk in chunks:
            buffer += chunk
            construct(**from_json(buffer.encode(), partial_mode="trailing-strings"))
        return Article.model_validate_json(buffer)

    return run


def _parser_model(case: Case) -> Run:
    chunks = case.chunks

    def run() -> Any:
        parser = unspool.Parser(events=False)
        feed = parser.feed
        for chunk in chunks:
            feed(chunk)
            parser.value  # noqa: B018 - read the snapshot after every chunk, as a UI does
        parser.close()
        return Article.model_validate(parser.value)

    return run


def _pydantic_step(case: Case) -> Any:
    return lambda buffer: _LOOSE.validate_json(
        buffer, experimental_allow_partial="trailing-strings"
    )


def _jiter_step(case: Case) -> Any:
    construct = LooseArticle.model_construct
    return lambda buffer: construct(
        **jiter.from_json(buffer.encode(), partial_mode="trailing-strings")
    )


MODEL_CONTENDERS = (
    Contender(
        "stream-model",
        "unspool stream_model",
        "`unspool.stream_model(chunks, Article)`: iterate the live partial after every chunk, "
        "then `final()`",
        _stream_model,
        expect=expect_article,
        unspool=True,
    ),
    Contender(
        "pydantic-partial",
        "pydantic allow_partial",
        "append to a `str` buffer, then `TypeAdapter(LooseArticle).validate_json(buffer, "
        'experimental_allow_partial="trailing-strings")` after every chunk (every field '
        "optional, as a partial must be); `Article.model_validate_json` at the end",
        _pydantic_partial,
        expect=expect_article,
        reparse=_pydantic_step,
        package="pydantic",
    ),
    Contender(
        "jiter-construct",
        "jiter + model_construct",
        'after every chunk `jiter.from_json(buffer.encode(), partial_mode="trailing-strings")` '
        "and `LooseArticle.model_construct(**value)` (unvalidated, the SDKs' way); "
        "`Article.model_validate_json` at the end",
        _jiter_construct,
        expect=expect_article,
        reparse=_jiter_step,
        package="jiter",
    ),
    Contender(
        "parser-model",
        "bare parser + validate",
        "`Parser(events=False)`, `.value` read after every chunk, then "
        "`Article.model_validate(value)` once: the floor under `stream_model`",
        _parser_model,
        expect=expect_article,
        unspool=True,
    ),
)


if __name__ == "__main__":
    import sys

    from .run import main

    raise SystemExit(main(["--suite", "models", *sys.argv[1:]]))
