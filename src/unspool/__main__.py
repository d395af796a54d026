"""The command line: ``unspool demo | split | events | watch``.

Each command reads JSON text as it arrives (a file, or standard input read as soon as bytes
are there, so ``some-llm-cli | unspool split`` prints each item the moment it closes) and
writes one JSON line per result, flushed at once.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from typing import Any, BinaryIO

from . import ItemError, ParseError, Splitter, StringDelta, iter_events, iter_partial, pointer

DEMO = {
    "title": "Why streaming parsers matter",
    "summary": "LLMs write JSON a few characters at a time; users want to watch it arrive.",
    "tags": ["json", "streaming", "llm"],
    "reading_minutes": 4,
    "sections": [
        {
            "heading": "The problem",
            "paragraphs": [
                "Re-parsing the whole buffer on every chunk is quadratic.",
                "Partial values lie: a number that reads 12 may be on its way to 12345.",
            ],
        },
        {
            "heading": "Une solution incrémentale 🎉",
            "paragraphs": ["Each character is read once, even an escape split in two."],
        },
    ],
    "published": True,
}


def _read(stream: BinaryIO) -> Iterator[bytes]:
    """The bytes of ``stream`` as they arrive (read1 returns what is there, up to 64 KiB)."""
    read = getattr(stream, "read1", stream.read)
    while chunk := read(65536):
        yield chunk


def _demo_chunks(delay: float) -> Iterator[str]:
    """The demo document, indented, in LLM-sized pieces of 1 to 8 characters."""
    text = json.dumps(DEMO, indent=2, ensure_ascii=False)
    rng = random.Random(7)
    i = 0
    while i < len(text):
        size = rng.randint(1, 8)
        yield text[i : i + size]
        i += size
        time.sleep(delay)


def _line(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _event_line(event: Any) -> dict[str, Any]:
    where = pointer(event.path)
    if isinstance(event, StringDelta):
        return {"path": where, "delta": event.text}
    return {"path": where, "value": event.value}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="unspool", description="Parse JSON while it streams.")
    commands = ap.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="stream a built-in answer and show its snapshots")
    demo.add_argument("--delay", type=float, default=0.02, help="seconds per chunk")
    split = commands.add_parser("split", help="one JSON line per item, as each closes")
    split.add_argument("--at", default=None, help="JSON Pointer to the array of items")
    split.add_argument("--on-error", choices=("raise", "skip", "yield"), default="raise")
    events = commands.add_parser("events", help="one JSON line per string delta / completion")
    watch = commands.add_parser("watch", help="one JSON line per snapshot that changed")
    for command in (split, events, watch):
        command.add_argument("file", nargs="?", type=argparse.FileType("rb"), default=None)
        command.add_argument(
            "--extract",
            action="store_true",
            help="find the JSON in model text: skip prose, ``` fences of other languages and "
            "<think> blocks",
        )
    args = ap.parse_args(argv)

    try:
        if args.command == "demo":
            for snapshot in iter_partial(_demo_chunks(args.delay)):
                _line(snapshot)
            return 0
        source = _read(args.file or sys.stdin.buffer)
        if args.command == "split":
            splitter = Splitter(at=args.at, on_error=args.on_error, extract=args.extract)
            for chunk in source:
                for item in splitter.feed(chunk):
                    _line(_item_line(item))
            for item in splitter.close():
                _line(_item_line(item))
        elif args.command == "events":
            for event in iter_events(source, extract=args.extract):
                _line(_event_line(event))
        else:
            for snapshot in iter_partial(source, extract=args.extract):
                _line(snapshot)
    except ParseError as err:
        print(f"unspool: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        sys.stderr.close()
    return 0


def _item_line(item: Any) -> Any:
    if isinstance(item, ItemError):
        return {"error": str(item.error), "index": item.index, "raw": item.raw}
    return item


if __name__ == "__main__":
    raise SystemExit(main())
