"""Terminus-2 as a LiteCoder teacher scaffold: Harbor's agent, plus live loop detection, a turn
cap, no terminal recording by default, and an install policy for tmux."""

from __future__ import annotations

from typing import Any

from harbor.agents.terminus_2.terminus_2 import Terminus2 as HarborTerminus2
from harbor.agents.terminus_2.terminus_2 import Terminus2Options as HarborTerminus2Options
from harbor.llms.lite_llm import LiteLLM
from pydantic import AliasChoices, Field

from litecoder_harbor.scaffolds.loops import METADATA_KEY, EpisodeReport, LoopDetector
from litecoder_harbor.scaffolds.options import DEFAULT_TURN_CAP, ScaffoldFacts, ScaffoldOptions
from litecoder_harbor.scaffolds.recording import recorded_endpoint


class Terminus2Options(HarborTerminus2Options, ScaffoldOptions):
    max_turns: int | None = Field(
        default=DEFAULT_TURN_CAP,
        validation_alias=AliasChoices("max_turns", "episodes", "max_episodes"),
        description="Turn cap: the episode ends after this many turns.",
    )
    record_terminal_session: bool = Field(
        default=False,
        description="Record an asciinema cast (needs asciinema in the image or a network to "
        "install it; teacher data does not use it).",
    )


class _LoopStop(Exception):
    """Raised before the next model call once the episode is looping."""


class Terminus2(ScaffoldFacts, HarborTerminus2):
    """Harbor's Terminus-2; the episode ends before the next model call once the loop detector
    fires, and `agent_result.metadata["litecoder"]` reports turns, cap and looping."""

    SCAFFOLD = "terminus-2"
    MODEL_PROTOCOL = "openai"
    CALLS_MODEL_FROM_CONTAINER = False

    options_model = Terminus2Options

    def __init__(self, *args: Any, **kwargs: Any):
        # Harbor's constructor passes its own defaults explicitly; ours must win unless set.
        kwargs.setdefault("max_turns", DEFAULT_TURN_CAP)
        kwargs.setdefault("record_terminal_session", False)
        kwargs.setdefault("suppress_max_turns_warning", True)
        super().__init__(*args, **kwargs)
        self._loops = LoopDetector(self.options.loop_window)
        self._loop_reason: str | None = None

    @staticmethod
    def name() -> str:
        return "litecoder-terminus-2"

    async def setup(self, environment) -> None:
        if self.options.install == "never":
            found = await environment.exec("command -v tmux", user="root")
            if found.return_code != 0:
                raise RuntimeError(
                    "install=never but the image has no tmux; add tmux to the image "
                    "or run with install=auto"
                )
        await super().setup(environment)

    async def _execute_commands(self, commands, session) -> tuple[bool, str]:
        timed_out, screen = await super()._execute_commands(commands, session)
        keystrokes = "".join(command.keystrokes for command in commands)
        if self._loop_reason is None:
            self._loop_reason = self._loops.observe(keystrokes, screen)
        return timed_out, screen

    async def _handle_llm_interaction(self, *args: Any, **kwargs: Any):
        if self._loop_reason is not None:
            raise _LoopStop(self._loop_reason)
        return await super()._handle_llm_interaction(*args, **kwargs)

    async def run(self, instruction: str, environment, context) -> None:
        self._loops = LoopDetector(self.options.loop_window)
        self._loop_reason = None
        if isinstance(self._llm, LiteLLM):  # the attempt's id is known only now
            self._llm._api_base = recorded_endpoint(
                self.options.api_base, self.logs_dir, self.context_id, in_container=False
            )
        try:
            await super().run(instruction, environment, context)
        except _LoopStop:
            self.logger.info(f"episode ended by loop detection: {self._loop_reason}")
        finally:
            report = EpisodeReport(
                scaffold=self.SCAFFOLD,
                turns=sum(step.source == "agent" for step in self._trajectory_steps),
                looping=self._loop_reason is not None,
                loop_reason=self._loop_reason,
                turn_cap=self.options.max_turns,
            )
            context.metadata = {**(context.metadata or {}), METADATA_KEY: report.model_dump()}
