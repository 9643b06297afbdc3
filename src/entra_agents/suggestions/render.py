"""A suggestion as an administrator reads it in a terminal: description, policy, changes, who is affected,
impact, history and notes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

JSON = dict[str, Any]
SHOWN_IDS = 20  # per kind of affected object: enough to recognise, `suggestions export` gives them all


def change_lines(changes: list[JSON], names: Mapping[str, str] | None = None) -> list[str]:
    """``+ path: ids`` added, ``- path: ids`` removed, ``~ path: before -> after`` replaced."""
    def ids(values: list[str]) -> str:
        return ", ".join(_named(v, names) for v in values)

    lines = []
    for c in changes:
        if c["op"] == "add":
            lines.append(f"+ {c['path']}: {ids(c['values'])}")
        elif c["op"] == "remove":
            lines.append(f"- {c['path']}: {ids(c['values'])}")
        elif c["op"] == "replace":
            lines.append(f"~ {c['path']}: {_compact(c['before'])} -> {_compact(c['after'])}")
        elif c["op"] == "create":
            lines.append(f"+ new policy, state {c.get('state', 'enabledForReportingButNotEnforced')}")
    return lines


def show_lines(doc: JSON, names: Mapping[str, str] | None = None) -> list[str]:
    out = [f"{doc.get('title')}",
           f"  id {doc['id']}  kind {doc.get('kind')}  check {doc.get('check') or '-'}  "
           f"priority {doc.get('priority')}  status {doc.get('status')}"
           + (f" until {doc['snoozedUntil']}" if doc.get("snoozedUntil") else ""),
           f"  created {doc.get('created')} by run {doc.get('runId')}"]
    for key, label in (("createdPolicyId", "created policy"), ("appliedPolicyId", "applied to policy"),
                       ("targetPolicyId", "target policy")):
        if doc.get(key):
            out.append(f"  {label} {_named(doc[key], names)}")
    if doc.get("targetPolicyIds"):
        out.append(f"  merges policies {', '.join(_named(p, names) for p in doc['targetPolicyIds'])}")
    out += ["", "Rationale", *_indent(str(doc.get("rationale") or "(none)"))]
    if doc.get("kind") == "modify_policy" and doc.get("changes"):
        out += ["", "Changes", *_indent("\n".join(change_lines(doc["changes"], names)))]
    if doc.get("policy"):
        title = "Policy after the change" if doc.get("kind") == "modify_policy" else "Policy"
        out += ["", title, *_indent(json.dumps(doc["policy"], indent=2, ensure_ascii=False))]
    out += ["", "Affected", *affected_lines(doc.get("affected") or {}, names)]
    if doc.get("impact"):
        out += ["", "Impact (had it been enabled, over the look-back window's sign-ins)", *impact_lines(doc["impact"])]
    if doc.get("rollout"):
        out += ["", "Rollout", *_indent(json.dumps(doc["rollout"], indent=2, ensure_ascii=False))]
    out += ["", "History"]
    out += [f"  {h['at']}  {h['action']:<14} {h['by']}" + (f": {h['detail']}" if h.get("detail") else "")
            for h in doc.get("history", [])] or ["  (no actions yet)"]
    if doc.get("notes"):
        out += ["", "Notes", *(f"  {n['at']}  {n['by']}: {n['text']}" for n in doc["notes"])]
    return out


def affected_lines(affected: Mapping[str, list[str]], names: Mapping[str, str] | None = None) -> list[str]:
    lines = []
    for kind, ids in affected.items():
        if not ids:
            continue
        shown = ", ".join(_named(i, names) for i in ids[:SHOWN_IDS])
        more = f" … and {len(ids) - SHOWN_IDS} more (`suggestions export`)" if len(ids) > SHOWN_IDS else ""
        lines.append(f"  {kind}: {len(ids)}: {shown}{more}")
    return lines or ["  none"]


def impact_lines(impact: Mapping[str, Any]) -> list[str]:
    window = impact.get("window") or {}
    lines = [f"  sign-ins evaluated {impact.get('signInsEvaluated', 0)} "
             f"({window.get('from', '?')} to {window.get('to', '?')}), affected {impact.get('signInsAffected', 0)}, "
             f"blocked {impact.get('signInsBlocked', 0)}, needing new controls "
             f"{impact.get('signInsRequiringNewControls', 0)}, already enforced "
             f"{impact.get('signInsAlreadyEnforced', 0)}"]
    if impact.get("users") is not None:
        lines.append(f"  users affected {len(impact.get('users') or [])}, apps {len(impact.get('apps') or [])}")
    return lines


def _named(object_id: str, names: Mapping[str, str] | None) -> str:
    name = (names or {}).get(object_id)
    # tenant display names are untrusted text: quoted with repr so control characters cannot reshape the output
    return f"{object_id} ({name!r})" if name else object_id


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _indent(text: str) -> list[str]:
    return ["  " + line for line in text.splitlines()]
