"""A small, valid content tree in tmp_path; tests break one thing at a time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from entra_agents.catalog import Catalog, load_catalog
from entra_agents.errors import ContentError

PLUGIN = """\
Descriptor:
  Name: Demo.Tools
  DisplayName: Demo tools
  Description: Demo plugin for catalog tests.
  Settings:
    - Name: TenantHint
      SettingType: String
SkillGroups:
  - Format: Agent
    Skills:
      - Name: Triage
        Description: Triage one item.
        Interfaces: [Agent]
        Inputs:
          - {Name: item, Description: The item to triage, Required: true}
        Settings:
          Prompt: triage
        ChildSkills:
          - ListItems
          - Summarize
          - Demo.Tools.ApplyChange
  - Format: Python
    Skills:
      - Name: ListItems
        Description: Lists items to triage.
        Settings:
          Function: demo.list_items
      - Name: ApplyChange
        Description: Applies a change.
        Settings:
          Function: demo.apply_change
  - Format: GPT
    Skills:
      - Name: Summarize
        Description: Summarizes text.
        Settings:
          Template: "Summarize: {{input}}"
AgentDefinitions:
  - Name: DemoAgent
    DisplayName: Demo agent
    Description: Triages items.
    RequiredSkillsets: [Demo.Tools]
    Settings:
      - {Name: AllowChanges, SettingType: Bool, DefaultValue: false}
    Triggers:
      - Name: Default
        DefaultPeriodSeconds: 3600
        FetchSkill: Demo.Tools.ListItems
        ProcessSkill: Demo.Tools.Triage
"""

PROMPT = """\
name: triage
description: Triage instructions.
template_format: semantic-kernel
template: |
  <message role="system">Triage the item for tenant {{$tenant}}.</message>
  <message role="user">{{ $item }}</message>
input_variables:
  - name: tenant
    description: Tenant id
  - name: item
    description: The item
execution_settings:
  default:
    temperature: 0
  offline:
    workflow:
      - call: ListItems
"""

SKILLS = '''\
from __future__ import annotations

from typing import Annotated, Any

from entra_agents.skill import skill


@skill(access="read", permissions=["Directory.Read.All"])
def list_items(ctx: Any, limit: Annotated[int, "How many items at most"] = 10) -> list[str]:
    return [f"item{i}" for i in range(limit)]


def _allowed(ctx: Any, arguments: dict[str, Any]) -> list[str]:
    return []


@skill(access="write", permissions=["Policy.ReadWrite.ConditionalAccess"], write_setting="AllowChanges",
       precondition=_allowed)
async def apply_change(ctx: Any, target: Annotated[str, "What to change"]) -> str:
    return target


def helper(x: int) -> int:
    return x
'''


class Content:
    """A content root under tmp_path with the baseline files; ``write``/``edit`` change them before ``load``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.write("plugins/demo.yaml", PLUGIN)
        self.write("prompts/triage.yaml", PROMPT)
        self.write("skills/demo.py", SKILLS)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return path

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def load(self) -> Catalog:
        return load_catalog([self.root])

    def error(self) -> str:
        """The one-line ContentError message the current tree produces."""
        with pytest.raises(ContentError) as caught:
            self.load()
        message = str(caught.value)
        assert "\n" not in message, message
        assert caught.value.exit_code == 2
        return message


@pytest.fixture
def content(tmp_path: Path) -> Content:
    return Content(tmp_path / "content")
