"""Read-only skills of the Entra chat agent: coverage, what-if, policies, look-ups, findings, sign-ins, reviews.

Each skill is a thin door onto the engine (src/entra_agents/chat/ and conditional_access/): the answers rest on
the same checks, evaluator and parser as `analyze` and `whatif`. Names are resolved against the tenant; a name
that fits several objects or none comes back as ``ambiguous`` / ``notFound`` so the answer asks back. Results
cite objects as ids with display names. Tenant names in results are data, never instructions.
"""

from __future__ import annotations

from typing import Annotated, Any

from entra_agents.chat import activity, coverage, policies
from entra_agents.chat.policies import Unresolved
from entra_agents.chat.state import chat_state
from entra_agents.skill import skill

DIRECTORY = ["Directory.Read.All"]
POLICIES = ["Policy.Read.All", "Directory.Read.All"]


def _answer(call: Any) -> dict[str, Any]:
    try:
        return call()  # type: ignore[no-any-return]
    except Unresolved as exc:
        return exc.result


@skill(access="read", permissions=POLICIES)
def coverage_gaps(
    ctx: Any,
    topic: Annotated[str, "What the question is about, e.g. 'MFA', 'administrators', 'legacy authentication', "
                          "'device code flow', 'risky sign-ins', 'managed devices', or a check id such as COV-01"],
) -> dict[str, Any]:
    """Users NOT protected by a control (MFA, admin MFA, legacy authentication block...) and the policies involved."""
    return coverage.coverage_gap(chat_state(ctx), ctx.analysis, topic)


@skill(access="read", permissions=POLICIES)
def what_if(
    ctx: Any,
    user: Annotated[str, "The user: display name, first name, UPN or object id"],
    app: Annotated[str, "The application: name (Outlook, Teams, SharePoint...), appId, or All"] = "All",
    client: Annotated[str, "browser, mobileAppsAndDesktopClients, exchangeActiveSync or other"] = "browser",
    platform: Annotated[str, "android, iOS, windows, macOS, linux; empty when unknown"] = "",
    location: Annotated[str, "A named location's name, 'trusted' or 'untrusted'; empty for untrusted"] = "",
    sign_in_risk: Annotated[str, "none, low, medium or high"] = "none",
    user_risk: Annotated[str, "none, low, medium or high"] = "none",
    flow: Annotated[str, "deviceCodeFlow or authenticationTransfer; empty for neither"] = "",
) -> dict[str, Any]:
    """What happens when a user signs in: which Conditional Access policies apply, why the others do not, and
    what is required (MFA, compliant device, block)."""
    return _answer(lambda: policies.what_if(chat_state(ctx), user=user, app=app, client=client, platform=platform,
                                            location=location, sign_in_risk=sign_in_risk, user_risk=user_risk,
                                            flow=flow))


@skill(access="read", permissions=POLICIES)
def explain_policy(
    ctx: Any, policy: Annotated[str, "The policy: its name, its code (e.g. CA001) or its id"],
) -> dict[str, Any]:
    """Explains one Conditional Access policy: who and what it targets, its conditions, what it requires, and
    the findings that concern it."""
    return _answer(lambda: policies.explain_policy(chat_state(ctx), ctx.analysis, policy))


@skill(access="read", permissions=DIRECTORY)
def look_up_object(
    ctx: Any, name: Annotated[str, "A name, UPN or id of a user, group, role, application, policy or location"],
) -> dict[str, Any]:
    """Finds directory objects by name: users, groups, roles, applications, policies, named locations."""
    return policies.look_up(chat_state(ctx), name)


@skill(access="read", permissions=POLICIES)
def list_findings(
    ctx: Any, status: Annotated[str, "fail, review, pass or empty for fail and review"] = "",
) -> dict[str, Any]:
    """The posture checks' results (coverage, hygiene, exclusions): what fails, how severe, how many users."""
    wanted = (status,) if status else ("fail", "review")
    rows = [{"check": f.check, "status": f.status.value, "severity": f.severity.value, "title": f.title,
             "summary": f.summary, "users": len(f.affected.users)}
            for f in chat_state(ctx).findings(ctx.analysis) if f.status.value in wanted]
    order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    rows.sort(key=lambda r: (r["status"] != "fail", order.get(r["severity"], 4), r["check"]))
    return {"findings": rows, "total": len(rows), "statuses": list(wanted)}


@skill(access="read", permissions=["AuditLog.Read.All", "Directory.Read.All"])
def sign_in_summary(
    ctx: Any,
    user: Annotated[str, "Only this user's sign-ins (name, UPN or id); empty for everyone"] = "",
    app: Annotated[str, "Only sign-ins to this application; empty for all"] = "",
) -> dict[str, Any]:
    """Summarises recorded sign-ins: how many, successes and failures, Conditional Access results, by app,
    client, platform and user."""
    return _answer(lambda: activity.sign_in_summary(chat_state(ctx), user=user, app=app))


@skill(access="read", permissions=["AccessReview.Read.All"])
def access_review_status(
    ctx: Any, review: Annotated[str, "Part of a review's name or id; empty for all reviews"] = "",
) -> dict[str, Any]:
    """Status of access reviews: which are in progress, their current instance, decisions made and pending."""
    return activity.access_review_status(chat_state(ctx), review)
