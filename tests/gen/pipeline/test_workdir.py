"""The LLM pipeline's work directory (resume, atomic writes, refusals, summary, no keys on disk)."""

import itertools
import json
import os
import signal
import time

import pytest
from harbor.models.task.config import PackageInfo, TaskConfig
from harbor.models.task.task import Task
from rich.console import Console

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.pipeline import workdir
from litecoder_harbor.gen.pipeline.records import RunInfo, StageStatus, TaskState, spec_hash
from litecoder_harbor.gen.pipeline.replies import (
    RESOURCE_BOUNDS,
    ReplyError,
    ReplyLimits,
    parse_files,
    parse_resources,
    resources_from_measurements,
)
from litecoder_harbor.gen.pipeline.workdir import WorkDir
from litecoder_harbor.gen.spec import Stage, TaskSlot, load_spec
from litecoder_harbor.llm import ModelConfig, Reply
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.validate import Verdict

RUN = RunInfo(spec_hash="5" * 64, seed=0, n=4)
MODEL = ModelConfig(
    provider="openai",
    model="stand-in",
    api_key_env=None,
    input_price_per_mtok=1.0,
    output_price_per_mtok=4.0,
)
FILE_STAGES = [Stage.REFINEMENT, Stage.ENVIRONMENT, Stage.SOLUTION, Stage.VERIFIER]
SCRIPT = {Stage.REFINEMENT: 1, Stage.ENVIRONMENT: 2, Stage.SOLUTION: 1, Stage.VERIFIER: 3}
"""Rounds each stage of the scripted pipeline takes: all but the last fail."""


def make_slot(index=0, subtopic="log-rotation") -> TaskSlot:
    return TaskSlot(
        index=index,
        slot_id=f"system_admin-{subtopic}-easy-{index:03d}",
        domain=Domain.SYSTEM_ADMIN,
        subtopic=subtopic,
        difficulty=Difficulty.EASY,
    )


def make_draft(stage: Stage, **overrides) -> TaskDraft:
    fields = dict(
        name="rotate-logs",
        instruction=f"Rotate /var/log/app.log (drafted by {stage}).",
        environment={
            "Dockerfile": TaskFile(content="FROM debian:bookworm-slim\nCOPY seed.bin /app/\n"),
            "seed.bin": TaskFile(content=b"\x00\xffbinary"),
        },
        solution="logrotate -f /etc/logrotate.conf\n",
        tests={
            "check.py": TaskFile(content="print('ok')\n"),
            "run.sh": TaskFile(content="true\n", executable=True),
        },
        test_command="python3 -I -S /tests/check.py",
        config=TaskConfig(
            task=PackageInfo(name="litecoder/rotate-logs"), metadata={"stage": str(stage)}
        ),
    )
    fields.update(overrides)
    return TaskDraft(**fields)


def reply(text="ok", input_tokens=1000, output_tokens=200, **extra) -> Reply:
    return Reply(
        text=text,
        finish_reason="stop",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        **extra,
    )


class Killed(Exception):
    """Stands in for the process dying."""


def run_pipeline(root, slot, *, die_after=None):
    """The scripted pipeline: each stage fails every round but its last; returns the
    (stage, round) pairs it ran. `die_after=(stage, round)` raises Killed right after that
    round's exchange is recorded, before its outcome is."""
    handle = WorkDir.open(root, RUN).task(slot)
    ran = []
    for stage in FILE_STAGES:
        if handle.done(stage):
            continue
        start = handle.begin_stage(stage)
        for round_ in range(start.round, SCRIPT[stage]):
            expected_feedback = [f"{stage} round {round_ - 1} failed"] if round_ else []
            assert start.feedback == expected_feedback
            ran.append((stage, round_))
            prompt = [{"role": "user", "content": f"{stage} {round_} {start.feedback}"}]
            handle.record_exchange(prompt, reply(f"{stage} reply {round_}"), model=MODEL)
            if die_after == (stage, round_):
                raise Killed
            if round_ < SCRIPT[stage] - 1:
                start = handle.fail_round([f"{stage} round {round_} failed"])
            else:
                handle.save_draft(make_draft(stage))
                handle.finish_stage(True)
    if not handle.concluded:
        handle.record_verdict(Verdict.SOUND, "oracle 1, nop 0, 9 attacks 0")
    return ran


def task_dir(root, slot):
    return root / "tasks" / slot.slot_id


def exchange_files(root, slot) -> dict[str, bytes]:
    folder = task_dir(root, slot) / "exchanges"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("[!.]*"))} if folder.exists() else {}


def essentials(state: TaskState) -> dict:
    """What a run decides, without the times it took."""
    return {
        "verdict": state.verdict,
        "draft_stage": state.draft_stage,
        "rejection": state.rejection,
        "stages": {
            stage: (record.status, [(r.round, r.passed, r.errors) for r in record.rounds])
            for stage, record in state.stages.items()
        },
    }


