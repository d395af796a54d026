"""The events as users handle them: dataclass behaviour, whoever built them (the parser builds
them without ``__init__``; in the compiled build their storage is a C type)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import sys
from typing import Any

import pytest

import unspool
from unspool import StringDelta, ValueCompleted

DEEP = 70  # below the events' eager depth (64): paths are links there


def parsed_events(text: str) -> list[Any]:
    parser = unspool.Parser()
    return [*parser.feed(text[:7]), *parser.feed(text[7:]), *parser.close()]


TEXT = '{"a": [1, "xy", {"b": null}], "c": "long string"}'
DEEP_TEXT = "[" * DEEP + '"s"' + "]" * DEEP


@pytest.mark.parametrize("text", [TEXT, DEEP_TEXT])
def test_parsed_events_equal_the_ones_a_user_builds(text: str) -> None:
    for event in parsed_events(text):
        cls = type(event)
        assert cls in (ValueCompleted, StringDelta)
        rebuilt = cls(event.path, *dataclasses.astuple(event)[1:])
        assert rebuilt == event and repr(rebuilt) == repr(event)
        assert event.__ne__(rebuilt) is False


@pytest.mark.skipif(unspool.BACKEND != "python", reason="the pure build's allocation")
def test_the_pure_build_allocates_events_as_their_classes_do() -> None:
    # The pure build's completed/delta call object.__new__ directly: right only while neither
    # class (nor a base) defines a __new__ of its own.
    assert ValueCompleted.__new__ is StringDelta.__new__ is object.__new__


def test_fields_asdict_and_replace() -> None:
    names = {
        ValueCompleted: ("path", "value", "document"),
        StringDelta: ("path", "text", "document"),
    }
    for cls, expected in names.items():
        assert tuple(f.name for f in dataclasses.fields(cls)) == expected
        assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(cls))
        assert cls.__match_args__ == expected
    event = parsed_events(TEXT)[0]
    assert event == ValueCompleted(("a", 0), 1)
    assert dataclasses.asdict(event) == {"path": ("a", 0), "value": 1, "document": 0}
    assert dataclasses.replace(event, value=2) == ValueCompleted(("a", 0), 2)
    assert dataclasses.replace(event, path=("z",)).path == ("z",)


def test_pickle_and_copy_keep_the_path() -> None:
    for event in parsed_events(TEXT) + parsed_events(DEEP_TEXT):
        for again in (pickle.loads(pickle.dumps(event)), copy.copy(event), copy.deepcopy(event)):
            assert type(again) is type(event) and again == event and again.path == event.path


def test_match_eq_hash_and_repr() -> None:
    delta, completed = parsed_events(TEXT)[1:3]
    match delta:
        case StringDelta(path, text, document=0):
            assert (path, text) == (("a", 1), "xy")
        case _:
            raise AssertionError(delta)
    match completed:
        case ValueCompleted(("a", 1), value):
            assert value == "xy"
        case _:
            raise AssertionError(completed)
    assert repr(completed) == "ValueCompleted(path=('a', 1), value='xy', document=0)"
    assert completed != StringDelta(("a", 1), "xy")  # another class, same fields
    assert completed != ValueCompleted(("a", 1), "xy", 1)
    with pytest.raises(TypeError):
        hash(completed)  # mutable dataclass with eq: unhashable, as before


def test_events_have_slots_not_dicts() -> None:
    event = parsed_events(TEXT)[0]
    with pytest.raises(AttributeError):
        event.extra = 1  # type: ignore[attr-defined]
    event.path = ("p",)  # a plain (settable) field, as before
    assert event.path == ("p",) and event == ValueCompleted(("p",), 1)


def test_deep_paths_are_whole() -> None:
    events = parsed_events(DEEP_TEXT)
    assert events[0] == StringDelta((0,) * DEEP, "s")
    assert [len(e.path) for e in events[1:]] == list(range(DEEP, -1, -1))


# Chunks wholly inside one string: each feed gives one StringDelta (the compiled build refills
# the list and event it returned last when the caller dropped both; see unspool._events).
PROSE = ['{"a": "', "one ", "two ", "three ", "four ", "five", '", "b": "', "six ", "seven"]


def delta_texts(events: list[Any]) -> list[tuple[Any, ...]]:
    return [(type(e).__name__, e.path, getattr(e, "text", None)) for e in events]


def test_events_a_caller_keeps_never_change() -> None:
    parser = unspool.Parser()
    kept_lists: list[Any] = []
    kept_events: list[Any] = []
    seen: list[Any] = []
    for i, chunk in enumerate(PROSE):
        events = parser.feed(chunk)
        seen.append(delta_texts(events))
        if i % 3 == 0:
            kept_lists.append(events)  # the list (and so its events)
        elif i % 3 == 1:
            kept_events.extend(events)  # the events, not the list
        del events  # i % 3 == 2: neither
    assert [delta_texts(e) for e in kept_lists] == seen[0::3]
    assert delta_texts(kept_events) == [d for s in seen[1::3] for d in s]
    assert seen[1:6] == [[("StringDelta", ("a",), t)] for t in PROSE[1:6]]
    assert seen[7:] == [[("StringDelta", ("b",), t)] for t in PROSE[7:]]


def test_a_returned_list_or_event_the_caller_changed_is_not_reused() -> None:
    parser = unspool.Parser()
    parser.feed(PROSE[0])
    parser.feed(PROSE[1]).append("mine")  # a list of two, dropped
    events = parser.feed(PROSE[2])
    events[0] = "mine"  # the caller's item in place of the event, then dropped
    del events
    parser.feed(PROSE[3])[0].text = "changed"  # the event changed, then dropped
    events = parser.feed(PROSE[4])
    events.clear()
    del events
    assert delta_texts(parser.feed(PROSE[5])) == [("StringDelta", ("a",), "five")]
    ended = parser.feed(PROSE[6])
    assert delta_texts(ended) == [("ValueCompleted", ("a",), None)]
    assert ended[0].value == "one two three four five"
    assert delta_texts(parser.feed(PROSE[7])) == [("StringDelta", ("b",), "six ")]


# Records in small chunks: feeds of several events each (the compiled build empties a list the
# caller dropped when it builds the next one, and refills its events nobody kept; see
# unspool._events.recycle).
RECORDS = '[{"id": 1, "name": "ab", "tags": ["x", "y"]}, {"id": 2, "name": "cd", "tags": []}]'


def record_chunks(size: int) -> list[str]:
    return [RECORDS[i : i + size] for i in range(0, len(RECORDS), size)]


def event_reprs(parser: Any, chunks: list[str]) -> list[str]:
    return [repr(parser.feed(chunk)) for chunk in chunks] + [repr(parser.close())]


@pytest.mark.parametrize("size", [1, 3, 7])
def test_events_kept_one_by_one_never_change(size: int) -> None:
    chunks = record_chunks(size)
    expected = event_reprs(unspool.Parser(), chunks)
    parser = unspool.Parser()
    kept: list[tuple[int, Any, str]] = []
    for i, chunk in enumerate(chunks):
        events = parser.feed(chunk)
        assert repr(events) == expected[i]
        if events and i % 2:
            kept.append((i, events[-1], repr(events[-1])))  # the last event, not the list
        del events
    parser.close()
    assert kept and all(repr(event) == shown for _, event, shown in kept)
    assert all(shown in expected[i] for i, _, shown in kept)


def test_parsers_side_by_side_give_their_own_events() -> None:
    chunks = record_chunks(3)
    alone = event_reprs(unspool.Parser(), chunks)
    first, second = unspool.Parser(), unspool.Parser()
    both = [(repr(first.feed(chunk)), repr(second.feed(chunk))) for chunk in chunks]
    assert [a for a, _ in both] == [b for _, b in both] == alone[:-1]


def test_no_dropped_event_holds_its_value() -> None:
    parser = unspool.Parser(multiple=True)
    first = parser.feed("[1, 2] ")[-1].value  # its list and events dropped at once
    parser.feed("[3] ")  # the compiled build empties and refills them here
    second = parser.feed('[4] "x"')[1].value  # the document before the last
    parser.close()  # a parser kept after its stream holds no list or event for reuse
    assert first == [1, 2] and second == [4]
    assert sys.getrefcount(first) == sys.getrefcount(second) == 2  # the local and the call
