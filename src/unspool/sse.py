"""Server-Sent Events: what changed at each chunk, on the wire, for the browser.

``stream(chunks)`` turns a stream of model text into SSE frames (``str``) whose bytes grow
with the answer, not with its square: an event carries what changed, never the whole value
again.  The page rebuilds the value with ``static/unspool.js`` (``JS_PATH``); Python clients
with ``Patcher``.

The events, one frame each (``id:`` counts frames from 1, so a client can tell where it
stopped)::

    id: 4
    event: patch
    data: [["+"," end."],["=","/sections/1",{"heading":"Intro","body":"Once"}]]

    id: 5
    event: patch
    data: [["+","/sections/1/body"," upon"]]

    id: 6
    event: patch
    data: [["+"," a time"]]

- ``patch``: a JSON array of operations, applied in order.  ``["=", pointer, value]`` puts
  ``value`` at ``pointer``: a new key of an object, the next element of an array (the pointer's
  last part is the array's length), or ``""``: the document itself (with ``multiple=True``,
  each new document).  ``["+", pointer, text]`` appends ``text`` to the string at ``pointer``;
  ``["+", text]`` appends to the string the previous operation (of this or an earlier patch)
  put or appended to -- the common case, a model writing one string, without its pointer.
  A patch only ever adds, as the snapshot invariants allow (README; 4: arrays grow at the end, 5:
  objects gain keys, 3: strings gain characters), so applying it costs time in proportion to
  its size.  The one exception is a duplicate object key: its value shows when it completes,
  by an ``=`` that replaces the older value (last wins, as ``json.loads``).
- ``item`` (with ``at=``): ``{"index": i, "value": v}`` for each item the moment it closes,
  validated (and dumped as JSON) when ``model=`` is given.
- ``error``: ``{"kind", "message", "pos", "line", "column", "path"}`` (``path`` a JSON
  Pointer; ``index`` too for a bad item).  A parse error, a validation error, the model's
  token limit (``kind: "token_limit"``) or a failing source (``kind: "upstream"``, logged on
  the ``unspool`` logger) ends the stream with this event; nothing sent before it is retracted.
- ``done``: ``{}``, the last event of a stream that ended well.  A stream ends with exactly one
  of ``done`` and ``error``.
- ``: keep-alive`` comments while an async source is silent (every ``keep_alive`` seconds),
  so that proxies do not drop the connection.

Rules it keeps:

Rule 1 (the snapshot).  After each ``patch`` the client's value equals ``Parser.value`` after
the chunks it covers (so a page never shows an unfinished number or a half escape).

Rule 2 (linear bytes).  Each character of the document goes on the wire once, in the patch
that first shows it: an open string is followed by its deltas (``StringDelta``), new keys
and elements are sent whole once.  How: the encoder keeps the client's *spine* -- the open
containers it showed, outermost first, each with how many entries the client has -- and
after a chunk looks only at the end of the deepest one (invariants 4 and 5: nothing else can
change).  Per chunk that costs O(what changed), not O(document).

Rule 3 (timely).  Without ``min_interval`` each chunk that changes something gives one
``patch``.  With it, patches that come faster are merged (``"+"`` runs joined), and what is
held is sent after at most ``min_interval`` seconds (async sources) or with the next chunk
(sync sources), and always before an ``item``, an ``error`` and ``done``.

This module imports only the standard library (pydantic on first use of ``model=``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
)
from pathlib import Path as _FilePath
from typing import Any

from ._drivers import _aowned, _is_async, _owned
from ._errors import ParseError, UnspoolError, ValidationError
from ._events import StringDelta, ValueCompleted
from ._parser import MISSING, Parser
from ._path import Path, pointer
from ._splitter import Splitter

__all__ = [
    "HEADERS",
    "JS_PATH",
    "MEDIA_TYPE",
    "VERCEL_HEADERS",
    "Encoder",
    "Patcher",
    "ProtocolError",
    "Reader",
    "events",
    "stream",
    "vercel_stream",
]

JS_PATH = _FilePath(__file__).parent / "static" / "unspool.js"
"""The browser client, an ES module without dependencies: serve it as ``text/javascript``."""

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
"""What a proxy needs to pass events through at once (nginx buffers without the second)."""

VERCEL_HEADERS = {**HEADERS, "x-vercel-ai-ui-message-stream": "v1"}
"""The headers of a Vercel AI SDK UI message stream (``vercel_stream``)."""

KEEP_ALIVE = ": keep-alive\n\n"

Chunk = str | bytes
# A frame before it is encoded: (event name, data as JSON text); None is a keep-alive.
Frame = tuple[str, str]

logger = logging.getLogger("unspool")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ProtocolError(UnspoolError, ValueError):
    """A patch that does not fit the value it is applied to (a bug or a mixed-up stream)."""


# -- the sans-I/O encoder --------------------------------------------------------------------


class Encoder:
    """The sans-I/O core of ``stream``: chunks in, ``(event, data_json)`` frames out.

    ``feed(chunk)`` parses a chunk and returns the frames due (items, and the patch before
    them); the patch of other chunks waits for ``flush()``, which the driver calls after each
    chunk or, with ``min_interval``, less often.  ``close()`` returns the last frames,
    ``done`` included.  ``error_frame(exc)`` is the frame for an exception.  After an error
    the encoder is spent.
    """

    def __init__(
        self,
        *,
        at: str | None = None,
        model: Any = None,
        extract: bool = False,
        **parser_options: Any,
    ) -> None:
        if extract:  # the JSON is found in model text (prose, fences): the parsers' option
            parser_options["extract"] = extract
        self._parser = Parser(**parser_options)
        self._splitter: Splitter | None = None
        self._builder: Any = None
        self._check: Any = None
        self._dump: Any = None
        if at is not None:
            options = {k: v for k, v in parser_options.items() if k not in ("multiple", "events")}
            self._splitter = Splitter(at, with_raw=True, **options)
        if model is not None:
            self._use_model(model, at, parser_options)
        # The client's spine: [container, entries the client has] per open container it
        # shows, outermost first; see Rule 2.
        self._spine: list[list[Any]] = []
        self._spine_path: list[Any] = []  # the key of the last entry of each spine container
        self._sent_root = False
        self._root: Any = MISSING  # the document the client has
        self._open: Path | None = None  # the path of the open string the client shows
        self._appended: list[str] = []  # deltas to that string not sent yet
        self._ops: list[Any] = []  # operations not sent yet, in order
        self._target: Path | None = None  # the string the last operation put or appended to
        # The last event, if it was a completion: (document, path).  A value the parser
        # began is complete exactly when this names it (children complete first, and a
        # later sibling or the parent's end would make another event last).
        self._last_completed: tuple[int, Path] | None = None
        self._document = -1  # the document the client has
        self.error: Exception | None = None  # an error already sent as a frame: stop
        self._latest = 0  # the document of the latest event

    def _use_model(self, model: Any, at: str | None, options: dict[str, Any]) -> None:
        try:
            from pydantic import TypeAdapter

            from ._builder import PartialBuilder
            from ._validate import ItemChecker
        except ModuleNotFoundError as err:
            raise ImportError("model= needs pydantic: pip install 'unspool[pydantic]'") from err
        if at is None:
            self._builder = PartialBuilder(model, **options)
        else:
            self._check = ItemChecker(model, "raise").checked
            self._dump = TypeAdapter(model).dump_python

    # -- input ---------------------------------------------------------------------------------

    def feed(self, chunk: Chunk) -> list[Frame]:
        """Parse one chunk; return the frames due now (the patch waits for ``flush``,
        unless an item completed)."""
        parser = self._parser
        events = parser.feed(chunk)
        if events:
            self._note(events)
        parser.feed(chunk[:0])  # raises at once an error found after these events
        if self._builder is not None:
            self._builder.feed(chunk)
        if self._splitter is None:
            return []
        items = self._splitter.feed(chunk)
        return self._items(items) if items else []

    def close(self) -> list[Frame]:
        """End of input: the last patch and items, then ``done`` (or raise the error)."""
        events = self._parser.close()
        if events:
            self._note(events)
        frames = self._items(self._splitter.close()) if self._splitter is not None else []
        if self._builder is not None:
            self._builder.close()
            self._builder.final()  # raises IncompleteJSONError or ValidationError
        frames[:0] = self.flush()
        frames.append(("done", "{}"))
        return frames

    def _items(self, items: list[Any]) -> list[Frame]:
        frames = self.flush()  # the client has the item in its value before onItem
        if self._check is not None:
            try:  # the items before a bad one go out, then the error
                for (index, _value, _raw), value in zip(items, self._check(items), strict=False):
                    data = {"index": index, "value": self._dump(value, mode="json")}
                    frames.append(("item", _dumps(data)))
            except ValidationError as err:
                self.error = err
                frames.append(self.error_frame(err))
        else:
            for index, value, _raw in items:
                frames.append(("item", _dumps({"index": index, "value": value})))
        return frames

    def _note(self, events: list[Any]) -> None:
        """Keep the client's spine in step with the completions; queue the deltas of the
        string the client shows open."""
        spine = self._spine
        for event in events:
            path = event.path
            if type(event) is StringDelta:
                if path == self._open:
                    self._appended.append(event.text)
                continue
            depth = len(path)
            if path == self._open:
                self._queue_appended()
                self._open = None  # that string is complete: no delta can follow
            elif depth < len(spine):  # the container at this depth is complete
                self._end_level(depth)
            elif depth == len(spine) and depth and self._is_duplicate(path):
                self._put(self._ops, path, event.value)
        last = events[-1]
        self._latest = last.document
        self._last_completed = (last.document, last.path) if type(last) is ValueCompleted else None

    def _end_level(self, depth: int) -> None:
        """The deepest container the client shows (at ``depth``) is complete: send the
        entries it gained, then leave it."""
        self._queue_appended()
        self._grow(self._ops)
        del self._spine[depth:]
        del self._spine_path[depth:]
        if self._open is not None and len(self._open) > depth:
            self._open = None  # _grow followed an entry that is complete with its parent

    def _queue_appended(self) -> None:
        if self._appended:
            assert self._open is not None  # deltas are kept only for the open string
            text = "".join(self._appended)
            self._appended = []
            if self._open == self._target:  # the string the last operation named: no pointer
                self._ops.append(["+", text])
            else:
                self._ops.append(["+", pointer(self._open), text])
                self._target = self._open

    def _put(self, ops: list[Any], path: Path, value: Any) -> None:
        """Queue ``["=", pointer, value]``."""
        ops.append(["=", pointer(path), value])
        self._target = path if type(value) is str else None

    def _is_duplicate(self, path: Path) -> bool:
        """Whether a value completed at ``path`` replaces one the client has (a key repeated
        in the object at the end of the spine)."""
        container, known = self._spine[-1]
        key = path[-1]
        if type(container) is not dict or key not in container:
            return False
        new = len(container) - known
        return key not in itertools.islice(reversed(container), new)

    # -- output --------------------------------------------------------------------------------

    def flush(self) -> list[Frame]:
        """The patch for what changed since the last one (``[]`` if nothing did)."""
        self._queue_appended()
        ops, self._ops = self._ops, []
        if self._spine:
            self._grow(ops)
        elif not self._sent_root or self._open is None:
            self._begin(ops)
        return [("patch", _dumps(ops))] if ops else []

    def _begin(self, ops: list[Any]) -> None:
        """Send the document if it began (or, with ``multiple=True``, the next one)."""
        value = self._parser.value
        if value is MISSING:
            return
        if self._sent_root:
            # A string is a new object whenever it grows: only a container keeps its identity.
            same = value is self._root or type(value) is type(self._root) is str
            if same and self._latest == self._document:
                return  # the document the client has
            # A new document; without an event of its own yet, it is the next one.
            self._document = self._latest if self._latest > self._document else self._document + 1
        else:
            self._document = self._latest
        self._sent_root = True
        self._root = value
        self._put(ops, (), value)
        self._follow((), value)

    def _grow(self, ops: list[Any]) -> None:
        """Send the new entries at the end of the deepest open container the client shows."""
        level = self._spine[-1]
        container, known = level
        new = len(container) - known
        if new <= 0:
            return
        self._parser.value  # noqa: B018 -- brings the open string (a new entry) up to date
        base = tuple(self._spine_path[:-1])
        if type(container) is list:
            keys: Iterable[Any] = range(known, len(container))
        else:
            keys = reversed(list(itertools.islice(reversed(container), new)))
        key: Any = None
        for key in keys:
            self._put(ops, (*base, key), container[key])
        level[1] = len(container)
        self._spine_path[-1] = key
        self._follow((*base, key), container[key])

    def _follow(self, path: Path, value: Any) -> None:
        """The client now has ``value`` at ``path``, the last entry sent: extend the spine
        down its open containers to its open string, if any."""
        while (self._document, path) != self._last_completed:
            kind = type(value)
            if kind is str:
                self._open = path
                return
            if kind is not dict and kind is not list:
                return
            self._spine.append([value, len(value)])
            if not value:
                self._spine_path.append(None)
                return
            key = len(value) - 1 if kind is list else next(reversed(value))
            self._spine_path.append(key)
            path = (*path, key)
            value = value[key]

    @property
    def value(self) -> Any:
        """The parser's snapshot (what the client has after the next ``flush``)."""
        return self._parser.value

    def error_frame(self, exc: BaseException) -> Frame:
        """The ``error`` frame for ``exc`` (what is held is lost: call ``flush`` first)."""
        return ("error", _dumps(error_data(exc)))


