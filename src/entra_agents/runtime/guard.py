"""The write guard's rule, as plain code (no Semantic Kernel) so it is testable and reusable by write skills.

Safety rules 1, 2 and 4 in DESIGN.md: a read skill is always allowed; a write skill only when the agent's
capability setting allows it AND the skill's own precondition holds for these exact arguments. Arguments
outside the skill's declared parameters are refused: a model must not smuggle extra fields into a write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonschema

from entra_agents.runtime.context import SkillContext


@dataclass(frozen=True)
class GuardDecision:
    allowed: bool
    reason: str

    @property
    def refusal(self) -> str:
        return f"REFUSED by the entra-agents guard: {self.reason}"


ALLOW = GuardDecision(True, "read-only skill")


def decide(skill: Any, arguments: dict[str, Any], ctx: SkillContext) -> GuardDecision:
    """Decide whether the model may call ``skill`` with ``arguments``. Never raises."""
    try:
        return _decide(skill, arguments, ctx)
    except Exception as exc:  # noqa: BLE001 - fail closed: an error in the guard is a refusal, not a crash
        return GuardDecision(False, f"the guard could not check this call ({type(exc).__name__}: {exc})")


def _decide(skill: Any, arguments: dict[str, Any], ctx: SkillContext) -> GuardDecision:
    python = getattr(skill, "python", None)
    if python is None or python.access != "write":
        return ALLOW
    name = skill.full_name
    if not python.write_setting or not ctx.setting_enabled(python.write_setting):
        return GuardDecision(False, f"{name} writes to the tenant and this agent's setting "
                                    f"{python.write_setting or '(none)'} is not enabled. Submit a suggestion "
                                    "instead; an administrator can apply it with their own credential.")
    schema = {**python.parameters_schema, "additionalProperties": False}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(arguments), key=str)
    if errors:
        return GuardDecision(False, f"{name} arguments do not match its declared parameters: {errors[0].message}")
    problems = python.precondition(ctx, arguments) if python.precondition else []
    if problems:
        return GuardDecision(False, f"{name} refused: " + "; ".join(problems))
    return GuardDecision(True, f"{name} allowed by setting {python.write_setting} and its precondition")
