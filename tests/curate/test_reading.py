"""Reading job dirs: every unreadable trial is a counted skip with its reason, the same input
gives the same rows, and a second run reuses the records of trials it has read before."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from support.harbor_jobs import terminus_trajectory, tool_trajectory, write_task, write_trial

import litecoder_harbor.curate.reading as reading
from litecoder_harbor.curate import CurateOptions, curate_sft, trial_dirs
from litecoder_harbor.errors import LitecoderError

INSTRUCTION = "Repair the build in /app so that make succeeds."


@pytest.fixture
def job(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    job = tmp_path / "jobs" / "job-1"
    write_trial(
        job, "build__good", task=task, trajectory=terminus_trajectory(INSTRUCTION, ["make"])
    )
    return job, task


def sft(tmp_path, *jobs, out="out", **options):
    return curate_sft(
        list(jobs),
        CurateOptions(out=tmp_path / out, cache_dir=tmp_path / "cache", plots=False, **options),
    )


def test_every_unreadable_trial_is_a_counted_skip_with_its_reason(job, tmp_path):
    job_dir, task = job
    truncated = write_trial(
        job_dir, "build__cut", task=task, trajectory=terminus_trajectory(INSTRUCTION, ["ls"])
    )
    path = truncated / "agent" / "trajectory.json"
    path.write_bytes(path.read_bytes()[:-40])
    malformed = write_trial(job_dir, "build__bad", task=task, trajectory=None)
    (malformed / "result.json").write_text('{"task_name": 3}')
    write_trial(job_dir, "build__noatif", task=task, trajectory=None, agent="codex")
    write_trial(job_dir, "build__running", task=task, trajectory=None, finished=False)
    (job_dir / "build__started" / "agent").mkdir(parents=True)  # as Harbor starts a trial
    (job_dir / "build__started" / "config.json").write_text("{}")

    result = sft(tmp_path, job_dir)

    assert result.rows == 1
    assert result.summary["skipped"] == {
        "malformed result.json": 1,
        "no ATIF trajectory": 1,
        "truncated trajectory.json": 1,
        "unfinished (no finished_at in result.json)": 1,
        "unfinished (no result.json)": 1,
    }
    assert (
        "agent codex wrote no agent/trajectory.json"
        in result.summary["skip_examples"]["no ATIF trajectory"]
    )


def test_a_malformed_trajectory_that_is_complete_json_is_told_apart_from_a_truncated_one(
    job, tmp_path
):
    job_dir, task = job
    odd = write_trial(
        job_dir, "build__odd", task=task, trajectory=terminus_trajectory(INSTRUCTION, ["ls"])
    )
    (odd / "agent" / "trajectory.json").write_text('{"steps": []}')
    assert sft(tmp_path, job_dir).summary["skipped"] == {"malformed trajectory.json": 1}


def test_a_path_that_is_not_a_job_dir_is_one_error_naming_it(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LitecoderError, match="empty: not a Harbor job dir"):
        trial_dirs([tmp_path / "empty"])
    with pytest.raises(LitecoderError, match="missing: does not exist"):
        trial_dirs([tmp_path / "missing"])


def test_a_folder_of_job_dirs_is_read_like_its_jobs(job, tmp_path):
    job_dir, _ = job
    for name in ("config.json", "result.json", "job.log"):  # a job dir looks like a trial dir
        (job_dir / name).write_text("{}")
    assert trial_dirs([job_dir.parent]) == trial_dirs([job_dir]) == [job_dir / "build__good"]


def test_the_same_input_gives_the_same_rows_and_new_trials_reuse_earlier_records(
    job, tmp_path, monkeypatch
):
    job_dir, task = job
    made = []
    fresh = reading._fresh
    monkeypatch.setattr(
        reading, "_fresh", lambda trial_dir, *a: made.append(trial_dir.name) or fresh(trial_dir, *a)
    )

    first = sft(tmp_path, job_dir, out="first")
    again = sft(tmp_path, job_dir, out="again")
    assert made == ["build__good"]  # the second run read its record from the cache
    rows = lambda r: pq.read_table(r.out / "data").to_pylist()  # noqa: E731
    assert rows(first) == rows(again)

    write_trial(
        job_dir, "build__more", task=task, trajectory=tool_trajectory(INSTRUCTION, ["make"])
    )
    grown = sft(tmp_path, job_dir, out="grown")
    assert made == ["build__good", "build__more"]
    assert rows(grown)[0] == rows(first)[0] and len(rows(grown)) == 2


def test_a_changed_trial_is_read_again(job, tmp_path, monkeypatch):
    job_dir, task = job
    sft(tmp_path, job_dir, out="first")
    write_trial(
        job_dir.parent / "job-2",
        "build__good",
        task=task,
        trajectory=terminus_trajectory(INSTRUCTION, ["make", "ls"]),
    )
    trajectory = job_dir / "build__good" / "agent" / "trajectory.json"
    trajectory.write_bytes(
        (job_dir.parent / "job-2" / "build__good" / "agent" / "trajectory.json").read_bytes()
    )
    assert sft(tmp_path, job_dir, out="second").summary["turns"]["max"] == 4


def test_many_trials_are_read_by_worker_processes_in_order(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    job = tmp_path / "jobs" / "job-1"
    names = [f"build__{i:03d}" for i in range(reading.IN_PROCESS_BELOW + 5)]
    for i, name in enumerate(names):
        write_trial(
            job,
            name,
            task=task,
            trajectory=terminus_trajectory(INSTRUCTION, ["ls"] * (i % 3) + ["make"]),
        )
    result = sft(tmp_path, job, keep_duplicates=True)
    assert pq.read_table(result.out / "data").column("trial").to_pylist() == names
