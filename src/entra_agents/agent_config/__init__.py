"""Per-agent, per-tenant configuration: validated setting values, their precedence, webhook targets, custom
instructions resolved against the tenant, the new objects a run monitors, and per-run caps.

Pure logic over manifests and snapshots; persistence lives in ``store.agent_config`` and the run wiring in
``runtime.runner``. Nothing here imports Semantic Kernel or msgraph (``agents show`` must stay fast).
"""
