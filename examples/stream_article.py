"""Stream an LLM-shaped JSON article through unspool, live, a few characters at a time.

On a terminal the growing object is redrawn in place: strings grow, each list item ticks
to done the moment it closes, and a status line counts chunks, characters and the time
unspool spent per chunk.  Piped, it prints one JSON line per snapshot.

    python examples/stream_article.py              # live, about 40 chunks a second
    python examples/stream_article.py --rate 0     # as fast as it goes
    unspool demo                                   # the same view over a recorded model answer

The loop inside (``unspool._output.play``, shared with ``unspool demo``) is the core API::

    parser = unspool.Parser()
    for chunk in chunks:
        events = parser.feed(chunk)   # ValueCompleted events say which items are done
        render(parser.value)          # the snapshot: never a half value
    parser.close()
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from unspool._output import LiveView, play

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
    ap.add_argument("--rate", type=float, default=40.0, help="chunks per second (0: at once)")
    args = ap.parse_args()

    text = json.dumps(json.loads(ARTICLE.read_text(encoding="utf-8")), indent=2, ensure_ascii=False)
    value = play(llm_chunks(text), LiveView(sys.stdout), args.rate)
    print(f"final value equals json.loads of the text: {value == json.loads(text)}")


if __name__ == "__main__":
    main()
