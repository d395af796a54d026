"""The item splitter: every item of a root array, of the arrays a JSON Pointer picks, or of a
stream of documents (NDJSON), returned by the very ``feed`` that delivers its last character.

``Splitter`` sits on ``Tokenizer`` (which owns every syntax rule) and walks its tokens with a
little state: the wrapper containers on the pointer's path (``_frames``), and, inside a
value, only a depth.  Items are never built from tokens: the text of a completed item is
handed to the stdlib's C JSON scanner, which is exact (types, big ints, ``-0.0``, surrogate
pairs) and much faster than assembling values in Python.

How it keeps its rules:

Rule 1 (one grammar).  Every character of the stream is read by the tokenizer; nothing here
decides what valid JSON is.  It asks for the items as whole values (``whole_values`` at the
items' depth, ``hold_whole``): an item container that arrives whole is one ``T_WHOLE``
token, the C scanner's value under the tokenizer's rules of agreement, and one that has not
ended yet is held back by the tokenizer until a chunk brings its closing bracket.

Rule 2 (timely).  An item is returned by the ``feed`` whose chunk holds its last character
(for a number, the delimiter after it).

Rule 3 (bounded memory).  Only the open item's text is kept (``_kept``, or held back by the
tokenizer); returned items and consumed text are dropped.  An open container item, like a
number, is held up to ``max_buffer`` characters (never fewer than ``max_string``, so that any
string allowed fits in an item); a longer one raises ``LimitExceeded``, at the same position
whatever the chunking.  The text of a bad NDJSON line being dropped is kept up to the same
size for ``ItemError.raw`` and the log; past it, only counted.

Rule 4 (errors).  The first error is raised after every item before it was returned: when a
feed completes items and then meets an error, it returns the items and the next call raises
(``close()``, which no call follows, raises at once).  The error carries ``index``, the
number of the item it broke (or of the next item).  For NDJSON, ``on_error="skip"`` /
``"yield"`` drop the bad line and restart a fresh tokenizer at the next line, keeping
positions absolute.

A held item shows one difference: an error inside it is found when a chunk brings a closing
bracket (at the latest after ``_HOLD_MAX`` characters, or at ``close()``) rather than by the
chunk that holds it; items and errors are the same.  (Bytes streams are never held.)
"""

from __future__ import annotations

import codecs
import itertools
import json
import json.scanner
import re
from typing import Any, NoReturn

from ._errors import IncompleteJSONError, LimitExceeded, ParseError
from ._events import ItemError
from ._extract import Extractor
from ._path import Path
from ._tokenizer import (
    DEFAULT_MAX_BUFFER,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING,
    E_VALUE,
    HOLD_LINE,
    T_BEGIN_ARRAY,
    T_BEGIN_OBJECT,
    T_END_ARRAY,
    T_END_OBJECT,
    T_KEY,
    T_STRING,
    T_STRING_END,
    T_STRING_PART,
    T_STRING_START,
    TextBuffer,
    Tokenizer,
    check_limits,
    error_path,
)

# What the tokens of the token loop belong to (from M_SKIP up: only the depth counts).
M_WRAPPER = 0  # no item is open: on the pointer's path, or between documents
M_STRING = 1  # inside a string item that a chunk boundary cut; its text is kept in _kept
M_SKIP = 2  # inside a value off the pointer's path: depth only
M_ITEM = 3  # inside an item container: depth only; its text is kept in _kept

# The role of a wrapper container (one frame per open container on the pointer's path).
F_PATH = 0  # on the pointer's path, above the target
F_TARGET = 1  # the array whose elements are the items
# A frame is [role, is_array, slot]: slot is the current key, or the current element's index.

WILD = "*"  # a pointer segment that matches any key or index

_ON_ERROR = ("raise", "skip", "yield")
_SHOWN_KEYS = 10  # keys a "matched nothing" error names
_BEGINS = (T_BEGIN_OBJECT, T_BEGIN_ARRAY)
_ENDS = (T_END_OBJECT, T_END_ARRAY)
_NON_WS = re.compile(r"[^ \t\r\n]")

# The scanner that decodes completed, already checked item text (NaN allowed: if it is there,
# the tokenizer accepted it).
_scan_any = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _parse_pointer(at: str) -> tuple[list[str], list[int | None]]:
    """Split a JSON Pointer into segments, with each segment's array index (if it is one)."""
    if at == "":
        return [], []
    if not at.startswith("/"):
        raise ValueError(f"at must be a JSON Pointer ('' or starting with '/'), got {at!r}")
    keys = [part.replace("~1", "/").replace("~0", "~") for part in at[1:].split("/")]
    indexes: list[int | None] = []
    for key in keys:
        canonical = key.isdigit() and key.isascii() and (key == "0" or key[0] != "0")
        indexes.append(int(key) if canonical else None)
    return keys, indexes


def _decode(raw: str) -> Any:
    """The value of a completed item's text (checked by the tokenizer)."""
    try:
        return _scan_any(raw, 0)[0]
    except RecursionError:
        return _build(raw)


