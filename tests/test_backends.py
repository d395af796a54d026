"""The two backends of the core (src/unspool/_backend.py): which one runs, and that they agree.

The compiled core is built from the same source as the Python one; the Python modules are the
specification.  The differential tests load the Python core a second time, under the package
name ``_unspool_python`` (sharing unspool's errors and events, so results compare with ``==``),
and feed both the same generated and mutated texts in the same chunks.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import chunked, json_documents, mutations
from test_targets import BOARD, RECIPES, STEPS, Board, Pet, Recipe

import unspool
from unspool import ParseError, _backend

COMPILED = unspool.BACKEND == "compiled"
needs_compiled = pytest.mark.skipif(
    not COMPILED,
    reason="no compiled core to compare with: it is built by `pip install -e .` on a machine "
    "with a C compiler, and ignored under UNSPOOL_PURE_PYTHON=1",
)
ALIAS = "_unspool_python"


def python_core() -> ModuleType:
    """The Python ``Parser`` and ``Splitter`` modules, loaded beside the compiled ones."""
    if ALIAS not in sys.modules:
        package = ModuleType(ALIAS)
        package.__path__ = []
        sys.modules[ALIAS] = package
        compiled = _backend.compiled_modules()
        for name, module in list(sys.modules.items()):  # the rest of unspool is shared
            short = name.removeprefix("unspool.")
            if short != name and "." not in short and short not in compiled:
                sys.modules[f"{ALIAS}.{short}"] = module
        sys.meta_path.insert(0, _backend.PureFinder(compiled, ALIAS))
        for core in ("_parser", "_splitter"):
            setattr(package, core, importlib.import_module(f"{ALIAS}.{core}"))
    return sys.modules[ALIAS]


def run(make: Any, chunks: list[Any]) -> list[Any]:
    """What each ``feed`` and the ``close`` returned (as reprs: ``1`` is not ``True``), the
    snapshot after each (Parser), and the first error with every attribute it carries."""
    core = make()
    results: list[Any] = []
    for chunk in [*chunks, None]:
        try:
            got = core.close() if chunk is None else core.feed(chunk)
        except ParseError as err:
            return [*results, (type(err), str(err), repr(sorted(vars(err).items())))]
        results.append(repr(got))
        if hasattr(core, "value"):
            results.append(repr(core.value))
    return results


texts = st.one_of(json_documents(), json_documents().flatmap(mutations))
prose = st.sampled_from(["{}", "Sure:\n```json\n{}\n```\nDone.", "<think>{{</think>{}", "x {} y"])


@st.composite
def streams(draw: st.DrawFn) -> list[Any]:
    """A generated (often broken) text, maybe in prose, cut anywhere, as ``str`` or bytes."""
    text = draw(prose).replace("{}", draw(texts))
    if draw(st.booleans()):
        return draw(chunked(text.encode("utf-8", "surrogatepass")))
    return draw(chunked(text))


parser_options = st.fixed_dictionaries(
    {},
    optional={
        "multiple": st.booleans(),
        "allow_nan": st.booleans(),
        "events": st.booleans(),
        "extract": st.booleans(),
        "max_depth": st.sampled_from([None, 1, 3]),
        "max_string": st.sampled_from([4, 64]),
        "max_buffer": st.sampled_from([8, 64]),
    },
)
splitter_options = st.fixed_dictionaries(
    {"at": st.sampled_from([None, "", "/a", "/*", "/*/*"])},
    optional={
        "on_error": st.sampled_from(["raise", "skip", "yield"]),
        "with_raw": st.booleans(),
        "allow_nan": st.booleans(),
        "extract": st.booleans(),
        "max_depth": st.sampled_from([None, 2]),
        "max_string": st.sampled_from([4, 64]),
    },
)


@needs_compiled
@given(streams(), parser_options)
def test_parsers_agree(chunks: list[Any], options: dict[str, Any]) -> None:
    python = python_core()._parser.Parser
    assert run(lambda: unspool.Parser(**options), chunks) == run(lambda: python(**options), chunks)


def event_views(make: Any, chunks: list[Any]) -> list[Any]:
    """Each event as a user sees it beyond its repr: its fields, and what pickling, copying
    and ``replace`` give back (the compiled build keeps events in C fields)."""
    parser = make()
    views: list[Any] = []
    for chunk in chunks:
        try:
            events = parser.feed(chunk)
        except ParseError:
            break
        for e in events:
            again = pickle.loads(pickle.dumps(e))
            views.append((type(e).__name__, e.path, dataclasses.astuple(e), e.__match_args__))
            views.append((again == e, dataclasses.replace(e) == e, again.path == e.path))
    return views


@needs_compiled
@given(streams(), parser_options)
def test_events_agree(chunks: list[Any], options: dict[str, Any]) -> None:
    python = python_core()._parser.Parser
    options = {**options, "events": True}
    assert event_views(lambda: unspool.Parser(**options), chunks) == event_views(
        lambda: python(**options), chunks
    )


@needs_compiled
@given(streams(), splitter_options)
def test_splitters_agree(chunks: list[Any], options: dict[str, Any]) -> None:
    python = python_core()._splitter.Splitter
    assert run(lambda: unspool.Splitter(**options), chunks) == run(
        lambda: python(**options), chunks
    )


# The compiled tokenizer walks characters in C where the Python one calls regexes and str
# methods (string bodies, keys, whitespace runs, newlines, numbers): these pieces put every
# kind of character those loops stop at, or step over, next to chunk boundaries.
TOKEN_PIECES = [
    '"plain"',
    '"esc\\"aped\\\\"',
    '"\\u00e9\\ud83d\\ude00"',
    '"\\ud83d"',
    '"\\udc00x"',
    '"raw\u00e9\u20ac\U0001f600\U0010ffff"',
    '"ctl\x01"',
    '"tab\there"',
    '"nl\n"',
    '"\\x"',
    '"\\u12g4"',
    "0",
    "-0.5e+10",
    "123456789012345678901234",
    "1.",
    "-",
    "01",
    "1e",
    "true",
    "nul",
    "NaN",
    "-Infinity",
    "[]",
    "{}",
    " \t\r\n ",
    "\n\n",
    ",",
    ":",
    "]",
    "}",
    "[",
    "{",
    '"key"',
    '"' + "k" * 300 + '"',  # a key or number past _SHORT_HELD: held in a TextBuffer
    "9" * 300,
    "-1." + "5" * 300,
    '"k\\u0041y"',
]


@st.composite
def token_streams(draw: st.DrawFn) -> list[str]:
    """JSON-ish text from TOKEN_PIECES (valid or not, in objects and arrays), cut anywhere."""
    pieces = draw(st.lists(st.sampled_from(TOKEN_PIECES), max_size=24))
    text = draw(st.sampled_from(["[", '{"k": [', '{"a":', ""])) + "".join(pieces)
    return draw(chunked(text))


def tokens_of(tokenizer: Any, chunks: list[str]) -> list[Any]:
    """What each feed and the close returned (reprs), then the error's every attribute."""
    results: list[Any] = []
    for chunk in [*chunks, None]:
        try:
            results.append(repr(tokenizer.close() if chunk is None else tokenizer.feed(chunk)))
        except ParseError as err:
            return [*results, (type(err), str(err), repr(sorted(vars(err).items())))]
    return results


