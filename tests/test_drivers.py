"""Drivers: ``iter_partial`` / ``iter_events`` and their async twins over chunk iterables."""

from __future__ import annotations

import contextlib
import copy

import pytest
from strategies import feed_all, same

from unspool import (
    MISSING,
    ParseError,
    Parser,
    ValueCompleted,
    aiter_events,
    aiter_partial,
    iter_events,
    iter_partial,
)

TEXT = '{"title": "Str\\u00e9ams", "tags": ["a", "b"], "n": 42, "ok": true, "e": {}}'


def changed_snapshots(chunks, **options):
    """The snapshots iter_partial should yield: after each call that changed the value."""
    parser, previous, out = Parser(**options), MISSING, []
    for call, arg in [*((parser.feed, c) for c in chunks), (parser.close, None)]:
        call() if arg is None else call(arg)
        if not same(parser.value, previous):
            previous = copy.deepcopy(parser.value)
            out.append(previous)
    return out


def test_iter_partial_yields_exactly_after_changing_chunks(chunker):
    most = 0
    for chunks in chunker(TEXT):
        expected = changed_snapshots(chunks)
        assert [copy.deepcopy(s) for s in iter_partial(chunks)] == expected, chunks
        most = max(most, len(expected))
    assert most > 1 or chunker.mode == "whole"


@pytest.mark.parametrize(
    ("chunks", "yields"),
    [(['"ab', '"'], 1), (['["ab', '"]'], 1), (['{"k": "v', '", ', '"j": 1}'], 2)],
)
def test_closing_quote_alone_yields_nothing(chunks, yields):
    assert len(list(iter_partial(chunks))) == yields


def recording(chunks, fed):
    """A source that notes the index of each chunk as it hands it out."""
    for i, chunk in enumerate(chunks):
        fed.append(i)
        yield chunk


def test_no_op_chunks_yield_nothing():
    # whitespace, a key alone, half a number, half a literal, a closing bracket
    chunks = ['{"a"', ": ", "1", "2", ", ", '"b": ', "tr", "ue", "}", "  "]
    fed = []
    got = [(fed[-1], copy.deepcopy(s)) for s in iter_partial(recording(chunks, fed))]
    assert got == [(0, {}), (4, {"a": 12}), (7, {"a": 12, "b": True})]


def test_number_at_the_end_is_yielded_after_close():
    fed = []
    assert [(fed[-1], s) for s in iter_partial(recording(["12", "3"], fed))] == [(1, 123)]


def test_iter_events_matches_the_parser(chunker):
    for chunks in chunker(TEXT):
        assert list(iter_events(chunks)) == feed_all(chunks).all_events


def test_options_reach_the_parser():
    events = list(iter_events(["1 ", "2 NaN"], multiple=True, allow_nan=True))
    assert [(e.document, e.value) for e in events][:2] == [(0, 1), (1, 2)]
    assert events[2].value != events[2].value  # NaN
    with pytest.raises(ParseError) as exc:
        list(iter_partial(["[[1]]"], max_depth=1))
    assert exc.value.kind == "max_depth"


def test_events_before_an_error_are_yielded_first():
    got = []
    with pytest.raises(ParseError) as exc:
        for event in iter_events(['[1, "a", x]']):
            got.append(event)
    assert got[-1] == ValueCompleted((1,), "a") and exc.value.kind == "expected_value"
    snapshots = []
    with pytest.raises(ParseError):
        for snapshot in iter_partial(["[1, ", "2, x"]):
            snapshots.append(copy.deepcopy(snapshot))
    assert snapshots == [[1], [1, 2]]


async def agen(chunks):
    for chunk in chunks:
        yield chunk


async def test_async_twins_match(chunker):
    for chunks in chunker(TEXT)[:3]:
        events = [e async for e in aiter_events(agen(chunks))]
        assert events == list(iter_events(chunks))
        snapshots = [copy.deepcopy(s) async for s in aiter_partial(agen(chunks))]
        assert snapshots == [copy.deepcopy(s) for s in iter_partial(chunks)]
        assert snapshots


# -- wrong chunks ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [{"delta": "x"}, 5, None, ["[1]"], 1.5])
def test_a_chunk_of_another_type_is_a_type_error(bad):
    for run in (lambda: list(iter_partial(["[", bad])), lambda: Parser().feed(bad)):
        with pytest.raises(TypeError) as exc:
            run()
        message = str(exc.value)
        assert type(bad).__name__ in message and "adapters" in message


async def test_async_chunk_of_another_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"dict.*adapters"):
        [s async for s in aiter_partial(agen([{"choices": []}]))]


@pytest.mark.parametrize("chunks", [["[1, ", b"2]"], [b"[1, ", "2]"], [b"", "1"]])
def test_mixing_str_and_bytes_is_a_type_error(chunks):
    with pytest.raises(TypeError, match="mix"):
        list(iter_events(chunks))


def test_bytes_like_chunks_are_accepted():
    chunks = [b'{"a": "\xc3', bytearray(b'\xa9"'), memoryview(b"}")]
    assert list(iter_partial(chunks))[-1] == {"a": "é"}


# -- closing the source -------------------------------------------------------------------


class Source:
    """An iterable with its own close(), like an SDK stream."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = 0

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed += 1


class AsyncSource:
    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = 0

    def __aiter__(self):
        return agen(self.chunks)

    async def aclose(self):
        self.closed += 1


@pytest.mark.parametrize("driver", [iter_partial, iter_events])
def test_breaking_out_closes_the_source_generator(driver):
    closed = []

    def source():
        try:
            yield from ["[1, ", "2, ", "3]"]
        finally:
            closed.append(True)

    for _ in driver(source()):
        break
    assert closed == [True]  # the driver was dropped, so it closed its source at once


@pytest.mark.parametrize("driver", [iter_partial, iter_events])
def test_the_source_object_is_closed_early_at_the_end_and_on_error(driver):
    early = Source(["[1, ", "2, ", "3]"])
    stream = driver(early)
    next(stream)
    stream.close()
    assert early.closed == 1
    done = Source(["[1]"])
    list(driver(done))
    assert done.closed == 1
    bad = Source(["[1, ", "x]", "never read"])
    with pytest.raises(ParseError):
        list(driver(bad))
    assert bad.closed == 1


@pytest.mark.parametrize("driver", [aiter_partial, aiter_events])
async def test_async_drivers_close_their_source(driver):
    early = AsyncSource(["[1, ", "2, ", "3]"])
    async with contextlib.aclosing(driver(early)) as stream:
        async for _ in stream:
            break
    assert early.closed == 1
    done = AsyncSource(["[1]"])
    assert [x async for x in driver(done)]
    assert done.closed == 1

    closed = []

    async def source():
        try:
            for chunk in ["[1, ", "2, ", "3]"]:
                yield chunk
        finally:
            closed.append(True)

    stream = driver(source())
    await anext(stream)
    await stream.aclose()
    assert closed == [True]
