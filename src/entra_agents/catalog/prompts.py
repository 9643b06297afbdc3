"""``prompts/*.yaml``: Semantic Kernel prompt template configs, checked for what SK itself lets slip.

SK renders an undeclared or missing ``{{$var}}`` as an empty string with only a log warning, so a typo in a
variable name silently blanks part of an agent's instructions; here it is an error. Template blocks that call
kernel functions (``{{plugin.function}}``) are refused too: they run during rendering, outside the
auto-invocation filter where the guard sits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from entra_agents.catalog.documents import display_path, read_document
from entra_agents.catalog.models import InputVariable, PromptDefinition
from entra_agents.catalog.schema import validate
from entra_agents.errors import ContentError

PROMPT_SUFFIXES = (".yaml", ".yml")

_BLOCK = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_LITERAL = re.compile(r"^(['\"]).*\1$", re.DOTALL)


def template_variables(template: str) -> list[str]:
    """Variable names used as ``{{$name}}`` blocks, in order of first use.

    Raises ``ValueError`` naming the first block that is neither a variable nor a quoted literal.
    """
    names: list[str] = []
    for match in _BLOCK.finditer(template):
        body = match.group(1).strip()
        variable = _VARIABLE.match(body)
        if variable:
            if variable.group(1) not in names:
                names.append(variable.group(1))
        elif not _LITERAL.match(body):
            raise ValueError(match.group(0))
    return names


def load_prompt(path: Path) -> PromptDefinition:
    shown = display_path(path)
    data = read_document(path)
    validate(data, "prompt", shown)
    if data["name"] != path.stem:
        raise ContentError(shown, "name", f"prompt name `{data['name']}` differs from the file name `{path.stem}`",
                           f"write `name: {path.stem}` or rename the file to `{data['name']}{path.suffix}`")
    _check_variables(data, shown)
    try:
        return PromptDefinition(
            name=data["name"],
            template=data["template"],
            description=data.get("description"),
            input_variables=tuple(InputVariable(**v) for v in data.get("input_variables", [])),
            execution_settings=data.get("execution_settings", {}),
            output_variable=data.get("output_variable"),
            file=shown,
        )
    except ValidationError as exc:  # the schema should have caught it; still report it as content, not a crash
        raise ContentError(shown, "", f"invalid prompt: {exc.errors()[0]['msg']}", "fix the prompt file") from exc


def _check_variables(data: dict[str, Any], shown: str) -> None:
    declared: list[str] = []
    for index, variable in enumerate(data.get("input_variables", [])):
        if variable["name"] in declared:
            raise ContentError(shown, f"input_variables[{index}].name",
                               f"variable `{variable['name']}` is declared twice",
                               "remove the duplicate entry")
        declared.append(variable["name"])
    try:
        used = template_variables(data["template"])
    except ValueError as exc:
        raise ContentError(
            shown, "template",
            f"`{exc}` is not a `{{{{$variable}}}}` block (template function calls would run outside the guard)",
            "compute the value in a skill and pass it in as a declared input variable") from exc
    for name in used:
        if name not in declared:
            raise ContentError(
                shown, "template", f"uses `{{{{${name}}}}}` but input_variables does not declare `{name}`",
                f"add `- name: {name}` (with a description) under input_variables, or fix the variable name")
