"""A Harbor agent for tests: runs one shell command in the task container, then stops.

Tests address it by import path (`support.shell_agent:ShellAgent`) to play an adversarial agent —
forging rewards, leaving processes behind, planting files in /tests — the way any `harbor run
-a module:Class` agent would.
"""

from harbor.agents.options import AgentOptions
from pydantic import Field

from litecoder_harbor.jobs.agents import ScriptedAgent


class ShellOptions(AgentOptions):
    command: str = Field(description="Shell command run as the agent's whole turn.")


class ShellAgent(ScriptedAgent):
    options_model = ShellOptions

    @staticmethod
    def name() -> str:
        return "shell"

    async def run(self, instruction, environment, context) -> None:
        result = await environment.exec(self.options.command)
        context.metadata = {"return_code": result.return_code}
