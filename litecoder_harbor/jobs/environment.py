"""Where trials run: one value from the command line to Harbor's trial config."""

from __future__ import annotations

from typing import Any

from harbor.models.environment_type import EnvironmentType
from harbor.models.trial.config import EnvironmentConfig as TrialEnvironmentConfig
from harbor.utils.import_path import import_class
from pydantic import BaseModel, ConfigDict, Field

from litecoder_harbor.errors import LitecoderError


class EnvironmentSpec(BaseModel):
    """A Harbor environment type (`docker`, `daytona`, `modal`, ...) or a `module.path:Class`
    import path, the keyword arguments of its constructor, and Harbor's run-time settings for
    the trials (`override_memory_mb`, `override_cpus`, ...)."""

    model_config = ConfigDict(frozen=True)

    name: str = "docker"
    kwargs: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, name: str, **kwargs: Any) -> EnvironmentSpec:
        """The spec `--env NAME` asks for, checked now rather than when the first trial starts:
        a type Harbor knows, or an import path that imports to a Harbor environment class."""
        spec = cls(name=name, **kwargs)
        if ":" in name:
            _check_environment_class(name)
        spec.to_harbor()
        return spec

    @property
    def is_docker(self) -> bool:
        return self.name == EnvironmentType.DOCKER.value

    @property
    def local_engine(self) -> str | None:
        """`docker` or `podman` when the trials run on this host's engine, where images can be
        built ahead and shared; None for cloud types and import paths."""
        local = (EnvironmentType.DOCKER.value, EnvironmentType.PODMAN.value)
        return self.name if self.name in local else None

    def with_settings(self, settings: dict[str, Any]) -> EnvironmentSpec:
        return self.model_copy(update={"settings": {**self.settings, **settings}})

    def to_harbor(self) -> TrialEnvironmentConfig:
        if ":" in self.name:
            return TrialEnvironmentConfig(
                import_path=self.name, kwargs=self.kwargs, **self.settings
            )
        try:
            env_type = EnvironmentType(self.name)
        except ValueError:
            known = ", ".join(t.value for t in EnvironmentType)
            raise LitecoderError(
                f"--env: unknown environment type {self.name!r}",
                hint=f"use one of {known}, or an import path module.path:ClassName",
            ) from None
        return TrialEnvironmentConfig(type=env_type, kwargs=self.kwargs, **self.settings)


def _check_environment_class(import_path: str) -> None:
    from harbor.environments.base import BaseEnvironment

    try:
        import_class(import_path, base=BaseEnvironment, label="environment")
    except Exception as exc:  # noqa: BLE001 - whatever importing user code raises, same mistake
        raise LitecoderError(
            f"--env {import_path}: {' '.join(str(exc).split())}",
            hint="give module.path:ClassName of a subclass of Harbor's BaseEnvironment",
        ) from None


LOCAL_DOCKER = EnvironmentSpec()
"""The default: Harbor's docker environment on the local engine."""
