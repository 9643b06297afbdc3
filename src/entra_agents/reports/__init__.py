"""Reports on agent runs: one run in Markdown or HTML (``run_report``) and an agent's 30-day summary (``summary``).

Every renderer reads the same gathered data (``data.gather``), so the Markdown, the HTML and the webhook
notifications never disagree about a count. Tenant strings are untrusted (DESIGN safety rule 4): each renderer
escapes them for its own output format (``text``).
"""
