"""Small helpers shared by the end-to-end tests (drive the real CLI and runner, never mocks of our code)."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 (the only address tests may reach); yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
