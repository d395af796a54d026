"""What every provider adapter shares: the stream wrapper, the records, the tool-call driver.

``DeltaStream`` wraps one SDK stream (or stream manager) and turns its events into text
chunks or ``ToolCallDelta`` records.  A provider subclass only implements ``_handle(event)``;
everything about opening, closing and ending lives here, once, and keeps these rules:

1. Sync and async are one object: ``for`` works over a sync SDK stream, ``async for`` over
   an async one.  A stream *manager* (``client.messages.stream(...)``) is entered on first
   iteration and exited with the stream.
2. Whatever ends the loop -- exhaustion, ``break`` inside an unspool driver, ``close()``, an
   exception, task cancellation -- closes the SDK stream, hence its HTTP response, at once.
3. The end is loud: a stream stopped by the token limit raises ``TokenLimitError`` (an
   ``unspool.IncompleteJSONError``) after its last chunk, a refusal raises ``RefusalError``,
   so a driver fed from the stream never returns a silently cut-off value.

This module uses unspool's public API, plus the drivers' one closing mechanism
(``unspool._drivers``); the openai, anthropic and langchain subpackages import it, so that all
three share one set of records and errors.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import unspool

from ._drivers import AsyncClosingIterator, ClosingIterator, _aowned, _owned

T = TypeVar("T")

# Stop reasons that mean "cut off by the token limit": chat completions, Responses API,
# anthropic, anthropic when the context window (not max_tokens) ran out.
TOKEN_LIMIT_REASONS = frozenset(
    {"length", "max_output_tokens", "max_tokens", "model_context_window_exceeded"}
)


@dataclass(slots=True)
class Usage:
    """Tokens billed for one response, as the provider reported them (``None``: not sent)."""

    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(slots=True)
class ToolCallDelta:
    """A fragment of one tool call's argument JSON.

    ``index`` keeps parallel calls apart: the tool call's ``index`` (chat completions), the
    output index (Responses API) or the content block index (anthropic).  ``id`` and ``name``
    are repeated on every record once known.  The first record of each call announces it and
    its ``delta`` may be ``""``; every later record carries a non-empty fragment.
    """

    index: int
    id: str | None
    name: str | None
    delta: str


@dataclass(slots=True)
class ToolCall:
    """One tool call as ``iter_tool_calls`` sees it.

    While ``done`` is false, ``arguments`` is the live partial snapshot of the argument JSON
    (``unspool.MISSING`` before anything arrived; the same objects keep growing, so
    ``copy.deepcopy`` one you want to keep).  The record with ``done`` true comes once per
    call: ``arguments`` is the parsed value, or the validated pydantic model when one was
    given for the tool's name.
    """

    index: int
    id: str | None
    name: str | None
    arguments: Any
    done: bool = False


class TokenLimitError(unspool.IncompleteJSONError):
    """The model stopped at its token limit, so its output is cut off.

    Raised after the stream's last chunk when the stop reason is ``"length"`` (chat
    completions), ``"max_output_tokens"`` (Responses API) or ``"max_tokens"`` (anthropic)
    and the JSON is cut off.  Through an unspool driver (``iter_partial``, ``iter_events``,
    ``iter_objects``, ``stream_model``, ``iter_models``, ``iter_tool_calls``, sync or async)
    ``partial`` is the last snapshot, to salvage: what the driver's parser held (the partial
    model for ``stream_model``, the cut-off call's arguments for ``iter_tool_calls``), and
    JSON that was complete anyway raises nothing (read ``stop_reason`` on the stream).
    Iterating the ``DeltaStream`` yourself, ``partial`` is ``unspool.MISSING``.  ``pos``,
    ``lineno`` and ``colno`` count the characters the adapter passed on.
    """

    def __init__(self, stop_reason: str, pos: int = 0, lineno: int = 1, colno: int = 1) -> None:
        msg = f"the model hit its token limit (stop reason {stop_reason!r}) before the JSON ended"
        super().__init__(msg, pos, lineno, colno, "token_limit")
        self.stop_reason = stop_reason
        self.partial = unspool.MISSING

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.stop_reason, self.pos, self.lineno, self.colno))


class RefusalError(unspool.UnspoolError):
    """The model refused to answer; ``refusal`` is its explanation ("" if none was sent)."""

    def __init__(self, refusal: str) -> None:
        super().__init__(f"the model refused: {refusal}" if refusal else "the model refused")
        self.refusal = refusal


class DeltaStream(Generic[T]):
    """An SDK stream seen as an iterable of ``T`` (text chunks or ``ToolCallDelta``).

    Iterate it with ``for`` (sync stream) or ``async for`` (async stream), or hand it to an
    unspool driver (``unspool.iter_partial``, ``unspool.aiter_events``, ...), which closes it
    when its loop ends.  Iterating it yourself, use ``with`` / ``async with`` (or
    ``close()`` / ``aclose()``) so that leaving the loop early closes the HTTP response.

    After iteration (and as soon as they arrive during it):

    - ``stop_reason``: the provider's reason, e.g. ``"stop"``, ``"length"``, ``"tool_calls"``,
      ``"end_turn"``, ``"max_tokens"``; for the Responses API ``"completed"`` or the
      incomplete reason (``"max_output_tokens"``).
    - ``usage``: a ``Usage`` (OpenAI chat completions send it only with
      ``stream_options={"include_usage": True}``).
    - ``refusal``: the refusal text, if the model refused.
    - ``truncated``: whether the stop reason is the token limit.

    With ``strict=True`` (the default) the stream raises ``TokenLimitError`` or
    ``RefusalError`` after its last chunk; with ``strict=False`` it just ends, and an
    unspool driver fed from it ends quietly too when the JSON is cut off, keeping what
    arrived (the last snapshot, the items so far; ``stream_model``'s ``final()`` still
    raises ``IncompleteJSONError`` with the partial).  Either way, JSON that was complete
    when the limit hit is no error: the value is whole, and ``truncated`` says the limit
    was reached.
    """

    def __init__(self, stream: Any, *, tools: bool = False, strict: bool = True) -> None:
        self.stop_reason: str | None = None
        self.usage: Usage | None = None
        self.refusal: str | None = None
        self._stream = stream
        self._manager: Any = None
        self._closed = False
        self._tools = tools  # yield ToolCallDelta records instead of text
        self._strict = strict
        self._refusal_parts: list[str] = []
        self._calls: dict[int, list[str | None]] = {}  # index -> [id, name]
        self._pos = 0  # characters passed on, for TokenLimitError
        self._line = 1
        self._line_start = 0

    @property
    def strict(self) -> bool:
        """Whether the stream raises at its end when cut off or refused (the drivers read
        it: with ``strict=False`` they end quietly on cut-off JSON too)."""
        return self._strict

    @property
    def truncated(self) -> bool:
        """True when the stream stopped at the token limit."""
        return self.stop_reason in TOKEN_LIMIT_REASONS

    # -- what a provider subclass implements ------------------------------------------------

    def _handle(self, event: Any) -> list[Any]:
        """Update stop_reason / usage from ``event``; return what it contributes."""
        raise NotImplementedError

    # -- helpers for _handle ----------------------------------------------------------------

    def _text(self, text: str | None) -> list[Any]:
        if self._tools or not text:
            return []
        self._count(text)
        return [text]

    def _tool(
        self, index: int, id: str | None, name: str | None, fragment: str | None
    ) -> list[Any]:
        known = self._calls.get(index)
        first = known is None
        if known is None:
            known = self._calls[index] = [id, name]
        else:
            known[0] = id or known[0]
            known[1] = name or known[1]
        if not self._tools or not (first or fragment):
            return []
        fragment = fragment or ""
        self._count(fragment)
        return [ToolCallDelta(index, known[0], known[1], fragment)]

    def _count(self, text: str) -> None:
        newlines = text.count("\n")
        if newlines:
            self._line += newlines
            self._line_start = self._pos + text.rfind("\n") + 1
        self._pos += len(text)

    def _end(self) -> None:
        if self._refusal_parts:
            self.refusal = "".join(self._refusal_parts)
        if not self._strict:
            return
        if self.refusal is not None or self.stop_reason == "refusal":
            raise RefusalError(self.refusal or "")
        if self.stop_reason in TOKEN_LIMIT_REASONS:
            colno = self._pos - self._line_start + 1
            raise TokenLimitError(self.stop_reason, self._pos, self._line, colno)

    # -- sync -------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[T]:
        stream = self._stream
        if not hasattr(stream, "__iter__") and hasattr(stream, "__enter__"):
            self._manager = stream
            stream = stream.__enter__()
        elif not hasattr(stream, "__iter__"):
            raise TypeError(f"{type(stream).__name__} is not a sync stream (use async for)")
        events = iter(stream)
        try:
            for event in events:
                yield from self._handle(event)
            self._end()
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
            self.close()

    def close(self) -> None:
        """Close the SDK stream and its HTTP response (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._manager is not None:
            self._manager.__exit__(None, None, None)
            return
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> DeltaStream[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- async: the twin of the above -------------------------------------------------------

    async def __aiter__(self) -> AsyncIterator[T]:
        stream = self._stream
        if not hasattr(stream, "__aiter__") and hasattr(stream, "__aenter__"):
            self._manager = stream
            stream = await stream.__aenter__()
        elif not hasattr(stream, "__aiter__"):
            raise TypeError(f"{type(stream).__name__} is not an async stream (use for)")
        events = aiter(stream)
        try:
            async for event in events:
                for item in self._handle(event):
                    yield item
            self._end()
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
            await self.aclose()

    async def aclose(self) -> None:
        """Close the async SDK stream and its HTTP response (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._manager is not None:
            await self._manager.__aexit__(None, None, None)
            return
        close = getattr(self._stream, "aclose", None) or getattr(self._stream, "close", None)
        if close is not None:
            result = close()
            if inspect.isawaitable(result):
                await result

    async def __aenter__(self) -> DeltaStream[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


# -- the tool-call driver ------------------------------------------------------------------


class _Call:
    """One tool call being parsed."""

    __slots__ = ("done", "fed", "id", "name", "parser")

    def __init__(self, options: dict[str, Any]) -> None:
        self.parser = unspool.Parser(**options)
        self.id: str | None = None
        self.name: str | None = None
        self.fed = False  # has any argument text arrived?
        self.done = False


class _ToolCalls:
    """The state machine shared by ``iter_tool_calls`` and ``aiter_tool_calls``."""

    def __init__(self, models: Mapping[str, Any] | None, options: dict[str, Any]) -> None:
        self.models = models or {}
        self.validators = {name: _validator(model) for name, model in self.models.items()}
        self.options = options
        self.calls: dict[int, _Call] = {}

    def step(self, d: ToolCallDelta) -> list[ToolCall]:
        call = self.calls.get(d.index)
        if call is None:
            call = self.calls[d.index] = _Call(self.options)
        call.id, call.name = d.id, d.name
        if d.delta:
            call.fed = True
            # Fed even when done: trailing whitespace is fine, anything else raises.
            events = call.parser.feed(d.delta)
            if not call.done:
                for event in events:
                    if not event.path and isinstance(event, unspool.ValueCompleted):
                        return [self.finish(d.index, call, event.value)]
        if call.done or (d.delta and not call.parser.changed):
            return []  # nothing visible changed (whitespace, half a number, a key alone)
        return [ToolCall(d.index, d.id, d.name, call.parser.value)]

    def end(self) -> Iterator[ToolCall]:
        """At the end of the stream: close every parser, finish the calls still open (those
        before a cut-off one are yielded before its IncompleteJSONError)."""
        for index, call in sorted(self.calls.items()):
            if not call.fed:
                yield self.finish(index, call, {})  # no arguments (anthropic sends "")
                continue
            events = call.parser.close()  # raises IncompleteJSONError if cut off
            for event in events:
                if not call.done and not event.path and isinstance(event, unspool.ValueCompleted):
                    yield self.finish(index, call, event.value)

    def finish(self, index: int, call: _Call, value: Any) -> ToolCall:
        call.done = True
        validate = self.validators.get(call.name) if call.name is not None else None
        if validate is not None:
            try:
                value = validate(value)
            except ValueError as err:  # pydantic's ValidationError is a ValueError
                model = self.models[call.name]  # type: ignore[index]
                name = getattr(model, "__name__", None) or repr(model)
                msg = f"arguments of tool call {call.name!r} (index {index}) are not a valid "
                raise unspool.ValidationError(msg + name, index=index) from err
        return ToolCall(index, call.id, call.name, value, done=True)


def _validator(model: Any) -> Any:
    """How a tool's arguments are validated as ``model``: a pydantic model's (or
    RootModel's) ``model_validate``, a ``TypeAdapter``'s ``validate_python``, or that of a
    ``TypeAdapter`` made once for any other type (a dataclass, a TypedDict)."""
    if hasattr(model, "model_validate"):
        return model.model_validate
    if hasattr(model, "validate_python"):
        return model.validate_python
    from pydantic import TypeAdapter  # only for such targets: pydantic is an extra

    return TypeAdapter(model).validate_python


def run_tool_calls(
    deltas: DeltaStream[ToolCallDelta], models: Mapping[str, Any] | None, options: dict[str, Any]
) -> ClosingIterator[ToolCall]:
    """Drive one ``unspool.Parser`` per tool call (see ``unspool.openai.iter_tool_calls``);
    closing it (``with``, ``close()``, the end of the loop) closes ``deltas``, as every
    unspool driver closes its source."""
    return ClosingIterator(_tool_calls(_ToolCalls(models, options), deltas), deltas)


def _tool_calls(
    state: _ToolCalls, deltas: DeltaStream[ToolCallDelta]
) -> Generator[ToolCall, None, None]:
    with _owned(deltas) as records:
        for d in records:
            yield from state.step(d)
        yield from state.end()


def arun_tool_calls(
    deltas: DeltaStream[ToolCallDelta], models: Mapping[str, Any] | None, options: dict[str, Any]
) -> AsyncClosingIterator[ToolCall]:
    """The async twin of ``run_tool_calls``."""
    return AsyncClosingIterator(_atool_calls(_ToolCalls(models, options), deltas), deltas)


async def _atool_calls(
    state: _ToolCalls, deltas: DeltaStream[ToolCallDelta]
) -> AsyncGenerator[ToolCall, None]:
    async with _aowned(deltas) as records:
        async for d in records:
            for call in state.step(d):
                yield call
        for call in state.end():
            yield call
