"""Where content (``plugins/``, ``skills/``, ``prompts/``) lives.

The wheel force-includes the repository's content under ``entra_agents/content`` so a plain ``pip install``
works from any directory. A source checkout (``PYTHONPATH=src`` or an editable install) has no such folder,
so the repository root is used instead. Users add their own content roots through ``ENTRA_AGENTS_CONTENT``.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

CONTENT_ENV = "ENTRA_AGENTS_CONTENT"
CONTENT_KINDS = ("plugins", "skills", "prompts")


def packaged_content_root() -> Path:
    """The shipped content: inside the installed package, else the repository root of a source checkout."""
    packaged = files("entra_agents") / "content"
    # Traversable is only a real directory for ordinary (non-zip) installs, which is all we support.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def extra_content_roots() -> list[Path]:
    """Roots named in ``ENTRA_AGENTS_CONTENT`` (``os.pathsep``-separated), in the order given."""
    raw = os.environ.get(CONTENT_ENV, "")
    return [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]


def content_roots() -> list[Path]:
    """Default content roots: shipped content first, then the user's extra roots.

    Each root may hold any of ``plugins/``, ``skills/`` and ``prompts/``. Existence is checked by the catalog
    loader, which can name the environment variable in its error.
    """
    return [packaged_content_root(), *extra_content_roots()]
