"""Load ``evals/SUITE/suite.yaml``: JSON Schema validation (one-line errors naming file, field and fix, as the
catalog reports them), suite defaults applied to every case, paths resolved against the suite directory and the
ground truth resolved (a generator manifest, inline expectations, or a manifest with justified overrides).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from entra_agents.catalog.schema import to_content_error
from entra_agents.errors import ContentError, UsageError
from entra_agents.evals.model import JSON

SUITE_FILE = "suite.yaml"
EVALS_ENV = "ENTRA_AGENTS_EVALS"
FIXTURE_PREFIX = "fixture:"
SCRIPTED_PREFIX = "scripted:"


@dataclass
class Suite:
    name: str
    description: str
    target: str
    directory: Path
    file_hash: str  # sha256 of suite.yaml: a results log names exactly what it measured
    agent: str | None
    scorers: dict[str, JSON]
    baseline: dict[str, JSON]  # "scorer.metric" -> {"min": x} and/or {"max": y}
    requires_llm: bool
    cases: list[JSON] = field(default_factory=list)

    @property
    def file(self) -> Path:
        return self.directory / SUITE_FILE


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((files("entra_agents.evals") / "suite.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _relevance(error: Any) -> tuple[int, bool]:
    # shallowest first, ties in the order found (stable); an unknown field explains a missing one
    return -len(error.path), error.validator == "additionalProperties"


def validate_suite(data: Any, file: str) -> None:
    """Raise ``ContentError`` (``FILE: FIELD: PROBLEM; FIX``) for the most relevant schema violation."""
    error = best_match(_validator().iter_errors(data), key=_relevance)
    if error is not None:
        raise to_content_error(error, file)


def evals_roots() -> list[Path]:
    """Where suites are looked up by name: ``ENTRA_AGENTS_EVALS``, ./evals, the source checkout's evals/."""
    from entra_agents.paths import packaged_content_root

    env = [Path(p).expanduser() for p in os.environ.get(EVALS_ENV, "").split(os.pathsep) if p.strip()]
    roots = [*env, Path.cwd() / "evals", packaged_content_root() / "evals"]
    return list(dict.fromkeys(r.resolve() for r in roots if r.is_dir()))


def find_suite(spec: str) -> Path:
    """A suite directory from a path (the directory or its suite.yaml) or a name under ``evals_roots()``."""
    path = Path(spec).expanduser()
    if path.is_file() and path.name == SUITE_FILE:
        return path.parent
    if (path / SUITE_FILE).is_file():
        return path
    for root in evals_roots():
        if (root / spec / SUITE_FILE).is_file():
            return root / spec
    known = ", ".join(sorted(p.parent.name for r in evals_roots() for p in r.glob(f"*/{SUITE_FILE}"))) or "none"
    raise UsageError(f"no evaluation suite {spec!r}: give a suite directory or a name (known: {known}); "
                     "see `entra-agents eval list`")


def list_suites() -> list[Path]:
    seen: dict[str, Path] = {}
    for root in evals_roots():
        for file in sorted(root.glob(f"*/{SUITE_FILE}")):
            seen.setdefault(file.parent.name, file.parent)
    return list(seen.values())


def load_suite(spec: str | os.PathLike[str]) -> Suite:
    directory = find_suite(str(spec))
    file = directory / SUITE_FILE
    raw = file.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ContentError(file, "", f"is not valid YAML ({exc})".replace("\n", " "), "fix the YAML syntax") from exc
    validate_suite(data, str(file))
    if data["target"] == "agent" and not data.get("agent"):
        raise ContentError(file, "agent", "target `agent` needs the agent to run", "add `agent: ca-optimizer`")
    if data["target"] == "chat":
        unasked = next((n for n, c in enumerate(data["cases"]) if not c.get("question")), None)
        if unasked is not None:
            raise ContentError(file, f"cases[{unasked}].question", "a chat case needs the question to ask",
                               "add `question: which users are not protected by MFA?`")
    ids = [c["id"] for c in data["cases"]]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise ContentError(file, f"cases[{ids.index(duplicate, ids.index(duplicate) + 1)}].id",
                           f"case id `{duplicate}` is used twice", "give every case its own id")
    defaults = data.get("defaults") or {}
    suite = Suite(name=data["name"], description=data["description"], target=data["target"], directory=directory,
                  file_hash=hashlib.sha256(raw).hexdigest(), agent=data.get("agent"),
                  scorers={k: dict(v or {}) for k, v in data["scorers"].items()},
                  baseline={k: _threshold(v) for k, v in (data.get("baseline") or {}).items()},
                  requires_llm=bool((data.get("requires") or {}).get("llm")))
    suite.cases = [_case(suite, defaults, case, n) for n, case in enumerate(data["cases"])]
    return suite


