"""Errors (DESIGN section 5): one table line per invalid input ``(text, kind, pos)``, each run
over every chunking of the ``chunker`` fixture: the same kind and position whatever the split.
"""

from __future__ import annotations

import copy
import json
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import MODES, chunked, chunkings, feed_all, json_documents, json_values, mutations

from unspool import (
    MISSING,
    IncompleteJSONError,
    LimitExceeded,
    ParseError,
    Parser,
    Splitter,
    StringDelta,
    UnspoolError,
    ValueCompleted,
)
from unspool._errors import KINDS

# fmt: off
ERRORS = [
    # empty input and truncations: IncompleteJSONError from close(), pos = end of input
    ("", "empty_input", 0),
    (" \r\n\t", "empty_input", 4),
    ("[", "eof_in_container", 1),
    ("[1", "eof_in_container", 2),
    ('{"a"', "eof_in_container", 4),
    ('{"a":', "eof_in_container", 5),
    ('[1, {"b": [', "eof_in_container", 11),
    ('"abc', "eof_in_string", 4),
    ('"ab\\', "eof_in_string", 4),
    ('"\\u00', "eof_in_string", 5),
    ('["\\ud83d', "eof_in_string", 8),
    ('{"ab', "eof_in_string", 4),
    ("tr", "eof_in_literal", 2),
    ("nul", "eof_in_literal", 3),
    ("[fals", "eof_in_literal", 5),
    ("-", "eof_in_number", 1),
    ("1.", "eof_in_number", 2),
    ("1e", "eof_in_number", 2),
    ("1e+", "eof_in_number", 3),
    # structure
    ("[1,]", "trailing_comma", 3),
    ('{"a": 1,}', "trailing_comma", 8),
    ("[1,2,,3]", "expected_value", 5),
    ("[,1]", "expected_value", 1),
    ("]", "expected_value", 0),
    ('{"a":}', "expected_value", 5),
    ('{"a" 1}', "expected_colon", 5),
    ('{"a", 1}', "expected_colon", 4),
    ('{"a": 1 "b": 2}', "expected_comma_or_end", 8),
    ("[1 2]", "expected_comma_or_end", 3),
    ('{"a": 1]', "expected_comma_or_end", 7),
    ("[1}", "expected_comma_or_end", 2),
    ("{1: 2}", "expected_key", 1),
    ("{'a': 1}", "expected_key", 1),
    ('{"a": 1,,}', "expected_key", 8),
    ("1 2", "extra_data", 2),
    ("{} {}", "extra_data", 3),
    ("[]]", "extra_data", 2),
    ('"a" x', "extra_data", 4),
    ("nulll", "extra_data", 4),
    ("0x1F", "extra_data", 1),
    # whitespace is exactly space, tab, CR, LF
    ("[1,\x0c2]", "expected_value", 3),
    ("\x0b1", "expected_value", 0),
    ("[1\u00a0]", "expected_comma_or_end", 2),
    ("\u20281", "expected_value", 0),
    # literals
    ("trux", "invalid_literal", 3),
    ("[truE]", "invalid_literal", 4),
    ("fals e", "invalid_literal", 4),
    ('{"a": nul}', "invalid_literal", 9),
    ("nan", "invalid_literal", 1),
    ("True", "expected_value", 0),
    # numbers
    ("01", "invalid_number", 0),
    ("[01]", "invalid_number", 1),
    ("-01", "invalid_number", 0),
    ("[1.]", "invalid_number", 1),
    (".5", "invalid_number", 0),
    ("+1", "invalid_number", 0),
    ("[1e]", "invalid_number", 1),
    ("-a", "invalid_number", 0),
    ("--1", "invalid_number", 0),
    ("1.e5", "invalid_number", 0),
    ("[1.e5]", "invalid_number", 1),
    ("[1, 2.5.1]", "invalid_number", 4),
    ("9" * 4301, "number_too_long", 0),
    ("[" + "9" * 5000 + "]", "number_too_long", 1),
    # NaN and infinities need allow_nan=True
    ("NaN", "nan_not_allowed", 0),
    ("Infinity", "nan_not_allowed", 0),
    ("-Infinity", "nan_not_allowed", 0),
    ("[1, -Infinity]", "nan_not_allowed", 4),
    # strings
    ('"\\x"', "invalid_escape", 1),
    ('"\\u12G4"', "invalid_escape", 1),
    ('"ab\\uZ"', "invalid_escape", 3),
    ('["\\\'"]', "invalid_escape", 2),
    ('"a\tb"', "control_character", 2),
    ('"\x00"', "control_character", 1),
    ('"line\nbreak"', "control_character", 5),
    ('{"a\nb": 1}', "control_character", 3),
    # not ASCII: positions count characters (byte_pos counts bytes)
    ('["é😀", x]', "expected_value", 7),
    ('{"é": "😀" "b"}', "expected_comma_or_end", 10),
    ('["é", "\\u12G4"]', "invalid_escape", 7),
    ('"é\\x"', "invalid_escape", 2),
    ('["😀", 01]', "invalid_number", 6),
    # lines: the error's line and column, also when the bad token began in an earlier chunk
    ("[1.\n]", "invalid_number", 1),
    ('{\n"a":\n01}', "invalid_number", 7),
    ('[\n  "é",\n  tru\n]', "invalid_literal", 14),
    ('{\n  "a": 1,\n  "b": [true,\n    ]}', "trailing_comma", 30),
]
# fmt: on

