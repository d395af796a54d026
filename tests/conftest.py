"""Shared test set-up: Hypothesis profiles and the chunking fixture.

Hypothesis profiles (``HYPOTHESIS_PROFILE=long pytest`` for the thorough run):
    ``default``  50 examples per property, no deadline: the CI run, well under two minutes.
    ``long``     2000 examples per property, for a local soak.

The ``chunker`` fixture runs a test once per (encoding, chunking mode) of DESIGN section 7:
``str`` or ``bytes`` (UTF-8, split anywhere, also inside a multi-byte sequence) times whole
text, one character at a time, seeded random sizes 1-16, every two-way split.  Call it on a
text to get the chunkings to feed::

    def test_x(chunker):
        for chunks in chunker('{"a": 1}'):
            ...

``chunker.encoding`` (``"str"`` / ``"bytes"``) and ``chunker.mode`` say which case runs;
``chunker.encode(text)`` gives the text as fed.  The helpers behind it (and the JSON strategies
and the invariant checker) live in ``tests/strategies.py``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

pytest.register_assert_rewrite("strategies")

from strategies import MODES, chunkings, join  # noqa: E402

# The quick default is derandomized: CI runs the same examples every time, so a sweep's
# "its inputs varied" check cannot flake; the long profile explores at random.
settings.register_profile(
    "default",
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


class Chunker:
    """Callable: ``chunker(text)`` -> the chunkings of ``text`` for this encoding and mode."""

    def __init__(self, encoding: str, mode: str) -> None:
        self.encoding = encoding
        self.mode = mode

    def encode(self, text: str) -> Any:
        return text.encode("utf-8") if self.encoding == "bytes" else text

    def __call__(self, text: str) -> list[list[Any]]:
        data = self.encode(text)
        result = chunkings(data, self.mode)
        assert result and all(join(chunks, data[:0]) == data for chunks in result)
        if self.mode != "whole" and len(data) >= 2:
            # The sweep must really split the text somewhere.
            assert any(sum(1 for c in chunks if c) >= 2 for chunks in result)
        return result

    def __repr__(self) -> str:
        return f"Chunker({self.encoding!r}, {self.mode!r})"


@pytest.fixture(params=[(e, m) for e in ("str", "bytes") for m in MODES], ids="-".join)
def chunker(request: pytest.FixtureRequest) -> Chunker:
    return Chunker(*request.param)
