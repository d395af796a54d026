"""LangChain and LangGraph streams in, text and tool-argument chunks out.

No langchain import: every shape is recognised by duck typing, so this module imports without
``langchain-core`` installed (``pip install 'unspool[langchain]'`` brings the real packages).
It reads, sync or async, whatever these yield:

- ``model.stream()`` / ``model.astream()``: message chunks (and ``str`` from a chain that ends
  in ``StrOutputParser``),
- ``graph.stream(..., stream_mode="messages")``: ``(chunk, metadata)`` tuples,
- ``stream_mode=[..., "messages"]``: ``(mode, payload)`` pairs, other modes skipped,
- ``subgraphs=True``: ``(namespace, payload)`` and ``(namespace, mode, payload)`` tuples,
- ``version="v2"``: ``{"type", "ns", "data"}`` stream parts,
- ``astream_events(version="v2")``: ``on_chat_model_stream`` events, every other skipped.

Text comes from the chunks' ``content`` (a ``str``, or a list of content blocks whose
``"text"`` blocks are read); tool-call arguments from their ``tool_call_chunks``, which is what
``bind_tools`` and ``with_structured_output`` stream.  Messages that are not the model's
(``ToolMessage``, ``HumanMessage``) are skipped, and ``node=`` keeps only the chunks of that
LangGraph node, or of a subgraph it runs (``metadata["langgraph_node"]`` or a step of
``metadata["langgraph_checkpoint_ns"]``).  A subgraph streams its tokens only with
``subgraphs=True`` (or ``astream_events``); without it LangGraph sends the finished message
once, from the parent node, and that is read too::

    deltas = unspool.langchain.text_deltas(graph.stream(inputs, stream_mode="messages"),
                                           node="writer")
    for snapshot in unspool.iter_partial(deltas):
        render(snapshot)

    # with_structured_output(Recipe) in the node: its tool call's arguments, as partial models
    with unspool.stream_model(unspool.langchain.argument_text_deltas(stream), Recipe) as s:
        for partial in s: render(partial)

    for call in unspool.langchain.iter_tool_calls(stream, models={"Recipe": Recipe}):
        ...                                   # partial arguments, then done=True, validated

The end is loud (unless ``strict=False``): a ``"length"`` / ``"max_tokens"`` stop raises
``TokenLimitError`` after the last chunk; a refusal (``additional_kwargs["refusal"]`` or a
``"refusal"`` content block) raises ``RefusalError`` with its text; a stream that ended
without what was asked for (no text, no tool call) raises ``NoContentError`` saying what it
did carry: tool calls instead of text, only other stream modes, only other nodes.  A shape
the adapter does not know raises ``TypeError`` naming it at the first such item.
``stop_reason``, ``usage`` and ``refusal`` come from the chunks' ``response_metadata``,
``usage_metadata`` and ``additional_kwargs``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import unspool
from unspool._adapters import (
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
from unspool.langchain._shapes import in_node, unwrap

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "DeltaStream",
    "NoContentError",
    "RefusalError",
    "TokenLimitError",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "aiter_tool_calls",
    "argument_text_deltas",
    "iter_tool_calls",
    "text_deltas",
    "tool_argument_deltas",
]

# What a _LangChainStream passes on.
_TEXT, _TOOLS, _ARGUMENTS = "text", "tool calls", "tool-call arguments"

# Content block types that hold the model's text (langchain-core's own, anthropic's delta).
_TEXT_BLOCKS = frozenset({"text", "text_delta"})


class NoContentError(unspool.IncompleteJSONError):
    """The stream ended without the text or tool-call arguments that were asked for.

    The message says what the stream did carry (tool calls instead of text, text instead of
    tool calls, only other stream modes or nodes), so that the fix is plain.  An
    ``unspool.IncompleteJSONError`` at char 0 (``kind == "no_content"``).
    """

    def __init__(self, msg: str) -> None:
        super().__init__(msg, 0, 1, 1, "no_content")
        self.partial = unspool.MISSING

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.msg,))


class _LangChainStream(DeltaStream[Any]):
    """Text, ``ToolCallDelta`` records, or one tool call's argument text, out of any shape."""

    def __init__(
        self, stream: Any, *, want: str, node: str | None, name: str | None, strict: bool
    ) -> None:
        super().__init__(stream, tools=want == _TOOLS, strict=strict)
        self._want = want
        self._node = node
        self._name = name  # argument_text_deltas: the tool whose call is read (None: first)
        self._chosen: int | None = None  # argument_text_deltas: the index of that call
        self._keys: dict[tuple[Any, ...], int] = {}  # (message id, index or id) -> index
        self._last_key: dict[Any, tuple[Any, ...]] = {}  # message id -> its latest call
        # What the stream carried, for NoContentError.
        self._model_chunks = 0
        self._text_seen = 0
        self._skipped: Counter[str] = Counter()
        self._other_nodes: set[str] = set()

    def _handle(self, item: Any) -> list[Any]:
        output, metadata, skipped = unwrap(item)
        if skipped is not None:
            self._skipped[skipped] += 1
            return []
        if self._node is not None and not in_node(metadata, self._node):
            self._other_nodes.add(str((metadata or {}).get("langgraph_node")))
            return []
        self._model_chunks += 1
        if isinstance(output, str):
            return self._content(output)
        self._metadata(output)
        refusal = (getattr(output, "additional_kwargs", None) or {}).get("refusal")
        if isinstance(refusal, str):  # langchain-openai streams a refusal there, in pieces
            self._refusal_parts.append(refusal)
        return self._content(getattr(output, "content", None)) + self._tool_calls(output)

    def _content(self, content: Any) -> list[Any]:
        """The text of a ``content`` field: a ``str`` or a list of content blocks."""
        blocks = [content] if isinstance(content, str) else content or ()
        texts: list[Any] = [
            block if isinstance(block, str) else block.get("text")
            for block in blocks
            if isinstance(block, str)
            or (isinstance(block, dict) and block.get("type") in _TEXT_BLOCKS)
        ]
        self._refusal_parts += [
            block["refusal"]  # the Responses API's refusal content block
            for block in blocks
            if isinstance(block, dict) and block.get("type") == "refusal" and block.get("refusal")
        ]
        out: list[Any] = []
        for text in texts:
            if text:
                self._text_seen += len(text)
                if self._want == _TEXT:
                    out += self._text(text)
        return out

    def _tool_calls(self, message: Any) -> list[Any]:
        chunks = getattr(message, "tool_call_chunks", None)
        if chunks is None:  # a whole AIMessage: its parsed calls, arguments re-serialised
            chunks = [
                {**call, "index": i, "args": json.dumps(call.get("args") or {})}
                for i, call in enumerate(getattr(message, "tool_calls", None) or ())
            ]
        message_id = getattr(message, "id", None)
        out: list[Any] = []
        for chunk in chunks:
            index = self._call_index(message_id, chunk)
            out += self._tool(index, chunk.get("id"), chunk.get("name"), chunk.get("args"))
            if self._want == _ARGUMENTS and self._is_chosen(index):
                out += self._text(chunk.get("args"))
        return out

    def _call_index(self, message_id: Any, chunk: Mapping[str, Any]) -> int:
        """The stream-wide index of the call a tool-call chunk belongs to.

        Within one message, chunks of a call share its ``index`` (or, when a provider sends
        none, its ``id``; a fragment with neither continues the message's latest call).
        Keyed by message id too, so calls of successive model turns never merge.
        """
        if chunk.get("index") is not None:
            key: tuple[Any, ...] = (message_id, "index", chunk["index"])
        elif chunk.get("id") is not None:
            key = (message_id, "id", chunk["id"])
        elif chunk.get("name") is None and message_id in self._last_key:
            key = self._last_key[message_id]
        else:
            key = (message_id, "call", len(self._keys))
        self._last_key[message_id] = key
        return self._keys.setdefault(key, len(self._keys))

    def _is_chosen(self, index: int) -> bool:
        if self._chosen is None:
            name = self._calls[index][1]
            if self._name is None or name == self._name:
                self._chosen = index
        return self._chosen == index

    def _metadata(self, chunk: Any) -> None:
        response = getattr(chunk, "response_metadata", None) or {}
        reason = response.get("finish_reason") or response.get("stop_reason")
        if reason:
            self.stop_reason = reason
        usage = getattr(chunk, "usage_metadata", None)
        if usage:  # per-chunk counts that LangChain adds up when merging chunks
            old = self.usage or Usage(0, 0)
            self.usage = Usage(
                (old.input_tokens or 0) + usage.get("input_tokens", 0),
                (old.output_tokens or 0) + usage.get("output_tokens", 0),
            )

    def _end(self) -> None:
        super()._end()
        empty = not self._calls if self._want == _TOOLS else self._pos == 0
        if self._strict and empty:
            raise NoContentError(self._no_content_message())

    def _no_content_message(self) -> str:
        wanted = self._want
        if self._want == _ARGUMENTS and self._name is not None:
            wanted = f"arguments of a tool call {self._name!r}"
        msg = f"the stream ended without any {wanted} from the model"
        if self._model_chunks:
            names = sorted({str(name) for _, name in self._calls.values()})
            carried = [f"{self._text_seen} characters of text"]
            carried.append(f"tool calls {names}" if names else "no tool call")
            msg += f"; its {self._model_chunks} model chunks carried " + " and ".join(carried)
            return msg + _HINTS[self._want]
        msg += "; it carried no model message chunk"
        if self._other_nodes:
            nodes = ", ".join(map(repr, sorted(self._other_nodes)))
            msg += f" from node {self._node!r}, only from {nodes}"
        if self._skipped:
            msg += " (skipped: " + ", ".join(f"{n} {what}" for what, n in self._skipped.items())
            if all(what.endswith(_MODE_SKIPS) for what in self._skipped):
                msg += "; add 'messages' to stream_mode"
            msg += ")"
        return msg


