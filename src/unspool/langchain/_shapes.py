"""Which LangChain / LangGraph stream shape an item has, and the model output inside it.

Every shape is recognised here, in one place, by duck typing (no langchain import).  An item
is unwrapped layer by layer until a message (or a plain ``str``) is left:

- ``{"event": ..., "data": ..., "metadata": ...}``: ``astream_events(version="v2")``; only
  ``on_chat_model_stream`` (``data["chunk"]``, a message chunk) and ``on_llm_stream``
  (``data["chunk"].text``) carry model output, every other event is skipped.
- ``{"type": mode, "ns": ..., "data": ...}``: a LangGraph ``version="v2"`` stream part; only
  ``type == "messages"`` carries model output (``data`` is ``(chunk, metadata)``).
- ``(namespace, mode, payload)``: ``subgraphs=True`` with ``stream_mode=[...]``.
- ``(mode, payload)``: ``stream_mode=[...]``; modes other than ``"messages"`` are skipped.
- ``(namespace, payload)``: ``subgraphs=True`` with one stream mode (a namespace is a tuple).
- ``(message, metadata)``: ``stream_mode="messages"``.
- a message: ``model.stream()``; a ``str``: a chain ending in ``StrOutputParser``.

Anything else raises ``TypeError`` naming the shape, so a stream the adapter cannot read
fails at its first item instead of ending as an empty JSON document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Message types that are the model's output: streamed chunks, and whole AIMessages that
# LangGraph's "messages" mode emits for model calls it did not see stream.
MODEL_MESSAGE_TYPES = frozenset({"AIMessageChunk", "ai"})

# What the adapter reads, for the TypeError of an unknown shape.
_KNOWN = (
    "message chunks, (chunk, metadata) tuples of stream_mode='messages', (mode, payload) "
    "pairs of stream_mode=[...], subgraphs=True (namespace, ...) tuples, version='v2' stream "
    "parts and astream_events(version='v2') events"
)


def unwrap(item: Any) -> tuple[Any, Mapping[str, Any] | None, str | None]:
    """``(output, metadata, skipped)`` for one stream item.

    ``output`` is a message or a ``str`` (``None`` when the item carries no model output);
    ``metadata`` is LangGraph's metadata when the item has some; ``skipped`` names what was
    skipped (``"'updates' items"``, ``"tool messages"``), for the end-of-stream error.
    """
    metadata: Mapping[str, Any] | None = None
    while True:
        if isinstance(item, str):
            return item, metadata, None
        if isinstance(item, Mapping):
            item, metadata, skipped = _mapping(item, metadata)
        elif isinstance(item, tuple):
            item, metadata, skipped = _tuple(item, metadata)
        elif is_message(item):
            kind = getattr(item, "type", None)
            if kind in MODEL_MESSAGE_TYPES:
                return item, metadata, None
            return None, metadata, f"{kind} messages"
        else:
            raise TypeError(f"unspool.langchain cannot read {describe(item)}; it reads {_KNOWN}")
        if skipped is not None:
            return None, metadata, skipped


def _mapping(
    item: Mapping[str, Any], metadata: Mapping[str, Any] | None
) -> tuple[Any, Mapping[str, Any] | None, str | None]:
    if "event" in item and "data" in item:  # astream_events(version="v2")
        event = item["event"]
        metadata = item.get("metadata") or metadata
        if event == "on_chat_model_stream":
            return item["data"]["chunk"], metadata, None
        if event == "on_llm_stream":  # a completion model: a GenerationChunk, text only
            return item["data"]["chunk"].text, metadata, None
        return None, metadata, f"{event!r} events"
    if "type" in item and "data" in item:  # version="v2" stream part
        if item["type"] == "messages":
            return item["data"], metadata, None
        return None, metadata, f"{item['type']!r} parts"
    raise TypeError(
        f"unspool.langchain cannot read {describe(item)} (node updates or state values? add "
        f"'messages' to stream_mode); it reads {_KNOWN}"
    )


def _tuple(
    item: tuple[Any, ...], metadata: Mapping[str, Any] | None
) -> tuple[Any, Mapping[str, Any] | None, str | None]:
    if len(item) == 3 and isinstance(item[0], tuple) and isinstance(item[1], str):
        item = item[1:]  # (namespace, mode, payload): the namespace is in the metadata too
    if len(item) == 2:
        head, payload = item
        if isinstance(head, str):  # (mode, payload)
            if head == "messages":
                return payload, metadata, None
            return None, metadata, f"{head!r} items"
        if isinstance(head, tuple):  # (namespace, payload)
            return payload, metadata, None
        if is_message(head) and isinstance(payload, Mapping):  # (message, metadata)
            return head, payload, None
    raise TypeError(f"unspool.langchain cannot read {describe(item)}; it reads {_KNOWN}")


def in_node(metadata: Mapping[str, Any] | None, node: str) -> bool:
    """Whether LangGraph's metadata places a chunk in ``node``, or in a subgraph run by it.

    ``langgraph_node`` is the innermost node; ``langgraph_checkpoint_ns`` is the path of
    nodes down to it (``"kitchen:<task id>|writer:<task id>"``).
    """
    if not metadata:
        return False
    if metadata.get("langgraph_node") == node:
        return True
    path = metadata.get("langgraph_checkpoint_ns") or ""
    return any(step.partition(":")[0] == node for step in path.split("|"))


def is_message(obj: Any) -> bool:
    """A LangChain message (chunk): it has ``content`` and a ``type``."""
    return hasattr(obj, "content") and isinstance(getattr(obj, "type", None), str)


def describe(item: Any) -> str:
    """A short name for the shape of ``item``, for error messages."""
    if isinstance(item, Mapping):
        keys = sorted(map(str, item))
        shown = ", ".join(map(repr, keys[:6])) + (", ..." if len(keys) > 6 else "")
        return f"a {type(item).__name__} with keys [{shown}]"
    if isinstance(item, tuple):
        parts = ", ".join(type(part).__name__ for part in item[:4])
        return f"a {len(item)}-tuple ({parts}{', ...' if len(item) > 4 else ''})"
    return f"a {type(item).__name__}"
