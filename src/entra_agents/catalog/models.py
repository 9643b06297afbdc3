"""Typed, immutable views of loaded content. Plain data: the runtime turns these into Semantic Kernel functions.

Field names are snake_case. Models read straight from manifest entries accept the manifest's PascalCase names
as aliases; references to skills are always stored resolved to full names (``Skillset.Skill``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal


class SkillFormat(StrEnum):
    GPT = "GPT"
    KQL = "KQL"
    API = "API"
    LOGIC_APP = "LogicApp"
    MCP = "MCP"
    AGENT = "Agent"
    PYTHON = "Python"  # our extension: a typed function in skills/


# The runtime can run these; the rest are parsed and validated so manifests load, then refused at run time.
EXECUTABLE_FORMATS = frozenset({SkillFormat.GPT, SkillFormat.AGENT, SkillFormat.PYTHON})


class SettingType(StrEnum):
    STRING = "String"
    SECRET_STRING = "SecretString"
    BOOL = "Bool"
    INTEGER = "Integer"
    ARRAY = "Array"
    ENUM = "Enum"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ManifestEntry(BaseModel):
    """An entry validated straight from a manifest mapping (PascalCase keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_pascal, populate_by_name=True)


class SettingDefinition(_ManifestEntry):
    """A Descriptor or AgentDefinitions ``Settings[]`` entry (install-time setting)."""

    name: str
    label: str | None = None
    description: str | None = None
    hint_text: str | None = None
    setting_type: SettingType = SettingType.STRING
    required: bool = False
    default_value: Any = None


class SkillInput(_ManifestEntry):
    """A skill ``Inputs[]`` entry. ``Required`` defaults to false, as Security Copilot treats it."""

    name: str
    description: str | None = None
    required: bool = False
    default_value: Any = None
    placeholder_value: str | None = None


class SuggestedPrompt(_ManifestEntry):
    prompt: str
    title: str | None = None
    personas: tuple[int, ...] = ()
    is_starter_agent: bool = False
    recommendation: Any = None


class PythonSkill(_Frozen):
    """The function behind a ``Format: Python`` skill (``Settings: {Function: module.function}``)."""

    function: str
    """``module.function`` as written in the manifest."""
    file: str
    callable: Callable[..., Any] = Field(exclude=True, repr=False)
    """Called as ``callable(ctx, **arguments)``; may be sync or async (see ``is_async``)."""
    is_async: bool
    access: Literal["read", "write"]
    permissions: tuple[str, ...]
    write_setting: str | None
    """For write skills: the agent setting that must be true for the guard to allow the call."""
    precondition: Callable[[Any, dict[str, Any]], list[str]] | None = Field(default=None, exclude=True, repr=False)
    """``precondition(ctx, arguments) -> problems``; the guard refuses the call when it returns any."""
    parameters_schema: dict[str, Any]
    """JSON Schema (``type: object``) of the parameters after ``ctx``. Pass it to SK explicitly: SK's own
    derivation turns ``Literal`` into ``{"type": "object"}`` and makes ``x: str = None`` required."""


class SkillDefinition(_Frozen):
    name: str
    skillset: str
    """The plugin's ``Descriptor.Name`` (may contain dots)."""
    full_name: str
    """``Skillset.Skill``: how manifests reference this skill."""
    format: SkillFormat
    description: str
    display_name: str | None = None
    description_for_model: str | None = None
    example_prompts: tuple[str, ...] = ()
    inputs: tuple[SkillInput, ...] = ()
    settings: dict[str, Any] = {}
    """The skill's ``Settings`` as written (after spelling normalisation)."""
    group_settings: dict[str, Any] = {}
    """The enclosing skill group's ``Settings`` (``OpenApiSpecUrl``, ``Endpoint``, ``PackageUrl``...)."""
    instructions: str | None = None
    """Inline text: Agent ``Instructions``, or GPT/KQL ``Template``."""
    prompt: str | None = None
    """Name of the prompt in ``prompts/`` used instead of inline text (our ``Prompt`` extension)."""
    child_skills: tuple[str, ...] = ()
    """Full names, resolved and checked to exist."""
    interfaces: tuple[str, ...] = ()
    suggested_prompts: tuple[SuggestedPrompt, ...] = ()
    python: PythonSkill | None = None
    file: str
    path: str
    """Where the skill is in its file, e.g. ``SkillGroups[1].Skills[0]``."""


