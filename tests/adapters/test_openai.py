"""unspool.openai through the real ``openai`` clients over a mock transport (no network)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Callable
from typing import Any, Literal

import pytest

import unspool
import unspool.openai as uo

from .conftest import Served, sse_data

pytest.importorskip("openai")
pydantic = pytest.importorskip("pydantic")

MESSAGES = [{"role": "user", "content": "Three tips for brewing tea, as JSON."}]
Serve = Callable[..., Served]


def chat(client: Any, **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, **kwargs
    )


def responses(client: Any) -> Any:
    return client.responses.create(model="gpt-4o-mini", input="Tea tips as JSON.", stream=True)


def chat_text(name: str, choice: int = 0) -> str:
    """The content the fixture streams for one choice, joined."""
    return "".join(
        c["delta"].get("content") or ""
        for chunk in sse_data(name)
        for c in chunk["choices"]
        if c["index"] == choice
    )


def responses_text(name: str) -> str:
    return "".join(e["delta"] for e in sse_data(name) if e["type"] == "response.output_text.delta")


class Weather(pydantic.BaseModel):
    location: str
    unit: Literal["celsius", "fahrenheit"]


class Time(pydantic.BaseModel):
    timezone: str


# -- text ----------------------------------------------------------------------------------


def test_chat_json_content_into_iter_partial(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = chat(s.openai(), response_format={"type": "json_object"})
    deltas = uo.text_deltas(stream)
    snapshots = [json.dumps(snap) for snap in unspool.iter_partial(deltas)]
    expected = json.loads(chat_text("openai_chat_json.sse"))
    assert json.loads(snapshots[-1]) == expected
    assert len(snapshots) > 20  # it really streamed
    assert deltas.stop_reason == "stop"
    assert deltas.usage == uo.Usage(61, 179)
    assert not deltas.truncated
    assert s.request_json["stream"] is True
    assert s.body.closed and s.body.fully_read


def test_chat_text_is_the_content_exactly(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    with uo.text_deltas(chat(s.openai())) as deltas:
        chunks = list(deltas)
    assert "".join(chunks) == chat_text("openai_chat_json.sse")
    assert all(chunks)  # no empty chunks


def test_chat_into_parser_events(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    completed = [
        e
        for e in unspool.iter_events(uo.text_deltas(chat(s.openai())))
        if isinstance(e, unspool.ValueCompleted) and len(e.path) == 2 and e.path[0] == "items"
    ]
    assert [e.value["name"] for e in completed] == [
        "Warm the pot",
        "Mind the temperature",
        "Time it",
    ]


def test_chat_into_splitter(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    splitter = unspool.Splitter(at="/items")
    items = []
    for chunk in uo.text_deltas(chat(s.openai())):
        items += splitter.feed(chunk)
    items += splitter.close()
    assert items == json.loads(chat_text("openai_chat_json.sse"))["items"]


def test_chat_into_stream_model(served: Serve) -> None:
    class Item(pydantic.BaseModel):
        name: str
        detail: str

    class Article(pydantic.BaseModel):
        title: str
        items: list[Item]

    s = served("openai_chat_json.sse")
    with unspool.stream_model(uo.text_deltas(chat(s.openai())), Article) as stream:
        partials = list(stream)
        article = stream.final()
    assert partials
    assert article.title == "Three habits of careful tea brewers"
    assert len(article.items) == 3


async def test_async_chat_into_aiter_partial(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = await chat(s.async_openai())
    deltas = uo.text_deltas(stream)
    last = None
    async for snap in unspool.aiter_partial(deltas):
        last = snap
    assert last == json.loads(chat_text("openai_chat_json.sse"))
    assert deltas.stop_reason == "stop"
    assert deltas.usage == uo.Usage(61, 179)
    assert s.body.closed


@pytest.mark.parametrize("choice", [0, 1])
def test_n2_picks_one_choice(served: Serve, choice: int) -> None:
    s = served("openai_chat_n2.sse")
    deltas = uo.text_deltas(chat(s.openai(), n=2), choice=choice)
    final = list(unspool.iter_partial(deltas))[-1]
    assert final == json.loads(chat_text("openai_chat_n2.sse", choice))
    assert final["summary"] == ["Mild and sunny", 'Clouds later, "light" rain'][choice]
    assert deltas.stop_reason == "stop"


def test_chat_stream_helper_manager(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    client = s.openai()
    manager = client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES)
    deltas = uo.text_deltas(manager)
    final = list(unspool.iter_partial(deltas))[-1]
    assert final == json.loads(chat_text("openai_chat_json.sse"))
    assert deltas.usage == uo.Usage(61, 179)
    assert s.body.closed


async def test_async_chat_stream_helper_manager(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    client = s.async_openai()
    manager = client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES)
    chunks = [c async for c in uo.text_deltas(manager)]
    assert "".join(chunks) == chat_text("openai_chat_json.sse")
    assert s.body.closed


def test_responses_output_text(served: Serve) -> None:
    s = served("openai_responses_json.sse")
    deltas = uo.text_deltas(responses(s.openai()))
    final = list(unspool.iter_partial(deltas))[-1]
    assert final == json.loads(responses_text("openai_responses_json.sse"))
    assert deltas.stop_reason == "completed"
    assert deltas.usage is not None and deltas.usage.input_tokens == 57
    assert s.request_json["stream"] is True


def test_responses_stream_helper_manager(served: Serve) -> None:
    s = served("openai_responses_json.sse")
    manager = s.openai().responses.stream(model="gpt-4o-mini", input="Tea tips as JSON.")
    text = "".join(uo.text_deltas(manager))
    assert text == responses_text("openai_responses_json.sse")
    assert s.body.closed


async def test_async_responses_output_text(served: Serve) -> None:
    s = served("openai_responses_json.sse")
    stream = await responses(s.async_openai())
    last = None
    async for snap in unspool.aiter_partial(uo.text_deltas(stream)):
        last = snap
    assert last == json.loads(responses_text("openai_responses_json.sse"))


# -- refusal and truncation ----------------------------------------------------------------


def test_refusal_raises_with_its_text(served: Serve) -> None:
    s = served("openai_chat_refusal.sse")
    with pytest.raises(uo.RefusalError) as info:
        list(unspool.iter_partial(uo.text_deltas(chat(s.openai()))))
    assert info.value.refusal == "I'm sorry, but I can't help with that request."
    assert "can't help" in str(info.value)
    assert isinstance(info.value, unspool.UnspoolError)


def test_refusal_not_strict(served: Serve) -> None:
    s = served("openai_chat_refusal.sse")
    deltas = uo.text_deltas(chat(s.openai()), strict=False)
    assert list(deltas) == []
    assert deltas.refusal == "I'm sorry, but I can't help with that request."


def test_length_is_loud(served: Serve) -> None:
    s = served("openai_chat_length.sse")
    deltas = uo.text_deltas(chat(s.openai()))
    snapshots = []
    with pytest.raises(unspool.IncompleteJSONError) as info:
        for snap in unspool.iter_partial(deltas):
            snapshots.append(json.dumps(snap))
    err = info.value
    assert isinstance(err, uo.TokenLimitError)
    assert "token limit" in str(err) and "'length'" in str(err)
    assert err.stop_reason == "length" == deltas.stop_reason
    assert err.pos == len(chat_text("openai_chat_length.sse"))
    assert err.lineno > 1  # the fixture's JSON is indented over several lines
    assert deltas.truncated
    assert json.loads(snapshots[-1])["title"] == "Three habits of careful tea brewers"


def test_length_not_strict_leaves_it_to_the_parser(served: Serve) -> None:
    s = served("openai_chat_length.sse")
    deltas = uo.text_deltas(chat(s.openai()), strict=False)
    parser = unspool.Parser()
    for chunk in deltas:
        parser.feed(chunk)
    assert deltas.truncated
    with pytest.raises(unspool.IncompleteJSONError) as info:
        parser.close()
    assert not isinstance(info.value, uo.TokenLimitError)


def test_responses_max_output_tokens_is_loud(served: Serve) -> None:
    s = served("openai_responses_incomplete.sse")
    deltas = uo.text_deltas(responses(s.openai()))
    with pytest.raises(uo.TokenLimitError, match="token limit"):
        list(unspool.iter_partial(deltas))
    assert deltas.stop_reason == "max_output_tokens"


async def test_async_length_is_loud(served: Serve) -> None:
    s = served("openai_chat_length.sse")
    stream = await chat(s.async_openai())
    with pytest.raises(uo.TokenLimitError):
        async for _ in unspool.aiter_partial(uo.text_deltas(stream)):
            pass


# -- tool calls ----------------------------------------------------------------------------


def test_one_tool_call_deltas(served: Serve) -> None:
    s = served("openai_chat_tool_call.sse")
    records = list(uo.tool_argument_deltas(chat(s.openai())))
    assert records[0] == uo.ToolCallDelta(0, "call_Qx1", "get_weather", "")
    assert all(r.delta for r in records[1:])
    assert {(r.index, r.id, r.name) for r in records} == {(0, "call_Qx1", "get_weather")}
    args = json.loads("".join(r.delta for r in records))
    assert args == {"location": "Paris, France", "unit": "celsius"}


def test_one_tool_call_validated(served: Serve) -> None:
    s = served("openai_chat_tool_call.sse")
    deltas = uo.tool_argument_deltas(chat(s.openai()))
    calls, partials = [], []
    for call in uo.iter_tool_calls(deltas, models={"get_weather": Weather}):
        calls.append(call)
        if not call.done:  # the partial snapshot is live: copy it to keep it
            partials.append(copy.deepcopy(call.arguments))
    assert calls[0].arguments is unspool.MISSING and not calls[0].done
    assert {"location": ""} in partials and {"location": "Paris, Fran"} in partials
    done = [c for c in calls if c.done]
    assert len(done) == 1 and calls[-1] is done[0]
    assert done[0].arguments == Weather(location="Paris, France", unit="celsius")
    assert (done[0].id, done[0].name) == ("call_Qx1", "get_weather")
    assert deltas.stop_reason == "tool_calls"
    assert deltas.usage == uo.Usage(82, 17)


def test_tool_call_validation_error(served: Serve) -> None:
    s = served("openai_chat_tool_call.sse")
    with pytest.raises(unspool.ValidationError) as info:
        list(uo.iter_tool_calls(chat(s.openai()), models={"get_weather": Time}))
    assert isinstance(info.value.__cause__, pydantic.ValidationError)
    assert "get_weather" in str(info.value)
    assert info.value.index == 0
    assert s.body.closed


def test_parallel_tool_calls_interleaved(served: Serve) -> None:
    s = served("openai_chat_parallel_tools.sse")
    records = list(uo.tool_argument_deltas(chat(s.openai())))
    indexes = [r.index for r in records]
    assert indexes != sorted(indexes)  # the fixture really interleaves them
    by_index: dict[int, str] = {}
    for r in records:
        by_index[r.index] = by_index.get(r.index, "") + r.delta
    assert json.loads(by_index[0]) == {"location": "Paris, France", "unit": "celsius"}
    assert json.loads(by_index[1]) == {"timezone": "Asia/Tokyo"}
    assert {r.id for r in records if r.index == 1} == {"call_Tk2"}


def test_parallel_tool_calls_parsed(served: Serve) -> None:
    s = served("openai_chat_parallel_tools.sse")
    models = {"get_weather": Weather, "get_time": Time}
    done = [c for c in uo.iter_tool_calls(chat(s.openai()), models) if c.done]
    # get_time's JSON closes first, so it is done first.
    assert [(c.index, c.name) for c in done] == [(1, "get_time"), (0, "get_weather")]
    assert done[0].arguments == Time(timezone="Asia/Tokyo")
    assert done[1].arguments.unit == "celsius"


async def test_async_parallel_tool_calls(served: Serve) -> None:
    s = served("openai_chat_parallel_tools.sse")
    stream = await chat(s.async_openai())
    done = [c async for c in uo.aiter_tool_calls(stream) if c.done]
    assert {c.name: c.arguments for c in done} == {
        "get_weather": {"location": "Paris, France", "unit": "celsius"},
        "get_time": {"timezone": "Asia/Tokyo"},
    }


def test_responses_function_calls(served: Serve) -> None:
    s = served("openai_responses_tools.sse")
    deltas = uo.tool_argument_deltas(responses(s.openai()))
    done = [c for c in uo.iter_tool_calls(deltas) if c.done]
    assert [(c.index, c.id, c.name) for c in done] == [
        (0, "call_unLAR8MvFN", "get_weather"),
        (1, "call_Wf3Wq9Zz2k", "get_time"),
    ]
    assert done[1].arguments == {"timezone": "Asia/Tokyo"}
    assert deltas.usage == uo.Usage(75, 38)


def test_text_deltas_ignore_tool_calls_and_vice_versa(served: Serve) -> None:
    s = served("openai_chat_tool_call.sse")
    assert list(uo.text_deltas(chat(s.openai()))) == []
    s = served("openai_chat_json.sse")
    assert list(uo.tool_argument_deltas(chat(s.openai()))) == []


# -- stopping early stops generation -------------------------------------------------------


def test_break_out_of_iter_partial_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    for snap in unspool.iter_partial(uo.text_deltas(chat(s.openai()))):
        if len(snap.get("items", ())) == 2:
            break
    s.body.assert_closed_early()


def test_close_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    deltas = uo.text_deltas(chat(s.openai()))
    for i, _ in enumerate(deltas):
        if i == 5:
            deltas.close()
            break
    s.body.assert_closed_early()


def test_with_block_closes_the_response(served: Serve) -> None:
    s = served("openai_responses_json.sse")
    with uo.text_deltas(responses(s.openai())) as deltas:
        next(iter(deltas))
    s.body.assert_closed_early()


def test_close_before_iterating_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    uo.text_deltas(chat(s.openai())).close()
    s.body.assert_closed_early()


def test_exception_in_consumer_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    with pytest.raises(KeyError):
        for snap in unspool.iter_partial(uo.text_deltas(chat(s.openai()))):
            if "items" in snap:
                raise KeyError("consumer failed")
    s.body.assert_closed_early()


def test_break_out_of_iter_tool_calls_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_parallel_tools.sse")
    for call in uo.iter_tool_calls(chat(s.openai())):
        if call.index == 1:
            break
    s.body.assert_closed_early()


def test_break_out_of_stream_helper_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    manager = s.openai().chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES)
    for _ in unspool.iter_partial(uo.text_deltas(manager)):
        break
    s.body.assert_closed_early()


async def test_async_break_out_of_aiter_partial_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = await chat(s.async_openai())
    async with contextlib.aclosing(unspool.aiter_partial(uo.text_deltas(stream))) as snapshots:
        async for snap in snapshots:
            if "items" in snap:
                break
    s.body.assert_closed_early()


async def test_async_plain_break_closes_the_response_when_collected(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = await chat(s.async_openai())
    async for _ in unspool.aiter_partial(uo.text_deltas(stream)):
        break
    for _ in range(5):  # asyncio's async-generator finalizer runs aclose() as a task
        await asyncio.sleep(0)
    s.body.assert_closed_early()


async def test_async_break_out_of_aiter_tool_calls_closes_the_response(served: Serve) -> None:
    s = served("openai_responses_tools.sse")
    stream = await responses(s.async_openai())
    async with contextlib.aclosing(uo.aiter_tool_calls(stream)) as calls:
        async for call in calls:
            if call.done:
                break
    s.body.assert_closed_early()


async def test_async_exception_in_consumer_closes_the_response(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = await chat(s.async_openai())
    deltas = uo.text_deltas(stream)
    with pytest.raises(RuntimeError):
        async with deltas:
            async for _ in deltas:
                raise RuntimeError("consumer failed")
    s.body.assert_closed_early()


@pytest.mark.parametrize("helper", [False, True])
async def test_cancelling_the_task_closes_the_response(served: Serve, helper: bool) -> None:
    s = served("openai_chat_json.sse", hang_after=40)
    client = s.async_openai()
    if helper:
        stream = client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES)
    else:
        stream = await chat(client)
    seen = []

    async def consume() -> None:
        async for snap in unspool.aiter_partial(uo.text_deltas(stream)):
            seen.append(snap)

    task = asyncio.create_task(consume())
    while s.body.sent < 40:  # the model "thinks" after 40 events
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen
    s.body.assert_closed_early()
    assert s.body.sent_when_closed == 40
