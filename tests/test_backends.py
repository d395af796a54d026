"""The two backends of the core (src/unspool/_backend.py): which one runs, and that they agree.

The compiled core is built from the same source as the Python one; the Python modules are the
specification.  The differential tests load the Python core a second time, under the package
name ``_unspool_python`` (sharing unspool's errors and events, so results compare with ``==``),
and feed both the same generated and mutated texts in the same chunks.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import (
    DUMPS_OPTIONS,
    characters,
    chunked,
    json_documents,
    json_values,
    keys,
    mutations,
    random_chunks,
    split_at,
)
from test_targets import BOARD, RECIPES, STEPS, Board, Pet, Recipe

import unspool
from unspool import ParseError, _backend
from unspool._tokenizer import T_WHOLE

COMPILED = unspool.BACKEND == "compiled"
needs_compiled = pytest.mark.skipif(
    not COMPILED,
    reason="no compiled core to compare with: it is built by `pip install -e .` on a machine "
    "with a C compiler, and ignored under UNSPOOL_PURE_PYTHON=1",
)
ALIAS = "_unspool_python"


def python_core() -> ModuleType:
    """The Python ``Parser`` and ``Splitter`` modules, loaded beside the compiled ones."""
    if ALIAS not in sys.modules:
        package = ModuleType(ALIAS)
        package.__path__ = []
        sys.modules[ALIAS] = package
        compiled = _backend.compiled_modules()
        for name, module in list(sys.modules.items()):  # the rest of unspool is shared
            short = name.removeprefix("unspool.")
            if short != name and "." not in short and short not in compiled:
                sys.modules[f"{ALIAS}.{short}"] = module
        sys.meta_path.insert(0, _backend.PureFinder(compiled, ALIAS))
        for core in ("_parser", "_splitter"):
            setattr(package, core, importlib.import_module(f"{ALIAS}.{core}"))
    return sys.modules[ALIAS]


def run(make: Any, chunks: list[Any]) -> list[Any]:
    """What each ``feed`` and the ``close`` returned (as reprs: ``1`` is not ``True``), the
    snapshot after each (Parser), and the first error with every attribute it carries."""
    core = make()
    results: list[Any] = []
    for chunk in [*chunks, None]:
        try:
            got = core.close() if chunk is None else core.feed(chunk)
        except ParseError as err:
            return [*results, (type(err), str(err), repr(sorted(vars(err).items())))]
        results.append(repr(got))
        if hasattr(core, "value"):
            results.append(repr(core.value))
    return results


texts = st.one_of(json_documents(), json_documents().flatmap(mutations))
prose = st.sampled_from(["{}", "Sure:\n```json\n{}\n```\nDone.", "<think>{{</think>{}", "x {} y"])


@st.composite
def streams(draw: st.DrawFn) -> list[Any]:
    """A generated (often broken) text, maybe in prose, cut anywhere, as ``str`` or bytes."""
    text = draw(prose).replace("{}", draw(texts))
    if draw(st.booleans()):
        return draw(chunked(text.encode("utf-8", "surrogatepass")))
    return draw(chunked(text))


parser_options = st.fixed_dictionaries(
    {},
    optional={
        "multiple": st.booleans(),
        "allow_nan": st.booleans(),
        "events": st.booleans(),
        "extract": st.booleans(),
        "max_depth": st.sampled_from([None, 1, 3]),
        "max_string": st.sampled_from([4, 64]),
        "max_buffer": st.sampled_from([8, 64]),
    },
)
splitter_options = st.fixed_dictionaries(
    {"at": st.sampled_from([None, "", "/a", "/*", "/*/*"])},
    optional={
        "on_error": st.sampled_from(["raise", "skip", "yield"]),
        "with_raw": st.booleans(),
        "allow_nan": st.booleans(),
        "extract": st.booleans(),
        "max_depth": st.sampled_from([None, 2]),
        "max_string": st.sampled_from([4, 64]),
    },
)


@needs_compiled
@given(streams(), parser_options)
def test_parsers_agree(chunks: list[Any], options: dict[str, Any]) -> None:
    python = python_core()._parser.Parser
    assert run(lambda: unspool.Parser(**options), chunks) == run(lambda: python(**options), chunks)


def event_views(make: Any, chunks: list[Any]) -> list[Any]:
    """Each event as a user sees it beyond its repr: its fields, and what pickling, copying
    and ``replace`` give back (the compiled build keeps events in C fields)."""
    parser = make()
    views: list[Any] = []
    for chunk in chunks:
        try:
            events = parser.feed(chunk)
        except ParseError:
            break
        for e in events:
            again = pickle.loads(pickle.dumps(e))
            views.append((type(e).__name__, e.path, dataclasses.astuple(e), e.__match_args__))
            views.append((again == e, dataclasses.replace(e) == e, again.path == e.path))
    return views


@needs_compiled
@given(streams(), parser_options)
def test_events_agree(chunks: list[Any], options: dict[str, Any]) -> None:
    python = python_core()._parser.Parser
    options = {**options, "events": True}
    assert event_views(lambda: unspool.Parser(**options), chunks) == event_views(
        lambda: python(**options), chunks
    )


def kept_events(make: Any, chunks: list[Any], keep: list[int]) -> list[Any]:
    """Each feed's events as returned, then again at the end as the caller kept them: per
    feed ``keep`` says whether the caller dropped the list (0), kept the list (1), kept
    its events only (2), changed the list and dropped it (3) or kept its last event only (4);
    the compiled build refills a dropped list and its events nobody kept (_events)."""
    parser = make()
    seen: list[Any] = []
    kept: list[Any] = []
    for chunk, how in zip(chunks, itertools.cycle(keep)):
        try:
            events = parser.feed(chunk)
        except ParseError:
            break
        seen.append(repr(events))
        seen.append(repr(parser.value))
        if how == 1:
            kept.append(events)
        elif how == 2:
            kept.append(tuple(events))
        elif how == 3:
            events.append("mine")
        elif how == 4:
            kept.append(tuple(events[-1:]))
        del events
    return [seen, [repr(list(events)) for events in kept]]


@st.composite
def prose_streams(draw: st.DrawFn) -> list[Any]:
    """Long strings (a model writing prose) in small chunks, so that many chunks fall wholly
    inside a string: the chunks whose one event the compiled build refills."""
    prose = st.text(characters, min_size=20, max_size=80)
    value = draw(st.one_of(prose, st.dictionaries(keys, prose, max_size=3), st.lists(prose)))
    text = draw(st.one_of(st.just(json.dumps(value, ensure_ascii=False)), texts))
    sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=8))
    chunks, i = [], 0
    for size in itertools.cycle(sizes):
        if i >= len(text):
            return chunks
        chunks.append(text[i : i + size])
        i += size
    raise AssertionError  # the cycle never ends


@needs_compiled
@given(
    prose_streams(),
    st.lists(st.sampled_from([0, 1, 2, 3, 4]), min_size=1, max_size=4),
    st.booleans(),
)
def test_events_the_caller_keeps_agree(chunks: list[Any], keep: list[int], want: bool) -> None:
    python = python_core()._parser.Parser
    compiled = kept_events(lambda: unspool.Parser(events=want), chunks, keep)
    assert compiled == kept_events(lambda: python(events=want), chunks, keep)


@needs_compiled
@given(prose_streams(), st.booleans())
def test_open_strings_read_after_every_chunk_agree(chunks: list[Any], want: bool) -> None:
    """The open string shown after every chunk, in an object, an array (the compiled build
    stores it at a C index) or alone."""
    python = python_core()._parser.Parser
    compiled = run(lambda: unspool.Parser(events=want), chunks)
    assert compiled == run(lambda: python(events=want), chunks)


@needs_compiled
@given(streams(), splitter_options)
def test_splitters_agree(chunks: list[Any], options: dict[str, Any]) -> None:
    python = python_core()._splitter.Splitter
    assert run(lambda: unspool.Splitter(**options), chunks) == run(
        lambda: python(**options), chunks
    )


containers = st.one_of(st.lists(json_values(8), max_size=5), st.dictionaries(keys, json_values(8)))


@st.composite
def item_streams(draw: st.DrawFn) -> tuple[str | None, list[str]]:
    """``(at, chunks)``: several container items (some over many lines) as NDJSON or in
    ``{"items": [...]}``, maybe broken, in LLM-sized str chunks.  Most chunks fall inside an
    item the tokenizer holds, which the compiled Splitter parks after a C test for the
    closing bracket (and, with on_error skip/yield, a line end); the rest must reach it."""
    docs = [
        json.dumps(value, **draw(DUMPS_OPTIONS))
        for value in draw(st.lists(containers, min_size=1, max_size=6))
    ]
    ndjson = draw(st.booleans())
    text = "\n".join(docs) + "\n" if ndjson else '{"items": [' + ", ".join(docs) + "]}"
    if draw(st.booleans()):
        text = draw(mutations(text))
    return (None if ndjson else "/items"), random_chunks(text, draw(st.integers(0, 1 << 16)), 12)


@needs_compiled
@given(
    item_streams(),
    st.fixed_dictionaries({"on_error": st.sampled_from(["raise", "skip", "yield"])}),
)
def test_splitters_agree_on_parked_chunks(
    stream: tuple[str | None, list[str]], options: dict[str, Any]
) -> None:
    at, chunks = stream
    python = python_core()._splitter.Splitter
    assert run(lambda: unspool.Splitter(at=at, **options), chunks) == run(
        lambda: python(at=at, **options), chunks
    )


# The compiled tokenizer walks characters in C where the Python one calls regexes and str
# methods (string bodies, keys, whitespace runs, newlines, numbers): these pieces put every
# kind of character those loops stop at, or step over, next to chunk boundaries.
TOKEN_PIECES = [
    '"plain"',
    '"esc\\"aped\\\\"',
    '"\\u00e9\\ud83d\\ude00"',
    '"\\ud83d"',
    '"\\udc00x"',
    '"raw\u00e9\u20ac\U0001f600\U0010ffff"',
    '"ctl\x01"',
    '"tab\there"',
    '"nl\n"',
    '"\\x"',
    '"\\u12g4"',
    "0",
    "-0.5e+10",
    "123456789012345678901234",
    "-12345678901234567",  # integers next to _SHORT_INT characters (a C loop up to it)
    "123456789012345678",
    "-123456789012345678",
    "1" * 63,  # cut numbers next to _JOINED_MAX characters (read from their pieces in C)
    "-" + "1" * 63,
    "0." + "1" * 61 + "E5",
    "9007199254740993.0",  # floats next to the C reader's exact fast path (see unspool_float)
    "-2.5e-22",
    "1e23",
    "-0",
    "1.",
    "-",
    "01",
    "1e",
    "true",
    "nul",
    "NaN",
    "-Infinity",
    "[]",
    "{}",
    " \t\r\n ",
    "\n\n",
    ",",
    ":",
    "]",
    "}",
    "[",
    "{",
    '"key"',
    '"' + "k" * 300 + '"',  # a key or number past _SHORT_HELD: held in a TextBuffer
    "9" * 300,
    "-1." + "5" * 300,
    '"k\\u0041y"',
]


@st.composite
def token_streams(draw: st.DrawFn) -> list[str]:
    """JSON-ish text from TOKEN_PIECES (valid or not, in objects and arrays), cut anywhere."""
    pieces = draw(st.lists(st.sampled_from(TOKEN_PIECES), max_size=24))
    text = draw(st.sampled_from(["[", '{"k": [', '{"a":', ""])) + "".join(pieces)
    return draw(chunked(text))


def tokens_of(tokenizer: Any, chunks: list[str]) -> list[Any]:
    """What each feed and the close returned (reprs), then the error's every attribute."""
    results: list[Any] = []
    for chunk in [*chunks, None]:
        try:
            results.append(repr(tokenizer.close() if chunk is None else tokenizer.feed(chunk)))
        except ParseError as err:
            return [*results, (type(err), str(err), repr(sorted(vars(err).items())))]
    return results