# --- resume -------------------------------------------------------------------------------------


def test_resume_after_kill_skips_finished_stages_and_keeps_exchanges(tmp_path):
    slot = make_slot()
    with pytest.raises(Killed):
        run_pipeline(tmp_path, slot, die_after=(Stage.VERIFIER, 1))
    before = exchange_files(tmp_path, slot)
    assert "verifier-1-0.json" in before

    ran = run_pipeline(tmp_path, slot)

    # Finished stages and the finished verifier round are not redone; round 1 restarts.
    assert ran == [(Stage.VERIFIER, 1), (Stage.VERIFIER, 2)]
    after = exchange_files(tmp_path, slot)
    assert all(after[name] == data for name, data in before.items())  # nothing lost or rewritten
    assert "verifier-1-1.json" in after  # the restarted round numbers on
    state = WorkDir.open(tmp_path, RUN).task(slot).state
    assert state.outcome == "accepted"
    verifier = state.stages[Stage.VERIFIER]
    assert verifier.status is StageStatus.PASSED
    assert [r.passed for r in verifier.rounds] == [False, False, True]
    assert verifier.repair_rounds == 2
    assert verifier.exchanges == [f"verifier-{r}.json" for r in ("0-0", "1-0", "1-1", "2-0")]
    assert verifier.usage.calls == 4 and verifier.usage.input_tokens == 4000
    assert verifier.usage.cost_usd == pytest.approx(4 * (1000 * 1 + 200 * 4) / 1e6)


def _dying_replace(kill_at, real_replace):
    """os.replace that SIGKILLs its own process at its kill_at-th call (counted from 0)."""
    calls = itertools.count()

    def replace(*args):
        if next(calls) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(*args)

    return replace


def _fork_until_killed(root, slot, kill_at, real_replace, timeout=60.0):
    """Fork a pipeline run that dies at its kill_at-th rename; its wait status. The test process
    has threads, so a forked child could in principle hang on a lock one of them held: a child
    that outlives `timeout` is killed and the test fails, rather than hanging the suite."""
    pid = os.fork()
    if pid == 0:
        workdir.os.replace = _dying_replace(kill_at, real_replace)
        try:
            run_pipeline(root, slot)
        finally:
            os._exit(0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"the child killed at rename {kill_at} hung for {timeout} s")


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_killed_at_any_write_resumes_to_the_same_task(tmp_path, monkeypatch):
    """SIGKILL the pipeline right before each of its file renames in turn (its temporary file
    written, the old file still in place), then resume: the same outcome, no stage that had
    finished run again, every exchange kept and counted, no debris."""
    slot = make_slot()
    real_replace = os.replace
    renames = []
    monkeypatch.setattr(workdir.os, "replace", lambda *a: renames.append(a) or real_replace(*a))
    run_pipeline(tmp_path / "reference", slot)
    monkeypatch.setattr(workdir.os, "replace", real_replace)
    reference = WorkDir.open(tmp_path / "reference", RUN).task(slot)
    assert len(renames) > 20

    for kill_at in range(len(renames)):
        root = tmp_path / f"kill-{kill_at}"
        status = _fork_until_killed(root, slot, kill_at, real_replace)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, kill_at

        kept = exchange_files(root, slot)
        finished_before = set()
        if (root / "run.json").exists():
            opened = WorkDir.open(root, RUN).task(slot)
            finished_before = {stage for stage in FILE_STAGES if opened.done(stage)}
        ran = run_pipeline(root, slot)
        resumed = WorkDir.open(root, RUN).task(slot)
        assert essentials(resumed.state) == essentials(reference.state), kill_at
        assert resumed.load_draft() == reference.load_draft(), kill_at
        assert not {stage for stage, _ in ran} & finished_before, kill_at
        after = exchange_files(root, slot)
        assert all(after.get(name) == data for name, data in kept.items()), kill_at
        for stage, record in resumed.state.stages.items():
            on_disk = sorted(name for name in after if name.startswith(f"{stage}-"))
            assert sorted(record.exchanges) == on_disk, kill_at
            tokens = sum(json.loads(after[name])["usage"]["input_tokens"] for name in on_disk)
            assert record.usage.input_tokens == tokens, kill_at
        assert not list(root.rglob("*.tmp")) and not list(root.rglob(".tmp-*")), kill_at


# --- atomic writes ------------------------------------------------------------------------------


