"""Shared plumbing for our own (non-network) chat completion services."""

from __future__ import annotations

from typing import Any, ClassVar

from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.function_calling_utils import update_settings_from_function_call_configuration
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings
from semantic_kernel.contents import AuthorRole, ChatHistory, ChatMessageContent, FunctionResultContent


class LocalSettings(PromptExecutionSettings):
    # Same field names as the OpenAI settings so SK's helper fills in the advertised tools.
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | None = None


class LocalChatCompletion(ChatCompletionClientBase):
    SUPPORTS_FUNCTION_CALLING: ClassVar[bool] = True

    def get_prompt_execution_settings_class(self) -> type[PromptExecutionSettings]:
        return LocalSettings

    def _update_function_choice_settings_callback(self):  # type: ignore[no-untyped-def]
        return update_settings_from_function_call_configuration

    def _reset_function_choice_settings(self, settings: PromptExecutionSettings) -> None:
        settings.tools = None  # type: ignore[attr-defined]
        settings.tool_choice = None  # type: ignore[attr-defined]


def advertised_tools(settings: PromptExecutionSettings) -> set[str]:
    return {t["function"]["name"] for t in (getattr(settings, "tools", None) or [])}


def turn_since_user(chat_history: ChatHistory) -> tuple[str, list[ChatMessageContent]]:
    """The last user message's text and every message after it (this turn's tool calls and results)."""
    msgs = chat_history.messages
    last_user = max((i for i, m in enumerate(msgs) if m.role == AuthorRole.USER), default=-1)
    text = msgs[last_user].content if last_user >= 0 else ""
    return text or "", msgs[last_user + 1:]


def tool_results(messages: list[ChatMessageContent]) -> list[FunctionResultContent]:
    return [item for m in messages for item in m.items if isinstance(item, FunctionResultContent)]
