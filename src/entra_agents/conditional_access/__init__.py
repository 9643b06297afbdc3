"""Conditional Access domain: policy model, exact evaluator, effective coverage, checks and remediation.

Pure Python over a ``TenantSnapshot``: no I/O, no Semantic Kernel, no msgraph. Checks judge the effective
result of all enabled policies per user and sign-in scenario, never one policy's shape.
"""
