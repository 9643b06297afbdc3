"""The device filter rule language (``conditions.devices.deviceFilter.rule``), a safe subset (peers §1.5, §11.22).

Supported: ``device.<property> -op value`` with -eq -ne -startsWith -notStartsWith -contains -notContains
-endsWith -notEndsWith -in -notIn, joined by -and / -or (-and binds tighter) and parentheses. Anything else is
a rule we do not understand, and the evaluator answers notEnoughInformation for it rather than guessing.

An unregistered device has every property null: positive operators never match null, negative ones always
do, which is exactly how Entra treats it (an "exclude" filter on a positive rule therefore applies to every
unregistered device).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_POSITIVE = {"eq", "startswith", "contains", "endswith", "in"}
_NEGATIVE = {"ne": "eq", "notstartswith": "startswith", "notcontains": "contains", "notendswith": "endswith",
             "notin": "in"}
_TOKEN = re.compile(
    r"""\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<op>-[A-Za-z]+)|(?P<lb>\[)|(?P<rb>\])|(?P<comma>,)
    |"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<word>[^\s()\[\],"']+))""",
    re.VERBOSE,
)


class RuleSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Comparison:
    prop: str  # lower-cased property name without "device."
    op: str  # a positive operator
    negated: bool
    values: tuple[str, ...]

    def evaluate(self, properties: Mapping[str, Any]) -> bool:
        actual = properties.get(self.prop)
        if actual is None:
            return self.negated  # null: positive never matches, negative always does
        text = str(actual).lower() if not isinstance(actual, bool) else ("true" if actual else "false")
        wanted = [v.lower() for v in self.values]
        if self.op == "eq":
            hit = text == wanted[0]
        elif self.op == "startswith":
            hit = text.startswith(wanted[0])
        elif self.op == "endswith":
            hit = text.endswith(wanted[0])
        elif self.op == "contains":
            hit = wanted[0] in text
        else:
            hit = text in wanted
        return hit != self.negated


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple[Rule, ...]

    def evaluate(self, properties: Mapping[str, Any]) -> bool:
        results = (item.evaluate(properties) for item in self.items)
        return all(results) if self.op == "and" else any(results)


Rule = Comparison | BoolOp


@dataclass(frozen=True)
class DeviceFilter:
    """A parsed ``deviceFilter``; ``rule`` None with ``error`` set when the rule could not be parsed."""

    mode: str  # "include" | "exclude"
    text: str
    rule: Rule | None
    error: str = ""

    def applies_to(self, properties: Mapping[str, Any]) -> bool | None:
        """Whether the policy applies to this device as far as the filter goes; None if the rule is unknown."""
        if self.rule is None:
            return None
        matched = self.rule.evaluate(properties)
        return matched if self.mode == "include" else not matched


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RuleSyntaxError(f"unexpected text at {text[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        out.append(("str" if kind in ("dq", "sq") else kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, kind: str) -> str:
        got = self.peek()
        if got[0] != kind:
            raise RuleSyntaxError(f"expected {kind}, found {got[1] or 'end of rule'!r}")
        self.pos += 1
        return got[1]

    def expression(self, op: str = "or") -> Rule:
        sub = "and" if op == "or" else None
        items = [self.expression(sub) if sub else self.atom()]
        while self.peek()[0] == "op" and self.peek()[1].lower() == f"-{op}":
            self.pos += 1
            items.append(self.expression(sub) if sub else self.atom())
        return items[0] if len(items) == 1 else BoolOp(op, tuple(items))

    def atom(self) -> Rule:
        if self.peek()[0] == "lp":
            self.pos += 1
            inner = self.expression()
            self.take("rp")
            return inner
        prop = self.take("word")
        if not prop.lower().startswith("device."):
            raise RuleSyntaxError(f"{prop!r} is not a device property")
        op = self.take("op")[1:].lower()
        negated = op in _NEGATIVE
        base = _NEGATIVE.get(op, op)
        if base not in _POSITIVE:
            raise RuleSyntaxError(f"operator -{op} is not supported")
        return Comparison(prop[len("device."):].lower(), base, negated, self.values(base))

    def values(self, op: str) -> tuple[str, ...]:
        if op != "in":
            return (self.scalar(),)
        self.take("lb")
        values = [self.scalar()]
        while self.peek()[0] == "comma":
            self.pos += 1
            values.append(self.scalar())
        self.take("rb")
        return tuple(values)

    def scalar(self) -> str:
        kind, value = self.peek()
        if kind not in ("str", "word"):
            raise RuleSyntaxError(f"expected a value, found {value or 'end of rule'!r}")
        self.pos += 1
        return value


def parse_rule(text: str) -> Rule:
    parser = _Parser(_tokens(text))
    rule = parser.expression()
    if parser.pos != len(parser.tokens):
        raise RuleSyntaxError(f"unexpected {parser.peek()[1]!r}")
    return rule


def parse_device_filter(raw: Any) -> DeviceFilter | None:
    if not isinstance(raw, Mapping) or not raw.get("rule"):
        return None
    text = str(raw.get("rule"))
    mode = str(raw.get("mode") or "include").lower()
    try:
        return DeviceFilter(mode, text, parse_rule(text))
    except RuleSyntaxError as exc:
        return DeviceFilter(mode, text, None, str(exc))
