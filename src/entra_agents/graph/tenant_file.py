"""Load and validate a tenant file (DESIGN: "Contracts: Tenant file").

The shape is checked with JSON Schema (``tenant_file.schema.json``, shipped next to this module) and the
cross-references (unique ids, resolvable ``members``) in Python, because JSON Schema cannot express them.
Every problem becomes one ``ContentError`` line: ``FILE: FIELD: PROBLEM; FIX``.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from entra_agents.errors import ContentError
from entra_agents.graph.snapshot import COLLECTIONS

JSON = dict[str, Any]

TOP_LEVEL_KEYS = ("organization", "asOf", "securityDefaults", *COLLECTIONS)

# Which collections a ``members`` id may point into, with the @odata.type Graph gives such a member.
MEMBER_TYPES = {
    "users": "#microsoft.graph.user",
    "groups": "#microsoft.graph.group",
    "servicePrincipals": "#microsoft.graph.servicePrincipal",
}

_SINGULAR = {
    "users": "user",
    "groups": "group",
    "directoryRoles": "directory role",
    "servicePrincipals": "service principal",
    "applications": "application",
    "conditionalAccessPolicies": "Conditional Access policy",
    "namedLocations": "named location",
    "authenticationStrengthPolicies": "authentication strength policy",
    "signIns": "sign-in",
    "directoryAudits": "directory audit",
    "accessReviews": "access review definition",
    "lifecycleWorkflows": "lifecycle workflow",
    "accessPackageAssignmentRequests": "access package assignment request",
    "instances": "access review instance",
    "decisions": "access review decision",
    "organization": "organization",
}

_REQUIRED_FIX = {
    ("", "organization"): "start the file with 'organization: {id: TENANT_ID, displayName: NAME}'",
    ("organization", "id"): "copy the tenant id from GET /organization",
    ("organization", "displayName"): "copy displayName from GET /organization",
    ("securityDefaults", "isEnabled"): "set true or false as GET /policies/identitySecurityDefaultsEnforcementPolicy returns it",
    ("directoryRoles", "roleTemplateId"): "copy roleTemplateId from GET /directoryRoles",
    ("directoryRoles", "displayName"): "copy displayName from GET /directoryRoles",
}


@dataclass
class TenantDocument:
    """A validated tenant file. ``data`` is the raw dict exactly as written (members included)."""

    data: JSON
    path: Path
    _by_id: dict[str, dict[str, JSON]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def organization(self) -> JSON:
        return self.data["organization"]

    @property
    def as_of(self) -> datetime | None:
        """When the file's data was true (``asOf``): look-back windows end here. None means now."""
        return _timestamp(self.data["asOf"]) if self.data.get("asOf") is not None else None

    def collection(self, name: str) -> list[JSON]:
        if name not in TOP_LEVEL_KEYS:
            raise KeyError(name)
        value = self.data.get(name)
        return value if isinstance(value, list) else []

    def member_type(self, object_id: str) -> str | None:
        """``@odata.type`` of a user, group or service principal id, or None if the file has no such object."""
        for name, odata_type in MEMBER_TYPES.items():
            if object_id in self._index(name):
                return odata_type
        return None

    def _index(self, name: str) -> dict[str, JSON]:
        if name not in self._by_id:
            self._by_id[name] = {str(o["id"]): o for o in self.collection(name)}
        return self._by_id[name]


