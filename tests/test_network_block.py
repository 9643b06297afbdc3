"""The suite cannot reach the network: only loopback connections are allowed (tests/conftest.py)."""

from __future__ import annotations

import socket

import pytest


def test_non_loopback_connections_fail_before_leaving_the_machine() -> None:
    with pytest.raises(ConnectionRefusedError, match="must not use the network"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()
