"""`--serve CHECKPOINT`: an OpenAI-compatible server for a local checkpoint, for as long as an
evaluation runs — vLLM when it is installed, else `transformers serve` (also on CPU).

The server runs in its own process group and is stopped (SIGTERM, then SIGKILL) however the
evaluation ends: done, failed, Ctrl-C or SIGTERM. It serves the checkpoint under its absolute
path, which is the model name requests must carry (`openai/<path>` for LiteLLM).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel

from litecoder_harbor.errors import Interrupted, LitecoderError

START_TIMEOUT_SEC = 600
"""Loading a large checkpoint takes minutes; a server that has not answered by then is stuck."""
STOP_GRACE_SEC = 15
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")  # fmt: skip


class ServedModel(BaseModel):
    api_base: str
    model: str
    """The LiteLLM model name that reaches it."""
    engine: str
    log: Path


def check_checkpoint(checkpoint: Path) -> None:
    """A Hugging Face checkpoint folder: config, weights and a tokenizer."""
    where = f"--serve {checkpoint}"
    if not checkpoint.is_dir():
        raise LitecoderError(f"{where}: no such folder", hint="give a saved model folder")
    if not (checkpoint / "config.json").is_file():
        raise LitecoderError(
            f"{where}: not a model checkpoint (no config.json)",
            hint="give the folder `save_pretrained` (or `litecoder train`) wrote",
        )
    if not any((checkpoint / name).is_file() for name in WEIGHT_FILES):
        raise LitecoderError(
            f"{where}: config.json but no weights ({', '.join(WEIGHT_FILES[::2])})",
            hint="was the save cut short?",
        )
    if not any(
        (checkpoint / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json")
    ):
        raise LitecoderError(
            f"{where}: no tokenizer (tokenizer.json)", hint="save the tokenizer too"
        )


def server_command(checkpoint: Path, port: int) -> tuple[str, list[str]]:
    """(engine, argv): vLLM when it is importable, else transformers' own server."""
    if importlib.util.find_spec("vllm") is not None:
        return "vllm", [sys.executable, "-m", "vllm.entrypoints.openai.api_server",
                        "--model", str(checkpoint), "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    transformers = shutil.which(
        "transformers", path=str(Path(sys.executable).parent)
    ) or shutil.which("transformers")
    if transformers is None:
        raise LitecoderError(
            "--serve: neither vLLM nor transformers' `transformers serve` is installed",
            hint="pip install 'litecoder-harbor[train]' (or vllm on a GPU machine)",
        )
    return "transformers", [transformers, "serve", str(checkpoint), "--host", "127.0.0.1",
                            "--port", str(port), "--log-level", "warning"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return " | ".join(text[-lines:]) or "no output"


def stop(process: subprocess.Popen) -> None:
    """The server and anything it started (its process group): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_SEC)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def served(
    checkpoint: Path, log_dir: Path, *, log: Callable[[str], None] = print
) -> Iterator[ServedModel]:
    """Start a server for `checkpoint`, wait until it answers, yield how to reach it, stop it.
    Its output goes to `<log_dir>/serve.log`."""
    check_checkpoint(checkpoint)
    checkpoint = checkpoint.resolve()
    port = _free_port()
    engine, argv = server_command(checkpoint, port)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "serve.log"
    api_base = f"http://127.0.0.1:{port}/v1"
    log(f"starting {engine} for {checkpoint} on {api_base} (log: {log_path})")
    previous = _stop_on_sigterm()
    with log_path.open("w") as sink:
        process = subprocess.Popen(
            argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: stopped as a whole, not by our Ctrl-C
            env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_SEC
        while not _answers(f"{api_base}/models"):
            if process.poll() is not None:
                raise LitecoderError(
                    f"--serve {checkpoint}: {engine} exited with code {process.returncode} "
                    f"before answering: {_tail(log_path)}",
                    hint=f"see {log_path}",
                )
            if time.monotonic() > deadline:
                raise LitecoderError(
                    f"--serve {checkpoint}: {engine} did not answer within {START_TIMEOUT_SEC} s",
                    hint=f"see {log_path}",
                )
            time.sleep(1)
        log(f"{engine} answers on {api_base}")
        yield ServedModel(
            api_base=api_base, model=f"openai/{checkpoint}", engine=engine, log=log_path
        )
    finally:
        stop(process)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _stop_on_sigterm():
    """SIGTERM ends the run through `served`'s clean-up, as Ctrl-C does: the server has a
    process group of its own, so nothing else would stop it. Returns the handler it replaced
    (None off the main thread, where no handler can be set)."""
    try:
        return signal.signal(signal.SIGTERM, _raise_interrupted)
    except ValueError:
        return None
