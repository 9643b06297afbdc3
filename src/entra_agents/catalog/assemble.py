"""Turn validated documents into typed definitions, resolving and checking every reference between files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from entra_agents.catalog.catalog import Catalog
from entra_agents.catalog.models import (
    AgentDefinition,
    PluginDefinition,
    PromptDefinition,
    PythonSkill,
    SettingDefinition,
    SettingType,
    SkillDefinition,
    SkillFormat,
    SkillGroup,
    SkillInput,
    SuggestedPrompt,
    Trigger,
)
from entra_agents.catalog.plugins import PluginDocument
from entra_agents.catalog.refs import UnresolvedRef, resolve_ref
from entra_agents.catalog.schema import field_path
from entra_agents.catalog.skills import SkillLookupError, SkillModules
from entra_agents.errors import ContentError


def assemble(
    roots: Iterable[Path],
    documents: list[PluginDocument],
    prompts: dict[str, PromptDefinition],
    modules: SkillModules,
) -> Catalog:
    skillsets = _skillsets(documents)
    skills: dict[str, SkillDefinition] = {}
    plugins: list[PluginDefinition] = []
    agents: dict[str, AgentDefinition] = {}
    for document in documents:
        for path, group, raw in document.skills():
            skill = _skill(document, path, group, raw, skillsets, prompts, modules)
            skills[skill.full_name] = skill
    for document in documents:
        for path, raw in document.agents():
            agent = _agent(document, path, raw, skillsets, skills)
            if agent.name in agents:
                raise ContentError(document.file, field_path([*path, "Name"]),
                                   f"agent `{agent.name}` is also defined in {agents[agent.name].file}",
                                   "rename one of them (agent names are unique across all content)")
            agents[agent.name] = agent
        plugins.append(_plugin(document))
    catalog = Catalog(roots=tuple(roots), plugins=plugins, skills=skills, agents=agents, prompts=prompts)
    for agent in agents.values():
        _check_write_settings(catalog, agent)
    return catalog


def _skillsets(documents: list[PluginDocument]) -> dict[str, set[str]]:
    skillsets: dict[str, set[str]] = {}
    files: dict[str, str] = {}
    for document in documents:
        if document.name in skillsets:
            raise ContentError(document.file, "Descriptor.Name", f"skillset `{document.name}` is also defined by "
                               f"{files[document.name]}", "give one of the plugins a different Descriptor.Name")
        skillsets[document.name] = {skill["Name"] for _, _, skill in document.skills()}
        files[document.name] = document.file
    return skillsets


def _resolve(ref: str, document: PluginDocument, path: list[Any], skillsets: dict[str, set[str]]) -> str:
    try:
        return resolve_ref(ref, document.name, skillsets)
    except UnresolvedRef as exc:
        raise ContentError(document.file, field_path(path), exc.problem, exc.fix) from exc


def _skill(
    document: PluginDocument,
    path: list[Any],
    group: dict[str, Any],
    raw: dict[str, Any],
    skillsets: dict[str, set[str]],
    prompts: dict[str, PromptDefinition],
    modules: SkillModules,
) -> SkillDefinition:
    fmt = SkillFormat(group["Format"])
    settings: dict[str, Any] = raw.get("Settings", {})
    prompt = settings.get("Prompt")
    if prompt is not None and prompt not in prompts:
        known = ", ".join(sorted(prompts)) or "none loaded"
        raise ContentError(document.file, field_path([*path, "Settings", "Prompt"]),
                           f"no prompt named `{prompt}` (prompts: {known})",
                           f"create prompts/{prompt}.yaml or fix the name")
    children = tuple(
        _resolve(ref, document, [*path, "ChildSkills", i], skillsets)
        for i, ref in enumerate(raw.get("ChildSkills", []))
    )
    python = _python(document, path, raw, modules) if fmt is SkillFormat.PYTHON else None
    return SkillDefinition(
        name=raw["Name"],
        skillset=document.name,
        full_name=f"{document.name}.{raw['Name']}",
        format=fmt,
        description=raw["Description"],
        display_name=raw.get("DisplayName"),
        description_for_model=raw.get("DescriptionForModel"),
        example_prompts=tuple(raw.get("ExamplePrompts", [])),
        inputs=tuple(SkillInput.model_validate(i) for i in raw.get("Inputs", [])),
        settings=settings,
        group_settings=group.get("Settings", {}),
        instructions=settings.get("Instructions", settings.get("Template")),
        prompt=prompt,
        child_skills=children,
        interfaces=tuple(raw.get("Interfaces", [])),
        suggested_prompts=tuple(SuggestedPrompt.model_validate(p) for p in raw.get("SuggestedPrompts", [])),
        python=python,
        file=document.file,
        path=field_path(path),
    )


def _python(document: PluginDocument, path: list[Any], raw: dict[str, Any], modules: SkillModules) -> PythonSkill:
    ref = raw["Settings"]["Function"]
    try:
        function = modules.lookup(ref)
    except SkillLookupError as exc:
        raise ContentError(document.file, field_path([*path, "Settings", "Function"]), exc.problem, exc.fix) from exc
    parameters = function.parameters_schema["properties"]
    for i, item in enumerate(raw.get("Inputs", [])):
        if item["Name"] not in parameters:
            raise ContentError(document.file, field_path([*path, "Inputs", i, "Name"]),
                               f"`{ref}` has no parameter `{item['Name']}`",
                               f"use one of {', '.join(parameters) or '(none)'} or remove the input")
    return PythonSkill(
        function=ref,
        file=function.file,
        callable=function.fn,
        is_async=function.is_async,
        access=function.spec.access,
        permissions=function.spec.permissions,
        write_setting=function.spec.write_setting,
        precondition=function.spec.precondition,
        parameters_schema=function.parameters_schema,
    )


def _agent(
    document: PluginDocument,
    path: list[Any],
    raw: dict[str, Any],
    skillsets: dict[str, set[str]],
    skills: dict[str, SkillDefinition],
) -> AgentDefinition:
    def agent_skill(ref: str, field: list[Any], role: str) -> str:
        full = _resolve(ref, document, field, skillsets)
        if skills[full].format is not SkillFormat.AGENT:
            raise ContentError(document.file, field_path(field),
                               f"{role} `{full}` is a {skills[full].format.value} skill, not an Agent skill",
                               "point it at a skill in a `Format: Agent` group")
        _require_skillset(full, raw, document, field)
        return full

    triggers = []
    for t, trigger in enumerate(raw.get("Triggers", [])):
        trigger_path = [*path, "Triggers", t]
        fetch = trigger.get("FetchSkill")
        if fetch is not None:
            fetch = _resolve(fetch, document, [*trigger_path, "FetchSkill"], skillsets)
            _require_skillset(fetch, raw, document, [*trigger_path, "FetchSkill"])
        triggers.append(Trigger(
            name=trigger["Name"],
            period_seconds=trigger.get("DefaultPeriodSeconds", 0),
            fetch_skill=fetch,
            process_skill=agent_skill(trigger["ProcessSkill"], [*trigger_path, "ProcessSkill"], "ProcessSkill"),
        ))
    prompt_skill = raw.get("PromptSkill")
    if prompt_skill is not None:
        prompt_skill = agent_skill(prompt_skill, [*path, "PromptSkill"], "PromptSkill")
    return AgentDefinition(
        name=raw["Name"],
        plugin=document.name,
        description=raw.get("Description"),
        display_name=raw.get("DisplayName"),
        publisher=raw.get("Publisher"),
        product=raw.get("Product"),
        required_skillsets=tuple(raw["RequiredSkillsets"]),
        single_instance_constraint=raw.get("AgentSingleInstanceConstraint"),
        settings=tuple(SettingDefinition.model_validate(s) for s in raw.get("Settings", [])),
        triggers=tuple(triggers),
        prompt_skill=prompt_skill,
        suggested_prompts=tuple(SuggestedPrompt.model_validate(p) for p in raw.get("SuggestedPrompts", [])),
        preview_state=raw.get("PreviewState"),
        publisher_source=raw.get("PublisherSource"),
        file=document.file,
        path=field_path(path),
    )


def _require_skillset(full_name: str, agent: dict[str, Any], document: PluginDocument, path: list[Any]) -> None:
    skillset = full_name.rpartition(".")[0]
    if skillset not in agent["RequiredSkillsets"]:
        raise ContentError(document.file, field_path(path), f"uses skillset `{skillset}`, which is not in "
                           "RequiredSkillsets", f"add `- {skillset}` to RequiredSkillsets")


def _plugin(document: PluginDocument) -> PluginDefinition:
    descriptor = document.data["Descriptor"]
    groups = tuple(
        SkillGroup(
            format=SkillFormat(group["Format"]),
            settings=group.get("Settings", {}),
            skills=tuple(f"{document.name}.{skill['Name']}" for skill in group.get("Skills", [])),
        )
        for group in document.data["SkillGroups"]
    )
    return PluginDefinition(
        name=descriptor["Name"],
        description=descriptor["Description"],
        display_name=descriptor.get("DisplayName"),
        description_for_model=descriptor.get("DescriptionForModel"),
        description_display=descriptor.get("DescriptionDisplay"),
        icon=descriptor.get("Icon"),
        category=descriptor.get("Category"),
        prerequisites=tuple(descriptor.get("Prerequisites", [])),
        settings=tuple(SettingDefinition.model_validate(s) for s in descriptor.get("Settings", [])),
        supported_auth_types=tuple(descriptor.get("SupportedAuthTypes", [])),
        authorization=descriptor.get("Authorization"),
        catalog_scope=descriptor.get("CatalogScope"),
        enabled=descriptor.get("Enabled"),
        skill_groups=groups,
        agents=tuple(agent["Name"] for _, agent in document.agents()),
        file=document.file,
    )


def _check_write_settings(catalog: Catalog, agent: AgentDefinition) -> None:
    """A write skill the agent can reach needs its ``write_setting`` declared as a Bool agent setting.

    Without it the guard could never allow the write (a silent dead feature), and a String setting would make
    the text "false" truthy.
    """
    for skill in catalog.skills_for(agent):
        if skill.python is None or skill.python.write_setting is None:
            continue
        name = skill.python.write_setting
        setting = agent.setting(name)
        where = f"{agent.path}.Settings"
        if setting is None:
            raise ContentError(agent.file, where, f"agent `{agent.name}` can call write skill `{skill.full_name}` "
                               f"but declares no setting `{name}` (its write_setting)",
                               f"add `- {{Name: {name}, SettingType: Bool, DefaultValue: false}}` under Settings")
        if setting.setting_type is not SettingType.BOOL:
            raise ContentError(agent.file, where, f"setting `{name}` gates write skill `{skill.full_name}` but is "
                               f"{setting.setting_type.value}", f"set `SettingType: Bool` on `{name}`")
