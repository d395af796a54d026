"""Shared helpers for the core tests: chunkings, Hypothesis JSON strategies, a runner and the
checker of DESIGN section 3's snapshot invariants.  Any test module under ``tests/`` can use
them (``tests/`` is on ``sys.path`` because ``tests/conftest.py`` lives there)::

    from strategies import chunkings, check_invariants, feed_all, json_documents, same

Chunkings (DESIGN section 7)
    ``chunkings(data, mode)`` returns the list of chunkings (lists of chunks) of ``data``
    (a ``str``, or ``bytes`` split anywhere, also inside a multi-byte sequence) for one of
    ``MODES``: ``"whole"``; ``"chars"`` (one character or byte at a time); ``"random"``
    (seeded chunk sizes 1-16, one chunking per seed in ``RANDOM_SEEDS``); ``"splits"``
    (every two-way split ``data[:i], data[i:]`` for ``0 <= i <= len``, empty halves included;
    long texts get ``SPLITS_SAMPLE`` spread split points).  The ``chunker`` fixture in
    ``conftest.py`` runs a test once per (encoding, mode).
    ``split_at(data, cuts)`` cuts at the given indexes (repeats make empty chunks) and
    ``chunked(data)`` is the Hypothesis strategy over such cuts.

Values and texts
    ``json_values()`` generates JSON-able Python values (nested dicts and lists, unicode with
    control and non-BMP characters, big ints, floats incl. -0.0, empty containers);
    ``json_documents()`` dumps one with random ``json.dumps`` settings and whitespace padding
    and returns the text; ``mutations(text)`` draws a one-to-three-edit mutation of it.

Running and checking
    ``feed_all(chunks, **options) -> Run``: feed a fresh ``Parser``, deep-copying the snapshot
    after every call; a ``ParseError`` is captured in ``Run.error``, anything else propagates.
    ``same(a, b)``: exact equality (types, ``-0.0`` vs ``0.0``, ``NaN == NaN``, key order).
    ``check_invariants(chunks, **options) -> Run``: asserts invariants 1-5, 7 and the
    per-run half of 8 for one chunking of a valid text without duplicate keys; compare
    ``Run.completions`` of two chunkings with ``same`` for the rest of invariant 8.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from unspool import MISSING, ParseError, Parser, StringDelta, ValueCompleted

Chunk = Any  # str | bytes

MODES = ("whole", "chars", "random", "splits")
RANDOM_SEEDS = (0, 1, 2, 3, 4)
SPLITS_ALL_UP_TO = 100  # texts up to this length get every two-way split
SPLITS_SAMPLE = 60  # split points for longer texts

# -- chunkings ---------------------------------------------------------------------------------


def join(chunks: Sequence[Chunk], empty: Chunk = "") -> Chunk:
    """Concatenate chunks of either type (``empty`` for an empty chunking)."""
    if not chunks:
        return empty
    return chunks[0][:0].join(chunks)


def split_at(data: Chunk, cuts: Sequence[int]) -> list[Chunk]:
    """Cut ``data`` at each index in ``cuts`` (any order; repeats give empty chunks)."""
    points = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(points)]


def random_chunks(data: Chunk, seed: int, largest: int = 16) -> list[Chunk]:
    """Seeded chunk sizes 1..largest (capped at len-1 so that a short text is still split)."""
    rng = random.Random(seed)
    top = max(1, min(largest, len(data) - 1))
    chunks, i = [], 0
    while i < len(data):
        k = rng.randint(1, top)
        chunks.append(data[i : i + k])
        i += k
    return chunks


def chunkings(data: Chunk, mode: str) -> list[list[Chunk]]:
    """Every chunking of ``data`` that ``mode`` stands for (see the module docstring)."""
    n = len(data)
    if mode == "whole":
        return [[data]]
    if mode == "chars":
        return [[data[i : i + 1] for i in range(n)]]
    if mode == "random":
        return [random_chunks(data, seed) for seed in RANDOM_SEEDS]
    if mode == "splits":
        if n <= SPLITS_ALL_UP_TO:
            points: Sequence[int] = range(n + 1)
        else:
            rng = random.Random(n)
            points = sorted({0, 1, n - 1, n, *rng.sample(range(n + 1), SPLITS_SAMPLE)})
        return [[data[:i], data[i:]] for i in points]
    raise ValueError(f"unknown chunking mode {mode!r}")


@st.composite
def chunked(draw: st.DrawFn, data: Chunk, max_cuts: int = 40) -> list[Chunk]:
    """Hypothesis: ``data`` cut at random indexes, empty chunks included."""
    cuts = draw(st.lists(st.integers(0, len(data)), max_size=max_cuts))
    return split_at(data, cuts)


# -- values and texts --------------------------------------------------------------------------

# Characters json.dumps escapes or that stress the decoder: quotes, backslash, controls,
# separators JavaScript dislikes, a BOM, U+FFFD, 2-, 3- and 4-byte UTF-8.  (No lone
# surrogates: bytes cannot carry them; tests/test_tokenizer.py has them as escapes.)
SPECIAL_CHARS = '"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029\ufeff\ufffdé€😀\U0010ffff'
characters = st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL_CHARS))
keys = st.text(characters, max_size=6)
strings = st.text(characters, max_size=16)
integers = st.one_of(
    st.integers(-1000, 1000),
    st.integers(),
    st.sampled_from([0, -1, 10**30, -(10**60), 2**63, 2**64 + 1]),
)
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-0.0, 0.0, 0.5, 1e-7, 1e16, 5e-324, 1.7976931348623157e308, -1.5e-300]),
)
scalars = st.one_of(st.none(), st.booleans(), integers, floats, strings)


def json_values(max_leaves: int = 16) -> st.SearchStrategy[Any]:
    """Nested JSON values (dicts from ``st.dictionaries`` have no duplicate keys)."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(keys, children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


