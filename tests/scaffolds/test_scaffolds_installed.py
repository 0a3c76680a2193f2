"""The OpenHands and Claude Code scaffolds: their options as Harbor's CLI shows them, the commands
they send to a container, and the episode report they leave from recorded native logs."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from harbor.environments.base import ExecResult
from harbor.models.agent.context import AgentContext
from harbor.models.trajectories import Trajectory

from litecoder_harbor.scaffolds import ClaudeCode, OpenHands
from litecoder_harbor.scaffolds.claude_code import CLAUDE_CODE_VERSION
from litecoder_harbor.scaffolds.installed import ScaffoldInstallError
from litecoder_harbor.scaffolds.loops import METADATA_KEY
from litecoder_harbor.scaffolds.openhands import OPENHANDS_VERSION, VENV_PYTHON
from litecoder_harbor.scaffolds.options import DEFAULT_TURN_CAP

REPO = Path(__file__).resolve().parents[2]
NATIVE_LOGS = Path(__file__).parents[1] / "fixtures" / "native_logs"
HARBOR = Path(sys.executable).parent / "harbor"
SECRET = "sk-litecoder-test-4f9d2b7e1c"


@dataclass
class RecordingEnvironment:
    """Stands in for a container: records every exec and answers from `replies`, the first
    entry whose key is in the command winning; anything else succeeds with no output."""

    replies: dict[str, ExecResult] = field(default_factory=dict)
    default_user: str | None = None
    calls: list[dict] = field(default_factory=list)

    async def exec(self, command, cwd=None, env=None, timeout_sec=None, user=None):
        self.calls.append({"command": command, "env": dict(env or {}), "user": user})
        for needle, result in self.replies.items():
            if needle in command:
                return result
        return ExecResult(stdout="", stderr="", return_code=0)

    def commands(self, needle: str) -> list[dict]:
        return [call for call in self.calls if needle in call["command"]]


def ok(stdout: str) -> ExecResult:
    return ExecResult(stdout=stdout, stderr="", return_code=0)


MISSING = ExecResult(stdout="", stderr="not found", return_code=127)
OPENHANDS_PROBE = "import importlib.metadata"  # our version check
CLAUDE_PROBE = ClaudeCode._INSTALL_VERSION_COMMAND  # Harbor's check, which ours reuses


def debug_log(logs_dir: Path) -> logging.Logger:
    """A logger writing everything, the exec env included, to a file in logs_dir, as the
    trial's log would."""

    class WithEnv(logging.Formatter):
        def format(self, record):
            return f"{super().format(record)} env={getattr(record, 'env', None)!r}"

    logs_dir.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"scaffold-test-{logs_dir.name}")
    logger.setLevel(logging.DEBUG)
    handler = logging.FileHandler(logs_dir / "trial.log")
    handler.setFormatter(WithEnv("%(message)s"))
    logger.addHandler(handler)
    return logger


def written_text(logs_dir: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in logs_dir.rglob("*") if p.is_file())


# --- (a) options, as `harbor agent schema` shows them -------------------------------------


