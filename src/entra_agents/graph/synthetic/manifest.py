"""The manifest: what a generated tenant must make every check in the catalogue report, derived from the
generator's own knowledge (the baseline it deployed, what each mutator did), never from running the Conditional
Access engine, which is what the manifest is there to test.

For each check the manifest gives the status and, for the kinds of object the check is about (its subjects:
users for a coverage check, the policies and groups for a hygiene check...), the exact ids the finding must
name. Other kinds a finding lists (the policies and groups behind a coverage gap) are context, not vouched for.
The expectations hold for the tenant read as of its ``asOf`` moment (the generator's epoch), when the whole
sign-in log is inside the 30-day look-back window.
"""

from __future__ import annotations

from collections.abc import Sequence

from .mutators import Effect, Mutator, Objects
from .policies import baseline_findings
from .state import EPOCH, JSON, Tenant, iso

FORMAT_VERSION = 2

_USERS = ("users",)
_POLICIES = ("policies",)
SUBJECTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("HYG-01", "HYG-02", "HYG-04", "HYG-08", "HYG-09", "HYG-10"), _POLICIES),
    **dict.fromkeys(("HYG-03", "HYG-05"), ("policies", "groups")),
    **dict.fromkeys(("COV-01", "COV-02", "COV-03", "COV-04", "COV-05", "COV-07", "COV-08", "COV-10", "COV-11",
                     "COV-12", "COV-14", "COV-15", "COV-17", "COV-19", "COV-20", "COV-21", "COV-29"), _USERS),
    "COV-30": ("users", "apps"),
    **dict.fromkeys(("EXC-01", "EXC-02", "EXC-05"), _USERS),
    "EXC-07": ("users", "roles", "policies"),
    **dict.fromkeys(("EXC-08", "EXC-09", "EXC-11"), ("users", "policies")),
    "EXC-10": ("apps", "policies"),
}
CHECKS = tuple(SUBJECTS)
REVIEW_WHEN_FOUND = frozenset({"HYG-01"})  # report-only policies are something to look at, not a failure
# Large exclusion threshold (EXC-08's defaults): this share of counted users, or this many.
LARGE_EXCLUSION_PERCENT, LARGE_EXCLUSION_USERS = 5.0, 50


def _merge(into: dict[str, dict[str, set[str]]], found: dict[str, Objects]) -> None:
    for check, objects in found.items():
        if check not in SUBJECTS:
            raise ValueError(f"{check} is not a check the manifest knows; add it to SUBJECTS")
        for kind, ids in objects.items():
            into.setdefault(check, {}).setdefault(kind, set()).update(ids)


def _uncontrolled(t: Tenant, effects: Sequence[Effect]) -> dict[str, Objects]:
    """COV-29 (some sign-in on All resources with no enforced control) and COV-30 (every app in the sign-in log
    controlled for everyone) from the users each mutator left with nothing, per resource."""
    apps_signed_in = sorted({str(s["appId"]) for s in t.sign_ins})
    users: set[str] = set()
    cov30: dict[str, set[str]] = {"users": set(), "apps": set()}
    for effect in effects:
        for resource, cohort in effect.uncontrolled.items():
            users.update(cohort)
            reached = apps_signed_in if resource == "All" else [a for a in apps_signed_in if a == resource]
            if reached and cohort:
                cov30["users"].update(cohort)
                cov30["apps"].update(reached)
    return {"COV-29": {"users": sorted(users)}, "COV-30": {kind: sorted(ids) for kind, ids in cov30.items()}}


def _large_exclusions(t: Tenant) -> Objects:
    """EXC-08: enabled policies with a grant whose mutator-made exclusions reach the threshold, and whom."""
    population = len(t.counted(u["id"] for u in t.users))
    users: set[str] = set()
    policies = []
    for policy in t.policies:
        excluded = t.counted(t.exclusions.get(str(policy["id"]), []))
        if policy["state"] != "enabled" or not policy.get("grantControls") or not excluded:
            continue
        if 100.0 * len(excluded) / population >= LARGE_EXCLUSION_PERCENT or len(excluded) >= LARGE_EXCLUSION_USERS:
            users.update(excluded)
            policies.append(str(policy["id"]))
    return {"users": sorted(users), "policies": sorted(policies)}


def expected_findings(t: Tenant, effects: Sequence[Effect]) -> JSON:
    """check -> {status, affected: {subject kind: sorted ids}} for every check in the catalogue."""
    resolved = {check for effect in effects for check in effect.resolves}
    found: dict[str, dict[str, set[str]]] = {}
    _merge(found, {c: objects for c, objects in baseline_findings(t).items() if c not in resolved})
    for effect in effects:
        _merge(found, effect.findings)
    _merge(found, _uncontrolled(t, effects))
    _merge(found, {"EXC-08": _large_exclusions(t)})
    expected = {}
    for check, kinds in SUBJECTS.items():
        affected = {kind: sorted(found.get(check, {}).get(kind, ())) for kind in kinds}
        if any(affected.values()):
            status = "review" if check in REVIEW_WHEN_FOUND else "fail"
        else:
            status = "pass"
        expected[check] = {"status": status, "affected": affected}
    # no break-glass account is configured in settings; the checks detect the break-glass group's members and
    # ask for them to be confirmed
    expected["EXC-01"]["status"] = "review"
    if not t.sign_ins:
        expected["COV-30"]["status"] = "not_applicable"
    return expected


