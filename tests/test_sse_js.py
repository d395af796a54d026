"""The event streams that tests/js/unspool.test.mjs replays in node (``node --test tests/js``).

They are made by the Python encoder; this test fails when the committed file is not what the
encoder makes now (refresh it with ``python tests/test_sse_js.py``), so the JS client is always
tested against the current wire format.  Each frame carries the Python ``Patcher``'s value after
it, which tests/test_sse.py proves equal to ``Parser.value``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from unspool import sse

STREAMS = Path(__file__).parent / "js" / "streams.json"
VERCEL = Path(__file__).parent / "js" / "vercel.json"

ARTICLE = {
    "title": 'Tea, "brewed" well',
    "summary": "Three tips.\nWith a tab\t, an é, a 😀 and a \\.",
    "sections": [
        {"heading": "Water", "body": "Use fresh, cold water.", "minutes": 3},
        {"heading": "Time", "body": "Steep 3-5 minutes.", "tags": ["green", "black"]},
        {"heading": "Heat", "body": "", "ok": True, "n": None, "x": -1.5e3, "e": {}, "l": []},
    ],
}


def random_chunks(text: str, seed: int, largest: int = 8) -> list[str]:
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(text):
        n = rng.randint(1, largest)
        chunks.append(text[i : i + n])
        i += n
    return chunks


CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("article-random", random_chunks(json.dumps(ARTICLE, ensure_ascii=False, indent=1), 1), {}),
    ("article-whole", [json.dumps(ARTICLE)], {}),
    ("article-items", random_chunks(json.dumps(ARTICLE), 2, 16), {"at": "/sections"}),
    ("escapes-split", list('{"s": "\\ud83d\\ude00 \\u00e9\\n\\"", "t": ["\\/"]}'), {}),
    ("documents", list('{"a": 1} "x" 3 [1, [2, "yz"]] {} ""'), {"multiple": True}),
    ("duplicate-keys", list('{"a": "x", "a": "yy", "b": [1], "b": {"c": 2}}'), {}),
    ("big-integers", ['{"n": 1234567890123456789', '0, "m": 9007199254740993, "k": 1}'], {}),
    ("error", ['{"title": "Hel', 'lo", "n": [1, 2', ", x]}"], {}),
    ("root-string", list('"just text"'), {}),
]


def build_streams() -> list[dict[str, Any]]:
    streams = []
    for name, chunks, options in CASES:
        text = "".join(sse.stream(chunks, **options))
        patcher = sse.Patcher()
        frames = []
        for event, data, _ in sse.Reader().feed(text):
            patcher.apply(event, data)
            value = patcher.value
            frames.append([event, data, json.dumps(value, ensure_ascii=False)])
        streams.append({"name": name, "sse": text, "frames": frames})
    return streams


VERCEL_CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("article-items", random_chunks(json.dumps(ARTICLE), 3, 16), {"at": "/sections"}),
    ("error", ['{"title": "Hel', 'lo", "n": [1, 2', ", x]}"], {}),
]


def build_vercel() -> list[dict[str, Any]]:
    """Vercel AI SDK UI message streams, with the value the last data part must show."""
    out = []
    for name, chunks, options in VERCEL_CASES:
        ids = {"part_id": "answer-1", "message_id": "msg-1"}
        text = "".join(sse.vercel_stream(chunks, name="answer", **ids, **options))
        patcher = sse.Patcher()
        patcher.feed("".join(sse.stream(chunks, **options)))
        out.append({"name": name, "sse": text, "value": patcher.value, "items": patcher.items})
    return out


def dump(streams: list[dict[str, Any]]) -> str:
    return json.dumps(streams, ensure_ascii=False, indent=1) + "\n"


def test_the_streams_node_replays_are_what_the_encoder_makes() -> None:
    stale = "is stale: run python tests/test_sse_js.py"
    assert STREAMS.read_text(encoding="utf-8") == dump(build_streams()), f"{STREAMS} {stale}"
    assert VERCEL.read_text(encoding="utf-8") == dump(build_vercel()), f"{VERCEL} {stale}"


if __name__ == "__main__":
    STREAMS.write_text(dump(build_streams()), encoding="utf-8")
    VERCEL.write_text(dump(build_vercel()), encoding="utf-8")
    sys.stdout.write(f"wrote {STREAMS} and {VERCEL}\n")
