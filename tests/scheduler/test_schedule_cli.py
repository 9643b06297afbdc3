"""`schedule add|remove|run --once|status`: stored entries, the plan, last outcomes and leases as shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from entra_agents.scheduler.plan import format_period, parse_period
from entra_agents.store import Store
from entra_agents.store import schedules as db
from tests.helpers import cli, cli_json

CONTENT = Path(__file__).parent / "slow_content"


@pytest.fixture
def slow_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_CONTENT", str(CONTENT))
    monkeypatch.setenv("SLOW_AGENT_SECONDS", "0")


def test_add_run_once_and_status(slow_agent: None) -> None:
    code, out, err = cli("schedule", "add", "slow-agent", "--tenant", "demo", "--every", "6h",
                         "--activity", "ca-policy-changes")
    assert code == 0, err
    assert "every 6h, on activity ca-policy-changes" in out
    [row] = cli_json("schedule", "status")
    assert (row["source"], row["everySeconds"], row["last"], row["lease"]) == ("stored", 21600, None, None)
    assert row["activity"]["rule"] == "ca-policy-changes" and row["activity"]["cooldownUntil"] is None

    code, out, err = cli("schedule", "run", "--once")
    assert code == 0, err
    [row] = cli_json("schedule", "status")
    assert row["last"]["status"] == "succeeded" and row["last"]["trigger"] == "periodic"
    assert Store().get_run(row["last"]["runId"])["status"] == "succeeded"
    assert row["nextRun"] > row["last"]["started"]

    code, out, _ = cli("schedule", "status")
    assert "last       succeeded (periodic, run " in out
    code, out, _ = cli("schedule", "remove", "slow-agent", "--tenant", "demo")
    assert code == 0 and "no longer scheduled" in out
    [row] = cli_json("schedule", "status")  # its history stays, shown as scheduled from a command line
    assert row["source"] == "command line"


def test_status_shows_who_is_running_what(slow_agent: None) -> None:
    cli("schedule", "add", "slow-agent", "--tenant", "demo")
    store = Store()
    assert db.acquire(store, "slow-agent", "demo", owner="host:42:abc", trigger="periodic", at=store.clock(),
                      ttl_seconds=600)
    [row] = cli_json("schedule", "status")
    assert row["lease"]["owner"] == "host:42:abc" and row["lease"]["expired"] is False
    _, out, _ = cli("schedule", "status")
    assert "running    periodic since" in out and "host:42:abc" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["schedule", "add", "slow-agent", "--tenant", "demo", "--activity", "nope"], "unknown activity rule"),
    (["schedule", "add", "slow-agent", "--tenant", "demo", "--every", "10"], "at least 60 seconds"),
    (["schedule", "add", "slow-agnet", "--tenant", "demo"], "slow-agent"),
    (["schedule", "remove", "slow-agent", "--tenant", "demo"], "not scheduled"),
    (["schedule", "run", "--once"], "nothing to schedule"),
])
def test_mistakes_are_one_clear_line(slow_agent: None, argv: list[str], message: str) -> None:
    code, _, err = cli(*argv)
    assert code == 2 and message in err


def test_periods() -> None:
    assert [parse_period(p) for p in ("3600", "90s", "30m", "6h", "1d")] == [3600, 90, 1800, 21600, 86400]
    assert [format_period(s) for s in (86400, 21600, 90, 3600)] == ["1d", "6h", "90s", "1h"]
    for bad in ("6x", "1dh", "", "-5m"):
        with pytest.raises(Exception, match="--every"):
            parse_period(bad)


def test_a_manual_only_agent_is_scheduled_only_with_a_period_of_its_own(slow_agent: None) -> None:
    code, _, err = cli("schedule", "run", "--once", "--tenant", "demo", "--agent", "manual-agent")
    assert code == 2 and "declares no period" in err
    code, _, err = cli("schedule", "add", "manual-agent", "--tenant", "demo")
    assert code == 2 and "give --every or --activity" in err
    code, out, err = cli("schedule", "add", "manual-agent", "--tenant", "demo", "--every", "1d")
    assert code == 0 and "every 1d" in out


def test_status_imports_neither_semantic_kernel_nor_msgraph() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom entra_agents.cli.main import main\nmain(['schedule', 'status'])\n"
             "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('semantic_kernel', 'msgraph'))}))")
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
