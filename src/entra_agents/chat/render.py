"""Answers from tool results, by template: every fact in an answer comes from the result it renders.

Objects are cited as "Name (id)" so an administrator (and the grounding scorer) can trace each claim back to
the tenant. A result that asks back (``ambiguous``, ``notFound``) or failed (``error``, a refusal) is rendered
as such, never papered over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entra_agents.suggestions.render import change_lines

Renderer = Callable[[dict[str, Any]], str]


def cite(obj: dict[str, Any]) -> str:
    return f"{obj.get('displayName') or obj.get('id')} ({obj.get('id')})"


def _user(u: dict[str, Any]) -> str:
    upn = f", {u['userPrincipalName']}" if u.get("userPrincipalName") else ""
    return f"{u.get('displayName') or u['id']} ({u['id']}{upn})"


def asked_back(result: dict[str, Any]) -> str | None:
    if "ambiguous" in result:
        a = result["ambiguous"]
        options = "; ".join(f"{c['displayName']} ({c['kind']}, {c['id']})" for c in a["candidates"])
        return f"\"{a['reference']}\" fits several objects: {options}. Which one do you mean? (use the full name or id)"
    if "notFound" in result:
        n = result["notFound"]
        near = "; ".join(cite(c) for c in n["closest"])
        return (f"I found no {' or '.join(n['kinds'])} named \"{n['reference']}\" in this tenant."
                + (f" Did you mean: {near}?" if near else ""))
    return None


def coverage(r: dict[str, Any]) -> str:
    lines = [f"{r['check']} {r['title']}: {r['summary']}"]
    if r["users"]:
        more = f" (first {len(r['users'])} of {r['userCount']})" if r["userCount"] > len(r["users"]) else ""
        lines.append(f"Not protected{more}:")
        lines += [f"- {_user(u)}" for u in r["users"]]
    if r["groups"]:
        lines.append("Through groups: " + ", ".join(cite(g) for g in r["groups"]))
    if r["policies"]:
        lines.append("Policies involved:")
        lines += [f"- {cite(p)}: {p['role']}" + (f" ({p['detail']})" if p.get("detail") else "") for p in r["policies"]]
    if r["excludedByDesign"]:
        lines.append("Not counted (break-glass or sync accounts, excluded by design): "
                     + ", ".join(_user(u) for u in r["excludedByDesign"]))
    return "\n".join(lines)


def what_if(r: dict[str, Any]) -> str:
    s, enforced = r["signIn"], r["outcome"]["enforced"]
    lines = [f"Sign-in of {cite(r['user'])} to {cite(r['app'])}, client {s['clientAppType']}, platform "
             f"{s['devicePlatform']}, location {s['location']}"
             + (f", sign-in risk {s['signInRisk']}" if s.get("signInRisk", "none") != "none" else "")
             + (f", user risk {s['userRisk']}" if s.get("userRisk", "none") != "none" else "") + ":"]
    applying = [p for p in r["policies"] if p["status"] == "applies"]
    if enforced.get("blocked"):
        lines.append("Result: BLOCKED.")
    elif enforced.get("verdict"):
        verdict = enforced["verdict"]
        lines.append("Result: requires " + (" and ".join(verdict) if isinstance(verdict, list) else str(verdict))
                     + f"; MFA guaranteed: {'yes' if enforced.get('guaranteesMfa') else 'no'}.")
    else:
        lines.append("Result: no enforced policy applies; nothing is required.")
    lines.append("Policies that apply:" if applying else "No policy applies.")
    lines += [f"- {cite(p)} ({p['state']})" for p in applying]
    others = [p for p in r["policies"] if p["status"] != "applies" and p["state"] != "disabled"]
    if others:
        lines.append("Policies that do not apply, and why:")
        lines += [f"- {cite(p)}: {'; '.join(p['details'][:2]) or p['status']}" for p in others]
    report_only = r["outcome"].get("reportOnly") or {}
    if report_only.get("policies"):
        lines.append("Report-only policies would add: " + ", ".join(report_only["policies"]))
    return "\n".join(lines)


def policy(r: dict[str, Any]) -> str:
    lines = [f"{cite(r)} is {r['stateMeaning']} (state {r['state']}).",
             f"Users: includes {', '.join(r['users']['include']) or 'nobody'}"
             + (f"; excludes {', '.join(r['users']['exclude'])}" if r["users"]["exclude"] else "")
             + f" ({r['enabledUsersInScope']} enabled users in scope).",
             f"Apps: {', '.join(r['applications']['include']) or ', '.join(r['applications']['userActions']) or 'none'}"
             + (f" except {', '.join(r['applications']['exclude'])}" if r["applications"]["exclude"] else "") + ".",
             f"Requires: {r['grant']}" + (f"; session controls {', '.join(r['session'])}" if r["session"] else "") + "."]
    if r["conditions"]:
        lines.append("Only when: " + "; ".join(r["conditions"]) + ".")
    if r["findings"]:
        lines.append("Findings about it: " + "; ".join(f"{f['check']} {f['title']} ({f['status']})" for f in r["findings"]))
    return "\n".join(lines)


def look_up(r: dict[str, Any]) -> str:
    if not r["matches"]:
        return f"I found nothing named \"{r['reference']}\" in this tenant."
    lines = [f"\"{r['reference']}\" matches {len(r['matches'])} object(s):" if len(r["matches"]) > 1 else ""]
    for m in r["matches"]:
        line = f"- {m['kind']} {cite(m)}"
        if m["kind"] == "user":
            line += (f", {m.get('userPrincipalName')}, {'enabled' if m.get('accountEnabled') else 'disabled'}, "
                     f"{m.get('userType')}; groups: {', '.join(m['groups']) or 'none'}; "
                     f"roles: {', '.join(m['roles']) or 'none'}")
        elif m["kind"] == "group":
            line += f", {m['directMemberCount']} direct members: {', '.join(m['directMembers']) or 'none'}"
        elif m["kind"] == "role":
            line += f", members: {', '.join(m['members']) or 'none'}"
        elif m.get("detail"):
            line += f", {m['detail']}"
        lines.append(line)
    return "\n".join(x for x in lines if x)


def findings(r: dict[str, Any]) -> str:
    if not r["findings"]:
        return "No check fails or needs review."
    lines = [f"{r['total']} checks {' or '.join(r['statuses'])}, most severe first:"]
    lines += [f"- {f['check']} [{f['status']}, {f['severity']}] {f['title']}: {f['summary']}" for f in r["findings"]]
    return "\n".join(lines)


def sign_ins(r: dict[str, Any]) -> str:
    scope = " and ".join(f"{k} {cite(v)}" for k, v in r["scope"].items())
    head = f"Sign-ins{' of ' + scope if scope else ''}: {r['signIns']} recorded"
    if not r["signIns"]:
        return head + "; there is nothing to summarise."
    lines = [head + f" from {r['from']} to {r['to']}; results {r['results']}; Conditional Access "
             f"{r['conditionalAccess']}; {r['risky']} at medium or high risk."]
    for key, label in (("byApp", "apps"), ("byClient", "clients"), ("byPlatform", "platforms"), ("byUser", "users")):
        if r[key]:
            lines.append(f"Top {label}: " + ", ".join(f"{k} ({n})" for k, n in r[key]))
    lines += [f"- failed: {f['user']} to {f['app']} at {f['at']}: {f['reason']}" for f in r["failures"]]
    return "\n".join(lines)


def reviews(r: dict[str, Any]) -> str:
    if not r["reviews"]:
        return "This tenant has no access reviews" + (f" matching \"{r['filter']}\"." if r["filter"] else ".")
    lines = [f"{r['total']} access review(s):"]
    for v in r["reviews"]:
        cur = v["current"] or {}
        lines.append(f"- {cite(v)}: {v['status']}; current instance {cur.get('status', 'none')} "
                     f"({cur.get('start')} to {cur.get('end')}); decisions {v['decisions']}; "
                     f"{v['pending']} pending; recommendations {v['recommendations']}")
    return "\n".join(lines)


def _suggestion_line(s: dict[str, Any]) -> str:
    rank = f"{s['rank']}. " if s.get("rank") else ""
    return (f"{rank}[{s['priority']}] {s['title']} ({s['check']}, {s['kind']}, {s['users']} users) "
            f"id {s['id']}")


def suggestion_list(r: dict[str, Any]) -> str:
    if not r["suggestions"]:
        return ("There are no such suggestions for this tenant. Run the optimization agent first: "
                "`entra-agents run ca-optimizer --tenant ...`.")
    return "\n".join([f"{r['total']} suggestions, ranked by {r['ranking']}:",
                      *(f"- {_suggestion_line(s)}" for s in r["suggestions"])])


def suggestion(r: dict[str, Any]) -> str:
    lines = [_suggestion_line(r), f"Closes: {', '.join(c for c in r['closes'] if c)}.", r.get("summary") or ""]
    if r["why"]:
        lines.append("Why this policy: " + "; ".join(r["why"]) + ".")
    if r["alternatives"]:
        lines.append("Why not another policy:")
        lines += [f"- {cite(p)}: {p['role']}" + (f" ({p['detail']})" if p.get("detail") else "")
                  for p in r["alternatives"]]
    if r["changes"]:
        lines.append("Changes: " + "; ".join(change_lines(r["changes"])))
    if r["usersSample"]:
        lines.append("Protects: " + ", ".join(r["usersSample"]))
    if r["policies"]:
        lines.append("Policies: " + ", ".join(r["policies"]))
    return "\n".join(x for x in lines if x)


def proposal(r: dict[str, Any]) -> str:
    s = r["suggestion"]
    what = ", ".join(f"{o['kind']} {cite(o)}" for o in r["objects"])
    lines = [f"Proposed change to suggestion {s.get('rank') or ''} {s['title']} ({s['id']}): "
             f"{r['action'].replace('_', ' ')} {what}.".replace("suggestion  ", "suggestion ")]
    lines += [f"  {line}" for line in change_lines(r["diff"])]
    if r["problems"]:
        lines.append("Refused by the engine's safety checks: " + "; ".join(r["problems"]))
    elif r.get("token"):
        lines.append(f"Reply confirm to update the suggestion (token {r['token']}), or cancel. "
                     "The tenant is not changed either way.")
    else:
        lines.append(r.get("note", ""))
    return "\n".join(lines)


def confirmation(r: dict[str, Any]) -> str:
    s = r["suggestion"]
    return "\n".join([f"Updated suggestion {s['title']} ({s['id']}):", *(f"  {x}" for x in change_lines(r["diff"])),
                      r["note"]])


RENDERERS: dict[str, Renderer] = {
    "CoverageGaps": coverage, "WhatIf": what_if, "ExplainPolicy": policy, "LookUpObject": look_up,
    "ListFindings": findings, "SignInSummary": sign_ins, "AccessReviewStatus": reviews,
    "ListSuggestions": suggestion_list, "ExplainSuggestion": suggestion, "ProposeSuggestionEdit": proposal,
    "ConfirmSuggestionEdit": confirmation,
}


def render(skill: str, value: Any) -> str:
    if not isinstance(value, dict):
        return f"{skill} did not answer: {value}"
    if "error" in value:
        return f"I could not answer that: {value['error']}"
    back = asked_back(value)
    if back is not None:
        return back
    renderer = RENDERERS.get(skill)
    return renderer(value) if renderer else str(value)
