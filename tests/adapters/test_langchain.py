"""unspool.langchain over duck-typed LangChain / LangGraph items: the edge cases of each shape.

The same adapter on streams made by the real packages: test_langchain_graph.py.
"""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import unspool
import unspool.langchain as ul

DOC = {"title": "Tea", "items": [{"name": "Warm the pot"}, {"name": "Time it"}]}
TEXT = json.dumps(DOC)


@dataclass
class AIMessageChunk:
    """What LangChain's AIMessageChunk looks like to the adapter."""

    content: Any
    type: str = "AIMessageChunk"
    response_metadata: dict[str, Any] = field(default_factory=dict)
    usage_metadata: dict[str, int] | None = None
    tool_call_chunks: list[dict[str, Any]] = field(default_factory=list)
    id: str | None = None


@dataclass
class AIMessage:
    """A whole message, as LangGraph sends one that it did not see stream."""

    content: Any
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    type: str = "ai"
    id: str | None = None


def tool_chunk(args: str, index: int | None = 0, **fields: Any) -> dict[str, Any]:
    return {"name": None, "id": None, "index": index, "args": args, **fields}


@dataclass
class ToolMessage:
    content: str
    type: str = "tool"


def pieces(text: str = TEXT, size: int = 5) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class Source:
    """A generator of chunks that records whether it was closed."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.sent = 0
        self.closed = False

    def sync(self) -> Iterator[Any]:
        try:
            for item in self.items:
                self.sent += 1
                yield item
        finally:
            self.closed = True

    async def async_(self) -> AsyncIterator[Any]:
        try:
            for item in self.items:
                self.sent += 1
                yield item
        finally:
            self.closed = True


def test_str_content_chunks() -> None:
    chunks = [AIMessageChunk(p) for p in pieces()]
    assert list(unspool.iter_partial(ul.text_deltas(chunks)))[-1] == DOC


def test_content_block_lists() -> None:
    chunks = [AIMessageChunk([{"type": "text", "text": p, "index": 0}]) for p in pieces()]
    chunks.insert(3, AIMessageChunk([{"type": "tool_use", "partial_json": '{"x"', "index": 1}]))
    chunks.insert(5, AIMessageChunk(["", {"type": "text_delta", "text": ""}]))
    assert "".join(ul.text_deltas(chunks)) == TEXT


def test_langgraph_messages_tuples_and_node_filter() -> None:
    items: list[Any] = [(AIMessageChunk(p), {"langgraph_node": "writer"}) for p in pieces()]
    items.insert(2, (AIMessageChunk("noise"), {"langgraph_node": "planner"}))
    items.insert(4, (ToolMessage('{"tool": "output"}'), {"langgraph_node": "tools"}))
    assert "".join(ul.text_deltas(items, node="writer")) == TEXT
    assert "".join(ul.text_deltas(items)) != TEXT  # without the filter the planner leaks in
    assert "tool" not in "".join(ul.text_deltas(items))  # tool messages are never text


def test_multi_mode_pairs() -> None:
    items: list[Any] = [("messages", (AIMessageChunk(p), {})) for p in pieces()]
    items.insert(1, ("updates", {"writer": {"draft": "x"}}))
    assert "".join(ul.text_deltas(items)) == TEXT


def test_plain_strings() -> None:
    assert list(unspool.iter_partial(ul.text_deltas(pieces())))[-1] == DOC


def test_usage_and_stop_reason() -> None:
    chunks = [AIMessageChunk(p) for p in pieces()]
    chunks[0].usage_metadata = {"input_tokens": 12, "output_tokens": 1, "total_tokens": 13}
    chunks[-1].usage_metadata = {"input_tokens": 0, "output_tokens": 20, "total_tokens": 20}
    chunks[-1].response_metadata = {"finish_reason": "stop"}
    deltas = ul.text_deltas(chunks)
    list(deltas)
    assert deltas.usage == ul.Usage(12, 21)
    assert deltas.stop_reason == "stop"


@pytest.mark.parametrize("metadata", [{"finish_reason": "length"}, {"stop_reason": "max_tokens"}])
def test_truncation_is_loud(metadata: dict[str, str]) -> None:
    chunks = [AIMessageChunk(p) for p in pieces(TEXT[:30])]
    chunks.append(AIMessageChunk("", response_metadata=metadata))
    with pytest.raises(unspool.IncompleteJSONError, match="token limit"):
        list(unspool.iter_partial(ul.text_deltas(chunks)))


def test_break_closes_the_source() -> None:
    source = Source([AIMessageChunk(p) for p in pieces()])
    for _ in unspool.iter_partial(ul.text_deltas(source.sync())):
        break
    assert source.closed and source.sent < len(source.items)


async def test_async_source() -> None:
    source = Source([(AIMessageChunk(p), {"langgraph_node": "agent"}) for p in pieces()])
    last = None
    async for snap in unspool.aiter_partial(ul.text_deltas(source.async_(), node="agent")):
        last = snap
    assert last == DOC


async def test_async_break_closes_the_source() -> None:
    source = Source([AIMessageChunk(p) for p in pieces()])
    async with contextlib.aclosing(unspool.aiter_partial(ul.text_deltas(source.async_()))) as it:
        async for _ in it:
            break
    assert source.closed and source.sent < len(source.items)


def test_tool_calls_are_keyed_by_message_and_index() -> None:
    """Parallel calls of one message interleave; the next model turn's index 0 is a new call."""
    turn1 = [
        AIMessageChunk("", id="m1", tool_call_chunks=[tool_chunk("", 0, name="a", id="c1")]),
        AIMessageChunk("", id="m1", tool_call_chunks=[tool_chunk("", 1, name="b", id="c2")]),
        AIMessageChunk("", id="m1", tool_call_chunks=[tool_chunk('{"x":', 0)]),
        AIMessageChunk("", id="m1", tool_call_chunks=[tool_chunk('{"y": 2}', 1)]),
        AIMessageChunk("", id="m1", tool_call_chunks=[tool_chunk(" 1}", 0)]),
    ]
    turn2 = [AIMessageChunk("", id="m2", tool_call_chunks=[tool_chunk("[3]", 0, name="a")])]
    done = [c for c in ul.iter_tool_calls([*turn1, ToolMessage("ok"), *turn2]) if c.done]
    assert [(c.index, c.id, c.name, c.arguments) for c in done] == [
        (1, "c2", "b", {"y": 2}),
        (0, "c1", "a", {"x": 1}),
        (2, None, "a", [3]),
    ]


