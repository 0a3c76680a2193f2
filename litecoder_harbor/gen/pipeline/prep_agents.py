"""The agents of environment preparation, loaded by Harbor from their import paths (and by the
stage only when a task is prepared, since Terminus-2 brings LiteLLM with it).

`PreparationAgent` is our Terminus-2 wrapper plus the capture: a listing of the container's
filesystem before the model's first keystroke and after its last one, and one tar of what
`extraction.select_changes` keeps. `StateAgent` reads the same paths in a container of the
rebuilt image. Everything goes through Harbor's environment API (exec, upload, download).
"""

from __future__ import annotations

import json
import os
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from harbor.agents.options import AgentOptions
from pydantic import Field

from litecoder_harbor.gen.pipeline.extraction import (
    LISTING_COMMAND,
    Selection,
    parse_listing,
    select_changes,
)
from litecoder_harbor.jobs import ScriptedAgent
from litecoder_harbor.scaffolds.terminus import Terminus2, Terminus2Options

BEFORE, AFTER, SINCE = "before.listing", "after.listing", "since.txt"
CAPTURE, STATE, SELECTION = "capture.tar", "state.tar", "selection.json"
"""Files the agents leave in their trial's agent/ folder."""
_SCRATCH = "/tmp/.litecoder-prepare"


# --- the agents -------------------------------------------------------------------------------


class PreparationOptions(Terminus2Options):
    api_key_env: str | None = Field(
        default=None,
        description="Environment variable holding the model's key, read in this process and "
        "never written (LiteLLM reads the provider's default variable otherwise).",
    )


class PreparationAgent(Terminus2):
    """Our Terminus-2 that lists the container's filesystem before its first turn and after its
    last, and leaves a tar of what it kept (by `extraction.select_changes`) in its logs."""

    options_model = PreparationOptions

    @staticmethod
    def name() -> str:
        return "litecoder-preparation"

    def _init_llm(self, *args: Any, llm_kwargs: dict | None = None, **kwargs: Any):
        key_env = self.options.api_key_env
        if key_env and os.environ.get(key_env):  # in memory only: options are recorded
            llm_kwargs = {**(llm_kwargs or {}), "api_key": os.environ[key_env]}
        return super()._init_llm(*args, llm_kwargs=llm_kwargs, **kwargs)

    async def run(self, instruction: str, environment, context) -> None:
        await _exec(environment, f"mkdir -p {_SCRATCH} && date +%s.%N > {_SCRATCH}/since")
        await _listing(environment, self.logs_dir / BEFORE)
        await environment.download_file(f"{_SCRATCH}/since", self.logs_dir / SINCE)
        await super().run(instruction, environment, context)
        await _listing(environment, self.logs_dir / AFTER)
        selection = _selection(self.logs_dir)
        (self.logs_dir / SELECTION).write_text(selection.model_dump_json(indent=2))
        if selection.readable:
            await _tar(environment, selection.kept, self.logs_dir / CAPTURE)


class StateOptions(AgentOptions):
    paths: str = Field(description="Host path of a JSON list of the container paths to read.")


class StateAgent(ScriptedAgent):
    """Reads the state of the listed paths in a container of a rebuilt image (a tar in its
    logs), so it can be compared with the prepared container's."""

    options_model = StateOptions

    @staticmethod
    def name() -> str:
        return "litecoder-state"

    async def run(self, instruction, environment, context) -> None:
        paths = json.loads(Path(self.options.paths).read_text())
        await _exec(environment, f"mkdir -p {_SCRATCH}")
        await _tar(environment, paths, self.logs_dir / STATE)


async def _exec(environment, command: str) -> str:
    result = await environment.exec(command, user="root", timeout_sec=300)
    if result.return_code != 0:
        raise RuntimeError(f"{command[:80]!r} exited {result.return_code}: {result.stderr}")
    return result.stdout or ""


async def _listing(environment, target: Path) -> None:
    await _exec(environment, f"{LISTING_COMMAND} > {_SCRATCH}/listing || true")
    await environment.download_file(f"{_SCRATCH}/listing", target)


async def _tar(environment, paths: list[str], target: Path) -> None:
    """One `tar --no-recursion` of exactly `paths` (missing ones skipped), downloaded."""
    with tempfile.NamedTemporaryFile("wb", suffix=".list", delete=False) as handle:
        handle.write(b"".join(p.lstrip("/").encode() + b"\0" for p in paths))
    try:
        await environment.upload_file(handle.name, f"{_SCRATCH}/list")
    finally:
        os.unlink(handle.name)
    await _exec(
        environment,
        f"tar -C / --create --file {_SCRATCH}/state.tar --no-recursion --numeric-owner --null "
        f"--verbatim-files-from --files-from {_SCRATCH}/list --ignore-failed-read 2>/dev/null"
        "; test -f " + f"{_SCRATCH}/state.tar",
    )
    await environment.download_file(f"{_SCRATCH}/state.tar", target)


def _selection(logs: Path) -> Selection:
    try:
        since = Decimal((logs / SINCE).read_text().strip())
    except (OSError, InvalidOperation) as exc:
        raise RuntimeError(f"no usable start time of the preparation: {exc}") from None
    before = parse_listing((logs / BEFORE).read_bytes())
    after = parse_listing((logs / AFTER).read_bytes())
    if not before or not after:
        raise RuntimeError("listing the container's filesystem gave nothing (find failed)")
    return select_changes(before, after, since)
