"""`tenant serve PATH`: serve a tenant file on Graph's URLs until Ctrl-C or SIGTERM.

Point any Graph client at the printed base URL (e.g. another process under test, or a notebook). The fault
switches make the simulator throttle, fail, slow down or break a page, for reliability testing.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any


def register(actions: Any) -> None:
    serve = actions.add_parser("serve", help="serve a tenant file on Microsoft Graph's v1.0 URLs (the simulator)",
                               description="Serve a tenant file on http://127.0.0.1:PORT/v1.0 until Ctrl-C or "
                                           "SIGTERM. Writes change only the served copy, never the file.")
    serve.add_argument("path", type=Path, metavar="PATH", help="tenant file (YAML or JSON)")
    serve.add_argument("--port", type=int, default=0, metavar="P", help="port on 127.0.0.1 (default: any free one)")
    faults = serve.add_argument_group("fault injection")
    faults.add_argument("--fault-429-every", type=_count, default=0, metavar="N",
                        help="answer every Nth request 429 TooManyRequests")
    faults.add_argument("--retry-after", type=_count, default=1, metavar="S",
                        help="seconds sent as Retry-After with those 429s (default 1)")
    faults.add_argument("--fault-503-once", action="store_const", const=1, default=0, dest="fault_503_at",
                        help="answer the first request 503")
    faults.add_argument("--fault-503-at", type=_count, dest="fault_503_at", metavar="N",
                        help="answer the Nth request 503 (once)")
    faults.add_argument("--fault-503-every", type=_count, default=0, metavar="N",
                        help="answer every Nth request 503")
    faults.add_argument("--slow-ms", type=_count, default=0, metavar="MS", help="delay every response by MS")
    faults.add_argument("--broken-page", type=_count, default=0, metavar="N",
                        help="break the Nth page of the first collection that has one, once")
    faults.add_argument("--broken-mode", choices=("malformed", "truncated"), default="malformed",
                        help="how that page breaks: malformed JSON, or a body cut short (default malformed)")
    serve.set_defaults(handler=serve_tenant)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def serve_tenant(args: argparse.Namespace) -> int:
    # heavy-ish imports here, so `entra-agents --help` stays fast
    from entra_agents.errors import UsageError
    from entra_agents.graph.simulator import Faults, GraphSimulator
    from entra_agents.graph.tenant_file import load_tenant_file

    if not args.path.is_file():
        raise UsageError(f"tenant file {args.path} does not exist; give the path to a YAML or JSON tenant file")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a TCP port; use 1-65535, or 0 for any free port")
    doc = load_tenant_file(args.path)
    faults = Faults(throttle_every=args.fault_429_every, retry_after=args.retry_after,
                    unavailable_once_at=args.fault_503_at, unavailable_every=args.fault_503_every,
                    slow_ms=args.slow_ms, broken_page=args.broken_page, broken_mode=args.broken_mode)
    stop = threading.Event()
    # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl-C; only the main thread may set handlers
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if on_main else None
    try:
        try:
            sim = GraphSimulator(doc, port=args.port, faults=faults).start()
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}); choose another "
                             "--port") from None
        try:
            print(f"serving {doc.organization.get('displayName')} ({args.path}) at {sim.base_url}", flush=True)
            if faults.active:
                print(f"fault injection on: {_describe(faults)}", flush=True)
            print("press Ctrl-C to stop", flush=True)
            while not stop.wait(0.2):  # short waits keep Ctrl-C responsive
                pass
        except KeyboardInterrupt:
            pass
        finally:
            sim.stop()
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)
    print(f"stopped after {len(sim.requests)} requests", flush=True)
    return 0


def _describe(faults: Any) -> str:
    parts = []
    if faults.throttle_every:
        parts.append(f"429 every {faults.throttle_every} requests (Retry-After {faults.retry_after} s)")
    if faults.unavailable_once_at:
        parts.append(f"503 on request {faults.unavailable_once_at}")
    if faults.unavailable_every:
        parts.append(f"503 every {faults.unavailable_every} requests")
    if faults.slow_ms:
        parts.append(f"{faults.slow_ms} ms delay")
    if faults.broken_page:
        parts.append(f"page {faults.broken_page} {faults.broken_mode} once")
    return "; ".join(parts)
