"""`litecoder collect` end to end: the Terminus-2, OpenHands and Claude Code scaffolds against
the scripted teacher (`litecoder teacher serve`), through Harbor on the local Docker engine; and
the recording of each trial's model requests, compared with what the teacher received."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import LITECODER, bare_task, run_cli
from harbor.models.trial.result import TrialResult
from support.interrupt import assert_clean_interruption, interrupt_once_running

from litecoder_harbor.chat import Conversation
from litecoder_harbor.collect import recorded_conversation
from litecoder_harbor.collect.plan import default_config_path
from litecoder_harbor.collect.protocols import conversation as protocol_conversation
from litecoder_harbor.collect.recording import RECORDINGS
from litecoder_harbor.scaffolds.claude_code import CLAUDE_CODE_VERSION
from litecoder_harbor.scaffolds.openhands import OPENHANDS_VERSION

pytestmark = pytest.mark.docker

CANARY_KEY = "sk-canary-0123456789abcdef"
TRIXIE = "debian:trixie-slim"


@pytest.fixture(scope="module")
def three_tasks(tmp_path_factory, docker_ready) -> Path:
    from litecoder_harbor.gen.templates import iter_template_drafts
    from litecoder_harbor.tasks.writer import write_task

    out = tmp_path_factory.mktemp("collect") / "tasks"
    out.mkdir()
    for draft in iter_template_drafts(3, 1, difficulty="easy"):
        write_task(draft, out)
    return out


@contextlib.contextmanager
def serve_teacher(tasks: Path, host: str = "127.0.0.1"):
    """`litecoder teacher serve` on a free port, as a user starts it, logging the requests it
    receives to `received(log)`; yields (url, log path)."""
    log = tasks.parent / f"teacher-{host}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(LITECODER), "teacher", "serve", "--tasks", str(tasks), "--host", host,
             "--port", "0", "--log-requests", str(log.with_suffix(".jsonl"))],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (url := re.search(r"on (http://\S+/v1)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url.group(1), log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def teacher(three_tasks):
    with serve_teacher(three_tasks) as served:
        yield served


def collect(
    tasks: Path, out: Path, url: str, *extra: str, model="openai/teacher", scaffold="terminus-2"
):
    key = "ANTHROPIC_API_KEY" if scaffold == "claude-code" else "OPENAI_API_KEY"
    return run_cli(
        "collect", "--tasks", str(tasks), "--model", model, "--api-base", url,
        "--mix", f"{scaffold}=1", "--out", str(out), *extra,
        env={key: CANARY_KEY},
    )  # fmt: skip


def trials(out: Path, scaffold="terminus-2") -> list[Path]:
    return sorted(p.parent for p in out.glob(f"collect-{scaffold}-*/*/result.json"))


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


def received(log: Path) -> list[dict]:
    """The model calls the teacher has received so far, in order, each with its reply."""
    path = log.with_suffix(".jsonl")
    entries = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [e for e in entries if e["path"].endswith(("/chat/completions", "/messages"))]


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


def test_terminus_collects_solved_valid_trajectories_and_resumes(three_tasks, teacher, tmp_path):
    url, log = teacher
    out = tmp_path / "jobs"
    earlier = len(received(log))
    proc = collect(three_tasks, out, url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = received(log)[earlier:]
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


def test_a_looping_teacher_is_stopped_and_marked(three_tasks, teacher, tmp_path):
    url, log = teacher
    one_task = tmp_path / "tasks"
    one_task.mkdir()
    first = sorted(three_tasks.iterdir())[0]
    os.symlink(first, one_task / first.name)
    out = tmp_path / "jobs"
    proc = collect(one_task, out, url, model="openai/teacher-loop")
    assert proc.returncode == 0, proc.stdout + proc.stderr
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


def task_with_agent(three_tasks: Path, scaffold: str, base: str, steps: list[str]) -> Path:
    """The data-science task of `three_tasks` on an image that has the scaffold's agent baked
    in at its pinned version, as a user prepares images for air-gapped runs (`install:
    never`): the domain's packages on `base`, then `steps`. The image is tagged, so Harbor's
    per-trial clean-up keeps it. Returns the folder holding the task."""
    from litecoder_harbor.containers.daemon import docker_client
    from litecoder_harbor.tasks.conventions import BASE_IMAGE, Domain, dockerfile_prefix

    prefix = dockerfile_prefix(Domain("data_science"))
    recipe = prefix.replace(f"FROM {BASE_IMAGE}\n", f"FROM {base}\n") + "".join(
        f"{step}\n" for step in steps
    )
    image = f"litecoder-test/{scaffold}:agent"
    docker_client().images.build(
        fileobj=io.BytesIO(recipe.encode()), tag=image, pull=False, rm=True
    )
    [source] = [t for t in three_tasks.iterdir() if "data_science" in (t / "task.toml").read_text()]
    task = shutil.copytree(source, three_tasks.parent / f"{scaffold}-tasks" / source.name)
    dockerfile = task / "environment" / "Dockerfile"
    assert dockerfile.read_text().startswith(prefix)
    dockerfile.write_text(f"FROM {image}\nWORKDIR /app\n" + dockerfile.read_text()[len(prefix) :])
    return task.parent


@pytest.fixture(scope="module")
def claude_code_task(three_tasks) -> Path:
    from litecoder_harbor.scaffolds import ClaudeCode
    from litecoder_harbor.tasks.conventions import BASE_IMAGE

    return task_with_agent(three_tasks, "claude-code", BASE_IMAGE, [
        "RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm"
        " && rm -rf /var/lib/apt/lists/*",
        f"RUN {ClaudeCode.HOW_TO_BAKE_IN}",
    ])  # fmt: skip


@pytest.fixture(scope="module")
def openhands_task(three_tasks) -> Path:
    """OpenHands needs Python >= 3.12: Debian trixie's, with uv from PyPI (Harbor's installer
    fetches both from hosts the containers here cannot reach)."""
    from litecoder_harbor.containers.images import ensure_image
    from litecoder_harbor.scaffolds import OpenHands

    ensure_image(TRIXIE)
    return task_with_agent(three_tasks, "openhands", TRIXIE, [
        "RUN apt-get update && apt-get install -y --no-install-recommends python3-venv"
        " python3-dev build-essential git procps && rm -rf /var/lib/apt/lists/*",
        "RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir uv"
        " && ln -s /opt/uv/bin/uv /usr/local/bin/uv",
        # uv's own certificate store lacks a TLS-inspecting proxy's CA that the system trusts
        "ENV UV_NATIVE_TLS=1 LITELLM_LOCAL_MODEL_COST_MAP=True",
        f"RUN {OpenHands.HOW_TO_BAKE_IN}",
    ])  # fmt: skip


@pytest.fixture(scope="module")
def bridge_teacher(three_tasks):
    """The teacher where the containers reach it: OpenHands and Claude Code call the model
    from inside the task container."""
    with serve_teacher(three_tasks, host="docker-bridge") as served:
        yield served


def required_in_image(folder: Path, scaffold: str, **kwargs: object) -> Path:
    """The shipped scaffold config with the scaffold's agent required in the image."""
    config = yaml.safe_load(default_config_path().read_text())
    config["scaffolds"][scaffold]["kwargs"].update(install="never", **kwargs)
    path = folder / "teacher.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def collect_one(
    tasks: Path, url: str, tmp_path: Path, scaffold: str, model: str, **kwargs: object
) -> tuple[Path, TrialResult, dict]:
    """`collect` on one task with the scaffold's agent required in the image: the jobs folder,
    the trial's result and the scaffold's summary row."""
    out = tmp_path / "jobs"
    config = required_in_image(tmp_path, scaffold, **kwargs)
    proc = collect(tasks, out, url, "--config", str(config), model=model, scaffold=scaffold)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [trial] = trials(out, scaffold)
    [row] = json.loads((out / "summary.json").read_text())["scaffolds"]
    return out, TrialResult.model_validate_json((trial / "result.json").read_text()), row


