"""``extract=True``: JSON inside model text (``_extract``), and the core hook under it.

The table runs every model-shaped answer over the chunking fixture (str and bytes; whole, one
character at a time, random sizes, every two-way split), checks the snapshot invariants on
every snapshot, and checks that errors are the same for every chunking and point into the
text as received.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import check_invariants, chunked, feed_all, json_values, same

import unspool
from unspool import IncompleteJSONError, ParseError, Parser, Splitter, ValueCompleted
from unspool._extract import HOLD_MAX
from unspool._tokenizer import S_AFTER_DOCUMENT, T_BEGIN_OBJECT, T_END_OBJECT, Tokenizer

# -- the core hook -------------------------------------------------------------------------------


def test_stop_after_document_leaves_the_rest_unread():
    tok = Tokenizer(stop_after_document=True)
    tokens = tok.feed('{"a": 1} \n```\nbye')
    assert tokens[0][0] == T_BEGIN_OBJECT and tokens[-1][0] == T_END_OBJECT
    assert tok.consumed == len('{"a": 1} \n')  # the whitespace after it, not the fence
    assert tok.state == S_AFTER_DOCUMENT
    assert tok.feed("more {") == [] and tok.consumed == len('{"a": 1} \n')
    assert tok.close() == []  # the rest is not an error


def test_stop_after_document_with_tokens_and_a_number():
    tok = Tokenizer(stop_after_document=True)  # no C scanner: tokens
    assert [t[0] for t in tok.feed('{"a": 1')] == [T_BEGIN_OBJECT, 4]
    assert [t[0] for t in tok.feed("}x")][-1] == T_END_OBJECT
    assert tok.consumed == len('{"a": 1}')
    tok = Tokenizer(stop_after_document=True)
    assert tok.feed("42") == [] and tok.feed("\nx")[0][1] == 42
    assert tok.consumed == 3


def test_next_document_and_skip_keep_positions():
    tok = Tokenizer(multiple=True, stop_after_document=True)
    tok.feed("[1]")
    tok.skip("prose\nmore ")
    assert tok.feed("{") == []  # stopped: the next document waits for next_document()
    tok.next_document()
    tok.feed("{")
    tok.feed("x")
    assert tok.error is not None
    assert (tok.error.pos, tok.error.lineno, tok.error.colno) == (15, 2, 7)
    inside = Tokenizer()
    inside.feed('{"a')
    with pytest.raises(RuntimeError):
        inside.skip("x")


def test_strict_error_suggests_extract():
    for text in ("Sure! Here it is", "```json\n{}", "<think>", "nope", "# Title"):
        with pytest.raises(ParseError, match="extract=True"):
            p = Parser()
            p.feed(text)
            p.close()
    for text in ('{"a": x}', "[nope]", "1 2", "@"):
        with pytest.raises(ParseError) as info:
            p = Parser()
            p.feed(text)
            p.close()
        assert "extract" not in str(info.value)


# -- the rules, over every chunking ---------------------------------------------------------

FENCED = '```json\n{"a": [1, 2], "s": "x"}\n```'
ANSWERS = [  # (what it shows, model text, the value)
    (
        "json fence",
        'Sure! Here is the JSON:\n```json\n{"a": [1, 2]}\n```\nLet me know!',
        {"a": [1, 2]},
    ),
    ("JSON tag", 'Here:\n```JSON\n{"a": 1}\n```', {"a": 1}),
    ("untagged fence", "Here:\n```\n[1, 2]\n```\n", [1, 2]),
    ("tilde fence", '~~~json\n{"t": "~~~"}\n~~~\n', {"t": "~~~"}),
    ("longer fence", '````json\n{"a": 1}\n````', {"a": 1}),
    ("indented fence", '1. Step:\n   ```json\n   {"a": 1}\n   ```', {"a": 1}),
    ("CRLF", 'Here:\r\n```json\r\n{"a": 1,\r\n "b": 2}\r\n```\r\nBye {x}', {"a": 1, "b": 2}),
    (
        "think block",
        '<think>The user wants {"a": 0}.\n```json\n{}\n```</think>\n{"a": 1}',
        {"a": 1},
    ),
    ("empty think block", '<think></think>{"a": 1}', {"a": 1}),
    ("think then fence", '<think>[1]\n[2]</think>\n```json\n{"b": 2}\n```', {"b": 2}),
    ("thinking tag", '<thinking>{"draft": 1}</thinking>{"final": 2}', {"final": 2}),
    ("reasoning tag", "<reasoning>\n[0]\n</reasoning>\n[3]", [3]),
    ("inline after a colon", 'The answer is: {"a": 1}. Hope it helps {x}.', {"a": 1}),
    ("footnote", "As shown in [1], the list:\n  [1, 2, 3]\nrefs [2]", [1, 2, 3]),
    (
        "bash fence first",
        'Run:\n```bash\necho \'{"x": 1}\'\n[ -f x ]\n```\nResult:\n```json\n{"ok": true}\n```',
        {"ok": True},
    ),
    ("python fence", '```python\n[x for x in y]\n```\n{"a": 1}', {"a": 1}),
    ("two json fences", '```json\n{"a": 1}\n```\nor:\n```json\n{"b": 2}\n```', {"a": 1}),
    (
        "backticks in a string",
        '```json\n{"md": "```py\\n```", "t": "~~~"}\n```',
        {"md": "```py\n```", "t": "~~~"},
    ),
    ("string in a fence", 'Name:\n```json\n"Ada"\n```', "Ada"),
    ("number in a fence", "```json\n42\n```\nThat is 42.", 42),
    ("literal in a fence", "```\ntrue\n```", True),
    ("empty fence, then bare", '```json\n```\n{"a": 1}', {"a": 1}),
    ("no prose", '{"a": [1, {"b": null}]}', {"a": [1, {"b": None}]}),
    ("unicode prose", 'Voilà 😀 :\n```json\n{"é": "😀\\u00e9"}\n```', {"é": "😀é"}),
    ("deep value", "x " + FENCED + " y", {"a": [1, 2], "s": "x"}),
]


@pytest.mark.parametrize(
    ("text", "expected"), [a[1:] for a in ANSWERS], ids=[a[0] for a in ANSWERS]
)
def test_answers(chunker, text, expected):
    """Invariants 1-5, 7 and 8 on every snapshot, from the first character of the JSON."""
    reference = None
    for chunks in chunker(text):
        run = check_invariants(chunks, expected=expected, extract=True)
        if reference is None:
            reference = run.completions
        assert same(run.completions, reference), "completion events differ across chunkings"


def test_streaming_starts_with_the_json():
    """Snapshots flow from the first characters of the JSON, not at the closing fence."""
    parser = Parser(extract=True)
    assert parser.feed("Sure:\n```json\n") == [] and parser.value is unspool.MISSING
    parser.feed('{"title": "Str')
    assert parser.value == {"title": "Str"}
    parser.feed('eams"}\n```\nMore {text}')
    assert parser.close() == [] and parser.value == {"title": "Streams"}


def test_hold_back_is_bounded():
    """Text held back while a marker may begin is at most HOLD_MAX characters, and prose is
    never held: a long prose chunk is counted at once."""
    assert len("</reasoning") == HOLD_MAX
    for tail in ("<", "<reasonin", "\n``", "\n  ~~", "\n```"):
        parser = Parser(extract=True)
        parser.feed("x" * 1000 + tail)
        held = parser._extract._held  # type: ignore[union-attr]
        assert 0 < len(held) <= HOLD_MAX and tail.endswith(held)
    parser = Parser(extract=True)
    parser.feed("<thinking>" + "y" * 1000 + "</thinki")
    assert parser._extract._held == "</thinki"  # type: ignore[union-attr]
    parser.feed("ng- no, </thinking>")
    parser.feed('{"a": 1}')
    assert parser.close() == [] and parser.value == {"a": 1}


MULTIPLE = [  # (what it shows, model text, the documents)
    (
        "json fences",
        '```json\n{"a": 1}\n```\ntext {x}\n```json\n{"b": 2}\n```\n',
        [{"a": 1}, {"b": 2}],
    ),
    ("NDJSON in a fence", '```json\n{"a": 1}\n{"b": 2}\n3\n```\nBye', [{"a": 1}, {"b": 2}, 3]),
    ("lines", 'Results:\n{"a": 1}\n{"b": 2} and {c}\n  [3]\nbye', [{"a": 1}, {"b": 2}, [3]]),
    ("think between", "[1]\n<think>\n[0]\n</think>\n[2]", [[1], [2]]),
    ("scalars", '```\n1\n2\n```\n```json\n"x"\n```', [1, 2, "x"]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [a[1:] for a in MULTIPLE], ids=[a[0] for a in MULTIPLE]
)
def test_multiple(chunker, text, expected):
    for chunks in chunker(text):
        run = feed_all(chunks, multiple=True, extract=True, snapshots=False)
        assert run.error is None
        docs = [
            (e.document, e.value)
            for e in run.all_events
            if type(e) is ValueCompleted and e.path == ()
        ]
        assert docs == list(enumerate(expected))
        splitter = Splitter(extract=True)
        items = [item for chunk in chunks for item in splitter.feed(chunk)] + splitter.close()
        flat = [x for doc in expected for x in (doc if type(doc) is list else [doc])]
        assert items == flat


def test_splitter_items_at_a_pointer(chunker):
    text = 'Here:\n```json\n{"items": [1, {"a": 2}], "n": 2}\n```\nThanks {x}'
    for chunks in chunker(text):
        splitter = Splitter("/items", extract=True, with_raw=True)
        items = [item for chunk in chunks for item in splitter.feed(chunk)] + splitter.close()
        assert items == [(0, 1, "1"), (1, {"a": 2}, '{"a": 2}')]


@pytest.mark.parametrize("on_error", ["skip", "yield"])
def test_a_syntax_error_in_model_text_raises_whatever_on_error_says(chunker, on_error):
    """Recovery is line-based NDJSON; in model text a line is not known to be a document, so
    a syntax error raises after the items before it (as inside an array), never skips text."""
    text = 'Here:\n```json\n{"a": 1}\n{bad\n{"b": 2}\n```\nbye {"c": 3}\n'
    for chunks in chunker(text):
        splitter = Splitter(extract=True, on_error=on_error)
        items: list[object] = []
        with pytest.raises(ParseError) as info:
            for chunk in chunks:
                items += splitter.feed(chunk)
            splitter.close()
        assert items == [{"a": 1}]
        assert info.value.kind == "expected_key" and text[info.value.pos] == "b"


ERRORS = [  # (model text, kind, the character the error points at; "" for the end)
    ("Just some prose [1] and `code`.", "empty_input", ""),
    ('<think>{"a": 1}', "empty_input", ""),
    ("```bash\n{x}\n```\n", "empty_input", ""),
    ('Text\n```json\n{"a": [1, 2', "eof_in_container", ""),
    ('Text\n```json\n{"a": "unfinished', "eof_in_string", ""),
    ('Text\n```json\n{"a": [1, 2\n```\nok', "expected_comma_or_end", "`"),
    ('Hi 😀\n```json\n{"a": tru}\n```', "invalid_literal", "}"),
    ("```\n$ ls\n```", "expected_value", "$"),
    ('Ok:\r\n```json\r\n{"a": 1,\r\n "b" 2}\r\n```', "expected_colon", "2"),
    ('Là: {"é": [1,]}', "trailing_comma", "]"),
]


@pytest.mark.parametrize(("text", "kind", "at"), ERRORS)
def test_errors_point_into_the_model_text(chunker, text, kind, at):
    """The same error for every chunking, at a position in the text as received."""
    seen = set()
    for chunks in chunker(text):
        run = feed_all(chunks, extract=True, snapshots=False)
        err = run.error
        assert err is not None and err.kind == kind, repr(err)
        if kind == "empty_input":
            assert isinstance(err, IncompleteJSONError) and "no JSON value was found" in str(err)
            assert err.partial is unspool.MISSING
        assert text[err.pos : err.pos + 1] == at
        assert err.lineno == text.count("\n", 0, err.pos) + 1
        assert err.colno == err.pos - text.rfind("\n", 0, err.pos)
        if chunker.encoding == "bytes":
            assert err.byte_pos == len(text[: err.pos].encode())
        seen.add((err.pos, err.lineno, err.colno, err.byte_pos, str(err)))
    assert len(seen) == 1


def test_an_error_poisons_and_nothing_is_retracted():
    parser = Parser(extract=True, multiple=True)
    events = parser.feed('x\n{"a": 1}\n{"b": ]')
    assert [e.value for e in events if type(e) is ValueCompleted and e.path == ()] == [{"a": 1}]
    for call in (lambda: parser.feed("more"), parser.close):
        with pytest.raises(ParseError) as info:
            call()
        assert info.value.kind == "expected_value" and info.value.pos == len('x\n{"a": 1}\n{"b": ')


def test_invalid_utf8_in_prose_is_an_error():
    parser = Parser(extract=True)
    with pytest.raises(ParseError) as info:
        parser.feed(b"Hi\n\xff{}")
    with pytest.raises(ParseError):
        parser.close()
    assert (info.value.kind, info.value.pos, info.value.byte_pos) == ("invalid_utf8", 3, 3)


# -- property: any prose, any JSON, any suffix, any chunking -----------------------------------

_LINE_START_BRACKET = re.compile(r"(^|\n)([ \t]*)\[")
prose = st.text(st.characters(codec="utf-8", exclude_characters="{`~<"), max_size=40).map(
    lambda s: _LINE_START_BRACKET.sub(r"\1\2(", s)
)


@st.composite
def model_answers(draw: st.DrawFn) -> tuple[str, Any]:
    """Prose without start markers (maybe a think block), a JSON value bare or fenced, then
    any suffix at all."""
    value = draw(json_values())
    fenced = type(value) not in (dict, list) or draw(st.booleans())
    text = json.dumps(
        value, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans())
    )
    head = draw(prose)
    if draw(st.booleans()):
        head += "<think>" + draw(st.text(max_size=20)).replace("</think>", "") + "</think>"
    if fenced:
        head += "\n```" + draw(st.sampled_from(["json", "JSON", ""])) + "\n"
        text += "\n```"
    elif type(value) is list:
        head += "\n"
    return head + text + draw(st.text(max_size=20)), value


@given(model_answers(), st.data())
def test_any_prose_json_and_suffix(answer, data):
    text, value = answer
    encoded = text.encode() if data.draw(st.booleans()) else text
    run = feed_all(data.draw(chunked(encoded)), extract=True, snapshots=False)
    assert run.error is None, f"{text!r}: {run.error!r}"
    assert same(run.value, value)


# -- every entry point takes the keyword ---------------------------------------------------------

ANSWER = (
    "<think>They want JSON.</think>Sure! Here it is:\n```json\n"
    '{"title": "Streams", "items": [{"name": "a"}, {"name": "b"}]}\n```\nAnything else {?}'
)
ANSWER_VALUE = {"title": "Streams", "items": [{"name": "a"}, {"name": "b"}]}
ANSWER_CHUNKS = [ANSWER[i : i + 5] for i in range(0, len(ANSWER), 5)]


async def _agen(chunks: list[str]) -> Any:
    for chunk in chunks:
        yield chunk


async def test_drivers():
    snapshots = list(unspool.iter_partial(ANSWER_CHUNKS, extract=True))
    assert snapshots[-1] == ANSWER_VALUE and len(snapshots) > 5
    events = list(unspool.iter_events(ANSWER_CHUNKS, extract=True))
    assert events[-1] == ValueCompleted((), ANSWER_VALUE, 0)
    items = list(unspool.iter_objects(ANSWER_CHUNKS, at="/items", extract=True))
    assert items == ANSWER_VALUE["items"]
    assert [s async for s in unspool.aiter_partial(_agen(ANSWER_CHUNKS), extract=True)][
        -1
    ] == ANSWER_VALUE
    assert [e async for e in unspool.aiter_events(_agen(ANSWER_CHUNKS), extract=True)] == events
    got = [x async for x in unspool.aiter_objects(_agen(ANSWER_CHUNKS), at="/items", extract=True)]
    assert got == items
    with pytest.raises(ParseError, match="extract=True"):
        list(unspool.iter_partial(ANSWER_CHUNKS))


async def test_models():
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):
        name: str

    class Answer(pydantic.BaseModel):
        title: str
        items: list[Item]

    with unspool.stream_model(ANSWER_CHUNKS, Answer, extract=True) as stream:
        partials = list(stream)
        final = stream.final()
    assert final == Answer.model_validate(ANSWER_VALUE) and partials
    async with unspool.astream_model(_agen(ANSWER_CHUNKS), Answer, extract=True) as astream:
        apartials = [p async for p in astream]
        assert await astream.final() == final and len(apartials) == len(partials)
    names = [m.name for m in unspool.iter_models(ANSWER_CHUNKS, Item, at="/items", extract=True)]
    assert names == ["a", "b"]
    got = [
        m.name
        async for m in unspool.aiter_models(_agen(ANSWER_CHUNKS), Item, at="/items", extract=True)
    ]
    assert got == names
    # NDJSON lines in a fence, a bad one skipped
    text = 'Items:\n```json\n{"name": "a"}\n{"name": 2}\n{"name": "c"}\n```\nDone.'
    skipped = unspool.iter_models([text[:20], text[20:]], Item, on_error="skip", extract=True)
    assert [m.name for m in skipped] == ["a", "c"]


def test_cli(capsys, tmp_path):
    from unspool.__main__ import main

    source = tmp_path / "answer.txt"
    source.write_text(ANSWER, encoding="utf-8")
    assert main(["split", "--at", "/items", "--extract", str(source)]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == ANSWER_VALUE[
        "items"
    ]
    assert main(["watch", "--extract", str(source)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == ANSWER_VALUE
    assert main(["events", "--extract", str(source)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["value"] == ANSWER_VALUE
    assert main(["watch", str(source)]) == 1
    assert "pass extract=True" in capsys.readouterr().err
