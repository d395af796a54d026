"""Events the parser returns: slotted dataclasses, read-only by convention.

Slotted, not frozen: a frozen dataclass costs about three times as much to build, and one
event is built per completed value in the hot path.

An event's ``path`` is built when it is read.  The parser hands each event the path of the
container it sits in (shared by all that container's events) and its own key or index;
``path`` joins the two.  So an event costs the same at any depth: a document 1,000 levels
deep and 100,000 values wide gives 100,000 small events, not 100,000 tuples of 1,000 items
(~800 MB, issue 13).  A container's path is a tuple down to ``_EAGER_DEPTH`` levels and a
``_DeepPath`` link below, so 100,000 open containers cost O(1) each, not O(depth).  Reading
``path`` costs a copy of the path, as it must.

The public classes are dataclasses over storage classes (``_Completed``, ``_Delta``) that hold
their slots; the parser builds events with ``completed`` and ``delta``, which fill the slots
without running ``__init__`` (a Python call per event).  In the compiled build the storage
classes are C types (``_events.pxd``), so an event is built by a C call.

Most chunks of a model's prose arrive wholly inside the open string and give one event, in a
list of one.  The compiled build builds that list and its ``StringDelta`` once and refills them
on the next such chunk when the caller has dropped both (``refill_delta``), as CPython's ``zip``
reuses its result tuple when no one else holds it: building and freeing them cost more than the
rest of the parser's work on that chunk.  Any other list of events the caller dropped is
emptied when the parser builds the next one (``recycle``), and its events that no one else
holds become spares, emptied too, that ``completed`` and ``delta`` refill instead of building
new ones: building and freeing a heap-type event (a GC object) cost ~450 Ir, most of what
events add to a chunk of records.  A list or event the caller keeps is never touched.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeVar

from ._path import Path

try:  # the compiled build reads `cython.compiled` (and types from _events.pxd)
    import cython
except ImportError:  # the pure-Python core runs without Cython installed
    import types

    cython = types.SimpleNamespace(compiled=False)

# Whether this module runs compiled: one global read in the pure build.
_COMPILED: bool = cython.compiled

_E = TypeVar("_E", bound=type)
Key = str | int

# Containers this deep or less hold their path as a tuple (at most ~2,000 items in all);
# deeper ones as a link to their parent's, so an open chain costs O(1) per level.
_EAGER_DEPTH = 64


class _DeepPath:
    """The path of a container below ``_EAGER_DEPTH``: its parent's path and its key."""

    __slots__ = ("key", "parent")

    def __init__(self, parent: Path | _DeepPath, key: Key) -> None:
        self.parent = parent
        self.key = key


ContainerPath = Path | _DeepPath


def child_path(parent: ContainerPath, key: Key) -> ContainerPath:
    """The path of the container at ``key`` in the container whose path is ``parent``."""
    if type(parent) is tuple and len(parent) < _EAGER_DEPTH:
        return parent + (key,)  # noqa: RUF005 -- twice as fast as (*parent, key)
    return _DeepPath(parent, key)


def join_path(prefix: ContainerPath, last: Key | None) -> Path:
    """The path ``prefix`` + ``last`` as a tuple (``last`` None: ``prefix`` alone)."""
    if type(prefix) is tuple:
        return prefix if last is None else prefix + (last,)  # noqa: RUF005 -- see child_path
    keys = [] if last is None else [last]
    while type(prefix) is _DeepPath:
        keys.append(prefix.key)
        prefix = prefix.parent
    keys.reverse()
    return prefix + tuple(keys)  # type: ignore[operator]  # the loop left a tuple


class _Event:
    """What every event holds: ``_prefix`` (its container's path, or its whole path when
    ``_last`` is None), ``_last`` (its own key or index) and ``document``."""

    __slots__ = ("_last", "_prefix", "document")
    _prefix: ContainerPath
    _last: Key | None
    document: int

    @property
    def path(self) -> Path:
        """Where the value is: keys and indexes."""
        prefix = self._prefix
        last = self._last
        if type(prefix) is tuple:  # join_path's common case, without the call
            return prefix if last is None else prefix + (last,)  # noqa: RUF005
        return join_path(prefix, last)

    @path.setter
    def path(self, path: Path) -> None:
        self._prefix = path
        self._last = None


class _Completed(_Event):
    __slots__ = ("value",)
    value: Any


class _Delta(_Event):
    __slots__ = ("text",)
    text: str


def _dataclass(cls: _E) -> _E:
    """``@dataclass(init=False)`` over fields that its base classes store.

    The generated ``__eq__``, ``__repr__``, ``__match_args__``, ``fields``, ``asdict`` and
    ``replace`` read them.  ``dataclass`` takes a class attribute of a field's name for its
    default; here that attribute is the storage (a property or slot), so no field has one.
    """
    dataclass(init=False)(cls)  # changes cls in place (no slots=True: it would copy it)
    for field in fields(cls):
        field.default = MISSING
    return cls


@_dataclass
class ValueCompleted(_Completed):
    """The value at ``path`` is complete and will never change again.

    Children complete before their parents.  ``document`` counts top-level documents from 0.
    """

    __slots__ = ()
    path: Path
    value: Any
    document: int

    def __init__(
        self, path: ContainerPath, value: Any, document: int = 0, _last: Key | None = None
    ) -> None:
        # ``_last`` is the parser's: ``path`` is then the parent's path (or a ``_DeepPath``)
        # and ``_last`` the key or index of this value in it.
        self._prefix = path
        self._last = _last
        self.value = value
        self.document = document

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle (and copy) the path itself, not how this event happens to hold it.
        return (ValueCompleted, (self.path, self.value, self.document))


