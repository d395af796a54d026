"""A mypy plugin that types ``unspool.Partial[Model]``'s fields (issue 12.6).

Enable it in the mypy configuration::

    [tool.mypy]
    plugins = ["unspool.mypy"]

Then ``partial.title`` on a ``Partial[Article]`` reads as the field's type made optional
(``str | None``), a nested model as its partial (``Partial[Author] | None``), a list or
dict of models as a list or dict of partials -- what the runtime class holds -- and a
misspelled field is an ``attr-defined`` error.  Without the plugin (and in pyright, which
has no plugins) every field reads as ``Any``.

How: ``Partial`` declares ``__getattr__`` for type checkers, and mypy asks a plugin's
attribute hook about every name found through ``__getattr__``; the hook looks the name up
among the model's fields (annotated class attributes of the model and its bases up to
``pydantic.BaseModel``; a dataclass's fields) and maps the field's type as
``_validate._partial_type`` does at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mypy.errorcodes import ATTR_DEFINED
from mypy.expandtype import expand_type_by_instance
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import TypeInfo, Var
from mypy.plugin import AttributeContext, Plugin
from mypy.types import (
    AnyType,
    Instance,
    NoneType,
    Type,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

PARTIAL = "unspool._validate.Partial"
BASE_MODEL = "pydantic.main.BaseModel"


class UnspoolPlugin(Plugin):
    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if owner == PARTIAL and not name.startswith("_"):
            return partial(field_type, name)
        return None


def field_type(name: str, ctx: AttributeContext) -> Type:
    """The type of field ``name`` of the ``Partial[Model]`` instance ``ctx.type``."""
    instance = get_proper_type(ctx.type)
    if not isinstance(instance, Instance) or not instance.args:
        return ctx.default_attr_type
    model = get_proper_type(instance.args[0])
    if not isinstance(model, Instance):  # Partial[Any], Partial[M] in generic code
        return ctx.default_attr_type
    fields = model_fields(model)
    if name not in fields:
        where = f'"Partial[{model.type.name}]"'
        ctx.api.fail(f'{where} has no attribute "{name}"', ctx.context, code=ATTR_DEFINED)
        return AnyType(TypeOfAny.from_error)
    shown = partial_type(fields[name], instance.type, ctx)
    return UnionType.make_union([shown, NoneType()])


def model_fields(model: Instance) -> dict[str, Type]:
    """A model's (or dataclass's) fields: its annotated instance attributes, own and
    inherited, up to ``pydantic.BaseModel``, with the type arguments of generic bases
    filled in (``RootModel[list[Article]]``'s ``root`` is a ``list[Article]``)."""
    fields: dict[str, Type] = {}
    for info in model.type.mro:
        if info.fullname in (BASE_MODEL, "builtins.object"):
            break
        base = map_instance_to_supertype(model, info)
        for name, symbol in info.names.items():
            node = symbol.node
            if (
                isinstance(node, Var)
                and not node.is_classvar
                and not name.startswith("_")
                and name != "model_config"
                and name not in fields
            ):
                declared = node.type or AnyType(TypeOfAny.unannotated)
                fields[name] = expand_type_by_instance(declared, base)
    return fields


def partial_type(tp: Type, partial_info: TypeInfo, ctx: AttributeContext) -> Type:
    """What the partial holds for a field of type ``tp`` (``_validate._partial_type``);
    ``partial_info`` is ``Partial``'s own class."""
    proper = get_proper_type(tp)
    if isinstance(proper, UnionType):
        return UnionType.make_union([partial_type(t, partial_info, ctx) for t in proper.items])
    if not isinstance(proper, Instance):
        return tp
    info = proper.type
    if info.has_base(BASE_MODEL) or is_dataclass(proper):
        return Instance(partial_info, [proper])
    if info.typeddict_type is not None:
        any_type = AnyType(TypeOfAny.explicit)
        return ctx.api.named_generic_type("builtins.dict", [str_type(ctx), any_type])
    if info.fullname in ("builtins.list", "typing.Sequence") and proper.args:
        item = partial_type(proper.args[0], partial_info, ctx)
        return ctx.api.named_generic_type("builtins.list", [item])
    if info.fullname in ("builtins.dict", "typing.Mapping") and len(proper.args) == 2:
        key = get_proper_type(proper.args[0])
        if isinstance(key, Instance) and key.type.fullname == "builtins.str":
            values = partial_type(proper.args[1], partial_info, ctx)
            return ctx.api.named_generic_type("builtins.dict", [proper.args[0], values])
    return tp


def is_dataclass(instance: Instance) -> bool:
    return "dataclass" in instance.type.metadata


def str_type(ctx: AttributeContext) -> Type:
    return ctx.api.named_generic_type("builtins.str", [])


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return UnspoolPlugin