# The checks the Conditional Access optimization agent turns into suggestions, in the order a suggestion names
# its primary check (``conditional_access.suggest.gaps.HANDLED``; a test holds the two equal).
SUGGESTED_CHECKS = ("COV-01", "COV-03", "COV-08", "COV-10", "COV-11", "COV-14", "COV-15", "COV-17", "COV-21",
                    "EXC-02", "EXC-08")


def _large(t: Tenant, users: Sequence[str]) -> bool:
    population = len(t.counted(u["id"] for u in t.users))
    return bool(users) and (100.0 * len(users) / population >= LARGE_EXCLUSION_PERCENT
                            or len(users) >= LARGE_EXCLUSION_USERS)


def expected_suggestions(t: Tenant, applied: Sequence[Mutator], effects: Sequence[Effect]) -> list[JSON]:
    """What the agent must suggest, one entry per root cause, from what the generator did.

    A mutator with a ``fix`` must give one ``modify_policy`` on that policy, closing the suggested checks its
    findings name for the cohort, except those the baseline leaves failing for everyone (removing an exclusion
    from a policy that does not enforce that control closes nothing), plus EXC-08 when the cohort alone is a
    large exclusion. Every suggested check the baseline fails (and no mutator resolves) gives one
    ``new_policy``. Traps give nothing."""
    resolved = {check for effect in effects for check in effect.resolves}
    baseline = {c for c in baseline_findings(t) if c not in resolved and c in SUGGESTED_CHECKS}
    order = {c: i for i, c in enumerate(SUGGESTED_CHECKS)}
    out: list[JSON] = []
    for mutator, effect in zip(applied, effects, strict=True):
        if effect.fix is None:
            continue
        closes = [c for c in effect.findings if c in order and c not in baseline and effect.findings[c].get("users")]
        users = sorted({u for c in closes for u in effect.findings[c]["users"]})
        if _large(t, users):
            closes.append("EXC-08")
        out.append({"source": mutator.name, "kind": "modify_policy", "checks": sorted(closes, key=order.__getitem__),
                    "targetPolicyId": effect.fix, "users": users})
    out += [{"source": "baseline", "kind": "new_policy", "checks": [c], "targetPolicyId": None}
            for c in sorted(baseline, key=order.__getitem__)]
    return out


def _effect_json(mutator: Mutator, effect: Effect) -> JSON:
    return {
        "name": mutator.name,
        "description": mutator.description,
        "trap": mutator.trap,
        "relatedChecks": list(mutator.related_checks),
        "objects": {"groups": effect.groups, "policies": list(dict.fromkeys(effect.policies)), "roles": effect.roles},
        "findings": {check: effect.findings[check] for check in CHECKS if check in effect.findings},
        "uncontrolled": effect.uncontrolled,
        "resolves": list(effect.resolves),
    }


def build_manifest(t: Tenant, applied: Sequence[Mutator], effects: Sequence[Effect], *,
                   policies_scaled: bool = False) -> JSON:
    return {
        "generator": "entra-agents tenant generate",
        "formatVersion": FORMAT_VERSION,
        "seed": t.seed,
        "users": t.size,
        "epoch": iso(EPOCH),
        "tenantId": t.organization["id"],
        "mutators": [m.name for m in applied],
        "checks": list(CHECKS),
        # the policy size knob adds policies whose effect on the checks the generator does not model
        "expected": None if policies_scaled else expected_findings(t, effects),
        "expectedSuggestions": None if policies_scaled else expected_suggestions(t, applied, effects),
        # access review agent: the recommendation each in-scope decision must get (synthetic/reviews_truth.py)
        "expectedAccessDecisions": t.review_expectations,
        "excludedByDesign": {"breakGlass": sorted(t.break_glass), "directorySynchronization": sorted(t.sync_accounts)},
        "mutatorEffects": [_effect_json(m, e) for m, e in zip(applied, effects, strict=True)],
        "managerProperty": t.manager_property,
        "counts": {
            "users": len(t.users), "employees": len(t.employees), "guests": len(t.guests),
            "externalMembers": len(t.external_members),
            "disabled": sum(1 for u in t.users if u.get("accountEnabled") is False),
            "groups": len(t.groups), "directoryRoles": len(t.directory_roles),
            "servicePrincipals": len(t.service_principals), "applications": len(t.applications),
            "conditionalAccessPolicies": len(t.policies), "signIns": len(t.sign_ins),
            "directoryAudits": len(t.audits), "accessReviewDefinitions": len(t.access_reviews),
            "accessReviewDecisions": sum(len(i["decisions"]) for d in t.access_reviews for i in d["instances"]),
        },
    }
