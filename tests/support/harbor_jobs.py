"""Small Harbor job dirs written with Harbor's own models, shaped like what `harbor run` and
`litecoder collect` leave, for testing curation without Docker."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from harbor.models.agent.context import AgentContext
from harbor.models.trajectories import (
    Agent,
    Observation,
    ObservationResult,
    Step,
    ToolCall,
    Trajectory,
)
from harbor.models.trial.config import TaskConfig, TrialConfig
from harbor.models.trial.result import AgentInfo, ExceptionInfo, ModelInfo, TrialResult
from harbor.models.verifier.result import VerifierResult

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TERMINUS_PROMPT = "You are an AI assistant tasked with solving command-line tasks.\n\nTask Description:\n{instruction}\n\nCurrent terminal state:\nroot@box:/app#\n"


def write_task(folder: Path, name: str, instruction: str, *, domain="coding", family="fam",
               difficulty="easy") -> Path:  # fmt: skip
    task = folder / name
    (task / "environment").mkdir(parents=True)
    (task / "environment" / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
    (task / "tests").mkdir()
    (task / "tests" / "test.sh").write_text("#!/bin/sh\necho 1 > /logs/verifier/reward.txt\n")
    (task / "instruction.md").write_text(instruction)
    (task / "task.toml").write_text(
        f'[metadata.litecoder]\ndomain = "{domain}"\nfamily = "{family}"\ndifficulty = "{difficulty}"\n'
    )
    return task


def terminus_trajectory(instruction: str, commands: list[str], screens: list[str] | None = None,
                        *, done: bool = True, agent: str = "terminus-2") -> Trajectory:  # fmt: skip
    """Terminus-2's ATIF: the prompt as step 1, then one step per command (keystrokes as a
    `bash_command` call, the next prompt as its observation), then two `task_complete` steps."""
    screens = screens or [f"$ {c}\nok {i}" for i, c in enumerate(commands)]
    steps = [
        Step(step_id=1, source="user", message=TERMINUS_PROMPT.format(instruction=instruction))
    ]
    for i, (command, screen) in enumerate(zip(commands, screens, strict=True)):
        steps.append(
            Step(
                step_id=len(steps) + 1,
                source="agent",
                message=f"Analysis: step {i}.\nPlan: run {command}.",
                tool_calls=[
                    ToolCall(
                        tool_call_id=f"call_{i}_1",
                        function_name="bash_command",
                        arguments={"keystrokes": command + "\n", "duration": 0.1},
                    )
                ],  # fmt: skip
                observation=Observation(
                    results=[ObservationResult(source_call_id=f"call_{i}_1", content=screen)]
                ),
            )
        )
    if done:
        for confirm in ("Are you sure?", "final screen"):
            n = len(steps)
            steps.append(
                Step(
                    step_id=n + 1,
                    source="agent",
                    message="Analysis: done.\nPlan: mark complete.",
                    tool_calls=[
                        ToolCall(
                            tool_call_id=f"call_{n}_task_complete",
                            function_name="mark_task_complete",
                            arguments={},
                        )
                    ],  # fmt: skip
                    observation=Observation(results=[ObservationResult(content=confirm)]),
                )
            )
    return Trajectory(
        agent=Agent(name=agent, version="2.0.0", model_name="openai/teacher"), steps=steps
    )


def tool_trajectory(instruction: str, commands: list[str], *, agent="claude-code",
                    tool="Bash") -> Trajectory:  # fmt: skip
    """A tool-calling agent's ATIF (Claude Code / OpenHands): instruction, calls, results."""
    steps = [Step(step_id=1, source="user", message=instruction)]
    for i, command in enumerate(commands):
        steps.append(
            Step(
                step_id=len(steps) + 1,
                source="agent",
                message=f"Running {command}",
                tool_calls=[
                    ToolCall(
                        tool_call_id=f"toolu_{i}",
                        function_name=tool,
                        arguments={"command": command},
                    )
                ],  # fmt: skip
                observation=Observation(
                    results=[ObservationResult(source_call_id=f"toolu_{i}", content=f"out {i}")]
                ),
            )
        )
    steps.append(Step(step_id=len(steps) + 1, source="agent", message="Done."))
    return Trajectory(
        agent=Agent(name=agent, version="1.0", model_name="anthropic/teacher"), steps=steps
    )


def write_trial(
    job: Path,
    name: str,
    *,
    task: Path | None,
    trajectory: Trajectory | None,
    reward: float | None = 1.0,
    agent: str = "terminus-2",
    report: dict | None = None,
    exception: str | None = None,
    finished: bool = True,
) -> Path:
    """A trial dir with result.json, config.json and (unless None) agent/trajectory.json."""
    trial = job / name
    (trial / "agent").mkdir(parents=True)
    config = TrialConfig(task=TaskConfig(path=task or Path("/nowhere") / name), trial_name=name)
    (trial / "config.json").write_text(config.model_dump_json())
    result = TrialResult(
        task_name=task.name if task else name.split("__")[0],
        trial_name=name,
        trial_uri=trial.as_uri(),
        task_id={"path": str(task or "/nowhere")},
        task_checksum="0" * 64,
        config=config,
        agent_info=AgentInfo(
            name=agent, version="1", model_info=ModelInfo(name="teacher", provider="openai")
        ),
        agent_result=AgentContext(metadata={"litecoder": report} if report else None),
        verifier_result=VerifierResult(rewards={"reward": reward}) if reward is not None else None,
        exception_info=ExceptionInfo(
            exception_type=exception,
            exception_message="boom",
            exception_traceback="",
            occurred_at=NOW,
        )
        if exception
        else None,  # fmt: skip
        started_at=NOW,
        finished_at=NOW if finished else None,
    )
    (trial / "result.json").write_text(result.model_dump_json())
    if trajectory is not None:
        (trial / "agent" / "trajectory.json").write_text(
            trajectory.model_dump_json(exclude_none=True)
        )
    return trial
