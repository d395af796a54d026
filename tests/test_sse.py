"""unspool.sse: the frames a chunking gives, the value a client rebuilds, errors, pacing,
closing the source, and the bytes on the wire."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import chunked, json_documents

import unspool
from unspool import sse

DOC = {
    "title": 'Tea, "brewed" well',
    "summary": "Three tips.\nWith a newline, an é and a 😀.",
    "sections": [
        {"heading": "Water", "body": "Use fresh water.", "minutes": 3},
        {"heading": "Time", "body": "Steep 3-5 minutes.", "tags": ["green", "black"]},
        {"heading": "Heat", "body": "", "ok": True, "n": None, "x": -1.5e3, "e": {}, "l": []},
    ],
    "big": 123456789012345678901234567890,
}
TEXT = json.dumps(DOC, ensure_ascii=False, indent=1)


def rebuild(frames: list[tuple[str, str]], patcher: sse.Patcher | None = None) -> sse.Patcher:
    patcher = patcher or sse.Patcher()
    for event, data in frames:
        patcher.apply(event, data)
    return patcher


def frames_of(chunks: list[Any], **options: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Per chunk: the frames, the rebuilt value and the parser's snapshot; then the end."""
    encoder = sse.Encoder(**options)
    parser = unspool.Parser(**{k: v for k, v in options.items() if k != "at"})
    patcher = sse.Patcher()
    frames, rebuilt, snapshots = [], [], []
    for chunk in chunks:
        new = encoder.feed(chunk) + encoder.flush()
        parser.feed(chunk)
        rebuild(new, patcher)
        frames.append(new)
        rebuilt.append(copy.deepcopy(patcher.value))
        snapshots.append(copy.deepcopy(parser.value))
    last = encoder.close()
    parser.close()
    rebuild(last, patcher)
    frames.append(last)
    rebuilt.append(patcher.value)
    snapshots.append(copy.deepcopy(parser.value))
    return frames, rebuilt, snapshots


# -- Rule 1: the client's value is the snapshot, whatever the chunking ---------------------------


def test_rebuilt_value_is_the_snapshot_after_every_chunk(chunker: Any) -> None:
    seen = set()
    for chunks in chunker(TEXT):
        frames, rebuilt, snapshots = frames_of(chunks)
        assert rebuilt == snapshots
        assert rebuilt[-1] == DOC == json.loads(chunker.encode(TEXT))
        assert frames[-1][-1] == ("done", "{}")
        seen.add(json.dumps(frames))
    if chunker.mode != "whole":  # the frames do depend on the chunking; the value does not
        assert len(seen) > 1 or len(chunker(TEXT)) == 1


def test_frames_differ_with_chunking_and_the_value_does_not() -> None:
    one = frames_of([TEXT])
    chars = frames_of(list(TEXT))
    assert one[0] != chars[0]
    assert one[1][-1] == chars[1][-1] == DOC
    assert len(one[0][0]) == 1  # the whole text: one patch, the document itself
    assert sum(len(f) for f in chars[0]) > len(TEXT) / 4


@given(st.data())
def test_rebuilt_value_matches_snapshots_for_generated_json(data: st.DataObject) -> None:
    text = data.draw(json_documents())
    chunks = data.draw(st.sampled_from([list(text), chunked(text), [text]]))
    if isinstance(chunks, st.SearchStrategy):
        chunks = data.draw(chunks)
    _, rebuilt, snapshots = frames_of(chunks)
    assert rebuilt == snapshots


def test_documents_of_a_stream_follow_each_other() -> None:
    text = '{"a": 1} "x" 3 3 [1, [2, "yz"]] {} ""'
    for chunks in ([text], list(text)):
        _, rebuilt, snapshots = frames_of(chunks, multiple=True)
        assert rebuilt == snapshots
        assert rebuilt[-1] == ""


def test_a_duplicate_key_shows_its_last_value_once_complete() -> None:
    text = '{"a": "x", "a": "yy", "b": [1], "b": {"c": 2}, "d": 0}'
    for chunks in ([text], list(text)):
        _, rebuilt, _ = frames_of(chunks)
        assert rebuilt[-1] == json.loads(text)


