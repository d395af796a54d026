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

Rule 3 (bounded memory).  Only the open item's text is kept (``_kept`` or ``_held``), plus
at most ``_FLUSH_MAX`` characters of placeholders not yet fed; returned items and consumed
text are dropped.  An open container item, like a number, is held up to ``max_buffer``
characters (never fewer than ``max_string``, so that any string allowed fits in an item);
a longer one raises ``LimitExceeded``, at the same position whatever the chunking.  The text
of a bad NDJSON line being dropped is kept up to the same size for ``ItemError.raw`` and the
log; past it, only counted.

Rule 4 (errors).  The first error is raised after every item before it was returned: when a
feed completes items and then meets an error, it returns the items and the next call raises
(``close()``, which no call follows, raises at once).  The error carries ``index``, the
number of the item it broke (or of the next item).  For NDJSON, ``on_error="skip"`` /
``"yield"`` drop the bad line and restart a fresh tokenizer at the next line, keeping
positions absolute.

Fast path (``str`` chunks only; bytes go through the tokenizer).  Between items, when the
next item is an object or array, the splitter does not tokenize it: it holds its text and
asks the C scanner for the whole item whenever a chunk brings the item's closing bracket.
On success the item is returned and the tokenizer is later fed, in its place, a placeholder
of the same length with the same newlines (``{`` spaces ``}``): so the tokenizer still
checks every separator and the wrapper around the items, and its positions, lines and
columns stay exact.  The scanner agrees with the tokenizer exactly when NaN and Infinity are
refused as the tokenizer refuses them (``_scan_strict``) and the item is within the limits
(``_fits``, checked before a result is used).  Anything else -- a scan that fails, a limit,
more than ``_ATTEMPTS_MAX`` failed scans or ``_HOLD_MAX`` characters, or a line end in a
document while bad NDJSON lines are dropped -- hands the held text to the tokenizer, which
decides and reports errors as without the fast path.  One difference shows: an error inside
a held item is found when a chunk brings a closing bracket (at the latest after
``_HOLD_MAX`` characters, or at ``close()``) rather than by the chunk that holds it; items
and errors are the same.
"""

from __future__ import annotations

import codecs
import itertools
import json
import json.scanner
import re
from typing import Any

from ._errors import IncompleteJSONError, LimitExceeded, ParseError
from ._events import ItemError
from ._extract import Extractor
from ._path import Path
from ._tokenizer import (
    DEFAULT_MAX_BUFFER,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING,
    S_AFTER_DOCUMENT,
    S_COMMA_OR_CLOSE,
    S_IN_KEY,
    S_IN_LITERAL,
    S_IN_NUMBER,
    S_KEY,
    S_KEY_OR_CLOSE,
    S_VALUE,
    S_VALUE_OR_CLOSE,
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
)

# What the tokens of the token loop belong to (from M_SKIP up: only the depth counts).
M_WRAPPER = 0  # no item is open: on the pointer's path, or between documents
M_STRING = 1  # inside a string item that a chunk boundary cut; its text is kept in _kept
M_SKIP = 2  # inside a value off the pointer's path (or a fast item's placeholder): depth only
M_ITEM = 3  # inside an item container: depth only; its text is kept in _kept

# The role of a wrapper container (one frame per open container on the pointer's path).
F_PATH = 0  # on the pointer's path, above the target
F_TARGET = 1  # the array whose elements are the items
# A frame is [role, is_array, slot]: slot is the current key, or the current element's index.

WILD = "*"  # a pointer segment that matches any key or index

_ON_ERROR = ("raise", "skip", "yield")
_KEYS_SHOWN = 10  # keys a "matched nothing" error names
_HOLD_MAX = 1 << 16  # held characters beyond which an item goes through the tokenizer
_ATTEMPTS_MAX = 16  # failed C scans of one held item before it goes through the tokenizer
_STEP = 4096  # real feeds of big chunks are cut so that the fast path can take over
_FLUSH_MAX = 4096  # pending masked characters beyond which the tokenizer is fed

# Tokenizer states between items, where the fast path may take the next one.
_ITEM_STATES = (S_VALUE, S_VALUE_OR_CLOSE, S_COMMA_OR_CLOSE)
_DOCUMENT_STATES = (S_VALUE, S_AFTER_DOCUMENT)
# Tokenizer states in which the next element of an array, or the next key, is being read.
_BEFORE_VALUE = (S_VALUE, S_VALUE_OR_CLOSE, S_IN_NUMBER, S_IN_LITERAL)
_KEY_STATES = (S_KEY, S_KEY_OR_CLOSE, S_IN_KEY)
_BEGINS = (T_BEGIN_OBJECT, T_BEGIN_ARRAY)
_ENDS = (T_END_OBJECT, T_END_ARRAY)
_WS = re.compile(r"[ \t\r\n]*")
_COMMA = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_NON_WS = re.compile(r"[^ \t\r\n]")
_CUT_TAIL = re.compile(r"[-+.\\0-9a-zA-Z]*")  # see _maybe_incomplete
# What a failed scan may raise: ValueError covers NaN refused (_refuse) and int()'s limit.
_SCAN_FAILED = (StopIteration, ValueError, RecursionError)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


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


_BLANKS = bytes(10 if b == 10 else 32 for b in range(256))  # bytes to spaces, but newlines


def _blank(text: str) -> str:
    """``text`` with every character but newlines a space (all in C: one byte per character,
    '?' for those beyond Latin-1, then a byte table)."""
    return text.encode("latin-1", "replace").translate(_BLANKS).decode("ascii")


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


class _Discard:
    """A bad NDJSON line whose end has not arrived yet (``on_error`` "skip" / "yield")."""

    def __init__(
        self, pos: int, line: int, error: ParseError, raw: str, at: int, limit: int
    ) -> None:
        self.pos = pos  # where the bad item began (absolute)
        self.line = line  # its line number
        self.error = error
        self.raw = TextBuffer(raw[:limit])  # its text so far, up to ``limit`` characters
        self.limit = limit
        self.at = at  # absolute character position of the next character to come
        self.byte_at = 0  # the same in bytes (bytes streams)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")  # bytes streams

    def add(self, text: str) -> None:
        """More text of the bad line: kept up to the limit, counted always."""
        self.at += len(text)
        room = self.limit - self.raw.length
        if room > 0:
            self.raw.append(text[:room])


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
    the items it completes, in order; ``close()`` returns the last ones.  (``str`` chunks take
    a fast path -- see the module docstring -- that bytes do not.)  Items are plain
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
        self._auto = at is None  # no pointer: each document decides at its first character
        self._at = at
        # Has the pointer matched an array yet?  If not by close(), where it got to and what
        # was there (depth reached, description): no silent empty result.
        self._matched = self._auto
        self._missed: tuple[int, str] = (-1, "")
        self._closed = False
        self._keys, self._indexes = _parse_pointer(at) if at is not None else ([], [])
        self._options: dict[str, Any] = {
            "multiple": True,
            "allow_nan": allow_nan,
            "max_depth": max_depth,
            "max_string": max_string,
            "max_buffer": max_buffer,
        }
        self._max_depth = max_depth if max_depth is not None else 1 << 62
        # No string or number in an item shorter than this can break max_string / max_buffer.
        self._max_item = min(max_string, max_buffer)
        # The most text an open item (or a dropped line) may hold (module docstring, rule 3).
        self._max_kept = max(max_string, max_buffer)
        # Items up to this size are within every limit: n characters nest n / 2 deep at most,
        # and the items' array is at most len(keys) + 1 deep.
        self._small = min(self._max_item, 2 * (self._max_depth - len(self._keys) - 1))
        self._on_error = on_error
        # Bad NDJSON lines are dropped; not in model text (extract=True), where a line is not
        # known to be a whole document: there a syntax error raises, as inside an array.
        self._recover = on_error != "raise" and at is None and not extract
        self._with_raw = with_raw
        # Keep the text of a scalar item cut by a chunk boundary (for raw text and recovery).
        self._keep_scalars = with_raw or self._recover
        self._scan = _scan_any if allow_nan else _scan_strict
        self._count = 0  # items returned or reported bad so far: the next item's index
        self._error: ParseError | None = None
        self._fast = True  # str chunks may take the fast path (tests turn it off)
        self._bytes: bool | None = None  # is the stream bytes? (None until the first chunk)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()  # bytes read (when recovering)
        self._discard: _Discard | None = None
        self._restart(0, 0, 0)
        if self._recover:  # kept out of feed(), which must stay short
            self.feed = self._feed_lines  # type: ignore[method-assign]
        # extract=True: the front-end that finds the JSON in model text takes feed and close
        # (see _extract); the fast path would read past the end of a document, so it is off.
        self._extract: Extractor | None = None
        if extract:
            self._fast = False
            self._options["stop_after_document"] = True
            self._tok.stop_after_document = True
            self._extract = Extractor(self, lambda: self._tok, multiple=True, detach=False)

    def _restart(self, pos: int, lines: int, byte_pos: int) -> None:
        """Start a fresh tokenizer at absolute position ``pos``, the start of a line."""
        self._tok = Tokenizer(**self._options)
        if pos:
            self._tok.strip_bom = False  # a U+FEFF after a bad line is text, as anywhere
        # The tokenizer counts from 0: these turn its positions into absolute ones.
        self._off = pos
        self._line_off = lines
        self._byte_off = byte_pos
        self._mode = M_WRAPPER
        self._depth = 0
        self._frames: list[list[Any]] = []
        self._start = 0  # where the open item began (tokenizer positions, as below)
        self._kept = TextBuffer()  # text from _pstart to the end of the last chunk fed
        self._pstart = 0
        self._gap = 0  # end of the last token at item level (recovery looks after it)
        self._held: TextBuffer | None = None  # fast path: the open item's text, not yet fed
        self._closer = ""  # the held item's closing bracket
        self._attempts = 0  # failed scans of the held item
        self._pending: list[str] = []  # fast path: masked text the tokenizer has not seen
        self._pending_len = 0
        self._pending_state = S_VALUE  # the tokenizer's state once it has seen _pending

    # -- input ------------------------------------------------------------------------------

    def feed(self, chunk: str | bytes) -> list[Any]:
        """Split one more chunk; return the items it completes, in order."""
        held = self._held
        if (
            held is not None
            and type(chunk) is str
            and self._closer not in chunk
            and held.length + len(chunk) <= _HOLD_MAX
        ):
            # Inside a held item, a chunk without its closing bracket cannot complete it.
            held.append(chunk)
            return []
        if self._error is not None:
            raise self._error
        if self._closed:
            raise ValueError("Splitter.feed() after close()")
        if self._extract is not None:
            return self._extract.feed(chunk)
        if type(chunk) is not str and isinstance(chunk, str):
            chunk = str(chunk)  # a str subclass is text
        out: list[Any] = []
        try:
            if type(chunk) is str and not self._bytes:
                self._bytes = False
                self._feed_text(chunk, out, False)
            elif isinstance(chunk, (bytes, bytearray, memoryview)) and self._bytes is not False:
                self._bytes = True
                self._feed_bytes(chunk, out)
            elif isinstance(chunk, (str, bytes, bytearray, memoryview)):
                raise TypeError("cannot mix bytes and str chunks in one stream")
            else:
                raise TypeError(
                    f"unspool expects str or bytes chunks, got {type(chunk).__name__}; "
                    "for SDK stream objects use the adapters (unspool.openai, unspool.anthropic)"
                )
        except ParseError as err:
            self._error = err
            self._held = None  # or the prologue above would take later chunks
            if not out:
                raise
        return out

    def _feed_lines(self, chunk: str | bytes) -> list[Any]:
        """``feed`` when bad NDJSON lines are dropped: a held document meets every line end
        at once, since one may end a bad line, which must not hold up the lines after it."""
        held = self._held
        if (
            held is not None
            and type(chunk) is str
            and self._closer not in chunk
            and held.length + len(chunk) <= _HOLD_MAX
            and "\n" not in chunk  # as in feed(), and a line end goes to the tokenizer
        ):
            held.append(chunk)
            return []
        if held is not None and type(chunk) is str and "\n" in chunk and not self._frames:
            held.append(chunk)  # the fast path looks at the document again (_locate)
            self._held = None
            chunk = held.text()
        return Splitter.feed(self, chunk)

    def close(self) -> list[Any]:
        """End of input: return the last items, or raise if the text is truncated or bad."""
        if self._error is not None:
            raise self._error
        if self._extract is not None:
            return self._extract.close()
        out: list[Any] = []
        self._closed = True
        try:
            self._close(out)
            if not self._matched and self._missed[0] >= 0:
                raise self._no_match()
        except ParseError as err:
            self._error = err  # no call follows close(): raise even after items
            if isinstance(err, IncompleteJSONError):
                err.partial = out  # the items the end of input completed (a number)
            raise
        return out

    def _close(self, out: list[Any]) -> None:
        self._fast = False  # what is left goes through the tokenizer
        if self._pending:
            self._flush(out)
        held = self._held
        if held is not None:  # an unfinished item: the tokenizer says what is wrong
            self._held = None
            self._feed_text(held.text(), out, False)
        while self._discard is None:
            tok = self._tok
            tokens = tok.finish()
            state = tok.state  # after a number item the end of input completed
            if tokens:  # a number item completed by the end of input
                self._apply(tokens, "", tok.consumed, out, False)
            if tok.error is not None:
                resume = self._failed(tok.error, state, "", tok.consumed, out)
                if resume is not None:
                    self._feed_text(resume[0], out, self._bytes is True)
                continue
            return
        self._dropped(out)  # the bad line runs to the end

    def _feed_bytes(self, chunk: Any, out: list[Any]) -> None:
        if not self._recover:
            self._real(chunk, out)  # raises on error
            return
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
        a character the next chunk completes, while recovering bad NDJSON lines."""
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
        tok = self._tok
        resume = self._real(data, out)
        if resume is not None:  # replay the rest of the chunk's text after a recovery
            self._feed_text(resume[0] + tok.last_text[resume[1] :], out, True)
        if cut and (self._tok is not tok or self._discard is not None):
            # A recovery dropped the tokenizer that held ``cut``: pass it on.
            if self._discard is not None:
                self._discard.decoder.decode(cut)
                self._discard.byte_at += len(cut)
            else:
                self._tok.feed(cut)

    def _feed_text(self, text: str, out: list[Any], encode: bool) -> None:
        """Split ``text``; with ``encode``, feed it as UTF-8 (a bytes stream's replay)."""
        i = 0
        n = len(text)
        fast = self._fast and not encode
        while i < n:
            if self._discard is not None:
                i = self._discarding(text, i, out, encode)
                continue
            if fast and self._mode == M_WRAPPER:
                held = self._held
                if held is not None:  # the chunk may complete the held item: look again
                    held.append(text[i:] if i else text)
                    self._held = None
                    text = held.text()
                    i, n = 0, len(text)
                i = self._locate(text, i, out, held is not None)
                if i == n:
                    break
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
        over = self._apply(tokens, text, base, out, False) if tokens else -1
        if over < 0 and self._mode == M_ITEM and tok.consumed - self._start > self._max_kept:
            over = self._start + self._max_kept  # the open item is too long already
        err = tok.error
        if over >= 0 and (err is None or err.pos > over):
            msg = f"item longer than {self._max_kept} characters (max_buffer, max_string)"
            err = tok.error_at(LimitExceeded, "max_buffer", msg, over)
        if err is not None:
            return self._failed(err, tok.state, text, base, out)
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
            if self._kept.length > 4 * (n - i):
                return n  # scanning the kept head would cost more than it saves
            head = self._kept.text()
            end = int(_scan_any(head + text[i:], self._start - self._pstart)[1])
            return i + end - len(head)
        except _SCAN_FAILED:
            return n

    # -- tokens -----------------------------------------------------------------------------

    def _apply(
        self,
        tokens: list[tuple[Any, ...]],
        text: str,
        base: int,
        out: list[Any],
        masked: bool,
    ) -> int:
        """Walk tokens; ``text`` is the chunk they came from, starting at position ``base``.

        ``masked``: the text is the fast path's, where every container item is a placeholder.
        Returns -1, or where an item longer than ``_max_kept`` passed it (and stops there).
        """
        mode = self._mode
        depth = self._depth
        frames = self._frames
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
                            raw = self._text(self._start, end, text, base)
                            self._emit(_decode(raw), raw, out)
                            self._gap = end
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
                frame = frames[-1]
                frame[2] = token[1]
                if not self._matched and len(frame[3]) <= _KEYS_SHOWN:
                    frame[3].append(token[1])  # for the error if nothing matches
                continue
            if kind in _ENDS:
                frame = frames.pop()
                self._gap = token[1] + 1
                if not self._matched:
                    self._note_container(frame, len(frames))
                continue
            if kind in (T_STRING_PART, T_STRING_END):
                continue  # the rest of a string that is not an item
            # A value begins: an item, or a value around or beside the items?
            container = kind in _BEGINS
            if frames:
                frame = frames[-1]
                if frame[1]:
                    frame[2] += 1  # the index of the element that begins
                item = frame[0] == F_TARGET
            else:
                item = self._auto and kind != T_BEGIN_ARRAY
            if not item:
                if container:
                    mode = self._enter(kind, token[1])
                    depth = 1
                elif not self._matched and self._on_path():
                    self._note_scalar(token)
                continue
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
        return -1

    def _enter(self, kind: int, pos: int) -> int:
        """A container that is not an item begins at ``pos``: push a frame if it is on the
        pointer's path; return the mode to go on in."""
        frames = self._frames
        level = len(frames)  # the pointer segments above it
        if not self._on_path():
            return M_SKIP
        if level < len(self._keys):
            frames.append([F_PATH, kind == T_BEGIN_ARRAY, -1, []])
        elif kind == T_BEGIN_ARRAY:
            frames.append([F_TARGET, True, -1, []])
            self._gap = pos + 1
            self._matched = True
        else:
            if not self._matched:
                self._missed = (level + 1, f"{self._where(level)} is an object, not an array")
            return M_SKIP
        return M_WRAPPER

    def _on_path(self) -> bool:
        """Is the value that begins now on the pointer's path (or at the pointer)?"""
        frames = self._frames
        level = len(frames)
        if not frames:
            return True
        _, is_array, slot, _ = frames[-1]
        key = self._keys[level - 1]
        return key == WILD or (self._indexes[level - 1] if is_array else key) == slot

    # -- a pointer that matches nothing (no silent empty result) ----------------------------

    def _where(self, level: int) -> str:
        """The place ``level`` segments down the pointer, for a message."""
        if level == 0:
            return "the document"
        return repr("/" + "/".join(self._at.split("/")[1 : level + 1]))  # type: ignore[union-attr]

    def _note_container(self, frame: list[Any], level: int) -> None:
        """A container on the pointer's path closed, the pointer unmatched: what it held."""
        if level < len(self._keys) and self._keys[level] == WILD and frame[2] == -1:
            self._matched = True  # '*' over an empty container: no data, not a wrong pointer
            return
        if level < self._missed[0]:
            return  # a deeper place was reached already
        where = self._where(level)
        if frame[1]:
            found = f"{where} is an array of {frame[2] + 1} items"
        elif frame[3]:
            keys = ", ".join(map(repr, frame[3][:_KEYS_SHOWN]))
            more = ", ..." if len(frame[3]) > _KEYS_SHOWN else ""
            found = f"{where} has keys {keys}{more}"
        else:
            found = f"{where} is an empty object"
        self._missed = (level, found)

    def _note_scalar(self, token: tuple[Any, ...]) -> None:
        """A string, number or literal on the pointer's path, the pointer unmatched."""
        level = len(self._frames)
        if level < self._missed[0]:
            return
        kind = token[0]
        if kind in (T_STRING, T_STRING_START):
            what = "a string"
        elif token[1] is None or token[1] is True or token[1] is False:
            what = json.dumps(token[1])
        else:
            what = "a number"
        tail = ", not an array" if level == len(self._keys) else ""
        self._missed = (level, f"{self._where(level)} is {what}{tail}")

    def _no_match(self) -> ParseError:
        """The error close() raises when the pointer matched no array in the whole stream."""
        tok = self._tok
        msg = f"at={self._at!r} matched nothing; {self._missed[1]}"
        err = tok.error_at(ParseError, "no_match", msg, tok.consumed)
        err.pos += self._off
        err.lineno += self._line_off
        if err.byte_pos is not None:
            err.byte_pos += self._byte_off
        return err

    def _emit(self, value: Any, raw: str, out: list[Any]) -> None:
        out.append((self._count, value, raw) if self._with_raw else value)
        self._count += 1

    def _text(self, a: int, b: int, text: str, base: int) -> str:
        """The stream's text from position ``a`` to ``b`` (``b`` within the current chunk)."""
        if a >= base:
            return text[a - base : b - base]
        head = self._kept.text()
        self._kept = TextBuffer()
        return head[a - self._pstart :] + text[: b - base]

    def _keep(self, text: str, base: int) -> None:
        """After a chunk: keep the text of what is open at item level, drop the rest."""
        mode = self._mode
        if mode in (M_ITEM, M_STRING):
            start = self._start
        elif (
            self._keep_scalars
            and mode == M_WRAPPER
            and (self._tok.state == S_IN_NUMBER or self._tok.state == S_IN_LITERAL)
            and (self._frames[-1][0] == F_TARGET if self._frames else self._auto)
        ):
            # A scalar item was cut: keep the text after the last token at item level.
            start = self._gap
            if start < base:
                start = self._pstart if self._kept.length else base
        else:
            if self._kept.length:
                self._kept = TextBuffer()
            return
        if start >= base:
            self._kept = TextBuffer(text[start - base :] if start > base else text)
            self._pstart = start
        else:
            self._kept.append(text)

    # -- the fast path ----------------------------------------------------------------------

    def _locate(self, text: str, i: int, out: list[Any], retry: bool) -> int:
        """Between items: take the container items in ``text[i:]`` with the C scanner, and
        hold the text of one that has not ended yet (``retry``: it was held already).

        Returns how far ``text`` was consumed: the tokenizer reads on from there.  What it
        must see of the consumed text -- the separators, a placeholder per item -- waits in
        ``_pending`` until a real feed (or ``_FLUSH_MAX`` characters) needs it.
        """
        state = self._pending_state if self._pending else self._tok.state
        frames = self._frames
        if frames:
            if frames[-1][0] != F_TARGET or state not in _ITEM_STATES:
                return i
            after = S_COMMA_OR_CLOSE  # the state after an item
        elif self._auto and state in _DOCUMENT_STATES:
            after = S_AFTER_DOCUMENT
        else:
            return i
        top = not frames
        n = len(text)
        start = i
        append = self._pending.append
        scan = self._scan
        small = self._small
        with_raw = self._with_raw
        count = self._count
        attempts = self._attempts if retry else 0  # failed scans of the item at text[i]
        while True:
            # The separators before the next item go to the tokenizer, which checks them.
            if state == S_COMMA_OR_CLOSE:
                m = _COMMA.match(text, i)
                if m is not None:
                    state = S_VALUE
                    j = m.end()
                else:
                    j = _WS.match(text, i).end()  # type: ignore[union-attr]
            else:
                j = _WS.match(text, i).end()  # type: ignore[union-attr]
            if j > i:
                append(text[i:j])
                i = j
            if j == n or state == S_COMMA_OR_CLOSE:
                break  # the end of the chunk, or no comma: ']' (or an error) is the tokenizer's
            c = text[j]
            if c != "{" and (c != "[" or top):
                break  # not a container item: the tokenizer reads it
            closer = "}" if c == "{" else "]"
            e = 0
            if text.find(closer, j) >= 0:
                try:
                    value, e = scan(text, j)
                except _SCAN_FAILED as exc:
                    attempts += 1  # each costs a scan of all the item's text so far
                    if attempts >= _ATTEMPTS_MAX or not _maybe_incomplete(exc, text):
                        break  # the tokenizer will say what is wrong
            if not e:  # hold it until a chunk brings a closing bracket
                if n - j > _HOLD_MAX or (
                    # A line end in a held document may end a bad line: the tokenizer must
                    # see it now, or the items of the lines after it would wait.
                    top and self._recover and text.find("\n", j) >= 0
                ):
                    break
                self._held = TextBuffer(text[j:])
                self._closer = closer
                self._attempts = attempts
                break
            if e - j > small and not self._fits(text, j, e):
                break  # the tokenizer may refuse it: let it decide
            # Its placeholder: an empty container as long, with its newlines where they were.
            if text.find("\n", j, e) < 0:
                append(c + " " * (e - j - 2) + closer)
            else:
                append(c + _blank(text[j + 1 : e - 1]) + closer)
            out.append((count, value, text[j:e]) if with_raw else value)
            count += 1
            attempts = 0
            i = e
            state = after
        self._count = count
        self._pending_state = state
        self._pending_len += i - start
        if self._pending_len > _FLUSH_MAX:
            self._flush(out)
        return i if self._held is None else n

    def _fits(self, s: str, j: int, e: int) -> bool:
        """Would the tokenizer accept the item ``s[j:e]`` under its limits, as the scanner did?

        An item no longer than the limits cannot hold a longer string or number, and one
        of n characters cannot nest more than n / 2 deep.
        """
        if e - j > self._max_item:
            return False
        room = self._max_depth - len(self._tok.stack)
        return e - j <= 2 * room or s.count("{", j, e) + s.count("[", j, e) <= room

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
        self, err: ParseError, state: int, text: str, base: int, out: list[Any]
    ) -> tuple[str, int] | None:
        """The tokenizer failed (in ``state``) in ``text`` (at ``base``): raise, or recover an
        NDJSON line.

        Returns what ``_real`` returns; None also when the rest of the line is being dropped.
        """
        rel = err.pos  # the error's position as the tokenizer counts
        err.pos += self._off
        err.lineno += self._line_off
        if err.byte_pos is not None:
            err.byte_pos += self._byte_off
        err.index = self._count
        if not self._recover or self._frames or err.kind == "invalid_utf8":
            err.path = self._path(state)
            if self._in_item(state):
                err.msg += f" (item {self._count})"
            err.args = (err.msg, err.pos)
            raise err
        err.args = (err.msg, err.pos)
        # NDJSON recovery.  The stream's text from _pstart (kept parts) or base on:
        parts = self._kept.text()
        pstart = self._pstart if parts else base
        whole = parts[: base - pstart] + text
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
            discard = _Discard(start + self._off, line, err, raw, end + self._off, self._max_kept)
            if err.byte_pos is not None:  # a bytes stream
                discard.byte_at = err.byte_pos + len(whole[rel - pstart :].encode())
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
        discard.add(piece)
        if encode:
            discard.byte_at += len(piece.encode())
        if q < 0:
            return len(text)
        self._dropped(out)
        return q + 1

    def _dropped(self, out: list[Any]) -> None:
        """The bad line being dropped ended (at a newline, or at the end of the stream)."""
        discard = self._discard
        assert discard is not None
        self._discard = None
        raw = discard.raw.text().removesuffix("\r")
        self._bad(discard.pos, raw, discard.error, discard.line, out)
        self._restart(discard.at + 1, discard.line, discard.byte_at + 1)

    def _bad(self, pos: int, raw: str, err: ParseError, line: int, out: list[Any]) -> None:
        """Report a bad NDJSON item as ``on_error`` says."""
        index = self._count
        self._count += 1
        err.index = index
        if self._on_error == "yield":
            out.append(ItemError(index, pos, raw, err))
        else:  # logging is imported only here: the core imports no logging
            import logging

            logging.getLogger("unspool").warning(
                "skipped bad item %d on line %d: %s; its text: %r", index, line, err, raw
            )

    def _in_item(self, state: int) -> bool:
        """Is the tokenizer (in ``state``) inside an item, or where the next item begins?

        An error elsewhere -- in the wrapper around the items, in a value off the pointer's
        path, between two items -- names no item: its path says where it is.
        """
        if self._mode != M_WRAPPER:
            return self._mode != M_SKIP
        if not self._frames:  # between documents: with at=None each document is an item
            return self._auto
        return self._frames[-1][0] == F_TARGET and state in _BEFORE_VALUE

    def _path(self, state: int) -> Path:
        """The JSON path being parsed: the wrapper's keys and indexes (and the item's).

        As the Parser's: in a wrapper, the tokenizer's ``state`` says whether the error
        concerns the value at the innermost slot, the next element, or the next key.
        """
        path = [frame[2] for frame in self._frames]
        if path and self._mode == M_WRAPPER:
            if self._frames[-1][1]:
                if state in _BEFORE_VALUE:
                    path[-1] += 1
            elif state in _KEY_STATES:
                path.pop()
        return tuple(slot for slot in path if slot != -1)
