"""Tests of ``unspool.Splitter`` (and ``iter_objects`` / ``aiter_objects``).

Every example runs over the ``chunker`` fixture (str and bytes; whole, one character at a
time, seeded random sizes 1-16, every two-way split) and with the fast path on and off
(``fast`` fixture).  Hypothesis compares the items with ``json.loads`` of the documents
(``reference_items``) and, feed by feed, with the ``Parser``'s ``ValueCompleted`` events at the
same paths -- which is also the timeliness property: an item comes out of the very feed that
delivers its last character (for a number, the delimiter after it).
"""

from __future__ import annotations

import json
import logging
import random
import tracemalloc
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import DUMPS_OPTIONS, chunked, json_values, mutations, same

import unspool
from unspool import ItemError, ParseError, Parser, Splitter, ValueCompleted
from unspool._tokenizer import _HOLD_MAX

# -- helpers -----------------------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["fast", "slow"])
def fast(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def make(at: str | None = None, fast: bool = True, **options: Any) -> Splitter:
    splitter = Splitter(at, **options)
    splitter._fast = fast
    return splitter


def per_feed(
    chunks: Sequence[Any], at: str | None = None, fast: bool = True, **options: Any
) -> tuple[list[list[Any]], ParseError | None]:
    """The items of each feed (and of close, last); the error, if one was raised."""
    splitter = make(at, fast, **options)
    result: list[list[Any]] = []
    try:
        for chunk in chunks:
            result.append(splitter.feed(chunk))
        result.append(splitter.close())
    except ParseError as err:
        with pytest.raises(ParseError) as again:  # poisoned: it raises the same error again
            splitter.feed(chunks[0][:0] if chunks else "")
        assert again.value is err
        return result, err
    return result, None


def split(chunks: Sequence[Any], at: str | None = None, fast: bool = True, **options: Any) -> Any:
    """All items of a chunking (raises on error)."""
    result, error = per_feed(chunks, at, fast, **options)
    if error is not None:
        raise error
    return [item for items in result for item in items]


def keys_of(at: str) -> list[str]:
    return [] if at == "" else [k.replace("~1", "/").replace("~0", "~") for k in at[1:].split("/")]


def documents(text: str) -> list[Any]:
    """Every top-level document of a text, with json's own decoder."""
    decoder = json.JSONDecoder()
    docs, i = [], 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i == len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


def reference_items(docs: Sequence[Any], at: str | None) -> list[Any]:
    """What the splitter must return, from the parsed documents (no duplicate keys)."""
    out: list[Any] = []
    for doc in docs:
        if at is None:
            out.extend(doc if type(doc) is list else [doc])
            continue
        keys = keys_of(at)
        stack = [(doc, 0)]
        while stack:  # depth first, in document order
            value, depth = stack.pop()
            if depth == len(keys):
                if type(value) is list:
                    out.extend(value)
                continue
            key = keys[depth]
            if type(value) is dict:
                children = [(v, depth + 1) for k, v in value.items() if key in ("*", k)]
            elif type(value) is list:
                children = [(v, depth + 1) for i, v in enumerate(value) if key in ("*", str(i))]
            else:
                children = []
            stack.extend(reversed(children))
    return out


def is_item(path: tuple[Any, ...], value: Any, at: str | None) -> bool:
    """Is the Parser's ``ValueCompleted(path, value)`` one of the splitter's items?"""
    if at is None:
        return (path == () and type(value) is not list) or (len(path) == 1 and type(path[0]) is int)
    keys = keys_of(at)
    if len(path) != len(keys) + 1 or type(path[-1]) is not int:
        return False
    return all(k == "*" or k == str(p) for k, p in zip(keys, path, strict=False))


def parser_per_feed(chunks: Sequence[Any], at: str | None) -> tuple[list[list[Any]], Any]:
    """The Parser's item completions per feed (and close), and its error."""
    parser = Parser(multiple=True)
    result: list[list[Any]] = []

    def items(events: list[Any]) -> list[Any]:
        return [
            e.value for e in events if type(e) is ValueCompleted and is_item(e.path, e.value, at)
        ]

    try:
        for chunk in chunks:
            result.append(items(parser.feed(chunk)))
        result.append(items(parser.close()))
    except ParseError as err:
        return result, err
    return result, None


def assert_same(actual: Any, expected: Any) -> None:
    assert same(actual, expected), f"{actual!r} != {expected!r}"


# -- examples ----------------------------------------------------------------------------------

BIG = "123456789012345678901234567890123456789"
EXAMPLES = [
    # (text, at, items)
    ("[]", None, []),
    ("[1, 2.5, -0.0, true, null]", None, [1, 2.5, -0.0, True, None]),
    (f"[{BIG}, -{BIG}, 1e400, 1E-2]", None, [int(BIG), -int(BIG), float("inf"), 0.01]),
    ('["a", "\\ud83d\\ude00", "\\u00e9\\n", ""]', None, ["a", "😀", "é\n", ""]),
    ('[{"a": [1, {"b": null}]}, [], {}, [[[]]]]', None, [{"a": [1, {"b": None}]}, [], {}, [[[]]]]),
    ('{"a":1,"a":2}', None, [{"a": 2}]),
    ("  42  ", None, [42]),
    ('"just a string"', None, ["just a string"]),
    # NDJSON: blank lines, CRLF, whitespace-only lines, no final newline.
    ('{"a":1}\n{"b":2}\n', None, [{"a": 1}, {"b": 2}]),
    ('{"a":1}\r\n\r\n  \n{"b":[2]}\r\n3\r\n"s"', None, [{"a": 1}, {"b": [2]}, 3, "s"]),
    ("1\n2\n3", None, [1, 2, 3]),
    ("true\nfalse\nnull\n", None, [True, False, None]),
    ('{"a":1}\n[2,3]\n{"b":4}\n', None, [{"a": 1}, 2, 3, {"b": 4}]),
    # Back to back, with or without whitespace.
    ('{"a":1}{"b":2}[3]"x"{}', None, [{"a": 1}, {"b": 2}, 3, "x", {}]),
    ("[1][2] [3]\t4 5", None, [1, 2, 3, 4, 5]),
    # Pointers.
    ('{"items": [{"x": 1}, {"y": [2]}], "other": [9]}', "/items", [{"x": 1}, {"y": [2]}]),
    ('{"other": [9], "items": [1, "2", [3]], "z": {"items": [4]}}', "/items", [1, "2", [3]]),
    # A value at the pointer that is not an array gives no items (a stream where the pointer
    # matches no array at all raises at close: test_a_pointer_that_matches_nothing_...).
    ('{"items": {"not": "an array"}}\n{"items": []}', "/items", []),
    ('{"items": 5}\n{"items": [6]}', "/items", [6]),
    ('{"a": {"b": [1, 2]}, "c": {"b": [3]}}', "/a/b", [1, 2]),
    ('{"a": {"b": [1, 2]}, "c": {"b": [3]}}', "/*/b", [1, 2, 3]),
    ('{"s": [{"p": [1, 2]}, {"q": [0]}, {"p": [3]}]}', "/s/*/p", [1, 2, 3]),
    ('{"s": [{"p": [1, 2]}, {"p": [3]}]}', "/s/1/p", [3]),
    ('{"s": [{"p": [1]}, {"p": [2]}]}\n{"s": {"01": {"p": []}}}', "/s/01/p", []),
    ('{"a/b": [1], "m~n": [2]}', "/a~1b", [1]),
    ('{"a/b": [1], "m~n": [2]}', "/m~0n", [2]),
    ('{"": [1, 2]}', "/", [1, 2]),
    ("[[1, 2], [3]] [[4]]", "/0", [1, 2, 4]),
    ("[[1, 2], [3]] [[4]]", "/*", [1, 2, 3, 4]),
    ("[[[1], [2]], [[3]]]", "/*/*", [1, 2, 3]),
    ("[1, 2] [3]", "", [1, 2, 3]),
    ('{"a": [1]} [2] 3', "", [2]),
    ('{"items": [1]}\n{"items": [2, 3]}\n{"x": 0}\n', "/items", [1, 2, 3]),
    ('{"data": {"rows": [[1, 2], [3]]}}', "/data/rows", [[1, 2], [3]]),
    ('{"x": "[1, 2]", "items": ["]", "[", "}{"]}', "/items", ["]", "[", "}{"]),
]


@pytest.mark.parametrize(("text", "at", "expected"), EXAMPLES)
def test_examples(chunker: Any, fast: bool, text: str, at: str | None, expected: list[Any]) -> None:
    for chunks in chunker(text):
        assert_same(split(chunks, at, fast), expected)


def test_examples_match_the_reference() -> None:
    for text, at, expected in EXAMPLES:
        if text != '{"a":1,"a":2}':
            assert_same(reference_items(documents(text), at), expected)


def test_whitespace_only_chunks_and_empty_stream(fast: bool) -> None:
    assert split(["", " ", "\n", "\r\n", "\t"], None, fast) == []
    assert split([], None, fast) == []
    assert split(["[", " ", "1", " ", ",", "\n", "2", "\n", "]", "\n"], None, fast) == [1, 2]


def test_items_of_every_type_and_deep_nesting(fast: bool) -> None:
    deep = "[" * 900 + "]" * 900  # nested deeper than json's recursion allows here
    items = split([f"[{deep}, {deep}]"], None, fast)
    assert len(items) == 2
    value = items[0]
    for _ in range(899):
        assert type(value) is list and len(value) == 1
        value = value[0]
    assert value == []


def test_with_raw_gives_index_value_and_exact_text(chunker: Any, fast: bool) -> None:
    text = '[ {"a": 1} ,-0.0, "x\\"y" ,\n[2, 3], 12, true]'
    for chunks in chunker(text):
        items = split(chunks, None, fast, with_raw=True)
        assert [i for i, _, _ in items] == list(range(6))
        assert [raw for _, _, raw in items] == [
            '{"a": 1}',
            "-0.0",
            '"x\\"y"',
            "[2, 3]",
            "12",
            "true",
        ]
        for _, value, raw in items:
            assert_same(value, json.loads(raw))


def test_allow_nan(chunker: Any, fast: bool) -> None:
    text = '[NaN, {"a": Infinity}, [-Infinity]]\n{"b": NaN}'
    for chunks in chunker(text):
        items = split(chunks, None, fast, allow_nan=True)
        assert_same(
            items, [float("nan"), {"a": float("inf")}, [float("-inf")], {"b": float("nan")}]
        )
        _result, error = per_feed(chunks, None, fast)
        assert error is not None and error.kind == "nan_not_allowed" and error.pos == 1


def test_limits_are_the_tokenizers(fast: bool) -> None:
    text = '[{"a": [[1]]}, {"b": "' + "x" * 50 + '"}]'
    _, error = per_feed([text], None, fast, max_depth=3)
    assert error is not None and error.kind == "max_depth" and error.pos == 8
    result, error = per_feed([text], None, fast, max_string=40)
    assert [i for items in result for i in items] == [{"a": [[1]]}]
    assert error is not None and error.kind == "max_string"
    assert split([text], None, fast, max_depth=4, max_string=50) == [
        {"a": [[1]]},
        {"b": "x" * 50},
    ]


@pytest.mark.parametrize(
    ("text", "options", "before", "kind", "pos"),
    [
        ("[[1], [123456]]", {"max_buffer": 5}, [[1]], "max_buffer", 12),  # was missed (fast)
        ('[[1], ["abcdef"]]', {"max_string": 5}, [[1]], "max_string", 13),
        ("[[1], [[[]]]]", {"max_depth": 3}, [[1]], "max_depth", 8),
    ],
)
def test_limits_inside_items_fail_like_the_parser(
    chunker: Any, fast: bool, text: str, options: dict[str, Any], before: Any, kind: str, pos: int
) -> None:
    for chunks in chunker(text):
        result, error = per_feed(chunks, None, fast, **options)
        assert [i for items in result for i in items] == before
        assert error is not None and (error.kind, error.pos) == (kind, pos)
        assert error.path == (1,)


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="JSON Pointer"):
        Splitter("items")
    with pytest.raises(ValueError, match="on_error"):
        Splitter(on_error="ignore")


