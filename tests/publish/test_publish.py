"""`litecoder publish` and `litecoder export tb1` without containers.

Verdicts are put in the validation cache the way the engine leaves them (a report per task
content and probe set), so the gate is tested on what it reads; the Docker module checks the
same commands on tasks the engine really judged.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from harbor.mappers.terminal_bench import TerminalBenchTaskConfig
from harbor.models.dataset.manifest import DatasetManifest
from harbor.models.job.config import JobConfig
from harbor.models.registry import Registry
from harbor.models.task.config import TaskConfig, VerifierEnvironmentMode
from harbor.publisher.packager import Packager

from litecoder_harbor.gen.templates import iter_template_drafts
from litecoder_harbor.jobs import LOCAL_DOCKER
from litecoder_harbor.publish import NEVER_VALIDATED, task_digest
from litecoder_harbor.tasks.writer import write_task
from litecoder_harbor.validate import ATTACKS, ProbeResult, TaskReport, Verdict
from litecoder_harbor.validate.engine import probe_agents
from litecoder_harbor.validate.report import judge
from litecoder_harbor.validate.verdict_cache import VerdictCache

NAME, VERSION = "acme/terminal-tasks", "1.0.0"


def judged(
    task_dir: Path, jobs: Path, *, nop: float = 0.0, attacks: dict[str, float] | None = None
):
    """Cache a verdict for `task_dir`'s current content, as a validation run would."""
    probes = [ProbeResult(probe="oracle", expected=1, reward=1, trial_dir=jobs)]
    probes.append(ProbeResult(probe="nop", expected=0, reward=nop, trial_dir=jobs))
    probes += [
        ProbeResult(
            probe=f"attack:{a}", expected=0, reward=(attacks or {}).get(a, 0.0), trial_dir=jobs
        )
        for a in ATTACKS
    ]
    report = TaskReport(task=task_dir.name, task_dir=task_dir, probes=probes)
    judge(report)
    cache = VerdictCache(jobs / "verdicts", probe_agents(list(ATTACKS)), LOCAL_DOCKER)
    cache.put(cache.path(task_dir), report)
    return report.verdict


@pytest.fixture
def tasks(tmp_path) -> Path:
    """Three easy tasks: one sound, one gameable, one never validated."""
    folder = tmp_path / "tasks"
    for draft in iter_template_drafts(3, 1, difficulty="easy"):
        write_task(draft, folder)
    sound, gameable, _ = sorted(folder.iterdir())
    assert judged(sound, tmp_path / "jobs") is Verdict.SOUND
    assert judged(gameable, tmp_path / "jobs", attacks={"junk": 1}) is Verdict.GAMEABLE
    return folder


def publish(tasks: Path, out: Path, *extra: str, name=NAME, version=VERSION, env=None):
    return run_cli(
        "publish", "--tasks", str(tasks), "--name", name, "--version", version,
        "--out", str(out), "--jobs-dir", str(tasks.parent / "jobs"), *extra,
        env={"HOME": str(tasks.parent), **(env or {})},
    )  # fmt: skip