DUMPS_OPTIONS = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 2, "\t"]),
        "ensure_ascii": st.booleans(),
        "separators": st.sampled_from([None, (",", ":"), (", ", ": "), (" ,\r\n", " :\t")]),
    }
)
padding = st.text(st.sampled_from(" \t\r\n"), max_size=3)


@st.composite
def json_documents(draw: st.DrawFn, values: st.SearchStrategy[Any] | None = None) -> str:
    """A JSON text: a generated value, random ``json.dumps`` settings, whitespace around."""
    value = draw(values if values is not None else json_values())
    text = json.dumps(value, **draw(DUMPS_OPTIONS))
    return draw(padding) + text + draw(padding)


MUTATION_CHARS = st.one_of(
    st.sampled_from(list('{}[]",:0123456789-+.eE \t\n\\/u"tfnlrsaINy\x00\x1féx😀')),
    st.characters(codec="utf-8"),
)


@st.composite
def mutations(draw: st.DrawFn, data: Chunk) -> Chunk:
    """One to three random edits of ``data``: delete, insert or replace a unit, truncate, or
    insert a space after a structural character (an edit that keeps most texts valid).

    For bytes the units are bytes (so the result may not be UTF-8 at all).
    """
    unit = MUTATION_CHARS
    if isinstance(data, bytes):
        unit = st.one_of(st.binary(min_size=1, max_size=1), unit.map(str.encode))
    space, structural = (b" ", b",:[{") if isinstance(data, bytes) else (" ", ",:[{")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "space"]))
        if op not in ("insert", "space") and not data:
            op = "insert"
        if op == "space":  # a space after ',' ':' '[' '{' (even inside a string) keeps it valid
            after = [i + 1 for i in range(len(data)) if data[i : i + 1] in structural]
            if after:
                i = draw(st.sampled_from(after))
                data = data[:i] + space + data[i:]
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(unit) + data[i:]
        else:
            i = draw(st.integers(0, len(data) - 1))
            if op == "delete":
                data = data[:i] + data[i + 1 :]
            elif op == "replace":
                data = data[:i] + draw(unit) + data[i + 1 :]
            else:
                data = data[:i]
    return data


# -- running -----------------------------------------------------------------------------------


