"""Property diffs between two Conditional Access policies: what a `modify_policy` suggestion changes.

A change is one of (paths are dotted Graph property names, e.g. ``conditions.users.excludeGroups``):

- ``{"op": "add", "path": P, "values": [...]}`` and ``{"op": "remove", "path": P, "values": [...]}``: ids added to
  or removed from a list property (Graph's id lists are sets: order carries no meaning);
- ``{"op": "replace", "path": P, "before": X, "after": Y}``: any other value (a scalar, an object that was null,
  a list whose items are not plain strings).

Read-only and bookkeeping properties (ids, timestamps, ``@odata`` annotations) are never part of a diff, so a
diff says exactly what an administrator's write would change.
"""

from __future__ import annotations

import copy
import json
from typing import Any

JSON = dict[str, Any]
Change = dict[str, Any]

IGNORED = frozenset({"id", "createdDateTime", "modifiedDateTime", "templateId", "deletedDateTime"})


class DriftError(ValueError):
    """The policy no longer holds the values a diff was computed from."""


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def property_diff(before: JSON, after: JSON) -> list[Change]:
    """The changes that turn ``before`` into ``after``, in a stable order (document order, then by path)."""
    changes: list[Change] = []
    _diff(before, after, "", changes)
    return changes


def _diff(before: Any, after: Any, path: str, out: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            if (not path and key in IGNORED) or key.startswith("@odata"):
                continue
            _diff(before.get(key), after.get(key), f"{path}.{key}" if path else key, out)
        return
    if _is_id_list(before) and _is_id_list(after) and (before or after):
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        if added:
            out.append({"op": "add", "path": path, "values": added})
        if removed:
            out.append({"op": "remove", "path": path, "values": removed})
        return
    if before != after:
        out.append({"op": "replace", "path": path, "before": copy.deepcopy(before), "after": copy.deepcopy(after)})


def _parent(policy: JSON, path: str, create: bool) -> tuple[JSON, str]:
    *parents, leaf = path.split(".")
    node = policy
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            if not create:
                raise DriftError(f"{path}: the policy has no {key!r} object any more")
            child = node[key] = {}
        node = child
    return node, leaf


def current_value(policy: JSON, path: str) -> Any:
    node: Any = policy
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def check_drift(policy: JSON, changes: list[Change]) -> list[str]:
    """Why ``changes`` no longer apply cleanly to ``policy`` (someone edited it since); empty when they do."""
    problems = []
    for change in changes:
        value = current_value(policy, change["path"])
        if change["op"] == "replace" and value != change["before"]:
            problems.append(f"{change['path']} is now {value!r}, not {change['before']!r}")
        elif change["op"] == "add" and value is not None and not _is_id_list(value):
            problems.append(f"{change['path']} is no longer a list of ids")
        elif change["op"] == "remove" and not set(change["values"]) <= set(value or []):
            missing = sorted(set(change["values"]) - set(value or []))
            problems.append(f"{change['path']} no longer holds {', '.join(missing)}")
    return problems


def apply_changes(policy: JSON, changes: list[Change]) -> JSON:
    """A copy of ``policy`` with ``changes`` applied; ``DriftError`` if they no longer fit it."""
    problems = check_drift(policy, changes)
    if problems:
        raise DriftError("; ".join(problems))
    result = copy.deepcopy(policy)
    for change in changes:
        node, leaf = _parent(result, change["path"], create=True)
        if change["op"] == "replace":
            node[leaf] = copy.deepcopy(change["after"])
        elif change["op"] == "add":
            current = list(node.get(leaf) or [])
            node[leaf] = current + [v for v in change["values"] if v not in current]
        else:
            node[leaf] = [v for v in node.get(leaf) or [] if v not in change["values"]]
    return result


def patch_body(policy: JSON, changes: list[Change]) -> JSON:
    """The Graph PATCH body that makes exactly these changes: each top-level property a change touches, whole
    (Graph replaces a nested object such as ``conditions`` as a unit), with everything else in it unchanged."""
    updated = apply_changes(policy, changes)
    touched = dict.fromkeys(change["path"].split(".")[0] for change in changes)
    return {key: updated[key] for key in touched}


def already_applied(policy: JSON, changes: list[Change]) -> bool:
    """Whether ``policy`` already holds what ``changes`` would make it (an earlier write landed, or someone made the
    same edit): applying again must then write nothing."""
    for change in changes:
        value = current_value(policy, change["path"])
        if change["op"] == "replace" and value != change["after"]:
            return False
        if change["op"] == "add" and not set(change["values"]) <= set(value or []):
            return False
        if change["op"] == "remove" and set(change["values"]) & set(value or []):
            return False
    return True


def same_changes(left: list[Change], right: list[Change]) -> bool:
    """Equal as sets of changes: id lists are sets, so neither the order of changes nor of their values counts."""
    def key(change: Change) -> str:
        values = change.get("values")
        return json.dumps({**change, "values": sorted(values)} if values is not None else change, sort_keys=True)

    return sorted(map(key, left)) == sorted(map(key, right))
