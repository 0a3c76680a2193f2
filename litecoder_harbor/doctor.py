"""`litecoder doctor`: one line per prerequisite, with the exact fix for each that fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import httpx

from litecoder_harbor.containers.daemon import (
    DOCKER,
    compose_version,
    engine_version,
    local_engine,
)
from litecoder_harbor.containers.images import image_origin, required_base_images
from litecoder_harbor.errors import LitecoderError

HARBOR_SERIES = "0.24."
API_BASE_VARS = ("LITECODER_API_BASE", "OPENAI_BASE_URL")
API_KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""
    required: bool = True


def _python() -> Check:
    ok = sys.version_info >= (3, 12)
    return Check(
        "Python",
        "ok" if ok else "fail",
        sys.version.split()[0],
        "" if ok else "use Python >= 3.12 (scripts/setup.sh finds one and builds .venv with it)",
    )


def _harbor() -> Check:
    try:
        found = version("harbor")
    except PackageNotFoundError:
        return Check("Harbor", "fail", "not installed", "pip install 'harbor>=0.24,<0.25'")
    ok = found.startswith(HARBOR_SERIES)
    return Check(
        "Harbor", "ok" if ok else "fail", found, "" if ok else "pip install 'harbor>=0.24,<0.25'"
    )


def _from(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, "ok", probe())
    except LitecoderError as exc:
        return Check(name, "fail", exc.message, exc.hint or "")


def _base_images(engine: str) -> list[Check]:
    checks, ensure = [], f"litecoder images ensure --env {engine}"
    for tag in required_base_images():
        try:
            origin = image_origin(tag, engine)
        except LitecoderError:
            checks.append(
                Check(
                    f"image {tag}", "fail", "engine unreachable", f"start the {engine} engine first"
                )
            )
            continue
        if origin is None:
            checks.append(Check(f"image {tag}", "fail", "missing", ensure))
        else:
            checks.append(Check(f"image {tag}", "ok", origin))
    return checks


def _layer_cache(engine: str) -> Check:
    from litecoder_harbor.containers.images import layer_cache_tag
    from litecoder_harbor.tasks.conventions import Domain

    try:
        missing = [d.value for d in Domain if image_origin(layer_cache_tag(d), engine) is None]
    except LitecoderError:
        return Check("domain layer cache", "warn", "engine unreachable", required=False)
    if not missing:
        return Check(
            "domain layer cache", "ok", f"{len(Domain)}/{len(Domain)} domains", required=False
        )
    detail = f"{len(Domain) - len(missing)}/{len(Domain)} domains (missing: {', '.join(missing)})"
    fix = f"litecoder images ensure --env {engine} (otherwise every build reinstalls its domain's packages)"
    return Check("domain layer cache", "warn", detail, fix, required=False)


def _gpu() -> Check:
    fix = "optional: training runs on CPU without one (slowly); install NVIDIA drivers for CUDA"
    if shutil.which("nvidia-smi") is None:
        return Check("GPU", "warn", "none found (no nvidia-smi)", fix, required=False)
    proc = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("GPU")]
    if proc.returncode != 0 or not lines:
        return Check("GPU", "warn", "nvidia-smi lists no GPU", fix, required=False)
    return Check(
        "GPU",
        "ok",
        f"{len(lines)} x {lines[0].split(':', 1)[1].split('(')[0].strip()}",
        required=False,
    )


def _llm_endpoint() -> Check:
    keys = [name for name in API_KEY_VARS if os.environ.get(name)]
    base = next((os.environ[v] for v in API_BASE_VARS if os.environ.get(v)), None)
    fix = (
        "optional for template tasks; for the LLM backend and teacher collection set "
        "LITECODER_API_BASE=http://host:port/v1 (OpenAI-compatible) and/or OPENAI_API_KEY / ANTHROPIC_API_KEY"
    )
    if base is None:
        detail = f"no base URL; keys set: {', '.join(keys) or 'none'}"
        return Check(
            "LLM endpoint",
            "warn" if not keys else "ok",
            detail,
            fix if not keys else "",
            required=False,
        )
    try:
        headers = (
            {"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"}
            if "OPENAI_API_KEY" in keys
            else {}
        )
        response = httpx.get(base.rstrip("/") + "/models", headers=headers, timeout=5)
        response.raise_for_status()
        models = [m.get("id") for m in response.json().get("data", [])]
        return Check("LLM endpoint", "ok", f"{base}: {len(models)} model(s)", required=False)
    except Exception as exc:
        return Check(
            "LLM endpoint",
            "fail",
            f"{base}: {type(exc).__name__}",
            "check the server is up and the URL ends in /v1",
            required=False,
        )


def run_checks(engine: str = DOCKER) -> list[Check]:
    """The checks for trials on the local `engine` (docker or podman)."""
    local_engine(engine)
    compose = "Docker Compose plugin" if engine == DOCKER else "Podman compose frontend"
    return [
        _python(),
        _harbor(),
        _from(f"{engine.capitalize()} engine", lambda: engine_version(engine)),
        _from(compose, lambda: compose_version(engine)),
        *_base_images(engine),
        _layer_cache(engine),
        _gpu(),
        _llm_endpoint(),
    ]