def test_tool_call_chunks_without_index() -> None:
    """Keyed by id when there is no index; a bare fragment continues the latest call."""
    chunks = [
        AIMessageChunk("", tool_call_chunks=[tool_chunk("[1,", None, name="a", id="c1")]),
        AIMessageChunk("", tool_call_chunks=[tool_chunk(" 2]", None)]),
        AIMessageChunk("", tool_call_chunks=[tool_chunk("{}", None, name="b", id="c2")]),
    ]
    deltas = list(ul.tool_argument_deltas(chunks))
    assert [(d.index, d.id, d.name, d.delta) for d in deltas] == [
        (0, "c1", "a", "[1,"),
        (0, "c1", "a", " 2]"),
        (1, "c2", "b", "{}"),
    ]


def test_a_whole_message_with_tool_calls() -> None:
    message = AIMessage("", tool_calls=[{"name": "f", "id": "c1", "args": DOC}])
    calls = list(ul.iter_tool_calls([(message, {"langgraph_node": "agent"})], node="agent"))
    assert (calls[-1].name, calls[-1].arguments, calls[-1].done) == ("f", DOC, True)
    assert "".join(ul.argument_text_deltas([message])) == TEXT


def test_argument_text_deltas_picks_the_named_call() -> None:
    chunks = [
        AIMessageChunk("prose", tool_call_chunks=[tool_chunk("[0]", 0, name="other")]),
        AIMessageChunk("", tool_call_chunks=[tool_chunk(TEXT[:9], 1, name="Doc")]),
        AIMessageChunk("", tool_call_chunks=[tool_chunk(TEXT[9:], 1)]),
    ]
    assert "".join(ul.argument_text_deltas(chunks)) == "[0]"
    assert list(unspool.iter_partial(ul.argument_text_deltas(chunks, name="Doc")))[-1] == DOC
    with pytest.raises(ul.NoContentError, match="arguments of a tool call 'Nope'"):
        list(ul.argument_text_deltas(chunks, name="Nope"))


