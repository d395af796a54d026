"""The pydantic layer's core (``unspool._validate``): ``Partial[Model]``, honest live partials
built from values validated once, fail-fast validation, ``final()``.

The partial is live: one instance, updated in place after every chunk.  ``stream`` checks
that (L) and keeps a deep copy (``model_copy(deep=True)``) of it after every chunk that
changed it; the honesty properties are checked on every copy of every chunking by
``check_partials``:

L.  The partial is the same object after every chunk, and so is every partial, list and
    dict inside it once shown (containers are created once and updated in place).
H1. A field is ``None`` until it is in ``model_fields_set``; ``model_fields_set`` and
    ``completed()`` only grow, and ``completed() <= model_fields_set``.
H2. A value never changes type; a complete field never changes again.
H3. Strings are prefixes of their final value (they only grow).
H4. Numbers, booleans, ``Literal``, ``Enum`` and other atomic values appear only when final.
H5. Lists only grow, and only their last element changes.
H6. Defaults never show: a field absent from the JSON is ``None`` in every partial.
H7. Consecutive partials differ visibly (values, fields set or completed fields).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import warnings
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from strategies import chunked, chunkings, json_values, scalars
from typing_extensions import TypedDict

import unspool
from unspool import IncompleteJSONError, Partial, ValidationError, completed
from unspool._builder import PartialBuilder
from unspool._validate import compile_target, empty_partial

# -- models ------------------------------------------------------------------------------------


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Author(BaseModel):
    name: str = Field(max_length=40)
    email: str | None = None


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = Field(ge=0, le=9)


class Dog(BaseModel):
    kind: Literal["dog"]
    name: str


Pet = Annotated[Cat | Dog, Field(discriminator="kind")]


class Section(BaseModel):
    heading: str
    paragraphs: list[str]
    score: float | None = None


class Doc(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    title: str = Field(alias="Title", max_length=200)
    status: Literal["draft", "final"]
    color: Color = Color.RED
    count: int = Field(gt=0)
    ratio: float
    ok: bool
    tags: list[str]
    author: Author
    sections: list[Section]
    pets: list[Pet] = []
    meta: dict[str, Author] = {}
    note: str | None = None
    either: int | str = 0
    when: datetime.date | None = None


DOC = {
    "Title": 'Streaming "JSON" — incrémental 🎉',
    "status": "final",
    "color": "blue",
    "count": 12345,
    "ratio": -0.5e-3,
    "ok": True,
    "tags": ["json", "", "llm"],
    "author": {"name": "Ada", "email": None},
    "sections": [
        {"heading": "One", "paragraphs": ["Re-parsing is quadratic.", "Values lie."]},
        {"heading": "Two", "paragraphs": [], "score": 4.5},
    ],
    "pets": [{"name": "Rex", "kind": "dog"}, {"kind": "cat", "lives": 7}],
    "meta": {"editor": {"name": "Bo"}},
    "note": None,
    "either": "x",
    "when": "2024-05-06",
}


def stream(chunks: list[Any], model: type[BaseModel] = Doc) -> tuple[list[Any], PartialBuilder]:
    """Feed ``chunks``; a snapshot of the partial after each chunk that changed it, and the
    builder.  Checks L on the way."""
    builder = PartialBuilder(model)
    snapshots: list[Any] = []
    # L: path -> the container first shown there (the partial itself at ())
    containers: dict[tuple[Any, ...], Any] = {}

    def changed() -> None:
        partial = builder.partial
        assert partial is not None
        for path, value in walk(partial):
            assert containers.setdefault(path, value) is value, f"{path} was replaced (L)"
        snapshots.append(partial.model_copy(deep=True))

    for chunk in chunks:
        if builder.feed(chunk):
            changed()
    builder.close()  # shows nothing new: every value completes before the closing brace
    return snapshots, builder


def walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every partial, list and dict in ``value``, with its path."""
    if isinstance(value, Partial):
        children: Any = ((name, getattr(value, name)) for name in value.model_fields_set)
    elif isinstance(value, list):
        children = enumerate(value)
    elif isinstance(value, dict):
        children = value.items()
    else:
        return
    yield path, value
    for key, child in children:
        yield from walk(child, (*path, key))


def state(value: Any) -> Any:
    """Everything a reader can see in a partial: values, fields set, completed fields."""
    if isinstance(value, Partial):
        fields = {name: state(getattr(value, name)) for name in type(value).model_fields}
        return ("P", fields, frozenset(value.model_fields_set), completed(value))
    if isinstance(value, list):
        return [state(v) for v in value]
    if isinstance(value, dict):
        return {k: state(v) for k, v in value.items()}
    return value


def check_partials(partials: list[Any], last: Any) -> None:
    """H1-H7 over a sequence of snapshots whose complete form is ``last``."""
    assert partials, "no partial at all"
    for prev, cur in zip([None, *partials], partials, strict=False):
        check_value(prev, cur, last)
        if prev is not None:
            assert state(prev) != state(cur), "a partial that shows nothing new (H7)"


