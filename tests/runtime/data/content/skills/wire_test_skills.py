"""Skills of the runtime's test agent. Each one leaves a trace event, so tests can see what actually ran."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from entra_agents.skill import skill


@skill(access="read", permissions=[])
def list_subjects(ctx: Any) -> list[dict[str, str]]:
    return [{"subject": s.strip()} for s in ctx.settings.get("Subjects", "alpha").split(",") if s.strip()]


@skill(access="read", permissions=[])
def lookup(ctx: Any, subject: Annotated[str, "The subject to look up"],
           detail: Annotated[Literal["short", "full"], "How much detail to return"] = "short") -> dict[str, Any]:
    return {"subject": subject, "owner": f"owner-of-{subject}", "detail": detail}


@skill(access="read", permissions=[])
def record_finding(ctx: Any, subject: Annotated[str, "The subject reviewed"],
                   severity: Annotated[Literal["high", "medium", "low"], "How severe the finding is"],
                   note: Annotated[str, "One sentence for the administrator"]) -> dict[str, Any]:
    ctx.tracer.event("recorded", subject=subject, severity=severity, note=note)
    return {"recorded": subject}


@skill(access="write", permissions=["Policy.ReadWrite.ConditionalAccess"], write_setting="AllowWrites")
def apply_change(ctx: Any, subject: Annotated[str, "The subject to change"]) -> dict[str, Any]:
    ctx.tracer.event("written", subject=subject)
    return {"changed": subject}
