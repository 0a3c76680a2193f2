"""`litecoder gen --backend llm` against endpoints that answer badly, slowly or not at all, with
credentials in URLs and in error messages, and after runs that failed before producing anything.

Every run is the installed command against the scripted stand-in LLM, as a user runs it. The
environment stage's model sends no files, so no run gets as far as Docker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import LITECODER, run_cli
from support.llm_stub import Fail, Hang, Raw
from test_pipeline import INSTRUCTION, SLOT, SPEC, Scenario

KEY = "sk-proj-Zq81testkeyvalue0000abcd"
URL_PASSWORD = "hunter2-url-password"
NO_FILES = "no files, sorry"
CHAT = {"id": "x", "object": "chat.completion", "created": 0, "model": "stub-model"}


def spec_file(tmp_path: Path, model_fields: str = "") -> Path:
    spec = tmp_path / "spec.yaml"
    text = SPEC % 5.0
    if model_fields:
        text = text.replace("model: stub-model\n", f"model: stub-model\n{model_fields}")
    spec.write_text(text)
    return spec


def gen_args(tmp_path: Path, api_base: str, *extra: str, spec: Path | None = None) -> list[str]:
    return ["gen", "--backend", "llm", "--spec", str(spec or spec_file(tmp_path)),
            "--api-base", api_base, "--out", str(tmp_path / "out"),
            "--work", str(tmp_path / "work"), *extra]  # fmt: skip


def state(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "work" / "tasks" / SLOT / "state.json").read_text())


def one_error_line(stderr: str) -> str:
    """The run's single error line; progress bars may come before it, a traceback never."""
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def files_holding(folder: Path, *needles: str) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and any(n.encode() in path.read_bytes() for n in needles)
    ]


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Raw(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"), "not JSON"),
        (Raw(b'{"choices": "\xff\xfe"}'), "not UTF-8 text (byte 13)"),
        (Raw.json({**CHAT, "choices": []}), "choices: List should have at least 1 item"),
        (
            Raw.json(
                {
                    **CHAT,
                    "choices": [
                        {"index": 0, "message": {"content": None}, "finish_reason": "length"}
                    ],
                }  # fmt: skip
            ),
            "content is null (finish_reason length)",
        ),
    ],
    ids=["not-json", "not-utf8", "no-choices", "null-content"],
)
def test_unusable_answer_fails_the_round_and_is_repaired(tmp_path, llm_stub, key, answer, reason):
    scenario = Scenario(refinement=[answer, INSTRUCTION], environment=[NO_FILES])
    llm_stub.responder = scenario
    result = run_cli(*gen_args(tmp_path, llm_stub.openai_url))
    assert result.returncode == 1, result.stderr  # no task accepted: the environment failed
    assert "Traceback" not in result.stderr
    refinement = state(tmp_path)["stages"]["refinement"]
    assert refinement["status"] == "passed" and refinement["repair_rounds"] == 1
    (error,) = refinement["rounds"][0]["errors"]
    assert "answered HTTP 200, but" in error and reason in error
    assert scenario.counts["refinement"] == 2  # not retried as transport: the round is redone


def test_rate_limits_then_garbage_then_rejection_with_the_reason(tmp_path, llm_stub, key):
    garbage = Raw(b"upstream connect error", content_type="text/plain")
    scenario = Scenario(
        refinement=[Fail(429, retry_after="0"), Fail(429, retry_after="0"), garbage],
        environment=[NO_FILES],
    )
    llm_stub.responder = scenario
    spec = tmp_path / "spec.yaml"
    spec.write_text((SPEC % 5.0).replace("max_repair_rounds: 2", "max_repair_rounds: 0"))
    result = run_cli(*gen_args(tmp_path, llm_stub.openai_url, spec=spec))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert scenario.counts["refinement"] == 3  # two 429s retried, the garbage is the answer
    rejection = state(tmp_path)["rejection"]
    assert rejection["reason"] == "refinement: unusable answer from the endpoint (1 round(s))"
    assert "not JSON: 'upstream connect error'" in rejection["detail"]


def test_unusable_draw_is_rejected_and_redrawn(tmp_path, llm_stub, key):
    scenario = Scenario(sampling=[Raw(b"oops", content_type="text/plain")])
    llm_stub.responder = scenario
    result = run_cli(*gen_args(tmp_path, llm_stub.openai_url))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    sampled = json.loads((tmp_path / "work/tasks" / SLOT / "sampled.json").read_text())
    assert "not JSON: 'oops'" in sampled["rejected_reason"] and sampled["judge"] is None
    assert all("not JSON: 'oops'" in r["reason"] for r in sampled["rejections"])
    assert len(sampled["rejections"]) == 4  # budgets.max_sampling_attempts, then given up