def check_value(prev: Any, cur: Any, last: Any) -> None:
    if cur is None:
        assert prev is None
        return
    if prev is not None:
        assert type(prev) is type(cur), (prev, cur)  # H2
    if isinstance(cur, Partial):
        assert type(cur) is type(last)
        seen, done = cur.model_fields_set, completed(cur)
        assert done <= seen <= last.model_fields_set  # H1
        if prev is not None:
            assert prev.model_fields_set <= seen and completed(prev) <= done  # H1
        for name in type(cur).model_fields:
            value = getattr(cur, name)
            if name not in seen:
                assert value is None, name  # H1, H6
                continue
            before = None if prev is None else getattr(prev, name)
            if prev is not None and name in completed(prev):
                assert state(value) == state(before), name  # H2: complete is final
            if name in done:
                assert value == getattr(last, name), name
            check_value(before, value, getattr(last, name))
    elif isinstance(cur, str):
        assert isinstance(last, str) and last.startswith(cur)  # H3
        if prev is not None:
            assert cur.startswith(prev)
    elif isinstance(cur, list):
        assert len(cur) <= len(last)
        if prev is not None:
            assert len(prev) <= len(cur)  # H5
            for a, b in zip(prev[:-1], cur, strict=False):
                assert state(a) == state(b)  # H5: only the last element changes
        for i, value in enumerate(cur):
            before = prev[i] if prev is not None and i < len(prev) else None
            check_value(before, value, last[i])
    elif isinstance(cur, dict):
        assert set(cur) <= set(last)
        if prev is not None:
            assert list(prev) == list(cur)[: len(prev)]
        for key, value in cur.items():
            check_value(None if prev is None else prev.get(key), value, last[key])
    else:
        assert cur == last and type(cur) is type(last), (cur, last)  # H4


def texts(value: Any) -> list[str]:
    """The same document as a model might print it: compact, spaced and indented."""
    return [
        json.dumps(value, ensure_ascii=False),
        json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        json.dumps(value, indent=2),
    ]


# -- Partial[Model] ----------------------------------------------------------------------------


def test_partial_class_mirrors_the_model():
    cls = Partial[Doc]
    assert cls is Partial[Doc] and issubclass(cls, Partial) and cls.__name__ == "Partial[Doc]"
    assert list(cls.model_fields) == list(Doc.model_fields)
    assert cls.model_fields["title"].alias == "Title"
    assert all(f.default is None and not f.is_required() for f in cls.model_fields.values())
    assert cls.model_fields["author"].annotation == Partial[Author] | None
    assert cls.model_fields["sections"].annotation == list[Partial[Section]] | None
    assert cls.model_fields["meta"].annotation == dict[str, Partial[Author]] | None
    assert cls.model_fields["color"].annotation == Color | None
    assert cls.unspool_model is Doc
    empty = cls()
    assert empty.title is None and completed(empty) == frozenset()
    assert not cls.model_config.get("frozen")  # live: updated in place while streaming


def test_an_empty_partial_is_what_model_construct_makes():
    # The builder makes its partials without model_construct's loop over the fields: the
    # instance must be the same, down to pydantic's own state (fresh, not shared, sets).
    @dataclasses.dataclass
    class Point:
        x: int

    for model in (Doc, Author, Section, Point):
        cls = Partial[model]
        fast, slow = empty_partial(cls), cls.model_construct()
        assert fast.__getstate__() == slow.__getstate__()
        assert fast == slow and fast.model_dump() == slow.model_dump()
        again = empty_partial(cls)
        fast.__dict__[next(iter(cls.model_fields))] = "x"
        fast.model_fields_set.add("x")
        fast._completed.add("x")
        assert again.__getstate__() == slow.__getstate__()  # nothing shared


def test_partial_of_a_dataclass_and_errors():
    @dataclasses.dataclass
    class Point:
        x: int
        label: str = ""

    assert list(Partial[Point].model_fields) == ["x", "label"]
    for bad in (int, dict[str, int], Partial):
        with pytest.raises(TypeError):
            Partial[bad]
    with pytest.raises(TypeError):
        completed({"a": 1})  # type: ignore[arg-type]


# -- honest partials ---------------------------------------------------------------------------


def test_partials_are_honest_for_every_chunking(chunker):
    text = json.dumps(DOC, ensure_ascii=False, indent=1)
    expected = Doc.model_validate_json(text)
    finals = []
    for chunks in chunker(text):
        partials, builder = stream(chunks)
        last = partials[-1]
        check_partials(partials, last)
        assert builder.final() == expected
        assert last.model_fields_set == set(Doc.model_fields) == completed(last)
        finals.append(state(last))
    assert all(f == finals[0] for f in finals)  # chunking-independent


