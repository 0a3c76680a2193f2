"""Each filter drops what it names, counts it, and nothing else."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from support.harbor_jobs import terminus_trajectory, tool_trajectory, write_task, write_trial

from litecoder_harbor.curate import CurateOptions, curate_sft

INSTRUCTION = (
    "Repair the build in /app so that make succeeds, then run the tests and write a summary of "
    "the failures to /app/report.txt."
)
KEY = "sk-proj-0123456789abcdefABCDEF"


@pytest.fixture
def task(tmp_path):
    return write_task(tmp_path / "tasks", "build", INSTRUCTION)


def curate(tmp_path, **options):
    result = curate_sft(
        [tmp_path / "jobs"],
        CurateOptions(out=tmp_path / "out", cache_dir=tmp_path / "cache", plots=False, **options),
    )
    return result, pq.read_table(result.out / "data").to_pylist()


def good(task, name="build__good", commands=("make",)):
    return dict(task=task, trajectory=terminus_trajectory(INSTRUCTION, list(commands)))


def test_solved_looping_turn_cap_errors_and_duplicates_are_dropped_and_counted(task, tmp_path):
    job = tmp_path / "jobs" / "job"
    write_trial(job, "build__a", **good(task))
    write_trial(job, "build__b", **good(task))  # the same conversation as a
    write_trial(job, "build__c", **good(task, commands=["make", "ls"]), reward=0.5)
    write_trial(
        job, "build__d", **good(task, commands=["ls", "make"]), exception="AgentTimeoutError"
    )
    # looping by our episode report, and by the ATIF of an agent that writes no report
    write_trial(job, "build__e", **good(task, commands=["cat x", "make"]),
                report={"scaffold": "terminus-2", "turns": 4, "looping": True, "loop_reason": "the same command"})  # fmt: skip
    write_trial(job, "build__f", task=task, agent="claude-code",
                trajectory=tool_trajectory(INSTRUCTION, ["make"] * 6))  # fmt: skip
    write_trial(job, "build__g", **good(task, commands=["make", "make install"]),
                report={"scaffold": "terminus-2", "turns": 4, "turn_cap": 4})  # fmt: skip

    result, rows = curate(tmp_path)

    assert [r["trial"] for r in rows] == ["build__a"]
    assert list(result.summary["filters"]["dropped"].items()) == list({
        "errors": 1, "looping": 2, "turn-cap": 1, "solved": 1, "empty": 0, "tokens": 0,
        "secrets": 0, "contamination": 0, "duplicate": 1,
    }.items())  # fmt: skip


def test_the_reward_threshold_is_an_option(task, tmp_path):
    write_trial(tmp_path / "jobs" / "job", "build__half", **good(task), reward=0.5)
    assert curate(tmp_path, min_reward=0.5)[0].rows == 1


def test_duplicates_can_be_kept(task, tmp_path):
    for name in ("build__a", "build__b"):
        write_trial(tmp_path / "jobs" / "job", name, **good(task))
    assert curate(tmp_path, keep_duplicates=True)[0].rows == 2


def test_max_tokens_with_the_default_and_a_named_tokenizer(task, tmp_path):
    job = tmp_path / "jobs" / "job"
    write_trial(job, "build__short", **good(task))
    write_trial(job, "build__long", **good(task, commands=[f"echo {'word ' * 300}"]))
    result, rows = curate(tmp_path, max_tokens=1000)
    assert [r["trial"] for r in rows] == ["build__short"]
    assert result.summary["filters"]["dropped"]["tokens"] == 1
    assert 100 < result.summary["tokens"]["max"] <= 1000

    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]").save_pretrained(
        tmp_path / "tok"
    )
    result, rows = curate(tmp_path, max_tokens=250, tokenizer=str(tmp_path / "tok"))
    assert [r["trial"] for r in rows] == ["build__short"]  # counted in words now


def test_secrets_are_scrubbed_or_the_row_dropped_and_never_written(tmp_path):
    task = write_task(tmp_path / "tasks", "build", f"{INSTRUCTION} Use the key {KEY} if asked.")
    job = tmp_path / "jobs" / "job"
    write_trial(job, "build__leak", task=task,
                trajectory=terminus_trajectory(INSTRUCTION, [f"export OPENAI_API_KEY={KEY}", "make"],
                                               [f"token={KEY}", "https://me:hunter2hunter2@example.com/x"]))  # fmt: skip
    result, rows = curate(tmp_path)
    text = json.dumps(rows)
    assert KEY not in text and "hunter2hunter2" not in text
    assert "OPENAI_API_KEY=[redacted]" in text and "https://[redacted]@example.com" in text
    assert result.rows == 1
    for path in [*tmp_path.joinpath("out").rglob("*"), *tmp_path.joinpath("cache").rglob("*")]:
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path

    result, rows = curate(tmp_path, secrets="drop")
    assert rows == [] and result.summary["filters"]["dropped"]["secrets"] == 1


def test_decontamination_drops_tasks_whose_instruction_shares_a_13_gram_with_a_benchmark(
    task, tmp_path
):
    bench = tmp_path / "bench"
    write_task(bench, "tb-fix-build", f"Hello. {INSTRUCTION} Also write a report.")
    write_task(
        bench,
        "tb-other",
        "Train a tiny model on the data in /data and save it to /out/model.bin please.",
    )
    other = write_task(
        tmp_path / "tasks",
        "unrelated",
        "Count the lines of every CSV file under /srv and write the sums to /srv/total.txt now.",
    )
    job = tmp_path / "jobs" / "job"
    write_trial(job, "build__a", **good(task))
    write_trial(job, "unrelated__a", task=other, trajectory=terminus_trajectory("x", ["wc -l"]))

    result, rows = curate(tmp_path, decontaminate_against=[bench])

    assert [r["task"] for r in rows] == ["unrelated"]
    [hit] = result.summary["filters"]["contaminated"]
    assert (hit["task"], hit["benchmark_task"], hit["trial"]) == (
        "build",
        "tb-fix-build",
        "build__a",
    )
    assert hit["shared_13grams"] >= 1


def test_a_long_instruction_sharing_only_a_few_words_is_not_contamination(task, tmp_path):
    bench = tmp_path / "bench"
    write_task(
        bench,
        "tb",
        "Repair the build in /srv so that cmake passes, then write the log to /srv/log.txt.",
    )
    write_trial(tmp_path / "jobs" / "job", "build__a", **good(task))
    assert curate(tmp_path, decontaminate_against=[bench])[0].rows == 1
