"""Skill references: ``Skillset.Skill`` (split on the LAST dot, since ``Descriptor.Name`` may hold dots) or a bare
``Skill``, which resolves within the referring plugin."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping


class UnresolvedRef(LookupError):
    """The reference names no loaded skill; callers add the file and field (or the lookup context)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def split_ref(ref: str) -> tuple[str | None, str]:
    """``"Contoso.CA.Analyze"`` -> ``("Contoso.CA", "Analyze")``; ``"Analyze"`` -> ``(None, "Analyze")``."""
    skillset, _, name = ref.strip().rpartition(".")
    return (skillset or None), name


def resolve_ref(ref: str, context: str | None, skillsets: Mapping[str, Collection[str]]) -> str:
    """The full name ``ref`` points at, given each loaded skillset's skill names. Raises :class:`UnresolvedRef`."""
    skillset, name = split_ref(ref)
    if skillset is None:
        if context is None:
            homes = [s for s, names in skillsets.items() if name in names]
            raise UnresolvedRef(f"`{ref}` is not qualified with a skillset",
                                f"write `{homes[0]}.{name}`" if len(homes) == 1 else "write it as `Skillset.Skill`")
        skillset = context
    if skillset not in skillsets:
        close = difflib.get_close_matches(skillset, list(skillsets), n=1)
        fix = (f"did you mean `{close[0]}.{name}`?" if close
               else "load the plugin that defines it (see ENTRA_AGENTS_CONTENT) or remove the reference")
        raise UnresolvedRef(f"`{ref}`: no loaded plugin has Descriptor.Name `{skillset}`", fix)
    if name not in skillsets[skillset]:
        raise UnresolvedRef(f"`{ref}`: plugin `{skillset}` has no skill `{name}`", _missing_skill_fix(
            name, skillset, skillsets))
    return f"{skillset}.{name}"


def _missing_skill_fix(name: str, skillset: str, skillsets: Mapping[str, Collection[str]]) -> str:
    elsewhere = [s for s, names in skillsets.items() if name in names]
    if elsewhere:
        return f"qualify it as `{elsewhere[0]}.{name}`"
    close = difflib.get_close_matches(name, list(skillsets[skillset]), n=1)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"define a skill named `{name}` in plugin `{skillset}`, or fix the reference"