def test_the_partials_of_one_chunking_in_order():
    text = '{"Title": "Hi", "count": 12, "tags": ["a"], "author": {"name": "Al"}}'
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]
    builder = PartialBuilder(Doc)
    seen = []
    for chunk in chunks:
        if builder.feed(chunk):
            p = builder.partial
            author = p.author and p.author.name
            tags = None if p.tags is None else list(p.tags)  # live: copy what is kept
            seen.append((chunk, p.title, p.count, tags, author, "".join(sorted(completed(p)))))
    builder.close()
    assert seen == [
        ('{"Ti', None, None, None, None, ""),  # the object began ('tle"' shows nothing)
        (': "H', "H", None, None, None, ""),
        ('i", ', "Hi", None, None, None, "title"),
        (" 12,", "Hi", 12, None, None, "counttitle"),  # 12 once complete, never 1
        (' ["a', "Hi", 12, ["a"], None, "counttitle"),
        ('"], ', "Hi", 12, ["a"], None, "counttagstitle"),
        (': {"', "Hi", 12, ["a"], None, "counttagstitle"),  # author began
        ('": "', "Hi", 12, ["a"], "", "counttagstitle"),
        ('Al"}', "Hi", 12, ["a"], "Al", "authorcounttagstitle"),
    ]
    assert builder.partial.author.model_fields_set == {"name"}


def test_scalars_literals_and_enums_appear_only_complete():
    text = '{"status": "draft", "color": "blue", "count": 12345, "ok": false, "when": "2024-01-02"}'
    partials, _ = stream(list(text))  # one character at a time
    for p in partials:
        assert p.status in (None, "draft")
        assert p.color in (None, Color.BLUE)
        assert p.count in (None, 12345)
        assert p.ok in (None, False)
        assert p.when in (None, datetime.date(2024, 1, 2))
    assert partials[-1].color is Color.BLUE


def test_defaults_show_only_in_final():
    text = json.dumps({k: v for k, v in DOC.items() if k not in ("color", "pets", "meta")})
    partials, builder = stream([text])
    (last,) = partials
    assert last.color is None and last.pets is None and last.meta is None
    assert not {"color", "pets", "meta"} & last.model_fields_set
    final = builder.final()
    assert final.color is Color.RED and final.pets == [] and final.meta == {}


def test_null_is_received_not_missing():
    partials, _ = stream(['{"note": null', "}"])
    assert partials[-1].note is None and "note" in partials[-1].model_fields_set
    assert "note" in completed(partials[-1])


def test_the_partial_is_one_live_object():
    text = json.dumps(DOC)
    builder = PartialBuilder(Doc)
    seen = []
    for i in range(0, len(text), 3):
        if builder.feed(text[i : i + 3]):
            seen.append(builder.partial)
    assert all(p is seen[0] for p in seen)
    copy = seen[0].model_copy(deep=True)  # a snapshot to keep: no longer updated
    builder.feed("")
    builder.close()
    assert state(copy) == state(seen[0]) and copy.sections is not seen[0].sections


class Row(BaseModel):
    name: str
    n: int


class Table(BaseModel):
    title: str
    rows: list[Row]


def test_a_chunk_costs_the_same_however_long_the_list():
    """Per-chunk work does not grow with a list's length, shown without a clock: the list is
    never copied, only appended to, and each of its partials is created once."""
    count = 300
    text = json.dumps({"title": "t", "rows": [{"name": f"r{i}", "n": i} for i in range(count)]})
    builder = PartialBuilder(Table)
    rows: list[Any] | None = None
    created: list[Any] = []  # each distinct row partial, in the order it appeared
    for i in range(0, len(text), 3):
        if not builder.feed(text[i : i + 3]) or builder.partial.rows is None:
            continue
        if rows is None:
            rows = builder.partial.rows
        assert builder.partial.rows is rows  # the same list, never a copy
        if rows and (not created or rows[-1] is not created[-1]):
            assert len(rows) == len(created) + 1  # grown by one append ...
            assert len(rows) == 1 or rows[-2] is created[-1]  # ... keeping the last one
            created.append(rows[-1])
    builder.close()
    assert rows is not None and len(created) == count
    assert all(a is b for a, b in zip(rows, created, strict=True))
    assert builder.final().rows[-1] == Row(name=f"r{count - 1}", n=count - 1)


# -- validation: once, at completion, failing fast ---------------------------------------------

BAD = [
    # (document, path of the bad value, its raw text)
    ({"Title": "x" * 201}, ("Title",), json.dumps("x" * 201)),
    ({"status": "draft!"}, ("status",), '"draft!"'),
    ({"color": "green"}, ("color",), '"green"'),
    ({"count": 0}, ("count",), "0"),
    ({"count": 1.5}, ("count",), "1.5"),
    ({"ok": "maybe"}, ("ok",), '"maybe"'),
    ({"tags": ["a", 3]}, ("tags", 1), "3"),
    ({"tags": {}}, ("tags",), "{}"),
    ({"author": {"name": "y" * 41}}, ("author", "name"), json.dumps("y" * 41)),
    ({"author": {"email": "a@b"}}, ("author",), '{"email": "a@b"}'),  # name is required
    ({"author": "Ada"}, ("author",), '"Ada"'),
    ({"sections": [{"heading": "h", "paragraphs": [1]}]}, ("sections", 0, "paragraphs", 0), "1"),
    ({"pets": [{"kind": "bird"}]}, ("pets", 0), '{"kind": "bird"}'),
    ({"pets": [{"name": "Tom", "kind": "cat"}]}, ("pets", 0), '{"name": "Tom", "kind": "cat"}'),
    ({"pets": [{"kind": "cat", "lives": 10}]}, ("pets", 0, "lives"), "10"),
    ({"meta": {"x": {"name": 5}}}, ("meta", "x", "name"), "5"),
    ({"either": [1]}, ("either",), "[1]"),
    ({"when": "yesterday"}, ("when",), '"yesterday"'),
]


