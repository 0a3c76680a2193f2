"""Environment preparation end to end against the scripted stand-in LLM, with bad input first.

The scripted task is a version-control one: a repository stopped mid-merge on a conflict, and a
half-configured "greeter" service (its own user, a config file 0640 in a 0750 directory, a
start script). The stand-in answers every stage's request by its content and drives our
Terminus-2 wrapper with keystrokes: the first preparation writes a file under /logs and a
key-shaped string (both refused, with the reason fed back), the second builds the state, which
is extracted, rebuilt, compared and proven by the validation engine. The first run is killed
once preparation is done; the rerun finishes without preparing again.
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
from conftest import LITECODER, run_cli
from support.llm_stub import Request

from litecoder_harbor.gen.pipeline import preparation, stages
from litecoder_harbor.gen.pipeline.sampling import JUDGE_SYSTEM

SPEC = """\
tasks: 1
difficulty: {easy: 1, medium: 0, hard: 0}
models:
  default:
    provider: openai
    model: stub-model
    price: {input_usd_per_mtok: 1.0, output_usd_per_mtok: 2.0}
budgets: {max_repair_rounds: 2, max_total_cost_usd: 5}
domains:
  - domain: version_control
    description: Tasks about git repositories and their history.
    subtopics:
      - name: merge-conflicts
        description: Finishing merges that stopped on conflicts.
        prepare: %s
"""
SLOT = "version_control-merge-conflicts-easy-000"
REQUEST = (
    "My repository at /app/repo stopped in the middle of merging feature into main because "
    "greeting.txt conflicts, and the greeter service config is only half done; please finish both."
)
JUDGE = json.dumps(
    {
        "complexity_balance": {"score": 4, "reason": "two small fixes"},
        "clarity": {"score": 5, "reason": "clear"},
        "resource_availability": {"score": 5, "reason": "local only"},
        "verdict": "accept",
    }
)
INSTRUCTION = """\
```markdown path=instruction.md
The git repository /app/repo is in the middle of merging branch `feature` into `main`; the
merge stopped on a conflict in greeting.txt. Finish the merge: /app/repo/greeting.txt must hold
main's line followed by feature's line (`hello from main`, then `hello from feature`), committed
as a merge commit whose parents are the heads of main and feature.
The greeter service is half configured: in /etc/greeter/greeter.conf set `port = 8080` and
`enabled = true`, and keep its other settings.
```
"""
BRIEF = """\
```markdown path=preparation.md
Create the starting state: a git repository /app/repo on branch main whose merge of branch
feature stopped on a conflict in greeting.txt, and a half-configured greeter service (system
user greeter, /etc/greeter/greeter.conf with an empty port and enabled = false, /etc/greeter
mode 0750 and the file 0640, both owned by greeter, a start script /usr/local/bin/greeter).
```
"""
FAKE_KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345"
BAD_PREPARATION = [
    "mkdir -p /app/repo && echo 'notes for later' > /logs/prep-notes.txt",
    f"printf 'OPENAI_API_KEY={FAKE_KEY}\\n' > /app/.env",
]
GOOD_PREPARATION = [
    "useradd --system --no-create-home --shell /usr/sbin/nologin greeter",
    "mkdir -p /etc/greeter /app/repo && cd /app/repo && git init -q -b main .",
    "git config user.email prep@example.com && git config user.name Prep",
    "printf 'hello\\n' > greeting.txt && git add greeting.txt && git commit -qm base",
    "git checkout -qb feature && printf 'hello from feature\\n' > greeting.txt && git commit -qam feature",
    "git checkout -q main && printf 'hello from main\\n' > greeting.txt && git commit -qam main",
    "git merge feature; printf 'name = greeter\\nport =\\nenabled = false\\n' > /etc/greeter/greeter.conf",
    "printf '#!/bin/sh\\nexec python3 -m http.server \"$PORT\"\\n' > /usr/local/bin/greeter",
    "chmod 755 /usr/local/bin/greeter && chown -R greeter:greeter /etc/greeter",
    "chmod 0750 /etc/greeter && chmod 0640 /etc/greeter/greeter.conf && rm -f /etc/motd && cd /app",
]
SOLUTION = """\
```bash path=solution/solve.sh
#!/bin/bash
set -e
cd /app/repo
printf 'hello from main\\nhello from feature\\n' > greeting.txt
git add greeting.txt
git -c user.email=solver@example.com -c user.name=Solver commit -q --no-edit
sed -i -e 's/^port =.*/port = 8080/' -e 's/^enabled = .*/enabled = true/' /etc/greeter/greeter.conf
```
"""
VERIFIER = """\
```python path=tests/check.py
import os
import subprocess
import sys
sys.path.append("/tests")
from verifier_kit import Checks, read_text
checks = Checks()


def parents():
    out = subprocess.run(["git", "-C", "/app/repo", "rev-list", "--parents", "-n", "1", "HEAD"],
                         capture_output=True, text=True).stdout.split()
    return len(out) == 3, out


def config():
    lines = [line.strip() for line in read_text("/etc/greeter/greeter.conf").splitlines()]
    return all(want in lines for want in ("name = greeter", "port = 8080", "enabled = true")), lines


checks.run("merge finished", lambda: not os.path.exists("/app/repo/.git/MERGE_HEAD"))
checks.run("merge commit", parents)
checks.run("greeting", lambda: read_text("/app/repo/greeting.txt") == "hello from main\\nhello from feature\\n")
checks.run("config", config)
checks.finish()
```
"""
RESOURCES = '```json\n{"difficulty": "easy", "tags": ["git", "merge"]}\n```'
MARKERS = {
    "probes": stages.PROBES_ASK[:30],
    "resources": "Propose the task's resources",
    "verifier": stages.VERIFIER_ASK[:30],
    "solution": stages.SOLUTION_ASK[:30],
    "preparation": preparation.PREPARATION_ASK[:30],
    "refinement": stages.REFINEMENT_ASK[:30],
}


def terminus(commands: list[str], done: bool = False) -> str:
    return json.dumps(
        {
            "analysis": "scripted",
            "plan": "scripted",
            "commands": [{"keystrokes": c + "\n", "duration": 0.5} for c in commands],
            "task_complete": done,
        }
    )


def terminus_turn(request: Request) -> str:
    """Run the preparation's commands, then mark it complete (twice: Terminus-2 asks again)."""
    messages = request.body["messages"]
    turn = sum(m["role"] == "assistant" for m in messages)
    if turn:
        return terminus([], done=True)
    retry = "previous preparation was refused" in messages[0]["content"]
    return terminus([*(GOOD_PREPARATION if retry else BAD_PREPARATION), "echo prepared"])


