"""Base images: where the Debian mirror comes from, and what a locally made image carries;
task images: how their containers stop."""

import pytest

from litecoder_harbor.containers.images import (
    DEFAULT_DEBIAN_MIRROR,
    HOST_CA_BUNDLE,
    LOCAL_BUILD_LABEL,
    build_debian_image,
    build_image,
    debian_mirror,
    image_origin,
    required_base_images,
)
from litecoder_harbor.errors import LitecoderError


def test_mirror_from_deb822_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n"
        "\nTypes: deb\nURIs: http://mirror.example/debian-security\n"
    )
    assert debian_mirror(tmp_path) == "http://mirror.example/debian"


def test_mirror_from_one_line_sources(tmp_path):
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb [signed-by=/usr/share/keyrings/k.gpg] https://m.example/debian/ bookworm main\n"
    )
    assert debian_mirror(tmp_path) == "https://m.example/debian"


def test_mirror_defaults_to_debians_own(tmp_path):
    assert debian_mirror(tmp_path) == DEFAULT_DEBIAN_MIRROR


def test_only_debian_images_can_be_made_offline():
    with pytest.raises(LitecoderError, match="only debian:<suite>"):
        build_debian_image("ubuntu:24.04", log=lambda _: None)


def test_base_image_is_there_and_a_local_build_carries_the_host_ca(docker_ready):
    from litecoder_harbor.containers.daemon import docker_client

    for tag in required_base_images():
        origin = image_origin(tag)
        assert origin in {"local build", "registry"}
        if origin == "registry":
            continue
        image = docker_client().images.get(tag)
        assert LOCAL_BUILD_LABEL in image.labels
        assert f"SSL_CERT_FILE={HOST_CA_BUNDLE}" in image.attrs["Config"]["Env"]
        bundle = docker_client().containers.run(tag, ["cat", str(HOST_CA_BUNDLE)], remove=True)
        assert bundle == HOST_CA_BUNDLE.read_bytes()


@pytest.mark.docker
def test_our_task_images_and_every_probe_image_stop_with_sigkill(sample_task, tmp_path):
    """No container of ours waits out the engine's 10 s grace period on `sleep infinity`:
    generated tasks say so in their Dockerfile, probe images of anyone's task get it added."""
    from litecoder_harbor.containers.daemon import docker_client

    foreign = tmp_path / "foreign"
    (foreign / "environment").mkdir(parents=True)
    (foreign / "environment" / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
    client = docker_client()
    for i, (task, kill_on_stop, signal) in enumerate(
        [(sample_task, False, "SIGKILL"), (foreign, False, None), (foreign, True, "SIGKILL")]
    ):
        tag = f"litecoder-test/stop-signal:{i}"
        assert build_image(task, tag, kill_on_stop=kill_on_stop).ok
        try:
            assert client.images.get(tag).attrs["Config"].get("StopSignal") == signal, task
        finally:
            client.images.remove(tag, force=True)
