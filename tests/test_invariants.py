"""DESIGN section 3's invariants 1-8 and differential tests against ``json.loads``.

Hand-written LLM-shaped texts run over the ``chunker`` fixture; generated values (Hypothesis)
run over generated chunkings that include empty chunks, as str and as bytes split anywhere.
Each Hypothesis sweep is wrapped in a plain test that afterwards asserts its inputs varied.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    MODES,
    assert_same,
    check_invariants,
    chunked,
    chunkings,
    feed_all,
    json_documents,
    json_values,
    loads,
    mutations,
    same,
)

from unspool import ParseError

TEXTS = [
    '{"title": "Streaming JSON", "tags": ["llm", "json"], "score": 0.75, "draft": false}',
    '{"items": [{"id": 1, "name": "caf\\u00e9"}, {"id": 2, "name": "na\\u00efve \\ud83d\\ude00"}]}',
    '[1, -2.5, 3e2, true, false, null, "", [], {}, [[]], {"a": {}}]',
    '{\n  "answer": "line one\\nline two\\t\\"quoted\\" \\\\ done",\n  "n": -0.0\n}',
    '"just a string with \\u00e9scapes, \\ud83d\\ude00 and \u00e9\u20ac\U0001f600 raw"',
    '{"a": [[1, 2], [3, [4, {"b": [5]}]]], "c": {"d": {"e": "f"}}}',
    "  12345678901234567890  ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_invariants_on_hand_written_texts(chunker, text):
    reference = check_invariants([chunker.encode(text)])
    assert len(reference.completions) >= 1
    for chunks in chunker(text):
        run = check_invariants(chunks)
        assert same(run.completions, reference.completions), chunks  # invariant 8


@pytest.mark.parametrize("mode", MODES)
def test_chunkings_vary(mode):
    """The sweep itself: each mode reassembles the text and really varies the chunks."""
    text = '{"k": "caf\u00e9 \U0001f600", "n": [1, 2, 3]}' * 4
    for data in (text, text.encode("utf-8")):
        result = chunkings(data, mode)
        assert all(data[:0].join(chunks) == data for chunks in result)
        sizes = {len(c) for chunks in result for c in chunks}
        if mode == "whole":
            assert result == [[data]]
        elif mode == "chars":
            assert sizes == {1} and len(result[0]) == len(data)
        elif mode == "random":
            assert len({tuple(map(len, chunks)) for chunks in result}) == len(result) > 1
            assert min(sizes) == 1 and max(sizes) == 16
        else:
            assert len({len(chunks[0]) for chunks in result}) == len(result) > 40
    # Bytes chunkings cut inside multi-byte sequences.
    pieces = chunkings(text.encode("utf-8"), "chars")[0]
    assert any(not is_utf8(piece) for piece in pieces)


def is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def features(chunks):
    """What a generated case exercised, for the sweeps' coverage assertions."""
    found = set()
    if sum(1 for c in chunks if c) > 1:
        found.add("split")
    if any(not c for c in chunks):
        found.add("empty chunk")
    value = loads(chunks[0][:0].join(chunks))
    if type(value) in (dict, list) and value:
        found.add("container")
    if isinstance(chunks[0], bytes) and any(not is_utf8(c) for c in chunks):
        found.add("split character")
    return found


@pytest.mark.parametrize("encoding", ["str", "bytes"])
def test_differential_against_json_loads(encoding):
    """Invariant 7: generated values x json.dumps settings x chunkings == json.loads."""
    seen = set()

    @given(st.data())
    def check(data):
        text = data.draw(json_documents())
        if encoding == "bytes":  # UTF-8, sometimes after a BOM (json.loads skips it too)
            encoded = data.draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode()
        else:
            encoded = text
        chunks = data.draw(chunked(encoded))
        run = feed_all(chunks, snapshots=False)
        assert run.error is None, run.error
        assert_same(run.value, json.loads(text))
        seen.update(features(chunks))

    check()
    expected = {"split", "empty chunk", "container"}
    if encoding == "bytes":
        expected.add("split character")
    assert expected <= seen


@pytest.mark.parametrize("encoding", ["str", "bytes"])
def test_invariants_on_generated_texts(encoding):
    """Invariants 1-5 and 8 on every snapshot sequence of generated texts."""
    seen = set()

    @given(st.data())
    def check(data):
        text = data.draw(json_documents())
        encoded = text.encode("utf-8") if encoding == "bytes" else text
        chunks = data.draw(chunked(encoded))
        run = check_invariants(chunks)
        reference = feed_all([encoded], snapshots=False)
        assert same(run.completions, reference.completions)
        seen.update(features(chunks))

    check()
    assert {"split", "empty chunk", "container"} <= seen


@pytest.mark.parametrize("encoding", ["str", "bytes"])
def test_multiple_documents_differential(encoding):
    """NDJSON and back-to-back documents: one root ValueCompleted per document, in order."""
    seen = set()

    @given(st.lists(json_values(max_leaves=6), max_size=5), st.data())
    def check(values, data):
        text, previous = "", None
        for value in values:
            part = json.dumps(value, ensure_ascii=data.draw(st.booleans()))
            # After a number or literal a separator is needed; strings and containers may touch.
            glues = ["\n", " ", "\r\n", "\t\n  "]
            if type(previous) in (str, list, dict):
                glues.append("")
            glue = data.draw(st.sampled_from(glues)) if text else ""
            if text and not glue:
                seen.add("touching")
            text += glue + part
            previous = value
        encoded = text.encode("utf-8") if encoding == "bytes" else text
        chunks = data.draw(chunked(encoded))
        run = feed_all(chunks, snapshots=False, multiple=True)
        assert run.error is None, run.error
        roots = [(d, v) for d, path, v in run.completions if path == ()]
        assert_same(roots, list(enumerate(values)))
        if len(values) > 1:
            seen.add("several")

    check()
    assert seen == {"several", "touching"}


@pytest.mark.parametrize("encoding", ["str", "bytes"])
def test_mutated_texts_parse_or_raise_parse_error(encoding):
    """Invariant 7's other half: any edit of a valid text either still parses to what
    json.loads gives, or raises ParseError (never another exception), whatever the chunking.
    allow_nan=True because json.loads accepts NaN and Infinity."""
    outcomes = set()

    @given(st.data())
    def check(data):
        text = data.draw(json_documents(json_values(max_leaves=8)))
        encoded = text.encode("utf-8") if encoding == "bytes" else text
        mutated = data.draw(mutations(encoded))
        try:
            expected = loads(mutated)
        except ValueError:  # JSONDecodeError, UnicodeDecodeError, too many digits
            expected = ParseError
        chunks = data.draw(chunked(mutated))
        run = feed_all(chunks, snapshots=False, allow_nan=True)  # other exceptions propagate
        if expected is ParseError:
            assert isinstance(run.error, ParseError), (mutated, run.value)
            outcomes.add(run.error.kind)
        else:
            assert run.error is None, (mutated, run.error)
            assert_same(run.value, expected)
            outcomes.add("valid")

    check()
    assert "valid" in outcomes and len(outcomes) >= 4
