"""Replace personal names, addresses and the tenant's domains in a recording with consistent fake values.

A pseudonymized recording can be shared as a test case: the analysis of it is the analysis of the real tenant
(object ids, app ids, policy logic, dates, types and states are untouched), but nobody's name or mail is in it.

How values are replaced. Every run of letters in a name or address is a *word*; each distinct word (compared
case-insensitively) gets one pronounceable fake word, chosen by an HMAC of the word under a per-recording salt,
and the original's capitalisation is kept. So "Megan Bowen", givenName "Megan", surname "Bowen" and
"megan.bowen@contoso.com" stay recognisably the same person ("Tavi Rodren", "tavi.rodren@sheamo.com"), a
name is replaced identically in every response, nextLink and filter literal, and digits and punctuation
survive ("Break Glass 01" -> "Brou Kethal 01"). Words are assigned in sorted order after all of them are
known, with collisions resolved deterministically, so the same tenant and the same ``--seed`` give the
same bytes. The salt is random unless a seed is given; neither the salt nor the mapping is ever written.

What is kept, on purpose:
- display names of Conditional Access policies, named locations, authentication strengths, directory roles
  and security defaults: they are names an administrator (or Microsoft) gave to configuration, not people,
  and findings and suggestions are explained in their terms. The same names are kept wherever they recur
  (e.g. as an audit log's target).
- display names of Microsoft's own applications (``appOwnerOrganizationId`` is a Microsoft tenant).
- in addresses, structural words: top-level domains, ``onmicrosoft``, ``#EXT#``, ``SMTP:`` and the like.
Not covered: free text (descriptions, audit ``modifiedProperties`` values), IP addresses and locations of
sign-ins (the analysis needs them), ``$search`` expressions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from itertools import count
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from entra_agents.graph.scrub import set_response_body

MICROSOFT_TENANTS = frozenset({"f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"})
KEPT_TYPES = frozenset(t.lower() for t in (
    "#microsoft.graph.conditionalAccessPolicy", "#microsoft.graph.namedLocation",
    "#microsoft.graph.ipNamedLocation", "#microsoft.graph.countryNamedLocation",
    "#microsoft.graph.authenticationStrengthPolicy", "#microsoft.graph.directoryRole",
    "#microsoft.graph.unifiedRoleDefinition", "#microsoft.graph.identitySecurityDefaultsEnforcementPolicy",
))
# Objects read from these paths (below the version segment, lower case) are configuration, not people.
KEPT_PATHS = ("identity/conditionalaccess/", "policies/", "directoryroles", "rolemanagement/directory/roledefinitions")
NAVIGATIONS = frozenset({"members", "transitivemembers", "owners", "memberof", "transitivememberof"})

NAME_FIELDS = frozenset({"displayName", "givenName", "surname", "userDisplayName", "principalDisplayName",
                         "appDisplayName", "resourceDisplayName"})
ADDRESS_FIELDS = frozenset({"userPrincipalName", "mail", "mailNickname", "onPremisesUserPrincipalName",
                            "onPremisesSamAccountName", "onPremisesDomainName"})
ADDRESS_LIST_FIELDS = frozenset({"otherMails", "proxyAddresses", "imAddresses", "technicalNotificationMails",
                                 "marketingNotificationEmails", "securityComplianceNotificationMails"})
URL_FIELDS = frozenset({"@odata.nextLink", "@odata.deltaLink", "url"})
ADDRESS_KEEP_WORDS = frozenset({
    "onmicrosoft", "ext", "smtp", "sip", "spo", "com", "net", "org", "edu", "gov", "mil", "int", "io", "co",
    "uk", "us", "de", "fr", "nl", "eu", "info", "biz",
})

NAME, ADDRESS, URL, TEXT = "name", "address", "url", "text"
_WORD = re.compile(r"[^\W\d_]+")
_ODATA_LITERAL = re.compile(r"'((?:[^']|'')*)'")
_REQUEST_IN_TEXT = re.compile(r"\b(GET|POST|PATCH|PUT|DELETE) ([^\s)]+)")
_ONSETS = ("b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
           "br", "ch", "dr", "fl", "gr", "kr", "pl", "sh", "st", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "ie")
_CODAS = ("", "", "", "", "n", "r", "l", "s", "m", "th", "x", "nd")

Slot = tuple[Any, Any, str]  # (container, key or index, kind)


class Pseudonymizer:
    """One recording's mapping from real to fake words. Use ``pseudonymize(interactions)`` first."""

    def __init__(self, salt: bytes | None = None) -> None:
        self._salt = salt if salt is not None else secrets.token_bytes(32)
        self._words: dict[str, str] = {}  # casefolded real word -> fake word (lower case)
        self._taken: set[str] = set()
        self._originals: set[str] = set()
        self._known: dict[str, str] = {}  # casefolded real value -> kind, to recognise it inside URLs
        self._kept: set[str] = set()  # display names left as they are (policy names, Microsoft's apps)

    @classmethod
    def from_seed(cls, seed: str | None) -> Pseudonymizer:
        """A seeded pseudonymizer is reproducible (for test fixtures); without a seed the salt is random."""
        if seed is None:
            return cls()
        return cls(hashlib.sha256(b"entra-agents/pseudonymize\0" + seed.encode("utf-8")).digest())

    # --------------------------------------------------------------------------------- whole recordings

    def pseudonymize(self, interactions: list[dict[str, Any]]) -> None:
        """Rewrite serialised vcrpy interactions in place: response and request bodies, and request URIs."""
        bodies: list[tuple[dict[str, Any], str, Any]] = []  # (request or response dict, side, parsed JSON)
        for interaction in interactions:
            request, response = interaction["request"], interaction["response"]
            path = _graph_path(str(request.get("uri", "")))
            for part, side in ((request, "request"), (response, "response")):
                data = _json_body(part, side)
                if data is not None:
                    bodies.append((part, side, data))
                    if side == "response":
                        self._kept.update(_kept_names(data, path))
        words: set[str] = set()
        for _, _, data in bodies:
            for container, key, kind in _slots(data):
                value = container[key]
                if kind == ADDRESS or (kind == NAME and value not in self._kept):
                    self._known[value.casefold()] = kind
                    words.update(w.casefold() for w in _words(value, kind))
        self.learn(words)
        for part, side, data in bodies:
            if self._apply(data):
                _set_json_body(part, side, data)
        for interaction in interactions:
            request = interaction["request"]
            request["uri"] = self.url(str(request.get("uri", "")))

    def learn(self, words: set[str]) -> None:
        """Give each new word a fake, in sorted order so the result does not depend on the order seen."""
        new = {w.casefold() for w in words} - self._words.keys()
        self._originals |= new
        for word in sorted(new):
            self._words[word] = self._fake(word)

    # -------------------------------------------------------------------------------------- single values

    def name(self, value: str) -> str:
        if value in self._kept:
            return value
        return _WORD.sub(lambda m: self._word(m.group()), value)

    def address(self, value: str) -> str:
        def swap(match: re.Match[str]) -> str:
            word = match.group()
            return word if word.casefold() in ADDRESS_KEEP_WORDS else self._word(word)

        return _WORD.sub(swap, value)

    def url(self, value: str) -> str:
        """Replace known names in a URL's path segments and in OData string literals of its query."""
        if not self._known:
            return value
        parts = urlsplit(value)
        path = "/".join(self._segment(s) for s in parts.path.split("/"))
        query = "&".join(self._query_pair(p) for p in parts.query.split("&")) if parts.query else parts.query
        if path == parts.path and query == parts.query:
            return value
        return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))

    def text(self, value: str) -> str:
        """Replace known names in a message: quoted literals and the URL of a quoted request."""
        value = _REQUEST_IN_TEXT.sub(lambda m: f"{m.group(1)} {self.url(m.group(2))}", value)
        return _ODATA_LITERAL.sub(self._literal, value)

    # ---------------------------------------------------------------------------------------- internals

    def _apply(self, data: Any) -> bool:
        changed = False
        for container, key, kind in list(_slots(data)):
            old = container[key]
            new = {NAME: self.name, ADDRESS: self.address, URL: self.url, TEXT: self.text}[kind](old)
            if new != old:
                container[key] = new
                changed = True
        return changed

    def _segment(self, segment: str) -> str:
        decoded = unquote(segment)
        kind = self._known.get(decoded.casefold())
        if kind is None:
            return segment
        return quote(self._by_kind(kind, decoded), safe="@:!$&'()*+,;=~")

    def _query_pair(self, pair: str) -> str:
        key, sep, raw = pair.partition("=")
        decoded = unquote_plus(raw)
        replaced = _ODATA_LITERAL.sub(self._literal, decoded)
        return pair if replaced == decoded else f"{key}{sep}{quote_plus(replaced, safe='$,')}"

    def _literal(self, match: re.Match[str]) -> str:
        inner = match.group(1).replace("''", "'")
        kind = self._known.get(inner.casefold())
        if kind is None:
            return match.group()
        return "'" + self._by_kind(kind, inner).replace("'", "''") + "'"

    def _by_kind(self, kind: str, value: str) -> str:
        return self.address(value) if kind == ADDRESS else self.name(value)

    def _word(self, word: str) -> str:
        key = word.casefold()
        fake = self._words.get(key)
        if fake is None:  # a word first seen after learn() (e.g. in tenant.json): still consistent
            self._originals.add(key)
            fake = self._words[key] = self._fake(key)
        if len(word) > 1 and word.isupper():
            return fake.upper()
        return fake.capitalize() if word[0].isupper() else fake

    def _fake(self, word: str) -> str:
        for attempt in count():
            digest = hmac.new(self._salt, f"{attempt}\0{word}".encode(), hashlib.sha256).digest()
            if len(word) == 1:  # initials: 26 letters cannot be unique, and need not be
                return "abcdefghijklmnopqrstuvwxyz"[digest[0] % 26]
            # about as long as the word; one more syllable every few collisions, so a crowded space still ends
            base = 1 if len(word) <= 3 else 2 if len(word) <= 7 else 3
            candidate = _pronounceable(digest, syllables=min(base + attempt // 4, 8))
            if candidate not in self._taken and candidate not in self._originals:
                self._taken.add(candidate)
                return candidate
        raise AssertionError("unreachable")


def _pronounceable(digest: bytes, syllables: int) -> str:
    out = []
    for i in range(syllables):
        out.append(_ONSETS[digest[3 * i] % len(_ONSETS)] + _VOWELS[digest[3 * i + 1] % len(_VOWELS)])
    out.append(_CODAS[digest[3 * syllables] % len(_CODAS)])
    return "".join(out)


def _words(value: str, kind: str) -> Iterator[str]:
    for word in _WORD.findall(value):
        if kind != ADDRESS or word.casefold() not in ADDRESS_KEEP_WORDS:
            yield word


# ------------------------------------------------------------------------------------------ JSON walking


def _slots(value: Any) -> Iterator[Slot]:
    """Every place in a Graph JSON document that holds a name, an address, a URL or an error message."""
    if isinstance(value, list):
        for item in value:
            yield from _slots(item)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, str):
            if key in NAME_FIELDS:
                yield value, key, NAME
            elif key in ADDRESS_FIELDS:
                yield value, key, ADDRESS
            elif key in URL_FIELDS:
                yield value, key, URL
            elif key == "message" and "code" in value:  # Graph's error shape may quote a name
                yield value, key, TEXT
        elif key in ADDRESS_LIST_FIELDS and isinstance(item, list):
            yield from ((item, i, ADDRESS) for i, v in enumerate(item) if isinstance(v, str))
        elif key == "verifiedDomains" and isinstance(item, list):
            yield from ((d, "name", ADDRESS) for d in item if isinstance(d, dict) and isinstance(d.get("name"), str))
        else:
            yield from _slots(item)


def _kept_names(body: Any, path: str) -> Iterator[str]:
    """Display names in one response that stay as they are (see the module docstring)."""
    path_kept = path.startswith(KEPT_PATHS) and path.rsplit("/", 1)[-1] not in NAVIGATIONS
    top = body.get("value") if isinstance(body, dict) and isinstance(body.get("value"), list) else [body]
    top_ids = {id(item) for item in top}

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, list):
            for item in value:
                yield from walk(item)
        elif isinstance(value, dict):
            odata_type = str(value.get("@odata.type") or "").lower()
            if (odata_type in KEPT_TYPES or (path_kept and id(value) in top_ids)
                    or str(value.get("appOwnerOrganizationId") or "").lower() in MICROSOFT_TENANTS):
                yield from (v for k in ("displayName", "appDisplayName") if isinstance(v := value.get(k), str))
            for item in value.values():
                yield from walk(item)

    return walk(body)


def _graph_path(uri: str) -> str:
    """The path below the version, lower case: ``.../v1.0/directoryRoles/r1/members`` -> ``directoryroles/r1/members``."""
    segments = [s for s in urlsplit(uri).path.split("/") if s]
    if segments and segments[0].lower() in ("v1.0", "beta"):
        segments = segments[1:]
    return "/".join(segments).lower()


def _json_body(part: dict[str, Any], side: str) -> Any:
    body = part.get("body")
    text = body.get("string") if side == "response" and isinstance(body, dict) else body
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str) or not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _set_json_body(part: dict[str, Any], side: str, data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False)
    if side == "response":
        set_response_body(part, text, as_text=True)
        return
    part["body"] = text
    for name in part.get("headers") or {}:
        if name.lower() == "content-length":
            part["headers"][name] = [str(len(text.encode("utf-8")))]
