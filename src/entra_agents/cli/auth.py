"""`auth status`: who `--tenant live` signs in as, which Graph permissions the token carries, what each agent lacks."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from entra_agents.cli.common import add_json, print_json, run_async


def register(sub: Any) -> None:
    parser = sub.add_parser("auth", help="check the sign-in used by --tenant live (ENTRA_AGENTS_* variables)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser(
        "status", help="get a token; show who it is for, its Graph permissions, and what each agent is missing")
    status.add_argument("--agent", metavar="NAME", help="only this agent (default: every agent in the catalog)")
    add_json(status)
    status.set_defaults(handler=auth_status)


def _credential(settings: Any) -> Any:
    """Build the credential. Tests replace this to stand in for the identity provider they cannot reach."""
    from entra_agents.graph.live import build_credential

    return build_credential(settings)


async def _token(settings: Any) -> Any:
    from entra_agents.graph.live import LiveAuthError, explain_auth_failure

    credential = _credential(settings)
    try:
        return await credential.get_token(settings.endpoints.scope)
    except LiveAuthError:
        raise
    except Exception as exc:  # anything the identity provider or the credential raises: one line, exit 2
        raise explain_auth_failure(exc, settings) from exc
    finally:
        closing = getattr(credential, "close", None)
        if closing is not None:
            await closing()


def status_report(settings: Any, identity: Any, catalog: Any, agent_names: list[str]) -> dict[str, Any]:
    """The `auth status --json` document (field names are a contract: additive changes only)."""
    expires = identity.expires_at
    return {
        "signedInAs": {"kind": identity.kind, "user": identity.user, "appId": identity.app_id,
                       "appDisplayName": identity.app_display_name, "objectId": identity.object_id,
                       "tenantId": identity.tenant_id},
        "auth": settings.auth,
        "cloud": settings.cloud,
        "graphEndpoint": settings.endpoints.graph_base_url,
        "permissionType": identity.permission_type,
        "granted": sorted(identity.permissions, key=str.lower),
        "expiresOn": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z") if expires else None,
        "agents": [_agent_report(catalog, name, identity.permissions) for name in agent_names],
    }


def _agent_report(catalog: Any, name: str, granted: tuple[str, ...]) -> dict[str, Any]:
    from entra_agents.graph.permissions import missing, required_permissions, satisfied_by

    required = required_permissions(catalog, name)
    reads = required_permissions(catalog, name, access="read")
    rows = []
    for permission, skills in required.items():
        write_settings = sorted({s.python.write_setting for s in catalog.skills_for(name)
                                 if s.python is not None and s.python.access == "write" and s.python.write_setting
                                 and permission in s.python.permissions})
        rows.append({"permission": permission, "skills": skills, "writeOnly": permission not in reads,
                     "writeSettings": write_settings, "grantedAs": satisfied_by(granted, permission)})
    return {"name": name, "missing": missing(granted, required), "required": rows}


def auth_status(args: argparse.Namespace) -> int:
    from entra_agents.cli.plugins import load
    from entra_agents.graph.live import LiveSettings
    from entra_agents.graph.permissions import TokenIdentity

    settings = LiveSettings.from_env()
    catalog = load()
    names = [catalog.agent(args.agent).name] if args.agent else sorted(catalog.agents)
    token = run_async(_token(settings))
    report = status_report(settings, TokenIdentity.from_token(token.token), catalog, names)
    if args.json:
        print_json(report)
        return 0
    _print(report)
    return 0


def _print(report: dict[str, Any]) -> None:
    who = report["signedInAs"]
    app = f'app "{who["appDisplayName"]}" ({who["appId"]})' if who["appDisplayName"] else f"app {who['appId']}"
    print(f"Signed in as   {who['user'] or 'an unnamed user'} via {app}" if who["kind"] == "user"
          else f"Signed in as   {app}")
    print(f"Tenant         {who['tenantId'] or 'unknown'}")
    print(f"Sign-in        {report['auth']}, {report['cloud']} cloud ({report['graphEndpoint']})")
    granted = ", ".join(report["granted"]) or "none"
    print(f"Permissions    {report['permissionType']}: {granted}")
    if report["expiresOn"]:
        print(f"Token valid    until {report['expiresOn']}")
    if report["permissionType"] == "delegated":
        print("               delegated: Graph also checks the signed-in user's directory role (e.g. Global "
              "Reader to read,\n               Conditional Access Administrator to create policies)")
    elif not report["granted"]:
        print("               no application permissions: add them to the app registration and grant admin consent")
    for agent in report["agents"]:
        lacking = agent["missing"]
        total = len(agent["required"])
        print(f"\n{agent['name']}: " + (f"{len(lacking)} of {total} permissions missing" if lacking
                                        else f"all {total} permissions granted"))
        for row in agent["required"]:
            mark = "ok" if row["grantedAs"] else "MISSING"
            via = f" (as {row['grantedAs']})" if row["grantedAs"] and row["grantedAs"] != row["permission"] else ""
            note = ""
            if row["writeOnly"]:
                setting = " or ".join(row["writeSettings"]) or "a write setting"
                note = f"; writes only, needed when {setting} is on"
            print(f"  {mark:<8}{row['permission']}{via}  needed by {', '.join(row['skills'])}{note}")
    if any(agent["missing"] for agent in report["agents"]):
        cli_user = report["auth"] == "azure-cli" and report["permissionType"] == "delegated"
        print(f"\nTo fix: {_FIXES['azure-cli' if cli_user else report['permissionType']]}")


_FIXES = {
    "application": "add the missing Microsoft Graph *application* permissions to the app registration "
                   "(API permissions), then grant admin consent",
    "delegated": "add the missing Microsoft Graph *delegated* permissions to the app registration, grant admin "
                 "consent, then sign in again",
    "azure-cli": "an Azure CLI token carries the permissions Microsoft gave the Azure CLI app, which you cannot "
                 "change; register your own app and set ENTRA_AGENTS_AUTH=device-code (or an app-only mode)",
}
