"""Stream JSON from OpenAI and use each item the moment it is complete.

    python examples/openai_stream.py                  # offline: a recorded response
    python examples/openai_stream.py --stop-after 1   # enough after one item: stop the model
    OPENAI_API_KEY=sk-... python examples/openai_stream.py   # the real API ($OPENAI_MODEL)

Offline, the real ``openai.OpenAI`` client reads a recorded server-sent-event body
(tests/fixtures/openai_chat_json.sse) through a mock HTTP transport, so the code path is the
one a live call takes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai

import unspool
import unspool.openai

RECORDED = Path(__file__).parents[1] / "tests" / "fixtures" / "openai_chat_json.sse"

SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["name", "detail"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["title", "items"],
    "additionalProperties": False,
}


def recorded_client(delay: float) -> openai.OpenAI:
    """A real client whose HTTP transport replays the recorded body, one event per chunk."""
    http = next(
        importlib.import_module(cls.__module__.partition(".")[0])
        for cls in openai.DefaultHttpxClient.__mro__
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
    return openai.OpenAI(
        api_key="recorded",
        base_url="http://recorded/v1",
        http_client=openai.DefaultHttpxClient(transport=transport),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stop-after", type=int, default=0, help="stop after this many items")
    ap.add_argument("--delay", type=float, default=0.01, help="offline: seconds per event")
    args = ap.parse_args()

    live = bool(os.environ.get("OPENAI_API_KEY"))
    client = openai.OpenAI() if live else recorded_client(args.delay)
    print(f"{'live API' if live else f'recorded response ({RECORDED.name})'}\n")

    stream = client.chat.completions.create(
        model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
        messages=[{"role": "user", "content": "Three habits of careful tea brewers, as JSON."}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "article", "schema": SCHEMA, "strict": True},
        },
        stream=True,
        stream_options={"include_usage": True},
    )
    deltas = unspool.openai.text_deltas(stream)
    items = 0
    # iter_events closes the stream -- and with it the HTTP response -- when the loop ends,
    # whether it ran to the end or was left early.
    for event in unspool.iter_events(deltas):
        if isinstance(event, unspool.StringDelta) and event.path == ("title",):
            print(event.text, end="", flush=True)  # the title, as it is typed
        elif isinstance(event, unspool.ValueCompleted) and event.path == ("title",):
            print()
        elif isinstance(event, unspool.ValueCompleted) and event.path[::2] == ("items",):
            items += 1  # path ("items", i): one whole item
            text = json.dumps(event.value, ensure_ascii=False)
            print(f"  item {unspool.pointer(event.path)}: {text[:90]}")
            if items == args.stop_after:
                break

    if items == args.stop_after:
        print(f"\nstopped after {items} item(s); HTTP response closed: {stream.response.is_closed}")
    else:
        print(f"\nstop reason: {deltas.stop_reason}; usage: {deltas.usage}")


if __name__ == "__main__":
    main()
