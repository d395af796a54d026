"""``stream_model`` with ``list[Model]``, ``RootModel`` and ``TypeAdapter`` targets, through
the real openai client replaying recorded streams.

``openai_chat_json_list.sse`` and ``openai_chat_length_list.sse`` are
``openai_chat_json.sse`` and ``openai_chat_length.sse`` with each content delta cut to the
text of the answer's ``items`` array (deltas wholly outside it dropped): the model's own
tokens, as if it had been asked for the list alone.  The second one stops at the token
limit in the middle of the first item.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from collections.abc import Callable
from typing import Any, Literal

import pydantic
import pytest
from pydantic import RootModel, TypeAdapter
from typing_extensions import TypedDict

import unspool
import unspool.openai as uo

from .conftest import Served, sse_data

Serve = Callable[..., Served]


class Item(pydantic.BaseModel):
    name: str
    detail: str
    minutes: list[int] = []


class Items(RootModel[list[Item]]):
    pass


def answer(name: str) -> str:
    return "".join(
        choice["delta"].get("content") or "" for d in sse_data(name) for choice in d["choices"]
    )


def deltas(s: Served, **kwargs: Any) -> Any:
    stream = s.openai().chat.completions.create(model="m", messages=[], stream=True)
    return uo.text_deltas(stream, **kwargs)


@pytest.mark.parametrize("target", [list[Item], Items, TypeAdapter(list[Item])], ids=repr)
def test_a_list_answer_streams_item_by_item(served: Serve, target: Any) -> None:
    s = served("openai_chat_json_list.sse")
    expected = TypeAdapter(list[Item]).validate_json(answer("openai_chat_json_list.sse"))
    shown = []
    with unspool.stream_model(deltas(s), target) as stream:
        for partial in stream:
            items = partial.root if isinstance(partial, RootModel) else partial
            assert all(unspool.is_complete(item) for item in items[:-1])
            shown.append(copy.deepcopy(items))
        final = stream.final()
    assert (final.root if isinstance(final, RootModel) else final) == expected
    assert s.body.fully_read and s.body.closed
    # Items appear one by one, the last one growing; every name only grows.
    counts = [len(items) for items in shown]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 3  # "[" shows []
    for index in range(3):
        names = [items[index].name or "" for items in shown if len(items) > index]
        assert all(b.startswith(a) for a, b in itertools.pairwise(names))
        assert names[-1] == expected[index].name
    assert shown[-1][2].minutes == [3, 5]


def test_a_cut_off_list_raises_token_limit_error_with_the_partial_list(served: Serve) -> None:
    s = served("openai_chat_length_list.sse")
    stream = unspool.stream_model(deltas(s), list[Item])
    with pytest.raises(uo.TokenLimitError) as info, stream:
        for _ in stream:
            pass
    partial = info.value.partial
    assert partial is stream.partial and isinstance(partial, list) and len(partial) == 1
    item = partial[0]
    assert isinstance(item, unspool.Partial) and not unspool.is_complete(item)
    assert (
        item.name == "Warm the pot" and item.detail == "Rinse it with hot water first, so the brew"
    )
    assert unspool.completed(item) == {"name"}  # the detail was cut off: not complete
    assert s.body.closed


def test_a_cut_off_root_model_keeps_its_root_without_strict(served: Serve) -> None:
    s = served("openai_chat_length_list.sse")
    with unspool.stream_model(deltas(s, strict=False), Items) as stream:
        last = [p for p in stream][-1]
        with pytest.raises(unspool.IncompleteJSONError) as info:
            stream.final()
    assert info.value.partial is last and isinstance(last, RootModel)
    assert last.root[0].name == "Warm the pot" and unspool.completed(last) == frozenset()


def test_a_bad_item_in_a_recorded_answer_names_its_index(served: Serve) -> None:
    class Strict(pydantic.BaseModel):
        name: str
        detail: str = pydantic.Field(max_length=30)

    s = served("openai_chat_json_list.sse")
    stream = unspool.stream_model(deltas(s), list[Strict])
    with pytest.raises(unspool.ValidationError) as info, stream:
        for _ in stream:
            pass
    assert info.value.path == (0, "detail")
    assert "invalid value at /0/detail" in str(info.value)
    assert s.body.closed and not s.body.fully_read  # stopped at the bad item
    assert json.loads(info.value.raw).startswith("Rinse it")


@dataclasses.dataclass
class WeatherArgs:
    location: str
    unit: Literal["celsius", "fahrenheit"]


class WeatherDict(TypedDict):
    location: str
    unit: Literal["celsius", "fahrenheit"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (WeatherArgs, WeatherArgs("Paris, France", "celsius")),
        (TypeAdapter(WeatherDict), {"location": "Paris, France", "unit": "celsius"}),
        (
            RootModel[dict[str, str]],
            RootModel[dict[str, str]]({"location": "Paris, France", "unit": "celsius"}),
        ),
    ],
    ids=["dataclass", "typeadapter", "rootmodel"],
)
def test_tool_call_arguments_validated_as_any_target(served: Serve, target, expected) -> None:
    s = served("openai_chat_tool_call.sse")
    stream = s.openai().chat.completions.create(model="m", messages=[], stream=True)
    calls = [c for c in uo.iter_tool_calls(stream, models={"get_weather": target}) if c.done]
    assert [c.arguments for c in calls] == [expected]


def test_tool_call_failing_a_type_adapter_names_it(served: Serve) -> None:
    s = served("openai_chat_tool_call.sse")
    stream = s.openai().chat.completions.create(model="m", messages=[], stream=True)
    adapter = TypeAdapter(dict[str, int])
    with pytest.raises(unspool.ValidationError, match=r"TypeAdapter\(dict\[str, int\]\)"):
        list(uo.iter_tool_calls(stream, models={"get_weather": adapter}))
    assert s.body.closed


async def test_async_list_answer_and_its_cut_off_twin(served: Serve) -> None:
    s = served("openai_chat_json_list.sse")
    stream = await s.async_openai().chat.completions.create(model="m", messages=[], stream=True)
    async with unspool.astream_model(uo.text_deltas(stream), Items) as items:
        lengths = [len(partial.root) async for partial in items]
        final = await items.final()
    assert lengths[0] == 0 and lengths[-1] == 3 and final.root[0].name == "Warm the pot"
    cut = served("openai_chat_length_list.sse")
    stream = await cut.async_openai().chat.completions.create(model="m", messages=[], stream=True)
    shown = unspool.astream_model(uo.text_deltas(stream), list[Item])
    with pytest.raises(uo.TokenLimitError) as info:
        async with shown:
            async for _ in shown:
                pass
    assert info.value.partial is shown.partial and info.value.partial[0].name == "Warm the pot"
    assert cut.body.closed
