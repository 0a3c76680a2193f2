"""Export Harbor tasks in the Terminal-Bench 1.0 task format, for the legacy `tb` harness:

    <task>/task.yaml            instruction, author, difficulty, category, tags, timeouts
    <task>/Dockerfile           the task's environment/Dockerfile, beside its build files
    <task>/docker-compose.yaml  tb's one `client` service built from that Dockerfile
    <task>/solution.sh          the task's solution/solve.sh, unpacking its other solution/
                                files into /solution first (TB1 ships solution.sh alone)
    <task>/run-tests.sh         runs the task's own verifier, reports its reward to tb's parser
    <task>/tests/               the task's tests/, its test.sh kept as harbor-test.sh

The verifier is not rewritten: `run-tests.sh` runs it unchanged and turns its reward into the
exit status and one pytest-style result line (tb's default parser reads those). `harbor task
migrate` converts the export back into a Harbor task that grades the same way.

TB1 has one container and grades in it. A task graded in Harbor's separate verifier on its
declared artifacts (the same image, the files at the same paths) is exported graded in the
agent's container, where those files already are: the same reward for the same work, without
the separate container's defence against an agent that replaces the grader's binaries. A
separate verifier TB1 cannot stand in for (its own environment, or `[[verifier.collect]]`
commands that build the artifacts) is refused.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path

import yaml
from harbor.mappers.terminal_bench import TerminalBenchTaskConfig
from harbor.models.task.config import TaskConfig
from harbor.models.task.paths import TaskPaths

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import swap_in_dir

VERIFIER = "harbor-test.sh"
STAGING_PREFIX = ".litecoder-tb1-"
TB1_NAMES = {"task.yaml", "solution.sh", "run-tests.sh", "tests", "docker-compose.yaml"}
DIFFICULTIES = {"easy", "medium", "hard"}

COMPOSE = """\
services:
  client:
    build:
      dockerfile: Dockerfile
    image: ${T_BENCH_TASK_DOCKER_CLIENT_IMAGE_NAME}
    container_name: ${T_BENCH_TASK_DOCKER_CLIENT_CONTAINER_NAME}
    command: [ "sh", "-c", "sleep infinity" ]
    environment:
      - TEST_DIR=${T_BENCH_TEST_DIR}
    volumes:
      - ${T_BENCH_TASK_LOGS_PATH}:${T_BENCH_CONTAINER_LOGS_PATH}
      - ${T_BENCH_TASK_AGENT_LOGS_PATH}:${T_BENCH_CONTAINER_AGENT_LOGS_PATH}
"""

RUN_TESTS = f"""\
#!/bin/bash
# Terminal-Bench 1.0 entry point: runs the task's own Harbor verifier ($TEST_DIR/{VERIFIER}),
# which writes its reward to /logs/verifier, and reports that reward as one pytest-style
# result (what tb's default parser reads). Exits 0 exactly when the reward is 1.
mkdir -p /logs/verifier
bash "$TEST_DIR/{VERIFIER}"
reward=$(cat /logs/verifier/reward.txt 2>/dev/null \\
    || sed -n 's/.*"reward": *\\([-0-9.eE+]*\\).*/\\1/p' /logs/verifier/reward.json 2>/dev/null)
echo "=========================== short test summary info ============================"
if awk -v r="$reward" 'BEGIN {{ exit !(r + 0 >= 1) }}'; then
    echo "PASSED {VERIFIER}::reward"
else
    echo "FAILED {VERIFIER}::reward - reward ${{reward:-missing}}"