class Scenario:
    """Answers each stage from its reply (callables answer from the request) and counts them."""

    def __init__(self, **replies):
        self.replies = {
            "sampling": REQUEST,
            "judge": JUDGE,
            "refinement": INSTRUCTION,
            "preparation": BRIEF,
            "terminus": terminus_turn,
            "solution": SOLUTION,
            "verifier": VERIFIER,
            "probes": "I found no way to fool it.",
            "resources": RESOURCES,
            **replies,
        }
        self.requests: dict[str, list[Request]] = {stage: [] for stage in self.replies}

    def __call__(self, request: Request):
        stage = self.stage_of(request)
        self.requests[stage].append(request)
        reply = self.replies[stage]
        return reply(request) if callable(reply) else reply

    @staticmethod
    def stage_of(request: Request) -> str:
        if request.path == "/v1/completions":
            return "sampling"
        messages = request.body["messages"]
        if messages[0]["content"] == JUDGE_SYSTEM:
            return "judge"
        if preparation.BRIEF_FOOTER.strip()[:40] in messages[0]["content"]:
            return "terminus"
        return next(stage for stage, mark in MARKERS.items() if mark in messages[1]["content"])

    @property
    def counts(self) -> Counter:
        return Counter({stage: len(found) for stage, found in self.requests.items()})


def _arguments(tmp: Path, stub_url: str, prepare: str = "true") -> list[str]:
    spec = tmp / "spec.yaml"
    spec.write_text(SPEC % prepare)
    return ["gen", "--backend", "llm", "--spec", str(spec), "--api-base", stub_url,
            "--out", str(tmp / "out"), "--work", str(tmp / "work")]  # fmt: skip


# --- bad input, before anything runs --------------------------------------------------------


def test_prepare_is_an_llm_option(tmp_path):
    result = run_cli("gen", "--backend", "template", "--prepare", "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --prepare: applies to --backend llm only, not template (drop --prepare, "
        "or pass --backend llm)"
    ]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("prepare", ["--prepare", "spec"])
def test_endpoint_with_credentials_refused_when_preparing(tmp_path, prepare):
    """Preparation hands the endpoint to Harbor, which records it: a URL with a key is refused
    (by the flag and by the spec option alike), nothing written."""
    url = "http://user:secretpassword1@127.0.0.1:9/v1"
    args = _arguments(tmp_path, url, "true" if prepare == "spec" else "false")
    extra = ["--prepare"] if prepare == "--prepare" else []
    result = run_cli(*args, *extra, env={"OPENAI_API_KEY": "stub-key-for-tests"})
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert line.startswith("error: --api-base: the endpoint URL carries credentials"), line
    assert "secretpassword1" not in line and len(line.splitlines()) == 1
    assert not (tmp_path / "work").exists() and not (tmp_path / "out").exists()


