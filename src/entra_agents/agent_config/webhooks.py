"""Webhook notification targets: where an agent's run summaries are posted.

A webhook URL is a credential (Teams incoming webhooks and most generic ones carry their secret in the path
or query), so it is stored but never printed, logged or traced in full: ``redact`` keeps the scheme and host.
Only https is accepted, except plain http to a loopback address, which is what a local test receiver uses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from entra_agents.errors import UsageError

WebhookFormat = Literal["generic", "teams"]
FORMATS: tuple[WebhookFormat, ...] = ("generic", "teams")


@dataclass(frozen=True)
class Webhook:
    url: str
    format: WebhookFormat

    def to_json(self) -> dict[str, Any]:
        """The stored form (full URL): only the store and the notifier see this."""
        return {"url": self.url, "format": self.format}

    def shown(self) -> dict[str, Any]:
        return {"url": redact(self.url), "format": self.format}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook(url: str, format: str) -> Webhook:
    """A validated webhook target (raises UsageError naming the problem, never echoing the full URL)."""
    if format not in FORMATS:
        raise UsageError(f"webhook format {format!r}: use one of {', '.join(FORMATS)}")
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if not host:
        raise UsageError(f"webhook {redact(url)}: not an absolute URL; give https://HOST/PATH")
    if parts.scheme == "http" and not _loopback(host):
        raise UsageError(f"webhook {redact(url)}: plain http is only accepted for loopback test receivers; "
                         "use https")
    if parts.scheme not in ("https", "http"):
        raise UsageError(f"webhook {redact(url)}: scheme {parts.scheme or '(none)'!r} is not supported; use https")
    if parts.username or parts.password:
        raise UsageError(f"webhook {redact(url)}: credentials in the URL are not accepted")
    return Webhook(url.strip(), format)  # type: ignore[arg-type]  # checked against FORMATS above


def redact(url: str) -> str:
    """``scheme://host…``: enough to recognise the target, nothing of its secret path or query."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        return "(not a URL)…"
    return f"{parts.scheme}://{parts.hostname}…"
