"""Coverage gaps -> the right kind of change, one candidate per root cause (issue 5).

The rule, for each check the agent handles that fails:

1. **An exclusion is the cause -> ``modify_policy``.** For every exclusion entry of an enabled policy with a
   grant (one group with its nested members, one role, the guest types, the individually excluded users)
   that exempts an uncovered user, the checks are re-run on a copy of the tenant where the policy lacks that
   entry. The users the copy covers are the ones that entry leaves uncovered. A user's gap in a check belongs
   to exactly one entry: the one on the policy shaped like the check's remediation template (a legacy gap
   belongs to the legacy-block policy's exclusion rather than to the MFA policy's, which also happens to
   stop legacy clients), then the entry closing the check for most users, then policy name and entry key.
   One entry gives one candidate, whatever the number of checks it closes: its evidence lists them
   (``{"kind": "closes"}``) and its ``check`` is the first of them in ``AGENT_CHECKS`` order.
2. **Nothing explains it -> ``new_policy``** from the check's remediation template, for the users no entry
   covers (one per check).
3. **EXC-08** (a large exclusion): an entry exempting at least the threshold by itself is the same candidate
   as in 1 with EXC-08 in its evidence, or a candidate of its own when it closes no coverage gap.
   **EXC-02** (break-glass in scope of a policy): ``modify_policy`` adding them to that policy's exclusions.

Every candidate is vetted before anyone sees it: modified policies keep break-glass and directory-sync
accounts excluded and pass ``check_lockout``; new ones pass ``vetted_remediation``. A change that fails is
reported in ``Plan.rejected`` with its reasons, and its users fall back to rule 2. When no break-glass account
is known at all, no exclusion is offered for removal (a break-glass exclusion group would look like any other)
and the new policies are left to ``SubmitSuggestion``, whose refusal tells the administrator what to set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..checks import CHECKS, run_check
from ..config import AnalysisConfig
from ..coverage import TenantModel
from ..findings import Finding, Status
from ..remediation import TEMPLATES, build_policy, closes_gap, vetted_remediation
from . import build
from .candidate import Candidate
from .exclusions import Exclusion, entries, without
from .trial import modify_problems, uncovered, with_policy, with_safety_exclusions

JSON = dict[str, Any]

# The gaps Microsoft's Conditional Access optimization agent suggests changes for (reference §1.6: MFA,
# device-based controls, legacy authentication, device code flow, risky users, risky sign-ins, admins), in the
# order a candidate names its primary check. The rest of the catalogue is scanned and stored with every run;
# a daily agent suggesting the whole baseline would bury these. COV-11 (authentication transfer) rides along
# with the device code flow: the same kind of block, one row of the same table.
AGENT_CHECKS: tuple[str, ...] = ("COV-01", "COV-03", "COV-08", "COV-10", "COV-11", "COV-14", "COV-15",
                                 "COV-17", "COV-21")
# Microsoft's "deep analysis" of exclusions: too many excluded (EXC-08), break-glass not excluded (EXC-02).
EXCLUSION_CHECKS: tuple[str, ...] = ("EXC-02", "EXC-08")
HANDLED: tuple[str, ...] = (*AGENT_CHECKS, *EXCLUSION_CHECKS)


@dataclass(frozen=True)
class Fix:
    exclusion: Exclusion
    before: JSON
    after: JSON
    covers: dict[str, frozenset[str]]  # check -> users the change covers
    large: bool


@dataclass(frozen=True)
class Plan:
    candidates: tuple[Candidate, ...]
    rejected: tuple[JSON, ...]  # {"kind", "key", "check", "problems"}: changes that failed vetting


def candidates(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> list[Candidate]:
    return list(plan(snapshot, config).candidates)


def plan(snapshot: TenantSnapshot, config: AnalysisConfig | None = None,
         findings: Sequence[Finding] | None = None) -> Plan:
    """Candidates for every handled check that fails in ``findings`` (run here when not given)."""
    config = config or AnalysisConfig()
    by_check = {f.check: f for f in findings} if findings is not None else {}
    for check in HANDLED:
        if check not in by_check:
            by_check[check] = run_check(CHECKS[check], snapshot, config)
    model = TenantModel.build(snapshot, config)
    vet = bool(model.break_glass.ids) and not model.break_glass.unresolved
    failing = {c: frozenset(by_check[c].affected.users) for c in AGENT_CHECKS if by_check[c].status is Status.FAIL}
    large = by_check["EXC-08"].status is Status.FAIL
    rejected: list[JSON] = []
    fixes = _fixes(snapshot, config, model, failing, large, rejected) if vet else []
    owned = _owners(fixes, failing)
    out: list[Candidate] = []
    population = len(model.counted_users())
    for fix in fixes:
        closes = {c: owned[c][id(fix)] for c in AGENT_CHECKS if owned.get(c, {}).get(id(fix))}
        if closes or fix.large:
            out.append(build.modify_for_exclusion(snapshot, config, fix.exclusion, fix.before, fix.after, closes,
                                                  by_check, fix.large, population))
    for check, users in failing.items():
        rest = users - set().union(*owned.get(check, {}).values())
        if rest:
            _new_policy(snapshot, config, by_check[check], sorted(rest), vet, out, rejected)
    if vet and by_check["EXC-02"].status in (Status.FAIL, Status.REVIEW):
        _break_glass(snapshot, config, model, by_check["EXC-02"], out, rejected)
    order = {c: i for i, c in enumerate(HANDLED)}
    out.sort(key=lambda c: (order.get(c.check or "", len(order)), c.kind, c.key))
    return Plan(tuple(out), tuple(rejected))


def _raw(snapshot: TenantSnapshot, policy_id: str) -> JSON:
    """The policy as Graph returned it: diffs and modified policies start from the tenant's own JSON."""
    wanted = policy_id.lower()
    return next(p for p in snapshot.conditional_access_policies if str(p.get("id", "")).lower() == wanted)


