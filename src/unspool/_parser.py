"""The partial-value parser: a growing snapshot plus completion events, from tokens.

``Parser`` sits on ``Tokenizer`` (which owns every syntax rule) and turns its tokens into
plain Python values -- ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None`` --
that grow as chunks arrive.  It keeps the snapshot invariants (numbered as in the README):

1. A value never changes type.
2. ``null``, ``true``, ``false`` and numbers appear only when complete.
3. Strings only grow, by whole characters (the tokenizer holds back split escapes).
4. Arrays change only by appending an element or updating their last element.
5. Objects change only by adding a key or updating the most recently added key's value; a
   key appears with its value (``""``, ``[]``, ``{}`` or a complete scalar), never alone.
6. Duplicate keys resolve as ``json.loads`` does (last wins).
7. The final value equals ``json.loads(text)``; invalid text raises, whatever the chunking.
8. Completion events are the same for every chunking of the same text.

The snapshot is one live structure updated in place: containers are created once and
appended to, so reading ``value`` costs nothing for them, however large the document.  The
one thing materialised on read is the open string, joined from the parts received since the
last read; so while one very long string is open, each read of ``value`` costs time
proportional to that string's length.  For that case use the ``StringDelta`` events, which
carry only the new characters.  (The compiled build shows the open string at once instead,
grown in place, and ``value`` is a plain slot: a read costs the same for every document;
see ``_snapshot.h``.)
"""

from __future__ import annotations

from typing import Any, Final

from ._complete import OPEN, release, track
from ._errors import IncompleteJSONError, ParseError
from ._events import (
    ContainerPath,
    Event,
    child_path,
    completed,
    delta,
    join_path,
    refill_delta,
)
from ._extract import Extractor
from ._path import Path
from ._tokenizer import (
    DEFAULT_MAX_BUFFER,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING,
    Tokenizer,
    check_limits,
    error_path,
)

try:  # the compiled build reads `cython.compiled` (and types from _parser.pxd)
    import cython
except ImportError:  # the pure-Python core runs without Cython installed
    import types

    cython = types.SimpleNamespace(compiled=False)

# Whether this module runs compiled: one global read in the pure build.
_COMPILED: bool = cython.compiled

if not cython.compiled:  # the compiled build cimports them as C constants (_parser.pxd)
    from ._events import dropped, recycle
    from ._tokenizer import (
        T_BEGIN_OBJECT,
        T_DOCUMENT,
        T_END_ARRAY,
        T_END_OBJECT,
        T_KEY,
        T_SCALAR,
        T_STRING,
        T_STRING_END,
        T_STRING_PART,
        T_STRING_START,
    )

if not cython.compiled:
    UNSPOOL_COUNTS_ARE_EXACT = False  # the compiled build's C constant (_events.pxd)

    def _value_slot(cls: type, probe: Any) -> None:
        """The compiled build's ``value``: a slot on the ``_root`` field (C, in _snapshot.h)."""
        raise AssertionError("compiled build only")

    def _grow(parser: Any, tail: str) -> bool:
        """The compiled build's ``_string_shown += tail`` (C, in _snapshot.h): in place (False)
        or a new string with room (True: the caller puts it in the snapshot)."""
        raise AssertionError("compiled build only")

    def _trim(parser: Any) -> bool:
        """The compiled build's end of the open string (C, in _snapshot.h): True when an
        exact copy replaced ``_string_shown`` (the caller puts it in the snapshot)."""
        raise AssertionError("compiled build only")


# The compiled build shows the open string at once, grown in place, and reads ``value`` as a
# slot (_snapshot.h); not where a reference count cannot prove who holds the string (a
# free-threaded CPython): there, as in the pure build, the open string is joined on read.
_AT_ONCE: bool = _COMPILED and UNSPOOL_COUNTS_ARE_EXACT

_PACK = 64  # string parts the parser holds before it joins them into one block


