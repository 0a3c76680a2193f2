"""What our training recipes cost against plain TRL, on the same tiny model and data.

    .venv/bin/python benchmarks/train_speed.py [--steps 20] [--rounds 4] [--repeat 20] [--rows 32] [--threads N]

SFT: tokens per second of `train_sft` with the tiny recipe (LoRA, loss on assistant tokens)
against a plain TRL `SFTTrainer` with `assistant_only_loss=True` on the same model, rows, batch
size and step count, the best of --rounds runs each, the side that runs first alternating
(goal: at least 0.9x). DMPO: one training step (forward and backward of the
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


def sft_ours(model: Path, data: Path, work: Path, steps: int) -> tuple[float, float]:
    """`train_sft` with the tiny recipe: (tokens per wall second of training, tokens per CPU
    second of the whole call, set-up and tokenization included)."""
    cpu = time.process_time()
    result = train_sft(
        sft_recipe(model, steps), RECIPE, dataset=str(data), output_dir=work, log=print
    )
    return _rate(result.log_history), _tokens(result.log_history) / (time.process_time() - cpu)


def sft_plain(model: Path, data: Path, work: Path, steps: int) -> tuple[float, float]:
    """A plain TRL `SFTTrainer` (`assistant_only_loss=True`) with the same settings."""
    from litecoder_harbor.train.run import lora_config

    recipe = sft_recipe(model, steps)
    cpu = time.process_time()
    rows = Dataset.from_parquet(str(next((data / "data").glob("*.parquet"))))
    trainer = SFTTrainer(
        model=str(model),
        args=SFTConfig(
            output_dir=str(work),
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
    trainer.train()
    history = trainer.state.log_history
    return _rate(history), _tokens(history) / (time.process_time() - cpu)


def sft_recipe(model: Path, steps: int):
    overrides = [f"model.name_or_path={model}", f"max_steps={steps}", "logging_steps=1"]
    return load_recipe(RECIPE, "sft", [*overrides, "save_steps=100000", "lora.merge=false"])


def _tokens(log_history: list[dict]) -> float:
    return max(entry["num_tokens"] for entry in log_history if "num_tokens" in entry)


def _rate(log_history: list[dict]) -> float:
    runtime = next(entry["train_runtime"] for entry in log_history if "train_runtime" in entry)
    return _tokens(log_history) / runtime


def dmpo_vs_dpo(model: Path, work: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of one training step of each trainer on the same batch of
    multi-turn pairs, the two trainers' steps interleaved so load on the machine hits both."""
    tokenizer = AutoTokenizer.from_pretrained(model)
    pairs = preference_pairs(Dataset.from_list(preference_rows(4)), "benchmark")
    steps = {}
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
        trainer.model.train()
        trainer.create_optimizer()
        trainer.current_gradient_accumulation_steps = 1  # set by the training loop otherwise
        batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
        steps[trainer_class.__name__] = (trainer, batch)
    timings = {name: ([], []) for name in steps}
    for i in range(repeat + 2):
        for name, (trainer, batch) in steps.items():
            wall, cpu = time.perf_counter(), time.process_time()
            trainer.training_step(trainer.model, dict(batch))
            if i >= 2:  # warm-up
                timings[name][0].append(time.perf_counter() - wall)
                timings[name][1].append(time.process_time() - cpu)
    return {
        name: (statistics.median(walls), statistics.median(cpus))
        for name, (walls, cpus) in timings.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20, help="SFT optimizer steps per run")
    parser.add_argument("--repeat", type=int, default=20, help="timed DMPO/DPO steps")
    parser.add_argument("--rows", type=int, default=32, help="SFT rows")
    parser.add_argument("--rounds", type=int, default=4, help="SFT runs per side (best counts)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = sft_rows(args.rows)
        model = build_tiny_model(work / "tiny", [m["content"] for r in rows for m in r["messages"]])
        data = write_dataset(work / "sft", rows)
        runs = {sft_ours: [], sft_plain: []}
        for i in range(args.rounds):  # alternate which side runs first
            for run in (sft_ours, sft_plain) if i % 2 == 0 else (sft_plain, sft_ours):
                runs[run].append(run(model, data, work / f"{run.__name__}-{i}", args.steps))
        (ours_wall, ours_cpu), (plain_wall, plain_cpu) = (
            (max(r[0] for r in runs[side]), max(r[1] for r in runs[side]))
            for side in (sft_ours, sft_plain)
        )
        steps = dmpo_vs_dpo(model, work, args.repeat)
        (dpo_wall, dpo_cpu), (dmpo_wall, dmpo_cpu) = steps["DPOTrainer"], steps["DMPOTrainer"]
    print(
        f"\nSFT tokens/s (wall, training)  ours {ours_wall:8.0f}   plain TRL {plain_wall:8.0f}   "
        f"ratio {ours_wall / plain_wall:.2f}x (goal >= 0.9x)"
    )
    print(
        f"SFT tokens/CPU-s (whole call)  ours {ours_cpu:8.0f}   plain TRL {plain_cpu:8.0f}   "
        f"ratio {ours_cpu / plain_cpu:.2f}x"
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
