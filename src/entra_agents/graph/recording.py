"""Record a tenant's snapshot load with vcrpy, and replay it with no network.

A recorded tenant is a directory holding ``cassette.yaml`` (every Graph exchange of one ``load_snapshot``)
and ``tenant.json`` ({organization: {id, displayName}, recordedAt, format}). vcrpy patches httpx below
kiota's middleware, so replay exercises the same auth, retry and error paths as a live read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vcr
from msgraph import GraphServiceClient

from entra_agents.errors import TenantReadError, UsageError
from entra_agents.graph.client import GRAPH_V1, close_graph_client, make_graph_client
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.snapshot import TenantSnapshot

CASSETTE = "cassette.yaml"
TENANT_INFO = "tenant.json"
FORMAT = 1

# Secrets and per-request noise never reach the cassette (safety rule 5).
FILTER_REQUEST_HEADERS: list[Any] = [
    ("authorization", "Bearer REDACTED"),
    "cookie", "client-request-id", "x-ms-client-request-id", "user-agent", "sdkversion",
    "host",  # the record-time server and port; replay runs against graph.microsoft.com
]
DROP_RESPONSE_HEADERS = {
    "set-cookie", "request-id", "client-request-id", "x-ms-ags-diagnostic", "x-ms-resource-unit", "date",
    "server", "strict-transport-security", "x-ms-request-id",
}
# A bearer token other than our placeholder, or anything shaped like a JWT, must never be written.
_SECRET = re.compile(r"Bearer (?!REDACTED)\S|eyJ[\w-]{8,}\.[\w-]{8,}\.")


def graph_vcr(source_base_url: str | None = None) -> vcr.VCR:
    """The vcrpy configuration shared by recording and replay."""
    return vcr.VCR(
        serializer="yaml",
        match_on=["method", "path", "query", "body"],  # not scheme/host/port: replay runs against graph.microsoft.com
        filter_headers=FILTER_REQUEST_HEADERS,
        before_record_request=lambda request: _scrub_request(request, source_base_url),
        before_record_response=lambda response: _scrub_response(response, source_base_url),
        decode_compressed_response=True,
    )


async def record_tenant(source_base_url: str, out_dir: str | os.PathLike[str],
                        credential: Any = None) -> TenantSnapshot:
    """Load a snapshot from ``source_base_url`` while recording it into ``out_dir``; return the snapshot.

    The cassette is written under a temporary name and moved into place only when the load succeeded,
    so a directory with ``cassette.yaml`` is always a complete recording.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    partial = out / f".{CASSETTE}.recording"
    partial.unlink(missing_ok=True)
    client = make_graph_client(source_base_url, credential)
    try:
        with graph_vcr(source_base_url.rstrip("/")).use_cassette(str(partial), record_mode="all"):
            snapshot = await load_snapshot(client)
        text = partial.read_text(encoding="utf-8")
        if _SECRET.search(text):
            raise TenantReadError(f"refusing to save the recording in {out}: it would contain a token; "
                                  "report this as a bug")
        os.replace(partial, out / CASSETTE)
    finally:
        partial.unlink(missing_ok=True)
        await close_graph_client(client)
    info = {
        "organization": {"id": snapshot.tenant_id, "displayName": snapshot.display_name},
        "recordedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "format": FORMAT,
    }
    (out / TENANT_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return snapshot


async def record_from_spec(spec: str, out_dir: str | os.PathLike[str]) -> TenantSnapshot:
    """Record the tenant a ``--tenant`` spec names (``demo`` or ``fixture:PATH``) into ``out_dir``."""
    from entra_agents.graph.sources import open_tenant  # sources imports this module

    async with open_tenant(spec) as conn:
        if conn.simulator is None:
            raise UsageError(f"{spec} is already a recorded tenant; copy the directory instead of re-recording it")
        return await record_tenant(conn.simulator.base_url, out_dir)


def is_recording(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / CASSETTE).is_file()


def read_recording_info(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """``tenant.json`` of a recorded tenant, or {} if it is missing or unreadable."""
    try:
        info = json.loads((Path(directory) / TENANT_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


@contextmanager
def open_replay(directory: str | os.PathLike[str]) -> Iterator[GraphServiceClient]:
    """Activate a recorded tenant's cassette (no recording, no network) and yield a client for it.

    A request with no recording raises ``ReplayMissError`` (a ``TenantReadError``) from the client helpers.
    The client is usable only inside the ``with`` block. Identical requests may be replayed repeatedly,
    because a snapshot is static and callers may read the same object twice.
    """
    d = Path(directory)
    if not is_recording(d):
        raise UsageError(f"{d} is not a recorded tenant: it has no {CASSETTE}; record one first")
    info = read_recording_info(d)
    if info.get("format", FORMAT) != FORMAT:
        raise UsageError(f"{d} was recorded in format {info.get('format')}, this version reads format "
                         f"{FORMAT}; re-record it")
    client = make_graph_client(GRAPH_V1)
    with graph_vcr().use_cassette(str(d / CASSETTE), record_mode="none", allow_playback_repeats=True):
        yield client


# ----------------------------------------------------------------------------------------------- scrubbing


def _scrub_request(request: Any, source_base_url: str | None) -> Any:
    if source_base_url and request.uri.startswith(source_base_url):
        request.uri = GRAPH_V1 + request.uri[len(source_base_url):]
    return request


def _scrub_response(response: dict[str, Any], source_base_url: str | None) -> dict[str, Any] | None:
    # A 429 is about that moment, not the tenant; kiota retried it, and the retry's answer is recorded.
    # Replaying it would also sleep for Retry-After, or loop with allow_playback_repeats.
    if response.get("status", {}).get("code") == 429:
        return None
    headers = response.get("headers") or {}
    response["headers"] = {
        name: [_rebase(v, source_base_url) for v in values]
        for name, values in headers.items() if name.lower() not in DROP_RESPONSE_HEADERS
    }
    body = response.get("body", {}).get("string")
    if body is not None:
        body = response["body"]["string"] = _rebase(body, source_base_url)
        for name in response["headers"]:
            if name.lower() == "content-length":  # the rebased body is shorter than the one sent
                size = len(body.encode("utf-8") if isinstance(body, str) else body)
                response["headers"][name] = [str(size)]
    return response


def _rebase(value: Any, source_base_url: str | None) -> Any:
    # recorded nextLink / @odata.context / Location point at the record-time server (e.g. a local port)
    if not source_base_url or source_base_url == GRAPH_V1:
        return value
    if isinstance(value, bytes):
        return value.replace(source_base_url.encode(), GRAPH_V1.encode())
    if isinstance(value, str):
        return value.replace(source_base_url, GRAPH_V1)
    return value