fi
awk -v r="$reward" 'BEGIN {{ exit !(r + 0 >= 1) }}'
"""


def export_tb1(task_dirs: list[Path], out: Path) -> list[Path]:
    """Write each task as `out/<task>/` in TB1 format; every task is checked before anything
    is written, and each lands whole (an existing export of it is replaced)."""
    plans = [(task_dir, _task_yaml(task_dir)) for task_dir in task_dirs]
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        for task_dir, task_yaml in plans:
            _write(task_dir, task_yaml, stage / task_dir.name)
        written = []
        for task_dir, _ in plans:
            swap_in_dir(stage / task_dir.name, out / task_dir.name, aside_prefix=STAGING_PREFIX)
            written.append(out / task_dir.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return written


def _task_yaml(task_dir: Path) -> str:
    """task.yaml for `task_dir`, checked against tb's own task model where it is installed and
    Harbor's reading of it (the migrate mapper) always; the task refused if TB1 cannot hold it."""
    paths = TaskPaths(task_dir)
    config = TaskConfig.model_validate_toml(paths.config_path.read_text())
    where = task_dir.name
    if paths.steps_dir.exists():
        raise LitecoderError(f"{where}/steps: a multi-step task has no TB1 form")
    if config.environment.os.lower() != "linux":
        raise LitecoderError(f"{where}/task.toml: environment.os: TB1 runs Linux tasks only")
    if not (paths.environment_dir / "Dockerfile").is_file():
        raise LitecoderError(
            f"{where}/environment/Dockerfile: missing; TB1 builds every task from one"
        )
    if (paths.environment_dir / "docker-compose.yaml").exists():
        raise LitecoderError(
            f"{where}/environment/docker-compose.yaml: a task with its own services has no TB1 form here"
        )
    clash = sorted(p.name for p in paths.environment_dir.iterdir() if p.name in TB1_NAMES)
    if clash:
        raise LitecoderError(
            f"{where}/environment/{clash[0]}: the name TB1 gives its own {clash[0]}",
            hint="rename the file in the task's environment",
        )
    if config.verifier.environment is not None:
        raise LitecoderError(
            f"{where}/task.toml: verifier.environment: TB1 grades in the agent's container; "
            "a verifier with its own environment has no TB1 form"
        )
    if config.verifier.collect:
        raise LitecoderError(
            f"{where}/task.toml: verifier.collect: TB1 has no step between the agent and the "
            "tests to run these commands in"
        )
    if not paths.solve_path.is_file():
        raise LitecoderError(f"{where}/solution/solve.sh: missing; TB1 needs solution.sh")
    if not paths.test_path.is_file():
        raise LitecoderError(f"{where}/tests/test.sh: missing")
    if (paths.tests_dir / VERIFIER).exists():
        raise LitecoderError(f"{where}/tests/{VERIFIER}: the name the export gives test.sh")
    metadata = config.metadata
    author = config.task.authors[0] if config.task and config.task.authors else None
    difficulty = str(metadata.get("difficulty", "unknown"))
    data = {
        "instruction": paths.instruction_path.read_text(),
        "author_name": author.name if author else "unknown",
        "author_email": (author.email if author and author.email else "unknown"),
        "difficulty": difficulty if difficulty in DIFFICULTIES else "unknown",
        "category": str(metadata.get("category") or "software_engineering"),
        "tags": [str(t) for t in metadata.get("tags", [])],
        "parser_name": "pytest",
        "max_agent_timeout_sec": float(config.agent.timeout_sec or 360.0),
        "max_test_timeout_sec": float(config.verifier.timeout_sec),
        "run_tests_in_same_shell": False,
    }
    TerminalBenchTaskConfig.model_validate(data)
    _check_with_terminal_bench(data, where)
    return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=4096)


def _check_with_terminal_bench(data: dict, where: str) -> None:
    """tb's own model of task.yaml, when the `terminal-bench` package is installed."""
    try:
        from terminal_bench.handlers.trial_handler import Task
    except ImportError:
        return
    try:
        Task.model_validate(data)
    except ValueError as exc:
        raise LitecoderError(f"{where}/task.yaml: terminal-bench rejects it: {exc}") from None


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (the instruction) as `|` blocks, as TB1 task.yaml files write them."""


_LiteralDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def _write(task_dir: Path, task_yaml: str, dest: Path) -> None:
    paths = TaskPaths(task_dir)
    shutil.copytree(paths.environment_dir, dest)
    (dest / "task.yaml").write_text(task_yaml)
    (dest / "docker-compose.yaml").write_text(COMPOSE)
    _executable(dest / "solution.sh", _solution_script(paths))
    _executable(dest / "run-tests.sh", RUN_TESTS)
    shutil.copytree(paths.tests_dir, dest / "tests", ignore=shutil.ignore_patterns("test.sh"))
    _executable(dest / "tests" / VERIFIER, paths.test_path.read_text())


def _solution_script(paths: TaskPaths) -> str:
    """solve.sh, with the other files of solution/ (which Harbor's oracle uploads to
    /solution beside it) written there by the script itself first."""
    solve = paths.solve_path.read_text()
    others = sorted(
        p for p in paths.solution_dir.rglob("*") if p.is_file() and p != paths.solve_path
    )
    if not others:
        return solve
    shebang, _, body = (
        solve.partition("\n") if solve.startswith("#!") else ("#!/bin/bash", "", solve)
    )
    unpack = [
        shebang,
        "# The reference solution's other files, unpacked where it reads them (TB1 ships only",
        "# this script).",
    ]
    for file in others:
        target = f"/solution/{file.relative_to(paths.solution_dir).as_posix()}"
        encoded = base64.encodebytes(file.read_bytes()).decode()
        unpack += [
            f"mkdir -p '{target.rsplit('/', 1)[0]}'",
            f"base64 -d > '{target}' <<'LITECODER_SOLUTION_FILE'",
            encoded.rstrip("\n"),
            "LITECODER_SOLUTION_FILE",
        ]
    return "\n".join(unpack) + "\n" + body


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)
