"""Which access review decisions the agent works on: every decision of every active instance.

Active means the instance is ``InProgress``; in a multi-stage review the decisions are those of its
``InProgress`` stages (Graph keeps one decision per identity per stage). The ``ReviewDefinitions`` setting
chooses the definitions: ``all`` (default) or a comma-separated list of definition ids. Microsoft's agent
reads a per-review flag that has no public Graph property; a setting is what we can honour.

There is no cap on decisions: the loader pages through all of them and the agent batches them per page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]
ACTIVE = "inprogress"

# decision.resource.type as Graph spells it (case varies between review kinds) -> our review kind
KINDS = {
    "group": "group", "servicePrincipal": "application", "application": "application",
    "directoryRole": "entraRole", "accessPackageAssignmentPolicy": "accessPackage", "accessPackage": "accessPackage",
}
_KINDS = {k.lower(): v for k, v in KINDS.items()}


@dataclass(frozen=True)
class ReviewItem:
    """One decision to recommend on, with where it sits and who its co-reviewed principals are."""

    definition: JSON
    instance: JSON
    stage: JSON | None
    decision: JSON
    population: tuple[str, ...]  # principal ids of every decision in the same instance (or stage)

    @property
    def decision_id(self) -> str:
        return str(self.decision.get("id", ""))

    @property
    def principal(self) -> JSON:
        return self.decision.get("principal") or {}

    @property
    def principal_id(self) -> str:
        return str(self.principal.get("id", ""))

    @property
    def resource(self) -> JSON:
        return self.decision.get("resource") or {}

    @property
    def kind(self) -> str:
        return _KINDS.get(str(self.resource.get("type", "")).lower(), "other")

    @property
    def is_user(self) -> bool:
        return "user" in str(self.principal.get("@odata.type", "#microsoft.graph.userIdentity")).lower()

    @property
    def page_key(self) -> str:
        stage = str((self.stage or {}).get("id", "")) or "-"
        return f"{self.definition.get('id')}/{self.instance.get('id')}/{stage}"


def parse_definitions(setting: str | None) -> set[str] | None:
    """``all`` or empty -> None (every definition); otherwise the listed ids, lower-cased."""
    text = (setting or "").strip()
    if not text or text.lower() == "all":
        return None
    return {part.strip().lower() for part in text.split(",") if part.strip()}


def active_items(definitions: list[JSON], chosen: set[str] | None) -> Iterator[ReviewItem]:
    """Every decision of every active instance (or active stage) of the chosen definitions, in tenant order."""
    for definition in definitions:
        if chosen is not None and str(definition.get("id", "")).lower() not in chosen:
            continue
        for instance in definition.get("instances") or []:
            if str(instance.get("status", "")).lower() != ACTIVE:
                continue
            stages = instance.get("stages") or []
            if stages:
                for stage in stages:
                    if str(stage.get("status", "")).lower() == ACTIVE:
                        yield from _items(definition, instance, stage, stage.get("decisions") or [])
            else:
                yield from _items(definition, instance, None, instance.get("decisions") or [])


def _items(definition: JSON, instance: JSON, stage: JSON | None, decisions: list[JSON]) -> Iterator[ReviewItem]:
    population = tuple(str((d.get("principal") or {}).get("id", "")) for d in decisions)
    for decision in decisions:
        yield ReviewItem(definition, instance, stage, decision, population)


def unknown_definitions(definitions: list[JSON], chosen: set[str] | None) -> list[str]:
    """Listed ids that name no definition in the tenant (the operator should hear about a typo)."""
    known = {str(d.get("id", "")).lower() for d in definitions}
    return sorted(chosen - known) if chosen else []
