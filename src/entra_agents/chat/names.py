"""Names in questions -> directory objects, and the citation form answers use ("Name (id)").

One index per tenant snapshot holds every name an administrator may type: users (display name, UPN, the UPN's
local part, given name and surname on their own), groups, directory roles (by the roleTemplateId that policies
use), applications (display name, appId, and everyday words such as "Outlook"), Conditional Access policies
(display name and the code before " - ", e.g. "CA001") and named locations. A reference that fits several
objects is returned with all of them: the caller asks back instead of guessing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from entra_agents.conditional_access.context import (
    AZURE_MANAGEMENT,
    EXCHANGE_ONLINE,
    SHAREPOINT_ONLINE,
    TEAMS,
)

GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
EMAIL = re.compile(r"[\w.'#+-]+@[\w-]+(?:\.[\w-]+)+")
WORD = re.compile(r"[a-z0-9]+")
# Everyday names of first-party apps: what people say ("Outlook") rather than the service principal's name.
APP_WORDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("outlook",): (EXCHANGE_ONLINE, "Office 365 Exchange Online"),
    ("exchange",): (EXCHANGE_ONLINE, "Office 365 Exchange Online"),
    ("email",): (EXCHANGE_ONLINE, "Office 365 Exchange Online"),
    ("mail",): (EXCHANGE_ONLINE, "Office 365 Exchange Online"),
    ("sharepoint",): (SHAREPOINT_ONLINE, "Office 365 SharePoint Online"),
    ("onedrive",): (SHAREPOINT_ONLINE, "Office 365 SharePoint Online"),
    ("teams",): (TEAMS, "Microsoft Teams Services"),
    ("azure", "portal"): (AZURE_MANAGEMENT, "Windows Azure Service Management API"),
    ("azure", "management"): (AZURE_MANAGEMENT, "Windows Azure Service Management API"),
}
# Single words that must never be read as a person's first or last name, whatever the tenant holds.
NOT_NAMES = frozenset(["a", "an", "and", "are", "all", "any", "app", "apps", "can", "does", "for", "from", "group", "groups", "how", "is", "it", "mfa", "my", "new", "not", "of", "on", "or", "policy", "policies", "risk", "role", "sign", "signs", "the", "to", "user", "users", "when", "which", "who", "why", "with", "without", "what", "will", "would"])


@dataclass(frozen=True)
class DirectoryObject:
    kind: str  # user, group, role, app, policy, location
    id: str
    name: str
    detail: str = ""  # UPN, appId, policy state...

    def cite(self) -> str:
        return f"{self.name} ({self.id})"

    def to_json(self) -> dict[str, str]:
        out = {"kind": self.kind, "id": self.id, "displayName": self.name}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Mention:
    """A stretch of the question that names one or more objects (several: ambiguous)."""

    text: str
    start: int
    objects: tuple[DirectoryObject, ...]

    @property
    def kinds(self) -> set[str]:
        return {o.kind for o in self.objects}


def words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


def policy_code(name: str) -> str | None:
    """"CA001 - Require MFA" -> "ca001": the short code administrators say."""
    head, sep, _ = name.partition(" - ")
    code = head.strip().lower()
    return code if sep and code and " " not in code and len(code) <= 12 else None


class NameIndex:
    def __init__(self, snapshot: Any) -> None:
        self.objects: dict[str, DirectoryObject] = {}
        self._aliases: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._exact: dict[str, set[str]] = defaultdict(set)  # ids, UPNs, appIds (lowercase)
        for u in snapshot.users:
            upn = str(u.get("userPrincipalName") or "")
            obj = self._add("user", u.get("id"), u.get("displayName") or upn, upn, [upn.lower()])
            if obj is None:
                continue
            self._alias(obj, obj.name)
            self._alias(obj, upn.split("@")[0].replace(".", " "))
            for part in (u.get("givenName"), u.get("surname"), *(str(obj.name).split()[:1] or [])):
                if part and len(str(part)) >= 3 and str(part).lower() not in NOT_NAMES:
                    self._alias(obj, str(part))
        for g in snapshot.groups:
            if (obj := self._add("group", g.get("id"), g.get("displayName"))) is not None:
                self._alias(obj, obj.name)
        for r in snapshot.directory_roles:
            rid = r.get("roleTemplateId") or r.get("id")
            if (obj := self._add("role", rid, r.get("displayName"), extra=[str(r.get("id", "")).lower()])) is not None:
                self._alias(obj, obj.name)
        for a in [*snapshot.service_principals, *snapshot.applications]:
            app_id = str(a.get("appId") or "").lower()
            if app_id and app_id in self.objects:
                continue  # an application and its service principal are one app to the person asking
            if (obj := self._add("app", app_id, a.get("displayName"), app_id, [str(a.get("id", "")).lower()])):
                self._alias(obj, obj.name)
        for key, (app_id, name) in APP_WORDS.items():
            obj = self.objects.get(app_id) or DirectoryObject("app", app_id, name, app_id)
            self.objects.setdefault(app_id, obj)
            self._exact[app_id].add(app_id)
            self._aliases[key].add(app_id)
        for p in snapshot.conditional_access_policies:
            if (obj := self._add("policy", p.get("id"), p.get("displayName"), str(p.get("state", "")))) is not None:
                self._alias(obj, obj.name)
                if code := policy_code(obj.name):
                    self._alias(obj, code)
        for n in snapshot.named_locations:
            if (obj := self._add("location", n.get("id"), n.get("displayName"))) is not None:
                self._alias(obj, obj.name)

    def _add(self, kind: str, oid: Any, name: Any, detail: str = "",
             extra: Iterable[str] = ()) -> DirectoryObject | None:
        if not oid or not name:
            return None
        obj = DirectoryObject(kind, str(oid).lower(), str(name), detail)
        self.objects[obj.id] = obj
        for key in (obj.id, *extra):
            if key:
                self._exact[key].add(obj.id)
        return obj

    def _alias(self, obj: DirectoryObject, text: str) -> None:
        key = words(text)
        if key:
            self._aliases[key].add(obj.id)

    def get(self, object_id: str) -> DirectoryObject | None:
        return self.objects.get(str(object_id).lower())

    def cite(self, object_id: str) -> str:
        obj = self.get(object_id)
        return obj.cite() if obj else str(object_id)

    def lookup(self, reference: str, kinds: Iterable[str] | None = None) -> list[DirectoryObject]:
        """Objects ``reference`` names exactly (id, UPN, appId, a whole name or alias), optionally of some kinds."""
        wanted = set(kinds) if kinds else None
        ref = reference.strip().lower()
        ids = self._exact.get(ref) or self._aliases.get(words(ref), set())
        found = [self.objects[i] for i in sorted(ids)]
        return [o for o in found if wanted is None or o.kind in wanted]

    def near(self, reference: str, kinds: Iterable[str] | None = None, limit: int = 5) -> list[DirectoryObject]:
        """Objects whose name contains every word of ``reference``: the suggestions for a name not found."""
        wanted = set(kinds) if kinds else None
        ref = set(words(reference))
        if not ref:
            return []
        hits = [o for o in self.objects.values()
                if (wanted is None or o.kind in wanted) and ref <= set(words(o.name) + words(o.detail))]
        return sorted(hits, key=lambda o: o.name)[:limit]

    def mentions(self, text: str) -> list[Mention]:
        """Every stretch of ``text`` naming objects: ids and UPNs first, then the longest word runs."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for pattern in (GUID, EMAIL):
            for m in pattern.finditer(text):
                objs = self.lookup(m.group(0))
                if objs:
                    found.append(Mention(m.group(0), m.start(), tuple(objs)))
                taken.append(m.span())
        spans = [(m.start(), m.end(), m.group(0)) for m in WORD.finditer(text.lower())
                 if not any(a <= m.start() < b for a, b in taken)]
        longest = max((len(k) for k in self._aliases), default=0)
        i = 0
        while i < len(spans):
            for size in range(min(longest, len(spans) - i), 0, -1):
                key = tuple(s[2] for s in spans[i:i + size])
                ids = self._aliases.get(key)
                if ids:
                    start, end = spans[i][0], spans[i + size - 1][1]
                    found.append(Mention(text[start:end], start, tuple(self.objects[x] for x in sorted(ids))))
                    i += size
                    break
            else:
                i += 1
        return sorted(found, key=lambda m: m.start)
