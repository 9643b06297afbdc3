"""Setting values: validated against the agent's manifest ``Settings``, normalised, and layered by source.

Precedence, highest first: ``--setting`` on the command line > stored for this tenant > stored default (all
tenants) > the manifest's ``DefaultValue``. Values travel as text (skills and prompts read text), so every
value is normalised to one spelling when it is stored: booleans ``true``/``false``, integers in decimal,
lists comma-separated without blanks or duplicates. Normalising on the way in means the trace and ``agents
show`` print exactly what a skill will read.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from entra_agents.catalog.models import AgentDefinition, SettingDefinition, SettingType
from entra_agents.errors import UsageError

# Settings the runtime itself understands, when an agent's manifest declares them (undeclared: feature off).
ALLOW_REPORT_ONLY = "AllowReportOnlyPolicyCreation"
CUSTOM_INSTRUCTIONS = "CustomInstructions"
OBJECTS_TO_MONITOR = "ObjectsToMonitor"
MAX_ITEMS_PER_RUN = "MaxItemsPerRun"
MAX_USERS_PER_RUN = "MaxUsersPerRun"
MAX_APPS_PER_RUN = "MaxAppsPerRun"
MONITOR_KINDS = ("users", "applications", "agentIdentities")

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
SECRET_SHOWN_AS = "(secret, set)"


class Source(StrEnum):
    MANIFEST = "manifest default"
    STORED_DEFAULT = "stored default"
    STORED_TENANT = "stored for tenant"
    COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Effective:
    name: str
    value: str
    source: Source
    secret: bool = False

    @property
    def shown(self) -> str:
        """The value as it may be printed or traced: secrets never are."""
        return (SECRET_SHOWN_AS if self.value else "") if self.secret else self.value


def text(value: Any) -> str:
    """A manifest ``DefaultValue`` as the text skills read (booleans lower-case, lists comma-separated, None empty)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):  # an Array setting's DefaultValue is a YAML list
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value)


def is_true(value: str | None) -> bool:
    return str(value or "").strip().lower() in _TRUE


def definition(agent: AgentDefinition, name: str) -> SettingDefinition:
    """The declared setting called ``name``; an unknown name is an error that suggests the closest one."""
    found = agent.setting(name)
    if found is not None:
        return found
    known = [s.name for s in agent.settings]
    # Case-insensitive first: "allowreportonlypolicycreation" is obviously meant, not merely close.
    exact = next((k for k in known if k.lower() == name.lower()), None)
    close = [exact] if exact else difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise UsageError(f"agent {agent.name}: unknown setting {name!r}{hint} "
                     f"(settings are: {', '.join(sorted(known)) or 'none'}; see `entra-agents agents show {agent.name}`)")


def _bool(raw: str) -> str:
    word = raw.strip().lower()
    if word in _TRUE:
        return "true"
    if word in _FALSE:
        return "false"
    raise ValueError("is not a boolean; use true or false")


def _integer(raw: str) -> str:
    try:
        return str(int(raw.strip()))
    except ValueError:
        raise ValueError("is not a whole number") from None


def _array(raw: str) -> str:
    items = (part.strip() for part in raw.replace(";", ",").split(","))
    return ",".join(dict.fromkeys(item for item in items if item))


def _monitor_kinds(value: str) -> str:
    by_lower = {k.lower(): k for k in MONITOR_KINDS}
    kinds = [k for k in value.replace(";", ",").split(",") if k.strip()]
    unknown = [k.strip() for k in kinds if k.strip().lower() not in by_lower]
    if unknown:
        raise ValueError(f"names unknown object kind {unknown[0]!r}; use any of {', '.join(MONITOR_KINDS)}")
    return ",".join(dict.fromkeys(by_lower[k.strip().lower()] for k in kinds))


def _cap(value: str) -> str:
    # Declared as Integer or String (manifests often type numbers as String): a whole number either way.
    number = int(_integer(value))
    if number < 1:
        raise ValueError("must be at least 1, or empty for no cap")
    return str(number)


def _string(value: str) -> str:
    return value.strip()


_BY_TYPE: dict[SettingType, Callable[[str], str]] = {
    SettingType.BOOL: _bool, SettingType.INTEGER: _integer, SettingType.ARRAY: _array}
# Meaning the runtime gives a setting beyond its declared type (applied after the type's normalisation).
_BY_NAME: dict[str, Callable[[str], str]] = {
    OBJECTS_TO_MONITOR: _monitor_kinds, MAX_ITEMS_PER_RUN: _cap, MAX_USERS_PER_RUN: _cap, MAX_APPS_PER_RUN: _cap}


def normalise(agent: AgentDefinition, name: str, raw: Any) -> str:
    """``raw`` for the declared setting ``name``, validated and in canonical spelling (raises UsageError).

    An empty value is allowed for optional settings: stored for a tenant it overrides a stored default with
    "nothing" (e.g. no cap), which is different from not storing a value at all (``--unset``)."""
    spec = definition(agent, name)
    value = text(raw)
    try:
        if value.strip() == "":
            if spec.required:
                raise ValueError("is required and cannot be empty")
            return ""
        value = _BY_TYPE.get(spec.setting_type, _string)(value)
        check = _BY_NAME.get(name)
        return check(value) if check else value
    except ValueError as problem:
        shown = "(secret)" if spec.setting_type is SettingType.SECRET_STRING else repr(text(raw))
        raise UsageError(f"agent {agent.name}: setting {name} ({spec.setting_type.value}): {shown} {problem}") from None


def layer(agent: AgentDefinition, *, stored_default: Mapping[str, str], stored_tenant: Mapping[str, str],
          command_line: Mapping[str, str]) -> tuple[dict[str, Effective], list[str]]:
    """Every declared setting with its effective value and source, and warnings about stored values skipped.

    Command-line values are validated here (an error); stored values were validated when stored, but the
    manifest may have changed since: a stored value it no longer accepts is skipped with a warning, so a
    run falls back to the next source instead of failing on yesterday's configuration.
    """
    for name in command_line:
        definition(agent, name)
    out = {s.name: Effective(s.name, text(s.default_value), Source.MANIFEST,
                             s.setting_type is SettingType.SECRET_STRING) for s in agent.settings}
    warnings: list[str] = []
    for source, values in ((Source.STORED_DEFAULT, stored_default), (Source.STORED_TENANT, stored_tenant),
                           (Source.COMMAND_LINE, command_line)):
        for name, raw in values.items():
            if name not in out:
                warnings.append(f"{source.value} value for {name} ignored: the agent no longer declares it")
                continue
            try:
                value = normalise(agent, name, raw)
            except UsageError as problem:
                if source is Source.COMMAND_LINE:
                    raise
                warnings.append(f"{source.value} value ignored: {problem}")
                continue
            out[name] = Effective(name, value, source, out[name].secret)
    return out, warnings


def require(agent: AgentDefinition, effective: Mapping[str, Effective]) -> None:
    """A run needs every ``Required`` setting to have a value from some source."""
    missing = [s.name for s in agent.settings if s.required and not effective[s.name].value]
    if missing:
        raise UsageError(f"agent {agent.name}: setting {missing[0]} is required; pass --setting {missing[0]}=VALUE "
                         f"or store it with `entra-agents agents configure {agent.name} --set {missing[0]}=VALUE`")


def cap(effective: Mapping[str, Effective], name: str) -> int | None:
    """A per-run cap, or None (the default): review everything."""
    value = effective[name].value if name in effective else ""
    return int(value) if value else None
