"""Scorers, one module each: findings, suggestions, safety, grounding, cost."""
