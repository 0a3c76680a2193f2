"""The training stage's tiny Qwen3, steered to end every reply at once (an empty answer, finish
reason `stop`), for tests that serve it to an agent. It solves nothing, which is the point.

Why steer: Terminus-2 counts an empty reply as a turn, so its turn cap ends the episode, whereas
a reply cut off at the token limit (what random weights produce) makes it ask again, uncounted,
until the task's agent timeout.
"""

from __future__ import annotations

from pathlib import Path

from litecoder_harbor.train import build_tiny_model


def tiny_checkpoint(out_dir: Path) -> Path:
    """`build_tiny_model(out_dir)` with an output head whose only live logit is end-of-turn."""
    import torch
    from transformers import AutoModelForCausalLM

    build_tiny_model(out_dir)
    model = AutoModelForCausalLM.from_pretrained(out_dir)
    model.config.tie_word_embeddings = False
    with torch.no_grad():  # residual stream = embedding, whose dimension 0 drives the EOS logit
        model.lm_head.weight = torch.nn.Parameter(torch.zeros_like(model.lm_head.weight))
        model.model.embed_tokens.weight[:, 0] = 1.0
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.lm_head.weight[model.config.eos_token_id, 0] = 50.0
    model.generation_config.max_new_tokens = 64
    model.save_pretrained(out_dir)
    return out_dir
