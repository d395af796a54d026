"""unspool.langchain over duck-typed LangChain / LangGraph chunks (no langchain installed)."""

from __future__ import annotations

import contextlib
import json
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
