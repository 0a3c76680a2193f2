"""Harbor's Claude Code as a LiteCoder scaffold: `-a litecoder_harbor.scaffolds:ClaudeCode`."""

from __future__ import annotations

import json
import shlex

from harbor.agents.installed.base import NonZeroAgentExitCodeError
from harbor.agents.installed.claude_code import ClaudeCode as HarborClaudeCode
from harbor.agents.installed.claude_code import ClaudeCodeOptions
from harbor.environments.base import BaseEnvironment
from harbor.models.agent.context import AgentContext

from litecoder_harbor.scaffolds.installed import InstalledScaffold, last_line, scaffold_options

CLAUDE_CODE_VERSION = "2.1.330"
"""A released `@anthropic-ai/claude-code`; its npm package ships the native build, which runs
without Node (npm warns that the package wants Node 22, but installs it on Node 18)."""

MAX_TURNS_SUBTYPE = "error_max_turns"
"""How Claude Code's final stream-json record says it stopped at `--max-turns`."""

ClaudeCodeScaffoldOptions = scaffold_options(
    "ClaudeCodeScaffoldOptions",
    ClaudeCodeOptions,
    module=__name__,
    version=CLAUDE_CODE_VERSION,
    turn_cap_option="max_turns",
    doc="Harbor's Claude Code options with the LiteCoder pin, turn cap, loop window and install.",
)


class ClaudeCode(InstalledScaffold, HarborClaudeCode):
    """Harbor's Claude Code with a pinned version, a turn cap (`--max-turns`), the choice to use
    a `claude` already in the image, and an episode report in the trial's metadata.

    Looping episodes are not ended live: a PreToolUse hook could stop Claude Code, but it would
    need a JSON parser in every task image to compare tool calls (the hook input carries a fresh
    id per call; the native build brings no jq, Python or Node) and would take over Harbor's
    `--settings` layer. The turn cap ends them, and afterwards we mark the episode from the
    ATIF trajectory Harbor converts, with the same rule as every other scaffold (`find_loop`).
    """

    SCAFFOLD = "claude-code"
    MODEL_PROTOCOL = "anthropic"
    CALLS_MODEL_FROM_CONTAINER = True
    DEFAULT_VERSION = CLAUDE_CODE_VERSION
    TURN_CAP_OPTION = "max_turns"
    WHAT_IS_INSTALLED = "`claude` on PATH or in ~/.local/bin, as Claude Code"
    HOW_TO_BAKE_IN = f"npm install -g @anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"

    options_model = ClaudeCodeScaffoldOptions

    @staticmethod
    def name() -> str:
        return "litecoder-claude-code"

    async def installed_version(self, environment: BaseEnvironment) -> str | None:
        # Harbor's own check, so ours and the one in its install never disagree.
        result = await environment.exec(command=self._INSTALL_VERSION_COMMAND)
        if result.return_code != 0 or not (result.stdout or "").strip():
            return None
        return self.parse_version(result.stdout)

    async def run(
        self, instruction: str, environment: BaseEnvironment, context: AgentContext
    ) -> None:
        """Claude Code exits 1 when it stops at `--max-turns`. For collection that is the turn
        cap ending the episode, as it does in every other scaffold: the trial goes on to
        grading instead of failing (and being retried)."""
        try:
            await super().run(instruction, environment, context)
        except NonZeroAgentExitCodeError:
            if (await self._final_record(environment)).get("subtype") != MAX_TURNS_SUBTYPE:
                raise
            self.logger.info(f"episode ended at the turn cap ({self.turn_cap} turns)")

    async def _final_record(self, environment: BaseEnvironment) -> dict:
        """The record that ends Claude Code's stream-json output, {} when there is none. Read
        in the container, where it is whatever the environment type."""
        output = (self.environment_logs_dir / "claude-code.txt").as_posix()
        result = await environment.exec(command=f"tail -n 1 {shlex.quote(output)}")
        try:
            record = json.loads(last_line(result.stdout))
        except ValueError:
            return {}
        return record if isinstance(record, dict) and record.get("type") == "result" else {}
