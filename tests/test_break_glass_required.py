"""Safety rule 3: without known break-glass accounts the agent suggests nothing, and says how to fix it."""

from __future__ import annotations

import yaml

from entra_agents.graph.sources import demo_tenant_path
from tests.helpers import cli_json

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


def _tenant_without_detectable_break_glass(tmp_path) -> str:
    data = yaml.safe_load(demo_tenant_path().read_text())
    for role in data["directoryRoles"]:
        if role["roleTemplateId"] == GLOBAL_ADMINISTRATOR:
            role["members"] = []
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump(data))
    return f"fixture:{path}"


def test_no_break_glass_means_no_suggestion_and_a_clear_note(tmp_path) -> None:
    from tests.helpers import cli

    tenant = _tenant_without_detectable_break_glass(tmp_path)
    code, out, err = cli("run", "ca-optimizer", "--tenant", tenant)
    assert code == 0, err
    assert "Suggestions from this run: 0" in out
    assert out.count("BreakGlassAccounts") == 3, "each item explains what to configure"


def test_configured_break_glass_unblocks_suggestions(tmp_path) -> None:
    tenant = _tenant_without_detectable_break_glass(tmp_path)
    doc = cli_json("run", "ca-optimizer", "--tenant", tenant, "--setting",
                   "BreakGlassAccounts=breakglass01@contosodemo.onmicrosoft.com,"
                   "breakglass02@contosodemo.onmicrosoft.com")
    assert len(doc["suggestions"]) == 3
    for suggestion in doc["suggestions"]:
        assert len(suggestion["policy"]["conditions"]["users"]["excludeUsers"]) == 2
