"""Reading YAML and JSON content files into plain data, with syntax errors that name the line."""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from entra_agents.errors import ContentError

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)


def display_path(path: Path) -> str:
    """Relative to the working directory when possible: short enough to read in a one-line error."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys.

    PyYAML silently keeps the last duplicate; Security Copilot rejects the upload ("Duplicate key"), and a
    silently dropped skill or setting is worse than an error.
    """


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if not isinstance(key, Hashable):
            continue  # construct_mapping below reports unhashable keys itself
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def read_document(path: Path) -> Any:
    """Parse ``path`` as YAML or JSON (by suffix). Raises :class:`ContentError` naming the line on bad syntax."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(shown, "", f"cannot read file: {exc}", "check the file exists and is UTF-8") from exc
    if path.suffix.lower() in JSON_SUFFIXES:
        return _parse_json(text, shown)
    return _parse_yaml(text, shown)


def _parse_json(text: str, shown: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as exc:
        raise ContentError(shown, f"line {exc.lineno}, column {exc.colno}", f"JSON syntax error: {exc.msg}",
                           "fix the JSON syntax at that position") from exc
    except ValueError as exc:  # duplicate key from _json_pairs
        raise ContentError(shown, "", f"JSON error: {exc}", "remove the duplicate key") from exc


def _parse_yaml(text: str, shown: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if "duplicate key" in str(exc.problem):
            problem, fix = str(exc.problem), "remove or rename the duplicate key"
        else:
            problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
            fix = _yaml_fix(problem)
        raise ContentError(shown, where, f"YAML syntax error: {problem}", fix) from exc
    except yaml.YAMLError as exc:
        raise ContentError(shown, "", f"YAML error: {exc}", "fix the YAML syntax") from exc


def _yaml_fix(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "quote the value (it contains `: `) or fix the indentation"
    if "'\\t'" in problem:
        return "indent with spaces, not tabs"
    return "fix the indentation or quote the value at that position"