@needs_compiled
@given(token_streams(), st.booleans(), st.sampled_from([4, 1 << 24]), st.booleans())
def test_tokenizers_agree(
    chunks: list[str], multiple: bool, max_string: int, positions: bool
) -> None:
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    options = {"multiple": multiple, "max_string": max_string, "positions": positions}
    assert tokens_of(compiled(**options), chunks) == tokens_of(python(**options), chunks)


def tokens_into(tokenizer: Any, chunks: list[str]) -> list[Any]:
    """``feed_into`` for each chunk, into one list emptied after each as the Parser does:
    what it returned and appended (reprs), then the error's every attribute."""
    results: list[Any] = []
    tokens: list[Any] = []
    for chunk in chunks:
        try:
            part = tokenizer.feed_into(chunk, tokens)
        except ParseError as err:
            return [*results, (type(err), str(err), repr(sorted(vars(err).items())))]
        results.append(repr((part, tokens)))
        tokens.clear()
    return results


@needs_compiled
@given(token_streams(), st.booleans(), st.sampled_from([4, 1 << 24]), st.booleans())
def test_tokenizers_agree_on_the_parsers_hand_off(
    chunks: list[str], multiple: bool, max_string: int, positions: bool
) -> None:
    """The compiled ``feed_into`` (a chunk inside a string returned as its text, the other
    tokens appended to the caller's list; with or without positions, the Parser's way)
    against the Python one."""
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    options = {"multiple": multiple, "max_string": max_string, "positions": positions}
    assert tokens_into(compiled(**options), chunks) == tokens_into(python(**options), chunks)