def test_leftover_temporary_files_do_not_corrupt_state(tmp_path):
    slot = make_slot()
    with pytest.raises(Killed):
        run_pipeline(tmp_path, slot, die_after=(Stage.ENVIRONMENT, 1))
    folder = task_dir(tmp_path, slot)
    state_before = (folder / "state.json").read_bytes()
    # What a kill mid-write leaves: half-written files under temporary names, a half-built draft.
    (folder / ".state.json.k2j4.tmp").write_text('{"slot": {"index": 0, "slot_')
    (folder / "exchanges" / ".environment-1-1.json.x8e1.tmp").write_text('{"stage": "envir')
    (folder / "draft" / ".tmp-3kq").mkdir()
    (folder / "draft" / ".tmp-3kq" / "instruction.md").write_text("half")

    handle = WorkDir.open(tmp_path, RUN).task(slot)

    assert (folder / "state.json").read_bytes() == state_before
    assert [e.round for e in handle.exchanges(Stage.ENVIRONMENT)] == [0, 1]
    assert not list(folder.rglob("*.tmp")) and not (folder / "draft" / ".tmp-3kq").exists()
    assert handle.begin_stage(Stage.ENVIRONMENT).round == 1


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    handle = WorkDir.open(tmp_path, RUN).task(make_slot())
    handle.begin_stage(Stage.REFINEMENT)
    state_file = task_dir(tmp_path, make_slot()) / "state.json"
    before = state_file.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workdir.os, "replace", disk_full)
    with pytest.raises(OSError):
        handle.fail_round(["the instruction never names /app/out.txt"])
    assert state_file.read_bytes() == before
    assert not list(state_file.parent.glob(".*.tmp"))


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seed": 1}, "seed"),
        ({"spec_hash": "6" * 64}, "spec_hash"),
        ({"n": 5}, "n"),
        ({"pipeline_version": 99}, "pipeline_version"),
    ],
)
def test_work_dir_of_another_run_is_refused(tmp_path, change, field):
    run_pipeline(tmp_path, make_slot())
    with pytest.raises(LitecoderError) as caught:
        WorkDir.open(tmp_path, RUN.model_copy(update=change))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'run.json'}: {field} differs")
    assert "--force-new" in message


def test_force_new_keeps_the_old_run_aside(tmp_path):
    run_pipeline(tmp_path, make_slot())
    other = RUN.model_copy(update={"seed": 7})
    fresh = WorkDir.open(tmp_path, other, force_new=True)
    assert fresh.run.seed == 7 and fresh.states() == []
    assert WorkDir.open(tmp_path, other).run.seed == 7
    (archive,) = (tmp_path / "superseded").iterdir()
    assert RunInfo.model_validate_json((archive / "run.json").read_text()).seed == 0
    assert (archive / "tasks" / make_slot().slot_id / "state.json").exists()


def test_run_info_hashes_what_the_spec_says(tmp_path):
    example = load_spec("examples/domains.yaml")
    info = RunInfo.for_spec(example, seed=3)
    assert (info.seed, info.n, info.spec_hash) == (3, example.tasks, spec_hash(example))
    changed = example.model_copy(update={"tasks": example.tasks + 1})
    assert spec_hash(changed) != info.spec_hash


@pytest.mark.parametrize(
    ("corrupt", "field", "message"),
    [
        (
            lambda s: s["stages"]["verifier"].update(status="exploded"),
            "stages.verifier.status",
            "Input should be",
        ),
        (
            lambda s: s["stages"]["solution"]["rounds"][0].pop("passed"),
            "stages.solution.rounds[0].passed",
            "Field required",
        ),
        (lambda s: s.pop("slot"), "slot", "Field required"),
        (lambda s: s.update(surprise=1), "surprise", "Extra inputs are not permitted"),
    ],
)
def test_corrupt_state_is_reported_with_file_and_field(tmp_path, corrupt, field, message):
    slot = make_slot()
    run_pipeline(tmp_path, slot)
    state_file = task_dir(tmp_path, slot) / "state.json"
    state = json.loads(state_file.read_text())
    corrupt(state)
    state_file.write_text(json.dumps(state))
    with pytest.raises(LitecoderError) as caught:
        WorkDir.open(tmp_path, RUN).task(slot)
    assert str(caught.value).startswith(f"{state_file}: {field}: {message}")


def test_state_that_is_not_json_is_reported_with_file(tmp_path):
    slot = make_slot()
    run_pipeline(tmp_path, slot)
    state_file = task_dir(tmp_path, slot) / "state.json"
    state_file.write_text('{"slot": ')
    with pytest.raises(LitecoderError, match=r"state\.json: \(whole file\): Invalid JSON"):
        WorkDir.open(tmp_path, RUN).summary()


def test_corrupt_run_json_is_reported_with_file_and_field(tmp_path):
    WorkDir.open(tmp_path, RUN)
    data = json.loads((tmp_path / "run.json").read_text())
    data["seed"] = "zero"
    (tmp_path / "run.json").write_text(json.dumps(data))
    with pytest.raises(LitecoderError, match=r"run\.json: seed: Input should be a valid integer"):
        WorkDir.open(tmp_path, RUN)


