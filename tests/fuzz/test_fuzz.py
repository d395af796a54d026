"""Fuzz targets, one per consumer: generated and mutated JSON under random chunkings (str and
bytes), compared with ``json.loads`` / ``model_validate_json``; the only exceptions allowed are
the documented ones (``ParseError`` and its subclasses, ``unspool.ValidationError``).

Three budgets, chosen with ``UNSPOOL_FUZZ``:

- unset: the suite's Hypothesis profile (quick and derandomized), part of every test run;
- ``UNSPOOL_FUZZ=ci``: a short random run with fresh inputs each time (``.ci/run`` runs it,
  a few seconds per target)::

      UNSPOOL_FUZZ=ci python -m pytest tests/fuzz

- ``UNSPOOL_FUZZ=long``: the local soak, 20,000 inputs per target (about half an hour)::

      UNSPOOL_FUZZ=long python -m pytest tests/fuzz -x

A failure prints the falsifying input and a ``@reproduce_failure`` blob to replay it.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    assert_same,
    chunked,
    json_documents,
    json_values,
    keys,
    loads,
    mutations,
    same,
    strings,
)

import unspool
from unspool import ItemError, ParseError, Parser, Splitter

BUDGETS = {"ci": 150, "long": 20_000}
_budget = os.environ.get("UNSPOOL_FUZZ")
if _budget is not None and _budget not in BUDGETS:
    raise ValueError(f"UNSPOOL_FUZZ must be one of {sorted(BUDGETS)}, got {_budget!r}")


def fuzz(examples_factor: float = 1.0) -> Any:
    """The settings of a fuzz target: the suite's profile, or the ``UNSPOOL_FUZZ`` budget
    (random inputs each run, no deadline).  Slow targets take a fraction of the budget."""
    if _budget is None:
        return settings()
    return settings(
        max_examples=max(10, int(BUDGETS[_budget] * examples_factor)),
        derandomize=False,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _encoded(data: st.DataObject, text: str) -> Any:
    """``text`` as ``str`` or UTF-8 ``bytes``, as drawn."""
    return text.encode() if data.draw(st.booleans(), label="bytes") else text


def _reference(data: Any, parse: Any = loads) -> Any:
    """What ``parse`` gives, or ``ParseError`` where it rejects the text."""
    try:
        return parse(data)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, digit limit
        return ParseError


def _document(data: st.DataObject) -> Any:
    """A generated JSON text (str or bytes), mutated half of the time."""
    text = _encoded(data, data.draw(json_documents(json_values(max_leaves=12))))
    if data.draw(st.booleans(), label="mutate"):
        text = data.draw(mutations(text))
    return text


# -- Parser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("events", [False, True])
def test_parser(events: bool) -> None:
    """Parser, snapshot read after every chunk: the final value is ``json.loads``'s, or a
    ParseError where it rejects the text; never another exception."""

    @fuzz()
    @given(st.data())
    def check(data: st.DataObject) -> None:
        text = _document(data)
        expected = _reference(text)
        parser = Parser(events=events, allow_nan=True)  # json.loads accepts NaN too
        try:
            for chunk in data.draw(chunked(text)):
                parser.feed(chunk)
                parser.value  # noqa: B018 - a UI reads the snapshot after every chunk
            parser.close()
        except ParseError:
            assert expected is ParseError, f"{text!r} is valid JSON"
            return
        assert expected is not ParseError, f"{text!r} was accepted"
        assert_same(parser.value, expected)

    check()


# -- Splitter ----------------------------------------------------------------------------------


def _split(splitter: Splitter, chunks: list[Any]) -> tuple[list[Any], ParseError | None]:
    """Feed every chunk, then close: the items returned and the ParseError, if one."""
    found: list[Any] = []
    try:
        for chunk in chunks:
            found += splitter.feed(chunk)
        found += splitter.close()
    except ParseError as err:
        return found, err
    return found, None


def _documents(data: Any) -> list[Any] | type[ParseError]:
    """The documents of a text that holds zero or more, back to back (a Splitter reads a
    stream of them), or ``ParseError`` where ``json`` cannot read it as such."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        decoder, found, i = json.JSONDecoder(), [], 0
        while i < len(text := text.rstrip(" \t\r\n")):
            while text[i] in " \t\r\n":
                i += 1
            value, i = decoder.raw_decode(text, i)
            found.append(value)
    except (ValueError, RecursionError):
        return ParseError
    return found