@needs_compiled
@given(token_streams(), st.booleans(), st.sampled_from([4, 1 << 24]))
def test_tokenizers_agree(chunks: list[str], multiple: bool, max_string: int) -> None:
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    options = {"multiple": multiple, "max_string": max_string}
    assert tokens_of(compiled(**options), chunks) == tokens_of(python(**options), chunks)


def tokens_into(tokenizer: Any, chunks: list[str]) -> list[Any]:
    """``feed_into`` for each chunk, into one list emptied after each as the Parser does:
    what it returned and appended (reprs), then the error's every attribute."""
    results: list[Any] = []
    tokens: list[Any] = []
    for chunk in chunks:
        try:
            part = tokenizer.feed_into(chunk, tokens)
        except ParseError as err:
            return [*results, (type(err), str(err), repr(sorted(vars(err).items())))]
        results.append(repr((part, tokens)))
        tokens.clear()
    return results


@needs_compiled
@given(token_streams(), st.booleans(), st.sampled_from([4, 1 << 24]))
def test_tokenizers_agree_on_the_parsers_hand_off(
    chunks: list[str], multiple: bool, max_string: int
) -> None:
    """The compiled ``feed_into`` (a chunk inside a string returned as its text, the other
    tokens appended to the caller's list) against the Python one."""
    python_core()
    python = sys.modules[f"{ALIAS}._tokenizer"].Tokenizer
    compiled = unspool._tokenizer.Tokenizer
    options = {"multiple": multiple, "max_string": max_string}
    assert tokens_into(compiled(**options), chunks) == tokens_into(python(**options), chunks)