@pytest.mark.parametrize(
    ("path", "harbor_options", "cap_option", "version"),
    [
        (
            "OpenHands",
            ["disable_tool_calls", "python_version", "git_version"],
            "max_iterations",
            OPENHANDS_VERSION,
        ),
        (
            "ClaudeCode",
            ["permission_mode", "allowed_tools", "memory_dir"],
            "max_turns",
            CLAUDE_CODE_VERSION,
        ),
    ],
)
def test_schema_lists_harbor_options_and_ours(path, harbor_options, cap_option, version):
    result = subprocess.run(
        [str(HARBOR), "agent", "schema", f"litecoder_harbor.scaffolds:{path}", "--json"],
        env={
            **os.environ,
            "PYTHONPATH": str(REPO),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HARBOR_TELEMETRY": "0",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    properties = json.loads(result.stdout)["properties"]
    for name in ["loop_window", "install", *harbor_options]:
        assert name in properties, name
    assert properties["install"]["enum"] == ["auto", "never"]
    assert properties[cap_option]["default"] == DEFAULT_TURN_CAP
    assert properties["version"]["default"] == version


@pytest.mark.parametrize("agent", [OpenHands, ClaudeCode])
def test_unknown_options_are_rejected(agent, tmp_path):
    with pytest.raises(ValueError, match="Unknown option 'loop_windw'"):
        agent(logs_dir=tmp_path, loop_windw=3)


def test_names():
    assert OpenHands.name() == "litecoder-openhands"
    assert ClaudeCode.name() == "litecoder-claude-code"


# --- (b) the commands sent to the container -----------------------------------------------


def test_openhands_installs_the_pinned_version(tmp_path):
    env = RecordingEnvironment({OPENHANDS_PROBE: MISSING})
    agent = OpenHands(logs_dir=tmp_path, model_name="openai/teacher")
    asyncio.run(agent.setup(env))

    assert env.commands(f"{VENV_PYTHON} -c"), "the image was not asked for its OpenHands"
    [install] = env.commands("uv pip install")
    assert f"uv pip install openhands-ai=={OPENHANDS_VERSION}" in install["command"]
    assert agent.version() == OPENHANDS_VERSION


def test_openhands_install_is_skipped_when_the_image_has_it(tmp_path):
    env = RecordingEnvironment({OPENHANDS_PROBE: ok(f"{OPENHANDS_VERSION}\n")})
    asyncio.run(OpenHands(logs_dir=tmp_path).setup(env))
    assert env.commands(OPENHANDS_PROBE)
    assert not env.commands("uv pip install")
    assert not env.commands("astral.sh")


def test_openhands_installs_over_another_version(tmp_path):
    env = RecordingEnvironment({OPENHANDS_PROBE: ok("1.5.0\n")})
    asyncio.run(OpenHands(logs_dir=tmp_path).setup(env))
    assert env.commands(f"openhands-ai=={OPENHANDS_VERSION}")


def test_openhands_install_never_fails_when_absent(tmp_path):
    env = RecordingEnvironment({OPENHANDS_PROBE: MISSING})
    with pytest.raises(ScaffoldInstallError) as error:
        asyncio.run(OpenHands(logs_dir=tmp_path, install="never").setup(env))
    assert isinstance(error.value, RuntimeError)  # Harbor passes it on unchanged
    assert "install=never" in str(error.value)
    assert "openhands-ai" in str(error.value) and VENV_PYTHON in str(error.value)
    assert f"openhands-ai=={OPENHANDS_VERSION}" in str(error.value)  # how to bake it in
    assert not env.commands("uv pip install") and not env.commands("apt-get")


def test_openhands_install_never_names_a_wrong_version(tmp_path):
    env = RecordingEnvironment({OPENHANDS_PROBE: ok("1.5.0\n")})
    with pytest.raises(ScaffoldInstallError, match=r"1\.5\.0, not 1\.6\.0.*version=1\.5\.0"):
        asyncio.run(OpenHands(logs_dir=tmp_path, install="never").setup(env))
    asyncio.run(OpenHands(logs_dir=tmp_path, install="never", version="1.5.0").setup(env))


def test_openhands_run_caps_turns_and_points_at_the_teacher(tmp_path, monkeypatch):
    monkeypatch.delenv("LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    logs_dir = tmp_path / "agent"
    agent = OpenHands(
        logs_dir=logs_dir,
        logger=debug_log(logs_dir),
        model_name="openai/teacher-model",
        api_base="http://127.0.0.1:8765/v1",
    )
    env = RecordingEnvironment()
    asyncio.run(agent.run("Count the lines.", env, AgentContext()))

    [run] = env.commands("openhands.core.main --task=")
    assert run["env"]["MAX_ITERATIONS"] == str(DEFAULT_TURN_CAP)
    assert run["env"]["LLM_MODEL"] == "openai/teacher-model"
    assert run["env"]["LLM_BASE_URL"] == "http://127.0.0.1:8765/v1"
    assert run["env"]["LLM_API_KEY"] == SECRET  # the container needs it ...
    assert "LLM_API_KEY" in written_text(logs_dir), "the exec env was not logged at all"
    assert SECRET not in written_text(logs_dir)  # ... but no log may keep it


def test_openhands_turn_cap_is_the_users_when_given(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_API_KEY", SECRET)
    for kwargs, expected in (({"max_iterations": 7}, "7"), ({"max_iterations": None}, None)):
        env = RecordingEnvironment()
        agent = OpenHands(logs_dir=tmp_path, model_name="openai/m", **kwargs)
        asyncio.run(agent.run("x", env, AgentContext()))
        [run] = env.commands("openhands.core.main --task=")
        assert run["env"].get("MAX_ITERATIONS") == expected


def test_claude_code_installs_the_pinned_version(tmp_path):
    env = RecordingEnvironment({CLAUDE_PROBE: MISSING})
    agent = ClaudeCode(logs_dir=tmp_path, model_name="anthropic/claude-sonnet-4-5")
    asyncio.run(agent.setup(env))
    [install] = env.commands("claude-code-releases/bootstrap.sh")
    assert f"bash -s -- {CLAUDE_CODE_VERSION}" in install["command"]
    assert f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}" in install["command"]  # alpine
    assert agent.version() == CLAUDE_CODE_VERSION


def test_claude_code_install_is_skipped_when_the_image_has_it(tmp_path):
    env = RecordingEnvironment({CLAUDE_PROBE: ok(f"{CLAUDE_CODE_VERSION} (Claude Code)\n")})
    asyncio.run(ClaudeCode(logs_dir=tmp_path).setup(env))
    assert env.commands(CLAUDE_PROBE)
    assert not env.commands("bootstrap.sh") and not env.commands("npm install")


def test_claude_code_install_never_fails_when_absent(tmp_path):
    env = RecordingEnvironment({CLAUDE_PROBE: MISSING})
    with pytest.raises(ScaffoldInstallError) as error:
        asyncio.run(ClaudeCode(logs_dir=tmp_path, install="never").setup(env))
    assert isinstance(error.value, RuntimeError)
    assert "install=never" in str(error.value) and "`claude`" in str(error.value)
    assert f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}" in str(error.value)
    assert not env.commands("bootstrap.sh") and not env.commands("apt-get")


def test_claude_code_run_caps_turns_and_points_at_the_teacher(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:8766")
    monkeypatch.delenv("CLAUDE_CODE_MAX_TURNS", raising=False)
    logs_dir = tmp_path / "agent"
    agent = ClaudeCode(
        logs_dir=logs_dir, logger=debug_log(logs_dir), model_name="anthropic/teacher-model"
    )
    env = RecordingEnvironment()
    asyncio.run(agent.run("Count the lines.", env, AgentContext()))

    [run] = env.commands("claude --verbose")
    assert f"--max-turns {DEFAULT_TURN_CAP} " in run["command"]
    assert run["env"]["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:8766"
    assert run["env"]["ANTHROPIC_MODEL"] == "anthropic/teacher-model"
    assert run["env"]["ANTHROPIC_API_KEY"] == SECRET
    assert "ANTHROPIC_API_KEY" in written_text(logs_dir), "the exec env was not logged at all"
    assert SECRET not in written_text(logs_dir)


def test_claude_code_turn_cap_is_the_users_when_given(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("CLAUDE_CODE_MAX_TURNS", "12")  # Harbor's fallback counts as given
    env = RecordingEnvironment()
    asyncio.run(ClaudeCode(logs_dir=tmp_path).run("x", env, AgentContext()))
    [run] = env.commands("claude --verbose")
    assert "--max-turns 12 " in run["command"]
    assert f"--max-turns {DEFAULT_TURN_CAP}" not in run["command"]


# --- (c) recorded native logs through Harbor's converters -----------------------------------


def converted(agent_class, scaffold: str, kind: str, tmp_path: Path, **options):
    logs_dir = tmp_path / kind
    shutil.copytree(NATIVE_LOGS / scaffold / kind, logs_dir)
    agent = agent_class(logs_dir=logs_dir, model_name="anthropic/claude-sonnet-4-5", **options)
    context = AgentContext(metadata={"kept": True})
    agent.populate_context_post_run(context)
    trajectory = Trajectory.model_validate_json((logs_dir / "trajectory.json").read_text())
    validator = subprocess.run(
        [
            sys.executable,
            "-m",
            "harbor.utils.trajectory_validator",
            str(logs_dir / "trajectory.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert validator.returncode == 0, validator.stdout + validator.stderr
    assert context.metadata["kept"] is True  # Harbor's other metadata stays
    return trajectory, context


def test_openhands_normal_episode(tmp_path):
    trajectory, context = converted(OpenHands, "openhands", "normal", tmp_path)
    report = context.metadata[METADATA_KEY]
    assert trajectory.agent.version == OPENHANDS_VERSION
    assert report == {
        "scaffold": "openhands",
        "turns": 3,  # two commands and finish
        "looping": False,
        "loop_reason": None,
        "turn_cap": DEFAULT_TURN_CAP,
    }
    assert context.n_input_tokens > 0  # Harbor's own part of the post-run still ran


def test_openhands_episode_its_stuck_detector_ended(tmp_path):
    # OpenHands stops after four identical action/observation pairs, before our window of 5.
    trajectory, context = converted(OpenHands, "openhands", "looping", tmp_path)
    report = context.metadata[METADATA_KEY]
    assert report["turns"] == 4
    assert report["looping"] is True
    assert "stuck detector" in report["loop_reason"]


def test_openhands_repeats_are_found_in_the_trajectory_too(tmp_path):
    _, context = converted(OpenHands, "openhands", "looping", tmp_path, loop_window=4)
    report = context.metadata[METADATA_KEY]
    assert report["looping"] is True
    assert "cat /app/data.cvs" in report["loop_reason"]
    assert "4 times in a row" in report["loop_reason"]


def test_claude_code_normal_episode(tmp_path):
    trajectory, context = converted(ClaudeCode, "claude_code", "normal", tmp_path, max_turns=30)
    assert trajectory.agent.version == "2.1.330"
    assert context.metadata[METADATA_KEY] == {
        "scaffold": "claude-code",
        "turns": 3,  # two Bash calls and the answer
        "looping": False,
        "loop_reason": None,
        "turn_cap": 30,
    }


def test_claude_code_looping_episode(tmp_path):
    _, context = converted(ClaudeCode, "claude_code", "looping", tmp_path)
    report = context.metadata[METADATA_KEY]
    assert report["turns"] == 6
    assert report["looping"] is True
    assert "cat /app/data.cvs" in report["loop_reason"] and "5 times" in report["loop_reason"]


def test_claude_code_looping_below_the_window_is_not_marked(tmp_path):
    _, context = converted(ClaudeCode, "claude_code", "looping", tmp_path, loop_window=6)
    assert context.metadata[METADATA_KEY]["looping"] is False


def test_no_logs_still_leave_a_report(tmp_path):
    context = AgentContext()
    ClaudeCode(logs_dir=tmp_path).populate_context_post_run(context)
    assert context.metadata[METADATA_KEY]["turns"] == 0
    assert context.metadata[METADATA_KEY]["looping"] is False
