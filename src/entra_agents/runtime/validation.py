"""Model output checked against the tools' JSON schemas before anything runs.

Semantic Kernel rejects some bad calls itself (unknown tool, missing or unexpected argument, bad JSON) with
generic "please retry" texts, and passes wrong types or enum values on to the function, where coercion may
fail or silently succeed. Here every call the model makes is checked against the schema the model was shown,
and a bad one is answered with a tool result that names the argument and what is allowed. Whether the item may
go on is the caller's decision (``filters.ModelObserver``): one correction per item, then it stops.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema
from semantic_kernel import Kernel
from semantic_kernel.contents import ChatHistory, FunctionCallContent, FunctionResultContent

# Every rejection starts with this, so models, the offline workflow and readers of a trace recognise it.
INVALID_PREFIX = "INVALID tool call"
# Keywords that constrain an argument's own value, so "must be <allowed>" describes the fix exactly.
_SHAPE_KEYWORDS = frozenset({"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                             "minLength", "maxLength", "minItems", "maxItems", "pattern"})
# Where a rejection travels from the model-turn check to the kernel, on the call itself (never sent to the model:
# the OpenAI connector serialises only id, name and arguments).
METADATA_KEY = "entra_agents.invalid"


def parse_arguments(raw: Any) -> tuple[dict[str, Any], str | None]:
    """The call's arguments as a dict, or the reason they are not one."""
    if isinstance(raw, Mapping):
        return dict(raw), None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, None  # some servers send "" for a call without arguments
    try:
        value = json.loads(raw)
    except (TypeError, ValueError) as exc:
        return {}, f"the arguments are not valid JSON ({exc})"
    if not isinstance(value, dict):
        return {}, f"the arguments must be a JSON object, got {type(value).__name__}"
    return value, None


def allowed(schema: Mapping[str, Any]) -> str:
    """What one argument may be, in words: its type, enum and bounds."""
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any JSON value")
    text = " or ".join(kind) if isinstance(kind, list) else str(kind)
    bounds = [f"{word} {schema[key]}" for key, word in (("minimum", ">="), ("maximum", "<="),
                                                        ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<"),
                                                        ("minLength", "length >="), ("maxLength", "length <="),
                                                        ("minItems", "items >="), ("maxItems", "items <="))
              if key in schema]
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def signature(schema: Mapping[str, Any]) -> str:
    required = set(schema.get("required", []))
    parts = [f"{name} ({allowed(prop)}, {'required' if name in required else 'optional'})"
             for name, prop in schema.get("properties", {}).items()]
    return "; ".join(parts) or "no arguments"


def check_call(name: str, raw_arguments: Any, schemas: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The problem with one tool call, as the text the model gets back; None when the call is valid."""
    schema = schemas.get(name)
    if schema is None:
        return (f"{INVALID_PREFIX}: `{name}` is not part of the provided tools. "
                f"The tools are: {', '.join(sorted(schemas))}.")
    problem = _problem(schema, raw_arguments)
    if problem is None:
        return None
    return f"{INVALID_PREFIX} to {name}: {problem}. Its arguments are: {signature(schema)}."


def _problem(schema: Mapping[str, Any], raw_arguments: Any) -> str | None:
    arguments, parse_error = parse_arguments(raw_arguments)
    if parse_error:
        return parse_error
    properties = schema.get("properties", {})
    unexpected = sorted(set(arguments) - set(properties))
    if unexpected:
        return f"unexpected argument `{unexpected[0]}`"
    missing = [n for n in schema.get("required", []) if n not in arguments]
    if missing:
        return f"missing required argument `{missing[0]}` ({allowed(properties.get(missing[0], {}))})"
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(dict(schema)).iter_errors(arguments))
    if error is None:
        return None
    path = list(error.absolute_path)
    if not path:
        return error.message
    argument = str(path[0])
    if len(path) == 1 and error.validator in _SHAPE_KEYWORDS:
        return f"argument `{argument}` must be {allowed(properties[argument])}; got {json.dumps(error.instance)}"
    if len(path) == 1:
        return f"argument `{argument}` is invalid: {error.message}"
    return f"argument `{argument}` is invalid at {'.'.join(str(p) for p in path)}: {error.message}"


class ToolCallKernel(Kernel):
    """A kernel that answers a call already found invalid with its rejection, instead of running it."""

    async def invoke_function_call(self, function_call: FunctionCallContent, chat_history: ChatHistory,
                                   **kwargs: Any) -> Any:
        rejection = (function_call.metadata or {}).get(METADATA_KEY)
        if rejection is None:
            return await super().invoke_function_call(function_call, chat_history, **kwargs)
        result = FunctionResultContent.from_function_call_content_and_result(function_call_content=function_call,
                                                                             result=rejection)
        chat_history.add_message(message=result.to_chat_message_content())
        return None
