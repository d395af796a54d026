"""``Parser``: snapshots, events, duplicate keys, ``multiple=True`` and deep nesting."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap

import pytest
from strategies import assert_same, feed_all, walk

from unspool import (
    MISSING,
    IncompleteJSONError,
    LimitExceeded,
    ParseError,
    Parser,
    StringDelta,
    ValueCompleted,
)

CHUNKS = ['{"title": "Str', 'eams", "tags": ["a', '", "b"], "n": 4', "2}"]
DOC = {"title": "Streams", "tags": ["a", "b"], "n": 42}


def test_snapshot_sequence():
    run = feed_all(CHUNKS)
    assert run.snapshots == [
        {"title": "Str"},
        {"title": "Streams", "tags": ["a"]},
        {"title": "Streams", "tags": ["a", "b"]},  # "n" waits until its number is complete
        DOC,
        DOC,  # close()
    ]


def test_events():
    assert feed_all(CHUNKS).events == [
        [StringDelta(("title",), "Str")],
        [
            StringDelta(("title",), "eams"),
            ValueCompleted(("title",), "Streams"),
            StringDelta(("tags", 0), "a"),
        ],
        [
            ValueCompleted(("tags", 0), "a"),
            StringDelta(("tags", 1), "b"),
            ValueCompleted(("tags", 1), "b"),
            ValueCompleted(("tags",), ["a", "b"]),
        ],
        [ValueCompleted(("n",), 42), ValueCompleted((), DOC)],
        [],
    ]


def test_missing_until_a_value_begins():
    parser = Parser()
    assert parser.value is MISSING
    assert parser.feed(" \n\t") == []
    assert parser.value is MISSING
    parser.feed("[")
    assert parser.value == []


def test_a_key_appears_together_with_its_value():
    """Invariant 5: the first snapshot holding a key already holds its (typed) value."""
    text = '{"s": "", "l": [], "o": {}, "n": 12, "t": true, "z": null}'
    first_seen = {}
    parser = Parser()
    for i, char in enumerate(text):
        parser.feed(char)
        for key, value in parser.value.items():
            first_seen.setdefault(key, (i, copy.deepcopy(value)))
    assert {k: v for k, (_, v) in first_seen.items()} == json.loads(text)
    # An atomic value shows once complete: the number when the ',' after it arrives.
    assert first_seen["n"][0] == text.index("12") + 2
    assert first_seen["t"][0] == text.index("true") + 3
    assert first_seen["z"][0] == text.index("null") + 3


def test_the_snapshot_is_live_and_updated_in_place():
    """Reading value costs nothing for containers: the same objects grow (DESIGN section 6)."""
    parser = Parser()
    parser.feed('{"items": [{"a": 1}, ')
    root, items = parser.value, parser.value["items"]
    parser.feed('{"b": "x')
    parser.feed('y"}], "n": 1}')
    assert parser.value is root and root["items"] is items
    assert root == {"items": [{"a": 1}, {"b": "xy"}], "n": 1}


def test_the_open_string_grows_in_the_snapshot_and_a_held_string_never_changes():
    """The compiled build grows the open string in place while only the snapshot holds it
    (_snapshot.h): a string a user holds, or hashed, must keep its characters and hash."""
    parser = Parser(events=False)
    parser.feed('{"a": ["ab')
    items = parser.value["a"]
    held = items[0]
    hashed = hash(parser.value["a"][0])
    shown = "ab"
    # Same-kind chunks (in place once a grown copy has room) and wider ones (a copy).
    for chunk in ["cd", "ef", "\u00e9", "gh", "\u20ac", "ij", "\U0001f600x" * 20, "kl", "mn"]:
        parser.feed(chunk)
        shown += chunk
        assert parser.value["a"][0] == shown and items is parser.value["a"]
        if chunk == "\u00e9":  # held after growing in place: it never changes again either
            middle, middle_text = parser.value["a"][0], shown
    assert held == "ab" and middle == middle_text and len(middle) == len(middle_text)
    assert hashed == hash("ab") and {parser.value["a"][0]: 1}.get(shown) == 1
    parser.feed('", "z"]}')
    parser.close()
    assert parser.value == {"a": [shown, "z"]} and held == "ab"


def test_value_is_an_attribute_like_any_other():
    """``value`` reads through getattr and hasattr, is read-only, and a subclass may override it."""

    class Counting(Parser):
        reads = 0

        @property
        def value(self) -> object:
            Counting.reads += 1
            return super().value

    for parser in (Parser(), Counting()):
        parser.feed('{"a": "x')
        assert getattr(parser, "value") == {"a": "x"}  # noqa: B009 - the builtin, on purpose
        assert hasattr(parser, "value")
        assert "value" in dir(parser) and Parser.value.__doc__
        with pytest.raises(AttributeError):
            parser.value = 1  # type: ignore[misc]
    assert Counting.reads == 2


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": [1, 2], "b": 0, "a": {"c": "x"}}',
        '{"a": {"a": 1, "a": "z"}, "a": {"b": null}}',
        '[{"k": "v", "k": "w", "j": 1, "k": []}]',
        '{"a": "a long string", "b": 1, "a": ""}',
    ],
)
@pytest.mark.parametrize("events", [True, False])  # without events a whole text is read
def test_duplicate_keys_last_wins(chunker, text, events):  # by a scanner without the pairs hook
    """Invariant 6: as json.loads (last value, first position)."""
    expected = json.loads(text)
    for chunks in chunker(text):
        run = feed_all(chunks, snapshots=False, events=events)
        assert run.error is None
        assert_same(run.value, expected)


# -- multiple=True ------------------------------------------------------------------------------

MULTIPLE = [
    ('{"a": 1}{"b": [2]}', [{"a": 1}, {"b": [2]}]),
    ('{"a": 1}\n{"b": "x"}\n', [{"a": 1}, {"b": "x"}]),
    ("[1]\r\n[2, 3]\n\n[]", [[1], [2, 3], []]),
    ('"x""y" "z"', ["x", "y", "z"]),
    ("1 2\n-3.5\t4e2", [1, 2, -3.5, 400.0]),
    ("true false null", [True, False, None]),
    ("truefalse", [True, False]),
    ('null[]{}""', [None, [], {}, ""]),
    ('1"a"', [1, "a"]),
    ("", []),
    (" \n ", []),
]


@pytest.mark.parametrize(("text", "documents"), MULTIPLE)
def test_multiple_documents(chunker, text, documents):
    for chunks in chunker(text):
        run = feed_all(chunks, multiple=True)
        assert run.error is None, run.error
        roots = [
            (e.document, e.value)
            for e in run.all_events
            if type(e) is ValueCompleted and e.path == ()
        ]
        assert_same(roots, list(enumerate(documents)))
        numbers = [e.document for e in run.all_events]
        assert numbers == sorted(numbers)
        assert run.value == (documents[-1] if documents else MISSING)


def test_multiple_value_is_the_current_document():
    parser = Parser(multiple=True)
    events = parser.feed('{"a": [1, "x"]}\n{"b": "y')
    assert parser.value == {"b": "y"}
    assert events[-1] == StringDelta(("b",), "y", document=1)
    assert [e.document for e in events] == [0, 0, 0, 0, 0, 1]
    parser.feed('"}\n[')
    assert parser.value == []
    assert parser.feed("]") == [ValueCompleted((), [], document=2)]
    assert parser.close() == []


def test_multiple_errors():
    assert feed_all(['{"a": 1}\n{"b":'], multiple=True).error.kind == "eof_in_container"
    assert feed_all(['{"a": 1} x'], multiple=True).error.kind == "expected_value"
    err = feed_all(["[1] ]"], multiple=True).error
    assert (err.kind, err.pos) == ("expected_value", 4)


# -- deep nesting ---------------------------------------------------------------------------


def depth(value):
    """Nesting depth of a chain of single-element lists, without recursion."""
    d = 0
    while type(value) is list and value:
        value, d = value[0], d + 1
    assert value == []
    return d + 1


@pytest.mark.parametrize("size", [1, 7, 100_000])
def test_deep_nesting_raises_limit_exceeded_by_default(size):
    text = "[" * 100_000
    run = feed_all([text[i : i + size] for i in range(0, len(text), size)], snapshots=False)
    assert isinstance(run.error, LimitExceeded)
    assert (run.error.kind, run.error.pos) == ("max_depth", 1000)
    assert depth(run.value) == 1000  # what came before the limit stands
    objects = '{"a": ' * 100_000
    assert feed_all([objects], snapshots=False).error.pos == len('{"a": ') * 1000


def test_deep_nesting_unlimited_stays_open_without_recursion():
    parser = Parser(max_depth=None)
    assert parser.feed("[" * 100_000) == []
    assert depth(parser.value) == 100_000
    with pytest.raises(IncompleteJSONError) as exc:
        parser.close()
    assert exc.value.kind == "eof_in_container" and "char 100000" in str(exc.value)


def test_nesting_deeper_than_the_recursion_limit_parses():
    n = 3 * sys.getrecursionlimit()
    run = feed_all(["[" * n + "]" * n], snapshots=False, max_depth=None)
    assert run.error is None and depth(run.value) == n
    completed = [e.path for e in run.all_events]
    assert len(completed) == n and completed[0] == (0,) * (n - 1) and completed[-1] == ()


def _feed_peak(text: str) -> tuple[int, list[ValueCompleted | StringDelta]]:
    """Peak bytes allocated while one Parser takes ``text`` in one feed, holding its events."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        parser = Parser()
        events = parser.feed(text) + parser.close()
        return tracemalloc.get_traced_memory()[1], events
    finally:
        tracemalloc.stop()


