"""The LLM client against a local stand-in server speaking the OpenAI and Anthropic protocols:
round trips, retries, the response cache, the concurrency cap, usage, and the API key's safety."""

import asyncio
import json
import time

import pytest
from pydantic import ValidationError
from support.llm_stub import Disconnect, Fail, Reply

import litecoder_harbor.llm.cache
import litecoder_harbor.llm.client
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.llm import LLMClient, LLMHTTPError, ModelConfig, UsageLedger

KEY_ENV = "LITECODER_TEST_LLM_KEY"
KEY = "sk-test-9f8e7d6c5b4a-SECRET"
CHAT = [
    {"role": "system", "content": "You write terminal tasks."},
    {"role": "user", "content": "One task about tar, please."},
]
PROVIDERS = ["openai", "anthropic"]


@pytest.fixture
def api_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY


def config(stub, provider="openai", **overrides) -> ModelConfig:
    fast_retries = {"backoff_base_s": 0.01, "backoff_max_s": 5}
    return ModelConfig(
        provider=provider,
        model=f"stub-{provider}-model",
        api_base=stub.openai_url if provider == "openai" else stub.url,
        api_key_env=KEY_ENV,
        **{**fast_retries, **overrides},
    )


def sent_key(request) -> str:
    """The key as the SDK sent it: a bearer token, or Anthropic's x-api-key header."""
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
    return request.headers.get("x-api-key", bearer)


def run(coroutine):
    return asyncio.run(coroutine)


async def chat_once(model: ModelConfig, messages=CHAT, stage="propose", cache_dir=None, **kw):
    async with LLMClient(model, cache_dir=cache_dir) as client:
        return await client.chat(messages, stage=stage, **kw)


def test_openai_chat_round_trip(llm_stub, api_key):
    llm_stub.add("Create an archive of /srv/logs.")
    reply = run(chat_once(config(llm_stub, max_tokens=300, temperature=0.2)))

    assert reply.text == "Create an archive of /srv/logs."
    assert reply.finish_reason == "stop"
    assert not reply.cached
    (request,) = llm_stub.requests
    assert request.path == "/v1/chat/completions"
    assert sent_key(request) == KEY
    assert request.body["model"] == "stub-openai-model"
    assert request.body["messages"] == CHAT
    assert request.body["max_tokens"] == 300
    assert request.body["temperature"] == 0.2


def test_anthropic_chat_round_trip(llm_stub, api_key):
    llm_stub.add("Create an archive of /srv/logs.")
    reply = run(chat_once(config(llm_stub, "anthropic", max_tokens=300, temperature=0.2)))

    assert reply.text == "Create an archive of /srv/logs."
    assert reply.finish_reason == "end_turn"
    (request,) = llm_stub.requests
    assert request.path == "/v1/messages"
    assert sent_key(request) == KEY
    assert request.body["model"] == "stub-anthropic-model"
    assert request.body["system"] == "You write terminal tasks."
    assert request.body["messages"] == CHAT[1:]
    assert request.body["max_tokens"] == 300
    assert request.body["temperature"] == 0.2


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unset_temperature_is_left_to_the_endpoint(llm_stub, api_key, provider):
    llm_stub.add("done")
    run(chat_once(config(llm_stub, provider)))
    assert "temperature" not in llm_stub.requests[0].body


def test_anthropic_refuses_system_messages_mid_chat(llm_stub, api_key):
    late_system = [*CHAT, {"role": "assistant", "content": "Sure."}, CHAT[0]]
    with pytest.raises(LitecoderError, match="system messages only at the start"):
        run(chat_once(config(llm_stub, "anthropic"), late_system))
    assert llm_stub.requests == []


def test_openai_raw_completion_round_trip(llm_stub, api_key):
    llm_stub.add(Reply(" Find every file over 1 MB.", input_tokens=12, output_tokens=7))
    prompt = "<|im_start|>system\nYou write terminal tasks.<|im_end|>\n<|im_start|>user\n"

    async def scenario():
        async with LLMClient(config(llm_stub)) as client:
            return await client.complete(prompt, stage="magpie", stop=["<|im_end|>"])

    reply = run(scenario())
    assert reply.text == " Find every file over 1 MB."
    assert (reply.input_tokens, reply.output_tokens) == (12, 7)
    (request,) = llm_stub.requests
    assert request.path == "/v1/completions"
    assert request.body["prompt"] == prompt
    assert request.body["stop"] == ["<|im_end|>"]


