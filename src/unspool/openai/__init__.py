"""OpenAI streams in, text and tool-argument chunks out (``pip install 'unspool[openai]'``).

Works with what ``openai`` returns for streaming, sync and async alike:

- ``client.chat.completions.create(..., stream=True)`` (``chat.completion.chunk`` objects),
- ``client.chat.completions.stream(...)`` (the helper manager; its raw chunks are used),
- ``client.responses.create(..., stream=True)`` and ``client.responses.stream(...)``
  (``response.output_text.delta``, ``response.function_call_arguments.delta``, ...).

Feed the text into any unspool driver; the driver closes the stream, and with it the HTTP
request, as soon as its loop ends::

    stream = client.chat.completions.create(model=..., messages=..., stream=True,
                                            response_format={"type": "json_object"})
    deltas = unspool.openai.text_deltas(stream)
    for snapshot in unspool.iter_partial(deltas):       # async: aiter_partial + async for
        render(snapshot)
    print(deltas.stop_reason, deltas.usage)

Tool calls, one parser per call, parallel calls kept apart::

    for call in unspool.openai.iter_tool_calls(stream, models={"get_weather": Weather}):
        if call.done:
            run(call.name, call.arguments)               # a validated Weather
        else:
            show(call.name, call.arguments)              # partial dict, growing

Naming: the delta sources (``text_deltas``, ``tool_argument_deltas``) return one
``DeltaStream`` object that serves ``for`` or ``async for``, whichever matches the SDK
stream; drivers follow unspool's core naming, ``iter_tool_calls`` and ``aiter_tool_calls``.

A stream that stopped at the token limit (``finish_reason == "length"``, Responses
``max_output_tokens``) raises ``TokenLimitError``, an ``unspool.IncompleteJSONError``, after
its last chunk; a refusal raises ``RefusalError`` carrying the refusal text.  Pass
``strict=False`` to end quietly and read ``stop_reason`` / ``refusal`` instead.

The SDK is duck-typed at run time: this module imports without ``openai`` installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from unspool._adapters import (
    TOKEN_LIMIT_REASONS,
    DeltaStream,
    RefusalError,
    TokenLimitError,
    ToolCall,
    ToolCallDelta,
    Usage,
    arun_tool_calls,
    run_tool_calls,
)
from unspool._drivers import AsyncClosingIterator, ClosingIterator

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "TOKEN_LIMIT_REASONS",
    "DeltaStream",
    "RefusalError",
    "TokenLimitError",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "aiter_tool_calls",
    "iter_tool_calls",
    "text_deltas",
    "tool_argument_deltas",
]


class _OpenAIStream(DeltaStream[Any]):
    """Chat completion chunks and Responses API events."""

    def __init__(self, stream: Any, *, tools: bool, choice: int, strict: bool) -> None:
        super().__init__(stream, tools=tools, strict=strict)
        self._choice = choice

    def _handle(self, event: Any) -> list[Any]:
        kind = getattr(event, "type", None)
        if kind == "chunk":  # chat.completions.stream(): every raw chunk rides along
            event, kind = event.chunk, None
        if kind is None:
            return self._chunk(event) if hasattr(event, "choices") else []
        if kind == "response.output_text.delta":
            return self._text(event.delta)
        if kind == "response.function_call_arguments.delta":
            return self._tool(event.output_index, None, None, event.delta)
        if kind == "response.output_item.added" and event.item.type == "function_call":
            item = event.item
            return self._tool(event.output_index, item.call_id, item.name, item.arguments)
        if kind == "response.refusal.delta":
            self._refusal_parts.append(event.delta)
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            response = event.response
            details = getattr(response, "incomplete_details", None)
            self.stop_reason = (details and details.reason) or response.status
            usage = getattr(response, "usage", None)
            if usage is not None:
                self.usage = Usage(usage.input_tokens, usage.output_tokens)
        return []

    def _chunk(self, chunk: Any) -> list[Any]:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = Usage(usage.prompt_tokens, usage.completion_tokens)
        out: list[Any] = []
        for choice in chunk.choices:
            if choice.index != self._choice:
                continue
            if choice.finish_reason:
                self.stop_reason = choice.finish_reason
            delta = choice.delta
            if delta is None:
                continue
            refusal = getattr(delta, "refusal", None)
            if refusal:
                self._refusal_parts.append(refusal)
            out += self._text(delta.content)
            for call in delta.tool_calls or ():
                function = call.function
                name = function.name if function is not None else None
                arguments = function.arguments if function is not None else None
                out += self._tool(call.index, call.id, name, arguments)
        return out


def text_deltas(stream: Any, *, choice: int = 0, strict: bool = True) -> DeltaStream[str]:
    """The text of an OpenAI stream, chunk by chunk, as a ``DeltaStream[str]``.

    Chat completions: ``choices[choice].delta.content`` (``choice`` picks one of ``n``).
    Responses API: every ``response.output_text.delta``.  Iterate it with ``for`` or
    ``async for`` (matching the stream), or pass it to ``unspool.iter_partial`` /
    ``unspool.aiter_partial`` and friends.  ``stop_reason`` and ``usage`` are set on it once
    known.  With ``strict`` it raises ``TokenLimitError`` / ``RefusalError`` at the end.
    """
    return _OpenAIStream(stream, tools=False, choice=choice, strict=strict)


def tool_argument_deltas(
    stream: Any, *, choice: int = 0, strict: bool = True
) -> DeltaStream[ToolCallDelta]:
    """Every tool call's argument fragments, as ``ToolCallDelta(index, id, name, delta)``.

    Chat completions: ``choices[choice].delta.tool_calls``, kept apart by their ``index``.
    Responses API: ``function_call`` items (``id`` is their ``call_id``) and
    ``response.function_call_arguments.delta``, kept apart by output index.  Parallel calls
    may interleave.  Otherwise like ``text_deltas``.
    """
    return _OpenAIStream(stream, tools=True, choice=choice, strict=strict)


def _deltas(stream: Any, choice: int, strict: bool) -> DeltaStream[ToolCallDelta]:
    if isinstance(stream, DeltaStream):
        return stream
    return tool_argument_deltas(stream, choice=choice, strict=strict)


def iter_tool_calls(
    stream: Any,
    models: Mapping[str, type[Any] | TypeAdapter[Any]] | None = None,
    *,
    choice: int = 0,
    strict: bool = True,
    **options: Any,
) -> ClosingIterator[ToolCall]:
    """Parse every tool call of a sync stream as it streams, one ``unspool.Parser`` each.

    Yields a ``ToolCall`` with ``done=False`` when a call starts and after each of its
    argument fragments (``arguments`` is the live partial snapshot), then one ``ToolCall``
    with ``done=True`` as soon as its argument JSON is complete (``arguments`` parsed).
    ``models`` maps tool names to pydantic models (or any type pydantic validates, or a
    ``TypeAdapter``): a finished call of that name is validated with ``model_validate``
    (an adapter's ``validate_python``); a failure raises ``unspool.ValidationError`` with
    the pydantic error as ``__cause__``.  ``options`` go to each ``unspool.Parser``.

    ``stream`` is an SDK stream or a ``tool_argument_deltas(...)`` result (keep that to
    read ``usage`` and ``stop_reason`` afterwards).  Leaving the loop closes the stream.
    """
    return run_tool_calls(_deltas(stream, choice, strict), models, options)


def aiter_tool_calls(
    stream: Any,
    models: Mapping[str, type[Any] | TypeAdapter[Any]] | None = None,
    *,
    choice: int = 0,
    strict: bool = True,
    **options: Any,
) -> AsyncClosingIterator[ToolCall]:
    """The async twin of ``iter_tool_calls``, for ``AsyncOpenAI`` streams.

    ``async with aiter_tool_calls(stream) as calls:`` closes the stream at once when the
    block exits, as does cancelling the task; a plain ``break`` without it closes the stream
    only when asyncio collects the generator.
    """
    return arun_tool_calls(_deltas(stream, choice, strict), models, options)
