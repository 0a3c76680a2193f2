"""`litecoder flywheel` on bad input, through the CLI as a user runs it: one `error:` line naming
the option (or file) and what is wrong, exit code 2, before any stage runs or container starts,
and nothing written into --out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from litecoder_harbor.flywheel import FlywheelOptions

REPO = Path(__file__).resolve().parents[2]
"""Where the default recipes (training/*.yaml) are found, as run-main.sh runs it."""


def flywheel(out: Path, *args: str):
    return run_cli("flywheel", "--out", str(out), *args, cwd=REPO)


def assert_one_line_error(proc, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--n", "0"), ("--n 0", "between 1")),
        (("-k", "abc"), ("-k", "valid integer")),
        (("--difficulty", "extreme"), ("--difficulty 'extreme'",)),
        (("--holdout-families", "no-such-family"), ("--holdout-families", "no-such-family")),
        (("--holdout-families", ""), ("--holdout-families", "nothing held out")),
        (("--claude-code-domain", "cooking"), ("--claude-code-domain 'cooking'", "not a domain")),
        (("--benchmark", "tb9"), ("tb9",)),
        (("--api-base", "http://127.0.0.1:9/v1"), ("--api-base", "without --model")),
        (("--sft-recipe", "no/such.yaml"), ("--sft-recipe no/such.yaml", "no such file")),
        (("--train-override", "training.no_such_key=1"), ("no_such_key",)),
        (("--model", "gpt-4.1"), ("--model", "provider")),
    ],
)
def test_bad_options(tmp_path, args, fragments):
    out = tmp_path / "run"
    assert_one_line_error(flywheel(out, *args), *fragments)
    assert not out.exists()


def test_out_is_a_file(tmp_path):
    out = tmp_path / "run"
    out.write_text("")
    assert_one_line_error(flywheel(out), f"--out {out}", "is a file")


def test_out_holds_something_else(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert_one_line_error(flywheel(out), f"--out {out}", "not a flywheel run")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def recorded_run(out: Path, **options) -> Path:
    out.mkdir()
    (out / "run.json").write_text(FlywheelOptions(**options).model_dump_json())
    return out


def test_a_run_made_with_other_options_names_the_option(tmp_path):
    out = recorded_run(tmp_path / "run", n=3)
    assert_one_line_error(flywheel(out), "made with --n 3, not 6", "rerun with the run's --n")
    out = recorded_run(tmp_path / "run2", holdout_families=["sales-rollup"])
    assert_one_line_error(
        flywheel(out), "--holdout-families sales-rollup, not sales-rollup,cmake-repair"
    )
    assert sorted(p.name for p in out.iterdir()) == ["run.json"]


def test_an_unreadable_run_record(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text("{not json")
    assert_one_line_error(flywheel(out), "run.json: unreadable")


def test_an_unreadable_stage_record(tmp_path):
    """The first stage's done.json is corrupt: refused before the stage would be trusted."""
    out = recorded_run(tmp_path / "run")
    (out / "gen").mkdir()
    (out / "gen" / "done.json").write_text(json.dumps({"figures": []}))
    assert_one_line_error(flywheel(out), "gen/done.json: unreadable", "delete it")
