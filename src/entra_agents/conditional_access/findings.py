"""A check's result on one tenant. The JSON shape is a public contract (DESIGN: findings JSON):
field names are stable and changes are additive only."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFORMATIONAL = "informational"


AFFECTED_KINDS = ("users", "groups", "roles", "apps", "servicePrincipals", "policies")


@dataclass(frozen=True)
class Affected:
    """Object ids per kind. Disabled accounts are never listed: they cannot sign in, so they are no gap."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    service_principals: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        values = (self.users, self.groups, self.roles, self.apps, self.service_principals, self.policies)
        return {kind: sorted(set(ids)) for kind, ids in zip(AFFECTED_KINDS, values, strict=True)}


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    severity: Severity
    title: str
    summary: str
    affected: Affected = Affected()
    evidence: tuple[dict[str, Any], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status.value,
            "severity": self.severity.value,
            "title": self.title,
            "summary": self.summary,
            "affected": self.affected.to_json(),
            "evidence": [dict(e) for e in self.evidence],
        }