@dataclass(repr=False)
class Run:
    """What one chunking of one text produced.

    ``snapshots[k]`` and ``events[k]`` belong to call ``k`` (the feeds, then ``close()``);
    a call that raised has neither.  ``error`` is the first ``ParseError`` raised and
    ``error_call`` the index of the call that raised it (``len(chunks)`` for ``close()``).
    """

    value: Any = MISSING
    snapshots: list[Any] = field(default_factory=list)
    events: list[list[Any]] = field(default_factory=list)
    error: ParseError | None = None
    error_call: int | None = None

    def __repr__(self) -> str:  # values may be too deep for repr()
        return f"<Run calls={len(self.events)} error={self.error!r}>"

    @property
    def all_events(self) -> list[Any]:
        return [event for call in self.events for event in call]

    @property
    def completions(self) -> list[tuple[Any, ...]]:
        """``(document, path, value)`` of every ValueCompleted, in order (invariant 8)."""
        return [(e.document, e.path, e.value) for e in self.all_events if type(e) is ValueCompleted]


def feed_all(chunks: Sequence[Chunk], *, snapshots: bool = True, **options: Any) -> Run:
    """Feed ``chunks`` then close a fresh ``Parser(**options)``; see ``Run``."""
    parser = Parser(**options)
    run = Run()
    calls = [*((parser.feed, chunk) for chunk in chunks), (parser.close, None)]
    for k, (call, arg) in enumerate(calls):
        try:
            events = call() if arg is None else call(arg)
        except ParseError as err:
            run.error, run.error_call = err, k
            break
        run.events.append(events)
        if snapshots:
            run.snapshots.append(copy.deepcopy(parser.value))
    run.value = parser.value
    return run


def same(a: Any, b: Any) -> bool:
    """Exact structural equality: same types (``True`` is not ``1``, ``1`` is not ``1.0``),
    ``-0.0`` is not ``0.0``, ``NaN`` equals ``NaN``, dict key order matters."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if type(x) is float:
            if math.isnan(x) or math.isnan(y):
                if not (math.isnan(x) and math.isnan(y)):
                    return False
            elif x != y or math.copysign(1.0, x) != math.copysign(1.0, y):
                return False
        elif type(x) is dict:
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif type(x) in (list, tuple):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif x != y:
            return False
    return True


def assert_same(actual: Any, expected: Any, what: str = "value") -> None:
    assert same(actual, expected), f"{what}: {actual!r} != {expected!r}"


def loads(data: Chunk) -> Any:
    """``json.loads`` as the reference: bytes are strict UTF-8 (a leading BOM skipped)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    return json.loads(data)


