"""``stream_model`` targets other than a model (issue 12.5): ``list[Model]``, ``dict[str,
Model]``, ``RootModel``, ``TypeAdapter``, dataclasses, unions and plain types.

Every target keeps the same promises as a model: the partial is one live value (L), honest
on every snapshot of every chunking (H1-H7 of ``test_validate``, checked by its
``check_value``), completed values are validated at once with their path, ``final()`` is the
target's own validation run once, and ``is_complete`` tells the items that are done.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime
import itertools
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, RootModel, TypeAdapter, field_validator
from test_validate import check_value, state, walk
from typing_extensions import TypedDict

import unspool
from unspool import IncompleteJSONError, Partial, ValidationError, completed, is_complete
from unspool._builder import PartialBuilder


class Step(BaseModel):
    name: str
    minutes: list[int] = []
    done: bool = False


class Recipe(BaseModel):
    title: str
    steps: list[Step]


STEPS = [
    {"name": "Warm the pot", "minutes": [1], "done": True},
    {"name": "Mind the temperature — 80 °C", "minutes": [], "done": False},
    {"name": "Time it", "minutes": [3, 5], "done": True},
]
RECIPES = {
    "tea": {"title": "Tea", "steps": STEPS[:2]},
    "eggs": {"title": "Eggs", "steps": [STEPS[2]]},
}


class Steps(RootModel[list[Step]]):
    pass


@dataclasses.dataclass
class Point:
    x: int
    label: str


class Movie(TypedDict):
    title: str
    year: int


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    name: str


Pet = Annotated[Cat | Dog, Field(discriminator="kind")]


class Title(RootModel[str]):
    pass


class Day(RootModel[datetime.date]):
    pass


class Board(BaseModel):
    """RootModel fields stream as their root types and show as their partials."""

    title: Title
    tags: RootModel[list[str]]
    steps: Steps
    by_day: dict[str, Steps] = {}
    maybe: Steps | None = None
    day: Day | None = None


BOARD = {
    "title": "Week plan",
    "tags": ["tea", "eggs"],
    "steps": STEPS[:2],
    "by_day": {"mon": [STEPS[2]], "tue": []},
    "maybe": None,
    "day": "2024-05-06",
}


def snapshots(target: Any, chunks: list[Any]) -> tuple[list[Any], PartialBuilder[Any]]:
    """Feed ``chunks``; a deep copy of the partial after each chunk that changed it (and
    after ``close()`` if that did), and the builder.  Checks L on the way, and that every
    list item but the last is complete while the list grows."""
    builder: PartialBuilder[Any] = PartialBuilder(target)
    copies: list[Any] = []
    containers: dict[tuple[Any, ...], Any] = {}

    def changed() -> None:
        partial = builder.partial
        for path, value in walk(partial):
            assert containers.setdefault(path, value) is value, f"{path} was replaced (L)"
            if isinstance(value, list):
                assert all(is_complete(item) for item in value[:-1]), path
        copies.append(copy.deepcopy(partial))

    for chunk in chunks:
        if builder.feed(chunk):
            changed()
    if builder.close():
        changed()
    return copies, builder


def check_snapshots(copies: list[Any]) -> None:
    """H1-H7 between consecutive snapshots, against the last one."""
    assert copies, "no partial at all"
    last = copies[-1]
    for prev, cur in zip([None, *copies], copies, strict=False):
        check_value(prev, cur, last)
        if prev is not None:
            assert state(prev) != state(cur), "a partial that shows nothing new (H7)"


# (target, document, what final() returns): every target streams honestly.
CASES = [
    pytest.param(list[Step], STEPS, TypeAdapter(list[Step]).validate_python(STEPS), id="list"),
    pytest.param(Steps, STEPS, Steps.model_validate(STEPS), id="rootmodel"),
    pytest.param(
        RootModel[list[Step]], STEPS, RootModel[list[Step]](STEPS), id="rootmodel-generic"
    ),
    pytest.param(
        TypeAdapter(list[Step]), STEPS, TypeAdapter(list[Step]).validate_python(STEPS), id="ta"
    ),
    pytest.param(
        TypeAdapter(Recipe), RECIPES["tea"], Recipe.model_validate(RECIPES["tea"]), id="ta-model"
    ),
    pytest.param(
        dict[str, Recipe],
        RECIPES,
        {k: Recipe.model_validate(v) for k, v in RECIPES.items()},
        id="dict",
    ),
    pytest.param(Point, {"x": 3, "label": "origin"}, Point(3, "origin"), id="dataclass"),
    pytest.param(list[Movie], [{"title": "Alien", "year": 1979}], None, id="typeddict"),
    pytest.param(Pet, {"name": "Rex", "kind": "dog"}, Dog(kind="dog", name="Rex"), id="union"),
    pytest.param(list[int], [1, -22, 333], [1, -22, 333], id="list-int"),
    pytest.param(dict[str, list[str]], {"a": ["x", "yz"], "b": []}, None, id="dict-list"),
    pytest.param(str, "grows — 🎉", "grows — 🎉", id="str"),
    pytest.param(int, 12345, 12345, id="int"),
    pytest.param(RootModel[str], "root text", RootModel[str]("root text"), id="rootmodel-str"),
    pytest.param(Board, BOARD, Board.model_validate(BOARD), id="rootmodel-fields"),
    pytest.param(
        list[Steps],
        [STEPS[:1], []],
        [Steps.model_validate(STEPS[:1]), Steps([])],
        id="list-of-rootmodels",
    ),
]


@pytest.mark.parametrize(("target", "doc", "expected"), CASES)
def test_every_target_streams_honestly_for_every_chunking(chunker, target, doc, expected):
    expected = doc if expected is None else expected
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    lasts = []
    for chunks in chunker(text):
        copies, builder = snapshots(target, chunks)
        check_snapshots(copies)
        assert builder.final() == expected
        assert is_complete(builder.partial)
        lasts.append(state(copies[-1]))
    assert all(last == lasts[0] for last in lasts)  # chunking-independent


def test_a_list_of_models_grows_item_by_item():
    text = json.dumps(STEPS[:2])
    chunks = [text[i : i + 6] for i in range(0, len(text), 6)]
    seen = []
    with unspool.stream_model(chunks, list[Step]) as stream:
        for partial in stream:
            assert isinstance(partial, list) and partial is stream.partial  # live
            assert all(isinstance(item, Partial) for item in partial)
            seen.append(
                [(item.name, is_complete(item), sorted(completed(item))) for item in partial]
            )
        final = stream.final()
    assert final == [Step.model_validate(s) for s in STEPS[:2]]
    assert all(type(step) is Step for step in final)
    assert seen[0] == [(None, False, [])]  # the first item shows as soon as it begins
    # The last item grows; those before it are complete and never change again.
    assert seen[-1] == [
        ("Warm the pot", True, ["done", "minutes", "name"]),
        ("Mind the temperature — 80 °C", True, ["done", "minutes", "name"]),
    ]
    for index in range(2):  # each item's name only grows
        names = [row[index][0] or "" for row in seen if len(row) > index]
        assert all(b.startswith(a) for a, b in itertools.pairwise(names))


def test_a_root_model_partial_is_a_root_model_with_root():
    text = json.dumps(STEPS)
    with unspool.stream_model([text[:40], text[40:]], Steps) as stream:
        partials = [(p, copy.deepcopy(p)) for p in stream]
        final = stream.final()
    live = partials[0][0]
    assert all(p is live for p, _ in partials)
    assert isinstance(live, Partial) and isinstance(live, RootModel)
    assert type(live) is Partial[Steps] and Partial[Steps].unspool_model is Steps
    first = partials[0][1]
    assert first.model_fields_set == {"root"} and completed(first) == frozenset()
    assert isinstance(first.root, list) and isinstance(first.root[0], Partial)
    assert completed(live) == {"root"} and is_complete(live)
    # The partial dumps as its root value, as the final RootModel does.
    assert live.model_dump() == final.model_dump() == STEPS
    assert isinstance(final, Steps) and final.root[2].minutes == [3, 5]


def test_a_root_model_is_open_until_its_root_completes():
    builder: PartialBuilder[Any] = PartialBuilder(Steps)
    builder.feed('[{"name": "a"}')
    partial = builder.partial
    assert not is_complete(partial) and not is_complete(partial.root)
    assert is_complete(partial.root[0])
    builder.feed("]")
    assert is_complete(partial) and is_complete(partial.root)


def test_root_model_fields_show_as_their_partials_while_they_grow():
    text = json.dumps(BOARD)
    cut = text.index("Mind the") + 4
    builder: PartialBuilder[Any] = PartialBuilder(Board)
    builder.feed(text[:cut])
    partial = builder.partial
    assert type(partial.title) is Partial[Title] and partial.title.root == "Week plan"
    assert type(partial.steps) is Partial[Steps] and isinstance(partial.steps, RootModel)
    assert is_complete(partial.title) and is_complete(partial.tags)
    assert not is_complete(partial.steps) and completed(partial.steps) == frozenset()
    assert partial.steps.root[-1].name == "Mind" and not is_complete(partial.steps.root[-1].name)
    assert is_complete(partial.steps.root[0])
    builder.feed(text[cut:])
    builder.close()
    assert is_complete(partial.steps) and completed(partial.steps) == {"root"}
    assert type(partial.day) is Partial[Day] and partial.day.root == datetime.date(2024, 5, 6)
    assert partial.maybe is None and "maybe" in partial.model_fields_set
    assert type(partial.by_day["mon"]) is Partial[Steps]
    assert Partial[Board].model_fields["steps"].annotation == Partial[Steps] | None
    assert builder.final() == Board.model_validate(BOARD)


def test_a_root_model_fields_string_grows_in_place():
    builder: PartialBuilder[Any] = PartialBuilder(Board)
    builder.feed('{"title": "We')
    title = builder.partial.title
    assert title.root == "We" and not is_complete(title) and not is_complete(title.root)
    builder.feed("ek")
    assert builder.partial.title is title and title.root == "Week"
    builder.feed('", ')
    assert title.root == "Week" and is_complete(title) and is_complete(title.root)


def test_a_bad_item_raises_at_once_with_its_index_in_the_path():
    items = [STEPS[0], {"name": "Mind", "minutes": ["soon"]}, STEPS[2]]
    text = json.dumps(items)
    cut = text.index('"soon"') + len('"soon"') + 1  # the bad value has completed
    source = [text[:cut], text[cut:]]
    with unspool.stream_model(source, list[Step]) as stream:
        it = iter(stream)
        with pytest.raises(ValidationError) as info:
            next(it)
    err = info.value
    assert err.path == (1, "minutes", 0)
    assert "invalid value at /1/minutes/0" in str(err) and err.raw == '"soon"'
    assert stream.partial is not None and stream.partial[0].name == "Warm the pot"
    # A root model says the same, under its root.
    with pytest.raises(ValidationError) as info:
        list(unspool.stream_model(source, Steps))
    assert info.value.path == (1, "minutes", 0)


def test_validators_of_items_run_at_completion_and_final_runs_the_targets_own():
    class Tag(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def lower(cls, value: str) -> str:
            return value.lower()

    class Tags(RootModel[list[Tag]]):
        @field_validator("root")
        @classmethod
        def at_most_two(cls, value: list[Tag]) -> list[Tag]:
            if len(value) > 2:
                raise ValueError("at most two tags")
            return value

    text = json.dumps([{"name": "A"}, {"name": "B"}, {"name": "C"}])
    with unspool.stream_model([text], Tags) as stream:
        shown = [copy.deepcopy(p) for p in stream]
        assert [t.name for t in shown[-1].root] == ["a", "b", "c"]  # each item validated
        with pytest.raises(ValidationError, match="at most two tags"):
            stream.final()  # the whole list's validator: once, at the end


def test_a_document_of_the_wrong_kind_raises_once_complete():
    with pytest.raises(ValidationError, match="valid list"):
        list(unspool.stream_model(['{"name": ', '"x"}'], list[Step]))
    with pytest.raises(ValidationError, match="valid integer"):
        list(unspool.stream_model(['"x"'], int))
    with pytest.raises(ValidationError):
        list(unspool.stream_model(["[1, 2]"], dict[str, int]))


def test_a_number_document_shows_when_the_input_ends():
    with unspool.stream_model(["12", "34"], int) as stream:
        assert list(stream) == [1234]
        assert stream.final() == 1234
    with unspool.stream_model(["4.5"], RootModel[float]) as stream:
        (partial,) = list(stream)
        assert partial.root == 4.5 and completed(partial) == {"root"}


def test_truncated_list_reports_the_partial():
    text = json.dumps(STEPS)
    with unspool.stream_model([text[:50]], list[Step]) as stream:
        last = [copy.deepcopy(p) for p in stream][-1]
        with pytest.raises(IncompleteJSONError) as info:
            stream.final()
    assert info.value.partial is stream.partial and state(info.value.partial) == state(last)
    assert len(last) == 1 and not is_complete(stream.partial[-1])


def test_type_adapters_are_used_as_given():
    adapter = TypeAdapter(list[Step])
    with unspool.stream_model([json.dumps(STEPS)], adapter) as stream:
        list(stream)
        assert stream.final() == adapter.validate_python(STEPS)


async def _achunks(text: str) -> AsyncIterator[str]:
    for i in range(0, len(text), 7):
        yield text[i : i + 7]


def test_astream_model_takes_every_target():
    async def main() -> tuple[list[Any], Any, Any]:
        async with unspool.astream_model(_achunks(json.dumps(STEPS)), Steps) as stream:
            shown = [copy.deepcopy(p) async for p in stream]
            return shown, await stream.final(), stream.partial

    shown, final, live = asyncio.run(main())
    check_snapshots(shown)
    assert final == Steps.model_validate(STEPS) and completed(live) == {"root"}


def test_iter_models_takes_any_item_type():
    text = json.dumps({"runs": [STEPS, STEPS[:1]]})
    lists = list(unspool.iter_models([text], list[Step], at="/runs"))
    assert [len(steps) for steps in lists] == [3, 1] and type(lists[0][0]) is Step
    roots = list(unspool.iter_models([text], Steps, at="/runs"))
    assert all(type(r) is Steps for r in roots) and roots[1].root[0].name == "Warm the pot"
    adapted = list(unspool.iter_models([json.dumps(STEPS)], TypeAdapter(Step)))
    assert [s.name for s in adapted] == [s["name"] for s in STEPS]
    with pytest.raises(ValidationError) as info:
        list(unspool.iter_models([json.dumps([STEPS, [{"name": 1}]])], list[Step]))
    assert info.value.index == 1 and "/0/name" in str(info.value)


def test_sse_stream_takes_every_target():
    pytest.importorskip("unspool.sse")
    from unspool import sse

    frames = "".join(sse.stream([json.dumps(STEPS)], model=list[Step]))
    assert "event: done" in frames
    bad = "".join(sse.stream([json.dumps([{"name": 5}])], model=Steps))
    assert "event: error" in bad and "/0/name" in bad
