"""Entry point: parse, dispatch, and turn our errors into one clear line and an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from entra_agents import __version__
from entra_agents.cli import (
    agents,
    analyze,
    auth,
    chat,
    eval,
    plugins,
    review,
    run,
    runs,
    schedule,
    suggestions,
    tenant,
    whatif,
)
from entra_agents.errors import EntraAgentsError

GROUPS = (plugins, agents, analyze, whatif, run, runs, suggestions, review, tenant, auth, eval, schedule, chat)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="entra-agents",
        description="Run Security Copilot-style identity security agents on your Microsoft Entra tenant. "
                    "Offline by default: no network, no LLM.")
    parser.add_argument("--version", action="version", version=f"entra-agents {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except EntraAgentsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    try:
        sys.exit(main())
    except BrokenPipeError:
        # `entra-agents ... | head` closed the pipe: not an error; keep Python from complaining on exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
