"""Files written whole or not at all: a reader (or a rerun after a kill) never sees half a file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

TMP_SUFFIX = ".tmp"
"""Ends the name of a file `atomic_write` has not finished (it starts with a dot)."""


def atomic_write(path: Path, data: str | bytes, *, durable: bool = False) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    `durable` also flushes it to disk first, for records a crash must not lose (the LLM
    pipeline's state). The temporary file starts with a dot and ends with `TMP_SUFFIX`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data.encode() if isinstance(data, str) else data)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def swap_in_dir(fresh: Path, target: Path, *, aside_prefix: str) -> None:
    """Put the finished folder `fresh` at `target` (same parent folder), replacing what is there.

    The old folder is renamed aside under `aside_prefix` first and removed last, so `target` is
    at every moment either the old folder or the new one, never a mix; a kill in between leaves
    debris named by `aside_prefix` for the caller's clean-up."""
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=aside_prefix, dir=target.parent))
        os.replace(target, retired / target.name)
    os.replace(fresh, target)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
