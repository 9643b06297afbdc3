"""The evaluation harness: score agents, prompts and models against recorded tenants (issue 6).

An eval is a dataset + a target + scorers (DESIGN: "Eval = dataset + target + scorers; results are typed logs
that can be compared").

Suite layout (``evals/SUITE/``)::

    suite.yaml            name, description, target, defaults, scorers, baseline thresholds, cases
    fixtures/NAME.yaml    tenant files the recordings are made from (re-record with one command)
    tenants/NAME/         recorded tenants (cassette.yaml + tenant.json), what the cases replay
    scripts/NAME.yaml     scripted (hostile) models, for cases that need one

A case (``suite.yaml`` ``cases[]``, validated by JSON Schema) names its tenant, what to run and what to expect;
the target runs it and returns an ``Outcome`` (``model.Outcome``); each scorer turns a case and its outcome into
``Score`` values with reasons; the run's results are a typed log (``results.EvalLog``) written as JSON, plus a
Markdown/HTML report; ``compare`` reads two logs and shows per-case regressions.
"""