def error_data(exc: BaseException) -> dict[str, Any]:
    """What the ``error`` event says about ``exc``."""
    if isinstance(exc, ParseError):
        data: dict[str, Any] = {
            "kind": exc.kind,
            "message": str(exc),
            "pos": exc.pos,
            "line": exc.lineno,
            "column": exc.colno,
            "path": pointer(exc.path),
        }
        if exc.index is not None:
            data["index"] = exc.index
        return data
    if isinstance(exc, ValidationError):
        data = {"kind": "validation", "message": str(exc), "path": pointer(exc.path)}
        if exc.index is not None:
            data["index"] = exc.index
        return data
    if isinstance(exc, UnspoolError):  # RefusalError -> "refusal", ...
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
        return {"kind": name.removesuffix("_error"), "message": str(exc)}
    return {"kind": "upstream", "message": f"{type(exc).__name__}: {exc}"}


# -- pacing: when a patch goes out, when a keep-alive does ------------------------------------


class _Pacer:
    """Holds patches back for ``min_interval`` seconds and says when a keep-alive is due."""

    def __init__(self, min_interval: float | None, keep_alive: float | None) -> None:
        self.min_interval = min_interval
        self.keep_alive = keep_alive
        self.held = False  # a chunk changed something that was not flushed yet
        self.due = 0.0  # when a held patch may go
        self.last_sent = time.monotonic()

    def after_chunk(self, encoder: Encoder, frames: list[Frame]) -> list[Frame]:
        """Frames to send after a chunk: those ``feed`` gave, and the patch if it is due."""
        now = time.monotonic()
        if self.min_interval is None or now >= self.due or frames:
            frames += encoder.flush()
        else:
            self.held = True
        if frames:
            self.sent(now)
        return frames

    def sent(self, now: float) -> None:
        self.held = False
        self.last_sent = now
        if self.min_interval is not None:
            self.due = now + self.min_interval

    def timeout(self) -> float | None:
        """Seconds to wait for the next chunk before ``on_tick`` (None: for ever)."""
        if self.held:
            return max(0.0, self.due - time.monotonic())
        if self.keep_alive is not None:
            return max(0.0, self.last_sent + self.keep_alive - time.monotonic())
        return None

    def on_tick(self, encoder: Encoder) -> list[Frame | None]:
        """No chunk came in time: the held patch, or a keep-alive (None) if silent too long."""
        now = time.monotonic()
        if self.held:
            frames: list[Frame | None] = []
            if now >= self.due:
                frames += encoder.flush()
                self.sent(now)
            return frames
        if self.keep_alive is not None and now >= self.last_sent + self.keep_alive:
            self.last_sent = now
            return [None]
        return []