def test_the_events_of_a_deep_and_wide_chunk_cost_what_a_flat_chunk_costs():
    # Issue 13: each event's path was a tuple of ~1,000 items, built for the whole chunk at
    # once: 202 KB of text held ~800 MB.  Now events share their container's path.
    wide, levels = 5_000, 999
    deep = "[" * levels + ",".join(["1"] * wide) + "]" * levels
    flat = "[" + ",".join(["1"] * (wide + levels - 1)) + "]"
    assert len(deep) == len(flat)
    flat_peak, flat_events = _feed_peak(flat)
    deep_peak, deep_events = _feed_peak(deep)
    assert len(deep_events) == len(flat_events) == wide + levels
    assert deep_peak < 4 * flat_peak  # it was ~60 times as much
    inner = (0,) * (levels - 1)
    assert deep_events[0] == ValueCompleted((*inner, 0), 1)
    assert deep_events[wide - 1].path == (*inner, wide - 1)
    assert deep_events[wide].path == inner and deep_events[-1].path == ()


@pytest.mark.parametrize("levels", [63, 64, 65, 100, 300])
def test_paths_deeper_than_the_eager_depth_are_right(levels):
    # Containers below 64 levels hold a link to their parent's path instead of a tuple; the
    # paths read the same whether the document comes whole (one scan) or in pieces.
    inner = '{"k": [1, "ab", {"z": null}], "s": "cd"}'
    text = "[" * levels + inner + ',"x"]' * levels
    expected = [(e.path, type(e), getattr(e, "value", None)) for e in Parser().feed(text)]
    for size in (1, 7, len(text) // 2):
        parser = Parser()
        events = [e for i in range(0, len(text), size) for e in parser.feed(text[i : i + size])]
        events += parser.close()
        completed = [(e.path, type(e), e.value) for e in events if type(e) is ValueCompleted]
        assert completed == [x for x in expected if x[1] is ValueCompleted]
    here = (0,) * levels
    assert [p for p, kind, _ in expected[:3]] == [(*here, "k", 0), (*here, "k", 1), (*here, "k", 1)]
    assert expected[-1][0] == () and expected[-2][0] == (1,)


DEEP_SCRIPT = """
    import resource, unspool
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB is plenty if linear
    n = 100_000
    text = "[" * n + "]" * n
    parser = unspool.Parser(max_depth=None, events=False)
    assert parser.feed(text) == [] and parser.close() == []
    snapshots = list(unspool.iter_partial([text[: n + 3], text[n + 3 :]], max_depth=None))
    # With events too: an event holds its container's path, not a tuple of its own, so the
    # n completions cost O(n), not the O(n^2) items of n tuples.
    with_events = unspool.Parser(max_depth=None)
    events = with_events.feed(text) + with_events.close()
    assert len(events) == n and events[0].path == (0,) * (n - 1) and events[-1].path == ()
    for value in (parser.value, snapshots[-1], with_events.value):
        d = 1
        while value:
            value, d = value[0], d + 1
        assert d == n
"""


def test_100000_nested_arrays_parse_with_max_depth_none():
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DEEP_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-500:]


