"""The @skill decorator and the parameter schema derived from a skill's signature."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest

from entra_agents.catalog.signatures import SignatureError, parameters_schema
from entra_agents.errors import ContentError
from entra_agents.skill import SkillSpec, skill, skill_spec


class PolicyState(str, enum.Enum):
    ENABLED = "enabled"
    REPORT_ONLY = "enabledForReportingButNotEnforced"


async def rich(
    ctx: Any,
    name: Annotated[str, "Display name"],
    count: Annotated[int, "How many"],
    ratio: float,
    enabled: Annotated[bool, "Switch"],
    ids: Annotated[list[str], "Object ids"],
    filters: Annotated[dict[str, Any], "Raw filter"],
    state: Annotated[PolicyState, "Policy state"],
    mode: Annotated[Literal["a", "b"], "SK cannot express Literal; we can"],
    note: Annotated[str | None, "Optional note"] = None,
    limit: int = 5,
    default_state: PolicyState = PolicyState.REPORT_ONLY,
    tags: dict[str, list[int]] | None = None,
) -> None:
    return None


def test_parameter_schema_from_signature() -> None:
    schema = parameters_schema(rich)
    assert schema["type"] == "object"
    assert schema["properties"] == {
        "name": {"type": "string", "description": "Display name"},
        "count": {"type": "integer", "description": "How many"},
        "ratio": {"type": "number"},
        "enabled": {"type": "boolean", "description": "Switch"},
        "ids": {"type": "array", "items": {"type": "string"}, "description": "Object ids"},
        "filters": {"type": "object", "description": "Raw filter"},
        "state": {"type": "string", "enum": ["enabled", "enabledForReportingButNotEnforced"],
                  "description": "Policy state"},
        "mode": {"type": "string", "enum": ["a", "b"], "description": "SK cannot express Literal; we can"},
        "note": {"type": ["string", "null"], "description": "Optional note", "default": None},
        "limit": {"type": "integer", "default": 5},
        "default_state": {"type": "string", "enum": ["enabled", "enabledForReportingButNotEnforced"],
                          "default": "enabledForReportingButNotEnforced"},
        "tags": {"type": ["object", "null"], "additionalProperties": {"type": "array", "items": {"type": "integer"}},
                 "default": None},
    }
    # Required iff no default: unlike SK, `x: str = None` is optional.
    assert schema["required"] == ["name", "count", "ratio", "enabled", "ids", "filters", "state", "mode"]


def test_no_parameters_besides_ctx() -> None:
    def bare(ctx: Any) -> None:
        return None

    assert parameters_schema(bare) == {"type": "object", "properties": {}, "required": []}


@pytest.mark.parametrize(
    ("source", "parameter", "problem"),
    [
        ("def f(context, x: int): ...", "context", "the first parameter must be `ctx`"),
        ("def f(): ...", "", "the first parameter must be `ctx`"),
        ("def f(ctx, *args: int): ...", "args", "*args/**kwargs"),
        ("def f(ctx, kernel: str): ...", "kernel", "`kernel` is reserved by Semantic Kernel"),
        ("def f(ctx, x: int | str): ...", "x", "only `T | None` unions"),
        ("def f(ctx, x: dict[int, str]): ...", "x", "JSON object keys are strings"),
        ("def f(ctx, x: Literal['a', 1]): ...", "x", "enum values must all be str, or all int"),
        ("def f(ctx, x): ...", "x", "has no type annotation"),
    ],
)
def test_signature_errors(source: str, parameter: str, problem: str) -> None:
    namespace: dict[str, Any] = {"Literal": Literal}
    exec(source, namespace)  # noqa: S102 - test input written above
    with pytest.raises(SignatureError) as caught:
        parameters_schema(namespace["f"])
    assert caught.value.parameter == parameter
    assert problem in caught.value.problem
    assert caught.value.fix


def test_decorator_records_spec_and_returns_the_function() -> None:
    def check(ctx: Any, arguments: dict[str, Any]) -> list[str]:
        return []

    @skill(access="write", permissions=["Policy.ReadWrite.ConditionalAccess"], write_setting="Allow",
           precondition=check)
    async def create(ctx: Any) -> None:
        return None

    assert skill_spec(create) == SkillSpec("write", ("Policy.ReadWrite.ConditionalAccess",), "Allow", check)
    assert create.__name__ == "create"
    assert skill_spec(check) is None


@pytest.mark.parametrize(
    ("kwargs", "field", "problem"),
    [
        ({"access": "write", "permissions": []}, "@skill(write_setting)", "write skill does not name write_setting"),
        ({"access": "read", "permissions": [], "write_setting": "X"}, "@skill(write_setting)",
         "write_setting only applies to write skills"),
        ({"access": "admin", "permissions": []}, "@skill(access)", "access must be 'read' or 'write'"),
        ({"access": "read", "permissions": "Policy.Read.All"}, "@skill(permissions)", "list of strings"),
    ],
)
def test_decorator_rejects_bad_declarations(kwargs: dict[str, Any], field: str, problem: str) -> None:
    def target(ctx: Any) -> None:
        return None

    with pytest.raises(ContentError) as caught:
        skill(**kwargs)(target)
    assert caught.value.field == f"target: {field}"
    assert problem in caught.value.problem
    assert caught.value.file.endswith("test_catalog_skills.py")
