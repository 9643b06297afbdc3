"""Analysis settings and the break-glass accounts they imply.

Break-glass (emergency access) accounts are excluded from policies by design, so they are not coverage gaps
(peers §11 trap 4). Configured accounts win; with none configured we detect candidates the way an admin would
recognise them (ZTA-style signals): enabled, cloud-only (no ``onPremisesSyncEnabled``) Global Administrators
with a permanent (active) assignment, in the user scope of no enabled policy with grant controls (a
session-only policy cannot lock anyone out) and explicitly excluded,
directly or through nested groups, from at least one enabled policy that targets All users. That last
condition keeps detection from being vacuous: without it every Global Administrator of a tenant with no
policies would qualify. Detected accounts are reported by EXC-01 as ``review`` (to be confirmed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from .evaluator import match_users
from .policy import Policy
from .principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS, GLOBAL_ADMINISTRATOR, Directory


class AnalysisConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    break_glass_accounts: tuple[str, ...] = ()
    """Object ids or userPrincipalNames of the emergency access accounts."""
    detect_break_glass: bool = True
    """With no accounts configured, infer candidates (reported as detected, to be confirmed)."""
    exclude_directory_sync_accounts: bool = True
    """Holders of the Directory Synchronization Accounts role are service accounts excluded by design."""
    policy_name_prefix: str = "CA-Agent"
    """Prefix of the display names of policies we suggest."""
    exclusion_allow_list: tuple[str, ...] = ()
    """Approved exclusions (user/group/role object ids or UPNs); exclusions outside it are drift (EXC-06)."""
    large_exclusion_percent: float = 5.0
    """EXC-08: a policy's exclusions are large when they exempt at least this share of enabled users..."""
    large_exclusion_users: int = 50
    """...or at least this many enabled users (break-glass and sync accounts are not counted)."""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> AnalysisConfig:
        """From agent settings (manifest ``Settings`` values). Only the settings this analysis understands are
        read; the rest belong to the runtime. ``BreakGlassAccounts`` is a comma- or semicolon-separated list."""
        raw = settings.get("BreakGlassAccounts") or ""
        items = raw if isinstance(raw, (list, tuple)) else str(raw).replace(";", ",").split(",")
        accounts = tuple(dict.fromkeys(s for s in (str(i).strip() for i in items) if s))
        prefix = str(settings.get("PolicyNamePrefix") or "").strip()
        extra: dict[str, Any] = {"policy_name_prefix": prefix} if prefix else {}
        allowed = settings.get("ExclusionAllowList") or ""
        allowed_items = allowed if isinstance(allowed, (list, tuple)) else str(allowed).replace(";", ",").split(",")
        if allow_list := tuple(dict.fromkeys(s for s in (str(i).strip() for i in allowed_items) if s)):
            extra["exclusion_allow_list"] = allow_list
        for key, name, kind in (("LargeExclusionPercent", "large_exclusion_percent", float),
                                ("LargeExclusionUsers", "large_exclusion_users", int)):
            if str(settings.get(key) or "").strip():
                extra[name] = kind(str(settings[key]).strip())
        return cls(break_glass_accounts=accounts, **extra)


class BreakGlassSource(StrEnum):
    CONFIGURED = "configured"
    DETECTED = "detected"
    NONE = "none"


@dataclass(frozen=True)
class BreakGlass:
    ids: frozenset[str]
    source: BreakGlassSource
    unresolved: tuple[str, ...] = ()  # configured entries that match no user

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": "excludedByDesign", "reason": "breakGlass", "source": self.source.value,
                                  "users": sorted(self.ids)}
        if self.source is BreakGlassSource.DETECTED:
            out["note"] = "detected, not configured: confirm these accounts in the analysis configuration"
        if self.unresolved:
            out["unresolvedConfigured"] = list(self.unresolved)
        return out


def is_cloud_only(directory: Directory, user_id: str) -> bool:
    user = directory.user(user_id) or {}
    return user.get("onPremisesSyncEnabled") is not True


def detect_break_glass(directory: Directory, policies: Sequence[Policy]) -> frozenset[str]:
    enabled = [p for p in policies if p.is_enabled and p.grant is not None]
    all_user_policies = [p for p in enabled if p.conditions.users.targets_all_users]
    if not all_user_policies:
        return frozenset()

    def candidate(uid: str) -> bool:
        # role_holders are active assignments only: the snapshot has no eligible (PIM) ones, so "permanent" holds
        if not directory.is_enabled(uid) or not is_cloud_only(directory, uid):
            return False
        if any(match_users(p, uid, directory).matched for p in enabled):
            return False
        return any(match_users(p, uid, directory).excluded for p in all_user_policies)

    return frozenset(uid for uid in directory.role_holders(GLOBAL_ADMINISTRATOR) if candidate(uid))


def resolve_break_glass(config: AnalysisConfig, directory: Directory, policies: Sequence[Policy]) -> BreakGlass:
    if config.break_glass_accounts:
        resolved = {ref: directory.find_user(ref) for ref in config.break_glass_accounts}
        ids = frozenset(uid for uid in resolved.values() if uid)
        unresolved = tuple(ref for ref, uid in resolved.items() if uid is None)
        return BreakGlass(ids, BreakGlassSource.CONFIGURED, unresolved)
    if config.detect_break_glass:
        detected = detect_break_glass(directory, policies)
        if detected:
            return BreakGlass(detected, BreakGlassSource.DETECTED)
    return BreakGlass(frozenset(), BreakGlassSource.NONE)


def sync_accounts(config: AnalysisConfig, directory: Directory) -> frozenset[str]:
    if not config.exclude_directory_sync_accounts:
        return frozenset()
    return directory.role_holders(DIRECTORY_SYNCHRONIZATION_ACCOUNTS)