def test_mixing_str_and_bytes_raises() -> None:
    splitter = Splitter()
    splitter.feed("[1,")
    with pytest.raises(TypeError, match="mix"):
        splitter.feed(b"2]")
    splitter = Splitter()
    splitter.feed(b"[1,")
    with pytest.raises(TypeError, match="mix"):
        splitter.feed("2]")
    with pytest.raises(TypeError, match="str or bytes"):
        Splitter().feed(3)  # type: ignore[arg-type]


def test_public_names() -> None:
    assert unspool.Splitter is Splitter
    assert callable(unspool.iter_objects) and callable(unspool.aiter_objects)


# -- timeliness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ('[{"a": 1}, 22, "s", [3], true, -4.5e1]', None),
        ('{"a":1}\n7\n"x"\n[8, 9]\n{"b": [10]}\n11', None),
        ('{"w": {"items": [1, {"c": "}"}, [2]]}, "items": [3, 4]}', "/w/items"),
        ('{"s": [{"p": [1, 2]}, {"p": [3, {"x": [4]}]}]}', "/s/*/p"),
    ],
)
def test_each_item_comes_with_its_last_character(fast: bool, text: str, at: str | None) -> None:
    # One character at a time: item k must come out of the feed of its last character
    # (for a number, of the delimiter after it), exactly when the Parser completes it.
    chunks = list(text)
    ours, error = per_feed(chunks, at, fast)
    theirs, parser_error = parser_per_feed(chunks, at)
    assert error is None and parser_error is None
    assert len(ours) == len(theirs) == len(text) + 1
    for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        assert same(a, b), (i, text[: i + 1], a, b)
    assert sum(map(len, ours)) == len(reference_items(documents(text), at))