def _build(raw: str) -> Any:
    """Assemble a value from tokens without recursion (for items nested too deep for json)."""
    size = len(raw) + 1
    tokenizer = Tokenizer(allow_nan=True, max_depth=None, max_string=size, max_buffer=size)
    tokens = tokenizer.feed(raw) + tokenizer.close()
    containers: list[Any] = []
    keys: list[Any] = []
    root: Any = None
    for token in tokens:
        kind = token[0]
        if kind == T_KEY:
            keys[-1] = token[1]
            continue
        if kind in _ENDS:
            containers.pop()
            keys.pop()
            continue
        if kind in _BEGINS:
            value: Any = {} if kind == T_BEGIN_OBJECT else []
        else:  # a whole scalar or string (raw was fed in one piece)
            value = token[1]
        if not containers:
            root = value
        elif type(containers[-1]) is list:
            containers[-1].append(value)
        else:
            containers[-1][keys[-1]] = value
        if kind in _BEGINS:
            containers.append(value)
            keys.append(None)
    return root


class _Pointer:
    """The JSON Pointer ``at`` of the items' array (``None``: each document decides), and,
    until it matches an array, what the stream had there instead: ``close()`` raises a
    ``no_match`` error naming it rather than return nothing (no silent empty result)."""

    __slots__ = ("at", "auto", "indexes", "keys", "matched", "missed")

    def __init__(self, at: str | None) -> None:
        self.at = at
        self.auto = at is None  # no pointer: each document decides at its first character
        self.keys, self.indexes = _parse_pointer(at) if at is not None else ([], [])
        self.matched = self.auto  # has it matched an array yet?
        self.missed: tuple[int, str] = (-1, "")  # the depth reached, and what was there

    def on_path(self, frames: list[list[Any]]) -> bool:
        """Is the value that begins now, under the wrapper ``frames``, on the pointer's path
        (or at the pointer)?"""
        level = len(frames)
        if not frames:
            return True
        _, is_array, slot, _ = frames[-1]
        key = self.keys[level - 1]
        return key == WILD or (self.indexes[level - 1] if is_array else key) == slot

    def where(self, level: int) -> str:
        """The place ``level`` segments down the pointer, for a message."""
        if level == 0:
            return "the document"
        return repr("/" + "/".join(self.at.split("/")[1 : level + 1]))  # type: ignore[union-attr]

    def note_container(self, frame: list[Any], level: int) -> None:
        """A container on the pointer's path closed, the pointer unmatched: what it held."""
        if level < len(self.keys) and self.keys[level] == WILD and frame[2] == -1:
            self.matched = True  # '*' over an empty container: no data, not a wrong pointer
            return
        if level < self.missed[0]:
            return  # a deeper place was reached already
        where = self.where(level)
        if frame[1]:
            found = f"{where} is an array of {frame[2] + 1} items"
        elif frame[3]:
            keys = ", ".join(map(repr, frame[3][:_SHOWN_KEYS]))
            more = ", ..." if len(frame[3]) > _SHOWN_KEYS else ""
            found = f"{where} has keys {keys}{more}"
        else:
            found = f"{where} is an empty object"
        self.missed = (level, found)

    def note_scalar(self, token: tuple[Any, ...], level: int) -> None:
        """A string, number or literal on the pointer's path, the pointer unmatched."""
        if level < self.missed[0]:
            return
        kind = token[0]
        if kind in (T_STRING, T_STRING_START):
            what = "a string"
        elif token[1] is None or token[1] is True or token[1] is False:
            what = json.dumps(token[1])
        else:
            what = "a number"
        tail = ", not an array" if level == len(self.keys) else ""
        self.missed = (level, f"{self.where(level)} is {what}{tail}")

    def no_match(self) -> str | None:
        """The message of the error ``close()`` raises, if the pointer matched nothing."""
        if self.matched or self.missed[0] < 0:
            return None
        return f"at={self.at!r} matched nothing; {self.missed[1]}"


class _Kept:
    """The stream's text from position ``start`` (the tokenizer's) to the end of the last chunk
    fed: the open item's text, or a scalar item's that a chunk boundary cut (rule 3).  All
    other text is dropped once it has been split."""

    __slots__ = ("buffer", "start")

    def __init__(self) -> None:
        self.buffer = TextBuffer()
        self.start = 0

    def take(self, a: int, b: int, text: str, base: int) -> str:
        """The stream's text from ``a`` to ``b``, ``b`` within ``text`` (the chunk starting at
        position ``base``); what was kept is dropped."""
        if a >= base:
            return text[a - base : b - base]
        head = self.buffer.text()
        self.buffer = TextBuffer()
        return head[a - self.start :] + text[: b - base]

    def keep(self, start: int, text: str, base: int) -> None:
        """After ``text`` (at ``base``): keep the stream's text from ``start`` on."""
        if start >= base:
            self.buffer = TextBuffer(text[start - base :] if start > base else text)
            self.start = start
        else:
            self.buffer.append(text)

    def whole(self, text: str, base: int) -> tuple[int, str]:
        """Where the kept text starts, and the kept text up to ``text`` (at ``base``) with it."""
        head = self.buffer.text()
        start = self.start if head else base
        return start, head[: base - start] + text


