"""Arguments from a question, without a model: names, apps, platforms, client types, risk, locations, suggestion
references, edit actions and confirmation tokens.

Everything here is a table or a regular expression over the question's words, so what is understood can be
read and tested. Names come from the tenant's ``NameIndex`` (longest match wins: "Sales-Contractors" before
"Sales"); a mention that fits several objects stays ambiguous and is passed on as typed, so the skill asks back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from entra_agents.chat.names import Mention, NameIndex, words

PLATFORM_WORDS = {"android": "android", "ios": "iOS", "iphone": "iOS", "ipad": "iOS", "windows": "windows",
                  "mac": "macOS", "macos": "macOS", "macbook": "macOS", "linux": "linux"}
BROWSER_WORDS = {"browser", "web", "edge", "chrome", "safari", "firefox", "portal"}
APP_CLIENT_WORDS = {"app", "apps", "client", "desktop", "mobile", "outlook", "teams", "onedrive"}
LEGACY_WORDS = {"imap", "pop", "pop3", "smtp", "legacy", "mapi"}
TOKEN = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{12}\b")
SUGGESTION_REF = re.compile(
    r"(?:suggestion|recommendation)s?\s*(?:number\s*|no\.?\s*)?#?\s*([0-9]{1,3}|[0-9a-f]{8}[0-9a-f-]*)\b"
    r"|#\s*([0-9]{1,3})\b"
    r"|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|top|last)\s+(?:open\s+)?"
    r"(?:suggestion|recommendation)", re.IGNORECASE)
CONFIRM = re.compile(r"^\s*(?:yes|y|ok|okay|sure)?[\s,!.]*(?:please\s+)?(?:confirm|apply it|do it|go ahead|yes)\b", re.IGNORECASE)
CANCEL = re.compile(r"^\s*(?:no|cancel|abort|never ?mind|don'?t)\b", re.IGNORECASE)
EDIT_ACTIONS = (  # first match wins: "stop excluding" must not read as "exclude"
    (re.compile(r"\b(stop|no longer|don'?t|do not)\s+exclud|\bremove\s+(the\s+)?exclusion|\bun-?exclude", re.IGNORECASE),
     "remove_exclusion"),
    (re.compile(r"\b(stop|no longer)\s+includ|\bremove\s+(the\s+)?inclusion|\bun-?include", re.IGNORECASE),
     "remove_inclusion"),
    (re.compile(r"\bexclud", re.IGNORECASE), "exclude"),
    (re.compile(r"\b(includ|add)", re.IGNORECASE), "include"),
)
STATUS_WORDS = {"dismissed": "dismissed", "snoozed": "snoozed", "applied": "applied", "reviewed": "reviewed"}


@dataclass
class Question:
    text: str
    mentions: list[Mention] = field(default_factory=list)
    platform: str = ""
    client: str = ""
    location: str = ""
    sign_in_risk: str = "none"
    user_risk: str = "none"
    flow: str = ""
    suggestion: str = ""
    edit_action: str = ""
    token: str = ""
    confirms: bool = False
    cancels: bool = False
    status: str = ""

    def of(self, *kinds: str) -> list[Mention]:
        return [m for m in self.mentions if m.kinds & set(kinds)]

    def reference(self, mention: Mention) -> str:
        """What to pass a skill for ``mention``: the id when it is unambiguous, else the words as typed."""
        return mention.objects[0].id if len(mention.objects) == 1 else mention.text

    def kinds_present(self) -> dict[str, int]:
        present = {k: 0 for k in ("user", "group", "role", "app", "policy", "location")}
        for m in self.mentions:
            for k in m.kinds:
                present[k] = present.get(k, 0) + 1
        present["suggestion"] = int(bool(self.suggestion))
        present["edit"] = int(bool(self.edit_action and self.suggestion))
        # a sign-in of someone: sign-in words or a platform, and a user named or guessed ("when bob signs in")
        someone = bool(present["user"] or user_guess(self.text))
        present["signin"] = int(someone and bool(self.platform or re.search(r"\bsigns?\s*(in|on)\b|\blogs?\s*(in|on)\b",
                                                                                self.text, re.IGNORECASE)))
        present["confirm"] = int(self.confirms)
        return present


def _risk(text: str, subject: str) -> str:
    level = re.search(r"\b(low|medium|high)[\s-]*(?:risk\w*)?\s*" + subject, text)
    return level.group(1) if level else ""


def extract(text: str, index: NameIndex) -> Question:
    low = text.lower()
    said = set(words(low))
    q = Question(text=text, mentions=index.mentions(text))
    q.platform = next((PLATFORM_WORDS[w] for w in words(low) if w in PLATFORM_WORDS), "")
    if said & LEGACY_WORDS or "activesync" in said:
        q.client = "exchangeActiveSync" if "activesync" in said else "other"
    elif said & BROWSER_WORDS:
        q.client = "browser"
    elif said & APP_CLIENT_WORDS or q.platform in ("android", "iOS"):
        q.client = "mobileAppsAndDesktopClients"
    if re.search(r"\buntrusted\b|\bhome\b|\boutside\b|\bpublic\b|\babroad\b", low):
        q.location = "untrusted"
    elif re.search(r"\btrusted\b|\boffice\b|\bcorporate network\b", low):
        q.location = "trusted"
    named = q.of("location")
    if named:
        q.location = q.reference(named[0])
    q.sign_in_risk = _risk(low, "sign") or ("high" if re.search(r"risky sign", low) else "none")
    q.user_risk = _risk(low, "user") or ("high" if re.search(r"risky user|compromised", low) else "none")
    if "device code" in low:
        q.flow = "deviceCodeFlow"
    elif "authentication transfer" in low:
        q.flow = "authenticationTransfer"
    if ref := SUGGESTION_REF.search(text):
        q.suggestion = next(g for g in ref.groups() if g)
    for pattern, action in EDIT_ACTIONS:
        if pattern.search(text):
            q.edit_action = action
            break
    if token := TOKEN.search(low):
        q.token = token.group(0)
    q.confirms = bool(CONFIRM.match(text)) or bool(q.token and "confirm" in said)
    q.cancels = bool(CANCEL.match(text)) and not q.confirms
    q.status = next((STATUS_WORDS[w] for w in words(low) if w in STATUS_WORDS), "")
    return q


def user_guess(text: str) -> str:
    """A user named in a sign-in question the index does not know ("when bob signs in"): the word before
    "signs in" / "logs in", or after "for"; empty when there is none."""
    match = re.search(r"\b(?:when|if|would|does|can|will)\s+([\w.@'-]+)\s+(?:sign|log|be|get|try)", text, re.IGNORECASE) \
        or re.search(r"\bfor\s+([\w.@'-]+)", text, re.IGNORECASE)
    return match.group(1) if match else ""