def tree(root: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_only_sound_tasks_are_published_with_harbor_digests(tasks, tmp_path):
    sound, gameable, unjudged = sorted(tasks.iterdir())
    out = tmp_path / "dist"
    proc = publish(tasks, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines() if "│" in line}
    assert "sound" in rows[sound.name] and "yes" in rows[sound.name]
    assert "gameable" in rows[gameable.name] and "no" in rows[gameable.name]
    assert NEVER_VALIDATED in rows[unjudged.name] and "no" in rows[unjudged.name]

    manifest = DatasetManifest.from_toml_file(out / "dataset.toml")
    assert (manifest.dataset.name, manifest.dataset.version) == (NAME, VERSION)
    [ref] = manifest.tasks
    assert ref.name == f"litecoder/{sound.name}"
    assert ref.digest == "sha256:" + Packager.compute_content_hash(sound)[0]
    assert sorted(p.name for p in (out / "tasks").iterdir()) == [sound.name]
    assert task_digest(out / "tasks" / sound.name) == ref.digest  # the copy is what was judged

    [spec] = Registry.from_path(out / "registry.json").datasets
    assert (spec.name, spec.version) == ("terminal-tasks", VERSION)
    assert [t.path for t in spec.tasks] == [(out / "tasks" / sound.name).resolve()]
    assert "harbor publish" in proc.stdout and "HARBOR_API_KEY" in proc.stdout


def test_card_says_what_the_set_is_and_how_it_was_validated(tasks, tmp_path):
    out = tmp_path / "dist"
    assert publish(tasks, out, "--license", "cc-by-4.0").returncode == 0
    card = (out / "README.md").read_text()
    sound = sorted(tasks.iterdir())[0].name
    family = sound.rsplit("-easy-", 1)[0]
    assert card.startswith("---\nlicense: cc-by-4.0\n")
    assert f"| {family} | 1 |" in card and "| easy | 1 |" in card
    assert all(f"| {attack} |" in card for attack in ATTACKS)  # the whole battery, named
    assert "1 of 1 tasks were judged `sound`" in card
    assert "- generator: litecoder-harbor" in card and "- seeds: 1" in card
    assert "Not validated" not in card

    marked = tmp_path / "marked"
    assert publish(tasks, marked, "--allow-unvalidated").returncode == 0
    card = (marked / "README.md").read_text()
    unjudged = sorted(tasks.iterdir())[2].name
    assert "**Not validated:** 1 of 2 tasks" in card and unjudged in card
    assert (
        len(DatasetManifest.from_toml_file(marked / "dataset.toml").tasks) == 2
    )  # gameable stays out


def test_rerun_changes_nothing_and_a_changed_task_is_not_republished(tasks, tmp_path):
    out = tmp_path / "dist"
    assert publish(tasks, out).returncode == 0
    before = tree(out)
    again = publish(tasks, out)
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert tree(out) == before  # bytes, modes and times

    sound = sorted(tasks.iterdir())[0]
    with (sound / "instruction.md").open("a") as f:
        f.write("\nOne more sentence.\n")
    judged(sound, tasks.parent / "jobs")  # even re-validated, this version is taken
    proc = publish(tasks, out)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"task litecoder/{sound.name} changed" in proc.stderr and "--version" in proc.stderr
    assert tree(out) == before

    bumped = publish(tasks, out, version="1.0.1")
    assert bumped.returncode == 0, bumped.stderr
    assert DatasetManifest.from_toml_file(out / "dataset.toml").dataset.version == "1.0.1"


def test_a_task_edited_after_validation_is_never_validated(tasks, tmp_path):
    sound = sorted(tasks.iterdir())[0]
    (sound / "tests" / "expected.json").write_text("{}")
    proc = publish(tasks, tmp_path / "dist")
    assert proc.returncode == 2
    assert "no task is sound (1 gameable, 2 never validated)" in proc.stderr
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "terminal-tasks"}, "--name terminal-tasks: not an org/name"),
        ({"name": "acme/a/b"}, "--name acme/a/b: not an org/name"),
        ({"version": "v-one"}, "--version v-one: not a PEP 440 version"),
        ({"out": "tasks/dist"}, "is inside --tasks"),
        ({"out": "."}, "--tasks"),  # the tasks are inside --out
    ],
)
def test_bad_input_is_one_line(tasks, tmp_path, args, message):
    out = tmp_path / args.pop("out", "dist")
    proc = publish(tasks, out, **args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "dist").exists() and not (tasks / "dist").exists()