def _threshold(value: Any) -> JSON:
    return {"min": float(value)} if isinstance(value, (int, float)) else {k: float(v) for k, v in value.items()}


def _case(suite: Suite, defaults: JSON, case: JSON, index: int) -> JSON:
    """The case as scorers get it: defaults applied, paths absolute, ground truth resolved under ``truth``."""
    where = f"cases[{index}]"
    out = dict(case)
    out["settings"] = {k: str(v).lower() if isinstance(v, bool) else str(v)
                       for k, v in {**(defaults.get("settings") or {}), **(case.get("settings") or {})}.items()}
    out["model"] = case.get("model")  # the suite default applies after --model (see runner.case_model)
    out["defaultModel"] = defaults.get("model")
    if out["model"] and out["model"].startswith(SCRIPTED_PREFIX):
        out["model"] = SCRIPTED_PREFIX + str(_inside(suite, out["model"][len(SCRIPTED_PREFIX):], f"{where}.model"))
    tenant = str(case["tenant"])
    # a recorded directory (what suites ship), or fixture:PATH served by the simulator (writable: the only way
    # a case can observe a write that succeeded)
    out["tenantSpec"] = (FIXTURE_PREFIX + str(_inside(suite, tenant[len(FIXTURE_PREFIX):], f"{where}.tenant"))
                         if tenant.startswith(FIXTURE_PREFIX) else str(suite.directory / tenant))
    if case.get("source"):
        out["sourcePath"] = str(_inside(suite, case["source"][len(FIXTURE_PREFIX):], f"{where}.source"))
    out["truth"] = _truth(suite, case["expect"], f"{where}.expect")
    return out


def _inside(suite: Suite, relative: str, field_name: str) -> Path:
    path = (suite.directory / relative).resolve()
    if not path.is_file():
        raise ContentError(suite.file, field_name, f"`{relative}` does not exist",
                           "give a path relative to the suite directory")
    return path


def _truth(suite: Suite, expect: JSON, where: str) -> JSON:
    """``{findings: {check: {status, affected}} | None, suggestions: [...] | None, accessDecisions: [...] | None,
    source}``.

    A manifest's expectations are used as they are (they are not copied into the suite); inline ``findings``
    replace the manifest's entry for those checks, inline ``suggestions`` replace its list (both justified)."""
    findings: JSON | None = None
    suggestions: list[JSON] | None = None
    decisions: list[JSON] | None = None
    source = "inline"
    if expect.get("manifest"):
        path = _inside(suite, expect["manifest"], f"{where}.manifest")
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("expected") is None:
            raise ContentError(path, "expected", "this manifest vouches for no findings (a scaled tenant)",
                               "generate the tenant without scale knobs, or write the expectations inline")
        findings, suggestions = dict(manifest["expected"]), list(manifest.get("expectedSuggestions") or [])
        decisions = manifest.get("expectedAccessDecisions")
        source = expect["manifest"]
    if expect.get("findings"):
        findings = {**(findings or {}), **expect["findings"]}
        source += " + hand-written findings" if source != "inline" else ""
    if "suggestions" in expect:
        suggestions = list(expect["suggestions"])
    return {"findings": findings, "suggestions": suggestions, "accessDecisions": decisions,
            "safety": expect.get("safety"), "source": source,
            "justification": expect.get("justification")}
