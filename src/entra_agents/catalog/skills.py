"""``skills/*.py``: import typed skill modules by path and collect their ``@skill`` functions.

Modules are imported under a private package, ``entra_agents_content.skills``, whose ``__path__`` is the list of
content ``skills/`` directories: module names cannot clash with installed packages, and a skill module can
import a private helper next to it (``from . import _graph_helpers``). Files starting with ``_`` are helpers,
not skill modules. Every load starts from a fresh package, so two catalogs in one process (tests, the console
reloading content) never see each other's modules.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import sys
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entra_agents.catalog.documents import display_path
from entra_agents.catalog.signatures import SignatureError, parameters_schema
from entra_agents.errors import ContentError
from entra_agents.skill import SkillSpec, skill_spec

PACKAGE = "entra_agents_content.skills"


@dataclass(frozen=True)
class SkillFunction:
    """One ``@skill`` function, checked and with its parameter schema derived."""

    ref: str
    """``module.function``, as manifests name it."""
    file: str
    fn: Callable[..., Any]
    spec: SkillSpec
    parameters_schema: dict[str, Any]
    is_async: bool


class SkillLookupError(LookupError):
    """A manifest's ``Function`` names nothing loadable; the caller adds the manifest file and field."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


@dataclass
class SkillModules:
    files: dict[str, str] = field(default_factory=dict)
    """module stem -> display path of its file."""
    functions: dict[str, SkillFunction] = field(default_factory=dict)
    """``module.function`` -> the decorated function."""
    undecorated: dict[str, set[str]] = field(default_factory=dict)
    """module stem -> public functions defined there without ``@skill`` (for a precise error)."""

    def lookup(self, ref: str) -> SkillFunction:
        module, _, name = ref.rpartition(".")
        if ref in self.functions:
            return self.functions[ref]
        if module not in self.files:
            known = ", ".join(sorted(self.files)) or "none"
            return _raise(f"no skill module `{module}` (looked for skills/{module}.py; loaded: {known})",
                          f"create skills/{module}.py or fix the module name")
        if name in self.undecorated.get(module, set()):
            return _raise(f"`{name}` in {self.files[module]} is not decorated with @skill",
                          f'add `@skill(access="read", permissions=[...])` above `def {name}`')
        candidates = [r.rpartition(".")[2] for r in self.functions if r.startswith(f"{module}.")]
        close = difflib.get_close_matches(name, candidates, n=1)
        hint = f"did you mean `{module}.{close[0]}`?" if close else (
            f"define `@skill def {name}(ctx, ...)` in {self.files[module]}" if not candidates
            else f"use one of {', '.join(f'{module}.{c}' for c in sorted(candidates))}")
        return _raise(f"{self.files[module]} has no @skill function `{name}`", hint)


def _raise(problem: str, fix: str) -> Any:
    raise SkillLookupError(problem, fix)


def load_skill_modules(skill_dirs: list[Path]) -> SkillModules:
    """Import every ``*.py`` (not ``_*.py``) in ``skill_dirs`` and check each ``@skill`` function's signature."""
    paths = _module_paths(skill_dirs)
    _reset_package(skill_dirs)
    loaded = SkillModules()
    for stem, path in paths.items():
        module = _import(stem, path)
        shown = display_path(path)
        loaded.files[stem] = shown
        loaded.undecorated[stem] = set()
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__ or not callable(obj):
                continue  # imported from elsewhere: it belongs to its own module
            spec = skill_spec(obj)
            if spec is None:
                if inspect.isfunction(obj) and not name.startswith("_"):
                    loaded.undecorated[stem].add(name)
                continue
            loaded.functions[f"{stem}.{name}"] = _skill_function(f"{stem}.{name}", obj, spec, shown)
    return loaded


def _module_paths(skill_dirs: list[Path]) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for directory in skill_dirs:
        for path in sorted(directory.glob("*.py")):
            if path.stem.startswith("_"):
                continue
            if not path.stem.isidentifier():
                raise ContentError(display_path(path), "", f"`{path.stem}` is not a valid module name",
                                   "rename the file using letters, digits and underscores")
            if path.stem in paths:
                raise ContentError(display_path(path), "", f"skill module `{path.stem}` is also defined in "
                                   f"{display_path(paths[path.stem])}", "rename one of the two files")
            paths[path.stem] = path
    return paths


def _reset_package(skill_dirs: list[Path]) -> None:
    root_name = PACKAGE.partition(".")[0]
    for name in [n for n in sys.modules if n == root_name or n.startswith(f"{root_name}.")]:
        del sys.modules[name]
    root = types.ModuleType(root_name, "Private namespace for entra-agents content modules.")
    root.__path__ = []
    package = types.ModuleType(PACKAGE, "Skill modules from the content roots' skills/ directories.")
    package.__path__ = [str(d) for d in skill_dirs]
    package.__package__ = PACKAGE
    root.skills = package  # type: ignore[attr-defined]
    sys.modules[root_name], sys.modules[PACKAGE] = root, package


def _import(stem: str, path: Path) -> types.ModuleType:
    name = f"{PACKAGE}.{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ContentError(display_path(path), "", "cannot be imported as a Python module", "check the file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ContentError as exc:  # from @skill; it names the raw path, so re-issue it with the display path
        del sys.modules[name]
        if exc.file != str(path):
            raise
        raise ContentError(display_path(path), exc.field, exc.problem, exc.fix) from exc
    except Exception as exc:
        del sys.modules[name]
        raise ContentError(display_path(path), _error_line(exc, path),
                           f"importing the skill module failed: {type(exc).__name__}: {exc}",
                           "fix the error there (a skill module must import cleanly)") from exc
    return module


def _error_line(exc: BaseException, path: Path) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"line {exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return f"line {frames[-1].lineno}" if frames else ""


def _skill_function(ref: str, fn: Callable[..., Any], spec: SkillSpec, shown: str) -> SkillFunction:
    try:
        schema = parameters_schema(fn)
    except SignatureError as exc:
        where = f"{fn.__name__}({exc.parameter})" if exc.parameter else fn.__name__
        raise ContentError(shown, where, exc.problem, exc.fix) from exc
    return SkillFunction(ref, shown, fn, spec, schema, inspect.iscoroutinefunction(fn))