def _failed(encoder: Encoder, exc: Exception) -> list[Frame]:
    """The frames that end a stream that failed: what was shown before, then the error."""
    if not isinstance(exc, UnspoolError):
        logger.error("the source of an SSE stream failed", exc_info=exc)
    try:
        frames = encoder.flush()
    except Exception:  # the parser's state after the error does not allow a patch
        frames = []
    frames.append(encoder.error_frame(exc))
    return frames


def _iter_frames(
    encoder: Encoder, chunks: Iterable[Chunk], pacer: _Pacer
) -> Generator[Frame, None, None]:
    last: list[Frame] = []  # stays empty if a strict=False source ends cut off (_owned)
    try:
        with _owned(chunks) as source:
            for chunk in source:
                frames = pacer.after_chunk(encoder, encoder.feed(chunk))
                if frames:
                    yield from frames
                    if encoder.error is not None:
                        return
            last = encoder.close()  # inside: a source cut off at the token limit says so
    except Exception as exc:
        yield from _failed(encoder, exc)
        return
    yield from last


_TICK: Any = object()


async def _ticking(source: AsyncIterator[Chunk], pacer: _Pacer) -> AsyncGenerator[Any, None]:
    """The chunks of ``source``, with ``_TICK`` whenever ``pacer.timeout()`` passes first.

    The pending ``__anext__`` runs as a task that survives a tick (cancelling it would break
    the source); it is cancelled only when this generator is closed.
    """
    pending: asyncio.Future[Chunk] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(source.__anext__())
            done, _ = await asyncio.wait((pending,), timeout=pacer.timeout())
            if not done:
                yield _TICK
                continue
            task, pending = pending, None
            try:
                chunk = task.result()
            except StopAsyncIteration:
                return
            yield chunk
    finally:
        if pending is not None:
            pending.cancel()
            await asyncio.wait((pending,))