def test_first_item_does_not_wait_for_the_rest(fast: bool) -> None:
    splitter = make("/items", fast)
    assert splitter.feed('{"items": [{"id": 0, "name": "first"') == []
    assert splitter.feed("}") == [{"id": 0, "name": "first"}]
    for i in range(1, 1000):  # each item as it closes, however long the stream goes on
        assert splitter.feed(", " + json.dumps({"id": i})[:-1]) == []
        assert splitter.feed("}") == [{"id": i}]


# -- errors ------------------------------------------------------------------------------------

ERRORS = [
    # (text, at, items before the error, kind, pos)
    ("[1, 2,]", None, [1, 2], "trailing_comma", 6),
    ("[1 2]", None, [1], "expected_comma_or_end", 3),
    ('[{"a": 1}, {"a" 1}]', None, [{"a": 1}], "expected_colon", 16),
    ('[{"a": 1}, {"a": tru}]', None, [{"a": 1}], "invalid_literal", 20),
    ('[{"a": 1}, {"a": "\\x"}]', None, [{"a": 1}], "invalid_escape", 18),
    ('[{"a": 1}, {"a": 01}]', None, [{"a": 1}], "invalid_number", 17),
    ('[{"a": 1}, {"a": 1}}', None, [{"a": 1}, {"a": 1}], "expected_comma_or_end", 19),
    ('[{"a": 1}, {"a": 1}', None, [{"a": 1}, {"a": 1}], "eof_in_container", 19),
    ('[{"a": 1}, {"a": "x', None, [{"a": 1}], "eof_in_string", 19),
    ("[1, 2", None, [1], "eof_in_container", 5),
    ('{"a": 1}\n{"b": 2', None, [{"a": 1}], "eof_in_container", 16),
    ('{"a": 1} x', None, [{"a": 1}], "expected_value", 9),
    ('{"items": [1, 2] "x": 3}', "/items", [1, 2], "expected_comma_or_end", 17),
    ('{"items": [1, 2], "x": [3,]}', "/items", [1, 2], "trailing_comma", 26),
    ('{"x": [1,], "items": [1]}', "/items", [], "trailing_comma", 9),
    ('{"items": [{"a": [1, 2}]}', "/items", [], "expected_comma_or_end", 22),
    ("[1, 2] ]", None, [1, 2], "expected_value", 7),
    ("[\n1,\n2,\n]", None, [1, 2], "trailing_comma", 8),
]

# Errors of ERRORS in the wrapper around the items, off the pointer's path or between items.
OUTSIDE_ITEMS = {
    "[1 2]",
    '[{"a": 1}, {"a": 1}}',
    '[{"a": 1}, {"a": 1}',
    '{"items": [1, 2] "x": 3}',
    '{"items": [1, 2], "x": [3,]}',
    '{"x": [1,], "items": [1]}',
}


@pytest.mark.parametrize(("text", "at", "before", "kind", "pos"), ERRORS)
def test_errors(
    chunker: Any, fast: bool, text: str, at: str | None, before: list[Any], kind: str, pos: int
) -> None:
    for chunks in chunker(text):
        result, error = per_feed(chunks, at, fast)
        assert error is not None, chunks
        assert [i for items in result for i in items] == before
        assert (error.kind, error.pos) == (kind, pos)
        # The index counts a number item that the end of input completed (in .partial).
        index = len(before) + len(getattr(error, "partial", None) or [])
        assert error.index == index  # type: ignore[attr-defined]
        # The message names an item only when the error is in one (or where one begins);
        # after an item the end of input completed, it is after the items.
        inside = text not in OUTSIDE_ITEMS and index == len(before)
        assert (f"(item {index})" in str(error)) == inside
        if chunker.encoding == "bytes":
            assert error.byte_pos == pos


