"""One malformed case per test: the error is one line naming the file, the field and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.errors import ContentError

from .conftest import Content

PY = "plugins/demo.yaml"


# --- plugin manifests: schema --------------------------------------------------------------------------------


def test_missing_descriptor_name(content: Content) -> None:
    content.edit(PY, "  Name: Demo.Tools\n", "")
    message = content.error()
    assert "demo.yaml: Descriptor.Name: missing required field `Name`; add `Name: ...`" in message


def test_unknown_field_typo_suggests_the_right_name(content: Content) -> None:
    content.edit(PY, "        Description: Lists items to triage.", "        Descripton: Lists items to triage.")
    message = content.error()
    assert message.endswith(
        "demo.yaml: SkillGroups[1].Skills[0].Descripton: unknown field `Descripton`; did you mean `Description`?")


def test_wrong_case_field_name(content: Content) -> None:
    content.edit(PY, "  DisplayName: Demo tools", "  displayName: Demo tools")
    message = content.error()
    assert "Descriptor.displayName: unknown field `displayName`; did you mean `DisplayName`?" in message


def test_bad_format(content: Content) -> None:
    content.edit(PY, "  - Format: GPT", "  - Format: Prompt")
    message = content.error()
    assert message.endswith("demo.yaml: SkillGroups[2].Format: `Prompt` is not a valid Format; "
                            "use one of GPT, KQL, API, LogicApp, MCP, Agent, Python")


def test_agent_skill_without_instructions_or_prompt(content: Content) -> None:
    content.edit(PY, "          Prompt: triage\n", "          Model: gpt-4.1\n")
    message = content.error()
    assert "demo.yaml: SkillGroups[0].Skills[0].Settings.Instructions: Agent skill needs `Instructions`" in message
    assert "; add `Instructions: |`" in message and "`Prompt: <name of a prompt in prompts/>`" in message


def test_agent_skill_with_both_instructions_and_prompt(content: Content) -> None:
    content.edit(PY, "          Prompt: triage\n", "          Instructions: Do it.\n          Prompt: triage\n")
    message = content.error()
    assert "SkillGroups[0].Skills[0].Settings.Prompt: `Instructions` and `Prompt` are given; only one is allowed" \
        in message
    assert message.endswith("; keep only one of them")


def test_typo_in_agent_settings_beats_missing_instructions(content: Content) -> None:
    content.edit(PY, "          Prompt: triage\n", "          Instrutions: Do it.\n")
    message = content.error()
    assert "Settings.Instrutions: unknown field `Instrutions`; did you mean `Instructions`?" in message


def test_gpt_skill_needs_one_template(content: Content) -> None:
    content.edit(PY, '          Template: "Summarize: {{input}}"', "          ModelName: gpt-4o")
    message = content.error()
    assert "SkillGroups[2].Skills[0].Settings.Template: needs exactly one of `Template`" in message
    assert "; add `Template: |`" in message


def test_agent_only_field_on_python_skill(content: Content) -> None:
    content.edit(PY, "          Function: demo.list_items\n",
                 "          Function: demo.list_items\n        ChildSkills: [Summarize]\n")
    message = content.error()
    assert "SkillGroups[1].Skills[0].ChildSkills: only Agent skills take this field; remove it" in message


def test_kql_sentinel_target_needs_workspace_settings(content: Content) -> None:
    content.write("plugins/kql.yaml", """
        Descriptor: {Name: Kql, Description: KQL}
        SkillGroups:
          - Format: KQL
            Skills:
              - Name: Q
                Description: Query
                Settings: {Target: Sentinel, Template: SigninLogs | take 1}
        """)
    message = content.error()
    assert "kql.yaml: SkillGroups[0].Skills[0].Settings.TenantId: missing required field `TenantId`" in message


def test_bool_setting_with_string_default(content: Content) -> None:
    content.edit(PY, "DefaultValue: false}", 'DefaultValue: "false"}')
    message = content.error()
    assert "AgentDefinitions[0].Settings[0].DefaultValue: expected true or false, got str `false`; " \
           "write `true` or `false`" in message


def test_conflicting_spelling_variants(content: Content) -> None:
    content.edit(PY, "        DefaultPeriodSeconds: 3600",
                 "        DefaultPeriodSeconds: 3600\n        DefaultPollPeriodSeconds: 60")
    message = content.error()
    assert "AgentDefinitions[0].Triggers[0].DefaultPollPeriodSeconds: both `DefaultPollPeriodSeconds` and " \
           "`DefaultPeriodSeconds` are given; keep only `DefaultPeriodSeconds`" in message


def test_skill_name_with_dot(content: Content) -> None:
    content.edit(PY, "      - Name: ListItems", "      - Name: List.Items")
    message = content.error()
    assert "SkillGroups[1].Skills[0].Name: skill name `List.Items` contains a dot or whitespace" in message


def test_executable_skill_name_must_be_a_kernel_function_name(content: Content) -> None:
    content.edit(PY, "      - Name: ListItems", "      - Name: list-items")
    message = content.error()
    assert "SkillGroups[1].Skills[0].Name: skill name `list-items` cannot be a Semantic Kernel function name; " \
           "use letters, digits and underscores only" in message


# --- plugin manifests: syntax --------------------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line(content: Content) -> None:
    content.edit(PY, "  DisplayName: Demo tools", "  DisplayName: Demo: tools")
    message = content.error()
    assert "demo.yaml: line 3, column 20: YAML syntax error: mapping values are not allowed here; quote" in message


def test_yaml_duplicate_key(content: Content) -> None:
    content.edit(PY, "  DisplayName: Demo tools", "  DisplayName: Demo tools\n  DisplayName: Again")
    message = content.error()
    assert "demo.yaml: line 4, column 3: YAML syntax error: found duplicate key 'DisplayName'; remove" in message


def test_json_syntax_error_names_the_line(content: Content) -> None:
    content.write("plugins/other.json", '{\n  "Descriptor": {"Name": "X",}\n}\n')
    message = content.error()
    assert "other.json: line 2, column 30: JSON syntax error:" in message


# --- plugin manifests: cross references ---------------------------------------------------------------------


def test_dangling_child_skill(content: Content) -> None:
    content.edit(PY, "          - Summarize\n", "          - Sumarize\n")
    message = content.error()
    assert message.endswith("demo.yaml: SkillGroups[0].Skills[0].ChildSkills[1]: `Sumarize`: plugin `Demo.Tools` "
                            "has no skill `Sumarize`; did you mean `Summarize`?")


def test_child_skill_in_unknown_skillset(content: Content) -> None:
    content.edit(PY, "          - Summarize\n", "          - Entra.GetEntraData\n")
    message = content.error()
    assert "ChildSkills[1]: `Entra.GetEntraData`: no loaded plugin has Descriptor.Name `Entra`; load the plugin" \
        in message


def test_process_skill_must_be_an_agent_skill(content: Content) -> None:
    content.edit(PY, "ProcessSkill: Demo.Tools.Triage", "ProcessSkill: Demo.Tools.ListItems")
    message = content.error()
    assert message.endswith("demo.yaml: AgentDefinitions[0].Triggers[0].ProcessSkill: ProcessSkill "
                            "`Demo.Tools.ListItems` is a Python skill, not an Agent skill; "
                            "point it at a skill in a `Format: Agent` group")


def test_agent_prompt_must_exist(content: Content) -> None:
    content.edit(PY, "          Prompt: triage", "          Prompt: triaje")
    message = content.error()
    assert "SkillGroups[0].Skills[0].Settings.Prompt: no prompt named `triaje` (prompts: triage); " \
           "create prompts/triaje.yaml" in message


def test_required_skillsets_must_include_own_plugin(content: Content) -> None:
    content.edit(PY, "RequiredSkillsets: [Demo.Tools]", "RequiredSkillsets: [Entra]")
    message = content.error()
    assert "AgentDefinitions[0].RequiredSkillsets: does not include this plugin's own skillset `Demo.Tools`; " \
           "add `- Demo.Tools`" in message


def test_duplicate_skill_names_in_a_plugin(content: Content) -> None:
    content.edit(PY, "      - Name: ApplyChange", "      - Name: ListItems")
    message = content.error()
    assert "SkillGroups[1].Skills[1].Name: skill `ListItems` is already defined at SkillGroups[1].Skills[0]" \
        in message


def test_duplicate_agent_names_across_plugins(content: Content) -> None:
    content.write("plugins/zz_other.yaml", """
        Descriptor: {Name: Other, Description: Other plugin}
        SkillGroups:
          - Format: Agent
            Skills:
              - {Name: Run, Description: Runs, Settings: {Instructions: Go.}}
        AgentDefinitions:
          - Name: DemoAgent
            RequiredSkillsets: [Other]
            Triggers: [{Name: Default, ProcessSkill: Run}]
        """)
    message = content.error()
    assert "zz_other.yaml: AgentDefinitions[0].Name: agent `DemoAgent` is also defined in " in message
    assert "demo.yaml; rename one of them" in message


def test_write_skill_needs_its_setting_on_the_agent(content: Content) -> None:
    content.edit(PY, "{Name: AllowChanges, SettingType: Bool, DefaultValue: false}", "{Name: Other}")
    message = content.error()
    assert "AgentDefinitions[0].Settings: agent `DemoAgent` can call write skill `Demo.Tools.ApplyChange` but " \
           "declares no setting `AllowChanges`" in message
    assert "; add `- {Name: AllowChanges, SettingType: Bool, DefaultValue: false}`" in message


def test_write_setting_must_be_bool(content: Content) -> None:
    content.edit(PY, "SettingType: Bool, DefaultValue: false", 'SettingType: String, DefaultValue: "false"')
    message = content.error()
    assert "setting `AllowChanges` gates write skill `Demo.Tools.ApplyChange` but is String; " \
           "set `SettingType: Bool`" in message


# --- Python skills --------------------------------------------------------------------------------------------


def test_python_function_not_found(content: Content) -> None:
    content.edit(PY, "Function: demo.list_items", "Function: demo.list_itemz")
    message = content.error()
    assert "demo.yaml: SkillGroups[1].Skills[0].Settings.Function: " in message
    assert "skills/demo.py has no @skill function `list_itemz`; did you mean `demo.list_items`?" in message


def test_python_module_not_found(content: Content) -> None:
    content.edit(PY, "Function: demo.list_items", "Function: demos.list_items")
    message = content.error()
    assert "Settings.Function: no skill module `demos` (looked for skills/demos.py; loaded: demo); " \
           "create skills/demos.py" in message


def test_python_function_not_decorated(content: Content) -> None:
    content.edit(PY, "Function: demo.list_items", "Function: demo.helper")
    message = content.error()
    assert "`helper` in" in message and "is not decorated with @skill; add `@skill(" in message


def test_write_skill_without_write_setting(content: Content) -> None:
    content.edit("skills/demo.py", ' write_setting="AllowChanges",', "")
    message = content.error()
    assert "skills/demo.py: apply_change: @skill(write_setting): write skill does not name write_setting; " \
           'add write_setting="' in message


def test_skill_without_ctx(content: Content) -> None:
    content.edit("skills/demo.py", "def list_items(ctx: Any, limit", "def list_items(limit")
    message = content.error()
    assert "skills/demo.py: list_items(limit): the first parameter must be `ctx`; add `ctx`" in message


def test_skill_parameter_without_annotation(content: Content) -> None:
    content.edit("skills/demo.py", 'target: Annotated[str, "What to change"]', "target")
    message = content.error()
    assert "skills/demo.py: apply_change(target): has no type annotation; annotate it" in message


def test_skill_parameter_with_unsupported_type(content: Content) -> None:
    content.edit("skills/demo.py", 'target: Annotated[str, "What to change"]', "target: set[str]")
    message = content.error()
    assert "apply_change(target): unsupported type `set[str]`; use str, int" in message


def test_skill_module_import_error_names_the_line(content: Content) -> None:
    content.edit("skills/demo.py", "from entra_agents.skill import skill\n",
                 "from entra_agents.skill import skill\nimport not_a_real_module_xyz\n")
    message = content.error()
    assert "skills/demo.py: line 6: importing the skill module failed: ModuleNotFoundError" in message
    assert message.endswith("; fix the error there (a skill module must import cleanly)")


def test_python_inputs_must_match_parameters(content: Content) -> None:
    content.edit(PY, "          Function: demo.list_items\n",
                 "          Function: demo.list_items\n        Inputs: [{Name: limt}]\n")
    message = content.error()
    assert "SkillGroups[1].Skills[0].Inputs[0].Name: `demo.list_items` has no parameter `limt`; use one of limit" \
        in message


# --- prompts --------------------------------------------------------------------------------------------------


def test_prompt_with_undeclared_variable(content: Content) -> None:
    content.edit("prompts/triage.yaml", "  - name: tenant\n    description: Tenant id\n", "")
    message = content.error()
    assert message.endswith("triage.yaml: template: uses `{{$tenant}}` but input_variables does not declare "
                            "`tenant`; add `- name: tenant` (with a description) under input_variables, "
                            "or fix the variable name")


def test_prompt_name_must_match_file_stem(content: Content) -> None:
    content.edit("prompts/triage.yaml", "name: triage", "name: triage_v2")
    message = content.error()
    assert "triage.yaml: name: prompt name `triage_v2` differs from the file name `triage`; " \
           "write `name: triage` or rename the file" in message


def test_prompt_other_template_format_refused(content: Content) -> None:
    content.edit("prompts/triage.yaml", "template_format: semantic-kernel", "template_format: jinja2")
    message = content.error()
    assert "triage.yaml: template_format: template_format `jinja2` is not supported (only `semantic-kernel` " \
           "for now); write `template_format: semantic-kernel`" in message


def test_prompt_dangerous_content_refused(content: Content) -> None:
    content.edit("prompts/triage.yaml", "    description: The item\n",
                 "    description: The item\n    allow_dangerously_set_content: true\n")
    message = content.error()
    assert "input_variables[1].allow_dangerously_set_content: allow_dangerously_set_content: true is refused" \
        in message


def test_prompt_function_call_refused(content: Content) -> None:
    content.edit("prompts/triage.yaml", "{{ $item }}", "{{graph.list_users $item}}")
    message = content.error()
    assert "triage.yaml: template: `{{graph.list_users $item}}` is not a `{{$variable}}` block " \
           "(template function calls would run outside the guard)" in message


def test_prompt_unknown_field(content: Content) -> None:
    content.edit("prompts/triage.yaml", "description: Triage instructions.", "desciption: Triage instructions.")
    message = content.error()
    assert "triage.yaml: desciption: unknown field `desciption`; did you mean `description`?" in message


# --- content roots --------------------------------------------------------------------------------------------


def test_missing_content_root(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="content directory does not exist; pass an existing content directory"):
        load_catalog([tmp_path / "nope"])