async def _aiter_frames(
    encoder: Encoder, chunks: AsyncIterable[Chunk], pacer: _Pacer
) -> AsyncGenerator[Frame | None, None]:
    last: list[Frame] = []
    try:
        async with _aowned(chunks) as source:
            if pacer.keep_alive is None and pacer.min_interval is None:
                async for chunk in source:  # no timer: no task per chunk
                    for frame in pacer.after_chunk(encoder, encoder.feed(chunk)):
                        yield frame
                    if encoder.error is not None:
                        return
            else:
                async with contextlib.aclosing(_ticking(source, pacer)) as ticking:
                    async for chunk in ticking:
                        if chunk is _TICK:
                            frames: list[Any] = pacer.on_tick(encoder)
                        else:
                            frames = pacer.after_chunk(encoder, encoder.feed(chunk))
                        for frame in frames:
                            yield frame
                        if encoder.error is not None:
                            return
            last = encoder.close()  # inside: a source cut off at the token limit says so
    except Exception as exc:
        for frame in _failed(encoder, exc):
            yield frame
        return
    for frame in last:
        yield frame


# -- the public drivers -------------------------------------------------------------------------


def _sse(frame: Frame | None, number: int) -> str:
    if frame is None:
        return KEEP_ALIVE
    return f"id: {number}\nevent: {frame[0]}\ndata: {frame[1]}\n\n"