def test_endpoint_that_never_answers_times_out_and_the_run_resumes(tmp_path, llm_stub, key):
    hang = Hang()
    scenario = Scenario(refinement=[hang, hang, INSTRUCTION], environment=[NO_FILES])
    llm_stub.responder = scenario
    spec = spec_file(tmp_path, "    timeout_s: 0.5\n    max_attempts: 2\n")
    args = gen_args(tmp_path, llm_stub.openai_url, spec=spec)
    result = run_cli(*args)
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "no answer after 2 attempt(s), last: no answer within timeout_s 0.5" in line
    assert "raise this model's max_attempts or timeout_s" in line
    assert scenario.counts["refinement"] == 2
    assert state(tmp_path)["stages"]["refinement"]["status"] == "running"
    hang.release.set()

    again = run_cli(*args)  # same command: resumes at the refinement
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert (scenario.counts["sampling"], scenario.counts["judge"]) == (1, 1)
    assert state(tmp_path)["stages"]["refinement"]["status"] == "passed"


def test_ctrl_c_ends_the_run_with_one_line_and_130_and_it_resumes(tmp_path, llm_stub, key):
    hang = Hang()
    scenario = Scenario(refinement=[hang, INSTRUCTION], environment=[NO_FILES])
    llm_stub.responder = scenario
    args = gen_args(tmp_path, llm_stub.openai_url)
    env = {**os.environ, "COLUMNS": "200"}
    run = subprocess.Popen([str(LITECODER), *args], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not scenario.requests["refinement"]:
            assert run.poll() is None and time.monotonic() < deadline, "never reached refinement"
            time.sleep(0.1)
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
        hang.release.set()
    assert run.returncode == 130
    line = one_error_line(stderr)
    assert line.startswith("error: interrupted") and str(tmp_path / "work") in line
    assert "rerun the same command to resume" in line
    assert state(tmp_path)["stages"]["refinement"]["status"] == "running"

    again = run_cli(*args)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert (scenario.counts["sampling"], scenario.counts["judge"]) == (1, 1)
    assert state(tmp_path)["stages"]["refinement"]["status"] == "passed"


def test_credentials_in_the_url_are_never_recorded(tmp_path, llm_stub, key):
    llm_stub.responder = Scenario(environment=[NO_FILES])
    url = llm_stub.openai_url.replace("http://", f"http://alice-user:{URL_PASSWORD}@")
    result = run_cli(*gen_args(tmp_path, url))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (tmp_path / "work" / "cache").is_dir()
    assert files_holding(tmp_path / "work", URL_PASSWORD, "alice-user", KEY) == []
    assert URL_PASSWORD not in result.stdout + result.stderr


def test_keys_a_server_echoes_are_scrubbed_from_the_error(tmp_path, llm_stub, key):
    echo = (
        f"Incorrect API key provided: {KEY}; also sk-live-0123456789abcdef, Bearer tok.en-123456789"
    )
    llm_stub.responder = Scenario(refinement=[Raw.json({"error": {"message": echo}}, status=401)])
    result = run_cli(*gen_args(tmp_path, llm_stub.openai_url))
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "answered HTTP 401: " in line and "Incorrect API key provided" in line
    for secret in (KEY, "sk-live-0123456789abcdef", "tok.en-123456789"):
        assert secret not in result.stderr
        assert files_holding(tmp_path / "work", secret) == []


@pytest.mark.parametrize("bad", ["localhost:8000/v1", "127.0.0.1:8000/v1", "ftp://host/v1"])
def test_api_base_without_http_scheme_is_refused_at_once(tmp_path, llm_stub, key, bad):
    result = run_cli(*gen_args(tmp_path, bad))
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert line.startswith(f"error: --api-base: {bad!r} is not an http(s) URL")
    assert not (tmp_path / "work").exists() and llm_stub.requests == []


def test_api_base_in_the_spec_without_scheme_names_file_and_field(tmp_path, llm_stub, key):
    spec = spec_file(tmp_path, "    api_base: bob:pw123456789@localhost:8000/v1\n")
    result = run_cli("spec", "check", str(spec))
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert line.startswith(f"error: {spec}: models.default.api_base: ")
    assert "is not an http(s) URL" in line and line.endswith("(line 7)")
    assert "pw123456789" not in result.stderr


def test_failed_first_runs_do_not_fix_the_work_dir(tmp_path, llm_stub, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    no_key = run_cli(*gen_args(tmp_path, llm_stub.openai_url))
    assert "environment variable OPENAI_API_KEY is not set" in one_error_line(no_key.stderr)
    assert not (tmp_path / "work").exists()  # refused before anything was written

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    spec = spec_file(tmp_path, "    max_attempts: 1\n")
    down = run_cli(*gen_args(tmp_path, "http://127.0.0.1:9/v1", spec=spec))
    assert "no answer after 1 attempt(s)" in one_error_line(down.stderr)
    assert (tmp_path / "work" / "run.json").exists()

    llm_stub.responder = Scenario(environment=[NO_FILES])
    other_n = run_cli(*gen_args(tmp_path, llm_stub.openai_url, "--n", "2"))
    assert other_n.returncode == 1 and "differs" not in other_n.stderr
    assert json.loads((tmp_path / "work" / "run.json").read_text())["n"] == 2

    changed = run_cli(*gen_args(tmp_path, llm_stub.openai_url, "--n", "3"))
    assert changed.returncode == 2  # this one produced tasks: its identity now holds
    assert "n differs" in one_error_line(changed.stderr)
