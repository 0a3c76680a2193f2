"""Every family's seed-0 task, at every difficulty, is pinned byte for byte.

Refactoring a family (splitting `generate()` into named steps, moving helpers) must not change
what it writes. The shared verifier kit is pinned once, apart from the families, so a change to
the kit is one deliberate update here rather than 120. After an intended change to a family's
output, rewrite the pins with `python tests/task_templates/test_family_digests.py --update` and
say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import pytest

from litecoder_harbor.gen.templates import load_families
from litecoder_harbor.tasks.conventions import VERIFIER_KIT, Difficulty
from litecoder_harbor.tasks.writer import materialize

PINS = Path(__file__).with_name("family_digests.json")
KIT = "tests/verifier_kit.py"
PINNED: dict[str, str] = json.loads(PINS.read_text()) if PINS.exists() else {}


def task_digest(task_dir: Path) -> str:
    """sha256 over every file but the shared kit: relative path, executable bit, bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in task_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(task_dir).as_posix()
        if relative == KIT:
            continue
        executable = path.stat().st_mode & 0o111 != 0
        digest.update(f"{relative}\0{int(executable)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def current_digests() -> dict[str, str]:
    pins = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, family in sorted(load_families().items()):
            for level in Difficulty:
                draft = family().draft(0, level)
                task_dir = Path(tmp) / draft.name
                materialize(draft, task_dir)
                assert (task_dir / KIT).read_bytes() == VERIFIER_KIT.read_bytes()
                pins[f"{name}/{level.value}"] = task_digest(task_dir)
    pins["verifier_kit"] = hashlib.sha256(VERIFIER_KIT.read_bytes()).hexdigest()
    return pins


@pytest.fixture(scope="module")
def digests() -> dict[str, str]:
    return current_digests()


def test_every_family_is_pinned(digests):
    assert sorted(PINNED) == sorted(digests)


@pytest.mark.parametrize("key", sorted(PINNED))
def test_seed0_output_is_byte_identical(key, digests):
    assert digests[key] == PINNED[key], (
        f"{key}: output changed; if intended, rerun with --update (see the module docstring)"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    PINS.write_text(json.dumps(current_digests(), indent=2, sort_keys=True) + "\n")
