"""An in-process Microsoft Graph simulator that serves a tenant file over Graph's own v1.0 URLs.

It listens on 127.0.0.1 only and speaks Graph's JSON (``@odata.context``, ``value``, absolute
``@odata.nextLink`` with ``$skiptoken``, ``@odata.count``, Graph's error shape). Query options and ``$batch``
live in ``sim_odata`` and ``sim_batch``, URL routing in ``sim_resources``, fault injection in ``sim_faults``.
Options it cannot honour are refused with a 400 rather than ignored, so a caller never mistakes an unfiltered
answer for a filtered one. Writes change only the in-memory copy; the tenant file is never touched.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from entra_agents.graph.sim_batch import JSON_CONTENT_TYPE, run_batch
from entra_agents.graph.sim_faults import Faults, FaultState
from entra_agents.graph.sim_odata import GraphError, error_body, parse_options
from entra_agents.graph.sim_resources import Call, SimResponse, TenantResources
from entra_agents.graph.tenant_file import TenantDocument

__all__ = ["API_ROOT", "Faults", "GraphError", "GraphSimulator", "SimRequest", "SimResponse"]

JSON = dict[str, Any]
API_ROOT = "/v1.0"


@dataclass(frozen=True)
class SimRequest:
    """One request as the simulator saw it. ``path`` is below ``/v1.0`` (e.g. ``/users``)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any = None
    # lower-cased request headers, so tests can check e.g. that an Authorization header was sent
    headers: dict[str, str] = field(default_factory=dict)
    batched: bool = False  # carried inside a $batch envelope rather than sent on its own


@dataclass
class _PathFault:
    prefix: str
    status: int
    code: str
    message: str
    remaining: int | None  # None: for ever
    select: str | None  # only requests whose $select names this property