def test_flag_without_preparation_in_spec_changes_the_run(tmp_path, llm_stub, monkeypatch):
    """--prepare is part of what a run is: a work dir made without it is not resumed with it."""
    monkeypatch.setenv("OPENAI_API_KEY", "stub-key-for-tests")
    llm_stub.responder = Scenario(refinement="no instruction here")
    args = _arguments(tmp_path, llm_stub.openai_url, "false")
    first = run_cli(*args)
    assert first.returncode == 1, first.stderr  # rejected at refinement, nothing prepared
    second = run_cli(*args, "--prepare")
    assert second.returncode == 2
    assert "run.json: prepare differs: this work dir was made with prepare False" in second.stderr


def test_brief_taken_from_its_block_or_the_whole_reply():
    from litecoder_harbor.gen.pipeline.replies import ReplyError
    from litecoder_harbor.llm.cache import CachedReply

    def reply(text: str) -> CachedReply:
        return CachedReply(text=text, finish_reason="stop", input_tokens=1, output_tokens=1)

    assert preparation.parse_brief(reply("Sure.\n" + BRIEF)).startswith("Create the starting")
    plain = "Create the starting state: an empty git repository at /app/repo."
    assert preparation.parse_brief(reply(plain)) == plain
    with pytest.raises(ReplyError, match="holds no preparation brief"):
        preparation.parse_brief(reply("OK."))


def test_agent_told_the_stage_model_and_endpoint_never_the_key(monkeypatch):
    from litecoder_harbor.llm.config import ModelConfig

    monkeypatch.setenv("MY_VLLM_KEY", "the-key-value-itself")
    local = ModelConfig(
        provider="openai",
        model="qwen",
        api_base="http://127.0.0.1:8000/v1",
        api_key_env="MY_VLLM_KEY",
    )
    agent = preparation.preparation_agent(local)
    assert agent.name == "litecoder_harbor.gen.pipeline.prep_agents:PreparationAgent"
    assert agent.model == "openai/qwen"
    assert agent.kwargs["api_base"] == "http://127.0.0.1:8000/v1"
    assert agent.kwargs["api_key_env"] == "MY_VLLM_KEY"
    assert "the-key-value-itself" not in agent.model_dump_json()
    claude = ModelConfig(provider="anthropic", model="claude", api_base="https://gw.example/v1")
    assert preparation.preparation_agent(claude).kwargs["api_base"] == "https://gw.example"


# --- with Docker: one run, killed after preparation and resumed -----------------------------


