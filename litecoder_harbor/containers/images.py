"""Images on a local engine (Docker or Podman): the base images tasks build on, each domain's
shared layers, and the one image per task that validation builds and every probe starts from.

Base images: present, copied from the Docker engine (on Podman), pulled, or made locally
without a registry.

Generated Dockerfiles start `FROM debian:bookworm-slim`, so they build on any Docker host that
can pull from Docker Hub. Where no registry is reachable, an equivalent image is made from
Debian's package mirror with `debootstrap --variant=minbase` and `docker import`, under the same
tag. The host's CA bundle goes inside it so containers can reach package registries over https
through whatever TLS-inspecting proxy the host itself trusts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from docker.errors import APIError, BuildError, ImageNotFound
from harbor.models.task.config import TaskConfig
from pydantic import BaseModel

from litecoder_harbor.containers.daemon import DOCKER, PODMAN, docker_client, require_engine
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.jobs.environment import EnvironmentSpec
from litecoder_harbor.tasks.conventions import BASE_IMAGE, Domain, dockerfile_prefix

HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"
LOCAL_BUILD_LABEL = "org.litecoder-harbor.made-by"
_DEBIAN_TAG = re.compile(r"^debian:(?P<suite>[a-z]+)(-slim)?$")
_CA_ENV = (
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "PIP_CERT",
    "NODE_EXTRA_CA_CERTS",
    "CURL_CA_BUNDLE",
)


def required_base_images() -> list[str]:
    return [BASE_IMAGE]


def image_origin(tag: str, engine: str = DOCKER) -> str | None:
    """None if `engine` lacks `tag`; else 'local build' or 'registry'."""
    try:
        image = docker_client(engine).images.get(tag)
    except ImageNotFound:
        return None
    labels = image.attrs.get("Config", {}).get("Labels") or {}
    return "local build" if LOCAL_BUILD_LABEL in labels else "registry"


def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The host's own Debian mirror (deb822 or one-line apt sources), else deb.debian.org."""
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        match = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", path.read_text(), re.M)
        if match:
            return match.group(1)
    sources = apt_dir / "sources.list"
    if sources.exists():
        match = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s", sources.read_text(), re.M)
        if match:
            return match.group(1)
    return DEFAULT_DEBIAN_MIRROR


def build_debian_image(tag: str, log: Callable[[str], None] = print, engine: str = DOCKER) -> None:
    """Make `debian:<suite>[-slim]` locally: debootstrap minbase + host CA bundle + docker import."""
    match = _DEBIAN_TAG.match(tag)
    if not match:
        raise LitecoderError(
            f"cannot build {tag} offline: only debian:<suite>[-slim] images can be made locally"
        )
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        raise LitecoderError(
            f"{tag} cannot be pulled and building it offline needs root and debootstrap",
            hint="run scripts/setup.sh as root on Debian, or make the image pullable",
        )
    suite, mirror = match.group("suite"), debian_mirror()
    log(f"building {tag} with debootstrap {suite} from {mirror} (about 30 s)")
    with tempfile.TemporaryDirectory(prefix="litecoder-rootfs-", dir="/var/tmp") as rootfs:
        proc = subprocess.run(
            ["debootstrap", "--variant=minbase", suite, rootfs, mirror],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
            raise LitecoderError(f"debootstrap {suite} failed: {' '.join(tail)}")
        root = Path(rootfs)
        if HOST_CA_BUNDLE.exists():
            for dest in (
                "etc/ssl/certs/ca-certificates.crt",
                "usr/local/share/ca-certificates/host.crt",
            ):
                (root / dest).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(HOST_CA_BUNDLE, root / dest)
        for leftover in ("var/lib/apt/lists", "var/cache/apt/archives"):
            for path in (root / leftover).glob("*"):
                if path.is_file():
                    path.unlink()
        changes = [
            f"LABEL {LOCAL_BUILD_LABEL}=debootstrap",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            'CMD ["bash"]',
        ]
        if HOST_CA_BUNDLE.exists():
            changes += [f"ENV {name}=/etc/ssl/certs/ca-certificates.crt" for name in _CA_ENV]
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE
        )
        try:
            # The tag goes inside `repo` (the API allows it): Podman ignores a separate `tag`.
            docker_client(engine).api.import_image_from_stream(
                tar.stdout, repository=tag, changes=changes
            )
        finally:
            tar.stdout.close()
            tar.wait()
    if image_origin(tag, engine) is None:
        raise LitecoderError(f"{engine} import of {tag} did not produce the image")


def ensure_image(tag: str, log: Callable[[str], None] = print, engine: str = DOCKER) -> str:
    """Make `tag` available to `engine`; returns 'present', 'copied', 'pulled' or 'built'.

    Podman first takes the Docker engine's copy when there is one: the same bits on both
    engines, so both run the same tasks on the same base."""
    if image_origin(tag, engine) is not None:
        return "present"
    if engine == PODMAN and _copy_from_docker(tag, engine):
        return "copied"
    try:
        docker_client(engine).images.pull(tag)
        return "pulled"
    except APIError as exc:
        log(f"cannot pull {tag}: {(exc.explanation or str(exc)).splitlines()[0][:160]}")
    build_debian_image(tag, log, engine)
    return "built"