def test_walk_helper_lists_every_path():
    assert [p for p, _ in walk({"a": [1, {"b": 2}], "c": 3})] == [
        (),
        ("a",),
        ("a", 0),
        ("a", 1),
        ("a", 1, "b"),
        ("c",),
    ]


def test_events_false_builds_the_same_snapshots_and_no_events(chunker):
    text = '{"a": ["x\\u00e9", 1, {"b": null}], "c": "long string"}'
    for chunks in chunker(text):
        with_events, without = Parser(), Parser(events=False)
        for chunk in chunks:
            with_events.feed(chunk)
            assert without.feed(chunk) == []
            assert without.value == with_events.value
            assert without.changed == with_events.changed
        assert without.close() == []
        with_events.close()
        assert without.value == with_events.value


# A document that arrives whole is read by json's C scanner; these texts must make it step
# aside so that the tokens decide, giving the same events and errors as any other chunking.
@pytest.mark.parametrize(
    ("text", "options"),
    [
        ('{"a": 1, "b": [2], "a": {"c": 3}}', {}),  # duplicate keys: each value's events
        ('{"a": [1, NaN]}', {}),  # NaN refused
        ('{"a": [1, NaN, -Infinity]}', {"allow_nan": True}),
        ("[" * 1001 + "]" * 1001, {}),  # deeper than max_depth
        ("[" * 5 + "]" * 5, {"max_depth": 4}),
        ('{"a": "' + "x" * 50 + '"}', {"max_string": 10}),
        ('{"n": ' + "1" * 30 + "}", {"max_buffer": 20}),
        ('{"n": ' + "1" * 5000 + "}", {}),  # past int()'s digit limit
        ('{"a": "x\\u00e9\\ud83d\\ude00"} ', {}),
    ],
)
def test_a_whole_document_gives_the_events_and_errors_of_its_tokens(text, options):
    def run(chunks):
        parser, events = Parser(**options), []
        try:
            for chunk in chunks:
                events += parser.feed(chunk)
            events += parser.close()
        except ParseError as err:
            return events, (err.kind, err.pos)
        return events, parser.value

    def completions(events):  # deltas may split differently; completions may not
        return [e for e in events if isinstance(e, ValueCompleted)]

    def deltas(events):
        return "".join(e.text for e in events if isinstance(e, StringDelta))

    whole, by_char = run([text]), run(list(text))
    assert repr(completions(whole[0])) == repr(completions(by_char[0]))  # NaN != NaN
    assert repr(whole[1]) == repr(by_char[1])
    if not isinstance(whole[1], tuple):  # before an error, how much text showed may differ
        assert deltas(whole[0]) == deltas(by_char[0])


