"""Graph timestamps, read one way everywhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_FRACTION = re.compile(r"(\.\d{6})\d+")  # Graph writes up to seven fractional digits; Python reads six


def graph_time(value: Any) -> datetime | None:
    """A Graph ``...DateTime`` value (``Z`` or an offset; UTC when it has none) as an aware datetime; None when it
    is missing or unreadable, which callers treat as "unknown", never as a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
