"""``unspool.is_complete`` (``unspool._complete``): asked about any value of a live snapshot --
a list item, a nested dict, the open string, a partial model -- it says whether that value
can still change, and it agrees with the completion events at every chunk."""

from __future__ import annotations

import copy
import gc
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import json_values

import unspool
from unspool import MISSING, Parser, ValueCompleted, is_complete
from unspool._builder import PartialBuilder

TEXT = (
    '{"title": "Tea", "items": [{"n": 1, "tags": ["a", "bc"]}, {"n": 2, "tags": []}, 3], "x": {}}'
)


def walk(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) of a snapshot, parents first."""
    out = [(path, value)]
    if type(value) is dict:
        for key, child in value.items():
            out += walk(child, (*path, key))
    elif type(value) is list:
        for index, child in enumerate(value):
            out += walk(child, (*path, index))
    return out


def check_against_events(text: str, chunks: list[Any]) -> None:
    """After every chunk, each value of the snapshot is complete exactly when its
    ValueCompleted event has been returned."""
    parser = Parser()
    done: set[tuple[Any, ...]] = set()
    for chunk in [*chunks, None]:
        events = parser.feed(chunk) if chunk is not None else parser.close()
        done |= {e.path for e in events if type(e) is ValueCompleted}
        if parser.value is MISSING:
            assert not is_complete(parser.value)
            continue
        for path, value in walk(parser.value):
            if type(value) is str and len(value) <= 1:
                continue  # shared objects, maybe open in another stream: see is_complete
            assert is_complete(value) == (path in done), (path, value, chunk)
    assert is_complete(parser.value)


def test_each_value_is_complete_when_its_event_says_so(chunker):
    for chunks in chunker(TEXT):
        check_against_events(TEXT, chunks)


@given(json_values(), st.randoms(use_true_random=False))
def test_generated_documents(value, rng):
    text = json.dumps(value)
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, 6))) if len(text) > 1 else []
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    check_against_events(text, chunks)


def test_a_ui_marks_items_done_as_they_close():
    parser = Parser(events=False)
    parser.feed('{"items": [{"name": "a"}, {"name": "b')
    items = parser.value["items"]
    assert [is_complete(item) for item in items] == [True, False]
    assert is_complete(items[0]["name"]) and not is_complete(items[1]["name"])
    assert not is_complete(items) and not is_complete(parser.value)
    parser.feed('cd"}')
    assert is_complete(items[1]) and not is_complete(items)
    held = items[1]["name"]
    parser.feed("]}")
    parser.close()
    assert is_complete(held) and is_complete(items) and is_complete(parser.value)


def test_scalars_and_foreign_values_are_complete():
    assert not is_complete(MISSING)
    for value in (0, 1.5, True, False, None, "text", [1], {"a": 1}, ()):
        assert is_complete(value)


def test_the_open_string_as_read_is_open_and_an_older_copy_is_not():
    parser = Parser(events=False)
    parser.feed('["abc')
    items = parser.value
    first = items[0]
    assert not is_complete(first)
    parser.feed("def")
    # Open while the snapshot shows it: the pure-Python build shows the longer string at the
    # next read, the compiled build at once (its snapshot is current after every feed).
    assert is_complete(first) is (items[0] is not first)
    second = parser.value[0]
    assert second == "abcdef" and not is_complete(second) and is_complete(first)


def test_a_parser_dropped_midway_releases_its_values():
    parser = Parser()
    parser.feed('{"a": [[{"b": "open')
    value = parser.value
    inner = value["a"][0][0]
    assert not is_complete(value) and not is_complete(inner)
    del parser
    gc.collect()
    # Nothing will ever complete them now: they can no longer change.
    assert is_complete(value) and is_complete(inner) and is_complete(inner["b"])


def test_a_model_stream_dropped_midway_releases_its_partials():
    builder = PartialBuilder(Recipe)
    builder.feed('{"title": "Tea", "steps": [{"text": "bo')
    partial = builder.partial
    assert partial is not None
    step = partial.steps[0]
    assert not is_complete(partial) and not is_complete(step)
    del builder
    gc.collect()
    assert is_complete(partial) and is_complete(partial.steps) and is_complete(step)


def test_a_constructor_that_fails_leaves_nothing_to_release(monkeypatch):
    # The owners release from __del__, which also runs for an instance whose __init__
    # raised: it must not report an error of its own (sys.unraisablehook).
    unraisable: list[Any] = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)
    with pytest.raises(TypeError):
        Parser(no_such_option=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):  # its Parser refuses the option, halfway through
        PartialBuilder(Recipe, no_such_option=1)
    gc.collect()
    assert unraisable == []


def test_a_poisoned_parser_leaves_its_open_values_open():
    parser = Parser()
    parser.feed('{"a": [1, }')
    with pytest.raises(unspool.ParseError):
        parser.feed("")
    assert not is_complete(parser.value) and not is_complete(parser.value["a"])


def test_truncated_partial_values_stay_open():
    parser = Parser()
    parser.feed('{"a": {"b": 1}, "c": [')
    with pytest.raises(unspool.IncompleteJSONError) as info:
        parser.close()
    partial = info.value.partial
    assert is_complete(partial["a"]) and not is_complete(partial["c"])


def test_copies_are_not_the_live_values():
    parser = Parser()
    parser.feed('{"a": [1')
    kept = copy.deepcopy(parser.value)
    assert not is_complete(parser.value["a"]) and is_complete(kept["a"])


# -- partial models ----------------------------------------------------------------------------


class Step(BaseModel):
    text: str
    minutes: int


class Recipe(BaseModel):
    title: str
    steps: list[Step]
    notes: dict[str, str] = {}


RECIPE = (
    '{"title": "Tea", "steps": [{"text": "boil", "minutes": 3}, {"text": "steep", "minutes": 4}],'
    ' "notes": {"cup": "warm"}}'
)


def test_partial_models_lists_dicts_and_strings(chunker):
    for chunks in chunker(RECIPE):
        with unspool.stream_model(chunks, Recipe) as stream:
            for partial in stream:
                steps = partial.steps or []
                for i, step in enumerate(steps):
                    last = i == len(steps) - 1
                    done = {"text", "minutes"} <= unspool.completed(step)
                    if not last or "steps" in unspool.completed(partial):
                        assert is_complete(step)
                    if is_complete(step):  # its closing brace arrived
                        assert done
                    if step.text is not None and len(step.text) > 1:
                        assert is_complete(step.text) == ("text" in unspool.completed(step))
                if partial.steps is not None:
                    assert is_complete(partial.steps) == ("steps" in unspool.completed(partial))
                if partial.title is not None and len(partial.title) > 1:
                    assert is_complete(partial.title) == ("title" in unspool.completed(partial))
                if partial.notes is not None:
                    assert is_complete(partial.notes) == ("notes" in unspool.completed(partial))
            last_partial = stream.partial
            assert last_partial is not None and is_complete(last_partial)
            assert all(is_complete(step) for step in last_partial.steps)
            stream.final()


def test_an_open_partial_is_not_complete():
    builder = PartialBuilder(Recipe)
    builder.feed('{"title": "Te')
    partial = builder.partial
    assert partial is not None and not is_complete(partial) and not is_complete(partial.title)
    builder.feed('a", "steps": [{"text": "boil"')
    step = partial.steps[0]
    assert not is_complete(step) and is_complete(partial.title) and is_complete(step.text)
    builder.feed(', "minutes": 3}')
    assert is_complete(step) and not is_complete(partial.steps)


def test_a_string_in_a_list_completes_with_its_bare_closing_quote():
    class Tags(BaseModel):
        tags: list[str]

    builder = PartialBuilder(Tags)
    builder.feed('{"tags": ["ab')
    partial = builder.partial
    assert partial is not None
    assert not is_complete(partial.tags[0])
    builder.feed('"')  # changes nothing visible, but the string is complete
    assert is_complete(partial.tags[0]) and not is_complete(partial.tags)
