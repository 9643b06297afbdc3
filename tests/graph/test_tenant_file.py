"""Tenant file loading: every bad file is one ContentError line naming the file and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from entra_agents.errors import ContentError
from entra_agents.graph.tenant_file import load_tenant_file, validate_tenant_data

Writer = Callable[..., Path]


def error_for(path: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_tenant_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 2
    assert message.startswith(f"{path}: ")
    return message


def test_valid_yaml_keeps_graph_json_as_written(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    path = write_tenant(tenant_data)
    doc = load_tenant_file(path)
    assert doc.path == path
    assert doc.organization["displayName"] == "Contoso Test"
    assert doc.collection("groups")[0]["members"] == ["u-alice", "sp-app"]
    assert doc.collection("signIns") == []
    assert doc.member_type("sp-app") == "#microsoft.graph.servicePrincipal"
    assert doc.member_type("nobody") is None


def test_unquoted_yaml_timestamps_stay_strings(write_tenant: Writer) -> None:
    path = write_tenant("organization: {id: t1, displayName: T}\n"
                        "users:\n  - {id: u1, createdDateTime: 2024-01-02T03:04:05Z}\n")
    assert load_tenant_file(path).data["users"][0]["createdDateTime"] == "2024-01-02T03:04:05Z"


def test_valid_json_file(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    doc = load_tenant_file(write_tenant(tenant_data, "tenant.json"))
    assert doc.data == tenant_data


def test_unknown_top_level_key(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["userz"] = []
    message = error_for(write_tenant(tenant_data))
    assert "userz: is not a tenant file key" in message
    assert "did you mean 'users'" in message


@pytest.mark.parametrize("value", ["yesterday", "2026-01-01T00:00:00", 20260101])
def test_as_of_must_be_a_zoned_timestamp(tenant_data: dict[str, Any], write_tenant: Writer, value: Any) -> None:
    tenant_data["asOf"] = value
    message = error_for(write_tenant(tenant_data, "tenant.json"))
    assert ": asOf: " in message and "2026-01-01T00:00:00Z" in message


def test_as_of_is_read_in_utc(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["asOf"] = "2026-01-01T02:00:00+02:00"
    assert load_tenant_file(write_tenant(tenant_data, "tenant.json")).as_of == datetime(2026, 1, 1, tzinfo=UTC)
    del tenant_data["asOf"]
    assert load_tenant_file(write_tenant(tenant_data, "tenant.json")).as_of is None


def test_missing_object_id(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    del tenant_data["users"][1]["id"]
    message = error_for(write_tenant(tenant_data))
    assert message.endswith("users[1].id: is required; give every user the object id Graph returns")


def test_first_error_in_document_order(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    del tenant_data["users"][2]["id"]
    del tenant_data["conditionalAccessPolicies"][0]["id"]
    assert "users[2].id: is required" in error_for(write_tenant(tenant_data))


def test_missing_organization(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    del tenant_data["organization"]
    assert "organization: is required" in error_for(write_tenant(tenant_data))


def test_directory_role_needs_template_id(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    del tenant_data["directoryRoles"][0]["roleTemplateId"]
    message = error_for(write_tenant(tenant_data))
    assert "directoryRoles[0].roleTemplateId: is required; copy roleTemplateId from GET /directoryRoles" in message


def test_wrong_type(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["users"] = {"id": "u1"}
    assert "users: must be an array, not a mapping" in error_for(write_tenant(tenant_data))
    tenant_data["users"] = [{"id": 7}]
    assert "users[0].id: must be a string, not a number" in error_for(write_tenant(tenant_data))


def test_duplicate_id(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["users"][2]["id"] = "u-alice"
    message = error_for(write_tenant(tenant_data))
    assert "users[2].id: 'u-alice' duplicates users[0].id; give each user its own object id" in message


def test_id_shared_between_user_and_group(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["groups"][2]["id"] = "u-bob"
    assert "groups[2].id: 'u-bob' is also the id of users[1]" in error_for(write_tenant(tenant_data))


def test_member_must_resolve(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["groups"][1]["members"].append("ghost")
    message = error_for(write_tenant(tenant_data))
    assert "groups[1].members[3]: 'ghost' is not a user, group or service principal in this file" in message
    tenant_data["groups"][1]["members"].pop()
    tenant_data["directoryRoles"][0]["members"] = ["r-ga"]  # a role is not a directory member
    assert "directoryRoles[0].members[0]: 'r-ga'" in error_for(write_tenant(tenant_data))


def test_access_review_decision_ids_unique(tenant_data: dict[str, Any], write_tenant: Writer) -> None:
    tenant_data["accessReviews"] = [{"id": "ar1", "instances": [
        {"id": "i1", "decisions": [{"id": "d1", "insights": []}, {"id": "d1"}]}]}]
    message = error_for(write_tenant(tenant_data))
    assert "accessReviews[0].instances[0].decisions[1].id: 'd1' duplicates" in message


def test_yaml_syntax_error_names_line(write_tenant: Writer) -> None:
    path = write_tenant("organization:\n  id: t1\n  displayName: T\nusers:\n  - id: u1\n    name: [unclosed\n")
    message = error_for(path)
    assert ": line " in message and "is not valid YAML" in message and "fix the YAML syntax at line" in message


def test_yaml_duplicate_key(write_tenant: Writer) -> None:
    message = error_for(write_tenant("organization: {id: t1, displayName: T}\nusers: []\nusers: []\n"))
    assert "line 3: is not valid YAML: duplicate key 'users' (first at line 2)" in message


def test_json_syntax_error_names_line(write_tenant: Writer) -> None:
    message = error_for(write_tenant('{"organization": {"id": "t1",\n "displayName": }}', "tenant.json"))
    assert ": line 2: is not valid JSON" in message


def test_not_a_mapping_and_missing_file(tmp_path: Path, write_tenant: Writer) -> None:
    assert "must be a mapping of tenant keys, not a list" in error_for(write_tenant("- 1\n- 2\n"))
    assert "file not found" in error_for(tmp_path / "nope.yaml")


def test_validate_dict_directly(tenant_data: dict[str, Any]) -> None:
    tenant_data["groups"][0]["members"] = "u-alice"
    with pytest.raises(ContentError, match=r"^inline: groups\[0\]\.members: must be an array, not a string; "
                                           r"list the member object ids as strings$"):
        validate_tenant_data(json.loads(json.dumps(tenant_data)), "inline")
