"""Record a tenant's snapshot load with vcrpy, and replay it with no network.

A recorded tenant is a directory holding ``cassette.yaml`` (every Graph exchange of one ``load_snapshot``)
and ``tenant.json``: {format, organization {id, displayName}, recordedAt, source {kind, spec}, scope {recorded,
failed}, entraAgentsVersion, pseudonymized, interactions}. vcrpy patches httpx below kiota's middleware, so
replay exercises the same auth, retry and error paths as a live read.

A recording is written in a hidden sibling directory and renamed into place only once it is complete and has
passed the secret check, so ``DIR`` is either a whole recording or absent. Interactions are saved in a fixed
order (method, URL, body) with one answer per distinct request, the last one received (after retries), so two
recordings of one tenant are the same bytes whatever the loader's concurrency did. Replay does not care about
the order. ``recordedAt`` is the ``now`` the loader was given, so a replay can ask for the same time window.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import vcr
from msgraph import GraphServiceClient
from vcr import matchers as vcr_matchers
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import CASSETTE_FORMAT_VERSION
from vcr.serializers.compat import convert_to_unicode

from entra_agents import __version__
from entra_agents.errors import TenantReadError, UsageError
from entra_agents.graph.client import (
    GRAPH_V1,
    ReplayMissError,
    base_url_of,
    close_graph_client,
    make_graph_client,
)
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.pseudonymize import Pseudonymizer
from entra_agents.graph.scrub import REQUEST_HEADER_FILTERS, find_secrets, scrub_request, scrub_response, text_secrets
from entra_agents.graph.snapshot import COLLECTIONS, TenantSnapshot

CASSETTE = "cassette.yaml"
TENANT_INFO = "tenant.json"
FORMAT = 2
READABLE_FORMATS = (1, 2)  # format 1 had no source, scope or version in tenant.json; its cassette is the same
MATCH_ON = ("method", "path", "query", "body")  # not scheme/host/port: replay runs against graph.microsoft.com
ANY_SOURCE = "live|demo|fixture:PATH"  # for a recording that does not say where it came from (format 1)
FIXTURE_PREFIX = "fixture:"


@dataclass(frozen=True)
class RecordingSource:
    """Where a recording came from, as ``tenant.json`` keeps it: never a credential or a setting's value."""

    kind: str  # live | demo | fixture | url (a Graph endpoint given directly, e.g. a simulator in a test)
    spec: str | None = None  # what to pass to ``tenant record --from`` to record it again

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, **({"spec": self.spec} if self.spec else {})}


def graph_vcr(source_base_url: str | None = None, *, request_hook: Any = None) -> vcr.VCR:
    """The vcrpy configuration shared by recording and replay.

    ``source_base_url`` is the endpoint being recorded; its origin is rewritten to graph.microsoft.com.
    """
    origin = _origin(source_base_url) if source_base_url else None
    return vcr.VCR(
        serializer="yaml",
        match_on=list(MATCH_ON),
        filter_headers=REQUEST_HEADER_FILTERS,
        before_record_request=request_hook or (lambda request: scrub_request(request, origin)),
        before_record_response=lambda response: scrub_response(response, origin),
        decode_compressed_response=True,
    )


# ----------------------------------------------------------------------------------------------- recording


