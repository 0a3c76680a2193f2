"""Every bad CLI input is one `error:` line naming the option or file, exit code 2, before any
work starts and with nothing written; text from a task never acts on the user's terminal."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import bare_task, run_cli

from litecoder_harbor.tasks.writer import TMP_PREFIX

UNWRITABLE = "/sys/litecoder-out"
"""Under sysfs, which nobody (root included) can create files in: a read-only place on any
Linux machine, where a chmod-ed folder would not stop root."""

SPEC = str(Path(__file__).parents[2] / "examples" / "domains.yaml")
TERMINAL_CONTROLS = ("\x1b", "\x07", "\r", "\x9b")


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def refused(proc, option: str) -> str:
    """The one `error:` line of a refused command; it names `option`."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}"), proc.stderr
    return lines[0]


@pytest.fixture
def workspace(tmp_path):
    """A folder with one task dir, a plain file and an empty folder (places to point options at)."""
    bare_task(tmp_path / "tasks")
    (tmp_path / "a-file").write_text("mine\n")
    (tmp_path / "a-folder").mkdir()
    return tmp_path


OUTPUT_CASES = [
    # (command and options; {} is the workspace), the option named, what is said
    (["gen", "--n", "1", "--out", UNWRITABLE], "--out", "cannot write in /sys"),
    (["gen", "--n", "1", "--out", "{}/a-file/tasks"], "--out", "a-file is a file, not a folder"),
    (["gen", "--n", "1", "--out", "{}/a-file"], "--out", "is a file, not a folder"),
    (
        ["gen", "--n", "1", "--out", "{}/out", "--validate", "--jobs-dir", UNWRITABLE],
        "--jobs-dir",
        "cannot write in /sys",
    ),
    (
        ["gen", "--n", "1", "--out", "{}/out", "--validate", "--jobs-dir", "{}/a-file"],
        "--jobs-dir",
        "is a file, not a folder",
    ),
    (
        ["gen", "--backend", "llm", "--spec", SPEC, "--out", "{}/out", "--work", "{}/a-file/w"],
        "--work",
        "is a file, not a folder",
    ),
    (
        ["validate", "{}/tasks", "--static-only", "--report", f"{UNWRITABLE}/r.json"],
        "--report",
        "cannot write in /sys",
    ),
    (
        ["validate", "{}/tasks", "--static-only", "--report", "{}/a-folder"],
        "--report",
        "is a folder, not a file",
    ),
    (
        ["validate", "{}/tasks", "--static-only", "--report", "{}/a-file/r.json"],
        "--report",
        "is a file, not a folder",
    ),
    (["validate", "{}/tasks", "--jobs-dir", UNWRITABLE], "--jobs-dir", "cannot write in /sys"),
    (["validate", "{}/tasks", "--jobs-dir", "{}/a-file"], "--jobs-dir", "is a file, not a folder"),
    (
        ["collect", "--tasks", "{}/tasks", "--model", "openai/x", "--out", UNWRITABLE],
        "--out",
        "cannot write in /sys",
    ),
    (
        ["collect", "--tasks", "{}/tasks", "--model", "openai/x", "--out", "{}/a-file"],
        "--out",
        "is a file, not a folder",
    ),
]


@pytest.mark.parametrize(("args", "option", "message"), OUTPUT_CASES)
def test_unusable_output_location_is_refused_before_any_work(workspace, args, option, message):
    before = tree(workspace)
    proc = run_cli(*(arg.replace("{}", str(workspace)) for arg in args))
    assert message in refused(proc, option)
    assert tree(workspace) == before


PREFLIGHT_CASES = [
    (["validate", "{}/tasks", "--env", "no_such_module:Env"], "--env", "Failed to import module"),
    (["validate", "{}/tasks", "--env", "litecoder_harbor.jobs:Nope"], "--env", "has no class"),
    (["validate", "{}/tasks", "--env", "os.path:join"], "--env", "must be a class"),
    (["validate", "{}/tasks", "--env", "pathlib:Path"], "--env", "must subclass BaseEnvironment"),
    (["teacher", "serve", "--tasks", "{}/tasks", "--port", "70000"], "--port", "out of range"),
    (["gen", "--out", "{}/out", "--n", "100001"], "--n", "between 1 and 100,000"),
    (["spec", "check", SPEC, "--n", "100001"], "--n", "between 1 and 100,000"),
    (
        ["collect", "--tasks", "{}/tasks", "--model", "openai/x", "--out", "{}/j", "-k", "100001"],
        "-k",
        "between 1 and 100,000",
    ),
    (["gen", "--out", "{}/out", "--spec", SPEC], "--spec", "applies to --backend llm only"),
    (["gen", "--out", "{}/out", "--api-base", "http://h/v1"], "--api-base", "llm only"),
    (["gen", "--out", "{}/out", "--work", "{}/w"], "--work", "llm only"),
    (["gen", "--out", "{}/out", "--force-new"], "--force-new", "llm only"),
    *(
        (
            ["gen", "--out", "{}/out", "--backend", "llm", "--spec", SPEC, *option],
            option[0],
            "applies to --backend template only",
        )
        for option in (
            ["--family", "sales-rollup"],
            ["--domain", "games"],
            ["--difficulty", "easy"],
            ["--overwrite"],
            ["--validate"],
        )
    ),
    (["gen", "--out", "{}/out", "--backend", "magic"], "--backend", "use one of: template, llm"),
]


