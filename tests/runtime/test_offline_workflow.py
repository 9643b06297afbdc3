"""The offline model's templates: references keep JSON types, text interpolation, missing values."""

from __future__ import annotations

import pytest

from entra_agents.errors import ContentError
from entra_agents.runtime.models.offline import Workflow, parse_inputs, render


def test_whole_reference_keeps_json_type_and_text_interpolates() -> None:
    scope = {"input": {"check": "COV-01"}, "result": {"Draft": {"policy": {"displayName": "P"}, "ids": ["a", "b"]}}}
    assert render("{{result.Draft.policy}}", scope) == {"displayName": "P"}
    assert render("Fix {{input.check}} with {{result.Draft.policy.displayName}}", scope) == "Fix COV-01 with P"
    assert render("ids: {{result.Draft.ids}}", scope) == "ids: a, b"
    assert render("{{result.Missing.x}}", scope) is None
    assert render({"a": ["{{input.check}}"]}, scope) == {"a": ["COV-01"]}


def test_inputs_come_from_the_json_block_only() -> None:
    text = 'Handle this.\n```json\n{"check": "COV-08", "AllowReportOnlyPolicyCreation": "false"}\n```'
    assert parse_inputs(text) == {"check": "COV-08", "AllowReportOnlyPolicyCreation": "false"}
    assert parse_inputs("no block here {\"check\": 1}") == {}


def test_bad_workflow_names_the_prompt_and_field() -> None:
    with pytest.raises(ContentError) as err:
        Workflow.parse({"workflow": [{"cal": "X"}]}, "prompts/p.yaml")
    assert "prompts/p.yaml" in str(err.value) and "execution_settings.offline.workflow" in str(err.value)
