"""Stream a bundled LLM-shaped JSON answer through unspool, a few characters at a time.

Prints what a user interface would see: each string growing (StringDelta), each value the
moment it completes (ValueCompleted), and the snapshot after every chunk that changed it.

    python examples/stream_article.py            # fast
    python examples/stream_article.py --delay 0.02   # watch it like a live model
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path

import unspool

ARTICLE = Path(__file__).with_name("article.json")


def llm_chunks(text: str, seed: int = 7) -> Iterator[str]:
    """Split text like an LLM's tokens: 1 to 8 characters at a time."""
    rng = random.Random(seed)
    i = 0
    while i < len(text):
        size = rng.randint(1, 8)
        yield text[i : i + size]
        i += size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=0.0, help="seconds to sleep per chunk")
    ap.add_argument("--snapshots", action="store_true", help="print every snapshot too")
    args = ap.parse_args()

    text = json.dumps(json.loads(ARTICLE.read_text(encoding="utf-8")), indent=2, ensure_ascii=False)
    parser = unspool.Parser()
    chunks = 0
    for chunk in llm_chunks(text):
        chunks += 1
        for event in parser.feed(chunk):
            show(event)
        if args.snapshots:
            print(f"    snapshot: {json.dumps(parser.value, ensure_ascii=False)[:100]}")
        if args.delay:
            time.sleep(args.delay)
    for event in parser.close():
        show(event)
    print(
        f"\n{chunks} chunks, {len(text)} characters; final value equals json.loads: "
        f"{parser.value == json.loads(text)}"
    )


def show(event: unspool.Event) -> None:
    where = unspool.pointer(event.path) or "/"
    if isinstance(event, unspool.StringDelta):
        print(f"  delta     {where:<28} {event.text!r}")
    else:
        shown = json.dumps(event.value, ensure_ascii=False)
        print(f"  completed {where:<28} {shown[:60]}{'...' if len(shown) > 60 else ''}")


if __name__ == "__main__":
    main()
