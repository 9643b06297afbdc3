"""One run as a report: ``render_markdown`` and ``render_html`` (self-contained, no scripts, no external resources).

Both read the same gathered ``RunReport`` (``data.gather``), so they never disagree.
"""

from __future__ import annotations

from entra_agents.reports import html_report, md_report
from entra_agents.reports.data import RunStore, gather


def render_markdown(store: RunStore, run_id: str) -> str:
    return md_report.render(gather(store, run_id))


def render_html(store: RunStore, run_id: str) -> str:
    return html_report.render(gather(store, run_id))
