"""Held-out families: `gen --holdout-families` keeps them out of the train split and makes the
test split of them alone, so an evaluation measures generalization beyond the families that
collection and training saw."""

import pytest
from conftest import run_cli

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.gen.templates import load_families

HELD_OUT = frozenset({"sales-rollup", "cmake-repair"})


def families_of(drafts) -> set[str]:
    return {d.config.metadata["litecoder"]["family"] for d in drafts}


def test_train_and_test_splits_share_no_family():
    train = generate_drafts("template", 3 * len(load_families()), 0, holdout=HELD_OUT)
    test = generate_drafts("template", 6, 0, holdout=HELD_OUT, split="test")
    assert families_of(test) == HELD_OUT
    assert not families_of(train) & HELD_OUT
    assert families_of(train) == load_families().keys() - HELD_OUT


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"holdout": frozenset({"nope"})}, "--holdout-families: unknown template family 'nope'"),
        ({"split": "test"}, "--split test: needs --holdout-families"),
        ({"split": "dev", "holdout": HELD_OUT}, "--split: unknown split 'dev'"),
        (
            {"split": "test", "holdout": HELD_OUT, "domain": "games"},
            "no template family in domain 'games'",
        ),
    ],
)
def test_bad_split_options_raise_one_clear_error(options, message):
    with pytest.raises(LitecoderError, match=message):
        generate_drafts("template", 1, 0, **options)


def test_cli_writes_the_test_split(tmp_path):
    out = tmp_path / "heldout"
    proc = run_cli(
        "gen", "--n", "2", "--out", str(out), "--difficulty", "easy",
        "--holdout-families", ",".join(sorted(HELD_OUT)), "--split", "test",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name.rsplit("-easy", 1)[0] for p in out.iterdir()) == sorted(HELD_OUT)
    bad = run_cli("gen", "--n", "1", "--out", str(tmp_path / "x"), "--split", "test")
    assert bad.returncode == 2 and "--split test: needs --holdout-families" in bad.stderr
    assert not (tmp_path / "x").exists()