@pytest.mark.parametrize(
    ("scaffold", "model", "version", "calls"),
    [
        ("claude-code", "anthropic/teacher", CLAUDE_CODE_VERSION, ["Bash", "Bash"]),
        ("openhands", "openai/teacher", OPENHANDS_VERSION, ["execute_bash", "execute_bash", "finish"]),
    ],
)  # fmt: skip
def test_in_container_scaffold_collects_a_solved_valid_trajectory(
    scaffold, model, version, calls, request, bridge_teacher, tmp_path
):
    tasks = request.getfixturevalue(f"{scaffold.replace('-', '_')}_task")
    earlier = len(received(bridge_teacher[1]))
    out, result, row = collect_one(tasks, bridge_teacher[0], tmp_path, scaffold, model)
    model_calls = received(bridge_teacher[1])[earlier:]
    assert (row["trials"], row["solved"], row["errors"], row["looping"]) == (1, 1, 0, 0), row
    assert result.verifier_result.rewards["reward"] == 1.0
    assert (result.agent_info.name, result.agent_info.version) == (f"litecoder-{scaffold}", version)
    print(f"\nwall per {scaffold} trial with the scripted teacher: {wall(result):.1f} s")
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is False and report["turns"] == 3  # lay out, run, declare done
    trajectory = assert_valid_trajectory(Path(row["job_dir"]) / result.trial_name)
    tool_calls = [c for s in trajectory["steps"] for c in s.get("tool_calls") or []]
    assert [c["function_name"] for c in tool_calls] == calls
    assert tool_calls[1]["arguments"]["command"].startswith("bash /solution/solve.sh;")
    trial = Path(row["job_dir"]) / result.trial_name
    conversation = assert_recorded_as_received(trial, model_calls)
    # the system prompt and the tool definitions ATIF leaves out
    assert conversation.messages[0].role == "system" and conversation.messages[0].content
    assert set(calls) <= {tool["function"]["name"] for tool in conversation.tools}
    assert [c.function.name for m in conversation.messages for c in m.tool_calls] == calls
    assert_no_key_written(out)


def test_claude_code_looping_teacher_ends_at_the_turn_cap_and_is_marked(
    claude_code_task, bridge_teacher, tmp_path
):
    _, result, row = collect_one(
        claude_code_task, bridge_teacher[0], tmp_path, "claude-code", "anthropic/teacher-loop",
        max_turns=7,
    )  # fmt: skip
    assert result.exception_info is None  # the cap ends the episode; it is not a failure
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is True and "5 times in a row" in report["loop_reason"]
    assert report["turns"] == report["turn_cap"] == 7
    assert result.verifier_result.rewards["reward"] == 0.0
    assert (row["errors"], row["looping"]) == (0, 1)


def test_openhands_stuck_detector_ends_a_looping_teacher_and_it_is_marked(
    openhands_task, bridge_teacher, tmp_path
):
    _, result, row = collect_one(
        openhands_task, bridge_teacher[0], tmp_path, "openhands", "openai/teacher-loop"
    )
    assert result.exception_info is None
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is True and "stuck detector" in report["loop_reason"]
    assert report["turns"] < report["turn_cap"]
    assert result.verifier_result.rewards["reward"] == 0.0
    assert (row["errors"], row["looping"]) == (0, 1)