# -- the events ----------------------------------------------------------------------------------


def read(text: str) -> list[tuple[str, Any, str | None]]:
    return [(e, json.loads(d), i) for e, d, i in sse.Reader().feed(text)]


def test_every_event_kind_with_ids() -> None:
    chunks = [TEXT[i : i + 5] for i in range(0, len(TEXT), 5)]
    out = "".join(sse.stream(chunks, at="/sections"))
    events = read(out)
    assert [i for _, _, i in events] == [str(n) for n in range(1, len(events) + 1)]
    names = [e for e, _, _ in events]
    assert names[-1] == "done" and names.count("done") == 1
    assert {"patch", "item"} == set(names[:-1])
    items = [d for e, d, _ in events if e == "item"]
    assert items == [{"index": i, "value": s} for i, s in enumerate(DOC["sections"])]
    # Each item comes after the patch that completes it in the client's value.
    patcher = sse.Patcher()
    for event, data, _ in events:
        patcher.apply(event, data)
        if event == "item":
            assert patcher.value["sections"][data["index"]] == data["value"]
    assert patcher.value == DOC and patcher.items == DOC["sections"]


def test_frames_are_sse_text() -> None:
    out = list(sse.stream(['{"a": "x\\ny"', "}"]))
    assert out[0] == 'id: 1\nevent: patch\ndata: [["=","",{"a":"x\\ny"}]]\n\n'
    assert out[-1] == "id: 2\nevent: done\ndata: {}\n\n"
    assert all(frame.count("\n") == 4 for frame in out)  # a newline in a value is escaped


def test_a_patch_appends_only_what_changed() -> None:
    chunks = ['{"title": "Hel', "lo wor", 'ld", "n": [1', ', 2], "s": "a', "b", 'c"}']
    frames, _, _ = frames_of(chunks)
    ops = [json.loads(data) for f in frames for e, data in f if e == "patch"]
    assert ops == [
        [["=", "", {"title": "Hel"}]],
        [["+", "/title", "lo wor"]],
        [["+", "ld"], ["=", "/n", []]],  # invariant 2: no number before it ends
        [["=", "/n/0", 1], ["=", "/n/1", 2], ["=", "/s", "a"]],
        [["+", "b"]],  # the string the previous operation named: no pointer
        [["+", "c"]],
    ]


@pytest.mark.parametrize(
    ("chunks", "kind", "pos", "path"),
    [
        (['{"a": [1, 2', ", x]}"], "expected_value", 13, "/a/2"),
        (['{"a": [1, 2'], "eof_in_container", 11, "/a/1"),
        (['{"a": "ok"', '} {"b": 1}'], "extra_data", 12, ""),
        (['{"a": "', "x" * 50, '"}'], "max_string", 27, "/a"),  # where it went over 20
    ],
)
def test_an_error_mid_stream_ends_it_after_what_was_shown(
    chunks: list[str], kind: str, pos: int, path: str
) -> None:
    events = read("".join(sse.stream(chunks, max_string=20)))
    name, data, _ = events[-1]
    assert name == "error"
    assert (data["kind"], data["pos"], data["path"]) == (kind, pos, path)
    assert data["line"] == 1 and data["column"] == pos + 1 and data["message"]
    assert "done" not in [e for e, _, _ in events]
    patches = [e for e, _, _ in events if e == "patch"]
    assert patches, "what came before the error was sent"


def test_the_error_is_sent_by_the_chunk_that_holds_it() -> None:
    source = iter(['{"a": [1, x', ", 2]}"])
    frames = sse.stream(source)
    for frame in frames:
        if "event: error" in frame:
            break
    assert next(source, None) is not None, "the error waited for another chunk"


def test_a_failing_source_ends_with_an_upstream_error(caplog: pytest.LogCaptureFixture) -> None:
    def source() -> Iterator[str]:
        yield '{"a": "b'
        raise ConnectionError("reset by peer")

    with caplog.at_level(logging.ERROR, logger="unspool"):
        events = read("".join(sse.stream(source())))
    assert events[-1][0] == "error"
    assert events[-1][1] == {"kind": "upstream", "message": "ConnectionError: reset by peer"}
    assert "reset by peer" in caplog.text
    assert rebuild([(e, json.dumps(d)) for e, d, _ in events]).value == {"a": "b"}