def test_v2_parts_and_events_of_other_kinds_are_skipped() -> None:
    meta = {"langgraph_node": "writer"}
    items: list[Any] = [
        {"type": "updates", "ns": (), "data": {"writer": {}}},
        {"type": "messages", "ns": ("sub:1",), "data": (AIMessageChunk(TEXT[:7]), meta)},
        {"event": "on_chat_model_start", "data": {"input": "q"}, "metadata": meta},
        {
            "event": "on_chat_model_stream",
            "data": {"chunk": AIMessageChunk(TEXT[7:])},
            "metadata": meta,
        },
        {"event": "on_chain_stream", "data": {"chunk": {"writer": {}}}, "metadata": meta},
    ]
    assert "".join(ul.text_deltas(items, node="writer")) == TEXT


def test_on_llm_stream_events_of_a_completion_model() -> None:
    @dataclass
    class GenerationChunk:
        text: str

    events = [{"event": "on_llm_stream", "data": {"chunk": GenerationChunk(p)}} for p in pieces()]
    assert "".join(ul.text_deltas(events)) == TEXT


@pytest.mark.parametrize(
    ("item", "shape"),
    [
        (42, "a int"),
        ({"writer": {"draft": "x"}}, r"a dict with keys \['writer'\] \(node updates"),
        ((1, 2, 3), r"a 3-tuple \(int, int, int\)"),
        ((AIMessageChunk("x"), "meta"), r"a 2-tuple \(AIMessageChunk, str\)"),
        (("messages", 42), "a int"),
        (ToolMessage, "a type"),
    ],
)
def test_an_unknown_shape_is_a_type_error_naming_it(item: Any, shape: str) -> None:
    with pytest.raises(TypeError, match=f"cannot read {shape}"):
        list(ul.text_deltas([AIMessageChunk("["), item]))


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "without any text from the model; it carried no model message chunk:"),
        (
            [AIMessageChunk("", tool_call_chunks=[tool_chunk("{}", 0, name="Doc")])],
            r"its 1 model chunks carried 0 characters of text and tool calls \['Doc'\] "
            r"\(a tool call's arguments: use tool_argument_deltas",
        ),
        (
            [("updates", {}), ("updates", {}), ("values", {})],
            r"no model message chunk \(skipped: 2 'updates' items, 1 'values' items; add",
        ),
        (
            [(AIMessageChunk("[]"), {"langgraph_node": "a"}), (ToolMessage("x"), {})],
            r"chunk from node 'b', only from 'a' \(skipped: 1 tool messages\):",
        ),
    ],
)
def test_no_content_says_what_the_stream_carried(items: list[Any], message: str) -> None:
    node = "b" if len(items) == 2 else None
    with pytest.raises(ul.NoContentError, match=message) as err:
        list(unspool.iter_partial(ul.text_deltas(items, node=node)))
    assert str(err.value).endswith(": line 1 column 1 (char 0)")


def test_no_tool_call_says_what_the_stream_carried() -> None:
    with pytest.raises(ul.NoContentError, match=r"without any tool calls .*8 characters of text"):
        list(ul.iter_tool_calls([AIMessageChunk("Sure! {}"), AIMessageChunk("")]))
    assert list(ul.iter_tool_calls([AIMessageChunk("Sure!")], strict=False)) == []


def test_no_content_error_is_an_incomplete_json_error() -> None:
    err = ul.NoContentError("the stream ended without any text from the model")
    assert isinstance(err, unspool.IncompleteJSONError) and err.kind == "no_content"
    assert err.partial is unspool.MISSING
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), str(copy)) == (ul.NoContentError, str(err))
