"""The base of our Harbor agents that play a fixed script rather than a model (the reference
solution replayed, attacks, model-written probes): nothing to install, one version."""

from __future__ import annotations

from harbor.agents.base import BaseAgent


class ScriptedAgent(BaseAgent):
    """An agent whose whole attempt is commands decided before it starts."""

    def version(self) -> str:
        return "1.0.0"

    async def setup(self, environment) -> None:
        pass
