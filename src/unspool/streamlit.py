"""A live structured answer in Streamlit (``pip install 'unspool[streamlit]'``).

``st.write_stream`` shows prose: every chunk that is not a string becomes a new element, so a
stream of growing objects stacks one widget per chunk.  ``write_model`` is its structured
twin::

    with st.chat_message("assistant"):
        recipe = unspool.streamlit.write_model(deltas, Recipe)   # a Recipe, or None on error

How it renders.  Everything goes into one ``st.empty`` placeholder, laid out once: one slot
per field of the model, in the model's order, then one for an error.  A slot (an ``st.empty``
of its own) is drawn again only when what it shows changed, so text fields grow in place and
nothing stacks.  A list field holds one slot per item: each item appears once, marked
``WRITING`` while it is the open last item and ``DONE`` once it can no longer change (a
later item began, or the list closed); a finished item is never sent again.  Nested objects
and the open item are redrawn whole, which costs their size, not the document's.

Async sources.  ``chunks`` may be async, as ``st.write_stream`` allows: an adapter's stream
over ``graph.astream(...)``, or an async generator that makes its ``AsyncOpenAI`` call and
yields the deltas (a client call awaited before would be bound to another loop).  Each chunk
is awaited on an event loop of write_model's own, since a Streamlit script is not a
coroutine, and the source is closed on that loop however the stream ends.

Errors.  Invalid JSON (``unspool.ParseError``), a value that fails validation
(``unspool.ValidationError``) or a stream cut short (``IncompleteJSONError``) is shown with
its path under what arrived, which stays on screen; ``write_model`` then returns ``None``
instead of raising, so one bad answer does not end the app.  Other exceptions (the source's
own, ``st.stop()``) propagate, and the source is closed whichever way the stream ends.

Streamlit is imported here and nowhere else in unspool.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import functools
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

try:
    import streamlit as st
except ModuleNotFoundError as err:  # pragma: no cover - exercised in a subprocess test
    if (err.name or "").partition(".")[0] != "streamlit":
        raise
    raise ImportError(
        "unspool.streamlit needs streamlit: pip install 'unspool[streamlit]'", name=err.name
    ) from err

import unspool
from unspool._drivers import Chunk, _aclose, _is_async, _pacer

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter
    from streamlit.delta_generator import DeltaGenerator

    from unspool import Partial

__all__ = ["DONE", "WRITING", "write_model"]

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T")

DONE = ":green[:material/check_circle:]"  # a list item that can no longer change
WRITING = ":gray[:material/more_horiz:]"  # the list item still arriving
_NOTHING = object()  # what an empty slot shows


@overload
def write_model(
    chunks: Iterable[str | bytes] | AsyncIterable[str | bytes],
    model: type[M],
    *,
    container: DeltaGenerator | None = None,
    on_update: Callable[[Partial[M]], object] | None = None,
    min_interval: float | None = None,
    **options: Any,
) -> M | None: ...
@overload
def write_model(
    chunks: Iterable[str | bytes] | AsyncIterable[str | bytes],
    model: type[T] | TypeAdapter[T],
    *,
    container: DeltaGenerator | None = None,
    on_update: Callable[[Any], object] | None = None,
    min_interval: float | None = None,
    **options: Any,
) -> T | None: ...
def write_model(
    chunks: Iterable[str | bytes] | AsyncIterable[str | bytes],
    model: Any,
    *,
    container: DeltaGenerator | None = None,
    on_update: Callable[[Any], object] | None = None,
    min_interval: float | None = None,
    **options: Any,
) -> Any:
    """Render the JSON object streaming in ``chunks`` as a live ``model`` and return it.

    ``model`` is any target of ``unspool.stream_model``: a model or dataclass gets a slot
    per field; a list (``list[Step]``, ``RootModel[list[Step]]``: a RootModel shows its
    root) gets a slot per item, marked as a list field's items are; anything else (a
    dict, a TypedDict) is drawn whole.

    ``chunks``: text (or UTF-8 bytes) as it arrives, e.g.
    ``unspool.langchain.text_deltas(graph.stream(..., stream_mode="messages"))``, sync or
    async (``graph.astream``): an async source runs on a loop of its own, so call
    ``write_model`` from the script itself, not from inside a running event loop.
    ``container``: where the placeholder goes (default: the current one, such as the
    ``st.chat_message`` block you are in).  ``on_update(partial)`` is called after each
    redraw with the live ``unspool.Partial[model]``.  ``min_interval`` (seconds) redraws at
    most that often, as ``iter_partial`` does: each redraw sends the open text field whole,
    so a long text streamed in small chunks costs the browser O(length) per chunk without
    it.  ``options`` go to ``unspool.stream_model`` (``extract``, ``allow_nan``, limits).

    Returns the validated ``model`` (drawn once more, with its defaults), or ``None`` when
    the stream failed: the error is then shown below what arrived.
    """
    view = _ModelView((container or st).empty().container())
    pacer = _pacer(min_interval)
    # A DeltaStream is both: _is_async says which way its SDK stream reads.
    source = _Blocking(chunks) if _is_async(chunks) else cast("Iterable[Chunk]", chunks)
    with unspool.stream_model(source, model, **options) as stream:
        try:
            for partial in stream:
                if pacer is not None and not pacer.ready(True):
                    continue  # held back: the next redraw, or the last one, shows it
                view.update(partial)
                if on_update is not None:
                    on_update(partial)
            final = stream.final()
        except unspool.UnspoolError as err:
            if stream.partial is not None:  # values completed by the failing chunk show too
                view.update(stream.partial)
            view.error(err)
            return None
    view.update(final, final=True)
    return final


class _Blocking:
    """An async source read one awaited chunk at a time on an event loop of its own (a
    Streamlit script is plain code, as ``st.write_stream``'s conversion assumes); ``close``
    closes the source on that loop, so its ``finally`` and the SDK's connection run there."""

    __slots__ = ("_iterator", "_loop", "source")

    def __init__(self, source: AsyncIterable[Any]) -> None:
        self.source = source
        self._iterator = aiter(source)
        self._loop: asyncio.AbstractEventLoop | None = None  # made by the first read

    def __iter__(self) -> _Blocking:
        return self

    def __next__(self) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        try:
            return self._loop.run_until_complete(anext(self._iterator))
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        elif self._loop.is_closed():
            return
        try:
            others = () if self.source is self._iterator else (self.source,)
            self._loop.run_until_complete(_aclose(self._iterator, *others))
        finally:
            self._loop.close()

    def __getattr__(self, name: str) -> Any:
        # What the driver reads of an adapter's stream cut at the token limit (_drivers._Cut).
        if name in ("truncated", "strict", "stop_reason"):
            return getattr(self.source, name)
        raise AttributeError(name)


class _Slot:
    """One ``st.empty`` and a key of what it shows: it is redrawn only when the key changes."""

    __slots__ = ("empty", "shown")

    def __init__(self, parent: DeltaGenerator) -> None:
        self.empty = parent.empty()
        self.shown: Any = _NOTHING

    def show(self, key: Any, draw: Callable[[DeltaGenerator], object]) -> None:
        if key != self.shown:
            self.shown = key
            draw(self.empty.container())


class _FieldView:
    """The slot of one field of the root model.  A list gets a slot per item, so that a
    finished item is drawn once; any other value is redrawn whole when it changes."""

    def __init__(self, parent: DeltaGenerator, label: str) -> None:
        self.label = label
        self.slot = _Slot(parent)
        self.items: list[_Slot] | None = None  # a list field's item slots, once it began
        self.items_box: DeltaGenerator | None = None
        self.finished = 0  # items drawn as done: never looked at again

    def update(self, value: Any, done: bool) -> None:
        if isinstance(value, list):
            self._update_list(value, done)
        else:
            self.slot.show(_key(value), lambda box: _draw_field(box, self.label, value))

    def restart(self) -> None:
        """Compare every item again (the final model may differ from what streamed)."""
        self.finished = 0

    def _update_list(self, values: list[Any], done: bool) -> None:
        if self.items is None or self.items_box is None:
            self.items_box = self.slot.empty.container()
            if self.label:  # not the whole document
                self.items_box.markdown(f"**{self.label}**")
            self.items = []
        last = len(values) - 1
        for i in range(self.finished, len(values)):
            if i == len(self.items):
                self.items.append(_Slot(self.items_box))
            item_done = done or i < last  # invariant 4: only the last item still changes
            mark = DONE if item_done else WRITING
            draw = functools.partial(_draw_item, value=values[i], mark=mark)
            self.items[i].show((mark, _key(values[i])), draw)
            if item_done and i == self.finished:
                self.finished += 1


class _ModelView:
    """The document: a slot per field of a model or dataclass, in its order (anything else:
    one slot for the whole value, whose items get a slot each if it is a list), then the
    error slot.  Laid out at the first update, from the value itself: a partial has its
    model's fields."""

    def __init__(self, box: DeltaGenerator) -> None:
        self.box = box
        self.fields: dict[str, _FieldView] = {}
        self.whole = False  # one slot for the whole value
        self.error_slot: _Slot | None = None
        self.finished: set[str] = set()  # fields drawn complete: skipped until the final

    def _lay_out(self, value: Any) -> None:
        infos = getattr(type(value), "model_fields", None)
        if infos is None and dataclasses.is_dataclass(value):
            infos = {f.name: None for f in dataclasses.fields(value)}
        if infos is None:
            self.whole = True
            infos = {"": None}
        self.fields = {
            name: _FieldView(self.box, _label(name, info)) for name, info in infos.items()
        }
        self.error_slot = _Slot(self.box)

    def update(self, value: Any, final: bool = False) -> None:
        """Draw ``value``: the live partial, or the ``final`` model (all of it complete)."""
        if getattr(value, "__pydantic_root_model__", False):
            value = value.root  # a RootModel (or its partial): its root is the document
        if not self.fields:
            self._lay_out(value)
        for name, view in self.fields.items():
            if final:
                view.restart()
            elif name in self.finished:
                continue
            field = value if self.whole else getattr(value, name)
            if field is None:
                continue
            complete = final or unspool.is_complete(field)
            view.update(field, complete)
            if complete:
                self.finished.add(name)

    def error(self, err: Exception) -> None:
        if self.error_slot is None:  # nothing arrived: no fields to lay out
            self.error_slot = _Slot(self.box)
        self.error_slot.show(
            str(err), lambda box: box.error(_error_text(err), icon=":material/error:")
        )


# -- drawing a value whole ---------------------------------------------------------------------


def _draw_field(box: DeltaGenerator, label: str, value: Any) -> None:
    if not label:  # the whole document
        if _is_record(value):
            _draw_record(box, value)
        else:
            _draw_item(box, value, None)
    elif isinstance(value, list):
        box.markdown(f"**{label}**")
        for item in value:
            _draw_item(box, item, None)
    elif _is_record(value):
        box.markdown(f"**{label}**")
        _draw_record(box.container(border=True), value)
    else:
        box.markdown(f"**{label}:** {_text(value)}")


def _draw_item(box: DeltaGenerator, value: Any, mark: str | None) -> None:
    """A list item, after ``mark`` (done or not) or a bullet: a line, or for an object with
    plain fields a line per field; an object that nests more gets a bordered box."""
    prefix = f"{mark} " if mark else "- "
    if _is_record(value) and not any(_is_nested(v) for _, v in _fields(value)):
        lines = [f"**{label}:** {_text(field)}" for label, field in _fields(value)]
        box.markdown(prefix + "  \n".join(lines))
    elif _is_nested(value):
        inner = box.container(border=True)
        if mark:
            inner.markdown(mark)
        if isinstance(value, list):
            for item in value:
                _draw_item(inner, item, None)
        else:
            _draw_record(inner, value)
    else:
        box.markdown(prefix + _text(value))


def _draw_record(box: DeltaGenerator, value: Any) -> None:
    for label, field in _fields(value):
        _draw_field(box, label, field)


# -- reading values ----------------------------------------------------------------------------


def _is_record(value: Any) -> bool:
    """An object with named fields: a pydantic model (partial or not), a dataclass, a dict."""
    return (
        hasattr(type(value), "model_fields")
        or (dataclasses.is_dataclass(value) and not isinstance(value, type))
        or isinstance(value, Mapping)
    )


def _is_nested(value: Any) -> bool:
    return isinstance(value, list) or _is_record(value)


def _fields(value: Any) -> list[tuple[str, Any]]:
    """(label, value) of the fields of a record that have a value, in the record's order."""
    infos = getattr(type(value), "model_fields", None)
    if infos is not None:
        pairs = [(_label(name, info), getattr(value, name)) for name, info in infos.items()]
    elif isinstance(value, Mapping):
        pairs = [(_label(str(key)), item) for key, item in value.items()]
    else:
        pairs = [(_label(f.name), getattr(value, f.name)) for f in dataclasses.fields(value)]
    return [(label, item) for label, item in pairs if item is not None]


def _key(value: Any) -> Any:
    """What a value shows, as plain data: a partial and the final model with the same
    content compare equal, so the final model redraws only what it changed."""
    if _is_record(value):
        return tuple((label, _key(item)) for label, item in _fields(value))
    if isinstance(value, list):
        return tuple(_key(item) for item in value)
    return (type(value), value)


def _label(name: str, info: Any = None) -> str:
    """A field's title, or its name as words ("" for the whole document)."""
    title = getattr(info, "title", None)
    return str(title) if title else name.replace("_", " ").capitalize()


def _text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


def _error_text(err: Exception) -> str:
    """Which error and where: unspool's messages end with the JSON path."""
    return f"{type(err).__name__}: {err}"
