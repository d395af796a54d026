"""The item splitter: every item of a root array, of the arrays a JSON Pointer picks, or of a
stream of documents (NDJSON), returned by the very ``feed`` that delivers its last character.

``Splitter`` sits on ``Tokenizer`` (which owns every syntax rule) and walks its tokens with a
little state: the wrapper containers on the pointer's path (``_frames``), and, inside a
value, only a depth.  Items are never built from tokens: the text of a completed item is
handed to the stdlib's C JSON scanner, which is exact (types, big ints, ``-0.0``, surrogate
pairs) and much faster than assembling values in Python.

How it keeps its rules:

Rule 1 (one grammar).  Every character of the stream is checked by the tokenizer, or -- on
the fast path below -- by the C scanner under conditions that make it agree with the
tokenizer exactly; nothing here decides what valid JSON is.

Rule 2 (timely).  An item is returned by the ``feed`` whose chunk holds its last character
(for a number, the delimiter after it).

Rule 3 (bounded memory).  Only the open item's text is kept (``_parts`` or ``_held``), plus
at most ``_FLUSH_MAX`` characters of placeholders not yet fed; returned items and consumed
text are dropped.

Rule 4 (errors).  The first error is raised after every item before it was returned: when a
feed completes items and then meets an error, it returns the items and the next call raises.
The error carries ``index``, the number of the item it broke (or of the next item).  For
NDJSON, ``on_error="skip"`` / ``"yield"`` drop the bad line and restart a fresh tokenizer at
the next line, keeping positions absolute.

Fast path (``str`` chunks only; bytes go through the tokenizer).  Between items, when the
next item is an object or array, the splitter does not tokenize it: it holds its text and
asks the C scanner for the whole item whenever a chunk brings the item's closing bracket.
On success the item is returned and the tokenizer is later fed, in its place, a placeholder
of the same length with the same newlines (``{`` spaces ``}``): so the tokenizer still
checks every separator and the wrapper around the items, and its positions, lines and
columns stay exact.  The scanner agrees with the tokenizer exactly when NaN and Infinity are
refused as the tokenizer refuses them (``_scan_strict``) and the item is within
``max_string`` and ``max_depth`` (checked before a result is used).  Anything else -- a scan
that fails, a limit, more than ``_ATTEMPTS_MAX`` failed scans or ``_HOLD_MAX`` characters --
hands the held text to the tokenizer, which decides and reports errors as without the fast
path.  One difference shows: an error inside a held item is found when a chunk brings a
closing bracket (at the latest after ``_HOLD_MAX`` characters, or at ``close()``) rather
than by the chunk that holds it; items and errors are the same.
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import re
from typing import Any

from ._errors import ParseError
from ._events import ItemError
from ._path import Path
from ._tokenizer import (
    DEFAULT_MAX_BUFFER,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING,
    S_AFTER_DOCUMENT,
    S_COMMA_OR_CLOSE,
    S_IN_LITERAL,
    S_IN_NUMBER,
    S_VALUE,
    S_VALUE_OR_CLOSE,
    T_BEGIN_ARRAY,
    T_BEGIN_OBJECT,
    T_END_ARRAY,
    T_END_OBJECT,
    T_KEY,
    T_STRING_END,
    T_STRING_PART,
    T_STRING_START,
    Tokenizer,
)

# What the tokens of the token loop belong to.
M_WRAPPER = 0  # no item is open: on the pointer's path, or between documents
M_SKIP = 1  # inside a value off the pointer's path (or a fast item's placeholder): depth only
M_ITEM = 2  # inside an item container: depth only; its text is kept in _parts
M_STRING = 3  # inside a string item that a chunk boundary cut; its text is kept in _parts

# The role of a wrapper container (one frame per open container on the pointer's path).
F_PATH = 0  # on the pointer's path, above the target
F_TARGET = 1  # the array whose elements are the items
# A frame is [role, is_array, slot]: slot is the current key, or the current element's index.

WILD = "*"  # a pointer segment that matches any key or index

_ON_ERROR = ("raise", "skip", "yield")
_HOLD_MAX = 1 << 16  # held characters beyond which an item goes through the tokenizer
_ATTEMPTS_MAX = 16  # failed C scans of one held item before it goes through the tokenizer
_STEP = 4096  # real feeds of big chunks are cut so that the fast path can take over
_FLUSH_MAX = 4096  # pending masked characters beyond which the tokenizer is fed

# Tokenizer states between items, where the fast path may take the next one.
_ITEM_STATES = (S_VALUE, S_VALUE_OR_CLOSE, S_COMMA_OR_CLOSE)
_DOCUMENT_STATES = (S_VALUE, S_AFTER_DOCUMENT, S_COMMA_OR_CLOSE)  # the last: see _hold_more
_BEGINS = (T_BEGIN_OBJECT, T_BEGIN_ARRAY)
_ENDS = (T_END_OBJECT, T_END_ARRAY)
_WS = re.compile(r"[ \t\r\n]*")
_COMMA = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_NON_WS = re.compile(r"[^ \t\r\n]")
_CUT_TAIL = re.compile(r"[-+.\\0-9a-zA-Z]*")  # see _maybe_incomplete


class _Refused(Exception):
    """NaN or Infinity met by the fast path's scanner when the tokenizer refuses them."""


