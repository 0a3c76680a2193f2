"""The client against endpoints that answer with no reply, never answer, or echo credentials."""

from __future__ import annotations

import asyncio
import re

import pytest
from pydantic import ValidationError
from support.llm_stub import Hang, Raw

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.llm import LLMClient, LLMHTTPError, LLMReplyError, ModelConfig

KEY = "sk-ant-api03-testkeyvalue0000"
CHAT = [{"role": "user", "content": "One task about tar, please."}]


def config(stub, provider="openai", api_base=None, **overrides) -> ModelConfig:
    return ModelConfig(
        provider=provider,
        model="stub-model",
        api_base=api_base or (stub.openai_url if provider == "openai" else stub.url),
        api_key_env="STUB_API_KEY",
        backoff_base_s=0.01,
        **overrides,
    )


def chat(model: ModelConfig, cache_dir=None):
    async def once():
        async with LLMClient(model, cache_dir=cache_dir) as client:
            return await client.chat(CHAT, stage="propose")

    return asyncio.run(once())


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("STUB_API_KEY", KEY)


@pytest.mark.parametrize(
    ("provider", "body", "reason"),
    [
        ("openai", Raw(b"<h1>bad gateway</h1>", content_type="text/html"), "not JSON"),
        ("anthropic", Raw(b"<h1>bad gateway</h1>", content_type="text/html"), "not JSON"),
        ("anthropic", Raw(b'{"content": "\xc3\x28"}'), "not UTF-8 text"),
        ("anthropic", Raw.json({"type": "message", "usage": {}}), "content: Field required"),
        ("openai", Raw.json({"choices": [{"text": "a completion, not a chat"}]}), "message"),
    ],
)
def test_a_200_that_is_no_reply_is_one_error_not_retried_not_cached(
    llm_stub, tmp_path, provider, body, reason
):
    llm_stub.add(body, "a real reply")
    with pytest.raises(LLMReplyError, match=reason) as caught:
        chat(config(llm_stub, provider), cache_dir=tmp_path)
    assert "answered HTTP 200, but" in str(caught.value)
    assert len(llm_stub.requests) == 1
    assert chat(config(llm_stub, provider), cache_dir=tmp_path).text == "a real reply"


def test_no_answer_within_timeout_is_retried_then_named(llm_stub):
    llm_stub.add(Hang(), Hang())
    with pytest.raises(LitecoderError) as caught:
        chat(config(llm_stub, timeout_s=0.3, max_attempts=2))
    assert "no answer after 2 attempt(s), last: no answer within timeout_s 0.3" in str(caught.value)
    assert len(llm_stub.requests) == 2


def test_url_userinfo_is_used_but_never_recorded(llm_stub, tmp_path):
    url = llm_stub.openai_url.replace("http://", "http://carol:url-secret-123@")
    llm_stub.add("hello")
    model = config(llm_stub, api_base=url)
    assert chat(model, cache_dir=tmp_path).text == "hello"
    client = LLMClient(model)
    assert "url-secret-123" not in repr(client) and "carol" not in client.base_url
    cached = [p.read_text() for p in tmp_path.rglob("*.json")]
    assert cached and not any("url-secret-123" in text or "carol" in text for text in cached)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_keys_echoed_in_an_error_are_scrubbed(llm_stub, provider):
    said = f"invalid x-api-key {KEY}; try Bearer abcdefgh12345678 or sk-proj-AAAABBBBCCCCDDDD"
    llm_stub.add(Raw.json({"error": {"message": said, "type": "auth"}}, status=401))
    with pytest.raises(LLMHTTPError) as caught:
        chat(config(llm_stub, provider))
    message = str(caught.value)
    assert "HTTP 401" in message and "invalid x-api-key" in message
    for secret in (KEY, "abcdefgh12345678", "sk-proj-AAAABBBBCCCCDDDD"):
        assert secret not in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("localhost:8000/v1", "is not an http(s) URL"),
        ("user:pass-word-1@localhost:8000/v1", "is not an http(s) URL"),
        ("http:///v1", "names no host"),
        ("http://local host/v1", "has whitespace"),
    ],
)
def test_api_base_must_be_an_http_url(url, problem):
    with pytest.raises(ValidationError, match=re.escape(problem)) as caught:
        ModelConfig(provider="openai", model="m", api_base=url)
    assert "pass-word-1" not in str(caught.value)
