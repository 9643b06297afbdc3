"""Small helpers shared by the end-to-end tests (drive the real CLI and runner, never mocks of our code)."""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path
from typing import Any

import yaml

from entra_agents.cli.main import main


class FakeCredential:
    """The identity provider's side, which tests cannot reach: a fixed token (or an error), and a log of scopes."""

    def __init__(self, token: str = "fake.jwt.token", error: Exception | None = None) -> None:
        self.token, self.error, self.scopes, self.closed = token, error, [], False

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        if self.error is not None:
            raise self.error
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        self.closed = True


def clear_live_env(monkeypatch: Any) -> None:
    from entra_agents.graph import live

    for var in live.ENV.values():
        monkeypatch.delenv(var, raising=False)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def cli_json(*argv: str) -> Any:
    code, out, err = cli(*argv, "--json")
    assert code == 0, err
    return json.loads(out)


def write_script(path: Path, turns: list[dict[str, Any]]) -> str:
    path.write_text(yaml.safe_dump(turns), encoding="utf-8")
    return f"scripted:{path}"