@pytest.mark.parametrize(("doc", "path", "raw"), BAD)
def test_a_bad_value_raises_once_complete(doc, path, raw):
    text = json.dumps({**doc, "zzz": "an unknown key after the bad value"})
    builder = PartialBuilder(Doc)
    fed = 0
    with pytest.raises(ValidationError) as info:
        for char in text:
            fed += 1
            builder.feed(char)
    err = info.value
    assert err.path == path and err.raw == raw
    assert isinstance(err.__cause__, PydanticValidationError)
    assert unspool.pointer(path) in str(err)
    assert fed <= text.index('"zzz"')  # fail fast: at the value's end, not the document's
    with pytest.raises(ValidationError):
        builder.feed("")  # the builder is poisoned


def test_each_value_is_validated_once_whatever_the_chunking(chunker):
    calls: list[str] = []

    class Item(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def count_name(cls, v: str) -> str:
            calls.append(v)
            return v

    class Counted(BaseModel):
        title: str
        items: list[Item]

        @field_validator("title")
        @classmethod
        def count_title(cls, v: str) -> str:
            calls.append(v)
            return v

        @model_validator(mode="after")
        def count_model(self) -> Counted:
            calls.append("model")
            return self

    text = '{"title": "abc", "items": [{"name": "x"}, {"name": "yz"}]}'
    for chunks in chunker(text):
        calls.clear()
        _, builder = stream(chunks, Counted)
        assert sorted(calls) == ["abc", "x", "yz"]  # once each while streaming
        calls.clear()
        builder.final()
        builder.final()
        assert sorted(calls) == ["abc", "model", "x", "yz"]  # final(): one model_validate


def test_container_validators_and_constraints_run_at_completion():
    class Box(BaseModel):
        items: list[int] = Field(max_length=2)
        inner: Author

        @field_validator("inner")
        @classmethod
        def no_bob(cls, v: Author) -> Author:
            if v.name == "Bob":
                raise ValueError("no Bob")
            return v

    with pytest.raises(ValidationError) as info:
        stream(['{"items": [1, 2, 3]', ', "inner": {"name": "Al"}}'], Box)
    assert info.value.path == ("items",)
    with pytest.raises(ValidationError, match="no Bob") as info:
        stream(['{"items": [], "inner": {"name": "Bob"}', "}"], Box)
    assert info.value.path == ("inner",)


def test_what_a_whole_container_validator_makes_shows_in_final():
    class Tagged(BaseModel):
        tags: list[str]

        @field_validator("tags")
        @classmethod
        def unique(cls, v: list[str]) -> list[str]:
            return sorted(set(v))

    partials, builder = stream(['{"tags": ["b", "a", "b"]', "}"], Tagged)
    assert partials[-1].tags == ["b", "a", "b"] and "tags" in completed(partials[-1])
    assert builder.final().tags == ["a", "b"]


def test_nested_model_validator_runs_when_the_object_completes():
    class Range(BaseModel):
        lo: int
        hi: int

        @model_validator(mode="after")
        def ordered(self) -> Range:
            if self.lo > self.hi:
                raise ValueError("lo > hi")
            return self

    class Holder(BaseModel):
        ranges: list[Range]
        name: str

    partials = []
    builder = PartialBuilder(Holder)
    with pytest.raises(ValidationError, match="lo > hi") as info:
        for chunk in ['{"ranges": [{"lo": 1, "hi": 2}, ', '{"lo": 5, "hi": 3}', "]"]:
            if builder.feed(chunk):
                partials.append(builder.partial)
    assert info.value.path == ("ranges", 1)
    assert partials[-1].ranges[0].hi == 2  # nothing already shown is retracted


def test_field_validators_transform_on_completion():
    class Shout(BaseModel):
        word: str

        @field_validator("word")
        @classmethod
        def upper(cls, v: str) -> str:
            return v.upper()

    partials, builder = stream(['{"word": "he', 'llo"', "}"], Shout)
    assert [p.word for p in partials] == ["he", "HELLO"]
    assert builder.final().word == "HELLO"


def test_a_validator_reading_its_siblings_is_left_to_final():
    class Pair(BaseModel):
        a: int
        b: int

        @field_validator("b")
        @classmethod
        def bigger(cls, v: int, info: ValidationInfo) -> int:
            if v <= info.data["a"]:
                raise ValueError("b must be bigger")
            return v

    partials, builder = stream(['{"a": 2, "b": 1}'], Pair)
    assert partials[-1].b == 1  # unchecked while streaming: it needs info.data
    with pytest.raises(ValidationError, match="b must be bigger") as info:
        builder.final()
    assert isinstance(info.value.__cause__, PydanticValidationError)


def test_final_runs_model_validators_once_and_can_fail():
    class Both(BaseModel):
        a: int = 0
        b: int = 0

        @model_validator(mode="after")
        def one(self) -> Both:
            if self.a and self.b:
                raise ValueError("only one of a and b")
            return self

    _, builder = stream(['{"a": 1, "b": 2}'], Both)
    with pytest.raises(ValidationError, match="only one") as info:
        builder.final()
    assert info.value.path == () and info.value.raw == '{"a": 1, "b": 2}'
    assert builder.final is not None
    with pytest.raises(ValidationError):
        builder.final()


def test_final_needs_close_and_reports_truncation_with_the_last_partial():
    builder = PartialBuilder(Doc)
    builder.feed('{"Title": "Hel')
    with pytest.raises(RuntimeError):
        builder.final()
    builder.close()  # raises nothing: final() reports the truncation
    with pytest.raises(IncompleteJSONError) as info:
        builder.final()
    assert info.value.partial is builder.partial and info.value.partial.title == "Hel"


def test_invalid_json_raises_parse_error():
    builder = PartialBuilder(Doc)
    builder.feed('{"Title": "a"')
    with pytest.raises(unspool.ParseError) as info:
        builder.feed(" x")
    builder.close()
    with pytest.raises(unspool.ParseError) as again:
        builder.final()
    assert again.value is info.value


# -- unions ------------------------------------------------------------------------------------


def test_discriminated_union_appears_once_its_tag_is_valid():
    class Pets(BaseModel):
        pets: list[Pet]

    text = '{"pets": [{"name": "Rex", "kind": "dog"}, {"kind": "cat", "lives": 3, "name": "x"}]}'
    partials, builder = stream(list(text), Pets)
    check_partials(partials, partials[-1])
    pets = [p.pets for p in partials if p.pets is not None]
    assert pets[0] == []
    first = [p[0] for p in pets if p]
    assert type(first[0]).__name__ == "Partial[Dog]" and first[0].name == "Rex"  # replayed
    assert all(p.kind == "dog" for p in first)
    cats = [p[1] for p in pets if len(p) == 2]
    assert cats[0].kind == "cat" and cats[0].lives is None and cats[-1].lives == 3
    assert builder.final().pets[1] == Cat(kind="cat", lives=3)


def test_a_late_tag_replays_nested_values_and_nested_unions(chunker):
    class Toy(BaseModel):
        name: str

    class Robot(BaseModel):
        kind: Literal["robot"]
        toys: list[Toy]
        pal: Pet | None = None

    class Doll(BaseModel):
        kind: Literal["doll"]
        hair: str

    class Box(BaseModel):
        things: list[Annotated[Robot | Doll, Field(discriminator="kind")]]

    text = json.dumps(
        {
            "things": [
                {"toys": [{"name": "a"}, {"name": "b"}], "pal": {"lives": 2, "kind": "cat"}},
                {"hair": "red", "kind": "doll"},
            ]
        }
    ).replace("}}, {", '}, "kind": "robot"}, {')
    expected = Box.model_validate_json(text)
    for chunks in chunker(text):
        partials, builder = stream(chunks, Box)
        check_partials(partials, partials[-1])
        robot = partials[-1].things[0]
        assert [t.name for t in robot.toys] == ["a", "b"] and robot.pal.lives == 2
        assert builder.final() == expected
        for p in partials:  # nothing of a thing shows before its tag
            assert all(thing.kind is not None for thing in p.things or [])


def test_plain_union_of_tagged_models_streams_like_a_discriminated_one():
    class Holder(BaseModel):
        pet: Cat | Dog | None = None

    partials, builder = stream(['{"pet": {"kind": "dog", "na', 'me": "Re', 'x"}}'], Holder)
    assert [(p.pet.kind, p.pet.name) for p in partials] == [
        ("dog", None),
        ("dog", "Re"),
        ("dog", "Rex"),
    ]
    assert isinstance(builder.final().pet, Dog)
    # Before its tag the object is held back, then replayed.
    partials, _ = stream(['{"pet": {"na', 'me": "Rex", "ki', 'nd": "dog"}}'], Holder)
    assert [p.pet for p in partials][:1] == [None] and "pet" not in partials[0].model_fields_set
    assert (partials[1].pet.kind, partials[1].pet.name) == ("dog", "Rex")


def test_unions_stream_by_json_kind_or_wait():
    class U(BaseModel):
        a: str | list[str]
        b: int | str  # ambiguous for a string: shown when complete
        c: Author | list[int]
        d: Author | None = None

    text = '{"a": ["x", "yy"], "b": "12", "c": {"name": "Al"}, "d": null}'
    partials, builder = stream(list(text), U)
    check_partials(partials, partials[-1])
    assert {p.b for p in partials} == {None, "12"}
    assert next(p.a for p in partials if p.a) == [""]
    assert type(partials[-1].c).__name__ == "Partial[Author]"
    assert "d" in completed(partials[-1]) and partials[-1].d is None
    assert builder.final().c == Author(name="Al")


def test_a_callable_discriminator_waits_for_the_whole_value(chunker):
    def kind(value: Any) -> Any:
        return value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)

    class Holder(BaseModel):
        pet: Annotated[Annotated[Cat, Tag("cat")] | Annotated[Dog, Tag("dog")], Discriminator(kind)]

    text = '{"pet": {"name": "Rex", "kind": "dog"}}'
    for chunks in chunker(text):
        partials, builder = stream(chunks, Holder)
        assert {type(p.pet).__name__ for p in partials} <= {"NoneType", "Dog"}  # no partial
        assert builder.final() == Holder.model_validate_json(text)


