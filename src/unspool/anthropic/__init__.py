"""Anthropic streams in, text and tool-input chunks out (``pip install 'unspool[anthropic]'``).

Works with ``client.messages.create(..., stream=True)`` event streams and with
``client.messages.stream(...)`` managers (entered for you), sync and async alike::

    stream = client.messages.create(model=..., max_tokens=..., messages=..., stream=True)
    deltas = unspool.anthropic.text_deltas(stream)
    for snapshot in unspool.iter_partial(deltas):        # async: aiter_partial + async for
        render(snapshot)
    print(deltas.stop_reason, deltas.usage)               # "end_turn", Usage(25, 310)

Tool use, one parser per ``tool_use`` / ``server_tool_use`` block::

    for call in unspool.anthropic.iter_tool_calls(stream, models={"get_weather": Weather}):
        if call.done:
            run(call.name, call.arguments)                # a validated Weather
        else:
            show(call.name, call.arguments)               # partial dict, growing

A stream that ends with ``stop_reason == "max_tokens"`` raises ``TokenLimitError`` (an
``unspool.IncompleteJSONError``) after its last chunk, ``"refusal"`` raises
``RefusalError``; pass ``strict=False`` to end quietly and read ``stop_reason`` instead.
The records, errors and ``DeltaStream`` are the same classes as in ``unspool.openai``.

The SDK is duck-typed at run time: this module imports without ``anthropic`` installed.
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
    "input_json_deltas",
    "iter_tool_calls",
    "text_deltas",
]


class _AnthropicStream(DeltaStream[Any]):
    """Raw message stream events (the ``messages.stream()`` helper passes them through)."""

    def _handle(self, event: Any) -> list[Any]:
        kind = getattr(event, "type", None)
        if kind == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":
                return self._text(delta.text)
            if delta.type == "input_json_delta":
                return self._tool(event.index, None, None, delta.partial_json)
        elif kind == "content_block_start":
            block = event.content_block
            if block.type.endswith("tool_use"):  # tool_use, server_tool_use, mcp_tool_use
                return self._tool(event.index, block.id, block.name, "")
        elif kind == "message_start":
            usage = event.message.usage
            self.usage = Usage(usage.input_tokens, usage.output_tokens)
        elif kind == "message_delta":
            self.stop_reason = event.delta.stop_reason or self.stop_reason
            usage = event.usage  # output_tokens is cumulative; input_tokens may be absent
            input_tokens = getattr(usage, "input_tokens", None)
            if input_tokens is None and self.usage is not None:
                input_tokens = self.usage.input_tokens
            self.usage = Usage(input_tokens, usage.output_tokens)
        return []


def text_deltas(stream: Any, *, strict: bool = True) -> DeltaStream[str]:
    """The text of every ``text_delta`` event, chunk by chunk, as a ``DeltaStream[str]``.

    Iterate it with ``for`` or ``async for`` (matching the stream), or pass it to
    ``unspool.iter_partial`` / ``unspool.aiter_partial`` and friends.  ``stop_reason`` and
    ``usage`` are set on it once known.  With ``strict`` it raises ``TokenLimitError`` /
    ``RefusalError`` at the end.
    """
    return _AnthropicStream(stream, strict=strict)


def input_json_deltas(stream: Any, *, strict: bool = True) -> DeltaStream[ToolCallDelta]:
    """Every tool block's input JSON fragments, as ``ToolCallDelta(index, id, name, delta)``.

    One record when a ``tool_use`` / ``server_tool_use`` block starts (``delta == ""``),
    then one per non-empty ``input_json_delta`` (the empty first one is skipped); ``index``
    is the content block index.  Otherwise like ``text_deltas``.
    """
    return _AnthropicStream(stream, tools=True, strict=strict)


def _deltas(stream: Any, strict: bool) -> DeltaStream[ToolCallDelta]:
    return stream if isinstance(stream, DeltaStream) else input_json_deltas(stream, strict=strict)


def iter_tool_calls(
    stream: Any,
    models: Mapping[str, type[Any] | TypeAdapter[Any]] | None = None,
    *,
    strict: bool = True,
    **options: Any,
) -> ClosingIterator[ToolCall]:
    """Parse every tool block of a sync stream as it streams, one ``unspool.Parser`` each.

    Yields a ``ToolCall`` with ``done=False`` when a block starts and after each of its
    input fragments (``arguments`` is the live partial snapshot), then one ``ToolCall`` with
    ``done=True`` as soon as its input JSON is complete (a block with no input at all
    finishes as ``{}`` when the stream ends).  ``models`` maps tool names to pydantic
    models (or any type pydantic validates, or a ``TypeAdapter``): a finished call is
    validated with ``model_validate`` (an adapter's ``validate_python``); a failure raises
    ``unspool.ValidationError`` with the pydantic error as ``__cause__``.  ``options`` go to
    each ``unspool.Parser``.

    ``stream`` is an SDK stream, a manager, or an ``input_json_deltas(...)`` result (keep
    that to read ``usage`` and ``stop_reason`` afterwards).  Leaving the loop closes it.
    """
    return run_tool_calls(_deltas(stream, strict), models, options)


def aiter_tool_calls(
    stream: Any,
    models: Mapping[str, type[Any] | TypeAdapter[Any]] | None = None,
    *,
    strict: bool = True,
    **options: Any,
) -> AsyncClosingIterator[ToolCall]:
    """The async twin of ``iter_tool_calls``, for ``AsyncAnthropic`` streams.

    ``async with aiter_tool_calls(stream) as calls:`` closes the stream at once when the
    block exits, as does cancelling the task; a plain ``break`` without it closes the stream
    only when asyncio collects the generator.
    """
    return arun_tool_calls(_deltas(stream, strict), models, options)