def _fixes(snapshot: TenantSnapshot, config: AnalysisConfig, model: TenantModel,
           failing: Mapping[str, frozenset[str]], large: bool, rejected: list[JSON]) -> list[Fix]:
    """Every entry worth a trial (it exempts an uncovered user, or it is large), tried one at a time."""
    gaps = set().union(*failing.values()) if failing else set()
    threshold = _threshold(config, len(model.counted_users()))
    fixes = []
    for policy in (p for p in model.policies if p.is_enabled and p.grant is not None):
        for exclusion in entries(model, policy):
            is_large = large and threshold(len(exclusion.members))
            if not (exclusion.members & gaps or is_large):
                continue
            before = _raw(snapshot, policy.id)
            after = with_safety_exclusions(model, without(before, exclusion))
            trial = with_policy(snapshot, after)
            problems = modify_problems(trial, config, after)
            if problems:
                rejected.append({"kind": "modify_policy", "key": f"{policy.id}:{exclusion.key}",
                                 "check": None, "problems": problems})
                continue
            still = uncovered(trial, config, [c for c, users in failing.items() if users & exclusion.members])
            covers = {c: failing[c] - left for c, left in still.items() if failing[c] - left}
            if covers or is_large:
                fixes.append(Fix(exclusion, before, after, covers, is_large))
    return fixes


def _threshold(config: AnalysisConfig, population: int) -> Any:
    """EXC-08's rule for one entry on its own: a share of the counted users, or a number of them."""
    return lambda n: n > 0 and (100.0 * n / max(1, population) >= config.large_exclusion_percent
                                or n >= config.large_exclusion_users)


def _purpose(policy: JSON, check: str) -> int:
    """How closely the policy is shaped like ``check``'s remediation template (client types, flows, controls):
    the policy an administrator wrote for that purpose."""
    template = TEMPLATES.get(check)
    if template is None:
        return 0
    conditions, grant = policy.get("conditions") or {}, policy.get("grantControls") or {}
    flows = str((conditions.get("authenticationFlows") or {}).get("transferMethods") or "")
    return (sorted(conditions.get("clientAppTypes") or ["all"]) == sorted(template.client_app_types)) \
        + ((template.transfer_methods or "") in flows if template.transfer_methods else not flows) \
        + (set(grant.get("builtInControls") or []) == set(template.built_in_controls))


def _owners(fixes: Sequence[Fix], failing: Mapping[str, frozenset[str]]) -> dict[str, dict[int, set[str]]]:
    """check -> id(fix) -> the users whose gap in that check the fix owns (one owner per user and check)."""
    owned: dict[str, dict[int, set[str]]] = {}
    for check in failing:
        ranked = sorted((f for f in fixes if f.covers.get(check)), key=lambda f: (
            -_purpose(f.before, check), -len(f.covers[check]), f.exclusion.policy.display_name, f.exclusion.key,
            f.exclusion.policy.id))
        taken: set[str] = set()
        for fix in ranked:
            mine = fix.covers[check] - taken
            if mine:
                owned.setdefault(check, {})[id(fix)] = set(mine)
                taken |= mine
    return owned


def _new_policy(snapshot: TenantSnapshot, config: AnalysisConfig, finding: Finding, users: list[str], vet: bool,
                out: list[Candidate], rejected: list[JSON]) -> None:
    if finding.check not in TEMPLATES:
        rejected.append({"kind": "new_policy", "key": finding.check, "check": finding.check,
                         "problems": [f"no remediation template for {finding.check}"]})
        return
    if vet:
        policy, problems = vetted_remediation(finding, snapshot, config)
    else:  # no break-glass account known: SubmitSuggestion's lockout check refuses and says what to set
        policy = build_policy(finding.check, snapshot, config)
        problems = closes_gap(snapshot, config, finding.check, policy)
    if policy is None or problems:
        rejected.append({"kind": "new_policy", "key": finding.check, "check": finding.check, "problems": problems})
        return
    out.append(build.new_policy(snapshot, config, finding, policy, users))


def _break_glass(snapshot: TenantSnapshot, config: AnalysisConfig, model: TenantModel, finding: Finding,
                 out: list[Candidate], rejected: list[JSON]) -> None:
    """One candidate per policy that has break-glass accounts in scope (EXC-02's evidence, per policy)."""
    accounts: dict[str, list[str]] = {}
    for e in (e for e in finding.evidence if e.get("kind") == "breakGlassInScope"):
        accounts.setdefault(str(e["policy"]), []).append(str(e.get("userPrincipalName") or e["user"]))
    for pid, names in accounts.items():
        before = _raw(snapshot, pid)
        after = with_safety_exclusions(model, before)
        trial = with_policy(snapshot, after)
        problems = modify_problems(trial, config, after)
        still = run_check(CHECKS["EXC-02"], trial, config)
        if pid in still.affected.policies:
            problems.append(f"EXC-02 still lists policy {pid} with the break-glass accounts excluded")
        if problems:
            rejected.append({"kind": "modify_policy", "key": f"{pid}:breakGlass", "check": "EXC-02",
                             "problems": problems})
            continue
        out.append(build.break_glass(snapshot, config, finding, before, after, names))
