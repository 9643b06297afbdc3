"""An in-process Microsoft Graph simulator that serves a tenant file over Graph's own v1.0 URLs.

It listens on 127.0.0.1 only, speaks Graph's JSON (``@odata.context``, ``value``, absolute ``@odata.nextLink``
with ``$skiptoken``, Graph's error shape) and honours ``$top`` and ``$select``. Query options it cannot honour
(``$filter``, ``$orderby``...) are refused with a 400 rather than ignored, so a caller never mistakes an
unfiltered answer for a filtered one. Writes change only the in-memory copy; the tenant file is never touched.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from entra_agents.graph.tenant_file import MEMBER_TYPES, TenantDocument

JSON = dict[str, Any]
API_ROOT = "/v1.0"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
SECURITY_DEFAULTS_ID = "00000000-0000-0000-0000-000000000005"  # the fixed id Graph uses for this policy

# lower-cased URL path (below /v1.0) -> (tenant file key, the path as Graph spells it in @odata.context)
COLLECTION_ROUTES: dict[str, tuple[str, str]] = {
    "users": ("users", "users"),
    "groups": ("groups", "groups"),
    "directoryroles": ("directoryRoles", "directoryRoles"),
    "serviceprincipals": ("servicePrincipals", "servicePrincipals"),
    "applications": ("applications", "applications"),
    "identity/conditionalaccess/policies": ("conditionalAccessPolicies", "identity/conditionalAccess/policies"),
    "identity/conditionalaccess/namedlocations": ("namedLocations", "identity/conditionalAccess/namedLocations"),
    "policies/authenticationstrengthpolicies": (
        "authenticationStrengthPolicies", "policies/authenticationStrengthPolicies"),
}
WITH_MEMBERS = ("groups", "directoryRoles")
POSTABLE = {"conditionalAccessPolicies"}
UNSUPPORTED_OPTIONS = ("filter", "orderby", "search", "expand", "count", "skip", "apply", "compute")


@dataclass(frozen=True)
class SimRequest:
    """One request as the simulator saw it. ``path`` is below ``/v1.0`` (e.g. ``/users``)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any = None
    # lower-cased request headers, so tests can check e.g. that an Authorization header was sent
    headers: dict[str, str] = field(default_factory=dict)


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class _Fault:
    prefix: str
    status: int
    code: str
    message: str
    remaining: int | None  # None: for ever


