"""Mutators: each plants one known misconfiguration (or a trap that must not open a gap) and says, from its own
knowledge of whom it exempted and how, what every check in the catalogue must report because of it.

Why the expected findings simply add up: every mutator that opens a gap does so for its own cohort, a set of
ordinary staff no other mutator touches (``Tenant.take_cohort``: no admins, guests or large-department staff),
or for a population no other mutator reaches (the large department, Helpdesk Administrators, guests). The
cohort is excluded from the baseline policy concerned and gets the flawed replacement. Mutators that edit
baseline policies for everyone are traps that keep coverage intact. So the affected objects of ``--mutate all``
are the union of each mutator's own, plus what the manifest derives from all of them together (large
exclusions, apps with sign-ins: see ``manifest``).

The expectations follow the checks as shipped (their rationale says what each asks). Coverage checks judge
sign-ins from untrusted locations at no sign-in risk unless they are about risk. A disabled account, a
break-glass account and the directory synchronisation account are never affected (``Tenant.counted``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .groups import group
from .policies import REPORT_ONLY, ca_policy, strength_reference, users_condition
from .state import HELPDESK_ADMINISTRATOR, JSON, Tenant

Objects = dict[str, list[str]]  # affected kind (users, groups, roles, apps, policies) -> object ids

# Checks a cohort fails when it has no enforced control at all on All resources (from an untrusted network, at
# no risk): no MFA (COV-01), not for Azure management (COV-05), not for risky sign-ins (COV-14), neither MFA nor
# a managed device (COV-19), and its exclusion from the MFA baseline has no equivalent (EXC-05). COV-29 and
# COV-30 follow from ``Effect.uncontrolled``.
UNCONTROLLED = ("COV-01", "COV-05", "COV-14", "COV-19", "EXC-05")


@dataclass
class Effect:
    """What a mutator did.

    ``findings``: per check it makes report something, the objects the check must name. ``uncontrolled``: users
    left with no enforced control at all, per resource ("All" or an appId); the manifest derives COV-29 and
    COV-30 from it. ``resolves``: baseline findings it fixes. ``fix``: the enabled policy whose exclusion of the
    cohort opens the gap, so the exclusion the Conditional Access optimization agent must suggest removing
    (``modify_policy``; the manifest derives the checks it closes). Then the objects it touched.
    """

    findings: dict[str, Objects] = field(default_factory=dict)
    uncontrolled: dict[str, list[str]] = field(default_factory=dict)
    resolves: tuple[str, ...] = ()
    fix: str | None = None
    groups: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


def users_fail(checks: tuple[str, ...] | list[str], users: list[str]) -> dict[str, Objects]:
    return {check: {"users": users} for check in checks}


@dataclass(frozen=True)
class Mutator:
    name: str
    description: str
    apply: Callable[[Tenant], Effect]
    trap: bool = False  # a trap opens no coverage gap: coverage checks report what the baseline does, or less
    related_checks: tuple[str, ...] = ()  # catalogue checks (peers §10) that target it, including unbuilt ones


def cohort_size(t: Tenant) -> int:
    return max(3, t.size // 200)


def _cohort(t: Tenant, slot: int, name: str, description: str) -> tuple[list[str], JSON]:
    members = t.take_cohort(slot, cohort_size(t))
    return members, group(t, "mutators", name, members, description=description)


def _exclude_group(t: Tenant, policy_key: str, group_id: str) -> str:
    policy = t.policy(policy_key)
    policy["conditions"]["users"]["excludeGroups"].append(group_id)
    t.exclude(policy, t.transitive_users(group_id) if t.has_group(group_id) else [])
    return str(policy["id"])


def _scoped(t: Tenant, group_id: str) -> JSON:
    return users_condition(t, include_users=[], include_groups=[group_id])


def _off_network() -> JSON:
    return {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}


# ----------------------------------------------------------------------------------------- gap mutators


def legacy_gap_client_types(t: Tenant) -> Effect:
    members, g = _cohort(t, 0, "Frontline Workers", "Shared-device frontline staff with their own CA policies.")
    changed = [_exclude_group(t, "mfa", g["id"]), _exclude_group(t, "legacy", g["id"])]
    mfa = ca_policy(t, "CA101 - Frontline: require MFA in browsers and apps", _scoped(t, g["id"]),
                    client_app_types=["browser", "mobileAppsAndDesktopClients"])
    eas = ca_policy(t, "CA102 - Frontline: block Exchange ActiveSync", _scoped(t, g["id"]),
                    client_app_types=["exchangeActiveSync"], controls=["block"])
    t.gap_evidence.append(("legacy", members))
    # browsers and apps still need MFA (CA101), so only the legacy checks see the hole
    # the legacy block's exclusion is the cause; CA001's (MFA stops legacy clients too) is the MFA policy's
    return Effect(users_fail(["COV-08", "EXC-05"], t.counted(members)), fix=changed[1], groups=[g["id"]],
                  policies=[*changed, mfa["id"], eas["id"]])


def mfa_or_diluted(t: Tenant) -> Effect:
    members, g = _cohort(t, 1, "Field Sales", "Travelling sales staff on company laptops.")
    changed = _exclude_group(t, "mfa", g["id"])
    p = ca_policy(t, "CA103 - Field Sales: require MFA or a compliant device", _scoped(t, g["id"]),
                  controls=["mfa", "compliantDevice"], operator="OR")
    # a compliant device skips MFA, but it is a control: COV-19 (MFA or managed device) and COV-29 still pass
    return Effect(users_fail(["COV-01", "COV-05", "COV-14", "EXC-05"], t.counted(members)), fix=changed,
                  groups=[g["id"]], policies=[changed, p["id"]])


def mfa_narrowed_by_risk(t: Tenant) -> Effect:
    members, g = _cohort(t, 2, "Research Collaboration", "Researchers working with partner universities.")
    changed = _exclude_group(t, "mfa", g["id"])
    p = ca_policy(t, "CA104 - Research: require MFA for risky sign-ins", _scoped(t, g["id"]),
                  sign_in_risk=["medium", "high"])
    cohort = t.counted(members)
    # risky sign-ins do need MFA (COV-14 passes); ordinary ones need nothing at all
    return Effect(users_fail([c for c in UNCONTROLLED if c != "COV-14"], cohort), {"All": cohort}, fix=changed,
                  groups=[g["id"]], policies=[changed, p["id"]])


def report_only_only(t: Tenant) -> Effect:
    members, g = _cohort(t, 3, "Meeting Room Support", "Staff who sign in meeting-room devices.")
    changed = _exclude_group(t, "deviceCode", g["id"])
    p = ca_policy(t, "CA105 - Meeting rooms: block device code flow (pilot)", _scoped(t, g["id"]),
                  state=REPORT_ONLY, controls=["block"], transfer_methods="deviceCodeFlow")
    t.gap_evidence.append(("deviceCode", members))
    # out of CA003, the cohort loses its authentication transfer block too, should CA003 ever have one
    findings = users_fail(["COV-10", "COV-11", "EXC-05"], t.counted(members))
    findings["HYG-01"] = {"policies": [p["id"]]}  # it would enforce a block no enabled policy does for them
    return Effect(findings, fix=changed, groups=[g["id"]], policies=[changed, p["id"]])


def large_excluded_group(t: Tenant) -> Effect:
    gid = t.group_ids[f"department:{t.large_department}"]
    changed = _exclude_group(t, "mfa", gid)
    cohort = t.counted(t.transitive_users(gid))
    return Effect(users_fail(UNCONTROLLED, cohort), {"All": cohort}, fix=changed, groups=[gid], policies=[changed])


def nested_excluded_group(t: Tenant) -> Effect:
    members = t.take_cohort(4, cohort_size(t))
    direct, rest = members[:1], members[1:]
    night = group(t, "mutators", "Field Engineers - Night Shift", rest[-1:], description="Night shift engineers.")
    engineers = group(t, "mutators", "Field Engineers", [*rest[:-1], night["id"]],
                      description="Field engineers (temporary MFA exception while phones are replaced).")
    parent = group(t, "mutators", "CA-Exclude-MFA-Exceptions", [engineers["id"], *direct],
                   description="Temporary MFA exceptions approved by the service desk.")
    changed = _exclude_group(t, "mfa", parent["id"])
    cohort = t.counted(t.transitive_users(parent["id"]))
    return Effect(users_fail(UNCONTROLLED, cohort), {"All": cohort}, fix=changed,
                  groups=[parent["id"], engineers["id"], night["id"]], policies=[changed])


def role_exclusion(t: Tenant) -> Effect:
    policy = t.policy("mfa")
    policy["conditions"]["users"]["excludeRoles"].append(HELPDESK_ADMINISTRATOR)
    holders = t.role_holders[HELPDESK_ADMINISTRATOR]
    t.exclude(policy, holders)
    cohort = t.counted(holders)
    findings = users_fail([*UNCONTROLLED, "COV-03"], cohort)  # Helpdesk Administrators are administrators
    findings["EXC-07"] = {"users": cohort, "roles": [HELPDESK_ADMINISTRATOR], "policies": [policy["id"]]}
    return Effect(findings, {"All": cohort}, fix=policy["id"], policies=[policy["id"]], roles=[HELPDESK_ADMINISTRATOR])


def app_exclusion(t: Tenant) -> Effect:
    members, g = _cohort(t, 5, "Expense Approvers", "Managers who approve expense reports.")
    changed = _exclude_group(t, "mfa", g["id"])
    expenses = t.app_ids["Expenses"]
    p = ca_policy(t, "CA106 - Expense approvers: require MFA (except Expenses)", _scoped(t, g["id"]),
                  exclude_apps=[expenses])
    cohort = t.counted(members)
    # Azure management is not Expenses: CA106 still requires MFA there (COV-05 passes)
    findings = users_fail([c for c in UNCONTROLLED if c != "COV-05"], cohort)
    findings["EXC-10"] = {"apps": [expenses], "policies": [p["id"]]}
    return Effect(findings, {expenses: cohort}, fix=changed, groups=[g["id"]], policies=[changed, p["id"]])


def guest_type_exclusion(t: Tenant) -> Effect:
    policy = t.policy("mfa")
    # both guest kinds Entra marks userType Guest; B2B collaboration *members* stay covered
    policy["conditions"]["users"]["excludeGuestsOrExternalUsers"] = {
        "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
        "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                            "membershipKind": "all"},
    }
    t.exclude(policy, t.guests)
    cohort = t.counted(t.guests)
    findings = users_fail([*UNCONTROLLED, "COV-07"], cohort)
    findings["EXC-09"] = {"users": cohort, "policies": [policy["id"]]}
    return Effect(findings, {"All": cohort}, fix=policy["id"], policies=[policy["id"]])


def empty_include_group(t: Tenant) -> Effect:
    members, g = _cohort(t, 6, "Temporary Contractors", "Short-term contractors; MFA handled by CA107.")
    empty = group(t, "mutators", "Temporary Contractors - MFA", [],
                  description="Meant to hold the contractors CA107 protects; never populated.")
    changed = _exclude_group(t, "mfa", g["id"])
    p = ca_policy(t, "CA107 - Contractors: require MFA", _scoped(t, empty["id"]))
    cohort = t.counted(members)
    findings = users_fail(UNCONTROLLED, cohort)
    findings["HYG-03"] = {"policies": [p["id"]], "groups": [empty["id"]]}
    return Effect(findings, {"All": cohort}, fix=changed, groups=[g["id"], empty["id"]], policies=[changed, p["id"]])


def trusted_location_exemption(t: Tenant) -> Effect:
    members, g = _cohort(t, 7, "Head Office Staff", "Staff based at headquarters.")
    changed = [_exclude_group(t, "mfa", g["id"]), _exclude_group(t, "deviceCode", g["id"])]
    mfa = ca_policy(t, "CA108 - Head office: require MFA off the corporate network", _scoped(t, g["id"]),
                    locations=_off_network())
    dcf = ca_policy(t, "CA109 - Head office: block device code flow off the corporate network", _scoped(t, g["id"]),
                    locations=_off_network(), controls=["block"], transfer_methods="deviceCodeFlow")
    t.gap_evidence.append(("deviceCodeTrusted", members))
    cohort = t.counted(members)
    # COV-01 judges untrusted sign-ins, where CA108 requires MFA; skipping it on-net is EXC-11's finding
    findings = users_fail(["COV-10", "COV-11", "EXC-05"], cohort)
    findings["EXC-11"] = {"users": cohort, "policies": [mfa["id"]]}
    # CA108 still requires MFA off-net, so only the device-code block's exclusion opens a suggested gap
    return Effect(findings, fix=changed[1], groups=[g["id"]], policies=[*changed, mfa["id"], dcf["id"]])


# ----------------------------------------------------------------------------------------------- traps


def deleted_group_reference(t: Tenant) -> Effect:
    deleted = t.new_id("mutators:deleted")
    t.deleted_groups.append((deleted, "Legacy-VPN-Users"))
    changed = _exclude_group(t, "mfa", deleted)
    return Effect({"HYG-05": {"policies": [changed], "groups": [deleted]}}, groups=[deleted], policies=[changed])


def device_code_both_flows(t: Tenant) -> Effect:
    policy = t.policy("deviceCode")
    policy["conditions"]["authenticationFlows"] = {"transferMethods": "deviceCodeFlow,authenticationTransfer"}
    t.changed(policy)
    return Effect(resolves=("COV-11",), policies=[policy["id"]])


def auth_strength_instead_of_mfa(t: Tenant) -> Effect:
    policy = t.policy("mfa")
    policy["grantControls"]["builtInControls"] = []
    policy["grantControls"]["authenticationStrength"] = strength_reference(t, "mfa")
    t.changed(policy)
    return Effect(policies=[policy["id"]])


MUTATORS: tuple[Mutator, ...] = (
    Mutator("legacy-gap-client-types", "A cohort's replacement policies cover browser+apps for MFA and only Exchange "
            "ActiveSync for the legacy block, so 'other' legacy clients are open (COV-08).",
            legacy_gap_client_types, related_checks=("COV-09",)),
    Mutator("mfa-or-diluted", "A cohort's MFA policy grants 'mfa OR compliantDevice': a compliant device skips MFA "
            "(COV-01).", mfa_or_diluted, related_checks=("COV-19",)),
    Mutator("mfa-narrowed-by-risk", "A cohort's MFA policy applies only to medium/high sign-in risk (COV-01).",
            mfa_narrowed_by_risk, related_checks=("HYG-13",)),
    Mutator("report-only-only", "A cohort's only device-code block is report-only (COV-10).", report_only_only,
            related_checks=("HYG-01",)),
    Mutator("large-excluded-group", "The dynamic department group with about a third of all users is excluded "
            "from the MFA policy (COV-01).", large_excluded_group, related_checks=("EXC-08", "HYG-07")),
    Mutator("nested-excluded-group", "A parent group, whose members include nested groups, is excluded from the "
            "MFA policy; every enabled transitive member is uncovered (COV-01).", nested_excluded_group,
            related_checks=("EXC-05", "EXC-08")),
    Mutator("role-exclusion", "The Helpdesk Administrator role is excluded from the MFA policy (COV-01).",
            role_exclusion, related_checks=("EXC-07",)),
    Mutator("app-exclusion", "A cohort's MFA policy excludes one application, so not all resources need MFA "
            "(COV-01).", app_exclusion, related_checks=("EXC-10",)),
    Mutator("guest-type-exclusion", "The MFA policy excludes internal and B2B collaboration guests (COV-01).",
            guest_type_exclusion, related_checks=("EXC-09", "COV-07")),
    Mutator("deleted-group-reference", "The MFA policy excludes a group that was deleted; it excludes nobody "
            "(trap: no coverage gap; HYG-05 reports the stale reference).", deleted_group_reference, trap=True,
            related_checks=("HYG-05",)),
    Mutator("empty-include-group", "A cohort excluded from the MFA policy is meant to be covered by a policy whose "
            "only include group is empty (COV-01).", empty_include_group, related_checks=("HYG-03",)),
    Mutator("trusted-location-exemption", "A cohort's MFA and device-code policies exclude trusted locations: MFA "
            "is skipped on-net (EXC-11) and device code is open from the office (COV-10).",
            trusted_location_exemption, related_checks=("EXC-11",)),
    Mutator("device-code-both-flows", "The device-code block lists 'deviceCodeFlow,authenticationTransfer' "
            "(trap: still blocked).", device_code_both_flows, trap=True, related_checks=("COV-11",)),
    Mutator("auth-strength-instead-of-mfa", "The MFA policy requires the built-in MFA authentication strength "
            "instead of 'mfa' (trap: still covered).", auth_strength_instead_of_mfa, trap=True),
)
BY_NAME = {m.name: m for m in MUTATORS}


def resolve(names: list[str] | tuple[str, ...]) -> tuple[Mutator, ...]:
    """Mutators in catalogue order (so the same set always gives the same bytes); 'all' means every one."""
    wanted = {n.strip() for n in names if n.strip()}
    unknown = sorted(n for n in wanted if n != "all" and n not in BY_NAME)
    if unknown:
        raise KeyError(", ".join(unknown))
    return MUTATORS if "all" in wanted else tuple(m for m in MUTATORS if m.name in wanted)
