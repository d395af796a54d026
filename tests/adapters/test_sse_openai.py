"""unspool.sse over the real openai client (recorded streams over a mock transport)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

import unspool.openai as uo
from unspool import sse

from .conftest import Served, sse_data

pytest.importorskip("openai")
Serve = Callable[..., Served]
MESSAGES = [{"role": "user", "content": "Three tips for brewing tea, as JSON."}]


def content(name: str) -> str:
    return "".join(
        c["delta"].get("content") or "" for chunk in sse_data(name) for c in chunk["choices"]
    )


def test_a_sync_sdk_stream_to_frames(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = s.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    patcher = sse.Patcher()
    patcher.feed("".join(sse.stream(uo.text_deltas(stream))))
    assert patcher.done and patcher.value == json.loads(content("openai_chat_json.sse"))
    assert s.body.closed


async def test_an_async_sdk_stream_to_frames(served: Serve) -> None:
    s = served("openai_chat_json.sse")
    stream = await s.async_openai().chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    patcher = sse.Patcher()
    async for frame in sse.stream(uo.text_deltas(stream)):
        patcher.feed(frame)
    assert patcher.done and patcher.value == json.loads(content("openai_chat_json.sse"))


def test_the_token_limit_is_an_error_event(served: Serve) -> None:
    s = served("openai_chat_length.sse")
    stream = s.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    patcher = sse.Patcher()
    patcher.feed("".join(sse.stream(uo.text_deltas(stream))))
    assert not patcher.done
    assert patcher.error is not None and patcher.error["kind"] == "token_limit"
    assert patcher.value, "what came before the limit was shown"


async def test_a_client_that_goes_closes_the_sdk_response(served: Serve) -> None:
    s = served("openai_chat_json.sse", hang_after=40)
    stream = await s.async_openai().chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    frames = sse.stream(uo.text_deltas(stream), keep_alive=0.01)
    seen = []

    async def consume() -> None:  # what Starlette does with a response body
        async for frame in frames:
            seen.append(frame)

    task = asyncio.create_task(consume())
    while sse.KEEP_ALIVE not in seen:  # the model went quiet after 40 events
        await asyncio.sleep(0.005)
    task.cancel()  # the client disconnected
    with pytest.raises(asyncio.CancelledError):
        await task
    s.body.assert_closed_early()


def test_a_refusal_is_an_error_event(served: Serve) -> None:
    s = served("openai_chat_refusal.sse")
    stream = s.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    patcher = sse.Patcher()
    patcher.feed("".join(sse.stream(uo.text_deltas(stream))))
    assert patcher.error is not None and patcher.error["kind"] == "refusal"
    assert not patcher.done
