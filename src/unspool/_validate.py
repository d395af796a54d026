"""Pydantic, incrementally: honest, live partial models and per-value validation (with
``_builder``, the modules that import pydantic).

How it works.  A model's pydantic core schema is compiled once (cached per model class) into
*places*: one ``_Shape`` per position in the schema -- a field, a list's items, a dict's
values -- that says how a JSON value there streams (a string that grows, an object with
fields, a list, ...) and holds a validator for exactly that place (built lazily from the
place's own core schema, so field validators and constraints are the model's own).  The
``PartialBuilder`` (``_builder``, compiled with the core) feeds a ``Parser`` and shows its
values at their places: each completed value is validated once against its place, and what
has begun shows as it grows.

The target need not be a model: ``compile_target`` finds the document's root place in the
target's own core schema (``TypeAdapter(target).core_schema``), so ``list[Article]``,
``dict[str, Article]``, a dataclass, a union or ``int`` stream by the same places and rules;
a ``RootModel``'s partial is a ``Partial[Root]`` (itself a RootModel) whose ``root`` is the
partial root value, for the target and for a RootModel anywhere inside it (a field, a list
item): its place streams as its root type and shows as its partial (``_Shape.wrap``), open
until its root completes.  Inside a union a RootModel member shows only when complete.
Only the document itself differs: a root string grows, a root number or other atomic value
shows once complete and valid, and a root that is hidden (a tuple, a union waiting for its
tag) is validated when it completes.

The partial is live, updated in place like ``Parser.value``: ``stream_model`` yields the
same ``Partial[Model]`` instance after every chunk.  A nested partial, list or dict is
created once, when its JSON value begins, and put in its parent; from then on a field is
set in the instance's ``__dict__`` (no validation: values were validated at completion),
a list is appended to or has its last element replaced, and ``model_fields_set`` and
``completed()`` grow.  Call ``partial.model_copy(deep=True)`` to keep a snapshot.

Rules it keeps (the README's snapshot invariants, seen from the model):

1. A field never changes type: a string field shows ``str``, an object field its
   ``Partial[...]``, a list field a ``list``; a value whose streamed form would not match its
   type is not shown until it is complete and valid.
2. Numbers, booleans, ``None``, ``Literal`` and ``Enum`` values -- and any value that is not a
   plain string, object, list or dict (``datetime``, ``tuple``, ``set``, ambiguous unions) --
   appear only when complete and valid.
3. Strings grow: an open string field shows the raw text received so far; when it completes
   it shows its validated value (different only if a validator transforms it).
4. Lists only grow and only their last element changes; objects only gain fields and only
   their most recent field changes.  A nested partial, list or dict, once shown, stays the
   same object.
5. A field appears when its value has begun to show, never with its default: defaults appear
   only in ``final()``.  ``model_fields_set`` holds the fields shown so far and
   ``completed(partial)`` the fields whose values are complete.
6. A nested union value appears once its discriminator is complete and valid (for a
   ``Field(discriminator=...)`` union, or a plain union of models with distinct ``Literal``
   tags); before that, what arrived is held and replayed.  A union told apart by a callable
   ``Discriminator`` shows only when complete and valid.
7. Every completed value is validated once, at completion, against its place (containers
   with no validators or constraints of their own are not re-validated: their parts were;
   a container keeps showing its parts, and what a validator of the whole container or model
   makes of it shows in ``final()``).
   A failure raises ``unspool.ValidationError`` at once, with the JSON path, the raw text
   (``json.dumps`` of the value) and the pydantic error as ``__cause__``.
8. ``final()`` is ``Model.model_validate`` of the complete value, run exactly once (so model
   validators and cross-field checks run once).

Values are validated in Python mode, as ``Model.model_validate(json.loads(text))`` would;
for strict schemas and base64/hex bytes, where Python mode would reject valid JSON, in JSON
mode on ``json.dumps`` of the value.  A field validator that reads ``ValidationInfo.data``
cannot see its siblings when run alone; if it fails with TypeError/KeyError/AttributeError
there, the raw value is shown and ``final()`` gives the verdict.  JSON keys are matched by
alias (and by name where the model allows it); ``AliasPath`` fields and extra keys show only
in ``final()``.  A duplicate key's second value shows once it is complete.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, RootModel, TypeAdapter
from pydantic_core import SchemaValidator
from pydantic_core import ValidationError as PydanticValidationError
from typing_extensions import is_typeddict

from ._dumps import dumps_iteratively
from ._errors import ValidationError
from ._events import ItemError
from ._path import Path, pointer

logger = logging.getLogger("unspool")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

__all__ = ["ItemChecker", "Partial", "completed"]


# -- Partial[Model] ----------------------------------------------------------------------------

if TYPE_CHECKING:

    class Partial(BaseModel, Generic[T]):
        """``Partial[Model]``: ``Model`` with every field optional (see the runtime class)."""

        _completed: set[str]

        # Field types are not known to a type checker: every field reads as ``Any``.
        def __getattr__(self, name: str) -> Any: ...

else:

    class Partial(BaseModel):
        """``Partial[Model]``: a generated model class (cached) with ``Model``'s field names
        and aliases where every field is optional and ``None`` until it has begun; nested
        models are their ``Partial``, ``list[Model]`` a list of partials, ``dict[str,
        Model]`` a dict of partials.  ``isinstance(p, unspool.Partial)`` holds for all of
        them, and ``Partial[Model].unspool_model`` is ``Model``.  A ``RootModel``'s
        partial is a ``RootModel`` too, with one optional field, ``root``.

        ``stream_model`` yields one live instance, updated in place like ``Parser.value``
        (treat it as read-only; ``p.model_copy(deep=True)`` keeps a snapshot).
        ``model_fields_set`` says which fields have begun and ``unspool.completed(p)``
        which are complete.
        """

        _completed: set[str] = PrivateAttr(default_factory=set)
        unspool_model: ClassVar[type[Any]]

        def __class_getitem__(cls, model: Any) -> type[Partial]:
            return partial_class(model)


def completed(partial: Partial[Any]) -> frozenset[str]:
    """The names of the fields of ``partial`` whose values are complete (validated and final,
    except that ``final()`` may still fill defaults and apply the model's validators and
    those of whole lists, dicts and nested models), as of now: a live partial completes more
    fields as the stream goes on.

    Field names, not aliases; for one level: a nested partial has its own ``completed()``.
    An element of a list field is complete when it is not the last one, or when the list is.
    """
    if not isinstance(partial, Partial):
        raise TypeError(f"completed() takes a Partial instance, not {type(partial).__name__}")
    return frozenset(partial._completed)


# Partial classes and compiled places are built once per model and shared by every thread:
# their caches fill under _LOCK (re-entrant: a model's build builds the models it uses), so
# two threads never build two Partial[X] classes, nor see a model's places half-compiled or
# a model still being built by another thread as a recursive reference (Any).  Reading a
# filled cache takes no lock.
_LOCK = threading.RLock()
_PARTIALS: dict[Any, type[Partial[Any]]] = {}
_BUILDING: set[Any] = set()  # the models being built by the thread holding _LOCK
# Model config keys a partial class keeps (how keys map to fields and how it serialises).
_KEPT_CONFIG = (
    "populate_by_name",
    "validate_by_name",
    "validate_by_alias",
    "serialize_by_alias",
    "use_enum_values",
    "ser_json_bytes",
    "ser_json_timedelta",
)


def partial_class(model: Any) -> type[Partial[Any]]:
    """``Partial[model]`` for a pydantic model or a dataclass (generated once, cached)."""
    cls = _PARTIALS.get(model)
    if cls is not None:
        return cls
    with _LOCK:  # one thread builds the classes (and _BUILDING holds only its own models)
        cls = _PARTIALS.get(model)
        return cls if cls is not None else _build_partial(model)


def _build_partial(model: Any) -> type[Partial[Any]]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        if issubclass(model, Partial):
            raise TypeError(f"{model.__name__} is partial already")
        fields: list[tuple[str, Any, dict[str, Any]]] = []
        for name, info in model.model_fields.items():
            kept = {
                "alias": info.alias,
                "validation_alias": info.validation_alias,
                "serialization_alias": info.serialization_alias,
                "title": info.title,
                "description": info.description,
            }
            fields.append((name, info.annotation, {k: v for k, v in kept.items() if v}))
        config = {k: v for k, v in model.model_config.items() if k in _KEPT_CONFIG}
    elif dataclasses.is_dataclass(model) and isinstance(model, type):
        hints = typing.get_type_hints(model, include_extras=True)
        fields = [(f.name, hints.get(f.name, Any), {}) for f in dataclasses.fields(model) if f.init]
        config = {}
    else:
        raise TypeError(f"Partial[] takes a pydantic model or a dataclass, not {model!r}")
    # A RootModel's partial is a RootModel too (``.root``, dumps as its root value).
    bases = (Partial, RootModel) if getattr(model, "__pydantic_root_model__", False) else (Partial,)
    _BUILDING.add(model)
    try:
        try:
            typed = [(n, _partial_type(a), kw) for n, a, kw in fields]
            cls = _new_partial(model, typed, config, bases)
        except Exception:
            # A type pydantic cannot build once its metadata is stripped: fall back to Any.
            cls = _new_partial(model, [(n, Any, kw) for n, _, kw in fields], config, bases)
    finally:
        _BUILDING.discard(model)
    _PARTIALS[model] = cls
    return cls


def _new_partial(
    model: type[Any],
    fields: list[tuple[str, Any, dict[str, Any]]],
    config: dict[str, Any],
    bases: tuple[type[Any], ...],
) -> type[Partial[Any]]:
    name = f"Partial[{model.__qualname__}]"
    namespace: dict[str, Any] = {
        "__module__": model.__module__,
        "__qualname__": name,
        "__doc__": f"The partial form of {model.__qualname__}: every field optional.",
        "__annotations__": {n: Union[ann, None] for n, ann, _ in fields},  # noqa: UP007
        "model_config": ConfigDict(
            arbitrary_types_allowed=True,
            protected_namespaces=(),
            title=name,
            **config,  # type: ignore[typeddict-item]
        ),
        "unspool_model": model,
    }
    for n, _, kw in fields:
        namespace[n] = Field(default=None, **kw)
    return types.new_class(name, bases, {}, lambda ns: ns.update(namespace))


_set_attr = object.__setattr__
_NONES: dict[type[Any], dict[str, None]] = {}  # a partial class's fields, all None


def empty_partial(cls: type[Partial[Any]]) -> Partial[Any]:
    """``cls.model_construct()`` for a partial model class (not a RootModel's): every field
    None, none set, none completed.  Set directly (as ``model_construct`` and pickling do),
    without its loop over the fields' aliases and defaults: about 8x faster, and the
    builder makes one for every object the stream begins.  A generated partial class has
    only ``None`` defaults, no extra fields and no ``model_post_init`` of its own, so the
    state is always this (``tests/test_validate.py`` compares it with ``model_construct``).
    """
    nones = _NONES.get(cls)
    if nones is None:
        nones = _NONES[cls] = dict.fromkeys(cls.model_fields)  # a class property: cached
    m = cls.__new__(cls)
    _set_attr(m, "__dict__", nones.copy())
    _set_attr(m, "__pydantic_fields_set__", set())
    _set_attr(m, "__pydantic_extra__", None)
    _set_attr(m, "__pydantic_private__", {"_completed": set()})
    return m


def _partial_type(tp: Any) -> Any:
    """The annotation of a partial field: nested models become their partials."""
    # get_origin first: on Python 3.10, isinstance(list[X], type) is True.
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        if dataclasses.is_dataclass(tp) or issubclass(tp, BaseModel):
            return Any if tp in _BUILDING else partial_class(tp)  # Any: a recursive model
        if is_typeddict(tp):
            return dict[str, Any]
        return tp
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _partial_type(args[0])
    if origin is Union or origin is types.UnionType:
        return Union[tuple(_partial_type(a) for a in args)]  # noqa: UP007
    if origin in (list, Sequence) and args:
        return list[_partial_type(args[0])]  # type: ignore[misc]
    if origin in (dict, Mapping) and len(args) == 2 and args[0] is str:
        return dict[str, _partial_type(args[1])]  # type: ignore[misc]
    return tp


# -- places: the compiled schema ---------------------------------------------------------------

# How a value at a place streams.
K_OPAQUE = 0  # hidden until complete, then its validated value
K_STR = 1  # a string: grows, then its validated value
K_ANY = 2  # any JSON, shown as received (strings grow, containers as lists and dicts)
K_OBJECT = 3  # a model, dataclass or TypedDict: fields by JSON key
K_LIST = 4  # a list: items at one place
K_DICT = 5  # a dict with string keys: values at one place
K_UNION = 6  # a union: the member is chosen by the JSON kind of the value
K_TAGGED = 7  # a union of objects whose member a discriminator key names
K_IGNORE = 8  # nothing to show or check: under an unknown key or inside a hidden value

# JSON kinds of a value, as a union tells its members apart.
OBJECT, ARRAY, STRING, SCALAR = "object", "array", "string", "scalar"
ALL_KINDS = frozenset({OBJECT, ARRAY, STRING, SCALAR})
_SCALAR_KINDS = frozenset({STRING, SCALAR})
_WRAPPERS = ("function-after", "function-before", "function-wrap")
# Config that makes a complete string's validation more than a no-op.
_STR_CONFIG = (
    "str_max_length",
    "str_min_length",
    "str_strip_whitespace",
    "str_to_lower",
    "str_to_upper",
)
# Core schema types that take JSON scalars only (strings too: lax mode parses them).
_SCALAR_TYPES = frozenset(
    {"int", "float", "bool", "decimal", "complex", "date", "datetime", "time", "timedelta"}
    | {"uuid", "url", "multi-host-url", "bytes", "none"}
)
_ARRAY_TYPES = frozenset({"tuple", "set", "frozenset", "generator"})
# What a scalar of these core schema types, unconstrained, gives for a JSON value of this
# Python type: the value itself (so the builder shows it without calling pydantic).  Not
# int for float (pydantic makes it 3.0), nor float for int, nor int for bool (lax modes).
_PASSES = {
    "str": frozenset({str}),
    "int": frozenset({int}),
    "float": frozenset({float}),
    "bool": frozenset({bool}),
}
_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})
# Core schema keys that change nothing for a value that passes (all others constrain it).
_UNCONSTRAINED = frozenset({"type", "metadata", "ref", "serialization", "strict"})


class _Object:
    """The fields of one model, dataclass or TypedDict, by JSON key (shared by its places)."""

    __slots__ = ("fields", "partial", "plain", "required")

    def __init__(self) -> None:
        self.fields: dict[str, tuple[_Shape, str]] = {}  # JSON key -> (place, field name)
        self.required: frozenset[str] = frozenset()
        self.plain = True  # no model validators, no forbidden extras, no custom __init__
        # The partial class (None for a TypedDict: its partial is a dict).
        self.partial: type[Any] | None = None


class _Shape:
    """One place in a schema: how a value there streams, and its validator."""

    __slots__ = (
        "_json",
        "_validator",
        "by_kind",
        "choices",
        "config",
        "defs",
        "info_fn",
        "item",
        "kind",
        "kinds",
        "obj",
        "passes",
        "plain",
        "schema",
        "tag_keys",
        "wrap",
    )

    def __init__(self, kind: int, schema: Any = None, compiler: _Compiler | None = None) -> None:
        self.kind = kind
        self.schema = schema
        self.config: Any = compiler.config if compiler else None
        self.defs: dict[str, Any] = compiler.defs if compiler else {}
        self.plain = True  # completion needs no check beyond its parts (containers)
        # The types of complete JSON scalars valid here as they are: pydantic would return
        # them unchanged, so they show without a validator call.
        self.passes: frozenset[type] = frozenset()
        self.info_fn = False  # a validator here reads ValidationInfo
        self.kinds: frozenset[str] = ALL_KINDS  # the JSON kinds a value here may have
        self.item: _Shape | None = None  # K_LIST, K_DICT
        self.obj: _Object | None = None  # K_OBJECT
        self.by_kind: dict[str, _Shape] = {}  # K_UNION
        self.tag_keys: frozenset[str] = frozenset()  # K_TAGGED
        self.choices: dict[Any, _Shape] = {}  # K_TAGGED: tag value -> K_OBJECT member
        # A RootModel's place streams as its root type and shows as its partial, this class
        # (``validate`` still gives the RootModel: the builder shows its ``root``).
        self.wrap: type[Partial[Any]] | None = None
        self._validator: SchemaValidator | None = None
        self._json: bool | None = None

    def stream(self, kind: str) -> _Shape:
        """The place a value of JSON ``kind`` streams as (``_OPAQUE`` if it must wait)."""
        k = self.kind
        if k == K_UNION:
            return self.by_kind.get(kind, _OPAQUE)
        if k in (K_ANY, K_IGNORE):
            return self
        if kind == OBJECT:
            return self if k in (K_OBJECT, K_DICT, K_TAGGED) else _OPAQUE
        if kind == ARRAY:
            return self if k == K_LIST else _OPAQUE
        if kind == STRING and k == K_STR:
            return self
        return _OPAQUE

    def validate(self, raw: Any, path: Path) -> Any:
        """Validate a complete value at this place (raises ``unspool.ValidationError``)."""
        validator = self._validator
        if validator is None:
            validator = self._build()
        try:
            if self.json_mode():
                return validator.validate_json(dumps(raw))
            return validator.validate_python(raw)
        except PydanticValidationError as err:
            raise _validation_error(err, path, raw) from err
        except (TypeError, KeyError, AttributeError):
            if not self.info_fn:
                raise
            return raw  # a validator that needs its siblings (ValidationInfo.data)

    def _build(self) -> SchemaValidator:
        schema = self.schema
        used = _refs(schema, self.defs)
        if used:
            schema = {
                "type": "definitions",
                "schema": schema,
                "definitions": [self.defs[ref] for ref in used],
            }
        self._validator = SchemaValidator(schema, self.config or None)
        return self._validator

    def json_mode(self) -> bool:
        """Validate in JSON mode?  Where Python mode would reject valid JSON: strict schemas
        (a JSON string is a valid strict ``datetime`` or ``Enum``), base64/hex bytes."""
        mode = self._json
        if mode is None:
            config = self.config or {}
            mode = self._json = bool(
                config.get("strict")
                or config.get("val_json_bytes", "utf8") != "utf8"
                or _any_strict(self.schema, self.defs)
            )
        return mode


_OPAQUE = _Shape(K_OPAQUE)
_IGNORE = _Shape(K_IGNORE)
_ANY = _Shape(K_ANY)
_ANY.passes = _SCALARS


def _nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema node in ``schema`` (not following definition references)."""
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            yield node
            todo.extend(v for k, v in node.items() if k not in ("metadata", "serialization"))
        elif isinstance(node, (list, tuple)):
            todo.extend(node)


def _refs(schema: Any, defs: dict[str, Any]) -> list[str]:
    """The definitions ``schema`` reaches (each once), so its validator carries only those."""
    found: dict[str, None] = {}
    todo = [schema]
    while todo:
        for node in _nodes(todo.pop()):
            ref = node.get("schema_ref") if node.get("type") == "definition-ref" else None
            if ref in defs and ref not in found:
                found[ref] = None
                todo.append(defs[ref])
    return list(found)


def _any_strict(schema: Any, defs: dict[str, Any]) -> bool:
    roots = [schema, *(defs[ref] for ref in _refs(schema, defs))]
    return any(node.get("strict") is True for root in roots for node in _nodes(root))


_MODELS: dict[type[Any], _Object] = {}
_ROOTS: dict[type[Any], _Shape] = {}


def _root_shape(cls: type[BaseModel]) -> _Shape:
    shape = _ROOTS.get(cls)
    if shape is not None:
        return shape
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise TypeError(f"expected a pydantic model class, not {cls!r}")
    with _LOCK:
        shape = _ROOTS.get(cls)
        return shape if shape is not None else _compile_root(cls)


def _compile_root(cls: type[BaseModel]) -> _Shape:
    before = set(_MODELS)
    try:
        compiler = _Compiler(cls.__pydantic_core_schema__, cls)
        shape = compiler.place(compiler.schema)
    except BaseException:
        for new in set(_MODELS) - before:  # half-compiled: forget them
            del _MODELS[new]
        raise
    if shape.kind != K_OBJECT or cls not in _MODELS:
        raise TypeError(f"{cls!r} is not a model with fields")
    _ROOTS[cls] = shape
    return shape


class Target:
    """What ``stream_model`` streams as, compiled from its target (a model, a ``RootModel``,
    a type such as ``list[Article]``, or a ``TypeAdapter``).

    ``place`` is the document's root place; ``validate_python`` / ``validate_json`` validate
    the whole value for ``final()`` (the model's own ``model_validate``, or the adapter's);
    ``wrap`` is the partial class that holds the root value when the target is a
    ``RootModel`` (``Partial[Root]``, whose ``.root`` is the partial root value), else None.
    """

    __slots__ = ("place", "validate_json", "validate_python", "wrap")

    def __init__(
        self,
        place: _Shape,
        validate_python: Any,
        validate_json: Any,
        wrap: type[Partial[Any]] | None = None,
    ) -> None:
        self.place = place
        self.validate_python = validate_python
        self.validate_json = validate_json
        self.wrap = wrap


_TARGETS: dict[Any, Target] = {}


def compile_target(target: Any) -> Target:
    """The ``Target`` of ``target``: compiled once per model or type form (a
    ``TypeAdapter`` instance is compiled each time: its places are cheap, the models they
    use are shared)."""
    if isinstance(target, TypeAdapter):
        with _LOCK:
            return _compile_target(target, target)
    try:
        found = _TARGETS.get(target)
    except TypeError:  # an unhashable type form: compile it each time
        with _LOCK:
            return _compile_target(target, None)
    if found is not None:
        return found
    with _LOCK:
        found = _TARGETS.get(target)
        if found is None:
            found = _TARGETS[target] = _compile_target(target, None)
        return found


def _compile_target(target: Any, adapter: TypeAdapter[Any] | None) -> Target:
    if (
        adapter is None
        and isinstance(target, type)
        and typing.get_origin(target) is None  # on Python 3.10, list[X] is a type
        and issubclass(target, BaseModel)
        and not target.__pydantic_root_model__
    ):
        return Target(_root_shape(target), target.model_validate, target.model_validate_json)
    if adapter is None:
        adapter = _adapter(target)
    before = set(_MODELS)
    try:
        # The root place, found in the target's own core schema: no special forms.
        compiler = _Compiler(adapter.core_schema, None)
        core = compiler.schema
        while core["type"] == "definition-ref":
            core = compiler.defs[core["schema_ref"]]
        wrap = None
        if core["type"] == "model" and core.get("root_model"):
            wrap = partial_class(core["cls"])
            compiler.config = core.get("config")
            core = core["schema"]
        place = compiler.place(core)
    except BaseException:
        for new in set(_MODELS) - before:  # half-compiled: forget them
            del _MODELS[new]
        raise
    return Target(place, adapter.validate_python, adapter.validate_json, wrap)


class _Compiler:
    """Turns one core schema (and its definitions) into places."""

    def __init__(self, schema: Any, owner: type[BaseModel] | None) -> None:
        self.owner = owner  # the model whose own schema this is
        self.defs: dict[str, Any] = {}
        if schema["type"] == "definitions":
            self.defs = {d["ref"]: d for d in schema["definitions"]}
            schema = schema["schema"]
        self.schema = schema
        self.config: Any = None
        self.objects: dict[int, _Object] = {}  # dataclasses and TypedDicts met here

    def place(self, schema: Any) -> _Shape:
        shape = _Shape(K_OPAQUE, schema, self)
        plain = True
        nullable = False
        core = schema
        while True:
            t = core["type"]
            if t == "definition-ref":
                core = self.defs[core["schema_ref"]]
            elif t == "default":
                core = core["schema"]
            elif t == "nullable":
                nullable = True
                core = core["schema"]
            elif t in _WRAPPERS:
                plain = False
                if core["function"].get("type") == "with-info":
                    shape.info_fn = True
                core = core["schema"]
            elif t == "json-or-python":
                core = core["json_schema"]
            elif t == "lax-or-strict":
                core = core["strict_schema" if core.get("strict") else "lax_schema"]
            else:
                break
        config = self.config or {}
        if t == "str":
            shape.kind = K_STR
            shape.kinds = frozenset({STRING})
        elif t == "any":
            shape.kind = K_ANY
            shape.passes = _SCALARS if plain else frozenset()
        elif t == "model" and core.get("root_model"):
            plain = self._root_model(shape, core) and plain
        elif t in ("model", "dataclass", "typed-dict"):
            shape.kind = K_OBJECT
            shape.kinds = frozenset({OBJECT})
            shape.obj = self._object(core)
            plain = plain and shape.obj.plain
        elif t == "list":
            shape.kind = K_LIST
            shape.kinds = frozenset({ARRAY})
            shape.item = self.place(core.get("items_schema", {"type": "any"}))
            plain = plain and not ({"min_length", "max_length", "fail_fast"} & set(core))
        elif t == "dict" and _plain_keys(core.get("keys_schema")):
            shape.kind = K_DICT
            shape.kinds = frozenset({OBJECT})
            shape.item = self.place(core.get("values_schema", {"type": "any"}))
            plain = plain and not ({"min_length", "max_length"} & set(core))
        elif t == "tagged-union":
            self._tagged(shape, core)
            plain = False
        elif t == "union":
            self._union(shape, core)
            plain = False
        else:
            shape.kinds = _opaque_kinds(t, core)
        if plain and t in _PASSES and _unconstrained(t, core, config):
            shape.passes = _PASSES[t]
        shape.plain = plain
        if nullable:
            shape.kinds |= {SCALAR}
            if plain and shape.wrap is None:  # a RootModel's null is its partial's root
                shape.passes |= {type(None)}
        return shape

    def _root_model(self, shape: _Shape, core: Any) -> bool:
        """A RootModel: stream as its root type, show as its partial; True if plain."""
        outer = self.config
        self.config = core.get("config") or outer
        try:
            inner = self.place(core["schema"])
        finally:
            self.config = outer
        for name in ("kind", "kinds", "item", "obj", "by_kind", "tag_keys", "choices"):
            setattr(shape, name, getattr(inner, name))
        shape.info_fn = inner.info_fn
        shape.wrap = partial_class(core["cls"])
        plain = inner.plain and not (core.get("custom_init") or core.get("post_init"))
        # Its root type's values pass as they are (shown as the partial's root), but not
        # null: a null is the RootModel's only if its root type takes it (pydantic says).
        shape.passes = inner.passes - {type(None)} if plain else frozenset()
        return plain

    def _object(self, core: Any) -> _Object:
        """The fields of a model, dataclass or TypedDict schema, by JSON key: a model's
        compiled once, from its own core schema, and shared by every schema that uses it; a
        dataclass's or TypedDict's once per compiler."""
        t = core["type"]
        cls = core.get("cls")
        if t == "model":
            obj = _MODELS.get(cls)
            if obj is None and cls is not self.owner:
                obj = _root_shape(cls).obj  # compiled from its own schema
            if obj is not None:
                return obj
            obj = _MODELS[cls] = _Object()
        else:
            obj = self.objects.get(id(core))
            if obj is not None:
                return obj
            obj = self.objects[id(core)] = _Object()
        config = core.get("config") or {}
        inner = core if t == "typed-dict" else core["schema"]
        while inner["type"] in _WRAPPERS:  # model validators
            obj.plain = False
            inner = inner["schema"]
        if (
            core.get("custom_init")
            or core.get("post_init")
            or inner.get("collect_init_only")
            or inner.get("extra_behavior") in ("forbid", "allow")
            or config.get("extra_fields_behavior") == "forbid"
        ):
            obj.plain = False
        if t == "dataclass":
            fields = [
                (f["name"], f)
                for f in inner["fields"]
                if f.get("init", True) and not f.get("init_only")
            ]
        else:
            fields = list(inner["fields"].items())
        total = core.get("total", True)  # a TypedDict's
        by_alias = config.get("validate_by_alias", True)
        by_name = config.get("validate_by_name") or config.get("populate_by_name")
        outer = self.config
        self.config = config  # the config that the fields' validators are built with
        try:
            required = []
            for name, field in fields:
                place = self.place(field["schema"])
                alias = field.get("validation_alias")
                if alias is None:
                    keys = [name]
                else:
                    keys = _keys(alias) if by_alias else []
                    if by_name:
                        keys.append(name)
                for key in keys:
                    obj.fields.setdefault(key, (place, name))
                if t == "typed-dict":
                    needed = field.get("required", total)
                else:
                    needed = field["schema"]["type"] != "default"
                if needed:
                    required.append(name)
            obj.required = frozenset(required)
        finally:
            self.config = outer
        if t != "typed-dict":
            obj.partial = partial_class(cls)
        return obj

    def _tagged(self, shape: _Shape, core: Any) -> None:
        keys = _keys(core["discriminator"])
        if not keys:
            return  # a callable or nested discriminator: opaque
        choices: dict[Any, _Shape] = {}
        for tag, schema in core["choices"].items():
            member = self.place(schema)
            if member.kind != K_OBJECT or member.wrap is not None:
                return
            choices[tag] = member
            value = getattr(tag, "value", tag)  # an Enum tag arrives as its value
            if value is not tag:
                choices.setdefault(value, member)
        shape.kind = K_TAGGED
        shape.kinds = frozenset({OBJECT})
        shape.tag_keys = frozenset(keys)
        shape.choices = choices

    def _union(self, shape: _Shape, core: Any) -> None:
        members = [self.place(c[0] if isinstance(c, tuple) else c) for c in core["choices"]]
        shape.kind = K_UNION
        shape.kinds = frozenset().union(*(m.kinds for m in members))
        for kind in (OBJECT, ARRAY, STRING):
            fits = [m for m in members if kind in m.kinds]
            if any(m.wrap is not None for m in fits):
                continue  # a RootModel member: shown once complete (as itself, not its root)
            if len(fits) == 1:
                stream = fits[0].stream(kind)
                if stream.kind != K_OPAQUE:
                    shape.by_kind[kind] = stream
            elif kind == OBJECT and fits and all(m.kind == K_OBJECT for m in fits):
                tagged = _auto_tag(fits)
                if tagged is not None:
                    shape.by_kind[kind] = tagged


def _unconstrained(t: str, core: Any, config: Any) -> bool:
    """No schema key or config setting of a str, int, float or bool changes or rejects a
    JSON value of its own type (strict mode takes it too)."""
    if set(core) - _UNCONSTRAINED:
        return False
    if t == "str":
        return not any(config.get(k) for k in _STR_CONFIG)
    return t != "float" or config.get("allow_inf_nan", True) is not False


def _keys(alias: Any) -> list[str]:
    """The JSON keys that a core schema's alias or discriminator reads directly.

    It is a key, a path (a list of keys and indexes: ``AliasPath``), a list of paths
    (``AliasChoices``) or, for a discriminator, a callable; a path longer than one key
    reaches inside another value, which shows only in ``final()``.
    """
    if isinstance(alias, str):
        return [alias]
    if not isinstance(alias, list):
        return []
    paths = alias if alias and isinstance(alias[0], list) else [alias]
    return [path[0] for path in paths if len(path) == 1 and isinstance(path[0], str)]


def _auto_tag(members: list[_Shape]) -> _Shape | None:
    """A plain union of models told apart by a ``Literal`` field with distinct values."""
    first = members[0].obj
    assert first is not None
    for key in first.fields:
        choices: dict[Any, _Shape] = {}
        for member in members:
            obj = member.obj
            assert obj is not None
            field = obj.fields.get(key)
            if field is None or field[1] not in obj.required:
                break
            expected = _literal_values(field[0].schema, field[0].defs)
            if expected is None or any(v in choices for v in expected):
                break
            choices.update(dict.fromkeys(expected, member))
        else:
            shape = _Shape(K_TAGGED)
            shape.kinds = frozenset({OBJECT})
            shape.tag_keys = frozenset({key})
            shape.choices = choices
            shape.plain = False
            return shape
    return None


def _literal_values(schema: Any, defs: dict[str, Any]) -> list[Any] | None:
    while schema["type"] == "definition-ref":
        schema = defs[schema["schema_ref"]]
    if schema["type"] != "literal":
        return None
    values = []
    for value in schema["expected"]:
        try:
            hash(value)
        except TypeError:
            return None
        values.append(getattr(value, "value", value))
    return values


def _plain_keys(schema: Any) -> bool:
    return schema is None or (schema["type"] in ("str", "any") and len(schema) == 1)


def _opaque_kinds(t: str, core: Any) -> frozenset[str]:
    if t == "literal":
        kinds = set()
        for value in core["expected"]:
            value = getattr(value, "value", value)
            kinds.add(STRING if isinstance(value, str) else SCALAR)
        return frozenset(kinds)
    if t == "enum":
        return frozenset({STRING}) if core.get("sub_type") == "str" else _SCALAR_KINDS
    if t in _SCALAR_TYPES:
        return _SCALAR_KINDS
    if t in _ARRAY_TYPES:
        return frozenset({ARRAY})
    return ALL_KINDS


def _validation_error(
    err: PydanticValidationError, path: Path, raw: Any, index: int | None = None
) -> ValidationError:
    """``unspool.ValidationError`` for a pydantic error about the value at ``path``: the
    message names the first error's place (path plus pydantic's location inside the value)."""
    details = err.errors(include_url=False)
    first: Any = details[0] if details else {"msg": str(err), "loc": ()}
    where = pointer((*path, *first.get("loc", ()))) or "/"
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    item = f"item {index}: " if index is not None else ""
    msg = f"{item}invalid value at {where}: {first['msg']}{more}"
    try:
        text = dumps(raw)
    except (TypeError, ValueError):
        text = repr(raw)
    return ValidationError(msg, path, index, text)


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` at any depth, so that a deep value gets its
    text (and its ``ValidationError``), never a RecursionError."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return dumps_iteratively(value)


# -- per-item validation -----------------------------------------------------------------------

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(target: Any) -> TypeAdapter[Any]:
    """The ``TypeAdapter`` of ``target`` (``target`` itself if it is one), made once per
    type."""
    if isinstance(target, TypeAdapter):
        return target
    try:
        adapter = _ADAPTERS.get(target)
    except TypeError:  # an unhashable type form
        return TypeAdapter(target)
    if adapter is None:
        adapter = _ADAPTERS[target] = TypeAdapter(target)
    return adapter


class ItemChecker(Generic[T]):
    """Validates the items of ``iter_models`` as ``item_type``, each once, as the splitter
    completes them.

    ``checked(items)`` takes a list of ``Splitter(with_raw=True)`` items -- ``(index, value,
    raw_text)`` or an ``ItemError`` (invalid JSON), which passes through -- and yields their
    validated values.  A bad item raises ``unspool.ValidationError`` with its ``index`` and
    ``raw`` text once the items before it have been taken (``on_error="raise"``), is left out
    after a warning on the ``unspool`` logger (``"skip"``), or is yielded as an ``ItemError``
    (``"yield"``; ``pos`` -1: the splitter does not say where a good item began).
    """

    def __init__(self, item_type: type[T] | TypeAdapter[T], on_error: str) -> None:
        if on_error not in ("raise", "skip", "yield"):
            raise ValueError(f"on_error must be 'raise', 'skip' or 'yield', got {on_error!r}")
        self._validate = _adapter(item_type).validate_python
        self._on_error = on_error

    def checked(self, items: list[Any]) -> Iterator[Any]:
        # A generator, so that a bad item raises only after the items before it were taken.
        for item in items:
            if type(item) is ItemError:  # invalid JSON, from the splitter
                yield item
                continue
            index, value, raw = item
            try:
                value = self._validate(value)
            except PydanticValidationError as err:
                error = _validation_error(err, (), value, index)
                error.raw = raw
                error.__cause__ = err
                if self._on_error == "raise":
                    raise error from err
                if self._on_error == "yield":
                    yield ItemError(index, -1, raw, error)
                else:
                    logger.warning("skipped %s; its text: %r", error, raw)
                continue
            yield value
