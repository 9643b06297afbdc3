"""Load a generated tenant through the Graph simulator and the real loader; report requests, time and memory.

    .venv/bin/python benchmarks/load_tenant.py --users 100000        # or: make bench

The tenant comes from ``entra-agents tenant generate`` (cached under ``benchmarks/.cache/``, keyed by size,
seed, mutators and the generator's source), is served by ``GraphSimulator`` in this process and read by
``load_snapshot`` through msgraph-sdk, exactly as ``--tenant fixture:PATH`` does. A baseline tenant (1,000 users
by default) is measured in the same run and the target is reported as per-user ratios against it, because
absolute figures depend on the machine (project rule: targets live in benchmarks, as ratios to a baseline
measured in the same run). The minimum request count is explained in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import inspect
import math
import resource
import sys
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

from entra_agents.graph import synthetic  # noqa: E402
from entra_agents.graph.client import close_graph_client, make_graph_client  # noqa: E402
from entra_agents.graph.loader import load_snapshot  # noqa: E402
from entra_agents.graph.simulator import GraphSimulator  # noqa: E402
from entra_agents.graph.snapshot import TenantSnapshot  # noqa: E402
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
DIRECTORY_PAGE = 999  # Graph's largest $top for directory objects (users, groups, members...)
AUDIT_PAGE = 1000  # signIns and directoryAudits: "the maximum and default page size is 1,000"
REVIEW_PAGE = 100  # access review definitions, instances and decisions: the documented page size
BATCH = 20  # requests per $batch


# ------------------------------------------------------------------------------------------ the tenant


def generator_fingerprint() -> str:
    """Changes whenever the generator's code does, so a cached tenant is never stale."""
    digest = hashlib.sha256()
    for path in sorted((Path(synthetic.__file__).parent).glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def tenant_file(users: int, seed: int, mutators: list[str], use_cache: bool) -> tuple[Path, float | None]:
    label = "-".join(sorted(mutators)) or "none"
    if len(label) > 40:
        label = hashlib.sha256(label.encode()).hexdigest()[:10]
    stem = f"tenant-u{users}-s{seed}-{label}-g"
    path = CACHE / f"{stem}{generator_fingerprint()}.json"
    if use_cache and path.is_file():
        return path, None
    for stale in CACHE.glob(f"{stem}*.json"):  # made by an older generator: never read again
        stale.unlink()
    started = time.perf_counter()
    synthetic.write(synthetic.generate(users, seed, mutators), path)
    return path, time.perf_counter() - started


# ------------------------------------------------------------------------------------------ measuring


def rss_peak_reset() -> bool:
    """Reset the kernel's peak-RSS mark (Linux /proc/self/clear_refs '5'); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def rss_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Measurement:
    label: str
    users: int
    document: dict[str, int]
    generate_s: float | None
    validate_s: float
    load_s: float = 0.0
    rss_before_mib: float = 0.0
    rss_peak_mib: float = 0.0
    traced_peak_mib: float | None = None
    http_requests: int = 0
    batched_reads: int = 0
    reads_by_family: Counter[str] = field(default_factory=Counter)
    minimum: dict[str, int] = field(default_factory=dict)

    @property
    def minimum_requests(self) -> int:
        return sum(self.minimum.values())


async def _load(doc: TenantDocument) -> tuple[TenantSnapshot, list[Any], list[Any]]:
    accepted = inspect.signature(load_snapshot).parameters
    # the generated tenant's "now" is synthetic.EPOCH; a loader that filters sign-ins by date must use it
    options = {k: v for k, v in {"now": synthetic.EPOCH, "progress": False, "deadline": None}.items() if k in accepted}
    with GraphSimulator(doc) as sim:
        client = make_graph_client(sim.base_url)
        try:
            snapshot = await load_snapshot(client, **options)
        finally:
            await close_graph_client(client)
        return snapshot, sim.requests, list(getattr(sim, "sub_requests", []))


def measure(label: str, users: int, seed: int, mutators: list[str], *, use_cache: bool, traced: bool) -> Measurement:
    path, generate_s = tenant_file(users, seed, mutators, use_cache)
    started = time.perf_counter()
    doc = load_tenant_file(path)
    validate_s = time.perf_counter() - started
    sizes = {name: len(doc.collection(name)) for name in ("users", "groups", "signIns", "directoryAudits")}
    m = Measurement(label, users, sizes, generate_s, validate_s)
    gc.collect()
    m.rss_before_mib = (rss_kib("VmRSS") or 0) / 1024
    reset = rss_peak_reset()
    started = time.perf_counter()
    snapshot, requests, sub_requests = asyncio.run(_load(doc))
    m.load_s = time.perf_counter() - started
    peak = rss_kib("VmHWM") if reset else None
    # without a resettable peak, ru_maxrss is the process's peak so far (it includes earlier phases)
    m.rss_peak_mib = (peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
    if snapshot.failed:
        raise SystemExit(f"{label}: the load reported failures: {snapshot.failed}")
    m.http_requests = len(requests)
    m.batched_reads = len(sub_requests)
    m.reads_by_family = Counter(family(r.path) for r in [*requests, *sub_requests])
    m.minimum = minimum_requests(snapshot, read=set(m.reads_by_family))
    del snapshot
    if traced:
        gc.collect()
        tracemalloc.start()
        asyncio.run(_load(doc))
        m.traced_peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return m


# ---------------------------------------------------------------------------------- minimum requests


def family(path: str) -> str:
    """Which collection a request path reads ('groups/members', 'accessReviews/decisions'...)."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts[:1] == ["v1.0"]:
        parts = parts[1:]
    lowered = [p.lower() for p in parts]
    if lowered == ["$batch"]:
        return "$batch"
    if lowered[:3] == ["identitygovernance", "accessreviews", "definitions"]:
        return {3: "accessReviews", 5: "accessReviews/instances", 7: "accessReviews/decisions"}.get(
            len(lowered), "accessReviews/other")
    if len(lowered) == 3 and lowered[2] == "members":
        return f"{parts[0]}/members"
    return "/".join(parts)


def pages(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))  # an empty collection still costs the read that finds it empty


