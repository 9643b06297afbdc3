"""Suggestions: the durable output of an agent run and what administrators do with them.

Suggestion JSON (public contract, additive changes only; issue 2 defines the core, issue 5 extends it):
``{"id", "fingerprint", "kind", "check", "title", "priority", "status", "rationale", "affected", "policy",
"targetPolicyId", "changes", "runId", "created"}`` plus, where they apply, ``targetPolicyIds`` (consolidation),
``impact`` (what the policy would have done to the look-back window's sign-ins), ``rollout`` (phases of a phased
rollout), ``evidence`` and the administrator's ``history`` (each action with who, when and why).

``kind``: ``new_policy`` (``policy`` is the report-only policy to create, ``changes`` is ``[{"op": "create"}]``),
``modify_policy`` (``targetPolicyId`` is the policy, ``changes`` its property diff, see ``diff``, ``policy``
the policy after the change), ``consolidate_policies``, ``phased_rollout``, ``policy_review``,
``access_decision``.
"""
