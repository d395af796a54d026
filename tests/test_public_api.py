"""The public surface of ``unspool`` (DESIGN section 2): names, MISSING, pointer, errors."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

import unspool
from unspool import MISSING, pointer

DESIGN_NAMES = {
    "MISSING",
    "Parser",
    "pointer",
    "iter_partial",
    "iter_events",
    "aiter_partial",
    "aiter_events",
    "ValueCompleted",
    "StringDelta",
    "ItemError",
    "UnspoolError",
    "ParseError",
    "IncompleteJSONError",
    "LimitExceeded",
    "ValidationError",
}


def isort_style(name):
    """ruff's RUF022 order: CONSTANTS, then Classes, then everything else, each alphabetical."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def test_all_is_sorted_unique_and_importable():
    names = unspool.__all__
    assert names == sorted(names, key=isort_style) and len(set(names)) == len(names)
    for name in names:
        assert getattr(unspool, name) is not None, name
    assert set(names) >= DESIGN_NAMES
    namespace = {}
    exec("from unspool import *", namespace)
    assert set(names) <= set(namespace)


@pytest.mark.parametrize("cls", [unspool.Parser, unspool.Splitter])
def test_methods_show_their_parameters(cls):
    """help(), IDEs and notebooks read a method's parameters through inspect, on both backends
    (the compiled methods are built-ins: their signature is the one in the docstring)."""
    for name, params in [("feed", ["self", "chunk"]), ("close", ["self"])]:
        assert list(inspect.signature(getattr(cls, name)).parameters) == params, name
    assert list(inspect.signature(cls().feed).parameters) == ["chunk"]  # bound: no self


def test_core_imports_no_io_or_optional_libraries():
    code = (
        "import sys, unspool._parser, unspool._tokenizer;"
        "banned = {'asyncio', 'logging', 'pydantic', 'openai', 'anthropic'};"
        "print(sorted(banned & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing():
    assert repr(MISSING) == "unspool.MISSING"
    assert not MISSING
    assert MISSING is not None and MISSING != None  # noqa: E711
    assert type(MISSING)() is MISSING
    assert copy.copy(MISSING) is MISSING and copy.deepcopy(MISSING) is MISSING
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING
    assert unspool.Parser().value is MISSING


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("items",), "/items"),
        (("items", 3, "name"), "/items/3/name"),
        (("a/b",), "/a~1b"),
        (("m~n",), "/m~0n"),
        (("~1",), "/~01"),  # '~' first, so '~1' does not become '/'
        (("/~",), "/~1~0"),
        (("",), "/"),
        ((0, ""), "/0/"),
    ],
)
def test_pointer(path, expected):
    assert pointer(path) == expected


def test_error_hierarchy():
    assert issubclass(unspool.ParseError, unspool.UnspoolError)
    assert issubclass(unspool.ParseError, ValueError)
    assert issubclass(unspool.IncompleteJSONError, unspool.ParseError)
    assert issubclass(unspool.LimitExceeded, unspool.ParseError)
    assert issubclass(unspool.ValidationError, unspool.UnspoolError)
    assert issubclass(unspool.ValidationError, ValueError)
    assert not issubclass(unspool.ValidationError, unspool.ParseError)
    assert not issubclass(unspool.LimitExceeded, unspool.IncompleteJSONError)


@pytest.mark.parametrize("cls", [unspool.ValueCompleted, unspool.StringDelta])
def test_events_are_slotted_dataclasses_with_a_document(cls):
    assert dataclasses.is_dataclass(cls) and hasattr(cls, "__slots__")
    event = cls(("a", 0), "x")
    assert event.path == ("a", 0) and event.document == 0
    assert not hasattr(event, "__dict__")
    assert event == cls(("a", 0), "x", 0) != cls(("a", 0), "x", 1)


def test_parser_options_are_keyword_only():
    with pytest.raises(TypeError):
        unspool.Parser(True)
    parser = unspool.Parser(
        multiple=True, allow_nan=True, max_depth=None, max_string=10, max_buffer=10
    )
    assert parser.feed("NaN ") and parser.close() == []


def test_dir_shows_the_public_api_only():
    names = set(dir(unspool))
    assert names >= set(unspool.__all__) | {"openai", "anthropic", "langchain"}
    assert not names & {"Any", "TYPE_CHECKING", "importlib", "annotations"}
    assert not [n for n in names if n.startswith("_") and n != "__version__"]


ROOT = Path(__file__).parents[1]


def test_docs_cite_no_file_outside_the_repo():
    # DESIGN.md is the team's contract, not shipped: a user reading a docstring cannot open it.
    shipped = [ROOT / "README.md", *sorted((ROOT / "src").rglob("*.py"))]
    assert [p.name for p in shipped if "DESIGN" in p.read_text(encoding="utf-8")] == []


def test_license_matches_the_package_metadata():
    metadata = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert metadata["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_readme_has_no_relative_links():
    # The README is the package index's project page too, where relative links break.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]*)\)", readme)
    assert [t for t in targets if not t.startswith(("https://", "http://", "#"))] == []


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.partition("   #")[0].rstrip() for line in readme.splitlines()]
    setup = [c for c in commands if c.startswith("python3 -m venv") and "venv" in c]
    assert len(setup) == 2 and all("pip install" in c for c in setup)  # never outside a venv
    test_command = next(c for c in setup if c.endswith("-m pytest"))
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci
