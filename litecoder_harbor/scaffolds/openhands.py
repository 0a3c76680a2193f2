"""Harbor's OpenHands as a LiteCoder scaffold: `-a litecoder_harbor.scaffolds:OpenHands`."""

from __future__ import annotations

import json
import shlex

from harbor.agents.installed.openhands import OpenHands as HarborOpenHands
from harbor.agents.installed.openhands import OpenHandsOptions
from harbor.environments.base import BaseEnvironment

from litecoder_harbor.scaffolds.installed import InstalledScaffold, last_line, scaffold_options

OPENHANDS_VERSION = "1.6.0"
"""The last openhands-ai release with `openhands.core.main`, the headless entry point Harbor
runs (1.7.0 dropped it with the rest of the legacy V0 code)."""

STUCK_ERROR = "AgentStuckInLoopError"
"""How OpenHands names the error its stuck detector ends an episode with."""

VENV_PYTHON = "/opt/openhands-venv/bin/python"
"""Where Harbor's install puts OpenHands, and the interpreter its run command uses."""

OpenHandsScaffoldOptions = scaffold_options(
    "OpenHandsScaffoldOptions",
    OpenHandsOptions,
    module=__name__,
    version=OPENHANDS_VERSION,
    turn_cap_option="max_iterations",
    doc="Harbor's OpenHands options with the LiteCoder pin, turn cap, loop window and install.",
)


class OpenHands(InstalledScaffold, HarborOpenHands):
    """Harbor's OpenHands with a pinned openhands-ai, a turn cap (`max_iterations`), the choice
    to use an OpenHands already in the image, and an episode report in the trial's metadata.

    OpenHands runs its own agent loop inside the container, so we cannot end a looping episode
    as it happens; its own stuck detector ends episodes that repeat the same action and
    observation (four times, sooner than our default window), and the turn cap ends the rest.
    Afterwards we mark the episode from the ATIF trajectory Harbor converts, with the same rule
    as every other scaffold (`find_loop`), and also when OpenHands says it got stuck.
    """

    SCAFFOLD = "openhands"
    MODEL_PROTOCOL = "openai"
    CALLS_MODEL_FROM_CONTAINER = True
    MIN_MEMORY_MB = 4096
    """Its server, Jupyter kernel and LiteLLM run inside the task container, and are killed at
    start-up in an easy task's 1 GB."""
    DEFAULT_VERSION = OPENHANDS_VERSION
    TURN_CAP_OPTION = "max_iterations"
    WHAT_IS_INSTALLED = f"openhands-ai importable by {VENV_PYTHON}"
    HOW_TO_BAKE_IN = (
        f"uv venv /opt/openhands-venv --python 3.13 && "
        f"uv pip install --python {VENV_PYTHON} openhands-ai=={OPENHANDS_VERSION}"
    )

    options_model = OpenHandsScaffoldOptions

    @staticmethod
    def name() -> str:
        return "litecoder-openhands"

    @classmethod
    def _pins_version(cls, options) -> bool:
        return options.git_version is None

    async def installed_version(self, environment: BaseEnvironment) -> str | None:
        script = "import importlib.metadata as m; print(m.version('openhands-ai'))"
        result = await environment.exec(command=f"{VENV_PYTHON} -c {shlex.quote(script)}")
        if result.return_code != 0:
            return None
        return last_line(result.stdout) or None

    def native_loop_reason(self) -> str | None:
        # The stuck detector ends the run by putting the agent in the error state, with the
        # reason in the agent_state_changed observation; the ATIF conversion drops that event.
        try:
            session = self._get_session_dir()
        except AssertionError:  # more than one session: not ours to pick
            return None
        events = sorted((session / "events").glob("*.json")) if session else []
        for path in events:
            try:
                event = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            reason = str((event.get("extras") or {}).get("reason") or "")
            if event.get("observation") == "agent_state_changed" and STUCK_ERROR in reason:
                return f"OpenHands' stuck detector ended it ({reason})"
        return None
