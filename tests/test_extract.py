"""``extract=True``: JSON inside model text (``_extract``), and the core hook under it.

The table runs every model-shaped answer over the chunking fixture (str and bytes; whole, one
character at a time, random sizes, every two-way split), checks the snapshot invariants on
every snapshot, and checks that errors are the same for every chunking and point into the
text as received.
"""

from __future__ import annotations

import pytest

from unspool import ParseError, Parser
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
