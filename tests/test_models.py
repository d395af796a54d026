"""The pydantic drivers (``unspool._models``): ``stream_model`` / ``astream_model`` and
``iter_models`` / ``aiter_models`` -- what they yield, when they raise, and that they close
their source however the loop ends."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

import unspool
from unspool import IncompleteJSONError, ItemError, ParseError, Partial, ValidationError


class Author(BaseModel):
    name: str
    age: int = 0


class Article(BaseModel):
    title: str
    tags: list[str] = []
    author: Author | None = None

    @model_validator(mode="after")
    def count(self) -> Article:
        CALLS.append(self.title)
        return self


CALLS: list[str] = []
TEXT = '{"title": "Streams", "tags": ["a", "b"], "author": {"name": "Ada", "age": 36}}'


class Source:
    """A chunk source that records how far it was read and whether it was closed."""

    def __init__(self, chunks: list[Any]) -> None:
        self.chunks = chunks
        self.read = 0
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for chunk in self.chunks:
                self.read += 1
                yield chunk
        finally:
            self.closed = True

    async def __aiter__(self) -> AsyncIterator[Any]:
        try:
            for chunk in self.chunks:
                self.read += 1
                yield chunk
        finally:
            self.closed = True


def pieces(text: str, size: int = 5) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def snapshots(partials: Iterator[Any]) -> list[Any]:
    """A deep copy of each (live) partial as it is yielded."""
    return [p.model_copy(deep=True) for p in partials]


# -- stream_model ------------------------------------------------------------------------------


def test_stream_model_yields_partials_then_final():
    CALLS.clear()
    source = Source(pieces(TEXT))
    with unspool.stream_model(source, Article) as stream:
        partials = snapshots(stream)
        assert CALLS == []  # the model validator runs in final(), once
        article = stream.final()
        assert stream.final() is article
    assert CALLS == ["Streams"] and article == Article.model_validate_json(TEXT)
    assert all(isinstance(p, Partial[Article]) for p in partials)
    assert partials[-1] == stream.partial and partials[-1].author.age == 36
    assert [p.title for p in partials][:3] == [None, "Stre", "Streams"]
    assert source.closed and source.read == len(source.chunks)


def test_the_partial_is_live():
    with unspool.stream_model(pieces(TEXT), Article) as stream:
        first = next(stream)
        kept = first.model_copy(deep=True)  # a snapshot: not updated any more
        assert all(p is first for p in stream)
    assert first is stream.partial and first.author.name == "Ada"
    assert kept.title is None and kept.model_fields_set == set()


def test_a_held_string_never_changes_while_the_open_one_grows():
    """The compiled build grows the open string in the partial in place while only the partial
    holds it (_snapshot.h): a string taken from it, or hashed, keeps its characters."""
    chunks = [
        '{"title": "ab',
        "cd",
        "\u00e9f",
        "gh",
        "\u20ac",
        "ij" * 40,
        "kl",
        '", "tags": ["x',
        'y"]}',
    ]
    shown = []
    with unspool.stream_model(chunks, Article) as stream:
        for partial in stream:
            title = partial.title
            if type(title) is str and (not shown or title.encode() != shown[-1][1]):
                shown.append((title, title.encode()))  # the object, and its text as read
                hash(shown[0][0])
        final = stream.final()
    assert len(shown) >= 5 and all(held.encode() == text for held, text in shown)
    assert final.title == "abcd\u00e9fgh\u20ac" + "ij" * 40 + "kl" and final.tags == ["xy"]
    assert shown[-1][1] == final.title.encode()


def test_one_partial_per_visible_change():
    chunks = ["{", "  ", '"title"', ": ", '"ab', "", '"', ', "tags": [', "]}"]
    partials = snapshots(unspool.stream_model(chunks, Article))
    # '{' shows an empty partial; whitespace, a key, ': ' and '' show nothing new.
    assert [(p.title, p.tags) for p in partials] == [
        (None, None),
        ("ab", None),
        ("ab", None),  # title complete
        ("ab", []),
        ("ab", []),  # tags complete (the root's '}' adds nothing)
    ]
    assert [unspool.completed(p) for p in partials][-1] == {"title", "tags"}


def test_numbers_wait_for_their_end():
    chunks = ['{"title": "t", "author": {"name": "A", "age": 1', "2", "3", "}}"]
    ages = [p.author and p.author.age for p in unspool.stream_model(chunks, Article)]
    assert 1 not in ages and 12 not in ages and ages[-1] == 123


def test_final_without_iterating_reads_everything_once():
    source = Source(pieces(TEXT))
    with unspool.stream_model(source, Article) as stream:
        assert stream.final().author == Author(name="Ada", age=36)
        assert list(stream) == []
    assert source.closed


def test_leaving_early_closes_the_source():
    source = Source(pieces(TEXT))
    with unspool.stream_model(source, Article) as stream:
        for _ in stream:
            break
    assert source.closed and source.read == 1


def test_a_loop_left_early_without_with_closes_the_source_at_once():
    source = Source(pieces(TEXT))
    gc.disable()  # closed by reference counting, not by a later collection of a cycle
    try:
        for _ in unspool.stream_model(source, Article):
            break
        assert source.closed and source.read == 1
    finally:
        gc.enable()


async def test_an_async_loop_left_early_without_with_closes_the_source():
    source = Source(pieces(TEXT))
    gc.disable()
    try:
        async for _ in unspool.astream_model(source, Article):
            break
        for _ in range(3):  # asyncio closes a dropped async generator in a task
            await asyncio.sleep(0)
        assert source.closed and source.read == 1
    finally:
        gc.enable()


def test_an_exception_in_the_body_closes_the_source():
    source = Source(pieces(TEXT))
    with pytest.raises(KeyError), unspool.stream_model(source, Article) as stream:
        next(stream)
        raise KeyError("consumer failed")
    assert source.closed


def test_objects_with_close_are_closed():
    class Closable:
        def __init__(self) -> None:
            self.closed = False

        def __iter__(self) -> Iterator[str]:
            return iter(pieces(TEXT))

        def close(self) -> None:
            self.closed = True

    source = Closable()
    with unspool.stream_model(source, Article) as stream:
        next(stream)
    assert source.closed
    source = Closable()
    with unspool.stream_model(source, Article):
        pass  # never iterated: closed all the same
    assert source.closed


def test_a_bad_value_stops_the_stream_at_once():
    source = Source(['{"title": "ok", "author": {"name": 5', "}, ", '"tags": []}'])
    with pytest.raises(ValidationError) as info, unspool.stream_model(source, Article) as stream:
        for _ in stream:
            pass
    assert info.value.path == ("author", "name") and info.value.raw == "5"
    assert isinstance(info.value.__cause__, PydanticValidationError)
    assert source.read == 2 and source.closed  # the rest was never requested


def test_invalid_json_raises_from_the_iteration():
    with pytest.raises(ParseError), unspool.stream_model(['{"title": "a"', "]"], Article) as s:
        list(s)


def test_truncated_stream_final_raises_with_the_last_partial():
    with unspool.stream_model(['{"title": "Half', ' a title", "tags": ["x"'], Article) as stream:
        list(stream)
        with pytest.raises(IncompleteJSONError) as info:
            stream.final()
    assert info.value.partial is stream.partial
    assert info.value.partial.title == "Half a title" and info.value.partial.tags == ["x"]


def test_empty_stream():
    with unspool.stream_model([], Article) as stream:
        assert list(stream) == [] and stream.partial is None
        with pytest.raises(IncompleteJSONError) as info:
            stream.final()
    assert info.value.partial is None and info.value.kind == "empty_input"


def test_bytes_chunks_split_inside_characters():
    data = '{"title": "héllo 🎉"}'.encode()
    chunks = [data[i : i + 1] for i in range(len(data))]
    with unspool.stream_model(chunks, Article) as stream:
        titles = [p.title for p in stream]
        assert stream.final().title == "héllo 🎉"
    assert all("\ufffd" not in t for t in titles if t)


def test_final_validation_error():
    class Positive(BaseModel):
        n: int = Field(gt=0)
        m: int

    with unspool.stream_model(['{"n": 1}'], Positive) as stream:
        list(stream)
        with pytest.raises(ValidationError) as info:
            stream.final()
    assert info.value.path == () and "/m" in str(info.value)


async def test_astream_model():
    source = Source(pieces(TEXT, 3))
    async with unspool.astream_model(source, Article) as stream:
        partials = [p.model_dump() async for p in stream]
        article = await stream.final()
    assert article == Article.model_validate_json(TEXT)
    assert partials[-1]["author"]["name"] == "Ada" and source.closed
    sync = [p.model_dump() for p in unspool.stream_model(pieces(TEXT, 3), Article)]
    assert partials == sync and partials[0] != partials[1]


async def test_astream_model_closes_early_and_reports_truncation():
    source = Source(pieces(TEXT))
    async with unspool.astream_model(source, Article) as stream:
        async for _ in stream:
            break
    assert source.closed and source.read == 1
    async with unspool.astream_model(Source(['{"title": "x']), Article) as stream:
        with pytest.raises(IncompleteJSONError) as info:
            await stream.final()
    assert info.value.partial.title == "x"


async def test_astream_model_final_alone():
    source = Source(pieces(TEXT))
    async with unspool.astream_model(source, Article) as stream:
        assert (await stream.final()).title == "Streams"
    assert source.closed


# -- iter_models -------------------------------------------------------------------------------

ITEMS = '{"items": [{"name": "a"}, {"name": "b", "age": "x"}, {"name": "c", "age": 3}]}'


def test_iter_models_validates_each_item_as_it_closes():
    source = Source(pieces(ITEMS.replace('"x"', "2"), 7))
    seen = []
    for item in unspool.iter_models(source, Author, at="/items"):
        seen.append((item, source.read))
    assert [a for a, _ in seen] == [
        Author(name="a"),
        Author(name="b", age=2),
        Author(name="c", age=3),
    ]
    assert seen[0][1] < seen[1][1] < seen[2][1]  # each one as soon as it closed
    assert source.closed


def test_iter_models_raise_after_earlier_items():
    got = []
    with pytest.raises(ValidationError) as info:
        for item in unspool.iter_models([ITEMS], Author, at="/items"):
            got.append(item)
    assert got == [Author(name="a")]
    err = info.value
    assert err.index == 1 and err.raw == '{"name": "b", "age": "x"}'
    assert "item 1" in str(err) and "/age" in str(err)
    assert isinstance(err.__cause__, PydanticValidationError)


def test_iter_models_skip_logs(caplog):
    with caplog.at_level(logging.WARNING, logger="unspool"):
        got = list(unspool.iter_models(pieces(ITEMS, 4), Author, at="/items", on_error="skip"))
    assert got == [Author(name="a"), Author(name="c", age=3)]
    (record,) = caplog.records
    assert record.name == "unspool" and "1" in record.getMessage()
    assert '{"name": "b", "age": "x"}' in record.getMessage()


def test_iter_models_yield_item_errors():
    got = list(unspool.iter_models([ITEMS], Author, at="/items", on_error="yield"))
    assert got[0] == Author(name="a") and got[2] == Author(name="c", age=3)
    bad = got[1]
    assert isinstance(bad, ItemError) and bad.index == 1
    assert bad.raw == '{"name": "b", "age": "x"}' and isinstance(bad.error, ValidationError)


def test_iter_models_ndjson_with_bad_lines():
    text = '{"name": "a"}\n{"name": \n{"name": "c"}\n[1]\n'
    got = list(unspool.iter_models(pieces(text, 3), Author, on_error="yield"))
    assert [type(g).__name__ for g in got] == ["Author", "ItemError", "Author", "ItemError"]
    assert isinstance(got[1].error, ParseError) and isinstance(got[3].error, ValidationError)
    assert [g.index for g in got if isinstance(g, ItemError)] == [1, 3]


def test_iter_models_any_type_and_bad_option():
    assert list(unspool.iter_models(["[1, 2", ", 3]"], int)) == [1, 2, 3]
    with pytest.raises(ValueError):
        list(unspool.iter_models([ITEMS], Author, on_error="ignore"))  # type: ignore[call-overload]


async def test_aiter_models():
    source = Source(pieces(ITEMS, 6))
    got = [
        item async for item in unspool.aiter_models(source, Author, at="/items", on_error="yield")
    ]
    assert got[0] == Author(name="a") and isinstance(got[1], ItemError) and source.closed
    got = []
    with pytest.raises(ValidationError):
        async for item in unspool.aiter_models(Source([ITEMS]), Author, at="/items"):
            got.append(item)
    assert got == [Author(name="a")]


# -- packaging ---------------------------------------------------------------------------------


def test_import_without_pydantic_names_the_extra():
    code = (
        "import sys; sys.modules['pydantic'] = None\n"
        "import unspool\n"
        "assert unspool.Parser and 'stream_model' in dir(unspool)\n"
        "assert list(unspool.iter_objects(['[1, ', '2]'])) == [1, 2]\n"
        "for name in ('Partial', 'completed', 'stream_model', 'iter_models'):\n"
        "    try:\n"
        "        getattr(unspool, name)\n"
        "    except ImportError as err:\n"
        "        print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == 4 and all("pip install 'unspool[pydantic]'" in line for line in lines)
    assert lines[0].startswith("unspool.Partial ")


def test_pydantic_names_are_public():
    for name in ("Partial", "completed", "stream_model", "astream_model", "iter_models"):
        assert name in unspool.__all__ and getattr(unspool, name) is not None
    with pytest.raises(AttributeError):
        unspool.no_such_name  # noqa: B018
    assert json.loads(TEXT)  # the fixtures are valid JSON