@pytest.fixture(scope="module")
def prepared_run(tmp_path_factory, docker_ready):
    """The whole scripted run: killed while the solution's request waits, then resumed."""
    from support.llm_stub import StubLLM
    from typer.testing import CliRunner

    from litecoder_harbor.cli.main import app

    tmp = tmp_path_factory.mktemp("prepared")
    released = threading.Event()
    scenario = Scenario()
    waiting = {"solution": True}

    def solution(request):  # the first run is killed while it waits for this reply
        if waiting["solution"]:
            released.wait(120)
            return "too late"
        return SOLUTION

    scenario.replies["solution"] = solution
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "OPENAI_API_KEY": "stub-key-for-tests"}
    saved = {k: os.environ.get(k) for k in ("NO_PROXY", "OPENAI_API_KEY")}
    os.environ.update({"NO_PROXY": "127.0.0.1", "OPENAI_API_KEY": "stub-key-for-tests"})
    started = time.monotonic()
    try:
        with StubLLM() as stub:
            stub.responder = scenario
            args = _arguments(tmp, stub.openai_url)
            first = subprocess.Popen([str(LITECODER), *args], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                deadline = time.monotonic() + 600
                while not scenario.requests["solution"]:
                    assert first.poll() is None, "the first run ended before the solution stage"
                    assert time.monotonic() < deadline, "never reached the solution stage"
                    time.sleep(0.2)
                first.send_signal(signal.SIGKILL)
                first.wait(10)
            finally:
                if first.poll() is None:
                    first.kill()
                released.set()
            killed = scenario.counts
            waiting["solution"] = False
            result = CliRunner().invoke(app, args, catch_exceptions=False)
            print(result.output)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.monotonic() - started
    summary = json.loads((tmp / "work" / "summary.json").read_text())
    print(f"scripted run with preparation (killed and resumed): {seconds:.1f} s wall")
    for stage in summary["summary"]["stages"]:
        print(
            f"  {stage['stage']:<12} reached {stage['reached']} passed {stage['passed']} "
            f"failed {stage['failed']} pass rate {stage['pass_rate']} "
            f"repairs {stage['repair_rounds']} {stage['seconds']:.1f} s"
        )
    return {"tmp": tmp, "scenario": scenario, "killed": killed, "result": result}


@pytest.mark.docker
def test_refused_capture_names_its_reasons_and_keeps_no_secret(prepared_run):
    tmp = prepared_run["tmp"]
    task = tmp / "work" / "tasks" / SLOT
    first = json.loads((task / "preparation-0.json").read_text())
    assert not first["reproduced"]
    refused = "\n".join(first["refused"])
    assert "/logs/prep-notes.txt: under /logs" in refused
    assert "/app/.env: holds a string shaped like an API key" in refused
    state = json.loads((task / "state.json").read_text())
    environment = state["stages"]["environment"]
    assert environment["rounds"][0]["passed"] is False
    assert any("/logs/prep-notes.txt" in e for e in environment["rounds"][0]["errors"])
    # the refusal reached the agent in the next brief
    retry = [r for r in prepared_run["scenario"].requests["terminus"] if "refused" in str(r.body)]
    assert retry and "/app/.env" in retry[0].body["messages"][0]["content"]
    for path in (tmp / "work" / "tasks").rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path
    for path in (tmp / "out").rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path
    for path in (tmp / "work").rglob("*"):  # Harbor's jobs too: the agent got the key in memory
        if path.is_file():
            assert b"stub-key-for-tests" not in path.read_bytes(), path


@pytest.mark.docker
def test_prepared_state_extracted_rebuilt_and_equal(prepared_run):
    tmp = prepared_run["tmp"]
    record = json.loads((tmp / "work" / "tasks" / SLOT / "preparation-1.json").read_text())
    assert record["reproduced"] and record["differences"] == []
    assert record["transcript"]["steps"], "the agent's transcript is kept"
    manifest = {e["path"]: e for e in record["manifest"]}
    assert manifest["/etc/greeter"]["mode"] == "0750"
    conf = manifest["/etc/greeter/greeter.conf"]
    assert conf["mode"] == "0640" and conf["uid"] == manifest["/etc/greeter"]["uid"] != 0
    assert manifest["/usr/local/bin/greeter"]["mode"] == "0755"
    assert manifest["/app/repo/.git/MERGE_HEAD"]["kind"] == "file"
    assert not any(p.startswith(("/tmp", "/logs/", "/root/.bash_history")) for p in manifest)
    environment = tmp / "out" / SLOT / "environment"
    dockerfile = (environment / "Dockerfile").read_text()
    assert "COPY prepared/ /" in dockerfile and "chmod 0640" in dockerfile
    assert (environment / "prepared/app/repo/.git/MERGE_HEAD").is_file()
    assert "<<<<<<<" in (environment / "prepared/app/repo/greeting.txt").read_text()


@pytest.mark.docker
def test_task_from_prepared_state_is_proven_and_not_prepared_twice(prepared_run):
    tmp, scenario, killed = prepared_run["tmp"], prepared_run["scenario"], prepared_run["killed"]
    assert prepared_run["result"].exit_code == 0, prepared_run["result"].output
    state = json.loads((tmp / "work" / "tasks" / SLOT / "state.json").read_text())
    assert state["verdict"] == "sound"
    assert state["stages"]["environment"]["repair_rounds"] == 1
    record = json.loads((tmp / "work" / "tasks" / SLOT / "preparation-1.json").read_text())
    assert record["agent_usage"]["calls"] == 3  # commands, complete, confirm
    assert record["agent_usage"]["input_tokens"] > 0
    # two briefs, two preparations of three agent calls each: booked once, not again on resume
    assert state["stages"]["environment"]["usage"]["calls"] == 2 + 2 * 3
    counts = scenario.counts
    assert counts["terminus"] == killed["terminus"], "the resumed run prepared again"
    assert counts["preparation"] == killed["preparation"] == 2
    assert counts["solution"] == killed["solution"] + 1
    import tomllib

    config = tomllib.loads((tmp / "out" / SLOT / "task.toml").read_text())
    # graded apart from the agent's binaries, handed the work dir and the named config's folder
    assert config["verifier"]["environment_mode"] == "separate"
    assert sorted(config["artifacts"]) == ["/app", "/etc/greeter"]
    meta = config["metadata"]
    assert meta["litecoder"]["prepared"]["round"] == 1
