"""Agents as Harbor addresses them, and the base of our agents that play a fixed script."""

from __future__ import annotations

from typing import Any

from harbor.agents.base import BaseAgent
from harbor.agents.factory import AgentFactory
from harbor.models.trial.config import AgentConfig as TrialAgentConfig
from pydantic import BaseModel, Field

from litecoder_harbor.errors import LitecoderError


def import_path(cls: type) -> str:
    """`module.path:Class`, the way Harbor imports an agent or environment class. Derived from
    the class, so moving a class changes every job name and cache key that names it."""
    return f"{cls.__module__}:{cls.__qualname__}"


class AgentSpec(BaseModel):
    """An agent as Harbor addresses it: a built-in name or a `module.path:Class` import path."""

    name: str
    model: str | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict)

    def to_harbor(self) -> TrialAgentConfig:
        if ":" in self.name and not self.name.startswith("acp:"):
            return TrialAgentConfig(
                import_path=self.name, model_name=self.model, kwargs=self.kwargs, env=self.env
            )
        if self.name not in AgentFactory.registered_names():
            known = ", ".join(AgentFactory.registered_names())
            raise LitecoderError(
                f"unknown agent {self.name!r}",
                hint=f"use one of {known}, or an import path module.path:ClassName",
            )
        return TrialAgentConfig(
            name=self.name, model_name=self.model, kwargs=self.kwargs, env=self.env
        )


class ScriptedAgent(BaseAgent):
    """An agent whose whole attempt is commands decided before it starts (the reference
    solution replayed, attacks, model-written probes): nothing to install, one version."""

    def version(self) -> str:
        return "1.0.0"

    async def setup(self, environment) -> None:
        pass