class _BadDocument:
    """Where a document the tokenizer refused began (absolute ``start``), the error's position
    (``pos``, clamped to the text) and the stream's text from ``start`` on, ``text[first:]``:
    what ``_LineRecovery`` needs to drop its line and go on.  (The text is not sliced: it may
    be long.)"""

    __slots__ = ("first", "pos", "start", "text")

    def __init__(self, start: int, pos: int, text: str, first: int) -> None:
        self.start = start
        self.pos = pos
        self.text = text
        self.first = first


class Splitter:
    """Return each item of a JSON stream the moment its last character arrives.

    ``at`` is a JSON Pointer to the array whose elements are the items (``"/items"``,
    ``"/sections/*/paragraphs"``, ``*`` matching any key or index; ``""`` is the root array),
    applied to every top-level document of the stream (a key that is literally ``*`` cannot be
    named).  A pointer that matches no array in the whole stream (a missing key, a value that
    is not an array, a non-array root with ``at=""``) is no silent empty result: ``close()``
    raises a ``ParseError`` of kind ``"no_match"`` naming the pointer and what was there
    (``at='/items' matched nothing; the document has keys 'habits', 'title'``).  ``at=None`` decides
    per document, at its first character: a document that is an array gives its elements, any
    other document is itself an item -- so a root array, NDJSON and back-to-back documents all
    work.

    ``feed(chunk)`` takes ``str`` or UTF-8 ``bytes`` (split anywhere, never mixed) and returns
    the items it completes, in order; ``close()`` returns the last ones.  Items are plain
    values equal to ``json.loads`` of their text.  With ``with_raw=True`` each item is instead
    a tuple ``(index, value, raw_text)`` (what a validating layer needs to report a bad item).

    Errors: with ``on_error="raise"`` (the default) a ``ParseError`` is raised after every
    item before it was returned (by the next call; ``close()`` raises at once, so the items it
    would have returned before the error are lost); it carries ``index``, the number of the
    item being parsed.  For NDJSON -- a top-level document with ``at=None``, not an element
    of a root array -- ``on_error="skip"`` drops the bad item's line (logging a warning on the
    ``unspool`` logger with its line number and text) and ``on_error="yield"`` returns an
    ``ItemError(index, pos, raw, error)`` in its place; either way parsing resumes at the
    start of the line after the one the bad item began on, with a fresh tokenizer.  (So an
    unterminated line does not take the next one with it; recovery is line-based, meant for
    one document per line.)  A syntax error inside an array cannot be recovered -- nothing
    says where the broken element ends -- so it raises whatever ``on_error`` says, and so does
    one in model text (``extract=True``), where a line is not known to be a document; invalid
    UTF-8 raises too, unless it is in a line being dropped (``raw`` shows it as U+FFFD).

    ``allow_nan``, ``max_depth``, ``max_string`` and ``max_buffer`` are the tokenizer's.

    ``extract=True`` reads JSON inside model text (prose, code fences and ``<think>`` blocks
    skipped, see ``unspool._extract``): each json fence holds documents, and outside fences
    a document starts at the first ``{``, later ones at a ``{`` or ``[`` that begins a line.
    """

    __module__ = "unspool"  # here, not later: the compiled class is immutable (setup.py)

    def __init__(
        self,
        at: str | None = None,
        *,
        on_error: str = "raise",
        with_raw: bool = False,
        allow_nan: bool = False,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        max_string: int = DEFAULT_MAX_STRING,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        extract: bool = False,
    ) -> None:
        if on_error not in _ON_ERROR:
            raise ValueError(f"on_error must be 'raise', 'skip' or 'yield', got {on_error!r}")
        check_limits(max_depth, max_string, max_buffer)  # before max() compares them
        self._pointer = _Pointer(at)
        self._closed = False
        self._options: dict[str, Any] = {
            "multiple": True,
            "allow_nan": allow_nan,
            "max_depth": max_depth,
            "max_string": max_string,
            "max_buffer": max_buffer,
            "stop_after_document": False,
        }
        # The most text an open item (or a dropped line) may hold (module docstring, rule 3).
        self._max_kept = max(max_string, max_buffer)
        # Bad NDJSON lines are dropped; not in model text (extract=True), where a line is not
        # known to be a whole document: there a syntax error raises, as inside an array.
        self._recover = on_error != "raise" and at is None and not extract
        # The items as whole values: a root array's elements and the other documents (at=None),
        # or the elements of the arrays at the pointer's depth.  Held back until they end
        # (not across a line end where a bad line may be dropped; not in model text, where
        # the front-end needs each document's end at once).
        if at is None:
            self._whole: tuple[str, ...] = ("{", "{[")
        else:
            self._whole = ("",) * (len(self._pointer.keys) + 1) + ("{[",)
        self._options["whole_values"] = self._whole
        self._options["whole_duplicates"] = True  # json.loads keeps the last, as _decode does
        self._options["hold_whole"] = 0 if extract else HOLD_LINE if self._recover else 1
        self._with_raw = with_raw
        # Keep the text of a scalar item cut by a chunk boundary (for raw text and recovery).
        self._keep_scalars = with_raw or self._recover
        self._count = 0  # items returned or reported bad so far: the next item's index
        self._error: ParseError | None = None
        self._bytes: bool | None = None  # is the stream bytes? (None until the first chunk)
        # feed may go straight to the tokenizer: a str stream, no error, not closed, no
        # front-end (extract=True) nor recovery wrapper (which feeds the core itself).
        self._ready = False
        self._front = extract or self._recover
        # While the tokenizer holds an item back (hold_whole; str streams), the chunks that
        # cannot end it (no closing bracket, no line end where that matters) are parked
        # here, up to _park_room characters (-1: not parking), and handed to the tokenizer
        # in one piece with the next chunk it must see.  It would only add them to what it
        # holds: parked, a chunk costs no call (most chunks are inside an item).
        self._park: list[str] = []
        self._park_room = -1
        self._park_closer = "}"  # the held item's closing bracket
        self._park_line = False  # a line end must not be held either (HOLD_LINE)
        self._restart(0, 0, 0)
        # on_error "skip"/"yield": the NDJSON recovery that wraps this core; feed and close
        # hand it their calls first (it has a fast path of its own).
        self._lines = _LineRecovery(self, on_error == "yield") if self._recover else None
        # extract=True: the front-end that finds the JSON in model text; feed and close hand
        # it their calls (see _extract).
        self._extract: Extractor | None = None
        if extract:
            self._options["stop_after_document"] = True
            self._tok.stop_after_document = True
            self._extract = Extractor(self, lambda: self._tok, multiple=True, detach=False)

    def _restart(self, pos: int, lines: int, byte_pos: int) -> None:
        """Start a fresh tokenizer at absolute position ``pos``, the start of a line."""
        # Tokenizer(**self._options) without a keyword call to the class, and without a
        # second check of the limits (__init__ checked them, before the pointer).
        options = self._options
        self._tok = Tokenizer.__new__(Tokenizer)
        self._tok._setup(
            multiple=options["multiple"],
            allow_nan=options["allow_nan"],
            max_depth=options["max_depth"],
            max_string=options["max_string"],
            max_buffer=options["max_buffer"],
            scan_documents=False,
            stop_after_document=options["stop_after_document"],
            whole_values=options["whole_values"],
            whole_duplicates=options["whole_duplicates"],
            hold_whole=options["hold_whole"],
            positions=True,
        )
        if pos:
            self._tok.strip_bom = False  # a U+FEFF after a bad line is text, as anywhere
        # The tokenizer counts from 0: this turns its positions into absolute ones.
        self._origin = (pos, lines, byte_pos)
        self._mode = M_WRAPPER
        self._depth = 0
        self._frames: list[list[Any]] = []
        self._start = 0  # where the open item began (tokenizer positions, as below)
        self._kept = _Kept()
        self._gap = 0  # end of the last token at item level (recovery looks after it)
        self._failure: _BadDocument | None = None  # the document an error broke (recovery)

    @property
    def _fast(self) -> bool:
        """Are the items read as whole values (tests turn it off: all tokens, the reference)?"""
        return bool(self._options["whole_values"])

    @_fast.setter
    def _fast(self, fast: bool) -> None:
        self._options["whole_values"] = self._tok.whole_values = self._whole if fast else ()

    # -- input ------------------------------------------------------------------------------

    def feed(self, chunk: str | bytes) -> list[Any]:
        """Split one more chunk; return the items it completes, in order."""
        if type(chunk) is str:
            if (
                (room := self._park_room - len(chunk)) >= 0
                and self._park_closer not in chunk
                and (not self._park_line or "\n" not in chunk)
            ):  # the usual chunk: inside an item held back (see _park)
                self._park.append(chunk)
                self._park_room = room  # (one attribute read less than -=)
                return []
            if self._ready:  # the usual case otherwise: see _ready
                return self._feed_ready(chunk)
        if self._lines is not None:  # on_error "skip"/"yield": the recovery takes it
            return self._lines.feed(chunk)
        return self._feed_other(chunk)

    def _feed_ready(self, chunk: str) -> list[Any]:
        """``feed`` of a str chunk straight to the tokenizer (``_ready``)."""
        tok = self._tok
        park = self._park
        if park:  # the parked chunks first, in one piece
            park.append(chunk)
            chunk = "".join(park)
            park.clear()
        # (A chunk inside a string gives no token: the Splitter needs none of its parts.)
        tokens: list[Any] = []
        tok.feed_into(chunk, tokens)
        held = tok._held
        if held is None:
            self._park_room = -1
        else:  # as _park_at (inlined: a call per item and per 256 characters held)
            self._park_room = held.room - held.length
            self._park_closer = held.closer
        if not tokens and not tok.last_text:
            return []  # the tokenizer holds it back (in an item not ended yet), or ""
        out: list[Any] = []
        try:
            self._take(tokens, out)
        except ParseError as err:
            self._error = err
            self._ready = False
            self._park_room = -1
            if not out:
                raise
        return out

    def _park_at(self, held: Any) -> None:
        """After a feed of the tokenizer: if it holds an item back (its ``_held``), park the
        chunks that cannot end it, as many characters as it would add to its held parts
        without packing them (so that it sees the same text in fewer pieces)."""
        if held is None:
            self._park_room = -1
        else:
            self._park_room = held.room - held.length
            self._park_closer = held.closer
            self._park_line = held.newline != held.closer

    def _unpark(self, chunk: str) -> str:
        """The parked text with ``chunk`` after it, for the tokenizer; parking stops."""
        self._park_room = -1
        if not self._park:
            return chunk
        text = "".join(self._park) + chunk
        self._park.clear()
        return text

    def _feed_other(self, chunk: Any) -> list[Any]:
        """``feed`` off the fast path: the first chunk, bytes, str subclasses, after an error
        or ``close()``, and the front-end (extract) that wraps this core."""
        if self._error is not None:
            raise self._error
        if self._closed:
            raise ValueError("Splitter.feed() after close()")
        if self._extract is not None:
            return self._extract.feed(chunk)
        out: list[Any] = []
        try:
            if type(chunk) is not str or self._bytes is not False:
                chunk = self._checked(chunk)
            if self._park_room >= 0:  # a str subclass inside an item held back
                chunk = self._unpark(chunk)
            self._real(chunk, out)
        except ParseError as err:
            self._error = err
            self._ready = False
            if not out:
                raise
        return out

    def _checked(self, chunk: Any) -> Any:
        """``chunk`` as ``str`` or bytes, the kind the first chunk set for the stream."""
        if type(chunk) is not str and isinstance(chunk, str):
            chunk = str(chunk)  # a str subclass is text
        if type(chunk) is str and not self._bytes:
            self._bytes = False
            self._ready = not self._front  # str chunks may go straight to the tokenizer
        elif isinstance(chunk, (bytes, bytearray, memoryview)) and self._bytes is not False:
            self._bytes = True
        elif isinstance(chunk, (str, bytes, bytearray, memoryview)):
            raise TypeError("cannot mix bytes and str chunks in one stream")
        else:
            raise TypeError(
                f"unspool expects str or bytes chunks, got {type(chunk).__name__}; "
                "for SDK stream objects use the adapters (unspool.openai, unspool.anthropic)"
            )
        return chunk

    def close(self) -> list[Any]:
        """End of input: return the last items, or raise if the text is truncated or bad."""
        if self._error is not None:
            raise self._error
        if self._lines is not None:
            return self._lines.close()
        if self._extract is not None:
            return self._extract.close()
        out: list[Any] = []
        self._closed = True
        self._ready = False
        try:
            self._close(out)
            msg = self._pointer.no_match()
            if msg is not None:
                tok = self._tok
                raise self._absolute(tok.error_at(ParseError, "no_match", msg, tok.consumed))
        except ParseError as err:
            self._error = err  # no call follows close(): raise even after items
            if isinstance(err, IncompleteJSONError):
                err.partial = out  # the items the end of input completed (a number)
            raise
        return out

    def _close(self, out: list[Any]) -> None:
        """End the tokenizer's input (what it held back first: its tokens say what is wrong)."""
        tok = self._tok
        if self._park_room >= 0:  # what feed parked first (the tokenizer only holds it too)
            tok.feed(self._unpark(""))
        tokens = tok.release()
        if tokens is not None:
            self._take(tokens, out)
        tokens = tok.finish()
        where = tok.expecting()  # after a number item the end of input completed
        if tokens:  # a number item completed by the end of input
            self._apply(tokens, "", tok.consumed, out)
        if tok.error is not None:
            self._failed(tok.error, where, "", tok.consumed)

    def _real(self, piece: str | bytes, out: list[Any]) -> None:
        """Feed ``piece`` to the tokenizer and split its tokens."""
        self._take(self._tok.feed(piece), out)

    def _take(self, tokens: list[tuple[Any, ...]], out: list[Any]) -> None:
        """Split the tokens of the tokenizer's last feed (of its ``last_text``)."""
        tok = self._tok
        text = tok.last_text
        base = tok.consumed - len(text)
        over = self._apply(tokens, text, base, out) if tokens else -1
        if over < 0 and self._mode == M_ITEM and tok.consumed - self._start > self._max_kept:
            over = self._start + self._max_kept  # the open item is too long already
        err = tok.error
        if over >= 0 and (err is None or err.pos > over):
            msg = f"item longer than {self._max_kept} characters (max_buffer, max_string)"
            err = tok.error_at(LimitExceeded, "max_buffer", msg, over)
        if err is not None:
            self._failed(err, tok.expecting(), text, base)
        self._keep(text, base)

    # -- tokens -----------------------------------------------------------------------------

    def _apply(
        self,
        tokens: list[tuple[Any, ...]],
        text: str,
        base: int,
        out: list[Any],
    ) -> int:
        """Walk tokens; ``text`` is the chunk they came from, starting at position ``base``.

        Returns -1, or where an item longer than ``_max_kept`` passed it (and stops there).
        Inside an item or a skipped value only the depth counts; ``_wrapper_token`` takes
        the tokens between items.
        """
        mode = self._mode
        depth = self._depth
        for token in tokens:
            kind = token[0]
            if mode >= M_SKIP:
                if kind in _ENDS:
                    depth -= 1
                    if not depth:
                        if mode == M_ITEM:
                            end = token[1] + 1
                            if end - self._start > self._max_kept:
                                self._mode = mode  # the error is the item's
                                return self._start + self._max_kept
                            self._emit_text(end, text, base, out)
                        mode = M_WRAPPER
                elif kind in _BEGINS:
                    depth += 1
            elif mode == M_STRING:
                if kind == T_STRING_END:
                    mode = M_WRAPPER
                    self._emit_text(token[2], text, base, out)
            else:
                mode = self._wrapper_token(token, text, base, out)
                depth = 1  # counts only if the token began a container (M_SKIP, M_ITEM)
        self._mode = mode
        self._depth = depth
        return -1

    def _wrapper_token(self, token: tuple[Any, ...], text: str, base: int, out: list[Any]) -> int:
        """A token while no item is open; returns the mode to go on in."""
        kind = token[0]
        frames = self._frames
        pointer = self._pointer
        if kind == T_KEY:
            frame = frames[-1]
            frame[2] = token[1]
            if not pointer.matched and len(frame[3]) <= _SHOWN_KEYS:
                frame[3].append(token[1])  # for the error if nothing matches
            return M_WRAPPER
        if kind in _ENDS:
            frame = frames.pop()
            self._gap = token[1] + 1
            if not pointer.matched:
                pointer.note_container(frame, len(frames))
            return M_WRAPPER
        if kind in (T_STRING_PART, T_STRING_END):
            return M_WRAPPER  # the rest of a string that is not an item
        # A value begins: an item, or a value around or beside the items?
        container = kind in _BEGINS
        if frames:
            frame = frames[-1]
            if frame[1]:
                frame[2] += 1  # the index of the element that begins
            item = frame[0] == F_TARGET
        else:
            item = pointer.auto and kind != T_BEGIN_ARRAY
        if not item:
            if container:
                return self._enter(kind, token[1])
            # (A whole value is an item: the tokenizer reads whole only the items' depth.)
            if not pointer.matched and pointer.on_path(frames):
                pointer.note_scalar(token, len(frames))
            return M_WRAPPER
        if container:
            self._start = token[1]
            return M_ITEM
        if kind == T_STRING_START:
            self._start = token[2]
            return M_STRING
        # T_SCALAR, T_STRING, T_WHOLE: complete already
        end = token[3]
        raw = self._kept.take(token[2], end, text, base) if self._with_raw else ""
        self._emit(token[1], raw, out)
        self._gap = end
        return M_WRAPPER

    def _enter(self, kind: int, pos: int) -> int:
        """A container that is not an item begins at ``pos``: push a frame if it is on the
        pointer's path; return the mode to go on in."""
        frames = self._frames
        pointer = self._pointer
        level = len(frames)  # the pointer segments above it
        if not pointer.on_path(frames):
            return M_SKIP
        if level < len(pointer.keys):
            frames.append([F_PATH, kind == T_BEGIN_ARRAY, -1, []])
        elif kind == T_BEGIN_ARRAY:
            frames.append([F_TARGET, True, -1, []])
            self._gap = pos + 1
            pointer.matched = True
        else:
            if not pointer.matched:
                pointer.missed = (level + 1, f"{pointer.where(level)} is an object, not an array")
            return M_SKIP
        return M_WRAPPER

    def _emit_text(self, end: int, text: str, base: int, out: list[Any]) -> None:
        """The open item's text ended at ``end`` (in ``text``, at ``base``): return its value."""
        raw = self._kept.take(self._start, end, text, base)
        self._emit(_decode(raw), raw, out)
        self._gap = end

    def _emit(self, value: Any, raw: str, out: list[Any]) -> None:
        out.append((self._count, value, raw) if self._with_raw else value)
        self._count += 1

    def _keep(self, text: str, base: int) -> None:
        """After a chunk: keep the text of what is open at item level, drop the rest."""
        mode = self._mode
        kept = self._kept
        if mode in (M_ITEM, M_STRING):
            start = self._start
        elif (
            self._keep_scalars
            and mode == M_WRAPPER
            and self._tok.in_scalar()
            and (self._frames[-1][0] == F_TARGET if self._frames else self._pointer.auto)
        ):
            # A scalar item was cut: keep the text after the last token at item level.
            start = self._gap
            if start < base:
                start = kept.start if kept.buffer.length else base
        else:
            if kept.buffer.length:
                kept.buffer = TextBuffer()
            return
        kept.keep(start, text, base)

    # -- errors -----------------------------------------------------------------------------

    def _absolute(self, err: ParseError) -> ParseError:
        """``err`` with the tokenizer's positions made absolute (it counts from ``_origin``)."""
        pos, lines, byte_pos = self._origin
        err.pos += pos
        err.lineno += lines
        if err.byte_pos is not None:
            err.byte_pos += byte_pos
        return err

    def _failed(self, err: ParseError, where: int, text: str, base: int) -> NoReturn:
        """The tokenizer failed in ``text`` (at ``base``; ``where`` is its ``expecting()``):
        raise its error with absolute positions, the item's index, and the path and item it
        broke -- or, for a document ``_LineRecovery`` may drop, with what it needs in
        ``_failure``."""
        rel = err.pos  # the error's position as the tokenizer counts
        self._absolute(err)
        err.index = self._count
        if self._recover and not self._frames and err.kind != "invalid_utf8":
            self._failure = self._bad_document(rel, text, base)
        else:
            err.path = self._path(where)
            if self._in_item(where):
                err.msg += f" (item {self._count})"
        err.args = (err.msg, err.pos)
        raise err

    def _bad_document(self, rel: int, text: str, base: int) -> _BadDocument:
        """The document an error at ``rel`` broke, ``text`` (at ``base``) the last text fed."""
        pstart, whole = self._kept.whole(text, base)
        end = pstart + len(whole)
        if self._mode == M_ITEM or self._mode == M_STRING:
            start = self._start
        else:  # the bad item begins at the first non-space after the last good one
            m = _NON_WS.search(whole, max(self._gap, pstart) - pstart)
            start = pstart + m.start() if m is not None else rel
        rel = max(pstart, min(rel, end))
        start = max(pstart, min(start, rel))
        origin = self._origin[0]
        return _BadDocument(start + origin, rel + origin, whole, start - pstart)

    def _in_item(self, where: int) -> bool:
        """Is the tokenizer inside an item, or where the next item begins (``where`` is its
        ``expecting()``)?

        An error elsewhere -- in the wrapper around the items, in a value off the pointer's
        path, between two items -- names no item: its path says where it is.
        """
        if self._mode != M_WRAPPER:
            return self._mode != M_SKIP
        if not self._frames:  # between documents: with at=None each document is an item
            return self._pointer.auto
        return self._frames[-1][0] == F_TARGET and where == E_VALUE

    def _path(self, where: int) -> Path:
        """The JSON path being parsed: the wrapper's keys and indexes (and the item's).

        In a wrapper, as the Parser's (``error_path``): ``where`` (the tokenizer's
        ``expecting()``) says whether the error concerns the value at the innermost slot, the
        next element, or the next key.
        """
        path = [frame[2] for frame in self._frames]
        if path and self._mode == M_WRAPPER:
            next_index = path[-1] + 1 if self._frames[-1][1] else None
            path = list(error_path(path, next_index, where))
        return tuple(slot for slot in path if slot != -1)


