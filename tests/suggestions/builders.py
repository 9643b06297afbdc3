"""Realistic stored suggestions on the demo tenant, made the way the engine makes them (not through the agent)."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import httpx

from entra_agents.conditional_access.checks import run_checks
from entra_agents.conditional_access.findings import Status
from entra_agents.conditional_access.remediation import TEMPLATES, remediation_policy
from entra_agents.graph.sources import demo_tenant_path, open_tenant
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file
from entra_agents.store import Store
from entra_agents.suggestions.diff import property_diff

JSON = dict[str, Any]
DEMO: TenantDocument = load_tenant_file(demo_tenant_path())
TENANT_ID = str(DEMO.organization["id"])
CA001 = "7cfe9287-e3fd-4e59-9bc7-4a16fb0d4cc9"  # "CA001 - Require MFA for all users", enabled
SALES = "377e9270-40c0-4cef-a47c-2d614b2268c3"
POLICIES = "/identity/conditionalAccess/policies"


def demo_policy(policy_id: str) -> JSON:
    return copy.deepcopy(next(p for p in DEMO.data["conditionalAccessPolicies"] if p["id"] == policy_id))


def add(store: Store, suggestion: JSON, tenant_id: str = TENANT_ID) -> JSON:
    run_id = store.create_run(agent="ca-optimizer", tenant_id=tenant_id, tenant_name="Contoso Demo",
                              tenant_source="demo", model="offline")
    doc = {"fingerprint": uuid.uuid4().hex, "priority": "medium", "rationale": "Test rationale.",
           "affected": {}, "policy": None, "targetPolicyId": None, **suggestion}
    return store.add_suggestion(tenant_id=tenant_id, agent="ca-optimizer", run_id=run_id, suggestion=doc)


def modify_suggestion(store: Store, **extra: Any) -> JSON:
    """CA001 with the Sales group excluded, every client app, and a sign-in frequency: id-list and replace changes."""
    before = demo_policy(CA001)
    after = copy.deepcopy(before)
    after["conditions"]["users"]["excludeGroups"].append(SALES)
    after["conditions"]["clientAppTypes"] = ["all"]
    after["sessionControls"] = {"signInFrequency": {"isEnabled": True, "type": "hours", "value": 12,
                                                    "frequencyInterval": "timeBased"}}
    return add(store, {"kind": "modify_policy", "check": "EXC-01", "title": "Exclude Sales from CA001",
                       "policy": after, "targetPolicyId": CA001, "changes": property_diff(before, after),
                       "affected": {"groups": [SALES], "policies": [CA001]}, **extra})


def remediation(check: str | None = None) -> tuple[str, JSON, JSON]:
    """(check, policy, affected) of a failing demo check that has a remediation template."""
    async def go() -> tuple[str, JSON, JSON]:
        async with open_tenant("demo") as conn:
            snapshot = await conn.snapshot()
        findings = [f for f in run_checks(snapshot) if f.status is Status.FAIL and f.check in TEMPLATES
                    and (check is None or f.check == check)]
        finding = findings[0]
        return finding.check, remediation_policy(snapshot, None, finding), finding.to_json()["affected"]

    return asyncio.run(go())


def new_policy_suggestion(store: Store, kind: str = "new_policy", **extra: Any) -> JSON:
    check, policy, affected = remediation()
    return add(store, {"kind": kind, "check": check, "title": policy["displayName"], "policy": policy,
                       "affected": affected, "changes": [{"op": "create", "state": policy["state"]}], **extra})


def graph_get(base_url: str, path: str) -> JSON:
    response = httpx.get(base_url + path, headers={"Authorization": "Bearer fake"})
    response.raise_for_status()
    return dict(response.json())


def graph_patch(base_url: str, path: str, body: JSON) -> None:
    httpx.patch(base_url + path, json=body, headers={"Authorization": "Bearer fake"}).raise_for_status()
