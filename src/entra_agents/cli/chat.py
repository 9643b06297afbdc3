"""`ask QUESTION` (one turn) and `chat` (a conversation): questions to the Entra chat agent.

Each turn is a recorded run (`entra-agents runs show ID`). In `ask`, a proposed suggestion edit is not applied:
the answer carries the token and the command that confirms it in a later `ask`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from entra_agents.cli.common import add_json, add_tenant, print_json, run_async, store

MODEL_HELP = ("offline (default: deterministic routing, no LLM) | openai[:MODEL] | azure-openai[:DEPLOYMENT] | "
              "openai-compatible:MODEL | scripted:PATH; or set ENTRA_AGENTS_MODEL")
CHAT_HELP = """commands: /explain  the tool calls behind the last answer
          /history  the questions and answers so far
          /help     this help and some questions to ask
          /quit     leave (also Ctrl-D)"""


def register(sub: Any) -> None:
    ask = sub.add_parser("ask", help="ask the Entra chat agent one question",
                         description="Answer one question about the tenant from read-only tools.")
    ask.add_argument("question", metavar="QUESTION")
    add_tenant(ask)
    ask.add_argument("--model", default=None, metavar="MODEL", help=MODEL_HELP)
    add_json(ask)
    ask.set_defaults(handler=ask_question)
    chat = sub.add_parser("chat", help="talk with the Entra chat agent (history, /explain, /help, /quit)",
                          description="An interactive conversation with the Entra chat agent.")
    add_tenant(chat)
    chat.add_argument("--model", default=None, metavar="MODEL", help=MODEL_HELP)
    chat.set_defaults(handler=chat_loop)


def _session(connection: Any, model: str | None) -> Any:
    from entra_agents.chat.session import ChatSession
    from entra_agents.cli.plugins import load
    from entra_agents.runtime.models.providers import choose

    return ChatSession(load(), connection, store(), choose(model))


async def _ask(args: argparse.Namespace) -> Any:
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(args.tenant) as connection:
        return await _session(connection, args.model).ask(args.question)


def ask_question(args: argparse.Namespace) -> int:
    turn = run_async(_ask(args))
    if args.json:
        print_json(turn.to_json() | ({"confirmWith": _confirm_command(turn, args.tenant)} if turn.pending else {}))
        return 0 if turn.status == "succeeded" else 1
    print(turn.answer)
    if turn.pending:
        print(f"\nTo apply this change to the suggestion: {_confirm_command(turn, args.tenant)}")
    return 0 if turn.status == "succeeded" else 1


def _confirm_command(turn: Any, tenant: str) -> str:
    return f'entra-agents ask "confirm {turn.pending}" --tenant {tenant}'


def explain_lines(turn: Any) -> list[str]:
    """/explain: how the last question was routed and every tool call behind its answer."""
    lines = [f"run {turn.run_id} ({turn.status}); full trace: entra-agents runs show {turn.run_id[:8]}"]
    if turn.route:
        lines.append("routing (BM25 over skill descriptions and example prompts): "
                     + ", ".join(f"{skill} {score:.2f}" for skill, score in turn.route))
    if not turn.tool_calls:
        lines.append("no tool was called for this answer")
    for call in turn.tool_calls:
        outcome = call.get("error") or f"{(call.get('result') or {}).get('chars', 0)} characters of JSON"
        lines.append(f"- {call['skill']}({_args(call.get('arguments') or {})}) -> {outcome}")
    return lines


def _args(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


async def _converse(args: argparse.Namespace) -> None:
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(args.tenant) as connection:
        session = _session(connection, args.model)
        print(f"Entra chat on {connection.label} (model {session.choice.spec}). /help for commands, /quit to leave.")
        while True:
            try:
                line = input("you> ").strip()
            except EOFError:
                print()
                return
            if not line:
                continue
            if line in ("/quit", "/exit", "/q"):
                return
            if line == "/help":
                print(CHAT_HELP)
                print("try: " + "; ".join(p.prompt for p in session.agent.suggested_prompts))
            elif line == "/explain":
                print("\n".join(explain_lines(session.turns[-1])) if session.turns else "nothing asked yet")
            elif line == "/history":
                for n, t in enumerate(session.turns, 1):
                    print(f"{n}. you> {t.question}\n   {t.answer.splitlines()[0] if t.answer else ''}")
            elif line.startswith("/"):
                print(f"unknown command {line}; /help lists them")
            else:
                turn = await session.ask(line)
                print(turn.answer)


def chat_loop(args: argparse.Namespace) -> int:
    if not sys.stdin.isatty():
        print("reading questions from standard input, one per line", file=sys.stderr)
    run_async(_converse(args))
    return 0