def test_splitter_items_at_a_pointer() -> None:
    """``Splitter(at="/items")`` returns ``json.loads(text)["items"]``, or raises ParseError
    where ``json`` cannot read the text as a stream of documents."""

    @fuzz()
    @given(st.data())
    def check(data: st.DataObject) -> None:
        items = data.draw(st.lists(json_values(max_leaves=4), max_size=6))
        text = json.dumps({"before": 1, "items": items, "after": [2]})
        encoded = _encoded(data, text)
        if data.draw(st.booleans(), label="mutate"):
            encoded = data.draw(mutations(encoded))
        expected, stream = _reference(encoded), _documents(encoded)
        found, error = _split(Splitter(at="/items"), data.draw(chunked(encoded)))
        if stream is ParseError:
            assert error is not None, f"{encoded!r} was accepted"
        elif isinstance(expected, dict) and isinstance(expected.get("items"), list):
            assert error is None, f"{encoded!r}: {error!r}"
            assert_same(found, expected["items"])

    check()


# An NDJSON line that json.loads rejects before any document on it could complete: an
# unterminated line, or a stray character inside the object.
@st.composite
def bad_lines(draw: st.DrawFn, good: str) -> str:
    cut = draw(st.integers(1, len(good) - 1))
    if draw(st.booleans()):
        line = good[:cut]
    else:
        line = good[:cut] + draw(st.sampled_from(["@", "]", ":", ",,", "tru", "01"])) + good[cut:]
    return line


objects = st.dictionaries(keys, json_values(max_leaves=4), min_size=1, max_size=4)


@pytest.mark.parametrize("on_error", ["raise", "skip", "yield"])
def test_splitter_ndjson(on_error: str) -> None:
    """NDJSON with some bad lines: ``raise`` returns the good lines before the first bad one
    and raises ParseError; ``skip`` returns every good line; ``yield`` an ``ItemError`` in
    each bad line's place."""

    @fuzz(0.5)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        lines, expected = [], []
        for value in data.draw(st.lists(objects, min_size=1, max_size=6)):
            line = json.dumps(value, ensure_ascii=data.draw(st.booleans()))
            if data.draw(st.integers(0, 3)) == 0:
                bad = data.draw(bad_lines(line))
                if _reference(bad) is ParseError:
                    lines.append(bad)
                    expected.append(ItemError)
                    continue
            lines.append(line)
            expected.append(value)
        text = _encoded(data, "\n".join(lines) + data.draw(st.sampled_from(["", "\n"])))
        chunks = data.draw(chunked(text))
        found, error = _split(Splitter(on_error=on_error), chunks)
        good = [v for v in expected if v is not ItemError]
        if on_error == "raise":
            first_bad = expected.index(ItemError) if ItemError in expected else len(expected)
            assert (error is not None) == (first_bad < len(expected)), (text, error)
            assert len(found) <= first_bad
            assert_same(found, expected[: len(found)])
            return
        assert error is None, (text, error)
        if on_error == "skip":
            assert_same(found, good)
        else:
            assert [type(x) if isinstance(x, ItemError) else x for x in found] == expected
            assert all(
                same(a, b) for a, b in zip(found, expected, strict=True) if b is not ItemError
            )

    check()


# -- stream_model ------------------------------------------------------------------------------


class Inner(pydantic.BaseModel):
    name: str
    score: float


