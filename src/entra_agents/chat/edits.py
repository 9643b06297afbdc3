"""Editing a suggestion's users, groups and roles through chat, in two steps, as Microsoft's agent does.

Step 1 (``propose``) computes the edited policy, re-vets it with the engine (lockout, break-glass and sync
accounts still excluded) and records a ``pending_edit`` trace event in the turn's run; nothing is written. Its
token is ``RUNID:DIGEST``. Step 2 (``confirm``), in a later turn, reads that event back, checks the suggestion
has not changed since, recomputes and re-vets the edit on the tenant as loaded now, and updates the SUGGESTION in
the store (policy, changes, a history entry). The tenant is never written here: an administrator applies the
edited suggestion with `suggestions apply`. Applications cannot be edited (nor can they in Microsoft's chat).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from entra_agents.chat.names import NameIndex
from entra_agents.chat.policies import resolve_one
from entra_agents.chat.suggestions import brief, resolve
from entra_agents.errors import UsageError

ACTIONS = ("exclude", "include", "remove_exclusion", "remove_inclusion")
FIELD = {"user": "Users", "group": "Groups", "role": "Roles"}
EDITABLE = ("new_policy", "modify_policy")
EVENT = "pending_edit"


@dataclass(frozen=True)
class Edit:
    suggestion_id: str
    action: str
    object_ids: tuple[str, ...]  # resolved, with their kinds in the index


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def edited_policy(policy: dict[str, Any], edit: Edit, index: NameIndex) -> dict[str, Any]:
    out = copy.deepcopy(policy)
    users = out.setdefault("conditions", {}).setdefault("users", {})
    for oid in edit.object_ids:
        obj = index.get(oid)
        if obj is None or obj.kind not in FIELD:
            raise UsageError(f"{oid}: only users, groups and roles can be edited in a suggestion")
        include, exclude = f"include{FIELD[obj.kind]}", f"exclude{FIELD[obj.kind]}"
        add_to, drop_from = {"exclude": (exclude, include), "include": (include, exclude),
                             "remove_exclusion": (None, exclude), "remove_inclusion": (None, include)}[edit.action]
        if drop_from:
            users[drop_from] = [v for v in users.get(drop_from) or [] if str(v).lower() != oid]
        if add_to and oid not in {str(v).lower() for v in users.get(add_to) or []}:
            users[add_to] = [*(users.get(add_to) or []), oid]
    return out


def _vet(state: Any, config: Any, doc: dict[str, Any], after: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """(problems, changes against the tenant's policy as it is now) for the edited policy."""
    from entra_agents.conditional_access.remediation import check_lockout
    from entra_agents.conditional_access.suggest.trial import (
        modify_problems,
        with_policy,
    )
    from entra_agents.suggestions.diff import property_diff

    if doc.get("kind") == "new_policy":
        return check_lockout(state.snapshot, config, after), list(doc.get("changes") or [])
    target = str(doc.get("targetPolicyId") or "").lower()
    current = next((p for p in state.snapshot.conditional_access_policies if str(p.get("id")).lower() == target), None)
    if current is None:
        return [f"the policy {target} no longer exists in the tenant"], []
    return modify_problems(with_policy(state.snapshot, after), config, after), property_diff(current, after)


def _plan(state: Any, config: Any, doc: dict[str, Any], edit: Edit) -> dict[str, Any]:
    from entra_agents.suggestions.diff import property_diff

    if doc.get("kind") not in EDITABLE or not isinstance(doc.get("policy"), dict):
        raise UsageError(f"suggestion {doc['id'][:8]} is a {doc.get('kind')}: only new-policy and modify-policy "
                         "suggestions have users to edit")
    if doc.get("status") not in ("open", "reviewed"):
        raise UsageError(f"suggestion {doc['id'][:8]} is {doc.get('status')}; only open or reviewed suggestions "
                         "can be edited")
    after = edited_policy(doc["policy"], edit, state.index)
    diff = property_diff(doc["policy"], after)
    problems, changes = _vet(state, config, doc, after)
    return {"after": after, "diff": diff, "problems": problems, "changes": changes}


def propose(ctx: Any, state: Any, config: Any, suggestion: str, action: str, objects: list[str]) -> dict[str, Any]:
    if action not in ACTIONS:
        raise UsageError(f"action {action!r}: use one of {', '.join(ACTIONS)}")
    rank, doc = resolve(ctx.store, ctx.tenant_id, suggestion)
    resolved = [resolve_one(state.index, name, ("user", "group", "role"), "object") for name in objects]
    if not resolved:
        raise UsageError("name the users, groups or roles to include or exclude")
    edit = Edit(doc["id"], action, tuple(o.id for o in resolved))
    plan = _plan(state, config, doc, edit)
    result = {"suggestion": brief(doc, rank), "action": action, "objects": [o.to_json() for o in resolved],
              "diff": plan["diff"], "changes": plan["changes"], "problems": plan["problems"]}
    if not plan["diff"]:
        return result | {"token": None, "note": "the suggestion already has this; nothing to change"}
    if plan["problems"]:
        return result | {"token": None, "note": "refused: the edited policy failed the engine's safety checks"}
    token = f"{ctx.run_id}:{_digest([edit.suggestion_id, action, edit.object_ids])}"
    ctx.tracer.event(EVENT, token=token, suggestionId=doc["id"], action=action, objects=list(edit.object_ids),
                     basis=_digest(doc["policy"]))
    return result | {"token": token}


def pending(ctx: Any, token: str) -> dict[str, Any]:
    run_id, sep, _ = token.strip().partition(":")
    if not sep:
        raise UsageError(f"{token!r} is not a confirmation token; it looks like RUNID:DIGEST")
    if run_id == ctx.run_id:
        raise UsageError("a change is confirmed in a later message than the one that proposed it; reply 'confirm'")
    try:
        events = ctx.store.trace(run_id)
    except Exception as exc:
        raise UsageError(f"no pending change {token}: {exc}") from exc
    event = next((e for e in events if e["kind"] == EVENT and e.get("token") == token.strip()), None)
    if event is None:
        raise UsageError(f"no pending change with token {token}; propose the change again")
    return event


def confirm(ctx: Any, state: Any, config: Any, token: str, by: str) -> dict[str, Any]:
    from entra_agents.suggestions.lifecycle import iso

    event = pending(ctx, token)
    _, doc = resolve(ctx.store, ctx.tenant_id, event["suggestionId"])
    if _digest(doc.get("policy")) != event["basis"]:
        raise UsageError(f"suggestion {doc['id'][:8]} changed after this edit was proposed; propose it again")
    edit = Edit(doc["id"], event["action"], tuple(event["objects"]))
    plan = _plan(state, config, doc, edit)
    if plan["problems"]:
        raise UsageError("the edit no longer passes the safety checks: " + "; ".join(plan["problems"]))
    names = ", ".join(state.index.cite(o) for o in edit.object_ids)
    detail = f"edited through chat: {edit.action.replace('_', ' ')} {names} (token {token})"

    def change(current: dict[str, Any], at: Any) -> dict[str, Any]:
        if _digest(current.get("policy")) != event["basis"]:
            raise UsageError(f"suggestion {doc['id'][:8]} changed while confirming; propose the edit again")
        history = [*current.get("history", []), {"action": "edit", "at": iso(at), "by": by, "detail": detail}]
        return {**current, "policy": plan["after"], "changes": plan["changes"], "history": history}

    stored = ctx.store.change_suggestion(doc["id"], change)
    ctx.tracer.event("suggestion_edited", id=doc["id"], action=edit.action, objects=list(edit.object_ids))
    return {"suggestion": brief(stored, None), "diff": plan["diff"], "changes": plan["changes"], "applied": True,
            "note": "the suggestion was updated in the store; the tenant is unchanged until an administrator "
                    f"runs `entra-agents suggestions apply {doc['id'][:8]} --tenant ...`"}