def test_out_that_is_not_a_dataset_is_left_alone(tasks, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("keep me")
    proc = publish(tasks, out)
    assert proc.returncode == 2 and "not a published dataset" in proc.stderr
    assert [p.name for p in out.iterdir()] == ["todo.txt"]


def test_nothing_sound_is_one_line(tmp_path):
    folder = tmp_path / "tasks"
    write_task(next(iter_template_drafts(1, 1, difficulty="easy")), folder)
    proc = publish(folder, tmp_path / "dist")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "no task is sound (1 never validated)" in proc.stderr and "--validate" in proc.stderr


def test_harbor_publish_runs_exactly_when_credentials_exist(tasks, tmp_path):
    """A stand-in `harbor` first on PATH records what it was run with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv.json"
    stub = bin_dir / "harbor"
    stub.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"json.dump([sys.argv[1:], bool(os.environ.get('HARBOR_API_KEY'))], open({str(record)!r}, 'w'))\n"
    )
    stub.chmod(0o755)
    key = "hb_canary_0123456789"
    out = tmp_path / "dist"
    proc = publish(
        tasks, out, env={"HARBOR_API_KEY": key, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    argv, had_key = json.loads(record.read_text())
    assert argv == ["publish", str(out / "tasks"), str(out), "--tag", VERSION] and had_key
    assert key not in proc.stdout + proc.stderr
    assert all(key not in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_dist_is_a_tasks_tree_harborspec_loads(tasks, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    from trl.experimental.harbor import HarborSpec

    out = tmp_path / "dist"
    assert publish(tasks, out, "--allow-unvalidated").returncode == 0
    rows = HarborSpec(str(out)).train_dataset
    assert len(rows) == 2
    assert sorted(Path(d).name for d in rows["task_dir"]) == sorted(
        p.name for p in (out / "tasks").iterdir()
    )


# --- export tb1 -------------------------------------------------------------------------


def test_tb1_export_writes_the_legacy_layout(tasks, tmp_path):
    out = tmp_path / "tb1"
    proc = run_cli("export", "tb1", "--tasks", str(tasks), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for source in tasks.iterdir():
        exported = out / source.name
        data = yaml.safe_load((exported / "task.yaml").read_text())
        config = TerminalBenchTaskConfig.model_validate(data)  # how `harbor task migrate` reads it
        assert config.instruction == (source / "instruction.md").read_text()
        assert (data["difficulty"], data["category"], data["author_name"]) == (
            "easy",
            config.category,
            "unknown",
        )
        assert data["tags"] and config.max_agent_timeout_sec > 0 and config.max_test_timeout_sec > 0
        assert (exported / "Dockerfile").read_text() == (
            source / "environment" / "Dockerfile"
        ).read_text()
        assert yaml.safe_load((exported / "docker-compose.yaml").read_text())["services"]["client"]
        assert (exported / "solution.sh").read_text() == (
            source / "solution" / "solve.sh"
        ).read_text()
        assert (exported / "tests" / "harbor-test.sh").read_text() == (
            source / "tests" / "test.sh"
        ).read_text()
        assert not (exported / "tests" / "test.sh").exists()
        assert os.access(exported / "run-tests.sh", os.X_OK)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_tb1_export_refuses_what_tb1_cannot_hold_in_one_line(tasks, tmp_path):
    compose = sorted(tasks.iterdir())[1]
    (compose / "environment" / "docker-compose.yaml").write_text("services: {}\n")
    out = tmp_path / "tb1"
    proc = run_cli("export", "tb1", "--tasks", str(tasks), "--out", str(out))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"{compose.name}/environment/docker-compose.yaml" in proc.stderr
    assert not out.exists() or not any(out.iterdir())  # no task written when one is refused

    inside = run_cli("export", "tb1", "--tasks", str(tasks), "--out", str(tasks / "tb1"))
    assert inside.returncode == 2 and "is inside --tasks" in inside.stderr


def test_tb1_export_grades_a_separately_graded_task_in_the_agents_container(tasks, tmp_path):
    """Template tasks are graded in Harbor's separate verifier on their artifacts; TB1 has one
    container, where those files already are, so the export keeps the verifier unchanged."""
    task = sorted(tasks.iterdir())[0]
    config = TaskConfig.model_validate_toml((task / "task.toml").read_text())
    assert config.verifier.environment_mode == VerifierEnvironmentMode.SEPARATE
    assert config.artifacts
    out = tmp_path / "tb1"
    proc = run_cli("export", "tb1", "--tasks", str(tasks), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / task.name / "tests" / "harbor-test.sh").read_text() == (
        task / "tests" / "test.sh"
    ).read_text()


@pytest.mark.parametrize(
    ("verifier", "field"),
    [
        ('environment = { docker_image = "grader:1" }', "verifier.environment"),
        ('collect = [{ command = "crontab -l > /app/crontab" }]', "verifier.collect"),
    ],
)
def test_tb1_export_refuses_a_separate_verifier_it_cannot_stand_in_for(
    tasks, tmp_path, verifier, field
):
    task = sorted(tasks.iterdir())[1]
    toml = task / "task.toml"
    toml.write_text(toml.read_text().replace("collect = []", verifier, 1))
    assert TaskConfig.model_validate_toml(toml.read_text())  # a task Harbor accepts
    out = tmp_path / "tb1"
    proc = run_cli("export", "tb1", "--tasks", str(tasks), "--out", str(out))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"{task.name}/task.toml: {field}:" in proc.stderr
    assert not out.exists() or not any(out.iterdir())


# --- the adapter --------------------------------------------------------------------------

ADAPTER = Path(__file__).parents[2] / "adapters" / "litecoder-terminal"


def adapter(*args: str):
    import subprocess

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ADAPTER / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "litecoder_terminal.main", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_adapter_writes_the_benchmark_as_harbor_tasks(tmp_path):
    from harbor.models.task.task import Task

    out = tmp_path / "datasets" / "litecoder-terminal"
    proc = adapter("--output-dir", str(out), "--limit", "3")
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3
    template = ADAPTER / "src" / "litecoder_terminal" / "task-template"
    layout = {p.relative_to(template) for p in template.rglob("*") if p.is_file()}
    for name in names:
        task = Task(out / name)
        assert (task.config.source, task.config.task.name) == (
            "litecoder-terminal",
            f"litecoder/{name}",
        )
        assert task.config.metadata["litecoder"]["seed"] in (0, 1, 2)
        assert all((out / name / path).is_file() for path in layout), name  # the template's layout
    before = {n: task_digest(out / n) for n in names}
    again = adapter("--output-dir", str(out), "--limit", "3")
    assert again.returncode == 0 and again.stdout.count("unchanged") == 3
    assert {n: task_digest(out / n) for n in names} == before

    picked = tmp_path / "picked"
    assert adapter("--output-dir", str(picked), "--task-ids", names[1]).returncode == 0
    assert [p.name for p in picked.iterdir()] == [names[1]]
    assert task_digest(picked / names[1]) == before[names[1]]

    bad = adapter("--output-dir", str(picked), "--task-ids", "no-such-task")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --task-ids no-such-task")
    too_many = adapter("--output-dir", str(picked), "--limit", "101")
    assert too_many.returncode == 2 and too_many.stderr.startswith("error: --limit 101")


def test_adapter_files_follow_harbors_layout():
    for path in ("pyproject.toml", "README.md", "adapter_metadata.json", "parity_experiment.json",
                 "run_litecoder-terminal.yaml", "src/litecoder_terminal/adapter.py",
                 "src/litecoder_terminal/main.py", "src/litecoder_terminal/task-template/task.toml",
                 "src/litecoder_terminal/task-template/instruction.md",
                 "src/litecoder_terminal/task-template/environment/Dockerfile",
                 "src/litecoder_terminal/task-template/solution/solve.sh",
                 "src/litecoder_terminal/task-template/tests/test.sh"):  # fmt: skip
        assert (ADAPTER / path).is_file(), path
    JobConfig.model_validate(yaml.safe_load((ADAPTER / "run_litecoder-terminal.yaml").read_text()))
    parity = json.loads((ADAPTER / "parity_experiment.json").read_text())
    for experiment in parity:
        for metric in experiment["metrics"]:
            assert metric["original_runs"] and metric["harbor_runs"]  # measured, not placeholders
            assert "<" not in metric["original"] + metric["harbor"]


def test_push_to_hub_sends_dist_as_one_commit_without_the_local_registry(tasks, tmp_path):
    from support.hf_hub_stub import HubStub

    token = "hf_canary0123456789abcdef"
    out = tmp_path / "dist"
    with HubStub() as hub:
        proc = publish(
            tasks, out, "--push-to-hub", "acme/tasks-repo",
            env={"HF_ENDPOINT": hub.url, "HF_TOKEN": token, "HF_HOME": str(tmp_path / "hf"),
                 "HF_HUB_DISABLE_TELEMETRY": "1"},
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo = hub.repos["acme/tasks-repo"]
    assert repo.commits == [f"{NAME}@{VERSION}"] and hub.unexpected == []
    local = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(repo.files) == local - {"registry.json"}
    assert repo.files["README.md"] == (out / "README.md").read_bytes()
    assert token not in proc.stdout + proc.stderr

    bad = publish(tasks, tmp_path / "other", "--push-to-hub", "not a repo")
    assert bad.returncode == 2 and "--push-to-hub: 'not a repo' is not a Hub repo id" in bad.stderr
    assert not (tmp_path / "other").exists()
