"""The builder of ``stream_model``'s live partial: ``PartialBuilder`` (sans-I/O).

How it works.  A ``PartialBuilder`` feeds a ``Parser`` and mirrors the parser's open
containers with a stack of ``_Open`` entries, each holding the live value that shows its
container at its place (``_validate``: the target's schema compiled into places, each with
its validator).  Each ``ValueCompleted`` event validates that value once against its place
and stores the result in its parent; the parser's open spine (the last key or element of
each open container) shows what has begun.  The rules the partial keeps are ``_validate``'s.

Cost.  Validation is linear: each value once (``final()`` once more).  A chunk that only
extends a shown string costs one store into its parent (plus building the longer string: in
the pure build each chunk copies a long open string, as reading ``Parser.value`` does there;
the compiled build grows it in place, see ``_snapshot.h``);
any other chunk costs its events plus the walk from the deepest open container to what
began: O(depth), never O(items) or O(document).

Compiled with the core (setup.py, ``_builder.pxd``), from this same source: most chunks of an
LLM stream only extend the open string, and the Python call, the body and the attribute
reads around that one store were most of ``stream_model``'s cost above the parser's.  The
pydantic calls stay Python calls; ``_Builder`` holds the state and the methods as a C type,
and ``PartialBuilder`` is its generic Python face.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import RootModel
from pydantic_core import ValidationError as PydanticValidationError

from ._complete import OPEN, release, track
from ._errors import IncompleteJSONError, ParseError, ValidationError
from ._events import ContainerPath, Event, StringDelta, ValueCompleted
from ._parser import MISSING, Parser
from ._path import Path
from ._validate import (
    _ANY,
    _IGNORE,
    ARRAY,
    K_ANY,
    K_DICT,
    K_IGNORE,
    K_LIST,
    K_OBJECT,
    K_STR,
    K_TAGGED,
    OBJECT,
    STRING,
    _Shape,
    _validation_error,
    compile_target,
    dumps,
    empty_partial,
)

try:  # the compiled build reads `cython.compiled` (and types from _builder.pxd)
    import cython
except ImportError:  # the pure-Python core runs without Cython installed
    import types

    cython = types.SimpleNamespace(compiled=False)

if not cython.compiled:
    UNSPOOL_COUNTS_ARE_EXACT = False  # the compiled build's C constant (_events.pxd)

    def _grow(builder: Any, tail: str) -> bool:
        """The compiled build's ``_grow_text += tail`` (C, in _snapshot.h): in place (False)
        or a new string with room (True: the caller shows it in the old one's place)."""
        raise AssertionError("compiled build only")


# The compiled build grows the open string the partial shows in place, as the parser does its
# own (_parser._AT_ONCE, _snapshot.h): without it each chunk copies the whole string.
_AT_ONCE: bool = cython.compiled and UNSPOOL_COUNTS_ARE_EXACT

T = TypeVar("T")

__all__ = ["PartialBuilder"]

# -- the builder -------------------------------------------------------------------------------

# What an open container shows.
B_OBJECT = 0  # a Partial model instance
B_TYPED = 1  # a TypedDict: a dict of the fields received
B_LIST = 2  # a list
B_DICT = 3  # a dict
B_IGNORE = 4  # nothing (hidden, or inside something hidden)
B_HELD = 5  # a union object whose discriminator has not arrived: its events are held


class _Open:
    """One open container of the document and the live value that shows it."""

    __slots__ = (
        "done",
        "fields",
        "held",
        "into",
        "last_done",
        "mode",
        "path",
        "place",
        "raw",
        "seen",
        "slot",
        "stream",
        "value",
    )

    def __init__(self, place: _Shape, stream: _Shape, slot: Any, raw: Any, path: Path) -> None:
        self.place = place  # validates the container when it completes
        self.slot = slot  # where ``value`` goes in the parent's ``into``
        self.raw = raw  # the parser's live container
        self.path = path
        self.last_done: Any = None  # the JSON key or index of the last child completed
        self.held: list[ValueCompleted] = []  # B_HELD: events until the discriminator
        self.become(stream)

    def become(self, stream: _Shape) -> None:
        """Show what ``stream`` says (again, when a held union object learns its member)."""
        self.stream = stream  # what its children are
        self.fields: dict[str, tuple[_Shape, str]] = {}
        self.value: Any = None  # what shows in the parent: a partial, a list or a dict
        self.into: Any = None  # where children show: the partial's __dict__, or the value
        # B_OBJECT and B_TYPED: the fields begun and the fields complete (a partial's own
        # model_fields_set and completed() sets, grown in place).
        self.seen: set[str] = set()
        self.done: set[str] = set()
        k = stream.kind
        if k == K_OBJECT:
            obj = stream.obj
            assert obj is not None
            self.fields = obj.fields
            if obj.partial is not None:
                self.mode = B_OBJECT
                self.value = empty_partial(obj.partial)
                self.into = self.value.__dict__  # fields are set here: no validation, no copy
                self.seen = self.value.__pydantic_fields_set__
                self.done = self.value.__pydantic_private__["_completed"]
            else:
                self.mode = B_TYPED
                self.value = self.into = {}
        elif k == K_LIST or (k == K_ANY and type(self.raw) is list):
            self.mode = B_LIST
            self.value = self.into = []
        elif k in (K_DICT, K_ANY):
            self.mode = B_DICT
            self.value = self.into = {}
        else:
            self.mode = B_HELD if k == K_TAGGED else B_IGNORE

    def child(self, key: Any) -> tuple[_Shape, Any]:
        """The place of the child at JSON ``key`` and its slot in ``into``."""
        mode = self.mode
        if mode <= B_TYPED:
            return self.fields.get(key) or (_IGNORE, None)
        if mode <= B_DICT:
            item = self.stream.item
            return (_ANY if item is None else item), key
        return _IGNORE, None

    def shown(self, slot: Any) -> Any:
        """What shows at ``slot`` now (None if nothing)."""
        into = self.into
        if self.mode == B_LIST:
            return into[slot] if slot < len(into) else None
        return into.get(slot)

    def put(self, slot: Any, value: Any, done: bool) -> None:
        """Show ``value`` at ``slot``: begun or grown (``done`` False), or complete."""
        into = self.into
        if self.mode == B_LIST and slot == len(into):
            into.append(value)
        else:
            into[slot] = value
        if self.mode <= B_TYPED:
            self.seen.add(slot)
            if done:
                self.done.add(slot)
            else:
                self.done.discard(slot)  # a duplicate key began again


def _values(stack: list[_Open], wrappers: dict[int, Any]) -> list[Any]:
    return [*(b.value for b in stack), *wrappers.values()]


# Where the open string shows when it is the document itself (``_grow_into``): no container.
_AT_ROOT: dict[Any, Any] = {}


class _Builder:
    """``PartialBuilder``'s state and methods, a C type in the compiled build (not generic:
    a C type cannot derive from ``Generic``); see ``PartialBuilder`` below."""

    def __init__(self, target: Any, **options: Any) -> None:
        self._stack: list[_Open] = []
        self._wrappers: dict[int, Any] = {}  # the RootModel partials still open, by id
        self.model = target
        self.partial: Any = None
        self._target = compile_target(target)
        self._root = self._target.place
        self._parser = Parser(**options)
        self._parse = self._parser.feed
        self._held = -1  # the stack index of the B_HELD entry, or -1
        self._changed = False  # something visible changed in this feed
        self._root_done = False
        self._error: Exception | None = None
        self._closed = False
        self._final: Any = MISSING
        # The open string, for feed's fast path: the path tuple the parser gives each of its
        # deltas, where it shows (``into[slot]``; ``into`` None: hidden until complete) and
        # its text so far.  Set by the spine, which runs after every chunk that completes or
        # begins a value, so a delta on this very path extends this very string.
        self._grow_path: ContainerPath | None = None
        self._grow_into: Any = None
        self._grow_slot: Any = None
        self._grow_text = ""
        self._grow_room = 0  # compiled: characters _grow_text can take in place
        track(self)  # is_complete()

    def _open_string(self) -> str | None:
        """The open string object the partial shows (for ``is_complete``)."""
        return self._grow_text if self._grow_into is not None else None

    def feed(self, chunk: str | bytes) -> bool:
        """Parse one more chunk; return True if the partial changed visibly."""
        if self._error is not None:
            raise self._error
        try:
            events = self._parse(chunk)
            if len(events) == 1:
                delta = events[0]
                # ``_prefix`` is the path the parser built once for the open string (its
                # ``_last`` is then None, see ``_events``); ``delta.path`` would be a
                # property call per chunk.
                if delta._prefix is self._grow_path and type(delta) is StringDelta:
                    # Most chunks only extend the open string: one store, nothing else.
                    into = self._grow_into
                    if into is None:
                        return False
                    if not _AT_ONCE:
                        text = self._grow_text = self._grow_text + delta.text
                        into[self._grow_slot] = text
                    elif _grow(self, delta.text):  # a new string, in the old one's place
                        into[self._grow_slot] = self._grow_text
                    return True
            elif not events and not self._parser.changed:
                return False  # whitespace, a key, half a number: nothing to show
            return self._apply(events)
        except (ParseError, ValidationError) as err:
            self._error = err
            raise

    def _apply(self, events: list[Event]) -> bool:
        """Any other chunk: its completions, then what began."""
        self._changed = False
        for event in events:
            if type(event) is ValueCompleted:
                self._complete(event)
        if self._parser.changed and not self._root_done:
            self._spine(events)
        return self._changed

    def close(self) -> bool:
        """End of input; return True if that showed something new (only a number that is
        the whole document completes here: an object's or array's values all complete
        before its closing bracket).  A completed value that fails validation raises; a
        truncated stream is reported by ``final()``, whose IncompleteJSONError carries the
        partial."""
        if self._closed or self._error is not None:
            return False
        self._closed = True
        try:
            events = self._parser.close()
        except ParseError as err:
            if isinstance(err, IncompleteJSONError):
                err.partial = self.partial
            self._error = err
            return False
        try:
            return self._apply(events) if events else False
        except ValidationError as err:
            self._error = err
            raise

    def raise_incomplete(self) -> None:
        """After ``close()``: raise its ``IncompleteJSONError`` if the text was cut off."""
        if isinstance(self._error, IncompleteJSONError):
            raise self._error

    def final(self) -> Any:
        """``Model.model_validate`` (or the adapter's ``validate_python``) of the complete
        value, run once (after ``close()``)."""
        if self._final is not MISSING:
            return self._final
        if self._error is not None:
            raise self._error
        if not self._closed:
            raise RuntimeError("final() needs the whole input: call close() first")
        raw = self._parser.value
        try:
            if self._root.json_mode():
                value = self._target.validate_json(dumps(raw))
            else:
                value = self._target.validate_python(raw)
        except PydanticValidationError as err:
            self._error = _validation_error(err, (), raw)
            raise self._error from err
        self._final = value
        return value

    # -- completions ---------------------------------------------------------------------------

    def _complete(self, event: ValueCompleted) -> None:
        path = event.path
        depth = len(path)
        stack = self._stack
        while True:
            held = self._held
            if held >= 0 and depth > held:
                b = stack[held]
                if depth > held + 1 or path[held] not in b.stream.tag_keys:
                    b.held.append(event)
                    return
                self._resolve(b, held, event)
            if len(stack) >= depth:
                break
            self._push_at(path)  # a container that began and completed between two spines
        value = event.value
        if len(stack) == depth:
            if type(value) is not dict and type(value) is not list:
                if depth:
                    self._leaf(stack[-1], path, value)
                else:
                    self._root_leaf(value)
                return
            self._push(path[-1] if depth else None, value)  # empty: begins and completes
        self._finish(stack.pop(), value)

    def _leaf(self, parent: _Open, path: Path, raw: Any) -> None:
        key = path[-1]
        parent.last_done = key
        place, slot = parent.child(key)
        if place.kind == K_IGNORE:
            return
        wrap = place.wrap
        if (slot == self._grow_slot and parent.into is self._grow_into) or wrap is not None:
            self._grow_into = None  # the open string completed: is_complete() says so
        if type(raw) in place.passes:
            value = raw
        else:
            value = place.validate(raw, path)
            if isinstance(value, RootModel):
                value = value.root  # validated as the RootModel, shown as its partial
            else:
                wrap = None  # a null in a nullable RootModel field
        if parent.mode != B_OBJECT and type(value) is str and parent.shown(slot) == value:
            return  # the string completed as shown: nothing visible changes
        self._put(parent, slot, value, True, wrap)

    def _put(self, parent: _Open, slot: Any, value: Any, done: bool, wrap: Any) -> None:
        """Show ``value`` at ``slot`` in ``parent`` (as the root of a RootModel's partial
        if the place says ``wrap``)."""
        if wrap is not None:
            value = self._wrapped(parent.shown(slot), value, done, wrap)
        parent.put(slot, value, done)
        self._changed = True

    def _wrapped(self, shown: Any, value: Any, done: bool, wrap: Any) -> Any:
        """The RootModel partial ``shown`` (a new one if ``shown`` is not an open one) with
        ``value`` as its root; open (``is_complete``) until ``done``."""
        if type(shown) is not wrap or "root" in shown.__pydantic_private__["_completed"]:
            shown = wrap.model_construct(None, _fields_set=set())
            self._wrappers[id(shown)] = shown
            OPEN.add(id(shown))
        shown.__dict__["root"] = value
        shown.__pydantic_fields_set__.add("root")
        if done:
            shown.__pydantic_private__["_completed"].add("root")
            OPEN.discard(id(shown))
            self._wrappers.pop(id(shown), None)
        return shown

    def _root_leaf(self, raw: Any) -> None:
        """The document is a scalar or a string, complete: show it once valid."""
        self._root_done = True
        self._grow_into = None
        place = self._root
        if place.kind == K_OBJECT:
            return  # a model's document that is no object: final() says why
        value = raw if type(raw) in place.passes else place.validate(raw, ())
        self._show_root(value, True)

    def _show_root(self, value: Any, done: bool) -> None:
        """Show ``value`` as the document: as the partial itself or, for a RootModel, as
        the root of its partial (``done``: the document is complete)."""
        wrap = self._target.wrap
        if wrap is None:
            if done and type(value) is str and self.partial == value:
                return  # the string completed as shown
            self.partial = value
        else:
            self.partial = self._wrapped(self.partial, value, done, wrap)
        self._changed = True

    def _finish(self, b: _Open, raw: Any) -> None:
        """Container ``b`` (just popped) is complete: check it, show it complete."""
        OPEN.discard(id(b.value))
        stack = self._stack
        if self._held == len(stack):
            self._held = -1
        if not stack:  # the document: final() validates it
            self._root_done = True
            if b.mode >= B_IGNORE and b.place.kind != K_OBJECT:
                self._show_root(b.place.validate(raw, ()), True)  # hidden until now
            elif self._target.wrap is not None:
                self._show_root(b.value, True)  # completed() gains "root"
            return
        parent = stack[-1]
        parent.last_done = b.path[-1]
        place = b.place
        if place.kind == K_IGNORE:
            return
        wrap = place.wrap
        if b.mode >= B_IGNORE:  # hidden until now: validate it whole, then show it
            value = place.validate(raw, b.path)
            if isinstance(value, RootModel):
                value = value.root
        else:
            obj = b.stream.obj
            if not place.plain or (obj is not None and not obj.required <= b.seen):
                place.validate(raw, b.path)
            if parent.mode != B_OBJECT and wrap is None:
                return  # shown as it grew: only completed() could change, and it has none
            value = b.value
        self._put(parent, b.slot, value, True, wrap)

    def _resolve(self, b: _Open, index: int, event: ValueCompleted) -> None:
        """The discriminator of held union object ``b`` arrived: replay what was held."""
        self._held = -1
        try:
            member = b.stream.choices.get(event.value)
        except TypeError:  # unhashable
            member = None
        held, b.held = b.held, []
        if member is None:
            b.place.validate(b.raw, b.path)  # raises: pydantic says why
            b.become(_IGNORE)  # accepted after all: show it when complete
            return
        b.become(member)
        OPEN.add(id(b.value))
        if index:
            self._put(self._stack[index - 1], b.slot, b.value, False, b.place.wrap)
        else:
            self._show_root(b.value, False)
        for e in held:
            self._complete(e)

    # -- what has begun ------------------------------------------------------------------------

    def _push_at(self, path: Path) -> None:
        """Push the container at ``path[:len(stack)]``: it has begun."""
        stack = self._stack
        if stack:
            key = path[len(stack) - 1]
            self._push(key, stack[-1].raw[key])
        else:
            self._push(None, self._parser.value)

    def _push(self, key: Any, raw: Any) -> None:
        """Mirror the parser's container ``raw`` (at ``key`` in the deepest one) and show it."""
        stack = self._stack
        kind = OBJECT if type(raw) is dict else ARRAY
        if stack:
            parent = stack[-1]
            place, slot = parent.child(key)
            b = _Open(place, place.stream(kind), slot, raw, (*parent.path, key))
        else:
            b = _Open(self._root, self._root.stream(kind), None, raw, ())
        if b.mode == B_HELD:
            self._held = len(stack)
        stack.append(b)
        if b.mode < B_IGNORE:
            OPEN.add(id(b.value))  # open until _finish
            if len(stack) > 1:
                self._put(stack[-2], b.slot, b.value, False, b.place.wrap)
            else:
                self._show_root(b.value, False)

    def _spine(self, events: list[Event]) -> None:
        """Show what began but has not completed: the last child of the deepest open
        container, and below it (the parser emits no event for a begun container); note
        the open string for ``feed``'s fast path."""
        # A StringDelta last means its string is still open (a completion would follow it).
        last = events[-1] if events else None
        self._grow_path = last._prefix if type(last) is StringDelta and last._last is None else None
        self._grow_into = None
        root = self._parser.value  # also brings the open string up to date
        stack = self._stack
        if not stack:
            if type(root) is str:
                self._show_root_string(root)
                return
            if type(root) is not dict and type(root) is not list:
                return
            self._push(None, root)
        while True:
            b = stack[-1]
            if b.mode >= B_IGNORE:
                return
            raw = b.raw
            if type(raw) is list:
                key: Any = len(raw) - 1
                if key < 0:
                    return
            elif raw:
                key = next(reversed(raw))  # the open key, unless it was a duplicate
            else:
                return
            if key == b.last_done:
                return
            child = raw[key]
            if type(child) is str:
                self._show_string(b, key, child)
                return
            if type(child) is not dict and type(child) is not list:
                return
            self._push(key, child)

    def _show_root_string(self, text: str) -> None:
        """The document is an open string: show it if it shows while it grows.  No fast
        path (``_grow_path`` stays None): each chunk reads it again, as ``Parser.value``."""
        if self._root.stream(STRING).kind not in (K_STR, K_ANY):
            return
        self._grow_path = None
        shown = self.partial
        if self._target.wrap is not None and shown is not None:
            shown = shown.root
        if shown != text:
            self._show_root(text, False)
            shown = text
        self._grow_into = _AT_ROOT
        self._grow_text = shown  # the object shown: is_complete() knows it by identity
        self._grow_room = 0

    def _show_string(self, b: _Open, key: Any, text: str) -> None:
        """The open string ``text`` at ``key`` in ``b``: show it if it shows while it grows."""
        place, slot = b.child(key)
        if place.stream(STRING).kind not in (K_STR, K_ANY):
            return  # a Literal, Enum, date, ...: hidden until complete and valid
        wrap = place.wrap
        shown = b.shown(slot)
        if wrap is not None and type(shown) is wrap:
            shown = shown.root
        if shown != text:
            self._put(b, slot, text, False, wrap)
            shown = text
        if wrap is None:
            self._grow_into = b.into
            self._grow_slot = slot
        else:  # the string grows as the root of the RootModel's partial
            self._grow_into = b.shown(slot).__dict__
            self._grow_slot = "root"
        self._grow_text = shown  # the object shown: is_complete() knows it by identity
        self._grow_room = 0


class PartialBuilder(_Builder, Generic[T]):
    """The sans-I/O core of ``stream_model``.

    ``feed(chunk)`` returns True when the partial changed visibly; ``partial`` is the live
    partial (``None`` until the document begins), the same instance throughout, updated in
    place; ``close()`` ends the input; ``final()`` then validates the whole value, once.

    The target is a model (the partial is its ``Partial[Model]``), a ``RootModel`` (a
    ``Partial[Root]``, a RootModel whose ``.root`` is the partial root value: see
    ``stream_model``), or any type or ``TypeAdapter`` pydantic validates (the partial is
    the root value as it streams: a list of partials for ``list[Model]``, a dict, a string
    that grows, a number once complete).
    """

    if TYPE_CHECKING:

        def final(self) -> T: ...

    def __del__(self) -> None:
        # is_complete: the values a dropped builder still showed as open are open no more
        # (none when __init__ failed: the compiled build's _stack is None before it).
        stack = getattr(self, "_stack", None)
        if stack is not None:
            release(_values(stack, self._wrappers))