def _refuse(name: str) -> Any:
    raise _Refused(name)


# The scanner that decodes completed, already checked item text (NaN allowed: if it is there,
# the tokenizer accepted it), and the one the fast path checks with when NaN is refused.
_scan_any = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_scan_strict = json.scanner.make_scanner(
    json.JSONDecoder(parse_constant=_refuse)  # type: ignore[arg-type]
)


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


def _placeholder(s: str, j: int, e: int) -> str:
    """An empty container as long as ``s[j:e]``, with its newlines where they were."""
    if s.find("\n", j, e) < 0:
        return s[j] + " " * (e - j - 2) + s[e - 1]
    inner = s[j + 1 : e - 1].split("\n")
    return s[j] + "\n".join(" " * len(line) for line in inner) + s[e - 1]


def _maybe_incomplete(exc: BaseException, text: str) -> bool:
    """Could more text complete ``text``, on which a scan failed like this?

    Only speed and how soon an error shows depend on the answer, never a result: a held item
    is scanned again when more text brings its closing bracket, and one the scanner keeps
    refusing goes through the tokenizer.  Yes when the scan ran into the end of the text: an
    unterminated string, or a failure in a run of letters, digits and escape characters that
    reaches the end (a cut number, literal or escape).
    """
    if isinstance(exc, StopIteration):
        pos = exc.value
    elif isinstance(exc, json.JSONDecodeError):
        if exc.msg.startswith("Unterminated string"):
            return True
        pos = exc.pos
    else:
        return False
    return len(text) - pos <= 12 and _CUT_TAIL.fullmatch(text, pos) is not None


def _decode(raw: str) -> Any:
    """The value of a completed item's text (checked by the tokenizer)."""
    try:
        return _scan_any(raw, 0)[0]
    except RecursionError:
        return _build(raw)


def _build(raw: str) -> Any:
    """Assemble a value from tokens without recursion (for items nested too deep for json)."""
    tokenizer = Tokenizer(allow_nan=True, max_depth=None, max_string=len(raw) + 1)
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


def _held_utf8(tail: bytes) -> bytes:
    """The unfinished UTF-8 sequence at the end of a valid byte stream (its last bytes)."""
    for k in range(1, min(3, len(tail)) + 1):
        b = tail[-k]
        if b >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return tail[-k:] if k < need else b""
        if b < 0x80:
            return b""
    return b""


class _Discard:
    """A bad NDJSON line whose end has not arrived yet (``on_error`` "skip" / "yield")."""

    def __init__(self, pos: int, line: int, error: ParseError, raw: str, at: int) -> None:
        self.pos = pos  # where the bad item began (absolute)
        self.line = line  # its line number
        self.error = error
        self.raw = [raw]  # its text so far
        self.at = at  # absolute character position of the next character to come
        self.byte_at = 0  # the same in bytes (bytes streams)
        self.decoder: codecs.IncrementalDecoder | None = None  # bytes streams


