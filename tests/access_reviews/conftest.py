"""Generated tenants with access reviews, as snapshots (the loader's shape, built directly)."""

from __future__ import annotations

from typing import Any

import pytest

from entra_agents.graph.snapshot import ATTRIBUTES, TenantSnapshot
from entra_agents.graph.synthetic import EPOCH, generate


def snapshot_of(doc: dict[str, Any]) -> TenantSnapshot:
    return TenantSnapshot(organization=doc["organization"], security_defaults_enabled=False,
                          **{attribute: doc.get(key, []) for key, attribute in ATTRIBUTES.items()})


@pytest.fixture(scope="module")
def tenant() -> Any:
    return generate(300, 7)


@pytest.fixture
def as_of() -> Any:
    return EPOCH
