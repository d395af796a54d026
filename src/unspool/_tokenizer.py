"""The JSON tokenizer: the one hot loop and the single source of JSON syntax truth.

``Tokenizer.feed(chunk)`` takes text (or UTF-8 bytes) split anywhere and returns the tokens
it completes, as tuples whose first item is one of the ``T_*`` ints below.  It checks the
whole RFC 8259 grammar -- brackets, commas, colons, keys, what may follow a value -- so the
layers above (the parser and the splitter) build from tokens and never look at JSON text.

How it keeps its rules:

Rule 1 (resumable everywhere).  Between two feeds the tokenizer is in one of the states
below.  A construct that a chunk boundary cuts is either streamed (string bodies, as
``T_STRING_PART``), collected in parts (numbers, keys), or -- when it is a few characters at
most (an escape, a surrogate pair, a literal) -- held back in ``_pending`` and re-read with
the next chunk.  No consumed text is ever scanned again, so the work is linear.

Rule 2 (atomic scalars).  Numbers and literals are emitted only when complete: a number when
a character that cannot continue it arrives (or at ``close()``), a literal when its last
letter arrives.

Rule 3 (whole characters).  A string part never ends inside an escape, and a high surrogate
escape is held back until the next six characters say whether a low surrogate pairs with it.
Bytes are decoded by an incremental UTF-8 decoder, so a split sequence waits for its rest.

Rule 4 (errors are final).  The first error is stored in ``error`` and ``feed`` returns the
tokens before it; every later call raises it.  Positions are absolute character offsets in
the stream (``byte_pos`` too when the stream is bytes); line and column come from newline
counts kept per chunk.

Speed: string bodies, whitespace and digit runs are jumped over with compiled regexes and
slicing; a chunk wholly inside a string or key takes a single ``search``, a whitespace-only
chunk a single ``strip``.  The compiled build (Cython, from this file and _tokenizer.pxd)
walks the same runs with C loops over the code points instead, since a regex call costs
more than the few characters of an LLM chunk; each loop does what the regex it stands for
does (``_string_stop`` and the others below; ``cython.compiled`` branches choose).  The
stdlib's C JSON scanner, set up to decide exactly as these rules do, decodes string pieces
with escapes and whole values (below); wherever it might disagree, the tokens decide.

Whole values (``whole_values``, ``scan_documents``).  A consumer that wants the values at a
depth as values, not as tokens (the Parser its documents, the Splitter its items), names the
depth: a container that begins there and ends in the text at hand is read by a C scanner
(the stdlib's; the compiled build has its own, ``_scan_whole``, which accepts what the
stdlib's accepts, gives the same values, and checks the depth as it reads) and emitted as
one ``T_WHOLE`` token, with the state after it as if its tokens had been read.  The scanner
agrees with the tokens where it is used: NaN only if allowed, no duplicate keys unless the
consumer does not care (``whole_duplicates``: json.loads keeps the last, as a consumer of
the tokens would), no string or number longer than the limits (the value is no longer than
``min(max_string, max_buffer)``), no nesting past ``max_depth`` (the pure build measures it
when the value has more brackets than the depth left); anything it refuses is read as
tokens, which decide.  With ``hold_whole`` such a value that has not ended yet is
held back -- its text not read, ``consumed`` not advanced -- until a chunk brings its closing
bracket (then it is scanned again with all the held text as one chunk) or the hold can no
longer pay (a scan that did not fail at the end of the text, ``_ATTEMPTS_MAX`` failed scans,
``_HOLD_MAX`` characters, ``release()``): then the held text is read as tokens.  So errors
and positions are those of the tokens; only when an error inside a held value shows moves
(to the chunk with a closing bracket, or ``release()``).
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from ._errors import IncompleteJSONError, LimitExceeded, ParseError

try:  # the compiled build reads `cython.compiled` (and types from _tokenizer.pxd)
    import cython
except ImportError:  # the pure-Python core runs without Cython installed
    from ._backend import PureCython

    cython = PureCython()

# Whether this module runs compiled: one global read in the pure build's hot paths.
_COMPILED: bool = cython.compiled

# Token kinds: the first item of every token tuple.  The positions below (absolute, after the
# value) are there only with ``positions=True``, the default: the Parser asks for none, so
# that a token costs no int objects; its tokens are the same tuples cut after the value (a
# bracket's is one shared tuple, ``_BARE``).
if not cython.compiled:  # the compiled build has these as C constants (cpdef enum in the .pxd)
    T_BEGIN_OBJECT = 0  # (T_BEGIN_OBJECT, pos)
    T_END_OBJECT = 1  # (T_END_OBJECT, pos)  pos of the '}'
    T_BEGIN_ARRAY = 2  # (T_BEGIN_ARRAY, pos)
    T_END_ARRAY = 3  # (T_END_ARRAY, pos)  pos of the ']'
    T_KEY = 4  # (T_KEY, key, pos)  pos of the key's opening quote
    T_SCALAR = 5  # (T_SCALAR, value, pos, end)  number, true, false, null; end is exclusive
    T_STRING = 6  # (T_STRING, text, pos, end)  a whole string value read in one feed
    T_STRING_START = 7  # (T_STRING_START, text, pos)  a string value began; text so far
    T_STRING_PART = 8  # (T_STRING_PART, text)  more characters of the open string value
    T_STRING_END = 9  # (T_STRING_END, text, end)  the last characters; end is exclusive
    T_WHOLE = 10  # (T_WHOLE, value, pos, end)  a whole value at a whole_values depth, in one go
    T_DOCUMENT = T_WHOLE  # the Parser's name: its whole values are documents

# A bracket's token without its position, by kind (see above): one tuple each, shared.
_BARE = ((T_BEGIN_OBJECT,), (T_END_OBJECT,), (T_BEGIN_ARRAY,), (T_END_ARRAY,))

# Grammar positions between tokens.
if not cython.compiled:  # the compiled build has these as C constants (cpdef enum in the .pxd)
    S_VALUE = 0  # a value is required (document start, after ':' or after ',' in an array)
    S_VALUE_OR_CLOSE = 1  # after '[': a value or ']'
    S_KEY_OR_CLOSE = 2  # after '{': a key or '}'
    S_KEY = 3  # after ',' in an object: a key is required
    S_COLON = 4  # after a key: ':' is required
    S_COMMA_OR_CLOSE = 5  # after a value inside a container: ',' or the closing bracket
    S_AFTER_DOCUMENT = 6  # after a complete top-level value: whitespace (or, multiple, a value)
    # Inside a token that a chunk boundary cut.
    S_IN_STRING = 7  # inside a string value (held-back escape, if any, in _pending)
    S_IN_KEY = 8  # inside an object key (text so far in _key)
    S_IN_NUMBER = 9  # inside a number (text so far in _number, how far valid in _number_state)
    S_IN_LITERAL = 10  # inside true/false/null/NaN/Infinity (letters so far in _pending)

# What an error at a grammar position concerns (Tokenizer.expecting(), error_path()): the
# layers above ask this instead of reading states.
E_VALUE = 0  # a value: one is expected, or a number or literal (not emitted yet) is being read
E_KEY = 1  # an object key: one is expected, or one is being read
E_OTHER = 2  # what came before: ':', ',', a bracket or the end is expected, or a string value
# (already begun) is being read
_EXPECTING = (  # by state, S_VALUE to S_IN_LITERAL
    E_VALUE,
    E_VALUE,
    E_KEY,
    E_KEY,
    E_OTHER,
    E_OTHER,
    E_OTHER,
    E_OTHER,
    E_KEY,
    E_VALUE,
    E_VALUE,
)

# Container kinds on the stack.
if not cython.compiled:  # the compiled build has these as C constants (cpdef enum in the .pxd)
    OBJECT = 0
    ARRAY = 1

WHITESPACE = " \t\r\n"
_NON_WHITESPACE = re.compile(r"[^ \t\r\n]")
# What ends a run of plain string characters: a quote, a backslash or a control character.
_STRING_STOP = re.compile(r'["\\\x00-\x1f]')
_NEXT_KEY = re.compile(r'[,][ \t\r\n]*"([^"\\\x00-\x1f]*)":[ \t\r\n]*')
# Fewer characters than this after a ',' are not worth a _NEXT_KEY try: a failed match
# costs as much as one that works, and in the chunks of a stream (1-12 characters) a
# pretty-printed key (newline, indent, '"key": ') never fits.
_NEXT_KEY_MIN = 16
_NUMBER_RUN = re.compile(r"[-+.eE0-9]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# Every prefix of a valid number (a run that is not one can never become valid), with groups
# whose last match (lastindex) says how far it got: a zero (1) or other integer digits (2),
# '.' (3), fraction digits (4), 'e' (5), exponent sign (6) and digits (7).
_NUMBER_PREFIX = re.compile(
    r"-?(?:(0)|([1-9][0-9]*))?(?:(?<=[0-9])(\.)([0-9]+)?)?(?:(?<=[0-9])([eE])([-+])?([0-9]+)?)?"
)
# How far a number cut by a chunk boundary got (Tokenizer._number_state): the validity of
# what follows depends only on this, so the digits so far are never read again.
if not cython.compiled:  # the compiled build has these as C constants (cpdef enum in the .pxd)
    N_MINUS = 0  # '-' alone
    N_ZERO = 1  # the integer part '0' (complete)
    N_INT = 2  # integer digits, not beginning with 0 (complete)
    N_DOT = 3  # after the '.'
    N_FRAC = 4  # fraction digits (complete)
    N_EXP = 5  # after 'e' or 'E'
    N_EXP_SIGN = 6  # after the exponent's sign
    N_EXP_DIGITS = 7  # exponent digits (complete)
    N_START = 8  # nothing yet
    N_BAD = 9  # not a prefix of any number
# A few characters that stand for each state in front of the next piece.
_NUMBER_REPS = ("-", "0", "1", "1.", "1.0", "1e", "1e+", "1e0", "", "")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_HEX_PREFIX = re.compile(r"[0-9a-fA-F]{0,3}")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# The literal each first character announces.
_LITERALS = {"t": "true", "f": "false", "n": "null", "N": "NaN", "I": "Infinity", "-": "-Infinity"}
_LITERAL_VALUES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}
_COMPLETE_NUMBER = (N_ZERO, N_INT, N_FRAC, N_EXP_DIGITS)

DEFAULT_MAX_DEPTH = 1000
# What one stream may make a server hold (see TextBuffer for the cost per character): 16 Mi
# characters is 30 times the longest answer a model writes today (128k tokens, ~0.5 M
# characters), and a worst-case hostile stream then costs tens of MB, not GB.
DEFAULT_MAX_STRING = 1 << 24  # characters in one string or key
DEFAULT_MAX_BUFFER = 1 << 24  # characters of one number (held back until it is complete)


def check_limits(max_depth: int | None, max_string: int, max_buffer: int) -> None:
    """Refuse a limit that is not a whole number of at least 0, naming it (every front door
    checks here, before anything compares with it: both builds must refuse the same values)."""
    if max_depth is not None:  # None lifts the nesting limit
        _check_limit("max_depth", max_depth)
    _check_limit("max_string", max_string)
    _check_limit("max_buffer", max_buffer)


def _check_limit(name: str, limit: Any) -> None:
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise TypeError(f"{name} must be an int, got {limit!r}")
    if limit < 0:
        raise ValueError(f"{name} must be at least 0, got {limit}")


_PACK = 64  # pieces a TextBuffer holds before it joins them into one block

# Holding whole values (hold_whole, see the module docstring).
HOLD_LINE = 2  # hold_whole=HOLD_LINE: a document is not held past a line end (NDJSON recovery)
_HOLD_MAX = 1 << 16  # held characters beyond which a value is read as tokens
_ATTEMPTS_MAX = 16  # failed scans of one held value before it is read as tokens
_HOLD_PACK = 256  # held characters joined into one piece at a time (see _Held)
_CUT_TAIL = re.compile(r"[-+.\\0-9a-zA-Z]*")  # see _maybe_incomplete
_SCAN_FAILED = (StopIteration, ValueError, RecursionError)  # ValueError: NaN, duplicates, int()


class TextBuffer:
    """Text that arrives in pieces (a string, key, number or item open across chunks).

    A list of small ``str`` pieces costs ~57 bytes per piece besides the text, ~15 bytes per
    character when a model sends 4 at a time.  So every ``_PACK`` pieces are joined into one
    block as they come: about 1 byte per character more than the text (ASCII), each
    character copied once more, and ``text()`` joins the blocks only when asked.
    """

    __slots__ = ("blocks", "length", "parts")

    def __init__(self, text: str = "") -> None:
        self.blocks: list[str] = []
        self.parts: list[str] = [text] if text else []
        self.length = len(text)  # characters held

    def reset(self, text: str) -> None:
        """Hold ``text`` alone (a buffer is reused: cheaper than a new one per token)."""
        self.parts = [text]
        self.blocks = []
        self.length = len(text)

    def append(self, text: str) -> None:
        parts = self.parts
        parts.append(text)
        self.length += len(text)
        if len(parts) >= _PACK:
            self.blocks.append("".join(parts))
            parts.clear()

    def text(self) -> str:
        """All the text so far (kept as one block: asking again copies only what is new)."""
        blocks = self.blocks
        if self.parts:
            blocks.append("".join(self.parts))
            self.parts.clear()
        if len(blocks) > 1:
            blocks[:] = ["".join(blocks)]
        return blocks[0] if blocks else ""


_SHORT_HELD = 256  # characters of a cut key or number held as a plain str (see _grown)


def _grown(held: str | TextBuffer, piece: str) -> str | TextBuffer:
    """``held``, the text so far of a key or number that chunk boundaries cut, with ``piece``
    added.  A plain str while short: the usual key or number is cut once or twice, and a
    concatenation costs less than a TextBuffer's method calls (and a join to read it); past
    ``_SHORT_HELD`` characters a TextBuffer, so that no text is copied again and again."""
    if type(held) is str:
        text = held  # a str local: a plain concatenation in the compiled build
        if len(text) + len(piece) <= _SHORT_HELD:
            return text + piece
        held = TextBuffer(text)
    held.append(piece)  # type: ignore[union-attr]
    return held


# The state after a prefix, by the last group it matched (None: '-' alone).
_STATE_AFTER: dict[int | None, int] = {
    None: N_MINUS,
    1: N_ZERO,
    2: N_INT,
    3: N_DOT,
    4: N_FRAC,
    5: N_EXP,
    6: N_EXP_SIGN,
    7: N_EXP_DIGITS,
}


def _number_state(state: int, run: str) -> int:
    """The state of a number (N_*) in ``state`` after ``run``, its next characters.

    Reads ``run`` and a few characters standing for ``state``: a number cut into many pieces
    is read once, however long it grows.
    """
    m = _NUMBER_PREFIX.fullmatch(_NUMBER_REPS[state] + run)
    if m is None or state == N_BAD:
        return N_BAD
    return _STATE_AFTER[m.lastindex]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key")  # the tokens report each value: leave it to them
    return obj


def _refuse_nan(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


# The stubs type make_scanner's argument as a scanner; it takes the decoder's settings.
# By allow_nan, then by whole_duplicates (the pairs hook costs ~15% of a scan).
_SCANNERS = (
    (
        json.scanner.make_scanner(
            json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_refuse_nan)  # type: ignore[arg-type]
        ),
        json.scanner.make_scanner(json.JSONDecoder(parse_constant=_refuse_nan)),  # type: ignore[arg-type]
    ),
    (
        json.scanner.make_scanner(json.JSONDecoder(object_pairs_hook=_unique_keys)),  # type: ignore[arg-type]
        json.scanner.make_scanner(json.JSONDecoder()),  # type: ignore[arg-type]
    ),
)


# What json.loads gives for NaN, Infinity and -Infinity: the scanners' very objects.
_NAN_VALUES = tuple(json.loads("[NaN, Infinity, -Infinity]"))
# How deep the compiled build's scanner nests (it recurses, as the stdlib's does to about
# the recursion limit): deeper values are read as tokens.
_SCAN_DEPTH_MAX = 1000

if not cython.compiled:

    def _count_newlines(text: str) -> int:
        """The compiled build's ``text.count("\\n")`` (C, in _whole_scan.h)."""
        raise AssertionError("compiled build only")

    def _scan_whole(text: str, i: int, constants: Any, duplicates: bool, room: int) -> Any:
        """The compiled build's reader of whole values (C, in _whole_scan.h): ``(value,
        end)`` for the container at ``text[i]``, as the stdlib scanner (``_SCANNERS``) reads
        it with ``constants`` (NaN, Infinity, -Infinity) or None, and ``duplicates``; None
        where that scanner fails, or containers nest more than ``room`` deep."""
        raise AssertionError("compiled build only")

    def _joined_number(held: str, text: str, j: int, is_float: bool) -> Any:
        """The compiled build's ``float(held + text[:j])`` or ``int(...)`` for a valid number
        of at most ``_JOINED_MAX`` characters (C, in _whole_scan.h): no joined str."""
        raise AssertionError("compiled build only")

    def _short_float(text: str, i: int, j: int) -> float:
        """The compiled build's ``float(text[i:j])`` for a valid JSON float of at most
        ``_JOINED_MAX`` characters (C, in _whole_scan.h): no slice, and no x87 control-word
        switch where the digits and the power of ten are exact doubles."""
        raise AssertionError("compiled build only")


