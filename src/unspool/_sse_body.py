"""Read a provider's raw server-sent-event body (``curl -N ... | unspool split --sse openai``).

The SDKs parse SSE themselves, so the adapters only ever see SDK event objects.  A raw body
needs two small steps before it reaches the same adapters (``unspool.openai`` /
``unspool.anthropic``), so that their rules -- which deltas are the model's text, the token
limit and refusals raise -- hold for a body read from a pipe exactly as for an SDK stream:

1. SSE framing (the WHATWG rules the SDKs follow): ``data:`` lines of one event are joined
   by newlines, a blank line dispatches it, ``:`` lines are comments, other fields are
   ignored; OpenAI's ``data: [DONE]`` ends the stream.  Lines are split on bytes, so a
   chunk may end anywhere, even inside a UTF-8 character.
2. Each event's JSON becomes a ``Record``: attribute access like an SDK model, ``None`` for
   a field the provider did not send (as the SDK models' defaults are).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


class SSEError(ValueError):
    """The body is not a provider's SSE stream (an event's data is not JSON or not UTF-8)."""


class Record(dict):  # type: ignore[type-arg]
    """A JSON object read like an SDK model: ``record.choices[0].delta.content``."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe for protocol methods
            raise AttributeError(name)
        return self.get(name)


def sse_payloads(body: Iterable[bytes]) -> Iterator[str]:
    """The ``data`` of each event of an SSE body, as the bytes arrive."""
    data: list[str] = []
    rest = b""
    for chunk in body:
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()  # an unfinished line waits for the next chunk
        for raw in lines:
            line = _decode(raw)
            if line:
                _field(line, data)
            elif data:  # a blank line dispatches the event
                yield "\n".join(data)
                data = []
    if rest:
        _field(_decode(rest), data)
    if data:  # a body cut off before its last blank line still delivers its last event
        yield "\n".join(data)


def _decode(line: bytes) -> str:
    try:
        return line.rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError as err:
        raise SSEError(f"an SSE line is not UTF-8: {line[:80]!r}") from err


def _field(line: str, data: list[str]) -> None:
    """Keep a ``data:`` line's value (one leading space dropped); ignore other fields."""
    if line.startswith("data:"):
        value = line[5:]
        data.append(value[1:] if value.startswith(" ") else value)


def sse_events(body: Iterable[bytes]) -> Iterator[Record]:
    """The events of an SSE body as ``Record`` objects, until OpenAI's ``[DONE]``."""
    for payload in sse_payloads(body):
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload, object_hook=Record)
        except ValueError as err:
            raise SSEError(f"an SSE event's data is not JSON: {payload[:80]!r}") from err
        if isinstance(event, Record):
            yield event


def text_chunks(body: Iterable[bytes], provider: str) -> Any:
    """The model's text in a raw SSE body of ``provider`` (``"openai"`` / ``"anthropic"``),
    through that provider's adapter: a ``DeltaStream[str]``."""
    if provider == "openai":
        from .openai import text_deltas
    elif provider == "anthropic":
        from .anthropic import text_deltas  # type: ignore[assignment]
    else:
        raise ValueError(f"unknown SSE provider {provider!r} (openai or anthropic)")
    return text_deltas(sse_events(body))
