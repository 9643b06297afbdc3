"""`suggestions show|dismiss|snooze|mark-reviewed|reopen|note|export` through the real CLI and store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from entra_agents.cli import common
from entra_agents.store import Store
from tests.helpers import cli, cli_json
from tests.suggestions.builders import DEMO, SALES, TENANT_ID, modify_suggestion, new_policy_suggestion

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The store's "now" for every CLI call: move it with ``clock[0] = ...``."""
    at = [NOW]
    monkeypatch.setattr(common, "store", lambda: Store(clock=lambda: at[0]))
    return at


def test_show_describes_the_change_and_who_is_affected(clock: list[datetime]) -> None:
    suggestion = modify_suggestion(Store(), impact={"signInsEvaluated": 40, "signInsAffected": 3,
                                                    "window": {"from": "a", "to": "b"}})
    code, out, err = cli("suggestions", "show", suggestion["id"][:6])
    assert (code, err) == (0, "")
    assert "kind modify_policy  check EXC-01  priority medium  status open" in out
    assert f"+ conditions.users.excludeGroups: {SALES}" in out
    assert '~ sessionControls: null -> {"signInFrequency"' in out
    assert "Policy after the change" in out and "groups: 1: " + SALES in out
    assert "sign-ins evaluated 40 (a to b), affected 3" in out and "(no actions yet)" in out
    named = cli("suggestions", "show", suggestion["id"], "--tenant", "demo")[1]
    assert f"+ conditions.users.excludeGroups: {SALES} ('Sales')" in named
    assert cli_json("suggestions", "show", suggestion["id"])["changes"] == suggestion["changes"]


def test_bad_ids_are_clear_errors(clock: list[datetime]) -> None:
    code, _, err = cli("suggestions", "dismiss", "zzz", "--reason", "x")
    assert code == 2 and "suggestion zzz: not found (see `entra-agents suggestions list`)" in err


def test_dismiss_needs_a_reason_and_reopen_undoes_it(clock: list[datetime]) -> None:
    sid = modify_suggestion(Store())["id"]
    with pytest.raises(SystemExit) as exited:
        cli("suggestions", "dismiss", sid)
    assert exited.value.code == 2  # argparse: "the following arguments are required: --reason"
    assert cli("suggestions", "dismiss", sid, "--reason", "  ")[0] == 2
    assert cli("suggestions", "dismiss", sid, "--reason", "Sales has its own policy")[0] == 0
    doc = cli_json("suggestions", "show", sid)
    assert doc["status"] == "dismissed"
    assert doc["history"] == [{"action": "dismiss", "at": "2026-12-01T09:00:00Z", "by": doc["history"][0]["by"],
                               "detail": "Sales has its own policy"}]
    assert doc["history"][0]["by"].endswith("(local OS user)")
    code, _, err = cli("suggestions", "snooze", sid)
    assert code == 2 and f"suggestion {sid} is dismissed; cannot snooze it: reopen it first" in err
    assert cli("suggestions", "reopen", sid)[0] == 0
    assert cli_json("suggestions", "show", sid)["status"] == "open"
    code, _, err = cli("suggestions", "reopen", sid)
    assert code == 2 and "it is already open" in err


def test_snooze_ends_on_read_and_stays_known_to_the_agent(clock: list[datetime]) -> None:
    db = Store()
    suggestion = modify_suggestion(db)
    code, out, _ = cli("suggestions", "snooze", suggestion["id"])
    assert code == 0 and "is snoozed until 2026-12-15T09:00:00Z" in out
    assert cli_json("suggestions", "list", "--status", "open") == []
    assert [s["id"] for s in cli_json("suggestions", "list", "--status", "snoozed")] == [suggestion["id"]]
    clock[0] = NOW + timedelta(days=14, seconds=1)
    doc = cli_json("suggestions", "show", suggestion["id"])
    assert doc["status"] == "open" and "snoozedUntil" not in doc
    assert doc["history"][-1] == {"action": "snooze-ended", "at": "2026-12-15T09:00:00Z", "by": "entra-agents",
                                  "detail": "the snooze ended; the suggestion is open again"}
    assert [s["id"] for s in cli_json("suggestions", "list", "--status", "open")] == [suggestion["id"]]
    assert cli_json("suggestions", "list", "--status", "snoozed") == []
    # the agent's de-duplication still finds it: the gap is never suggested a second time
    known = Store(clock=lambda: clock[0]).suggestion_by_fingerprint(TENANT_ID, suggestion["fingerprint"])
    assert known is not None and known["status"] == "open"
    # the next action makes the ended snooze part of the stored history
    assert cli("suggestions", "mark-reviewed", suggestion["id"])[0] == 0
    actions = [h["action"] for h in cli_json("suggestions", "show", suggestion["id"])["history"]]
    assert actions == ["snooze", "snooze-ended", "mark-reviewed"]