def _maybe_incomplete(exc: BaseException, text: str) -> bool:
    """Could more text complete ``text``, on which a scan failed like this?

    Only speed and when an error shows depend on the answer, never a result: a held value is
    scanned again when more text brings a closing bracket, and one the scanner keeps refusing
    is read as tokens.  Yes when the scan ran into the end of the text: an unterminated
    string, or a failure in a run of letters, digits and escape characters that reaches the
    end (a cut number, literal or escape).
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


class _Held:
    """A whole value's text held back until it may have ended (``hold_whole``).

    A chunk that holds neither ``closer`` (whose arrival makes a scan worth it) nor
    ``newline`` (a line end that must not be held; else the closer again) is added: to
    ``parts`` while ``length`` stays within ``room``; past it the parts are joined into
    ``buffer`` -- so that small chunks cost about their size -- or refused past ``limit``.
    (Compiled, its fields are C fields that the Splitter reads: see ``Splitter._park``.)
    """

    __slots__ = ("attempts", "buffer", "closer", "length", "limit", "newline", "parts", "room")

    def __init__(self, text: str, closer: str, newline: str, limit: int, attempts: int) -> None:
        self.parts = [text]
        self.length = len(text)
        self.limit = limit
        self.room = min(limit, self.length + _HOLD_PACK)
        self.buffer = TextBuffer()
        self.closer = closer
        self.newline = newline
        self.attempts = attempts

    def add(self, chunk: str) -> bool:
        """Hold ``chunk`` too; False if the value would pass ``limit``.  (The Splitter parks
        the chunks that cannot end the value, up to ``room``, and hands them over in one
        piece: see ``Splitter._park``.)"""
        n = self.length + len(chunk)
        if n <= self.room:
            self.parts.append(chunk)
            self.length = n
            return True
        if n > self.limit:
            return False
        self.buffer.append("".join(self.parts))
        self.parts = [chunk]
        self.length = n
        self.room = min(self.limit, n + _HOLD_PACK)
        return True

    def text(self, tail: str) -> str:
        """All the text held, with ``tail`` after it."""
        self.parts.append(tail)
        self.buffer.append("".join(self.parts))
        self.parts = []
        return self.buffer.text()


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` deep in ``value`` (level by level, no
    recursion)."""
    level = [value]
    for _ in range(limit):
        level = [
            child
            for container in level
            for child in (container.values() if type(container) is dict else container)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return False
    return True


def _escaped_part(text: str) -> str | None:
    """Decode ``text``, a piece of a string body with escapes, if it is wholly inside the
    string and ends on a whole character; else None (the slow path decides).

    The stdlib's C scanner decodes exactly as json.loads does.  Its result stands only if it
    read all of ``text`` (no closing quote inside) and does not end in a high surrogate,
    which the next chunk's low surrogate escape might still pair with.
    """
    last = text.rfind("\\")
    if last >= len(text) - 5 and (last == len(text) - 1 or text[last + 1] == "u"):
        return None  # it ends inside an escape: no need to ask the scanner
    try:
        body, end = scanstring(text + '"', 0)
    except ValueError:  # an escape cut at the end, a bad escape, a control character
        return None
    if end != len(text) + 1 or "\ud800" <= body[-1:] <= "\udbff":
        return None
    return body  # type: ignore[no-any-return]


def error_path(slots: list[Any], next_index: int | None, expecting: int) -> tuple[Any, ...]:
    """The JSON path of what an error concerns (the one rule of the Parser and the Splitter).

    ``slots`` are the open containers' slots, innermost last: an object's key (None before the
    first) or the index of an array's last element; ``next_index`` is the index the innermost
    array's next element would get, None when the innermost container is an object; and
    ``expecting`` is ``Tokenizer.expecting()`` where the error was found.  Where a value was
    expected (or a number or literal was being read), the error concerns that next element;
    where a key was, the object itself; elsewhere, the value or key the slot names.
    """
    if slots:
        if next_index is not None:
            if expecting == E_VALUE:
                slots[-1] = next_index
        elif expecting == E_KEY or slots[-1] is None:
            slots.pop()
    return tuple(slots)


def _show(text: str, i: int) -> str:
    """Describe what was found at ``text[i]`` for an error message."""
    if i >= len(text):
        return "end of input"
    return repr(text[i])


# -- the compiled build's character loops ---------------------------------------------------
#
# Where the pure-Python tokenizer jumps with a regex or a str method, a C call whose fixed
# cost is many times that of the few characters an LLM chunk holds, the compiled build walks
# the characters itself: typed in the .pxd, these become C loops over the str's code points
# (``for c in reversed(text)`` reads the str's buffer directly; ``text[i:]`` would copy).
# Each does exactly what its docstring's regex or method does; only `cython.compiled`
# branches call them (the pure build keeps the regexes), and the tests compare the two.
# Their callers pass indices within the text (0 <= i <= len(text)), so the loops read it
# without Python's index checks (``boundscheck``/``wraparound`` off: a plain read of the code
# point; in the pure build, Cython's shadow module or ``_backend.PureCython``, no-ops).


def _string_stop(text: str, i: int) -> int:
    """``_STRING_STOP.search(text, i)``'s start, or -1: the first '"', '\\' or control
    character at or after ``i``."""
    n = len(text)
    with cython.boundscheck(False), cython.wraparound(False):
        while i < n:
            c = text[i]
            if c == '"' or c == "\\" or c < " ":
                return i
            i += 1
    return -1


def _skip_whitespace(text: str, i: int) -> int:
    """``_NON_WHITESPACE.search(text, i)``'s start, or -1."""
    n = len(text)
    with cython.boundscheck(False), cython.wraparound(False):
        while i < n:
            c = text[i]
            if c != " " and c != "\n" and c != "\r" and c != "\t":
                return i
            i += 1
    return -1


def _last_newline(text: str) -> int:
    """``text.rfind("\\n")``."""
    i = len(text)
    for c in reversed(text):
        i -= 1
        if c == "\n":
            return i
    return -1


def _number_run_end(text: str, i: int) -> int:
    """``_NUMBER_RUN.match(text, i).end()``: past the characters a number may hold."""
    n = len(text)
    with cython.boundscheck(False), cython.wraparound(False):
        while i < n and text[i] in "-+.eE0123456789":
            i += 1
    return i


_SHORT_INT = 18  # characters of an integer that _short_int reads (|value| < 10**18 < 2**63)
_JOINED_MAX = 63  # characters of a cut number read from its pieces in C (see _end_number)


def _short_int(text: str, i: int, j: int) -> int:
    """``int(text[i:j])`` for a valid JSON integer of at most ``_SHORT_INT`` characters: a
    C loop over the digits in the compiled build, instead of a slice and a parse."""
    negative = text[i] == "-"
    value = 0
    with cython.boundscheck(False), cython.wraparound(False):
        for k in range(i + negative, j):
            value = value * 10 + (ord(text[k]) - 48)
    return -value if negative else value


def _number_state_at(state: int, text: str, i: int, j: int) -> int:
    """``_number_state(state, text[i:j])`` for a run ``i < j``: a walk through the same
    states, one character at a time (from N_START, a complete state is a ``_NUMBER`` match)."""
    while i < j and state != N_BAD:
        with cython.boundscheck(False), cython.wraparound(False):
            c = text[i]
        digit = "0" <= c <= "9"
        if state in (N_START, N_MINUS):
            if c == "0":
                state = N_ZERO
            elif digit:
                state = N_INT
            else:
                state = N_MINUS if c == "-" and state == N_START else N_BAD
        elif state <= N_INT or state == N_FRAC:  # N_ZERO, N_INT, N_FRAC
            if digit and state != N_ZERO:
                pass
            elif c == "." and state != N_FRAC:
                state = N_DOT
            elif c == "e" or c == "E":
                state = N_EXP
            else:
                state = N_BAD
        elif state == N_DOT:
            state = N_FRAC if digit else N_BAD
        elif state == N_EXP and (c == "+" or c == "-"):
            state = N_EXP_SIGN
        else:  # N_EXP, N_EXP_SIGN, N_EXP_DIGITS
            state = N_EXP_DIGITS if digit else N_BAD
        i += 1
    return state


class Tokenizer:
    """Turns JSON text, fed in chunks split anywhere, into tokens (see the module docstring).

    ``multiple=True`` accepts any number of top-level values, back to back or separated by
    whitespace (NDJSON, ``{..}{..}``).  ``allow_nan=True`` accepts ``NaN``, ``Infinity`` and
    ``-Infinity`` as ``json.loads`` does.  ``max_depth=None`` lifts the nesting limit; the
    tokenizer never recurses, so depth costs only memory.

    Whole values (module docstring): ``whole_values[d]`` holds the opening brackets (``"{["``,
    ``"{"`` or ``""``) of the containers read whole at depth ``d`` -- documents at 0, an
    array's elements deeper (an object's values never); ``scan_documents=True`` is
    ``whole_values=("{[",)``.  ``whole_duplicates=True``: whole values may have duplicate
    keys (the last one kept).  ``hold_whole=True`` (or ``HOLD_LINE``) holds one that has not
    ended yet.
    """

    # Slots: past 30 attributes an instance's __dict__ stops sharing its keys and every
    # attribute read in the loop takes CPython's slower path (+7% instructions at 4
    # characters a chunk).  Slots are also smaller.
    __slots__ = (
        "_attempts",
        "_bad_utf8",
        "_buffer_limit",
        "_bytes_done",
        "_decoder",
        "_duplicates",
        "_held",
        "_key",
        "_last_line_start",
        "_line_start",
        "_lines",
        "_number",
        "_number_state",
        "_pending",
        "_scan",
        "_scan_max",
        "_short_number",
        "_skipped",
        "_string_closed",
        "_string_end",
        "_string_len",
        "_string_limit",
        "_token_start",
        "allow_nan",
        "consumed",
        "documents",
        "error",
        "hold_whole",
        "last_text",
        "max_buffer",
        "max_depth",
        "max_string",
        "multiple",
        "positions",
        "scan_documents",
        "stack",
        "state",
        "stop_after_document",
        "strip_bom",
        "whole_values",
    )

    def __init__(
        self,
        *,
        multiple: bool = False,
        allow_nan: bool = False,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        max_string: int = DEFAULT_MAX_STRING,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        scan_documents: bool = False,
        stop_after_document: bool = False,
        whole_values: tuple[str, ...] = (),
        whole_duplicates: bool = False,
        hold_whole: int = 0,
        positions: bool = True,
    ) -> None:
        check_limits(max_depth, max_string, max_buffer)
        self._setup(
            multiple,
            allow_nan,
            max_depth,
            max_string,
            max_buffer,
            scan_documents,
            stop_after_document,
            whole_values,
            whole_duplicates,
            hold_whole,
            positions,
        )

    def _setup(
        self,
        multiple: bool,
        allow_nan: bool,
        max_depth: int | None,
        max_string: int,
        max_buffer: int,
        scan_documents: bool,
        stop_after_document: bool,
        whole_values: tuple[str, ...],
        whole_duplicates: bool,
        hold_whole: int,
        positions: bool,
    ) -> None:
        """``__init__``'s work: a C method the Parser and the Splitter call on
        ``Tokenizer.__new__(Tokenizer)`` (a keyword call to the class was about 4,500
        instructions, 1% of a 0.5 KB stream), once they have checked the limits
        (``check_limits``: each front door checks them first, and only once)."""
        self.multiple = multiple
        self.positions = positions  # tokens carry their positions (see T_BEGIN_OBJECT)
        # The front-end hook (see ``skip``): return at the first character after a document.
        self.stop_after_document = stop_after_document
        self.scan_documents = scan_documents
        self.whole_values = ("{[",) if scan_documents else whole_values
        self.hold_whole = hold_whole
        self._held: _Held | None = None  # the held whole value (hold_whole)
        self._attempts = 0  # failed scans of the value at the start of the held text
        self.allow_nan = allow_nan
        self.max_depth = max_depth if max_depth is not None else 1 << 62
        self.max_string = max_string
        # max_string for the compares (a C integer in the compiled build: no int object per
        # compare; a limit past 2**62 characters is none).
        self._string_limit = min(max_string, 1 << 62)
        self.max_buffer = max_buffer
        self._buffer_limit = min(max_buffer, 1 << 62)  # the same, for the compares
        # Longer numbers take the slow path, which checks max_buffer and int()'s digit limit.
        self._short_number = min(_SHORT_INT, max_buffer)
        # The C scanner's strings and numbers cannot be longer than the text it reads.
        self._scan_max = min(max_string, max_buffer)
        self._scan = _SCANNERS[allow_nan][whole_duplicates]
        self._duplicates = whole_duplicates  # (for the compiled build's scanner)
        self.error: ParseError | None = None
        self.stack: list[int] = []  # OBJECT / ARRAY per open container
        self.state = S_VALUE
        self.documents = 0  # top-level values begun
        self._pending = ""  # held-back text, re-read before the next chunk
        self.consumed = 0  # characters fed so far (during a feed: before the current chunk)
        self._token_start = 0  # absolute position where the open string/key/number began
        self._string_len = 0  # characters of the open string or key so far
        # What _string_body says besides the characters: did the string end, and where.
        self._string_closed = False
        self._string_end = 0
        # The text so far of a key or number cut by chunk boundaries (see _grown).
        self._key: str | TextBuffer = ""
        self._number: str | TextBuffer = ""
        self._number_state = N_START
        # Line and column bookkeeping: counts for everything before the current chunk.
        self._lines = 0
        self._line_start = 0
        self._last_line_start = 0  # _line_start before the last chunk with a newline
        self._decoder: codecs.IncrementalDecoder | None = None  # set by the first bytes chunk
        self._bytes_done = 0  # bytes decoded into characters so far
        self._bad_utf8: str | None = None  # why the last bytes chunk was not UTF-8
        self.last_text = ""  # the last chunk's text (decoded, for bytes); errors read it
        self.strip_bom = True  # skip a U+FEFF that begins a bytes stream (as json.loads)
        self._skipped = False  # has skip() been called (then no extract=True hint)

    # -- input ------------------------------------------------------------------------------

    def close(self) -> list[tuple[Any, ...]]:
        """End of input: return the last tokens, or raise if the text is truncated."""
        tokens = self.finish()
        if self.error is not None:
            raise self.error
        return tokens

    def finish(self) -> list[tuple[Any, ...]]:
        """End of input, like ``close()``, but a truncation is only stored in ``error``:
        the tokens completed by the end (a number that ends the text) are returned first."""
        if self.error is not None:
            raise self.error
        held = self.release()
        if held is not None and self.error is not None:
            return held
        self.last_text = ""
        tokens: list[tuple[Any, ...]] = held or []
        if self._decoder is not None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                msg = "invalid UTF-8: truncated sequence"
                self._store(ParseError, "invalid_utf8", msg, self.consumed)
                return tokens
        state = self.state
        if state == S_IN_NUMBER:
            if self._number_state not in _COMPLETE_NUMBER:
                self._incomplete("eof_in_number", "input ended inside a number")
                return tokens
            try:
                self._end_number(tokens, self.consumed, "", 0)
            except ParseError:
                return tokens
            state = self.state
        if state in (S_IN_STRING, S_IN_KEY):
            what = "string" if state == S_IN_STRING else "object key"
            self._incomplete(
                "eof_in_string",
                f"input ended inside the {what} that began at char {self._token_start}",
            )
        elif state == S_IN_LITERAL:
            word = _LITERALS[self._pending[0]]
            self._incomplete("eof_in_literal", f"input ended inside the literal {word!r}")
        elif self.stack:
            name = "object" if self.stack[-1] == OBJECT else "array"
            self._incomplete("eof_in_container", f"input ended inside an {name}")
        elif self.documents == 0 and not self.multiple:
            self._incomplete("empty_input", "expected a JSON value, found end of input")
        return tokens

    # -- the front-end hook (used by _extract, the layer that finds JSON in model text) ---
    #
    # A layer that finds JSON inside other text (prose, code fences) feeds the tokenizer only
    # the JSON and needs two things from it: where a top-level document ended inside the
    # text just fed, and positions that count the text it did not feed.
    #
    # - ``stop_after_document = True`` (keyword or attribute): after a complete top-level
    #   value, ``feed`` reads whitespace only and returns at the first other character,
    #   without reading it; ``consumed`` then counts just the characters read, so
    #   ``consumed`` before and after a feed says how much of the chunk was taken, and
    #   ``after_document()`` says that the document is complete.  Every later feed
    #   stops at its first non-whitespace character too, until ``next_document()``.
    # - ``next_document()``: after such a stop, the next feed begins a new top-level value
    #   (with ``multiple=True``; a single-document tokenizer reports extra data as usual).
    # - ``skip(text)``: count ``text`` (str) as read without tokenizing it, so that positions,
    #   lines and columns of later errors refer to the whole stream.  Only between documents.

    def skip(self, text: str) -> None:
        """Count ``text`` as read but not JSON (a front-end skipped it); see the hook above."""
        if self._pending or self.stack or self.state >= S_IN_STRING or self._held is not None:
            raise RuntimeError("Tokenizer.skip() is only allowed between documents")
        newlines = text.count("\n")
        if newlines:
            self._lines += newlines
            self._line_start = self.consumed + text.rfind("\n") + 1
        self.consumed += len(text)
        self._skipped = True

    def next_document(self) -> None:
        """After a ``stop_after_document`` stop, let the next feed begin a new value."""
        if self.state == S_AFTER_DOCUMENT:
            self.state = S_VALUE

    # -- where the grammar is (the layers above ask these; no S_* state is read outside) ----

    def expecting(self) -> int:
        """What an error here concerns: E_VALUE, E_KEY or E_OTHER (see ``error_path``)."""
        return _EXPECTING[self.state]

    def in_scalar(self) -> bool:
        """Inside a number or literal that a chunk boundary cut (no token for it yet)."""
        return self.state == S_IN_NUMBER or self.state == S_IN_LITERAL

    def after_document(self) -> bool:
        """A top-level value is complete (with ``stop_after_document``: the feed stopped)."""
        return self.state == S_AFTER_DOCUMENT

    def between_documents(self) -> bool:
        """Nothing is open: a top-level value may begin (or the last one is complete)."""
        return not self.stack and (self.state == S_VALUE or self.state == S_AFTER_DOCUMENT)

    # -- whole values held back (hold_whole; see the module docstring) ----------------------

    def held(self) -> int:
        """Characters of a whole value held back (not read, not in ``consumed`` yet)."""
        return self._held.length if self._held is not None else 0

    def release(self) -> list[tuple[Any, ...]] | None:
        """The input ends: read the held value's text as tokens now, and hold no more.

        Returns None if nothing was held; else the tokens, with ``last_text`` the held text
        (like a ``feed`` of it).  ``finish()`` does this first.
        """
        self.hold_whole = 0
        held = self._held
        if held is None:
            return None
        self._held = None
        self._attempts = _ATTEMPTS_MAX  # it did not end: no scan
        return self.feed(held.text(""))

    def _unhold(self, chunk: Any) -> str | None:
        """A chunk that ``feed``'s hook did not simply hold: None if it is held too (it cannot
        end the value), else all the held text with ``chunk`` after it, to read as one
        chunk."""
        held = self._held
        assert held is not None
        if not isinstance(chunk, str):
            raise TypeError("cannot mix bytes and str chunks in one stream")
        if held.closer not in chunk:
            if held.newline not in chunk and held.add(chunk):
                self.last_text = ""
                return None
            # Too long to scan, or a line end (HOLD_LINE) before the value could end: read it
            # as tokens now.  (A line end with a closer in the chunk is scanned first: models
            # often send a document's last bracket and its newline in one chunk.)
            held.attempts = _ATTEMPTS_MAX
        self._held = None
        self._attempts = held.attempts
        return held.text(chunk)

    def _decode(self, chunk: Any) -> str:
        """Decode a bytes chunk incrementally (a split UTF-8 sequence waits for its rest).

        Invalid UTF-8 yields the text before it and sets ``_bad_utf8``, which ``feed``
        reports after tokenizing that text, so nothing before the bad byte is lost.
        """
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            if isinstance(chunk, str) and self._decoder is None:
                return str(chunk)  # a str subclass is text
            if isinstance(chunk, str):
                raise TypeError("cannot mix bytes and str chunks in one stream")
            raise TypeError(
                f"unspool expects str or bytes chunks, got {type(chunk).__name__}; "
                "for SDK stream objects use the adapters (unspool.openai, unspool.anthropic)"
            )
        decoder = self._decoder
        if decoder is None:
            if self.consumed or self._held is not None:
                raise TypeError("cannot mix bytes and str chunks in one stream")
            decoder = self._decoder = codecs.getincrementaldecoder("utf-8")()
        held = decoder.getstate()[0]
        data = bytes(chunk)
        try:
            text: str = decoder.decode(data)
            self._bytes_done += len(held) + len(data) - len(decoder.getstate()[0])
        except UnicodeDecodeError as exc:
            text = (held + data)[: exc.start].decode("utf-8")
            self._bytes_done += exc.start
            self._bad_utf8 = str(exc.reason)
        if self.consumed == 0 and text[:1] == "\ufeff" and self.strip_bom:
            text = text[1:]  # a leading BOM, as json.loads(bytes) skips it
        return text

    def _store_bad_utf8(self) -> None:
        """Invalid UTF-8 ended the last chunk, after the valid text before it was tokenized."""
        if self.error is None:
            msg = f"invalid UTF-8 ({self._bad_utf8})"
            self._store(ParseError, "invalid_utf8", msg, self.consumed)
            self._stored().byte_pos = self._bytes_done

    # -- the hot loop -----------------------------------------------------------------------

    def feed(self, data: str | bytes) -> list[tuple[Any, ...]]:
        """Tokenize one more chunk; return the tokens it completes.

        On bad input the tokens before the error are returned and ``error`` is set; the next
        call raises it.
        """
        tokens: list[tuple[Any, ...]] = []
        part = self.feed_into(data, tokens)
        return tokens if part is None else [(T_STRING_PART, part)]

    def feed_into(self, data: str | bytes, tokens: list[tuple[Any, ...]]) -> str | None:
        """``feed`` for a consumer that keeps one list of tokens: append the chunk's tokens
        to ``tokens`` and return None; but a chunk wholly inside a string value, which
        completes only ``(T_STRING_PART, text)``, returns ``text`` and appends nothing.

        That chunk is the commonest while a model writes prose: it then costs no list and
        no tuple (the Parser reuses its list, so the other chunks cost no list either).
        """
        if self._held is not None:  # hook: a whole value is held back (never with an error)
            whole = self._unhold(data)
            if whole is None:
                return None
            data = whole
        if self.error is not None:
            raise self.error
        chunk = data if type(data) is str and self._decoder is None else self._decode(data)
        state = self.state
        pending = self._pending  # held-back text (only ever inside a token)
        text = pending + chunk if pending else chunk
        # Fast paths for chunks that complete nothing: a C call or two decides each.
        j = -1  # in a string or key: where its first '"', '\\' or control character is
        if S_IN_STRING <= state <= S_IN_KEY:
            if _COMPILED:  # a C loop instead of the regex
                j = _string_stop(text, 0)
                if j < 0:
                    body: str | None = text
                elif state == S_IN_STRING and text[j] == "\\":
                    body = _escaped_part(text)
                else:
                    body = None
            else:
                m = _STRING_STOP.search(text)
                if m is None:
                    body = text
                else:
                    j = m.start()
                    body = None
                    if state == S_IN_STRING and text[j] == "\\":
                        body = _escaped_part(text)
            if body is not None:
                # Wholly inside a string body or key (no raw newline there: line counts stand).
                self._pending = ""
                self.last_text = chunk
                n = len(body)
                self._string_len += len(text)
                if self._string_len > self._string_limit:
                    self._store_limit_string(self.consumed + len(chunk))
                    n = 0  # nothing past the limit is returned
                self.consumed += len(chunk)
                if self._bad_utf8 is not None:
                    self._store_bad_utf8()
                if state == S_IN_KEY:
                    self._key = _grown(self._key, body)
                    return None
                return body if n else None
        self.last_text = chunk
        # Only whitespace between tokens (pretty-printed JSON has a lot) needs no reading.
        if (
            state >= S_IN_STRING
            or (_skip_whitespace(chunk, 0) >= 0 if _COMPILED else chunk.strip(WHITESPACE))
            or self._bad_utf8 is not None
        ):
            self._pending = ""
            # (``j`` saves _resume a second search of the same text.)
            stop = self._tokens(text, self.consumed - len(pending), tokens, j)
            if stop >= 0:  # stop_after_document: the rest of the chunk is not read
                chunk = chunk[: max(0, stop - len(pending))]
                self.last_text = chunk
        # Account for the chunk: absolute position and newline counts.
        last = _last_newline(chunk) if _COMPILED else chunk.rfind("\n")
        if last >= 0:
            self._lines += _count_newlines(chunk) if _COMPILED else chunk.count("\n")
            self._last_line_start = self._line_start
            self._line_start = self.consumed + last + 1
        self.consumed += len(chunk)
        if self._bad_utf8 is not None:
            self._store_bad_utf8()
        return None

    def _tokens(self, text: str, base: int, tokens: list[tuple[Any, ...]], string_stop: int) -> int:
        """Tokenize ``text`` (``base`` is the absolute position of ``text[0]``) from the state
        the last chunk left; return where a ``stop_after_document`` stop came, else -1.
        In a string or key, ``string_stop`` is where the text's first '"', '\\' or control
        character is (``feed_into`` searched for it).

        One branch per group of states: commas and closing brackets (the most frequent) are
        read here, values and keys by ``_value`` and ``_key``.  An error (ParseError, stored in
        ``error`` by ``_fail``) ends the loop; the tokens before it stand, and ``state`` keeps
        the grammar position where it was found (the error paths above ask what was expected).
        A whole value held back (``hold_whole``) ends the chunk too: its index is returned.
        """
        n = len(text)
        stack = self.stack
        state = self.state
        i = 0
        stop = -1
        try:
            if state >= S_IN_STRING:
                i = self._resume(text, base, tokens, string_stop)
                state = self.state
            while i < n:
                c = text[i]
                if c in " \t\r\n":  # WHITESPACE (a literal: a C switch in the compiled build)
                    if _COMPILED:  # a C loop instead of the regex
                        i = _skip_whitespace(text, i + 1)
                        if i < 0:
                            break
                    else:  # one space (as after ':') needs no regex: only a run does
                        i += 1
                        if i == n:
                            break
                        if text[i] in WHITESPACE:
                            m = _NON_WHITESPACE.search(text, i)
                            if m is None:
                                break
                            i = m.start()
                    c = text[i]
                if state == S_COMMA_OR_CLOSE:
                    if c == ",":
                        if stack[-1] == ARRAY:
                            state = S_VALUE
                            i += 1
                            continue
                        # The usual ', "key": ' in one match; anything else goes step by step
                        # (as does everything in the compiled build, whose steps are C loops).
                        m = None if _COMPILED or n - i < _NEXT_KEY_MIN else _NEXT_KEY.match(text, i)
                        if m is None or m.end(1) - m.start(1) > self._string_limit:
                            state = S_KEY
                            i += 1
                            continue
                        key = m.group(1)
                        tokens.append(
                            (T_KEY, key, base + m.start(1) - 1) if self.positions else (T_KEY, key)
                        )
                        i = m.end()
                        state = S_VALUE
                    elif (c == "}" and stack[-1] == OBJECT) or (c == "]" and stack[-1] == ARRAY):
                        stack.pop()
                        kind = T_END_OBJECT if c == "}" else T_END_ARRAY
                        tokens.append((kind, base + i) if self.positions else _BARE[kind])
                        state = S_COMMA_OR_CLOSE if stack else S_AFTER_DOCUMENT
                        i += 1
                    else:
                        self._expected_comma(text, i, base)
                elif state <= S_VALUE_OR_CLOSE:
                    i = self._value(text, i, base, tokens, state)
                    if i < 0:  # hook: a whole value held back from -2 - i (see _whole)
                        stop = -2 - i
                        break
                    state = self.state
                elif state == S_COLON:
                    if c != ":":
                        self._expected_colon(text, i, base)
                    state = S_VALUE
                    i += 1
                elif state <= S_KEY:  # S_KEY_OR_CLOSE, S_KEY
                    i = self._key_at(text, i, base, tokens, state)
                    state = self.state
                else:  # S_AFTER_DOCUMENT
                    if self.stop_after_document:
                        stop = i
                        break
                    if not self.multiple:
                        self._extra_data(text, i, base)
                    state = S_VALUE
        except ParseError:
            pass  # stored in self.error by _fail; the tokens before it stand
        self.state = state
        return stop

    def _value(
        self, text: str, i: int, base: int, tokens: list[tuple[Any, ...]], state: int
    ) -> int:
        """Read the value that begins at ``text[i]`` (``state`` is S_VALUE or
        S_VALUE_OR_CLOSE); set ``state`` after it and return the index where the loop goes on.

        On an error ``state`` is left as it was: the value was expected here.  A whole value
        held back returns ``-2 - i`` (see ``_whole``).
        """
        stack = self.stack
        c = text[i]
        if not stack:
            self.documents += 1
        if c == '"':
            if _COMPILED:  # a C loop instead of the regex
                j = _string_stop(text, i + 1)
            else:
                m = _STRING_STOP.search(text, i + 1)
                j = -1 if m is None else m.start()
            if j < 0 or text[j] != '"':
                return self._open_string(text, i, base, tokens, j)
            # No escape before the end: a slice.
            if j - i - 1 > self._string_limit:
                self._limit_whole_string(j - i - 1, base + j)
            body = text[i + 1 : j]
            tokens.append(
                (T_STRING, body, base + i, base + j + 1) if self.positions else (T_STRING, body)
            )
            self.state = S_COMMA_OR_CLOSE if stack else S_AFTER_DOCUMENT
            return j + 1
        if c == "{" or c == "[":
            depth = len(stack)
            whole = self.whole_values
            if depth < len(whole) and c in whole[depth] and (not depth or stack[-1] == ARRAY):
                j = self._whole(text, i, base, tokens)  # hook: whole values
                if j:
                    return j
            if len(stack) >= self.max_depth:
                self._limit_depth(base + i)
            if c == "{":
                stack.append(OBJECT)
                tokens.append((T_BEGIN_OBJECT, base + i) if self.positions else _BARE[0])
                self.state = S_KEY_OR_CLOSE
            else:
                stack.append(ARRAY)
                tokens.append((T_BEGIN_ARRAY, base + i) if self.positions else _BARE[2])
                self.state = S_VALUE_OR_CLOSE
            return i + 1
        if "0" <= c <= "9" or c == "-":
            # A short number with a delimiter after it is complete: one match (C loops in the
            # compiled build, the same decision).
            if _COMPILED:
                j = _number_run_end(text, i)
                number_state = _number_state_at(N_START, text, i, j)
                complete = number_state in (N_ZERO, N_INT, N_FRAC, N_EXP_DIGITS)  # a C switch
                is_float = number_state >= N_DOT
            else:
                m = _NUMBER.match(text, i)
                j = i if m is None else m.end()
                complete = m is not None and j < len(text) and text[j] not in "-+.eE0123456789"
                is_float = complete and m.lastindex is not None  # type: ignore[union-attr]
            if complete and j < len(text) and j - i <= self._short_number:
                if _COMPILED:  # C reads, no slice (_short_number is at most _SHORT_INT)
                    value: Any = _short_float(text, i, j) if is_float else _short_int(text, i, j)
                else:
                    number = text[i:j]
                    value = float(number) if is_float else int(number)
                tokens.append(
                    (T_SCALAR, value, base + i, base + j) if self.positions else (T_SCALAR, value)
                )
                self.state = S_COMMA_OR_CLOSE if stack else S_AFTER_DOCUMENT
                return j
            return self._number_at(text, i, base, tokens)
        if c in "tfnNI":  # what begins a literal ('-' is a number's, above)
            word = _LITERALS[c]
            if c in "tfn" and text.startswith(word, i):  # true, false, null: whole
                j = i + len(word)
                value = _LITERAL_VALUES[word]
                tokens.append(
                    (T_SCALAR, value, base + i, base + j) if self.positions else (T_SCALAR, value)
                )
                self.state = S_COMMA_OR_CLOSE if stack else S_AFTER_DOCUMENT
                return j
            return self._literal(text, i, base, tokens)
        if c == "]" and state == S_VALUE_OR_CLOSE:
            stack.pop()
            tokens.append((T_END_ARRAY, base + i) if self.positions else _BARE[3])
            self.state = S_COMMA_OR_CLOSE if stack else S_AFTER_DOCUMENT
            return i + 1
        self._expected_value(text, i, base, state)
        return 0  # unreachable: _expected_value raises

    def _open_string(
        self, text: str, i: int, base: int, tokens: list[tuple[Any, ...]], j: int
    ) -> int:
        """A string value with escapes, or one that the chunk cuts (then ``S_IN_STRING``);
        ``j`` is ``_string_body``'s."""
        self._token_start = base + i
        self._string_len = 0
        body = self._string_body(text, i + 1, base, j)
        i = self._string_end
        if self._string_closed:
            tokens.append(
                (T_STRING, body, self._token_start, base + i)
                if self.positions
                else (T_STRING, body)
            )
            self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT
            return i
        tokens.append(
            (T_STRING_START, body, self._token_start) if self.positions else (T_STRING_START, body)
        )
        self.state = S_IN_STRING
        self._pending = text[i:]
        return len(text)

    def _number_at(self, text: str, i: int, base: int, tokens: list[tuple[Any, ...]]) -> int:
        """A number that the chunk may cut (then ``S_IN_NUMBER``), a long one, or '-Infinity'."""
        n = len(text)
        if _COMPILED:  # a C loop instead of the regex
            j = _number_run_end(text, i)
        else:
            # The longest valid prefix (the regex always matches, if only the empty string):
            # when it reaches the end, so does the run, and it is valid (one regex for the
            # usual number that the chunk cuts).
            prefix = _NUMBER_PREFIX.match(text, i)
            j = prefix.end()  # type: ignore[union-attr]
            if j < n:
                j = _NUMBER_RUN.match(text, i).end()  # type: ignore[union-attr]
        if j == n:
            # The number may go on in the next chunk.
            self._token_start = base + i
            run = text[i:]
            self._number = run
            if n - i > self._buffer_limit:
                self._limit_buffer()
            if _COMPILED:  # a C loop instead of the regex
                number_state = _number_state_at(N_START, text, i, n)
            elif prefix.end() < n:  # type: ignore[union-attr]
                number_state = N_BAD  # a run longer than its valid prefix is invalid
            else:
                number_state = _STATE_AFTER[prefix.lastindex]  # type: ignore[union-attr]
            if number_state == N_BAD:
                self._fail("invalid_number", f"invalid number {run[:40]!r}", base + i)
            self._number_state = number_state
            self.state = S_IN_NUMBER
            return n
        if j == i + 1 and text[i] == "-" and text[j] == "I":
            return self._literal(text, i, base, tokens)
        tokens.append(self._whole_number(text[i:j], base + i, base + j))
        self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT
        return j

    def _key_at(
        self, text: str, i: int, base: int, tokens: list[tuple[Any, ...]], state: int
    ) -> int:
        """Read the key (or, after '{', the '}') at ``text[i]`` in ``state`` S_KEY_OR_CLOSE or
        S_KEY; set ``state`` after it and return the index where the loop goes on."""
        c = text[i]
        if c == '"':
            if _COMPILED:  # a C loop instead of the regex
                j = _string_stop(text, i + 1)
            else:
                m = _STRING_STOP.search(text, i + 1)
                j = -1 if m is None else m.start()
            if j >= 0 and text[j] == '"':
                if j - i - 1 > self._string_limit:
                    self._limit_whole_string(j - i - 1, base + j)
                key = text[i + 1 : j]
                tokens.append((T_KEY, key, base + i) if self.positions else (T_KEY, key))
                if text[j + 1 : j + 2] == ":":  # the usual '"key":' in one step
                    self.state = S_VALUE
                    return j + 2
                self.state = S_COLON
                return j + 1
            self._token_start = base + i
            self._string_len = 0
            body = self._string_body(text, i + 1, base, j)
            i = self._string_end
            if self._string_closed:
                tokens.append((T_KEY, body, self._token_start) if self.positions else (T_KEY, body))
                self.state = S_COLON
                return i
            self._key = body
            self.state = S_IN_KEY
            self._pending = text[i:]
            return len(text)
        if c == "}" and state == S_KEY_OR_CLOSE:
            self.stack.pop()
            tokens.append((T_END_OBJECT, base + i) if self.positions else _BARE[1])
            self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT
            return i + 1
        if c == "}":
            self._fail("trailing_comma", "expected a key after ',', found '}'", base + i)
        self._fail(
            "expected_key",
            f"expected '\"' to begin an object key, found {_show(text, i)}",
            base + i,
        )
        return 0  # unreachable: _fail raises

    def _whole(self, text: str, i: int, base: int, tokens: list[tuple[Any, ...]]) -> int:
        """Read the container at ``text[i]`` (at a ``whole_values`` depth) with the C scanner.

        Returns the index after it (a ``T_WHOLE`` token emitted, ``state`` set), 0 when it
        is to be read as tokens, or ``-2 - i`` when it is held back (``hold_whole``: it has
        not ended in ``text``, and may still pass the scanner).  The rules of agreement are
        the module docstring's.  Without a hold, a value that does not end in ``text`` costs
        a scan only if its closing bracket is there (values follow each other: the rest of
        the text is inside it).
        """
        attempts = self._attempts
        self._attempts = 0
        if attempts >= _ATTEMPTS_MAX:
            return 0  # the held text is read as tokens
        closer = "}" if text[i] == "{" else "]"
        end = 0
        if text.find(closer, i + 1) >= 0:
            try:
                value, end = self._scan_c(text, i) if _COMPILED else self._scan(text, i)
            except _SCAN_FAILED as exc:
                attempts += 1  # each costs a scan of all the value's text so far
                if not self.hold_whole or not _maybe_incomplete(exc, text):
                    return 0
        if not end:
            hold = self.hold_whole
            limit = min(_HOLD_MAX, self._scan_max)
            if (
                not hold
                or self._decoder is not None  # bytes: a held text would need its bytes too
                or len(text) - i > limit
                or (hold == HOLD_LINE and not self.stack and text.find("\n", i) >= 0)
            ):
                return 0
            line = hold == HOLD_LINE and not self.stack
            self._held = _Held(text[i:], closer, "\n" if line else closer, limit, attempts)
            if not self.stack:
                self.documents -= 1  # counted again when it is read
            return -2 - i
        if end < 0 or end - i > self._scan_max:
            return 0  # refused, or a string or number in it may be longer than the limits
        if not _COMPILED:  # (the compiled build's scanner checks the depth as it reads)
            room = self.max_depth - len(self.stack)  # the depth it may nest to
            if end - i > 2 * room:  # n characters nest at most n / 2 deep
                brackets = text.count("[", i, end) + text.count("{", i, end)
                if brackets > room and _deeper_than(value, room):
                    return 0
        tokens.append((T_WHOLE, value, base + i, base + end))
        self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT
        return end

    def _scan_c(self, text: str, i: int) -> tuple[Any, int]:
        """The compiled build's scan of the container at ``text[i]`` (``_scan_whole``): its
        value and end, or an end of -1 where it is to be read as tokens.

        Where the C scanner refuses a value that is held (``hold_whole``), the stdlib scanner
        reads it again to raise what ``_maybe_incomplete`` asks about, as in the pure build.
        """
        room = self.max_depth - len(self.stack)  # the depth it may nest to
        constants = _NAN_VALUES if self.allow_nan else None
        scanned = _scan_whole(text, i, constants, self._duplicates, min(room, _SCAN_DEPTH_MAX))
        if scanned is not None:
            return scanned  # type: ignore[no-any-return]
        if self.hold_whole:
            self._scan(text, i)  # raises where the C scanner did not fail for depth
        return None, -1

    # -- tokens cut by a chunk boundary -----------------------------------------------------

    def _resume(self, text: str, base: int, tokens: list[tuple[Any, ...]], string_stop: int) -> int:
        """Continue the token that the previous chunk cut; return where the loop goes on.
        In a string or key, ``string_stop`` is ``_string_body``'s ``j`` (see ``_tokens``)."""
        state = self.state
        n = len(text)
        stack = self.stack
        if state == S_IN_STRING:
            body = self._string_body(text, 0, base, string_stop)
            i = self._string_end
            if self._string_closed:
                tokens.append(
                    (T_STRING_END, body, base + i) if self.positions else (T_STRING_END, body)
                )
                self.state = S_COMMA_OR_CLOSE if stack else S_AFTER_DOCUMENT
                return i
            if body:
                tokens.append((T_STRING_PART, body))
            self._pending = text[i:]
            return n
        if state == S_IN_KEY:
            body = self._string_body(text, 0, base, string_stop)
            i = self._string_end
            key = self._key = _grown(self._key, body)
            if self._string_closed:
                name = key if isinstance(key, str) else key.text()
                tokens.append((T_KEY, name, self._token_start) if self.positions else (T_KEY, name))
                self.state = S_COLON
                return i
            self._pending = text[i:]
            return n
        if state == S_IN_NUMBER:
            if _COMPILED:  # a C loop instead of the regex
                j = _number_run_end(text, 0)
            else:  # (the regex always matches, if only the empty string)
                m = _NUMBER_RUN.match(text)
                j = m.end()  # type: ignore[union-attr]
            if j:
                number = self._number
                held = len(number) if isinstance(number, str) else number.length
                if held + j > self._buffer_limit:  # (compiled: a C compare, no int object)
                    self._limit_buffer()
                self._more_number(text, j)
            if j == n:
                self._number = _grown(self._number, text)
                return n
            if self._number_state == N_MINUS and text[j] == "I":
                # '-' then 'Infinity' in the next chunk: it was a literal after all.
                self.state = S_VALUE
                return self._literal("-" + text, 0, base - 1, tokens) - 1
            self._end_number(tokens, base + j, text, j)
            return j
        # S_IN_LITERAL: the held-back letters are already at the front of text.
        self.state = S_VALUE
        return self._literal(text, 0, base, tokens)

    def _end_number(self, tokens: list[tuple[Any, ...]], end: int, text: str, j: int) -> None:
        """The number cut by chunk boundaries ended at ``end``: ``_number`` then ``text[:j]``
        (its state, ``_more_number``'s, says if it is valid)."""
        number = self._number
        pos = self._token_start
        state = self._number_state
        is_float = state >= N_DOT
        complete = state in (N_ZERO, N_INT, N_FRAC, N_EXP_DIGITS)
        if _COMPILED and complete and type(number) is str and len(number) + j <= _JOINED_MAX:
            # The usual number cut once or twice: its value read from the pieces in C, not
            # from a str that joins them (~400 instructions less).
            value = _joined_number(number, text, j, is_float)
            tokens.append((T_SCALAR, value, pos, end) if self.positions else (T_SCALAR, value))
            self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT
            return
        run = (number if isinstance(number, str) else number.text()) + text[:j]
        if not complete:
            self._fail("invalid_number", f"invalid number {run[:40]!r}", pos)
        tokens.append(self._number_token(run, is_float, pos, end))
        self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT

    # -- strings ----------------------------------------------------------------------------

    def _string_body(self, text: str, i: int, base: int, j: int) -> str:
        """Decode string characters from ``text[i]`` on; return them.  ``j`` is where the
        first '"', '\\' or control character at or after ``i`` is, else -1: every caller has
        just searched for it (whether the string ends in this chunk), so it is not searched
        twice.

        Sets ``_string_closed`` (did the string end?) and ``_string_end``: past the closing
        quote when it did, else the start of an escape held back for the next chunk
        (``len(text)`` if none).  (Attributes, not a tuple: no object per call.)
        """
        if j < 0:  # no end in sight: all of it is string
            self._count_string(len(text) - i, base + len(text))
            self._string_end = len(text)
            self._string_closed = False
            return text[i:]
        if text[j] == '"':  # no escape before the end: a slice
            self._count_string(j - i, base + j)
            self._string_end = j + 1
            self._string_closed = True
            return text[i:j]
        if text[j] == "\\" and text.find('"', j + 1) != -1:
            # Escapes and maybe the end: the stdlib's C scanner decodes exactly as json.loads
            # does.  If the string does not end here after all, or is invalid, the loop
            # below reads it again, so each character is still read a bounded number of times.
            try:
                body, end = scanstring(text, i)
            except ValueError:
                pass
            else:
                self._count_string(end - 1 - i, base + end - 1)
                self._string_end = end
                self._string_closed = True
                return body  # type: ignore[no-any-return]
        return self._decode_string(text, i, base, j)

    def _decode_string(self, text: str, i: int, base: int, j: int) -> str:
        """``_string_body`` the slow way: escapes one by one, holding back a split one.  ``j``
        is ``_string_body``'s: the first stop is not searched for again."""
        n = len(text)
        parts: list[str] = []
        start = i
        while True:
            if j < i:  # past the last stop: find the next one
                if _COMPILED:  # a C loop instead of the regex
                    j = _string_stop(text, i)
                else:
                    m = _STRING_STOP.search(text, i)
                    j = -1 if m is None else m.start()
            if j < 0:
                parts.append(text[i:])
                i = n
                break
            if j > i:
                parts.append(text[i:j])
            c = text[j]
            if c == '"':
                self._count_string(j - start, base + j)
                self._string_end = j + 1
                self._string_closed = True
                return "".join(parts)
            if c != "\\":
                msg = f"invalid control character {c!r} in string (escape it)"
                self._string_error("control_character", msg, base + j, j - start)
            if j + 1 >= n:
                i = j  # a lone backslash: hold it back
                break
            e = text[j + 1]
            if e != "u":
                r = _ESCAPES.get(e)
                if r is None:
                    self._string_error(
                        "invalid_escape", f"invalid escape '\\{e}' in string", base + j, j - start
                    )
                parts.append(r)  # type: ignore[arg-type]
                i = j + 2
                continue
            digits = text[j + 2 : j + 6]
            if len(digits) < 4:
                if _HEX_PREFIX.fullmatch(digits) is None:
                    self._string_error(
                        "invalid_escape", "invalid \\uXXXX escape in string", base + j, j - start
                    )
                i = j  # '\u' and fewer than four digits so far: hold back
                break
            if _HEX4.fullmatch(digits) is None:
                self._string_error(
                    "invalid_escape", "invalid \\uXXXX escape in string", base + j, j - start
                )
            code = int(digits, 16)
            i = j + 6
            if 0xD800 <= code <= 0xDBFF:
                # A high surrogate pairs with a directly following \uDC00-\uDFFF escape, as in
                # json.loads; until the next six characters are here we cannot tell.
                follow = text[i : i + 6]
                if (
                    len(follow) < 6
                    and "\\u".startswith(follow[:2])
                    and _HEX_PREFIX.fullmatch(follow[2:])
                ):
                    i = j
                    break
                if follow[:2] == "\\u" and _HEX4.fullmatch(follow[2:]):
                    low = int(follow[2:], 16)
                    if 0xDC00 <= low <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
            parts.append(chr(code))
        self._count_string(i - start, base + i)
        self._string_end = i
        self._string_closed = False
        return "".join(parts)

    def _string_error(self, kind: str, msg: str, pos: int, length: int) -> None:
        """A bad character in a string; one past max_string reports the limit first, as it
        would have been reported had the string arrived in smaller chunks."""
        self._count_string(length, pos)
        self._fail(kind, msg, pos)

    def _count_string(self, added: int, end: int) -> None:
        self._string_len += added
        if self._string_len > self._string_limit:
            self._store_limit_string(end)
            raise self._stored()

    # -- numbers and literals ---------------------------------------------------------------

    def _whole_number(self, run: str, pos: int, end: int) -> tuple[Any, ...]:
        if len(run) > self._buffer_limit:
            self._token_start = pos
            self._limit_buffer()
        m = _NUMBER.fullmatch(run)
        if m is None:
            self._fail("invalid_number", f"invalid number {run[:40]!r}", pos)
        return self._number_token(run, m.lastindex is not None, pos, end)  # type: ignore[union-attr]

    def _number_token(self, run: str, is_float: bool, pos: int, end: int) -> tuple[Any, ...]:
        if is_float:
            value: Any = float(run)
        elif _COMPILED and len(run) <= _SHORT_INT:  # a C loop instead of int()
            value = _short_int(run, 0, len(run))
        else:
            try:
                value = int(run)
            except ValueError:
                msg = f"integer with {len(run)} digits exceeds the limit"
                self._fail("number_too_long", msg, pos)
        return (T_SCALAR, value, pos, end) if self.positions else (T_SCALAR, value)

    def _more_number(self, text: str, j: int) -> None:
        """``text[:j]`` continues the open number (``_number``, not added to it yet): fail as
        soon as it can never be valid."""
        if _COMPILED:  # a C loop instead of the regex
            state = self._number_state = _number_state_at(self._number_state, text, 0, j)
        else:
            state = self._number_state = _number_state(self._number_state, text[:j])
        if state == N_BAD:
            number = self._number
            run = (number if isinstance(number, str) else number.text()) + text[:j]
            self._fail("invalid_number", f"invalid number {run[:40]!r}", self._token_start)

    def _literal(self, text: str, i: int, base: int, tokens: list[tuple[Any, ...]]) -> int:
        """Read the literal starting at ``text[i]``; return the index after it."""
        word = _LITERALS[text[i]]
        end = i + len(word)
        if text.startswith(word, i):
            if word[0] in "NI-" and not self.allow_nan:
                self._fail(
                    "nan_not_allowed", f"{word} is not valid JSON (allow_nan=False)", base + i
                )
            value = _LITERAL_VALUES[word]
            tokens.append(
                (T_SCALAR, value, base + i, base + end) if self.positions else (T_SCALAR, value)
            )
            self.state = S_COMMA_OR_CLOSE if self.stack else S_AFTER_DOCUMENT
            return end
        rest = text[i:end]
        if len(rest) < len(word) and word.startswith(rest):
            self._pending = rest  # the chunk ended inside the word
            self.state = S_IN_LITERAL
            return len(text)
        self._invalid_literal(text, i, base, word)
        return 0  # unreachable: _invalid_literal raises

    # -- errors -----------------------------------------------------------------------------

    def _invalid_literal(self, text: str, i: int, base: int, word: str) -> None:
        # Apart from _literal: its generator would cost _literal a closure on every call.
        rest = text[i : i + len(word)]
        bad = next(k for k in range(len(rest)) if rest[k] != word[k])
        self._fail(
            "invalid_literal",
            f"invalid literal: expected {word!r}, found {_show(text, i + bad)}"
            + self._extract_hint(),
            base + i + bad,
        )

    def _expected_comma(self, text: str, i: int, base: int) -> None:
        name, closer = ("object", "}") if self.stack[-1] == OBJECT else ("array", "]")
        found = _show(text, i)
        self._fail(
            "expected_comma_or_end",
            f"expected ',' or '{closer}' after {name} value, found {found}",
            base + i,
        )

    def _expected_colon(self, text: str, i: int, base: int) -> None:
        found = _show(text, i)
        self._fail("expected_colon", f"expected ':' after object key, found {found}", base + i)

    def _extra_data(self, text: str, i: int, base: int) -> None:
        found = _show(text, i)
        msg = f"expected end of input after the JSON value, found {found}"
        self._fail("extra_data", msg, base + i)

    def _expected_value(self, text: str, i: int, base: int, state: int) -> None:
        c = text[i]
        if c in "]}" and state == S_VALUE and self.stack and self.stack[-1] == ARRAY:
            self._fail("trailing_comma", f"expected a value after ',', found {c!r}", base + i)
        if c in "+.":
            self._fail("invalid_number", f"a JSON number cannot begin with {c!r}", base + i)
        hint = self._extract_hint() if c.isalpha() or c in "`~<#*>" else ""
        self._fail(
            "expected_value", f"expected a JSON value, found {_show(text, i)}{hint}", base + i
        )

    def _extract_hint(self) -> str:
        """What to add to an error at the first character of the stream, which may well be
        model text around the JSON (the caller has checked that it looks like it)."""
        if self.stack or self.documents > 1 or self._skipped:
            return ""
        return "; if this is model text around JSON (prose, ``` fences), pass extract=True"

    def _limit_depth(self, pos: int) -> None:
        self._store(
            LimitExceeded, "max_depth", f"nesting deeper than max_depth={self.max_depth}", pos
        )
        raise self._stored()

    def _store_limit_string(self, end: int) -> None:
        """The open string or key passed max_string; ``end`` is just after its last character."""
        over = self._string_len - self.max_string
        msg = f"string longer than max_string={self.max_string} characters"
        self._store(LimitExceeded, "max_string", msg, end - over)

    def _limit_whole_string(self, length: int, end: int) -> None:
        self._string_len = length
        self._store_limit_string(end)
        raise self._stored()

    def _limit_buffer(self) -> None:
        """The number at ``_token_start`` is longer than max_buffer, whatever the chunking."""
        msg = f"number longer than max_buffer={self.max_buffer} characters"
        self._store(LimitExceeded, "max_buffer", msg, self._token_start + self.max_buffer)
        raise self._stored()

    def _incomplete(self, kind: str, msg: str) -> None:
        """Input ended too early: the error is reported where it ended."""
        self._store(IncompleteJSONError, kind, msg, self.consumed)

    def _fail(self, kind: str, msg: str, pos: int) -> None:
        self._store(ParseError, kind, msg, pos)
        raise self._stored()

    def error_at(self, cls: type[ParseError], kind: str, msg: str, pos: int) -> ParseError:
        """An error that a consumer finds at ``pos``, in the chunk ``feed`` just read (a limit
        of its own), with the line and column the tokenizer would give it."""
        chunk = self.last_text
        start = self.consumed - len(chunk)
        offset = pos - start
        lines = self._lines - chunk.count("\n", offset)
        k = chunk.rfind("\n", 0, offset)
        if k >= 0:
            line_start = start + k + 1
        else:
            line_start = self._last_line_start if "\n" in chunk else self._line_start
        err = cls(msg, pos, lines + 1, pos - line_start + 1, kind)
        if self._decoder is not None:
            err.byte_pos = self._bytes_done - len(chunk[offset:].encode("utf-8", "surrogatepass"))
        return err

    def _stored(self) -> ParseError:
        assert self.error is not None
        return self.error

    def _store(self, cls: type[ParseError], kind: str, msg: str, pos: int) -> None:
        """Build the error at absolute position ``pos`` and poison the tokenizer with it.

        ``pos`` lies in the current chunk or in the held-back text before it, which never
        holds a newline and is all ASCII; so the counts kept per chunk give line, column and
        byte position without reading old text.
        """
        if self.error is not None:
            return
        chunk = self.last_text
        offset = pos - self.consumed  # index of pos in the current chunk
        lines, line_start = self._lines, self._line_start
        if offset > 0:
            k = chunk.count("\n", 0, offset)
            if k:
                lines += k
                line_start = self.consumed + chunk.rfind("\n", 0, offset) + 1
        err = cls(msg, pos, lines + 1, pos - line_start + 1, kind)
        if self._decoder is not None:
            # _bytes_done counts the bytes up to the end of the current chunk.
            tail = chunk[offset:] if offset > 0 else chunk
            err.byte_pos = self._bytes_done - len(tail.encode("utf-8", "surrogatepass"))
            if offset < 0:
                err.byte_pos += offset
        self.error = err