def test_items_then_error_in_one_feed_raise_on_the_next_call(fast: bool) -> None:
    splitter = make(None, fast)
    assert splitter.feed('[{"a": 1}, 2, {"b": [3]}, x') == [{"a": 1}, 2, {"b": [3]}]
    with pytest.raises(ParseError) as err:
        splitter.feed("]")
    assert err.value.kind == "expected_value" and err.value.index == 3  # type: ignore[attr-defined]
    with pytest.raises(ParseError):
        splitter.close()


@pytest.mark.parametrize(
    ("text", "at", "path"),
    [
        # As the Parser's: the next element after ',' (was the previous one), no key after ','.
        ("[1,x]", None, (1,)),
        ("[1 x]", None, (0,)),
        ("[1, 2", None, (1,)),
        ("[1, 2,", None, (2,)),
        ("[[1], [2, x]]", "/*", (1, 1)),
        ('{"items": [1, 2], x}', "/items", ()),
        ('{"items": [1, 2] "x": 3}', "/items", ("items",)),
        ('{"items": [1, {"a" 1}]}', "/items", ("items", 1)),
    ],
)
def test_error_path_is_the_parsers(fast: bool, text: str, at: str | None, path: Any) -> None:
    _, error = per_feed([text], at, fast)
    _, parser_error = parser_per_feed([text], at)
    assert error is not None and parser_error is not None
    assert error.path == path == parser_error.path[: len(path)]


def test_error_path_names_the_item(fast: bool) -> None:
    _, error = per_feed(['{"s": [{"p": [1, 2]}, {"p": [3, {"a" 1}]}]}'], "/s/*/p", fast)
    assert error is not None and error.path == ("s", 1, "p", 1)
    assert "at /s/1/p/1" in str(error)


# -- bad NDJSON items --------------------------------------------------------------------------

GOOD_LINES = ['{"a": 1}', "[2, 3]", '"s"', "4", "true", '{"b": [5, {"c": null}]}', "{}"]
# Each is one bad item whatever line follows it (none begins with ',' '}' or ']').
BAD_LINES = [
    '{"a" 1}',
    '{"a": tru}',
    '{"x": [1, 2,]}',
    '{"a": "b\\x"}',
    '{"a": 01}',
    '"abc',
    '{"a": 1',
    "tru",
    "@",
    '{"a": {"b": [1, 2]}',
]
BAD_KINDS = {
    '{"a" 1}': "expected_colon",
    '{"a": tru}': "invalid_literal",
    '{"x": [1, 2,]}': "trailing_comma",
    '{"a": "b\\x"}': "invalid_escape",
    '{"a": 01}': "invalid_number",
    "@": "expected_value",
}


def ndjson_expectation(lines: list[str], newline: str) -> tuple[str, list[Any]]:
    """The text of ``lines`` and what ``on_error="yield"`` returns for it."""
    text = newline.join(lines)
    expected: list[Any] = []
    pos = 0
    for number, line in enumerate(lines, 1):
        if line in BAD_LINES:
            expected.append(("bad", pos, line, number))
        elif line.strip():
            doc = json.loads(line)
            expected.extend(doc if type(doc) is list else [doc])
        pos += len(line) + len(newline)
    return text, expected


def check_yielded(items: list[Any], expected: list[Any]) -> None:
    assert len(items) == len(expected), (items, expected)
    for index, (item, want) in enumerate(zip(items, expected, strict=False)):
        if isinstance(want, tuple):
            _, pos, raw, line = want
            assert type(item) is ItemError, (item, want)
            assert (item.index, item.pos, item.raw) == (index, pos, raw)
            assert isinstance(item.error, ParseError)
            assert item.error.index == index  # type: ignore[attr-defined]
            assert item.error.pos >= pos and item.error.lineno >= line
            if raw in BAD_KINDS:
                assert item.error.kind == BAD_KINDS[raw] and item.error.lineno == line
        else:
            assert_same(item, want)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_yield_returns_item_errors_in_place(chunker: Any, fast: bool, newline: str) -> None:
    lines = ['{"a": 1}', '{"a" 1}', "[2, 3]", '"abc', "", '{"a": 1', '{"b": 2}', "tru", "4"]
    text, expected = ndjson_expectation(lines, newline)
    for chunks in chunker(text):
        check_yielded(split(chunks, None, fast, on_error="yield"), expected)


def test_unterminated_line_does_not_take_the_next_one(fast: bool) -> None:
    items = split(['{"a": 1, "b": [1, 2\n{"c": 3}\n'], None, fast, on_error="yield")
    assert type(items[0]) is ItemError and items[0].raw == '{"a": 1, "b": [1, 2'
    assert items[0].error.kind == "expected_comma_or_end" and items[0].error.lineno == 2
    assert items[1:] == [{"c": 3}]


def test_skip_logs_line_number_and_text(
    chunker: Any, fast: bool, caplog: pytest.LogCaptureFixture
) -> None:
    lines = ['{"a": 1}', '{"a" 1}', "", "[2]", '{"x": [1, 2,]}', "3", '"abc']
    text, _expected = ndjson_expectation(lines, "\n")
    for chunks in chunker(text):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="unspool"):
            items = split(chunks, None, fast, on_error="skip")
        assert items == [{"a": 1}, 2, 3]
        records = [r for r in caplog.records if r.name == "unspool"]
        assert len(records) == 3
        for record, (index, line, raw) in zip(
            records, [(1, 2, '{"a" 1}'), (3, 5, '{"x": [1, 2,]}'), (5, 7, '"abc')], strict=False
        ):
            assert record.levelno == logging.WARNING
            message = record.getMessage()
            assert f"item {index} on line {line}" in message and repr(raw) in message


