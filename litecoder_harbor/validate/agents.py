"""The Harbor agents validation probes with: the reference solution run twice in one container,
and one registered attack. Both play fixed scripts; neither calls a model."""

from __future__ import annotations

import shlex
from pathlib import Path

from harbor.agents.options import AgentOptions
from pydantic import Field

from litecoder_harbor.jobs import ScriptedAgent
from litecoder_harbor.validate.attacks import ATTACKS, read_instruction
from litecoder_harbor.validate.solutions import solution_for


class SolutionOptions(AgentOptions):
    index: str = Field(
        description="JSON file: instruction sha256 -> host path of solution/solve.sh"
    )
    runs: int = Field(default=2, ge=1)


class RepeatedOracleAgent(ScriptedAgent):
    """Runs the task's solve.sh `runs` times in one container (an idempotent task stays at 1)."""

    options_model = SolutionOptions

    @staticmethod
    def name() -> str:
        return "litecoder-oracle-repeat"

    async def run(self, instruction, environment, context) -> None:
        solve = Path(solution_for(instruction, Path(self.options.index)))
        await environment.upload_dir(solve.parent, "/solution")
        log = []
        for attempt in range(self.options.runs):
            result = await environment.exec("bash /solution/solve.sh", timeout_sec=None)
            log.append(
                f"--- run {attempt + 1}: exit {result.return_code}\n{result.stdout or ''}{result.stderr or ''}"
            )
        (self.logs_dir / "oracle-repeat.txt").write_text("\n".join(log))


class AttackOptions(AgentOptions):
    attack: str = Field(description=f"One of: {', '.join(ATTACKS)}")
    solutions_index: str | None = Field(
        default=None,
        description="JSON file mapping instruction sha256 to a host solve.sh (only `partial` reads it).",
    )


class AttackAgent(ScriptedAgent):
    """Runs one registered attack in the task container; `--ak attack=<name>`."""

    options_model = AttackOptions

    @staticmethod
    def name() -> str:
        return "litecoder-attack"

    async def setup(self, environment) -> None:
        if self.options.attack not in ATTACKS:
            raise ValueError(f"unknown attack {self.options.attack!r}; known: {', '.join(ATTACKS)}")

    async def run(self, instruction, environment, context) -> None:
        solution = None
        if self.options.solutions_index and self.options.attack == "partial":
            solution = Path(
                solution_for(instruction, Path(self.options.solutions_index))
            ).read_text()
        ctx = read_instruction(instruction, solution)
        script = "set +e\n" + ATTACKS[self.options.attack].script(ctx)
        (self.logs_dir / "attack.sh").write_text(script)
        result = await environment.exec(f"bash -c {shlex.quote(script)}", timeout_sec=300)
        (self.logs_dir / "attack.txt").write_text((result.stdout or "") + (result.stderr or ""))
        context.metadata = {"attack": self.options.attack, "return_code": result.return_code}
