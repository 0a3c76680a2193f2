"""Loop detection and the per-episode report every LiteCoder scaffold leaves in its trial.

The paper drops trajectories in which the teacher got stuck repeating itself. A scaffold ends
such an episode as soon as it can (live, where it owns the loop; otherwise the scaffold's own
turn cap or stuck detector ends it) and every scaffold marks it afterwards from the ATIF
trajectory, so curation can filter on one field whatever the scaffold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harbor.models.trajectories import Trajectory
from pydantic import BaseModel

METADATA_KEY = "litecoder"
"""Key of the episode report in the trial's `agent_result.metadata` (result.json)."""


class EpisodeReport(BaseModel):
    """What collection and curation need to know about one teacher episode."""

    scaffold: str
    turns: int
    looping: bool = False
    loop_reason: str | None = None
    turn_cap: int | None = None


@dataclass
class LoopDetector:
    """Says why an episode is looping once the same command, or an unchanged screen, has been
    seen `window` times in a row; `None` while it is not."""

    window: int
    _commands: list[str] = field(default_factory=list)
    _screens: list[str] = field(default_factory=list)

    def observe(self, command: str, screen: str) -> str | None:
        self._commands.append(command.strip())
        self._screens.append(screen.strip())
        if _repeats_at_end(self._commands, self.window) and self._commands[-1]:
            return f"the same command {self._commands[-1][:80]!r} {self.window} times in a row"
        if _repeats_at_end(self._screens, self.window):
            return f"an unchanged screen after {self.window} turns in a row"
        return None


def _repeats_at_end(items: list[str], window: int) -> bool:
    return len(items) >= window and len(set(items[-window:])) == 1


def trajectory_actions(trajectory: Trajectory) -> list[tuple[str, str]]:
    """(command, what came back) per agent step of an ATIF trajectory, whatever the scaffold:
    the step's tool-call arguments stand for the command, its observation for the screen."""
    actions = []
    for step in trajectory.steps:
        if step.source != "agent":
            continue
        calls = step.tool_calls or []
        command = "\n".join(
            f"{call.function_name} {sorted(call.arguments.items())}" for call in calls
        )
        results = step.observation.results if step.observation else []
        screen = "\n".join(str(result.content or "") for result in results)
        actions.append((command or str(step.message), screen))
    return actions


def find_loop(trajectory: Trajectory, window: int) -> str | None:
    """The first loop in a finished trajectory, as `LoopDetector` would have reported it."""
    detector = LoopDetector(window)
    for command, screen in trajectory_actions(trajectory):
        if reason := detector.observe(command, screen):
            return reason
    return None