def test_a_finished_stage_cannot_be_begun_again(tmp_path):
    slot = make_slot()
    with pytest.raises(Killed):
        run_pipeline(tmp_path, slot, die_after=(Stage.SOLUTION, 0))
    handle = WorkDir.open(tmp_path, RUN).task(slot)
    with pytest.raises(ValueError, match="already passed"):
        handle.begin_stage(Stage.ENVIRONMENT)
    with pytest.raises(ValueError, match="solution is still running"):
        handle.begin_stage(Stage.VERIFIER)


# --- drafts -------------------------------------------------------------------------------------


def test_drafts_read_back_exactly_and_only_a_passed_stage_feeds_the_next(tmp_path):
    slot = make_slot()
    handle = WorkDir.open(tmp_path, RUN).task(slot)
    handle.begin_stage(Stage.ENVIRONMENT)
    environment = make_draft(Stage.ENVIRONMENT)
    folder = handle.save_draft(environment)
    assert handle.load_draft() is None  # the stage has not passed yet
    handle.finish_stage(True)
    assert handle.load_draft() == environment
    assert Task.is_valid_dir(folder)
    assert (folder / "environment" / "seed.bin").read_bytes() == b"\x00\xffbinary"
    assert os.access(folder / "tests" / "run.sh", os.X_OK)

    handle.begin_stage(Stage.SOLUTION)
    handle.save_draft(make_draft(Stage.SOLUTION, solution="half a solution\n"))
    resumed = WorkDir.open(tmp_path, RUN).task(slot)  # as after a kill mid-stage
    assert resumed.load_draft() == environment  # the restarted stage gets its input again
    assert resumed.load_draft(Stage.SOLUTION).solution == "half a solution\n"
    laid_out = resumed.folder / "draft" / resumed.state.draft_stage  # draft/<stage>/
    assert laid_out == folder and Task.is_valid_dir(laid_out)


# --- summary ------------------------------------------------------------------------------------


def _stage_once(handle, stage, *, passed=True, tokens=(500, 100), cached=False):
    handle.begin_stage(stage)
    handle.record_exchange(
        [{"role": "user", "content": str(stage)}],
        reply(input_tokens=tokens[0], output_tokens=tokens[1], cached=cached),
        model=MODEL,
    )
    if passed:
        handle.finish_stage(True)