class _Missing:
    """The type of ``MISSING``: the snapshot before any value has begun."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "unspool.MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
OPEN.add(id(MISSING))  # is_complete(MISSING) is False: nothing has begun


class Parser:
    """Parse one JSON document (or, with ``multiple=True``, a stream of them) chunk by chunk.

    ``feed(chunk)`` takes ``str`` or UTF-8 ``bytes`` (split anywhere, never mixed) and returns
    the events it completes: ``StringDelta`` for characters appended to a string value and
    ``ValueCompleted`` for every value once it can no longer change, children before parents.
    ``value`` is the current snapshot (``MISSING`` before anything began).  ``close()`` ends
    the input; it raises ``IncompleteJSONError`` (with ``.partial``) if the text is truncated.

    ``value`` is live: the parser updates the same containers in place, so treat them as
    read-only and ``copy.deepcopy`` a snapshot you want to keep.  With ``multiple=True`` each
    event carries ``document`` (0, 1, ...) and ``value`` is the current document; a finished
    document is dropped when the next one begins.

    On bad input the events before the error are returned first and the error is raised by
    the next ``feed`` or ``close``; every later call raises it again.

    ``events=False`` builds the snapshot only (``feed`` and ``close`` return ``[]``): cheaper
    per chunk; ``iter_partial`` uses it.  An event costs the same at any depth (it shares its
    container's path, built when ``path`` is read; see ``unspool._events``), so the events of
    one ``feed`` take memory in proportion to the chunk, not to its events times their depth.
    ``multiple``, ``allow_nan`` and the limits (``max_depth=None`` lifts the nesting limit)
    are the ``Tokenizer``'s.

    ``extract=True`` reads JSON inside model text: prose before it, a ```` ```json ```` fence
    around it and ``<think>`` blocks are skipped, and whatever follows the value is ignored
    (the rules are in ``unspool._extract``); snapshots and events flow from the first
    character of the JSON, and error positions count the whole text as received.
    """

    __module__ = "unspool"  # here, not later: the compiled class is immutable (setup.py)

    def __init__(
        self,
        *,
        multiple: bool = False,
        allow_nan: bool = False,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        max_string: int = DEFAULT_MAX_STRING,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        events: bool = True,
        extract: bool = False,
    ) -> None:
        self._events = events
        # Tokenizer(...) without a keyword call to the class (C calls in the compiled build).
        check_limits(max_depth, max_string, max_buffer)
        self._tokenizer = Tokenizer.__new__(Tokenizer)
        self._tokenizer._setup(
            multiple=multiple,
            allow_nan=allow_nan,
            max_depth=max_depth,
            max_string=max_string,
            max_buffer=max_buffer,
            scan_documents=True,
            stop_after_document=False,
            whole_values=(),
            # A document read whole keeps the last of duplicate keys, as the snapshot does;
            # only events need each duplicate as tokens (the scan is ~15% faster without).
            whole_duplicates=not events,
            hold_whole=0,
            positions=False,  # _apply reads kinds and values only: tokens cost no int objects
        )
        self._root: Any = MISSING
        self._containers: list[Any] = []  # the open dicts and lists, outermost first
        # Per open container, the slot being filled: the key (None before the first key)
        # or the index of the last element (-1 before the first).
        self._path: list[Any] = []
        # With events, the path of each open container, outermost first: an event gets its
        # container's (shared) and its own key or index, so it costs the same at any depth.
        self._paths: list[ContainerPath] = []
        self._document = -1
        self._error: ParseError | None = None
        self._changed = False  # did the last feed change the snapshot?
        # The open string value: the text the snapshot shows (None when no string is open),
        # the part since the last read (read after every chunk, there is one: the list, its
        # growing and shrinking cost more than the rest of the read), the parts after that,
        # joined into blocks as they come (see _pack_string), where it lives, its path.
        self._string_shown: str | None = None
        self._string_room = 0  # compiled: characters it can take in place (_snapshot.h)
        self._string_tail = ""
        self._string_parts: list[str] = []
        self._string_blocks: list[str] = []
        self._string_parent: Any = None
        self._string_slot: Any = None
        self._string_path: Path = ()
        self._string_stale = False  # parts arrived that the snapshot does not show yet
        # Duplicate keys whose value is being built aside: (object, key, depth) (see _key).
        self._holds: list[tuple[dict[str, Any], str, int]] = []
        self._tokens: list[tuple[Any, ...]] = []  # a chunk's tokens (Tokenizer.feed_into)
        self._deltas: list[Event] | None = None  # compiled: the list _text_delta refills
        self._returned: list[Event] | None = None  # compiled: the list _new_events reuses
        track(self)  # for is_complete()
        # extract=True: the front-end that finds the JSON in model text takes feed and close
        # until it hands the stream over (see _extract); None otherwise.
        self._extract: Extractor | None = None
        if extract:
            tokenizer = self._tokenizer
            self._extract = Extractor(self, lambda: tokenizer, multiple=multiple, detach=True)

    def __del__(self) -> None:
        # is_complete: the containers a dropped parser still had open are open no more
        # (none when __init__ did not get that far, nor after a whole document).
        containers = getattr(self, "_containers", None)
        if containers:
            release(containers)

    @property
    def value(self) -> Any:
        """The current snapshot (see the class docstring for what reading it costs)."""
        if self._string_stale:
            self._show_string()
        return self._root

    def _open_string(self) -> str | None:
        """The open string object the snapshot shows (for ``is_complete``)."""
        return self._string_shown

    @property
    def changed(self) -> bool:
        """Whether the last ``feed`` or ``close`` changed the snapshot.

        Whitespace, half a number or an object key alone change nothing visible.
        """
        return self._changed

    def feed(self, chunk: str | bytes) -> list[Event]:
        """Parse one more chunk; return the events it completes."""
        if self._error is not None:
            raise self._error
        if self._extract is not None:
            return self._extract.feed(chunk)
        tokens = self._tokens  # empty between feeds
        text = self._tokenizer.feed_into(chunk, tokens)
        if text is not None:
            # The most frequent case while an LLM writes prose: more of the open string, as
            # a str (no token), kept out of _apply's loop.
            self._more_string(text)
            self._changed = True
            if not self._events:
                events: list[Event] = self._new_events() if _COMPILED else []
            elif _COMPILED:
                events = self._text_delta(text)
            else:  # one event: built as a list of one (no append, no resize)
                events = [delta(self._string_path, text, self._document, None)]
        elif tokens:
            events = self._apply(tokens)
            tokens.clear()
        else:
            self._changed = False
            if self._tokenizer.error is not None:  # nothing came before the error
                self._fail(self._tokenizer.error)
                raise self._tokenizer.error
            # Whitespace, or a key or number the chunk cuts: about half of the chunks of
            # structure-heavy text, so no new list for them either.
            return self._new_events() if _COMPILED else []
        error = self._tokenizer.error
        if error is not None:  # the text and tokens before it are delivered first
            self._fail(error)
        return events

    def _text_delta(self, text: str) -> list[Event]:
        """The compiled build's ``[StringDelta(...)]`` for ``text``, more of the open string:
        the list returned last time, refilled if the caller dropped it and its event (see
        ``unspool._events``), else a new one, kept for the next time."""
        events = self._deltas
        self._deltas = None  # the local is the parser's one reference (refill_delta's rule)
        if events is None or not refill_delta(events, self._string_path, text, self._document):
            events = [delta(self._string_path, text, self._document, None)]
        self._deltas = events
        return events

    def _new_events(self) -> list[Event]:
        """The compiled build's ``[]`` for a chunk's events: the list returned last time (by
        ``_apply``, or by feed with ``events=False``) when the caller dropped it, emptied
        (``unspool._events.recycle``: its events become spares), else a new one."""
        events = self._returned
        self._returned = None  # the local is the parser's one reference (dropped's rule)
        if events is None or not dropped(events):
            events = []
        elif events:
            recycle(events)
        self._returned = events
        return events

    def close(self) -> list[Event]:
        """End of input: return the last events, or raise if the text is incomplete."""
        if self._error is not None:
            raise self._error
        if self._extract is not None:
            return self._extract.close()
        tokens = self._tokenizer.finish()
        if tokens:
            events = self._apply(tokens)  # a number that ends the text shows in .partial
        else:
            events = []
            self._changed = False
        # The stream is over: hold no list or event for reuse (a parser kept after its
        # stream would keep its last events and their values alive).
        self._returned = self._deltas = None
        error = self._tokenizer.error
        if error is not None:
            self._fail(error)
            raise error
        return events

    def _fail(self, err: ParseError) -> None:
        """Poison the parser with ``err``, adding what only the parser knows."""
        err.path = self._error_path()
        if isinstance(err, IncompleteJSONError):
            err.partial = self.value
        self._error = err

    def _error_path(self) -> Path:
        """The path of the value being read when the tokenizer stopped, whatever the chunking.

        The slot of the innermost container names the last value attached; the tokenizer
        says whether the error concerns that value, the next one, or a key.
        """
        if not self._containers:
            return ()
        container = self._containers[-1]
        next_index = len(container) if type(container) is list else None
        return error_path(list(self._path), next_index, self._tokenizer.expecting())

    def _show_string(self) -> None:
        """Put the open string, the text shown and the parts since, into the snapshot.  (In
        the compiled build: the new string ``_grow`` or ``_trim`` made, with no parts and an
        empty tail, so that ``text`` is that string.)"""
        # A string is open (no assert: it would cost the pure build a check per read).
        shown: str = self._string_shown  # type: ignore[assignment]
        parts = self._string_parts
        blocks = self._string_blocks
        if parts or blocks:  # not read for more than one part
            text = "".join([shown, self._string_tail, *blocks, *parts])
            parts.clear()
            blocks.clear()
        else:  # read after every chunk: one part since
            text = shown + self._string_tail
        self._string_shown = text
        parent = self._string_parent
        if parent is None:
            self._root = text
        elif _COMPILED and type(parent) is list:  # an array's string (paragraphs, items):
            index = self._string_slot  # a C index: a C store, no int object to convert
            parent[index] = text
        else:
            parent[self._string_slot] = text
        self._string_stale = False

    def _key(self, key: str) -> None:
        """An object key while a duplicate key's value is held, or a duplicate key itself.

        A duplicate's value is built aside and replaces the earlier value (in its place, as
        json.loads does) once it is complete: so the snapshot never shows "hello" shrink to
        "" or a list turn into a dict midway (invariants 1, 3 and 5), and the last wins.
        """
        holds = self._holds
        containers = self._containers
        if holds and holds[-1][2] == len(containers):
            self._release()  # the next key: the held value is complete
        self._path[-1] = key
        parent = containers[-1]
        if key in parent:
            holds.append((parent, key, len(containers)))
            containers[-1] = {}  # the value is attached here until it is complete

    def _release(self) -> None:
        """The held value of a duplicate key is complete: it replaces the earlier one."""
        parent, key, level = self._holds.pop()
        containers = self._containers
        parent[key] = containers[level - 1][key]
        containers[level - 1] = parent

    def _more_string(self, text: str) -> None:
        """More of the open string: the one part since the last read (read after every
        chunk, there is one), else one more unread part.  The compiled build shows it at
        once (``value`` is a slot there), in place while nobody else holds the string."""
        if _AT_ONCE:
            if _grow(self, text):  # a new string object, in the old one's place
                self._show_string()
        elif not self._string_stale:
            self._string_tail = text
            self._string_stale = True
        else:
            parts = self._string_parts
            parts.append(text)
            if len(parts) > _PACK:
                self._pack_string()

    def _pack_string(self) -> None:
        """Join the open string's parts into one block: a part per chunk would cost ~57 bytes
        each (~15 per character at 4 characters a chunk); blocks of ``_PACK`` parts cost about
        one byte per character, and each character is copied once more (linear)."""
        parts = self._string_parts
        self._string_blocks.append("".join(parts))
        parts.clear()

    def _attach(self, value: Any) -> None:
        """Put a new value in the slot being filled (or make it the document)."""
        containers = self._containers
        if not containers:
            self._document += 1
            self._root = value
            return
        parent = containers[-1]
        if type(parent) is list:
            self._path[-1] = len(parent)
            parent.append(value)
        else:
            parent[self._path[-1]] = value

    def _apply(self, tokens: list[tuple[Any, ...]]) -> list[Event]:
        want = self._events
        events: list[Event] = self._new_events() if _COMPILED else []
        path = self._path
        containers = self._containers
        paths = self._paths
        holds = self._holds
        changed = False
        for token in tokens:
            kind = token[0]
            if kind == T_STRING_PART:  # the most frequent token while an LLM writes prose
                text = token[1]
                self._more_string(text)
                changed = True
                if want:
                    events.append(delta(self._string_path, text, self._document, None))
            elif kind == T_KEY:
                key = token[1]
                if holds or key in containers[-1]:
                    self._key(key)
                else:
                    path[-1] = key
            elif kind in (T_END_OBJECT, T_END_ARRAY):
                # The container was visible already: completion changes no snapshot.
                if holds and holds[-1][2] == len(containers):
                    self._release()
                path.pop()
                container = containers.pop()
                OPEN.discard(id(container))
                if want:
                    events.append(completed(paths.pop(), container, self._document, None))
            elif kind == T_SCALAR:
                value = token[1]
                self._attach(value)
                changed = True
                if want:
                    if containers:
                        events.append(completed(paths[-1], value, self._document, path[-1]))
                    else:
                        events.append(completed((), value, self._document, None))
            elif kind == T_STRING:
                text = token[1]
                self._attach(text)
                changed = True
                if want:
                    where, last = (paths[-1], path[-1]) if containers else ((), None)
                    if text:
                        events.append(delta(where, text, self._document, last))
                    events.append(completed(where, text, self._document, last))
            elif kind == T_STRING_START:
                self._start_string(token[1], events)
                changed = True
            elif kind == T_STRING_END:
                if self._end_string(token[1], events):
                    changed = True
            elif kind == T_DOCUMENT:  # a whole document read in one go
                value = token[1]
                self._attach(value)
                changed = True
                if want:
                    _document_events(value, self._document, events)
            else:  # T_BEGIN_OBJECT, T_BEGIN_ARRAY
                self._open(kind == T_BEGIN_OBJECT)
                changed = True
        self._changed = changed
        return events

    # _apply's helpers for the tokens that come once per string or container (C calls in the
    # compiled build); the frequent tokens stay in its loop.

    def _start_string(self, text: str, events: list[Event]) -> None:
        """A string value began (``text``, its first characters): show it, note its place."""
        self._attach(text)
        self._string_shown = text
        self._string_room = 0
        self._string_stale = False
        containers = self._containers
        # Built once: the string's deltas share it (at most one string per chunk starts
        # here, the one still open at its end).
        if self._events and containers:
            self._string_path = join_path(self._paths[-1], self._path[-1])
        else:
            self._string_path = ()
        if containers:
            self._string_parent = containers[-1]
            self._string_slot = self._path[-1]
        else:
            self._string_parent = None
        if text and self._events:
            events.append(delta(self._string_path, text, self._document, None))

    def _end_string(self, text: str, events: list[Event]) -> bool:
        """The open string value ended with ``text``; return whether the snapshot changed
        (a bare closing quote changes nothing visible)."""
        self._more_string(text)
        if not _AT_ONCE or _trim(self):  # compiled: a final value keeps no large room
            self._show_string()
        value = self._string_shown
        self._string_shown = None
        if self._events:
            if text:
                events.append(delta(self._string_path, text, self._document, None))
            events.append(completed(self._string_path, value, self._document, None))
        return bool(text)

    def _open(self, is_object: bool) -> None:
        """A container began: attach it, and make it the innermost open one."""
        container: dict[str, Any] | list[Any] = {} if is_object else []
        self._attach(container)
        containers = self._containers
        if self._events:
            paths = self._paths
            paths.append(child_path(paths[-1], self._path[-1]) if containers else ())
        containers.append(container)
        OPEN.add(id(container))
        self._path.append(None if is_object else -1)


if _AT_ONCE:  # reading the snapshot is a slot load (see _snapshot.h)
    _value_slot(Parser, Parser.__new__(Parser))


def _document_events(document: Any, index: int, events: list[Event]) -> None:
    """Emit the events the tokens of a whole document would have given, without recursion:
    in document order, children before parents, a string's delta before its completion.

    Each entry is (parent's path, key or index or None for the document, value, expanded);
    a container's path is built once and shared by its children's events."""
    pending: list[tuple[ContainerPath, Any, Any, bool]] = [((), None, document, False)]
    while pending:
        parent, last, value, expanded = pending.pop()
        kind = type(value)
        if expanded or (kind is not dict and kind is not list):
            if kind is str and value:
                events.append(delta(parent, value, index, last))
            events.append(completed(parent, value, index, last))
            continue
        pending.append((parent, last, value, True))
        here = parent if last is None else child_path(parent, last)
        children = value.items() if kind is dict else enumerate(value)
        pending.extend(reversed([(here, key, child, False) for key, child in children]))
