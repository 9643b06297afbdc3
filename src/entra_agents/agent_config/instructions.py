"""Custom instructions: the administrator's free text for the model, with the objects it names resolved.

Rules (deterministic, so an administrator can predict them; none of them guesses):
- A mention is a GUID, a user principal name (``name@domain``), or a name in quotes: "double", 'single'
  (not an apostrophe inside a word) or typographic quotes. Unquoted words are never treated as names: "All",
  "Finance" or "Guests" are ordinary words far more often than they are group names.
- GUIDs match object ids of users, groups, directory roles (also their roleTemplateId), applications and
  service principals (also their appId), Conditional Access policies and named locations.
- UPNs match users' userPrincipalName, then mail. Quoted names match displayName (and a user's UPN).
- Matching is case-insensitive and exact after collapsing runs of whitespace; no prefixes, no fuzziness.
- An application and its service principal (same appId) are one app, reported as the service principal.
- A type word just before a mention (user, group, role, app/application, service principal, policy,
  location) narrows an ambiguous name to that type when that leaves exactly one.
- No match: "not found"; several: "ambiguous" with the candidates. Both are reported, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from entra_agents.graph.snapshot import TenantSnapshot

GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
UPN = re.compile(r"(?<![\w.@-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
QUOTED = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|‘([^’\n]+)’|(?<!\w)\'([^\'\n]+)\'(?!\w)')
_APPS = ("servicePrincipal", "application")
# A word just before a mention (plural "s" dropped) -> the target types it means.
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "user": ("user",), "group": ("group",), "role": ("role",), "app": _APPS, "application": _APPS,
    "principal": _APPS, "policy": ("policy",), "policie": ("policy",), "location": ("namedLocation",)}
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Target:
    type: str
    id: str
    display_name: str
    principal_name: str = ""  # UPN for users, appId for apps

    def to_json(self) -> dict[str, str]:
        out = {"type": self.type, "id": self.id, "displayName": self.display_name}
        return out | ({"principalName": self.principal_name} if self.principal_name else {})


@dataclass(frozen=True)
class Mention:
    text: str
    kind: str  # "guid" | "upn" | "name"
    type_hint: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedInstructions:
    text: str
    objects: tuple[tuple[Mention, Target], ...] = ()
    unresolved: tuple[tuple[Mention, str, tuple[Target, ...]], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.unresolved

    def to_json(self) -> dict[str, Any]:
        """What the model receives (the text as data) and what `agents show` and the trace report."""
        return {
            "text": self.text,
            "status": "resolved" if self.ok else "unresolved",
            "objects": [{"mention": m.text, **t.to_json()} for m, t in self.objects],
            "unresolved": [{"mention": m.text, "problem": problem, "candidates": [c.to_json() for c in cands]}
                           for m, problem, cands in self.unresolved],
        }


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def mentions(text: str) -> list[Mention]:
    """The mentions in ``text``, in order of first appearance, each once."""
    found: list[tuple[int, Mention]] = []
    for match in QUOTED.finditer(text):
        inner = next(g for g in match.groups() if g is not None).strip()
        if inner:
            found.append((match.start(), Mention(inner, _kind(inner), _type_hint(text, match.start()))))
    quoted_spans = [m.span() for m in QUOTED.finditer(text)]
    for pattern, kind in ((GUID, "guid"), (UPN, "upn")):
        for match in pattern.finditer(text):
            if not any(a <= match.start() < b for a, b in quoted_spans):
                found.append((match.start(), Mention(match.group(0), kind, _type_hint(text, match.start()))))
    # The same text with a different type word before it ('"Finance"' and 'group "Finance"') is a different
    # mention: one may be ambiguous while the other is not.
    seen: dict[tuple[str, tuple[str, ...]], Mention] = {}
    for _, mention in sorted(found, key=lambda pair: pair[0]):
        seen.setdefault((_key(mention.text), mention.type_hint), mention)
    return list(seen.values())


def _kind(inner: str) -> str:
    if GUID.fullmatch(inner):
        return "guid"
    return "upn" if UPN.fullmatch(inner) else "name"


def _type_hint(text: str, start: int) -> tuple[str, ...]:
    words = re.findall(r"[A-Za-z]+", text[max(0, start - 24):start])
    return TYPE_WORDS.get(words[-1].lower().removesuffix("s"), ()) if words else ()


class _Index:
    """Lookups over one snapshot: GUID -> targets, name -> targets, UPN/mail -> users."""

    def __init__(self, snapshot: TenantSnapshot) -> None:
        self.by_id: dict[str, list[Target]] = defaultdict(list)
        self.by_name: dict[str, list[Target]] = defaultdict(list)
        self.by_upn: dict[str, list[Target]] = defaultdict(list)
        for u in snapshot.users:
            target = Target("user", str(u.get("id")), str(u.get("displayName") or ""),
                            str(u.get("userPrincipalName") or ""))
            self._add(target, [u.get("id")], [u.get("displayName")])
            for address in (u.get("userPrincipalName"), u.get("mail")):
                if address:
                    self.by_upn[_key(str(address))].append(target)
        for g in snapshot.groups:
            self._add(Target("group", str(g.get("id")), str(g.get("displayName") or "")), [g.get("id")],
                      [g.get("displayName")])
        for r in snapshot.directory_roles:
            self._add(Target("role", str(r.get("id")), str(r.get("displayName") or "")),
                      [r.get("id"), r.get("roleTemplateId")], [r.get("displayName")])
        app_ids = {str(sp.get("appId")) for sp in snapshot.service_principals if sp.get("appId")}
        for sp in snapshot.service_principals:
            self._add(Target("servicePrincipal", str(sp.get("id")), str(sp.get("displayName") or ""),
                             str(sp.get("appId") or "")), [sp.get("id"), sp.get("appId")], [sp.get("displayName")])
        for app in snapshot.applications:
            if str(app.get("appId")) in app_ids:  # the same app as its service principal: one target, not two
                sp = next(t for t in self.by_id[str(app.get("appId")).casefold()] if t.type == "servicePrincipal")
                self.by_id[str(app.get("id")).casefold()].append(sp)
                continue
            self._add(Target("application", str(app.get("id")), str(app.get("displayName") or ""),
                             str(app.get("appId") or "")), [app.get("id"), app.get("appId")], [app.get("displayName")])
        for kind, items in (("policy", snapshot.conditional_access_policies), ("namedLocation", snapshot.named_locations)):
            for obj in items:
                self._add(Target(kind, str(obj.get("id")), str(obj.get("displayName") or "")), [obj.get("id")],
                          [obj.get("displayName")])

    def _add(self, target: Target, ids: list[Any], names: list[Any]) -> None:
        for value in ids:
            if value:
                self.by_id[str(value).casefold()].append(target)
        for value in names:
            if value:
                self.by_name[_key(str(value))].append(target)

    def lookup(self, mention: Mention) -> list[Target]:
        key = _key(mention.text)
        if mention.kind == "guid":
            hits = self.by_id.get(key, [])
        elif mention.kind == "upn":
            hits = self.by_upn.get(key, []) or self.by_name.get(key, [])
        else:
            hits = self.by_name.get(key, []) or self.by_upn.get(key, [])
        return list(dict.fromkeys(hits))  # one object reachable by two keys (id and roleTemplateId) counts once


def resolve(text: str, snapshot: TenantSnapshot) -> ResolvedInstructions:
    """Resolve every mention in ``text`` against ``snapshot`` (pure: no I/O)."""
    index = _Index(snapshot)
    objects: list[tuple[Mention, Target]] = []
    unresolved: list[tuple[Mention, str, tuple[Target, ...]]] = []
    for mention in mentions(text):
        hits = index.lookup(mention)
        if len(hits) > 1 and mention.type_hint:
            narrowed = [t for t in hits if t.type in mention.type_hint]
            hits = narrowed if len(narrowed) == 1 else hits
        if len(hits) == 1:
            objects.append((mention, hits[0]))
        elif hits:
            unresolved.append((mention, "ambiguous", tuple(hits[:MAX_CANDIDATES])))
        else:
            unresolved.append((mention, "not found", ()))
    return ResolvedInstructions(text=text, objects=tuple(objects), unresolved=tuple(unresolved))


def describe(resolved: ResolvedInstructions) -> list[str]:
    """One line per unresolved mention, for warnings and `agents show`."""
    lines = []
    for mention, problem, candidates in resolved.unresolved:
        which = "; ".join(f"{c.type} {c.display_name} ({c.id})" for c in candidates)
        lines.append(f"{mention.text!r}: {problem}" + (f": could be {which}" if which else ""))
    return lines
