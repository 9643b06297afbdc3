"""Which skill answers a question, without a model: Okapi BM25 over each skill's own words.

Every candidate skill is one document: its ``Description`` plus its ``ExamplePrompts`` (content authors tune the
routing by editing the manifest, not code). Question and documents go through the same normalisation:
lowercase words, stop words dropped, a light suffix strip ("policies" -> "polic", "signs" -> "sign") and a
synonym table that maps everyday words onto the vocabulary the manifests use ("protected" -> "covered",
"phone" -> "mobile"). The score is BM25 (k1 = 1.2, b = 0.75, IDF with +1 smoothing, as in Lucene) plus a bonus
when the question holds the kind of object the skill is about (a policy name for ExplainPolicy, a suggestion
reference for ExplainSuggestion): a name in the question is stronger evidence than a shared word. Ties break on
skill name, so the same question always routes the same way.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

K1, B = 1.2, 0.75
ENTITY_BONUS = 2.5  # about one rare shared word: enough to break a tie between two "explain ..." skills

STOP = frozenset(["a", "an", "the", "is", "are", "was", "were", "be", "been", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "not", "no", "do", "does", "did", "i", "me", "my", "we", "our", "you", "your", "it", "its", "this", "that", "these", "those", "there", "their", "them", "they", "he", "she", "his", "her", "what", "which", "who", "whom", "how", "why", "when", "where", "can", "could", "would", "should", "will", "shall", "may", "might", "please", "tell", "show", "give", "list", "me", "about", "any", "some", "all", "as", "if", "than", "then", "so", "up", "out", "into", "over", "under", "just", "also", "get"])
# everyday word -> manifest word (applied to question and documents alike, after suffix stripping)
SYNONYMS = {
    "protect": "cover", "unprotect": "uncover", "uncovered": "uncover", "coverage": "cover", "gap": "uncover",
    "multifactor": "mfa", "2fa": "mfa", "phone": "mobile", "iphone": "ios", "ipad": "ios", "android": "mobile",
    "happen": "whatif", "whatif": "whatif", "blocked": "block", "prompt": "whatif", "login": "sign", "logon": "sign",
    "log": "sign", "signin": "sign", "recommend": "suggest", "recommendation": "suggest", "suggestion": "suggest",
    "priorit": "priorit", "first": "priorit", "urgent": "priorit", "explain": "explain", "describe": "explain",
    "detail": "explain", "who": "find", "look": "find", "lookup": "find", "search": "find", "find": "find",
    "review": "review", "reviewer": "review", "decision": "review", "exclude": "exclude", "include": "include",
    "add": "include", "remove": "exclude", "confirm": "confirm", "yes": "confirm", "approve": "confirm",
    "finding": "finding", "check": "finding", "issue": "finding", "problem": "finding", "posture": "finding",
    "activity": "sign", "traffic": "sign", "failure": "fail", "failed": "fail",
}
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ies", "ing", "ed", "es", "s")


def normalise(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return SYNONYMS.get(word, word)


def terms(text: str) -> list[str]:
    return [normalise(w) for w in _WORD.findall(text.lower()) if w not in STOP]


@dataclass(frozen=True)
class Route:
    skill: str
    score: float


@dataclass(frozen=True)
class RoutingDocument:
    skill: str
    text: str  # description + example prompts
    entity_kinds: frozenset[str] = frozenset()  # kinds of mention that make this skill likelier


class Router:
    def __init__(self, documents: Sequence[RoutingDocument]) -> None:
        self.documents = list(documents)
        self._tf = [Counter(terms(d.text)) for d in self.documents]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 1.0
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self.documents)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def rank(self, question: str, present: Mapping[str, int] | None = None) -> list[Route]:
        """Skills by score, best first. ``present``: kinds of mention found in the question (e.g. {"policy": 1})."""
        query = terms(question)
        routes = []
        for doc, tf, length in zip(self.documents, self._tf, self._len, strict=True):
            score = 0.0
            for term in query:
                f = tf.get(term, 0)
                if f:
                    score += self._idf[term] * f * (K1 + 1) / (f + K1 * (1 - B + B * length / self._avg))
            if present and doc.entity_kinds & {k for k, v in present.items() if v}:
                score += ENTITY_BONUS
            routes.append(Route(doc.skill, round(score, 4)))
        return sorted(routes, key=lambda r: (-r.score, r.skill))