class SkillGroup(_Frozen):
    format: SkillFormat
    settings: dict[str, Any] = {}
    skills: tuple[str, ...] = ()
    """Full names of the group's skills (API/MCP groups may declare none: they come from the spec/server)."""


class Trigger(_Frozen):
    name: str
    period_seconds: int = 0
    """``DefaultPeriodSeconds`` or ``DefaultPollPeriodSeconds``; 0 means manual runs only."""
    fetch_skill: str | None = None
    """Full name of the skill returning the items to process; ``None`` runs ``process_skill`` once, directly."""
    process_skill: str
    """Full name of the Agent skill run once per fetched item."""


class AgentDefinition(_Frozen):
    name: str
    plugin: str
    """``Descriptor.Name`` of the plugin that defines this agent."""
    description: str | None = None
    display_name: str | None = None
    publisher: str | None = None
    product: str | None = None
    required_skillsets: tuple[str, ...] = ()
    single_instance_constraint: Literal["None", "Workspace", "Tenant"] | None = None
    settings: tuple[SettingDefinition, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    prompt_skill: str | None = None
    """Full name of the Agent skill behind "chat with agent", if the agent is interactive."""
    suggested_prompts: tuple[SuggestedPrompt, ...] = ()
    preview_state: str | None = None
    publisher_source: str | None = None
    file: str
    path: str

    def setting(self, name: str) -> SettingDefinition | None:
        return next((s for s in self.settings if s.name == name), None)

    def default_settings(self) -> dict[str, Any]:
        """Setting name -> ``DefaultValue`` (``None`` when the manifest gives none)."""
        return {s.name: s.default_value for s in self.settings}


class PluginDefinition(_Frozen):
    name: str
    description: str
    display_name: str | None = None
    description_for_model: str | None = None
    description_display: str | None = None
    icon: str | None = None
    category: str | None = None
    prerequisites: tuple[str, ...] = ()
    settings: tuple[SettingDefinition, ...] = ()
    supported_auth_types: tuple[str, ...] = ()
    authorization: dict[str, Any] | None = None
    catalog_scope: str | None = None
    enabled: bool | None = None
    skill_groups: tuple[SkillGroup, ...] = ()
    agents: tuple[str, ...] = ()
    """Names of the agents this manifest defines."""
    file: str


class InputVariable(_Frozen):
    """A prompt ``input_variables[]`` entry (Semantic Kernel's ``InputVariable``)."""

    name: str
    description: str | None = None
    default: Any = None
    is_required: bool = True
    json_schema: str | dict[str, Any] | None = None
    allow_dangerously_set_content: Literal[False] = False
    """Always false: tenant data reaching a prompt must stay HTML-escaped (DESIGN safety rule 4)."""


class PromptDefinition(_Frozen):
    """A ``prompts/*.yaml`` file: Semantic Kernel prompt template config, checked stricter than SK does."""

    name: str
    template: str
    description: str | None = None
    template_format: Literal["semantic-kernel"] = "semantic-kernel"
    input_variables: tuple[InputVariable, ...] = ()
    execution_settings: dict[str, dict[str, Any]] = {}
    """service_id -> settings, kept raw (``offline`` holds the offline model's workflow; the runtime checks it)."""
    output_variable: dict[str, Any] | None = None
    file: str

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.input_variables)

    def sk_config(self) -> dict[str, Any]:
        """Keyword arguments for ``semantic_kernel.prompt_template.PromptTemplateConfig`` (no SK import here)."""
        data = self.model_dump(exclude={"file"}, exclude_none=True)
        data["input_variables"] = [v.model_dump(exclude_none=True) for v in self.input_variables]
        for variable in data["input_variables"]:
            if isinstance(variable.get("json_schema"), dict):  # SK's InputVariable.json_schema is a string
                variable["json_schema"] = json.dumps(variable["json_schema"])
        return data
