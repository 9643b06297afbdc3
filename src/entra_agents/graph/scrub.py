"""Keep secrets and per-request noise out of recorded tenants (DESIGN safety rule 5).

Scrubbing runs in vcrpy's record hooks, so a secret never reaches the cassette file, not even a temporary one.
``find_secrets`` is the last line of defence: the recorder refuses to save anything it flags.

Secret values are replaced by ``REDACTED`` in place, so JSON stays valid and shaped as Graph sent it; the
response's ``content-length`` is recomputed whenever its body changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

REDACTED = "REDACTED"
GRAPH_ORIGIN = "https://graph.microsoft.com"  # where replays are served from (graph.client.GRAPH_V1 lives under it)
BEARER_PLACEHOLDER = f"Bearer {REDACTED}"

# Request headers: vcrpy's ``filter_headers`` (name -> replacement, or a bare name to drop the header).
REQUEST_HEADER_FILTERS: list[Any] = [
    ("authorization", BEARER_PLACEHOLDER),
    ("proxy-authorization", REDACTED),
    ("api-key", REDACTED),
    ("x-api-key", REDACTED),
    ("ocp-apim-subscription-key", REDACTED),
    "cookie",
    # noise: differs per request or per machine, and would make two recordings of one tenant differ
    "client-request-id", "x-ms-client-request-id", "request-id", "user-agent", "sdkversion", "retry-attempt",
    "host",  # the record-time server and port; replay runs against graph.microsoft.com
]
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key",
                            "ocp-apim-subscription-key", "cookie", "set-cookie"})
NOISE_RESPONSE_HEADERS = frozenset({
    "request-id", "client-request-id", "x-ms-ags-diagnostic", "x-ms-resource-unit", "date", "server",
    "strict-transport-security", "x-ms-request-id",
})
DROP_RESPONSE_HEADERS = SECRET_HEADERS | NOISE_RESPONSE_HEADERS

# JSON keys whose value is a secret wherever they appear (compared case-insensitively).
SECRET_KEYS = frozenset({
    "secrettext", "password", "client_secret", "clientsecret", "access_token", "accesstoken", "refresh_token",
    "refreshtoken", "id_token", "idtoken", "api_key", "apikey", "client_assertion", "clientassertion",
})
# Keys that are secret only inside a credential list: keyCredentials[].key is the key material, and
# passwordCredentials[].hint is the first characters of the client secret.
CREDENTIAL_LIST_SECRETS = {"keycredentials": frozenset({"key"}), "passwordcredentials": frozenset({"hint"})}
# innerError fields that change on every request and say nothing about the tenant
ERROR_NOISE_KEYS = frozenset({"date", "request-id", "client-request-id"})

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
# A bearer token quoted in a body (an error message echoing a header, say). Eight characters at least, so
# prose such as "Bearer tokens expire" is left alone.
BEARER = re.compile(r"\b(?i:bearer)\s+(?!REDACTED\b)[A-Za-z0-9._~+/=-]{8,}")
_FORM_SECRET = re.compile(
    r"(?i)\b(client_secret|client_assertion|password|access_token|refresh_token|id_token|api[-_]?key)=[^&\s]*")
# What must never be saved: a bearer token other than the placeholder, or anything shaped like a JWT.
_LEAK = re.compile(BEARER.pattern + "|" + JWT.pattern)


# --------------------------------------------------------------------------------------------- vcrpy hooks


def scrub_request(request: Any, source_origin: str | None) -> Any:
    """``before_record_request``: keep only requests to the recorded Graph endpoint, rebased and scrubbed.

    Requests to other hosts (e.g. azure-identity asking login.microsoftonline.com for a token while a live
    tenant is recorded) return None, which tells vcrpy to let them through without recording them.
    """
    if source_origin:
        # vcrpy runs this hook again on requests it already rebased, so graph.microsoft.com passes too
        if not (_same_origin(request.uri, source_origin) or _same_origin(request.uri, GRAPH_ORIGIN)):
            return None
        request.uri = rebase(request.uri, source_origin)
    request.uri = _FORM_SECRET.sub(rf"\1={REDACTED}", redact_tokens(request.uri))
    text = _text(request.body)
    if text:
        scrubbed = scrub_body(text)
        if scrubbed != text:
            request.body = scrubbed.encode("utf-8")
            for name in list(request.headers):
                if name.lower() == "content-length":
                    request.headers[name] = str(len(request.body))
    return request


def scrub_response(response: dict[str, Any], source_origin: str | None) -> dict[str, Any]:
    """``before_record_response``: drop secret and noisy headers, rebase URLs, scrub the body."""
    headers = response.get("headers") or {}
    response["headers"] = {
        name: [rebase(v, source_origin) for v in values]
        for name, values in headers.items() if name.lower() not in DROP_RESPONSE_HEADERS
    }
    text = _text(response.get("body", {}).get("string"))
    if text is not None:
        set_response_body(response, scrub_body(rebase(text, source_origin)))
    return response


def set_response_body(response: dict[str, Any], text: str, *, as_text: bool = False) -> None:
    """Replace a recorded response body, keeping ``content-length`` true to it.

    vcrpy holds bodies as bytes while recording and as text once serialised (``as_text``).
    """
    data = text.encode("utf-8")
    response.setdefault("body", {})["string"] = text if as_text else data
    for name in response.get("headers") or {}:
        if name.lower() == "content-length":
            response["headers"][name] = [str(len(data))]


def rebase(value: Any, source_origin: str | None) -> Any:
    """Point recorded URLs (nextLink, @odata.context, Location) at graph.microsoft.com, not the record-time host.

    Replay then never depends on the port a simulator happened to get, nor on a national cloud's host.
    """
    if not source_origin or source_origin == GRAPH_ORIGIN:
        return value
    if isinstance(value, bytes):
        return value.replace(source_origin.encode(), GRAPH_ORIGIN.encode())
    if isinstance(value, str):
        return value.replace(source_origin, GRAPH_ORIGIN)
    return value


def _text(body: Any) -> str | None:
    # Graph speaks UTF-8 JSON; a body that is not text (a photo, say) holds no token we could find, and
    # decoding it with replacement characters would corrupt it
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body if isinstance(body, str) else None


def _same_origin(uri: str, origin: str) -> bool:
    return uri == origin or uri.startswith(origin + "/") or uri.startswith(origin + "?")


# ------------------------------------------------------------------------------------------------- bodies


def scrub_body(text: str) -> str:
    """A body with every secret value replaced by ``REDACTED``; unchanged text if there was nothing to hide."""
    data = _parse_json(text)
    if data is None:
        return _FORM_SECRET.sub(rf"\1={REDACTED}", redact_tokens(text))
    scrubbed, changed = scrub_json(data)
    return json.dumps(scrubbed, ensure_ascii=False) if changed else text


def scrub_json(value: Any, parent_key: str = "") -> tuple[Any, bool]:
    """(value with secrets redacted, whether anything changed). Walks nested objects and lists."""
    if isinstance(value, str):
        scrubbed = redact_tokens(value)
        return scrubbed, scrubbed != value
    if isinstance(value, list):
        changed = False
        items = []
        for item in value:
            new, did = scrub_json(item, parent_key)
            items.append(new)
            changed |= did
        return items, changed
    if not isinstance(value, dict):
        return value, False
    out: dict[str, Any] = {}
    changed = False
    list_secrets = CREDENTIAL_LIST_SECRETS.get(parent_key.lower(), frozenset())
    for key, item in value.items():
        lowered = key.lower()
        if (lowered in SECRET_KEYS or lowered in list_secrets) and _holds_secret(item):
            out[key], did = REDACTED, True
        elif lowered == "innererror" and isinstance(item, dict):
            kept = {k: v for k, v in item.items() if k.lower() not in ERROR_NOISE_KEYS}
            out[key], did = scrub_json(kept, key)
            did = did or len(kept) != len(item)
        else:
            out[key], did = scrub_json(item, key)
        changed |= did
    return out, changed


def _holds_secret(value: Any) -> bool:
    # Graph reads return secretText as null; a flag (e.g. a policy's "password": true) is not a secret
    return not (value is None or isinstance(value, bool) or value in ("", REDACTED))


def redact_tokens(text: str) -> str:
    """Replace JWTs and quoted bearer tokens anywhere in a text."""
    return BEARER.sub(BEARER_PLACEHOLDER, JWT.sub(REDACTED, text))


def redact_tree(value: Any) -> Any:
    """A copy of ``value`` (JSON-like) with tokens redacted in every string, keys included. For what the store
    keeps: trace events, findings, suggestions."""
    if isinstance(value, str):
        return redact_tokens(value) if may_hold_token(value) else value
    if isinstance(value, dict):
        return {redact_tree(k): redact_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_tree(v) for v in value]
    return value


def may_hold_token(text: str) -> bool:
    """A cheap test before the regular expressions: most texts hold neither a JWT header nor "bearer"."""
    return "eyJ" in text or "earer" in text or "EARER" in text


def _parse_json(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ the last check


def find_secrets(interactions: list[dict[str, Any]]) -> list[str]:
    """Where serialised interactions still hold a secret: ["interaction 3 response body: secretText", ...].

    The findings name the place and never the value, so the error that reports them leaks nothing either.
    """
    problems: list[str] = []
    for number, interaction in enumerate(interactions, start=1):
        for side in ("request", "response"):
            part = interaction.get(side) or {}
            where = f"interaction {number} {side}"
            for name, values in (part.get("headers") or {}).items():
                for value in values if isinstance(values, list) else [values]:
                    if name.lower() in SECRET_HEADERS and str(value) not in (REDACTED, BEARER_PLACEHOLDER):
                        problems.append(f"{where} header {name}")
                    elif _LEAK.search(str(value)):
                        problems.append(f"{where} header {name}: token")
            if _LEAK.search(str(part.get("uri") or "")):
                problems.append(f"{where} uri: token")
            body = part.get("body")
            text = body.get("string") if isinstance(body, dict) else body
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            if text:
                problems += [f"{where} body: {p}" for p in text_secrets(str(text))]
    return problems


def text_secrets(text: str) -> list[str]:
    """Secret-shaped content in one text (a body, or a metadata file): tokens and unredacted secret keys."""
    found = ["token"] if _LEAK.search(text) else []
    data = _parse_json(text)
    if data is not None:
        found += sorted({key for key in _secret_keys_with_values(data)})
    elif _FORM_SECRET.search(text.replace(f"={REDACTED}", "")):
        found.append("form field")
    return found


def _secret_keys_with_values(value: Any, parent_key: str = "") -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _secret_keys_with_values(item, parent_key)
    elif isinstance(value, dict):
        list_secrets = CREDENTIAL_LIST_SECRETS.get(parent_key.lower(), frozenset())
        for key, item in value.items():
            if (key.lower() in SECRET_KEYS or key.lower() in list_secrets) and _holds_secret(item):
                yield key
            else:
                yield from _secret_keys_with_values(item, key)
