"""`eval`: score agents, prompts and models against recorded tenants (issue 6).

    eval list                                       the suites found (./evals, the checkout's evals/, $ENTRA_AGENTS_EVALS)
    eval run SUITE [--model M] [--case ID] [--out FILE] [--report FILE.md|.html]
    eval compare A.json B.json                      per-case regressions and improvements (exit 1 on a regression)
    eval record SUITE [--case ID]                   re-record the suite's tenants from their fixtures
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_FAILED = 1


def register(sub: Any) -> None:
    parser = sub.add_parser("eval", help="score agents, prompts and models against recorded tenants")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list the evaluation suites").set_defaults(handler=list_suites)

    run = actions.add_parser(
        "run", help="run a suite, print a summary table; exit 1 on a safety violation or a drop below baseline",
        description="Run every case of SUITE (a name from `eval list`, or a suite directory), score it, print a "
                    "summary, and exit 1 on a safety violation or a metric below the suite's recorded baseline.")
    run.add_argument("suite", metavar="SUITE")
    run.add_argument("--model", metavar="MODEL", help="model for cases that do not name their own (default: the "
                     "suite's defaults.model, else ENTRA_AGENTS_MODEL, else offline)")
    run.add_argument("--case", action="append", default=[], metavar="ID", help="run only this case (repeatable)")
    run.add_argument("--out", type=Path, metavar="FILE", help="write the results log (JSON) here")
    run.add_argument("--report", type=Path, action="append", default=[], metavar="FILE.md|.html",
                     help="write a report: Markdown for .md, a self-contained page for .html (repeatable)")
    run.add_argument("--quiet", action="store_true", help="print only the verdict line, not the tables")
    run.set_defaults(handler=run_suite)

    compare = actions.add_parser("compare", help="per-case regressions and improvements between two results logs")
    compare.add_argument("before", type=Path, metavar="A.json")
    compare.add_argument("after", type=Path, metavar="B.json")
    compare.set_defaults(handler=compare_logs)

    record = actions.add_parser("record", help="re-record a suite's tenants from their fixtures (one command)")
    record.add_argument("suite", metavar="SUITE")
    record.add_argument("--case", action="append", default=[], metavar="ID", help="only this case's tenant")
    record.set_defaults(handler=record_suite)


def list_suites(args: argparse.Namespace) -> int:
    from entra_agents.errors import ContentError
    from entra_agents.evals.suite import list_suites as found
    from entra_agents.evals.suite import load_suite

    suites = found()
    if not suites:
        print("no evaluation suites found (looked in ./evals, the source checkout's evals/ and $ENTRA_AGENTS_EVALS)")
        return 0
    broken = 0
    for directory in suites:
        try:
            suite = load_suite(directory)
        except ContentError as exc:  # one malformed suite must not hide the others
            broken += 1
            print(f"{directory.name:<20} INVALID   {exc}")
            continue
        needs = ", needs an LLM" if suite.requires_llm else ""
        print(f"{suite.name:<20} {suite.target:<9} {len(suite.cases):>3} cases{needs}  {suite.description}")
    return 2 if broken else 0


def run_suite(args: argparse.Namespace) -> int:
    from entra_agents.evals import report
    from entra_agents.evals.runner import describe
    from entra_agents.evals.runner import run_suite as run
    from entra_agents.evals.suite import load_suite

    suite = load_suite(args.suite)
    log = run(suite, model=args.model, case_ids=args.case)
    if args.out:
        log.write(args.out)
    for path in args.report:
        text = report.html_report(log) if path.suffix.lower() in (".html", ".htm") else report.markdown(log)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if log.skipped:
        # visible, and not a failure: CI without a key still passes the offline suites
        print(f"{suite.name}: {report.verdict(log)}")
        return 0
    print(report.verdict(log) if args.quiet else report.summary(log))
    for line in describe(log):
        print(line, file=sys.stderr)
    return EXIT_FAILED if log.failed else 0


def compare_logs(args: argparse.Namespace) -> int:
    from entra_agents.evals.compare import compare
    from entra_agents.evals.results import read_log

    result = compare(read_log(args.before), read_log(args.after))
    print("\n".join(result.lines()))
    return EXIT_FAILED if result.regressions else 0


def record_suite(args: argparse.Namespace) -> int:
    from entra_agents.evals.record import MAX_CASSETTE_BYTES, Recorded
    from entra_agents.evals.record import record_suite as record
    from entra_agents.evals.suite import load_suite

    def show(done: Recorded) -> None:
        warn = f"  WARNING: {MAX_CASSETTE_BYTES // (1024 * 1024)} MB or more" if done.too_big else ""
        print(f"recorded {done.case}: {done.tenant} ({done.size / 1024:.0f} KiB){warn}")

    recorded = record(load_suite(args.suite), args.case, progress=show)
    return EXIT_FAILED if any(r.too_big for r in recorded) else 0