def test_the_character_loops_do_what_the_regexes_do() -> None:
    """The compiled build's C loops, run as Python here, against the pure build's jumps (the
    compiled ones are C functions, checked by the differential test above)."""
    t = sys.modules[f"{ALIAS}._tokenizer"] if COMPILED and python_core() else unspool._tokenizer
    texts = ["", " ", "ab", ' \t\r\n"x', "a\\b", "\x1f", "\x20", "\x7f\n", "é😀 \n\n", "\ud800"]
    for text in texts:
        assert t._last_newline(text) == text.rfind("\n")
        for i in range(len(text) + 1):
            stop = t._STRING_STOP.search(text, i)
            assert t._string_stop(text, i) == (stop.start() if stop else -1)
            other = t._NON_WHITESPACE.search(text, i)
            assert t._skip_whitespace(text, i) == (other.start() if other else -1)
            assert t._number_run_end(text, i) == t._NUMBER_RUN.match(text, i).end()
    runs = ["".join(p) for k in (1, 2, 3) for p in itertools.product("01-+.eEx", repeat=k)]
    for run in [*runs, "-0.5e+10", "12.50E-3", "1e5.0"]:
        assert t._number_run_end(run + ",", 0) == t._NUMBER_RUN.match(run + ",").end()
        for state in range(t.N_MINUS, t.N_BAD + 1):
            assert t._number_state_at(state, run, 0, len(run)) == t._number_state(state, run)


@needs_compiled
def test_the_comparison_is_between_two_builds() -> None:
    python = python_core()
    assert unspool.Parser.__module__ == "unspool"
    for module in ("_events", "_parser", "_splitter", "_tokenizer"):
        assert not getattr(unspool, module).__file__.endswith(".py")
        assert getattr(python, module).__file__.endswith(f"{module}.py")


# -- choosing the backend (each in a fresh interpreter) -----------------------------------------

REPORT = "import unspool, unspool._tokenizer as t; print(unspool.BACKEND, t.__file__[-3:] == '.py')"


def backend(package: Path | None = None, **env: str) -> tuple[str, str]:
    """``(BACKEND and whether the tokenizer is Python, stderr)`` of a fresh ``import unspool``."""
    environ = {k: v for k, v in os.environ.items() if k != "UNSPOOL_PURE_PYTHON"} | env
    if package is not None:
        environ["PYTHONPATH"] = str(package.parent)
    args = [sys.executable, "-W", "always", "-c", REPORT]
    out = subprocess.run(args, env=environ, capture_output=True, text=True, check=True)
    return out.stdout.strip(), out.stderr


def copy_package(tmp_path: Path) -> Path:
    target = tmp_path / "unspool"
    shutil.copytree(Path(unspool.__file__).parent, target, ignore=shutil.ignore_patterns("__py*"))
    return target


@needs_compiled
def test_compiled_is_the_default_and_the_environment_forces_python() -> None:
    assert backend() == ("compiled False", "")
    assert backend(UNSPOOL_PURE_PYTHON="1") == ("python True", "")
    assert backend(UNSPOOL_PURE_PYTHON="0") == ("compiled False", "")


