"""Events the parser returns: plain slotted dataclasses, read-only by convention.

Slotted, not frozen: a frozen dataclass costs about three times as much to build, and one
event is built per completed value in the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._path import Path


@dataclass(slots=True)
class ValueCompleted:
    """The value at ``path`` is complete and will never change again.

    Children complete before their parents.  ``document`` counts top-level documents from 0.
    """

    path: Path
    value: Any
    document: int = 0


@dataclass(slots=True)
class StringDelta:
    """``text`` was appended to the string value at ``path`` (never emitted for keys)."""

    path: Path
    text: str
    document: int = 0


Event = ValueCompleted | StringDelta


@dataclass(slots=True)
class ItemError:
    """What ``on_error="yield"`` returns in place of a bad item."""

    index: int
    pos: int
    raw: str
    error: Exception