def _copy_from_docker(tag: str, engine: str) -> bool:
    """`docker save tag | <engine> load`; False when no Docker engine here has `tag`."""
    try:
        image = docker_client(DOCKER).images.get(tag)
    except (LitecoderError, ImageNotFound):
        return False
    docker_client(engine).images.load(image.save(named=True))
    return image_origin(tag, engine) is not None


LAYER_REPOSITORY = "litecoder-layers"


def layer_cache_tag(domain: Domain) -> str:
    digest = hashlib.sha256(dockerfile_prefix(domain).encode()).hexdigest()[:12]
    return f"{LAYER_REPOSITORY}/{domain.value}:{digest}"


def warm_layer_cache(
    domains: list[Domain], log: Callable[[str], None] = print, engine: str = DOCKER
) -> list[str]:
    """Build each domain's shared Dockerfile prefix once and keep it tagged.

    Harbor removes a trial's image when the trial ends (`compose down --rmi local`). Without
    BuildKit that also deletes the untagged layers under it, so the next trial of the domain
    would reinstall its packages from scratch. A tagged image holding exactly the prefix keeps
    those layers — and the legacy builder's cache — alive. Tasks never reference these tags;
    they still build from the base image on any host. Returns the tags it built.
    """
    client, built = docker_client(engine), []
    for domain in domains:
        tag = layer_cache_tag(domain)
        try:
            client.images.get(tag)
            continue
        except ImageNotFound:
            pass
        log(f"caching the {domain.value} layers as {tag}")
        try:
            client.images.build(
                fileobj=io.BytesIO(dockerfile_prefix(domain).encode()), tag=tag, pull=False, rm=True
            )
        except (APIError, BuildError) as exc:
            raise LitecoderError(f"building the {domain.value} layers failed: {exc}") from None
        built.append(tag)
    return built


# --- one image per task, shared by every probe of it -----------------------------------------


class BuildResult(BaseModel):
    ok: bool
    seconds: float
    image: str | None = None
    error: str | None = None


def build_image(
    task_dir: Path, tag: str, engine: str = DOCKER, *, kill_on_stop: bool = False
) -> BuildResult:
    """Build the task's environment/ as `tag`; a failure keeps the last lines of the build log.

    `kill_on_stop` ends the image in `STOPSIGNAL SIGKILL`: Harbor's containers idle on
    `sleep infinity` as PID 1, which ignores SIGTERM, so every teardown otherwise waits out
    the engine's 10 s grace period. For containers thrown away after one trial (probes)."""
    started = time.monotonic()
    try:
        client = docker_client(engine)
        client.images.build(
            path=str(task_dir / "environment"), tag=tag, rm=True, pull=False, forcerm=True
        )
        if kill_on_stop:
            dockerfile = f"FROM {tag}\nSTOPSIGNAL SIGKILL\n".encode()
            client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True, pull=False)
    except BuildError as exc:
        lines = [
            str(item.get("stream") or item.get("error") or "").strip() for item in exc.build_log
        ]
        lines = [line for line in lines if line][-6:]
        return BuildResult(
            ok=False, seconds=time.monotonic() - started, error=" | ".join(lines)[-800:] or str(exc)
        )
    except (APIError, OSError) as exc:
        return BuildResult(ok=False, seconds=time.monotonic() - started, error=str(exc)[:800])
    return BuildResult(ok=True, seconds=time.monotonic() - started, image=tag)


def copy_pointing_at_image(task_dir: Path, image: str, root: Path) -> Path:
    """A copy of the task under `root` whose task.toml points Harbor at the already-built
    `image` (Harbor's prebuilt-image path), so its trials skip the build."""
    copy = root / task_dir.name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(task_dir, copy)
    config = TaskConfig.model_validate_toml((copy / "task.toml").read_text())
    config.environment.docker_image = image
    (copy / "task.toml").write_text(config.model_dump_toml())
    return copy


def remove_images(tags: list[str], engine: str = DOCKER) -> None:
    """Remove these image tags; one already gone is no error."""
    client = docker_client(engine) if tags else None
    for tag in tags:
        with contextlib.suppress(APIError):
            client.images.remove(tag, noprune=False)


def ensure_engine(
    environment: EnvironmentSpec, domains: list[Domain], log: Callable[[str], None] = print
) -> None:
    """Everything trials on `environment` need from this host, checked (and made) before a
    single file is written: on a local engine (Docker, Podman) the engine and its Compose
    frontend, the base images, and the shared layers of `domains`. Other environment types
    need nothing here."""
    engine = environment.local_engine
    if engine is None:
        return
    require_engine(engine)
    for tag in required_base_images():
        ensure_image(tag, log=log, engine=engine)
    warm_layer_cache(sorted(set(domains)), log=log, engine=engine)
