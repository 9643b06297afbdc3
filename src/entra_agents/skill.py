"""The public API for typed Python skills in ``skills/*.py``.

A skill is a plain function decorated with :func:`skill`::

    from typing import Annotated
    from entra_agents.skill import skill

    @skill(access="read", permissions=["Policy.Read.All"])
    async def list_policies(ctx, state: Annotated[str, "Filter by policy state"] = "enabled") -> list[dict]:
        ...

The first parameter is always the run context (``ctx``). The runtime owns its type and passes it in; it never
appears in the tool schema the model sees. Every other parameter needs a type annotation; the catalog derives
the tool's JSON Schema from the signature (``Annotated[T, "description"]``; required iff no default).

Write skills must name ``write_setting``: the agent ``Settings`` entry that must be ``true`` before the guard
lets the call through (DESIGN safety rule 1a). A skill may also give a ``precondition(ctx, arguments) ->
list[str]``: problems that make the guard refuse the call (empty list: allowed). The skill must still check
again itself (defence in depth); the precondition lets the guard refuse without raising inside the filter.

The decorator only records metadata and returns the function unchanged, so importing a skill module never
touches the runtime or Semantic Kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from entra_agents.errors import ContentError

Access = Literal["read", "write"]
F = TypeVar("F", bound=Callable[..., Any])
Precondition = Callable[[Any, dict[str, Any]], list[str]]

# The attribute is a dunder name so it cannot collide with anything a skill author defines.
SPEC_ATTRIBUTE = "__entra_skill__"


@dataclass(frozen=True)
class SkillSpec:
    """What :func:`skill` recorded about one function."""

    access: Access
    permissions: tuple[str, ...]
    write_setting: str | None = None
    precondition: Precondition | None = None


def skill(
    *,
    access: Access,
    permissions: list[str],
    write_setting: str | None = None,
    precondition: Precondition | None = None,
) -> Callable[[F], F]:
    """Mark a function as a skill callable from plugin manifests (``Settings: {Function: module.function}``).

    ``permissions`` lists the Microsoft Graph permissions the skill needs (documentation and preflight checks;
    an empty list is fine for pure computation). Raises :class:`ContentError` at import time for a malformed
    declaration, so a bad skill module fails ``plugins validate`` rather than a run.
    """

    def decorate(fn: F) -> F:
        where = getattr(getattr(fn, "__code__", None), "co_filename", "<skill>")
        field = f"{getattr(fn, '__name__', fn)!s}: @skill"
        if access not in ("read", "write"):
            raise ContentError(where, f"{field}(access)", f"access must be 'read' or 'write', got {access!r}",
                               'write access="read" or access="write"')
        if isinstance(permissions, str) or not all(isinstance(p, str) for p in permissions):
            raise ContentError(where, f"{field}(permissions)", "permissions must be a list of strings",
                               'write permissions=["Policy.Read.All"] (or [] when no Graph access is needed)')
        if access == "write" and not write_setting:
            raise ContentError(where, f"{field}(write_setting)", "write skill does not name write_setting",
                               'add write_setting="<agent setting that must be true to allow the write>"')
        if access == "read" and write_setting:
            raise ContentError(where, f"{field}(write_setting)", "write_setting only applies to write skills",
                               'remove write_setting or use access="write"')
        if precondition is not None and not callable(precondition):
            raise ContentError(where, f"{field}(precondition)", "precondition must be a function",
                               "pass `precondition=check` where `def check(ctx, arguments) -> list[str]`")
        setattr(fn, SPEC_ATTRIBUTE, SkillSpec(access, tuple(permissions), write_setting, precondition))
        return fn

    return decorate


def skill_spec(fn: object) -> SkillSpec | None:
    """The :class:`SkillSpec` recorded on ``fn``, or ``None`` if it is not a skill."""
    spec = getattr(fn, SPEC_ATTRIBUTE, None)
    return spec if isinstance(spec, SkillSpec) else None
