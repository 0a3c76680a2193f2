"""A tiny, randomly initialised Qwen3 with a locally trained tokenizer that carries Qwen3's chat
template: the real architecture and chat format at a size that trains on a CPU in seconds, for
offline runs of the whole flywheel and for tests. No weights are downloaded."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
]
"""Qwen3's control tokens that its chat template writes, each one token as in Qwen3."""

DEFAULT_TEXTS = [
    "You are an AI assistant tasked with solving command-line tasks in a Linux environment.",
    "Format your response as JSON with the fields analysis, plan, commands and task_complete.",
    '{"analysis": "The file is missing.", "plan": "Create it.", "commands": [{"keystrokes": '
    '"ls -la /app\\n", "duration": 0.1}], "task_complete": false}',
    "cd /app && python3 solve.py --input data.csv --output report.json",
    "grep -rn error /var/log | sort | uniq -c | head -n 20",
    "git status && git add -A && git commit -m 'fix the build'",
    "cat /etc/os-release; uname -a; df -h; free -m",
    '{"name": "execute_bash", "arguments": {"command": "pytest -q tests/"}}',
    "The task is complete: all tests pass and the output file is written.",
    'Traceback (most recent call last): File "main.py", line 3, in <module>',
]
"""Terminal-agent text for the tokenizer when no texts are given."""


def build_tiny_model(out_dir: Path, texts: Iterable[str] | None = None) -> Path:
    """Write a tiny Qwen3 (2 layers, hidden size 64) and its byte-level BPE tokenizer, trained on
    `texts` (default: a few lines of terminal-agent text), to `out_dir`; returns `out_dir`.
    `AutoModelForCausalLM.from_pretrained(out_dir)` and `AutoTokenizer.from_pretrained(out_dir)`
    load it, and `transformers serve` serves it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        GenerationConfig,
        PreTrainedTokenizerFast,
        Qwen3Config,
        Qwen3ForCausalLM,
    )
    from trl.chat_template_utils import qwen3_instruct_2507_chat_template

    out_dir = Path(out_dir)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(
        [*(texts or DEFAULT_TEXTS), *_template_texts(qwen3_instruct_2507_chat_template)],
        trainer=trainer,
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=qwen3_instruct_2507_chat_template,
        model_max_length=4096,
    )

    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def _template_texts(chat_template: str) -> list[str]:
    """What the chat template itself writes (role headers, the tools preamble, tool-call tags),
    rendered once, so the tokenizer learns them as a few tokens instead of bytes."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    messages = [
        {"role": "system", "content": "system"},
        {"role": "user", "content": "user"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "tool", "arguments": "{}"}}],
        },
        {"role": "tool", "content": "result"},
    ]
    tools = [{"type": "function", "function": {"name": "tool", "parameters": {}}}]
    template = ImmutableSandboxedEnvironment().from_string(chat_template)
    return [template.render(messages=messages, tools=tools, add_generation_prompt=True)] * 8
