"""Writing a suggestion to the tenant, and turning the report-only policy it made on.

Planning reads the tenant and decides everything; executing does exactly the planned write and reads it back.
The split lets the CLI show the administrator the plan, ask, and only then write. Rules enforced here, not in
the CLI, so every caller gets them:

- a new policy is created report-only (or off, for user-action policies, which cannot be report-only), never on;
  one that already exists (created earlier for this suggestion, or with the same displayName) is reused;
- a modification is refused if the policy drifted from what the suggestion was computed against, and may not
  touch ``state`` (turning a policy on is :func:`plan_enable`, a separate action with its own confirmation);
- a write reaches only the tenant the suggestion was made for.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from entra_agents.errors import UsageError
from entra_agents.suggestions.diff import (
    already_applied,
    check_drift,
    patch_body,
    property_diff,
    same_changes,
)
from entra_agents.suggestions.render import change_lines

JSON = dict[str, Any]
POLICIES = "/identity/conditionalAccess/policies"
REPORT_ONLY = "enabledForReportingButNotEnforced"
READ_ONLY = ("id", "createdDateTime", "modifiedDateTime", "templateId", "deletedDateTime")
Operation = Literal["create", "reuse", "patch", "enable", "none"]


class ApplyRefused(UsageError):
    """The suggestion cannot be written as it stands; nothing was written."""


@dataclass(frozen=True)
class Plan:
    operation: Operation
    policy_id: str | None
    policy_name: str
    lines: tuple[str, ...]
    """What will happen, shown before the administrator confirms."""
    body: JSON | None = None
    before: JSON | None = None
    """The policy as read while planning (patch, enable): the read-back is checked against it."""
    after_notes: tuple[str, ...] = ()

    @property
    def writes(self) -> bool:
        return self.operation in ("create", "patch", "enable")


@dataclass(frozen=True)
class Outcome:
    policy_id: str
    detail: str
    """One line for the history entry and the terminal."""
    problems: tuple[str, ...] = ()
    """Where the policy read back after the write differs from the plan (the write landed; look at it)."""


async def check_tenant(client: Any, expected_tenant_id: str, suggestion_id: str, label: str) -> None:
    from entra_agents.graph.client import get_json

    orgs = (await get_json(client, "/organization")).get("value") or [{}]
    actual = str(orgs[0].get("id", ""))
    if actual != expected_tenant_id:
        raise ApplyRefused(f"suggestion {suggestion_id} was made for tenant {expected_tenant_id}, but {label} is "
                           f"tenant {actual or 'unknown'}; nothing was written. Use the --tenant it was made for")


async def plan_apply(client: Any, doc: JSON) -> Plan:
    kind = doc.get("kind")
    if kind in ("new_policy", "consolidate_policies"):
        return await _plan_create(client, doc)
    if kind == "modify_policy":
        return await _plan_modify(client, doc)
    raise ApplyRefused(f"suggestion {doc['id']} is a {kind} suggestion: there is nothing to write. "
                       + _INSTEAD.get(str(kind), "Mark it reviewed or dismiss it when you have acted on it"))


_INSTEAD = {
    "phased_rollout": "Follow its phases (`entra-agents suggestions show ID`): widen the report-only policy's "
                      "users one phase at a time, then `suggestions enable` it; mark it reviewed when done",
    "policy_review": "Read its report and the policy's sign-ins, fix the policy in the Entra admin center if "
                     "needed, then `suggestions mark-reviewed ID`",
    "access_decision": "Access review decisions are recorded by the reviewer in the access review itself",
}


async def _plan_create(client: Any, doc: JSON) -> Plan:
    from entra_agents.conditional_access.remediation import validate_report_only_policy
    from entra_agents.graph.client import GraphRequestError, get_collection, get_json

    policy = doc.get("policy")
    if not isinstance(policy, dict):
        raise ApplyRefused(f"suggestion {doc['id']} has no policy to create; re-run the agent")
    body = {k: copy.deepcopy(v) for k, v in policy.items() if k not in READ_ONLY and not k.startswith("@odata")}
    problems = validate_report_only_policy(body)
    if problems:
        raise ApplyRefused(f"suggestion {doc['id']}: its policy would not be created report-only: "
                           f"{'; '.join(problems)}; nothing was written")
    name = str(body["displayName"])
    after = _originals_note(doc)
    existing = None
    if doc.get("createdPolicyId"):
        try:
            existing = await get_json(client, f"{POLICIES}/{doc['createdPolicyId']}")
        except GraphRequestError as exc:
            if exc.status != 404:
                raise
    if existing is None:
        existing = next((p for p in await get_collection(client, POLICIES) if p.get("displayName") == name), None)
    if existing is not None:
        differs = property_diff(body, existing)
        lines = [f'policy "{name}" already exists ({existing["id"]}, state {existing.get("state")}): it is '
                 "reused, not created again"]
        if differs:
            lines.append(f"  note: it differs from the suggested policy in {len(differs)} place(s):")
            lines += [f"    {line}" for line in change_lines(differs)]
        return Plan("reuse", existing["id"], name, tuple(lines), after_notes=after)
    lines = [f'create policy "{name}" in state {body["state"]} (it enforces nothing until you enable it)',
             f"  POST {POLICIES}"]
    return Plan("create", None, name, tuple(lines), body=body, after_notes=after)


def _originals_note(doc: JSON) -> tuple[str, ...]:
    originals = doc.get("targetPolicyIds") or []
    if doc.get("kind") != "consolidate_policies" or not originals:
        return ()
    return (f"the policies it merges are untouched: {', '.join(originals)}. Compare their results with the merged "
            "policy's report-only results, then turn them off yourself in the Entra admin center",)


async def _plan_modify(client: Any, doc: JSON) -> Plan:
    changes = doc.get("changes") or []
    target = doc.get("targetPolicyId")
    if not target or not changes:
        raise ApplyRefused(f"suggestion {doc['id']} names no policy or no changes; re-run the agent")
    touching_state = [c for c in changes if c["path"] == "state" or c["path"].startswith("state.")]
    if touching_state:
        raise ApplyRefused(f"suggestion {doc['id']} would change the policy's state; applying never turns a policy "
                           "on or off. Change the state in the Entra admin center, or apply a report-only "
                           "suggestion and use `entra-agents suggestions enable`; nothing was written")
    current = await _read_policy(client, target, doc["id"])
    name = str(current.get("displayName", target))
    if already_applied(current, changes):
        return Plan("none", target, name, (f'policy "{name}" ({target}) already holds these changes; nothing to '
                                           "write",), before=current)
    drift = check_drift(current, changes)
    if drift:
        raise ApplyRefused(f'suggestion {doc["id"]}: policy "{name}" ({target}) was changed since the agent '
                           f"computed this suggestion: {'; '.join(drift)}. Nothing was written; re-run the agent "
                           "for a suggestion that fits the policy as it is now")
    body = patch_body(current, changes)
    lines = [f'change policy "{name}" ({target}), state {current.get("state")} (unchanged):',
             *(f"  {line}" for line in change_lines(changes)),
             f"  PATCH {POLICIES}/{target} with {', '.join(body)}"]
    if current.get("state") == "enabled":
        lines.append("  the policy is on: the change takes effect for sign-ins as soon as it is written")
    return Plan("patch", target, name, tuple(lines), body=body, before=current)


def lockout_problems(snapshot: Any, config: Any, plan: Plan) -> list[str]:
    """The lockout check again, on the tenant as it is now: since the agent vetted the suggestion, the directory,
    the policies or the break-glass settings may have changed, and the write must still not lock anyone out."""
    from entra_agents.conditional_access.remediation import check_lockout
    from entra_agents.conditional_access.suggest.trial import modify_problems, with_policy

    if plan.operation == "create" and plan.body is not None:
        return check_lockout(snapshot, config, plan.body)
    if plan.operation == "patch" and plan.before is not None and plan.body is not None:
        after = {**plan.before, **plan.body}
        return modify_problems(with_policy(snapshot, after), config, after)
    return []


async def plan_enable(client: Any, doc: JSON) -> Plan:
    policy_id = doc.get("createdPolicyId") or doc.get("appliedPolicyId")
    if not policy_id:
        raise ApplyRefused(f"suggestion {doc['id']} has no policy to turn on: apply it first "
                           f"(`entra-agents suggestions apply {doc['id'][:8]} --tenant T`)")
    current = await _read_policy(client, policy_id, doc["id"])
    name = str(current.get("displayName", policy_id))
    state = current.get("state")
    if state == "enabled":
        return Plan("none", policy_id, name, (f'policy "{name}" ({policy_id}) is already on; nothing to write',))
    if state != REPORT_ONLY:
        raise ApplyRefused(f'policy "{name}" ({policy_id}) is {state!r}, not report-only; `enable` turns on only a '
                           "report-only policy, after its report-only results were reviewed. Check the policy in "
                           "the Entra admin center; nothing was written")
    lines = [f'turn on policy "{name}" ({policy_id}): state {REPORT_ONLY} -> enabled',
             "  it will then block or challenge sign-ins: check its report-only results first (sign-in logs, "
             "Conditional Access insights), and that break-glass accounts are excluded",
             f"  PATCH {POLICIES}/{policy_id} with state"]
    return Plan("enable", policy_id, name, tuple(lines), body={"state": "enabled"}, before=current)


async def execute(client: Any, plan: Plan) -> Outcome:
    """Do the planned write (if any) and read the policy back to confirm it."""
    from entra_agents.graph.client import patch_json, post_json

    if plan.operation == "create":
        assert plan.body is not None
        created = await post_json(client, POLICIES, plan.body)
        return Outcome(created["id"], f'created policy "{plan.policy_name}" ({created["id"]}) in state '
                                      f'{created.get("state")}')
    assert plan.policy_id is not None
    if plan.operation in ("reuse", "none"):
        return Outcome(plan.policy_id, plan.lines[0])
    assert plan.body is not None and plan.before is not None
    await patch_json(client, f"{POLICIES}/{plan.policy_id}", plan.body)
    after = await _read_policy(client, plan.policy_id, "")
    expected = property_diff(plan.before, {**plan.before, **plan.body})
    actual = property_diff(plan.before, after)  # ignores modifiedDateTime, which Graph sets on every write
    problems = () if same_changes(actual, expected) else (
        "the policy read back differs from the planned change: " + "; ".join(change_lines(actual)),)
    verb = "turned on" if plan.operation == "enable" else "changed"
    return Outcome(plan.policy_id, f'{verb} policy "{plan.policy_name}" ({plan.policy_id}): '
                                   f"{len(expected)} change(s)", problems)


async def _read_policy(client: Any, policy_id: str, suggestion_id: str) -> JSON:
    from entra_agents.graph.client import GraphRequestError, get_json

    try:
        return await get_json(client, f"{POLICIES}/{policy_id}")
    except GraphRequestError as exc:
        if exc.status == 404:
            whose = f"suggestion {suggestion_id}: " if suggestion_id else ""
            raise ApplyRefused(f"{whose}policy {policy_id} no longer exists in the tenant; nothing was written. "
                               "Re-run the agent, or dismiss the suggestion") from None
        raise