@_dataclass
class StringDelta(_Delta):
    """``text`` was appended to the string value at ``path`` (never emitted for keys)."""

    __slots__ = ()
    path: Path
    text: str
    document: int

    def __init__(
        self, path: ContainerPath, text: str, document: int = 0, _last: Key | None = None
    ) -> None:
        self._prefix = path  # see ValueCompleted
        self._last = _last
        self.text = text
        self.document = document

    def __reduce__(self) -> tuple[Any, ...]:
        return (StringDelta, (self.path, self.text, self.document))


# The compiled build's spare events (``recycle``), at most ``_SPARES`` of each class; always
# empty in the pure build.
_SPARE_COMPLETED: list[Any] = []
_SPARE_DELTAS: list[Any] = []
_SPARES = 64

# The pure build's allocator: the events' classes do not define ``__new__``, so theirs is
# ``object.__new__``; called directly it costs ~260 instructions less per event than the
# look-up of ``cls.__new__`` (~0.5% of a pure records stream with events).
_new_object = object.__new__


def completed(prefix: ContainerPath, value: Any, document: int, last: Key | None) -> Any:
    """``ValueCompleted(prefix, value, document, last)``, without the call of ``__init__``."""
    if not _COMPILED:
        event = _new_object(ValueCompleted)  # = cls.__new__(cls), without looking it up
    elif _SPARE_COMPLETED:
        event = _take(_SPARE_COMPLETED)
    else:
        cls = ValueCompleted  # cls.__new__(cls): the compiled build calls the C allocator
        event = cls.__new__(cls)
    event._prefix = prefix
    event._last = last
    event.value = value
    event.document = document
    return event


def delta(prefix: ContainerPath, text: str, document: int, last: Key | None) -> Any:
    """``StringDelta(prefix, text, document, last)``, without the call of ``__init__``."""
    if not _COMPILED:
        event = _new_object(StringDelta)  # see completed
    elif _SPARE_DELTAS:
        event = _take(_SPARE_DELTAS)
    else:
        cls = StringDelta
        event = cls.__new__(cls)
    event._prefix = prefix
    event._last = last
    event.text = text
    event.document = document
    return event


if not cython.compiled:

    def _alone(events: list[Any]) -> bool:
        """The compiled build's test (C, in _events.pxd): ``events`` is held by the caller's
        one reference only, and holds one item that nothing else holds."""
        raise AssertionError("compiled build only")

    def dropped(events: list[Any]) -> bool:
        """The compiled build's test (C, in _events.pxd): ``events`` is held by the caller's
        one reference only (whoever it was returned to dropped it)."""
        raise AssertionError("compiled build only")

    def _unshared(events: list[Any], index: int) -> bool:
        """The compiled build's test (C, in _events.pxd): ``events[index]`` is held by
        ``events`` only."""
        raise AssertionError("compiled build only")

    def _take(spares: list[Any]) -> Any:
        """``spares.pop()``; C in the compiled build (_events.pxd), keeping the list's room."""
        return spares.pop()

    def _truncate(events: list[Any]) -> None:
        """``del events[:]``; C in the compiled build (_events.pxd), keeping the list's room
        for the next chunk's events."""
        del events[:]


def recycle(events: list[Any]) -> None:
    """Empty ``events``, a list the parser returned and now holds alone (``dropped``); keep
    its events that nothing else holds as spares, emptied (they would hold their values
    alive), for ``completed`` and ``delta`` to refill.  The compiled build only."""
    for index in range(len(events)):
        if not _unshared(events, index):
            continue  # the caller kept it
        event = events[index]
        if type(event) is ValueCompleted and len(_SPARE_COMPLETED) < _SPARES:
            done = event
            done.value = None
            _empty(done)
            _SPARE_COMPLETED.append(done)
        elif type(event) is StringDelta and len(_SPARE_DELTAS) < _SPARES:
            part = event
            part.text = ""
            _empty(part)
            _SPARE_DELTAS.append(part)
    _truncate(events)


def _empty(event: Any) -> None:
    """What ``recycle`` clears in every spare event."""
    event._prefix = None
    event._last = None
    event.document = None


def refill_delta(events: list[Any], prefix: ContainerPath, text: str, document: int) -> bool:
    """Make ``events``, a ``[delta(...)]`` the caller built and holds in one reference,
    ``[delta(prefix, text, document, None)]`` in place if no one else holds it or its event
    (see the module docstring); return whether it did.  Never in the pure build: there
    ``sys.getrefcount`` would cost more than a new list and event."""
    if not _COMPILED or not _alone(events) or type(events[0]) is not StringDelta:
        return False  # kept, changed by the caller (or the pure build)
    event = events[0]
    event._prefix = prefix
    event._last = None
    event.text = text
    event.document = document
    return True


Event = ValueCompleted | StringDelta


@dataclass(slots=True)
class ItemError:
    """What ``on_error="yield"`` returns in place of a bad item."""

    index: int
    pos: int
    raw: str
    error: Exception