# -- pydantic: validated items and documents -----------------------------------------------------

pydantic = pytest.importorskip("pydantic")


class Section(pydantic.BaseModel):
    heading: str
    body: str
    minutes: int = 0


class Answer(pydantic.BaseModel):
    title: str
    sections: list[Section]


def test_items_are_validated_with_a_model() -> None:
    text = '{"sections": [{"heading": "a", "body": "b", "minutes": "4"}]}'
    events = read("".join(sse.stream(list(text), at="/sections", model=Section)))
    items = [d for e, d, _ in events if e == "item"]
    assert items == [{"index": 0, "value": {"heading": "a", "body": "b", "minutes": 4}}]


def test_a_bad_item_is_an_error_after_the_good_ones() -> None:
    text = '{"sections": [{"heading": "a", "body": "b"}, {"heading": 3}, {"heading": "c"}]}'
    source = iter([text[:60], text[60:]])
    events = read("".join(sse.stream(source, at="/sections", model=Section)))
    names = [e for e, _, _ in events]
    assert names[-2:] == ["item", "error"]
    error = events[-1][1]
    assert error["kind"] == "validation" and error["index"] == 1
    assert "heading" in error["message"]


def test_a_document_is_validated_field_by_field() -> None:
    text = '{"title": 7, "sections": [' + '{"heading": "x", "body": "y"},' * 50 + "]}"
    source = iter([text[i : i + 10] for i in range(0, len(text), 10)])
    events = read("".join(sse.stream(source, model=Answer)))
    assert events[-1][0] == "error" and events[-1][1]["kind"] == "validation"
    assert events[-1][1]["path"] == "/title"
    assert next(source, None) is not None, "the error came when the field completed"


def test_a_valid_document_with_a_model_ends_with_done() -> None:
    text = json.dumps({"title": "t", "sections": [{"heading": "h", "body": "b"}]})
    events = read("".join(sse.stream(list(text), model=Answer)))
    assert events[-1][0] == "done"


# -- pacing: min_interval and keep-alive ----------------------------------------------------------


def test_min_interval_merges_patches() -> None:
    chunks = [TEXT[i : i + 3] for i in range(0, len(TEXT), 3)]
    frames = list(sse.stream(chunks, min_interval=3600))
    events = read("".join(frames))
    assert [e for e, _, _ in events] == ["patch", "patch", "done"]
    assert rebuild([(e, json.dumps(d)) for e, d, _ in events]).value == DOC
    # A held patch goes before an item.
    events = read("".join(sse.stream(chunks, at="/sections", min_interval=3600)))
    names = [e for e, _, _ in events]
    assert names == ["patch", "patch", "item", "patch", "item", "patch", "item", "patch", "done"]


async def slow(chunks: list[str], pause: float, log: list[str] | None = None) -> AsyncIterator[str]:
    for chunk in chunks:
        if log is not None:
            log.append(f"chunk {chunk}")
        yield chunk
        await asyncio.sleep(pause)


async def test_keep_alive_while_the_source_is_silent() -> None:
    out = [f async for f in sse.stream(slow(['{"a": 1', "}"], 0.25), keep_alive=0.05)]
    assert sse.KEEP_ALIVE in out
    assert out[-1].endswith("event: done\ndata: {}\n\n")
    assert read("".join(out))[-1][0] == "done"


async def test_a_held_patch_goes_out_while_the_source_is_silent() -> None:
    log: list[str] = []
    chunks = ['{"a": "x', "y", "z", '"}']
    stream = sse.stream(slow(chunks, 0.3, log), min_interval=0.1, keep_alive=None)
    async for frame in stream:
        log.append(frame)
    # "y" was held (it came right after "x") and sent before the next chunk came.
    where = next(i for i, f in enumerate(log) if '"y"' in f and "patch" in f)
    assert log[where - 1] == "chunk y"


async def test_sync_and_async_sources_give_the_same_frames() -> None:
    chunks = [TEXT[i : i + 7] for i in range(0, len(TEXT), 7)]

    async def source() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    sync = list(sse.stream(iter(chunks), at="/sections"))
    asynchronous = [f async for f in sse.stream(source(), at="/sections", keep_alive=None)]
    ticking = [f async for f in sse.stream(source(), at="/sections", keep_alive=30)]
    assert sync == asynchronous == ticking