def _as_dict(frame: Frame | None, number: int) -> dict[str, Any]:
    if frame is None:
        return {"comment": "keep-alive"}
    return {"event": frame[0], "id": str(number), "data": frame[1]}


def _numbered(frames: Generator[Frame | None, None, None], render: Any) -> Iterator[Any]:
    """``render(frame, id)`` for each frame; closing this closes ``frames`` (and the source)."""
    with contextlib.closing(frames):
        number = 0
        for frame in frames:
            if frame is not None:
                number += 1
            yield render(frame, number)


async def _anumbered(
    frames: AsyncGenerator[Frame | None, None], render: Any
) -> AsyncGenerator[Any, None]:
    async with contextlib.aclosing(frames):
        number = 0
        async for frame in frames:
            if frame is not None:
                number += 1
            yield render(frame, number)


def _frames(
    chunks: Any,
    at: str | None,
    model: Any,
    extract: bool,
    min_interval: float | None,
    keep_alive: float | None,
    options: dict[str, Any],
) -> Generator[Frame | None, None, None] | AsyncGenerator[Frame | None, None]:
    encoder = Encoder(at=at, model=model, extract=extract, **options)
    if _is_async(chunks):
        return _aiter_frames(encoder, chunks, _Pacer(min_interval, keep_alive))
    return _iter_frames(encoder, chunks, _Pacer(min_interval, None))