# The compiled build reads whole values (documents, items) with its own C scanner
# (_tokenizer.pxd), the Python build with the stdlib's: both must accept the same texts and
# give the same values (types, big ints and int()'s digit limit, -0.0, 1e400, surrogates,
# duplicate keys, NaN only when allowed, the limits), so that the tokens stay the same.
WHOLE_SCALARS = [
    *(p for p in TOKEN_PIECES if p not in ("[", "{", ",", ":", "]", "}")),
    '"\\ud83d\\ude00"',  # a pair, escaped
    '"\\ud83dx\\ude00"',  # each half alone
    '"\\ud83d\\u0041\\udfff\\ud800"',
    '"\\ud83d\\u12"',
    '"\ud800\udfff"',  # raw lone surrogates (str streams only)
    '"\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u007f\\u00ff\\u0100\\uffff"',
    '"ascii"',
    '"lat\u00ff"',
    '"bmp\u0100"',
    '"\U0001f600"',
    '"\\q"',
    '"\\u00e"',
    '""',
    "999999999999999999",
    "-999999999999999999",
    "1000000000000000000",
    "-9223372036854775809",
    "18446744073709551616",
    "4" * 4300,
    "4" * 4301,  # past int()'s digit limit: ValueError, read as tokens
    "-0",
    "-0.0",
    "0e0",
    "1E+2",
    "1e-2",
    "2.5E2",
    "1e400",
    "-1e400",
    "5e-324",
    "0.1e1",
    "1.5e",
    "-x",
    "+1",
    ".5",
    "false",
    "null",
    "tru",
    "Infinity",
    "-Infinityx",
    "NaNa",
]
# Strings and numbers made of parts (each kind of character and escape, next to each other).
WHOLE_STRING_PARTS = [
    *("a", "\u00e9", "\u0100", "\U0001f600", "\ud800", "\x01", "\x7f", "\n"),
    *('\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\x", "\\u12"),
    *("\\u0041", "\\u00E9", "\\u20ac", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\uDBFF"),
]
WHOLE_INVALID_PARTS = ["\x01", "\n", "\\x", "\\u12"]


def _quoted(parts: list[str]) -> str:
    return '"' + "".join(parts) + '"'


whole_strings = st.lists(
    st.sampled_from([p for p in WHOLE_STRING_PARTS if p not in WHOLE_INVALID_PARTS]), max_size=6
).map(_quoted)
whole_numbers = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False).map(json.dumps),
    st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,4})?([eE][-+]?[0-9]{1,3})?", fullmatch=True),
)
WHOLE_KEYS = ['"a"', '"b"', '"\\u0061"', '"\u00e9"', '""', '"\\ud83d"', '"\\ud83d\\ude00"']
WHOLE_SPACES = ["", " ", "\n", " \t\r\n "]


