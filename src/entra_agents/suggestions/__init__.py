"""Suggestions: the durable output of an agent run and what administrators do with them.

Suggestion JSON (public contract, additive changes only; issue 2 defines the core, issue 5 extends it):
``{"id", "fingerprint", "kind", "check", "title", "priority", "status", "rationale", "affected", "policy",
"targetPolicyId", "changes", "runId", "created"}`` plus, where they apply, ``targetPolicyIds`` (consolidation),
``impact`` (what the policy would have done to the look-back window's sign-ins), ``rollout`` (phases of a phased
rollout), ``evidence`` and the administrator's ``history`` (each action with who, when and why).

``kind``: ``new_policy`` (``policy`` is the report-only policy to create, ``changes`` is ``[{"op": "create"}]``),
``modify_policy`` (``targetPolicyId`` is the policy, ``changes`` its property diff, see ``diff``, ``policy``
the policy after the change), ``consolidate_policies``, ``phased_rollout``, ``policy_review``,
``access_decision`` (issue 7: a recommendation for one access review decision item; never written to Graph by
the agent). For ``access_decision``: ``rationale`` is the justification, ``policy`` is null, ``check`` is null,
``affected`` names the principal (users/servicePrincipals/groups) and ``changes`` is one entry::

    {"op": "recordDecision", "definitionId", "instanceId", "stageId" (or null), "decisionId",
     "principal": {"id", "type", "displayName", "userPrincipalName"}, "resource": {"id", "type", "displayName"},
     "recommendation": "Approve" | "Deny" | "NoInfoAvailable",
     "signals": [{"name", "value", "effect": "approve" | "deny" | "none", "weight", "source", "missing": bool}]}
"""
