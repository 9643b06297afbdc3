"""A stored run built through the store's public contract alone, with hostile tenant strings everywhere.

Reports must not depend on what today's ca-optimizer happens to emit, so these tests write their own run:
coverage gaps, a failed check, a failed Graph read, a guard refusal, a tenant write, and new and modify
suggestions (one with an impact estimate).
"""

from __future__ import annotations

from typing import Any

from entra_agents.store import Store

# Raw HTML, a script, a markdown link and image, GFM table breakers, emphasis, a code fence, a new line.
HOSTILE = ('Evil <script>alert("pwned")</script><img src=x onerror=alert(1)> [click](https://evil.example/x) '
           '![i](https://evil.example/i.png) | col | **bold** `tick` ``` fence\n# heading &amp; done')


def _affected(**ids: list[str]) -> dict[str, list[str]]:
    return {k: ids.get(k, []) for k in ("users", "groups", "roles", "apps", "servicePrincipals", "policies")}


def _finding(check: str, status: str, **ids: list[str]) -> dict[str, Any]:
    return {"check": check, "status": status, "severity": "high", "title": f"{check} title {HOSTILE}",
            "summary": f"{check} summary {HOSTILE}", "affected": _affected(**ids), "evidence": []}


POLICY = {"displayName": HOSTILE, "state": "enabledForReportingButNotEnforced",
          "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": ["bg-1"]}},
          "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}
IMPACT = {"policy": HOSTILE, "window": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
          "signInsEvaluated": 120, "signInsAffected": 40, "signInsBlocked": 10, "signInsRequiringNewControls": 30,
          "signInsAlreadyEnforced": 5, "signInsUndecided": 0}


def suggestion(n: int, priority: str, kind: str = "new_policy", **extra: Any) -> dict[str, Any]:
    return {"fingerprint": f"fp-{n}", "kind": kind, "check": "COV-01", "title": f"Suggestion {n} {HOSTILE}",
            "priority": priority, "rationale": f"Because {HOSTILE}", "affected": _affected(users=["u1", "u2"]),
            "policy": POLICY, "targetPolicyId": None, "changes": [{"op": "create"}], **extra}


def make_run(store: Store, *, tenant_id: str = "tenant-1", status: str = "succeeded", n_suggestions: int = 3,
             first_suggestion: int = 1, users: list[str] | None = None) -> str:
    run_id = store.create_run(agent="ca-optimizer", tenant_id=tenant_id, tenant_name=HOSTILE,
                              tenant_source="fixture:hostile.yaml", model="offline")
    store.add_event(run_id, "run_started", {"agent": "ca-optimizer", "model": "offline", "llm": False,
                                            "settings": {}, "tenant": {"id": tenant_id},
                                            "failedCollections": {"signIns": f"403 denied {HOSTILE}"}})
    store.add_event(run_id, "fetch", {"skill": "P.ListNewCoverageGaps", "items": [{"check": "COV-01"}] * 2})
    for _ in range(3):
        store.add_event(run_id, "model_turn", {"role": "assistant", "text": HOSTILE, "toolCalls": []})
    store.add_event(run_id, "tool_call", {"tool": "t", "skill": "P.GetCoverageGap", "arguments": {},
                                          "result": {"preview": HOSTILE}, "durationMs": 1.0})
    store.add_event(run_id, "tool_call", {"tool": "t", "skill": "P.GetCoverageGap", "arguments": {},
                                          "error": f"GraphError: {HOSTILE}", "durationMs": 1.0})
    store.add_event(run_id, "guard", {"tool": "t", "skill": "P.CreateReportOnlyPolicy", "decision": "refuse",
                                      "reason": f"refused because {HOSTILE}", "arguments": {}})
    store.add_event(run_id, "tenant_write", {"skill": "CreateReportOnlyPolicy", "policyId": "p-new"})
    store.add_event(run_id, "an_event_kind_reports_do_not_know", {"x": 1})
    store.add_findings(run_id, [
        _finding("COV-01", "fail", users=users if users is not None else ["u1", "u2", "u3"], groups=["g1"]),
        _finding("COV-30", "review", apps=["a1"], servicePrincipals=["sp1", "sp2"]),
        _finding("COV-12", "error"),
        _finding("HYG-01", "review", policies=["p1"], users=["not-a-coverage-user"]),
        _finding("COV-03", "pass"),
    ])
    kinds = [("low", {}), ("high", {"impact": IMPACT}),
             ("medium", {"kind": "modify_policy", "targetPolicyId": "p1", "changes": [
                 {"op": "add", "path": "conditions.users.excludeGroups", "values": [HOSTILE]},
                 {"op": "replace", "path": "grantControls.operator", "before": "AND", "after": "OR"}]})]
    for i in range(n_suggestions):
        priority, extra = kinds[i % len(kinds)]
        store.add_suggestion(tenant_id=tenant_id, agent="ca-optimizer", run_id=run_id,
                             suggestion=suggestion(first_suggestion + i, priority, **extra))
    store.finish_run(run_id, status=status, usage={"modelCalls": 3, "promptTokens": 1200, "completionTokens": 300,
                                                   "items": 2}, error=None if status == "succeeded" else "Boom")
    return run_id
