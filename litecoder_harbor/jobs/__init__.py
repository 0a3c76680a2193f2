"""Running trials through Harbor's Job API: agents, environments, typed outcomes."""

from litecoder_harbor.jobs.agents import AgentSpec, ScriptedAgent, import_path
from litecoder_harbor.jobs.environment import LOCAL_DOCKER, EnvironmentSpec
from litecoder_harbor.jobs.trials import (
    TrialOutcome,
    run_in_loop,
    run_job,
    run_trials,
    run_trials_async,
    stable_job_name,
)

__all__ = [
    "AgentSpec",
    "EnvironmentSpec",
    "LOCAL_DOCKER",
    "ScriptedAgent",
    "TrialOutcome",
    "import_path",
    "run_in_loop",
    "run_job",
    "run_trials",
    "run_trials_async",
    "stable_job_name",
]
