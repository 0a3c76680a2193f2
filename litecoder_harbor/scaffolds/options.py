"""What every LiteCoder scaffold adds to the Harbor agent it wraps: options, and the facts
collection reads from the class."""

from __future__ import annotations

from typing import ClassVar, Literal

from harbor.agents.options import AgentOptions
from pydantic import Field

DEFAULT_TURN_CAP = 100
"""Turns per episode unless the scaffold config says otherwise (the paper's SFT trajectories
average 27.4 turns)."""


class ScaffoldOptions(AgentOptions):
    """Mixed into each wrapped agent's own options model, so `harbor agent schema` lists both."""

    loop_window: int = Field(
        default=5,
        ge=2,
        description="The same command or an unchanged screen this many turns in a row is a "
        "loop: the trial is marked looping (Terminus-2 also ends the episode there; OpenHands' "
        "stuck detector and Claude Code's turn cap end theirs).",
    )
    install: Literal["auto", "never"] = Field(
        default="auto",
        description="auto: install the agent's tools in the container unless the image already "
        "has them; never: require them in the image (pre-built images, air-gapped runs) and "
        "fail at setup, before any model call, when they are missing.",
    )


class ScaffoldFacts:
    """Declared by each scaffold's agent class; `litecoder collect` reads them from there."""

    SCAFFOLD: ClassVar[str]
    """The scaffold's name in mixes, configs and episode reports."""
    MODEL_PROTOCOL: ClassVar[Literal["openai", "anthropic"]]
    """How it calls the model: OpenAI-compatible (through LiteLLM) or Anthropic's Messages API;
    decides which key it needs and how it is told a custom endpoint."""
    CALLS_MODEL_FROM_CONTAINER: ClassVar[bool]
    """True when model calls leave from inside the task container, where loopback is the
    container itself."""
    MIN_MEMORY_MB: ClassVar[int | None] = None
    """Memory its trials need at least, whatever the task asks for (None: the task's)."""
