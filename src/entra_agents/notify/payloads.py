"""Webhook payloads for a finished run, built from the report data (``entra_agents.reports.data.RunReport``).

``generic`` (version 1, additive changes only)::

    {"event": "run.finished", "version": 1, "agent": str,
     "tenant": {"id": str, "displayName": str},
     "run": {"id", "status", "model", "started", "finished", "durationSeconds"},
     "counts": {"suggestions", "suggestionsByPriority": {priority: n}, "unprotectedUsers", "unprotectedApps",
                "failedChecks", "errors", "guardRefusals", "tenantWrites"},
     "suggestions": [{"id", "title", "priority", "kind"}],   # at most 10, highest priority first
     "suggestionsTotal": int}

``teams``: a Teams message with one Adaptive Card (1.5) attachment: a title, a FactSet of the counts and at most
five suggestions, like Microsoft's agent notifications (which list at most five objects). It works with Teams
Workflows webhooks and incoming-webhook connectors. Card text is rendered as Markdown by Teams, so tenant
strings are Markdown-escaped there; JSON needs no other escaping.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from entra_agents.errors import UsageError
from entra_agents.reports.data import RunReport
from entra_agents.reports.text import md, one_line, truncate

Format = Literal["generic", "teams"]
FORMATS: tuple[Format, ...] = ("generic", "teams")
JSON = dict[str, Any]
GENERIC_LIMIT = 10
TEAMS_LIMIT = 5
TITLE_LIMIT = 200  # Teams rejects messages over ~28 KB; a hostile title must not get there


def build_payload(report: RunReport, format: Format) -> JSON:
    if format == "generic":
        return _generic(report)
    if format == "teams":
        return _teams(report)
    raise UsageError(f"webhook format {format!r}: expected one of {', '.join(FORMATS)}")


def _counts(report: RunReport) -> JSON:
    by_priority = Counter(s.priority for s in report.suggestions)
    return {
        "suggestions": len(report.suggestions),
        "suggestionsByPriority": dict(by_priority),
        "unprotectedUsers": report.unprotected_users, "unprotectedApps": report.unprotected_apps,
        "failedChecks": report.check_counts.get("error", 0), "errors": len(report.problems),
        "guardRefusals": report.activity.guard_refusals, "tenantWrites": report.activity.writes,
    }


def _generic(report: RunReport) -> JSON:
    return {
        "event": "run.finished", "version": 1, "agent": report.agent,
        "tenant": {"id": report.tenant_id, "displayName": report.tenant_name},
        "run": {"id": report.run_id, "status": report.status, "model": report.model, "started": report.started,
                "finished": report.finished, "durationSeconds": report.duration_seconds},
        "counts": _counts(report),
        "suggestions": [{"id": s.id, "title": truncate(s.title, TITLE_LIMIT), "priority": s.priority,
                         "kind": s.kind} for s in report.suggestions[:GENERIC_LIMIT]],
        "suggestionsTotal": len(report.suggestions),
    }


def _text(text: str, **style: Any) -> JSON:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _teams(report: RunReport) -> JSON:
    counts = _counts(report)
    facts = [
        ("Tenant", md(truncate(one_line(report.tenant_name) or report.tenant_id, TITLE_LIMIT))),
        ("Status", md(report.status)),
        ("Model", md(report.model_label())),
        ("Unprotected users", str(counts["unprotectedUsers"])),
        ("Unprotected apps", str(counts["unprotectedApps"])),
        ("Suggestions", str(counts["suggestions"])),
        ("Errors", str(counts["errors"])),
    ]
    body: list[JSON] = [
        _text(f"{md(report.agent)} finished a run", size="Medium", weight="Bolder"),
        _text(f"Run {md(report.run_id)}", isSubtle=True, spacing="None"),
        {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in facts]},
    ]
    shown = report.suggestions[:TEAMS_LIMIT]
    if shown:
        body.append(_text("Suggestions", weight="Bolder", separator=True))
        body += [_text(f"**{md(s.priority)}** · {md(truncate(s.title, TITLE_LIMIT))} ({md(s.check)})",
                       spacing="Small") for s in shown]
    if len(report.suggestions) > len(shown):
        body.append(_text(f"and {len(report.suggestions) - len(shown)} more: "
                          f"entra-agents runs report {md(report.run_id[:8])}", isSubtle=True))
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.5", "body": body, "msteams": {"width": "Full"}}
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}