@pytest.mark.parametrize(
    ("text", "key", "first"),
    [
        ('{"a": "hello", "b": 1, "a": "x"}', "a", "hello"),
        ('{"a": [1, 2], "a": {"c": [3]}}', "a", [1, 2]),
        ('{"k": {"a": "long", "a": "s"}, "k": [true]}', "k", {"a": "s"}),
    ],
)
def test_a_duplicate_key_shows_its_value_only_once_complete(chunker, text, key, first):
    # Invariants 1, 3 and 5 hold through a duplicate: the earlier value stays as it was
    # (no string shrinking to "", no list turning into a dict) until the later one is
    # complete, which then replaces it in place (last wins, as json.loads).
    final = json.loads(text)[key]
    for chunks in chunker(text):
        parser = Parser()
        seen = []
        for chunk in chunks:
            parser.feed(chunk)
            value = parser.value
            if value is not MISSING and key in value:
                seen.append(json.dumps(value[key]))
        parser.close()
        assert parser.value == json.loads(text)
        assert json.dumps(final) in seen
        assert seen[-1] == json.dumps(final)
        if json.dumps(first) in seen:  # the first value was seen complete
            # From then on, only it or the final value shows.
            complete = seen[seen.index(json.dumps(first)) :]
            assert set(complete) <= {json.dumps(first), json.dumps(final)}


def test_a_str_subclass_is_text():
    class Text(str):
        pass

    parser = Parser()
    parser.feed(Text('{"a": [1, '))
    parser.feed(Text('"x"]}'))
    parser.close()
    assert parser.value == {"a": [1, "x"]}
