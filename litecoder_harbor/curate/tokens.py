"""Counting a trajectory's tokens with a named tokenizer.

The default, `approx`, needs no download: a UTF-8 byte count divided by 4, rounded up (about
what BPE tokenizers give for English and shell text). Any other name is loaded with
transformers' `AutoTokenizer` from a local folder or a Hub id, once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from litecoder_harbor.errors import LitecoderError

APPROX = "approx"
BYTES_PER_TOKEN = 4


@cache
def token_counter(name: str) -> Callable[[str], int]:
    if name == APPROX:
        return lambda text: -(-len(text.encode()) // BYTES_PER_TOKEN)
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LitecoderError(
            f"--tokenizer {name}: cannot load it: {first}",
            hint=f"give a local tokenizer folder, a Hub id, or {APPROX}",
        ) from None
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])
