"""The report of a results log: a summary table for the terminal, Markdown, and one self-contained HTML page.

All three render the same tables (``tables``). Everything that comes from a log is escaped for the format it is
written in: reasons quote tenant names, and tenant names are hostile (the adversarial suite plants markup in them).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from entra_agents.evals.results import EvalLog

PER_CHECK = re.compile(r"^findings\.(precision|recall):([A-Z]+-\d+)$")
HEADLINE = ("findings.precision", "findings.recall", "findings.status", "suggestions.accuracy",
            "suggestions.verified", "grounding.grounded", "cases.passed")
SAFETY_TOTALS = ("forbiddenWritesAttempted", "forbiddenWritesAllowed", "forbiddenWritesSucceeded",
                 "unsafeSuggestions", "secretsInOutputs", "guardRefusals")
COST_TOTALS = ("cost.total:totalTokens", "cost.total:modelCalls", "cost.total:toolCalls", "latency.total:seconds")


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 2 else f"{value:.3f}".rstrip("0").rstrip(".")


def verdict(log: EvalLog) -> str:
    if log.skipped:
        return f"SKIPPED: {log.skipped}"
    problems = []
    if log.safety_violations:
        problems.append(f"{len(log.safety_violations)} safety violations")
    if log.baseline_drops:
        problems.append(f"{len(log.baseline_drops)} metrics below baseline")
    return "FAIL: " + ", ".join(problems) if problems else "PASS"


def tables(log: EvalLog) -> list[Table]:
    rows = [[c.id, "error" if c.error else ("pass" if c.passed else "fail"),
             f"{len(c.failures)}" + (f" ({c.error})" if c.error else ""), f"{c.seconds:.2f}", c.model]
            for c in log.cases]
    out = [Table("Cases", ["case", "result", "failed scores", "seconds", "model"], rows)]
    checks: dict[str, dict[str, float]] = {}
    for key, value in log.aggregates.items():
        if m := PER_CHECK.match(key):
            checks.setdefault(m.group(2), {})[m.group(1)] = value
    if checks:
        out.append(Table("Findings per check", ["check", "precision", "recall"],
                         [[c, _num(v.get("precision")), _num(v.get("recall"))] for c, v in sorted(checks.items())]))
    headline = [[k, _num(log.aggregates[k])] for k in HEADLINE if k in log.aggregates]
    headline += [[f"safety.{m} (total)", _num(log.aggregates[f"safety.{m}.sum"])]
                 for m in SAFETY_TOTALS if f"safety.{m}.sum" in log.aggregates]
    headline += [[k, _num(log.aggregates[k])] for k in COST_TOTALS if k in log.aggregates]
    if headline:
        out.append(Table("Aggregates", ["metric", "value"], headline))
    if log.baseline:
        out.append(Table("Baseline", ["metric", "value", "threshold", "result"],
                         [[b.metric, _num(b.value), b.describe().split("(baseline ")[1].rstrip(")"),
                           "ok" if b.passed else "BELOW"] for b in log.baseline]))
    failures = [[c.id, f"{s.scorer}.{s.metric}", s.reason] for c in log.cases for s in c.failures]
    failures += [[c.id, "run", c.error] for c in log.cases if c.error]
    if failures:
        out.append(Table("Failed scores", ["case", "metric", "reason"], failures))
    return out


def _header(log: EvalLog) -> list[tuple[str, str]]:
    return [("suite", str(log.spec.get("suite"))), ("result", verdict(log)), ("model", log.model or "-"),
            ("cases", str(len(log.cases))), ("seconds", f"{log.seconds:.1f}"),
            ("entra-agents", log.version), ("when", log.timestamp),
            ("suite file sha256", str(log.spec.get("fileHash", ""))[:16])]


# ------------------------------------------------------------------------------------------------- terminal


def summary(log: EvalLog, *, failures: int = 20) -> str:
    """The table ``eval run`` prints: cases, per-check precision/recall, aggregates, baseline, first failures."""
    head = f"{log.spec.get('suite')}: {verdict(log)}  ({len(log.cases)} cases, {log.seconds:.1f} s, model {log.model or '-'})"
    lines = [head]
    for table in tables(log):
        rows = table.rows[:failures] if table.title == "Failed scores" else table.rows
        lines += ["", table.title, *_aligned(table.headers, rows)]
        if len(rows) < len(table.rows):
            lines.append(f"... and {len(table.rows) - len(rows)} more (see the report)")
    return "\n".join(lines)


def _aligned(headers: list[str], rows: list[list[str]]) -> list[str]:
    clipped = [[_one_line(v)[:110] for v in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *clipped, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*headers).rstrip(), *(fmt.format(*row).rstrip() for row in clipped)]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# ------------------------------------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md(text: str) -> str:
    """Text inert in Markdown: no markup, no raw HTML, no table breaks."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(_one_line(text), quote=False))


def markdown(log: EvalLog) -> str:
    lines = [f"# Evaluation: {md(str(log.spec.get('suite')))}", "", md(str(log.spec.get("description", ""))), ""]
    lines += [f"- **{name}**: {md(value)}" for name, value in _header(log)]
    for table in tables(log):
        lines += ["", f"## {table.title}", "", "| " + " | ".join(table.headers) + " |",
                  "|" + "---|" * len(table.headers)]
        lines += ["| " + " | ".join(md(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------- html

_CSS = ("body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 "
        "1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
        ".pass{color:#176317}.fail,.BELOW,.error{color:#a31515;font-weight:600}dt{font-weight:600;float:left;"
        "width:11em}dd{margin-left:11em}")


def html_report(log: EvalLog) -> str:
    """One page, inline CSS, no scripts, nothing fetched: it can be attached to a ticket."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Evaluation: {esc(str(log.spec.get('suite')))}</title>", f"<style>{_CSS}</style></head><body>",
             f"<h1>Evaluation: {esc(str(log.spec.get('suite')))}</h1>", f"<p>{esc(str(log.spec.get('description')))}</p>",
             "<dl>", *(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in _header(log)), "</dl>"]
    for table in tables(log):
        parts += [f"<h2>{esc(table.title)}</h2>", "<table><thead><tr>",
                  *(f"<th>{esc(h)}</th>" for h in table.headers), "</tr></thead><tbody>"]
        for row in table.rows:
            cells = "".join(f'<td class="{esc(v)}">{esc(v)}</td>' if v in ("pass", "fail", "error", "BELOW")
                            else f"<td>{esc(v)}</td>" for v in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
