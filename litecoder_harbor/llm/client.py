"""The LLM client the synthesis stages share: chat and raw completions against one model.

Both providers go through their official async SDKs with the SDKs' own retries off, so the
retry policy here is the only one: 408, 429, 5xx, network errors and tries that get no answer
within `timeout_s` are retried with exponential backoff and jitter (a Retry-After header sets
the wait instead), up to `max_attempts` tries; anything else fails at once. A 200 whose body is
not a reply (not UTF-8, not JSON, no choices, no content) is `LLMReplyError`: the server did
answer, so the caller decides, as for any bad reply. At most `max_concurrency` requests are in
flight, replies are cached on disk, and every call is booked against its pipeline stage.

Nothing recorded or shown carries a credential: the base URL loses its userinfo, and what a
server says in an error is scrubbed of keys (`secrets`).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import anthropic
import httpx
import openai
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.llm.cache import CachedReply, ResponseCache, request_key
from litecoder_harbor.llm.config import ModelConfig
from litecoder_harbor.llm.secrets import scrub_server_text, url_secrets, without_userinfo
from litecoder_harbor.llm.usage import Usage, UsageLedger

NO_KEY = "no-key"
"""Sent when api_key_env is null: the SDKs insist on some key, local servers ignore it."""

RETRY_STATUSES = {408, 429}
"""Retried besides every 5xx."""


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


_messages = TypeAdapter(list[ChatMessage])


class LLMHTTPError(LitecoderError):
    """The endpoint refused a request with a status not worth retrying. `status` lets a caller
    react to what the refusal means, e.g. a server without raw completions (404)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


class LLMReplyError(LitecoderError):
    """The endpoint answered, but with nothing usable as a reply (a proxy's HTML page, bytes that
    are not UTF-8, JSON without choices or content). Not retried: like a reply that fails its
    check, it is the pipeline's to repair or reject."""


class Reply(CachedReply):
    """What the model answered; `cached` when the response cache answered instead."""

    cached: bool = False