def load_tenant_file(path: str | os.PathLike[str]) -> TenantDocument:
    """Read a YAML or JSON tenant file; raise ``ContentError`` naming the file and field on any problem."""
    p = Path(path)
    name = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(name, "", "file not found", "check the path to the tenant file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(name, "", f"cannot be read ({exc})", "save it as UTF-8 text") from None
    data = _parse_json(text, name) if p.suffix.lower() == ".json" else _parse_yaml(text, name)
    return validate_tenant_data(data, name, p)


def validate_tenant_data(data: Any, file: str, path: Path | None = None) -> TenantDocument:
    """Validate an already-parsed tenant document (shape first, then cross-references)."""
    if not isinstance(data, dict):
        raise ContentError(file, "", f"must be a mapping of tenant keys, not {_json_type(data)}",
                           "start the file with 'organization: {id: ..., displayName: ...}'")
    errors = list(_validator().iter_errors(data))
    if errors:
        first = min(errors, key=lambda e: _document_order(data, list(e.absolute_path)))
        raise _schema_error(first, file)
    if data.get("asOf") is not None and _timestamp(data["asOf"]) is None:
        raise ContentError(file, "asOf", f"{data['asOf']!r} is not a timestamp with a time zone",
                           "write an ISO 8601 time such as 2026-01-01T00:00:00Z, or remove asOf to mean now")
    _check_references(data, file)
    return TenantDocument(data=data, path=path or Path(file))


def _timestamp(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


# ----------------------------------------------------------------------------------------------- parsing


# libyaml's parser is ~10x faster on large generated tenants; same safe constructor and resolver rules.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TenantYamlLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps timestamps as strings (Graph JSON has no date type) and refuses duplicate keys."""


# PyYAML would turn createdDateTime: 2024-01-01T00:00:00Z into a datetime, which is not what Graph returns.
_TenantYamlLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> JSON:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_TenantYamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_TenantYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc).strip()
        if mark is None:
            raise ContentError(file, "", f"is not valid YAML ({problem})", "fix the YAML syntax") from None
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark.line != mark.line:
            problem += f" ({context} at line {context_mark.line + 1})"
        where = f"line {mark.line + 1}"
        raise ContentError(file, where, f"is not valid YAML: {problem}",
                           f"fix the YAML syntax at line {mark.line + 1}, column {mark.column + 1}") from None


def _parse_json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(file, f"line {exc.lineno}", f"is not valid JSON: {exc.msg}",
                           f"fix the JSON syntax at line {exc.lineno}, column {exc.colno}") from None


# ------------------------------------------------------------------------------------------ schema errors


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads((Path(__file__).with_name("tenant_file.schema.json")).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _schema_error(err: jsonschema.ValidationError, file: str) -> ContentError:
    path = list(err.absolute_path)
    where = _field(path)
    kind = _singular(path)
    if err.validator == "additionalProperties" and not path:
        unknown = sorted(set(err.instance) - set(TOP_LEVEL_KEYS))[0]
        close = difflib.get_close_matches(unknown, TOP_LEVEL_KEYS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return ContentError(file, unknown, "is not a tenant file key",
                            f"{hint}use only: {', '.join(TOP_LEVEL_KEYS)}")
    if err.validator == "required":
        missing = next(k for k in err.validator_value if k not in err.instance)
        collection = next((str(p) for p in reversed(path) if isinstance(p, str)), "")
        fix = _REQUIRED_FIX.get((collection, missing))
        if fix is None:
            fix = (f"give every {kind} the object id Graph returns" if missing == "id"
                   else f"add {missing} as Graph returns it for the {kind}")
        return ContentError(file, _field([*path, missing]), "is required", fix)
    if err.validator == "type":
        wanted = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
        problem = f"must be {_article(wanted)} {wanted}, not {_json_type(err.instance)}"
        if path and path[-1] == "members" or (len(path) >= 2 and path[-2] == "members"):
            fix = "list the member object ids as strings"
        elif len(path) == 1:
            fix = f"write {path[0]} as Graph returns it (a list of {_SINGULAR.get(str(path[0]), 'object')} objects)" \
                if wanted == "array" else f"write {path[0]} as Graph returns it"
        else:
            fix = "write the value as Microsoft Graph v1.0 returns it"
        return ContentError(file, where, problem, fix)
    if err.validator == "minLength":
        return ContentError(file, where, "must not be empty", "copy the value Graph returns")
    if err.validator == "pattern":
        return ContentError(file, where, f"{err.instance!r} is not a Graph type name",
                            "use Graph's form, e.g. '#microsoft.graph.user'")
    return ContentError(file, where, err.message, "write the value as Microsoft Graph v1.0 returns it")


def _field(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _singular(path: list[Any]) -> str:
    # the innermost named collection is what the object is (e.g. accessReviews[0].instances[2] -> instance)
    for part in reversed(path):
        if isinstance(part, str) and part in _SINGULAR:
            return _SINGULAR[part]
    return "object"


def _document_order(data: Any, path: list[Any]) -> tuple[int, ...]:
    # jsonschema yields errors in schema order; report the one a reader meets first in the file instead
    order: list[int] = []
    node = data
    for part in path:
        if isinstance(node, dict):
            keys = list(node)
            order.append(keys.index(part) if part in node else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            order.append(part)
            node = node[part] if part < len(node) else None
        else:
            break
    return tuple(order)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# --------------------------------------------------------------------------------------- cross-references


def _check_references(data: JSON, file: str) -> None:
    owners: dict[str, str] = {}  # directory object id -> field that declared it
    for name in TOP_LEVEL_KEYS:
        items = data.get(name)
        if not isinstance(items, list):
            continue
        _check_unique(items, name, file)
        if name in MEMBER_TYPES:
            # members resolve by id alone, so one id must not name both a user and a group
            for i, obj in enumerate(items):
                here = f"{name}[{i}].id"
                if obj["id"] in owners:
                    raise ContentError(file, here, f"{obj['id']!r} is also the id of {owners[obj['id']]}",
                                       "directory object ids are unique across users, groups and service "
                                       "principals; use the ids Graph returns")
                owners[obj["id"]] = here.removesuffix(".id")
    for name in ("groups", "directoryRoles"):
        for i, obj in enumerate(data.get(name) or []):
            for k, member in enumerate(obj.get("members") or []):
                if member not in owners:
                    raise ContentError(file, f"{name}[{i}].members[{k}]",
                                       f"{member!r} is not a user, group or service principal in this file",
                                       "add that object to users, groups or servicePrincipals, or remove it "
                                       "from members")
    for d, definition in enumerate(data.get("accessReviews") or []):
        instances = definition.get("instances") or []
        _check_unique(instances, f"accessReviews[{d}].instances", file)
        for n, instance in enumerate(instances):
            _check_unique(instance.get("decisions") or [], f"accessReviews[{d}].instances[{n}].decisions", file)


def _check_unique(items: list[JSON], where: str, file: str) -> None:
    first: dict[str, int] = {}
    for i, obj in enumerate(items):
        if obj["id"] in first:
            kind = _SINGULAR.get(where.rsplit(".", 1)[-1], "object")
            raise ContentError(file, f"{where}[{i}].id",
                               f"{obj['id']!r} duplicates {where}[{first[obj['id']]}].id",
                               f"give each {kind} its own object id")
        first[obj["id"]] = i
