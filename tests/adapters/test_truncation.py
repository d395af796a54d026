"""Truncation keeps what arrived (issue 12.3), through the real openai and anthropic clients.

A stream stopped by the token limit, fed to any unspool driver:

- cut-off JSON raises ``TokenLimitError`` whose ``partial`` is the last snapshot (the
  salvage case), sync and async, for every driver;
- with ``strict=False`` the loop ends quietly and the caller keeps what arrived;
- JSON that was complete when the limit hit is no error: the value is whole, and the
  stream's ``stop_reason`` / ``truncated`` still say the limit was reached.

The ``*_at_length`` / ``*_at_max_tokens`` fixtures are recorded streams whose stop reason
was edited to the token limit (their JSON is complete).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pydantic
import pytest

import unspool
import unspool.anthropic as ua
import unspool.openai as uo

from .conftest import Served

Serve = Callable[..., Served]


class Item(pydantic.BaseModel):
    name: str
    detail: str


class Tips(pydantic.BaseModel):
    title: str
    items: list[Item]


def openai_deltas(s: Served, **kwargs: Any) -> Any:
    stream = s.openai().chat.completions.create(model="m", messages=[], stream=True)
    return uo.text_deltas(stream, **kwargs)


def anthropic_deltas(s: Served, **kwargs: Any) -> Any:
    stream = s.anthropic().messages.create(model="m", max_tokens=9, messages=[], stream=True)
    return ua.text_deltas(stream, **kwargs)


async def async_openai_deltas(s: Served, **kwargs: Any) -> Any:
    client = s.async_openai()
    stream = await client.chat.completions.create(model="m", messages=[], stream=True)
    return uo.text_deltas(stream, **kwargs)


# (fixture, deltas, stop reason): the cut-off streams and the whole-at-the-limit ones.
CUT = [
    ("openai_chat_length.sse", openai_deltas, "length"),
    ("anthropic_max_tokens.sse", anthropic_deltas, "max_tokens"),
]
WHOLE = [
    ("openai_chat_json_at_length.sse", openai_deltas, "length"),
    ("anthropic_json_at_max_tokens.sse", anthropic_deltas, "max_tokens"),
]


@pytest.mark.parametrize(("name", "deltas", "reason"), CUT)
def test_cut_off_json_raises_with_the_last_snapshot(served: Serve, name, deltas, reason):
    s = served(name)
    source = deltas(s)
    seen = []
    with pytest.raises(uo.TokenLimitError) as info:
        for snapshot in unspool.iter_partial(source):
            seen.append(copy.deepcopy(snapshot))
    err = info.value
    assert err.stop_reason == reason == source.stop_reason and source.truncated
    assert seen and err.partial == seen[-1]
    assert err.partial["title"] == "Three habits of careful tea brewers"
    assert isinstance(err.__cause__, unspool.IncompleteJSONError)  # the parser says where
    assert s.body.closed


@pytest.mark.parametrize(("name", "deltas", "reason"), CUT)
def test_every_driver_salvages(served: Serve, name, deltas, reason):
    # iter_events: the parser's snapshot at the cut.
    with pytest.raises(uo.TokenLimitError) as info:
        list(unspool.iter_events(deltas(served(name))))
    assert info.value.partial["title"] == "Three habits of careful tea brewers"
    # stream_model: the partial model, raised from the iteration.
    stream = unspool.stream_model(deltas(served(name)), Tips)
    with pytest.raises(uo.TokenLimitError) as info, stream:
        for _ in stream:
            pass
    partial = info.value.partial
    assert isinstance(partial, unspool.Partial) and partial is stream.partial
    assert partial.title == "Three habits of careful tea brewers"
    # iter_objects / iter_models: the items that closed came first.
    items: list[Any] = []
    with pytest.raises(uo.TokenLimitError):
        for item in unspool.iter_objects(deltas(served(name)), at="/items"):
            items.append(item)
    models: list[Item] = []
    with pytest.raises(uo.TokenLimitError):
        for model in unspool.iter_models(deltas(served(name)), Item, at="/items"):
            models.append(model)
    assert [Item.model_validate(i) for i in items] == models


@pytest.mark.parametrize(("name", "deltas", "reason"), CUT)
def test_not_strict_keeps_the_partial_without_an_exception(served: Serve, name, deltas, reason):
    source = deltas(served(name), strict=False)
    snapshots = [copy.deepcopy(s) for s in unspool.iter_partial(source)]  # no exception
    assert source.truncated and source.stop_reason == reason and not source.strict
    assert snapshots[-1]["title"] == "Three habits of careful tea brewers"
    assert list(unspool.iter_events(deltas(served(name), strict=False)))
    with unspool.stream_model(deltas(served(name), strict=False), Tips) as stream:
        last = [p for p in stream][-1]
        with pytest.raises(unspool.IncompleteJSONError) as info:
            stream.final()  # there is no whole Tips to give
    assert info.value.partial is last and not isinstance(info.value, uo.TokenLimitError)
    items = list(unspool.iter_objects(deltas(served(name), strict=False), at="/items"))
    assert items == snapshots[-1]["items"][: len(items)]


@pytest.mark.parametrize(("name", "deltas", "reason"), WHOLE)
def test_json_complete_at_the_limit_is_whole(served: Serve, name, deltas, reason):
    text = None
    for strict in (True, False):
        source = deltas(served(name), strict=strict)
        snapshots = [json.dumps(s) for s in unspool.iter_partial(source)]
        assert source.truncated and source.stop_reason == reason
        value = json.loads(snapshots[-1])
        assert text is None or value == text
        text = value
        with unspool.stream_model(deltas(served(name), strict=strict), Tips) as stream:
            tips = stream.final()
        assert tips == Tips.model_validate(value)
        assert len(list(unspool.iter_models(deltas(served(name)), Item, at="/items"))) == 3
        assert list(unspool.iter_events(deltas(served(name), strict=strict)))[-1].path == ()
    # Iterated directly, the stream itself still says it was stopped.
    with pytest.raises(uo.TokenLimitError) as info:
        list(deltas(served(name)))
    assert info.value.partial is unspool.MISSING


async def test_async_drivers_salvage_and_stay_quiet(served: Serve):
    with pytest.raises(uo.TokenLimitError) as info:
        async for _ in unspool.aiter_partial(await async_openai_deltas(served(CUT[0][0]))):
            pass
    assert info.value.partial["title"] == "Three habits of careful tea brewers"
    with pytest.raises(uo.TokenLimitError) as info:
        async with unspool.astream_model(
            await async_openai_deltas(served(CUT[0][0])), Tips
        ) as stream:
            async for _ in stream:
                pass
    assert info.value.partial is stream.partial is not None
    quiet = await async_openai_deltas(served(CUT[0][0]), strict=False)
    snapshots = [copy.deepcopy(s) async for s in unspool.aiter_partial(quiet)]
    assert snapshots and quiet.truncated
    whole = await async_openai_deltas(served(WHOLE[0][0]))
    items = [i async for i in unspool.aiter_objects(whole, at="/items")]
    assert len(items) == 3 and whole.truncated


def test_a_cut_off_tool_call_salvages_its_arguments(served: Serve):
    s = served("anthropic_tool_max_tokens.sse")
    stream = s.anthropic().messages.create(model="m", max_tokens=9, messages=[], stream=True)
    calls = []
    with pytest.raises(ua.TokenLimitError) as info:
        for call in ua.iter_tool_calls(stream):
            calls.append(copy.deepcopy(call))
    assert calls and info.value.partial == calls[-1].arguments != unspool.MISSING
    stream = s.anthropic().messages.create(model="m", max_tokens=9, messages=[], stream=True)
    quiet = list(ua.iter_tool_calls(stream, strict=False))  # ends without an exception
    assert quiet and not any(c.done for c in quiet)
