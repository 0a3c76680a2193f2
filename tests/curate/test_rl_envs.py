"""RL environments: a tasks/ tree TRL's HarborSpec loads, an index with verdicts and pass rates,
and only sound tasks unless asked otherwise."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest
from support.harbor_jobs import terminus_trajectory, write_task, write_trial

from litecoder_harbor.curate import CurateOptions, content_digest, curate_rl_envs, export_tasks_tree
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.validate import TaskReport, ValidationReport, Verdict


@pytest.fixture
def setup(tmp_path):
    tasks = tmp_path / "tasks"
    sound = write_task(
        tasks, "sound-task", "Fix the build in /app.", domain="build_tools", family="make"
    )
    gameable = write_task(tasks, "gameable-task", "Write /app/out.txt.")
    fresh = write_task(tmp_path / "more", "fresh-task", "Sort /data/in.csv into /data/out.csv.")
    job = tmp_path / "jobs" / "job"
    write_trial(job, "sound-task__1", task=sound, trajectory=terminus_trajectory("x", ["make"]))
    write_trial(
        job, "sound-task__2", task=sound, reward=0.0, trajectory=terminus_trajectory("x", ["ls"])
    )
    write_trial(
        job, "gameable-task__1", task=gameable, trajectory=terminus_trajectory("x", ["true"])
    )
    report = ValidationReport(
        job_dir=None, environment="docker", attacks=[], seconds=1.0,
        tasks=[TaskReport(task="sound-task", task_dir=sound, verdict=Verdict.SOUND),
               TaskReport(task="gameable-task", task_dir=gameable, verdict=Verdict.GAMEABLE)],
    )  # fmt: skip
    (tmp_path / "validation.json").write_text(report.model_dump_json())
    return tmp_path, fresh


def envs(tmp_path, paths, **kwargs):
    options = CurateOptions(out=tmp_path / "out", cache_dir=None, plots=False)
    result = curate_rl_envs(
        paths, options, validation_reports=[tmp_path / "validation.json"], **kwargs
    )
    return result, pq.read_table(result.out / "data").to_pylist()


def test_only_sound_tasks_go_in_with_their_index_row_and_harbor_spec_loads_the_tree(setup):
    tmp_path, fresh = setup
    result, rows = envs(tmp_path, [tmp_path / "jobs", fresh.parent])

    [row] = rows
    assert row == {
        "name": "sound-task", "domain": "build_tools", "family": "make", "difficulty": "easy",
        "instruction": "Fix the build in /app.", "digest": content_digest(tmp_path / "tasks" / "sound-task"),
        "verdict": "sound", "trials": 2, "pass_rate": 0.5,
    }  # fmt: skip
    assert result.summary["filters"]["dropped"] == {"verdict gameable": 1, "verdict unvalidated": 1}

    from trl.experimental.harbor import HarborSpec

    dataset = HarborSpec(str(result.out)).train_dataset
    assert [d.rsplit("/", 1)[-1] for d in dataset["task_dir"]] == ["sound-task"]


def test_unvalidated_tasks_go_in_when_asked_but_never_a_task_judged_otherwise(setup):
    tmp_path, fresh = setup
    _, rows = envs(tmp_path, [tmp_path / "jobs", fresh], include_unvalidated=True)
    assert {r["name"]: r["verdict"] for r in rows} == {
        "fresh-task": "unvalidated",
        "sound-task": "sound",
    }
    assert {r["name"]: r["pass_rate"] for r in rows} == {"fresh-task": None, "sound-task": 0.5}


def test_export_tasks_tree_refuses_two_different_tasks_of_one_name(setup, tmp_path):
    root, fresh = setup
    twin = shutil.copytree(fresh, tmp_path / "elsewhere" / "fresh-task")
    assert export_tasks_tree([fresh, twin], tmp_path / "tree") == [
        tmp_path / "tree" / "tasks" / "fresh-task"
    ]
    (twin / "instruction.md").write_text("Something else.")
    with pytest.raises(LitecoderError, match="another task named fresh-task differs"):
        export_tasks_tree([fresh, twin], tmp_path / "tree2")


def test_a_file_that_is_not_a_validation_report_is_one_error(setup):
    tmp_path, fresh = setup
    (tmp_path / "validation.json").write_text('{"tasks": 1}')
    with pytest.raises(LitecoderError, match="validation.json: not a validation report"):
        envs(tmp_path, [fresh])