# -- aliases, nested kinds ---------------------------------------------------------------------


def test_aliases_and_names():
    class Aliased(BaseModel):
        model_config = ConfigDict(populate_by_name=True)
        first: str = Field(alias="firstName")
        last: str = Field(validation_alias=AliasChoices("lastName", "surname"))
        plain: str = Field(alias="Plain")

    class Strict(BaseModel):
        name: str = Field(alias="Name")

    text = '{"firstName": "A", "surname": "B", "plain": "C"}'
    partials, builder = stream([text], Aliased)
    assert (partials[-1].first, partials[-1].last, partials[-1].plain) == ("A", "B", "C")
    assert builder.final() == Aliased.model_validate_json(text)
    partials, builder = stream(['{"name": "x", "Name": "y"}'], Strict)
    assert partials[-1].name == "y"  # by alias only: "name" is an unknown key


def test_alias_paths_show_only_in_final():
    class Deep(BaseModel):
        first: int = Field(validation_alias=AliasPath("scores", 0))
        label: str = Field(validation_alias=AliasChoices(AliasPath("meta", "label"), "label"))
        city: str = Field(validation_alias=AliasPath("city"))

    for text in (
        '{"scores": [3], "meta": {"label": "m"}, "city": "c"}',
        '{"scores": [3], "label": "l", "city": "c"}',
    ):
        partials, builder = stream(list(text), Deep)
        check_partials(partials, partials[-1])
        assert partials[-1].first is None and partials[-1].city == "c"
        assert builder.final() == Deep.model_validate_json(text)
    assert partials[-1].label == "l"


