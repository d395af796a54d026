"""Lexical rules of ``_tokenizer`` (RFC 8259), checked through the Parser over every chunking.

Every valid case runs the full invariant checker (DESIGN section 3) for each chunking of the
``chunker`` fixture, so a split escape, surrogate pair, number or literal is exercised at every
split point, for str and for bytes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from strategies import assert_same, check_invariants, feed_all, same

from unspool import MISSING, ParseError, Parser, ValueCompleted
from unspool._tokenizer import (
    HOLD_LINE,
    T_BEGIN_ARRAY,
    T_BEGIN_OBJECT,
    T_END_ARRAY,
    T_KEY,
    T_SCALAR,
    T_STRING,
    T_STRING_END,
    T_STRING_PART,
    T_STRING_START,
    T_WHOLE,
    Tokenizer,
)

STRINGS = [
    r'""',
    r'"plain ascii"',
    r'"\" \\ \/ \b \f \n \r \t"',
    r'"\u00e9\u00E9\u20ac\u0000\u001f"',
    r'"\ud83d\ude00"',  # a surrogate pair: one code point
    r'"x\ud83d\ude00\ud83d\ude00y"',
    r'"\ud83d"',  # a lone high surrogate at the end stays lone, as in json.loads
    r'"\ude00"',  # a lone low surrogate
    r'"\ud83d\u0041"',  # high surrogate then a non-surrogate escape
    r'"\ud83d\ud83d\ude00"',  # lone high, then a pair
    r'"\ud83dx"',  # high surrogate then plain text
    r'"\ud83d\n"',
    '"é€😀\U0010ffff"',  # raw 2-, 3- and 4-byte UTF-8
    '"\u2028\u2029\ufeff\ufffd"',
    '["a\\\\", "\\\\"]',  # escaped backslashes right before the closing quote
    '{"k\\u00e9y\\n": "v"}',  # escapes in keys
]


@pytest.mark.parametrize("text", STRINGS)
def test_strings(chunker, text):
    for chunks in chunker(text):
        check_invariants(chunks)


NUMBERS = [
    "0",
    "-0",
    "-0.0",
    "123",
    "1.5",
    "1e5",
    "1E+5",
    "1e-5",
    "2.5E-3",
    "0.1",
    "-12.75e+2",
    "12345678901234567890123456789",
    "1e400",  # overflows to inf, like json.loads
    "-1e400",
    "1.7976931348623157e308",
    "5e-324",
    # next to the C float reader's exact fast path (digits <= 2**53, power of ten <= 22)
    "9007199254740992.0",
    "9007199254740993.0",
    "-1e22",
    "1e23",
    "8.5e-22",
    "8.5e-23",
    "0.30000000000000004",
    "1234567890.123456789",
]


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("template", ["{}", "[{}]", " {} ", '{{"n": {}}}', "[{}, {}]"])
def test_numbers(chunker, number, template):
    """Numbers as the whole document (completed only by close()), inside containers, padded."""
    text = template.format(number, number)
    for chunks in chunker(text):
        check_invariants(chunks)


@pytest.mark.parametrize("number", NUMBERS)
def test_number_at_end_completes_only_at_close(number):
    for chunks in ([number], list(number)):
        parser = Parser()
        assert [e for c in chunks for e in parser.feed(c)] == []
        assert parser.value is MISSING  # a number may go on until close() (invariant 2)
        events = parser.close()
        assert_same(parser.value, json.loads(number))
        assert len(events) == 1 and events[0].path == ()
        assert_same(events[0].value, json.loads(number))


def test_negative_zero_and_huge_values():
    assert_same(feed_all(["-0.0"]).value, -0.0)
    assert_same(feed_all(["[-0.0, -0, 0.0]"]).value, [-0.0, 0, 0.0])
    assert feed_all(["1e400"]).value == float("inf")
    assert feed_all(["-1e400"]).value == float("-inf")
    digits = "9" * 4300  # the longest int() accepts by default
    assert feed_all(list(digits)).value == int(digits)
    long_float = "0." + "1" * 5000 + "e-3"  # floats have no digit limit
    assert_same(feed_all([long_float[:2500], long_float[2500:]]).value, json.loads(long_float))


@pytest.mark.parametrize(
    "text", ["true", "false", "null", "[true,false,null]", '{"a":null,"b":true}', "[ false ]"]
)
def test_literals(chunker, text):
    for chunks in chunker(text):
        check_invariants(chunks)


def test_whitespace_is_exactly_space_tab_cr_lf(chunker):
    for chunks in chunker(' \t\r\n[ 1 ,\t2\r\n,\n{ "a" :\t"b" } ]\r\n\t '):
        check_invariants(chunks)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[NaN, -Infinity, Infinity]"])
def test_nan_and_infinity_with_allow_nan(chunker, text):
    for chunks in chunker(text):
        run = feed_all(chunks, allow_nan=True)
        assert run.error is None
        assert_same(run.value, json.loads(text))


@pytest.mark.parametrize("cut", range(4))
def test_bom_is_skipped_in_bytes_even_when_split(cut):
    data = b'\xef\xbb\xbf{"a": "\xc3\xa9"}'
    run = feed_all([data[:cut], data[cut:]])
    assert run.error is None and run.value == {"a": "é"} == json.loads(data)


def test_bom_only_at_start_and_not_in_str():
    assert feed_all([b"\xef\xbb\xbf\xef\xbb\xbf1"]).error.kind == "expected_value"
    assert feed_all([b"1\xef\xbb\xbf"]).error.kind == "extra_data"
    # json.loads(str) rejects a leading BOM; so does the str path.
    with pytest.raises(json.JSONDecodeError):
        json.loads("\ufeff1")
    assert feed_all(["\ufeff1"]).error.kind == "expected_value"


# -- the token stream itself ------------------------------------------------------------------


def tokens_of(chunks, **options):
    tokenizer = Tokenizer(**options)
    tokens = [t for chunk in chunks for t in tokenizer.feed(chunk)]
    return tokens + tokenizer.close()


def test_feed_into_returns_a_chunk_inside_a_string_as_text():
    """The Parser's hand-off: a chunk wholly inside a string value comes back as its text,
    nothing appended (``feed`` gives one T_STRING_PART); any other chunk appends to the
    caller's list what ``feed`` returns, and returns None (a chunk inside a key too)."""
    text = '{"a key that is long": "a string value, \\u00e9 and all", "n": [1, "two"]}'
    for size in (1, 2, 3, 5, 8):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        by_feed, by_feed_into = Tokenizer(), Tokenizer()
        parts = []
        for chunk in chunks:
            tokens = []
            part = by_feed_into.feed_into(chunk, tokens)
            expected = by_feed.feed(chunk)
            if part is None:
                assert tokens == expected
            else:
                parts.append(part)
                assert tokens == [] and expected == [(T_STRING_PART, part)]
        assert len(parts) >= len("string value") // size  # the text did come that way
        assert by_feed_into.close() == by_feed.close()


