"""`litecoder eval run` on bad input: one line on stderr naming the option, exit code 2, nothing
written, nothing started — checked before Harbor, Docker or a model server is touched."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from litecoder_harbor.eval import BENCHMARKS

SECRET = "sk-live-0123456789abcdef"


def registry(tmp_path, content: str) -> str:
    path = tmp_path / "registry.json"
    path.write_text(content)
    return str(path)


def config_only(tmp_path) -> str:
    """A folder with a model config and nothing else."""
    (tmp_path / "config.json").write_text("{}")
    return str(tmp_path)


OURS = json.dumps([{"name": "ours", "version": "1.0", "description": "", "tasks": []}])

CASES = {
    "unknown benchmark": (
        lambda tmp: ["--benchmark", "tb9", "--model", "openai/m"],
        "--benchmark: unknown benchmark 'tb9' (known: " + ", ".join(BENCHMARKS),
    ),
    "registry missing": (
        lambda tmp: ["--registry-path", str(tmp / "nope.json"), "-d", "ours@1.0", "--model", "openai/m"],
        "nope.json: no such file",
    ),
    "registry not json": (
        lambda tmp: ["--registry-path", registry(tmp, "{oops"), "-d", "ours@1.0", "--model", "openai/m"],
        "registry.json: not JSON",
    ),
    "registry entry malformed": (
        lambda tmp: ["--registry-path", registry(tmp, '[{"name": "ours", "version": "1.0", "description": "", "tasks": [{"name": "t"}]}]'),
                     "-d", "ours@1.0", "--model", "openai/m"],
        "registry.json: [0].tasks.0.path: Field required",
    ),
    "registry not a list": (
        lambda tmp: ["--registry-path", registry(tmp, "{}"), "-d", "ours@1.0", "--model", "openai/m"],
        "expected a JSON list of datasets, got dict",
    ),
    "dataset not in registry": (
        lambda tmp: ["--registry-path", registry(tmp, OURS), "-d", "theirs@2.0", "--model", "openai/m"],
        "-d theirs@2.0: not in",
    ),
    "registry task dir missing": (
        lambda tmp: ["--registry-path", registry(tmp, json.dumps([{"name": "ours", "version": "1.0", "description": "", "tasks": [{"name": "t", "path": str(tmp / "gone")}]}])),
                     "-d", "ours@1.0", "--model", "openai/m"],
        "ours@1.0: task t: no task dir at",
    ),
    "hub name with a local registry": (
        lambda tmp: ["--registry-path", registry(tmp, OURS), "-d", "org/ours", "--model", "openai/m"],
        "-d org/ours: a Harbor Hub package name",
    ),
    "k below 1": (
        lambda tmp: ["--benchmark", "tb2", "-k", "0", "--model", "openai/m"],
        "-k 0: must be between 1 and",
    ),
    "two task sources": (
        lambda tmp: ["--benchmark", "tb2", "-p", str(tmp), "--model", "openai/m"],
        "--benchmark and -p: give exactly one of",
    ),
    "serve a folder that is no checkpoint": (
        lambda tmp: ["--benchmark", "tb2", "--serve", str(tmp)],
        "not a model checkpoint (no config.json)",
    ),
    "serve weights missing": (
        lambda tmp: ["--benchmark", "tb2", "--serve", config_only(tmp)],
        "config.json but no weights",
    ),
    "no model": (lambda tmp: ["--benchmark", "tb2"], "--model: missing"),
    "legacy harness not installed": (
        lambda tmp: ["--benchmark", "tb1", "--harness", "tb", "--model", "openai/m"],
        "--harness tb: the legacy `tb` command is not installed",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line(case, tmp_path):
    make_args, message = CASES[case]
    out = tmp_path / "out"
    proc = run_cli("eval", "run", *make_args(tmp_path), "--out", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error:") and message in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_key_in_the_api_base_is_refused_and_never_shown(tmp_path):
    out = tmp_path / "out"
    proc = run_cli(
        "eval", "run", "--benchmark", "tb2", "--model", "openai/m",
        "--api-base", f"http://user:{SECRET}@localhost:8000/v1", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--api-base http://localhost:8000/v1: has credentials in the URL" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
