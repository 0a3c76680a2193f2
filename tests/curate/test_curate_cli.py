"""`litecoder curate` as a user runs it: bad input is one line, a good run writes a dataset
folder with its card, statistics and plots, and pushes it to a Hub (a local stand-in)."""

from __future__ import annotations

import os

import datasets
import yaml
from conftest import run_cli
from support.harbor_jobs import terminus_trajectory, write_task, write_trial
from support.hf_hub_stub import HubStub

INSTRUCTION = "Repair the build in /app so that make succeeds."
TOKEN = "hf_canary0123456789abcdef"


def test_bad_input_is_one_line_and_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("")
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    job = tmp_path / "job"
    write_trial(job, "build__a", task=task, trajectory=terminus_trajectory(INSTRUCTION, ["make"]))
    out = ["--out", str(tmp_path / "out")]
    cases = {
        ("sft", str(tmp_path / "empty"), *out): "empty: not a Harbor job dir",
        ("sft", str(tmp_path / "nope"), *out): "nope: does not exist",
        ("world-model", str(job), "--out", str(tmp_path / "file" / "out")): "--out",
        (
            "preference",
            str(job),
            *out,
            "--push-to-hub",
            "not a repo",
        ): "--push-to-hub: 'not a repo'",
        ("sft", str(job), *out, "--tokenizer", str(tmp_path / "no-tokenizer")): "--tokenizer",
        ("sft", str(job), *out, "--min-reward", "2"): "--min-reward 2.0: must be between 0 and 1",
        (
            "sft",
            str(job),
            "--out",
            str(tmp_path / "tasks"),
        ): "tasks: a folder that is not a dataset",
        (
            "sft",
            str(job),
            *out,
            "--decontaminate-against",
            str(tmp_path / "empty"),
        ): "no instruction.md",
        (
            "rl-envs",
            str(job),
            *out,
            "--validation",
            str(tmp_path / "file"),
        ): "not a validation report",
    }
    for args, said in cases.items():
        proc = run_cli("curate", *args, env={"HF_HUB_OFFLINE": "1"})
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and said in lines[0], (
            args,
            proc.stderr,
        )
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "job", "tasks"]


def test_sft_writes_a_loadable_dataset_with_card_stats_and_plots_and_pushes_it(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION, domain="build_tools")
    job = tmp_path / "job"
    write_trial(
        job, "build__a", task=task, trajectory=terminus_trajectory(INSTRUCTION, ["make", "ls -la"])
    )
    write_trial(
        job, "build__b", task=task, reward=0.0, trajectory=terminus_trajectory(INSTRUCTION, ["ls"])
    )
    out = tmp_path / "out"
    base = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    with HubStub() as hub:
        proc = run_cli(
            "curate", "sft", str(job), "--out", str(out), "--cache", str(tmp_path / "cache"),
            "--push-to-hub", "org/terminal-sft",
            env={**base, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HOME": str(tmp_path / "hf"),
                 "HF_HUB_DISABLE_TELEMETRY": "1"},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        pushed = hub.repos["org/terminal-sft"].files
        assert hub.unexpected == []
    assert "dropped per filter" in proc.stdout and "solved 1" in proc.stdout
    assert "distinct real commands" in proc.stdout and "1 rows in" in proc.stdout
    card = (out / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    assert front["configs"][0]["data_files"][0]["path"] == "data/train-*"
    assert front["task_categories"] == ["text-generation"] and "sft" in front["tags"]
    assert (
        front["dataset_info"]["features"]
        == datasets.DatasetInfo(
            features=datasets.Features.from_arrow_schema(
                datasets.load_dataset(
                    str(out), split="train", cache_dir=str(tmp_path / "hf-cache")
                ).data.schema
            )
        )._to_yaml_dict()["features"]
    )
    assert "| share per domain | build_tools 100.0% |" in card
    assert {p.name for p in (out / "plots").iterdir()} >= {"share_per_domain.png", "share_per_scaffold.png",
                                                          "turns_per_trajectory.png", "filters.png"}  # fmt: skip
    assert (out / "stats.json").is_file()
    assert sorted(pushed) == sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert (
        datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf-cache"))[0][
            "trial"
        ]
        == "build__a"
    )