def walk(value: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every ``(path, value)`` in ``value``, parents first, without recursion."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, v = stack.pop()
        yield path, v
        if type(v) is dict:
            stack.extend(((*path, k), v[k]) for k in reversed(list(v)))
        elif type(v) is list:
            stack.extend(((*path, i), v[i]) for i in reversed(range(len(v))))


# -- the invariant checker ---------------------------------------------------------------------


def check_invariants(chunks: Sequence[Chunk], expected: Any = MISSING, **options: Any) -> Run:
    """Assert DESIGN section 3's invariants on the snapshots of one chunking of a valid text
    without duplicate keys (invariant 6 is checked against ``json.loads`` separately).

    1. Each snapshot's values have the type of the final value at the same path.
    2. An atomic value (null, bool, number) is in a snapshot only once its ValueCompleted
       event was returned, and then equals its final value.
    3. A string is always a prefix of its final string (so never a lone surrogate from a split
       pair nor U+FFFD from split bytes) and of its next snapshot; it equals the StringDelta
       texts received for its path so far.
    4. Between snapshots an array keeps all but its last element unchanged and only grows.
    5. An object's keys are a prefix of its final keys, kept in order; all but the last added
       key keep their value; a new key comes with a typed, non-placeholder value (1, 2).
    7. The final value equals ``json.loads``.
    8. (per run) One ValueCompleted per value, children before parents, each equal to the
       final value at its path; StringDelta texts per path concatenate to the final string.

    ``expected`` is the final value when the text is not JSON as a whole (``extract=True``).
    """
    if expected is MISSING:
        expected = loads(join(chunks))
    run = feed_all(chunks, **options)
    assert run.error is None, f"valid text raised {run.error!r}"
    assert_same(run.value, expected, "final value (invariant 7)")
    completed: set[tuple[Any, ...]] = set()
    deltas: dict[tuple[Any, ...], str] = {}
    previous = MISSING
    for snapshot, events in zip(run.snapshots, run.events, strict=True):
        for event in events:
            assert event.document == 0
            path = event.path
            assert path not in completed, f"event after {path} completed: {event!r}"
            if type(event) is ValueCompleted:
                assert not any(path[: len(p)] == p for p in completed if len(p) < len(path)), (
                    f"{path} completed after its parent"
                )
                completed.add(path)
            else:
                assert type(event) is StringDelta
                deltas[path] = deltas.get(path, "") + event.text
        _check_against_final(snapshot, expected, completed, deltas)
        _check_growth(previous, snapshot)
        previous = snapshot
    finals = dict(walk(expected))
    assert completed == set(finals), "every value completes exactly once (invariant 8)"
    for _, path, value in run.completions:
        assert_same(value, finals[path], f"ValueCompleted at {path}")
    strings = {path: v for path, v in finals.items() if type(v) is str}
    assert set(deltas) <= set(strings), "StringDelta only for string values"
    for path, text in strings.items():
        assert deltas.get(path, "") == text, f"StringDelta texts at {path}"
    return run


def _check_against_final(
    snapshot: Any, final: Any, completed: set[Any], deltas: dict[Any, str]
) -> None:
    if snapshot is MISSING:
        return
    stack = [((), snapshot, final)]
    while stack:
        path, s, f = stack.pop()
        assert type(s) is type(f), f"type at {path}: {s!r} vs final {f!r} (invariant 1)"
        if path in completed:
            assert_same(s, f, f"completed value at {path}")
        elif type(s) is str:
            assert f.startswith(s), f"string at {path}: {s!r} not a prefix of {f!r} (inv. 3)"
            assert deltas.get(path, "") == s, f"StringDelta texts at {path} vs snapshot {s!r}"
        elif type(s) is dict:
            assert list(s) == list(f)[: len(s)], f"keys at {path}: {list(s)} (invariant 5)"
            stack.extend(((*path, k), s[k], f[k]) for k in s)
        elif type(s) is list:
            assert len(s) <= len(f), f"array at {path} longer than final"
            stack.extend(((*path, i), s[i], f[i]) for i in range(len(s)))
        else:
            raise AssertionError(f"incomplete atomic value {s!r} at {path} (invariant 2)")


def _check_growth(before: Any, after: Any) -> None:
    if before is MISSING:
        return
    assert after is not MISSING, "snapshot went back to MISSING"
    stack = [((), before, after)]
    while stack:
        path, b, a = stack.pop()
        assert type(a) is type(b), f"type changed at {path}: {b!r} -> {a!r} (invariant 1)"
        if type(b) is str:
            assert a.startswith(b), f"string at {path} shrank: {b!r} -> {a!r} (invariant 3)"
        elif type(b) is list:
            assert len(a) >= len(b), f"array at {path} shrank (invariant 4)"
            for i in range(len(b) - 1):
                assert_same(a[i], b[i], f"non-last element {(*path, i)} changed (invariant 4)")
            if b:
                stack.append(((*path, len(b) - 1), b[-1], a[len(b) - 1]))
        elif type(b) is dict:
            old = list(b)
            assert list(a)[: len(old)] == old, f"keys at {path}: {old} -> {list(a)} (inv. 5)"
            for k in old[:-1]:
                assert_same(a[k], b[k], f"value of an earlier key {(*path, k)} changed (inv. 5)")
            if old:
                stack.append(((*path, old[-1]), b[old[-1]], a[old[-1]]))
        else:
            assert_same(a, b, f"atomic value at {path} changed (invariant 2)")
