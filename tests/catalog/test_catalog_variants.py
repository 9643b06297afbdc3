"""Spelling variants seen in real manifests load and are normalised; non-executable formats load but are refused."""

from __future__ import annotations

import pytest

from entra_agents.catalog import SettingType, SkillFormat
from entra_agents.errors import ContentError

from .conftest import Content

VARIANTS = """
Descriptor:
  Name: Contoso.SecurityOperations.Samples-090925
  Description: Portal-export style manifest.
  Settings:
    - {Name: Region, SettingType: string}
    - {Name: Enabled, SettingType: boolean, DefaultValue: true}
SkillGroups:
  - Format: AGENT
    Skills:
      - Name: Investigate
        Description: Investigates.
        ExamplePrompt:
          - Investigate this sign-in
        Settings:
          Instructions: >-
            # Mission
            Investigate.
        ChildSkills:
          - Lookup
          - Contoso.SecurityOperations.Samples-090925.Summarize
  - Format: python
    Skills:
      - Name: Lookup
        Description: Looks up.
        ExamplePrompt: Look this up
        Settings: {Function: demo.list_items}
  - Format: gpt
    Skills:
      - Name: Summarize
        Description: Summarizes.
        Settings: {Template: "Summarize {{input}}"}
  - Format: api
    Settings:
      OpenApiSpecURL: https://example.org/openapi.yaml
AgentDefinitions:
  - Name: ContosoInvestigator
    RequiredSkillsets: [Contoso.SecurityOperations.Samples-090925]
    AgentSingleInstanceConstraint: Workspace
    Settings:
      - {Name: Mode, SettingType: String}
    Triggers:
      - Name: Default
        DefaultPollPeriodSeconds: 86400
        FetchSkill: ''
        ProcessSkill: Contoso.SecurityOperations.Samples-090925.Investigate
    PromptSkill: Investigate
    PreviewState: Private
    PublisherSource: Custom
"""

OTHER_FORMATS = """
Descriptor:
  Name: Elsewhere
  Description: Skills this runtime validates but does not run yet.
  SupportedAuthTypes: [AADDelegated]
  Authorization: {Type: AADDelegated, EntraScopes: https://graph.microsoft.com/.default}
SkillGroups:
  - Format: KQL
    Skills:
      - Name: RecentSignIns
        Description: Recent sign-ins.
        Inputs:
          - {Name: upn, Description: User, Required: true}
        Settings:
          Target: Sentinel
          TenantId: '{{TenantId}}'
          SubscriptionId: '{{SubscriptionId}}'
          ResourceGroupName: '{{ResourceGroupName}}'
          WorkspaceName: '{{WorkspaceName}}'
          Template: SigninLogs | where UserPrincipalName =~ '{{upn}}' | take 10
  - Format: API
    Settings: {OpenApiSpecUrl: https://example.org/graph-ca.yaml, EndpointUrlSettingName: BaseUrl}
  - Format: LogicApp
    Skills:
      - Name: OpenTicket
        Description: Opens a ticket.
        Settings: {SubscriptionId: sub, ResourceGroup: rg, WorkflowName: wf, TriggerName: manual}
  - Format: MCP
    Settings: {Endpoint: https://mcp.example.org, UseStreamableHttp: true, TimeoutInSeconds: 30, AllowedTools: "a,b"}
    Skills:
      - Name: search_docs
        Description: Searches docs.
  - Format: GPT
    Skills:
      - Name: Remote
        Description: Remote template.
        Settings: {TemplateUrl: https://example.org/t.txt}
"""


def test_spelling_variants_are_normalised(content: Content) -> None:
    content.write("plugins/variants.yaml", VARIANTS)
    catalog = content.load()
    skillset = "Contoso.SecurityOperations.Samples-090925"
    plugin = catalog.plugin(skillset)
    assert [g.format for g in plugin.skill_groups] == [
        SkillFormat.AGENT, SkillFormat.PYTHON, SkillFormat.GPT, SkillFormat.API]
    assert plugin.skill_groups[3].settings == {"OpenApiSpecUrl": "https://example.org/openapi.yaml"}
    assert [s.setting_type for s in plugin.settings] == [SettingType.STRING, SettingType.BOOL]
    investigate = catalog.skill(f"{skillset}.Investigate")  # split on the LAST dot
    assert investigate.skillset == skillset and investigate.name == "Investigate"
    assert investigate.example_prompts == ("Investigate this sign-in",)
    assert investigate.instructions == "# Mission Investigate."
    assert investigate.child_skills == (f"{skillset}.Lookup", f"{skillset}.Summarize")
    assert catalog.skill(f"{skillset}.Lookup").example_prompts == ("Look this up",)
    agent = catalog.agents["ContosoInvestigator"]
    trigger = agent.triggers[0]
    assert (trigger.period_seconds, trigger.fetch_skill, trigger.process_skill) == (
        86400, None, f"{skillset}.Investigate")
    assert agent.prompt_skill == f"{skillset}.Investigate"
    assert agent.single_instance_constraint == "Workspace"
    assert (agent.preview_state, agent.publisher_source) == ("Private", "Custom")


def test_other_formats_parse_but_are_not_executable(content: Content) -> None:
    content.write("plugins/elsewhere.yaml", OTHER_FORMATS)
    catalog = content.load()
    plugin = catalog.plugin("Elsewhere")
    assert [g.format for g in plugin.skill_groups] == [
        SkillFormat.KQL, SkillFormat.API, SkillFormat.LOGIC_APP, SkillFormat.MCP, SkillFormat.GPT]
    assert plugin.skill_groups[1].skills == ()  # API skills come from the OpenAPI spec's operations
    assert plugin.authorization == {"Type": "AADDelegated", "EntraScopes": "https://graph.microsoft.com/.default"}
    kql = catalog.skill("Elsewhere.RecentSignIns")
    assert kql.settings["Target"] == "Sentinel" and kql.inputs[0].name == "upn"
    assert kql.group_settings == {}
    assert catalog.skill("Elsewhere.search_docs").group_settings["Endpoint"] == "https://mcp.example.org"
    for name in ("RecentSignIns", "OpenTicket", "search_docs", "Remote"):
        assert not catalog.executable(f"Elsewhere.{name}")
    with pytest.raises(ContentError) as caught:
        catalog.require_executable("Elsewhere.RecentSignIns")
    assert str(caught.value).endswith(
        "elsewhere.yaml: SkillGroups[0].Skills[0]: format KQL skills are validated but not executable in this "
        "runtime yet (`Elsewhere.RecentSignIns`); use a Python skill (`Format: Python`) or remove it from the agent")
    with pytest.raises(ContentError, match="SkillGroups\\[2\\].Skills\\[0\\]: format LogicApp skills are validated"):
        catalog.require_executable("Elsewhere.OpenTicket")
    with pytest.raises(ContentError, match="uses TemplateUrl/TemplateFile, which this runtime cannot fetch"):
        catalog.require_executable("Elsewhere.Remote")


def test_api_group_needs_spec_url(content: Content) -> None:
    content.write("plugins/api.yaml", """
Descriptor: {Name: Api, Description: API}
SkillGroups:
  - Format: API
    Settings: {OpenApiSpec: https://example.org/x.yaml}
""")
    message = content.error()
    assert "api.yaml: SkillGroups[0].Settings.OpenApiSpec: unknown field `OpenApiSpec`; did you mean " \
           "`OpenApiSpecUrl`?" in message