async def record_client(client: GraphServiceClient, out_dir: str | os.PathLike[str], *, source: RecordingSource,
                        pseudonymize: bool = False, seed: str | None = None, force: bool = False,
                        as_of: datetime | None = None) -> TenantSnapshot:
    """Load a snapshot through ``client`` while recording it into ``out_dir``; return the (real) snapshot.

    The caller owns ``client``. ``out_dir`` must not hold a recording unless ``force``; a directory holding
    anything else is never replaced. ``as_of`` is the moment the source describes (a tenant file's ``asOf``);
    the recording is read as of it, and it is kept as ``recordedAt``. None means now.
    """
    if seed is not None and not pseudonymize:
        raise UsageError("--seed makes pseudonymized values reproducible; it needs --pseudonymize")
    out = Path(out_dir)
    _check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = out.parent / f".{out.name}.{secrets.token_hex(4)}.partial"  # same file system: rename is atomic
    staged.mkdir()
    try:
        writer = _CassetteWriter(Pseudonymizer.from_seed(seed) if pseudonymize else None)
        # the loader's look-back window starts from "now": replaying with now=recordedAt sends the same filters
        started = (as_of or datetime.now(UTC)).replace(microsecond=0)
        with graph_vcr(base_url_of(client)).use_cassette(
                str(staged / CASSETTE), record_mode="all", persister=writer, record_on_exception=False):
            snapshot = await load_snapshot(client, now=started)
        if not (staged / CASSETTE).is_file():
            raise TenantReadError(f"nothing was recorded from {source.spec or source.kind}; check the source")
        info = _tenant_info(snapshot, source, writer.pseudonymizer, writer.saved, started)
        text = json.dumps(info, indent=2, ensure_ascii=False) + "\n"
        if text_secrets(text):
            raise TenantReadError(f"refusing to save the recording in {out}: {TENANT_INFO} would contain a "
                                  "secret; report this as a bug")
        (staged / TENANT_INFO).write_text(text, encoding="utf-8")
        _publish(staged, out, force)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return snapshot


async def record_tenant(source_base_url: str, out_dir: str | os.PathLike[str], credential: Any = None, *,
                        source: RecordingSource | None = None, pseudonymize: bool = False,
                        seed: str | None = None, force: bool = False) -> TenantSnapshot:
    """Record the Graph endpoint at ``source_base_url`` (e.g. a running simulator) into ``out_dir``."""
    client = make_graph_client(source_base_url, credential)
    try:
        return await record_client(client, out_dir, source=source or RecordingSource("url"),
                                   pseudonymize=pseudonymize, seed=seed, force=force)
    finally:
        await close_graph_client(client)


async def record_from_spec(spec: str, out_dir: str | os.PathLike[str], *, pseudonymize: bool = False,
                           seed: str | None = None, force: bool = False) -> TenantSnapshot:
    """Record the tenant ``--from`` names (``live``, ``demo`` or ``fixture:PATH``) into ``out_dir``."""
    from entra_agents.graph.sources import open_tenant  # sources imports this module

    spec = spec.strip()
    _check_target(Path(out_dir), force)  # before a sign-in or a simulator start
    options: dict[str, Any] = {"pseudonymize": pseudonymize, "seed": seed, "force": force}
    if spec == "live":
        return await _record_live(out_dir, options)
    if spec != "demo" and not spec.startswith(FIXTURE_PREFIX):
        if spec and is_recording(spec):
            raise UsageError(f"{spec} is already a recorded tenant; copy the directory instead of re-recording it")
        raise UsageError(f"--from {spec!r}: record from 'live' (Microsoft Graph), 'demo' or 'fixture:PATH'")
    kind = "demo" if spec == "demo" else "fixture"
    # a pseudonymized recording is meant to be shared: keep the fixture's file name, not where it lives
    shown = f"{FIXTURE_PREFIX}{Path(spec[len(FIXTURE_PREFIX):]).name}" if kind == "fixture" and pseudonymize else spec
    async with open_tenant(spec) as conn:
        return await record_client(conn.client, out_dir, source=RecordingSource(kind, shown), as_of=conn.as_of,
                                   **options)


async def _record_live(out_dir: str | os.PathLike[str], options: dict[str, Any]) -> TenantSnapshot:
    try:
        live = importlib.import_module("entra_agents.graph.live")  # azure-identity: only when asked for
    except ImportError as exc:
        raise UsageError(f"--from live needs live Graph sign-in (entra_agents.graph.live), which could not be "
                         f"loaded ({exc}); record from 'demo' or 'fixture:PATH', or reinstall entra-agents") from None
    settings = live.LiveSettings.from_env()
    credential = live.build_credential(settings)
    try:
        client = live.live_client(settings, credential=credential)
        try:
            return await record_client(client, out_dir, source=RecordingSource("live", "live"), **options)
        finally:
            await close_graph_client(client)
    finally:
        await credential.close()


