"""Coverage questions: "which users are not protected by MFA?" answered from the check catalogue's findings.

A topic (what the administrator asks about) maps to the coverage check that answers it. The answer is that
check's finding on the tenant as loaded, so chat and `analyze` can never disagree: the users are the finding's
affected users (enabled accounts only, break-glass and sync accounts excluded by design) and the policies are
the ones its evidence names, each with the role it plays (excludes them, applies but does not require enough,
enforces elsewhere).
"""

from __future__ import annotations

from typing import Any

from entra_agents.chat.names import NameIndex, words
from entra_agents.errors import UsageError

SAMPLE = 25  # users listed by name in one answer; the count is always complete

# topic words -> check; the first topic whose words all occur wins, so longer (more specific) topics come first
TOPICS: tuple[tuple[str, str], ...] = (
    ("phishing resistant mfa admin", "COV-04"), ("phishing resistant admin", "COV-04"),
    ("phishing resistant", "COV-02"), ("mfa admin", "COV-03"), ("mfa administrator", "COV-03"),
    ("admin", "COV-03"), ("administrator", "COV-03"), ("azure management", "COV-05"), ("azure", "COV-05"),
    ("guest", "COV-07"), ("legacy", "COV-08"), ("activesync", "COV-08"), ("imap", "COV-08"), ("pop", "COV-08"),
    ("device code", "COV-10"), ("authentication transfer", "COV-11"), ("security info", "COV-12"),
    ("register", "COV-12"), ("risky sign", "COV-14"), ("sign in risk", "COV-14"), ("risky user", "COV-15"),
    ("user risk", "COV-15"), ("high risk user", "COV-15"), ("compliant", "COV-17"), ("managed device", "COV-17"),
    ("unmanaged", "COV-17"), ("unknown platform", "COV-20"), ("app protection", "COV-21"), ("mam", "COV-21"),
    ("mobile app", "COV-21"), ("mfa", "COV-01"), ("multifactor", "COV-01"), ("multi factor", "COV-01"),
    ("2fa", "COV-01"),
)
DEFAULT_CHECK = "COV-01"


def check_for(topic: str) -> str:
    """The coverage check ``topic`` asks about: a check id as written, else the topic table, else MFA."""
    text = topic.strip().upper()
    if text.startswith(("COV-", "EXC-", "HYG-")):
        return text
    said = set(_stems(topic))
    for phrase, check in TOPICS:
        if set(_stems(phrase)) <= said:
            return check
    return DEFAULT_CHECK


def _stems(text: str) -> list[str]:
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words(text.replace("-", " "))]


def policy_roles(finding: Any, index: NameIndex) -> list[dict[str, Any]]:
    """The policies the finding rests on, once each, with why each matters to the gap."""
    roles: dict[str, dict[str, Any]] = {}

    def put(pid: str, role: str, detail: str = "") -> None:
        if pid and pid.lower() not in roles:
            obj = index.get(pid)
            roles[pid.lower()] = {"id": pid.lower(), "displayName": obj.name if obj else pid, "role": role,
                                  "detail": detail}

    for e in finding.evidence:
        if e.get("kind") == "gap":
            for p in e.get("policiesNotApplying", []):
                put(p["id"], "does not apply to them", "; ".join(p.get("details", [])[:2]))
            for p in e.get("policiesInsufficient", []):
                put(p["policy"], "applies but does not require enough", f"grant {p.get('grant', '')}".strip())
            for p in e.get("wouldCloseWhenEnabled", []):
                pid = p.get("policy") or p.get("id", "")
                put(pid, "would close the gap if turned on (report-only or disabled)")
    for pid in finding.affected.policies:
        put(pid, "named by the finding")
    for e in finding.evidence:
        if e.get("kind") == "enforcingPolicies":
            for p in e.get("policies", []):
                put(p["policy"], "enforces the control, but not for them")
    return list(roles.values())


def coverage_gap(state: Any, config: Any, topic: str) -> dict[str, Any]:
    """Who the check behind ``topic`` finds uncovered, and the policies involved."""
    check = check_for(topic)
    finding = state.finding(config, check)
    if finding is None:
        raise UsageError(f"no check {check} in the catalogue; ask about MFA, administrators, legacy authentication, "
                         "device code flow, risky sign-ins or users, managed devices or app protection")
    index: NameIndex = state.index
    users = list(finding.affected.users)
    by_design = [u for e in finding.evidence if e.get("kind") == "excludedByDesign" for u in e.get("users", [])]
    return {
        "check": finding.check, "title": finding.title, "status": finding.status.value,
        "severity": finding.severity.value, "summary": finding.summary, "userCount": len(users),
        "users": [_user(index, u) for u in users[:SAMPLE]],
        "groups": [index.get(g).to_json() if index.get(g) else {"id": g} for g in finding.affected.groups],
        "policies": policy_roles(finding, index),
        "excludedByDesign": [_user(index, u) for u in by_design],
    }


def _user(index: NameIndex, user_id: str) -> dict[str, str]:
    obj = index.get(user_id)
    return {"id": user_id, "displayName": obj.name if obj else "", "userPrincipalName": obj.detail if obj else ""}
