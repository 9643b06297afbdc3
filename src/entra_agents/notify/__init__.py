"""Notifications: a finished run's summary POSTed to webhooks (a generic JSON document, or a Teams card).

Typical use after a run (the caller records each delivery as a ``notification`` trace event)::

    deliveries = await deliver_run(store, run_id, [Webhook(url, "teams")])

Payload formats are documented in ``payloads``; delivery rules (timeout, one retry, secrets) in ``webhooks``.
"""

from __future__ import annotations

from collections.abc import Sequence

from entra_agents.notify.payloads import FORMATS, Format, build_payload
from entra_agents.notify.webhooks import Delivery, Webhook, send
from entra_agents.reports.data import RunStore, gather

__all__ = ["FORMATS", "Delivery", "Format", "Webhook", "build_payload", "deliver_run", "send"]


async def deliver_run(store: RunStore, run_id: str, webhooks: Sequence[Webhook]) -> list[Delivery]:
    """Build each needed payload from the run's report data once, and send it to every webhook."""
    if not webhooks:
        return []
    report = gather(store, run_id)
    payloads = {fmt: build_payload(report, fmt) for fmt in {hook.format for hook in webhooks}}
    return await send(webhooks, payloads)
