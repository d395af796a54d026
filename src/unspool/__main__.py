"""The command line: ``unspool demo | split | events | watch``.

Each command reads JSON text as it arrives (a file, or standard input read as soon as bytes
are there, so ``some-llm-cli | unspool split`` prints each item the moment it closes) and
writes one JSON line per result, flushed at once.  It behaves like a Unix tool: exit 0 on
success, 1 with one ``unspool: ...`` line on stderr for bad or empty input, 2 for a usage
error, 130 on Ctrl-C, and quietly 0 when the reader of its output goes away (``| head``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any, BinaryIO

from . import (
    Event,
    ItemError,
    Parser,
    Splitter,
    StringDelta,
    UnspoolError,
    ValueCompleted,
    __version__,
    iter_events,
    iter_partial,
)
from . import pointer as _pointer
from ._drivers import _owned
from ._output import LiveView, dumps, play
from ._sse_body import SSEError, text_chunks

_PROGRESS_MIN = 1 << 20  # a file at least this big shows its progress on a terminal
_PROGRESS_EVERY = 0.1  # seconds between two progress updates


def main(argv: list[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C: the shell's convention, no traceback
        return 130
    except BrokenPipeError:  # the reader went away (| head -1): stop quietly
        _silence_stdout()
        return 0
    except (UnspoolError, InputError, SSEError) as err:
        print(f"unspool: {err}", file=sys.stderr)
        return 1


def _arguments() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="unspool", description="Parse JSON while it streams.")
    ap.add_argument("--version", action="version", version=f"unspool {__version__}")
    commands = ap.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="replay a recorded model answer, live")
    demo.add_argument(
        "--rate", type=float, default=60.0, help="chunks per second (default 60; 0: at once)"
    )
    split = commands.add_parser("split", help="one JSON line per item, as each closes")
    split.add_argument("--at", default=None, help="JSON Pointer to the array of items")
    split.add_argument("--on-error", choices=("raise", "skip", "yield"), default="raise")
    events = commands.add_parser("events", help="one JSON line per string delta / completion")
    watch = commands.add_parser("watch", help="one JSON line per snapshot that changed")
    for command in (events, watch):
        command.add_argument(
            "--multiple", action="store_true", help="NDJSON or back-to-back documents"
        )
    for command in (split, events, watch):
        command.add_argument(
            "--sse",
            choices=("openai", "anthropic"),
            help="the input is a provider's raw server-sent-event body (curl -N ...)",
        )
        command.add_argument(
            "--extract",
            action="store_true",
            help="find the JSON in model text: skip prose, ``` fences of other languages and "
            "<think> blocks",
        )
        command.add_argument("file", nargs="?", help="the JSON text (default: standard input)")
    return ap


class InputError(Exception):
    """Input the command cannot start on: none at all, a file it cannot open."""


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args.rate)
    with _open(args.file) as stream:
        source = _nonempty(_read(stream, args.file))
        if args.sse:
            source = text_chunks(source, args.sse)
        if args.command == "split":
            _split(source, args.at, args.on_error, args.extract)
        elif args.command == "events":
            for event in iter_events(source, multiple=args.multiple, extract=args.extract):
                _line(_event_line(event, args.multiple))
        elif args.multiple:
            _watch_documents(source, args.extract)
        else:
            for snapshot in iter_partial(source, extract=args.extract):
                _line(snapshot)
    return 0


def _watch_documents(source: Iterable[bytes | str], extract: bool) -> None:
    """``watch --multiple``: the snapshots, and every document's final value, even of a
    document that began and ended inside one chunk."""
    parser = Parser(multiple=True, extract=extract)
    with _owned(source) as chunks:
        for chunk in chunks:
            _show_documents(parser, parser.feed(chunk))
        _show_documents(parser, parser.close())


def _show_documents(parser: Parser, events: list[Event]) -> None:
    last = None
    for event in events:
        if not event.path and type(event) is ValueCompleted:
            _line(event.value)
            last = event
    # The snapshot, unless it is the document just printed whole (or nothing changed).
    if parser.changed and not (last is events[-1] and parser.value is last.value):
        _line(parser.value)


def _split(source: Iterable[bytes | str], at: str | None, on_error: str, extract: bool) -> None:
    splitter = Splitter(at=at, on_error=on_error, extract=extract)
    for chunk in source:
        for item in splitter.feed(chunk):
            _line(_item_line(item))
    for item in splitter.close():
        _line(_item_line(item))


def _demo(rate: float) -> int:
    recording = resources.files("unspool").joinpath("demo_answer.sse").read_bytes()
    view = LiveView(sys.stdout)
    play(text_chunks([recording], "openai"), view, rate)
    return 0


# -- input ----------------------------------------------------------------------------------


def _open(path: str | None) -> Any:
    if path is None or path == "-":
        return _Borrowed(sys.stdin.buffer)
    try:
        return open(path, "rb")
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


class _Borrowed:
    """Standard input in a with block that does not close it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def __enter__(self) -> BinaryIO:
        return self.stream

    def __exit__(self, *exc_info: object) -> None:
        pass


def _read(stream: BinaryIO, path: str | None) -> Iterator[bytes]:
    """The bytes of ``stream`` as they arrive (read1 returns what is there, up to 64 KiB);
    a big file shows how far it got on stderr when stderr is a terminal."""
    read = getattr(stream, "read1", stream.read)
    size = _size(stream) if path not in (None, "-") and sys.stderr.isatty() else 0
    if size < _PROGRESS_MIN:
        while chunk := read(65536):
            yield chunk
        return
    done, shown = 0, 0.0
    try:
        while chunk := read(65536):
            yield chunk
            done += len(chunk)
            if time.monotonic() - shown >= _PROGRESS_EVERY:
                shown = time.monotonic()
                sys.stderr.write(f"\r\x1b[Kunspool: {done / size:4.0%} of {size:,} bytes")
                sys.stderr.flush()
    finally:
        sys.stderr.write("\r\x1b[K")  # the progress line disappears
        sys.stderr.flush()


def _size(stream: BinaryIO) -> int:
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError):
        return 0


def _nonempty(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks``, or ``InputError`` at the end if they held nothing but whitespace."""
    seen = False
    for chunk in chunks:
        seen = seen or bool(chunk.strip())
        yield chunk
    if not seen:
        raise InputError("the input is empty: no JSON arrived")


# -- output ---------------------------------------------------------------------------------


def _line(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def _event_line(event: Any, documents: bool) -> dict[str, Any]:
    line: dict[str, Any] = {"path": _pointer(event.path)}
    if isinstance(event, StringDelta):
        line["delta"] = event.text
    else:
        line["value"] = event.value
    if documents:
        line["document"] = event.document
    return line


def _item_line(item: Any) -> Any:
    if isinstance(item, ItemError):
        return {"error": str(item.error), "index": item.index, "raw": item.raw}
    return item


def _silence_stdout() -> None:
    # Python flushes stdout at exit and would report the broken pipe again: point it at
    # /dev/null first (the recipe of the Python docs on SIGPIPE).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    raise SystemExit(main())