def merged(tokens):
    """Merge a string streamed in parts into the one T_STRING token a whole feed gives."""
    out, parts = [], None
    for token in tokens:
        kind = token[0]
        if kind == T_STRING_START:
            parts, start = [token[1]], token[2]
        elif kind == T_STRING_PART:
            parts.append(token[1])
        elif kind == T_STRING_END:
            out.append((T_STRING, "".join([*parts, token[1]]), start, token[2]))
        else:
            out.append(token)
    return out


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, -2.5e3, "x\\u00e9\\ud83d\\ude00y", true, null, {}], "b": ""}',
        '[1e400, "\\\\", false, 0]',
    ],
)
def test_tokens_are_the_same_for_every_chunking(chunker, text):
    reference = merged(tokens_of([text]))
    assert len(reference) >= 6
    for chunks in chunker(text):
        assert same(merged(tokens_of(chunks)), reference), chunks


def test_string_parts_stream_whole_characters():
    """A string body is streamed as it arrives, never ending inside an escape or a pair."""
    text = '"ab\\u00e9\\ud83d\\ude00cd"'
    value = json.loads(text)
    for i in range(1, len(text)):
        tokens = tokens_of([text[:i], text[i:]])
        texts = [t[1] for t in tokens]
        assert "".join(texts) == value
        assert all(value.startswith("".join(texts[: k + 1])) for k in range(len(texts)))


def test_scalar_tokens_carry_positions():
    text = '[12, true, "x"]'
    positions = {t[1]: t[2:] for t in merged(tokens_of(list(text))) if len(t) == 4}
    assert positions[12] == (1, 3)
    assert positions[True] == (5, 9)
    assert positions["x"] == (11, 14)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, -2.5e3, "x\\u00e9\\ud83d\\ude00y", true, null, {}], "bc": "", "d": []}',
        '[1e400, "\\\\", false, 0, [{}], -Infinity]',
    ],
)
def test_tokens_without_positions_are_the_same_tokens_cut_after_the_value(chunker, text):
    """``positions=False`` (the Parser's tokenizer): each token is the one ``positions=True``
    gives, without its positions, whatever the chunking (a bracket's is one shared tuple)."""
    for chunks in chunker(text):
        bare = tokens_of(chunks, positions=False, allow_nan=True)
        full = tokens_of(chunks, allow_nan=True)
        assert bare == [token[:2] if token[0] > T_END_ARRAY else token[:1] for token in full]
        assert len(full) >= 11 and {len(token) for token in bare} == {1, 2}


