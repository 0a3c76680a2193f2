"""Grade the init script by driving it: every LSB action, then the daemon itself over TCP.

The script is the agent's code and init scripts need root (they create /run dirs, chown log
dirs and drop privileges to the service user), so each action runs through run_agent_code with
as_nobody=False, in its own session with a timeout. Before anything, daemons the agent left
behind (frozen by test.sh) are killed so the grader starts from a clean state.
"""

import hashlib
import os
import pwd
import signal
import socket
import subprocess
import sys
import time

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
SCRIPT, DAEMON, PIDFILE = truth["script"], truth["daemon"], truth["pidfile"]
COMM = os.path.basename(DAEMON)[:15]
UID = pwd.getpwnam(truth["user"]).pw_uid


def daemons():
    """PIDs of live (non-zombie) processes running the daemon."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                args = fh.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        state = stat[stat.rindex(")") + 2]
        if (
            state != "Z"
            and DAEMON.encode() in args
            and stat[stat.index("(") + 1 : stat.rindex(")")] == COMM
        ):
            found.append(int(entry))
    return sorted(found)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def uid_of(pid):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


def act(action, timeout=40):
    rc, out, err = run_agent_code([SCRIPT, action], timeout=timeout, env=ENV, as_nobody=False)
    return rc, (out + err).strip()


def ping(wait=0.0):
    deadline = time.time() + wait
    while True:
        try:
            with socket.create_connection(("127.0.0.1", truth["port"]), timeout=2) as conn:
                conn.sendall(b"PING\n")
                conn.settimeout(3)
                return conn.recv(256).decode(errors="replace").strip()
        except OSError:
            if time.time() >= deadline:
                return None
            time.sleep(0.2)


def pidfile():
    try:
        return read_text(PIDFILE).strip()
    except OSError:
        return None


def clean_slate():
    for pid in daemons():
        os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while daemons() and time.time() < deadline:
        time.sleep(0.1)
    if os.path.exists(PIDFILE):
        os.remove(PIDFILE)
    while ping() is not None and time.time() < deadline:
        time.sleep(0.1)


def unchanged():
    bad = []
    for path, digest in truth["hashes"].items():
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != digest:
                bad.append(path)
    return not bad, f"modified: {bad}"


checks.run("daemon, README and config content unchanged", unchanged)
clean_slate()
facts = {}


def status_stopped():
    rc, out = act("status")
    return rc == 3, f"exit {rc}: {out[-200:]}"


def start_ok():
    t0 = time.time()
    rc, out = act("start", timeout=20)
    took = time.time() - t0
    if rc != 0:
        return (
            False,
            f"start exited {rc} after {took:.1f}s (None = still attached/hanging): {out[-300:]}",
        )
    reply = ping(wait=8)
    facts["reply"] = reply
    if reply is None:
        return False, "nothing answers on the port after start"
    running = daemons()
    facts["pid"] = running[0] if len(running) == 1 else None
    return len(running) == 1, f"daemon processes: {running}"


def identity_ok():
    pid = facts.get("pid")
    want = f"PONG {truth['instance']} pid={pid} uid={UID}"
    return (
        facts.get("reply") == want and pidfile() == str(pid) and uid_of(pid) == UID
    ), f"reply {facts.get('reply')!r}, pidfile {pidfile()!r}, want {want!r}"


def status_running():
    rc, out = act("status")
    return rc == 0, f"exit {rc}: {out[-200:]}"


def start_again():
    rc, out = act("start", timeout=20)
    time.sleep(1.5)
    running = daemons()
    return (
        rc == 0 and running == [facts["pid"]] and pidfile() == str(facts["pid"])
    ), f"exit {rc}; daemons {running} (was {facts['pid']}); pidfile {pidfile()!r}"


def restart_ok():
    old = facts["pid"]
    rc, out = act("restart", timeout=40)
    if rc != 0:
        return False, f"restart exited {rc}: {out[-300:]}"
    reply = ping(wait=8)
    running = daemons()
    new = running[0] if len(running) == 1 else None
    facts["pid"] = new
    return (
        new is not None
        and new != old
        and reply is not None
        and f"pid={new} " in reply + " "
        and pidfile() == str(new)
    ), f"daemons {running} (old {old}), reply {reply!r}, pidfile {pidfile()!r}"


def log_text():
    try:
        return read_text(truth["log_file"])
    except OSError:
        return ""


def stop_ok():
    pid = facts["pid"]
    rc, out = act("stop", timeout=40)
    gone = not alive(pid) and not daemons()
    closed = ping() is None
    graceful = f"[{pid}] stopped" in log_text()
    return (
        (rc == 0 and gone and closed and pidfile() is None and graceful),
        f"exit {rc}; exited {gone}; port closed {closed}; pidfile {pidfile()!r}; logged 'stopped' {graceful}",
    )


def stop_again():
    rc, out = act("stop")
    return rc == 0, f"exit {rc}: {out[-200:]}"


started = False
checks.run("status exits 3 while stopped", status_stopped)
if checks.run("start brings up exactly one answering daemon, promptly and detached", start_ok):
    started = True
    checks.run("daemon runs as the service user; pidfile holds its PID", identity_ok)
    checks.run("status exits 0 while running", status_running)
    checks.run("start while running changes nothing", start_again)

    if truth["hard"]:

        def reload_ok():
            pid = facts["pid"]
            st = os.stat(truth["config"])
            renamed = truth["instance"] + "-reloaded"
            with open(truth["config"], "w") as fh:
                fh.write(truth["config_text"].replace(truth["instance"], renamed))
            try:
                rc, out = act("reload")
                deadline = time.time() + 6
                reply = ping()
                while (reply is None or renamed not in reply) and time.time() < deadline:
                    time.sleep(0.3)
                    reply = ping()
            finally:
                with open(truth["config"], "w") as fh:
                    fh.write(truth["config_text"])
                os.chown(truth["config"], st.st_uid, st.st_gid)
                os.chmod(truth["config"], st.st_mode & 0o7777)
            return (
                rc == 0 and reply == f"PONG {renamed} pid={pid} uid={UID}" and daemons() == [pid]
            ), f"exit {rc}; reply {reply!r}"

        checks.run("reload re-reads the config in the same process", reload_ok)

    if checks.run("restart replaces the daemon with a fresh process", restart_ok):
        checks.run("stop shuts it down gracefully, waits, removes the pidfile", stop_ok)
    checks.run("stop on a stopped service exits 0", stop_again)
clean_slate()

if truth["medium"]:

    def stale_pidfile():
        probe = subprocess.Popen(["true"])
        probe.wait()
        os.makedirs(os.path.dirname(PIDFILE), exist_ok=True)
        with open(PIDFILE, "w") as fh:
            fh.write(f"{probe.pid}\n")
        rc_status, _ = act("status")
        rc_start, out = act("start", timeout=20)
        reply = ping(wait=8)
        running = daemons()
        ok = (
            rc_status == 1
            and rc_start == 0
            and reply is not None
            and len(running) == 1
            and pidfile() == str(running[0])
        )
        return (
            ok,
            f"status {rc_status} (want 1); start {rc_start}; daemons {running}; pidfile {pidfile()!r}",
        )

    checks.run("stale pidfile: status exits 1 and start still works", stale_pidfile)
    act("stop")
    clean_slate()

if truth["hard"]:

    def decoy_pidfile():
        decoy = subprocess.Popen(["sleep", "120"], user=65534, group=65534, start_new_session=True)
        try:
            os.makedirs(os.path.dirname(PIDFILE), exist_ok=True)
            with open(PIDFILE, "w") as fh:
                fh.write(f"{decoy.pid}\n")
            rc_status, _ = act("status")
            rc_stop, _ = act("stop")
            survived = decoy.poll() is None
            rc_start, _ = act("start", timeout=20)
            reply = ping(wait=8)
            running = daemons()
            ok = (
                rc_status == 1
                and rc_stop == 0
                and survived
                and rc_start == 0
                and reply is not None
                and len(running) == 1
            )
            return (
                ok,
                f"status {rc_status} (want 1); stop {rc_stop}; decoy survived {survived}; start {rc_start}; daemons {running}",
            )
        finally:
            decoy.kill()
            decoy.wait()

    checks.run("pidfile naming an unrelated live process is treated as stale", decoy_pidfile)
    act("stop")
    clean_slate()

    def usage_ok():
        rc, out = act("frobnicate")
        return rc == 2 and "usage" in out.lower(), f"exit {rc}: {out[-200:]}"

    checks.run("unknown action prints usage and exits 2", usage_ok)

clean_slate()
checks.finish()
