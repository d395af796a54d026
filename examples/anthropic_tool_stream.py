"""Watch Claude's parallel tool calls fill in, and run each one as soon as it is complete.

    python examples/anthropic_tool_stream.py                 # offline: a recorded response
    ANTHROPIC_API_KEY=sk-ant-... python examples/anthropic_tool_stream.py   # the real API

Offline, the real ``anthropic.Anthropic`` client reads a recorded server-sent-event body
(tests/fixtures/anthropic_tool_use.sse) through a mock HTTP transport.  Set
``ANTHROPIC_MODEL`` to pick the model of a live run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import anthropic
import pydantic

import unspool
import unspool.anthropic

RECORDED = Path(__file__).parents[1] / "tests" / "fixtures" / "anthropic_tool_use.sse"


class Weather(pydantic.BaseModel):
    """The arguments of get_weather: validated once the call is complete."""

    location: str
    unit: Literal["celsius", "fahrenheit"] = "celsius"
    days: list[int] = pydantic.Field(default_factory=list)


TOOLS = [
    {
        "name": "get_weather",
        "description": "Weather forecast for a location.",
        "input_schema": Weather.model_json_schema(),
    }
]


def recorded_client(delay: float) -> anthropic.Anthropic:
    """A real client whose HTTP transport replays the recorded body, one event per chunk."""
    http = next(
        importlib.import_module(cls.__module__.partition(".")[0])
        for cls in anthropic.DefaultHttpxClient.__mro__
        if cls.__module__.startswith("httpx")
    )  # httpx or httpx2, whichever this SDK release sits on
    events = [e + b"\n\n" for e in RECORDED.read_bytes().split(b"\n\n") if e.strip()]

    def body() -> Iterator[bytes]:
        for event in events:
            time.sleep(delay)
            yield event

    def handler(request: Any) -> Any:
        return http.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    transport = http.MockTransport(handler)
    return anthropic.Anthropic(
        api_key="recorded",
        base_url="http://recorded",
        http_client=anthropic.DefaultHttpxClient(transport=transport),
    )


def get_weather(args: Weather) -> str:
    return f"(pretend forecast for {args.location} in {args.unit})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=0.02, help="offline: seconds per event")
    args = ap.parse_args()

    live = bool(os.environ.get("ANTHROPIC_API_KEY"))
    client = anthropic.Anthropic() if live else recorded_client(args.delay)
    print(f"{'live API' if live else f'recorded response ({RECORDED.name})'}\n")

    stream = client.messages.create(
        model=os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4-6"),
        max_tokens=1024,
        tools=TOOLS,
        messages=[{"role": "user", "content": "What's the weather in San Francisco and Tokyo?"}],
        stream=True,
    )
    deltas = unspool.anthropic.input_json_deltas(stream)
    shown: dict[int, str] = {}
    for call in unspool.anthropic.iter_tool_calls(deltas, models={"get_weather": Weather}):
        if call.done:
            print(f"  [{call.index}] done  -> {get_weather(call.arguments)}")
            continue
        now = json.dumps(call.arguments) if call.arguments is not unspool.MISSING else "..."
        if shown.get(call.index) != now:  # print only what changed
            shown[call.index] = now
            print(f"  [{call.index}] {call.name}({now})")

    print(f"\nstop reason: {deltas.stop_reason}; usage: {deltas.usage}")


if __name__ == "__main__":
    main()
