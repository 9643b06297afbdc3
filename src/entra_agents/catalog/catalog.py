"""The loaded catalog: every plugin, skill, agent and prompt, cross-checked, with lookups for the runtime and CLI."""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from entra_agents.catalog.models import (
    EXECUTABLE_FORMATS,
    AgentDefinition,
    PluginDefinition,
    PromptDefinition,
    SkillDefinition,
    SkillFormat,
)
from entra_agents.catalog.refs import UnresolvedRef, resolve_ref
from entra_agents.errors import ContentError, UsageError


class NotInCatalog(UsageError, LookupError):
    """A name asked for (on the command line, or by code) that no loaded content defines."""


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    roots: tuple[Path, ...]
    """Content roots, in load order."""
    plugins: list[PluginDefinition]
    skills: dict[str, SkillDefinition]
    """Full name (``Skillset.Skill``) -> skill."""
    agents: dict[str, AgentDefinition]
    prompts: dict[str, PromptDefinition]

    def skill(self, ref: str, *, context_skillset: str | None = None) -> SkillDefinition:
        """The skill ``ref`` names: ``Skillset.Skill`` (split on the last dot), or a bare ``Skill`` resolved in
        ``context_skillset``. Raises :class:`NotInCatalog`."""
        try:
            return self.skills[resolve_ref(ref, context_skillset, self._skillsets)]
        except UnresolvedRef as exc:
            raise NotInCatalog(f"unknown skill: {exc.problem}; {exc.fix}") from exc

    @cached_property
    def _skillsets(self) -> dict[str, set[str]]:
        skillsets: dict[str, set[str]] = {p.name: set() for p in self.plugins}
        for skill in self.skills.values():
            skillsets[skill.skillset].add(skill.name)
        return skillsets

    def agent(self, name: str) -> AgentDefinition:
        """Raises :class:`NotInCatalog` with the closest agent name, for typos on the command line."""
        if name in self.agents:
            return self.agents[name]
        raise NotInCatalog(f"unknown agent `{name}`; {_suggest(name, self.agents)}")

    def plugin(self, name: str) -> PluginDefinition:
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        raise NotInCatalog(f"unknown plugin `{name}`; {_suggest(name, [p.name for p in self.plugins])}")

    def prompt(self, name: str) -> PromptDefinition:
        if name in self.prompts:
            return self.prompts[name]
        raise NotInCatalog(f"unknown prompt `{name}`; {_suggest(name, self.prompts)}")

    def instructions(self, skill: SkillDefinition | str) -> str | PromptDefinition | None:
        """A GPT/Agent skill's text: the inline ``Instructions``/``Template``, or its :class:`PromptDefinition`."""
        skill = self._skill(skill)
        return self.prompts[skill.prompt] if skill.prompt else skill.instructions

    def executable(self, skill: SkillDefinition | str) -> bool:
        """Whether this runtime can run the skill: GPT (inline ``Template`` or ``Prompt``), Agent and Python.

        API, KQL, LogicApp and MCP skills load and validate (so Security Copilot manifests work unchanged) but
        are refused at run time, as are GPT skills whose template lives at a URL or in a package.
        """
        skill = self._skill(skill)
        if skill.format is SkillFormat.GPT:
            return skill.instructions is not None or skill.prompt is not None
        return skill.format in EXECUTABLE_FORMATS

    def require_executable(self, skill: SkillDefinition | str) -> None:
        """Raise :class:`ContentError` naming the skill's file and position unless :meth:`executable`."""
        skill = self._skill(skill)
        if self.executable(skill):
            return
        if skill.format is SkillFormat.GPT:
            raise ContentError(skill.file, f"{skill.path}.Settings",
                               f"GPT skill `{skill.full_name}` uses TemplateUrl/TemplateFile, which this runtime "
                               "cannot fetch", "inline it as `Template:` or move it to prompts/ and use `Prompt:`")
        raise ContentError(skill.file, skill.path,
                           f"format {skill.format.value} skills are validated but not executable in this runtime yet "
                           f"(`{skill.full_name}`)",
                           "use a Python skill (`Format: Python`) or remove it from the agent")

    def skills_for(self, agent: AgentDefinition | str) -> list[SkillDefinition]:
        """Every skill the agent can reach: trigger and prompt skills, then their ``ChildSkills``, transitively.

        This is the set the runtime may offer the agent's kernel (DESIGN: "kernel with only the skills this
        agent may use"), in breadth-first order from the entry points.
        """
        agent = self.agent(agent) if isinstance(agent, str) else agent
        entry = [t.fetch_skill for t in agent.triggers] + [t.process_skill for t in agent.triggers]
        queue = deque(name for name in [*entry, agent.prompt_skill] if name)
        seen: dict[str, SkillDefinition] = {}
        while queue:
            name = queue.popleft()
            if name not in seen:
                seen[name] = self.skills[name]
                queue.extend(seen[name].child_skills)
        return list(seen.values())

    def _skill(self, skill: SkillDefinition | str) -> SkillDefinition:
        return self.skill(skill) if isinstance(skill, str) else skill


def _suggest(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"known: {', '.join(names)}" if names else "none are loaded"