@pytest.mark.parametrize(("args", "option", "message"), PREFLIGHT_CASES)
def test_what_cannot_work_is_refused_before_anything_runs(workspace, args, option, message):
    before = tree(workspace)
    proc = run_cli(*(arg.replace("{}", str(workspace)) for arg in args), cwd=workspace)
    assert message in refused(proc, option)
    assert tree(workspace) == before


HOSTILE = "t\x1b[31mred\x1b]8;;http:\x07click\x1b]8;;\x07\r\x9b2J[bold red]LOUD [link=x.test]L"
"""A task name with a CSI colour, an OSC hyperlink (ended by BEL), a carriage return, a C1 CSI
and rich markup: none of it may reach the terminal as anything but visible text."""


def test_text_from_a_task_is_shown_not_obeyed(tmp_path):
    bare_task(tmp_path / "tasks", HOSTILE)
    shown = run_cli("validate", str(tmp_path / "tasks"), "--static-only")
    assert shown.returncode == 1, shown.stdout + shown.stderr
    findings = [line for line in shown.stdout.splitlines() if "stale-reward tests/test.sh" in line]
    assert findings and all(c not in shown.stdout for c in TERMINAL_CONTROLS)
    assert findings[0].startswith(r"t\x1b[31mred\x1b]8;;http:\x07click")
    assert "[bold red]LOUD [link=x.test]L:" in findings[0]

    (tmp_path / "tasks" / HOSTILE / "task.toml").write_text("[agent\n")
    failed = run_cli(
        "collect", "--tasks", str(tmp_path / "tasks"), "--model", "openai/x",
        "--out", str(tmp_path / "jobs"),
    )  # fmt: skip
    line = refused(failed, str(tmp_path / "tasks"))
    assert all(c not in failed.stderr for c in TERMINAL_CONTROLS)
    assert "[bold red]LOUD [link=x.test]L/task.toml: Harbor rejects task.toml" in line


def test_leftovers_of_a_killed_gen_are_not_tasks(tmp_path):
    tasks = bare_task(tmp_path / "tasks", "real")
    bare_task(tasks, f"{TMP_PREFIX}real-k1ll3d")
    bare_task(tasks, ".tmp-draft")
    proc = run_cli("validate", str(tasks), "--static-only", "--keep-going")
    assert proc.returncode == 0, proc.stderr
    assert "real" in proc.stdout and "k1ll3d" not in proc.stdout and "draft" not in proc.stdout
    assert "0/1 task(s) passed" in proc.stdout


def test_two_gen_runs_into_one_folder_both_succeed(tmp_path):
    out = tmp_path / "tasks"
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: run_cli("gen", "--out", str(out), "--n", "20"), range(2)))
    assert [proc.returncode for proc in runs] == [0, 0], [proc.stderr for proc in runs]
    assert sorted(proc.stdout.count("written") for proc in runs) == [0, 20]
    entries = list(out.iterdir())
    assert len(entries) == 20 and not [p for p in entries if p.name.startswith(".")]
    assert {p.stat().st_mode & 0o777 for p in entries} == {0o755}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gen", "--out", "x", "--n", "abc"], "Invalid value for '--n'"),
        (["validate", "--bogus", "x"], "No such option: --bogus"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_a_wrong_option_or_value_is_one_line_too(tmp_path, args, message):
    proc = run_cli(*args, cwd=tmp_path)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert "--help" in lines[0] and tree(tmp_path) == []


def test_no_arguments_shows_the_help(tmp_path):
    proc = run_cli(cwd=tmp_path)
    assert (
        proc.returncode == 2
        and "gen" in proc.stdout + proc.stderr
        and "Traceback" not in proc.stderr
    )