# -- the source is closed when the client goes ----------------------------------------------------


class Source:
    """A chunk source that records whether it was closed."""

    def __init__(self, chunks: list[str], hang: bool = False) -> None:
        self.chunks = chunks
        self.hang = hang
        self.closed = False
        self.sent = 0

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    def close(self) -> None:
        self.closed = True


class AsyncSource(Source):
    """The async twin: after its chunks it may hang, like a model that is thinking."""

    __iter__ = None  # type: ignore[assignment]

    async def __aiter__(self) -> AsyncIterator[str]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk
        if self.hang:
            await asyncio.Event().wait()

    async def aclose(self) -> None:
        self.closed = True


def test_closing_the_stream_closes_a_sync_source() -> None:
    source = Source(list(TEXT))
    frames = sse.stream(source)
    next(frames), next(frames)
    frames.close()
    assert source.closed and source.sent < len(TEXT)


@pytest.mark.parametrize("keep_alive", [None, 0.01])
async def test_closing_the_stream_closes_an_async_source(keep_alive: float | None) -> None:
    source = AsyncSource(list('{"a": "bc'), hang=True)
    frames = sse.stream(source, keep_alive=keep_alive)
    seen = [await anext(frames) for _ in range(4)]
    assert seen
    await frames.aclose()
    assert source.closed


async def test_cancelling_the_consumer_closes_a_silent_source() -> None:
    source = AsyncSource(['{"a": 1'], hang=True)
    out: list[str] = []

    async def consume() -> None:
        async for frame in sse.stream(source, keep_alive=0.01):
            out.append(frame)

    task = asyncio.create_task(consume())
    while sse.KEEP_ALIVE not in out:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert source.closed


# -- bytes on the wire ----------------------------------------------------------------------------


def article(size: int) -> str:
    """An LLM-shaped article of about ``size`` bytes of JSON."""
    sections = []
    n = 0
    while len(json.dumps({"title": "T", "sections": sections})) < size:
        words = " ".join(f"word{(n * 7 + k) % 97}" for k in range(12))
        sections.append({"heading": f"Part {n}", "body": words, "score": n * 1.5, "ok": True})
        n += 1
    return json.dumps({"title": "An article", "sections": sections}, indent=1)


@pytest.mark.parametrize("size", [1_000, 10_000, 100_000])
def test_wire_bytes_are_linear_in_the_json(size: int) -> None:
    text = article(size)
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]
    wire = sum(len(f.encode()) for f in sse.stream(chunks))
    ratio = wire / len(text.encode())
    # A patch per 4-character chunk: its framing (id, event, the op) dominates, and it costs
    # the same per chunk whatever the size -- only the id's digits grow.  (The snapshot
    # approach is ~size/8 here: 125x at 1 KB, 12,500x at 100 KB.)
    assert 5 < ratio < 10
    small = article(1_000)
    small_chunks = [small[i : i + 4] for i in range(0, len(small), 4)]
    small_ratio = sum(len(f.encode()) for f in sse.stream(small_chunks)) / len(small.encode())
    assert ratio < small_ratio * 1.1


# -- the Python consumer --------------------------------------------------------------------------


def test_reader_takes_text_split_anywhere() -> None:
    text = "".join(sse.stream([TEXT[i : i + 9] for i in range(0, len(TEXT), 9)], at="/sections"))
    crlf = text.replace("\n", "\r\n")
    whole = sse.Reader().feed(text)
    for variant in (text, crlf, ": comment\n\n" + text):
        for size in (1, 2, 13):
            reader = sse.Reader()
            got = []
            for i in range(0, len(variant), size):
                got += reader.feed(variant[i : i + size])
            assert got == whole


def test_patcher_feed_tracks_the_last_id() -> None:
    patcher = sse.Patcher()
    text = "".join(sse.stream([TEXT[:50], TEXT[50:]]))
    assert patcher.feed(text[:-3]) == ["patch", "patch"]
    assert patcher.last_id == "2" and not patcher.done
    assert patcher.feed(text[-3:]) == ["done"]
    assert patcher.done and patcher.value == DOC and patcher.last_id == "3"


