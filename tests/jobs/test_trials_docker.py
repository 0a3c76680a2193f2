"""Real trials through Harbor on the local Docker engine, via the runner.

Oracle must score 1 and nop 0; agents that try to game the verifier — forging reward files,
leaving a process behind to rewrite them, planting a module in /tests — must score 0.
"""

import json
import shutil

import pytest
from harbor.models.task.config import TaskConfig, VerifierEnvironmentMode
from harbor.models.trial.result import TrialResult

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.jobs import AgentSpec, EnvironmentSpec, run_trials, stable_job_name

pytestmark = pytest.mark.docker

FULL_REWARD = (
    "echo '{\"reward\": 1}' > /logs/verifier/reward.json; echo 1 > /logs/verifier/reward.txt"
)
ATTACKS = {
    "forge": FULL_REWARD,
    "stray-writer": (
        "nohup setsid bash -c 'while true; do "
        + FULL_REWARD.replace("'", "'\\''")
        + "; sleep 0.05; done' >/dev/null 2>&1 & sleep 1"
    ),
    "plant-module": (
        # A package dir shadows the shipped verifier_kit.py; importing it ends the checker with
        # exit status 0 before a single check runs, whatever the task.
        "mkdir -p /tests/verifier_kit && echo 'import sys; sys.exit(0)' "
        "> /tests/verifier_kit/__init__.py"
    ),
}


def shell(command: str) -> AgentSpec:
    return AgentSpec(name="support.shell_agent:ShellAgent", kwargs={"command": command})


def test_oracle_scores_one_and_nop_zero(sample_task, tmp_path):
    outcomes = run_trials(
        [sample_task], [AgentSpec(name="oracle"), AgentSpec(name="nop")], jobs_dir=tmp_path
    )
    by_agent = {o.agent: o for o in outcomes}
    assert by_agent["oracle"].reward == 1.0, by_agent["oracle"]
    assert by_agent["nop"].reward == 0.0, by_agent["nop"]
    for outcome in outcomes:
        assert outcome.exception_type is None
        assert outcome.task_dir == sample_task.resolve()
        result = TrialResult.model_validate_json((outcome.trial_dir / "result.json").read_text())
        assert result.trial_name == outcome.trial_name
    checks = json.loads((by_agent["oracle"].trial_dir / "verifier" / "checks.json").read_text())
    assert checks["passed"] and len(checks["checks"]) >= 5


def test_gaming_agents_score_zero(sample_task, tmp_path):
    agents = [shell(command) for command in ATTACKS.values()]
    outcomes = run_trials([sample_task], agents, jobs_dir=tmp_path)
    rewards = {o.trial_name: (o.reward, o.exception_type) for o in outcomes}
    assert len(outcomes) == len(ATTACKS)
    assert all(reward == (0.0, None) for reward in rewards.values()), rewards


def test_the_same_agents_beat_a_naive_verifier(sample_task, tmp_path):
    """Proves the attacks are real: without the generated preamble, grading in the agent's own
    container, every one of them wins."""
    naive = tmp_path / "naive" / sample_task.name
    shutil.copytree(sample_task, naive)
    config = TaskConfig.model_validate_toml((naive / "task.toml").read_text())
    config.verifier.environment_mode = VerifierEnvironmentMode.SHARED
    (naive / "task.toml").write_text(config.model_dump_toml())
    (naive / "tests" / "test.sh").write_text(
        "#!/bin/bash\n"
        "if python3 /tests/check.py; then echo 1 > /logs/verifier/reward.txt;"
        " else echo 0 > /logs/verifier/reward.txt; fi\n"
    )
    outcomes = run_trials([naive], [shell(c) for c in ATTACKS.values()], jobs_dir=tmp_path / "jobs")
    assert [o.reward for o in outcomes] == [1.0] * len(ATTACKS), [
        (o.agent, o.exception_type) for o in outcomes
    ]


def test_environment_by_import_path_and_resume(sample_task, tmp_path):
    agents = [AgentSpec(name="oracle")]
    env = EnvironmentSpec.parse("harbor.environments.docker.docker:DockerEnvironment")
    name = stable_job_name("resume", [sample_task], agents, env)
    first = run_trials([sample_task], agents, environment=env, jobs_dir=tmp_path, job_name=name)
    assert [o.reward for o in first] == [1.0]

    result_file = first[0].trial_dir / "result.json"
    finished = result_file.read_text()
    again = run_trials([sample_task], agents, environment=env, jobs_dir=tmp_path, job_name=name)
    assert [o.trial_name for o in again] == [o.trial_name for o in first]
    assert result_file.read_text() == finished, "a finished trial must not run again"
    assert len([p for p in (tmp_path / name).iterdir() if p.is_dir()]) == 1


def test_unknown_agent_and_environment_fail_before_any_trial(sample_task, tmp_path):
    with pytest.raises(LitecoderError, match="unknown agent 'terminator'"):
        run_trials([sample_task], [AgentSpec(name="terminator")], jobs_dir=tmp_path)
    with pytest.raises(LitecoderError, match="unknown environment type 'dokker'"):
        run_trials(
            [sample_task],
            [AgentSpec(name="oracle")],
            environment=EnvironmentSpec(name="dokker"),
            jobs_dir=tmp_path,
        )
    assert list(tmp_path.iterdir()) == []