def test_raise_is_the_default_for_ndjson(fast: bool) -> None:
    result, error = per_feed(['{"a": 1}\n{"a" 1}\n{"b": 2}\n'], None, fast)
    assert [i for items in result for i in items] == [{"a": 1}]
    assert error is not None and error.kind == "expected_colon" and error.index == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("on_error", ["skip", "yield"])
@pytest.mark.parametrize(
    ("text", "at", "kind"),
    [
        ("[1, x]\n[2]", None, "expected_value"),  # inside a root array
        ('{"items": [1, x]}\n{"items": [2]}', "/items", "expected_value"),
        ('{"items": [1]} x\n{"items": [2]}', "/items", "expected_value"),  # any pointer
    ],
)
def test_errors_in_arrays_raise_whatever_on_error_says(
    fast: bool, on_error: str, text: str, at: str | None, kind: str
) -> None:
    result, error = per_feed([text], at, fast, on_error=on_error)
    assert [i for items in result for i in items] == [1]
    assert error is not None and error.kind == kind


def test_invalid_utf8_raises_whatever_on_error_says() -> None:
    splitter = Splitter(on_error="yield")
    assert splitter.feed(b'{"a": 1}\n') == [{"a": 1}]
    with pytest.raises(ParseError) as err:
        splitter.feed(b'{"a": "\xff"}\n{"b": 2}\n')
    assert err.value.kind == "invalid_utf8"


def test_recovery_keeps_positions_absolute(chunker: Any, fast: bool) -> None:
    # After two restarts, errors still count lines, characters and bytes from the start.
    text = '{"é": 1}\n{"a" 1}\n{"b": "😀"}\n{"c": x}\n{"d": 2\n'
    for chunks in chunker(text):
        items = split(chunks, None, fast, on_error="yield")
        assert [type(i).__name__ for i in items] == [
            "dict",
            "ItemError",
            "dict",
            "ItemError",
            "ItemError",
        ]
        first, second, third = items[1], items[3], items[4]
        assert first.raw == '{"a" 1}' and first.pos == 9
        assert (first.error.pos, first.error.lineno, first.error.colno) == (14, 2, 6)
        assert second.raw == '{"c": x}' and second.pos == 28
        assert (second.error.pos, second.error.lineno, second.error.colno) == (34, 4, 7)
        assert third.raw == '{"d": 2' and third.pos == 37
        assert third.error.kind == "eof_in_container"
        assert (third.error.pos, third.error.lineno, third.error.colno) == (45, 6, 1)
        if chunker.encoding == "bytes":
            data = text.encode()
            assert first.error.byte_pos == data.index(b'1}\n{"b"')
            assert second.error.byte_pos == data.index(b"x}")
            assert third.error.byte_pos == len(data)


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        # (text, what on_error="yield" returns: values and (index, pos, raw, error pos), error)
        (":\n{,", [(0, 0, ":", 0), (1, 2, "{,", 3)], None),  # close() doubled the offsets
        ('{"a": 1\n2\n{"b": 2}', [(0, 0, '{"a": 1', 8), 2, {"b": 2}], None),
        ('{"a":\n[1', [], "eof_in_container"),  # close() returned the bad item, lost the error
        ("{1N\n[1", [(0, 0, "{1N", 1)], "eof_in_container"),
        ('{\n "a": [1,\n 2]\n}\n3', [{"a": [1, 2]}, 3], None),  # a good document on lines
    ],
)
def test_recovery_ends_like_the_tokenizer_says(
    chunker: Any, fast: bool, text: str, expected: list[Any], kind: str | None
) -> None:
    for chunks in chunker(text):
        result, error = per_feed(chunks, None, fast, on_error="yield")
        items = [i for items in result for i in items]
        assert [
            (i.index, i.pos, i.raw, i.error.pos) if type(i) is ItemError else i for i in items
        ] == expected
        assert (error and error.kind) == kind


def test_bad_line_does_not_delay_the_next_lines(fast: bool) -> None:
    # The fast path held the bad line's object until a '}' came: items after it waited.
    chunks = ['{"a": 1', "\n", "2", "\n", '"x"', "\n"]
    result, error = per_feed(chunks, None, fast, on_error="yield")
    assert error is None
    kinds = [" ".join(type(i).__name__ for i in items) for items in result]
    assert kinds == ["", "", "ItemError", "int", "str", "", ""]


@pytest.mark.parametrize(
    ("data", "expected", "kind"),
    [
        # Invalid UTF-8 in a dropped line is kept as U+FFFD; anywhere else it raises.  A
        # recovery in the chunk lost the text after it (and the error).
        (b'{"a" 1, "\xff"}\n{"b": 1}\n', ['{"a" 1, "\ufffd"}', {"b": 1}], None),
        (b'{"a" 1}\n{"b": 1, "\xff"}\n', ['{"a" 1}'], "invalid_utf8"),
        (b'{"a" 1}\n{"b": 1, "\xc3"}\n', ['{"a" 1}'], "invalid_utf8"),
    ],
)
def test_invalid_utf8_after_a_recovery(data: bytes, expected: list[Any], kind: str | None) -> None:
    for chunks in [[data], [data[i : i + 1] for i in range(len(data))]] + [
        [data[:i], data[i:]] for i in range(len(data))
    ]:
        result, error = per_feed(chunks, None, True, on_error="yield")
        items = [i.raw if type(i) is ItemError else i for items in result for i in items]
        assert items == expected, chunks
        assert (error and error.kind) == kind


def test_bad_line_longer_than_a_chunk(fast: bool) -> None:
    bad = '{"a": ' + "[" * 3 + "x" + "1" * 500
    text = f'{{"a": 1}}\n{bad}\n{{"b": 2}}\n'
    for size in (1, 7, 64, 1000):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        items = split(chunks, None, fast, on_error="yield")
        assert items[0] == {"a": 1} and items[2] == {"b": 2}
        assert type(items[1]) is ItemError and items[1].raw == bad and items[1].pos == 9
        data = text.encode()
        bchunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert split(bchunks, None, fast, on_error="yield")[2] == {"b": 2}


