"""``json.dumps`` at any depth: the one iterative JSON writer the layers above share.

The parser accepts documents nested up to ``max_depth`` (1000, or unlimited), deeper than
``json.dumps`` can write before RecursionError.  Callers try ``json.dumps`` first (C, fast)
and fall back to ``dumps_iteratively``, which writes the same text from an explicit stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_encode_string = json.encoder.encode_basestring  # ensure_ascii=False, as the callers use
_encode_leaf = json.JSONEncoder(ensure_ascii=False).encode


class _Text(str):
    """Output text on the writer's stack (a bracket or a separator), not a value to encode."""


def dumps_iteratively(value: Any, leaf: Callable[[Any], str] = _encode_leaf) -> str:
    """``json.dumps(value, ensure_ascii=False)`` without recursion; ``leaf`` writes scalars."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Text:
            out.append(item)
        elif isinstance(item, dict):
            parts: list[Any] = []
            for key, child in item.items():
                parts += [_Text(", "), _Text(_encode_string(str(key)) + ": "), child]
            stack += [_Text("}"), *reversed(parts[1:]), _Text("{")]
        elif isinstance(item, (list, tuple)):
            parts = []
            for child in item:
                parts += [_Text(", "), child]
            stack += [_Text("]"), *reversed(parts[1:]), _Text("[")]
        else:
            out.append(leaf(item))
    return "".join(out)
