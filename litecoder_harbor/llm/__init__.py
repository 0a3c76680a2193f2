"""The LLM backend of the synthesis pipeline: one client per model, providers behind it."""

from litecoder_harbor.llm.client import (
    ChatMessage,
    LLMClient,
    LLMHTTPError,
    LLMReplyError,
    Reply,
    require_api_key,
)
from litecoder_harbor.llm.config import ModelConfig
from litecoder_harbor.llm.usage import Usage, UsageLedger

__all__ = [
    "ChatMessage",
    "LLMClient",
    "LLMHTTPError",
    "LLMReplyError",
    "ModelConfig",
    "Reply",
    "Usage",
    "UsageLedger",
    "require_api_key",
]
