"""Text rendering of a `whatif` result (the JSON document from ``outcome.evaluation_json``)."""

from __future__ import annotations

from typing import Any

STATE = {"enabled": "enabled", "enabledForReportingButNotEnforced": "report-only", "disabled": "disabled"}
MARK = {"applies": "APPLIES", "doesNotApply": "-", "notEnoughInformation": "UNDECIDED"}


def _who(signin: dict[str, Any], snapshot: Any) -> str:
    if "servicePrincipal" in signin:
        sp = next((s for s in snapshot.service_principals if str(s.get("id")).lower() == signin["servicePrincipal"]),
                  {})
        return f"service principal {sp.get('displayName', '?')} ({signin['servicePrincipal']})"
    return "user"


def _signin_line(doc: dict[str, Any], snapshot: Any, user_label: str) -> str:
    s = doc["signIn"]
    target = (f"user action {s['userAction']}" if "userAction" in s else f"resource {s['application'] or '(none)'}")
    if "authenticationContexts" in s:
        target += f" + auth context {', '.join(s['authenticationContexts'])}"
    parts = [f"client {s['clientAppType']}", f"platform {s['devicePlatform']}", f"location {s['location']}"]
    for key in ("ipAddress", "country", "authenticationFlow", "device"):
        if s.get(key):
            parts.append(f"{key} {s[key]}")
    risks = [f"{k} {s[k]}" for k in ("signInRisk", "userRisk", "insiderRisk", "servicePrincipalRisk")
             if s.get(k, "none") != "none"]
    who = user_label if "servicePrincipal" not in s else _who(s, snapshot)
    return f"Sign-in: {who} -> {target}; " + "; ".join(parts + risks)


def _outcome_lines(title: str, outcome: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines = [f"{title}:"]
    if not outcome["policies"] and not outcome["notEnoughInformation"]:
        return [*lines, "  no policy applies: nothing is required"]
    if outcome["blocked"]:
        lines.append(f"  BLOCKED by {', '.join(names.get(p, p) for p in outcome['blockedBy'])}")
    for req in outcome["requirements"]:
        options = " OR ".join(" AND ".join(o) for o in req["options"])
        lines.append(f"  requires {options}  ({req['displayName']})")
        for strength in req["authenticationStrengths"]:
            kind = "multi-factor" if strength["multiFactor"] else "NOT multi-factor"
            lines.append(f"    strength {strength['displayName']!r}: {kind}; allows "
                         f"{', '.join(strength['allowedCombinations']) or '(unresolved)'}")
        for bad in req["unsatisfiable"] + req["deviceCannotSatisfy"]:
            lines.append(f"    cannot satisfy {bad['control']}: {bad['reason']}")
    if outcome["effectivelyBlocked"] and not outcome["blocked"]:
        lines.append("  EFFECTIVELY BLOCKED: " + "; ".join(outcome["effectivelyBlockedBecause"]))
    if outcome["blockedOnThisDevice"] and not outcome["effectivelyBlocked"]:
        lines.append("  REFUSED ON THIS DEVICE: its state meets no option of some requirement")
    if outcome["requirements"] and not outcome["effectivelyBlocked"]:
        lines.append(f"  MFA guaranteed: {'yes' if outcome['guaranteesMfa'] else 'no'}")
    for name, value in outcome["sessionControls"].items():
        shown = {k: v for k, v in value.items() if k not in ("policy", "policies")}
        lines.append(f"  session {name}: {shown}")
    if outcome["notEnoughInformation"]:
        lines.append(f"  INCOMPLETE: may also apply (not enough information): {', '.join(outcome['notEnoughInformation'])}")
    return lines


def print_text(doc: dict[str, Any], snapshot: Any) -> None:
    uid = doc["signIn"].get("user", "")
    user = next((u for u in snapshot.users if str(u.get("id")).lower() == uid), {})
    user_label = f"user {user.get('userPrincipalName') or uid} ({uid})"
    print(f"Tenant {doc['tenant']['displayName']} ({doc['tenant']['id']})")
    print(_signin_line(doc, snapshot, user_label))
    print()
    print("Policies:")
    for p in doc["policies"]:
        state = STATE.get(p["state"], p["state"])
        print(f"  {MARK[p['status']]:<10}{state:<12}{p['displayName']} ({p['id']})")
        reasons = ", ".join(p["analysisReasons"])
        if reasons:
            print(f"  {'':22}reasons: {reasons}")
        for detail in p["details"]:
            print(f"  {'':22}- {detail}")
    print()
    names = {p["id"]: f"{p['displayName']} ({p['id']})" for p in doc["policies"]}
    for line in _outcome_lines("Outcome (enforced policies)", doc["outcome"]["enforced"], names):
        print(line)
    report_only = doc["outcome"]["reportOnly"]
    if report_only["policies"] or report_only["notEnoughInformation"]:
        print()
        for line in _outcome_lines("Report-only policies would add", report_only, names):
            print(line)
    for note in doc.get("notes", ()):
        print(f"note: {note}")
