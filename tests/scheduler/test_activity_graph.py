"""The activity poll against the Graph simulator: one filtered request, only qualifying changes counted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from entra_agents.scheduler.activity import CA_POLICY_CHANGES, GraphAuditSource
from tests.scheduler.helpers import T0, FakeAudits


def test_graph_audit_source_reads_only_new_conditional_access_changes(tmp_path: Path) -> None:
    audits = FakeAudits()
    audits.change(T0.replace(hour=10))
    audits.change(T0.replace(hour=11), "Add conditional access policy")
    audits.change(T0.replace(hour=8))  # before the window
    audits.change(T0.replace(hour=12), state="disabled")  # an off policy edited: no enforcement changed
    audits.events.append({**audits.events[0], "id": "other", "loggedByService": "Core Directory",
                          "category": "UserManagement", "activityDisplayName": "Add user"})
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text(yaml.safe_dump({"organization": {"id": "org", "displayName": "Org"},
                                      "directoryAudits": audits.events}), encoding="utf-8")

    found = asyncio.run(GraphAuditSource().changes(f"fixture:{tenant}", CA_POLICY_CHANGES, T0))
    assert sorted(a["id"] for a in found) == ["a0", "a1"]
