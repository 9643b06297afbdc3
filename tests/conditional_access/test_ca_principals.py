from __future__ import annotations

from ca_fixtures import ALICE, BG1, BOB, CAROL_GUEST, DAVE_DISABLED, G_ENG, G_STAFF, GA, SYNC

from entra_agents.conditional_access.policy import parse_policy
from entra_agents.conditional_access.principals import Directory


def directory(doc):
    return Directory(doc["users"], doc["groups"], doc["directoryRoles"])


def test_transitive_groups(base_doc):
    d = directory(base_doc)
    assert d.groups_of(BOB) == {G_ENG, G_STAFF}
    assert d.groups_of(ALICE) == {G_STAFF}
    assert d.transitive_members(G_STAFF) == {ALICE, BOB, DAVE_DISABLED}


def test_group_cycles_terminate(base_doc):
    eng = next(g for g in base_doc["groups"] if g["id"] == G_ENG)
    eng["members"].append(G_STAFF)  # Staff contains Engineering contains Staff
    d = directory(base_doc)
    assert d.groups_of(BOB) == {G_ENG, G_STAFF}
    assert d.transitive_members(G_ENG) == {ALICE, BOB, DAVE_DISABLED}


def test_roles_guests_and_enabled(base_doc):
    d = directory(base_doc)
    assert d.roles_of(BG1) == {GA}
    assert d.role_holders(GA) == {BG1, "0b000000-0000-4000-8000-000000000002"}
    assert d.is_guest(CAROL_GUEST) and not d.is_guest(ALICE)
    assert not d.is_enabled(DAVE_DISABLED)
    assert DAVE_DISABLED not in d.enabled_users() and SYNC in d.enabled_users()


def test_account_enabled_missing_counts_as_enabled(base_doc):
    del base_doc["users"][2]["accountEnabled"]
    assert directory(base_doc).is_enabled(ALICE)


def test_find_user_by_id_or_upn_case_insensitive(base_doc):
    d = directory(base_doc)
    assert d.find_user("ALICE@base.test") == ALICE
    assert d.find_user(ALICE.upper()) == ALICE
    assert d.find_user("nobody@base.test") is None


def test_unresolved_references_are_reported(base_doc):
    deleted = "06000000-0000-4000-8000-00000000de1e"
    policy = parse_policy({"id": "p1", "displayName": "p", "state": "enabled", "conditions": {"users": {
        "includeUsers": ["All"], "excludeGroups": [deleted], "excludeUsers": [ALICE]}}})
    refs = directory(base_doc).unresolved_references([policy])
    assert [(r.field, r.object_id) for r in refs] == [("excludeGroups", deleted)]
    assert refs[0].to_json()["policy"] == "p1"
