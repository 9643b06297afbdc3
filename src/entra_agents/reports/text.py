"""Escaping of untrusted tenant strings for Markdown output, and small formatting helpers shared by renderers.

Display names, policy names and rationales come from the tenant (DESIGN safety rule 4): a name such as
``[click](https://evil) | <script>`` must come out as literal text, never as a link, a table cell break or HTML.
HTML output uses :func:`html.escape` directly; Markdown has no single escape function, hence this module.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Punctuation that starts markup anywhere in a line: emphasis, code, links and images (a link needs its `[`),
# raw HTML and autolinks, entities, GFM tables and strikethrough, heading markers. CommonMark treats a
# backslash before any of them as the literal character.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&!#])")
# Only meaningful at the start of a line (list items, setext underlines); ids and dates keep their dashes.
_LEADING = re.compile(r"^(\d+(?=[.)])|[-+=])")
# Newlines (and other control characters) could start a heading, a list or a fence on their own line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(value: Any) -> str:
    """The value as text on one line: control characters and line breaks become single spaces."""
    return _CONTROL.sub(" ", "" if value is None else str(value)).strip()


def md(value: Any) -> str:
    """Untrusted text, safe to place inline in Markdown (including inside a table cell)."""
    text = _INLINE.sub(r"\\\1", one_line(value))
    # "1. x" -> "1\. x" and "- x" -> "\- x": the text may land right after a list marker.
    return _LEADING.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0), text)


def code(value: Any) -> str:
    """Untrusted text as an inline code span (ids): literal inside, and it cannot end the span early."""
    text = one_line(value).replace("|", "\\|")  # GFM splits table cells even inside code spans
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(text: str, info: str = "") -> str:
    """A fenced code block that ``text`` cannot close: the fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


# Phrases both renderers use; they return plain text, which each renderer still escapes for its format.

_SINGULAR = {"users": "user", "groups": "group", "roles": "role", "apps": "app",
             "servicePrincipals": "service principal", "policies": "policy"}


def counts_phrase(counts: dict[str, int]) -> str:
    parts = [f"{n} {_SINGULAR.get(kind, kind) if n == 1 else _plural(kind)}" for kind, n in counts.items() if n]
    return ", ".join(parts) or "none"


def _plural(kind: str) -> str:
    return "service principals" if kind == "servicePrincipals" else kind


def impact_phrase(impact: dict[str, Any] | None) -> str:
    """The suggestion's impact on recorded sign-ins, when the agent estimated one."""
    if not impact:
        return "not estimated"
    if not impact.get("signInsEvaluated"):
        return "no recorded sign-ins to estimate from"
    window = impact.get("window") or {}
    text = (f"{impact.get('signInsAffected', 0)} of {impact.get('signInsEvaluated', 0)} sign-ins affected "
            f"({impact.get('signInsBlocked', 0)} blocked, {impact.get('signInsRequiringNewControls', 0)} "
            f"requiring new controls, {impact.get('signInsAlreadyEnforced', 0)} already enforced)")
    if window.get("from") or window.get("to"):
        text += f", sign-ins from {window.get('from') or '?'} to {window.get('to') or '?'}"
    return text


def usage_phrase(usage: dict[str, int]) -> str:
    return (f"{usage.get('promptTokens', 0)} prompt + {usage.get('completionTokens', 0)} completion tokens, "
            f"{usage.get('modelCalls', 0)} model calls")


def change_phrase(change: dict[str, Any]) -> tuple[str, str, str]:
    """(operation, property path, what changes) for one entry of a modify suggestion's property diff."""
    op, path = str(change.get("op", "")), str(change.get("path", ""))
    if op in ("add", "remove"):
        return op, path, ", ".join(str(v) for v in change.get("values") or [])
    before = json.dumps(change.get("before"), ensure_ascii=False)
    after = json.dumps(change.get("after"), ensure_ascii=False)
    return op, path, f"{before} → {after}"
