"""entra-agents: run Security Copilot-style identity security agents on Microsoft Entra."""

__version__ = "0.1.0"