class _CassetteWriter:
    """A vcrpy persister that puts interactions in order, pseudonymizes them and checks them for secrets.

    It works on the interactions in memory, so nothing reaches the disk before the check has passed.
    """

    def __init__(self, pseudonymizer: Pseudonymizer | None) -> None:
        self.pseudonymizer = pseudonymizer
        self.saved = 0

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        raise CassetteNotFoundError()  # a recording always starts from nothing

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        # the same conversion vcrpy's own serializer makes (vcr.serialize.serialize)
        interactions = [
            {"request": convert_to_unicode(request._to_dict()), "response": convert_to_unicode(copy.deepcopy(response))}
            for request, response in zip(cassette_dict["requests"], cassette_dict["responses"], strict=True)
        ]
        interactions = _last_answers(interactions)
        if self.pseudonymizer is not None:
            self.pseudonymizer.pseudonymize(interactions)
        interactions.sort(key=_order)
        problems = find_secrets(interactions)
        if problems:
            shown = "; ".join(problems[:5]) + ("..." if len(problems) > 5 else "")
            raise TenantReadError(f"refusing to save the recording: it would contain a secret ({shown}); "
                                  "report this as a bug")
        text = serializer.serialize({"version": CASSETTE_FORMAT_VERSION, "interactions": interactions})
        Path(cassette_path).write_text(text, encoding="utf-8")
        self.saved = len(interactions)