INCOMPLETE_KINDS = {"empty_input", "eof_in_container", "eof_in_string", "eof_in_literal"}
INCOMPLETE_KINDS |= {"eof_in_number"}


def test_error_table_is_big_and_covers_the_vocabulary():
    assert len(ERRORS) >= 40
    assert len({text for text, _, _ in ERRORS}) == len(ERRORS)
    kinds = {kind for _, kind, _ in ERRORS}
    assert kinds <= KINDS
    # Everything but the limits, invalid UTF-8 (their own tables below) and the adapters'
    # token_limit is covered.
    # no_match is the Splitter's (tests/test_splitter.py).
    others = {"max_depth", "max_string", "max_buffer", "invalid_utf8", "token_limit", "no_match"}
    assert KINDS - kinds <= others


def expected_line_col(text, pos):
    """Line and column the way json.JSONDecodeError computes them."""
    err = json.JSONDecodeError("x", text, pos)
    return err.lineno, err.colno


def check_error(run, chunks, text, kind, pos, cls=ParseError):
    err = run.error
    assert err is not None, f"no error for {chunks!r}"
    assert (err.kind, err.pos) == (kind, pos), f"{chunks!r}: {err!r} {err}"
    assert isinstance(err, cls) and isinstance(err, ParseError)
    assert isinstance(err, ValueError) and isinstance(err, UnspoolError)
    assert err.kind in KINDS
    assert (err.lineno, err.colno) == expected_line_col(text, pos)
    assert f"line {err.lineno} column {err.colno} (char {pos})" in str(err)
    assert err.msg and str(err).startswith(err.msg)
    if isinstance(chunks[0] if chunks else "", bytes):
        assert err.byte_pos == len(text[:pos].encode("utf-8"))
    # Truncation is reported by close() and only there.
    assert isinstance(err, IncompleteJSONError) == (kind in INCOMPLETE_KINDS)
    if kind in INCOMPLETE_KINDS:
        assert run.error_call == len(chunks)


@pytest.mark.parametrize(("text", "kind", "pos"), ERRORS)
def test_error_table(chunker, text, kind, pos):
    for chunks in chunker(text):
        check_error(feed_all(chunks, snapshots=False), chunks, text, kind, pos)


def where(err):
    return err and (type(err), err.kind, err.pos, err.lineno, err.colno, err.byte_pos)


@pytest.mark.parametrize("encoding", ["str", "bytes"])
def test_errors_do_not_depend_on_the_chunking(encoding):
    """A mutated text fails with the same error (type, kind, position, line, column, byte
    position) whether it arrives whole or in random chunks."""
    kinds = set()

    @given(st.data())
    def check(data):
        text = data.draw(json_documents(json_values(max_leaves=8)))
        mutated = data.draw(mutations(text.encode() if encoding == "bytes" else text))
        whole = feed_all([mutated], snapshots=False).error
        chunks = data.draw(chunked(mutated))
        assert where(feed_all(chunks, snapshots=False).error) == where(whole), chunks
        kinds.add(whole and whole.kind)

    check()
    assert len(kinds) >= 4


def test_truncations_of_a_valid_text_are_incomplete_at_their_end():
    text = '{"a": [1, "x\\u00e9y", {"b": null}], "c": -12.5e3, "d": true}'
    for i in range(len(text)):  # every proper prefix
        err = feed_all([text[:i]]).error
        assert isinstance(err, IncompleteJSONError), (text[:i], err)
        assert err.pos == i and err.kind in INCOMPLETE_KINDS


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[1, -Infinity, NaN]"])
def test_nan_accepted_with_allow_nan(chunker, text):
    for chunks in chunker(text):
        assert feed_all(chunks, snapshots=False, allow_nan=True).error is None


# -- limits -------------------------------------------------------------------------------------