@needs_compiled
def test_a_stale_extension_never_wins(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    assert backend(package) == ("compiled False", "")
    source = package / "_tokenizer.py"
    source.write_text(source.read_text() + "\n# edited after the build\n")
    report, warning = backend(package)
    assert report == "python True"
    assert "RuntimeWarning: unspool: the compiled _tokenizer was built from another" in warning
    (package / "_compiled.json").unlink()  # an extension nobody recorded is stale too
    source.write_text(source.read_text().removesuffix("\n# edited after the build\n"))
    assert backend(package)[0] == "python True"


def test_without_extensions_the_core_is_python(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    for extension in _backend.compiled_modules():
        for path in package.glob(f"{extension}.*"):
            if path.suffix != ".py":
                path.unlink()
    assert backend(package) == ("python True", "")
    assert backend(package, UNSPOOL_PURE_PYTHON="1") == ("python True", "")


@needs_compiled
def test_the_stale_check_trusts_a_hash_over_times(tmp_path: Path) -> None:
    """A same-size edit is stale (the time moved, the hash differs); a touched but unchanged
    source is still the one compiled (the hash agrees)."""
    package = copy_package(tmp_path)
    source = package / "_parser.py"
    text = source.read_text()
    source.write_text(text)  # same bytes, a new modification time
    assert backend(package) == ("compiled False", "")
    source.write_text(text.replace('"""The', '"""the', 1))  # the docstring: same size
    assert len(source.read_bytes()) == len(text.encode())
    report, warning = backend(package)
    assert report == "python True"
    assert "the compiled _parser was built from another" in warning


# -- stream_model's builder (src/unspool/_builder.py, compiled with the core) -------------------


def python_builder() -> Any:
    """The Python ``PartialBuilder`` over the Python parser, beside the compiled one (the
    places, partial classes and errors shared: ``_validate`` is never compiled)."""
    python_core()
    import unspool._builder  # noqa: F401 - loads the modules shared below

    for shared in ("_complete", "_dumps", "_errors", "_path", "_validate"):
        sys.modules.setdefault(f"{ALIAS}.{shared}", sys.modules[f"unspool.{shared}"])
    return importlib.import_module(f"{ALIAS}._builder").PartialBuilder


def model_view(value: Any) -> Any:
    """A partial as a user reads it: values, field sets, ``completed()``, ``is_complete``."""
    if isinstance(value, unspool.Partial):
        fields = sorted(value.model_fields_set)
        done = sorted(unspool.completed(value))
        view = model_view(value.__dict__)
        return (type(value).__name__, unspool.is_complete(value), fields, done, view)
    if isinstance(value, BaseModel):
        return (type(value).__name__, model_view(value.__dict__))
    if isinstance(value, dict):
        items = [(k, model_view(v)) for k, v in value.items()]
        return ("dict", unspool.is_complete(value), items)
    if isinstance(value, list):
        return ("list", unspool.is_complete(value), [model_view(v) for v in value])
    return repr(value)


def model_run(make: Any, target: Any, chunks: list[Any]) -> list[Any]:
    """What each ``feed`` and ``close`` returned with the partial after each, then ``final()``,
    or the first error."""
    builder = make(target)
    out: list[Any] = []
    try:
        for chunk in chunks:
            out.append((builder.feed(chunk), model_view(builder.partial)))
        out.append((builder.close(), model_view(builder.partial)))
        out.append(model_view(builder.final()))
    except (ParseError, unspool.ValidationError) as err:
        out.append((type(err).__name__, str(err), err.path))
    return out


MODEL_CASES = [
    (Recipe, RECIPES["tea"]),
    (Board, BOARD),
    (list[Pet], [{"kind": "cat", "lives": 9}, {"kind": "dog", "name": "Rex"}, {"name": "?"}]),
    (dict, STEPS[2]),
    (dict[str, Recipe], RECIPES),
    (str, "Zoë \u00e9"),
]


@st.composite
def model_streams(draw: st.DrawFn) -> tuple[Any, list[Any]]:
    """A target of test_targets with a document for it (often broken), cut anywhere."""
    target, value = draw(st.sampled_from(MODEL_CASES))
    text = json.dumps(
        value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1]))
    )
    if draw(st.booleans()):
        text = draw(mutations(text))
    return target, draw(chunked(text))


@needs_compiled
@given(model_streams())
def test_builders_agree(stream: tuple[Any, list[Any]]) -> None:
    """stream_model's builder, compiled and Python: the same partials, errors and values."""
    from unspool._builder import PartialBuilder

    python = python_builder()
    assert not unspool._builder.__file__.endswith(".py")  # type: ignore[attr-defined]
    target, chunks = stream
    assert model_run(PartialBuilder, target, chunks) == model_run(python, target, chunks)
