"""Webhook payloads: the generic JSON document and the Teams Adaptive Card."""

from __future__ import annotations

import json

import pytest

from entra_agents.errors import UsageError
from entra_agents.notify import build_payload
from entra_agents.reports.data import RunReport, gather
from entra_agents.store import Store
from tests.reports.sample_run import HOSTILE, make_run


def _report(n_suggestions: int = 12) -> RunReport:
    store = Store()
    return gather(store, make_run(store, n_suggestions=n_suggestions))


def test_generic_payload() -> None:
    report = _report()
    payload = build_payload(report, "generic")
    json.dumps(payload)
    assert payload["event"] == "run.finished" and payload["version"] == 1
    assert payload["agent"] == "ca-optimizer"
    assert payload["tenant"] == {"id": "tenant-1", "displayName": HOSTILE}  # JSON carries it as data, unaltered
    assert payload["run"]["id"] == report.run_id and payload["run"]["status"] == "succeeded"
    assert payload["counts"]["suggestions"] == 12 and payload["suggestionsTotal"] == 12
    assert payload["counts"]["suggestionsByPriority"] == {"high": 4, "medium": 4, "low": 4}
    assert (payload["counts"]["unprotectedUsers"], payload["counts"]["unprotectedApps"]) == (3, 3)
    assert len(payload["suggestions"]) == 10
    assert set(payload["suggestions"][0]) == {"id", "title", "priority", "kind"}
    assert [s["priority"] for s in payload["suggestions"][:5]] == ["high"] * 4 + ["medium"]


def _texts(card: dict) -> list[str]:
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    texts += [f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    return texts


def test_teams_payload_is_an_adaptive_card_listing_five() -> None:
    payload = build_payload(_report(), "teams")
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] in ("1.4", "1.5")
    assert {b["type"] for b in card["body"]} <= {"TextBlock", "FactSet"}
    listed = [t for t in _texts(card) if t.startswith("**")]
    assert len(listed) == 5
    assert any(t.startswith("and 7 more: entra-agents runs report ") for t in _texts(card))
    assert len(json.dumps(payload)) < 28_000  # Teams' message size limit


def test_teams_card_escapes_markdown_in_tenant_strings() -> None:
    card = build_payload(_report(2), "teams")["attachments"][0]["content"]
    for text in _texts(card):
        assert "[click](" not in text and "**bold**" not in text and "\n" not in text
    assert any("\\[click\\](https://evil.example/x)" in t for t in _texts(card))


def test_no_suggestions() -> None:
    report = _report(0)
    assert build_payload(report, "generic")["suggestions"] == []
    body = build_payload(report, "teams")["attachments"][0]["content"]["body"]
    assert not any(b.get("text") == "Suggestions" for b in body)


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="slack"):
        build_payload(_report(0), "slack")  # type: ignore[arg-type]