# fmt: off
LIMITS = [
    ("[[[[", {"max_depth": 3}, "max_depth", 3),
    ('{"a": [[1]]}', {"max_depth": 2}, "max_depth", 7),
    ('[{"a": {}}]', {"max_depth": 2}, "max_depth", 7),
    ("[" * 100_000, {}, "max_depth", 1000),
    ('"abcdef"', {"max_string": 3}, "max_string", 4),
    ('["ab", "abcd"]', {"max_string": 3}, "max_string", 11),
    ('{"abcdef": 1}', {"max_string": 3}, "max_string", 5),
    ('["aé😀bc"]', {"max_string": 3}, "max_string", 5),
    ("[1234567]", {"max_buffer": 3}, "max_buffer", 4),
    ('["abcdefghij\\x"]', {"max_string": 5}, "max_string", 7),  # the limit comes first
    ('["abcdefghij\x01"]', {"max_string": 5}, "max_string", 7),
    ("[1.5, -12e3]", {"max_buffer": 4}, "max_buffer", 10),
]
# fmt: on


@pytest.mark.parametrize(("text", "options", "kind", "pos"), LIMITS)
def test_limits(chunker, text, options, kind, pos):
    for chunks in chunker(text):
        run = feed_all(chunks, snapshots=False, **options)
        check_error(run, chunks, text, kind, pos, cls=LimitExceeded)


def test_limits_allow_what_fits():
    assert feed_all(["[[[1]]]"], max_depth=3).value == [[[1]]]
    assert feed_all(['{"abc": "abc"}'], max_string=3).value == {"abc": "abc"}
    assert feed_all(["[123", "]"], max_buffer=3).value == [123]


BAD_LIMITS = [
    ({"max_string": 10.5}, TypeError, "max_string must be an int, got 10.5"),
    ({"max_buffer": 2.0}, TypeError, "max_buffer must be an int, got 2.0"),
    ({"max_depth": 3.0}, TypeError, "max_depth must be an int, got 3.0"),
    ({"max_string": "5"}, TypeError, "max_string must be an int, got '5'"),
    ({"max_buffer": True}, TypeError, "max_buffer must be an int, got True"),
    ({"max_string": -1}, ValueError, "max_string must be at least 0, got -1"),
    ({"max_depth": -2}, ValueError, "max_depth must be at least 0, got -2"),
]


@pytest.mark.parametrize("cls", [Parser, Splitter])
@pytest.mark.parametrize(("options", "exc", "message"), BAD_LIMITS)
def test_a_bad_limit_is_refused_when_the_parser_is_made(cls, options, exc, message):
    # Both builds: the compiled one stores limits as C integers, the pure one compares later.
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        cls(**options)


def test_the_smallest_limits_are_allowed():
    assert feed_all(["[1, 2]"], max_depth=1).value == [1, 2]
    assert feed_all(['""'], max_string=0).value == ""
    assert feed_all(["[1", "]"], max_depth=None, max_buffer=1).value == [1]
    assert Splitter(max_depth=0).feed("1\n2\n") == [1, 2]


def test_nothing_past_max_string_is_returned(chunker):
    for chunks in chunker('["abcdefgh"]'):
        run = feed_all(chunks, max_string=3)
        assert run.error.kind == "max_string"
        deltas = "".join(e.text for e in run.all_events if type(e) is StringDelta)
        assert deltas == "abc"[: len(deltas)]
        assert all(len(s[0]) <= 3 for s in run.snapshots if s)


# -- invalid UTF-8 ------------------------------------------------------------------------------

# fmt: off
BAD_UTF8 = [
    (b'["\xc3\xa9", \xff]', 6, 7),  # a byte that never starts a sequence
    (b'"\xe2\x82"', 1, 1),  # a sequence cut by a quote
    (b'"\xe2\x82', 1, 1),  # a sequence cut by the end of input (found by close())
    (b'[1, "\xf0\x9f\x98\x80\xc3"]', 6, 9),
    (b'"\xed\xa0\x80"', 1, 1),  # an encoded surrogate
    (b'"\xf4\x90\x80\x80"', 1, 1),  # above U+10FFFF
    (b"\xc0\xaf", 0, 0),  # overlong
    (b'{"\xc3\xa9":\n "\x80"}', 8, 9),
]
# fmt: on


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("data", "pos", "byte_pos"), BAD_UTF8)
def test_invalid_utf8(mode, data, pos, byte_pos):
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    for chunks in chunkings(data, mode):
        err = feed_all(chunks, snapshots=False).error
        assert (type(err), err.kind, err.pos, err.byte_pos) == (
            ParseError,
            "invalid_utf8",
            pos,
            byte_pos,
        ), chunks
        assert f"(byte {byte_pos})" in str(err) or byte_pos == pos