def test_summary_figures_add_up(tmp_path):
    run_pipeline(tmp_path, make_slot(0, "accepted"))  # 1 + 2 + 1 + 3 rounds of 1000/200 tokens
    work = WorkDir.open(tmp_path, RUN)
    failed_env = work.task(make_slot(1, "failed-env"))
    _stage_once(failed_env, Stage.REFINEMENT)
    _stage_once(failed_env, Stage.ENVIRONMENT, passed=False)
    failed_env.fail_round(["COPY source 'data.csv' not in environment/"])
    failed_env.record_exchange("again", reply(input_tokens=500, output_tokens=100), model=MODEL)
    failed_env.finish_stage(False, errors=["COPY source 'data.csv' not in environment/"])
    gameable = work.task(make_slot(2, "gameable"))
    for stage in FILE_STAGES:
        _stage_once(gameable, stage)
    gameable.record_verdict(Verdict.GAMEABLE, "won by echo")
    running = work.task(make_slot(3, "running"))
    _stage_once(running, Stage.REFINEMENT)
    _stage_once(running, Stage.ENVIRONMENT, passed=False, cached=True)
    infeasible = work.task(make_slot(4, "infeasible"))
    _stage_once(infeasible, Stage.JUDGE, passed=False)
    infeasible.reject("judge: infeasible", "needs a GPU")

    summary = WorkDir.open(tmp_path, RUN).summary()

    assert (summary.tasks, summary.accepted, summary.rejected, summary.in_progress) == (5, 1, 3, 1)
    assert summary.rejections == {
        "environment failed": 1,
        "verdict gameable": 1,
        "judge: infeasible": 1,
    }
    by_stage = {s.stage: s for s in summary.stages}
    expected = {  # reached, passed, failed, running, repair rounds, input tokens
        Stage.SAMPLING: (0, 0, 0, 0, 0, 0),
        Stage.JUDGE: (1, 0, 1, 0, 0, 500),
        Stage.REFINEMENT: (4, 4, 0, 0, 0, 1000 + 3 * 500),
        Stage.ENVIRONMENT: (4, 2, 1, 1, 2, 2000 + 1000 + 500 + 0),
        Stage.SOLUTION: (2, 2, 0, 0, 0, 1000 + 500),
        Stage.VERIFIER: (2, 2, 0, 0, 2, 3000 + 500),
        Stage.RESOURCES: (0, 0, 0, 0, 0, 0),
    }
    for stage, (reached, passed, failed, running_, repairs, tokens) in expected.items():
        s = by_stage[stage]
        assert (s.reached, s.passed, s.failed, s.running) == (reached, passed, failed, running_)
        assert (s.repair_rounds, s.usage.input_tokens) == (repairs, tokens), stage
    assert by_stage[Stage.ENVIRONMENT].pass_rate == pytest.approx(2 / 3)
    assert by_stage[Stage.ENVIRONMENT].mean_repair_rounds == pytest.approx(2 / 3)
    assert by_stage[Stage.ENVIRONMENT].usage.cached_calls == 1
    assert by_stage[Stage.VERIFIER].mean_repair_rounds == 1.0
    assert by_stage[Stage.SAMPLING].pass_rate is None
    # the totals are the sum of every exchange kept on disk
    exchanges = [json.loads(p.read_text()) for p in tmp_path.glob("tasks/*/exchanges/*.json")]
    assert summary.usage.calls == len(exchanges) == 7 + 3 + 4 + 2 + 1
    assert summary.usage.input_tokens == sum(e["usage"]["input_tokens"] for e in exchanges)
    assert summary.usage.cost_usd == pytest.approx(sum(e["usage"]["cost_usd"] for e in exchanges))
    assert summary.seconds == pytest.approx(sum(s.seconds for s in summary.stages))

    console = Console(record=True, width=200)
    console.print(summary.render())
    text = console.export_text()
    assert "5 task(s): 1 accepted, 3 rejected, 1 in progress" in text
    row = next(line for line in text.splitlines() if "│ environment" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[:9] == ["environment", "4", "2", "1", "1", "67%", "0.67", "3,500", "700"]
    assert "judge: infeasible" in text


# --- secrets ------------------------------------------------------------------------------------


def test_api_key_values_never_reach_the_disk(tmp_path, monkeypatch):
    secrets = {
        "OPENAI_API_KEY": "sk-proj-Aa1Bb2Cc3Dd4Ee5Ff6Gg7",
        "ANTHROPIC_API_KEY": "sk-ant-api03-Zz9Yy8Xx7Ww6",
        "VENDOR_TOKEN": "vt-9f8e7d6c5b4a3210",  # named by the spec as a model's api_key_env
        "ACME_API_KEY": "acme-0123456789abcdef",  # any *_API_KEY counts
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    leak = " and ".join(secrets.values())
    work = WorkDir.open(tmp_path, RUN, secret_envs=["VENDOR_TOKEN"])
    handle = work.task(make_slot())
    handle.begin_stage(Stage.ENVIRONMENT)
    handle.record_exchange([{"role": "system", "content": f"key {leak}"}], reply(f"echo {leak}"))
    handle.record_exchange(f"raw prompt {leak}", reply(leak), model=MODEL)
    environment = {
        "Dockerfile": TaskFile(content=f"FROM debian:bookworm-slim\nENV KEY={leak}\n"),
        "seed.bin": TaskFile(content=b"\x00" + leak.encode()),
    }
    handle.save_draft(make_draft(Stage.ENVIRONMENT, instruction=leak, environment=environment))
    handle.fail_round([f"the build printed {leak}"])
    handle.reject(f"gave up on {leak}", detail=leak)

    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(written) >= 8
    for path in written:
        data = path.read_bytes()
        for name, value in secrets.items():
            assert value.encode() not in data, f"{name} in {path}"
    exchange = (task_dir(tmp_path, make_slot()) / "exchanges" / "environment-0-0.json").read_text()
    assert "key [redacted OPENAI_API_KEY] and [redacted ANTHROPIC_API_KEY]" in exchange
    assert (
        b"[redacted ACME_API_KEY]"
        in handle.load_draft(Stage.ENVIRONMENT).environment["seed.bin"].content
    )


# --- replies: files -----------------------------------------------------------------------------

ENVIRONMENT_REPLY = """\
The image installs nothing beyond the base; the log comes from the build context.

```dockerfile path=environment/Dockerfile
FROM debian:bookworm-slim
WORKDIR /app
COPY app.log /var/log/app.log
COPY rotate.conf /etc/rotate.conf
```

### environment/app.log
```
2024-01-01 start
```

**`environment/rotate.conf`**

```conf
keep 3
```
"""


def test_reply_blocks_are_read_in_every_labelling():
    parsed = parse_files(ENVIRONMENT_REPLY, Stage.ENVIRONMENT)
    assert sorted(parsed.files) == [
        "environment/Dockerfile",
        "environment/app.log",
        "environment/rotate.conf",
    ]
    assert parsed.files["environment/app.log"].content == "2024-01-01 start\n"
    assert parsed.warnings == []
    more = parse_files(
        "```bash:solution/solve.sh\n#!/bin/bash\nlogrotate -f /etc/rotate.conf\n```\n"
        "```python file='solution/helper.py'\nprint(1)\n```\n"
        "```solution/data.txt\nx\n```\n"
        "**File: solution/notes.md**\n\n```\nnotes\n```\n",
        Stage.SOLUTION,
    )
    assert more.files["solution/solve.sh"] == TaskFile(
        content="#!/bin/bash\nlogrotate -f /etc/rotate.conf\n", executable=True
    )
    assert more.files["solution/helper.py"].executable is False
    assert more.files["solution/data.txt"].content == "x\n"
    assert more.files["solution/notes.md"].content == "notes\n"


def test_fences_inside_a_file_stay_in_the_file():
    instruction = "Rotate the log.\n\n```bash\nls /var/log\n```\n\nKeep three copies.\n"
    nested = parse_files(f"```markdown path=instruction.md\n{instruction}```\n", Stage.REFINEMENT)
    longer = parse_files(f"````markdown path=instruction.md\n{instruction}````\n", Stage.REFINEMENT)
    assert nested.files["instruction.md"].content == instruction
    assert longer.files["instruction.md"].content == instruction


def test_parsed_replies_fill_the_draft():
    draft = make_draft(Stage.REFINEMENT)
    draft = parse_files(ENVIRONMENT_REPLY, Stage.ENVIRONMENT).apply(draft)
    assert sorted(draft.environment) == ["Dockerfile", "app.log", "rotate.conf"]
    draft = parse_files(
        "```bash path=solution/solve.sh\ncp x y\n```\n```text path=solution/notes.txt\nn\n```\n",
        Stage.SOLUTION,
    ).apply(draft)
    assert (draft.solution, list(draft.solution_files)) == ("cp x y\n", ["notes.txt"])
    draft = parse_files(
        "```python path=tests/check.py\nimport verifier_kit\n```\n", Stage.VERIFIER
    ).apply(draft)
    assert sorted(draft.tests) == ["check.py", "verifier_kit.py"]
    assert draft.test_command == "python3 -I -S /tests/check.py"
    draft = parse_files("```md path=instruction.md\nDo it.\n```", Stage.REFINEMENT).apply(draft)
    assert draft.instruction == "Do it.\n"


def test_static_warnings_come_back_without_refusing():
    reply = "```dockerfile path=environment/Dockerfile\nFROM debian\nRUN pip install numpy\n```"
    parsed = parse_files(reply, Stage.ENVIRONMENT)
    assert parsed.warnings == [
        "environment/Dockerfile line 2: pip package 'numpy' has no ==version "
        "(packages installed in the image must be pinned (pip ==, npm @version; no curl | sh))"
    ]


DOCKERFILE = "```dockerfile path=environment/Dockerfile\nFROM debian\n```\n"
SOLVE = "```bash path=solution/solve.sh\necho done\n```\n"
CHECK = "```python path=tests/check.py\nprint(1)\n```\n"


@pytest.mark.parametrize(
    ("stage", "reply", "feedback"),
    [
        (
            Stage.SOLUTION,
            "Run `echo done` and you are finished.",
            "your reply had no fenced code blocks: send each file as a fenced block labelled "
            "with its path, e.g. ```bash path=solution/solve.sh",
        ),
        (
            Stage.SOLUTION,
            "Here:\n```bash\necho done\n```\n",
            "your reply had no fenced block for solution/solve.sh (it had 1 fenced block(s) "
            "without a path, the first at line 2: label each file's block, e.g. "
            "```bash path=solution/solve.sh)",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + "```text path=/app/data.csv\na\n```\n",
            "/app/data.csv is an absolute path: label each block with the file's path inside "
            "the task, e.g. environment/Dockerfile",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + "```text path=environment/../tests/x.py\na\n```\n",
            "environment/../tests/x.py climbs out of its folder with '..': name files inside "
            "the task",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + CHECK,
            "the environment stage writes only files under environment/; leave tests/check.py "
            "out (tests are written later and must never be part of the image)",
        ),
        (
            Stage.SOLUTION,
            SOLVE + CHECK,
            "the solution stage writes only files under solution/; leave tests/check.py out "
            "(the solution must not see or change the tests)",
        ),
        (
            Stage.VERIFIER,
            CHECK + "```bash path=tests/test.sh\nexit 0\n```\n",
            "tests/test.sh is generated by the pipeline (it clears stale rewards, then runs "
            "`python3 -I -S /tests/check.py`): write the checker as tests/check.py",
        ),
        (
            Stage.VERIFIER,
            CHECK + "```python path=tests/verifier_kit.py\nx = 1\n```\n",
            "tests/verifier_kit.py is supplied by the pipeline: import it in tests/check.py "
            "instead of writing it",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + "```toml path=task.toml\n[agent]\n```\n",
            "task.toml is written by the pipeline; leave it out",
        ),
        (
            Stage.ENVIRONMENT,
            "```dockerfile path=Dockerfile\nFROM debian\n```\n",
            "Dockerfile is not a path inside the task: label each block with its path from the "
            "task's root (instruction.md, environment/..., solution/..., tests/...), e.g. "
            "environment/Dockerfile",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + '```text path="environment/my data.csv"\na\n```\n',
            "'environment/my data.csv': file paths must not contain spaces or control characters",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + "```text path=environment\\data.csv\na\n```\n",
            "environment\\data.csv: write paths with forward slashes",
        ),
        (
            Stage.SOLUTION,
            SOLVE + SOLVE.replace("done", "twice"),
            "your reply has two blocks for solution/solve.sh (lines 1 and 4): send each file once",
        ),
        (
            Stage.SOLUTION,
            "```bash path=solution/solve.sh\necho done\n",
            "the block for solution/solve.sh (line 1) is never closed: end it with a line "
            "holding only ```",
        ),
        (
            Stage.SOLUTION,
            "```bash path=solution/solve.sh\n\n```\n",
            "solution/solve.sh is empty",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + "```text path=environment/blob\na\x00b\n```\n",
            "environment/blob contains NUL characters: send text files only",
        ),
        (
            Stage.ENVIRONMENT,
            "```dockerfile path=environment/Dockerfile\nFROM debian\nCOPY tests/ /tests/\n```",
            "environment/Dockerfile line 2: COPY tests/ (tests and solution must never be "
            "copied into the image)",
        ),
        (
            Stage.ENVIRONMENT,
            "```dockerfile path=environment/Dockerfile\nFROM debian\nCOPY data.csv /app/\n```",
            "environment/Dockerfile line 2: COPY source 'data.csv' not in environment/ (every "
            "file a Dockerfile COPY/ADD names must exist in environment/)",
        ),
        (
            Stage.ENVIRONMENT,
            DOCKERFILE + "```python path=environment/tests/check.py\nx\n```\n",
            "environment/tests: environment/tests/ is inside the build context (tests and "
            "solution must never be copied into the image)",
        ),
        (
            Stage.VERIFIER,
            CHECK + "```bash path=tests/prepare.sh\ncurl -sO https://example.com/x\n```\n",
            "tests/prepare.sh line 1: `curl` fetches from the network while grading (grading "
            "must not download anything (apt, pip, uv, curl, ...))",
        ),
    ],
)
def test_unusable_replies_are_refused_with_feedback_for_the_model(stage, reply, feedback):
    with pytest.raises(ReplyError) as caught:
        parse_files(reply, stage)
    assert str(caught.value) == feedback


def test_every_problem_of_a_reply_is_reported_at_once():
    reply = "```bash\necho\n```\n" + CHECK + "```text path=solution/../notes\nx\n```\n"
    with pytest.raises(ReplyError) as caught:
        parse_files(reply, Stage.SOLUTION)
    assert len(caught.value.reasons) == 3
    message = str(caught.value)
    assert message.startswith("your reply has 3 problems:\n- the solution stage writes only ")
    assert "\n- solution/../notes climbs out of its folder with '..'" in message
    assert "\n- your reply had no fenced block for solution/solve.sh (it had 1 fenced " in message


def test_a_reply_cut_off_at_the_length_limit_says_so():
    cut = Reply(
        text="```bash path=solution/solve.sh\necho do",
        finish_reason="length",
        input_tokens=1,
        output_tokens=8192,
    )
    with pytest.raises(ReplyError, match="^your reply was cut off at the length limit inside "):
        parse_files(cut, Stage.SOLUTION)


def test_size_limits():
    big = DOCKERFILE + "```text path=environment/a.csv\n" + "x" * 120 + "\n```\n"
    with pytest.raises(ReplyError) as caught:
        parse_files(big, Stage.ENVIRONMENT, limits=ReplyLimits(max_file_bytes=100))
    assert caught.value.reasons == [
        "environment/a.csv is 121 bytes; a file may have at most 100: generate large inputs "
        "in a script or a RUN step instead of pasting them"
    ]
    many = DOCKERFILE + "".join(
        f"```text path=environment/{name}.txt\n{'y' * 60}\n```\n" for name in "ab"
    )
    with pytest.raises(ReplyError) as caught:
        parse_files(many, Stage.ENVIRONMENT, limits=ReplyLimits(max_files=2, max_total_bytes=130))
    assert caught.value.reasons == [
        "your files add up to 134 bytes; a reply may write at most 130",
        "your reply writes 3 files; at most 2",
    ]
    assert parse_files(
        many, Stage.ENVIRONMENT, limits=ReplyLimits(max_files=3, max_total_bytes=134)
    )


def test_paths_through_a_symlink_in_the_task_are_refused(tmp_path):
    (tmp_path / "environment").mkdir()
    (tmp_path / "environment" / "data").symlink_to("/etc")
    reply = DOCKERFILE + "```text path=environment/data/passwd\nroot::0:0\n```\n"
    with pytest.raises(ReplyError) as caught:
        parse_files(reply, Stage.ENVIRONMENT, root=tmp_path)
    assert str(caught.value) == (
        "environment/data/passwd goes through environment/data, a symbolic link in the task; "
        "write plain files"
    )
    assert parse_files(reply, Stage.ENVIRONMENT).files  # no task dir: nothing to go through


# --- replies: resources -------------------------------------------------------------------------


def test_resources_follow_the_measured_runs():
    quick = resources_from_measurements(
        oracle_seconds=5, build_seconds=40, difficulty=Difficulty.EASY
    )
    assert (quick.cpus, quick.memory_mb, quick.storage_mb) == (1, 1024, 4096)
    timeouts = ("build_timeout_sec", "agent_timeout_sec", "verifier_timeout_sec")
    assert [getattr(quick, t) for t in timeouts] == [600, 600, 120]  # the difficulty's usual
    assert quick.adjustments == []
    slow = resources_from_measurements(300, 400, Difficulty.HARD)
    assert [getattr(slow, t) for t in timeouts] == [1200, 3000, 900]  # margins over measurements
    huge = resources_from_measurements(2000, 5000, Difficulty.MEDIUM)
    assert [getattr(huge, t) for t in timeouts] == [RESOURCE_BOUNDS[t][1] for t in timeouts]
    assert huge.adjustments == [
        "build_timeout_sec 15000 lowered to 3600, the most a task may ask for",
        "agent_timeout_sec 20000 lowered to 7200, the most a task may ask for",
        "verifier_timeout_sec 6000 lowered to 1800, the most a task may ask for",
    ]
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="oracle_seconds must be a finite number"):
            resources_from_measurements(bad, 10, Difficulty.EASY)


MEASURED = resources_from_measurements(60, 100, Difficulty.MEDIUM)  # agent 1200 s, verifier 180 s


def test_resource_replies_are_clamped_and_never_under_the_measurements():
    reply = (
        "A little more memory helps.\n```json\n"
        + json.dumps(
            {
                "cpus": 16,
                "memory_mb": "4096",
                "storage_mb": 100,
                "agent_timeout_sec": 900,
                "verifier_timeout_sec": 600,
                "difficulty": "hard",
                "tags": ["Log Rotation", "logrotate", "log_rotation", "  ", "x" * 50],
                "rationale": "ignored",
            }
        )
        + "\n```\n"
    )
    resources = parse_resources(reply, MEASURED)
    assert (resources.cpus, resources.memory_mb, resources.storage_mb) == (8, 4096, 1024)
    assert (resources.agent_timeout_sec, resources.verifier_timeout_sec) == (1200, 600)
    assert resources.build_timeout_sec == MEASURED.build_timeout_sec  # left out: measured
    assert resources.difficulty is Difficulty.HARD
    assert resources.tags == ["log-rotation", "logrotate", "x" * 32]
    assert resources.adjustments == [
        "cpus 16 lowered to 8, the most a task may ask for",
        "storage_mb 100 raised to 1024, the least a task gets",
        "agent_timeout_sec 900 raised to 1200, the least the measured run and the difficulty allow",
    ]
    assert parse_resources("{}", MEASURED) == MEASURED
    assert parse_resources('Try {"cpus": 2} please.', MEASURED).cpus == 2


def test_resources_go_into_task_toml():
    config = TaskConfig(metadata={"tags": ["system_admin"], "category": "system_admin"})
    resources = parse_resources('{"cpus": 2, "tags": ["logs"]}', MEASURED)
    written = TaskConfig.model_validate_toml(resources.apply(config).model_dump_toml())
    assert (written.environment.cpus, written.environment.memory_mb) == (2, MEASURED.memory_mb)
    assert written.environment.build_timeout_sec == MEASURED.build_timeout_sec
    assert (written.agent.timeout_sec, written.verifier.timeout_sec) == (1200, 180)
    assert written.metadata == {
        "tags": ["logs", "system_admin"],
        "category": "system_admin",
        "difficulty": "medium",
    }
    assert config.environment.cpus is None  # the original is left alone


@pytest.mark.parametrize(
    ("reply", "reasons"),
    [
        (
            "Two CPUs should do.",
            [
                "your reply had no JSON object: answer with one ```json block holding cpus, "
                "memory_mb, storage_mb, build_timeout_sec, agent_timeout_sec, "
                "verifier_timeout_sec, difficulty, tags"
            ],
        ),
        (
            '```json\n{"cpus": 2,\n "memory_mb": }\n```',
            [
                "the JSON in your reply does not parse: Expecting value at line 2, column 15 of "
                "its ```json block; answer with one JSON object"
            ],
        ),
        (
            '{"cpus": "two", "memory_mb": 4.5, "agent_timeout_sec": NaN, "difficulty": "brutal"}',
            [
                "cpus: input should be a valid integer, unable to parse string as an integer "
                '(got "two")',
                "memory_mb: input should be a valid integer, got a number with a fractional part "
                "(got 4.5)",
                "agent_timeout_sec: input should be a finite number (got NaN)",
                "difficulty: input should be 'easy', 'medium' or 'hard' (got \"brutal\")",
            ],
        ),
    ],
)
def test_unusable_resource_replies_are_refused_with_feedback(reply, reasons):
    with pytest.raises(ReplyError) as caught:
        parse_resources(reply, MEASURED)
    assert caught.value.reasons == reasons
