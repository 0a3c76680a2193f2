"""Run the agent's nginx config as `nobody` in front of fresh upstreams and probe every rule."""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import urllib.parse

sys.path.append("/tests")
from verifier_kit import (
    NOBODY,
    Checks,
    checker_ancestry,
    expected,
    fresh_dir,
    kill_processes,
    read_text,
    run_agent_code,
    stop_services,
)  # noqa: E402

truth = expected()
checks = Checks()
NGINX = "/usr/sbin/nginx"
PORT = truth["port"]
RUN = truth["run_dir"]
HEADER, HEADER_VALUE = truth["header"]
UPSTREAM_DIR = "/tmp/edge-grading"


# --- processes -----------------------------------------------------------------------------


def listening_pids(port):
    """Pids with a listening TCP socket on `port`. Only processes whose fds root may read show
    up (in a container without CAP_SYS_PTRACE: root's own), which is what `evict` needs."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            rows = fh.read().splitlines()[1:]
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    pids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if any(link[8:-1] in inodes for link in links if link.startswith("socket:[")):
            pids.add(int(pid))
    return pids


def evict(ports):
    """Free the fixed ports of the config from what the agent left running (test.sh froze it):
    every frozen non-root process, and the root processes that hold one of the ports. Frozen
    root processes in general must stay: the container's keep-alive process is one of them."""
    kill_processes(lambda state, ppid, uid: state == "T" and uid != 0)
    holders = set().union(*(listening_pids(port) for port in ports)) - checker_ancestry()
    for pid in holders:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def wait_port_free(port, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                return True
            except OSError:
                time.sleep(0.1)
    return False


class Background:
    """`run_agent_code` (as nobody, own session, time limit) on a thread: a server keeps running
    while the checker talks to it; `stop_services()` ends it and the thread returns."""

    def __init__(self, args, timeout=150):
        self.result = None
        self.thread = threading.Thread(target=self._run, args=(args, timeout), daemon=True)
        self.thread.start()

    def _run(self, args, timeout):
        self.result = run_agent_code(args, timeout=timeout)

    def wait_port(self, port, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return True
            except OSError:
                if not self.thread.is_alive():
                    return False
                time.sleep(0.1)
        return False


# --- HTTP ----------------------------------------------------------------------------------
def fetch(path, method="GET", headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


def has_header(msg):
    return HEADER_VALUE in [v.strip() for v in (msg.get_all(HEADER) or [])]


def upstream_reply(body):
    try:
        return json.loads(body)
    except ValueError:
        return {}


# --- the checks ----------------------------------------------------------------------------
def check_static():
    bad = []
    for probe in truth["static"]:
        status, _, body = fetch(probe["request"])
        if status != 200 or body.decode(errors="replace") != probe["body"]:
            bad.append(f"{probe['request']} -> {status}")
    return not bad, f"wrong static answers: {bad}"


def check_proxy(service):
    def run():
        bad = []
        for probe in (p for p in truth["proxy"] if p["service"] == service):
            status, _, body = fetch(probe["request"])
            got = upstream_reply(body)
            if status != 200 or got.get("service") != service or got.get("path") != probe["path"]:
                bad.append(
                    f"{probe['request']} -> {status} {got.get('service')} saw {got.get('path')!r}, "
                    f"want {probe['path']!r}"
                )
        return not bad, "; ".join(bad)

    return run


def check_header_on_success():
    targets = [truth["static"][0]["request"], truth["proxy"][0]["request"]]
    missing = []
    for path in targets:
        status, msg, _ = fetch(path)
        if status != 200 or not has_header(msg):
            missing.append(f"{path} ({status})")
    return not missing, f"no `{HEADER}: {HEADER_VALUE}` on {missing}"


def check_blocked():
    blocked = truth["blocked"]
    got = {path: fetch(path)[0] for path in blocked["requests"]}
    ok = all(status == blocked["status"] for status in got.values())
    return ok, f"statuses {got}, want {blocked['status']}"


def check_forwarding():
    fwd = truth["forward"]
    status, _, body = fetch(fwd["request"], headers={"Host": fwd["host"]})
    seen = upstream_reply(body).get("headers", {})
    ok = (
        status == 200
        and seen.get("host") == fwd["host"]
        and "127.0.0.1" in seen.get("x-forwarded-for", "")
    )
    return (
        ok,
        f"status {status}; upstream saw host={seen.get('host')!r} xff={seen.get('x-forwarded-for')!r}",
    )


def check_hidden():
    got = {path: fetch(path)[0] for path in truth["hidden"]}
    return all(s == 404 for s in got.values()), f"statuses {got}"


def check_redirect():
    red = truth["redirect"]
    status, msg, _ = fetch(red["request"])
    location = msg.get("Location", "")
    path = urllib.parse.urlsplit(location).path
    return status == 301 and path == red["location"], f"{status} Location={location!r}"


def check_header_on_errors():
    paths = list(truth["blocked"]["requests"][:1])
    if truth["hidden"]:
        paths.append(truth["hidden"][0])
    if truth["redirect"]:
        paths.append(truth["redirect"]["request"])
    missing = []
    for path in paths:
        status, msg, _ = fetch(path)
        if not has_header(msg):
            missing.append(f"{path} ({status})")
    return not missing, f"no `{HEADER}` on {missing}"


def check_upload_limit():
    up = truth["upload"]
    big = b"x" * (up["limit"] + 1024)
    small = b"y" * (up["limit"] - 512)
    big_status = fetch(up["request"], "POST", {"Content-Type": "text/plain"}, big)[0]
    small_status, _, body = fetch(up["request"], "POST", {"Content-Type": "text/plain"}, small)
    passed = upstream_reply(body).get("body_length")
    ok = big_status == 413 and small_status == 200 and passed == len(small)
    return (
        ok,
        f"big body -> {big_status}, small body -> {small_status} (upstream got {passed} bytes)",
    )


def check_not_found_page():
    nf = truth["not_found"]
    status, _, body = fetch(nf["request"])
    return status == 404 and body.decode(errors="replace") == nf["body"], f"status {status}"


def check_cache_headers():
    cache = truth["cache"]
    bad = []
    for path in cache["assets"]:
        status, msg, _ = fetch(path)
        cc = ",".join(msg.get_all("Cache-Control") or [])
        if status != 200 or f"max-age={cache['max_age']}" not in cc.replace(" ", ""):
            bad.append(f"{path}: {status} Cache-Control={cc!r}")
    status, msg, _ = fetch(cache["page"])
    cc = ",".join(msg.get_all("Cache-Control") or [])
    if status != 200 or "max-age" in cc:
        bad.append(f"{cache['page']}: {status} Cache-Control={cc!r}")
    return not bad, "; ".join(bad)


def check_header_on_assets():
    missing = [p for p in truth["cache"]["assets"] if not has_header(fetch(p)[1])]
    return not missing, f"no `{HEADER}` on {missing}"


# --- run -----------------------------------------------------------------------------------
nginx_args = [NGINX, "-p", RUN + "/", "-c", truth["conf"], "-e", RUN + "/error.log"]
nginx_args += ["-g", "daemon off;"]
all_ports = [PORT] + [u["port"] for u in truth["upstreams"]]

if checks.run("config file exists", lambda: os.path.isfile(truth["conf"])):
    evict(all_ports)
    for port in all_ports:
        wait_port_free(port)
    fresh_dir(RUN)
    os.chown(RUN, NOBODY, NOBODY)
    fresh_dir(UPSTREAM_DIR)
    shutil.copy("/tests/upstream.py", f"{UPSTREAM_DIR}/upstream.py")
    os.chmod(f"{UPSTREAM_DIR}/upstream.py", 0o644)
    for up in truth["upstreams"]:
        service = ["python3", f"{UPSTREAM_DIR}/upstream.py", "--port", str(up["port"])]
        service += ["--name", up["name"]]
        Background(service).wait_port(up["port"])

    def syntax():
        code, out, err = run_agent_code([*nginx_args[:1], "-t", *nginx_args[1:]], timeout=30)
        return code == 0, (err or out)[-400:]

    if checks.run("nginx -t accepts the config when run as nobody", syntax):
        server = Background(nginx_args)
        started = server.wait_port(PORT)
        checks.check(
            f"nginx runs as nobody and listens on 127.0.0.1:{PORT}",
            started,
            "" if started else f"nginx exited: {server.result}",
        )
        if started:
            checks.run("static files and index are served", check_static)
            for service in sorted({p["service"] for p in truth["proxy"]}):
                checks.run(
                    f"prefix routed to the {service} service with the right path",
                    check_proxy(service),
                )
            checks.run(f"{HEADER} on successful responses", check_header_on_success)
            checks.run("blocked prefix answers its status", check_blocked)
            if truth["forward"]:
                checks.run("Host and X-Forwarded-For reach the upstream", check_forwarding)
                checks.run("hidden and backup files are not served", check_hidden)
                checks.run("old prefix redirects permanently", check_redirect)
            if truth["header_always"]:
                checks.run(f"{HEADER} on error responses and redirects", check_header_on_errors)
            if truth["upload"]:
                checks.run("request body limit on the upstream", check_upload_limit)
                checks.run("custom 404 page", check_not_found_page)
                checks.run("cache headers on assets only", check_cache_headers)
                checks.run(f"{HEADER} kept on assets", check_header_on_assets)
    stop_services()


def files_unchanged():
    changed = []
    for path, text in truth["files"].items():
        try:
            if read_text(path) != text:
                changed.append(path)
        except OSError:
            changed.append(path)
    return not changed, f"changed or missing: {changed[:5]}"


checks.run("site files left unchanged", files_unchanged)
checks.finish()
