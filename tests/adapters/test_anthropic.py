"""unspool.anthropic through the real ``anthropic`` clients over a mock transport."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Callable
from typing import Any, Literal

import pytest

import unspool
import unspool.anthropic as ua

from .conftest import Served, sse_data

pytest.importorskip("anthropic")
pydantic = pytest.importorskip("pydantic")

Serve = Callable[..., Served]
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "What's the weather in SF and Tokyo?"}],
}


def create(client: Any) -> Any:
    return client.messages.create(stream=True, **PARAMS)


def streamed_text(name: str) -> str:
    return "".join(
        e["delta"]["text"]
        for e in sse_data(name)
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta"
    )


class Weather(pydantic.BaseModel):
    location: str
    unit: Literal["celsius", "fahrenheit"]
    days: list[int] = pydantic.Field(default_factory=list)


# -- text ----------------------------------------------------------------------------------


def test_text_json_into_iter_partial(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    deltas = ua.text_deltas(create(s.anthropic()))
    snapshots = [json.dumps(snap) for snap in unspool.iter_partial(deltas)]
    assert json.loads(snapshots[-1]) == json.loads(streamed_text("anthropic_json_text.sse"))
    assert len(snapshots) > 20
    assert deltas.stop_reason == "end_turn"
    assert deltas.usage == ua.Usage(42, 118)
    assert s.request_json["stream"] is True
    assert s.body.closed and s.body.fully_read


def test_messages_stream_manager(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    deltas = ua.text_deltas(s.anthropic().messages.stream(**PARAMS))
    chunks = list(deltas)
    assert "".join(chunks) == streamed_text("anthropic_json_text.sse")
    assert deltas.stop_reason == "end_turn"
    assert deltas.usage == ua.Usage(42, 118)
    assert s.body.closed


async def test_async_create_into_aiter_partial(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    stream = await create(s.async_anthropic())
    deltas = ua.text_deltas(stream)
    last = None
    async for snap in unspool.aiter_partial(deltas):
        last = snap
    assert last == json.loads(streamed_text("anthropic_json_text.sse"))
    assert deltas.usage == ua.Usage(42, 118)
    assert s.body.closed


async def test_async_messages_stream_manager(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    deltas = ua.text_deltas(s.async_anthropic().messages.stream(**PARAMS))
    chunks = [c async for c in deltas]
    assert "".join(chunks) == streamed_text("anthropic_json_text.sse")
    assert deltas.stop_reason == "end_turn"
    assert s.body.closed


def test_text_into_splitter(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    splitter = unspool.Splitter(at="/items")
    items = []
    for chunk in ua.text_deltas(create(s.anthropic())):
        items += splitter.feed(chunk)
    items += splitter.close()
    assert [item["name"] for item in items] == ["Warm the pot", "Mind the temperature", "Time it"]


# -- truncation ----------------------------------------------------------------------------


def test_max_tokens_text_is_loud(served: Serve) -> None:
    s = served("anthropic_max_tokens.sse")
    deltas = ua.text_deltas(create(s.anthropic()))
    seen = []
    with pytest.raises(unspool.IncompleteJSONError, match="token limit") as info:
        for snap in unspool.iter_partial(deltas):
            seen.append(snap)
    assert isinstance(info.value, ua.TokenLimitError)
    assert info.value.stop_reason == "max_tokens" == deltas.stop_reason
    assert "'max_tokens'" in str(info.value)
    assert seen
    assert deltas.usage == ua.Usage(42, 40)


def test_max_tokens_tool_input_is_loud(served: Serve) -> None:
    s = served("anthropic_tool_max_tokens.sse")
    calls = []
    with pytest.raises(ua.TokenLimitError, match="token limit"):
        for call in ua.iter_tool_calls(create(s.anthropic())):
            calls.append(call)
    assert calls and not any(c.done for c in calls)


async def test_async_max_tokens_is_loud(served: Serve) -> None:
    s = served("anthropic_tool_max_tokens.sse")
    stream = await create(s.async_anthropic())
    with pytest.raises(unspool.IncompleteJSONError, match="token limit"):
        async for _ in ua.aiter_tool_calls(stream):
            pass


# -- tool use ------------------------------------------------------------------------------


def test_input_json_deltas(served: Serve) -> None:
    s = served("anthropic_tool_use.sse")
    records = list(ua.input_json_deltas(create(s.anthropic())))
    starts = [r for r in records if r.delta == ""]
    assert [(r.index, r.name) for r in starts] == [(1, "get_weather"), (2, "get_weather")]
    assert len(starts) == 2  # the empty first input_json_delta is not passed on
    joined: dict[int, str] = {}
    for r in records:
        joined[r.index] = joined.get(r.index, "") + r.delta
    assert json.loads(joined[1]) == {"location": "San Francisco, CA", "unit": "fahrenheit"}
    assert json.loads(joined[2])["days"] == [1, 2, 3]
    assert {r.id for r in records if r.index == 2} == {"toolu_01B7pGZWwXw8H4u5dHzBc2xT"}


def test_tool_use_calls_validated(served: Serve) -> None:
    s = served("anthropic_tool_use.sse")
    deltas = ua.input_json_deltas(create(s.anthropic()))
    partials = []
    done = []
    for call in ua.iter_tool_calls(deltas, models={"get_weather": Weather}):
        if call.done:
            done.append(call)
        else:
            partials.append((call.index, copy.deepcopy(call.arguments)))
    assert (1, unspool.MISSING) in partials and (2, unspool.MISSING) in partials
    assert (1, {"location": "San Francisco"}) in partials
    assert [c.index for c in done] == [1, 2]
    assert done[0].arguments == Weather(location="San Francisco, CA", unit="fahrenheit")
    assert done[1].arguments.days == [1, 2, 3]
    assert deltas.stop_reason == "tool_use"
    assert deltas.usage == ua.Usage(472, 149)


def test_tool_use_validation_error(served: Serve) -> None:
    class Strict(pydantic.BaseModel):
        location: str
        unit: Literal["kelvin"]

    s = served("anthropic_tool_use.sse")
    with pytest.raises(unspool.ValidationError) as info:
        list(ua.iter_tool_calls(create(s.anthropic()), models={"get_weather": Strict}))
    assert isinstance(info.value.__cause__, pydantic.ValidationError)
    assert info.value.index == 1


def test_mixed_text_server_tool_and_tool_blocks(served: Serve) -> None:
    s = served("anthropic_mixed.sse")
    deltas = ua.input_json_deltas(s.anthropic().messages.stream(**PARAMS))
    done = [c for c in ua.iter_tool_calls(deltas) if c.done]
    assert [(c.index, c.name, c.arguments) for c in done] == [
        (1, "web_search", {"query": "tea brewing temperature green"}),
        (4, "save_note", {"text": "green tea: 80 °C", "tags": ["tea"]}),
        (5, "get_time", {}),  # no input at all: finished at the end of the stream
    ]
    assert done[0].id == "srvtoolu_014hJH82Qum7Td6UV8gDXThB"
    s = served("anthropic_mixed.sse")
    text = "".join(ua.text_deltas(create(s.anthropic())))
    assert text == "I'll search for that.Green tea is best at about 80 °C. Saving a note."


async def test_async_tool_use(served: Serve) -> None:
    s = served("anthropic_tool_use.sse")
    stream = await create(s.async_anthropic())
    done = [c async for c in ua.aiter_tool_calls(stream, models={"get_weather": Weather}) if c.done]
    assert [c.arguments.location for c in done] == ["San Francisco, CA", "Tokyo, Japan"]


# -- stopping early stops generation -------------------------------------------------------


def test_break_out_of_iter_partial_closes_the_response(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    for snap in unspool.iter_partial(ua.text_deltas(create(s.anthropic()))):
        if snap.get("items"):
            break
    s.body.assert_closed_early()


def test_break_out_of_manager_closes_the_response(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    for _ in unspool.iter_events(ua.text_deltas(s.anthropic().messages.stream(**PARAMS))):
        break
    s.body.assert_closed_early()


def test_break_out_of_iter_tool_calls_closes_the_response(served: Serve) -> None:
    s = served("anthropic_tool_use.sse")
    for call in ua.iter_tool_calls(create(s.anthropic())):
        if call.done:  # enough: the first call is complete
            break
    s.body.assert_closed_early()


def test_exception_in_consumer_closes_the_response(served: Serve) -> None:
    s = served("anthropic_tool_use.sse")
    with pytest.raises(ZeroDivisionError):
        for call in ua.iter_tool_calls(create(s.anthropic())):
            if call.arguments:
                _ = 1 / 0
    s.body.assert_closed_early()


async def test_async_break_out_of_manager_closes_the_response(served: Serve) -> None:
    s = served("anthropic_json_text.sse")
    deltas = ua.text_deltas(s.async_anthropic().messages.stream(**PARAMS))
    async with contextlib.aclosing(unspool.aiter_partial(deltas)) as snapshots:
        async for _ in snapshots:
            break
    s.body.assert_closed_early()


async def test_async_break_out_of_aiter_tool_calls_closes_the_response(served: Serve) -> None:
    s = served("anthropic_tool_use.sse")
    stream = await create(s.async_anthropic())
    async with contextlib.aclosing(ua.aiter_tool_calls(stream)) as calls:
        async for call in calls:
            if call.done:
                break
    s.body.assert_closed_early()


@pytest.mark.parametrize("manager", [False, True])
async def test_cancelling_the_task_closes_the_response(served: Serve, manager: bool) -> None:
    s = served("anthropic_tool_use.sse", hang_after=30)
    client = s.async_anthropic()
    stream = client.messages.stream(**PARAMS) if manager else await create(client)
    seen = []

    async def consume() -> None:
        async for call in ua.aiter_tool_calls(stream):
            seen.append(call)

    task = asyncio.create_task(consume())
    while s.body.sent < 30:
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen
    s.body.assert_closed_early()
    assert s.body.sent_when_closed == 30
