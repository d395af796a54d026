"""What the command line writes: JSON lines that are always JSON, and the live terminal view.

Rules it keeps:

1. Only JSON: a lone surrogate (``"\\ud800"`` in the input is valid JSON and becomes a lone
   surrogate in a Python ``str``) is written as its ``\\uXXXX`` escape, never as a character
   UTF-8 cannot encode; a number too large for a double (``1e999`` reads as ``inf``) is
   written as the largest double, as jq does, with one warning line on stderr per run.
2. No recursion: ``json.dumps`` (C, fast) writes what it can; a value nested deeper than the
   interpreter's recursion limit (the parser accepts 1000 levels) goes through an iterative
   encoder that writes the same text.
3. The live view redraws one frame in place on a terminal (a cursor-up and clear, then the
   frame, cut to the terminal's size so the cursor-up always lands on the frame's first
   line); anywhere else it writes one JSON line per snapshot.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from ._dumps import dumps_iteratively
from ._events import ValueCompleted
from ._parser import Parser
from ._path import Path

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_encode_string = json.encoder.encode_basestring
_LARGEST = repr(sys.float_info.max)
_warned = False


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps(value: Any) -> str:
    """``value`` as one line of JSON (``json.dumps`` with ``ensure_ascii=False``)."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, check_circular=False)
    except (RecursionError, ValueError):  # too deep, or an infinite float
        text = dumps_iteratively(value, _scalar)
    # Any surrogate left in a str is lone (a JSON pair is decoded to one character).
    return _LONE_SURROGATE.sub(_escape, text)


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return str(_encode_string(v))
    if v is None or v is True or v is False:
        return "null" if v is None else "true" if v else "false"
    if isinstance(v, float) and not -sys.float_info.max <= v <= sys.float_info.max:
        if v != v:
            raise ValueError("NaN cannot be written as JSON")
        _warn_infinite()
        return _LARGEST if v > 0 else "-" + _LARGEST
    return repr(v)


def _warn_infinite() -> None:
    global _warned
    if not _warned:
        _warned = True
        print(
            f"unspool: warning: a number beyond the range of a double is written as "
            f"±{_LARGEST} (as jq does)",
            file=sys.stderr,
        )


# -- the live view --------------------------------------------------------------------------

DONE = "✓"
OPEN = "▸"
CURSOR = "▌"


class LiveView:
    """Shows a growing value: redrawn in place on a terminal, one JSON line per snapshot
    elsewhere.  ``update`` after each change, ``finish`` once at the end."""

    def __init__(self, out: TextIO, live: bool | None = None) -> None:
        self.out = out
        self.live = _is_terminal(out) if live is None else live
        self._height = 0  # lines of the frame on screen

    def update(self, value: Any, done: set[Path], status: str) -> None:
        if not self.live:
            self.out.write(dumps(value) + "\n")
            self.out.flush()
            return
        size = shutil.get_terminal_size()
        lines = _frame(value, done, size.columns - 1)
        lines = lines[-(size.lines - 2) :] if len(lines) > size.lines - 2 else lines
        up = f"\x1b[{self._height}A\r" if self._height else "\x1b[?25l"  # hide the cursor
        self.out.write(up + "\x1b[J" + "\n".join([*lines, status[: size.columns - 1]]) + "\n")
        self.out.flush()
        self._height = len(lines) + 1

    def finish(self) -> None:
        if self.live and self._height:
            self.out.write("\x1b[?25h")  # show the cursor again
            self.out.flush()


def _is_terminal(out: TextIO) -> bool:
    import os

    return out.isatty() and os.environ.get("TERM") != "dumb"


def _frame(value: Any, done: set[Path], width: int) -> list[str]:
    lines: list[str] = []
    _render(value, (), 0, done, width, lines, "")
    return lines


def _render(
    value: Any, path: Path, indent: int, done: set[Path], width: int, lines: list[str], head: str
) -> None:
    """Append the lines of ``value`` (at ``path``) to ``lines``; ``head`` starts its first."""
    pad = " " * indent
    if isinstance(value, dict):
        if head:
            lines.append(head.rstrip())
        for key, child in value.items():
            label = f"{pad}{key}: "
            if isinstance(child, (dict, list)) and child:
                _render(child, (*path, key), indent + 2, done, width, lines, label)
            else:
                lines.append(label + _short(child, (*path, key) in done, width - len(label)))
    elif isinstance(value, list):
        if head:
            lines.append(head.rstrip())
        for i, child in enumerate(value):
            mark = f"{pad}{DONE if (*path, i) in done else OPEN} "
            if isinstance(child, dict) and child:
                first = len(lines)
                _render(child, (*path, i), indent + 2, done, width, lines, "")
                lines[first] = mark + lines[first][indent + 2 :]
            else:
                lines.append(mark + _short(child, (*path, i) in done, width - len(mark)))
    else:
        lines.append(head + _short(value, path in done, width - len(head)))


def _short(value: Any, complete: bool, room: int) -> str:
    """One value on one line of ``room`` characters: an open string shows its growing end."""
    if not isinstance(value, str):
        return dumps(value)[: max(room, 1)]
    text = value.replace("\n", " ⏎ ")
    if not complete:
        text += CURSOR
    if len(text) <= room:
        return text
    room = max(room - 1, 1)
    return "…" + text[-room:] if not complete else text[:room] + "…"


def play(chunks: Iterable[str | bytes], view: LiveView, rate: float = 0.0) -> Any:
    """Feed ``chunks`` to a ``Parser`` at ``rate`` chunks per second (0: at once), showing
    each change on ``view``; return the final value."""
    parser = Parser()
    done: set[Path] = set()
    count = characters = 0
    spent: list[float] = []  # seconds in each feed(): what unspool costs per chunk
    start = time.perf_counter()
    for chunk in chunks:
        if rate:  # wait for the chunk's moment in the replay
            time.sleep(max(0.0, start + count / rate - time.perf_counter()))
        began = time.perf_counter()
        events = parser.feed(chunk)
        spent.append(time.perf_counter() - began)
        count += 1
        characters += len(chunk)
        done.update(e.path for e in events if type(e) is ValueCompleted)
        if parser.changed:
            view.update(parser.value, done, _status(count, characters, spent, rate))
    done.update(e.path for e in parser.close() if type(e) is ValueCompleted)
    if parser.changed or view.live:  # the live view also ticks the last marks and status
        view.update(parser.value, done, _status(count, characters, spent, rate, end=True))
    view.finish()
    return parser.value


def _status(count: int, characters: int, spent: list[float], rate: float, end: bool = False) -> str:
    pace = f" · replayed at {rate:g} chunks/s" if rate else ""
    state = "done" if end else "streaming"
    cost = statistics.median(spent) * 1e6 if spent else 0.0
    return (
        f"── {state}: {count} chunks · {characters:,} characters · "
        f"{cost:.1f} µs per chunk in unspool (median){pace}"
    )
