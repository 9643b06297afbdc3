"""``plugins/*``: read one Security Copilot manifest, normalise spellings, validate, check what fits in one file.

Cross-file checks (references between skills, prompts and Python functions) happen in ``assemble``, once every
file is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entra_agents.catalog.documents import JSON_SUFFIXES, YAML_SUFFIXES, display_path, read_document
from entra_agents.catalog.normalize import normalize_plugin
from entra_agents.catalog.schema import field_path, validate
from entra_agents.errors import ContentError

PLUGIN_SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES


@dataclass(frozen=True)
class PluginDocument:
    """A manifest that passed the schema and single-file checks: normalised plain data."""

    file: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["Descriptor"]["Name"])

    def skills(self) -> Iterator[tuple[list[Any], dict[str, Any], dict[str, Any]]]:
        """(field path, group, skill) for every declared skill, in file order."""
        for g, group in enumerate(self.data["SkillGroups"]):
            for s, skill in enumerate(group.get("Skills", [])):
                yield ["SkillGroups", g, "Skills", s], group, skill

    def agents(self) -> Iterator[tuple[list[Any], dict[str, Any]]]:
        for a, agent in enumerate(self.data.get("AgentDefinitions", [])):
            yield ["AgentDefinitions", a], agent


def read_plugin(path: Path) -> PluginDocument:
    shown = display_path(path)
    data = normalize_plugin(read_document(path), shown)
    validate(data, "plugin", shown)
    document = PluginDocument(shown, data)
    _check_unique_skills(document)
    _check_agents(document)
    return document


def _check_unique_skills(document: PluginDocument) -> None:
    seen: dict[str, list[Any]] = {}
    for path, _, skill in document.skills():
        name = skill["Name"]
        if name in seen:
            raise ContentError(document.file, field_path([*path, "Name"]),
                               f"skill `{name}` is already defined at {field_path(seen[name])}",
                               "rename one of them (skill names are unique within a plugin)")
        seen[name] = path


def _check_agents(document: PluginDocument) -> None:
    names: dict[str, list[Any]] = {}
    for path, agent in document.agents():
        if agent["Name"] in names:
            raise ContentError(document.file, field_path([*path, "Name"]),
                               f"agent `{agent['Name']}` is already defined at {field_path(names[agent['Name']])}",
                               "rename one of them")
        names[agent["Name"]] = path
        if document.name not in agent["RequiredSkillsets"]:
            raise ContentError(document.file, field_path([*path, "RequiredSkillsets"]),
                               f"does not include this plugin's own skillset `{document.name}`",
                               f"add `- {document.name}` to RequiredSkillsets")
        if not agent.get("Triggers") and not agent.get("PromptSkill"):
            raise ContentError(document.file, field_path([*path, "Triggers"]),
                               f"agent `{agent['Name']}` has no Triggers and no PromptSkill, so nothing can run it",
                               "add `Triggers: [{Name: Default, ProcessSkill: ...}]` or `PromptSkill: ...`")
        _check_unique_names(document.file, agent.get("Settings", []), [*path, "Settings"], "setting")
        _check_unique_names(document.file, agent.get("Triggers", []), [*path, "Triggers"], "trigger")
    _check_unique_names(document.file, document.data["Descriptor"].get("Settings", []),
                        ["Descriptor", "Settings"], "setting")


def _check_unique_names(file: str, entries: list[dict[str, Any]], path: list[Any], what: str) -> None:
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry["Name"] in seen:
            raise ContentError(file, field_path([*path, index, "Name"]), f"{what} `{entry['Name']}` is declared twice",
                               "remove or rename the duplicate")
        seen.add(entry["Name"])
