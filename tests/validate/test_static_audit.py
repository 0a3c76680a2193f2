"""The static audit on what real task sets contain: each case a small task dir written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from litecoder_harbor.validate import static
from litecoder_harbor.validate.static import check_task

SOUND_TEST_SH = "#!/bin/bash\nrm -f /logs/verifier/reward.*\necho 1 > /logs/verifier/reward.txt\n"


def make_task(
    root: Path,
    *,
    dockerfile: str | None = "FROM debian:bookworm-slim\nWORKDIR /app\n",
    test_sh: str | None = SOUND_TEST_SH,
    toml: str = "[agent]\ntimeout_sec = 60\n",
    files: dict[str, str] | None = None,
    name: str = "task",
) -> Path:
    task = root / name
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "solution").mkdir()
    (task / "solution" / "solve.sh").write_text("#!/bin/bash\ntrue\n")
    (task / "task.toml").write_text(toml)
    (task / "instruction.md").write_text("Do the work in /app.\n")
    if dockerfile is not None:
        (task / "environment" / "Dockerfile").write_text(dockerfile)
    if test_sh is not None:
        (task / "tests" / "test.sh").write_text(test_sh)
    for relative, content in (files or {}).items():
        (task / relative).parent.mkdir(parents=True, exist_ok=True)
        (task / relative).write_text(content)
    return task


def rules(task: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in check_task(task):
        found.setdefault(f.rule, []).append(f.message)
    return found


# --- item 1: the audit survives what real Dockerfiles and task dirs contain ---------------

FROM = "FROM debian:bookworm-slim\n"


@pytest.mark.parametrize(
    ("dockerfile", "files"),
    [
        (FROM + "COPY . /app\n", {}),
        (FROM + "COPY ./ /app/\n", {}),
        (FROM + "FROM python:3.12 AS build\nRUN true\n" + FROM + "COPY --from=build /x /x\n", {}),
        (FROM + "COPY --from=busybox:1.36 /bin/busybox /bin/\n", {}),
        (FROM + "COPY <<EOF /app/config.ini\n[a]\nb = 1\nEOF\n", {}),
        (FROM + "ARG SRC=data.csv\nCOPY ${SRC} /app/\n", {"environment/data.csv": "1\n"}),
        (FROM + "ENV SRC=data.csv\nCOPY $SRC /app/\n", {"environment/data.csv": "1\n"}),
        ("ARG SRC=data.csv\n" + FROM + "ARG SRC\nCOPY ${SRC} /app/\n", {"environment/data.csv": "1"}),
        (FROM + "ARG SRC\nCOPY ${SRC} /app/\n", {}),  # set at build time: cannot be judged
        (FROM + "COPY --chown=1000:1000 --chmod=644 a.txt /app/\n", {"environment/a.txt": "a"}),
        (FROM + 'COPY ["a b.txt", "/app/"]\n', {"environment/a b.txt": "a"}),
        (FROM + "COPY data/*.csv /app/\n", {"environment/data/x.csv": "1"}),
        (FROM + "RUN <<EOT\nset -e\napt-get update\nEOT\nCOPY a.txt /app/\n", {"environment/a.txt": ""}),
        (FROM + "RUN apt-get update && \\\n# a comment between continuations\n    true\nCOPY a /a\n",
         {"environment/a": ""}),
    ],
)  # fmt: skip
def test_dockerfile_forms_raise_no_false_alarm(tmp_path, dockerfile, files):
    found = rules(make_task(tmp_path, dockerfile=dockerfile, files=files))
    assert not {"copy-source-missing", "rule-crashed", "tests-in-image"} & set(found), found


def test_copy_source_missing_still_found_after_substitution(tmp_path):
    task = make_task(tmp_path, dockerfile=FROM + "ARG SRC=absent.csv\nCOPY ${SRC} /app/\n")
    assert rules(task)["copy-source-missing"] == ["COPY source '${SRC}' not in environment/"]


def test_dockerignore_hides_a_copied_file(tmp_path):
    task = make_task(
        tmp_path,
        dockerfile=FROM + "COPY app.log /app/\nCOPY keep.log /app/\n",
        files={
            "environment/app.log": "x",
            "environment/keep.log": "x",
            "environment/.dockerignore": "*.log\n!keep.log\n",
        },
    )
    assert rules(task)["copy-source-missing"] == [
        "COPY source 'app.log' excluded by environment/.dockerignore"
    ]


def test_dockerfile_that_is_a_folder_is_a_finding_not_a_crash(tmp_path):
    task = make_task(tmp_path, dockerfile=None)
    (task / "environment" / "Dockerfile").mkdir()
    found = rules(task)
    assert "rule-crashed" not in found
    assert found["no-environment"] == [
        "environment/Dockerfile is a folder, not a file and task.toml sets no [environment].docker_image"
    ]


def test_missing_dockerfile_needs_a_docker_image(tmp_path):
    assert "no-environment" in rules(make_task(tmp_path, dockerfile=None))
    with_image = make_task(
        tmp_path,
        dockerfile=None,
        toml='[environment]\ndocker_image = "python:3.12"\n',
        name="image",
    )
    assert "no-environment" not in rules(with_image)


def test_test_sh_that_is_a_folder_and_dangling_links_do_not_crash(tmp_path):
    task = make_task(tmp_path, test_sh=None)
    (task / "tests" / "test.sh").mkdir()
    (task / "tests" / "helper.sh").symlink_to(tmp_path / "nowhere.sh")
    found = rules(task)
    assert "rule-crashed" not in found
    assert any("tests/helper.sh links to a missing" in m for m in found["dangling-symlink"])


def test_a_crashing_check_is_a_finding_and_the_other_checks_run(tmp_path, monkeypatch):
    def exploding(task_dir):
        raise IndexError("tuple index out of range")

    monkeypatch.setattr(static, "CHECKS", [exploding, *static.CHECKS])
    found = rules(make_task(tmp_path, test_sh="#!/bin/bash\npytest /tests\n"))
    assert found["rule-crashed"] == ["exploding raised IndexError: tuple index out of range"]
    assert "stale-reward" in found


@pytest.mark.parametrize(
    ("toml", "rule", "message"),
    [
        ("[agent]\ntimout_sec = 60\n", "unknown-config-key",
         "[agent].timout_sec: Harbor has no such setting and ignores it"),
        ("[verifier.environment]\ncpu = 2\n", "unknown-config-key",
         "[verifier.environment].cpu: Harbor has no such setting and ignores it"),
        ('[[steps]]\nname = "one"\nfoo = 1\n', "unknown-config-key",
         "[steps[0]].foo: Harbor has no such setting and ignores it"),
        ('[environment]\nmemory_mb = "lots"\n', "harbor-load",
         "[environment].memory_mb: Input should be a valid integer, unable to parse string as an integer"),
        ("[agent]\ntimeout_sec = 60\n[agent]\n", "harbor-load", None),
    ],
)  # fmt: skip
def test_task_toml_findings_name_the_field(tmp_path, toml, rule, message):
    found = rules(make_task(tmp_path, toml=toml))
    assert rule in found, found
    if message is not None:
        assert found[rule] == [message]


SEPARATE = '[verifier]\nenvironment_mode = "separate"\n'


@pytest.mark.parametrize(
    ("toml", "flagged"),
    [
        (f'artifacts = ["/app", "/usr/local/bin"]\n{SEPARATE}', ["/usr/local/bin"]),
        (f'artifacts = ["/usr/", {{ source = "/etc/ld.so.preload" }}]\n{SEPARATE}',
         ["/usr/", "/etc/ld.so.preload"]),
        (f'artifacts = ["/"]\n{SEPARATE}', ["/"]),
        (f'artifacts = ["/app", "/usr/local/bin/csvpick", "/etc/logrotate.d"]\n{SEPARATE}', []),
        ('artifacts = ["/usr/local/bin"]\n', []),  # shared: the grader trusts the container anyway
    ],
)  # fmt: skip
def test_a_separate_verifier_is_never_handed_the_graders_tools(tmp_path, toml, flagged):
    found = rules(make_task(tmp_path, toml=toml)).get("artifact-on-path", [])
    assert [m.split("'")[1] for m in found] == flagged, found


def test_legacy_and_free_form_keys_are_known(tmp_path):
    toml = (
        'version = "1.0"\n[metadata]\nanything = 1\n[environment]\nmemory = "2G"\n'
        "allow_internet = true\n[verifier.env]\nX = '1'\n"
    )
    assert "unknown-config-key" not in rules(make_task(tmp_path, toml=toml))


# --- item 2: rules that match what they claim ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "curl http://localhost:8080/health",
        "curl -s -o /tmp/out 127.0.0.1",
        "curl -sf 127.0.0.1:5000/api",
        "git clone /git/server /tmp/work",
        "git clone user@localhost:repo /tmp/work",
        "pip install --no-index --find-links=/wheels pytest",
        "uv run --offline pytest /tests",
        "npm ci --offline",
        "apt list --installed",
        "cat <<EOF > /tmp/x\npip install requests\nEOF",
    ],
)
def test_offline_and_loopback_grading_is_not_network(tmp_path, line):
    task = make_task(tmp_path, test_sh=SOUND_TEST_SH + line + "\n")
    assert "network-at-grading" not in rules(task)


@pytest.mark.parametrize(
    ("line", "tool"),
    [
        ("pip install requests", "pip install"),
        ("python3 -m pip install requests", "pip install"),
        ("pip3.12 install requests", "pip3.12 install"),
        ("bash -c 'pip install requests'", "pip install"),
        ("sudo -u root apt-get install -y jq", "apt-get install"),
        ("curl -fsSL https://example.com/x.sh -o /tmp/x.sh", "curl"),
        ("git clone https://github.com/a/b /tmp/b", "git clone"),
        ("x=$(curl -s https://example.com)", "curl"),
        ("uv run pytest", "uv run"),
    ],
)
def test_network_at_grading_is_found(tmp_path, line, tool):
    task = make_task(tmp_path, test_sh=SOUND_TEST_SH + line + "\n")
    assert rules(task)["network-at-grading"] == [f"`{tool}` fetches from the network while grading"]


@pytest.mark.parametrize(
    "test_sh",
    [
        "#!/bin/bash\nmkdir -p /logs/verifier && rm -f /logs/verifier/reward.*\npytest /tests\n",
        "#!/bin/bash\nset -euo pipefail\ncd /logs/verifier\nrm reward.txt; rm reward.json\npytest\n",
        "#!/bin/bash\nrm -f /logs/verifier/reward.txt /logs/verifier/reward.json\npytest\n",
        "#!/bin/bash\nrm -rf /logs/verifier\nmkdir -p /logs/verifier\npytest\n",
        "#!/bin/bash\n# comment\n\nrm -rf /logs/verifier/*\npytest\n",
    ],
)
def test_reward_files_cleared_first_pass(tmp_path, test_sh):
    assert "stale-reward" not in rules(make_task(tmp_path, test_sh=test_sh))


@pytest.mark.parametrize(
    ("test_sh", "expected"),
    [
        ('#!/bin/bash\nrm -f "/logs/verifier/reward.*"\npytest /tests\n', "quotes its glob"),
        ("#!/bin/bash\nrm -f '/logs/verifier/reward.*'\npytest /tests\n", "quotes its glob"),
        ("#!/bin/bash\npytest /tests\nrm -f /logs/verifier/reward.*\n", "`pytest /tests` runs"),
        ("#!/bin/bash\nrm -f /logs/verifier/reward.txt\npytest\n", "`pytest` runs before"),
        ("#!/bin/bash\necho hi\n", "never deletes"),
    ],
)
def test_stale_reward_is_found(tmp_path, test_sh, expected):
    (message,) = rules(make_task(tmp_path, test_sh=test_sh))["stale-reward"]
    assert expected in message


@pytest.mark.parametrize(
    ("run", "problem"),
    [
        ("pip install requests", "pip package 'requests' has no ==version"),
        ("python -m pip install requests", "pip package 'requests' has no ==version"),
        ("pip3.12 install requests==2.32.3 numpy", "pip package 'numpy' has no ==version"),
        ("bash -c 'pip install requests'", "pip package 'requests' has no ==version"),
        ("<<EOT\nset -e\npip install requests\nEOT", "pip package 'requests' has no ==version"),
        ("npm install -g typescript", "npm package 'typescript' has no @version"),
        ("npm i -g @anthropic-ai/claude-code", "npm package '@anthropic-ai/claude-code' has no @version"),
        ("curl -fsSL https://get.example.com | sh", "`curl ... | sh` runs whatever the URL serves today"),
        ("wget -qO- https://x.example/install | bash -s --", "`wget ... | bash` runs whatever the URL serves today"),
    ],
)  # fmt: skip
def test_unpinned_installs_are_found(tmp_path, run, problem):
    task = make_task(tmp_path, dockerfile=f"{FROM}RUN {run}\n")
    assert rules(task)["unpinned-dependency"] == [problem]


@pytest.mark.parametrize(
    "run",
    [
        "pip install requests==2.32.3 -r requirements.txt",
        "npm install -g typescript@5.4.5 @scope/pkg@1.0.0",
        "npm ci",
        "curl -fsSL https://example.com/x.tar.gz -o /tmp/x.tar.gz",
        "pip install --no-cache-dir /tmp/pkg.whl .",
    ],
)
def test_pinned_installs_pass(tmp_path, run):
    task = make_task(tmp_path, dockerfile=f"{FROM}RUN {run}\n")
    assert "unpinned-dependency" not in rules(task)


@pytest.mark.parametrize("source", ["../tests", "../tests/", "tests", "/solution/solve.sh"])
def test_tests_copied_into_the_image_are_found(tmp_path, source):
    task = make_task(tmp_path, dockerfile=f"{FROM}COPY {source} /tests\n")
    found = rules(task)
    assert found["tests-in-image"] == [f"COPY {source}"]


@pytest.mark.parametrize(
    ("dockerfile", "baked"),
    [
        (FROM + "COPY tests/test_outputs.py /app/tests/\n", True),
        (FROM + "COPY . /app\n", True),
        (FROM + "COPY tests/test_app.py /app/tests/\n", False),  # the project's own test
        (FROM + "COPY src /app/src\n", False),
    ],
)
def test_only_the_verifiers_own_files_count_as_baked_in(tmp_path, dockerfile, baked):
    files = {
        "tests/test_outputs.py": "assert True\n",
        "environment/tests/test_outputs.py": "assert True\n",
        "environment/tests/test_app.py": "def test_app(): pass\n",
        "environment/src/app.py": "",
    }
    found = rules(make_task(tmp_path, dockerfile=dockerfile, files=files))
    copies = [m for m in found["tests-in-image"] if m.startswith("COPY")]
    assert bool(copies) is baked, found
    if baked:
        assert "tests/test_outputs.py" in copies[0]


def test_copy_from_outside_the_context_is_missing(tmp_path):
    task = make_task(tmp_path, dockerfile=f"{FROM}COPY ../data.csv /app/\n")
    assert rules(task)["copy-source-missing"] == [
        "COPY source '../data.csv' is outside the build context environment/"
    ]


# --- item 3: shapes of hand-written tasks ---------------------------------------------------

MAIN_CONTEXT_IS_TASK_DIR = (
    "services:\n  main:\n    build:\n      context: ..\n      dockerfile: environment/Dockerfile\n"
)


def test_compose_build_context_is_where_copy_sources_are_read(tmp_path):
    task = make_task(
        tmp_path,
        dockerfile=FROM + "COPY environment/data.csv /app/\nCOPY environment/gone.csv /app/\n",
        files={
            "environment/data.csv": "1\n",
            "environment/docker-compose.yaml": MAIN_CONTEXT_IS_TASK_DIR,
        },
    )
    assert rules(task)["copy-source-missing"] == [
        "COPY source 'environment/gone.csv' not in the task dir"
    ]


def test_compose_context_of_another_service_leaves_main_on_environment(tmp_path):
    compose = "services:\n  api:\n    build:\n      context: ..\n"
    task = make_task(
        tmp_path,
        dockerfile=FROM + "COPY environment/data.csv /app/\n",
        files={"environment/data.csv": "1\n", "environment/docker-compose.yaml": compose},
    )
    assert rules(task)["copy-source-missing"] == [
        "COPY source 'environment/data.csv' not in environment/"
    ]


def test_task_dir_context_copying_everything_bakes_the_tests_in(tmp_path):
    task = make_task(
        tmp_path,
        dockerfile=FROM + "COPY . /app\n",
        files={"environment/docker-compose.yaml": MAIN_CONTEXT_IS_TASK_DIR},
    )
    assert rules(task)["tests-in-image"] == [
        "COPY . copies the verifier's or solution's solution/solve.sh, tests/test.sh"
    ]
    (task / ".dockerignore").write_text("tests\nsolution\n")
    assert "tests-in-image" not in rules(task)


def test_the_dockerfiles_own_ignore_file_wins_over_the_contexts(tmp_path):
    task = make_task(
        tmp_path,
        dockerfile=FROM + "COPY app.log /app/\n",
        files={
            "environment/app.log": "",
            "environment/.dockerignore": "",
            "environment/Dockerfile.dockerignore": "*.log\n",
        },
    )
    assert rules(task)["copy-source-missing"] == [
        "COPY source 'app.log' excluded by environment/Dockerfile.dockerignore"
    ]


def test_a_windows_task_is_solved_by_solve_bat(tmp_path):
    task = make_task(tmp_path, toml='[environment]\nos = "windows"\n')
    (task / "solution" / "solve.sh").rename(task / "solution" / "solve.bat")
    assert "no-solution" not in rules(task)
    (task / "solution" / "solve.bat").unlink()
    assert rules(task)["no-solution"] == ["no reference solution"]


def test_each_step_of_a_multi_step_task_needs_a_solution(tmp_path):
    steps = '[[steps]]\nname = "one"\n\n[[steps]]\nname = "two"\n'
    task = make_task(
        tmp_path,
        toml=steps,
        files={"steps/one/solution/solve.sh": "true\n", "steps/two/solution/notes.md": ""},
    )
    (task / "solution" / "solve.sh").unlink()
    found = [f for f in check_task(task) if f.rule == "no-solution"]
    assert [(f.file, f.message) for f in found] == [
        ("steps/two/solution/solve.sh", "step 'two' has no reference solution")
    ]


def unnamed_paths(task: Path) -> list[str]:
    return [m.split()[2].rstrip(",") for m in rules(task).get("unnamed-test-path", [])]


def test_paths_the_test_scripts_write_or_probe_are_not_asked_of_the_agent(tmp_path):
    test_sh = (
        "#!/bin/bash\nrm -f /logs/verifier/reward.*\n"
        "cp /tests/test_outputs.py /app/test_outputs.py\n"
        "mkdir -p /app/scratch && echo x > /app/scratch.log\n"
        "for d in /app /srv/project /workspace; do [ -d $d ] && cd $d && break; done\n"
        "pytest /app/test_outputs.py /app/result.json\n"
    )
    check_py = 'subprocess.run(["gcc", "main.c", "-o", "/app/main_test"])\n'
    task = make_task(tmp_path, test_sh=test_sh, files={"tests/check.py": check_py})
    assert unnamed_paths(task) == ["/app/result.json"]


def test_a_task_without_instruction_leaves_paths_to_harbors_loader(tmp_path):
    task = make_task(tmp_path, files={"tests/check.py": 'OUT = "/app/result.json"\n'})
    assert unnamed_paths(task) == ["/app/result.json"]
    (task / "instruction.md").unlink()
    assert "unnamed-test-path" not in rules(task)
    assert "harbor-load" in rules(task)


def test_a_multi_step_tasks_steps_are_graded_and_named_too(tmp_path):
    steps = '[[steps]]\nname = "one"\n'
    task = make_task(
        tmp_path,
        toml=steps,
        test_sh=None,
        files={
            "steps/one/instruction.md": "Write /app/one.txt.\n",
            "steps/one/solution/solve.sh": "true\n",
            "steps/one/tests/test.sh": "#!/bin/bash\napt-get update\ncat /app/one.txt /app/two.txt\n",
        },
    )
    (task / "instruction.md").unlink()
    found = {f.rule: (f.file, f.message) for f in check_task(task)}
    assert "stale-reward" not in found  # Harbor empties /logs/verifier before each step
    assert found["network-at-grading"][0] == "steps/one/tests/test.sh"
    assert found["unnamed-test-path"] == (
        "steps/one/tests/test.sh",
        "tests read /app/two.txt, which the instruction never names",
    )


@pytest.mark.parametrize(
    "verifier",
    [
        '[verifier]\nenvironment_mode = "separate"\n',
        "[verifier.environment]\ncpus = 1\n",
        '[[steps]]\nname = "one"\n',
    ],
)
def test_no_stale_reward_where_harbor_empties_the_verifier_dir(tmp_path, verifier):
    task = make_task(tmp_path, test_sh="#!/bin/bash\npytest /tests\n", toml=verifier)
    assert "stale-reward" not in rules(task)
    (task / "task.toml").write_text("[verifier]\ntimeout_sec = 60\n")
    assert "stale-reward" in rules(task)


def test_a_function_definition_is_not_a_command_that_runs(tmp_path):
    test_sh = (
        "#!/bin/bash\nreward_zero() {\n  echo 0 > /logs/verifier/reward.txt\n}\npytest /tests\n"
    )
    assert rules(make_task(tmp_path, test_sh=test_sh))["stale-reward"] == [
        "`pytest /tests` runs before the reward files are deleted"
    ]


def test_an_unknown_table_is_found_at_its_header(tmp_path):
    toml = '[agent]\ntimeout_sec = 60\n\n[tags]\nlevel = "hard"\n\n[environment.runtime]\nx = 1\n'
    found = [
        f for f in check_task(make_task(tmp_path, toml=toml)) if f.rule == "unknown-config-key"
    ]
    assert [(f.line, f.message.split(":")[0]) for f in found] == [
        (4, "tags"),
        (7, "[environment].runtime"),
    ]


# --- through the CLI, as a user runs it ---------------------------------------------------


def test_static_only_audit_of_an_odd_folder_writes_its_report(tmp_path):
    tasks = tmp_path / "tasks"
    make_task(tasks, dockerfile=FROM + "COPY . /app\n", name="copies-context")
    odd = make_task(tasks, dockerfile=None, test_sh=None, name="folders")
    (odd / "environment" / "Dockerfile").mkdir()
    (odd / "tests" / "test.sh").mkdir()
    make_task(tasks, toml='[environment]\nmemory_mb = "lots"\n', name="bad-toml")
    report = tmp_path / "report.json"
    proc = run_cli("validate", "--static-only", str(tasks), "--report", str(report))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    saved = {
        t["task"]: {f["rule"] for f in t["static"]} for t in json.loads(report.read_text())["tasks"]
    }
    assert saved["copies-context"] == set()
    assert "no-environment" in saved["folders"] and "rule-crashed" not in saved["folders"]
    assert "harbor-load" in saved["bad-toml"]
    assert "[environment].memory_mb: Input should be a valid integer" in proc.stdout
