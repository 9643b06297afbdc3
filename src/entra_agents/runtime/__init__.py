"""The agent runtime: the one package that imports Semantic Kernel (kernel assembly, filters, models, runner)."""