def test_dataclass_typeddict_and_dict_fields():
    @dataclasses.dataclass
    class Point:
        x: int
        label: str = ""

    class Meta(TypedDict):
        source: str
        hits: int

    class Shapes(BaseModel):
        point: Point
        meta: Meta
        named: dict[str, Point]

    text = (
        '{"point": {"label": "p", "x": 1}, "meta": {"source": "web", "hits": 3},'
        ' "named": {"a": {"x": 2}}}'
    )
    partials, builder = stream(list(text), Shapes)
    check_partials(partials, partials[-1])
    last = partials[-1]
    assert type(last.point) is Partial[Point] and last.point.label == "p"
    assert last.meta == {"source": "web", "hits": 3}
    assert next(p.meta for p in partials if p.meta is not None) == {}
    assert last.named["a"].x == 2
    assert builder.final() == Shapes.model_validate_json(text)


def test_recursive_model():
    class Node(BaseModel):
        name: str
        children: list[Node] = []

    text = '{"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}]}'
    partials, builder = stream(list(text), Node)
    check_partials(partials, partials[-1])
    assert partials[-1].children[0].children[0].name == "b"
    assert builder.final() == Node.model_validate_json(text)


def test_any_fields_stream_as_json_and_extra_keys_are_ignored():
    class Loose(BaseModel):
        data: Any = None
        tags: list[Any] = []

    text = '{"zzz": {"deep": [1]}, "data": {"k": ["v", 2, null]}, "tags": ["a", {"b": true}]}'
    partials, _builder = stream(list(text), Loose)
    check_partials(partials, partials[-1])
    assert partials[-1].data == {"k": ["v", 2, None]}
    assert "zzz" not in partials[-1].model_fields_set


def test_strict_models_validate_json_values():
    class When(BaseModel):
        model_config = ConfigDict(strict=True)
        day: datetime.date
        color: Color

    partials, builder = stream(['{"day": "2024-02-03", "color": "red"}'], When)
    assert partials[-1].day == datetime.date(2024, 2, 3) and partials[-1].color is Color.RED
    assert builder.final() == When(day=datetime.date(2024, 2, 3), color=Color.RED)