def minimum_requests(s: TenantSnapshot, read: set[str]) -> dict[str, int]:
    """Fewest HTTP requests that return the same data (formula in benchmarks/README.md)."""
    single = {
        "organization": 1, "policies/identitySecurityDefaultsEnforcementPolicy": 1,
        "users": pages(len(s.users), DIRECTORY_PAGE), "groups": pages(len(s.groups), DIRECTORY_PAGE),
        "directoryRoles": 1, "servicePrincipals": pages(len(s.service_principals), DIRECTORY_PAGE),
        "applications": pages(len(s.applications), DIRECTORY_PAGE),
        "identity/conditionalAccess/policies": 1, "identity/conditionalAccess/namedLocations": 1,
        "policies/authenticationStrengthPolicies": 1,
        "auditLogs/signIns": pages(len(s.sign_ins), AUDIT_PAGE),
        "auditLogs/directoryAudits": pages(len(s.directory_audits), AUDIT_PAGE),
        "accessReviews": pages(len(s.access_reviews), REVIEW_PAGE),
    }
    out = {name: n for name, n in single.items() if name in read}
    # per-object reads travel BATCH to a $batch; each family waits for the one before (ids come from it), and
    # one object's pages come one after another (each needs the previous nextLink)
    instances = [d.get("instances") or [] for d in s.access_reviews]
    per_object = {
        "members ($batch)": [pages(len(o.get("members") or []), DIRECTORY_PAGE)
                             for o in [*s.groups, *s.directory_roles]]
        if {"groups/members", "directoryRoles/members"} & read else [],
        "accessReviews/instances ($batch)": [pages(len(i), REVIEW_PAGE) for i in instances],
        "accessReviews/decisions ($batch)": [pages(len(x.get("decisions") or []), REVIEW_PAGE)
                                             for i in instances for x in i],
    }
    for name, reads in per_object.items():
        if reads:
            out[name] = max(math.ceil(sum(reads) / BATCH), max(reads))
    return out


