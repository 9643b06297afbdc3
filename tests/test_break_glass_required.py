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
    notes = out.split("The model's closing notes, one per item:")[1].split("The chain of reasoning")[0]
    lines = [line for line in notes.splitlines() if line.strip()]
    assert len(lines) >= 3 and all("BreakGlassAccounts" in line for line in lines), \
        "each item explains what to configure"


def test_configured_break_glass_unblocks_suggestions(tmp_path) -> None:
    tenant = _tenant_without_detectable_break_glass(tmp_path)
    doc = cli_json("run", "ca-optimizer", "--tenant", tenant, "--setting",
                   "BreakGlassAccounts=breakglass01@contosodemo.onmicrosoft.com,"
                   "breakglass02@contosodemo.onmicrosoft.com")
    kinds = [s["kind"] for s in doc["suggestions"]]
    assert "new_policy" in kinds and "modify_policy" in kinds
    data = yaml.safe_load(demo_tenant_path().read_text())
    by_upn = {u["userPrincipalName"]: u["id"] for u in data["users"]}
    configured = {by_upn["breakglass01@contosodemo.onmicrosoft.com"], by_upn["breakglass02@contosodemo.onmicrosoft.com"]}
    for suggestion in doc["suggestions"]:  # new policies and modified ones alike
        assert excluded_users(data, suggestion["policy"]) >= configured, suggestion["title"]


def excluded_users(data: dict, policy: dict) -> set[str]:
    """Users a policy excludes directly or through (nested) groups."""
    members = {g["id"]: g.get("members") or [] for g in data["groups"]}
    users = set(policy["conditions"]["users"]["excludeUsers"])
    frontier, seen = list(policy["conditions"]["users"]["excludeGroups"]), set()
    while frontier:
        group = frontier.pop()
        if group in seen:
            continue
        seen.add(group)
        for member in members.get(group, []):
            (frontier.append if member in members else users.add)(member)
    return users
