"""What a contender's partial values show: the footnotes of the benchmark tables, measured.

Each contender with ``snapshots`` is fed a small probe document (numbers with fractions and
exponents, literals, escapes, a surrogate pair, nested containers) cut into one-character
chunks and into seeded LLM chunks.  Every snapshot is compared with the final value, path by
path, and the findings say what a user would have seen on the way:

- ``cut numbers``: a number shown before it was complete (``12`` for ``12345``);
- ``wrong types``: a value shown with another type than it ends with (``"tr"`` for ``true``);
- ``bad strings``: a partial string that is not a prefix of the final string (an escape or a
  surrogate pair shown half-decoded);
- ``extra``: a key, item or value shown that the final value does not have;
- ``growing strings``: a string shown while it grows (what a UI wants), or strings only once
  closed;
- ``raised``: a prefix of valid JSON made it raise;
- ``final``: whether the final value equals ``json.loads`` with the same types (``1.0`` for
  ``1`` is a difference: ``==`` would hide it).

The result goes into results.json, so the footnotes are regenerated with the tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from .contenders import CONTENDERS, ProbeError
from .workloads import llm_chunks

PROBE = (
    '{"id": 12345, "price": -12.5e3, "ratio": 0.25, "ok": true, "gone": null, "no": false,\n'
    ' "text": "h\\u00e9llo \\"w\\" \\ud83d\\ude80 done", "tags": ["ab", "cde"],\n'
    ' "nested": {"n": [1, 22, 333], "deep": [[0.5], {}]}, "empty": [], "last": "z"}'
)


def same(a: Any, b: Any) -> bool:
    """Equal with the same JSON types: ``1`` and ``1.0`` and ``True`` all differ."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@dataclass
class Findings:
    cut_numbers: list[str] = field(default_factory=list)
    wrong_types: list[str] = field(default_factory=list)
    bad_strings: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    growing_strings: bool = False
    raised: list[str] = field(default_factory=list)
    final_matches: bool = False
    final: str = ""

    def note(self, what: str, example: str) -> None:
        found = getattr(self, what)
        if example not in found and len(found) < 3:
            found.append(example)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:36] + " ..."


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _compare(shown: Any, final: Any, path: str, f: Findings) -> None:
    """Record what ``shown`` (one snapshot's value at ``path``) says wrongly about ``final``."""
    if _number(shown) and _number(final):
        if shown != final:
            f.note("cut_numbers", f"{_short(shown)} for {_short(final)}")
        elif type(shown) is not type(final):
            f.note("wrong_types", f"{_short(shown)} for {_short(final)}")
    elif type(shown) is not type(final):
        f.note("wrong_types", f"{_short(shown)} for {_short(final)}")
    elif isinstance(shown, str):
        if not final.startswith(shown):
            f.note("bad_strings", f"{_short(shown)} for {_short(final)}")
        elif shown != final:
            f.growing_strings = True
    elif isinstance(shown, dict):
        for key, value in shown.items():
            if key in final:
                _compare(value, final[key], f"{path}/{key}", f)
            else:
                f.note("extra", f"key {key!r} at {path or '/'}")
    elif isinstance(shown, list):
        if len(shown) > len(final):
            f.note("extra", f"{len(shown)} items at {path or '/'} (final {len(final)})")
        for i, (value, end) in enumerate(zip(shown, final, strict=False)):
            _compare(value, end, f"{path}/{i}", f)


def probe(name: str) -> dict[str, Any] | None:
    """The findings for one contender, or None when it shows no partial values."""
    snapshots = CONTENDERS[name].snapshots
    if snapshots is None:
        return None
    expected = json.loads(PROBE)
    f = Findings(final_matches=True)
    for chunks in ([*PROBE], llm_chunks(PROBE, 7), llm_chunks(PROBE, 8)):
        values: Iterator[Any] = snapshots(chunks)
        *partials, last = list(values)
        for shown in partials:
            if isinstance(shown, ProbeError):
                f.note("raised", shown.error)
            elif shown is not None:
                _compare(shown, expected, "", f)
        if isinstance(last, ProbeError) or not same(last, expected):
            f.final_matches = False
            f.final = _short(last)
    return asdict(f)


def probe_all(names: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for name in names:
        try:
            found = probe(name)
        except Exception as err:  # a peer that breaks on the probe is a finding too
            found = {"error": f"{type(err).__name__}: {err}"}
        if found is not None:
            out[name] = found
    return out


def footnote(found: dict[str, Any] | None) -> str:
    """One sentence on what a contender's partial values show."""
    if found is None:
        return "none: a value is given only once it is complete"
    if "error" in found:
        return f"the probe failed: {found['error']}"
    parts = []
    if found["cut_numbers"]:
        parts.append("shows cut numbers (" + "; ".join(found["cut_numbers"]) + ")")
    if found["wrong_types"]:
        parts.append("shows values of the wrong type (" + "; ".join(found["wrong_types"]) + ")")
    if found["bad_strings"]:
        parts.append("shows strings that are not a prefix of the final string (")
        parts[-1] += "; ".join(found["bad_strings"]) + ")"
    if found["extra"]:
        parts.append("shows what the final value lacks (" + "; ".join(found["extra"]) + ")")
    if not parts:
        parts.append("never a cut number, a wrong type or a bad string")
    parts.append(
        "strings grow as they arrive"
        if found["growing_strings"]
        else "no string is shown until it closes"
    )
    if found["raised"]:
        parts.append("raises on some prefixes of valid JSON (" + found["raised"][0] + ")")
    if found["final_matches"]:
        parts.append("final value equals `json.loads`, types included")
    else:
        parts.append(f"final value differs from `json.loads`: {found['final']}")
    return "; ".join(parts)
