"""The manifest: what a generated tenant must make the checks report, derived from the mutators' own
knowledge (never from running the Conditional Access engine, which is what the manifest is there to test)."""

from __future__ import annotations

from collections.abc import Sequence

from .mutators import CHECKS, Effect, Mutator
from .state import EPOCH, JSON, Tenant, iso

FORMAT_VERSION = 1


def _expectation(users: list[str]) -> JSON:
    return {"status": "fail" if users else "pass", "affectedUsers": users}


def build_manifest(t: Tenant, applied: Sequence[Mutator], effects: Sequence[Effect]) -> JSON:
    expected = {
        check: _expectation(sorted({u for effect in effects for u in effect.affected.get(check, ())}))
        for check in CHECKS
    }
    return {
        "generator": "entra-agents tenant generate",
        "formatVersion": FORMAT_VERSION,
        "seed": t.seed,
        "users": t.size,
        "epoch": iso(EPOCH),
        "tenantId": t.organization["id"],
        "mutators": [m.name for m in applied],
        "checks": list(CHECKS),
        "expected": expected,
        "excludedByDesign": {"breakGlass": sorted(t.break_glass), "directorySynchronization": sorted(t.sync_accounts)},
        "mutatorEffects": [
            {
                "name": mutator.name,
                "description": mutator.description,
                "trap": mutator.trap,
                "relatedChecks": list(mutator.related_checks),
                "objects": {"groups": effect.groups, "policies": list(dict.fromkeys(effect.policies)),
                            "roles": effect.roles},
                "expected": {check: _expectation(sorted(effect.affected.get(check, []))) for check in CHECKS},
            }
            for mutator, effect in zip(applied, effects, strict=True)
        ],
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