# How unwrap() names items of stream modes other than "messages" (see _shapes).
_MODE_SKIPS = (" items", " parts")

_HINTS = {
    _TEXT: " (a tool call's arguments: use tool_argument_deltas, iter_tool_calls or "
    "argument_text_deltas)",
    _TOOLS: " (text: use text_deltas)",
    _ARGUMENTS: " (text: use text_deltas; another tool: pass its name)",
}


def text_deltas(stream: Any, *, node: str | None = None, strict: bool = True) -> DeltaStream[str]:
    """The model's text in a LangChain / LangGraph stream, chunk by chunk.

    ``node`` keeps only chunks of that LangGraph node or of a subgraph it runs (see the
    module's docstring).  Iterate the result with ``for`` or ``async for``
    (matching the stream) or pass it to an unspool driver, which closes the stream when its
    loop ends.  With ``strict`` a stream with no text at all raises ``NoContentError``.
    """
    return _LangChainStream(stream, want=_TEXT, node=node, name=None, strict=strict)


def tool_argument_deltas(
    stream: Any, *, node: str | None = None, strict: bool = True
) -> DeltaStream[ToolCallDelta]:
    """Every tool call's argument fragments, as ``ToolCallDelta(index, id, name, delta)``.

    Read from the chunks' ``tool_call_chunks``.  ``index`` numbers the calls of the whole
    stream in the order they start (0, 1, ...): chunks of one call share the provider's
    ``index`` (or its ``id``) within one message, and successive model turns never merge.
    The first record of a call announces it (``delta`` may be ``""``).  With ``strict`` a
    stream without any tool call raises ``NoContentError``; otherwise like ``text_deltas``.
    """
    return _LangChainStream(stream, want=_TOOLS, node=node, name=None, strict=strict)


