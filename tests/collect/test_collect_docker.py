"""`litecoder collect` end to end: the Terminus-2, OpenHands and Claude Code scaffolds against
the scripted teacher (`litecoder teacher serve`), through Harbor on the local Docker engine; and
the recording of each trial's model requests, compared with what the teacher received."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LITECODER, bare_task
from harbor.models.trial.result import TrialResult
from support.collected import Collected, run_in_image
from support.interrupt import assert_clean_interruption, interrupt_once_running
from support.teacher import CANARY_KEY, collect, trials

from litecoder_harbor.chat import Conversation
from litecoder_harbor.collect import recorded_conversation
from litecoder_harbor.collect.plan import default_config_path
from litecoder_harbor.collect.protocols import conversation as protocol_conversation
from litecoder_harbor.collect.recording import RECORDINGS
from litecoder_harbor.scaffolds.claude_code import CLAUDE_CODE_VERSION
from litecoder_harbor.scaffolds.openhands import OPENHANDS_VERSION

pytestmark = pytest.mark.docker


def assert_valid_trajectory(trial: Path) -> dict:
    """Harbor's ATIF validator accepts the trial's trajectory; returns it."""
    check = subprocess.run(
        [sys.executable, "-m", "harbor.utils.trajectory_validator",
         str(trial / "agent" / "trajectory.json")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
    return json.loads((trial / "agent" / "trajectory.json").read_text())


def wall(result: TrialResult) -> float:
    """Seconds from the trial's start to its end: build, start, agent, grading, teardown."""
    return (result.finished_at - result.started_at).total_seconds()


def assert_recorded_as_received(trial: Path, calls: list[dict]) -> Conversation:
    """The trial's recorded conversation is the last of `calls` (its model calls as the teacher
    received them) with the teacher's reply; the recorded request is that body, byte for byte
    as JSON."""
    last = calls[-1]
    protocol = "anthropic" if last["path"].endswith("/messages") else "openai"
    conversation = recorded_conversation(trial)
    assert conversation == protocol_conversation(protocol, last["request"], last["reply"])
    result = json.loads((trial / "result.json").read_text())
    [*_, newest] = sorted((trial / RECORDINGS / result["id"]).glob("*.json"))
    assert json.loads(newest.read_text())["request"] == last["request"]
    return conversation


def assert_no_key_written(out: Path) -> None:
    for path in out.rglob("*"):
        if path.is_file():
            assert CANARY_KEY not in path.read_text(errors="replace"), path