class GraphSimulator:
    """Serve a ``TenantDocument`` on ``http://127.0.0.1:PORT/v1.0``. Use as a context manager."""

    def __init__(self, doc: TenantDocument, host: str = "127.0.0.1", port: int = 0,
                 faults: Faults | None = None) -> None:
        self.doc = doc
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._resources = TenantResources(copy.deepcopy(doc.data))
        self._log: list[SimRequest] = []
        self._path_faults: list[_PathFault] = []
        self._faults = FaultState(faults)
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
        """Requests as they arrived over HTTP (a ``$batch`` envelope counts once)."""
        with self._lock:
            return [r for r in self._log if not r.batched]

    @property
    def sub_requests(self) -> list[SimRequest]:
        """Requests carried inside ``$batch`` envelopes."""
        with self._lock:
            return [r for r in self._log if r.batched]

    @property
    def writes(self) -> list[SimRequest]:
        """Every request that could change the tenant, batched or not (a ``$batch`` envelope is not one)."""
        with self._lock:
            return [r for r in self._log if r.method not in ("GET", "HEAD") and r.path.lower() != "/$batch"]

    @property
    def faults(self) -> Faults:
        return self._faults.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        """Switch fault injection on (or off with ``Faults()``); request counting restarts."""
        self._faults.configure(faults)

    @property
    def injected(self) -> list[tuple[int, int]]:
        """(request number, status) of every fault injected since ``faults`` was last set."""
        return list(self._faults.injected)

    def fail(self, path_prefix: str, status: int = 403, code: str = "Authorization_RequestDenied",
             message: str = "Insufficient privileges to complete the operation.", times: int | None = None,
             select: str | None = None) -> None:
        """Make requests at or below ``path_prefix`` (e.g. ``/groups``) fail with a Graph error.

        ``times`` limits the fault to the next N matching requests (e.g. one 429 that a retry then gets past).
        ``select`` limits it to requests selecting that property (``signInActivity`` needs extra permissions).
        """
        with self._lock:
            self._path_faults.append(_PathFault(_normalise(path_prefix), status, code, message, times, select))

    def clear_faults(self) -> None:
        """Remove every ``fail()`` and switch fault injection off."""
        with self._lock:
            self._path_faults.clear()
        self._faults.configure(Faults())

    def collection(self, name: str) -> list[JSON]:
        """The simulator's current copy of a tenant-file collection (including writes since start)."""
        with self._lock:
            return copy.deepcopy(self._resources.data.get(name) or [])

    # --------------------------------------------------------------------------------------- dispatching

    def handle(self, method: str, raw_path: str, body: bytes, headers: dict[str, str] | None = None) -> SimResponse:
        """Answer one HTTP request (``raw_path`` is the request target, e.g. ``/v1.0/users?$top=5``)."""
        headers = dict(headers or {})
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        below = path[len(API_ROOT):] if _is_under(path.lower(), API_ROOT) else path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        parsed_body = _parse_body(body)
        self._record(SimRequest(method, below or "/", query, parsed_body, headers))
        if not _is_under(path.lower(), API_ROOT):
            return _error(GraphError(404, "Request_ResourceNotFound",
                                     f"the Graph simulator serves {API_ROOT} only, not {path}"))
        if below.lower() == "/$batch":
            try:
                self._injected_fault(below, query)
                if method != "POST":
                    raise GraphError(405, "Request_BadRequest", "$batch accepts POST only")
                # a batched request carries its own headers; only the caller's identity comes from the envelope
                auth = {k: v for k, v in headers.items() if k == "authorization"}
                return run_batch(parsed_body, lambda m, url, h, b: self._sub_request(m, url, {**auth, **h}, b))
            except GraphError as err:
                return _error(err)
        answer = self._answer(method, below, query, parsed_body, headers)
        if answer.status == 200 and answer.page is not None:
            answer.broken = self._faults.break_page(answer.page)
        return answer

    def _sub_request(self, method: str, url: str, headers: dict[str, str], body: Any) -> SimResponse:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self._record(SimRequest(method, unquote(parts.path), query, body, headers, batched=True))
        return self._answer(method, unquote(parts.path), query, body, headers)

    def _answer(self, method: str, below: str, query: dict[str, str], body: Any,
                headers: dict[str, str]) -> SimResponse:
        try:
            self._injected_fault(below, query)
            opts = parse_options(query, headers)
            call = Call(method, below, opts, body, _caller(headers), self.base_url)
            with self._lock:
                return self._resources.route(call)
        except GraphError as err:
            return _error(err)

    def _record(self, request: SimRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _injected_fault(self, below: str, query: dict[str, str]) -> None:
        fault = self._faults.next_request()
        if fault is not None:
            raise GraphError(fault.status, fault.code, fault.message, fault.headers)
        key = _normalise(below)
        selected = {s.strip().lower() for s in (query.get("$select") or query.get("select") or "").split(",")}
        with self._lock:
            for f in reversed(self._path_faults):
                if f.remaining == 0 or (f.select and f.select.lower() not in selected):
                    continue
                if key == f.prefix or key.startswith(f.prefix.rstrip("/") + "/"):
                    if f.remaining is not None:
                        f.remaining -= 1
                    raise GraphError(f.status, f.code, f.message)


# ------------------------------------------------------------------------------------------------ helpers


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _normalise(path: str) -> str:
    p = "/" + path.strip().strip("/").lower()
    return p[len(API_ROOT):] or "/" if _is_under(p, API_ROOT) else p


def _parse_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _error(err: GraphError) -> SimResponse:
    return SimResponse(err.status, error_body(err.code, err.message), dict(err.headers))


def _caller(headers: dict[str, str]) -> JSON | None:
    """The signed-in identity from a bearer JWT's claims (not verified: the simulator trusts its callers).

    Access review decisions record it as ``reviewedBy``; a fake non-JWT token has no identity.
    """
    scheme, _, token = headers.get("authorization", "").partition(" ")
    parts = token.split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict) or not claims.get("oid"):
        return None
    return {"id": str(claims["oid"]), "displayName": str(claims.get("name") or claims.get("app_displayname") or ""),
            "userPrincipalName": str(claims.get("upn") or claims.get("preferred_username") or "")}


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

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up mid-answer (a cancelled load, a deadline) is normal, not worth a traceback
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

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
        sim = self.server.sim
        delay = sim._faults.delay_seconds
        if delay:
            time.sleep(delay)
        try:
            answer = sim.handle(self.command, self.path, body, {k.lower(): v for k, v in self.headers.items()})
        except Exception as exc:  # a simulator bug must reach the client as an answer, not a dropped socket
            answer = _error(GraphError(500, "generalException", f"simulator error: {exc!r}"))
        headers = dict(answer.headers)
        if isinstance(answer.body, str):
            data = answer.body.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif answer.body is None:
            data = b""
        else:
            data = json.dumps(answer.body).encode("utf-8")
            headers.setdefault("Content-Type", JSON_CONTENT_TYPE)
        length_sent = len(data)
        if answer.broken == "malformed":
            data = data[: len(data) // 2]  # a well-framed response whose JSON stops mid-way
            length_sent = len(data)
        self.send_response(answer.status)
        self.send_header("Content-Length", str(length_sent))
        self.send_header("request-id", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if answer.broken == "truncated":
            # promise the whole body, send half, hang up: the client sees a connection cut mid-response
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None  # the request log is sim.requests, not stderr
