"""Spelling variants seen in real Security Copilot manifests, rewritten to one canonical form before validation.

Validation then sees only the canonical form, and so does everything downstream. Keys are renamed in place, so
field paths in later errors still point at the right entry. Values of the wrong type are left alone for the
schema to report.
"""

from __future__ import annotations

import copy
from typing import Any

from entra_agents.catalog.models import SettingType, SkillFormat
from entra_agents.catalog.schema import field_path
from entra_agents.errors import ContentError

_FORMATS = {f.value.lower(): f.value for f in SkillFormat}
_SETTING_TYPES = {t.value.lower(): t.value for t in SettingType} | {"boolean": "Bool", "int": "Integer"}


def normalize_plugin(document: Any, file: str) -> Any:
    """A normalised deep copy of a plugin manifest (the input is not modified)."""
    doc = copy.deepcopy(document)
    if not isinstance(doc, dict):
        return doc
    descriptor = doc.get("Descriptor")
    if isinstance(descriptor, dict):
        _setting_types(descriptor.get("Settings"))
    for g, group in _entries(doc.get("SkillGroups")):
        path: list[Any] = ["SkillGroups", g]
        if isinstance(group.get("Format"), str):
            group["Format"] = _FORMATS.get(group["Format"].strip().lower(), group["Format"])
        if isinstance(group.get("Settings"), dict):
            _rename(group["Settings"], "OpenApiSpecURL", "OpenApiSpecUrl", [*path, "Settings"], file)
        for s, skill in _entries(group.get("Skills")):
            skill_path = [*path, "Skills", s]
            _rename(skill, "ExamplePrompt", "ExamplePrompts", skill_path, file)
            if isinstance(skill.get("ExamplePrompts"), str):
                skill["ExamplePrompts"] = [skill["ExamplePrompts"]]
            if isinstance(skill.get("Settings"), dict):
                _rename(skill["Settings"], "OpenApiSpecURL", "OpenApiSpecUrl", [*skill_path, "Settings"], file)
    for a, agent in _entries(doc.get("AgentDefinitions")):
        _setting_types(agent.get("Settings"))
        for t, trigger in _entries(agent.get("Triggers")):
            trigger_path = ["AgentDefinitions", a, "Triggers", t]
            _rename(trigger, "DefaultPollPeriodSeconds", "DefaultPeriodSeconds", trigger_path, file)
            fetch = trigger.get("FetchSkill")
            if isinstance(fetch, str) and not fetch.strip():
                trigger["FetchSkill"] = None  # '' is how portal exports write "no fetch skill"
    return doc


def _entries(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, mapping) pairs of a list, skipping non-mappings (the schema reports those)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _setting_types(settings: Any) -> None:
    for _, setting in _entries(settings):
        kind = setting.get("SettingType")
        if isinstance(kind, str):
            setting["SettingType"] = _SETTING_TYPES.get(kind.strip().lower(), kind)


def _rename(mapping: dict[str, Any], old: str, new: str, path: list[Any], file: str) -> None:
    if old not in mapping:
        return
    if new in mapping:
        raise ContentError(file, field_path([*path, old]), f"both `{old}` and `{new}` are given", f"keep only `{new}`")
    # Rebuild rather than pop+set so the key keeps its position (error order follows the file).
    items = [(new if key == old else key, value) for key, value in mapping.items()]
    mapping.clear()
    mapping.update(items)