def stream(
    chunks: Iterable[Chunk] | AsyncIterable[Chunk],
    *,
    at: str | None = None,
    model: Any = None,
    extract: bool = False,
    min_interval: float | None = None,
    keep_alive: float | None = 15.0,
    **parser_options: Any,
) -> Any:
    """Encode a stream of model text as SSE frames (``str``): ``patch``, ``item``, ``error``
    and ``done`` events (see the module docstring)::

        @app.post("/chat/stream")
        async def chat(request: Request) -> StreamingResponse:
            deltas = unspool.openai.text_deltas(await client.chat.completions.create(...))
            return StreamingResponse(unspool.sse.stream(deltas), headers=unspool.sse.HEADERS,
                                     media_type=unspool.sse.MEDIA_TYPE)

    ``chunks`` is a sync or async iterable of ``str`` or UTF-8 ``bytes`` (an adapter's deltas
    too); the result is the matching iterator or async iterator.  It owns ``chunks``: when it
    ends, fails, or is closed (a client that disconnects), the source is closed, so the model's
    HTTP stream stops.  ``at`` adds an ``item`` event per item (see ``Splitter``); ``model``
    validates the items (with ``at``) or the document, field by field (without); ``extract``
    and ``parser_options`` go to the parser.  ``min_interval`` (seconds) merges patches that
    come faster; ``keep_alive`` (seconds, async sources only: a sync ``next()`` cannot be
    interrupted) sends a comment when nothing was sent for that long.  Waiting with a timeout
    costs a task per chunk (about 45 us); ``keep_alive=None`` reads the source directly.
    """
    frames = _frames(chunks, at, model, extract, min_interval, keep_alive, parser_options)
    if isinstance(frames, AsyncGenerator):
        return _anumbered(frames, _sse)
    return _numbered(frames, _sse)


def events(
    chunks: Iterable[Chunk] | AsyncIterable[Chunk],
    *,
    at: str | None = None,
    model: Any = None,
    extract: bool = False,
    min_interval: float | None = None,
    keep_alive: float | None = None,
    **parser_options: Any,
) -> Any:
    """The frames of ``stream`` as dicts -- ``{"event", "id", "data"}`` (data: JSON text), or
    ``{"comment": "keep-alive"}`` -- for libraries that encode SSE themselves: sse-starlette's
    ``EventSourceResponse(events(...))``, or FastAPI's ``ServerSentEvent(raw_data=d["data"],
    event=d["event"], id=d["id"])``.  Those send their own pings, so ``keep_alive`` is off."""
    frames = _frames(chunks, at, model, extract, min_interval, keep_alive, parser_options)
    if isinstance(frames, AsyncGenerator):
        return _anumbered(frames, _as_dict)
    return _numbered(frames, _as_dict)


# -- the Python consumer ------------------------------------------------------------------------