def test_events_for_a_number_split_after_its_digits():
    parser = Parser()
    assert parser.feed("[12") == []
    assert parser.feed("3") == []
    assert parser.feed("]") == [
        ValueCompleted((0,), 123),
        ValueCompleted((), [123]),
    ]


def test_a_whole_document_deeper_than_max_depth_is_refused_on_every_python():
    # The C scanner's own recursion limit is not max_depth (Python 3.12 decoupled it from
    # sys.getrecursionlimit()), so the tokenizer measures a document with many brackets.
    from unspool import LimitExceeded, Parser

    for depth, fine in ((1000, True), (1001, False)):
        parser = Parser()
        parser.feed("[" * depth + "]" * depth)
        if fine:
            parser.close()
        else:
            with pytest.raises(LimitExceeded):
                parser.close()


# -- whole values at a depth (the Splitter's items): one token, or the tokens' own errors


def test_whole_values_at_a_depth_are_one_token_each() -> None:
    # Depth 1 asks for a root array's elements (an object's values are never whole).
    tok = Tokenizer(whole_values=("", "{["))
    tokens = tok.feed('[{"b": [1]}, [2, {}], 3]') + tok.close()
    assert tokens == [
        (T_BEGIN_ARRAY, 0),
        (T_WHOLE, {"b": [1]}, 1, 11),
        (T_WHOLE, [2, {}], 13, 20),
        (T_SCALAR, 3, 22, 23),
        (T_END_ARRAY, 23),
    ]
    tok = Tokenizer(whole_values=("", "{["))
    assert T_WHOLE not in {t[0] for t in tok.feed('{"a": {"b": 1}}') + tok.close()}


def test_a_held_value_waits_for_its_closing_bracket_then_is_one_token() -> None:
    tok = Tokenizer(whole_values=("", "{["), hold_whole=1)
    assert tok.feed('[1, {"a": ') == [(T_BEGIN_ARRAY, 0), (T_SCALAR, 1, 1, 2)]
    assert (tok.consumed, tok.held()) == (4, 6)  # the held text is not read yet
    assert tok.feed('"x}"') == []  # a '}' inside a string: scanned, not ended, held again
    assert tok.feed(" ") == []
    assert tok.feed("}, 2]") == [
        (T_WHOLE, {"a": "x}"}, 4, 16),
        (T_SCALAR, 2, 18, 19),
        (T_END_ARRAY, 19),
    ]
    assert (tok.consumed, tok.held(), tok.last_text) == (20, 0, '{"a": "x}" }, 2]')
    assert tok.close() == []


def test_a_line_held_whole_is_scanned_when_its_last_bracket_and_newline_come_together() -> None:
    # NDJSON recovery (HOLD_LINE) holds a document no further than its line end; the usual
    # last chunk of a line, '}' with the newline, still ends it as one token.
    tok = Tokenizer(multiple=True, whole_values=("{[",), hold_whole=HOLD_LINE)
    assert tok.feed('{"a": [1, ') == []
    assert tok.feed('{"b": 2}]') == []  # a '}' that does not end it: held again
    assert tok.feed('}\n{"c"') == [(T_WHOLE, {"a": [1, {"b": 2}]}, 0, 20)]
    assert tok.feed(": 3}\n") == [(T_WHOLE, {"c": 3}, 21, 29)]
    # A line end before any closing bracket: that line's document is read as tokens.
    tok = Tokenizer(multiple=True, whole_values=("{[",), hold_whole=HOLD_LINE)
    assert tok.feed('{"a": 1') == []
    assert tok.feed(",\n") == [(T_BEGIN_OBJECT, 0), (T_KEY, "a", 1), (T_SCALAR, 1, 6, 7)]


BAD_HELD = [
    '[{"a": 1 "b": 2}]',
    '[{"a": NaN}, 1]',
    '[{"a": [1,]}]',
    '[{"a": "\x01"}]',
    '[{"a":\n tru}]',
    '[{"a": 1}, {"a": 1, "a": 2}, {"b": \n 1e}]',
    "[[[[1]]], [[[[2]]]]]",  # max_depth=4 below
    '[{"a": "\u00e9\ud83d"}, {"x": "' + "y" * 40 + '"}]',  # max_string=30 below
    '[{"a": 1}\n, {"a" 2}]',
    '[{"a": 1}',
]


@pytest.mark.parametrize("text", BAD_HELD)
def test_held_values_give_the_tokens_errors_and_positions(text: str) -> None:
    # Whatever the chunking, a tokenizer that holds and scans whole values ends like one that
    # reads every token: the same error (kind, position, line, column) or the same end.
    def run(chunks: list[str], whole: bool) -> Any:
        options: dict[str, Any] = {"max_depth": 4, "max_string": 30, "multiple": True}
        if whole:
            options.update(whole_values=("", "{["), hold_whole=HOLD_LINE)
        tok = Tokenizer(**options)
        try:
            for chunk in chunks:
                tok.feed(chunk)
            tok.close()
        except ParseError as err:
            return err.kind, err.pos, err.lineno, err.colno
        return None

    splits = [[text]] + [[text[:i], text[i:]] for i in range(1, len(text))]
    splits.append(list(text))
    reference = run([text], False)
    assert reference is not None
    for chunks in splits:
        assert run(chunks, True) == reference, chunks