# -- NDJSON error recovery ----------------------------------------------------------------------


class _Discard:
    """A bad NDJSON line being dropped (``on_error`` "skip" / "yield"), up to its line end."""

    def __init__(self, pos: int, line: int, error: ParseError, limit: int) -> None:
        self.pos = pos  # where the bad item began (absolute)
        self.line = line  # its line number
        self.error = error
        self.raw = TextBuffer()  # its text so far, up to ``limit`` characters
        self.limit = limit
        self.at = pos  # absolute character position of the next character to come
        self.byte_at = 0  # the same in bytes (bytes streams)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")  # bytes streams

    def add(self, text: str, i: int = 0, end: int = -1) -> None:
        """More text of the bad line, ``text[i:end]``: kept up to the limit, counted always."""
        if end < 0:
            end = len(text)
        self.at += end - i
        room = self.limit - self.raw.length
        if room > 0:
            self.raw.append(text[i : min(end, i + room)])


class _LineRecovery:
    """NDJSON error recovery (``on_error`` "skip" / "yield") around a ``Splitter`` core.

    The core raises on a bad document, as with ``on_error="raise"``, leaving in ``_failure``
    where the document began and the text from there on.  This drops the document's line
    (the rest of it as later chunks bring it: ``_Discard``), reports it -- an ``ItemError`` in
    its place, or a warning on the ``unspool`` logger -- and restarts the core at the start
    of the next line, with positions kept absolute, then replays the text after that line
    end.  The core's ``feed`` and ``close`` hand it their calls (off their fast path).
    """

    def __init__(self, core: Splitter, yield_errors: bool) -> None:
        self._core = core
        self._yield = yield_errors
        self._discard: _Discard | None = None
        self._utf8 = codecs.getincrementaldecoder("utf-8")()  # bytes read (runs, below)

    def feed(self, chunk: str | bytes) -> list[Any]:
        """``Splitter.feed`` with bad lines dropped."""
        core = self._core
        if core._error is not None:
            raise core._error
        if core._closed:
            raise ValueError("Splitter.feed() after close()")
        out: list[Any] = []
        try:
            if type(chunk) is not str or core._bytes is not False:
                chunk = core._checked(chunk)
            if type(chunk) is str:
                if core._park:  # what Splitter.feed parked goes first
                    chunk = core._unpark(chunk)
                self._feed_text(chunk, out, False)
                core._park_at(core._tok._held if self._discard is None else None)
            else:
                self._feed_bytes(chunk, out)
        except ParseError as err:
            core._error = err
            core._park_room = -1
            if not out:
                raise
        return out

    def close(self) -> list[Any]:
        """``Splitter.close`` with bad lines dropped (an unterminated last line too; no error
        stored)."""
        core = self._core
        out: list[Any] = []
        core._closed = True
        try:
            while self._discard is None:
                try:
                    core._close(out)
                    break
                except ParseError as err:
                    self._feed_text(self._recover(err, out), out, core._bytes is True)
            else:
                self._dropped(out)  # the bad line runs to the end
        except ParseError as err:
            core._error = err  # no call follows close(): raise even after items
            if isinstance(err, IncompleteJSONError):
                err.partial = out  # the items the end of input completed (a number)
            raise
        return out

    def _feed_text(self, text: str, out: list[Any], encode: bool) -> None:
        """Split ``text``; with ``encode``, feed it as UTF-8 (a bytes stream's replay)."""
        core = self._core
        while text:
            if self._discard is not None:
                text = self._discarding(text, out, encode)
                continue
            try:
                core._real(text.encode() if encode else text, out)
                return
            except ParseError as err:
                text = self._recover(err, out)

    def _recover(self, err: ParseError, out: list[Any]) -> str:
        """The core raised ``err``: drop the bad document's line (re-raise if it broke no
        document); return the text after the line end, to split next."""
        bad = self._core._failure
        if bad is None:
            raise err  # inside an array, invalid UTF-8: nothing says where it ends
        text, first = bad.text, bad.first
        line = err.lineno - text.count("\n", first, first + bad.pos - bad.start)
        discard = _Discard(bad.start, line, err, self._core._max_kept)
        encode = err.byte_pos is not None  # a bytes stream
        if err.byte_pos is not None:
            head = text[first : first + bad.pos - bad.start]
            discard.byte_at = err.byte_pos - len(head.encode())
        self._discard = discard
        return self._discarding(text, out, encode, first)

    def _discarding(self, text: str, out: list[Any], encode: bool, i: int = 0) -> str:
        """Drop the bad line's text in ``text[i:]``; return the text after its line end."""
        discard = self._discard
        assert discard is not None
        q = text.find("\n", i)
        end = len(text) if q < 0 else q
        discard.add(text, i, end)
        if encode:
            discard.byte_at += len(text[i:end].encode())
        if q < 0:
            return ""
        self._dropped(out)
        return text[q + 1 :]

    def _dropped(self, out: list[Any]) -> None:
        """The bad line being dropped ended (at a newline, or at the end of the stream):
        report it, and restart the core at the next line."""
        discard = self._discard
        assert discard is not None
        self._discard = None
        core = self._core
        index = core._count
        core._count += 1
        err = discard.error
        err.index = index
        raw = discard.raw.text().removesuffix("\r")
        if self._yield:
            out.append(ItemError(index, discard.pos, raw, err))
        else:  # logging is imported only here: the core imports no logging
            import logging

            logging.getLogger("unspool").warning(
                "skipped bad item %d on line %d: %s; its text: %r", index, discard.line, err, raw
            )
        core._restart(discard.at + 1, discard.line, discard.byte_at + 1)

    # -- bytes streams ----------------------------------------------------------------------

    def _feed_bytes(self, chunk: Any, out: list[Any]) -> None:
        runs = self._utf8_runs(bytes(chunk))
        cut = self._utf8.getstate()[0]  # the bytes of a character cut at the chunk's end
        for k, run in enumerate(runs):
            self._feed_run(run, out, cut if k == len(runs) - 1 else b"")

    def _utf8_runs(self, data: bytes) -> list[bytes]:
        """``data`` cut before each invalid UTF-8 sequence.

        A recovery replays the text the tokenizer decoded, which ends before an invalid
        sequence: so each run after the first begins with one, for the tokenizer (which
        raises) or the line being dropped (which keeps it as U+FFFD).
        """
        check = self._utf8
        held = len(check.getstate()[0])  # bytes of a character cut by the last chunk
        cuts = [0]
        pos = 0
        while True:
            try:
                check.decode(data[pos:] if pos else data)
                break
            except UnicodeDecodeError as exc:
                check.reset()
                cuts.append(max(cuts[-1], pos + exc.start - held))
                pos = max(pos, pos + exc.end - held)
                held = 0
        cuts.append(len(data))
        return [data[a:b] for a, b in itertools.pairwise(cuts) if b > a]

    def _feed_run(self, data: bytes, out: list[Any], cut: bytes) -> None:
        """Split a run of a bytes chunk (``_utf8_runs``) that ends with ``cut``, the bytes of
        a character the next chunk completes."""
        discard = self._discard
        if discard is not None:
            q = data.find(b"\n")
            text = discard.decoder.decode(data if q < 0 else data[:q], final=q >= 0)
            discard.add(text)
            if q < 0:
                discard.byte_at += len(data)
                return
            discard.byte_at += q
            self._dropped(out)
            data = data[q + 1 :]
            if not data:
                return
        core = self._core
        tok = core._tok
        try:
            core._real(data, out)
        except ParseError as err:  # replay the rest of the chunk's text after a recovery
            self._feed_text(self._recover(err, out), out, True)
        if cut and (core._tok is not tok or self._discard is not None):
            # A recovery dropped the tokenizer that held ``cut``: pass it on.
            if self._discard is not None:
                self._discard.decoder.decode(cut)
                self._discard.byte_at += len(cut)
            else:
                core._tok.feed(cut)