class Reader:
    """A sans-I/O SSE parser: ``feed(text)`` returns the ``(event, data, id)`` of each event
    it completes (comments and keep-alives are skipped; ``id`` is None if the event had
    none).  Text may be split anywhere; line ends are ``\\n``, ``\\r\\n`` or ``\\r``."""

    def __init__(self) -> None:
        self._rest = ""
        self._event = "message"
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, text: str) -> list[tuple[str, str, str | None]]:
        text = self._rest + text
        lines = text.splitlines(keepends=True)
        # A line is whole once its end is here (a last \r may be the first half of \r\n).
        self._rest = lines.pop() if lines and not lines[-1].endswith("\n") else ""
        out = []
        for line in lines:
            line = line.rstrip("\r\n")
            if not line:
                if self._data:
                    out.append((self._event, "\n".join(self._data), self._id))
                self._event, self._data, self._id = "message", [], None
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                self._event = value
            elif name == "data":
                self._data.append(value)
            elif name == "id":
                self._id = value
        return out


def _parse_pointer(text: str) -> list[str]:
    if not text:
        return []
    if not text.startswith("/"):
        raise ProtocolError(f"not a JSON Pointer: {text!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/")]


class Patcher:
    """Rebuilds the value of a ``stream`` from its events, as ``unspool.js`` does in a page.

    ``apply(event, data)`` takes one event (``data`` as JSON text or already decoded);
    ``feed(text)`` takes raw SSE text (e.g. ``response.iter_text()`` of an httpx stream) and
    applies every event in it.  ``value`` is the value so far (``MISSING`` before the first
    patch), ``items`` the ``item`` events' values, ``done`` whether ``done`` came, ``error``
    the ``error`` event's data, ``last_id`` the id of the last event read by ``feed``.

    Appending to a string costs time in proportion to the appended text (parts are joined
    when ``value`` is read), so a long answer is rebuilt in linear time.
    """

    def __init__(self) -> None:
        self._value: Any = MISSING
        self.items: list[Any] = []
        self.done = False
        self.error: dict[str, Any] | None = None
        self.last_id: str | None = None
        self._reader = Reader()
        # The string being appended to: its container and key (None: the document), parts.
        self._growing: tuple[Any, Any] | None = None
        self._growing_path = ""
        self._parts: list[str] = []
        self._target: str | None = None  # the string the last operation named (a pointer)

    @property
    def value(self) -> Any:
        self._settle()
        return self._value

    def feed(self, text: str) -> list[str]:
        """Apply the events completed by ``text``; return their names."""
        names = []
        for event, data, event_id in self._reader.feed(text):
            if event_id is not None:
                self.last_id = event_id
            self.apply(event, data)
            names.append(event)
        return names

    def apply(self, event: str, data: Any) -> None:
        """Apply one event (unknown event names are ignored, as a browser does)."""
        if isinstance(data, str):
            data = json.loads(data)
        if event == "patch":
            for op in data:
                self._apply_op(op)
        elif event == "item":
            self.items.append(data["value"])
        elif event == "error":
            self.error = data
        elif event == "done":
            self.done = True

    def _apply_op(self, op: list[Any]) -> None:
        if len(op) == 2 and op[0] == "+":  # to the string the previous operation named
            if self._target is None:
                raise ProtocolError("'+' without a pointer, and no string before it")
            op = ["+", self._target, op[1]]
        kind, where, value = op
        if kind == "+":
            if where != self._growing_path or self._growing is None:
                self._settle()
                self._growing = self._locate(where)
                self._growing_path = where
                current = self._get(*self._growing)
                if type(current) is not str:
                    raise ProtocolError(f"'+' on a {type(current).__name__} at {where!r}")
                self._parts = [current]
            self._parts.append(value)
            self._target = where
        elif kind == "=":
            self._settle()
            self._target = where if type(value) is str else None
            if where == "":
                self._value = value
                return
            parent, key = self._locate(where)
            if type(parent) is list:
                if key != len(parent):
                    raise ProtocolError(f"'=' at {where!r}: the array has {len(parent)} elements")
                parent.append(value)
            else:
                parent[key] = value
        else:
            raise ProtocolError(f"unknown operation {kind!r}")

    def _settle(self) -> None:
        """Put the string being appended to, joined, in its place."""
        if self._growing is not None:
            parent, key = self._growing
            text = "".join(self._parts)
            if parent is None:
                self._value = text
            else:
                parent[key] = text
            self._growing = None
            self._growing_path = ""

    def _get(self, parent: Any, key: Any) -> Any:
        return self._value if parent is None else parent[key]

    def _locate(self, where: str) -> tuple[Any, Any]:
        """The container and key (int for arrays) that ``where`` names."""
        parts = _parse_pointer(where)
        if not parts:
            return None, None
        node = self._value
        try:
            for part in parts[:-1]:
                node = node[int(part)] if type(node) is list else node[part]
            last: Any = parts[-1]
            if type(node) is list:
                last = int(last)
            elif type(node) is not dict:
                raise TypeError(type(node).__name__)
        except (KeyError, IndexError, ValueError, TypeError) as err:
            raise ProtocolError(f"no container at {where!r} ({err})") from None
        return node, last


