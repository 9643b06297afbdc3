"""Who reviews an access review instance, for the Graph simulator: ``filterByCurrentUser(on='reviewer')`` reads
and the rule that only an instance's reviewers record its decisions.

Reviewers are Graph queries on the instance (else on its definition), fallback reviewers included. The simulator
resolves ``/users/{id}`` and ``/groups/{id}/members|transitiveMembers``; relative ones (``./manager``, group
owners) need data a tenant file does not hold, so they leave the answer open (``None``). Where the simulator
cannot tell, it shows rather than hides, and lets writes through, so hand-written tenant files stay usable.
"""

from __future__ import annotations

from typing import Any

from entra_agents.graph.sim_odata import GraphError

JSON = dict[str, Any]
FILTER_BY_REVIEWER = "filterbycurrentuser(on='reviewer')"  # Graph's function segment, lower-cased


class Reviewers:
    """Answers "does this caller review that instance?" over the tenant's users and groups (indexed by id)."""

    def __init__(self, users: dict[str, JSON], groups: dict[str, JSON]) -> None:
        self._users, self._groups = users, groups

    def reviewed_by(self, caller: JSON | None, items: list[JSON], parents: list[JSON]) -> list[JSON]:
        """The ``items`` (definitions, an instance's... or decisions) the signed-in caller reviews.

        ``parents`` are the definition and the instance above ``items`` (none for definitions).
        """
        if caller is None:
            raise GraphError(403, "Authorization_RequestDenied", "filterByCurrentUser needs a signed-in user's "
                                                                 "token; this request names no user.")
        who = str(caller["id"])
        if len(parents) == 2:  # decisions of one instance: all of them, if the caller reviews the instance
            return items if self.reviews(who, parents[0], parents[1]) is not False else []
        if len(parents) == 1:
            return [i for i in items if self.reviews(who, parents[0], i) is not False]
        return [d for d in items if any(self.reviews(who, d, i) is not False for i in d.get("instances") or [])]

    def reviews(self, caller: str, definition: JSON, instance: JSON) -> bool | None:
        """Whether ``caller`` (a user id) reviews ``instance``: True, False, or None when it cannot tell."""
        scopes = [*(instance.get("reviewers") or definition.get("reviewers") or []),
                  *(instance.get("fallbackReviewers") or definition.get("fallbackReviewers") or [])]
        if not scopes:
            return None
        known = True
        for scope in scopes:
            parts = [p for p in str(scope.get("query") or "").split("?")[0].split("/") if p]
            if len(parts) == 2 and parts[0].lower() == "users":
                if caller.lower() in (parts[1].lower(), str(self._users.get(parts[1].lower(), {}).get("id")).lower()):
                    return True
            elif len(parts) == 3 and parts[0].lower() == "groups" and parts[2].lower() in (
                    "members", "transitivemembers"):
                if caller in self._group_users(parts[1], transitive=parts[2].lower() == "transitivemembers"):
                    return True
            else:
                known = False
        return False if known else None

    def _group_users(self, group_id: str, *, transitive: bool, seen: frozenset[str] = frozenset()) -> set[str]:
        group = self._groups.get(group_id.lower())
        if group is None or group_id in seen:
            return set()
        found: set[str] = set()
        for member in group.get("members") or []:
            if member.lower() in self._groups:
                if transitive:
                    found |= self._group_users(member, transitive=True, seen=seen | {group_id})
            else:
                found.add(member)
        return found
