"""Which model to call and how: one `ModelConfig` per endpoint, never holding a secret."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Provider = Literal["openai", "anthropic"]

DEFAULT_KEY_ENV: dict[str, str] = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


class ModelConfig(BaseModel):
    """One model behind one endpoint. The API key is only ever read from the environment
    variable `api_key_env` when the client starts, so no config, cache file or repr holds it."""

    # Inputs stay out of validation errors: a key pasted into api_key_env must not be echoed.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    provider: Provider
    model: str = Field(min_length=1, description="Model name as the endpoint knows it.")
    api_base: str | None = Field(
        default=None,
        description=(
            "Endpoint URL; default the provider's own. Any OpenAI-compatible server (vLLM, "
            "SGLang, hosted) with provider openai, e.g. http://localhost:8000/v1."
        ),
    )
    api_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description=(
            "Name of the environment variable holding the key; default OPENAI_API_KEY or "
            "ANTHROPIC_API_KEY. Set it to null for a local server that takes no key."
        ),
    )
    max_tokens: int = Field(default=2048, ge=1, description="Reply length cap per request.")
    temperature: float | None = Field(
        default=None,
        ge=0,
        le=2,
        description="Sampling temperature; null leaves it to the endpoint (newer Claude models "
        "accept no other).",
    )
    input_price_per_mtok: float = Field(default=0, ge=0, description="USD per 1M input tokens.")
    output_price_per_mtok: float = Field(default=0, ge=0, description="USD per 1M output tokens.")
    max_concurrency: int = Field(default=8, ge=1, description="Requests in flight at once.")
    max_attempts: int = Field(
        default=6, ge=1, description="Tries per request, counting the first, on 429/5xx/network."
    )
    backoff_base_s: float = Field(
        default=1.0, ge=0, description="First retry waits about this long; doubling after."
    )
    backoff_max_s: float = Field(
        default=60.0, ge=0, description="Longest wait between tries, Retry-After included."
    )
    timeout_s: float = Field(default=600.0, gt=0, description="Per-request timeout.")

    @model_validator(mode="before")
    @classmethod
    def _default_key_env(cls, data: Any) -> Any:
        """An absent api_key_env means the provider's usual variable; an explicit null, none."""
        if isinstance(data, dict) and "api_key_env" not in data:
            data = {**data, "api_key_env": DEFAULT_KEY_ENV.get(data.get("provider"))}
        return data

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.input_price_per_mtok + output_tokens * self.output_price_per_mtok
        ) / 1_000_000
