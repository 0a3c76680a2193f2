"""Grading helpers shipped into every generated task's tests/ folder (stdlib only).

Runs inside the task container, under the image's Python (3.9+), started by test.sh as
`python3 -I -S /tests/check.py`: isolated mode and no site-packages, so nothing the agent put on
PYTHONPATH, in user site dirs or in a `.pth` file runs during grading. Each check is recorded on
its own so a failed task says exactly which assertion failed (`/logs/verifier/checks.json`).
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import traceback

REPORT = "/logs/verifier/checks.json"


class Checks:
    """Collects independent named assertions; `finish()` exits 0 only if all of them held."""

    def __init__(self):
        self.results = []

    def check(self, name, ok, detail=""):
        self.results.append({"name": name, "passed": bool(ok), "detail": str(detail)[:500]})
        return bool(ok)

    def run(self, name, fn):
        """Record `fn()`: truthy passes, or `(ok, detail)`; an exception fails only this check."""
        try:
            result = fn()
        except Exception:
            return self.check(name, False, traceback.format_exc(limit=2))
        ok, detail = result if isinstance(result, tuple) else (result, "")
        return self.check(name, ok, detail)

    def finish(self):
        passed = bool(self.results) and all(r["passed"] for r in self.results)
        for r in self.results:
            mark = "PASS" if r["passed"] else "FAIL"
            print(
                f"[{mark}] {r['name']}"
                + (f": {r['detail']}" if r["detail"] and not r["passed"] else "")
            )
        try:
            with open(REPORT, "w") as fh:
                json.dump({"passed": passed, "checks": self.results}, fh, indent=2)
        except OSError:
            pass
        sys.exit(0 if passed else 1)


def run_agent_code(args, timeout=60, input=None, cwd=None, env=None, as_nobody=True):
    """Run something the agent wrote (a built binary, a fixed script): `(returncode, out, err)`.

    By default it runs as `nobody`, so it cannot rewrite /tests or the checker, in a session of
    its own that is killed whole on timeout (returncode is then None). `args` is a list, or a
    string run by bash.
    """
    if isinstance(args, str):
        args = ["bash", "-c", args]
    ids = {"user": 65534, "group": 65534, "extra_groups": []} if as_nobody else {}
    env = dict(env or {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"})
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **ids,
    )
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err


NOBODY = 65534
"""uid and gid of `nobody`, as whom agent code runs."""


def sha256_file(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def give_to_nobody(path):
    """chown a whole tree to nobody (links themselves, not their targets), so agent code run as
    nobody can build in it."""
    for dirpath, _dirs, filenames in os.walk(path):
        os.chown(dirpath, NOBODY, NOBODY)
        for name in filenames:
            os.lchown(os.path.join(dirpath, name), NOBODY, NOBODY)


# --- processes and services the checker starts ------------------------------------------


def process_info(pid):
    """(state, ppid, uid) of a process, from /proc (readable for any process)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/status") as fh:
        uid = next(int(line.split()[1]) for line in fh if line.startswith("Uid:"))
    return fields[0], int(fields[1]), uid


def checker_ancestry():
    """PID 1, this process and its ancestors: never to be killed while grading."""
    keep, pid = {1}, os.getpid()
    while pid > 1:
        keep.add(pid)
        pid = process_info(pid)[1]
    return keep


def kill_processes(match):
    """SIGKILL every process but the checker's ancestry for which match(state, ppid, uid)."""
    keep = checker_ancestry()
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        if pid in keep:
            continue
        try:
            if match(*process_info(pid)):
                os.kill(pid, signal.SIGKILL)
        except (OSError, StopIteration):
            pass


def stop_services():
    """End what the checker started: its direct children and everything running as nobody."""
    me = os.getpid()
    kill_processes(lambda state, ppid, uid: uid == NOBODY or ppid == me)


def fresh_dir(path, mode=0o755):
    """An empty directory at `path`, whatever the agent left there (even a symlink)."""
    import shutil

    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, mode=mode)
    os.chmod(path, mode)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def close(got, want, tol):
    """Numbers agree within an absolute-or-relative tolerance."""
    got, want = float(got), float(want)
    return abs(got - want) <= tol * max(1.0, abs(want))


def read_text(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def expected():
    """The ground truth the generator knew, shipped beside this file (never seen by the agent)."""
    return read_json("/tests/expected.json")
