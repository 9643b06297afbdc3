"""Custom instruction mentions: which text counts as a name, how it resolves, and what is never guessed."""

from __future__ import annotations

from entra_agents.agent_config.instructions import mentions, resolve
from entra_agents.graph.snapshot import TenantSnapshot
from tests.runtime.settings_fixtures import GLOBAL_ADMIN_TEMPLATE, IDS, tenant


def _snapshot() -> TenantSnapshot:
    doc = tenant()
    return TenantSnapshot(organization=doc["organization"], users=doc["users"], groups=doc["groups"],
                          directory_roles=doc["directoryRoles"], applications=doc["applications"],
                          service_principals=doc["servicePrincipals"])


def _resolved(text: str) -> dict:
    return resolve(text, _snapshot()).to_json()


def test_only_quoted_names_upns_and_guids_are_mentions() -> None:
    found = [m.text for m in mentions("Don't touch Finance or 'Break Glass' or “Payroll”; mail bob@fabrikam.example "
                                      f"and {IDS['alice']}. The user's group is fine.")]
    assert found == ["Break Glass", "Payroll", "bob@fabrikam.example", IDS["alice"]]


def test_case_and_whitespace_insensitive_exact_match_never_prefix() -> None:
    got = _resolved('Exclude "break   GLASS" and "Break" and "BOB@fabrikam.example".')
    assert [(o["mention"], o["id"]) for o in got["objects"]] == [("break   GLASS", IDS["bg_group"]),
                                                                 ("BOB@fabrikam.example", IDS["bob"])]
    assert got["unresolved"] == [{"mention": "Break", "problem": "not found", "candidates": []}]


def test_guids_match_role_templates_and_app_ids_and_an_app_is_one_object() -> None:
    got = _resolved(f"Roles {GLOBAL_ADMIN_TEMPLATE}, apps {IDS['payroll_appid']} {IDS['payroll_app']} \"Payroll\"")
    assert {(o["type"], o["id"]) for o in got["objects"]} == {("role", IDS["ga_role"]),
                                                              ("servicePrincipal", IDS["payroll_sp"])}
    assert got["status"] == "resolved"


def test_a_type_word_narrows_an_ambiguous_name_and_without_it_nothing_is_guessed() -> None:
    got = _resolved('Exclude group "Finance" from MFA. Ignore "Finance".')
    assert [(o["mention"], o["type"]) for o in got["objects"]] == [("Finance", "group")]
    problem = got["unresolved"][0]
    assert problem["problem"] == "ambiguous"
    assert {c["type"] for c in problem["candidates"]} == {"group", "servicePrincipal"}