def argument_text_deltas(
    stream: Any, *, name: str | None = None, node: str | None = None, strict: bool = True
) -> DeltaStream[str]:
    """One tool call's argument JSON as text chunks: what ``with_structured_output`` streams.

    The first tool call of the stream (or the first named ``name``) is read; other calls and
    the text are skipped.  Feed it to ``unspool.stream_model`` / ``unspool.iter_models`` like
    any text.  With ``strict`` a stream without that call raises ``NoContentError``.
    """
    return _LangChainStream(stream, want=_ARGUMENTS, node=node, name=name, strict=strict)


def _deltas(stream: Any, node: str | None, strict: bool) -> DeltaStream[ToolCallDelta]:
    if isinstance(stream, DeltaStream):
        return stream
    return tool_argument_deltas(stream, node=node, strict=strict)


def iter_tool_calls(
    stream: Any,
    models: Mapping[str, type[Any] | TypeAdapter[Any]] | None = None,
    *,
    node: str | None = None,
    strict: bool = True,
    **options: Any,
) -> ClosingIterator[ToolCall]:
    """Parse every tool call of a sync stream as it streams, one ``unspool.Parser`` each.

    Yields a ``ToolCall`` with ``done=False`` when a call starts and after each of its
    argument fragments (``arguments`` is the live partial snapshot), then one ``ToolCall``
    with ``done=True`` as soon as its argument JSON is complete.  ``models`` maps tool names
    to pydantic models (``with_structured_output(Recipe)`` calls the tool ``"Recipe"``): a
    finished call is validated with ``model_validate`` (any other type or a ``TypeAdapter``:
    the adapter's ``validate_python``); a failure raises
    ``unspool.ValidationError`` with the pydantic error as ``__cause__``.  ``options`` go to
    each ``unspool.Parser``.  ``stream`` is any stream ``tool_argument_deltas`` reads, or
    its result.  Leaving the loop closes the stream, and so does leaving
    ``with iter_tool_calls(stream) as calls:``.
    """
    return run_tool_calls(_deltas(stream, node, strict), models, options)


def aiter_tool_calls(
    stream: Any,
    models: Mapping[str, type[Any] | TypeAdapter[Any]] | None = None,
    *,
    node: str | None = None,
    strict: bool = True,
    **options: Any,
) -> AsyncClosingIterator[ToolCall]:
    """The async twin of ``iter_tool_calls``, for ``astream`` / ``astream_events``.

    ``async with aiter_tool_calls(stream) as calls:`` closes the stream (and cancels the
    graph's running node) at once when the block exits, as does cancelling the task; a plain
    ``break`` without it closes the stream only when asyncio collects the generator.
    """
    return arun_tool_calls(_deltas(stream, node, strict), models, options)
