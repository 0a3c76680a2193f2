"""What our training recipes cost against plain TRL, on the same tiny model and data.

    .venv/bin/python benchmarks/train_speed.py [--steps 20] [--repeat 20] [--rows 32]

SFT: tokens per second of `train_sft` with the tiny recipe (LoRA, loss on assistant tokens)
against a plain TRL `SFTTrainer` with `assistant_only_loss=True` on the same model, rows, batch
size and step count (goal: at least 0.9x). DMPO: one training step (forward and backward of the
policy, forward of the reference) of `DMPOTrainer` against TRL's `DPOTrainer` on the same batch
of multi-turn pairs (goal: at most 1.2x), the median of --repeat steps after two warm-up steps.
Wall and CPU seconds are both printed; on a machine shared with other work, CPU time is the
steadier figure. CPU only: no GPU was available when these figures were first taken.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer

from litecoder_harbor.train import build_tiny_model, load_recipe, preference_pairs, train_sft
from litecoder_harbor.train.dmpo import DMPOConfig, DMPOTrainer

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from support.training_data import preference_rows, sft_rows, write_dataset  # noqa: E402

RECIPE = Path(__file__).parents[1] / "training" / "sft-tiny.yaml"
SHARED = {"report_to": "none", "use_cpu": True, "per_device_train_batch_size": 4, "seed": 0}


def sft_tokens_per_second(model: Path, data: Path, work: Path, steps: int) -> tuple[float, float]:
    """(ours, plain TRL) tokens/s over `steps` optimizer steps."""
    overrides = [f"model.name_or_path={model}", f"max_steps={steps}", "logging_steps=1"]
    recipe = load_recipe(RECIPE, "sft", [*overrides, "save_steps=100000", "lora.merge=false"])
    ours = train_sft(recipe, RECIPE, dataset=str(data), output_dir=work / "ours", log=print)
    ours_rate = _rate(ours.log_history)

    from litecoder_harbor.train.run import lora_config

    rows = Dataset.from_parquet(str(next((data / "data").glob("*.parquet"))))
    plain = SFTTrainer(
        model=str(model),
        args=SFTConfig(
            output_dir=str(work / "plain"),
            assistant_only_loss=True,
            max_steps=steps,
            logging_steps=1,
            save_steps=100000,
            learning_rate=recipe.training["learning_rate"],
            lr_scheduler_type="constant",
            gradient_checkpointing=False,
            max_length=recipe.training["max_length"],
            model_init_kwargs={"dtype": "float32"},
            **SHARED,
        ),
        train_dataset=rows.select_columns(["messages", "tools"]),
        processing_class=AutoTokenizer.from_pretrained(model),
        peft_config=lora_config(recipe.lora),
    )
    plain.train()
    return ours_rate, _rate(plain.state.log_history)


def _rate(log_history: list[dict]) -> float:
    tokens = max(entry["num_tokens"] for entry in log_history if "num_tokens" in entry)
    runtime = next(entry["train_runtime"] for entry in log_history if "train_runtime" in entry)
    return tokens / runtime


def step_seconds(trainer, batch: dict, repeat: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of one training step on `batch`."""
    trainer.model.train()
    trainer.create_optimizer()
    walls, cpus = [], []
    for i in range(repeat + 2):
        wall, cpu = time.perf_counter(), time.process_time()
        trainer.training_step(trainer.model, dict(batch))
        if i >= 2:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def dmpo_vs_dpo(model: Path, work: Path, repeat: int) -> tuple[tuple, tuple]:
    tokenizer = AutoTokenizer.from_pretrained(model)
    pairs = preference_pairs(Dataset.from_list(preference_rows(4)), "benchmark")
    results = []
    for trainer_class, config_class in ((DPOTrainer, DPOConfig), (DMPOTrainer, DMPOConfig)):
        torch.manual_seed(0)
        trainer = trainer_class(
            model=AutoModelForCausalLM.from_pretrained(model),
            ref_model=AutoModelForCausalLM.from_pretrained(model),
            args=config_class(
                output_dir=str(work / trainer_class.__name__), max_length=None, **SHARED
            ),
            train_dataset=pairs,
            processing_class=tokenizer,
        )
        batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
        results.append(step_seconds(trainer, batch, repeat))
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20, help="SFT optimizer steps per run")
    parser.add_argument("--repeat", type=int, default=20, help="timed DMPO/DPO steps")
    parser.add_argument("--rows", type=int, default=32, help="SFT rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = sft_rows(args.rows)
        model = build_tiny_model(work / "tiny", [m["content"] for r in rows for m in r["messages"]])
        data = write_dataset(work / "sft", rows)
        ours, plain = sft_tokens_per_second(model, data, work, args.steps)
        (dpo_wall, dpo_cpu), (dmpo_wall, dmpo_cpu) = dmpo_vs_dpo(model, work, args.repeat)
    print(
        f"\nSFT tokens/s   ours {ours:8.0f}   plain TRL {plain:8.0f}   ratio {ours / plain:.2f}x (goal >= 0.9x)"
    )
    print(
        f"one step, wall  DMPO {dmpo_wall * 1000:6.1f} ms   DPO {dpo_wall * 1000:6.1f} ms   "
        f"ratio {dmpo_wall / dpo_wall:.2f}x (goal <= 1.2x)"
    )
    print(
        f"one step, CPU   DMPO {dmpo_cpu * 1000:6.1f} ms   DPO {dpo_cpu * 1000:6.1f} ms   "
        f"ratio {dmpo_cpu / dpo_cpu:.2f}x"
    )
    print(f"device: CPU ({torch.get_num_threads()} threads), no GPU")


if __name__ == "__main__":
    main()