def _last_answers(interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A 429/503 that was retried is about that moment, not the tenant: keep the answer the loader acted on.
    # Replay (allow_playback_repeats) only ever plays the first of identical requests, so an earlier answer
    # would be all a replay sees, and a replayed 429 would be retried for ever.
    last = {_order(i): n for n, i in enumerate(interactions)}
    return [i for n, i in enumerate(interactions) if last[_order(i)] == n]


def _order(interaction: dict[str, Any]) -> tuple[str, str, str]:
    request = interaction["request"]
    return str(request["method"]), str(request["uri"]), str(request.get("body") or "")


def _tenant_info(snapshot: TenantSnapshot, source: RecordingSource, pseudonymizer: Pseudonymizer | None,
                 interactions: int, started: datetime) -> dict[str, Any]:
    def hide(text: str) -> str:
        return pseudonymizer.text(text) if pseudonymizer else text

    names = ["organization", "securityDefaults", *COLLECTIONS]
    failed = {name: _failure(hide(reason)) for name, reason in sorted(snapshot.failed.items())}
    display_name = snapshot.display_name
    return {
        "format": FORMAT,
        "organization": {"id": snapshot.tenant_id,
                         "displayName": pseudonymizer.name(display_name) if pseudonymizer else display_name},
        "recordedAt": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "source": source.to_json(),
        "scope": {"recorded": [n for n in dict.fromkeys(names) if n not in failed], "failed": failed},
        "entraAgentsVersion": __version__,
        "pseudonymized": pseudonymizer is not None,
        "interactions": interactions,
    }


def _failure(reason: str) -> dict[str, Any]:
    # GraphRequestError reads "403 Authorization_RequestDenied: message (GET /path)"
    match = re.search(r"\b([1-5]\d\d) ([A-Za-z_][\w.]*):", reason)
    if match is None:
        return {"status": None, "message": reason}
    return {"status": int(match.group(1)), "code": match.group(2), "message": reason}


# ------------------------------------------------------------------------------------- the output directory


def _check_target(out: Path, force: bool) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a directory to create")
    if is_recording(out) or (out / TENANT_INFO).exists():
        if not force:
            raise UsageError(f"{out} already holds a recorded tenant; add --force to replace it, or choose "
                             "another --out")
    elif any(out.iterdir()):
        # --force replaces recordings only: a directory of other files is never deleted
        raise UsageError(f"{out} exists and is not a recorded tenant; choose a new or empty directory for --out")


def _publish(staged: Path, out: Path, force: bool) -> None:
    _check_target(out, force)  # again: it may have appeared while we were recording
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
    if not out.exists():
        staged.rename(out)
        return
    retired = out.with_name(f".{out.name}.replaced-{secrets.token_hex(4)}")
    out.rename(retired)
    try:
        staged.rename(out)
    except OSError:
        retired.rename(out)  # put the old recording back rather than leave nothing
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# ---------------------------------------------------------------------------------------------------- replay


def is_recording(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / CASSETTE).is_file()


def recorded_at(directory: str | os.PathLike[str]) -> datetime | None:
    """When a recording started: pass it as the loader's ``now`` so a replay asks for the recorded time window."""
    value = read_recording_info(directory).get("recordedAt")
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


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

    A request with no recording raises ``ReplayMissError`` (a ``TenantReadError``) naming the request and
    the command that records it again. The client is usable only inside the ``with`` block. Identical
    requests may be replayed repeatedly, because a snapshot is static and callers may read the same object twice.
    """
    d = Path(directory)
    if not is_recording(d):
        raise UsageError(f"{d} is not a recorded tenant: it has no {CASSETTE}; record one first")
    info = read_recording_info(d)
    if info.get("format", FORMAT) not in READABLE_FORMATS:
        raise UsageError(f"{d} was recorded in format {info.get('format')}, this version reads formats "
                         f"{', '.join(map(str, READABLE_FORMATS))}; re-record it")
    guard = _ReplayGuard(d, info)
    client = make_graph_client(GRAPH_V1)
    with graph_vcr(request_hook=guard).use_cassette(str(d / CASSETTE), record_mode="none",
                                                    allow_playback_repeats=True) as cassette:
        guard.cassette = cassette
        yield client


class _ReplayGuard:
    """``before_record_request`` at replay: a request the cassette cannot answer becomes one clear error.

    vcrpy's own miss (``CannotOverwriteExistingCassetteException``) knows nothing of where the recording came
    from; this one says how to record it again.
    """

    def __init__(self, directory: Path, info: dict[str, Any]) -> None:
        self.directory, self.info = directory, info
        self.cassette: Any = None  # set once loaded: vcrpy runs this hook over the stored requests as it loads
        self._index: dict[tuple[Any, ...], list[Any]] | None = None
        self._matchers = [getattr(vcr_matchers, name) for name in MATCH_ON]

    def __call__(self, request: Any) -> Any:
        request = scrub_request(request, None)
        if self.cassette is not None and not self._recorded(request):
            raise ReplayMissError(self.message(request.method, request.uri))
        return request

    def _recorded(self, request: Any) -> bool:
        if self._index is None:
            self._index = {}
            for stored, _ in self.cassette.data:
                self._index.setdefault(_key(stored), []).append(stored)
        candidates = self._index.get(_key(request), [])
        return any(vcr_matchers.requests_match(request, stored, self._matchers) for stored in candidates)

    def message(self, method: str, uri: str) -> str:
        parts = urlsplit(uri)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        source = self.info.get("source") if isinstance(self.info.get("source"), dict) else {}
        spec = source.get("spec")
        when = str(self.info.get("recordedAt") or "")[:10]
        origin = f" (recorded from {spec}{f' on {when}' if when else ''})" if spec else ""
        flags = " --pseudonymize" if self.info.get("pseudonymized") else ""
        return (f"recorded tenant {self.directory}{origin} has no recording of {method} {target}; re-record it: "
                f"entra-agents tenant record --from {spec or ANY_SOURCE} --out {self.directory}{flags} --force")


def _key(request: Any) -> tuple[Any, ...]:
    # the method, path and query matchers, as a hash key: bodies are compared only among these candidates
    return request.method, request.path or "/", tuple(request.query)