class Doc(pydantic.BaseModel):
    title: str
    count: int
    tags: list[str]
    inner: Inner | None = None
    items: list[Inner] = []
    flag: bool = False


inners = st.fixed_dictionaries({"name": strings, "score": st.floats(-1e9, 1e9)})
docs = st.fixed_dictionaries(
    {
        "title": strings,
        "count": st.integers(-(10**12), 10**12),
        "tags": st.lists(strings, max_size=3),
    },
    optional={
        "inner": st.one_of(st.none(), inners),
        "items": st.lists(inners, max_size=3),
        "flag": st.booleans(),
    },
)


def _model_reference(text: Any) -> Any:
    """What ``Doc.model_validate_json`` gives, or ``unspool.ValidationError``.  One grammar
    difference is allowed for: pydantic's JSON parser rejects a lone surrogate escape
    (``"\\ud800"``), which JSON's grammar and unspool accept (``final()`` is
    ``model_validate`` of the decoded value), so such a text is validated decoded."""
    try:
        return Doc.model_validate_json(text)
    except pydantic.ValidationError as error:
        decoded = _reference(text)
        if error.errors()[0]["type"] == "json_invalid" and _has_lone_surrogate(decoded):
            return _model_reference_decoded(decoded)
        return unspool.ValidationError


def _has_lone_surrogate(value: Any) -> bool:
    # A lone surrogate is the one thing a decoded JSON value holds that UTF-8 cannot encode.
    if value is ParseError:
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def _model_reference_decoded(value: Any) -> Any:
    try:
        return Doc.model_validate(value)
    except pydantic.ValidationError:
        return unspool.ValidationError


def test_stream_model() -> None:
    """``stream_model(chunks, Doc).final()`` equals ``Doc.model_validate_json(text)``; where
    that rejects the text, the stream raises ParseError or unspool.ValidationError."""

    @fuzz(0.5)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        if data.draw(st.integers(0, 3)) == 0:  # any JSON: mostly the wrong shape
            value = data.draw(json_values(max_leaves=8))
        else:
            value = data.draw(docs)
        text = _encoded(data, json.dumps(value, indent=data.draw(st.sampled_from([None, 2]))))
        if data.draw(st.booleans(), label="mutate"):
            text = data.draw(mutations(text))
        expected = _model_reference(text)
        chunks = data.draw(chunked(text))
        try:
            with unspool.stream_model(chunks, Doc) as stream:
                for _partial in stream:
                    pass
                result = stream.final()
        except (ParseError, unspool.ValidationError):
            assert expected is unspool.ValidationError, f"{text!r} is a valid Doc"
            return
        assert expected is not unspool.ValidationError, f"{text!r} was accepted"
        assert result == expected

    check()


# -- the model-text front-end (``extract=True``) -----------------------------------------------

PROSE = st.sampled_from(
    [
        ("", ""),
        ("Sure! Here is the JSON:\n", "\nHope this helps."),
        ("```json\n", "\n```"),
        ("<think>the user wants {json} with [brackets]</think>\n", ""),
        ("Result:\n```\n", "\n```\nDone."),
    ]
)


def test_extract_front_end() -> None:
    """``Parser(extract=True)`` on a valid document wrapped in prose, a fence or a think
    block: the value is ``json.loads`` of the document; never an undocumented exception."""

    @fuzz()
    @given(st.data())
    def check(data: st.DataObject) -> None:
        value = data.draw(
            st.one_of(st.dictionaries(keys, json_values(max_leaves=8)), st.lists(json_values(8)))
        )
        before, after = data.draw(PROSE)
        text = _encoded(data, before + json.dumps(value) + after)
        parser = Parser(extract=True)
        try:
            for chunk in data.draw(chunked(text)):
                parser.feed(chunk)
            parser.close()
        except ParseError as err:
            raise AssertionError(f"{text!r}: {err!r}") from err
        assert_same(parser.value, value)

    check()
