"""Choose the chat model from ``--model`` or ``ENTRA_AGENTS_MODEL``.

    offline                      deterministic, no network (default)
    openai[:MODEL]               OPENAI_API_KEY; model from MODEL or OPENAI_CHAT_MODEL_ID
    azure-openai[:DEPLOYMENT]    AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY (or Entra ID via azure-identity)
    openai-compatible:MODEL      ENTRA_AGENTS_OPENAI_BASE_URL (vLLM, Ollama, llama.cpp...), optional ENTRA_AGENTS_OPENAI_API_KEY
    scripted:PATH                replay a script of turns (tests and drills)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from entra_agents.errors import UsageError

KINDS = ("offline", "openai", "azure-openai", "openai-compatible", "scripted")


@dataclass(frozen=True)
class ModelChoice:
    spec: str
    kind: str
    name: str

    @property
    def settings_key(self) -> str:
        """Which ``execution_settings`` entry of a prompt applies to this model."""
        return "offline" if self.kind == "offline" else "default"

    @property
    def is_llm(self) -> bool:
        return self.kind not in {"offline", "scripted"}


def choose(spec: str | None) -> ModelChoice:
    spec = (spec or os.environ.get("ENTRA_AGENTS_MODEL") or "offline").strip()
    kind, _, name = spec.partition(":")
    if kind not in KINDS:
        raise UsageError(f"--model {spec}: unknown model kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind in {"scripted", "openai-compatible"} and not name:
        raise UsageError(f"--model {spec}: {kind} needs a value after ':' "
                         f"({'a script path' if kind == 'scripted' else 'a model name'})")
    return ModelChoice(spec=spec, kind=kind, name=name)


def _require_env(choice: ModelChoice, *names: str) -> None:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise UsageError(f"--model {choice.spec}: set {', '.join(missing)} (or use --model offline)")


def build_service(choice: ModelChoice) -> Any:
    """Create the Semantic Kernel chat service. Imports are local: connectors are slow to import."""
    if choice.kind == "offline":
        from entra_agents.runtime.models.offline import OfflineChatCompletion

        return OfflineChatCompletion(ai_model_id="offline", service_id="offline")
    if choice.kind == "scripted":
        from entra_agents.runtime.models.scripted import ScriptedChatCompletion, load_script

        return ScriptedChatCompletion(ai_model_id="scripted", service_id="scripted", turns=load_script(choice.name))
    if choice.kind == "openai":
        from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

        _require_env(choice, "OPENAI_API_KEY")
        model = choice.name or os.environ.get("OPENAI_CHAT_MODEL_ID") or "gpt-4.1"
        return OpenAIChatCompletion(ai_model_id=model, service_id="default")
    if choice.kind == "azure-openai":
        from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

        _require_env(choice, "AZURE_OPENAI_ENDPOINT")
        deployment = choice.name or os.environ.get("AZURE_OPENAI_CHAT_DEPLOYMENT_NAME")
        if not deployment:
            raise UsageError(f"--model {choice.spec}: name the deployment (azure-openai:NAME) "
                             "or set AZURE_OPENAI_CHAT_DEPLOYMENT_NAME")
        if os.environ.get("AZURE_OPENAI_API_KEY"):
            return AzureChatCompletion(deployment_name=deployment, service_id="default")
        from azure.identity import DefaultAzureCredential

        return AzureChatCompletion(deployment_name=deployment, service_id="default",
                                   credential=DefaultAzureCredential())
    from openai import AsyncOpenAI
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    _require_env(choice, "ENTRA_AGENTS_OPENAI_BASE_URL")
    client = AsyncOpenAI(base_url=os.environ["ENTRA_AGENTS_OPENAI_BASE_URL"],
                         api_key=os.environ.get("ENTRA_AGENTS_OPENAI_API_KEY") or "not-needed")
    return OpenAIChatCompletion(ai_model_id=choice.name, service_id="default", async_client=client)