def test_anthropic_raw_completion_points_to_chat(llm_stub, api_key):
    async def scenario():
        async with LLMClient(config(llm_stub, "anthropic")) as client:
            await client.complete("<|im_start|>user\n", stage="magpie")

    with pytest.raises(LitecoderError, match="no raw text completions") as error:
        run(scenario())
    assert "use chat()" in str(error.value)
    assert llm_stub.requests == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rate_limit_waits_for_retry_after_then_succeeds(llm_stub, api_key, provider):
    llm_stub.add(Fail(429, retry_after="1"), "done")
    started = time.monotonic()
    reply = run(chat_once(config(llm_stub, provider)))

    assert reply.text == "done"
    assert len(llm_stub.requests) == 2
    assert time.monotonic() - started >= 1.0  # backoff alone would wait ~0.01 s


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_errors_and_dropped_connections_are_retried(llm_stub, api_key, provider):
    llm_stub.add(Fail(500), Disconnect(), Fail(503), "done")
    reply = run(chat_once(config(llm_stub, provider)))

    assert reply.text == "done"
    assert len(llm_stub.requests) == 4


def test_backoff_doubles_with_jitter_up_to_a_cap(llm_stub, api_key, monkeypatch):
    waits = []
    real_sleep = asyncio.sleep

    async def record(seconds):
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(litecoder_harbor.llm.client.asyncio, "sleep", record)
    llm_stub.add(*[Fail(500)] * 4, Fail(429, retry_after="30"), "done")
    run(chat_once(config(llm_stub, backoff_base_s=0.1, backoff_max_s=0.2, max_attempts=6)))

    assert len(waits) == 5
    assert 0.05 <= waits[0] <= 0.1
    assert 0.1 <= waits[1] <= 0.2
    assert 0.1 <= waits[3] <= 0.2  # 0.4-0.8 uncapped
    assert waits[4] == 0.2  # Retry-After is capped too


@pytest.mark.parametrize("provider", PROVIDERS)
def test_exhausted_retries_name_model_and_endpoint(llm_stub, api_key, provider):
    llm_stub.add(Fail(500), Fail(502), Fail(503), "never reached")
    model = config(llm_stub, provider, max_attempts=3)

    with pytest.raises(LitecoderError) as error:
        run(chat_once(model))
    message = str(error.value)
    assert model.model in message
    assert llm_stub.url in message
    assert "3 attempt(s)" in message
    assert "HTTP 503" in message
    assert len(llm_stub.requests) == 3