def _loads(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


WHOLE_VALID = [p for p in WHOLE_SCALARS if _loads(f"[{p}]")]
WHOLE_INVALID = [p for p in WHOLE_SCALARS if p not in WHOLE_VALID]


@st.composite
def whole_texts(draw: st.DrawFn) -> str:
    """A container of WHOLE_SCALARS (objects with maybe duplicate keys), maybe mutated."""
    space = st.sampled_from(WHOLE_SPACES)

    def pair(value: str) -> st.SearchStrategy[str]:
        return st.tuples(st.sampled_from(WHOLE_KEYS), space, space).map(
            lambda k: k[0] + k[1] + ":" + k[2] + value
        )

    def containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        elements = st.lists(children, max_size=4)
        members = st.lists(children.flatmap(pair), max_size=4)
        return st.one_of(
            st.tuples(elements, space).map(lambda e: "[" + e[1] + ("," + e[1]).join(e[0]) + "]"),
            st.tuples(members, space).map(lambda m: "{" + m[1] + ("," + m[1]).join(m[0]) + "}"),
        )

    # Mostly valid: one invalid leaf makes the whole value invalid (the mutations break more).
    valid = st.one_of(st.sampled_from(WHOLE_VALID), whole_strings, whole_numbers)
    parts = st.lists(st.sampled_from(WHOLE_STRING_PARTS), max_size=4)
    invalid = st.one_of(st.sampled_from(WHOLE_INVALID), parts.map(_quoted))
    leaves = st.integers(0, 19).flatmap(lambda k: invalid if k == 0 else valid)
    text = draw(containers(st.recursive(leaves, containers, max_leaves=12)))
    if draw(st.integers(0, 3)) == 0:
        text = draw(st.one_of(mutations(text), json_documents()))
    return text + draw(st.sampled_from(["", "\n", " [1]", "]", "}"]))


whole_options = st.fixed_dictionaries(
    {
        "whole_values": st.sampled_from([("{[",), ("{[",), ("", "{["), ("[", "{"), ("", "", "[")]),
        "whole_duplicates": st.booleans(),
        "allow_nan": st.booleans(),
        "multiple": st.booleans(),
        "max_depth": st.sampled_from([None, 1, 3, 1000, 1000, 1000]),
        "hold_whole": st.sampled_from([0, 1, 2]),
    },
).flatmap(  # mostly no limit that a value passes (such a value is read as tokens, not scanned)
    lambda options: st.sampled_from([{}, {}, {}, {}, {"max_string": 4}, {"max_buffer": 8}]).map(
        lambda limits: options | limits
    )
)


@needs_compiled
@given(whole_texts(), whole_options, st.integers(0, 2))
def test_whole_values_agree(text: str, options: dict[str, Any], cuts: int) -> None:
    """One chunk (or a few, to hold a value back): the same tokens, errors and values."""
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    chunks = split_at(text, [len(text) * k // 3 for k in range(1, cuts + 1)])
    assert tokens_of(compiled(**options), chunks) == tokens_of(python(**options), chunks)
    one, other = compiled(**options), python(**options)
    for chunk in chunks:
        try:
            got, expected = one.feed(chunk), other.feed(chunk)
        except ParseError:
            break
        # == on top of the reprs: each str built in C is in its canonical kind (else == fails)
        assert [t for t in got if t[0] == T_WHOLE] == [t for t in expected if t[0] == T_WHOLE]


@needs_compiled
@pytest.mark.parametrize("scalar", WHOLE_SCALARS)
def test_whole_values_of_each_scalar_agree(scalar: str) -> None:
    """Each scalar (valid or not) in an array and under a duplicated key, with and without
    NaN and duplicates allowed."""
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    for text in (f"[{scalar}]", f'{{"k": {scalar}, "k": [{scalar}, {scalar}]}}'):
        for allow_nan, duplicates in itertools.product((False, True), repeat=2):
            options = {"scan_documents": True, "allow_nan": allow_nan}
            options["whole_duplicates"] = duplicates
            got, expected = compiled(**options), python(**options)
            assert tokens_of(got, [text]) == tokens_of(expected, [text])


@needs_compiled
def test_whole_strings_of_each_pair_of_parts_agree() -> None:
    """Every escape and kind of character next to every other, in a value and in a key."""
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    for a, b in itertools.product(WHOLE_STRING_PARTS, repeat=2):
        text = f'["{a}{b}", {{"{b}{a}": "{a}"}}, "{b}"]'
        got, expected = compiled(scan_documents=True), python(scan_documents=True)
        assert tokens_of(got, [text]) == tokens_of(expected, [text])
        assert compiled(scan_documents=True).feed(text) == python(scan_documents=True).feed(text)


@needs_compiled
@pytest.mark.parametrize("wide", ["", "\u00e9", "\u0122", "\U0001f622"])
def test_whole_strings_of_every_length_agree(wide: str) -> None:
    """The C scanner reads string bodies 16 bytes at a time, then one character at a time
    from the 16 that hold the stop: runs of 0-40 characters of each kind (some with a low
    byte of '"' or '\\') before each stop or plain character, in a document of each kind."""
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    fills = ["a", "\u00e9", "\u0122", "\u225c", "\U0001f622", "\U0010005c"]
    stops = ["", " ", "\x7f", "\x1f", "\x01", "\\n", "\\u00e9", "\\ud83d\\ude00", "\\x"]
    for fill, stop, n in itertools.product(fills, stops, range(41)):
        text = f'["{fill * n}{stop}{fill}", "{wide}", {{"{fill * n}{stop}": 1}}]'
        got, expected = compiled(scan_documents=True), python(scan_documents=True)
        assert tokens_of(got, [text]) == tokens_of(expected, [text]), (fill, stop, n)
        assert compiled(scan_documents=True).feed(text) == python(scan_documents=True).feed(text)


def nesting(value: Any) -> list[Any]:
    """The containers' types down the first child (no recursion: values too deep for repr)."""
    kinds = []
    while isinstance(value, (dict, list)) and value:
        kinds.append(type(value))
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return [*kinds, repr(value)]


@needs_compiled
@pytest.mark.parametrize("depth", [999, 1000, 1001, 5000])
@pytest.mark.parametrize("max_depth", [None, 1000, 10_000])
def test_whole_values_past_the_scanners_depth_agree(depth: int, max_depth: int | None) -> None:
    """The C scanner nests at most 1,000 deep (the stdlib's stops near the recursion limit),
    then the tokens read the value: the same value, or the same error, in both builds."""
    python = python_core()._parser.Parser
    texts = {
        depth + 1: "[" * depth + "[1]" + "]" * depth,
        depth: '{"a":' * depth + "1" + "}" * depth,
    }
    for nest, text in texts.items():
        results = []
        for parser in (unspool.Parser(max_depth=max_depth), python(max_depth=max_depth)):
            try:
                parser.feed(text)
                parser.close()
                results.append(nesting(parser.value))
            except ParseError as err:
                results.append((err.kind, err.pos))
        assert results[0] == results[1]
        assert (nest > (max_depth or 1 << 62)) == isinstance(results[0], tuple)


def test_the_character_loops_do_what_the_regexes_do() -> None:
    """The compiled build's C loops, run as Python here, against the pure build's jumps (the
    compiled ones are C functions, checked by the differential test above)."""
    t = sys.modules[f"{ALIAS}._tokenizer"] if COMPILED and python_core() else unspool._tokenizer
    texts = ["", " ", "ab", ' \t\r\n"x', "a\\b", "\x1f", "\x20", "\x7f\n", "é😀 \n\n", "\ud800"]
    for text in texts:
        assert t._last_newline(text) == text.rfind("\n")
        for i in range(len(text) + 1):
            stop = t._STRING_STOP.search(text, i)
            assert t._string_stop(text, i) == (stop.start() if stop else -1)
            other = t._NON_WHITESPACE.search(text, i)
            assert t._skip_whitespace(text, i) == (other.start() if other else -1)
            assert t._number_run_end(text, i) == t._NUMBER_RUN.match(text, i).end()
    runs = ["".join(p) for k in (1, 2, 3) for p in itertools.product("01-+.eEx", repeat=k)]
    for run in [*runs, "-0.5e+10", "12.50E-3", "1e5.0"]:
        assert t._number_run_end(run + ",", 0) == t._NUMBER_RUN.match(run + ",").end()
        for state in range(t.N_MINUS, t.N_BAD + 1):
            assert t._number_state_at(state, run, 0, len(run)) == t._number_state(state, run)
    for number in ["0", "-0", "7", "-19", "120", "-" + "9" * 17, "9" * 18, "1" + "0" * 17]:
        assert t._short_int(f"[{number},", 1, len(number) + 1) == int(number)


def test_the_character_loops_run_without_cython() -> None:
    """A pure install has no Cython: the loops' compiler directives (``with
    cython.boundscheck(False)``) are then the shim's, and do nothing."""
    code = (
        "import sys; sys.modules['cython'] = None\n"  # import cython raises ImportError
        "import unspool._tokenizer as t\n"
        "assert t.cython.compiled is False and t._string_stop('ab\"', 1) == 2\n"
        "assert t._skip_whitespace(' \\n x', 0) == 3 and t._number_run_end('-1e5,', 0) == 4\n"
        "assert t._number_state_at(t.N_START, '-1e5', 0, 4) == t.N_EXP_DIGITS"
    )
    environ = os.environ | {"UNSPOOL_PURE_PYTHON": "1"}
    subprocess.run([sys.executable, "-c", code], env=environ, check=True)


@needs_compiled
def test_the_comparison_is_between_two_builds() -> None:
    python = python_core()
    assert unspool.Parser.__module__ == "unspool"
    for module in ("_events", "_parser", "_splitter", "_tokenizer"):
        assert not getattr(unspool, module).__file__.endswith(".py")
        assert getattr(python, module).__file__.endswith(f"{module}.py")


# -- choosing the backend (each in a fresh interpreter) -----------------------------------------

REPORT = "import unspool, unspool._tokenizer as t; print(unspool.BACKEND, t.__file__[-3:] == '.py')"


def backend(package: Path | None = None, **env: str) -> tuple[str, str]:
    """``(BACKEND and whether the tokenizer is Python, stderr)`` of a fresh ``import unspool``."""
    environ = {k: v for k, v in os.environ.items() if k != "UNSPOOL_PURE_PYTHON"} | env
    if package is not None:
        environ["PYTHONPATH"] = str(package.parent)
    args = [sys.executable, "-W", "always", "-c", REPORT]
    out = subprocess.run(args, env=environ, capture_output=True, text=True, check=True)
    return out.stdout.strip(), out.stderr


def copy_package(tmp_path: Path) -> Path:
    target = tmp_path / "unspool"
    shutil.copytree(Path(unspool.__file__).parent, target, ignore=shutil.ignore_patterns("__py*"))
    return target


@needs_compiled
def test_compiled_is_the_default_and_the_environment_forces_python() -> None:
    assert backend() == ("compiled False", "")
    assert backend(UNSPOOL_PURE_PYTHON="1") == ("python True", "")
    assert backend(UNSPOOL_PURE_PYTHON="0") == ("compiled False", "")


@needs_compiled
def test_a_stale_extension_never_wins(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    assert backend(package) == ("compiled False", "")
    source = package / "_tokenizer.py"
    source.write_text(source.read_text() + "\n# edited after the build\n")
    report, warning = backend(package)
    assert report == "python True"
    assert "RuntimeWarning: unspool: the compiled _tokenizer was built from another" in warning
    (package / "_compiled.json").unlink()  # an extension nobody recorded is stale too
    source.write_text(source.read_text().removesuffix("\n# edited after the build\n"))
    assert backend(package)[0] == "python True"


def test_without_extensions_the_core_is_python(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    for extension in _backend.compiled_modules():
        for path in package.glob(f"{extension}.*"):
            if path.suffix != ".py":
                path.unlink()
    assert backend(package) == ("python True", "")
    assert backend(package, UNSPOOL_PURE_PYTHON="1") == ("python True", "")


@needs_compiled
def test_the_stale_check_trusts_a_hash_over_times(tmp_path: Path) -> None:
    """A same-size edit is stale (the time moved, the hash differs); a touched but unchanged
    source is still the one compiled (the hash agrees)."""
    package = copy_package(tmp_path)
    source = package / "_parser.py"
    text = source.read_text()
    source.write_text(text)  # same bytes, a new modification time
    assert backend(package) == ("compiled False", "")
    source.write_text(text.replace('"""The', '"""the', 1))  # the docstring: same size
    assert len(source.read_bytes()) == len(text.encode())
    report, warning = backend(package)
    assert report == "python True"
    assert "the compiled _parser was built from another" in warning


# -- stream_model's builder (src/unspool/_builder.py, compiled with the core) -------------------


def python_builder() -> Any:
    """The Python ``PartialBuilder`` over the Python parser, beside the compiled one (the
    places, partial classes and errors shared: ``_validate`` is never compiled)."""
    python_core()
    import unspool._builder  # noqa: F401 - loads the modules shared below

    for shared in ("_complete", "_dumps", "_errors", "_path", "_validate"):
        sys.modules.setdefault(f"{ALIAS}.{shared}", sys.modules[f"unspool.{shared}"])
    return importlib.import_module(f"{ALIAS}._builder").PartialBuilder


def model_view(value: Any) -> Any:
    """A partial as a user reads it: values, field sets, ``completed()``, ``is_complete``."""
    if isinstance(value, unspool.Partial):
        fields = sorted(value.model_fields_set)
        done = sorted(unspool.completed(value))
        view = model_view(value.__dict__)
        return (type(value).__name__, unspool.is_complete(value), fields, done, view)
    if isinstance(value, BaseModel):
        return (type(value).__name__, model_view(value.__dict__))
    if isinstance(value, dict):
        items = [(k, model_view(v)) for k, v in value.items()]
        return ("dict", unspool.is_complete(value), items)
    if isinstance(value, list):
        return ("list", unspool.is_complete(value), [model_view(v) for v in value])
    return repr(value)


def model_run(make: Any, target: Any, chunks: list[Any]) -> list[Any]:
    """What each ``feed`` and ``close`` returned with the partial after each, then ``final()``,
    or the first error."""
    builder = make(target)
    out: list[Any] = []
    try:
        for chunk in chunks:
            out.append((builder.feed(chunk), model_view(builder.partial)))
        out.append((builder.close(), model_view(builder.partial)))
        out.append(model_view(builder.final()))
    except (ParseError, unspool.ValidationError) as err:
        out.append((type(err).__name__, str(err), err.path))
    return out


MODEL_CASES = [
    (Recipe, RECIPES["tea"]),
    (Board, BOARD),
    (list[Pet], [{"kind": "cat", "lives": 9}, {"kind": "dog", "name": "Rex"}, {"name": "?"}]),
    (dict, STEPS[2]),
    (dict[str, Recipe], RECIPES),
    (str, "Zoë \u00e9"),
]


@st.composite
def model_streams(draw: st.DrawFn) -> tuple[Any, list[Any]]:
    """A target of test_targets with a document for it (often broken), cut anywhere."""
    target, value = draw(st.sampled_from(MODEL_CASES))
    text = json.dumps(
        value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1]))
    )
    if draw(st.booleans()):
        text = draw(mutations(text))
    return target, draw(chunked(text))


@needs_compiled
@given(model_streams())
def test_builders_agree(stream: tuple[Any, list[Any]]) -> None:
    """stream_model's builder, compiled and Python: the same partials, errors and values."""
    from unspool._builder import PartialBuilder

    python = python_builder()
    assert not unspool._builder.__file__.endswith(".py")  # type: ignore[attr-defined]
    target, chunks = stream
    assert model_run(PartialBuilder, target, chunks) == model_run(python, target, chunks)
