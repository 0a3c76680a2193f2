"""Everything `litecoder collect` checks before the first container starts: the scaffolds'
import paths and options, the model's API key, and that the endpoint answers."""

from __future__ import annotations

import ipaddress
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import ParseResult, urlparse

from harbor.utils.import_path import import_class
from pydantic import ValidationError

from litecoder_harbor.collect.plan import CollectConfig
from litecoder_harbor.containers.daemon import bridge_gateway
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.scaffolds import scaffold_class

ANTHROPIC_KEYS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN")
PLACEHOLDER_KEY = "no-key"
"""Set for a custom endpoint given no key: local OpenAI-compatible servers take any, and
LiteLLM refuses to call without one."""


def check_agents(config: CollectConfig, config_path: Path, scaffolds: list[str]) -> None:
    """Each scaffold's agent imports, its kwargs are options it accepts, and its own model (if
    it has one) names a provider."""
    for scaffold in scaffolds:
        settings = config.settings(scaffold)
        field = f"scaffolds.{scaffold}"
        if settings.model:
            check_model_name(settings.model, f"{config_path}: {field}.model")
        try:
            agent_class = import_class(settings.agent)
        except Exception as exc:  # noqa: BLE001 - any import failure is the same user error
            raise LitecoderError(
                f"{config_path}: {field}.agent: cannot import {settings.agent} ({exc})"
            ) from None
        options_model = getattr(agent_class, "options_model", None)
        if options_model is None:
            continue
        try:
            options_model.model_validate(settings.kwargs)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            key = ".".join(str(part) for part in first["loc"])
            raise LitecoderError(
                f"{config_path}: {field}.kwargs.{key}: {first['msg']}",
                hint=f"see `harbor agent schema {settings.agent}`",
            ) from None


def check_model_name(model: str, where: str) -> None:
    """LiteLLM routes a call by the provider in `provider/name`; a bare name would be guessed at
    (or refused) only when the first trial calls the model."""
    provider, _, name = model.partition("/")
    if not provider.strip() or not name.strip():
        raise LitecoderError(
            f"{where}: {model!r} names no provider: LiteLLM needs provider/name",
            hint="e.g. openai/gpt-4.1, anthropic/claude-sonnet-4-5, or openai/<served name> "
            "with --api-base",
        )


def check_model_access(
    model: str, api_base: str | None, scaffolds: list[str], log: Callable[[str], None]
) -> None:
    """`model` names its provider, the key each scaffold's provider needs is in the environment
    (never in a file), and a custom endpoint answers, from where the scaffold calls it. A model
    from the config was checked by `check_agents`, so a bad one here came from --model."""
    check_model_name(model, "--model")
    if api_base:
        in_container = [s for s in scaffolds if scaffold_class(s).CALLS_MODEL_FROM_CONTAINER]
        _check_endpoint(api_base, in_container)
    for scaffold in scaffolds:
        missing = _missing_keys(model, api_base, scaffold)
        if not missing:
            continue
        if api_base:
            for name in missing[:1]:
                os.environ[name] = PLACEHOLDER_KEY
                log(f"{name} is not set; sending a placeholder key to {api_base}")
            continue
        raise LitecoderError(
            f"{scaffold}: no API key for {model}: set {' or '.join(missing)} in the environment",
            hint="or point --api-base at an endpoint that takes no key",
        )


def _missing_keys(model: str, api_base: str | None, scaffold: str) -> list[str]:
    if scaffold_class(scaffold).MODEL_PROTOCOL == "anthropic":
        return [] if any(os.environ.get(k) for k in ANTHROPIC_KEYS) else list(ANTHROPIC_KEYS[:2])
    import litellm

    # LiteLLM counts a variable set to "" as a key; the provider would not.
    empty = {name: "" for name, value in os.environ.items() if not value}
    for name in empty:
        del os.environ[name]
    try:
        return list(litellm.validate_environment(model=model, api_base=api_base)["missing_keys"])
    finally:
        os.environ.update(empty)


def _check_endpoint(api_base: str, in_container: list[str]) -> None:
    parsed = urlparse(api_base)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise LitecoderError(f"--api-base {api_base!r} is not an http(s) URL")
    if in_container and _is_loopback(parsed.hostname):
        raise LitecoderError(
            f"--api-base {api_base}: {', '.join(in_container)} call the model from inside the "
            f"task container, where {parsed.hostname} is the container itself",
            hint=f"use an address the containers reach, e.g. {_on_bridge(parsed)} (the host on "
            "Docker's bridge; `litecoder teacher serve --host docker-bridge` listens there)",
        )
    request = urllib.request.Request(api_base.rstrip("/") + "/models", method="GET")
    try:
        with urllib.request.urlopen(request, timeout=10):
            pass
    except urllib.error.HTTPError:
        pass  # it answered: reachable, whatever it thinks of this request
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LitecoderError(f"--api-base {api_base} is unreachable: {reason}") from None


def _on_bridge(url: ParseResult) -> str:
    """`url` with its host replaced by the host's address on Docker's bridge."""
    try:
        address = bridge_gateway()
    except LitecoderError:
        address = "<the host's Docker bridge address>"
    port = f":{url.port}" if url.port else ""
    return url._replace(netloc=f"{address}{port}").geturl()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
