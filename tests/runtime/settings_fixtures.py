"""A small tenant with objects new and old around its asOf time, and names that collide, plus the probe agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONTENT = Path(__file__).parent / "settings_content"
TENANT_ID = "5e7f0000-0000-4000-8000-000000000001"
AS_OF = "2026-03-10T12:00:00Z"
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
IDS = {
    "alice": "00000000-0000-4000-8000-0000000000a1", "bob": "00000000-0000-4000-8000-0000000000b0",
    "dave": "00000000-0000-4000-8000-0000000000d0", "jordan1": "00000000-0000-4000-8000-0000000000c1",
    "jordan2": "00000000-0000-4000-8000-0000000000c2", "eve": "00000000-0000-4000-8000-0000000000e0",
    "finance_group": "00000000-0000-4000-8000-0000000000f1", "bg_group": "00000000-0000-4000-8000-0000000000f2",
    "ga_role": "00000000-0000-4000-8000-0000000000aa", "payroll_app": "00000000-0000-4000-8000-000000000101",
    "payroll_sp": "00000000-0000-4000-8000-000000000102", "payroll_appid": "00000000-0000-4000-8000-000000000103",
    "finance_sp": "00000000-0000-4000-8000-000000000201", "finance_appid": "00000000-0000-4000-8000-000000000202",
    "agent": "00000000-0000-4000-8000-000000000301", "agent_appid": "00000000-0000-4000-8000-000000000302",
}


def _user(key: str, name: str, upn: str, created: str | None) -> dict[str, Any]:
    user = {"id": IDS[key], "displayName": name, "userPrincipalName": upn, "accountEnabled": True,
            "userType": "Member"}
    return user | ({"createdDateTime": created} if created else {})


def _audit(n: int, activity: str, when: str, target: str, kind: str, result: str = "success") -> dict[str, Any]:
    return {"id": f"Directory_{n}", "category": "ApplicationManagement", "correlationId": IDS["alice"],
            "result": result, "activityDisplayName": activity, "activityDateTime": when,
            "loggedByService": "Core Directory", "operationType": "Add", "initiatedBy": {},
            "targetResources": [{"id": target, "type": kind, "displayName": ""}]}


def tenant() -> dict[str, Any]:
    return {
        "organization": {"id": TENANT_ID, "displayName": "Fabrikam Probe"},
        "asOf": AS_OF,
        "users": [
            _user("alice", "Alice Admin", "alice@fabrikam.example", "2024-01-01T00:00:00Z"),
            _user("bob", "Bob New", "bob@fabrikam.example", "2026-03-10T02:00:00Z"),  # new: createdDateTime
            _user("dave", "Dave Audited", "dave@fabrikam.example", None),  # new: audit only
            _user("eve", "Eve Old", "eve@fabrikam.example", "2026-03-09T11:00:00Z"),  # 25 h before asOf
            _user("jordan1", "Jordan Lee", "jordan.lee@fabrikam.example", "2024-01-01T00:00:00Z"),
            _user("jordan2", "Jordan Lee", "jordan.lee2@fabrikam.example", "2024-01-01T00:00:00Z"),
        ],
        "groups": [
            {"id": IDS["finance_group"], "displayName": "Finance", "securityEnabled": True, "groupTypes": [],
             "members": [IDS["alice"]]},
            {"id": IDS["bg_group"], "displayName": "Break Glass", "securityEnabled": True, "groupTypes": [],
             "members": []},
        ],
        "directoryRoles": [{"id": IDS["ga_role"], "roleTemplateId": GLOBAL_ADMIN_TEMPLATE,
                            "displayName": "Global Administrator", "members": [IDS["alice"]]}],
        "applications": [{"id": IDS["payroll_app"], "appId": IDS["payroll_appid"], "displayName": "Payroll",
                          "createdDateTime": "2026-03-10T01:00:00Z"}],
        "servicePrincipals": [
            {"id": IDS["payroll_sp"], "appId": IDS["payroll_appid"], "displayName": "Payroll",
             "servicePrincipalType": "Application", "accountEnabled": True},
            {"id": IDS["finance_sp"], "appId": IDS["finance_appid"], "displayName": "Finance",
             "servicePrincipalType": "Application", "accountEnabled": True},
            {"@odata.type": "#microsoft.graph.agentIdentity", "id": IDS["agent"], "appId": IDS["agent_appid"],
             "displayName": "Invoice Agent", "servicePrincipalType": "ServiceIdentity", "accountEnabled": True},
        ],
        "directoryAudits": [
            _audit(1, "Add user", "2026-03-09T18:00:00Z", IDS["dave"], "User"),
            _audit(2, "Add service principal", "2026-03-09T20:00:00Z", IDS["finance_sp"], "ServicePrincipal"),
            _audit(3, "Add service principal", "2026-03-10T03:00:00Z", IDS["agent"], "ServicePrincipal"),
            _audit(4, "Add user", "2026-03-10T04:00:00Z", IDS["jordan1"], "User", result="failure"),
            _audit(5, "Add user", "2026-03-08T04:00:00Z", IDS["jordan2"], "User"),  # before the window
        ],
    }


def write_tenant(tmp_path: Path) -> str:
    path = tmp_path / "probe-tenant.yaml"
    path.write_text(yaml.safe_dump(tenant(), sort_keys=False), encoding="utf-8")
    return f"fixture:{path}"


def use_probe_content(monkeypatch: Any) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_CONTENT", str(CONTENT))
