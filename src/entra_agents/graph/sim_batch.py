"""JSON batching (``POST /v1.0/$batch``) for the Graph simulator.

Graph's rules: at most 20 requests, each with a unique ``id``, a ``method`` and a URL relative to the version
root; answers carry ``id``, ``status``, ``headers`` and ``body`` and each request is throttled on its own, so a
200 batch may hold 429 answers that the client must retry itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entra_agents.graph.sim_odata import GraphError, error_body
from entra_agents.graph.sim_resources import SimResponse

JSON = dict[str, Any]
MAX_BATCH_REQUESTS = 20
JSON_CONTENT_TYPE = ("application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; "
                     "charset=utf-8")

# (method, relative URL, lower-cased headers, body) -> the answer
Execute = Callable[[str, str, dict[str, str], Any], SimResponse]


def run_batch(payload: Any, execute: Execute) -> SimResponse:
    requests = _validated(payload)
    statuses: dict[str, int] = {}
    responses: list[JSON] = []
    for request in requests:
        rid = str(request["id"])
        failed = [d for d in request.get("dependsOn") or [] if statuses.get(str(d), 200) >= 400]
        if failed:
            answer = SimResponse(424, error_body("FailedDependency", f"request {failed[0]} failed"))
        else:
            headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
            url = str(request["url"])
            answer = execute(str(request["method"]).upper(), url if url.startswith("/") else "/" + url, headers,
                             request.get("body"))
        statuses[rid] = answer.status
        responses.append(_response(rid, answer))
    return SimResponse(200, {"responses": responses})


def _validated(payload: Any) -> list[JSON]:
    requests = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(requests, list) or not requests:
        raise GraphError(400, "BadRequest", "Invalid batch payload format: expected {\"requests\": [...]}.")
    if len(requests) > MAX_BATCH_REQUESTS:
        raise GraphError(400, "BadRequest", f"Too many requests in the batch: {len(requests)}. At most "
                                            f"{MAX_BATCH_REQUESTS} requests are allowed in one $batch.")
    seen: set[str] = set()
    for i, request in enumerate(requests):
        if not isinstance(request, dict) or not all(request.get(k) for k in ("id", "method", "url")):
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: requests[{i}] needs id, method "
                                                "and url.")
        rid = str(request["id"])
        if rid in seen:
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: duplicate request id '{rid}'.")
        if str(request["url"]).lower().startswith(("http://", "https://")):
            raise GraphError(400, "BadRequest", f"Invalid request URL '{request['url']}' in requests[{i}]: batch "
                                                "URLs are relative to the version root, e.g. /users.")
        unknown = [d for d in request.get("dependsOn") or [] if str(d) not in seen]
        if unknown:
            raise GraphError(400, "BadRequest", f"requests[{i}] depends on '{unknown[0]}', which is not an "
                                                "earlier request in this batch.")
        seen.add(rid)
    return requests


def _response(rid: str, answer: SimResponse) -> JSON:
    headers = dict(answer.headers)
    out: JSON = {"id": rid, "status": answer.status}
    if isinstance(answer.body, dict):
        headers.setdefault("Content-Type", JSON_CONTENT_TYPE)
        out["headers"], out["body"] = headers, answer.body
    elif isinstance(answer.body, str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        out["headers"], out["body"] = headers, answer.body
    else:
        out["headers"] = headers
    return out