def test_client_errors_fail_without_retry(llm_stub, api_key):
    llm_stub.add(Fail(400), "never reached")
    with pytest.raises(LLMHTTPError, match="answered HTTP 400") as refused:
        run(chat_once(config(llm_stub)))
    assert refused.value.status == 400
    assert isinstance(refused.value, LitecoderError)
    assert len(llm_stub.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cache_answers_repeats_across_client_instances(llm_stub, api_key, tmp_path, provider):
    model = config(llm_stub, provider)
    llm_stub.add("first", "second sample", "cooler", "never reached")

    async def scenario():
        async with LLMClient(model, cache_dir=tmp_path) as client:
            fresh = await client.chat(CHAT, stage="propose")
            repeat = await client.chat(CHAT, stage="propose")
            return fresh, repeat, client.usage.total

    fresh, repeat, usage = run(scenario())
    assert (fresh.text, fresh.cached) == ("first", False)
    assert (repeat.text, repeat.cached) == ("first", True)
    assert (usage.calls, usage.cached_calls) == (2, 1)
    assert len(llm_stub.requests) == 1

    again = run(chat_once(model, cache_dir=tmp_path))
    assert (again.text, again.cached) == ("first", True)
    assert len(llm_stub.requests) == 1

    # Another sample index and other sampling parameters are other requests.
    assert run(chat_once(model, cache_dir=tmp_path, sample=1)).text == "second sample"
    cooler = model.model_copy(update={"temperature": 0.1})
    assert run(chat_once(cooler, cache_dir=tmp_path)).text == "cooler"
    assert len(llm_stub.requests) == 3


def test_corrupt_cache_entry_is_refetched_and_rewritten(llm_stub, api_key, tmp_path):
    model = config(llm_stub)
    llm_stub.add("first", "refetched")
    run(chat_once(model, cache_dir=tmp_path))
    (entry,) = tmp_path.rglob("*.json")
    entry.write_text('{"request": {"provider": "ope')  # what a torn write would leave

    reply = run(chat_once(model, cache_dir=tmp_path))
    assert (reply.text, reply.cached) == ("refetched", False)
    assert len(llm_stub.requests) == 2
    assert json.loads(entry.read_text())["reply"]["text"] == "refetched"
    assert run(chat_once(model, cache_dir=tmp_path)).cached


def test_interrupted_cache_write_leaves_no_entry(llm_stub, api_key, tmp_path, monkeypatch):
    def fail_rename(src, dst):
        raise OSError("no space left on device")

    monkeypatch.setattr(litecoder_harbor.files.os, "replace", fail_rename)
    llm_stub.add("first")
    with pytest.raises(OSError, match="no space left"):
        run(chat_once(config(llm_stub), cache_dir=tmp_path))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_concurrency_limit_caps_requests_in_flight(llm_stub, api_key, provider):
    llm_stub.delay_s = 0.1
    llm_stub.add(*[f"reply {i}" for i in range(10)])
    model = config(llm_stub, provider, max_concurrency=3)

    async def scenario():
        async with LLMClient(model) as client:
            prompts = [[{"role": "user", "content": f"task {i}"}] for i in range(10)]
            return await asyncio.gather(*(client.chat(p, stage="propose") for p in prompts))

    replies = run(scenario())
    assert len(replies) == 10
    assert len(llm_stub.requests) == 10
    assert llm_stub.max_in_flight == 3


def test_usage_and_cost_add_up_per_stage(llm_stub, api_key, tmp_path):
    model = config(llm_stub, input_price_per_mtok=2.0, output_price_per_mtok=10.0)
    llm_stub.add(
        Reply("task", input_tokens=1000, output_tokens=200),
        Reply("user turn", input_tokens=400, output_tokens=100),
        Reply("solution", input_tokens=3000, output_tokens=500),
    )

    async def scenario():
        async with LLMClient(model, cache_dir=tmp_path) as client:
            await client.chat(CHAT, stage="propose")
            await client.complete("<|im_start|>user\n", stage="propose")
            solve = [{"role": "user", "content": "Solve it."}]
            await client.chat(solve, stage="solve")
            await client.chat(solve, stage="solve")  # cached: no new tokens, no new cost
            return client.usage

    ledger = run(scenario())
    propose, solve = ledger.stages["propose"], ledger.stages["solve"]
    assert (propose.calls, propose.cached_calls) == (2, 0)
    assert (propose.input_tokens, propose.output_tokens) == (1400, 300)
    assert propose.cost_usd == pytest.approx((1400 * 2 + 300 * 10) / 1e6)
    assert (solve.calls, solve.cached_calls) == (2, 1)
    assert (solve.input_tokens, solve.output_tokens) == (3000, 500)
    assert solve.cost_usd == pytest.approx((3000 * 2 + 500 * 10) / 1e6)
    assert ledger.total.calls == 4
    assert ledger.total.cost_usd == pytest.approx(propose.cost_usd + solve.cost_usd)

    saved = json.loads(ledger.model_dump_json())
    assert saved["total"]["input_tokens"] == 4400
    assert UsageLedger.model_validate(saved).stages == ledger.stages


@pytest.mark.parametrize("provider", PROVIDERS)
def test_api_key_is_never_written_or_shown(llm_stub, api_key, tmp_path, monkeypatch, provider):
    model = config(llm_stub, provider, max_attempts=2)
    llm_stub.add("first", Fail(500), Fail(500))

    async def scenario():
        async with LLMClient(model, cache_dir=tmp_path) as client:
            await client.chat(CHAT, stage="propose")
            with pytest.raises(LitecoderError) as error:
                await client.chat(CHAT, stage="propose", sample=1)
            return client, str(error.value), client.usage.model_dump_json()

    client, error, usage = run(scenario())
    assert {sent_key(r) for r in llm_stub.requests} == {KEY}  # the key did reach the server
    for text in (repr(model), str(model), model.model_dump_json(), repr(client), str(client)):
        assert KEY not in text
    assert KEY not in error and KEY not in usage
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    assert not any(KEY.encode() in p.read_bytes() for p in files)

    # The key is no part of the cache key: a rotated key still hits the cache.
    monkeypatch.setenv(KEY_ENV, "sk-rotated")
    assert run(chat_once(model, cache_dir=tmp_path)).cached


def test_missing_key_variable_is_named(llm_stub, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(LitecoderError, match=f"environment variable {KEY_ENV} is not set"):
        LLMClient(config(llm_stub))
    assert llm_stub.requests == []


def test_default_key_variables_and_keyless_local_servers(llm_stub, monkeypatch):
    assert ModelConfig(provider="openai", model="m").api_key_env == "OPENAI_API_KEY"
    assert ModelConfig(provider="anthropic", model="m").api_key_env == "ANTHROPIC_API_KEY"

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    llm_stub.add("no key needed")
    local = ModelConfig(
        provider="openai", model="m", api_base=llm_stub.openai_url, api_key_env=None
    )
    assert run(chat_once(local)).text == "no key needed"


def test_config_refuses_a_key_and_does_not_echo_it():
    with pytest.raises(ValidationError) as error:
        ModelConfig(provider="openai", model="m", api_key=KEY)
    assert KEY not in str(error.value)
    with pytest.raises(ValidationError, match="api_key_env") as error:
        ModelConfig(provider="openai", model="m", api_key_env=KEY)  # a key pasted as the name
    assert KEY not in str(error.value)
