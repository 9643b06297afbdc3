"""What to download from a suggestion: the objects it affects, as rows (CSV or JSON) named from the tenant when
one is open, and its policy as Graph JSON for a policies-as-code repository."""

from __future__ import annotations

import csv
import io
from typing import Any

from entra_agents.graph.snapshot import TenantSnapshot

JSON = dict[str, Any]
COLUMNS = ("kind", "id", "displayName", "userPrincipalName")
# a spreadsheet runs a cell starting with one of these as a formula (CSV injection); tabs and CRs too
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def directory_index(snapshot: TenantSnapshot) -> dict[str, JSON]:
    """Object id (and appId, roleTemplateId: `affected` may use either) -> the object, over what a suggestion
    can name: users, groups, roles, applications, service principals and policies."""
    index: dict[str, JSON] = {}
    for items in (snapshot.users, snapshot.groups, snapshot.directory_roles, snapshot.applications,
                  snapshot.service_principals, snapshot.conditional_access_policies):
        for obj in items:
            for key in ("appId", "roleTemplateId", "id"):  # the object id wins a clash: set last
                if obj.get(key):
                    index[str(obj[key])] = obj
    return index


def names(index: dict[str, JSON]) -> dict[str, str]:
    return {key: str(obj.get("userPrincipalName") or obj.get("displayName") or "") for key, obj in index.items()
            if obj.get("userPrincipalName") or obj.get("displayName")}


def affected_rows(doc: JSON, index: dict[str, JSON] | None = None) -> list[JSON]:
    """One row per affected object: kind and id; displayName and userPrincipalName when ``index`` is given."""
    rows = []
    for kind, ids in (doc.get("affected") or {}).items():
        for object_id in ids:
            row: JSON = {"kind": kind, "id": object_id}
            if index is not None:
                obj = index.get(object_id) or {}
                row["displayName"] = obj.get("displayName")
                row["userPrincipalName"] = obj.get("userPrincipalName")
            rows.append(row)
    return rows


def to_csv(rows: list[JSON], *, named: bool) -> str:
    columns = COLUMNS if named else COLUMNS[:2]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return out.getvalue()


def safe_cell(value: Any) -> str:
    """The cell as text a spreadsheet shows and never evaluates: tenant names are attacker-controlled."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


_SERVER_SET = ("createdDateTime", "modifiedDateTime", "templateId", "deletedDateTime")


def policy_document(doc: JSON) -> JSON:
    """The suggestion's policy as Graph JSON a pipeline can deploy: what POST creates (a new or merged policy,
    report-only) or, for a modification, the whole policy after the change, with its id so it can be PATCHed.
    Properties Graph sets itself are left out."""
    from entra_agents.errors import UsageError

    policy = doc.get("policy")
    if not isinstance(policy, dict):
        raise UsageError(f"suggestion {doc['id']} is a {doc.get('kind')} suggestion and carries no policy; export its "
                         "affected objects with --format csv or json")
    keep_id = doc.get("kind") == "modify_policy"
    return {k: v for k, v in policy.items()
            if k not in _SERVER_SET and not k.startswith("@odata") and (keep_id or k != "id")}
