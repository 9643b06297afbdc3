"""Grounding: every object id and every name an answer or rationale states must appear in a tool result of that run.

What counts as stated, in the model's texts (final answers and suggestion rationales):

- every GUID;
- every name of a tenant object (users' display names and UPNs, groups, policies, apps and service principals,
  roles, named locations) that occurs in the text: a real object the tools never showed the model is a guess;
- every quoted phrase ('...', "...", “...”) and every address shaped like a UPN: how a text names an object,
  so an invented name that no tenant object has is caught too.

The tool results are the full texts the model was sent (``Outcome.tool_results``), with JSON decoded so escaped
names compare as written. Per case: ``ungrounded`` (count, must be 0) and ``grounded`` (share of stated refs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from entra_agents.evals.model import JSON, Outcome, Score

NAME = "grounding"
GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
QUOTED = re.compile(r"""(?:(?<![\w])'([^'\n]{3,80})'(?![\w])|"([^"\n]{3,80})"|“([^”\n]{3,80})”)""")
UPN = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
MIN_NAME = 4  # shorter display names ("IT", "HR") occur inside ordinary words and prove nothing
# The offline model labels its output; the label is the runtime's, not a claim about the tenant.
NOT_CLAIMS = ("[offline model: deterministic, not an LLM]",)


class GroundingScorer:
    name = NAME

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        texts = [*outcome.answers, *(s.get("rationale") or "" for s in outcome.suggestions)]
        if outcome.error and not texts:
            return []
        corpus = "\n".join(_strings(outcome.tool_results))
        lowered = corpus.lower()
        stated = stated_refs(texts, tenant_names(outcome.snapshot))
        ungrounded = sorted(r for r in stated if r.lower() not in lowered)
        share = 1 - len(ungrounded) / len(stated) if stated else 1.0
        reason = (f"all {len(stated)} ids and names stated appear in the run's tool results" if not ungrounded else
                  f"{len(ungrounded)} of {len(stated)} ids or names stated appear in no tool result: "
                  + ", ".join(repr(r) for r in ungrounded[:5]))
        details = {"stated": len(stated), "ungrounded": ungrounded[:20]}
        return [Score(NAME, "ungrounded", float(len(ungrounded)), not ungrounded, reason, details),
                Score(NAME, "grounded", share, not ungrounded, reason, details)]

    def aggregate(self, scores: list[Score]) -> dict[str, float]:
        grounded = [s.details for s in scores if s.metric == "grounded"]
        stated = sum(d["stated"] for d in grounded)
        missing = sum(len(d["ungrounded"]) for d in grounded)
        return {"grounded": 1 - missing / stated if stated else 1.0}


def stated_refs(texts: Iterable[str], names: set[str]) -> set[str]:
    refs: set[str] = set()
    for text in texts:
        for label in NOT_CLAIMS:
            text = text.replace(label, " ")
        refs.update(m.lower() for m in GUID.findall(text))
        refs.update(UPN.findall(text))
        refs.update(next(g for g in m.groups() if g) for m in QUOTED.finditer(text))
        refs.update(n for n in names if n in text)
    return {r.strip() for r in refs if r.strip()}


def tenant_names(snapshot: Any) -> set[str]:
    """Names of the tenant's objects, as an admin would see them in a text."""
    if snapshot is None:
        return set()
    collections = ("users", "groups", "conditional_access_policies", "service_principals", "applications",
                   "directory_roles", "named_locations")
    names: set[str] = set()
    for collection in collections:
        for obj in getattr(snapshot, collection, None) or []:
            for key in ("displayName", "userPrincipalName"):
                value = obj.get(key)
                if isinstance(value, str) and len(value.strip()) >= MIN_NAME:
                    names.add(value.strip())
    return names


def _strings(results: Iterable[str]) -> Iterator[str]:
    """Each result's text, plus every string inside it when it is JSON (so escapes are undone)."""
    for text in results:
        yield text
        try:
            yield from _leaves(json.loads(text))
        except (TypeError, ValueError):
            continue


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        # tool results often carry JSON documents as strings (a policy, a diff): decode one level more
        if value[:1] in "[{":
            try:
                yield from _leaves(json.loads(value))
            except ValueError:
                pass
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif value is not None:
        yield str(value)
