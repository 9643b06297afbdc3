"""The What-If table: hand-written sign-ins over one hand-written tenant, each with the policies that must
apply (enforced and report-only) and the combined outcome, worked out by hand from peers §1.

Outcome notation (``outcome.verdict``): "block"; "notEnoughInformation" when an enabled policy may apply but a
condition cannot be decided; otherwise the sorted requirement labels, one per applying grant ("a OR b" for an
OR grant, "a AND b" for AND), [] when nothing is required.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from ca_fixtures import snapshot_from_document

from entra_agents.conditional_access.evaluator import (
    ADMIN_PORTALS,
    ALL_RESOURCES,
    AZURE_MANAGEMENT,
    NO_RESOURCE,
    OFFICE365,
    DeviceContext,
    SignInContext,
    evaluate,
    resolve_location,
)
from entra_agents.conditional_access.outcome import evaluation_json, verdict
from entra_agents.conditional_access.policy import AuthFlow, ClientApp, parse_policies
from entra_agents.conditional_access.principals import Directory

TENANT = Path(__file__).parent / "data" / "whatif_tenant.yaml"
DOC = yaml.safe_load(TENANT.read_text(encoding="utf-8"))
SNAPSHOT = snapshot_from_document(DOC)
POLICIES = parse_policies(SNAPSHOT.conditional_access_policies, SNAPSHOT.authentication_strength_policies)
DIRECTORY = Directory.from_snapshot(SNAPSHOT)
KEY = {p.display_name.split()[0]: p.id for p in POLICIES}  # "P01" -> policy id
SHORT = {v: k for k, v in KEY.items()}

USERS = {u["userPrincipalName"].split("@")[0].split("_")[0]: u["id"] for u in DOC["users"]}
SPS = {"payroll": "05000000-0000-4000-8000-000000000001", "partner": "05000000-0000-4000-8000-000000000002",
       "managed": "05000000-0000-4000-8000-000000000003", "backup": "05000000-0000-4000-8000-000000000004"}
APPS = {"All": ALL_RESOURCES, "O365": OFFICE365, "Portals": ADMIN_PORTALS, "Azure": AZURE_MANAGEMENT,
        "AzurePortal": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "EXO": "00000002-0000-0ff1-ce00-000000000000",
        "Teams": "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "HR": "1a000000-0000-4000-8000-0000000000e1",
        "Wiki": "1a000000-0000-4000-8000-0000000000e2", "none": NO_RESOURCE}
HQ_IP, BRANCH_IP = "203.0.113.7", "198.51.100.5"
STRONG, WEAK = "authenticationStrength:5a000000-0000-4000-8000-000000000001", \
    "authenticationStrength:5a000000-0000-4000-8000-000000000002"
TOU = "termsOfUse:7e000000-0000-4000-8000-000000000001"
UNREGISTERED = DeviceContext.unregistered()


@dataclass(frozen=True)
class Row:
    name: str
    who: str  # a user key, or "sp:<key>"
    enforced: tuple[str, ...]
    outcome: str | list[str]
    report_only: tuple[str, ...] = ()
    app: str = "All"
    client: str = "browser"
    platform: str | None = "windows"
    ip: str | None = None
    country: str | None = None
    flow: str | None = None
    action: str | None = None
    auth_context: str | None = None
    device: DeviceContext | None = None
    risk: dict[str, str] = field(default_factory=dict)
    effectively_blocked: bool | None = None
    guarantees_mfa: bool | None = None
    report_only_outcome: str | list[str] | None = None
    report_only_effectively_blocked: bool | None = None
    country_unknown: bool = False  # by default an IP comes with its country (US), as sign-in logs give both

    def context(self) -> SignInContext:
        country = self.country or (None if self.country_unknown or not self.ip else "US")
        location = resolve_location(SNAPSHOT.named_locations, ip=self.ip, country=country)
        sp = SPS[self.who[3:]] if self.who.startswith("sp:") else None
        return SignInContext(
            "" if sp else USERS[self.who], application=APPS[self.app], client_app=ClientApp(self.client),
            platform=self.platform, location=location, auth_flow=AuthFlow(self.flow) if self.flow else None,
            service_principal_id=sp, user_action=f"urn:user:{self.action}" if self.action else None,
            auth_contexts=frozenset({self.auth_context}) if self.auth_context else frozenset(),
            device=self.device, sign_in_risk=self.risk.get("signIn", "none"), user_risk=self.risk.get("user", "none"),
            insider_risk=self.risk.get("insider", "none"), service_principal_risk=self.risk.get("sp", "none"),
        )


def R(name: str, who: str, enforced: str, outcome: Any, **kw: Any) -> Row:
    report_only = tuple(kw.pop("ro", "").split())
    return Row(name, who, tuple(enforced.split()), outcome, report_only, **kw)


MFA = ["mfa"]
TABLE = [
    # baseline, locations ------------------------------------------------------------------------------------
    R("member browser untrusted gets baseline MFA", "alice", "P01", MFA, guarantees_mfa=True),
    R("trusted HQ IP skips the baseline", "alice", "", [], ip=HQ_IP),
    R("untrusted named location still gets MFA", "alice", "P01", MFA, ip=BRANCH_IP),
    R("blocked country", "alice", "P01 P07", "block", country="KP"),
    R("an IP without its country cannot rule out the country block", "alice", "P01", "notEnoughInformation",
      ip=BRANCH_IP, country_unknown=True),
    # client apps, platforms --------------------------------------------------------------------------------
    R("exchangeActiveSync is blocked as legacy", "alice", "P02", "block", client="exchangeActiveSync"),
    R("other legacy client is blocked", "alice", "P02", "block", client="other"),
    R("unknown platform is blocked", "alice", "P01 P06", "block", client="mobileAppsAndDesktopClients",
      platform=None),
    R("linux is not an allowed platform", "alice", "P01 P06", "block", platform="linux"),
    R("excluded app escapes the linux block but not the unknown-platform one", "bob", "P01 P06", "block",
      app="Wiki", platform="linux", ro="P19"),
    R("linux on HR: exclusion by app does not apply, policy applies", "bob", "P01 P06 P27", "block", app="HR",
      platform="linux", ro="P19"),
    R("report-only adds a compliant device requirement", "bob", "P01", MFA, app="Wiki", ro="P19",
      report_only_outcome=["compliantDevice"]),
    # roles, admin bundles ----------------------------------------------------------------------------------
    R("admin by role gets the strength by combinations", "ada", "P01 P03", [STRONG, "mfa"], guarantees_mfa=True),
    R("admin portals bundle", "ada", "P01 P03 P16", [STRONG, "compliantDevice AND mfa", "mfa"], app="Portals"),
    R("Azure portal app is in the admin portals bundle", "ada", "P01 P03 P16",
      [STRONG, "compliantDevice AND mfa", "mfa"], app="AzurePortal"),
    R("admin portals for a non-admin", "alice", "P01", MFA, app="Portals"),
    R("Azure management for an admin", "ada", "P01 P03 P15", [STRONG, "mfa", "mfa"], app="Azure"),
    R("Azure management from a trusted network", "alice", "P15", MFA, app="Azure", ip=HQ_IP),
    # exclusions, nested groups -----------------------------------------------------------------------------
    R("break-glass: group exclusion beats role inclusion", "bg", "", []),
    R("break-glass from a blocked country", "bg", "", [], country="KP"),
    R("contractor through a group cycle gets OR-diluted grant", "carl", "P04", [f"compliantDevice OR mfa OR {TOU}"],
      guarantees_mfa=False),
    R("contractor excluded by user from his own policy", "dan", "", []),
    R("contractor on a legacy client", "carl", "P02 P04", "block", client="exchangeActiveSync"),
    # guests, Office 365 bundle, device filters -------------------------------------------------------------
    R("guest on all resources: All users includes guests", "gus", "P01", MFA),
    R("guest on Office 365, device unknown", "gus", "P01 P05 P24", "notEnoughInformation", app="O365"),
    R("guest on Office 365 from an unregistered device", "gus", "P01 P05 P14 P24", [WEAK, "mfa"], app="O365",
      device=UNREGISTERED, guarantees_mfa=True),
    R("guest from HQ: the weak custom strength is not MFA", "gus", "P05 P14 P24", [WEAK], app="O365",
      device=UNREGISTERED, ip=HQ_IP, guarantees_mfa=False),
    R("guest on Exchange from a desktop client", "gus", "P01 P05", [WEAK, "mfa"], app="EXO",
      client="mobileAppsAndDesktopClients"),
    R("compliant device escapes the unmanaged-device session policy", "alice", "P01 P24", MFA, app="O365",
      device=DeviceContext.of(isCompliant=True, trustType="AzureAD")),
    R("hybrid joined device escapes it too; Teams report-only", "alice", "P01 P24", MFA, app="Teams",
      device=DeviceContext.of(isCompliant=False, trustType="ServerAD"), ro="P25", report_only_outcome=MFA),
    R("unparseable device filter is never a guess", "bob", "P01 P23", "notEnoughInformation", app="HR",
      device=DeviceContext.of(model="Surface Pro 9"), ro="P19"),
    R("unparseable device filter with device unknown", "bob", "P01 P23", "notEnoughInformation", app="HR",
      ro="P19"),
    # risk --------------------------------------------------------------------------------------------------
    R("elevated insider risk on Office 365", "alice", "P01 P14 P21 P24", "block", app="O365", device=UNREGISTERED,
      risk={"insider": "elevated"}),
    R("moderate insider risk is not in scope", "alice", "P01 P14 P24", MFA, app="O365", device=UNREGISTERED,
      risk={"insider": "moderate"}),
    R("high sign-in risk from HQ", "alice", "P08", MFA, ip=HQ_IP, risk={"signIn": "high"}),
    R("low sign-in risk from HQ", "alice", "", [], ip=HQ_IP, risk={"signIn": "low"}),
    R("high user risk", "alice", "P01 P09", ["mfa", "mfa AND passwordChange"], risk={"user": "high"}),
    R("medium user risk", "alice", "P01", MFA, risk={"user": "medium"}),
    # user actions, authentication context ------------------------------------------------------------------
    R("register security info off-network is blocked", "alice", "P10", "block", app="none",
      action="registersecurityinfo"),
    R("register security info from HQ", "alice", "", [], app="none", action="registersecurityinfo", ip=HQ_IP),
    R("break-glass registering security info", "bg", "", [], app="none", action="registersecurityinfo"),
    R("register a device needs MFA", "alice", "P11", MFA, app="none", action="registerdevice"),
    R("break-glass is not excluded from device registration", "bg", "P11", MFA, app="none",
      action="registerdevice"),
    R("auth context c1 on HR from Windows", "alice", "P01 P12 P23",
      ["compliantDevice", "compliantDevice OR domainJoinedDevice", "mfa"], app="HR", auth_context="c1"),
    R("HR from Android without auth context", "alice", "P01", MFA, app="HR", platform="android"),
    # authentication flows ----------------------------------------------------------------------------------
    R("device code flow is blocked", "alice", "P01 P13", "block", client="mobileAppsAndDesktopClients",
      flow="deviceCodeFlow"),
    R("authentication transfer is blocked", "bob", "P01 P13 P23", "block", app="HR",
      client="mobileAppsAndDesktopClients", flow="authenticationTransfer", ro="P19"),
    R("device code cannot satisfy the report-only compliant device grant", "bob", "P01 P13", "block",
      flow="deviceCodeFlow", ro="P19", report_only_outcome=["compliantDevice"],
      report_only_effectively_blocked=True),
    # legacy exceptions -------------------------------------------------------------------------------------
    R("legacy exception account: a real hole", "scanner", "", [], client="other"),
    R("legacy client cannot do MFA: effectively blocked", "scanner", "P09", ["mfa AND passwordChange"],
      client="other", risk={"user": "high"}, effectively_blocked=True),
    # workload identities -----------------------------------------------------------------------------------
    R("tenant service principal off-network is blocked", "sp:payroll", "P17", "block"),
    R("tenant service principal from HQ", "sp:payroll", "", [], ip=HQ_IP),
    R("high service principal risk", "sp:payroll", "P18", "block", ip=HQ_IP, risk={"sp": "high"}),
    R("multi-tenant app is not in ServicePrincipalsInMyTenant", "sp:partner", "", []),
    R("managed identities are never covered", "sp:managed", "", []),
    R("excluded service principal", "sp:backup", "", []),
]


def _ids(keys: tuple[str, ...]) -> set[str]:
    return {KEY[k] for k in keys}


def test_table_is_big_enough_and_names_are_unique():
    assert len(TABLE) >= 40
    assert len({r.name for r in TABLE}) == len(TABLE)


@pytest.mark.parametrize("row", TABLE, ids=[r.name for r in TABLE])
def test_whatif_row(row: Row):
    ev = evaluate(POLICIES, DIRECTORY, row.context())
    applying = lambda ids: sorted(SHORT[i] for i in ids)
    assert applying(ev.enforced.applied) == sorted(row.enforced)
    assert applying(ev.report_only.applied) == sorted(row.report_only)
    assert verdict(ev.enforced, ev.undecided()) == row.outcome
    if row.effectively_blocked is not None:
        assert ev.effectively_blocked() is row.effectively_blocked
    if row.guarantees_mfa is not None:
        assert ev.guarantees_mfa() is row.guarantees_mfa
    if row.report_only_outcome is not None:
        assert verdict(ev.report_only, ev.undecided(report_only=True)) == row.report_only_outcome
    if row.report_only_effectively_blocked is not None:
        ctx = ev.context
        assert ev.report_only.effectively_blocked(ctx.client_app, ctx.auth_flow) is row.report_only_effectively_blocked
    # every policy gets a What-If entry; a disabled one says policyNotEnabled
    doc = evaluation_json(ev)
    assert {p["id"] for p in doc["policies"]} == {p.id for p in POLICIES}
    disabled = next(p for p in doc["policies"] if p["id"] == KEY["P20"])
    assert disabled["policyApplies"] is False and disabled["analysisReasons"][0] == "policyNotEnabled"


def _reasons(row_name: str, key: str) -> list[str]:
    row = next(r for r in TABLE if r.name == row_name)
    result = evaluate(POLICIES, DIRECTORY, row.context()).result(KEY[key])
    assert result is not None
    return list(result.analysis_reasons)


@pytest.mark.parametrize(("row_name", "key", "reasons"), [
    ("trusted HQ IP skips the baseline", "P01", ["location"]),
    ("exchangeActiveSync is blocked as legacy", "P01", ["clientApps"]),
    ("member browser untrusted gets baseline MFA", "P03", ["users"]),
    ("member browser untrusted gets baseline MFA", "P05", ["users", "application"]),
    ("member browser untrusted gets baseline MFA", "P06", ["devicePlatform"]),
    ("member browser untrusted gets baseline MFA", "P08", ["signInRisk"]),
    ("member browser untrusted gets baseline MFA", "P09", ["userRisk"]),
    ("member browser untrusted gets baseline MFA", "P10", ["userActions"]),
    ("member browser untrusted gets baseline MFA", "P12", ["authenticationContext"]),
    ("member browser untrusted gets baseline MFA", "P13", ["authenticationFlow"]),
    ("member browser untrusted gets baseline MFA", "P17", ["workloadIdentities"]),
    ("member browser untrusted gets baseline MFA", "P20", ["policyNotEnabled"]),
    ("moderate insider risk is not in scope", "P21", ["insiderRisk"]),
    ("an IP without its country cannot rule out the country block", "P07", ["notEnoughInformation", "location"]),
    ("an IP without its country cannot rule out the country block", "P01", []),
    ("tenant service principal off-network is blocked", "P01", ["workloadIdentities"]),
    ("tenant service principal off-network is blocked", "P18", ["servicePrincipalRisk"]),
    ("guest on Office 365, device unknown", "P14", ["notEnoughInformation", "devices"]),
    ("compliant device escapes the unmanaged-device session policy", "P14", ["devices"]),
    ("auth context c1 on HR from Windows", "P26", ["emptyPolicy"]),
    ("register a device needs MFA", "P01", ["application"]),
])
def test_analysis_reasons(row_name: str, key: str, reasons: list[str]):
    assert _reasons(row_name, key) == reasons
