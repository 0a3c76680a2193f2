"""On-disk response cache: a rerun of the pipeline replays every answer it already paid for.

One JSON file per request, named by the sha256 of the canonical request (provider, endpoint,
model, messages or prompt, sampling parameters; never the API key). Files are written to a
temporary name and renamed into place, so a killed run leaves whole entries or none; an entry
that does not parse is treated as missing and rewritten.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write

CACHE_FORMAT = 1
"""Part of every key: bump it when the request or entry layout changes."""


class CachedReply(BaseModel):
    text: str
    finish_reason: str | None
    input_tokens: int
    output_tokens: int


class CacheEntry(BaseModel):
    """The request is stored beside the reply, to check the entry answers it and for humans."""

    request: dict
    reply: CachedReply


def request_key(request: dict) -> str:
    canonical = json.dumps(
        {"cache_format": CACHE_FORMAT, **request},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    def __init__(self, root: Path):
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LitecoderError(f"cannot create the LLM response cache {root}: {exc}") from None
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, request: dict) -> CachedReply | None:
        try:
            entry = CacheEntry.model_validate_json(self.path(key).read_bytes())
        except (OSError, ValidationError):
            return None
        return entry.reply if entry.request == request else None

    def put(self, key: str, request: dict, reply: CachedReply) -> None:
        data = CacheEntry(request=request, reply=reply).model_dump_json(indent=1)
        atomic_write(self.path(key), data)