class Splitter:
    """Return each item of a JSON stream the moment its last character arrives.

    ``at`` is a JSON Pointer to the array whose elements are the items (``"/items"``,
    ``"/sections/*/paragraphs"``, ``*`` matching any key or index; ``""`` is the root array),
    applied to every top-level document of the stream (a key that is literally ``*`` cannot be
    named).  A value at the pointer that is not an array gives no items.  ``at=None`` decides
    per document, at its first character: a document that is an array gives its elements, any
    other document is itself an item -- so a root array, NDJSON and back-to-back documents all
    work.

    ``feed(chunk)`` takes ``str`` or UTF-8 ``bytes`` (split anywhere, never mixed) and returns
    the items it completes, in order; ``close()`` returns the last ones.  (``str`` chunks take
    a fast path -- see the module docstring -- that bytes do not.)  Items are plain
    values equal to ``json.loads`` of their text.  With ``with_raw=True`` each item is instead
    a tuple ``(index, value, raw_text)`` (what a validating layer needs to report a bad item).

    Errors: with ``on_error="raise"`` (the default) a ``ParseError`` is raised after every
    item before it was returned; it carries ``index``, the number of the item being parsed.
    For NDJSON -- a top-level document with ``at=None``, not an element of a root array --
    ``on_error="skip"`` drops the bad item's line (logging a warning on the ``unspool``
    logger with its line number and text) and ``on_error="yield"`` returns an
    ``ItemError(index, pos, raw, error)`` in its place; either way parsing resumes at the
    start of the line after the one the bad item began on, with a fresh tokenizer.  (So an
    unterminated line does not take the next one with it; recovery is line-based, meant for
    one document per line.)  A syntax error inside an array cannot be recovered -- nothing
    says where the broken element ends -- so it raises whatever ``on_error`` says; invalid
    UTF-8 raises too.

    ``allow_nan``, ``max_depth``, ``max_string`` and ``max_buffer`` are the tokenizer's.
    """

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
    ) -> None:
        if on_error not in _ON_ERROR:
            raise ValueError(f"on_error must be 'raise', 'skip' or 'yield', got {on_error!r}")
        self._auto = at is None  # no pointer: each document decides at its first character
        self._keys: list[str] = []
        self._indexes: list[int | None] = []
        if at is not None:
            self._keys, self._indexes = _parse_pointer(at)
        self._options: dict[str, Any] = {
            "multiple": True,
            "allow_nan": allow_nan,
            "max_depth": max_depth,
            "max_string": max_string,
            "max_buffer": max_buffer,
        }
        self._max_depth = max_depth if max_depth is not None else 1 << 62
        self._max_string = max_string
        self._on_error = on_error
        self._with_raw = with_raw
        # Keep the text of a scalar item cut by a chunk boundary (for raw text and recovery).
        self._keep_gap = with_raw or on_error != "raise"
        self._scan = _scan_any if allow_nan else _scan_strict
        self._count = 0  # items returned or reported bad so far: the next item's index
        self._error: ParseError | None = None
        self._fast = True  # str chunks may take the fast path (tests turn it off)
        self._bytes: bool | None = None  # is the stream bytes? (None until the first chunk)
        self._tail = b""  # a bytes stream's last bytes (recovery restarts need them)
        self._discard: _Discard | None = None
        self._restart(0, 0, 0)

    def _restart(self, pos: int, lines: int, byte_pos: int) -> None:
        """Start a fresh tokenizer at absolute position ``pos``, the start of a line."""
        self._tok = Tokenizer(**self._options)
        # The tokenizer counts from 0: these turn its positions into absolute ones.
        self._off = pos
        self._line_off = lines
        self._byte_off = byte_pos
        self._mode = M_WRAPPER
        self._depth = 0
        self._frames: list[list[Any]] = []
        self._start = 0  # where the open item began (tokenizer positions, as below)
        self._parts: list[str] = []  # text from _pstart to the end of the last chunk fed
        self._pstart = 0
        self._gap = 0  # end of the last token at item level (recovery looks after it)
        self._held: list[str] | None = None  # fast path: the open item's text, not yet fed
        self._held_len = 0
        self._held_pos = 0
        self._closer = ""
        self._attempts = 0
        self._slow = False  # the next container item goes through the tokenizer
        self._pending: list[str] = []  # fast path: masked text the tokenizer has not seen
        self._pending_len = 0
        self._pending_state = S_VALUE  # the tokenizer's state once it has seen _pending

    # -- input ------------------------------------------------------------------------------

    def feed(self, chunk: str | bytes) -> list[Any]:
        """Split one more chunk; return the items it completes, in order."""
        held = self._held
        if held is not None and type(chunk) is str and self._closer not in chunk:
            # Inside a held item, a chunk without its closing bracket cannot complete it.
            n = self._held_len + len(chunk)
            if n <= _HOLD_MAX:
                held.append(chunk)
                self._held_len = n
                return []
        if self._error is not None:
            raise self._error
        out: list[Any] = []
        try:
            if type(chunk) is str and self._bytes is not True:
                self._bytes = False
                self._feed_text(chunk, 0, out, False)
            else:
                self._feed_bytes(chunk, out)
        except ParseError as err:
            self._error = err
            self._held = None
            if not out:
                raise
        return out

    def close(self) -> list[Any]:
        """End of input: return the last items, or raise if the text is truncated or bad."""
        if self._error is not None:
            raise self._error
        out: list[Any] = []
        try:
            self._close(out)
        except ParseError as err:
            self._error = err
            if not out:
                raise
        return out

    def _close(self, out: list[Any]) -> None:
        self._fast = False  # what is left goes through the tokenizer
        discard = self._discard
        if discard is not None:
            self._discard = None
            self._bad(discard.pos, "".join(discard.raw), discard.error, discard.line, out)
            return
        if self._pending:
            self._flush(out)
        if self._held is not None:  # an unfinished item: the tokenizer says what is wrong
            text = "".join(self._held)
            self._held = None
            self._slow = True
            self._feed_text(text, 0, out, False)
        while True:
            tok = self._tok
            try:
                tokens = tok.close()
            except ParseError as err:
                resume = self._failed(err, "", tok.consumed, out)
                if resume is not None:
                    self._feed_text(resume[0], 0, out, self._bytes is True)
                if self._discard is not None:  # the bad item runs to the end
                    self._close(out)
                    return
                continue
            if tokens:
                self._apply(tokens, "", tok.consumed, out, False)
            return

    def _feed_bytes(self, chunk: Any, out: list[Any]) -> None:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            if isinstance(chunk, str):
                raise TypeError("cannot mix bytes and str chunks in one stream")
            raise TypeError(
                f"unspool expects str or bytes chunks, got {type(chunk).__name__}; "
                "for SDK stream objects use the adapters (unspool.openai, unspool.anthropic)"
            )
        if self._bytes is False:
            raise TypeError("cannot mix bytes and str chunks in one stream")
        self._bytes = True
        data = bytes(chunk)
        if self._on_error != "raise":
            self._tail = (self._tail + data)[-3:] if len(data) < 3 else data[-3:]
        discard = self._discard
        if discard is not None:
            q = data.find(b"\n")
            if discard.decoder is None:
                discard.decoder = codecs.getincrementaldecoder("utf-8")("replace")
            text = discard.decoder.decode(data if q < 0 else data[:q])
            discard.raw.append(text)
            discard.at += len(text)
            if q < 0:
                discard.byte_at += len(data)
                return
            text = discard.decoder.decode(b"", final=True)
            discard.raw.append(text)
            self._discard = None
            raw = "".join(discard.raw).removesuffix("\r")
            self._bad(discard.pos, raw, discard.error, discard.line, out)
            self._restart(discard.at + len(text) + 1, discard.line, discard.byte_at + q + 1)
            data = data[q + 1 :]
            if not data:
                return
        tok = self._tok
        resume = self._real(data, out)
        if resume is not None:  # replay the rest of the chunk's text after a recovery
            self._feed_text(resume[0] + tok.last_text[resume[1] :], 0, out, True)
        if self._tok is not tok or self._discard is not None:
            # A recovery dropped the tokenizer that held the bytes of a character cut at the
            # end of this chunk: pass them on.
            held = _held_utf8(self._tail)
            if held and self._discard is not None:
                self._discard.decoder.decode(held)  # type: ignore[union-attr]
                self._discard.byte_at += len(held)
            elif held:
                self._tok.feed(held)

    def _feed_text(self, text: str, i: int, out: list[Any], encode: bool) -> None:
        """Split ``text[i:]``; with ``encode``, feed it as UTF-8 (a bytes stream's replay)."""
        n = len(text)
        fast = self._fast and not encode
        while i < n:
            if self._discard is not None:
                i = self._discarding(text, i, out, encode)
                continue
            if self._held is not None:
                held = self._hold_more(text, i, out)
                if isinstance(held, int):
                    i = held
                else:  # the held item goes through the tokenizer after all
                    text, i, n = held, 0, len(held)
                continue
            if fast and self._mode == M_WRAPPER and not self._slow:
                k = self._locate(text, i, out)
                if k != i:
                    i = k
                    continue
            k = self._real_end(text, i) if fast else n
            piece = text[i:k] if i or k < n else text
            resume = self._real(piece.encode() if encode else piece, out)
            if resume is None:
                i = k
            elif resume[0]:  # the replay begins before this piece
                text = resume[0] + text[i + resume[1] :]
                i, n = 0, len(text)
            else:
                i += resume[1]

    def _real(self, piece: str | bytes, out: list[Any]) -> tuple[str, int] | None:
        """Feed ``piece`` to the tokenizer and split its tokens.

        Returns None, or after an NDJSON recovery ``(prefix, i)``: go on with ``prefix`` (text
        before this piece) followed by the piece from index ``i``.
        """
        if self._pending:
            self._flush(out)
        tok = self._tok
        tokens = tok.feed(piece)
        text = tok.last_text
        base = tok.consumed - len(text)
        if tokens:
            self._apply(tokens, text, base, out, False)
        if tok.error is not None:
            return self._failed(tok.error, text, base, out)
        self._keep(text, base)
        return None

    def _real_end(self, text: str, i: int) -> int:
        """Where the next real piece of a ``str`` chunk should end."""
        n = len(text)
        if n - i <= _STEP:
            return n
        if self._mode != M_ITEM:
            return i + _STEP
        # An item is open: find its end with the C scanner so that the fast path can take
        # over right after it (the tokenizer still checks the item).
        base = self._tok.consumed - i
        try:
            if self._start >= base:
                return int(_scan_any(text, self._start - base)[1])
            if not self._parts or sum(map(len, self._parts)) > 4 * (n - i):
                return n
            head = "".join(self._parts)
            end = int(_scan_any(head + text[i:], self._start - self._pstart)[1])
            return i + end - len(head)
        except (StopIteration, ValueError, RecursionError):
            return n

    # -- tokens -----------------------------------------------------------------------------

    def _apply(
        self,
        tokens: list[tuple[Any, ...]],
        text: str,
        base: int,
        out: list[Any],
        masked: bool,
    ) -> None:
        """Walk tokens; ``text`` is the chunk they came from, starting at position ``base``.

        ``masked``: the text is the fast path's, where every container item is a placeholder.
        """
        mode = self._mode
        depth = self._depth
        frames = self._frames
        for token in tokens:
            kind = token[0]
            if mode == M_ITEM:
                if kind in _ENDS:
                    depth -= 1
                    if depth == 0:
                        mode = M_WRAPPER
                        end = token[1] + 1
                        raw = self._text(self._start, end, text, base)
                        self._emit(_decode(raw), raw, out)
                        self._gap = end
                        self._slow = False
                elif kind in _BEGINS:
                    depth += 1
                continue
            if mode == M_SKIP:
                if kind in _ENDS:
                    depth -= 1
                    if depth == 0:
                        mode = M_WRAPPER
                elif kind in _BEGINS:
                    depth += 1
                continue
            if mode == M_STRING:
                if kind == T_STRING_END:
                    mode = M_WRAPPER
                    end = token[2]
                    raw = self._text(self._start, end, text, base)
                    self._emit(_decode(raw), raw, out)
                    self._gap = end
                continue
            # M_WRAPPER
            if kind == T_KEY:
                frames[-1][2] = token[1]
                continue
            if kind in _ENDS:
                frames.pop()
                self._gap = token[1] + 1
                continue
            if kind in (T_STRING_PART, T_STRING_END):
                continue  # the rest of a string that is not an item
            # A value begins: an item, a container on the pointer's path, or neither?
            container = kind in _BEGINS
            if frames:
                frame = frames[-1]
                if frame[1]:
                    frame[2] += 1
                if frame[0] != F_TARGET:
                    if not container:
                        continue
                    d = len(frames) - 1
                    key = self._keys[d]
                    if key != WILD and (
                        self._indexes[d] != frame[2] if frame[1] else key != frame[2]
                    ):
                        mode = M_SKIP
                        depth = 1
                    elif d + 1 < len(self._keys):
                        frames.append([F_PATH, kind == T_BEGIN_ARRAY, -1])
                    elif kind == T_BEGIN_ARRAY:
                        frames.append([F_TARGET, True, -1])
                        self._gap = token[1] + 1
                    else:
                        mode = M_SKIP
                        depth = 1
                    continue
            elif self._auto:  # a document: an item unless it is an array
                if kind == T_BEGIN_ARRAY:
                    frames.append([F_TARGET, True, -1])
                    self._gap = token[1] + 1
                    continue
            else:  # a document, with a pointer
                if not container:
                    continue
                if not self._keys:
                    if kind == T_BEGIN_ARRAY:
                        frames.append([F_TARGET, True, -1])
                        self._gap = token[1] + 1
                    else:
                        mode = M_SKIP
                        depth = 1
                else:
                    frames.append([F_PATH, kind == T_BEGIN_ARRAY, -1])
                continue
            # An item begins.
            if container:
                if masked:
                    mode = M_SKIP  # a placeholder: the fast path returned the item
                else:
                    mode = M_ITEM
                    self._start = token[1]
                depth = 1
            elif kind == T_STRING_START:
                mode = M_STRING
                self._start = token[2]
            else:  # T_SCALAR, T_STRING: complete already
                end = token[3]
                raw = self._text(token[2], end, text, base) if self._with_raw else ""
                self._emit(token[1], raw, out)
                self._gap = end
        self._mode = mode
        self._depth = depth

    def _emit(self, value: Any, raw: str, out: list[Any]) -> None:
        out.append((self._count, value, raw) if self._with_raw else value)
        self._count += 1

    def _text(self, a: int, b: int, text: str, base: int) -> str:
        """The stream's text from position ``a`` to ``b`` (``b`` within the current chunk)."""
        if a >= base:
            return text[a - base : b - base]
        head = "".join(self._parts)
        self._parts = []
        return head[a - self._pstart :] + text[: b - base]

    def _keep(self, text: str, base: int) -> None:
        """After a chunk: keep the text of what is open at item level, drop the rest."""
        mode = self._mode
        if mode in (M_ITEM, M_STRING):
            start = self._start
            if start >= base:
                self._parts = [text[start - base :] if start > base else text]
                self._pstart = start
            else:
                self._parts.append(text)
        elif (
            self._keep_gap
            and mode == M_WRAPPER
            and (self._tok.state == S_IN_NUMBER or self._tok.state == S_IN_LITERAL)
            and self._item_level()
        ):
            # A scalar item was cut: keep the text after the last token at item level.
            gap = self._gap
            if gap >= base:
                self._parts = [text[gap - base :]]
                self._pstart = gap
            elif self._parts:
                self._parts.append(text)
            else:
                self._parts = [text]
                self._pstart = base
        elif self._parts:
            self._parts = []

    def _item_level(self) -> bool:
        """Would a value beginning now be an item?"""
        if self._frames:
            return bool(self._frames[-1][0] == F_TARGET)
        return self._auto

    # -- the fast path ----------------------------------------------------------------------

    def _locate(self, text: str, i: int, out: list[Any]) -> int:
        """Between items: take the container items in ``text[i:]`` with the C scanner.

        Returns how far ``text`` was consumed (``i`` if the fast path does not apply here).
        What the tokenizer must see instead -- the separators, a placeholder per item -- waits
        in ``_pending`` until a real feed (or ``_FLUSH_MAX`` characters) needs it.
        """
        pending = self._pending
        state = self._pending_state if pending else self._tok.state
        frames = self._frames
        if frames and frames[-1][0] == F_TARGET and state in _ITEM_STATES:
            comma = state == S_COMMA_OR_CLOSE
            top = False
        elif not frames and self._auto and state in _DOCUMENT_STATES:
            comma = False
            top = True
        else:
            return i
        n = len(text)
        start = i
        origin = self._tok.consumed + self._pending_len - i  # tokenizer position of text[0]
        scan = self._scan
        room = self._max_depth - len(self._tok.stack)
        max_string = self._max_string
        with_raw = self._with_raw
        count = self._count
        append = pending.append
        while True:
            if comma:
                m = _COMMA.match(text, i)
                if m is None:
                    if _WS.match(text, i).end() == n:  # type: ignore[union-attr]
                        append(text[i:])
                        i = n
                    break
                j = m.end()
                state = S_VALUE
            else:
                j = _WS.match(text, i).end()  # type: ignore[union-attr]
            if j == n:
                append(text[i:])
                i = n
                break
            c = text[j]
            if c != "{" and (c != "[" or top):
                break
            closer = "}" if c == "{" else "]"
            e = 0  # not complete yet (no closing bracket): hold it
            if text.find(closer, j) >= 0:
                try:
                    value, e = scan(text, j)
                except (StopIteration, ValueError, RecursionError, _Refused) as exc:
                    if not _maybe_incomplete(exc, text):
                        break  # the tokenizer will say what is wrong
            if not e:  # hold it until its closing bracket comes
                append(text[i:j])
                self._pending_len += j - start
                start = n  # what follows is held, not pending
                self._held = [text[j:]]
                self._held_len = n - j
                self._held_pos = origin + j
                self._closer = closer
                self._attempts = 0
                i = n
                break
            size = e - j
            if size > max_string or (
                size > 2 * room and text.count("{", j, e) + text.count("[", j, e) > room
            ):
                break  # the tokenizer may refuse it: let it decide
            append(text[i:j])
            if text.find("\n", j, e) < 0:
                append(c + " " * (size - 2) + closer)
            else:
                append(_placeholder(text, j, e))
            out.append((count, value, text[j:e]) if with_raw else value)
            count += 1
            i = e
            state = S_AFTER_DOCUMENT if top else S_COMMA_OR_CLOSE
            comma = not top
        if count != self._count:
            self._count = count
            self._gap = origin + i
        self._pending_state = state
        self._pending_len += i - start
        if self._pending_len > _FLUSH_MAX:
            self._flush(out)
        return i

    def _hold_more(self, text: str, i: int, out: list[Any]) -> int | str:
        """The held item gets ``text[i:]``: returns how far ``text`` was consumed, or the held
        text (ending with ``text[i:]``) when it must go through the tokenizer."""
        held = self._held
        assert held is not None
        piece = text[i:] if i else text
        held.append(piece)
        self._held_len += len(piece)
        if self._closer not in piece:
            if self._held_len <= _HOLD_MAX:
                return len(text)
            return self._unhold()
        s = "".join(held)
        try:
            value, e = self._scan(s, 0)
        except (StopIteration, ValueError, RecursionError, _Refused) as exc:
            self._attempts += 1
            if (
                self._attempts < _ATTEMPTS_MAX
                and self._held_len <= _HOLD_MAX
                and _maybe_incomplete(exc, s)
            ):
                held[:] = [s]
                return len(text)
            return self._unhold()
        if (e > 2 * (self._max_depth - len(self._tok.stack)) or e > self._max_string) and (
            not self._fits(s, e)
        ):
            return self._unhold()
        self._held = None
        out.append((self._count, value, s[:e]) if self._with_raw else value)
        self._count += 1
        self._pending.append(_placeholder(s, 0, e))
        self._pending_len += e
        self._pending_state = S_COMMA_OR_CLOSE if self._frames else S_AFTER_DOCUMENT
        self._gap = self._held_pos + e
        return self._locate(text, len(text) - (len(s) - e), out)

    def _unhold(self) -> str:
        assert self._held is not None
        text = "".join(self._held)
        self._held = None
        self._slow = True
        return text

    def _fits(self, s: str, e: int) -> bool:
        """Would the tokenizer accept the item ``s[:e]`` under its limits, as the scanner did?"""
        if e > self._max_string:
            return False
        room = self._max_depth - len(self._tok.stack)
        return e <= 2 * room or s.count("{", 0, e) + s.count("[", 0, e) <= room

    def _flush(self, out: list[Any]) -> None:
        """Feed the tokenizer the pending separators and placeholders (all checked already)."""
        tok = self._tok
        masked = "".join(self._pending)
        self._pending = []
        self._pending_len = 0
        tokens = tok.feed(masked)
        if tokens:
            self._apply(tokens, masked, tok.consumed - len(masked), out, True)
        if tok.error is not None:
            raise tok.error  # unreachable unless the scanner and the tokenizer disagree

    # -- errors -----------------------------------------------------------------------------

    def _failed(
        self, err: ParseError, text: str, base: int, out: list[Any]
    ) -> tuple[str, int] | None:
        """The tokenizer failed in ``text`` (at ``base``): raise, or recover an NDJSON line.

        Returns what ``_real`` returns; None also when the rest is being discarded.
        """
        rel = err.pos  # the error's position as the tokenizer counts
        err.pos += self._off
        err.lineno += self._line_off
        if err.byte_pos is not None:
            err.byte_pos += self._byte_off
        err.args = (err.msg, err.pos)
        index = self._count
        err.index = index
        if (
            self._on_error == "raise"
            or not self._auto
            or self._frames
            or err.kind == "invalid_utf8"
        ):
            err.path = self._path()
            err.msg += f" (item {index})"
            err.args = (err.msg, err.pos)
            raise err
        # NDJSON recovery.  The stream's text from _pstart (kept parts) or base on:
        parts = "".join(self._parts) if self._parts else ""
        pstart = self._pstart if parts else base
        whole = parts[: base - pstart] + text if parts else text
        end = pstart + len(whole)
        if self._mode == M_ITEM or self._mode == M_STRING:
            start = self._start
        else:  # the bad item begins at the first non-space after the last good one
            m = _NON_WS.search(whole, max(self._gap, pstart) - pstart)
            start = pstart + m.start() if m is not None else rel
        rel = max(pstart, min(rel, end))
        start = max(pstart, min(start, rel))
        line = err.lineno - whole.count("\n", start - pstart, rel - pstart)
        q = whole.find("\n", start - pstart)
        raw = whole[start - pstart : q if q >= 0 else len(whole)]
        if q < 0:  # the line goes on in later chunks: drop it as it comes
            discard = _Discard(start + self._off, line, err, raw, end + self._off)
            if err.byte_pos is not None:  # a bytes stream
                discard.byte_at = err.byte_pos + len(whole[rel - pstart :].encode())
                discard.decoder = codecs.getincrementaldecoder("utf-8")("replace")
            self._discard = discard
            return None
        self._bad(start + self._off, raw.removesuffix("\r"), err, line, out)
        resume = pstart + q + 1
        byte_pos = 0
        if err.byte_pos is not None:
            between = whole[min(rel, resume) - pstart : max(rel, resume) - pstart]
            sign = 1 if resume >= rel else -1
            byte_pos = err.byte_pos + sign * len(between.encode())
        self._restart(resume + self._off, line, byte_pos)
        if resume >= base:
            return "", resume - base
        return whole[resume - pstart : base - pstart], 0

    def _discarding(self, text: str, i: int, out: list[Any], encode: bool) -> int:
        """Drop the rest of a bad line from ``text[i:]``; return where the next line starts."""
        discard = self._discard
        assert discard is not None
        q = text.find("\n", i)
        piece = text[i : q if q >= 0 else len(text)]
        discard.raw.append(piece)
        discard.at += len(piece)
        if encode:
            discard.byte_at += len(piece.encode())
        if q < 0:
            return len(text)
        self._discard = None
        raw = "".join(discard.raw).removesuffix("\r")
        self._bad(discard.pos, raw, discard.error, discard.line, out)
        self._restart(discard.at + 1, discard.line, discard.byte_at + 1)
        return q + 1

    def _bad(self, pos: int, raw: str, err: ParseError, line: int, out: list[Any]) -> None:
        """Report a bad NDJSON item as ``on_error`` says."""
        index = self._count
        self._count += 1
        err.index = index
        if self._on_error == "yield":
            out.append(ItemError(index, pos, raw, err))
        else:  # logging is imported only here: the core imports no logging (DESIGN section 1)
            import logging

            logging.getLogger("unspool").warning(
                "skipped bad item %d on line %d: %s; its text: %r", index, line, err, raw
            )

    def _path(self) -> Path:
        """The JSON path being parsed: the wrapper's keys and indexes (and the item's)."""
        return tuple(frame[2] for frame in self._frames if frame[2] != -1)
