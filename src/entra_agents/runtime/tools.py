"""Turn catalog skills into Semantic Kernel functions (tools) bound to one run's SkillContext."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from semantic_kernel.connectors.ai.function_calling_utils import kernel_function_metadata_to_function_call_format
from semantic_kernel.functions import KernelFunction, KernelFunctionFromMethod, KernelFunctionFromPrompt
from semantic_kernel.prompt_template import InputVariable, PromptTemplateConfig

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


def advertised_schema(function: KernelFunction) -> dict[str, Any]:
    """The parameters' JSON schema exactly as the model is shown it (the same helper the OpenAI connector uses),
    so calls are validated against what the model saw, not against a second description of the tool."""
    return kernel_function_metadata_to_function_call_format(function.metadata)["function"]["parameters"]


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


_SC_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def gpt_tool(skill: Any, catalog: Any) -> KernelFunction:
    """A GPT skill as a prompt function: its template is rendered with the arguments and sent to the model."""
    if skill.prompt:
        config = PromptTemplateConfig(**catalog.prompt(skill.prompt).sk_config())
    else:
        # Security Copilot templates write {{Name}}; in Semantic Kernel syntax that would be a function call.
        template = _SC_PLACEHOLDER.sub(lambda m: "{{$" + m.group(1) + "}}", skill.instructions or "")
        config = PromptTemplateConfig(name=skill.name, template=template, template_format="semantic-kernel")
    config.name = skill.name
    config.description = skill.description_for_model or skill.description
    # Security Copilot inputs are text. Without a json_schema SK advertises them as {"type": "object"}, and its
    # TYPE_MAPPING takes Python type names: "str" is what makes the model see {"type": "string"}.
    config.input_variables = [InputVariable(name=i.name, description=i.description or "", is_required=i.required,
                                            default=i.default_value, json_schema="str") for i in skill.inputs]
    # The prompt may not name tools: a GPT skill is a single completion, never a tool loop.
    config.execution_settings = {key: value for key, value in config.execution_settings.items()}
    for settings in config.execution_settings.values():
        settings.function_choice_behavior = None
    return KernelFunctionFromPrompt(function_name=skill.name, plugin_name=plugin_name(skill.skillset),
                                    prompt_template_config=config)