# -- hostile sizes (issue 13): work linear in the input, memory about the size of what is held


class _CountingPattern:
    """Stands for a compiled pattern and counts the characters its ``fullmatch`` and
    ``match`` may read."""

    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern
        self.read = 0

    def fullmatch(self, text: str, *args: Any) -> Any:
        self.read += len(text)
        return self.pattern.fullmatch(text, *args)

    def match(self, text: str, pos: int = 0) -> Any:
        self.read += len(text) - pos
        return self.pattern.match(text, pos)


def _chunks(data: Any, size: int) -> list[Any]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _stream(data: Any, size: int) -> Iterator[Any]:
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("digits", ["0." + "9" * 4000, "9" * 4000, "1.5e" + "1" * 4000])
@pytest.mark.parametrize("kind", [str, bytes])
def test_a_long_number_is_read_once(monkeypatch, digits, kind):
    # Each chunk's digits are checked with the number's state so far, never re-joined and
    # re-matched: the characters matched stay about the number's length (it was n^2 / 8).
    import unspool._tokenizer as tokenizer_module

    counting = _CountingPattern(tokenizer_module._NUMBER_PREFIX)
    monkeypatch.setattr(tokenizer_module, "_NUMBER_PREFIX", counting)
    text = '{"score": ' + digits + "}"
    data = text if kind is str else text.encode()
    tokenizer = Tokenizer()
    tokens = [t for chunk in _chunks(data, 4) for t in tokenizer.feed(chunk)]
    tokens += tokenizer.close()
    assert counting.read <= 2 * len(digits)
    if digits.startswith("9"):  # an int past int()'s digit limit
        assert tokenizer.error is None or tokenizer.error.kind == "number_too_long"
    else:
        assert [t[1] for t in tokens if t[0] == T_SCALAR] == [json.loads(text)["score"]]


def test_a_long_number_is_read_once_by_the_splitter(monkeypatch):
    import unspool._tokenizer as tokenizer_module
    from unspool import Splitter

    counting = _CountingPattern(tokenizer_module._NUMBER_PREFIX)
    monkeypatch.setattr(tokenizer_module, "_NUMBER_PREFIX", counting)
    number = "0." + "9" * 4000
    splitter = Splitter(with_raw=True)
    items = [item for chunk in _chunks(f"[{number}, 1]", 4) for item in splitter.feed(chunk)]
    items += splitter.close()
    assert [raw for _, _, raw in items] == [number, "1"]
    assert counting.read <= 2 * len(number)


@pytest.mark.parametrize(
    "number, kind",
    [("1.", "invalid_number"), ("01", "invalid_number"), ("1e+", "invalid_number"), ("-", None)],
)
def test_a_number_cut_anywhere_is_judged_by_its_state(number, kind):
    # Every split of an invalid or incomplete number reports what the whole one reports.
    text = f"[{number}]"
    for cut in range(1, len(text)):
        run = feed_all([text[:cut], text[cut:]])
        whole = feed_all([text])
        assert (run.error.kind, run.error.pos) == (whole.error.kind, whole.error.pos)
        if kind is not None:
            assert run.error.kind == kind


def _held_peak(feed: Any, chunks: Iterator[Any]) -> int:
    """Peak bytes allocated while ``feed`` takes ``chunks``, made one by one as a stream's
    are (so a chunk is freed unless the parser keeps it)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        for chunk in chunks:
            feed(chunk)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


N_HELD = 200_000


@pytest.mark.parametrize(
    "head, body",
    [('["', "x"), ('{"', "x"), ("[1", "1"), ("[1.", "1")],
    ids=["string", "key", "int", "float"],
)
def test_an_open_token_costs_about_its_size(head, body):
    # Open across 4-character chunks, a string, key or number held each chunk as its own str:
    # ~15 bytes per character.  Joined as it comes, it costs its size plus a little.
    chunks = itertools.chain([head], _stream(body * N_HELD, 4))
    parser = Parser(events=False, max_string=1 << 30, max_buffer=1 << 30)
    assert _held_peak(parser.feed, chunks) < 3 * N_HELD


def test_an_open_string_with_events_costs_about_its_size():
    parser = Parser(events=True)
    peak = _held_peak(parser.feed, itertools.chain(['{"a": "'], _stream("x" * N_HELD, 4)))
    assert peak < 3 * N_HELD
    assert parser.value == {"a": "x" * N_HELD}