def test_terminus_collects_solved_valid_trajectories_and_resumes(
    three_tasks, teacher, collected_terminus: Collected
):
    url, log = teacher
    out, calls = collected_terminus.out, collected_terminus.calls
    summary = json.loads((out / "summary.json").read_text())
    [row] = summary["scaffolds"]
    assert (row["scaffold"], row["trials"], row["solved"], row["errors"], row["looping"]) == (
        "terminus-2", 3, 3, 0, 0,
    )  # fmt: skip
    durations = []
    for trial in trials(out):
        result = TrialResult.model_validate_json((trial / "result.json").read_text())
        assert result.verifier_result.rewards["reward"] == 1.0, trial
        assert result.agent_info.name == "litecoder-terminus-2"
        report = result.agent_result.metadata["litecoder"]
        assert report["looping"] is False and 2 <= report["turns"] <= 10
        trajectory = assert_valid_trajectory(trial)
        assert any("bash /solution/solve.sh" in json.dumps(s) for s in trajectory["steps"])
        durations.append(wall(result))
        instruction = (result.task_id.get_local_path() / "instruction.md").read_text().strip()
        mine = [c for c in calls if instruction in c["request"]["messages"][0]["content"]]
        conversation = assert_recorded_as_received(trial, mine)
        # Terminus-2's prompt with the instruction is the first user turn; no tools, no system;
        # every reply the teacher gave is in the last request or is its reply
        assert conversation.messages[0].role == "user" and conversation.tools == []
        assert json.loads(conversation.messages[-1].content)["task_complete"] is True
        assert conversation.assistant_turns == len(mine)
    print(f"\nwall per trial with the scripted teacher: {[round(d, 1) for d in durations]} s")
    assert_no_key_written(out)

    requests = log.read_text().count(" turn ")
    before = trials(out)
    again = collect(three_tasks, out, url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert trials(out) == before
    assert log.read_text().count(" turn ") == requests  # nothing re-ran


def test_a_looping_teacher_is_stopped_and_marked(collected_looping: Collected):
    out = collected_looping.out
    [trial] = trials(out)
    result = TrialResult.model_validate_json((trial / "result.json").read_text())
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is True and "'ls' 5 times in a row" in report["loop_reason"]
    assert report["turns"] == 5  # the sixth model call never happened
    assert result.verifier_result.rewards["reward"] == 0.0
    assert json.loads((out / "summary.json").read_text())["scaffolds"][0]["looping"] == 1


def test_sigterm_mid_collect_leaves_nothing_running(three_tasks, teacher, tmp_path):
    """The reported case: a collect stopped by SIGTERM while its teacher loops left its
    containers, images and networks behind."""
    url, _ = teacher
    command = [str(LITECODER), "collect", "--tasks", str(three_tasks),
               "--model", "openai/teacher-loop", "--api-base", url, "--mix", "terminus-2=1",
               "--out", str(tmp_path / "jobs")]  # fmt: skip
    result = interrupt_once_running(command, signal.SIGTERM, env={"OPENAI_API_KEY": CANARY_KEY})
    print(f"\ncollect stopped and cleaned up in {result.seconds_to_stop:.1f} s")
    assert_clean_interruption(result, signal.SIGTERM)


def test_install_never_fails_setup_on_an_image_without_tmux(teacher, tmp_path):
    url, log = teacher
    tasks = bare_task(tmp_path / "tasks")
    config = tmp_path / "teacher.yaml"
    config.write_text(default_config_path().read_text().replace("install: auto", "install: never"))
    requests = log.read_text().count(" turn ")
    out = tmp_path / "jobs"
    proc = collect(tasks, out, url, "--config", str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [trial] = trials(out)
    result = TrialResult.model_validate_json((trial / "result.json").read_text())
    assert "install=never but the image has no tmux" in result.exception_info.exception_message
    assert json.loads((out / "summary.json").read_text())["scaffolds"][0]["errors"] == 1
    assert log.read_text().count(" turn ") == requests  # no model call was made


def outcome(collected: Collected) -> tuple[TrialResult, dict]:
    """The result of a one-trial run and its scaffold's summary row."""
    [trial] = collected.trials
    [row] = json.loads((collected.out / "summary.json").read_text())["scaffolds"]
    return TrialResult.model_validate_json((trial / "result.json").read_text()), row


@pytest.mark.parametrize(
    ("scaffold", "version", "calls"),
    [
        ("claude-code", CLAUDE_CODE_VERSION, ["Bash", "Bash"]),
        ("openhands", OPENHANDS_VERSION, ["execute_bash", "execute_bash", "finish"]),
    ],
)  # fmt: skip
def test_in_container_scaffold_collects_a_solved_valid_trajectory(
    scaffold, version, calls, request
):
    collected: Collected = request.getfixturevalue(f"collected_{scaffold.replace('-', '_')}")
    result, row = outcome(collected)
    trial = collected.job_dir / result.trial_name
    assert (row["trials"], row["solved"], row["errors"], row["looping"]) == (1, 1, 0, 0), row
    assert result.verifier_result.rewards["reward"] == 1.0
    assert (result.agent_info.name, result.agent_info.version) == (f"litecoder-{scaffold}", version)
    print(f"\nwall per {scaffold} trial with the scripted teacher: {wall(result):.1f} s")
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is False and report["turns"] == 3  # lay out, run, declare done
    trajectory = assert_valid_trajectory(trial)
    tool_calls = [c for s in trajectory["steps"] for c in s.get("tool_calls") or []]
    assert [c["function_name"] for c in tool_calls] == calls
    assert tool_calls[1]["arguments"]["command"].startswith("bash /solution/solve.sh;")
    conversation = assert_recorded_as_received(trial, collected.calls)
    # the system prompt and the tool definitions ATIF leaves out
    assert conversation.messages[0].role == "system" and conversation.messages[0].content
    assert set(calls) <= {tool["function"]["name"] for tool in conversation.tools}
    assert [c.function.name for m in conversation.messages for c in m.tool_calls] == calls
    assert_no_key_written(collected.out)


def test_claude_code_looping_teacher_ends_at_the_turn_cap_and_is_marked(
    claude_code_task, bridge_teacher, tmp_path
):
    result, row = outcome(run_in_image(
        claude_code_task, bridge_teacher, tmp_path, "claude-code", "anthropic/teacher-loop",
        max_turns=7,
    ))  # fmt: skip
    assert result.exception_info is None  # the cap ends the episode; it is not a failure
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is True and "5 times in a row" in report["loop_reason"]
    assert report["turns"] == report["turn_cap"] == 7
    assert result.verifier_result.rewards["reward"] == 0.0
    assert (row["errors"], row["looping"]) == (0, 1)


def test_openhands_stuck_detector_ends_a_looping_teacher_and_it_is_marked(
    openhands_task, bridge_teacher, tmp_path
):
    result, row = outcome(
        run_in_image(openhands_task, bridge_teacher, tmp_path, "openhands", "openai/teacher-loop")
    )
    assert result.exception_info is None
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is True and "stuck detector" in report["loop_reason"]
    assert report["turns"] < report["turn_cap"]
    assert result.verifier_result.rewards["reward"] == 0.0
    assert (row["errors"], row["looping"]) == (0, 1)