# -- what errors carry --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"a": {"b": tru}}', ("a", "b")),
        ('{"a" 1}', ("a",)),
        ('{"a": [1, 2 3]}', ("a", 1)),
        ('[{"k": "v\\q"}]', (0, "k")),
        ("[1 x", (0,)),
        ("x", ()),
        ('{"a": [1, x]}', ("a", 1)),
        ('[null, "\\x"]', (1,)),
        ("[1, 2, x]", (2,)),
        ("[1, 2, 3.]", (2,)),
        ('{"a": 1, x}', ()),
        ('{"a": {"b": 1,}}', ("a",)),
    ],
)
def test_error_path(chunker, text, path):
    for chunks in [[text], *chunker(text)]:
        err = feed_all(chunks, snapshots=False).error
        assert err.path == path
        if path:
            assert str(err).endswith(" at /" + "/".join(map(str, path)))


def test_line_and_column_on_multiline_input(chunker):
    text = '{\n  "a": 1,\n  "bb" 2\n}'
    for chunks in chunker(text):
        err = feed_all(chunks, snapshots=False).error
        assert (err.kind, err.pos, err.lineno, err.colno) == ("expected_colon", 19, 3, 8)
        assert "line 3 column 8 (char 19)" in str(err)


def test_message_says_what_was_expected_and_found():
    err = feed_all(['{"items": [{"a": 1 x}]}']).error
    assert str(err) == (
        "expected ',' or '}' after object value, found 'x': "
        "line 1 column 20 (char 19) at /items/0/a"
    )


def test_errors_pickle():
    err = feed_all(['{"a": [1, 2 3]}']).error
    copy_ = pickle.loads(pickle.dumps(err))
    assert type(copy_) is ParseError
    fields = ("kind", "pos", "lineno", "colno", "path", "byte_pos")
    assert [getattr(copy_, f) for f in fields] == [getattr(err, f) for f in fields]
    assert str(copy_) == str(err)


# -- poisoning and ordering ---------------------------------------------------------------------


def test_events_before_the_error_come_first_and_the_error_is_deferred():
    parser = Parser()
    events = parser.feed("[1, 2, x")
    assert events == [ValueCompleted((0,), 1), ValueCompleted((1,), 2)]
    with pytest.raises(ParseError) as first:
        parser.feed("]")
    assert first.value.kind == "expected_value" and first.value.pos == 7
    assert parser.value == [1, 2]  # nothing already returned is retracted
    for call in (lambda: parser.feed(""), parser.close, lambda: parser.feed("1")):
        with pytest.raises(ParseError) as again:
            call()
        assert again.value is first.value


def test_a_failing_feed_that_changed_nothing_raises_at_once():
    parser = Parser()
    parser.feed("[")
    with pytest.raises(ParseError) as first:
        parser.feed("x")
    assert parser.value == []
    with pytest.raises(ParseError) as again:
        parser.close()
    assert again.value is first.value


def test_close_error_poisons_too():
    parser = Parser()
    parser.feed(b"[1, ")
    with pytest.raises(IncompleteJSONError) as first:
        parser.close()
    for call in (parser.close, lambda: parser.feed(b"2]")):
        with pytest.raises(IncompleteJSONError) as again:
            call()
        assert again.value is first.value


@pytest.mark.parametrize(
    "text",
    ['{"a": [1, "xy', '{"a": [1, {"b": "c"}, ', "[true, fa", '"abc\\u00', "   "],
)
def test_incomplete_error_carries_the_last_snapshot(chunker, text):
    for chunks in chunker(text):
        parser = Parser()
        for chunk in chunks:
            parser.feed(chunk)
        last = copy.deepcopy(parser.value)
        with pytest.raises(IncompleteJSONError) as exc:
            parser.close()
        assert exc.value.partial == last


def test_incomplete_partial_values():
    assert feed_all(['{"a": [1, "xy']).error.partial == {"a": [1, "xy"]}
    assert feed_all(["   "]).error.partial is MISSING
    # The end of input completes a number: the partial shows it, the error still comes.
    assert feed_all(['{"a": [1, 23']).error.partial == {"a": [1, 23]}


def test_a_pickled_error_keeps_what_the_layers_added():
    import pickle

    from unspool import IncompleteJSONError, Parser

    parser = Parser()
    parser.feed('{"a": [1, "xy')
    with pytest.raises(IncompleteJSONError) as caught:
        parser.close()
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is IncompleteJSONError
    assert again.partial == {"a": [1, "xy"]} == caught.value.partial
    assert (again.pos, again.kind, again.path, str(again)) == (
        caught.value.pos,
        caught.value.kind,
        caught.value.path,
        str(caught.value),
    )
