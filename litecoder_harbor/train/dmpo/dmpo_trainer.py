"""`DMPOTrainer`: TRL's `DPOTrainer` with DMPO's turn-weighted loss.

DPO scores a whole completion as one sequence. DMPO (Shi et al., EMNLP 2024) sums the policy /
reference log-ratio over each assistant turn t of a trajectory and weighs it by φ(t, T), so the
dataset keeps, for every completion token, the assistant turn it belongs to (`turn_index`, −1 for
user and tool-result tokens, which carry no loss). The reference is the initial model: with LoRA
the base with the adapter disabled (the SFT model the adapter starts from), otherwise a frozen
copy, exactly as in `DPOTrainer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from trl import DPOTrainer
from trl.models.utils import disable_gradient_checkpointing
from trl.trainer.dpo_trainer import DataCollatorForPreference
from trl.trainer.utils import pad, use_adapter

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.train.dmpo.dmpo_config import DMPOConfig
from litecoder_harbor.train.dmpo.loss import dmpo_loss, sum_by_turn, trajectory_rewards
from litecoder_harbor.train.tokens import tokenize_conversation, training_chat_template


def turn_index_of(assistant_mask: list[int]) -> list[int]:
    """Per token, the 0-based index of the assistant turn (a run of marked tokens) it belongs
    to, −1 outside assistant turns."""
    index, turn, previous = [], -1, 0
    for marked in assistant_mask:
        if marked and not previous:
            turn += 1
        index.append(turn if marked else -1)
        previous = marked
    return index


@dataclass
class DataCollatorForMultiTurnPreference(DataCollatorForPreference):
    """`DataCollatorForPreference` that also pads each completion's `turn_index` (−1 on prompt
    and padding), truncated with the sequence."""

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        output = super().torch_call(examples)
        sides = [
            (e["prompt_ids"], e[f"{side}_turn_index"])
            for side in ("chosen", "rejected")
            for e in examples
        ]
        turn_index = [[-1] * len(prompt) + index for prompt, index in sides]
        if self.max_length is not None:
            turn_index = [index[: self.max_length] for index in turn_index]
        output["turn_index"] = pad(
            [torch.tensor(index) for index in turn_index],
            padding_value=-1,
            padding_side="right",
            pad_to_multiple_of=self.pad_to_multiple_of,
        )
        # Only assistant tokens carry loss: user turns and tool results between them do not.
        output["completion_mask"] = (output["turn_index"] >= 0).long()
        return output


class DMPOTrainer(DPOTrainer):
    """Direct Multi-Turn Preference Optimization on conversational preference data: `prompt`
    (messages: system + first user), `chosen` and `rejected` (the messages that continue it,
    assistant turns interleaved with tool results or user turns) and optional `tools` (JSON)."""

    _tag_names = ["trl", "dmpo"]
    _name = "DMPO"
    _paper = {
        "title": "Direct Multi-Turn Preference Optimization for Language Agents",
        "id": "2406.14868",
        "citation": "@inproceedings{shi2024dmpo, title={Direct Multi-Turn Preference Optimization "
        "for Language Agents}, author={Shi, Wentao and Yuan, Mengqi and Wu, Junkang and Wang, Qifan "
        "and Feng, Fuli}, booktitle={EMNLP}, year={2024}}",
    }

    def __init__(self, model, ref_model=None, args: DMPOConfig | None = None, **kwargs):
        if args is None:
            args = DMPOConfig(output_dir="dmpo")
        self.gamma = args.gamma
        self.dataset_report: dict[str, tuple[int, int, int]] = {}
        """Per dataset name: (rows, truncated, dropped) by `max_length`."""
        processing_class = kwargs.get("processing_class")
        if processing_class is not None and kwargs.get("data_collator") is None:
            kwargs["data_collator"] = DataCollatorForMultiTurnPreference(
                pad_token_id=processing_class.pad_token_id
                if processing_class.pad_token_id is not None
                else processing_class.eos_token_id,
                max_length=args.max_length,
                pad_to_multiple_of=args.pad_to_multiple_of,
            )
        super().__init__(model, ref_model=ref_model, args=args, **kwargs)

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        """Tokenize each pair with the chat template's assistant marks: `prompt_ids`, then per
        side the completion ids and the turn each token belongs to. Pairs whose prompt alone
        fills `max_length` are dropped (they would train nothing) and counted."""
        if "prompt_ids" in dataset.column_names:
            return dataset
        chat_template = training_chat_template(processing_class, processing_class.name_or_path)

        def tokenize(row: dict) -> dict:
            prompt_ids, _ = tokenize_conversation(
                processing_class, row["prompt"], row["tools"], chat_template
            )
            output = {"prompt_ids": prompt_ids}
            for side in ("chosen", "rejected"):
                ids, assistant = tokenize_conversation(
                    processing_class, row["prompt"] + row[side], row["tools"], chat_template
                )
                if ids[: len(prompt_ids)] != prompt_ids:
                    raise ValueError(
                        "the chat template renders the prompt differently before a completion"
                    )
                output[f"{side}_ids"] = ids[len(prompt_ids) :]
                output[f"{side}_turn_index"] = turn_index_of(assistant[len(prompt_ids) :])
            return output

        if "tools" not in dataset.column_names:
            dataset = dataset.add_column("tools", ["[]"] * len(dataset))
        dataset = dataset.map(
            tokenize,
            remove_columns=dataset.column_names,
            num_proc=args.dataset_num_proc,
            desc=f"Tokenizing {dataset_name} pairs",
        )
        rows = len(dataset)
        truncated = dropped = 0
        if args.max_length is not None:
            prompt_lengths = [len(ids) for ids in dataset["prompt_ids"]]
            longest = [
                p + max(len(c), len(r))
                for p, c, r in zip(
                    prompt_lengths, dataset["chosen_ids"], dataset["rejected_ids"], strict=True
                )
            ]
            truncated = sum(length > args.max_length for length in longest)
            dropped = sum(p >= args.max_length for p in prompt_lengths)
            dataset = dataset.filter(lambda row: len(row["prompt_ids"]) < args.max_length)
        self.dataset_report[dataset_name] = (rows, truncated, dropped)
        if len(dataset) == 0:
            raise LitecoderError(
                f"training.max_length {args.max_length}: every one of the {rows} pairs was "
                "dropped: its prompt alone fills max_length",
                hint="raise max_length",
            )
        return dataset

    def _set_signature_columns_if_needed(self):
        if self._signature_columns is None:
            self._signature_columns = [
                "prompt_ids",
                "chosen_ids",
                "rejected_ids",
                "chosen_turn_index",
                "rejected_turn_index",
            ]

    def _compute_loss(self, model, inputs, return_outputs):
        mode = "train" if self.model.training else "eval"
        turn_index = inputs["turn_index"]
        labels = inputs["input_ids"].masked_fill(turn_index < 0, -100)
        model_kwargs = {
            "input_ids": inputs["input_ids"],
            "attention_mask": inputs["attention_mask"],
            "use_cache": False,
        }
        if self.aux_loss_enabled:
            model_kwargs["output_router_logits"] = True
        outputs = model(**model_kwargs, labels=labels, fused_lm_head=True)
        # log_probs[:, i] scores token i + 1, so the turn of a scored token is turn_index[:, 1:]
        per_token_logps = outputs.log_probs[:, -(turn_index.size(1) - 1) :]
        with torch.no_grad():
            ref_per_token_logps = self._reference_log_probs(model_kwargs, labels)
        per_token_logratios = per_token_logps - ref_per_token_logps

        turn_logratios = sum_by_turn(per_token_logratios, turn_index[:, 1:])
        batch_size = len(turn_logratios) // 2
        chosen_turn_logratios, rejected_turn_logratios = (
            turn_logratios[:batch_size],
            turn_logratios[batch_size:],
        )
        loss = dmpo_loss(chosen_turn_logratios, rejected_turn_logratios, self.beta, self.gamma)
        if self.aux_loss_enabled:
            loss = loss + self.router_aux_loss_coef * outputs.aux_loss

        self._log_rewards(mode, chosen_turn_logratios, rejected_turn_logratios, inputs)
        return (loss, outputs) if return_outputs else loss

    def _reference_log_probs(self, model_kwargs: dict, labels: torch.Tensor) -> torch.Tensor:
        """Per-token log-probabilities under πref: the PEFT base (adapter disabled, or the frozen
        "ref" copy of a pretrained adapter) or the separate reference model."""
        kwargs = {k: v for k, v in model_kwargs.items() if k != "output_router_logits"}
        with disable_gradient_checkpointing(self.model, self.args.gradient_checkpointing_kwargs):
            if self.ref_model is None:
                unwrapped = self.accelerator.unwrap_model(self.model)
                with use_adapter(
                    unwrapped, adapter_name="ref" if "ref" in unwrapped.peft_config else None
                ):
                    ref_outputs = self.model(**kwargs, labels=labels, fused_lm_head=True)
            else:
                ref_outputs = self.ref_model(**kwargs, labels=labels, fused_lm_head=True)
        return ref_outputs.log_probs[:, -(labels.size(1) - 1) :]

    def _log_rewards(self, mode, chosen_turn_logratios, rejected_turn_logratios, inputs) -> None:
        """DPO's metric names, with DMPO's rewards β Σ_t φ(t, T) log-ratio_t."""
        chosen = [r.detach() for r in chosen_turn_logratios]
        rejected = [r.detach() for r in rejected_turn_logratios]
        chosen_rewards = self.accelerator.gather(trajectory_rewards(chosen, self.beta, self.gamma))
        rejected_rewards = self.accelerator.gather(
            trajectory_rewards(rejected, self.beta, self.gamma)
        )
        metrics = self._metrics[mode]
        metrics["rewards/chosen"].append(chosen_rewards.mean().item())
        metrics["rewards/rejected"].append(rejected_rewards.mean().item())
        metrics["rewards/margins"].append((chosen_rewards - rejected_rewards).mean().item())
        metrics["rewards/accuracies"].append(
            (chosen_rewards > rejected_rewards).float().mean().item()
        )
        turns = torch.tensor(
            [len(r) for r in chosen_turn_logratios + rejected_turn_logratios], dtype=torch.float
        )
        metrics["turns"].append(
            self.accelerator.gather(turns.to(self.accelerator.device)).mean().item()
        )
        if mode == "train":
            tokens = (
                self.accelerator.gather_for_metrics(inputs["attention_mask"].sum()).sum().item()
            )
            self._total_train_tokens += tokens // self._tp_size
        metrics["num_tokens"] = [self._total_train_tokens]