# -- the Vercel AI SDK's UI message stream ------------------------------------------------------


def vercel_stream(
    chunks: Iterable[Chunk] | AsyncIterable[Chunk],
    *,
    name: str = "object",
    part_id: str | None = None,
    message_id: str | None = None,
    at: str | None = None,
    model: Any = None,
    extract: bool = False,
    min_interval: float | None = None,
    keep_alive: float | None = 15.0,
    **parser_options: Any,
) -> Any:
    """Encode a stream as the Vercel AI SDK's UI message stream (protocol v1, for ``useChat``).

    A ``data-<name>`` part with one stable ``id`` carries the snapshot after each change (the
    SDK replaces a data part that has the same id, so the message shows the object as it
    grows); each item (``at=``) is a ``data-<name>-item`` part of its own; an error is an
    ``error`` part; the stream ends with ``finish`` and ``[DONE]``.  Send it with
    ``VERCEL_HEADERS``.  ``part_id`` and ``message_id`` are random unless given.  The
    protocol has no patches: every part repeats the whole snapshot,
    so bytes grow with the square of the answer -- use ``min_interval`` to bound the count.
    (``useObject`` takes plain text instead: stream the model's raw JSON text deltas as
    ``text/plain``, and it parses them itself.)
    """
    encoder = Encoder(at=at, model=model, extract=extract, **parser_options)
    message_id = message_id or f"msg-{uuid.uuid4().hex}"
    part_id = part_id or f"{name}-{uuid.uuid4().hex[:12]}"

    def render(frame: Frame | None, _number: int) -> str:
        if frame is None:
            return KEEP_ALIVE
        event, data = frame
        if event == "patch":
            part = {"type": f"data-{name}", "id": part_id, "data": encoder.value}
        elif event == "item":
            item = json.loads(data)
            part = {"type": f"data-{name}-item", "id": f"{part_id}-{item['index']}"}
            part["data"] = item["value"]
        elif event == "error":
            part = {"type": "error", "errorText": json.loads(data)["message"]}
        else:
            return 'data: {"type":"finish"}\n\ndata: [DONE]\n\n'
        return f"data: {_dumps(part)}\n\n"

    start = f"data: {_dumps({'type': 'start', 'messageId': message_id})}\n\n"
    if _is_async(chunks):
        frames: Any = _aiter_frames(encoder, chunks, _Pacer(min_interval, keep_alive))
        return _aprefixed(start, _anumbered(frames, render))
    frames = _iter_frames(encoder, chunks, _Pacer(min_interval, None))  # type: ignore[arg-type]
    return itertools.chain((start,), _numbered(frames, render))


async def _aprefixed(first: str, rest: AsyncGenerator[str, None]) -> AsyncGenerator[str, None]:
    async with contextlib.aclosing(rest):
        yield first
        async for text in rest:
            yield text
