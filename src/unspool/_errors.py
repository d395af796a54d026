"""The exception hierarchy (the README's "Errors" section).

Every error that input can cause is a ``ParseError`` (a ``ValueError``) carrying the same
fields as ``json.JSONDecodeError`` -- ``msg``, ``pos``, ``lineno``, ``colno`` -- plus a
``kind`` from the fixed vocabulary ``KINDS`` and the JSON ``path`` being parsed.  Positions
are absolute in the stream, counted in characters; when the stream is fed bytes,
``byte_pos`` is the same place counted in bytes.

    UnspoolError(Exception)
    +-- ParseError(UnspoolError, ValueError)   msg, pos, lineno, colno, kind, path (byte_pos)
    |   +-- IncompleteJSONError(ParseError)    only from close(); .partial
    |   +-- LimitExceeded(ParseError)          max_depth / max_string / max_buffer
    +-- ValidationError(UnspoolError, ValueError)

A broken limit is a ``ParseError`` (``LimitExceeded``): the input cannot be read within the
limits, at a position, so ``except ParseError`` catches every error that input can cause.
"""

from __future__ import annotations

from typing import Any

from ._path import Path, pointer

# The fixed vocabulary of ParseError.kind, one line each.
KINDS = frozenset(
    {
        "expected_value",  # a value was required (after ':', ',' or at the start)
        "expected_key",  # an object key (a string) was required
        "expected_colon",  # ':' was required after an object key
        "expected_comma_or_end",  # ',' or the container's closing bracket was required
        "trailing_comma",  # ',' directly before '}' or ']'
        "extra_data",  # non-whitespace after the single document
        "invalid_literal",  # something that starts like true/false/null/NaN/Infinity but is not
        "invalid_number",  # a number that breaks RFC 8259 (01, 1., .5, +1, 1e, -)
        "number_too_long",  # an integer with more digits than int() accepts
        "nan_not_allowed",  # NaN / Infinity without allow_nan=True
        "invalid_escape",  # a backslash escape that JSON does not define
        "control_character",  # a raw U+0000-U+001F inside a string
        "invalid_utf8",  # bytes that are not UTF-8
        "eof_in_string",  # input ended inside a string
        "eof_in_number",  # input ended inside a number that is not complete
        "eof_in_literal",  # input ended inside true/false/null
        "eof_in_container",  # input ended with an array or object still open
        "token_limit",  # the model stopped at its token limit (raised by the adapters)
        "empty_input",  # input ended before any value
        "max_depth",  # nesting deeper than max_depth
        "max_string",  # one string or key longer than max_string
        "max_buffer",  # a number or Splitter item longer than max_buffer (held until complete)
        "no_match",  # a Splitter's `at` pointer matched no array in the whole stream
    }
)


class UnspoolError(Exception):
    """Base of every exception unspool raises on purpose."""


class ParseError(UnspoolError, ValueError):
    """The input is not valid JSON (or breaks a limit), at ``pos``.

    ``msg`` says what was expected and what was found; ``str(err)`` adds line, column,
    character position and the JSON path, in the style of ``json.JSONDecodeError``.
    """

    def __init__(
        self,
        msg: str,
        pos: int,
        lineno: int,
        colno: int,
        kind: str,
        path: Path = (),
        byte_pos: int | None = None,
    ) -> None:
        super().__init__(msg, pos)
        self.msg = msg
        self.pos = pos
        self.lineno = lineno
        self.colno = colno
        self.kind = kind
        self.path = path  # filled in by the layer that knows it (the parser, the splitter)
        self.byte_pos = byte_pos
        self.index: int | None = None  # the splitter's item number, when it knows it

    def __str__(self) -> str:
        text = f"{self.msg}: line {self.lineno} column {self.colno} (char {self.pos})"
        if self.byte_pos is not None and self.byte_pos != self.pos:
            text += f" (byte {self.byte_pos})"
        if self.path:
            text += f" at {pointer(self.path)}"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.msg, self.pos, self.lineno, self.colno, self.kind, self.path, self.byte_pos)
        return (self.__class__, args, self.__dict__)  # with index, partial, ...


class IncompleteJSONError(ParseError):
    """The input ended before the JSON did; raised only by ``close()``.

    ``partial`` is the last snapshot (``unspool.MISSING`` if nothing had begun); from a
    ``Splitter``, the list of items that the end of input completed (a last number item)
    and that ``close()``, raising, could not return.
    """

    partial: Any = None


class LimitExceeded(ParseError):
    """The input breaks a configured limit (``max_depth``, ``max_string``, ``max_buffer``)."""


class ValidationError(UnspoolError, ValueError):
    """A completed value failed validation against its schema.

    The pydantic error is the ``__cause__``.
    """

    def __init__(
        self, msg: str, path: Path = (), index: int | None = None, raw: str | None = None
    ) -> None:
        super().__init__(msg)
        self.path = path
        self.index = index
        self.raw = raw
