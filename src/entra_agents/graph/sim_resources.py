"""The resources the Graph simulator serves: Graph v1.0 URLs mapped onto a tenant document's collections.

Reads honour the query options of ``sim_odata``; writes exist only where the product writes (Conditional Access
policies, access review decisions) and change only the in-memory copy.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from entra_agents.graph.sim_odata import GraphError, QueryOptions, order, select, unsupported
from entra_agents.graph.sim_reviewers import FILTER_BY_REVIEWER, Reviewers
from entra_agents.graph.tenant_file import MEMBER_TYPES

JSON = dict[str, Any]
DEFAULT_PAGE_SIZE = 100
SECURITY_DEFAULTS_ID = "00000000-0000-0000-0000-000000000005"  # the fixed id Graph uses for this policy
# Graph returns these user properties when no $select is given; the rest (accountEnabled, signInActivity...)
# only on $select, so a caller that forgets to select them sees what it would see on real Graph
USER_DEFAULT_PROPERTIES = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                           "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")
DECISIONS = ("Approve", "Deny", "DontKnow", "NotReviewed")


@dataclass(frozen=True)
class Collection:
    key: str  # tenant-file key
    context: str  # the path as Graph spells it in @odata.context
    directory: bool = False  # directory objects: $count and advanced queries need ConsistencyLevel
    max_top: int = 999
    navigation: tuple[str, ...] = ()  # served only through their own URL (or $expand)
    expandable: tuple[str, ...] = ()
    defaults: tuple[str, ...] | None = None  # default projection when no $select


@dataclass
class SimResponse:
    status: int
    body: JSON | str | None = None  # str goes out as text/plain ($count), None as an empty body
    headers: dict[str, str] = field(default_factory=dict)
    page: int | None = None  # 1-based page number of a collection page (for the broken-page fault)
    broken: str | None = None  # set by the simulator when this answer is the page to break


COLLECTIONS: dict[str, Collection] = {c.context.lower(): c for c in (
    # manager: a navigation Graph returns only on $expand (the tenant file stores it as {"id": manager id})
    Collection("users", "users", directory=True, defaults=USER_DEFAULT_PROPERTIES, navigation=("manager",),
               expandable=("manager",)),
    Collection("groups", "groups", directory=True, navigation=("members",)),
    Collection("directoryRoles", "directoryRoles", directory=True, navigation=("members",)),
    Collection("servicePrincipals", "servicePrincipals", directory=True),
    Collection("applications", "applications", directory=True),
    Collection("conditionalAccessPolicies", "identity/conditionalAccess/policies"),
    Collection("namedLocations", "identity/conditionalAccess/namedLocations"),
    Collection("authenticationStrengthPolicies", "policies/authenticationStrengthPolicies"),
    Collection("signIns", "auditLogs/signIns", max_top=1000),
    Collection("directoryAudits", "auditLogs/directoryAudits", max_top=1000),
    Collection("lifecycleWorkflows", "identityGovernance/lifecycleWorkflows/workflows",
               navigation=("userProcessingResults",)),
    Collection("accessPackageAssignmentRequests", "identityGovernance/entitlementManagement/assignmentRequests",
               navigation=("accessPackage", "requestor"), expandable=("accessPackage", "requestor")),
)}
MEMBERS = Collection("members", "directoryObjects", directory=True)
_REVIEWS = "identityGovernance/accessReviews/definitions"
REVIEW_LEVELS = (
    Collection("accessReviews", _REVIEWS, navigation=("instances",)),
    Collection("instances", f"{_REVIEWS}/instances", navigation=("decisions", "stages", "contactedReviewers")),
    Collection("decisions", f"{_REVIEWS}/instances/decisions", navigation=("insights",), expandable=("insights",)),
    Collection("insights", f"{_REVIEWS}/instances/decisions/insights"),
)
# multi-stage reviews: instances/{id}/stages[/{id}[/decisions]] (Graph documents no $expand on stage decisions)
STAGES = Collection("stages", f"{_REVIEWS}/instances/stages", navigation=("decisions",))
STAGE_DECISIONS = Collection("decisions", f"{_REVIEWS}/instances/stages/decisions", navigation=("insights",))


@dataclass
class Call:
    """One request as the resources see it; ``path`` is below /v1.0."""

    method: str
    path: str
    opts: QueryOptions
    body: Any
    caller: JSON | None
    base_url: str


def not_found(what: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound",
                      f"Resource '{what}' does not exist or one of its queried reference-property objects are not "
                      "present.")


def graph_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


class TenantResources:
    """Routes Graph URLs onto ``data`` (a deep copy of the tenant document, changed by writes)."""

    def __init__(self, data: JSON) -> None:
        self.data = data
        # Directory objects are never written, so id indexes stay valid; without them every member lookup
        # would scan all users and groups, which is quadratic on a large tenant.
        self._members: dict[str, JSON] = {}
        for key, odata_type in MEMBER_TYPES.items():
            for obj in data.get(key) or []:
                self._members[str(obj.get("id"))] = {"@odata.type": odata_type,
                                                     **{k: v for k, v in obj.items() if k != "members"}}
        self._by_id: dict[str, dict[str, JSON]] = {
            key: {str(o.get("id", "")).lower(): o for o in data.get(key) or []}
            for key in ("users", "groups", "directoryRoles", "servicePrincipals", "applications")}
        self._reviewers = Reviewers(self._by_id["users"], self._by_id["groups"])

    def route(self, call: Call) -> SimResponse:
        segments = [s for s in call.path.split("/") if s]
        lowered = "/".join(segments).lower()
        if lowered == "organization":
            _only(call, "GET")
            return self._list(call, [self.data["organization"]], Collection("organization", "organization"))
        if lowered == "policies/identitysecuritydefaultsenforcementpolicy":
            _only(call, "GET")
            policy = {"id": SECURITY_DEFAULTS_ID, "displayName": "Security Defaults",
                      "description": "Security defaults is a set of basic identity security mechanisms.",
                      "isEnabled": False, **(self.data.get("securityDefaults") or {})}
            return self._entity(call, policy, "policies/identitySecurityDefaultsEnforcementPolicy")
        if lowered == _REVIEWS.lower() or lowered.startswith(_REVIEWS.lower() + "/"):
            return self._reviews(call, segments[len(_REVIEWS.split("/")):])
        for route, coll in COLLECTIONS.items():
            if lowered == route:
                if call.method == "POST" and coll.key == "conditionalAccessPolicies":
                    return self._create_policy(call, coll)
                _only(call, "GET")
                return self._list(call, self.data.get(coll.key) or [], coll)
            if lowered.startswith(route + "/"):
                return self._below(call, coll, segments[len(route.split("/")):])
        raise GraphError(404, "Request_ResourceNotFound",
                         f"Resource not found for the segment '{segments[-1] if segments else '/'}'.")

    # ------------------------------------------------------------------------------------------ reading

    def _below(self, call: Call, coll: Collection, rest: list[str]) -> SimResponse:
        if rest == ["$count"]:
            _only(call, "GET")
            return self._count(call, self.data.get(coll.key) or [], coll)
        obj = self._find(coll.key, rest[0])
        if len(rest) == 1:
            if coll.key == "conditionalAccessPolicies" and call.method in ("PATCH", "DELETE"):
                return self._change_policy(call, obj)
            _only(call, "GET")
            return self._entity(call, self._project(obj, coll, call.opts), f"{coll.context}/$entity")
        if rest[1].lower() == "members" and "members" in coll.navigation and len(rest) in (2, 3):
            _only(call, "GET")
            members = [self._directory_object(m) for m in obj.get("members") or []]
            if len(rest) == 3 and rest[2] == "$count":
                return self._count(call, members, MEMBERS)
            if len(rest) == 2:
                return self._list(call, members, MEMBERS)
        if len(rest) == 2 and rest[1] in coll.navigation and isinstance(obj.get(rest[1]), list):
            _only(call, "GET")  # e.g. a lifecycle workflow's userProcessingResults
            return self._list(call, obj[rest[1]], Collection(rest[1], f"{coll.context}/{rest[1]}"))
        raise GraphError(404, "Request_ResourceNotFound", f"Resource not found for the segment '{rest[-1]}'.")

    def _list(self, call: Call, items: list[JSON], coll: Collection) -> SimResponse:
        opts = self._checked(call.opts, coll)
        if opts.filter is not None:
            items = [o for o in items if opts.filter(o)]
        if opts.orderby:
            items = order(items, opts.orderby)
        top = DEFAULT_PAGE_SIZE if opts.top is None else opts.top
        if not 1 <= top <= coll.max_top:
            raise unsupported(f"Invalid page size specified: '{top}'. Must be between 1 and {coll.max_top} "
                              "inclusive.")
        start = opts.skiptoken
        out: JSON = {"@odata.context": f"{call.base_url}/$metadata#{coll.context}"}
        if opts.count:
            out["@odata.count"] = len(items)
        if start + top < len(items):
            carried = {f"${k}": v for k, v in opts.raw.items() if k != "skiptoken"}
            carried["$skiptoken"] = str(start + top)
            out["@odata.nextLink"] = f"{call.base_url}{call.path}?{urlencode(carried, safe='$,', quote_via=quote)}"
        out["value"] = [copy.deepcopy(self._project(o, coll, opts)) for o in items[start:start + top]]
        return SimResponse(200, out, page=start // top + 1)

    def _count(self, call: Call, items: list[JSON], coll: Collection) -> SimResponse:
        opts = self._checked(call.opts, coll, counting=True)
        if opts.filter is not None:
            items = [o for o in items if opts.filter(o)]
        return SimResponse(200, str(len(items)), {"Content-Type": "text/plain; charset=utf-8"})

    @staticmethod
    def _checked(opts: QueryOptions, coll: Collection, counting: bool = False) -> QueryOptions:
        if coll.directory and (counting or opts.count) and not opts.eventual:
            raise GraphError(400, "Request_BadRequest", "Count is not currently supported. (Graph needs the "
                                                        "header ConsistencyLevel: eventual for $count here)")
        advanced = opts.filter.advanced if opts.filter is not None else []
        if coll.directory and advanced and not (opts.eventual and (opts.count or counting)):
            raise unsupported(f"Unsupported or invalid query filter clause specified: '{advanced[0]}' is an "
                              "advanced query; send ConsistencyLevel: eventual and $count=true.")
        refused = [e for e in opts.expand if e.lower() not in {x.lower() for x in coll.expandable}]
        if refused:
            raise unsupported(f"the Graph simulator does not support $expand={refused[0]} on {coll.context}")
        return opts

    def _project(self, obj: JSON, coll: Collection, opts: QueryOptions) -> JSON:
        expanded = {e.lower() for e in opts.expand}
        shown = {k: v for k, v in obj.items() if k not in coll.navigation or k.lower() in expanded}
        if coll.key == "members":  # each member projects as its own type
            inner = next((c for c in COLLECTIONS.values() if c.key == _MEMBER_KEYS.get(obj.get("@odata.type"))),
                         coll)
            return self._project(obj, inner, opts) if inner is not coll else select(shown, opts.select)
        if coll.key == "users" and isinstance(shown.get("manager"), dict):
            shown["manager"] = self._directory_object(str(shown["manager"].get("id")))
        if opts.select:  # expanded navigations come back whatever $select says, as on Graph
            return {**select(shown, opts.select), **{k: v for k, v in shown.items() if k.lower() in expanded}}
        if coll.defaults is not None:
            return {k: v for k, v in shown.items() if k in coll.defaults or k == "@odata.type"}
        return shown

    def _entity(self, call: Call, obj: JSON, context: str) -> SimResponse:
        body = {"@odata.context": f"{call.base_url}/$metadata#{context}", **select(obj, call.opts.select)}
        return SimResponse(200, copy.deepcopy(body))

    def _find(self, key: str, object_id: str, items: list[JSON] | None = None) -> JSON:
        wanted = object_id.lower()
        if items is None and wanted in self._by_id.get(key, {}):
            return self._by_id[key][wanted]
        for obj in self.data.get(key) or [] if items is None else items:
            if str(obj.get("id", "")).lower() == wanted or (
                    key == "users" and str(obj.get("userPrincipalName", "")).lower() == wanted):
                return obj
        raise not_found(object_id)

    def _directory_object(self, object_id: str) -> JSON:
        # the tenant file validator rejects dangling members, so a miss is a member added at run time
        return self._members.get(object_id) or {"@odata.type": "#microsoft.graph.directoryObject", "id": object_id}

    # ----------------------------------------------------------------------------- Conditional Access

    def _create_policy(self, call: Call, coll: Collection) -> SimResponse:
        body = _json_body(call.body)
        if not body.get("displayName"):
            raise GraphError(400, "BadRequest", "displayName is required.")
        created = {k: v for k, v in copy.deepcopy(body).items() if k != "@odata.type"}
        created.update(id=str(uuid.uuid4()), createdDateTime=graph_now(), modifiedDateTime=None)
        self.data.setdefault(coll.key, []).append(created)
        location = f"{call.base_url}/{coll.context}/{created['id']}"
        body_out = {"@odata.context": f"{call.base_url}/$metadata#{coll.context}/$entity", **created}
        return SimResponse(201, copy.deepcopy(body_out), {"Location": location})

    def _change_policy(self, call: Call, policy: JSON) -> SimResponse:
        policies = self.data["conditionalAccessPolicies"]
        if call.method == "DELETE":
            policies.remove(policy)
            return SimResponse(204)
        changes = {k: v for k, v in _json_body(call.body).items()
                   if k not in ("@odata.type", "id", "createdDateTime", "modifiedDateTime")}
        policy.update(copy.deepcopy(changes))  # Graph replaces each complex property sent as a whole
        policy["modifiedDateTime"] = graph_now()
        return SimResponse(204)

    # ---------------------------------------------------------------------------------- access reviews

    def _reviews(self, call: Call, rest: list[str]) -> SimResponse:
        """definitions[/{id}[/instances[/{id}[/decisions[/{id}[/insights]] | /batchRecordDecisions]]]]; each
        collection level also answers ``filterByCurrentUser(on='reviewer')``."""
        items: list[JSON] = self.data.get("accessReviews") or []
        # rest alternates id, navigation name; level counts how deep in REVIEW_LEVELS we are
        parents: list[JSON] = []  # the definition, then the instance, above the current level
        for level, coll in enumerate(REVIEW_LEVELS):
            ids_and_navs = rest[level * 2:level * 2 + 2]
            if not ids_and_navs:
                _only(call, "GET")
                return self._list(call, items, coll)
            if ids_and_navs[0].lower() == FILTER_BY_REVIEWER and len(ids_and_navs) == 1 and level < 3:
                _only(call, "GET")
                return self._list(call, self._reviewers.reviewed_by(call.caller, items, parents), coll)
            obj = self._find(coll.key, ids_and_navs[0], items)
            parents.append(obj)
            if len(ids_and_navs) == 1:
                if coll.key == "decisions" and call.method == "PATCH":
                    self._refuse_non_reviewer(call, parents[0], parents[1])
                    self._record(call, obj, parents[1])
                    return SimResponse(204)
                _only(call, "GET")
                return self._entity(call, self._project(obj, coll, call.opts), f"{coll.context}/$entity")
            nav = ids_and_navs[1]
            if coll.key == "instances" and nav.lower() == "batchrecorddecisions" and len(rest) == level * 2 + 2:
                _only(call, "POST")
                self._refuse_non_reviewer(call, parents[0], obj)
                return self._batch_record(call, obj)
            if coll.key == "instances" and nav.lower() == "stages":
                return self._stages(call, obj, rest[level * 2 + 2:])
            if level + 1 >= len(REVIEW_LEVELS) or nav.lower() != REVIEW_LEVELS[level + 1].key.lower():
                raise GraphError(404, "Request_ResourceNotFound", f"Resource not found for the segment '{nav}'.")
            items = obj.get(REVIEW_LEVELS[level + 1].key) or []
        raise GraphError(404, "Request_ResourceNotFound", f"Resource not found for the segment '{rest[-1]}'.")

    def _stages(self, call: Call, instance: JSON, rest: list[str]) -> SimResponse:
        _only(call, "GET")
        stages: list[JSON] = instance.get("stages") or []
        if not rest:
            return self._list(call, stages, STAGES)
        stage = self._find("stages", rest[0], stages)
        if len(rest) == 1:
            return self._entity(call, self._project(stage, STAGES, call.opts), f"{STAGES.context}/$entity")
        if len(rest) == 2 and rest[1].lower() == "decisions":
            return self._list(call, stage.get("decisions") or [], STAGE_DECISIONS)
        raise GraphError(404, "Request_ResourceNotFound", f"Resource not found for the segment '{rest[-1]}'.")

    def _refuse_non_reviewer(self, call: Call, definition: JSON, instance: JSON) -> None:
        # Graph: "updates ... can only be made by calling users who are listed as reviewer for the parent
        # accessReviewInstance". A request with no identity (the simulator's fake token) is let through, so
        # the recorded decision then names nobody; see _apply.
        if call.caller is not None and self._reviewers.reviews(call.caller["id"], definition, instance) is False:
            raise GraphError(403, "Authorization_RequestDenied",
                             f"{call.caller.get('userPrincipalName') or call.caller['id']} is not a reviewer of the "
                             f"access review instance '{instance.get('id')}'.")

    def _record(self, call: Call, decision: JSON, instance: JSON) -> None:
        body = _json_body(call.body)
        extra = sorted(set(body) - {"decision", "justification", "@odata.type"})
        if extra:
            raise GraphError(400, "BadRequest", f"Property '{extra[0]}' cannot be updated on a decision item; "
                                                "send decision and justification only.")
        self._apply(call, [decision], instance, body)

    def _batch_record(self, call: Call, instance: JSON) -> SimResponse:
        body = _json_body(call.body)
        principal, resource = body.get("principalId"), body.get("resourceId")
        chosen = [d for d in instance.get("decisions") or []
                  if (not principal or (d.get("principal") or {}).get("id") == principal)
                  and (not resource or (d.get("resource") or {}).get("id") == resource)]
        self._apply(call, chosen, instance, body)
        return SimResponse(204)

    @staticmethod
    def _apply(call: Call, decisions: list[JSON], instance: JSON, body: JSON) -> None:
        status = instance.get("status")
        if status and status != "InProgress":
            raise GraphError(400, "BadRequest", f"The access review instance '{instance.get('id')}' is {status}; "
                                                "decisions can be recorded only while it is InProgress.")
        wanted = str(body.get("decision") or "")
        decision = next((d for d in DECISIONS if d.lower() == wanted.lower()), None)
        if decision is None:
            raise GraphError(400, "BadRequest", f"Invalid decision '{wanted}'; use one of {', '.join(DECISIONS)}.")
        now = graph_now()
        for item in decisions:
            item["decision"] = decision
            if "justification" in body:
                item["justification"] = body["justification"]
            item["reviewedDateTime"] = now
            if call.caller is not None:
                item["reviewedBy"] = dict(call.caller)


_MEMBER_KEYS = {odata_type: key for key, odata_type in MEMBER_TYPES.items()}


def _only(call: Call, method: str) -> None:
    if call.method != method:
        raise GraphError(405, "Request_BadRequest",
                         f"the Graph simulator does not support {call.method} on {call.path}")


def _json_body(body: Any) -> JSON:
    if not isinstance(body, dict):
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type "
                                            "header is set and payload is of valid JSON format.")
    return body
