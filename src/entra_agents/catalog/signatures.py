"""A skill function's signature -> the JSON Schema of its parameters (what the model sees as the tool's input).

Derived here rather than by Semantic Kernel because SK gets two cases wrong (runtime-api-notes §1a):
``Literal[...]`` becomes ``{"type": "object"}`` and ``x: str = None`` is marked required. The runtime should
hand this schema to SK explicitly. Rule: a parameter is required iff it has no default.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

CONTEXT_PARAMETER = "ctx"
# Semantic Kernel injects arguments with these names itself; a skill parameter with one would never reach the model.
RESERVED_PARAMETERS = frozenset({"kernel", "service", "execution_settings", "arguments"})
SUPPORTED_TYPES = "str, int, float, bool, list[T], dict[str, T], a str/int Enum, Literal[...], or T | None"

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class SignatureError(Exception):
    """A skill signature the schema cannot describe; ``parameter`` is empty for function-level problems."""

    def __init__(self, parameter: str, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.parameter, self.problem, self.fix = parameter, problem, fix


def parameters_schema(fn: Callable[..., Any]) -> dict[str, Any]:
    """``{"type": "object", "properties": ..., "required": [...]}`` for every parameter after ``ctx``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise SignatureError("", f"cannot read the signature: {exc}", "define the skill as a plain `def`") from exc
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # NameError from an annotation only importable under TYPE_CHECKING, and the like
        raise SignatureError("", f"cannot resolve the type annotations: {exc}",
                             "import every type used in the signature at module level") from exc
    parameters = list(signature.parameters.values())
    if not parameters or parameters[0].name != CONTEXT_PARAMETER:
        raise SignatureError(parameters[0].name if parameters else "", "the first parameter must be `ctx`",
                             "add `ctx` as the first parameter (the runtime passes the run context there)")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in parameters[1:]:
        properties[parameter.name] = _parameter_schema(parameter, hints)
        if parameter.default is inspect.Parameter.empty:
            required.append(parameter.name)
    return {"type": "object", "properties": properties, "required": required}


def _parameter_schema(parameter: inspect.Parameter, hints: dict[str, Any]) -> dict[str, Any]:
    name = parameter.name
    if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
        raise SignatureError(name, "*args/**kwargs cannot be described to the model", "declare each parameter by name")
    if parameter.kind is parameter.POSITIONAL_ONLY:
        raise SignatureError(name, "positional-only parameters cannot be passed by name",
                             "remove the `/` from the signature")
    if name in RESERVED_PARAMETERS:
        raise SignatureError(name, f"`{name}` is reserved by Semantic Kernel", "rename the parameter")
    if name not in hints:
        raise SignatureError(name, "has no type annotation",
                             f'annotate it, e.g. `{name}: Annotated[str, "what it is"]`')
    try:
        schema = type_schema(hints[name])
    except TypeError as exc:
        raise SignatureError(name, f"unsupported type {exc}", f"use {SUPPORTED_TYPES}") from exc
    if parameter.default is not inspect.Parameter.empty:
        default = parameter.default.value if isinstance(parameter.default, enum.Enum) else parameter.default
        if default is None or isinstance(default, (str, int, float, bool, list, dict)):
            schema["default"] = default
    return schema


def type_schema(annotation: Any) -> dict[str, Any]:
    """JSON Schema for one annotation. ``Annotated[T, "text"]`` adds ``description``. Raises ``TypeError``."""
    description = None
    if get_origin(annotation) is Annotated:
        annotation, *metadata = get_args(annotation)
        description = next((m for m in metadata if isinstance(m, str)), None)
    schema = _bare_schema(annotation)
    if description:
        schema["description"] = description
    return schema


def _bare_schema(tp: Any) -> dict[str, Any]:
    origin, args = get_origin(tp), get_args(tp)
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if origin is Annotated:
        return type_schema(tp)
    if origin in (Union, types.UnionType):
        return _optional_schema(tp, args)
    if origin is Literal:
        return _enum_schema(list(args), tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_schema([member.value for member in tp], tp)
    if tp is list or origin is list:
        return {"type": "array", "items": _bare_schema(args[0])} if args else {"type": "array"}
    if tp is dict or origin is dict:
        if args and args[0] is not str:
            raise TypeError(f"`{_name(tp)}` (JSON object keys are strings)")
        if args and args[1] is not Any:
            return {"type": "object", "additionalProperties": _bare_schema(args[1])}
        return {"type": "object"}
    raise TypeError(f"`{_name(tp)}`")


def _optional_schema(tp: Any, args: tuple[Any, ...]) -> dict[str, Any]:
    present = [a for a in args if a is not type(None)]
    if len(present) != 1:
        raise TypeError(f"`{_name(tp)}` (only `T | None` unions are supported)")
    schema = _bare_schema(present[0])
    if isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    return schema


def _enum_schema(values: list[Any], tp: Any) -> dict[str, Any]:
    kinds = {_SCALARS.get(type(v)) for v in values}
    if len(kinds) != 1 or None in kinds:
        raise TypeError(f"`{_name(tp)}` (enum values must all be str, or all int)")
    return {"type": kinds.pop(), "enum": values}


def _name(tp: Any) -> str:
    if isinstance(tp, type) and get_origin(tp) is None:
        return tp.__name__
    return str(tp).replace("typing.", "")