def test_forbidden_extra_fails_when_the_object_completes():
    class Closed(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    class Outer(BaseModel):
        inner: Closed
        rest: str = ""

    with pytest.raises(ValidationError) as info:
        stream(['{"inner": {"a": 1, "b": 2}', ', "rest": "x"}'], Outer)
    assert info.value.path == ("inner",)


def test_partials_serialize_without_warnings():
    partials, _ = stream([json.dumps(DOC)[:-40]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for p in partials:
            p.model_dump()
            p.model_dump_json(by_alias=True)


# -- generated documents -----------------------------------------------------------------------

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
authors = st.fixed_dictionaries(
    {"name": st.text(max_size=40)}, optional={"email": st.none() | words}
)
pets = st.one_of(
    st.fixed_dictionaries({"kind": st.just("cat"), "lives": st.integers(0, 9)}),
    st.fixed_dictionaries({"kind": st.just("dog"), "name": words}),
)
documents = st.fixed_dictionaries(
    {
        "Title": st.text(max_size=30),
        "status": st.sampled_from(["draft", "final"]),
        "count": st.integers(1, 10**12),
        "ratio": st.floats(allow_nan=False, allow_infinity=False),
        "ok": st.booleans(),
        "tags": st.lists(words, max_size=4),
        "author": authors,
        "sections": st.lists(
            st.fixed_dictionaries(
                {"heading": words, "paragraphs": st.lists(words, max_size=3)},
                optional={"score": st.none() | st.floats(-10, 10)},
            ),
            max_size=3,
        ),
    },
    optional={
        "color": st.sampled_from(["red", "blue"]),
        "pets": st.lists(pets, max_size=3),
        "meta": st.dictionaries(words, authors, max_size=2),
        "note": st.none() | words,
        "either": st.integers(-5, 5) | words,
    },
)


@settings(max_examples=40)
@given(st.data(), documents, st.integers(0, 2))
def test_generated_documents(data, doc, style):
    text = texts(doc)[style]
    chunks = data.draw(chunked(text))
    partials, builder = stream(chunks)
    check_partials(partials, partials[-1])
    assert builder.final() == Doc.model_validate_json(text)
    received = {name for name, f in Doc.model_fields.items() if (f.alias or name) in doc}
    assert partials[-1].model_fields_set == received == completed(partials[-1])


def test_whole_and_split_agree_on_every_split_point():
    text = json.dumps({"Title": "é", "count": 10, "pets": [{"kind": "cat", "lives": 1}]})
    for chunks in chunkings(text, "splits"):
        partials, _ = stream(chunks)
        assert state(partials[-1]) == state(stream([text])[0][-1])


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in a JSON value (the root excluded)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += places(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += places(child, (*path, i))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


ODD_VALUES = [None, 0, -1, 1.5, True, "", "x", "cat", "draft", "2024-01-01", [], ["a"], {}]
ODD_VALUES += [{"kind": "cat"}, {"name": "Al"}, 10**12, "x" * 300]


@settings(max_examples=60)
@given(st.data(), documents)
def test_streaming_accepts_exactly_what_pydantic_accepts(data, doc):
    path = data.draw(st.sampled_from(places(doc)))
    bad = replaced(doc, path, data.draw(st.sampled_from(ODD_VALUES)))
    text = json.dumps(bad)
    try:
        expected = Doc.model_validate_json(text)
    except PydanticValidationError:
        expected = None
    chunks = data.draw(chunked(text))
    if expected is None:
        with pytest.raises(ValidationError):
            stream(chunks)[1].final()
    else:
        assert stream(chunks)[1].final() == expected  # no false alarm while streaming


class Anything(BaseModel):
    data: Any = None
    items: list[Any] = []
    table: dict[str, Any] = {}


@settings(max_examples=60)
@given(st.data(), json_values(), json_values(), st.dictionaries(st.text(max_size=3), json_values()))
def test_any_json_streams_as_received(data, value, item, table):
    text = json.dumps({"data": value, "items": [item, value], "table": table}, ensure_ascii=False)
    partials, builder = stream(data.draw(chunked(text)), Anything)
    check_partials(partials, partials[-1])
    final = builder.final()
    assert final == Anything.model_validate_json(text)
    assert (partials[-1].data, partials[-1].items, partials[-1].table) == (
        final.data,
        final.items,
        final.table,
    )


# -- hostile input: depth and threads ----------------------------------------------------------


class DeepInts(BaseModel):
    x: list[int]


class DeepAny(BaseModel):
    x: list[Any]


class StrictDeep(BaseModel):
    model_config = ConfigDict(strict=True)
    x: list[int]


@pytest.mark.parametrize("depth", [990, 999])
def test_a_deep_list_is_a_validation_error_never_a_recursion_error(depth):
    """Issue 13.4: a list nested as deep as max_depth allows fails as unspool.ValidationError
    (json.dumps of the raw value recursed), from the stream, from final() and per item."""
    deep = "[" * depth + "]" * depth
    doc = '{"x": ' + deep + "}"
    chunks = [doc[i : i + 7] for i in range(0, len(doc), 7)]
    for model in (DeepInts, StrictDeep):
        with pytest.raises(ValidationError) as info:
            unspool.stream_model(chunks, model).final()
        assert info.value.path == ("x", 0)
        assert info.value.raw is not None and info.value.raw.startswith("[[[")
        with pytest.raises(ValidationError) as info:
            list(unspool.iter_models(chunks, model))  # the document is the item
        assert info.value.index == 0 and info.value.raw == doc
    # Valid at that depth: final() validates it (no recursion on the way either).
    x = unspool.stream_model(chunks, DeepAny).final().x
    for _ in range(depth - 1):
        assert len(x) == 1
        x = x[0]
    assert x == []


def test_dumps_writes_any_depth_as_json_dumps_does():
    from unspool._validate import dumps

    value = {"a": [1, 2.5, {"b": None, "c": 'é"\n', "t": True}], "d": [], "e": {}}
    assert dumps(value) == json.dumps(value, ensure_ascii=False)
    deep: Any = 1
    for _ in range(3000):
        deep = [{"k": deep, "n": None}]
    # json.dumps raises RecursionError here.
    assert dumps(deep) == '[{"k": ' * 3000 + "1" + ', "n": null}]' * 3000


def test_partial_classes_are_built_once_whatever_the_threads():
    """Issue 13.7: two threads building Partial[Outer] and Partial[Other] (Other.o: Outer) at
    once get one Partial[Outer] class, and Partial[Other].o is that class, never Any."""
    import sys
    import threading

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(40):

            class Outer(BaseModel):
                a: int
                b: list[str]

            class Other(BaseModel):
                o: Outer
                more: list[Outer]

            barrier = threading.Barrier(2)
            made: dict[str, Any] = {}

            def make(model: type[BaseModel], barrier: Any, made: dict[str, Any]) -> None:
                barrier.wait()
                made[model.__name__] = Partial[model]  # type: ignore[valid-type]

            threads = [
                threading.Thread(target=make, args=(m, barrier, made)) for m in (Outer, Other)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            outer = Partial[Outer]
            assert made["Outer"] is outer
            assert made["Other"].model_fields["o"].annotation == outer | None
            assert made["Other"].model_fields["more"].annotation == list[outer] | None
            with unspool.stream_model(['{"o": {"a": 1, "b": []}, "more": [{"a": 2'], Other) as s:
                partial = list(s)[-1]
                assert isinstance(partial.o, outer) and isinstance(partial.more[0], outer)
    finally:
        sys.setswitchinterval(interval)


# -- values shown without a validator call -----------------------------------------------------


class _Root(RootModel[int | None]):
    pass


class _RootStr(RootModel[str]):
    def model_post_init(self, context: Any) -> None:
        self.root = self.root.upper()


def _field_places() -> dict[str, Any]:
    """The compiled place of field ``v`` for many field types and configs."""

    def place(annotation: Any, **config: Any) -> Any:
        model = create_model("W", __config__=ConfigDict(**config), v=(annotation, ...))
        return compile_target(model).place.obj.fields["v"][0]

    places = {
        name: place(annotation)
        for name, annotation in {
            "int": int,
            "float": float,
            "bool": bool,
            "str": str,
            "int|None": int | None,
            "float|None": float | None,
            "Any": Any,
            "gt": Annotated[int, Field(gt=0)],
            "no-inf": Annotated[float, Field(allow_inf_nan=False)],
            "after": Annotated[int, AfterValidator(lambda v: v + 1)],
            "literal": Literal[1, True, "a"],
            "root": _Root,
            "root|None": _Root | None,
            "root-post-init": _RootStr,
            "int|str": int | str,
            "bool|None-strict": Annotated[bool | None, Field(strict=True)],
        }.items()
    }
    places["list[int] item"] = place(list[int]).item
    places["dict[str, float] value"] = place(dict[str, float]).item
    places["strict"] = place(float, strict=True)
    places["config no-inf"] = place(float, allow_inf_nan=False)
    places["lower"] = place(str, str_to_lower=True)
    return places


_PLACES = _field_places()


def test_plain_scalars_pass_without_a_validator_call():
    passing = {name: {t.__name__ for t in p.passes} for name, p in _PLACES.items()}
    assert passing["int"] == {"int"} and passing["float"] == {"float"}
    assert passing["int|None"] == {"int", "NoneType"} and passing["str"] == {"str"}
    assert passing["Any"] == {"str", "int", "float", "bool", "NoneType"}
    assert passing["list[int] item"] == {"int"} and passing["strict"] == {"float"}
    # A RootModel's null is pydantic's call (its root, or the field's None).
    assert passing["root"] == passing["root|None"] == {"int"}
    for name in ("gt", "no-inf", "after", "literal", "root-post-init", "lower"):
        assert not passing[name], name
    assert not passing["config no-inf"]


@given(st.one_of(scalars, st.just(float("inf")), st.just(-(10**30))))
@settings(max_examples=150)
def test_a_value_that_passes_is_what_pydantic_returns(raw):
    # The shortcut is exact: wherever a complete JSON scalar passes as it is, pydantic's own
    # validator returns that very value (same type), so the partial shows the same thing.
    for name, place in _PLACES.items():
        if type(raw) in place.passes:
            value = place.validate(raw, ())
            if isinstance(value, RootModel):
                value = value.root
            assert type(value) is type(raw) and value == raw, (name, raw, value)
