"""`whatif`: which Conditional Access policies apply to one sign-in, why, and what they demand together.

Local and exact (peers §1): the same evaluator the checks use, not Graph's What-If API. Heavy imports stay
inside the handler so `entra-agents --help` remains fast.
"""

from __future__ import annotations

import argparse
from typing import Any

from entra_agents.cli.common import add_json, add_tenant, print_json, run_async

CLIENTS = ("browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other")
PLATFORMS = ("android", "iOS", "windows", "windowsPhone", "macOS", "linux", "unknown")
RISKS = ("none", "low", "medium", "high")
STATUS = {"applies": "APPLIES", "doesNotApply": "no", "notEnoughInformation": "UNDECIDED"}


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def register(sub: Any) -> None:
    p = sub.add_parser("whatif", help="evaluate Conditional Access for one sign-in (like the portal's What If)",
                       description="Which policies apply to one sign-in and why (Graph What-If reasons), then the "
                                   "combined outcome of enforced policies and what report-only ones would add.")
    add_tenant(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="USER", help="object id, userPrincipalName or display name")
    who.add_argument("--service-principal", metavar="SP", help="workload identity: object id, appId or name")
    p.add_argument("--app", metavar="APP", help="resource: app id, name, All, Office365 or MicrosoftAdminPortals")
    p.add_argument("--user-action", metavar="ACTION", help="registersecurityinfo or registerdevice")
    p.add_argument("--auth-context", action="append", default=[], metavar="CLASS",
                   help="authentication context class reference requested (c1..c99); repeatable")
    p.add_argument("--client", choices=CLIENTS, default="browser", help="client app type (default: browser)")
    p.add_argument("--platform", choices=PLATFORMS, default="unknown", help="device platform (default: unknown)")
    p.add_argument("--location", metavar="LOC", help="named location name or id, 'trusted' or 'untrusted'")
    p.add_argument("--ip", metavar="ADDRESS", help="client IP address, matched against IP named locations "
                                                       "(add --country, or country locations stay undecided)")
    p.add_argument("--country", metavar="XX", help="two-letter country code, matched against country locations")
    p.add_argument("--sign-in-risk", choices=RISKS, default="none")
    p.add_argument("--user-risk", choices=RISKS, default="none")
    p.add_argument("--insider-risk", choices=("none", "minor", "moderate", "elevated"), default="none")
    p.add_argument("--service-principal-risk", choices=RISKS, default="none")
    p.add_argument("--flow", choices=("deviceCodeFlow", "authenticationTransfer"), help="authentication flow")
    device = p.add_argument_group("device (omit all for an unknown device)")
    device.add_argument("--device-unregistered", action="store_true", help="an unregistered device")
    device.add_argument("--device-compliant", type=_bool, metavar="true|false", help="device.isCompliant")
    device.add_argument("--device-trust-type", choices=("AzureAD", "ServerAD", "Workplace"), help="device.trustType")
    device.add_argument("--device-property", action="append", default=[], metavar="NAME=VALUE",
                        help="any other device filter property, e.g. model=Surface; repeatable")
    add_json(p)
    p.set_defaults(handler=whatif)


async def _load(spec: str) -> Any:
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(spec) as connection:
        return await connection.snapshot()


def _device(args: argparse.Namespace) -> Any:
    from entra_agents.conditional_access.context import DeviceContext
    from entra_agents.errors import UsageError

    props: dict[str, Any] = {}
    for pair in args.device_property:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--device-property {pair!r}: expected NAME=VALUE")
        props[name.strip().removeprefix("device.")] = value
    if args.device_compliant is not None:
        props["isCompliant"] = args.device_compliant
    if args.device_trust_type:
        props["trustType"] = args.device_trust_type
    if args.device_unregistered:
        if props:
            raise UsageError("--device-unregistered: an unregistered device has no properties; drop the others")
        return DeviceContext.unregistered()
    return DeviceContext.of(**props) if props else None


def build_context(snapshot: Any, args: argparse.Namespace) -> Any:
    """The sign-in context the arguments describe, names resolved against the snapshot."""
    from entra_agents.conditional_access import resolve
    from entra_agents.conditional_access.context import (
        NO_RESOURCE,
        SignInContext,
        resolve_location,
    )
    from entra_agents.conditional_access.policy import AuthFlow, ClientApp
    from entra_agents.errors import UsageError

    if not (args.app or args.user_action or args.auth_context):
        raise UsageError("whatif: say what is accessed: --app, --user-action or --auth-context")
    if args.app and args.user_action:
        raise UsageError("whatif: --app and --user-action are different sign-ins; pass one")
    user_id, sp_id = "", None
    if args.user:
        user_id = resolve.resolve_user(snapshot.users, args.user)
    else:
        sp_id = resolve.resolve_service_principal(snapshot.service_principals, args.service_principal)
    app = resolve.resolve_app(snapshot.service_principals, snapshot.applications, args.app) if args.app \
        else NO_RESOURCE
    named: list[str] = []
    trusted = False
    if args.location and args.location.lower() == "trusted":
        trusted = True
    elif args.location and args.location.lower() != "untrusted":
        named.append(resolve.resolve_named_location(snapshot.named_locations, args.location))
    location = resolve_location(snapshot.named_locations, ip=args.ip, country=args.country, named=named,
                                trusted=trusted)
    return SignInContext(
        user_id, application=app, client_app=ClientApp(args.client),
        platform=None if args.platform == "unknown" else args.platform, location=location,
        sign_in_risk=args.sign_in_risk, user_risk=args.user_risk,
        auth_flow=AuthFlow(args.flow) if args.flow else None, service_principal_id=sp_id,
        user_action=resolve.resolve_user_action(args.user_action) if args.user_action else None,
        auth_contexts=frozenset(c.strip() for c in args.auth_context if c.strip()), device=_device(args),
        insider_risk=args.insider_risk, service_principal_risk=args.service_principal_risk,
    )


def whatif(args: argparse.Namespace) -> int:
    from entra_agents.conditional_access.evaluator import evaluate
    from entra_agents.conditional_access.outcome import evaluation_json
    from entra_agents.conditional_access.policy import parse_policies
    from entra_agents.conditional_access.principals import Directory

    snapshot = run_async(_load(args.tenant))
    ctx = build_context(snapshot, args)
    policies = parse_policies(snapshot.conditional_access_policies, snapshot.authentication_strength_policies)
    evaluation = evaluate(policies, Directory.from_snapshot(snapshot), ctx)
    doc = evaluation_json(evaluation)
    if not ctx.is_workload:
        doc["signIn"] = {"user": ctx.user_id, **doc["signIn"]}
    doc["tenant"] = {"id": snapshot.tenant_id, "displayName": snapshot.display_name}
    if args.json:
        print_json(doc)
        return 0
    from entra_agents.cli.whatif_text import print_text

    print_text(doc, snapshot)
    return 0
