"""Affected-object export: CSV cells never start a formula."""

from __future__ import annotations

import pytest

from entra_agents.suggestions.export import affected_rows, safe_cell, to_csv


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_quoted(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_plain_cells_unchanged_and_none_is_empty() -> None:
    assert (safe_cell("Megan Bowen"), safe_cell(None), safe_cell("a=b")) == ("Megan Bowen", "", "a=b")


def test_rows_and_names() -> None:
    doc = {"affected": {"users": ["u1"], "apps": ["app-1"], "groups": []}}
    index = {"u1": {"displayName": "=x", "userPrincipalName": "u1@c.test"}}
    rows = affected_rows(doc, index)
    assert rows == [{"kind": "users", "id": "u1", "displayName": "=x", "userPrincipalName": "u1@c.test"},
                    {"kind": "apps", "id": "app-1", "displayName": None, "userPrincipalName": None}]
    assert to_csv(rows, named=True).splitlines() == ["kind,id,displayName,userPrincipalName",
                                                     "users,u1,'=x,u1@c.test", "apps,app-1,,"]