# -- Hypothesis: differential and Parser-equivalence properties --------------------------------


def dump(value: Any, options: dict[str, Any]) -> str:
    return json.dumps(value, **options)


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, str | None, list[Any]]:
    """A text, a pointer (or None) and the documents it holds."""
    kind = draw(st.sampled_from(["ndjson", "concat", "root", "pointer", "wildcard", "path"]))
    values = json_values()
    if kind == "ndjson":
        docs = draw(st.lists(values, max_size=5))
        newline = draw(st.sampled_from(["\n", "\r\n", "\n\n", " \n\t"]))
        options = draw(DUMPS_OPTIONS.map(lambda o: {**o, "indent": None}))
        text = newline.join(dump(d, options) for d in docs) + draw(st.sampled_from(["", "\n"]))
        return text, None, docs
    if kind == "concat":
        docs = draw(st.lists(values, max_size=5))
        parts = []
        for doc in docs:
            text = dump(doc, draw(DUMPS_OPTIONS))
            gap = draw(st.sampled_from(["", " ", "\n", "\t\r\n"]))
            if not gap and parts and not (parts[-1][-1] in '}]"' or text[0] in '{["'):
                gap = " "  # two numbers or literals need a separator
            parts.append(gap + text)
        return "".join(parts), None, docs
    if kind == "root":
        docs = [draw(st.lists(values, max_size=8))]
        return dump(docs[0], draw(DUMPS_OPTIONS)), draw(st.sampled_from([None, ""])), docs
    if kind == "pointer":
        docs = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"meta": values, "items": st.lists(values, max_size=5)},
                    optional={"after": values},
                ),
                min_size=1,
                max_size=3,
            )
        )
        options = draw(DUMPS_OPTIONS)
        return "\n".join(dump(d, options) for d in docs), "/items", docs
    if kind == "wildcard":
        section = st.fixed_dictionaries(
            {"title": values, "paragraphs": st.lists(values, max_size=4)}
        )
        docs = draw(
            st.lists(
                st.fixed_dictionaries({"sections": st.lists(section, max_size=3)}),
                min_size=1,
                max_size=3,
            )
        )
        options = draw(DUMPS_OPTIONS)
        at = draw(
            st.sampled_from(["/sections/*/paragraphs", "/*/*/paragraphs", "/sections/0/paragraphs"])
        )
        return "".join(dump(d, options) for d in docs), at, docs
    # "path": a pointer to some array inside a generated value, segments maybe wildcards
    doc = draw(values)
    arrays: list[list[str]] = []
    stack: list[tuple[Any, list[str]]] = [(doc, [])]
    while stack:
        value, path = stack.pop()
        if type(value) is list:
            arrays.append(path)
            stack.extend((v, [*path, str(i)]) for i, v in enumerate(value))
        elif type(value) is dict:
            stack.extend((v, [*path, k]) for k, v in value.items())
    path = draw(st.sampled_from(arrays)) if arrays else []
    path = [("*" if draw(st.booleans()) else k) for k in path]
    at = "".join("/" + k.replace("~", "~0").replace("/", "~1") for k in path)
    return dump(doc, draw(DUMPS_OPTIONS)), at, [doc]


@given(st.data())
def test_items_equal_json_loads_and_the_parser(data: st.DataObject) -> None:
    text, at, docs = data.draw(streams())
    payload = data.draw(st.sampled_from(["str", "bytes"]))
    encoded: Any = text.encode() if payload == "bytes" else text
    chunks = data.draw(chunked(encoded))
    expected = reference_items(docs, at)
    ours, error = per_feed(chunks, at, True)
    assert_same([i for items in ours for i in items], expected)
    slow, slow_error = per_feed(chunks, at, False)
    if error is not None:  # the pointer matched no array: raised at close, nothing returned
        assert error.kind == "no_match" and not expected, error
        assert slow_error is not None and str(slow_error) == str(error)
        return
    assert slow_error is None
    theirs, parser_error = parser_per_feed(chunks, at)
    assert parser_error is None
    assert len(ours) == len(slow) == len(theirs)
    for a, b, c in zip(ours, slow, theirs, strict=False):  # the same items, from the same feed
        assert same(a, c) and same(b, c), (a, b, c)


@given(st.data())
def test_mutated_streams_fail_like_the_parser(data: st.DataObject) -> None:
    text, at, _ = data.draw(streams())
    payload = data.draw(st.sampled_from(["str", "bytes"]))
    encoded: Any = text.encode() if payload == "bytes" else text
    mutated = data.draw(mutations(encoded))
    chunks = data.draw(chunked(mutated))
    theirs, parser_error = parser_per_feed(chunks, at)
    expected = [i for items in theirs for i in items]
    for fast in (True, False):
        ours, error = per_feed(chunks, at, fast)
        assert_same([i for items in ours for i in items], expected)
        if parser_error is None:
            # A pointer that matched no array raises at close (no silent empty result).
            assert error is None or (error.kind == "no_match" and not expected)
        else:
            assert error is not None
            assert (error.kind, error.pos) == (parser_error.kind, parser_error.pos)
            assert error.lineno == parser_error.lineno and error.colno == parser_error.colno
            assert error.index == len(expected)  # type: ignore[attr-defined]
            if not fast:
                # Raised by the same call as the Parser's, or one earlier when the Parser had
                # events (but no items) to return first.  (The fast path may find an error
                # inside a held item a few chunks later.)
                assert len(theirs) - 1 <= len(ours) <= len(theirs)