class GraphSimulator:
    """Serve a ``TenantDocument`` on ``http://127.0.0.1:PORT/v1.0``. Use as a context manager."""

    def __init__(self, doc: TenantDocument, host: str = "127.0.0.1", port: int = 0) -> None:
        self.doc = doc
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._data: JSON = copy.deepcopy(doc.data)
        self._log: list[SimRequest] = []
        self._faults: list[_Fault] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> GraphSimulator:
        if self._server is None:
            self._server = _Server((self._host, self._port), _Handler, self)
            self._thread = threading.Thread(target=self._server.serve_forever, name="graph-simulator",
                                            kwargs={"poll_interval": 0.05}, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_open_connections()  # keep-alive handler threads would otherwise keep answering
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GraphSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Graph simulator is not running; use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{API_ROOT}"

    # ------------------------------------------------------------------------------------- test helpers

    @property
    def requests(self) -> list[SimRequest]:
        with self._lock:
            return list(self._log)

    @property
    def writes(self) -> list[SimRequest]:
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def fail(self, path_prefix: str, status: int = 403, code: str = "Authorization_RequestDenied",
             message: str = "Insufficient privileges to complete the operation.", times: int | None = None) -> None:
        """Make requests at or below ``path_prefix`` (e.g. ``/groups``) fail with a Graph error.

        ``times`` limits the fault to the next N matching requests (e.g. one 429 that a retry then gets past).
        """
        with self._lock:
            self._faults.append(_Fault(_normalise(path_prefix), status, code, message, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def collection(self, name: str) -> list[JSON]:
        """The simulator's current copy of a tenant-file collection (including objects POSTed since start)."""
        with self._lock:
            return copy.deepcopy(self._data.get(name) or [])

    # --------------------------------------------------------------------------------------- dispatching

    def handle(self, method: str, raw_path: str, body: bytes,
               headers: dict[str, str] | None = None) -> tuple[int, JSON, dict[str, str]]:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        below = path[len(API_ROOT):] if _is_under(path.lower(), API_ROOT) else path
        parsed_body = _parse_body(body)
        with self._lock:
            self._log.append(SimRequest(method, below or "/", query, parsed_body, dict(headers or {})))
        try:
            if not _is_under(path.lower(), API_ROOT):
                raise GraphError(404, "Request_ResourceNotFound",
                                 f"the Graph simulator serves {API_ROOT} only, not {path}")
            self._check_faults(below)
            with self._lock:
                return self._route(method, below, _options(query), parsed_body)
        except GraphError as err:
            return err.status, _error_body(err.code, err.message), {}

    def _check_faults(self, below: str) -> None:
        key = _normalise(below)
        with self._lock:
            for fault in reversed(self._faults):
                if fault.remaining == 0:
                    continue
                if key == fault.prefix or key.startswith(fault.prefix.rstrip("/") + "/"):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    raise GraphError(fault.status, fault.code, fault.message)

    def _route(self, method: str, below: str, opts: dict[str, str], body: Any) -> tuple[int, JSON, dict[str, str]]:
        segments = [s for s in below.split("/") if s]
        lowered = "/".join(segments).lower()
        if lowered == "organization":
            self._only_get(method, below)
            return 200, self._page([self._data["organization"]], "organization", below, opts), {}
        if lowered == "policies/identitysecuritydefaultsenforcementpolicy":
            self._only_get(method, below)
            policy = {"id": SECURITY_DEFAULTS_ID, "displayName": "Security Defaults",
                      "description": "Security defaults is a set of basic identity security mechanisms.",
                      "isEnabled": False, **(self._data.get("securityDefaults") or {})}
            return 200, self._entity(policy, "policies/identitySecurityDefaultsEnforcementPolicy", opts), {}
        for route, (key, context) in COLLECTION_ROUTES.items():
            if lowered == route:
                if method == "POST" and key in POSTABLE:
                    return self._create(key, context, body)
                self._only_get(method, below)
                return 200, self._page(self._served(key), context, below, opts), {}
            if lowered.startswith(route + "/"):
                rest = segments[len(route.split("/")):]
                self._only_get(method, below)
                obj = self._find(key, rest[0])
                if len(rest) == 1:
                    return 200, self._entity(_without_members(obj), f"{context}/$entity", opts), {}
                if len(rest) == 2 and rest[1].lower() == "members" and key in WITH_MEMBERS:
                    members = [self._directory_object(m) for m in obj.get("members") or []]
                    return 200, self._page(members, "directoryObjects", below, opts), {}
        raise GraphError(404, "Request_ResourceNotFound",
                         f"Resource not found for the segment '{segments[-1] if segments else '/'}'.")

    @staticmethod
    def _only_get(method: str, below: str) -> None:
        if method != "GET":
            raise GraphError(405, "Request_BadRequest", f"the Graph simulator does not support {method} on {below}")

    # ------------------------------------------------------------------------------------------ resources

    def _served(self, key: str) -> list[JSON]:
        # members are a navigation property in Graph, served only through /{id}/members
        return [_without_members(o) for o in self._data.get(key) or []]

    def _find(self, key: str, object_id: str) -> JSON:
        wanted = object_id.lower()
        for obj in self._data.get(key) or []:
            if str(obj.get("id", "")).lower() == wanted or (
                    key == "users" and str(obj.get("userPrincipalName", "")).lower() == wanted):
                return obj
        raise GraphError(404, "Request_ResourceNotFound",
                         f"Resource '{object_id}' does not exist or one of its queried reference-property objects "
                         "are not present.")

    def _directory_object(self, object_id: str) -> JSON:
        for key, odata_type in MEMBER_TYPES.items():
            for obj in self._data.get(key) or []:
                if obj.get("id") == object_id:
                    return {"@odata.type": odata_type, **_without_members(obj)}
        # the tenant file validator rejects dangling members, so this is a member added at run time
        return {"@odata.type": "#microsoft.graph.directoryObject", "id": object_id}

    def _create(self, key: str, context: str, body: Any) -> tuple[int, JSON, dict[str, str]]:
        if not isinstance(body, dict):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type "
                                                "header is set and payload is of valid JSON format.")
        if not body.get("displayName"):
            raise GraphError(400, "BadRequest", "displayName is required.")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
        created = {k: v for k, v in copy.deepcopy(body).items() if k != "@odata.type"}
        created.update(id=str(uuid.uuid4()), createdDateTime=now, modifiedDateTime=None)
        self._data.setdefault(key, []).append(created)
        location = f"{self.base_url}/{context}/{created['id']}"
        return 201, self._entity(copy.deepcopy(created), f"{context}/$entity", {}), {"Location": location}

    def _entity(self, obj: JSON, context: str, opts: dict[str, str]) -> JSON:
        return {"@odata.context": f"{self.base_url}/$metadata#{context}", **_select(obj, opts.get("select"))}

    def _page(self, items: list[JSON], context: str, below: str, opts: dict[str, str]) -> JSON:
        top = _int_option(opts, "top", DEFAULT_PAGE_SIZE)
        if not 1 <= top <= MAX_PAGE_SIZE:
            raise GraphError(400, "Request_UnsupportedQuery",
                             f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_PAGE_SIZE} inclusive.")
        start = _int_option(opts, "skiptoken", 0)
        page = [_select(o, opts.get("select")) for o in items[start:start + top]]
        out: JSON = {"@odata.context": f"{self.base_url}/$metadata#{context}"}
        if start + top < len(items):
            carried = {f"${k}": v for k, v in opts.items() if k != "skiptoken"}
            carried["$skiptoken"] = str(start + top)
            out["@odata.nextLink"] = f"{self.base_url}{below}?{urlencode(carried, safe='$,')}"
        out["value"] = copy.deepcopy(page)
        return out


# ------------------------------------------------------------------------------------------------ helpers


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _normalise(path: str) -> str:
    p = "/" + path.strip().strip("/").lower()
    return p[len(API_ROOT):] or "/" if _is_under(p, API_ROOT) else p


def _options(query: dict[str, str]) -> dict[str, str]:
    # Graph v1.0 accepts system query options with or without "$", case-insensitively
    opts = {k.lower().lstrip("$"): v for k, v in query.items()}
    for name in UNSUPPORTED_OPTIONS:
        if name in opts:
            raise GraphError(400, "Request_UnsupportedQuery",
                             f"the Graph simulator does not support ${name}; read the collection and filter it "
                             "in code, or extend the simulator")
    return {k: v for k, v in opts.items() if k in ("top", "select", "skiptoken")}


def _int_option(opts: dict[str, str], name: str, default: int) -> int:
    value = opts.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise GraphError(400, "Request_UnsupportedQuery", f"Invalid ${name} value '{value}'.") from None


def _select(obj: JSON, select: str | None) -> JSON:
    if not select:
        return obj
    wanted = {s.strip().lower() for s in select.split(",") if s.strip()} | {"id", "@odata.type"}
    return {k: v for k, v in obj.items() if k.lower() in wanted}


def _without_members(obj: JSON) -> JSON:
    return {k: v for k, v in obj.items() if k != "members"}


def _parse_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _error_body(code: str, message: str) -> JSON:
    inner = {"date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4()),
             "client-request-id": str(uuid.uuid4())}
    return {"error": {"code": code, "message": message, "innerError": inner}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], sim: GraphSimulator) -> None:
        self.sim = sim
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        with self._open_lock:
            self._open.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            socks = list(self._open)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects; every response sets Content-Length
    disable_nagle_algorithm = True  # headers and body go out in two writes: Nagle + delayed ACK cost 40 ms each
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            status, payload, headers = self.server.sim.handle(self.command, self.path, body,
                                                            {k.lower(): v for k, v in self.headers.items()})
        except Exception as exc:  # a simulator bug must reach the client as an answer, not a dropped socket
            status, payload, headers = 500, _error_body("generalException", f"simulator error: {exc!r}"), {}
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; "
                                         "IEEE754Compatible=false; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None  # the request log is sim.requests, not stderr
