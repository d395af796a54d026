"""LangChain and LangGraph streams in, text chunks out.  No langchain import: duck typing.

Accepts what ``model.stream()`` / ``model.astream()`` and LangGraph's ``stream_mode="messages"``
yield, sync or async:

- message chunks whose ``.content`` is a ``str`` or a list of content blocks (``str`` or
  ``{"type": "text", "text": ...}``; tool-call and other blocks are skipped),
- ``(chunk, metadata)`` tuples of ``graph.stream(..., stream_mode="messages")``, and the
  ``("messages", (chunk, metadata))`` pairs of ``stream_mode=[..., "messages"]``,
- plain ``str`` chunks (a ``StrOutputParser`` chain).

Messages that are not from the model (``ToolMessage``, ``HumanMessage``) are skipped::

    deltas = unspool.langchain.text_deltas(graph.stream(inputs, stream_mode="messages"),
                                           node="writer")
    for snapshot in unspool.iter_partial(deltas):
        render(snapshot)

``stop_reason`` and ``usage`` come from the chunks' ``response_metadata`` and
``usage_metadata``; a ``"length"`` / ``"max_tokens"`` stop raises ``TokenLimitError``
(an ``unspool.IncompleteJSONError``) after the last chunk unless ``strict=False``.
"""

from __future__ import annotations

from typing import Any

from unspool._adapters import DeltaStream, TokenLimitError, Usage

__all__ = ["DeltaStream", "TokenLimitError", "Usage", "text_deltas"]

_MODEL_MESSAGE_TYPES = ("ai", "AIMessageChunk")


class _LangChainStream(DeltaStream[str]):
    def __init__(self, stream: Any, *, node: str | None, strict: bool) -> None:
        super().__init__(stream, strict=strict)
        self._node = node

    def _handle(self, item: Any) -> list[Any]:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            if item[0] != "messages":  # ("updates", {...}) of a multi-mode stream
                return []
            item = item[1]
        if isinstance(item, tuple) and len(item) == 2:
            item, metadata = item
            if self._node is not None and metadata.get("langgraph_node") != self._node:
                return []
        if isinstance(item, str):
            return self._text(item)
        if getattr(item, "type", "ai") not in _MODEL_MESSAGE_TYPES:
            return []
        self._metadata(item)
        content = getattr(item, "content", None)
        if isinstance(content, str):
            return self._text(content)
        out: list[Any] = []
        for block in content or ():
            if isinstance(block, str):
                out += self._text(block)
            elif isinstance(block, dict) and block.get("type") in ("text", "text_delta"):
                out += self._text(block.get("text"))
        return out

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


def text_deltas(stream: Any, *, node: str | None = None, strict: bool = True) -> DeltaStream[str]:
    """The model's text in a LangChain / LangGraph stream, chunk by chunk.

    ``node`` keeps only chunks whose LangGraph metadata names that node
    (``metadata["langgraph_node"]``).  Iterate the result with ``for`` or ``async for``
    (matching the stream) or pass it to an unspool driver, which closes the stream when its
    loop ends.
    """
    return _LangChainStream(stream, node=node, strict=strict)
