"""Shared fixtures for the graph layer: a small tenant, written to disk, served by the simulator."""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kiota_http.middleware.retry_handler import RetryHandler

from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file

SMALL_TENANT: dict[str, Any] = {
    "organization": {"id": "11111111-1111-1111-1111-111111111111", "displayName": "Contoso Test"},
    "securityDefaults": {"isEnabled": False},
    "users": [
        {"id": "u-alice", "displayName": "Alice", "userPrincipalName": "alice@contoso.test",
         "accountEnabled": True, "userType": "Member", "createdDateTime": "2024-01-02T03:04:05Z"},
        {"id": "u-bob", "displayName": "Bob", "userPrincipalName": "bob@contoso.test",
         "accountEnabled": True, "userType": "Member"},
        {"id": "u-breakglass", "displayName": "Break Glass", "userPrincipalName": "bg@contoso.test",
         "accountEnabled": True, "userType": "Member"},
    ],
    "groups": [
        {"id": "g-admins", "displayName": "Admins", "securityEnabled": True, "members": ["u-alice", "sp-app"]},
        {"id": "g-all", "displayName": "All staff", "securityEnabled": True,
         "members": ["u-alice", "u-bob", "g-admins"]},
        {"id": "g-empty", "displayName": "Empty", "securityEnabled": True},
    ],
    "directoryRoles": [
        {"id": "r-ga", "roleTemplateId": "62e90394-69f5-4237-9190-012177145e10",
         "displayName": "Global Administrator", "members": ["u-alice", "u-breakglass"]},
    ],
    "servicePrincipals": [{"id": "sp-app", "appId": "app-1", "displayName": "Payroll"}],
    "applications": [{"id": "app-obj-1", "appId": "app-1", "displayName": "Payroll"}],
    "conditionalAccessPolicies": [
        {"id": "ca-1", "displayName": "Require MFA for admins", "state": "enabled",
         "conditions": {"users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"],
                                  "excludeUsers": ["u-breakglass"]},
                        "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"],
                        "authenticationFlows": {"transferMethods": "deviceCodeFlow"}},
         "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}},
    ],
    "namedLocations": [
        {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": "nl-1", "displayName": "HQ",
         "isTrusted": True, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange",
                                          "cidrAddress": "203.0.113.0/24"}]},
    ],
    "authenticationStrengthPolicies": [
        {"id": "00000000-0000-0000-0000-000000000002", "displayName": "Multifactor authentication",
         "policyType": "builtIn", "allowedCombinations": ["password,microsoftAuthenticatorPush"]},
    ],
}


@pytest.fixture(autouse=True)
def _no_retry_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    # kiota sleeps 3 s+ before retrying a 429/503; tests exercise the retry, not the wait
    monkeypatch.setattr(RetryHandler, "get_delay_time", lambda self, retry_count, response=None, delay=0: 0.0)


@pytest.fixture
def tenant_data() -> dict[str, Any]:
    return copy.deepcopy(SMALL_TENANT)


@pytest.fixture
def write_tenant(tmp_path: Path) -> Callable[..., Path]:
    """Write a tenant dict (or raw text) to tmp_path/NAME and return the path."""

    def write(data: dict[str, Any] | str, name: str = "tenant.yaml") -> Path:
        path = tmp_path / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        elif name.endswith(".json"):
            path.write_text(json.dumps(data), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_doc(tenant_data: dict[str, Any], write_tenant: Callable[..., Path]) -> TenantDocument:
    return load_tenant_file(write_tenant(tenant_data))


@pytest.fixture
def sim(small_doc: TenantDocument) -> Iterator[GraphSimulator]:
    with GraphSimulator(small_doc) as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def _finalize_leftovers_first() -> None:
    # vcrpy patches httpx process-wide; a context left for the garbage collector by an earlier test (a client or
    # cassette of another suite) must be finalized before this test records or replays, not in the middle of it.
    gc.collect()
