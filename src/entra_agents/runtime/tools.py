"""Turn catalog skills into Semantic Kernel functions (tools) bound to one run's SkillContext."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from semantic_kernel.functions import KernelFunction, KernelFunctionFromMethod

from entra_agents.errors import EntraAgentsError
from entra_agents.runtime.context import SkillContext


def plugin_name(skillset: str) -> str:
    # SK plugin names are [0-9A-Za-z_]+, while Security Copilot skillset names may contain dots.
    return re.sub(r"[^0-9A-Za-z_]", "_", skillset)


def tool_name(skill: Any) -> str:
    return f"{plugin_name(skill.skillset)}-{skill.name}"


def to_tool_result(value: Any) -> str:
    # SK sends str(value) to the model; JSON keeps it parseable and avoids Python reprs.
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def python_tool(skill: Any, ctx: SkillContext) -> KernelFunction:
    spec = skill.python
    schema = spec.parameters_schema
    required = set(schema.get("required", []))

    async def call(**arguments: Any) -> str:
        try:
            result = spec.callable(ctx, **arguments)
            if inspect.isawaitable(result):
                result = await result
        except EntraAgentsError as exc:
            # An expected failure (bad argument, failed Graph read) is told to the model, not hidden.
            return to_tool_result({"error": str(exc)})
        return to_tool_result(result)

    call.__kernel_function__ = True  # type: ignore[attr-defined]
    call.__kernel_function_name__ = skill.name  # type: ignore[attr-defined]
    call.__kernel_function_description__ = skill.description_for_model or skill.description  # type: ignore[attr-defined]
    call.__kernel_function_streaming__ = False  # type: ignore[attr-defined]
    call.__kernel_function_parameters__ = [  # type: ignore[attr-defined]
        {"name": name, "description": prop.get("description", ""), "is_required": name in required,
         "type_": prop.get("type", "object") if isinstance(prop.get("type"), str) else "object",
         "schema_data": prop, "default_value": prop.get("default")}
        for name, prop in schema.get("properties", {}).items()
    ]
    call.__kernel_function_return_type__ = "str"  # type: ignore[attr-defined]
    call.__kernel_function_return_type_object__ = str  # type: ignore[attr-defined]
    call.__kernel_function_return_description__ = "JSON"  # type: ignore[attr-defined]
    call.__kernel_function_return_required__ = True  # type: ignore[attr-defined]
    return KernelFunctionFromMethod(method=call, plugin_name=plugin_name(skill.skillset))
