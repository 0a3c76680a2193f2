"""The LLM backend of the synthesis pipeline: one client per model, providers behind it."""

from litecoder_harbor.llm.client import ChatMessage, LLMClient, LLMHTTPError, Reply
from litecoder_harbor.llm.config import ModelConfig
from litecoder_harbor.llm.usage import Usage, UsageLedger

__all__ = [
    "ChatMessage",
    "LLMClient",
    "LLMHTTPError",
    "ModelConfig",
    "Reply",
    "Usage",
    "UsageLedger",
]