class LLMClient:
    """Calls one model; use it as `async with LLMClient(config) as client:` in one event loop."""

    def __init__(self, config: ModelConfig, *, cache_dir: Path | None = None):
        self.config = config
        api_key = require_api_key(config)
        sdk = openai.AsyncOpenAI if config.provider == "openai" else anthropic.AsyncAnthropic
        self._sdk = sdk(
            api_key=api_key, base_url=config.api_base, max_retries=0, timeout=config.timeout_s
        )
        self.base_url = without_userinfo(str(self._sdk.base_url))
        self._secrets = [(config.api_key_env or "api key", api_key), *url_secrets(config.api_base)]
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self._cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.usage = UsageLedger()

    def __repr__(self) -> str:
        return (
            f"LLMClient(provider={self.config.provider!r}, model={self.config.model!r}, "
            f"base_url={self.base_url!r})"
        )

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._sdk.close()

    async def chat(
        self, messages: Sequence[Mapping[str, str] | ChatMessage], *, stage: str, sample: int = 0
    ) -> Reply:
        """Answer a conversation. `sample` numbers independent draws of the same request: each
        index is a separate cache entry, so n samples replay as the same n replies."""
        checked = [m.model_dump() for m in _messages.validate_python(list(messages))]
        request = self._request("chat", {"messages": checked}, sample)
        call = self._openai_chat if self.config.provider == "openai" else self._anthropic_chat
        return await self._answer(request, stage, lambda: call(checked))

    async def complete(
        self, prompt: str, *, stage: str, stop: Sequence[str] | None = None, sample: int = 0
    ) -> Reply:
        """Continue raw text (OpenAI completions endpoint), e.g. a system message plus the chat
        template's user-turn prefix for MAGPIE-style sampling."""
        if self.config.provider != "openai":
            raise LitecoderError(
                f"{self.config.provider} model {self.config.model!r} has no raw text completions",
                hint="use chat() instead: ask for the user turn in a chat request",
            )
        stop_list = list(stop) if stop else None
        request = self._request("complete", {"prompt": prompt, "stop": stop_list}, sample)
        return await self._answer(request, stage, lambda: self._openai_complete(prompt, stop_list))

    def _request(self, kind: str, content: dict, sample: int) -> dict:
        """Everything that decides the reply, and nothing secret: the cache key's input."""
        return {
            "provider": self.config.provider,
            "base_url": self.base_url,
            "model": self.config.model,
            "kind": kind,
            **content,
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
            "sample": sample,
        }

    async def _answer(
        self, request: dict, stage: str, call: Callable[[], Awaitable[CachedReply]]
    ) -> Reply:
        key = request_key(request)
        if self._cache is not None and (hit := self._cache.get(key, request)) is not None:
            self.usage.record(stage, Usage(calls=1, cached_calls=1))
            return Reply(**hit.model_dump(), cached=True)
        reply = await self._with_retries(call)
        if self._cache is not None:
            self._cache.put(key, request, reply)
        cost = self.config.cost_usd(reply.input_tokens, reply.output_tokens)
        self.usage.record(
            stage,
            Usage(
                calls=1,
                input_tokens=reply.input_tokens,
                output_tokens=reply.output_tokens,
                cost_usd=cost,
            ),
        )
        return Reply(**reply.model_dump())

    @property
    def _where(self) -> str:
        return f"{self.config.provider} model {self.config.model!r} at {self.base_url}"

    async def _with_retries(self, call: Callable[[], Awaitable[CachedReply]]) -> CachedReply:
        timeout = self.config.timeout_s
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                async with self._slots, asyncio.timeout(timeout):
                    return await call()
            except (openai.APIStatusError, anthropic.APIStatusError) as exc:
                if not _retryable(exc.status_code):
                    said = scrub_server_text(exc.message, self._secrets)
                    raise LLMHTTPError(
                        f"{self._where} answered HTTP {exc.status_code}: {said}",
                        status=exc.status_code,
                    ) from None
                failure, wait = f"HTTP {exc.status_code}", _retry_after(exc.response.headers)
            except (TimeoutError, openai.APITimeoutError, anthropic.APITimeoutError):
                failure, wait = f"no answer within timeout_s {timeout:g}", None
            except (openai.APIConnectionError, anthropic.APIConnectionError) as exc:
                said = scrub_server_text(str(exc), self._secrets)
                failure, wait = f"{type(exc).__name__}: {said}", None
            if attempt == self.config.max_attempts:
                break
            await asyncio.sleep(self._wait_s(attempt, wait))
        raise LitecoderError(
            f"{self._where}: no answer after {self.config.max_attempts} attempt(s), "
            f"last: {failure}",
            hint="check the endpoint is up and answers, or raise this model's max_attempts or "
            "timeout_s in the spec",
        )

    def _decode[M: BaseModel](self, response: httpx.Response, shape: type[M]) -> M:
        """The reply in a 200's body, or `LLMReplyError` saying what is wrong with the body."""
        try:
            text = response.content.decode()
        except UnicodeDecodeError as exc:
            raise self._unusable(f"its body is not UTF-8 text (byte {exc.start})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            excerpt = scrub_server_text(" ".join(text.split())[:80], self._secrets)
            raise self._unusable(f"its body is not JSON: {excerpt!r}") from None
        try:
            return shape.model_validate(data)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            field = ".".join(map(str, error["loc"])) or "(body)"
            raise self._unusable(f"its JSON is not a reply: {field}: {error['msg']}") from None

    def _unusable(self, what: str) -> LLMReplyError:
        return LLMReplyError(f"{self._where} answered HTTP 200, but {what}")

    def _wait_s(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After, else doubling backoff with jitter (clients throttled together
        should not come back together); never longer than backoff_max_s."""
        cap = self.config.backoff_max_s
        if retry_after is not None:
            return min(retry_after, cap)
        return min(cap, self.config.backoff_base_s * 2 ** (attempt - 1)) * random.uniform(0.5, 1)

    def _sampling(self) -> dict:
        """Sampling parameters to send; unset ones are left out, so the endpoint's defaults hold."""
        temperature = self.config.temperature
        return {} if temperature is None else {"temperature": temperature}

    async def _openai_chat(self, messages: list[dict]) -> CachedReply:
        raw = await self._sdk.chat.completions.with_raw_response.create(
            model=self.config.model,
            messages=messages,
            max_tokens=self.config.max_tokens,
            **self._sampling(),
        )
        response = self._decode(raw.http_response, _OpenAIChat)
        choice = response.choices[0]
        if choice.message.content is None:
            raise self._unusable(
                f"choices[0].message.content is null (finish_reason {choice.finish_reason})"
            )
        return _openai_reply(response.usage, choice.message.content, choice.finish_reason)

    async def _openai_complete(self, prompt: str, stop: list[str] | None) -> CachedReply:
        raw = await self._sdk.completions.with_raw_response.create(
            model=self.config.model,
            prompt=prompt,
            max_tokens=self.config.max_tokens,
            stop=stop,
            **self._sampling(),
        )
        response = self._decode(raw.http_response, _OpenAICompletion)
        choice = response.choices[0]
        return _openai_reply(response.usage, choice.text, choice.finish_reason)

    async def _anthropic_chat(self, messages: list[dict]) -> CachedReply:
        leading = 0
        while leading < len(messages) and messages[leading]["role"] == "system":
            leading += 1
        system, turns = messages[:leading], messages[leading:]
        if any(m["role"] == "system" for m in turns):
            raise LitecoderError("anthropic takes system messages only at the start of a chat")
        extra = {"system": "\n\n".join(m["content"] for m in system)} if system else {}
        raw = await self._sdk.messages.with_raw_response.create(
            model=self.config.model,
            messages=turns,
            max_tokens=self.config.max_tokens,
            # The 1.x SDK dropped temperature from its signature; the API still takes it.
            extra_body=self._sampling(),
            **extra,
        )
        response = self._decode(raw.http_response, _AnthropicMessage)
        return CachedReply(
            text="".join(block.text or "" for block in response.content if block.type == "text"),
            finish_reason=response.stop_reason,
            input_tokens=response.usage.input_tokens or 0,
            output_tokens=response.usage.output_tokens or 0,
        )


# --- the parts of a reply we read; anything else in it is ignored ------------------------------


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _OpenAIUsage(_Shape):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _OpenAIMessage(_Shape):
    content: str | None


class _OpenAIChatChoice(_Shape):
    message: _OpenAIMessage
    finish_reason: str | None = None


class _OpenAIChat(_Shape):
    choices: list[_OpenAIChatChoice] = Field(min_length=1)
    usage: _OpenAIUsage | None = None  # some OpenAI-compatible servers leave it out


class _OpenAITextChoice(_Shape):
    text: str
    finish_reason: str | None = None


class _OpenAICompletion(_Shape):
    choices: list[_OpenAITextChoice] = Field(min_length=1)
    usage: _OpenAIUsage | None = None


class _AnthropicBlock(_Shape):
    type: str
    text: str | None = None


class _AnthropicUsage(_Shape):
    input_tokens: int | None = None
    output_tokens: int | None = None


class _AnthropicMessage(_Shape):
    content: list[_AnthropicBlock]
    stop_reason: str | None = None
    usage: _AnthropicUsage = _AnthropicUsage()


def require_api_key(config: ModelConfig) -> str:
    """The key `config` calls with; a LitecoderError naming the variable when it is not set, so
    a run can check every model's key before it writes anything."""
    if config.api_key_env is None:
        return NO_KEY
    value = os.environ.get(config.api_key_env)
    if not value:
        raise LitecoderError(
            f"environment variable {config.api_key_env} is not set "
            f"(api_key_env of {config.provider} model {config.model!r})",
            hint=f"export {config.api_key_env}=<your key>, or set api_key_env to the variable "
            "that holds it (null for a server that takes no key)",
        )
    return value


def _openai_reply(usage: _OpenAIUsage | None, text: str, finish_reason: str | None) -> CachedReply:
    return CachedReply(
        text=text,
        finish_reason=finish_reason,
        input_tokens=usage.prompt_tokens if usage else 0,
        output_tokens=usage.completion_tokens if usage else 0,
    )


def _retryable(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


def _retry_after(headers) -> float | None:
    """Seconds the server asks us to wait: retry-after-ms, or Retry-After in seconds or as a date."""
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
