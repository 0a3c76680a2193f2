"""Finding task dirs: what a killed writer leaves behind is never taken for a task."""

import pytest
from conftest import bare_task

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.tasks.discovery import find_tasks, task_dirs_in
from litecoder_harbor.tasks.writer import TMP_PREFIX


def with_debris(folder):
    """`folder` with two tasks and copies of one where a killed `gen` leaves its staging."""
    bare_task(folder, "alpha")
    bare_task(folder, "beta")
    bare_task(folder, f"{TMP_PREFIX}alpha-k1ll3d")
    bare_task(folder, ".tmp-draft1")
    return folder


def test_hidden_staging_folders_are_not_tasks(tmp_path):
    folder = with_debris(tmp_path)
    assert [p.name for p in task_dirs_in([folder])] == ["alpha", "beta"]
    assert [p.name for p in find_tasks(folder)] == ["alpha", "beta"]


def test_a_folder_of_only_debris_holds_no_tasks(tmp_path):
    bare_task(tmp_path, f"{TMP_PREFIX}alpha-k1ll3d")
    with pytest.raises(LitecoderError, match="no Harbor task dirs"):
        find_tasks(tmp_path)
    with pytest.raises(LitecoderError, match="neither a task dir"):
        task_dirs_in([tmp_path])
