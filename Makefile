# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/entra-agents run ca-optimizer --tenant demo

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist .pytest_cache

# Load a generated 100,000-user tenant through the simulator; prints requests vs minimum, time and memory
# as ratios to a 1,000-user baseline measured in the same run (benchmarks/README.md).
BENCH_ARGS ?= --users 100000
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python benchmarks/load_tenant.py $(BENCH_ARGS)

# Analyze a generated 100,000-user tenant (5,000 nested groups, 300 policies, 2,000 service principals, 200,000
# sign-ins): run_checks time, the coverage engine vs the per-user reference evaluator, peak memory
# (benchmarks/README.md).
BENCH_ANALYZE_ARGS ?= --tracemalloc
.PHONY: bench-analyze
bench-analyze: $(STAMP)
	$(BIN)/python benchmarks/analyze_tenant.py $(BENCH_ANALYZE_ARGS)

# Every evaluation suite in evals/ (issue 6): a summary table per suite, results logs and reports in build/eval/.
# Fails on a safety violation or a drop below a suite's recorded baseline; suites that need an LLM are skipped
# (with a message) unless one is configured.
EVAL_OUT ?= build/eval
.PHONY: eval
eval: $(STAMP)
	@mkdir -p $(EVAL_OUT); status=0; \
	for suite in evals/*/suite.yaml; do \
		name=$$(basename $$(dirname $$suite)); echo "== $$name"; \
		$(BIN)/entra-agents eval run $$(dirname $$suite) --out $(EVAL_OUT)/$$name.json \
			--report $(EVAL_OUT)/$$name.md --report $(EVAL_OUT)/$$name.html || status=1; echo; \
	done; exit $$status
