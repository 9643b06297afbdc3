"""Fixtures for the Conditional Access domain tests; builders and ids live in ``ca_fixtures``."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import yaml
from ca_fixtures import DEMO_TENANT, JSON, base_document, snapshot_from_document

from entra_agents.graph.snapshot import TenantSnapshot


@pytest.fixture
def base_doc() -> JSON:
    return base_document()


@pytest.fixture
def snap() -> Callable[[JSON], TenantSnapshot]:
    return snapshot_from_document


@pytest.fixture(scope="session")
def demo_doc_pristine() -> JSON:
    return yaml.safe_load(DEMO_TENANT.read_text(encoding="utf-8"))


@pytest.fixture
def demo_doc(demo_doc_pristine: JSON) -> JSON:
    return copy.deepcopy(demo_doc_pristine)
