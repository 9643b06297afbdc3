"""GPT skills run as prompt tools; an agent without a FetchSkill runs once; non-executable formats refuse clearly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.errors import ContentError
from entra_agents.graph.sources import open_tenant
from entra_agents.runtime.models.providers import choose
from entra_agents.runtime.runner import run_agent
from entra_agents.store import Store
from tests.helpers import write_script

MANIFEST = """
Descriptor:
  Name: Test.Formats
  Description: format coverage
AgentDefinitions:
  - Name: summarizer
    Description: summarises once
    RequiredSkillsets: [Test.Formats]
    Triggers:
      - Name: Default
        DefaultPollPeriodSeconds: 0
        FetchSkill: ''
        ProcessSkill: Test.Formats.Summarize
SkillGroups:
  - Format: AGENT
    Skills:
      - Name: Summarize
        Description: summarises a topic
        Interfaces: [Agent]
        Inputs:
          - {Name: topic, Description: what to summarise, DefaultValue: legacy authentication}
        Settings:
          Instructions: |
            Summarise {{topic}} for an identity administrator using the Brief tool.
        ChildSkills: [Brief, __KQL__]
  - Format: GPT
    Skills:
      - Name: Brief
        Description: writes a one-line brief
        Inputs:
          - {Name: topic, Description: the topic, Required: true}
        Settings:
          Template: "Write one line about {{topic}}."
  - Format: KQL
    Skills:
      - Name: Query
        Description: a sentinel query
        Settings:
          Target: Defender
          Template: SigninLogs | take 1
"""


def _content(tmp_path: Path, child_kql: bool) -> Path:
    root = tmp_path / "content"
    (root / "plugins").mkdir(parents=True)
    manifest = MANIFEST.replace(", __KQL__", ", Query" if child_kql else "")
    (root / "plugins" / "formats.yaml").write_text(manifest)
    return root


def _run(catalog, model: str) -> tuple[object, Store]:
    store = Store()

    async def go():
        async with open_tenant("demo") as connection:
            return await run_agent(catalog, "summarizer", connection=connection, store=store, choice=choose(model))

    return asyncio.run(go()), store


def test_gpt_skill_is_a_prompt_tool_and_no_fetch_skill_processes_once(tmp_path) -> None:
    catalog = load_catalog([_content(tmp_path, child_kql=False)])
    model = write_script(tmp_path / "m.yaml", [
        {"tool_calls": [{"tool": "Brief", "arguments": {"topic": "legacy authentication"}}]},
        {"text": "Legacy authentication cannot do MFA; block it."},
    ])
    result, store = _run(catalog, model)
    assert result.run["status"] == "succeeded" and result.run["usage"]["items"] == 1
    trace = store.trace(result.run["id"])
    task = next(e for e in trace if e["kind"] == "task")
    assert task["inputs"] == {"topic": "legacy authentication"}
    brief = next(e for e in trace if e["kind"] == "tool_call" and e["skill"] == "Test.Formats.Brief")
    assert "block it" in brief["result"]["preview"]
    assert result.answers == ["Legacy authentication cannot do MFA; block it."]


def test_non_executable_child_skill_fails_the_run_clearly(tmp_path) -> None:
    catalog = load_catalog([_content(tmp_path, child_kql=True)])
    with pytest.raises(ContentError, match="KQL"):
        _run(catalog, "offline")
    run = Store().list_runs(1)[0]
    assert run["status"] == "failed" and "KQL" in run["error"]
