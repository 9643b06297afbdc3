"""JSON Schema validation of content files, reported as one ``ContentError`` line naming the field and a fix.

The schemas live in ``schemas/*.schema.json``. Besides standard Draft 2020-12 they use three keywords of ours,
which other validators (editors, CI) simply ignore:

- ``x-exactlyOne: {fields, missing?, fix}``: exactly one of ``fields`` must be present (GPT templates, Agent
  instructions). Plain ``oneOf`` would report "is not valid under any of the given schemas", which helps nobody.
- ``x-problem`` / ``x-fix``: override the problem or fix text for errors raised by that schema node. Either a
  string, or a mapping keyed by keyword (``"pattern"``) or keyword and field (``"required:Settings"``).
  ``{value}`` is replaced by the offending value.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from entra_agents.errors import ContentError

# Errors at the same depth: an unknown (probably misspelt) field explains a missing required one, so show it.
_STRONG = frozenset({"additionalProperties", "x-exactlyOne"})
_WEAK = frozenset({"anyOf", "oneOf", "not"})

_JSON_TYPES = {
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "a mapping", "null": "empty (null)",
}
_TYPE_FIXES = {
    "array": "write it as a YAML list (`- item` on each line)",
    "object": "write it as a mapping (`Key: value` on each line)",
    "string": "write it as text (quote it if YAML reads it as a number, date or boolean)",
    "boolean": "write `true` or `false`",
}


def _exactly_one(
    validator: Any, spec: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    fields: list[str] = spec["fields"]
    present = [f for f in fields if f in instance]
    if not present:
        problem = spec.get("missing") or f"needs exactly one of {_names(fields)}"
        yield ValidationError(problem, path=[fields[0]])
    elif len(present) > 1:
        given = " and ".join(f"`{f}`" for f in present)
        yield ValidationError(f"{given} are given; only one is allowed", path=[present[1]])


_Validator = validators.extend(Draft202012Validator, {"x-exactlyOne": _exactly_one})


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema from ``schemas/`` by stem (``plugin``, ``prompt``). Cached: schemas ship with the code."""
    text = (files("entra_agents.catalog") / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(name: str) -> Any:
    return _Validator(load_schema(name))


def validate(data: Any, schema_name: str, file: str) -> None:
    """Raise :class:`ContentError` for the most relevant schema violation in ``data``, if any."""
    error = best_match(_validator(schema_name).iter_errors(data), key=_relevance)
    if error is not None:
        raise to_content_error(error, file)


def _relevance(error: ValidationError) -> tuple[int, bool, bool]:
    # Like jsonschema's default (shallowest first) but without comparing the paths themselves, so ties keep the
    # order the validator found them in: stable across runs, and Descriptor before SkillGroups.
    return -len(error.path), error.validator not in _WEAK, error.validator in _STRONG


def field_path(parts: Sequence[Any]) -> str:
    """``["SkillGroups", 1, "Skills", 0]`` -> ``SkillGroups[1].Skills[0]``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def to_content_error(error: ValidationError, file: str) -> ContentError:
    path = list(error.path)
    keyword = str(error.validator)
    instance, schema = error.instance, error.schema if isinstance(error.schema, dict) else {}
    field_name = ""
    if keyword == "required":
        field_name = next((p for p in error.validator_value if p not in instance), "")
        path.append(field_name)
        problem, fix = f"missing required field `{field_name}`", f"add `{field_name}: ...`"
    elif keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        field_name = next(str(k) for k in instance if k not in allowed)
        path.append(field_name)
        problem, fix = f"unknown field `{field_name}`", _unknown_field_fix(field_name, allowed)
    elif keyword == "x-exactlyOne":
        several = _several(instance, error.validator_value)
        problem = error.message
        fix = "keep only one of them" if several else str(error.validator_value["fix"])
    else:
        problem, fix = _describe(keyword, error)
    problem = _override(schema.get("x-problem"), keyword, field_name, instance) or problem
    fix = _override(schema.get("x-fix"), keyword, field_name, instance) or fix
    return ContentError(file, field_path(path), problem, fix)


def _several(instance: Any, spec: dict[str, Any]) -> bool:
    return isinstance(instance, dict) and sum(f in instance for f in spec["fields"]) > 1


def _describe(keyword: str, error: ValidationError) -> tuple[str, str]:
    value, expected = error.instance, error.validator_value
    last = str(error.path[-1]) if error.path else "value"
    if keyword == "enum":
        options = ", ".join(str(o) for o in expected)
        return f"`{_show(value)}` is not a valid {last}", f"use one of {options}"
    if keyword == "const":
        return f"must be {json.dumps(expected)}", f"write `{last}: {json.dumps(expected)}` or remove it"
    if keyword == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_JSON_TYPES.get(k, k) for k in kinds)
        return f"expected {wanted}, got {_json_kind(value)}", _TYPE_FIXES.get(kinds[0], f"write {wanted}")
    if keyword in ("minItems", "minLength"):
        return "must not be empty", "give it a value, or remove the field"
    if keyword == "maxLength":
        return f"is longer than {expected} characters", "shorten it"
    if keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        return f"must be {bound} {expected}, got {_show(value)}", f"use a value {bound} {expected}"
    if keyword == "pattern":
        return f"`{_show(value)}` does not match `{expected}`", "change the value to match the pattern"
    return error.message, "see the manifest format in the documentation"


def _unknown_field_fix(name: str, allowed: list[str]) -> str:
    if not allowed:
        return "remove it: nothing is allowed here"
    by_lower = {a.lower(): a for a in allowed}
    if name.lower() in by_lower:
        return f"did you mean `{by_lower[name.lower()]}`? (field names are case-sensitive)"
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{by_lower[close[0]]}`?"
    return f"remove it, or use one of {', '.join(allowed)}"


def _override(spec: Any, keyword: str, field_name: str, value: Any) -> str:
    text = ""
    if isinstance(spec, str):
        text = spec
    elif isinstance(spec, dict):
        text = spec.get(f"{keyword}:{field_name}") or spec.get(keyword) or ""
    return text.replace("{value}", _show(value))


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty value)"
    return f"{type(value).__name__} `{_show(value)}`"


def _names(fields: Sequence[str]) -> str:
    quoted = [f"`{f}`" for f in fields]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
