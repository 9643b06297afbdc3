"""Entra chat: questions routed to read-only skills, names resolved, answers rendered from tool results (issue 8)."""
