"""Our own user-to-peers affiliation score, for decisions Graph gives no membership outlier insight about
(multi-stage reviews, role, application and access package reviews, decisions without insights).

Peers are the other principals reviewed in the same instance (or stage): the people who hold the same
access. The score is the strongest of three shares of those peers, each between 0 and 1:

- department: peers in the user's department;
- manager chain: peers who are the user's manager or manager's manager, report to the user, or share the
  user's manager;
- co-membership: peers found with the user in one other group (the largest such group wins; groups holding
  half the tenant or more, such as All Employees, are ignored: sharing them says nothing).

Below ``LOW`` the user is an outlier among the holders of this access; from ``HIGH`` well affiliated. With
fewer than ``MIN_PEERS`` peers there is nothing to compare with: the signal is missing, not guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from entra_agents.access_reviews.context import ReviewContext

LOW, HIGH = 0.10, 0.50
MIN_PEERS = 4


@dataclass(frozen=True)
class Affiliation:
    score: float
    department: float
    manager: float
    groups: float
    peers: int


class PeerIndex:
    """One review population's counts, computed once and shared by all its decisions."""

    def __init__(self, ctx: ReviewContext, population: tuple[str, ...], resource_id: str) -> None:
        self.ctx = ctx
        self.members = [p.lower() for p in population if ctx.user(p) is not None]
        self.member_set = set(self.members)
        self.resource_id = resource_id.lower()

    @cached_property
    def _departments(self) -> Counter[str]:
        return Counter(d for m in self.members if (d := self._department(m)))

    @cached_property
    def _reports(self) -> Counter[str]:
        return Counter(self.ctx.manager_of[m] for m in self.members if m in self.ctx.manager_of)

    @cached_property
    def _in_group(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in self.members:
            for gid in self.ctx.groups_of.get(m, ()):
                if gid != self.resource_id and gid not in counts:
                    counts[gid] = len(self.ctx.group_members[gid] & self.member_set)
        return counts

    def _department(self, uid: str) -> str:
        return str((self.ctx.user(uid) or {}).get("department") or "").strip().lower()

    def score(self, uid: str) -> Affiliation | None:
        uid = uid.lower()
        inside = uid in self.member_set
        peers = len(self.members) - (1 if inside else 0)
        if peers < MIN_PEERS:
            return None
        department = self._department(uid)
        same_department = self._departments.get(department, 0) - (1 if inside else 0) if department else 0
        groups = max((self._in_group.get(g, 0) - (1 if inside else 0) for g in self.ctx.groups_of.get(uid, ())
                      if g != self.resource_id), default=0)
        shares = (same_department / peers, self._chain(uid) / peers, groups / peers)
        return Affiliation(round(max(shares), 3), *(round(s, 3) for s in shares), peers=peers)

    def _chain(self, uid: str) -> int:
        """Peers in the user's immediate org neighbourhood (the user excluded)."""
        manager = self.ctx.manager_of.get(uid)
        near = {manager, self.ctx.manager_of.get(manager or "")} - {None, uid}
        count = sum(1 for m in near if m in self.member_set)
        count += self._reports.get(uid, 0)  # direct reports among the peers
        if manager:
            count += self._reports.get(manager, 0) - (1 if uid in self.member_set else 0)  # same manager
        return count
