"""Loading a valid tree: the catalog API the runtime and CLI use."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from entra_agents.catalog import NotInCatalog, SettingType, SkillFormat, load_catalog
from entra_agents.errors import UsageError
from entra_agents.paths import CONTENT_ENV, content_roots, packaged_content_root

from .conftest import Content

SRC = Path(__file__).resolve().parents[2] / "src"


def test_agent_definition(content: Content) -> None:
    catalog = content.load()
    agent = catalog.agents["DemoAgent"]
    assert agent.plugin == "Demo.Tools"
    assert agent.required_skillsets == ("Demo.Tools",)
    assert [(t.name, t.period_seconds, t.fetch_skill, t.process_skill) for t in agent.triggers] == [
        ("Default", 3600, "Demo.Tools.ListItems", "Demo.Tools.Triage")]
    assert agent.prompt_skill is None
    assert agent.setting("AllowChanges").setting_type is SettingType.BOOL  # type: ignore[union-attr]
    assert agent.default_settings() == {"AllowChanges": False}
    assert catalog.agent("DemoAgent") is agent


def test_skill_lookup_qualified_and_bare(content: Content) -> None:
    catalog = content.load()
    triage = catalog.skill("Demo.Tools.Triage")
    assert triage is catalog.skill("Triage", context_skillset="Demo.Tools")
    assert (triage.name, triage.skillset, triage.full_name, triage.format) == (
        "Triage", "Demo.Tools", "Demo.Tools.Triage", SkillFormat.AGENT)
    assert triage.child_skills == ("Demo.Tools.ListItems", "Demo.Tools.Summarize", "Demo.Tools.ApplyChange")
    assert triage.interfaces == ("Agent",)
    assert [(i.name, i.required) for i in triage.inputs] == [("item", True)]
    assert triage.prompt == "triage" and triage.instructions is None
    assert triage.path == "SkillGroups[0].Skills[0]" and triage.file.endswith("demo.yaml")


def test_unknown_names_are_usage_errors_with_suggestions(content: Content) -> None:
    catalog = content.load()
    with pytest.raises(NotInCatalog, match="unknown agent `DemoAgnet`; did you mean `DemoAgent`?"):
        catalog.agent("DemoAgnet")
    with pytest.raises(UsageError, match="plugin `Demo.Tools` has no skill `Triag`; did you mean `Triage`?"):
        catalog.skill("Demo.Tools.Triag")
    with pytest.raises(LookupError, match="`ListItems` is not qualified with a skillset; write `Demo.Tools.ListItems`"):
        catalog.skill("ListItems")


def test_python_skill(content: Content) -> None:
    catalog = content.load()
    listing = catalog.skill("Demo.Tools.ListItems").python
    assert listing is not None
    assert (listing.function, listing.access, listing.permissions, listing.write_setting, listing.is_async) == (
        "demo.list_items", "read", ("Directory.Read.All",), None, False)
    assert listing.parameters_schema == {
        "type": "object",
        "properties": {"limit": {"type": "integer", "description": "How many items at most", "default": 10}},
        "required": [],
    }
    assert listing.callable(None, limit=2) == ["item0", "item1"]
    change = catalog.skill("Demo.Tools.ApplyChange").python
    assert change is not None and change.is_async and change.access == "write"
    assert change.write_setting == "AllowChanges" and change.precondition is not None
    assert asyncio.run(change.callable(None, target="x")) == "x"
    assert "callable" not in change.model_dump()


def test_prompts_and_instructions(content: Content) -> None:
    catalog = content.load()
    prompt = catalog.prompts["triage"]
    assert prompt.variables == ("tenant", "item")
    assert prompt.execution_settings["offline"] == {"workflow": [{"call": "ListItems"}]}
    assert catalog.instructions("Demo.Tools.Triage") is prompt
    assert catalog.instructions("Demo.Tools.Summarize") == "Summarize: {{input}}"
    config = prompt.sk_config()
    assert config["name"] == "triage" and config["template_format"] == "semantic-kernel"
    assert "file" not in config
    assert config["input_variables"][0] == {"name": "tenant", "description": "Tenant id", "is_required": True,
                                            "allow_dangerously_set_content": False}


def test_plugin_definition(content: Content) -> None:
    plugin = content.load().plugin("Demo.Tools")
    assert plugin.description == "Demo plugin for catalog tests."
    assert [g.format for g in plugin.skill_groups] == [SkillFormat.AGENT, SkillFormat.PYTHON, SkillFormat.GPT]
    assert plugin.skill_groups[1].skills == ("Demo.Tools.ListItems", "Demo.Tools.ApplyChange")
    assert plugin.agents == ("DemoAgent",)
    assert plugin.settings[0].setting_type is SettingType.STRING


def test_skills_for_agent_follows_child_skills(content: Content) -> None:
    catalog = content.load()
    assert [s.full_name for s in catalog.skills_for("DemoAgent")] == [
        "Demo.Tools.ListItems", "Demo.Tools.Triage", "Demo.Tools.Summarize", "Demo.Tools.ApplyChange"]


def test_executable_formats(content: Content) -> None:
    catalog = content.load()
    assert all(catalog.executable(name) for name in catalog.skills)
    catalog.require_executable("Demo.Tools.Triage")


def test_json_manifest_and_several_roots(content: Content, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    (extra / "plugins").mkdir(parents=True)
    (extra / "plugins" / "more.json").write_text(
        '{"Descriptor": {"Name": "More", "Description": "More skills"},'
        ' "SkillGroups": [{"Format": "GPT", "Skills": [{"Name": "Explain", "Description": "Explains",'
        ' "Settings": {"Prompt": "triage"}}]}]}', encoding="utf-8")
    catalog = load_catalog([content.root, extra])
    assert catalog.skill("More.Explain").prompt == "triage"  # prompts are shared across roots
    assert catalog.roots == (content.root, extra)


def test_helper_modules_and_reloading(content: Content, tmp_path: Path) -> None:
    content.write("skills/_shared.py", "PREFIX = 'shared-'\n")
    content.edit("skills/demo.py", "from entra_agents.skill import skill\n",
                 "from entra_agents.skill import skill\nfrom ._shared import PREFIX\n")
    content.edit("skills/demo.py", 'return [f"item{i}"', 'return [f"{PREFIX}item{i}"')
    first = content.load()
    other = Content(tmp_path / "other")  # same module name `demo`, different code: no leakage between loads
    second = other.load()
    first_fn, second_fn = (c.skill("Demo.Tools.ListItems").python for c in (first, second))
    assert first_fn is not None and second_fn is not None
    assert first_fn.callable(None, limit=1) == ["shared-item0"]
    assert second_fn.callable(None, limit=1) == ["item0"]


def test_content_roots_default_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CONTENT_ENV, raising=False)
    # A source checkout has no packaged content/ folder, so the repository root (parent of src/) is used.
    assert packaged_content_root() == SRC.parent
    assert content_roots() == [SRC.parent]
    monkeypatch.setenv(CONTENT_ENV, os.pathsep.join([str(tmp_path / "a"), "", str(tmp_path / "b")]))
    assert content_roots() == [SRC.parent, tmp_path / "a", tmp_path / "b"]


def test_env_root_that_does_not_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONTENT_ENV, str(tmp_path / "missing"))
    with pytest.raises(Exception, match=f"content directory does not exist; fix {CONTENT_ENV}"):
        load_catalog()


def test_catalog_does_not_import_semantic_kernel_or_msgraph(content: Content) -> None:
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from entra_agents.catalog import load_catalog
        catalog = load_catalog([Path({str(content.root)!r})])
        assert catalog.agents, "content did not load"
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("semantic_kernel", "msgraph", "openai"))
        print(heavy)
        sys.exit(1 if heavy else 0)
    """)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sk_config_is_accepted_by_semantic_kernel(content: Content) -> None:
    prompt_template = pytest.importorskip("semantic_kernel.prompt_template")
    config = prompt_template.PromptTemplateConfig(**content.load().prompts["triage"].sk_config())
    assert [v.name for v in config.input_variables] == ["tenant", "item"]
    assert config.execution_settings["offline"].extension_data == {"workflow": [{"call": "ListItems"}]}
