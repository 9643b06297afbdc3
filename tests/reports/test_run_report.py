"""Per-run reports: what they say, that Markdown and HTML agree, and that hostile tenant strings stay text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from entra_agents.reports.data import gather
from entra_agents.reports.run_report import render_html, render_markdown
from entra_agents.store import Store
from tests.reports.sample_run import make_run


def test_gathered_data_counts_what_the_run_did() -> None:
    store = Store()
    report = gather(store, make_run(store)[:8])  # a unique prefix is enough
    assert (report.unprotected_users, report.unprotected_apps) == (3, 3)  # HYG users are not coverage gaps
    assert [g.check for g in report.coverage] == ["COV-01", "COV-30"]
    assert [s.priority for s in report.suggestions] == ["high", "medium", "low"]
    assert report.suggestions[0].impact is not None and report.suggestions[1].changes  # modify: diff kept
    assert report.suggestions[2].changes == []  # a new policy's [{"op": "create"}] is not a diff
    activity = report.activity
    assert (activity.model_turns, activity.tool_calls, activity.tool_errors) == (3, 2, 1)
    assert (activity.guard_refusals, activity.writes, activity.items) == (1, 1, 2)
    assert activity.tools == {"GetCoverageGap": 2}
    assert [(p.source, p.subject) for p in report.problems] == [
        ("check", "COV-12"), ("graph", "signIns"), ("tool", "GetCoverageGap")]
    assert report.usage["promptTokens"] == 1200 and report.llm is False
    assert report.duration_seconds is not None and report.duration_seconds >= 0


def test_markdown_report_sections() -> None:
    store = Store()
    text = render_markdown(store, make_run(store))
    for heading in ("## Agent summary", "## Unprotected users and apps", "## Suggestions (3)",
                    "### Priority high (1)", "## Activity", "## Failed checks and errors"):
        assert heading in text
    assert "3 users and 3 apps are left unprotected" in text
    assert "offline (deterministic, not an LLM)" in text
    assert "40 of 120 sign\\-ins affected" not in text and "40 of 120 sign-ins affected" in text
    assert "| replace | `grantControls.operator` | \"AND\" → \"OR\" |" in text
    # The hostile name holds ``` so the fence around the policy JSON is longer.
    assert re.search(r"^````json\n\{\n  \"displayName\"", text, flags=re.MULTILINE)
    assert not re.search(r"^```json", text, flags=re.MULTILINE)
    assert "1200 prompt + 300 completion tokens, 3 model calls" in text


def test_markdown_keeps_hostile_strings_as_text() -> None:
    store = Store()
    text = render_markdown(store, make_run(store))
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert rendered.count("<h1>") == 1 and "<h1>heading" not in rendered
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in rendered  # shown, not run
    # `|` in a name never adds a table cell: every row has as many cells as its header.
    for table in re.findall(r"<table>.*?</table>", rendered, flags=re.DOTALL):
        widths = {row.count("<td") or row.count("<th") for row in re.findall(r"<tr>.*?</tr>", table, flags=re.DOTALL)}
        assert len(widths) == 1, table
    # The policy JSON stays inside one code block, hostile fence and all.
    assert re.search(r'<code class="language-json">\{\n  &quot;displayName&quot;: &quot;Evil', rendered)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_html_is_self_contained_and_escapes_tenant_strings() -> None:
    store = Store()
    page = render_html(store, make_run(store))
    parser = _Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "h5", "p", "code", "div",
               "b", "table", "thead", "tbody", "tr", "th", "td", "span", "section", "details", "summary", "pre",
               "br", "ul", "li"}
    assert parser.tags <= allowed, parser.tags - allowed  # no script, img, a, link, iframe, ...
    assert parser.attributes <= {"lang", "charset", "http-equiv", "content", "name", "class"}
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert "url(" not in page and "@import" not in page


def test_markdown_and_html_agree() -> None:
    store = Store()
    run_id = make_run(store)
    text, page = render_markdown(store, run_id), render_html(store, run_id)
    for phrase in ("3 users and 3 apps are left unprotected", "Suggestions (3)", "Priority medium (1)",
                   "1200 prompt + 300 completion tokens", "2 users"):
        assert phrase in text and phrase in page


def test_failed_run_without_outputs() -> None:
    store = Store()
    run_id = make_run(store, status="failed", n_suggestions=0, users=[])
    text = render_markdown(store, run_id)
    assert "This run made no new suggestion." in text
    assert "| run | failed | Boom |" in text
    assert "0 users and 3 apps" in text
