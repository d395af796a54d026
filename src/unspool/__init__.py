"""unspool: parse LLM structured output while it streams.

Snapshots that only grow, an event when each value completes, each item of a list the moment
it closes -- linear in the size of the stream.  See DESIGN.md for the contract.
"""

from ._drivers import aiter_events, aiter_partial, iter_events, iter_partial
from ._errors import IncompleteJSONError, LimitExceeded, ParseError, UnspoolError, ValidationError
from ._events import Event, ItemError, StringDelta, ValueCompleted
from ._parser import MISSING, Parser
from ._path import Path, pointer

__all__ = [
    "MISSING",
    "Event",
    "IncompleteJSONError",
    "ItemError",
    "LimitExceeded",
    "ParseError",
    "Parser",
    "Path",
    "StringDelta",
    "UnspoolError",
    "ValidationError",
    "ValueCompleted",
    "aiter_events",
    "aiter_partial",
    "iter_events",
    "iter_partial",
    "pointer",
]

__version__ = "0.1.0"
