"""The LLM synthesis pipeline end to end against the scripted stand-in LLM.

The scripted task is tiny: a games-domain scoreboard (one CSV in, one line out) on the domain's
shared Dockerfile prefix. The stand-in answers each request by its content (which stage asks),
so tests script replies per stage and count the requests each stage made.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import LITECODER
from support.llm_stub import Fail, Request
from typer.testing import CliRunner

from litecoder_harbor.cli.main import app
from litecoder_harbor.gen.pipeline import stages
from litecoder_harbor.gen.pipeline.sampling import JUDGE_SYSTEM

SPEC = """\
tasks: 1
difficulty: {easy: 1, medium: 0, hard: 0}
models:
  default:
    provider: openai
    model: stub-model
    price: {input_usd_per_mtok: 1.0, output_usd_per_mtok: 2.0}
budgets: {max_repair_rounds: 2, max_total_cost_usd: %s}
domains:
  - domain: games
    description: Tasks about games, their scores and their puzzles.
    subtopics:
      - name: scoreboards
        description: Tallying scores from game logs.
"""
SLOT = "games-scoreboards-easy-000"

REQUEST = (
    "I have a CSV of game rounds at /app/scores.csv with one row per round; please work out "
    "which player has the highest total and write the name and the total to a file for me."
)
JUDGE = json.dumps(
    {
        "complexity_balance": {"score": 4, "reason": "small but real"},
        "clarity": {"score": 5, "reason": "clear"},
        "resource_availability": {"score": 5, "reason": "local file only"},
        "verdict": "accept",
    }
)
INSTRUCTION = """\
```markdown path=instruction.md
Read the game log /app/scores.csv (header `player,points`, one row per round). Write the player
with the highest total of points, a space, and that total as the only line of /app/leader.txt.
```
"""
SCORES = "player,points\nana,5\nbo,7\nana,4\ncy,8\n"
ENVIRONMENT = f"""\
```dockerfile path=environment/Dockerfile
COPY scores.csv /app/scores.csv
```
```text path=environment/scores.csv
{SCORES}```
"""
BROKEN_ENVIRONMENT = ENVIRONMENT.replace(
    "COPY scores.csv /app/scores.csv\n", "COPY scores.csv /app/scores.csv\nRUN no-such-tool --go\n"
)
SOLUTION = """\
```bash path=solution/solve.sh
#!/bin/bash
set -e
cd /app
awk -F, 'NR>1 {t[$1]+=$2} END {for (p in t) print p, t[p]}' scores.csv | sort -k2,2nr | head -n1 > /app/leader.txt
```
"""
CHECK_HEAD = """\
import sys
sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text
checks = Checks()
"""
SOUND_VERIFIER = f"""\
```python path=tests/check.py
{CHECK_HEAD}checks.run("leader line", lambda: read_text("/app/leader.txt").split() == expected()["leader"].split())
checks.finish()
```
```json path=tests/expected.json
{{"leader": "ana 9"}}
```
"""
EXISTS_VERIFIER = f"""\
```python path=tests/check.py
import os
{CHECK_HEAD}checks.check("leader written", os.path.exists("/app/leader.txt"))
checks.finish()
```
"""
PROBES = """\
```bash path=lazy/guess.sh
echo "cy 8" > /app/leader.txt
```
```bash path=valid/python.sh
python3 -c "
import csv, collections
t = collections.Counter()
for row in csv.DictReader(open('/app/scores.csv')):
    t[row['player']] += int(row['points'])
p, n = t.most_common(1)[0]
open('/app/leader.txt', 'w').write(f'{p} {n}\\n')
"
```
"""
NO_PROBES = "I found no way to fool it."
RESOURCES = '```json\n{"difficulty": "easy", "tags": ["scoreboard", "awk"]}\n```'

MARKERS = {  # the first user message of each stage's request carries its ask
    "probes": stages.PROBES_ASK[:30],
    "resources": "Propose the task's resources",
    "verifier": stages.VERIFIER_ASK[:30],
    "solution": stages.SOLUTION_ASK[:30],
    "environment": stages.ENVIRONMENT_ASK[:30],
    "refinement": stages.REFINEMENT_ASK[:30],
}


def stage_of(request: Request) -> str:
    if request.path == "/v1/completions":
        return "sampling"
    messages = request.body["messages"]
    if messages[0]["content"] == JUDGE_SYSTEM:
        return "judge"
    return next(stage for stage, marker in MARKERS.items() if marker in messages[1]["content"])


class Scenario:
    """Answers each stage from its own list of replies (the last one repeats) and keeps every
    request by stage."""

    def __init__(self, **replies):
        self.replies = {
            "sampling": [REQUEST],
            "judge": [JUDGE],
            "refinement": [INSTRUCTION],
            "environment": [ENVIRONMENT],
            "solution": [SOLUTION],
            "verifier": [SOUND_VERIFIER],
            "probes": [NO_PROBES],
            "resources": [RESOURCES],
            **replies,
        }
        self.requests: dict[str, list[Request]] = {stage: [] for stage in self.replies}

    def __call__(self, request: Request):
        stage = stage_of(request)
        self.requests[stage].append(request)
        script = self.replies[stage]
        reply = script[min(len(self.requests[stage]), len(script)) - 1]
        return reply(request) if callable(reply) else reply

    @property
    def counts(self) -> Counter:
        return Counter({stage: len(found) for stage, found in self.requests.items()})

    def last_user(self, stage: str, index: int) -> str:
        return self.requests[stage][index].body["messages"][-1]["content"]


@pytest.fixture
def setup(tmp_path, llm_stub, monkeypatch):
    """A spec file, the stub's URL and an API key in the environment; returns gen's arguments."""
    monkeypatch.setenv("OPENAI_API_KEY", "stub-key-for-tests")

    def arguments(scenario: Scenario, budget: float = 5.0) -> list[str]:
        spec = tmp_path / "spec.yaml"
        spec.write_text(SPEC % budget)
        llm_stub.responder = scenario
        return ["gen", "--backend", "llm", "--spec", str(spec), "--api-base", llm_stub.openai_url,
                "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work")]  # fmt: skip

    return arguments


def gen(args: list[str]):
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    print(result.output)
    return result


def state(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "work" / "tasks" / SLOT / "state.json").read_text())


# --- without Docker: every failure here comes before the first build ------------------------


def test_dockerfile_prefix_prepended_or_refused():
    from litecoder_harbor.tasks.conventions import Domain, dockerfile_prefix

    prefix = dockerfile_prefix(Domain.GAMES)
    assert stages.with_prefix("COPY a /a\n", prefix) == prefix + "COPY a /a\n"
    assert stages.with_prefix(prefix + "RUN true\n", prefix) == prefix + "RUN true\n"
    with pytest.raises(stages.CheckFailed, match="must begin with exactly") as refused:
        stages.with_prefix("# base\nFROM ubuntu:24.04\nRUN true\n", prefix)
    assert prefix in str(refused.value) and refused.value.kind == "dockerfile prefix"


def test_probe_scripts_parsed_by_kind_and_bounded():
    from litecoder_harbor.gen.pipeline.replies import parse_probe_scripts

    reply = PROBES + "```bash path=lazy/two.sh\ntrue\n```\n```bash path=lazy/three.sh\n:\n```\n"
    reply += "```bash path=solution/solve.sh\nexit 0\n```\n"
    found = parse_probe_scripts(reply, limit=2)
    assert list(found["lazy"]) == ["guess", "two"] and list(found["valid"]) == ["python"]
    assert found["lazy"]["guess"] == 'echo "cy 8" > /app/leader.txt\n'
    assert parse_probe_scripts(NO_PROBES, limit=2) == {"lazy": {}, "valid": {}}


def test_malformed_reply_repaired_and_another_rejected_with_its_reason(tmp_path, setup):
    no_path = "```markdown path=instruction.md\nWrite the leader to a file called leader.txt.\n```"
    missing_copy = "```dockerfile path=environment/Dockerfile\nCOPY nowhere.csv /app/\n```"
    scenario = Scenario(
        refinement=["Here is the instruction: find the leader.", no_path, INSTRUCTION],
        environment=[missing_copy],
    )
    result = gen(setup(scenario))
    assert result.exit_code == 1  # no task accepted
    assert "no fenced code blocks" in scenario.last_user("refinement", 1)
    assert "names no absolute path" in scenario.last_user("refinement", 2)
    got = state(tmp_path)
    assert got["stages"]["refinement"]["status"] == "passed"
    assert got["stages"]["refinement"]["repair_rounds"] == 2
    assert scenario.counts["environment"] == 3  # the first try and two repairs
    assert got["rejection"]["reason"] == "environment: unusable reply (3 round(s))"
    assert "nowhere.csv" in got["rejection"]["detail"]
    summary = json.loads((tmp_path / "work" / "summary.json").read_text())
    assert summary["summary"]["rejections"] == {"environment: unusable reply (3 round(s))": 1}
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_provider_429_and_500_then_recovering(tmp_path, setup):
    scenario = Scenario(
        refinement=[Fail(429, retry_after="0"), Fail(500), INSTRUCTION],
        environment=["no files, sorry"],
    )
    result = gen(setup(scenario))
    assert scenario.counts["refinement"] == 3
    got = state(tmp_path)
    assert got["stages"]["refinement"]["status"] == "passed"
    assert got["stages"]["refinement"]["repair_rounds"] == 0  # retried, not repaired
    assert got["rejection"]["stage"] == "environment"
    assert result.exit_code == 1


def test_budget_stops_new_calls(tmp_path, setup):
    scenario = Scenario()
    result = gen(setup(scenario, budget=0.0001))  # sampling alone spends more
    assert scenario.counts["refinement"] == 0
    assert state(tmp_path)["rejection"]["reason"] == "budget spent"
    assert "budgets.max_total_cost_usd was reached" in result.output


def test_kill_and_resume_does_not_redo_finished_stages(tmp_path, setup, llm_stub):
    released = threading.Event()

    def hang(request):  # the first run is killed while it waits for this reply
        released.wait(60)
        return "too late"

    scenario = Scenario(environment=[hang, "no files, sorry"])
    args = setup(scenario)
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    first = subprocess.Popen([str(LITECODER), *args], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scenario.requests["environment"]:
            assert first.poll() is None and time.monotonic() < deadline, "never reached stage 2"
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        released.set()
    assert state(tmp_path)["stages"]["refinement"]["status"] == "passed"
    assert state(tmp_path)["stages"]["environment"]["status"] == "running"

    result = gen(args)
    counts = scenario.counts
    assert (counts["sampling"], counts["judge"], counts["refinement"]) == (1, 1, 1)
    assert counts["environment"] == 1 + 3  # the killed request, then the resumed stage's rounds
    assert state(tmp_path)["rejection"]["stage"] == "environment"
    assert result.exit_code == 1

    again = gen(args)  # a finished run resumes to the same summary, asking nothing
    assert scenario.counts == counts
    assert again.exit_code == 1


# --- with Docker ------------------------------------------------------------------------------


@pytest.mark.docker
def test_happy_path_task_runs_in_harbor(tmp_path, setup, docker_ready):
    from litecoder_harbor.jobs.trials import AgentSpec, run_trials

    scenario = Scenario(solution=["I would use awk.", SOLUTION], probes=[PROBES])
    result = gen(setup(scenario))
    assert result.exit_code == 0, result.output
    assert "no fenced code blocks" in scenario.last_user("solution", 1)
    task = tmp_path / "out" / SLOT
    summary = json.loads((tmp_path / "work" / "summary.json").read_text())
    print(json.dumps(summary["summary"]["stages"], indent=1))
    assert summary["written"] == [SLOT]
    assert all(s["failed"] == 0 for s in summary["summary"]["stages"])

    import tomllib

    toml = tomllib.loads((task / "task.toml").read_text())
    # graded in a clean container on /app, so the shim-binaries attack cannot win
    assert (toml["verifier"]["environment_mode"], toml["artifacts"]) == ("separate", ["/app"])
    meta = toml["metadata"]
    assert meta["difficulty"] == "easy"
    assert meta["tags"] == ["awk", "games", "scoreboard", "scoreboards"]
    assert meta["litecoder"]["models"]["judge"] == "stub-model"
    assert meta["litecoder"]["probes"] == {"lazy/guess": 0.0, "valid/python": 1.0}
    assert meta["litecoder"]["stages"]["solution"]["repair_rounds"] == 1
    assert meta["litecoder"]["stages"]["verifier"]["model"] == "stub-model"

    outcomes = run_trials(
        [task], [AgentSpec(name="oracle"), AgentSpec(name="nop")], jobs_dir=tmp_path / "jobs"
    )
    rewards = {o.agent: o.reward for o in outcomes}
    assert rewards == {"oracle": 1.0, "nop": 0.0}


@pytest.mark.docker
def test_dockerfile_that_fails_to_build_is_repaired(tmp_path, setup, docker_ready):
    scenario = Scenario(environment=[BROKEN_ENVIRONMENT, ENVIRONMENT], verifier=["no checker"])
    gen(setup(scenario))
    feedback = scenario.last_user("environment", 1)
    assert "docker build failed" in feedback and "no-such-tool" in feedback
    got = state(tmp_path)
    assert got["stages"]["environment"]["status"] == "passed"
    assert got["stages"]["environment"]["repair_rounds"] == 1
    assert got["stages"]["solution"]["status"] == "passed"  # ran to exit 0 in the built image
    assert got["rejection"]["stage"] == "verifier"
    dockerfile = tmp_path / "work/tasks" / SLOT / "draft/solution/environment/Dockerfile"
    assert dockerfile.read_text().startswith("FROM debian:bookworm-slim\n")


@pytest.mark.docker
def test_verifier_an_attack_beats_is_refined(tmp_path, setup, docker_ready):
    scenario = Scenario(verifier=[EXISTS_VERIFIER, SOUND_VERIFIER])
    result = gen(setup(scenario))
    assert result.exit_code == 0, result.output
    feedback = scenario.last_user("verifier", 1)
    assert "judged the task gameable" in feedback and "attack 'empty'" in feedback
    got = state(tmp_path)
    assert got["stages"]["verifier"]["repair_rounds"] == 1
    assert got["verdict"] == "sound"
