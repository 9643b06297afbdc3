"""The catalog: plugins, prompts and Python skills loaded from content roots, validated and cross-checked.

Plain typed data only. This package never imports Semantic Kernel or msgraph, so ``entra-agents --help`` and
``plugins validate`` stay fast; the runtime turns these definitions into kernel functions.
"""

from __future__ import annotations

from pathlib import Path

from entra_agents.catalog.assemble import assemble
from entra_agents.catalog.catalog import Catalog, NotInCatalog
from entra_agents.catalog.documents import display_path
from entra_agents.catalog.models import (
    AgentDefinition,
    InputVariable,
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
from entra_agents.catalog.plugins import PLUGIN_SUFFIXES, read_plugin
from entra_agents.catalog.prompts import PROMPT_SUFFIXES, load_prompt
from entra_agents.catalog.skills import load_skill_modules
from entra_agents.errors import ContentError
from entra_agents.paths import CONTENT_ENV, CONTENT_KINDS, content_roots

__all__ = [
    "AgentDefinition", "Catalog", "InputVariable", "NotInCatalog", "PluginDefinition", "PromptDefinition",
    "PythonSkill", "SettingDefinition", "SettingType", "SkillDefinition", "SkillFormat", "SkillGroup", "SkillInput",
    "SuggestedPrompt", "Trigger", "load_catalog",
]


def load_catalog(content_dirs: list[Path] | None = None) -> Catalog:
    """Load and cross-check all content under ``content_dirs`` (default: :func:`entra_agents.paths.content_roots`,
    i.e. the shipped content plus ``ENTRA_AGENTS_CONTENT``). Raises :class:`ContentError` on the first problem.

    Each root may hold ``plugins/`` (``*.yaml``, ``*.yml``, ``*.json``), ``prompts/`` (``*.yaml``, ``*.yml``) and
    ``skills/`` (``*.py``); the three form one namespace across roots, and a name defined twice is an error
    rather than a silent override.
    """
    roots = [Path(root) for root in (content_roots() if content_dirs is None else content_dirs)]
    for root in roots:
        _check_root(root, from_env=content_dirs is None)
    documents = [read_plugin(path) for path in _files(roots, "plugins", PLUGIN_SUFFIXES)]
    prompts: dict[str, PromptDefinition] = {}
    for path in _files(roots, "prompts", PROMPT_SUFFIXES):
        prompt = load_prompt(path)
        if prompt.name in prompts:
            raise ContentError(prompt.file, "name", f"prompt `{prompt.name}` is also defined in "
                               f"{prompts[prompt.name].file}", "rename one of the two files (and its `name:`)")
        prompts[prompt.name] = prompt
    modules = load_skill_modules([root / "skills" for root in roots if (root / "skills").is_dir()])
    return assemble(roots, documents, prompts, modules)


def _check_root(root: Path, *, from_env: bool) -> None:
    fix = f"fix {CONTENT_ENV}" if from_env else "pass an existing content directory"
    if not root.is_dir():
        raise ContentError(display_path(root), "", "content directory does not exist", fix)
    if not any((root / kind).is_dir() for kind in CONTENT_KINDS):
        raise ContentError(display_path(root), "", "has none of plugins/, skills/, prompts/",
                           f"{fix}, or create those directories")


def _files(roots: list[Path], kind: str, suffixes: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        directory = root / kind
        if directory.is_dir():
            found += sorted(p for p in directory.iterdir()
                            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith("."))
    return found