def test_snooze_until_a_day(clock: list[datetime]) -> None:
    sid = modify_suggestion(Store())["id"]
    assert cli("suggestions", "snooze", sid, "--until", "2026-11-30")[0] == 2
    assert cli("suggestions", "snooze", sid, "--days", "0")[0] == 2
    assert cli("suggestions", "snooze", sid, "--until", "2027-01-05")[0] == 0
    assert cli_json("suggestions", "show", sid)["snoozedUntil"] == "2027-01-05T00:00:00Z"
    clock[0] = datetime(2027, 1, 5, tzinfo=UTC)
    assert cli_json("suggestions", "show", sid)["status"] == "open"


def test_mark_reviewed_and_notes_keep_author_and_time(clock: list[datetime]) -> None:
    sid = modify_suggestion(Store())["id"]
    assert cli("suggestions", "mark-reviewed", sid)[0] == 0
    code, _, err = cli("suggestions", "mark-reviewed", sid)
    assert code == 2 and "already marked as reviewed" in err
    assert cli("suggestions", "note", sid, "Waiting for the Sales lead")[0] == 0
    clock[0] = NOW + timedelta(hours=1)
    assert cli("suggestions", "note", sid, "Agreed; apply on Monday")[0] == 0
    doc = cli_json("suggestions", "show", sid)
    assert doc["status"] == "reviewed"
    assert [(n["text"], n["at"]) for n in doc["notes"]] == [("Waiting for the Sales lead", "2026-12-01T09:00:00Z"),
                                                            ("Agreed; apply on Monday", "2026-12-01T10:00:00Z")]
    assert all(n["by"].endswith("(local OS user)") for n in doc["notes"])
    out = cli("suggestions", "show", sid)[1]
    assert "Notes\n  2026-12-01T09:00:00Z" in out and "mark-reviewed" in out


def test_export_csv_and_json(clock: list[datetime], tmp_path: Path) -> None:
    suggestion = new_policy_suggestion(Store())
    code, out, _ = cli("suggestions", "export", suggestion["id"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["kind", "id"]
    assert {(r["kind"], r["id"]) for r in rows} == {(k, i) for k, ids in suggestion["affected"].items() for i in ids}
    target = tmp_path / "affected.json"
    assert cli("suggestions", "export", suggestion["id"], "--format", "json", "--tenant", "demo",
               "--out", str(target))[0] == 0
    exported = json.loads(target.read_text())
    users = {u["id"]: u for u in DEMO.data["users"]}
    for row in exported:
        if row["kind"] == "users":
            assert row["userPrincipalName"] == users[row["id"]]["userPrincipalName"]
    assert {r["displayName"] for r in exported if r["kind"] == "groups"} == {"Sales-Contractors"}


def test_export_policy_as_graph_json_for_policies_as_code(clock: list[datetime], tmp_path: Path) -> None:
    new = new_policy_suggestion(Store())
    code, out, _ = cli("suggestions", "export", new["id"], "--format", "policy")
    exported = json.loads(out)
    assert code == 0 and exported["state"] == "enabledForReportingButNotEnforced" and "id" not in exported
    assert exported["displayName"] == new["policy"]["displayName"] and "createdDateTime" not in exported
    # a modification exports the whole policy after the change, with its id, ready to PATCH
    modify = modify_suggestion(Store())
    target = tmp_path / "policy.json"
    assert cli("suggestions", "export", modify["id"], "--format", "policy", "--out", str(target))[0] == 0
    after = json.loads(target.read_text())
    assert after["id"] == modify["targetPolicyId"] and SALES in after["conditions"]["users"]["excludeGroups"]
    assert "modifiedDateTime" not in after


def test_export_csv_cannot_carry_a_formula(clock: list[datetime], tmp_path: Path) -> None:
    data = json.loads(json.dumps(DEMO.data))
    user = next(u for u in data["users"] if u["id"] in new_policy_suggestion(Store())["affected"]["users"])
    user["displayName"] = '=HYPERLINK("http://evil.example","x")'
    user["userPrincipalName"] = "+1@contoso.test"
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text(yaml.safe_dump(data))
    sid = cli_json("suggestions", "list")[0]["id"]
    out = cli("suggestions", "export", sid, "--tenant", f"fixture:{tenant}")[1]
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["id"] == user["id"])
    assert row["displayName"] == "'" + user["displayName"] and row["userPrincipalName"] == "'+1@contoso.test"
