"""Arguments and helpers shared by several command groups."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

TENANT_HELP = ("where tenant data comes from: 'live' (Microsoft Graph; see `entra-agents auth status`), 'demo' "
               "(bundled demo tenant), 'fixture:PATH' (a tenant file served by the built-in Graph simulator), "
               "or PATH of a recorded tenant directory")


def add_tenant(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", required=True, metavar="TENANT", help=TENANT_HELP)


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the stable JSON contract instead of text")


def parse_settings(pairs: list[str] | None) -> dict[str, str]:
    from entra_agents.errors import UsageError

    settings: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--setting {pair!r}: expected NAME=VALUE")
        settings[name.strip()] = value
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def store() -> Any:
    from entra_agents.store import Store

    return Store()


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
