"""``is_complete``: which values of a live snapshot are still being built.

A snapshot is a live structure of plain dicts, lists and strings (``Parser.value``) or of
partial models (``stream_model``), so whether a value is finished cannot be read from the
value itself: it is known by identity.

- Containers: each ``Parser`` and ``PartialBuilder`` adds to ``OPEN`` the id of every dict,
  list or partial model it shows while it is still building it, and discards it when that
  value completes: one set operation when a container begins or ends, nothing per
  character, and ``is_complete`` is one set lookup.
- The open string changes identity as it grows (the pure-Python parser joins it from its
  parts on every read; the compiled one replaces it whenever it cannot grow it in place),
  so registering it would cost a set operation per chunk.  Instead every live
  parser and builder is in ``OWNERS`` and says which string object it shows as open; only
  a ``str`` asks them, one identity comparison per live stream.

Rules it keeps:

1. An id in ``OPEN`` belongs to a live object: its owner holds every container it added
   until it discards it, and when the owner is dropped before the end (a stream left
   early, an error) its ``__del__`` calls ``release`` for the rest, so a recycled id never
   reads as open.  (A ``__del__`` costs nothing per instance; a ``weakref.finalize`` per
   owner cost about 440 bytes, a fifth of an idle Parser.)
2. ``unspool.MISSING`` is in ``OPEN`` for good: nothing has begun.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

# The ids of the containers that live parsers and builders are still building.
OPEN: set[int] = set()
# Live parsers and builders, as weak references; each has ``_open_string()``: the open string
# object it shows.  A reference leaves the set when its owner dies: its callback is the set's
# own (C) discard.  (A WeakSet does the same through two Python calls, ~4k instructions a
# stream, a few percent of a 0.5 KB one.)
OWNERS: set[weakref.ref[Any]] = set()
_forget = OWNERS.discard


def is_complete(value: Any) -> bool:
    """Whether ``value``, taken from a live snapshot, can no longer change.

    - a ``dict`` or ``list`` of ``Parser.value`` (or of a ``stream_model`` partial): False
      until its closing bracket arrived, True from then on;
    - a ``Partial`` model: False until its JSON object closed and was validated;
    - a ``str``: False for the open string as the snapshot shows it now (it may grow); a
      string that completed is True, and so is an older, shorter copy of the open string
      (read the snapshot again for the current one).  Python shares the empty string and
      one-character strings, so such a string reads as open while the open string shows
      that very object;
    - numbers, ``True``, ``False``, ``None``: True (they appear only when complete);
    - ``unspool.MISSING``: False (nothing has begun);
    - anything no live stream is building: True.

    One set lookup for a container or partial; for a string one comparison per stream
    alive in the process.
    """
    if id(value) in OPEN:
        return False
    if type(value) is str:
        # (a copy: a collection during the loop may remove an owner)
        return not any(_open_string(ref) is value for ref in tuple(OWNERS))
    return True


def _open_string(ref: weakref.ref[Any]) -> str | None:
    owner = ref()
    return None if owner is None else owner._open_string()


def track(owner: Any) -> None:
    """Ask ``owner`` about its open string from now on (``is_complete`` of a ``str``)."""
    OWNERS.add(weakref.ref(owner, _forget))


def release(containers: Iterable[Any]) -> None:
    """Forget the open containers of an owner that is being dropped: nothing will complete
    them (rule 1; called from the owner's ``__del__``)."""
    for container in containers:
        OPEN.discard(id(container))
