"""Time the Conditional Access analysis on a large generated tenant, against the per-user reference evaluator.

    .venv/bin/python benchmarks/analyze_tenant.py            # or: make bench-analyze

For a baseline tenant (5,000 users by default) and the target (100,000 users, 5,000 nested groups, 300
policies, 2,000 service principals, 200,000 sign-ins), generated with the synthetic generator's size knobs and
cached under ``benchmarks/.cache/`` (keyed by every knob and the generator's source), the script:

1. builds the snapshot from the tenant document as the loader returns it: users, groups, service principals
   and applications projected to the loader's ``$select`` (``graph/load_plan.py``), sign-ins and audits
   limited to its 30-day look-back window ending at the generator's epoch, sign-ins projected page by page as
   the loader does (the rest is read whole, as the loader does), then frees the document (``load_tenant.py``
   benchmarks the loader itself);
2. times ``run_checks`` (every check in the catalogue at run time) on a cold snapshot: the *engine* time,
   with the slowest checks listed;
3. times the coverage engine alone on the COV-01, COV-08 and COV-10 questions (cold model);
4. times the reference evaluator (``reference.py``: every user x scenario x policy through the evaluator) on
   the same three questions for a random sample of counted users, and scales it to all counted users;
5. reports memory: the peak RSS during ``run_checks`` (the kernel's high-water mark reset just before it, so
   it includes the loaded collections held in memory but not the JSON parse; elsewhere ``ru_maxrss``), RSS
   before the analysis, and with ``--tracemalloc`` the traced peak of a second, traced ``run_checks`` pass.

Targets (issue 4): full analysis under 10 s and 1.5 GB on a 2-core machine, at least 50 times faster than the
reference. Ratios against the baseline tenant are printed too, since absolute figures depend on the machine.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import hashlib
import json
import random
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

from entra_agents.conditional_access import coverage  # noqa: E402
from entra_agents.conditional_access.checks import CHECKS, run_check  # noqa: E402
from entra_agents.conditional_access.config import AnalysisConfig  # noqa: E402
from entra_agents.conditional_access.coverage import TenantModel, is_blocked, requires_mfa  # noqa: E402
from entra_agents.conditional_access.policy import AuthFlow, ClientApp  # noqa: E402
from entra_agents.conditional_access.reference import reference_assess  # noqa: E402
from entra_agents.graph import synthetic  # noqa: E402
from entra_agents.graph.load_plan import (  # noqa: E402
    APPLICATION_SELECT, GROUP_SELECT, SERVICE_PRINCIPAL_SELECT, SIGN_IN_ACTIVITY, USER_SELECT, SignInProjection,
)
from entra_agents.graph.snapshot import ATTRIBUTES, TenantSnapshot  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True)
class Size:
    users: int
    groups: int
    policies: int
    service_principals: int
    sign_ins: int

    def scaled(self, users: int) -> Size:
        """The same shape at another user count; the policy set does not grow with users."""
        factor = users / self.users
        return Size(users, max(1, round(self.groups * factor)), self.policies,
                    max(1, round(self.service_principals * factor)), max(100, round(self.sign_ins * factor)))


def generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(synthetic.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def tenant_document(size: Size, seed: int, use_cache: bool) -> tuple[dict[str, Any], float | None]:
    stem = (f"analyze-u{size.users}-g{size.groups}-p{size.policies}-sp{size.service_principals}"
            f"-si{size.sign_ins}-s{seed}-g")
    path = CACHE / f"{stem}{generator_fingerprint()}.json"
    if use_cache and path.is_file():
        return json.loads(path.read_text(encoding="utf-8")), None
    for stale in CACHE.glob(f"{stem}*.json"):
        stale.unlink()
    started = time.perf_counter()
    tenant = synthetic.generate(size.users, seed, groups=size.groups, policies=size.policies,
                                service_principals=size.service_principals, sign_ins=size.sign_ins)
    elapsed = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(synthetic.dumps(tenant.document, path), encoding="utf-8")
    return tenant.document, elapsed


# What the loader asks Graph for (``graph/load_plan.py``): a real load returns only the selected properties
# (users also carry ``signInActivity``, groups and directory roles their ``members``); sign-ins are read whole
# and projected page by page (``SignInProjection``); policies, named locations, strengths, directory roles,
# access reviews and audits are read whole.
SELECTED = {
    "users": (*USER_SELECT, SIGN_IN_ACTIVITY),
    "groups": (*GROUP_SELECT, "members"),
    "servicePrincipals": tuple(SERVICE_PRINCIPAL_SELECT),
    "applications": tuple(APPLICATION_SELECT),
}
# The loader's look-back window (``loader.DEFAULT_LOOK_BACK_DAYS``; not imported, that module loads msgraph)
# ending at the generator's epoch, as ``load_tenant.py`` runs it: sign-ins and audits are filtered by date.
LOOK_BACK_DAYS = 30
WINDOWED = {"signIns": "createdDateTime", "directoryAudits": "activityDateTime"}
SIGN_IN_PAGE = 1000  # Graph's sign-in page size, the loader's $top


def loaded_collections(doc: dict[str, Any]) -> dict[str, Any]:
    """The tenant document as the loader returns it: each collection projected to the properties the loader
    selects, sign-ins and audits limited to the look-back window. Projected collections are rebuilt through a
    JSON round trip: objects parsed after the whole document share no memory page with it, so freeing the
    document hands its pages back (copies that kept the document's strings would pin them: RSS grew). Sign-ins
    go through it one Graph page at a time, each page parsed then projected, as the loader receives them."""
    since = (synthetic.EPOCH - timedelta(days=LOOK_BACK_DAYS)).strftime("%Y-%m-%dT00:00:00Z")
    out: dict[str, Any] = {"organization": doc["organization"], "securityDefaults": doc.get("securityDefaults")}
    for key in ATTRIBUTES:
        items = doc.get(key, [])
        if key in SELECTED:
            fields = SELECTED[key]
            items = json.loads(json.dumps([{f: item[f] for f in fields if f in item} for item in items]))
        elif key in WINDOWED:
            stamp = WINDOWED[key]
            items = [item for item in items if str(item.get(stamp) or "") >= since]
            if key == "signIns":
                keep = SignInProjection()
                items = [keep(item) for start in range(0, len(items), SIGN_IN_PAGE)
                         for item in json.loads(json.dumps(items[start:start + SIGN_IN_PAGE]))]
        out[key] = items
    return out


def snapshot_of(loaded: dict[str, Any]) -> TenantSnapshot:
    """What loading the tenant yields, without the loader (``loaded_collections``; ``load_tenant.py``
    benchmarks the loader itself). A new snapshot object each time, so nothing is memoised across calls."""
    defaults = loaded.get("securityDefaults")
    snapshot = TenantSnapshot(organization=loaded["organization"],
                              security_defaults_enabled=None if defaults is None else bool(defaults.get("isEnabled")))
    for key, attribute in ATTRIBUTES.items():
        setattr(snapshot, attribute, loaded.get(key, []))
    return snapshot


def questions(snapshot: TenantSnapshot) -> list[tuple[str, tuple[Any, ...], Any]]:
    """COV-01, COV-08 and COV-10 as the checks ask them."""
    locations = coverage.location_grid(snapshot)
    return [
        ("COV-01", coverage.scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP)), requires_mfa),
        ("COV-08", coverage.scenario_grid((ClientApp.EXCHANGE_ACTIVE_SYNC, ClientApp.OTHER), locations=locations),
         is_blocked),
        ("COV-10", coverage.scenario_grid((ClientApp.MOBILE_DESKTOP,), locations=locations,
                                          flows=(AuthFlow.DEVICE_CODE,)), is_blocked),
    ]


def _status_mib(name: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark (Linux ``clear_refs`` 5), so the peak excludes parsing the JSON."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mib(reset: bool) -> float:
    """VmHWM since the reset; elsewhere ``ru_maxrss``, the process's peak so far."""
    hwm = _status_mib("VmHWM") if reset else None
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def release_free_memory() -> None:
    """Hand freed heap pages back to the kernel (glibc ``malloc_trim``), so RSS shows what is still held
    after the document is dropped; a no-op elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def current_rss_mib() -> float:
    return _status_mib("VmRSS") or 0.0


@dataclass
class Result:
    label: str
    size: Size
    counted: int = 0
    classes: int = 0
    generate_s: float | None = None
    engine_s: float = 0.0
    per_check: dict[str, float] = field(default_factory=dict)
    coverage_s: float = 0.0
    reference_sample: int = 0
    reference_sample_s: float = 0.0
    reference_scaled_s: float = 0.0
    rss_before_mib: float = 0.0
    rss_peak_mib: float = 0.0
    traced_peak_mib: float | None = None
    dropped: dict[str, int] = field(default_factory=dict)  # outside the look-back window


def measure(label: str, size: Size, args: argparse.Namespace) -> Result:
    doc, generate_s = tenant_document(size, args.seed, not args.no_cache)
    result = Result(label, size, generate_s=generate_s)
    loaded = loaded_collections(doc)
    result.dropped = {key: len(doc.get(key, [])) - len(loaded[key]) for key in WINDOWED}
    del doc  # only what a load returns stays in memory
    config = AnalysisConfig()
    gc.collect()
    release_free_memory()
    result.rss_before_mib = current_rss_mib()
    reset = reset_peak_rss()

    snapshot = snapshot_of(loaded)
    started = time.perf_counter()
    for check_id, check in CHECKS.items():
        if check_id in args.skip:
            continue
        t0 = time.perf_counter()
        run_check(check, snapshot, config)
        result.per_check[check_id] = time.perf_counter() - t0
    result.engine_s = time.perf_counter() - started
    result.rss_peak_mib = peak_rss_mib(reset)

    fresh = snapshot_of(loaded)  # a new snapshot object: nothing memoised
    started = time.perf_counter()
    model = TenantModel.build(fresh, config)
    reports = [coverage.assess(model, scenarios, covered) for _, scenarios, covered in questions(fresh)]
    result.coverage_s = time.perf_counter() - started
    result.counted, result.classes = len(model.counted_users()), len(reports[0].classes)

    population = list(model.counted_users())
    sample = random.Random(args.seed).sample(population, min(args.sample, len(population)))
    started = time.perf_counter()
    for _, scenarios, covered in questions(fresh):
        reference_assess(model, scenarios, covered, users=sample)
    result.reference_sample, result.reference_sample_s = len(sample), time.perf_counter() - started
    result.reference_scaled_s = result.reference_sample_s * len(population) / max(1, len(sample))

    if args.tracemalloc:
        traced = snapshot_of(loaded)
        gc.collect()
        tracemalloc.start()
        for check_id, check in CHECKS.items():
            if check_id not in args.skip:
                run_check(check, traced, config)
        result.traced_peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result


def report(results: list[Result], slowest: int) -> None:
    print()
    header = (f"{'':9}{'users':>9}{'groups':>8}{'policies':>9}{'SPs':>7}{'sign-ins':>10}{'counted':>9}"
              f"{'classes':>8}{'analysis':>10}{'coverage':>10}{'reference*':>12}{'ratio':>8}{'RSS peak':>10}"
              f"{'traced':>9}")
    print(header)
    for r in results:
        traced = f"{r.traced_peak_mib:.0f} MiB" if r.traced_peak_mib is not None else "-"
        print(f"{r.label:9}{r.size.users:>9,}{r.size.groups:>8,}{r.size.policies:>9,}{r.size.service_principals:>7,}"
              f"{r.size.sign_ins:>10,}{r.counted:>9,}{r.classes:>8,}{r.engine_s:>9.2f}s{r.coverage_s:>9.2f}s"
              f"{r.reference_scaled_s:>11.1f}s{r.reference_scaled_s / max(r.coverage_s, 1e-9):>7.0f}x"
              f"{r.rss_peak_mib:>6.0f} MiB{traced:>9}")
    print("\nanalysis = run_checks, every check; coverage = the engine on COV-01/08/10 (cold model); reference* = "
          "the reference evaluator on the same three questions for a sample, scaled to all counted users;\n"
          "ratio = reference* / coverage. RSS peak: during run_checks (VmHWM reset before it), so it includes the "
          "loaded collections held in memory but not parsing the document; traced: Python allocations of a traced run_checks.")
    for r in results:
        print(f"\n{r.label}: reference measured on {r.reference_sample:,} users in {r.reference_sample_s:.1f} s; "
              f"RSS before the analysis {r.rss_before_mib:.0f} MiB"
              + (f"; tenant generated in {r.generate_s:.1f} s" if r.generate_s is not None else "")
              + "".join(f"; {n:,} {key} outside the {LOOK_BACK_DAYS}-day window dropped"
                        for key, n in r.dropped.items() if n))
        top = sorted(r.per_check.items(), key=lambda item: -item[1])[:slowest]
        print(f"  {len(r.per_check)} checks; slowest: " + ", ".join(f"{cid} {s:.2f}s" for cid, s in top))
        if skipped := sorted(set(CHECKS) - set(r.per_check)):
            print(f"  skipped (--skip): {', '.join(skipped)}")
        print(f"  analysis vs reference*: {r.reference_scaled_s / max(r.engine_s, 1e-9):.0f}x")
    if len(results) == 2:
        base, target = results
        grow = target.size.users / base.size.users
        print(f"\nper user, target/baseline: analysis {target.engine_s / base.engine_s / grow:.2f}, "
              f"coverage {target.coverage_s / max(base.coverage_s, 1e-9) / grow:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--policies", type=int, default=300)
    parser.add_argument("--service-principals", type=int, default=2_000)
    parser.add_argument("--sign-ins", type=int, default=200_000)
    parser.add_argument("--baseline-users", type=int, default=5_000, help="0 to skip the baseline")
    parser.add_argument("--sample", type=int, default=2_000, help="users the reference evaluator runs on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true", help="a second, traced pass for the traced peak")
    parser.add_argument("--no-cache", action="store_true", help="regenerate the tenants")
    parser.add_argument("--slowest", type=int, default=6, help="slowest checks to list")
    parser.add_argument("--skip", default="", help="comma-separated check ids left out of the analysis timing")
    args = parser.parse_args(argv)
    args.skip = {c.strip().upper() for c in args.skip.split(",") if c.strip()}
    target = Size(args.users, args.groups, args.policies, args.service_principals, args.sign_ins)
    results = []
    if args.baseline_users:
        results.append(measure("baseline", target.scaled(args.baseline_users), args))
        report(results, args.slowest)  # early, so a long target run still leaves figures behind
        sys.stdout.flush()
    results.append(measure("target", target, args))
    report(results, args.slowest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
