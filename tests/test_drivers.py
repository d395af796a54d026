"""Drivers: ``iter_partial`` / ``iter_events`` and their async twins over chunk iterables."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json

import pytest
from strategies import feed_all, same

import unspool
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


# -- every driver is a context manager that closes a held SDK stream -------------------------
# The real openai client over httpx.MockTransport (tests/adapters/conftest.py): the body
# records how far it was read and when it was closed.


def sdk_drivers():
    """name -> (fixture, driver over a sync SDK stream, its async twin), for every driver."""
    pydantic = pytest.importorskip("pydantic")
    uo = pytest.importorskip("unspool.openai")

    class Item(pydantic.BaseModel):
        name: str
        detail: str

    class Answer(pydantic.BaseModel):
        title: str
        items: list[Item]

    text = "openai_chat_json.sse"
    return {
        "iter_partial": (
            text,
            lambda s: unspool.iter_partial(uo.text_deltas(s)),
            lambda s: unspool.aiter_partial(uo.text_deltas(s)),
        ),
        "iter_events": (
            text,
            lambda s: unspool.iter_events(uo.text_deltas(s)),
            lambda s: unspool.aiter_events(uo.text_deltas(s)),
        ),
        "iter_objects": (
            text,
            lambda s: unspool.iter_objects(uo.text_deltas(s), at="/items"),
            lambda s: unspool.aiter_objects(uo.text_deltas(s), at="/items"),
        ),
        "iter_models": (
            text,
            lambda s: unspool.iter_models(uo.text_deltas(s), Item, at="/items"),
            lambda s: unspool.aiter_models(uo.text_deltas(s), Item, at="/items"),
        ),
        "stream_model": (
            text,
            lambda s: unspool.stream_model(uo.text_deltas(s), Answer),
            lambda s: unspool.astream_model(uo.text_deltas(s), Answer),
        ),
        "iter_tool_calls": (
            "openai_chat_parallel_tools.sse",
            uo.iter_tool_calls,
            uo.aiter_tool_calls,
        ),
    }


DRIVER_NAMES = ["iter_partial", "iter_events", "iter_objects", "iter_models", "stream_model"]
DRIVER_NAMES.append("iter_tool_calls")
MESSAGES = [{"role": "user", "content": "Tea tips as JSON."}]


def served_stream(name, hang_after=None, asynchronous=False):
    pytest.importorskip("openai")
    from adapters.conftest import Served

    served = Served(name, hang_after)
    client = served.async_openai() if asynchronous else served.openai()
    stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    return served, stream


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_with_closes_the_held_sdk_stream_after_break(name):
    fixture, driver, _ = sdk_drivers()[name]
    served, stream = served_stream(fixture)  # held: only the with block can close it
    with driver(stream) as results:
        for _ in results:
            break
        assert not served.body.closed  # still open inside the block
    served.body.assert_closed_early()


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_with_closes_the_held_sdk_stream_on_an_exception(name):
    fixture, driver, _ = sdk_drivers()[name]
    served, stream = served_stream(fixture)
    results = driver(stream)
    with pytest.raises(KeyError), results:
        next(iter(results))
        raise KeyError("the consumer failed")
    served.body.assert_closed_early()


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_with_closes_a_stream_never_iterated(name):
    fixture, driver, _ = sdk_drivers()[name]
    served, stream = served_stream(fixture)
    with driver(stream):
        pass
    assert served.body.closed and served.body.sent == 0


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_a_named_driver_left_by_break_closes_when_dropped(name):
    fixture, driver, _ = sdk_drivers()[name]
    served, stream = served_stream(fixture)
    results = driver(stream)
    for _ in results:
        break
    assert not served.body.closed  # the name still holds the driver: it may go on
    del results  # no reference cycle: dropped now, not at the next garbage collection
    served.body.assert_closed_early()


@pytest.mark.parametrize("name", DRIVER_NAMES)
async def test_async_with_closes_the_held_sdk_stream_after_break(name):
    fixture, _, adriver = sdk_drivers()[name]
    served, stream = served_stream(fixture, asynchronous=True)
    async with adriver(await stream) as results:
        async for _ in results:
            break
        assert not served.body.closed
    served.body.assert_closed_early()


@pytest.mark.parametrize("name", DRIVER_NAMES)
@pytest.mark.parametrize("use_with", [True, False])
async def test_cancelling_the_consuming_task_closes_the_sdk_stream(name, use_with):
    fixture, _, adriver = sdk_drivers()[name]
    hang = 20  # the model "thinks" after 20 events
    served, stream = served_stream(fixture, hang_after=hang, asynchronous=True)
    results = adriver(await stream)
    seen = []

    async def consume():
        if use_with:
            async with results:
                async for x in results:
                    seen.append(x)
        else:
            async for x in results:
                seen.append(x)

    task = asyncio.create_task(consume())
    while served.body.sent < hang:
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    served.body.assert_closed_early()
    assert served.body.sent_when_closed == hang


# -- min_interval ---------------------------------------------------------------------------


def paced(chunks, clock, step):
    """A source whose every chunk takes ``step`` seconds on the fake ``clock``."""
    for chunk in chunks:
        clock[0] += step
        yield chunk


def test_min_interval_coalesces_snapshots_and_always_delivers_the_last(monkeypatch):
    import unspool._drivers as drivers

    clock = [0.0]
    monkeypatch.setattr(drivers, "_now", lambda: clock[0])
    text = '{"items": [' + ", ".join(f'"item {i}"' for i in range(40)) + "]}"
    chunks = [text[i : i + 3] for i in range(0, len(text), 3)]
    every = [copy.deepcopy(s) for s in iter_partial(chunks)]
    times, got = [], []
    for snapshot in iter_partial(paced(chunks, clock, 0.01), min_interval=0.05):
        times.append(clock[0])
        got.append(copy.deepcopy(snapshot))
    assert len(every) > 100 and 10 < len(got) < len(every) // 4
    # at most that often (the last one may come sooner: the stream ended)
    assert all(b - a >= 0.05 - 1e-9 for a, b in itertools.pairwise(times[:-1]))
    assert got[-1] == every[-1] == json.loads(text)  # the last one always comes
    assert all(s in every for s in got)  # each one is a real snapshot, in order
    assert [every.index(s) for s in got] == sorted(every.index(s) for s in got)


def test_min_interval_delivers_a_held_snapshot_at_the_end(monkeypatch):
    import unspool._drivers as drivers

    clock = [0.0]
    monkeypatch.setattr(drivers, "_now", lambda: clock[0])
    # the last chunk changes nothing: the change before it was held and must still come
    chunks = ['["a', 'b", "c', '"]', " "]
    got = [copy.deepcopy(s) for s in iter_partial(paced(chunks, clock, 0.001), min_interval=1)]
    assert got == [["a"], ["ab", "c"]]


async def test_async_min_interval_matches_the_sync_one(monkeypatch):
    import unspool._drivers as drivers

    clock = [0.0]
    monkeypatch.setattr(drivers, "_now", lambda: clock[0])
    chunks = [f'"{"x" * i}", ' for i in range(30)]
    chunks = ["[", *chunks, '"end"]']

    async def apaced():
        for chunk in paced(chunks, clock, 0.01):
            yield chunk

    got = [copy.deepcopy(s) async for s in aiter_partial(apaced(), min_interval=0.05)]
    clock[0] = 0.0
    expected = [
        copy.deepcopy(s) for s in iter_partial(paced(chunks, clock, 0.01), min_interval=0.05)
    ]
    assert got == expected and 3 < len(got) < 12 and got[-1][-1] == "end"


@pytest.mark.parametrize("bad", [-1, float("nan")])
def test_min_interval_must_be_a_duration(bad):
    with pytest.raises(ValueError, match="min_interval"):
        iter_partial(["1"], min_interval=bad)
