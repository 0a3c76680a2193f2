"""Conventions every backend shares: where a task is graded."""

from harbor.models.task.config import TaskConfig
from harbor.models.task.task import Task
from harbor.models.task.verifier_mode import resolve_task_verifier_mode

from litecoder_harbor.tasks.conventions import grade_separately
from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.tasks.writer import write_task


def test_result_paths_make_a_separate_verifier_harbor_loads(tmp_path):
    draft = TaskDraft(name="t", instruction="Write /app/out/a.txt.", solution="true",
                      test_command="true", environment={"Dockerfile": TaskFile(content="FROM debian\n")})  # fmt: skip
    grade_separately(draft.config, ["/app", "/app/out/a.txt", "/srv/site/", "/srv/site/x", "/app"])
    task = Task(write_task(draft, tmp_path))  # Harbor refuses overlapping artifacts
    assert resolve_task_verifier_mode(task.config).value == "separate"
    assert task.config.artifacts == ["/app", "/srv/site/"]


def test_no_result_paths_keep_grading_in_the_agents_container():
    config = grade_separately(TaskConfig(), [])
    assert resolve_task_verifier_mode(config).value == "shared" and config.artifacts == []
