"""Grade the shipped-data aggregate, then re-run the agent's client against hidden data."""

import os
import socket
import sys
import threading
import time

sys.path.append("/tests")
from verifier_kit import (
    NOBODY,
    Checks,
    expected,
    free_port,
    fresh_dir,
    read_json,
    read_text,
    run_agent_code,
    stop_services,
)  # noqa: E402

truth = expected()
checks = Checks()
WORK = "/tmp/harvest-grading"


# --- processes -----------------------------------------------------------------------------


def serve_api(config, stats):
    """The checker's own copy of the API server, on a thread; returns its port. It runs as root
    (not agent code) so that the client, running as nobody, can neither read the hidden data
    nor forge the server's request statistics."""
    port = free_port()
    args = ["python3", "/tests/api_server.py", "--port", str(port)]
    args += ["--config", config, "--stats", stats]
    kwargs = {"timeout": 110, "as_nobody": False}
    thread = threading.Thread(target=run_agent_code, args=(args,), kwargs=kwargs, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the API server did not start")


# --- comparing aggregates --------------------------------------------------------------------
def compare(got, want, key):
    def run():
        if key not in got:
            return False, f"missing key {key!r}"
        value = got[key]
        if isinstance(want, dict):
            if not isinstance(value, dict):
                return False, f"{key} is not an object"
            wrong = sorted(k for k in set(want) | set(value) if value.get(k) != want.get(k))
            return not wrong, f"{key}: {len(wrong)} wrong entries, e.g. {wrong[:3]}"
        ok = value == want and type(value) is type(want)
        return ok, f"{key}: got {value!r}"

    return run


def grade(label, got, want):
    for key in sorted(want):
        checks.run(f"{label}: {key}", compare(got, want[key], key))
    extra = sorted(set(got) - set(want))
    checks.check(f"{label}: no unexpected keys", not extra, f"unexpected {extra}")


# --- 1. the output for the shipped data -------------------------------------------------------
visible = {}


def load_visible():
    data = read_json(truth["output"])
    visible.update(data if isinstance(data, dict) else {})
    return isinstance(data, dict), "not a JSON object"


if checks.run("output for the shipped server is a JSON object", load_visible):
    grade("shipped data", visible, truth["visible"])

# --- 2. the client against a hidden data set ---------------------------------------------------
hidden = {}
stats_path = os.path.join(WORK, "private", "stats.json")


def run_client():
    fresh_dir(WORK)
    os.makedirs(os.path.join(WORK, "private"), mode=0o700)
    client_dir, out_dir = os.path.join(WORK, "client"), os.path.join(WORK, "out")
    os.makedirs(client_dir, mode=0o755)
    os.makedirs(out_dir)
    os.chown(out_dir, NOBODY, NOBODY)
    creds = os.path.join(client_dir, truth["creds_name"])
    with open(creds, "w") as fh:
        fh.write(truth["hidden_creds"])
    os.chmod(creds, 0o644)
    port = serve_api("/tests/hidden_config.json", stats_path)
    out = os.path.join(out_dir, "result.json")
    started = time.time()
    code, stdout, stderr = run_agent_code(
        ["python3", truth["client"], "--base-url", f"http://127.0.0.1:{port}"]
        + ["--credentials", creds, "--out", out],
        timeout=90,
        cwd=out_dir,
    )
    took = time.time() - started
    if code != 0 or not os.path.isfile(out):
        return False, f"client exit {code} after {took:.0f}s: {(stderr or stdout)[-300:]}"
    data = read_json(out)
    hidden.update(data if isinstance(data, dict) else {})
    return isinstance(data, dict), "output is not a JSON object"


if checks.run("client program exists", lambda: os.path.isfile(truth["client"])):
    try:
        ran = checks.run("client runs against a fresh server with hidden data", run_client)
    finally:
        stop_services()
    if ran:
        grade("hidden data", hidden, truth["hidden"])

        def polite():
            stats = read_json(stats_path)
            ok = stats["throttled"] > 0 and stats["early_retries"] == 0
            return ok, f"server statistics: {stats}"

        checks.run("client waited out every Retry-After", polite)


# --- 3. inputs ---------------------------------------------------------------------------------
def inputs_unchanged():
    changed = []
    for path, text in truth["inputs"].items():
        try:
            if read_text(path) != text:
                changed.append(path)
        except OSError:
            changed.append(path)
    return not changed, f"changed or missing: {changed}"


checks.run("API files left unchanged", inputs_unchanged)
checks.finish()
