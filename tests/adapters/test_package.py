"""The adapter packages themselves: imports without SDKs, exports, records, errors."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import unspool
import unspool.anthropic
import unspool.langchain
import unspool.openai
from unspool.openai import TokenLimitError, ToolCall, ToolCallDelta, Usage

ADAPTERS = [unspool.openai, unspool.anthropic, unspool.langchain]


def test_adapters_import_without_any_sdk() -> None:
    code = (
        "import sys\n"
        "for name in ('openai', 'anthropic', 'pydantic', 'langchain_core', 'httpx', 'httpx2'):\n"
        "    sys.modules[name] = None  # makes `import name` fail\n"
        "import unspool, unspool.openai, unspool.anthropic, unspool.langchain\n"
        "for snapshot in unspool.iter_partial(unspool.langchain.text_deltas(['[1,', ' 2]'])):\n"
        "    print(snapshot)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n") == ["[1]", "[1, 2]", ""]


@pytest.mark.parametrize("module", ADAPTERS, ids=lambda m: m.__name__)
def test_all_is_sorted_and_exported(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    # ruff's RUF022 order, as in unspool/__init__.py: CONSTANTS, Classes, functions
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(module, name) for name in names)


def test_providers_share_one_set_of_records_and_errors() -> None:
    assert unspool.anthropic.ToolCall is ToolCall
    assert unspool.anthropic.TokenLimitError is TokenLimitError
    assert unspool.langchain.DeltaStream is unspool.openai.DeltaStream


def test_records_are_slotted() -> None:
    for record in (ToolCallDelta(0, "id", "f", ""), ToolCall(0, "id", "f", {}), Usage(1, 2)):
        with pytest.raises(AttributeError):
            record.extra = 1  # type: ignore[union-attr]


def test_token_limit_error() -> None:
    err = TokenLimitError("length", pos=52, lineno=3, colno=14)
    assert isinstance(err, unspool.IncompleteJSONError)
    assert isinstance(err, ValueError)
    assert err.kind == "token_limit"
    assert err.partial is unspool.MISSING
    assert str(err) == (
        "the model hit its token limit (stop reason 'length') before the JSON ended: "
        "line 3 column 14 (char 52)"
    )
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), str(copy), copy.stop_reason) == (TokenLimitError, str(err), "length")


def test_sync_stream_in_async_for_is_a_clear_error() -> None:
    deltas = unspool.openai.text_deltas([1, 2])
    with pytest.raises(TypeError, match="not an async stream"):
        deltas.__aiter__().__anext__().send(None)
