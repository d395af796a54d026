"""unspool: parse LLM structured output while it streams.

Snapshots that only grow, an event when each value completes, each item of a list the moment
it closes -- linear in the size of the stream.  The README describes the API, the snapshot
invariants and the errors; ``__all__`` lists every public name.
"""

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

# First: it decides whether the core below loads compiled or as Python (see _backend.py).
from ._backend import BACKEND
from ._complete import is_complete
from ._drivers import (
    aiter_events,
    aiter_objects,
    aiter_partial,
    iter_events,
    iter_objects,
    iter_partial,
)
from ._errors import IncompleteJSONError, LimitExceeded, ParseError, UnspoolError, ValidationError
from ._events import Event, ItemError, StringDelta, ValueCompleted
from ._parser import MISSING, Parser
from ._path import Path, pointer
from ._splitter import Splitter

if TYPE_CHECKING:  # the pydantic layer loads on first use: see __getattr__ below
    from ._models import aiter_models, astream_model, iter_models, stream_model
    from ._validate import Partial, completed

__all__ = [
    "BACKEND",
    "MISSING",
    "Event",
    "IncompleteJSONError",
    "ItemError",
    "LimitExceeded",
    "ParseError",
    "Parser",
    "Partial",
    "Path",
    "Splitter",
    "StringDelta",
    "UnspoolError",
    "ValidationError",
    "ValueCompleted",
    "aiter_events",
    "aiter_models",
    "aiter_objects",
    "aiter_partial",
    "astream_model",
    "completed",
    "is_complete",
    "iter_events",
    "iter_models",
    "iter_objects",
    "iter_partial",
    "pointer",
    "stream_model",
]

__version__ = "0.1.0"

# Public classes say they are unspool's (tracebacks read unspool.ParseError), as httpx does.
for _cls in (
    IncompleteJSONError,
    ItemError,
    LimitExceeded,
    ParseError,
    Parser,
    Splitter,
    StringDelta,
    UnspoolError,
    ValidationError,
    ValueCompleted,
):
    if _cls.__module__ != __name__:  # the compiled core's classes say so in their body
        _cls.__module__ = __name__

# The pydantic layer (the ``unspool[pydantic]`` extra) is imported on first use, so that
# ``import unspool`` works without pydantic.
_PYDANTIC_NAMES = {
    "Partial": "._validate",
    "completed": "._validate",
    "aiter_models": "._models",
    "astream_model": "._models",
    "iter_models": "._models",
    "stream_model": "._models",
}


# The adapters (and unspool.sse, unspool.streamlit) load on first use too:
# ``unspool.openai.text_deltas(...)`` after ``import unspool``.
_ADAPTERS = ("anthropic", "langchain", "openai", "sse", "streamlit")


def __getattr__(name: str) -> _Any:
    if name in _ADAPTERS:
        return _importlib.import_module(f".{name}", __name__)
    module = _PYDANTIC_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'unspool' has no attribute {name!r}")
    try:
        value = getattr(_importlib.import_module(module, __name__), name)
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] not in ("pydantic", "pydantic_core"):
            raise
        raise ImportError(
            f"unspool.{name} needs pydantic: pip install 'unspool[pydantic]'", name=err.name
        ) from err
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The public API only (not the private modules, nor what this file imports for itself).
    return sorted({*__all__, *_ADAPTERS, "__version__"})