@given(st.data())
def test_ndjson_recovery_is_independent_of_chunking(data: st.DataObject) -> None:
    lines = data.draw(
        st.lists(st.one_of(st.sampled_from(GOOD_LINES), st.sampled_from(BAD_LINES)), max_size=8)
    )
    newline = data.draw(st.sampled_from(["\n", "\r\n"]))
    text, expected = ndjson_expectation(lines, newline)
    payload = data.draw(st.sampled_from(["str", "bytes"]))
    encoded: Any = text.encode() if payload == "bytes" else text
    chunks = data.draw(chunked(encoded))
    for fast in (True, False):
        check_yielded(split(chunks, None, fast, on_error="yield"), expected)
        skipped = split(chunks, None, fast, on_error="skip")
        assert_same(skipped, [e for e in expected if not isinstance(e, tuple)])
    # Each item from the same feed with the fast path as without it (a bad line held by the
    # fast path delayed the lines after it).
    feeds = [per_feed(chunks, None, fast, on_error="yield")[0] for fast in (True, False)]
    shown = [[[i.raw if type(i) is ItemError else i for i in f] for f in r] for r in feeds]
    assert same(shown[0], shown[1])


# -- memory ------------------------------------------------------------------------------------


def records(n: int, seed: int = 0) -> Iterator[str]:
    rng = random.Random(seed)
    for i in range(n):
        yield json.dumps({"id": i, "name": "x" * rng.randint(0, 60), "tags": [1, 2][: i % 3]})


def llm_chunks(parts: Iterator[str], seed: int = 0) -> Iterator[str]:
    rng = random.Random(seed)
    for part in parts:
        i = 0
        while i < len(part):
            k = rng.randint(1, 12)
            yield part[i : i + k]
            i += k


def held_text(splitter: Splitter) -> int:
    """Characters the splitter keeps: the open item's text, kept or held by the tokenizer."""
    parked = sum(map(len, splitter._park))  # chunks the splitter parks for the tokenizer
    return splitter._kept.buffer.length + splitter._tok.held() + parked


@pytest.mark.parametrize("at", ["/items", None])
def test_buffer_holds_only_the_open_item(fast: bool, at: str | None) -> None:
    def stream() -> Iterator[str]:
        if at == "/items":
            yield '{"items": ['
            for i, rec in enumerate(records(3000)):
                yield ("," if i else "") + rec
            yield "]}"
        else:
            for rec in records(3000):
                yield rec + "\n"

    splitter = make(at, fast)
    longest = max(len(r) for r in records(3000)) + 2
    count = 0
    for chunk in llm_chunks(stream()):
        count += len(splitter.feed(chunk))
        kept = held_text(splitter)
        assert kept <= longest + 12  # the open item (and the chunk that ends it)
    count += len(splitter.close())
    assert count == 3000


def test_peak_memory_is_flat_in_stream_length(fast: bool) -> None:
    def peak(n: int) -> int:
        splitter = make(None, fast)
        tracemalloc.start()
        try:
            for chunk in llm_chunks(r + "\n" for r in records(n)):
                splitter.feed(chunk)
            splitter.close()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(300), peak(3000)
    assert large < small + 64 * 1024, (small, large)


@pytest.mark.parametrize("size", [4095, 5000, 9001, 1 << 20])
def test_big_chunks_cut_anywhere(fast: bool, size: int) -> None:
    # Chunks longer than the splitter's real feeds (4096): the fast path takes over after
    # the wrapper and after an item that began in an earlier chunk.
    rng = random.Random(size)
    values: list[Any] = []
    for i in range(1500):
        pick = rng.random()
        values.append(
            {"id": i, "s": "x" * rng.randint(0, 80)}
            if pick < 0.6
            else [i, {"k": [i]}]
            if pick < 0.8
            else rng.choice([i, "s", None, 1.5])
        )
    wrapper = {"title": "t" * 6000, "items": values, "after": {"items": [0]}}
    for text, at in (
        (json.dumps(wrapper), "/items"),
        (json.dumps(wrapper, indent=2), "/items"),
        (json.dumps(values), None),
        ("\n".join(json.dumps(v) for v in values), None),
    ):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert_same(split(chunks, at, fast), reference_items(documents(text), at))


def test_hold_limit_hands_a_huge_item_to_the_tokenizer() -> None:
    big = {"text": "}" * (_HOLD_MAX + 10), "n": list(range(100))}
    text = json.dumps([big, {"b": 1}])
    for size in (5, 4096):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert split(chunks) == [big, {"b": 1}]


# -- drivers -----------------------------------------------------------------------------------


class Source:
    def __init__(self, chunks: list[str]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[str]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_iter_objects() -> None:
    source = Source(['{"items": [{"a"', ": 1}, 2", ", 3]}"])
    assert list(unspool.iter_objects(source, at="/items")) == [{"a": 1}, 2, 3]
    assert source.closed
    source = Source(['{"a": 1}\n{"a" 1}\n', "[2]"])
    items = list(unspool.iter_objects(source, on_error="yield"))
    assert items[0] == {"a": 1} and type(items[1]) is ItemError and items[2] == 2
    source = Source(["[1, 2, 3, 4]"])
    for item in unspool.iter_objects(source):
        assert item == 1
        break
    assert source.closed


async def test_aiter_objects() -> None:
    async def chunks() -> Any:
        for chunk in ['{"a": 1}\n', '{"b"', ": 2}\n3"]:
            yield chunk

    assert [x async for x in unspool.aiter_objects(chunks())] == [{"a": 1}, {"b": 2}, 3]
    with pytest.raises(ParseError):
        [x async for x in unspool.aiter_objects(chunks(), at="/x", max_depth=0)]


# -- held text (issue 13): about its size in memory, and under a limit


def _held_peak(splitter: Splitter, head: Any, body: Any, size: int) -> int:
    """Peak bytes allocated while ``splitter`` takes ``head`` and then ``body`` in chunks
    made one by one, as a stream's are (so a chunk is freed unless the splitter keeps it)."""
    tracemalloc.start()
    try:
        splitter.feed(head)
        for i in range(0, len(body), size):
            splitter.feed(body[i : i + size])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", [str, bytes])
def test_an_open_item_costs_about_its_size(fast: bool, kind: type) -> None:
    # An item open across 4-character chunks (mostly whitespace, as pretty-printed output
    # is) is held as joined text, not as one str per chunk (~15 bytes per character).
    n = 100_000
    head, body = '[{"a": [', " " * n
    if kind is bytes:
        head, body = head.encode(), body.encode()  # type: ignore[assignment]
    peak = _held_peak(make("", fast), head, body, 4)
    assert peak < 3 * n


def test_a_dropped_line_costs_about_its_size_and_keeps_at_most_max_buffer() -> None:
    n = 300_000
    splitter = Splitter(on_error="yield", max_buffer=1000, max_string=500)
    peak = _held_peak(splitter, '{"a": 1}\n{"a": x', "y" * n + '}\n{"b": 2}\n', 4)
    # The line's raw text is kept up to the limit, then only counted (the fast path holds
    # at most _HOLD_MAX characters of it first).
    assert peak < 3 * _HOLD_MAX
    splitter = Splitter(on_error="yield", max_buffer=1000, max_string=500)
    text = '{"a": 1}\n{"a": x' + "y" * n + '}\n{"b": 2}\n'
    items = [item for i in range(0, len(text), 7) for item in splitter.feed(text[i : i + 7])]
    items += splitter.close()
    assert items[0] == {"a": 1} and items[2] == {"b": 2}
    bad = items[1]
    assert isinstance(bad, ItemError) and bad.raw == ('{"a": x' + "y" * n)[:1000]
    assert bad.error.kind == "expected_value" and bad.pos == 9


def test_an_item_longer_than_the_held_limit_raises_where_it_passes_it(chunker) -> None:
    # The limit is the larger of max_buffer and max_string (an item can hold any string
    # allowed); the error is at the item's start plus the limit whatever the chunking, and
    # the items before it are returned.
    text = '{"items": [[1], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2]]}'
    for chunks in chunker(text):
        for fast in (True, False):
            result, error = per_feed(chunks, "/items", fast, max_buffer=12, max_string=10)
            assert [item for items in result for item in items] == [[1]]
            assert error is not None and isinstance(error, unspool.LimitExceeded)
            assert (error.kind, error.pos, error.index, error.path) == (
                "max_buffer",
                16 + 12,
                1,
                ("items", 1),
            )
    # At the limit exactly, the item is fine.
    assert split([text], "/items", max_buffer=34)[1] == list(range(1, 11))


# -- no silent empties (issue 12.4), and the smaller ones of issue 13.8


@pytest.mark.parametrize(
    ("at", "text", "message"),
    [
        ("/items", '{"title": "t", "habits": [1]}', "the document has keys 'title', 'habits'"),
        ("", '{"a": 1}', "the document is an object, not an array"),
        ("/items", '{"items": "none"}', "'/items' is a string, not an array"),
        ("/items", '{"items": {"x": 1}}', "'/items' is an object, not an array"),
        ("/a/items", '{"a": {"b": 1}, "c": [2]}', "'/a' has keys 'b'"),
        ("/items", "[1, 2]", "the document is an array of 2 items"),
        ("/items", "null", "the document is null"),
        ("/items/0", '{"items": []}', "'/items' is an array of 0 items"),
    ],
)
def test_a_pointer_that_matches_nothing_raises_at_close(chunker, fast, at, text, message):
    for chunks in chunker(text):
        _, error = per_feed(chunks, at, fast)
        assert error is not None and error.kind == "no_match"
        assert str(error).startswith(f"at={at!r} matched nothing; {message}: ")
        assert error.pos == len(text)
        assert isinstance(error, ParseError) and not isinstance(error, unspool.LimitExceeded)


def test_a_pointer_that_matched_once_is_no_error(fast):
    # NDJSON-like streams: one document with the array is enough; an empty one is fine.
    assert split(['{"items": []}\n{"other": 1}\n'], "/items", fast) == []
    assert split(['{"x": 1}{"items": [1]}'], "/items", fast) == [1]
    assert split([""], "/items", fast) == []  # no document at all: nothing to match


def test_a_pointer_without_its_leading_slash_is_refused():
    with pytest.raises(ValueError, match="JSON Pointer"):
        Splitter("items")


def test_close_gives_a_number_item_it_completed_before_raising(chunker):
    for chunks in chunker("[1, 23"):
        splitter = Splitter()
        items = [item for chunk in chunks for item in splitter.feed(chunk)]
        with pytest.raises(unspool.IncompleteJSONError) as caught:
            splitter.close()
        assert items + caught.value.partial == [1, 23]


def test_feed_after_close_is_an_error():
    splitter = Splitter()
    assert splitter.feed("[1]") + splitter.close() == [1]
    with pytest.raises(ValueError, match="after close"):
        splitter.feed("[2]")


def test_a_str_subclass_chunk_is_text(fast):
    class Text(str):
        pass

    assert split([Text("[1, "), Text('{"a": 2}]')], "", fast) == [1, {"a": 2}]


def test_a_bom_after_a_bad_line_is_text_and_positions_do_not_depend_on_chunking():
    text = '{"a": 1}\nbad\n\ufeff{"b": 2}\n{"c": 3}\n'.encode()
    outcomes = set()
    for size in (1, 2, 3, 5, len(text)):
        splitter = Splitter(on_error="yield")
        items = [x for i in range(0, len(text), size) for x in splitter.feed(text[i : i + size])]
        items += splitter.close()
        assert items[0] == {"a": 1} and items[-1] == {"c": 3}
        bad = [(x.pos, x.raw, x.error.pos, x.error.byte_pos) for x in items[1:-1]]
        assert [raw for _, raw, _, _ in bad] == ["bad", '\ufeff{"b": 2}']
        outcomes.add(tuple(bad))
    assert len(outcomes) == 1