@pytest.mark.parametrize(
    "ops",
    [
        [["=", "", {"a": []}], ["=", "/a/1", 1]],  # not the next element
        [["=", "", {"a": 1}], ["+", "/a", "x"]],  # append to a number
        [["=", "", {"a": 1}], ["=", "/b/c", 1]],  # no such container
        [["=", "", []], ["=", "x", 1]],  # not a pointer
        [["=", "", {"a": 1}], ["+", "x"]],  # no string named before
        [["?", "", 1]],
    ],
)
def test_patcher_refuses_a_patch_that_does_not_fit(ops: list[Any]) -> None:
    with pytest.raises(sse.ProtocolError):
        sse.Patcher().apply("patch", ops)


def test_pointers_escape_slash_and_tilde() -> None:
    doc = {"a/b": {"~x": ["y"]}, "": 1}
    _, rebuilt, _ = frames_of(list(json.dumps(doc)))
    assert rebuilt[-1] == doc


# -- Vercel AI SDK UI message stream --------------------------------------------------------------


def test_vercel_stream_parts() -> None:
    chunks = [TEXT[i : i + 20] for i in range(0, len(TEXT), 20)]
    out = "".join(sse.vercel_stream(chunks, at="/sections", name="answer"))
    datas = [d for e, d, _ in sse.Reader().feed(out)]
    assert datas[-1] == "[DONE]"
    parts = [json.loads(d) for d in datas[:-1]]
    assert parts[0]["type"] == "start" and parts[0]["messageId"]
    assert parts[-1] == {"type": "finish"}
    snapshots = [p for p in parts if p["type"] == "data-answer"]
    assert len({p["id"] for p in snapshots}) == 1  # one part, replaced as it grows
    assert snapshots[-1]["data"] == DOC
    items = [p for p in parts if p["type"] == "data-answer-item"]
    assert [p["data"] for p in items] == DOC["sections"]
    assert len({p["id"] for p in items}) == 3
    assert sse.VERCEL_HEADERS["x-vercel-ai-ui-message-stream"] == "v1"


def test_vercel_stream_error_part() -> None:
    out = "".join(sse.vercel_stream(['{"a": ', "x}"]))
    parts = [d for _, d, _ in sse.Reader().feed(out)]
    error = json.loads(parts[-1])
    assert error["type"] == "error" and "expected a JSON value" in error["errorText"]


def test_events_for_libraries_that_encode_sse() -> None:
    dicts = list(sse.events(['{"a": 1', "}"]))
    assert dicts == [
        {"event": "patch", "id": "1", "data": '[["=","",{}]]'},
        {"event": "patch", "id": "2", "data": '[["=","/a",1]]'},
        {"event": "done", "id": "3", "data": "{}"},
    ]


def test_the_module_imports_only_the_standard_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, unspool.sse; "
        "bad = [m for m in sys.modules if m.partition('.')[0] in "
        "('pydantic', 'starlette', 'fastapi', 'httpx', 'openai')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert sse.JS_PATH.is_file()


def test_extract_finds_the_json_in_model_text(chunker: Any) -> None:
    text = (
        "Sure! Here it is:\n```json\n"
        + json.dumps({"title": "Tea", "sections": [{"h": "a"}, {"h": "b"}]})
        + "\n```\nHope that helps."
    )
    for chunks in chunker(text)[:3]:
        patcher = sse.Patcher()
        for frame in sse.stream(chunks, extract=True, at="/sections"):
            patcher.feed(frame)
            if patcher.value is not unspool.MISSING:
                assert isinstance(patcher.value, dict), "prose never shows as the value"
        assert patcher.done and patcher.error is None
        assert patcher.value == {"title": "Tea", "sections": [{"h": "a"}, {"h": "b"}]}
        assert patcher.items == [{"h": "a"}, {"h": "b"}]


def test_unspool_sse_after_import_unspool() -> None:
    import subprocess
    import sys

    code = "import unspool; print(unspool.sse.stream is not None, 'sse' in dir(unspool))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
