"""Token usage of model turns, summed per item and per run.

Where the numbers come from is part of the record (``source``), because they mean different things:
``api`` is what an OpenAI-style endpoint reported, ``estimated`` is the scripted model's count of what it was
sent, ``configured`` is a count written in a test script, and ``none`` is the offline model, which is not an
LLM and spends no tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["api", "estimated", "configured", "none"]

# About four characters per token for English and JSON (OpenAI's rule of thumb). Only the scripted model
# estimates, and only to compare prompt sizes with each other, so a tokenizer would add a dependency for nothing.
CHARS_PER_TOKEN = 4

# Metadata key under which our own models put a TokenUsage on a reply (SK's OpenAI connector uses "usage").
METADATA_KEY = "entra_agents.usage"


@dataclass
class TokenUsage:
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    source: Source = "none"

    def add(self, other: TokenUsage) -> None:
        self.model_calls += other.model_calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.total_tokens += other.total_tokens
        if other.model_calls:
            # One model per run, so sources do not mix in practice; the last non-empty one wins.
            self.source = other.source

    def as_json(self) -> dict[str, Any]:
        return {"modelCalls": self.model_calls, "promptTokens": self.prompt_tokens,
                "completionTokens": self.completion_tokens, "totalTokens": self.total_tokens,
                "tokenSource": self.source}


def turn_usage(reply: Any) -> TokenUsage:
    """One model turn's usage, from whatever the service attached to the reply."""
    metadata = getattr(reply, "metadata", None) or {}
    ours = metadata.get(METADATA_KEY)
    if isinstance(ours, TokenUsage):
        return ours
    usage = metadata.get("usage")
    if usage is None:
        return TokenUsage(model_calls=1, source="none")
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    # SK's CompletionUsage drops the response's total_tokens; in Chat Completions it is always their sum.
    return TokenUsage(1, prompt, completion, prompt + completion, "api")


def estimate_tokens(payload: Any) -> int:
    text = payload if isinstance(payload, str) else json.dumps(payload, default=str, ensure_ascii=False)
    return -(-len(text) // CHARS_PER_TOKEN)
