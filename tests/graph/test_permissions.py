"""graph.permissions: token claims, the permissions each agent's skills declare, and which are missing."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.graph.permissions import (
    TokenIdentity,
    TokenNotReadable,
    missing,
    required_permissions,
    satisfied_by,
    token_claims,
)


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


APP_CLAIMS = {"aud": "https://graph.microsoft.com", "tid": "tenant-1", "oid": "sp-1", "appid": "app-1",
              "app_displayname": "CA agent", "idtyp": "app", "roles": ["Policy.Read.All"], "exp": 1900000000}
USER_CLAIMS = {"aud": "00000003-0000-0000-c000-000000000000", "tid": "tenant-1", "oid": "user-1", "appid": "app-2",
               "app_displayname": "entra-agents", "upn": "admin@contoso.test",
               "scp": "Policy.Read.All Directory.Read.All openid"}


@pytest.mark.parametrize("padding", ["", "x", "xy", "xyz"])  # every base64url length, unpadded as JWTs are
def test_claims_decode_without_padding(padding: str) -> None:
    assert token_claims(jwt({"oid": "o", "pad": padding}))["pad"] == padding


@pytest.mark.parametrize("token", ["opaque-token-value", "a.b", "a.!!!.c", "a." + base64.urlsafe_b64encode(
    b"[1, 2]").decode() + ".c", "a..c"])
def test_unreadable_tokens_are_named_but_never_printed(token: str) -> None:
    with pytest.raises(TokenNotReadable) as info:
        token_claims(token)
    assert token not in str(info.value) and info.value.exit_code == 2


def test_app_only_token_carries_roles() -> None:
    identity = TokenIdentity.from_token(jwt(APP_CLAIMS))
    assert (identity.kind, identity.permission_type, identity.permissions) == ("app", "application",
                                                                                ("Policy.Read.All",))
    assert (identity.app_id, identity.app_display_name, identity.tenant_id, identity.user) == (
        "app-1", "CA agent", "tenant-1", None)
    assert identity.expires_at == 1900000000


def test_delegated_token_carries_scopes_and_the_user() -> None:
    identity = TokenIdentity.from_claims(USER_CLAIMS)
    assert (identity.kind, identity.permission_type) == ("user", "delegated")
    assert identity.permissions == ("Policy.Read.All", "Directory.Read.All", "openid")
    assert identity.user == "admin@contoso.test"
    v2 = TokenIdentity.from_claims({"scp": "User.Read", "preferred_username": "bob@contoso.test", "azp": "app-3"})
    assert (v2.user, v2.app_id) == ("bob@contoso.test", "app-3")


def test_app_token_without_roles_has_no_permissions() -> None:
    identity = TokenIdentity.from_claims({"tid": "t", "appid": "a", "idtyp": "app"})
    assert (identity.kind, identity.permissions) == ("app", ())


def test_ca_optimizer_needs_what_its_skills_declare() -> None:
    catalog = load_catalog()
    assert required_permissions(catalog, "ca-optimizer") == {
        "Policy.Read.All": ["ListNewCoverageGaps", "GetCoverageGap", "CreateReportOnlyPolicy"],
        "Directory.Read.All": ["ListNewCoverageGaps", "GetCoverageGap"],
        "AuditLog.Read.All": ["ListNewCoverageGaps"],
        "Policy.ReadWrite.ConditionalAccess": ["CreateReportOnlyPolicy"],
    }
    assert list(required_permissions(catalog, "ca-optimizer", access="read")) == [
        "Policy.Read.All", "Directory.Read.All", "AuditLog.Read.All"]
    assert list(required_permissions(catalog, "ca-optimizer", access="write")) == [
        "Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"]


def test_required_permissions_skip_non_python_skills_and_deduplicate() -> None:
    def skill(name: str, permissions: tuple[str, ...] | None, access: str = "read") -> Any:
        python = None if permissions is None else SimpleNamespace(permissions=permissions, access=access)
        return SimpleNamespace(name=name, python=python)

    skills = [skill("Agent", None), skill("A", ("User.Read.All", "User.Read.All")), skill("B", ("User.Read.All",))]
    catalog = SimpleNamespace(skills_for=lambda agent: skills)
    assert required_permissions(catalog, "x") == {"User.Read.All": ["A", "B"]}


@pytest.mark.parametrize(("granted", "permission", "expected"), [
    (["Policy.Read.All"], "Policy.Read.All", "Policy.Read.All"),
    (["policy.read.all"], "Policy.Read.All", "policy.read.all"),
    (["User.ReadWrite.All"], "User.Read.All", "User.ReadWrite.All"),
    (["Directory.ReadWrite.All"], "Directory.Read.All", "Directory.ReadWrite.All"),
    (["Directory.Read.All"], "User.Read.All", "Directory.Read.All"),
    (["Directory.Read.All"], "Group.Read.All", "Directory.Read.All"),
    (["Directory.Read.All"], "GroupMember.Read.All", "Directory.Read.All"),
    (["Directory.Read.All"], "RoleManagement.Read.Directory", "Directory.Read.All"),
    (["Directory.ReadWrite.All"], "Application.Read.All", "Directory.ReadWrite.All"),
    (["RoleManagement.ReadWrite.Directory"], "RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory"),
    # not implied: different suffixes, or outside the directory-wide list
    (["Policy.ReadWrite.ConditionalAccess"], "Policy.Read.All", None),
    (["Directory.Read.All"], "Policy.Read.All", None),
    (["Directory.Read.All"], "AuditLog.Read.All", None),
    (["User.Read.All"], "Directory.Read.All", None),
    (["Policy.Read.All"], "Policy.ReadWrite.ConditionalAccess", None),
    ([], "Policy.Read.All", None),
])
def test_satisfaction_rules(granted: list[str], permission: str, expected: str | None) -> None:
    assert satisfied_by(granted, permission) == expected


def test_missing_keeps_the_required_order() -> None:
    required = {"Policy.Read.All": ["A"], "Directory.Read.All": ["A"], "Policy.ReadWrite.ConditionalAccess": ["B"]}
    assert missing(["Policy.Read.All"], required) == ["Directory.Read.All", "Policy.ReadWrite.ConditionalAccess"]
    assert missing(["Directory.ReadWrite.All", "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
                   required) == []


def test_readme_lists_exactly_the_permissions_the_catalog_declares() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    catalog = load_catalog()
    rows = []
    for agent in sorted(catalog.agents):
        reads = required_permissions(catalog, agent, access="read")
        for permission, skills in required_permissions(catalog, agent).items():
            when = "always (reads)" if permission in reads else "only with `AllowReportOnlyPolicyCreation=true`"
            rows.append(f"| `{agent}` | `{permission}` | {', '.join(skills)} | {when} |")
    listed = [line for line in readme.splitlines() if line.startswith("| `") and "` | `" in line
              and ("always (reads)" in line or "only with `" in line)]
    assert listed == rows, "regenerate the permissions table in README.md ('Running against a real tenant')"
