"""Unattended runs: agents on their manifest period and on tenant activity, with state and leases in the store.

``plan`` (what runs where and when), ``activity`` (audit-log triggers), ``scheduler`` (the loop: due ->
lease -> run -> record), ``execute`` (the real run), ``clock`` (injected time).
"""
