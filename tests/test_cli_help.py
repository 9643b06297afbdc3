"""`entra-agents --help` and catalog commands stay fast: no Semantic Kernel, no msgraph."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("semantic_kernel", "msgraph", "kiota_http", "openai")

PROBE = """
import sys
from entra_agents.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
print("HEAVY:" + ",".join(sorted({{m.split('.')[0] for m in sys.modules if m.startswith({heavy!r})}})))
"""


def _loaded(argv: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=120)
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("HEAVY:")]
    assert line, done.stderr
    return line[0].removeprefix("HEAVY:")


def test_help_imports_neither_semantic_kernel_nor_msgraph() -> None:
    assert _loaded(["--help"]) == ""


def test_listing_content_imports_neither() -> None:
    assert _loaded(["plugins", "validate"]) == ""
    assert _loaded(["agents", "list"]) == ""
