"""Which model to call and how: one `ModelConfig` per endpoint, never holding a secret."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from litecoder_harbor.llm.secrets import DEFAULT_KEY_ENV, without_userinfo

Provider = Literal["openai", "anthropic"]


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
        default=4,
        ge=1,
        description="Tries per request, counting the first, on 429/5xx/network/timeout.",
    )
    backoff_base_s: float = Field(
        default=1.0, ge=0, description="First retry waits about this long; doubling after."
    )
    backoff_max_s: float = Field(
        default=60.0, ge=0, description="Longest wait between tries, Retry-After included."
    )
    timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Longest wait for one try's answer; a server that takes the request and "
        "never answers costs at most max_attempts times this.",
    )

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return None if value is None else check_api_base(value)

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


def check_api_base(url: str) -> str:
    """An endpoint URL the SDKs can call: http(s), with a host. The error shows the URL without
    its userinfo, which may hold a key."""
    shown = without_userinfo(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "://" not in url:
        raise ValueError(
            f"{shown!r} is not an http(s) URL: write the scheme, e.g. http://{shown.split('://')[-1]}"
        )
    if any(ch.isspace() for ch in url):
        raise ValueError(f"{shown!r} has whitespace in it")
    if not parts.hostname:
        raise ValueError(f"{shown!r} names no host, e.g. http://localhost:8000/v1")
    return url
