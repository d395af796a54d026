"""The model-text front-end: finds the JSON in what a model writes, while it streams.

``Parser(extract=True)`` and ``Splitter(extract=True)`` put an ``Extractor`` in front of the
core.  It reads the text around the JSON itself -- prose, Markdown code fences, reasoning
blocks -- and feeds the core (through the core's own ``feed``) only from the first character
of the JSON on; the core, the only judge of JSON syntax, tells it where a document ended
(``Tokenizer.stop_after_document``), and positions count the skipped text
(``Tokenizer.skip``), so errors point into the text as received.

The rules:

Rule 1 (reasoning).  ``<think>...</think>``, ``<thinking>...</thinking>`` and
``<reasoning>...</reasoning>`` outside the JSON are skipped whole, whatever they hold (braces,
fences, drafts of the answer).

Rule 2 (fences).  A fence is three or more backticks or tildes at the start of a line (after
blanks).  A fence tagged ``json`` (any case) or untagged holds the value, which starts at the
first non-blank character after the fence line; a fence with another tag (```` ```bash ````,
```` ```python ````) is skipped to its closing fence.

Rule 3 (bare JSON).  Outside fences and reasoning blocks the value starts at the first ``{``,
or at a ``[`` that is the first non-blank character of its line (prose uses brackets for
footnotes and links).

Rule 4 (the end).  Once the value is complete, everything after it (a closing fence, prose,
a second block) is ignored: neither parsed nor an error.  A fence that closes before the value
is complete is an error at the fence, like any other character that cannot continue it; input
that ends inside the value is an ordinary truncation (``IncompleteJSONError`` at ``close()``).

Rule 5 (several documents).  With ``multiple=True`` (and in the ``Splitter``, which always
reads a stream of documents) a json fence holds a stream of documents (one, or one per line),
and after the first document outside a fence the next one starts at a ``{`` or ``[`` that is
the first non-blank character of a line; prose between them is skipped as before.

Rule 6 (no JSON).  Text without any JSON value ends in an ``IncompleteJSONError`` (kind
``empty_input``) at ``close()`` saying that no JSON value was found.

Rule 7 (streaming, bounded hold-back).  The JSON reaches the core chunk by chunk from its first
character.  Markers split across chunks (``"``" + "`js" + "on\\n"``, ``"</thin" + "king>"``)
are recognised by holding back the end of a chunk that could begin one: at most
``HOLD_MAX`` = 11 characters (``"</reasoning"``), never the prose itself.  A fence's tag line
is read as it arrives and kept only up to ``_INFO_MAX`` characters.

Cost: prose, reasoning blocks and other fences are crossed with ``str.find`` and compiled
regexes, never a Python loop per character.  With ``Parser(extract=True)`` on ``str`` chunks
the front-end steps aside once the single value begins: the core's ``feed`` then runs alone,
and ``stop_after_document`` makes it ignore what follows the value.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import IncompleteJSONError, ParseError

if TYPE_CHECKING:
    from ._tokenizer import Tokenizer

# Front-end states.
PROSE = 0  # looking for the start of a value, a fence or a reasoning block
THINK = 1  # inside a reasoning block (closing tag in _closer)
FENCE_INFO = 2  # reading the tag line of a fence that just opened
FENCE_OTHER = 3  # inside a fence with another tag: skipped to its closing fence
FENCE_START = 4  # inside a json (or untagged) fence, before its value
JSON = 5  # a value outside a fence (or the single value) is being fed to the core
FENCE_BODY = 6  # multiple: the documents of a json fence are being fed to the core
DONE = 7  # single value complete: the rest is ignored

HOLD_MAX = 11  # characters held back at most: len("</reasoning") (a tag not yet complete)
_INFO_MAX = 64  # characters of a fence's tag line kept to decide on the tag
_TAGS = ("<think>", "<thinking>", "<reasoning>")
_JSON_TAGS = frozenset({"", "json"})

# Where a value, a fence or a reasoning block may begin.  A line-start marker must follow a
# newline in the text searched; one at the search start is checked with _LINE_MARK.
_TAG = r"<(?P<tag>think|thinking|reasoning)>"
_FIRST = re.compile(r"(?P<brace>\{)|" + _TAG + r"|(?<=\n)[ \t]*(?P<mark>\[|`{3,}|~{3,})")
_NEXT = re.compile(_TAG + r"|(?<=\n)[ \t]*(?P<mark>[\[{]|`{3,}|~{3,})")
_LINE_MARK_FIRST = re.compile(r"[ \t]*(?P<mark>\[|`{3,}|~{3,})")
_LINE_MARK_NEXT = re.compile(r"[ \t]*(?P<mark>[\[{]|`{3,}|~{3,})")
# A closing fence (the opener's character, three or more) at the start of a line.
_CLOSE = {c: re.compile(r"(?<=\n)[ \t]*(" + c + r"{3,})") for c in "`~"}
_CLOSE_AT = {c: re.compile(r"[ \t]*(" + c + r"{3,})") for c in "`~"}
# One or two fence characters at the very end, after blanks: maybe a fence being written.
_FENCE_TAIL = re.compile(r"[ \t]*(`{1,2}|~{1,2})\Z")
_NON_BLANK = re.compile(r"[^ \t\r\n]")


class Extractor:
    """The front-end of one ``Parser`` or ``Splitter`` (``owner``) built with ``extract=True``.

    While it is installed (``owner._extract``), the owner's ``feed`` and ``close`` hand every
    call to it; it calls them back, uninstalled for the call, with the JSON part of the text.
    ``tokenizer()`` returns the owner's current tokenizer.  ``detach=True`` (the parser): with
    one document and ``str`` chunks, uninstall for good once the value begins.
    """

    def __init__(
        self, owner: Any, tokenizer: Callable[[], Tokenizer], *, multiple: bool, detach: bool
    ) -> None:
        self._owner = owner
        self._tokenizer = tokenizer
        self._multiple = multiple
        self._detach = detach and not multiple
        self._state = PROSE
        self._held = ""  # the end of the last text, which may begin a marker
        self._line_start = True  # does the next text begin at the start of a line?
        self._start = _FIRST  # where a value may begin (_NEXT after the first document)
        self._line_mark = _LINE_MARK_FIRST
        self._closer = ""  # THINK: the closing tag; fences: the fence character
        self._info: list[str] = []  # FENCE_INFO: the tag line so far
        self._info_len = 0
        self._found = False  # has a value begun?
        self._error: ParseError | None = None
        # bytes streams: decoded here (the core gets str), byte positions put back on errors
        self._bytes: bool | None = None
        self._decoder: Any = None
        self._text = ""  # the last decoded text, its position in characters and in bytes
        self._text_pos = 0
        self._text_bytes = 0
        self._bad_utf8 = ""  # why the last bytes chunk ended early (not UTF-8)
        tokenizer().stop_after_document = True

    # -- input ------------------------------------------------------------------------------

    def feed(self, chunk: str | bytes) -> list[Any]:
        if self._error is not None:
            raise self._error
        text = chunk if type(chunk) is str and not self._bytes else self._decode(chunk)
        self._bytes = self._bytes or False
        out: list[Any] = []
        if self._held:
            text = self._held + text
            self._held = ""
        ls0 = self._line_start
        i, n = 0, len(text)
        while i < n:
            if self._owner._extract is not self:  # detached: the core has the rest
                return out
            state = self._state
            if state == PROSE:
                i = self._prose(text, i, ls0, out)
            elif state == THINK:
                i = self._think(text, i)
            elif state == FENCE_INFO:
                i = self._fence_info(text, i)
            elif state == FENCE_OTHER:
                i = self._fence_other(text, i, ls0)
            elif state == FENCE_START:
                i = self._fence_start(text, i, ls0, out)
            elif state == JSON:
                i = self._json(text, i, out)
            elif state == FENCE_BODY:
                i = self._fence_body(text, i, ls0, out)
            else:  # DONE
                break
            if self._error is not None:
                break
        self._line_start = _line_start_at(text, n - len(self._held), ls0)
        if self._bad_utf8 and self._error is None:
            self._fail_utf8()
        if self._error is not None and not out:
            raise self._error
        return out

    def close(self) -> list[Any]:
        if self._error is not None:
            raise self._error
        if self._decoder is not None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self._bad_utf8 = "truncated sequence"
                self._fail_utf8()
                assert self._error is not None
                raise self._error from None
        out: list[Any] = []
        held, self._held = self._held, ""
        if held:
            if self._state in (JSON, FENCE_BODY):  # e.g. "``" at the end of a fence body
                self._core_feed(held, out)
                if self._error is not None:
                    raise self._error
            else:
                self._skip(held, 0, len(held))
        if not self._found:
            self._no_value()
        out.extend(self._core(self._owner.close))
        return out

    def _decode(self, chunk: Any) -> str:
        """Decode a bytes chunk (the core's own decoding would not see the skipped text)."""
        if not isinstance(chunk, (bytes, bytearray, memoryview)) or self._bytes is False:
            if isinstance(chunk, (str, bytes, bytearray, memoryview)):
                raise TypeError("cannot mix bytes and str chunks in one stream")
            raise TypeError(
                f"unspool expects str or bytes chunks, got {type(chunk).__name__}; "
                "for SDK stream objects use the adapters (unspool.openai, unspool.anthropic)"
            )
        if self._decoder is None:
            self._bytes = True
            self._decoder = codecs.getincrementaldecoder("utf-8")()
        data = bytes(chunk)
        held = self._decoder.getstate()[0]
        bad = ""
        try:
            text: str = self._decoder.decode(data)
        except UnicodeDecodeError as exc:
            text = (held + data)[: exc.start].decode("utf-8")
            bad = str(exc.reason)
        self._text_bytes += len(self._text.encode("utf-8", "surrogatepass"))
        self._text_pos += len(self._text)
        if self._text_pos == 0 and self._text_bytes == 0 and text[:1] == "\ufeff":
            text = text[1:]  # a leading BOM, as json.loads(bytes) skips it
            self._text_bytes = 3
        self._text = text
        self._bad_utf8 = bad
        return text

    # -- the states -------------------------------------------------------------------------

    def _prose(self, text: str, i: int, ls0: bool, out: list[Any]) -> int:
        """Look for the next start (value, fence, reasoning block) from ``text[i]``."""
        n = len(text)
        m = self._line_mark.match(text, i) if _line_start_at(text, i, ls0) else None
        if m is None:
            m = self._start.search(text, i)
        if m is None:
            hold = _hold_start(text, i, ls0, _TAGS, True)
            self._skip(text, i, hold)
            self._held = text[hold:]
            return n
        groups = m.groupdict()
        if groups.get("brace"):  # "{" anywhere: the first document only
            self._skip(text, i, m.start())
            return self._begin(text, m.start(), False, out)
        if groups.get("tag"):
            self._closer = "</" + groups["tag"] + ">"
            self._skip(text, i, m.end())
            self._state = THINK
            return m.end()
        mark = groups["mark"]
        j = m.start("mark")
        self._skip(text, i, j)
        if mark in "[{":
            return self._begin(text, j, False, out)
        if m.end() == n:  # a longer fence may go on in the next chunk
            self._held = text[j:]
            return n
        self._closer = mark[0]
        self._info, self._info_len = [], 0
        self._skip(text, j, m.end())
        self._state = FENCE_INFO
        return m.end()

    def _think(self, text: str, i: int) -> int:
        """Skip a reasoning block to its closing tag."""
        closer = self._closer
        k = text.find(closer, i)
        if k < 0:
            hold = _hold_start(text, i, False, (closer,), False)
            self._skip(text, i, hold)
            self._held = text[hold:]
            return len(text)
        self._skip(text, i, k + len(closer))
        self._state = PROSE
        return k + len(closer)

    def _fence_info(self, text: str, i: int) -> int:
        """Read the tag line of a fence; decide whether it holds the value."""
        k = text.find("\n", i)
        end = len(text) if k < 0 else k + 1
        if self._info_len < _INFO_MAX:
            self._info.append(text[i:end])
            self._info_len += end - i
        self._skip(text, i, end)
        if k < 0:
            return end
        info = "".join(self._info).strip()
        tag = info.split()[0].lower() if info else ""
        if self._closer == "`" and "`" in info:
            self._state = PROSE  # ```x``` on one line is inline code, not a fence
        elif tag in _JSON_TAGS:
            self._state = FENCE_START
        else:
            self._state = FENCE_OTHER
        return end

    def _fence_other(self, text: str, i: int, ls0: bool) -> int:
        """Skip a fence with another tag to its closing fence."""
        m = self._closing_fence(text, i, ls0)
        if m is None:
            hold = _hold_start(text, i, ls0, (), True)
            self._skip(text, i, hold)
            self._held = text[hold:]
            return len(text)
        self._skip(text, i, m.end())
        self._state = PROSE
        return m.end()

    def _fence_start(self, text: str, i: int, ls0: bool, out: list[Any]) -> int:
        """In a json fence: skip blanks to the value; an empty fence just closes."""
        m = _NON_BLANK.search(text, i)
        if m is None:
            self._skip(text, i, len(text))
            return len(text)
        j = m.start()
        self._skip(text, i, j)
        if text[j] in "`~" and _line_start_at(text, j, ls0):
            close = self._closing_fence(text, j, ls0)
            if close is not None:
                self._skip(text, j, close.end())
                self._state = PROSE
                return close.end()
            if _FENCE_TAIL.match(text, j) is not None:
                self._held = text[j:]
                return len(text)
        return self._begin(text, j, True, out)

    def _begin(self, text: str, j: int, fenced: bool, out: list[Any]) -> int:
        """The value begins at ``text[j]``: from here the core reads."""
        self._found = True
        tok = self._tokenizer()
        tok.next_document()
        if self._multiple:
            self._start, self._line_mark = _NEXT, _LINE_MARK_NEXT
            tok.stop_after_document = not fenced
            self._state = FENCE_BODY if fenced else JSON
        else:
            self._state = JSON
            if self._detach and not self._bytes:
                self._owner._extract = None  # for good: stop_after_document ends it
                out.extend(self._owner.feed(text[j:] if j else text))
                return len(text)
        return self._json(text, j, out) if self._state == JSON else j

    def _json(self, text: str, i: int, out: list[Any]) -> int:
        """Feed the core; when it says the document ended, the rest is the front-end's."""
        tok = self._tokenizer()
        before = tok.consumed
        self._core_feed(text[i:] if i else text, out)
        if self._error is not None or not tok.after_document():
            return len(text)
        if not self._multiple:
            self._state = DONE
            return len(text)
        self._state = PROSE
        return i + tok.consumed - before

    def _fence_body(self, text: str, i: int, ls0: bool, out: list[Any]) -> int:
        """Multiple: feed a json fence's documents to the core, up to its closing fence."""
        n = len(text)
        m = self._closing_fence(text, i, ls0)
        end = _hold_start(text, i, ls0, (), True) if m is None else m.start(1)
        if end > i:
            self._core_feed(text[i:end], out)
            if self._error is not None:
                return n
        if m is None:
            self._held = text[end:]
            return n
        tok = self._tokenizer()
        if not tok.between_documents():
            # The fence closes an unfinished document: the core reports the fence.
            self._core_feed(text[end:], out)
            return n
        tok.stop_after_document = True
        self._skip(text, end, m.end())
        self._state = PROSE
        return m.end()

    # -- helpers ----------------------------------------------------------------------------

    def _closing_fence(self, text: str, i: int, ls0: bool) -> re.Match[str] | None:
        """The next closing fence (the opener's character) at or after ``text[i]``."""
        c = self._closer
        if _line_start_at(text, i, ls0):
            m = _CLOSE_AT[c].match(text, i)
            if m is not None:
                return m
        return _CLOSE[c].search(text, i)

    def _skip(self, text: str, a: int, b: int) -> None:
        """``text[a:b]`` is not JSON: count it for positions."""
        if b > a:
            self._tokenizer().skip(text[a:b] if a or b < len(text) else text)

    def _core(self, call: Callable[[], list[Any]]) -> list[Any]:
        """Call the owner's ``feed``/``close`` as if there were no front-end."""
        owner = self._owner
        owner._extract = None
        try:
            return call()
        except ParseError as err:
            self._error = self._with_byte_pos(err)
            raise
        finally:
            owner._extract = self

    def _core_feed(self, piece: str, out: list[Any]) -> None:
        """Feed ``piece`` to the core; an error after results waits for the next call."""
        try:
            got = self._core(lambda: self._owner.feed(piece))
        except ParseError:
            if not out:
                raise
            return
        out.extend(got)
        err = self._tokenizer().error
        if err is not None:
            self._error = self._with_byte_pos(err)

    def _with_byte_pos(self, err: ParseError) -> ParseError:
        """On a bytes stream, the error's position counted in bytes too."""
        if self._bytes and err.byte_pos is None:
            offset = err.pos - self._text_pos
            head = self._text[:offset] if offset > 0 else ""
            err.byte_pos = self._text_bytes + len(head.encode("utf-8", "surrogatepass"))
            if offset < 0:  # in held-back text, which is ASCII
                err.byte_pos += offset
        return err

    def _no_value(self) -> None:
        tok = self._tokenizer()
        tok.multiple = False  # so that finish() reports the empty input, with its position
        tok.stop_after_document = False
        tok.finish()
        err = tok.error
        assert isinstance(err, IncompleteJSONError)
        err.msg = (
            "no JSON value was found (extract=True looks for a ```json fence, a '{', "
            "or a '[' at the start of a line, outside <think> blocks)"
        )
        err.args = (err.msg, err.pos)
        from ._parser import MISSING

        err.partial = MISSING
        self._error = self._with_byte_pos(err)
        raise err

    def _fail_utf8(self) -> None:
        """Bytes that are not UTF-8 end the decoded text (all of it has been read)."""
        if self._state == DONE:
            return  # after the value: ignored like any other text there
        held, self._held = self._held, ""
        if held:  # nothing can complete it: it is prose
            self._skip(held, 0, len(held))
        tok = self._tokenizer()
        msg = f"invalid UTF-8 ({self._bad_utf8})"
        tok._store(ParseError, "invalid_utf8", msg, tok.consumed)
        assert tok.error is not None
        tok.error.byte_pos = self._text_bytes + len(self._text.encode("utf-8", "surrogatepass"))
        self._error = tok.error


def _line_start_at(text: str, k: int, ls0: bool) -> bool:
    """Whether only blanks stand between the last line break and ``text[k]`` (``ls0``: is
    ``text[0]`` at the start of a line)."""
    j = text.rfind("\n", 0, k)
    if text[j + 1 : k].strip(" \t"):
        return False
    return j >= 0 or ls0


def _hold_start(text: str, i: int, ls0: bool, tags: tuple[str, ...], fences: bool) -> int:
    """Where the end of ``text`` that may begin one of ``tags`` or (``fences``) a fence at
    the start of a line begins; ``len(text)`` if it can begin none.  At most HOLD_MAX."""
    n = len(text)
    if tags:
        p = text.rfind("<", max(i, n - HOLD_MAX), n)
        if p >= 0:
            tail = text[p:]
            if any(len(tail) < len(tag) and tag.startswith(tail) for tag in tags):
                return p
    if fences and text[n - 1 : n] in ("`", "~"):
        c = text[n - 1]
        k = n - 1
        if k > i and text[k - 1] == c:
            k -= 1
        if k >= i and _line_start_at(text, k, ls0):
            return k
    return n