# ------------------------------------------------------------------------------------------- reporting


def report(baseline: Measurement, target: Measurement) -> None:
    print("\nentra-agents benchmark: generated tenant -> GraphSimulator -> load_snapshot (msgraph-sdk)")
    head = (f"{'':<10}{'users':>9}{'groups':>8}{'sign-ins':>9}{'generate':>10}{'validate':>10}{'load':>9}"
            f"{'HTTP req':>10}{'minimum':>9}{'ratio':>7}{'peak RSS':>10}{'traced':>9}")
    print(head)
    for m in (baseline, target):
        gen = f"{m.generate_s:.1f}s" if m.generate_s is not None else "cached"
        traced = f"{m.traced_peak_mib:.0f}M" if m.traced_peak_mib is not None else "-"
        print(f"{m.label:<10}{m.users:>9,}{m.document['groups']:>8,}{m.document['signIns']:>9,}{gen:>10}"
              f"{m.validate_s:>9.1f}s{m.load_s:>8.1f}s{m.http_requests:>10,}{m.minimum_requests:>9,}"
              f"{m.http_requests / m.minimum_requests:>7.2f}{m.rss_peak_mib:>9.0f}M{traced:>9}")
    print(f"\nrequests of the {target.label} load ({target.http_requests:,} over HTTP, of which "
          f"{target.reads_by_family.get('$batch', 0):,} $batch envelopes carrying {target.batched_reads:,} reads):")
    for name, count in sorted(target.reads_by_family.items()):
        if name != "$batch":
            print(f"  {name:<52}{count:>8,} reads")
    print("minimum possible:")
    for name, count in target.minimum.items():
        print(f"  {name:<52}{count:>8,} requests")
    scale = target.users / baseline.users
    print(f"\nper-user ratios, {target.label} / {baseline.label} (1.00 = linear in users):")
    print(f"  wall time    {target.load_s / baseline.load_s / scale:6.2f}   "
          f"({target.load_s / target.users * 1e3:.3f} vs {baseline.load_s / baseline.users * 1e3:.3f} ms per user)")
    grew, grew_base = (m.rss_peak_mib - m.rss_before_mib for m in (target, baseline))
    print(f"  peak RSS     {grew / max(grew_base, 1e-9) / scale:6.2f}   "
          f"(growth during load: {grew:.0f} vs {grew_base:.0f} MiB)")
    if target.traced_peak_mib and baseline.traced_peak_mib:
        print(f"  traced peak  {target.traced_peak_mib / baseline.traced_peak_mib / scale:6.2f}   "
              f"({target.traced_peak_mib:.0f} vs {baseline.traced_peak_mib:.0f} MiB of Python allocations)")
    print(f"  requests     {target.http_requests / baseline.http_requests / scale:6.2f}   "
          f"(request/minimum: {target.http_requests / target.minimum_requests:.2f} vs "
          f"{baseline.http_requests / baseline.minimum_requests:.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="size of the measured tenant (default 100,000)")
    parser.add_argument("--baseline-users", type=int, default=1_000, help="size of the baseline (default 1,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mutate", action="extend", nargs="+", default=[], metavar="NAME",
                        help="mutators for both tenants (default none; 'all' for every one)")
    parser.add_argument("--no-cache", action="store_true", help="regenerate the tenant files")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also load each tenant again under tracemalloc and report the Python heap's peak")
    args = parser.parse_args(argv)
    common = {"use_cache": not args.no_cache, "traced": args.tracemalloc}
    baseline = measure("baseline", args.baseline_users, args.seed, args.mutate, **common)
    target = measure("target", args.users, args.seed, args.mutate, **common)
    report(baseline, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
