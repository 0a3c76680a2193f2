"""What the wrappers of Harbor's installed agents (OpenHands, Claude Code) share: a pinned
version, a turn cap on the agent's own option, the `install` choice, and the episode report
written after the run from the ATIF trajectory Harbor's converter left in the trial.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any, ClassVar

from harbor.agents.model_connection import ResolvedModelConnection
from harbor.agents.options import AgentOptions
from harbor.environments.base import BaseEnvironment
from harbor.models.agent.context import AgentContext
from harbor.models.trajectories import Trajectory
from pydantic import Field, ValidationError, create_model

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.scaffolds.loops import METADATA_KEY, EpisodeReport, find_loop
from litecoder_harbor.scaffolds.options import DEFAULT_TURN_CAP, ScaffoldFacts, ScaffoldOptions
from litecoder_harbor.scaffolds.recording import recorded_endpoint


class ScaffoldInstallError(LitecoderError, RuntimeError):
    """The agent's tools are not in the image and `install=never` forbids installing them.

    A `RuntimeError` so that Harbor's setup passes it on unchanged rather than rewrapping it."""


def scaffold_options(
    name: str,
    harbor_options: type[AgentOptions],
    *,
    module: str,
    version: str,
    turn_cap_option: str,
    doc: str,
) -> type[AgentOptions]:
    """Harbor's options for the agent plus ours (`ScaffoldOptions`). Harbor's `version` and turn
    limit keep their type and Cli/Env annotations, so the flag or variable they become stays
    Harbor's, but default to our pin and cap, which `harbor agent schema` then shows."""
    return create_model(
        name,
        __base__=(harbor_options, ScaffoldOptions),
        __module__=module,
        __doc__=doc,
        version=_with_default(
            harbor_options, "version", version, f"Version to install; LiteCoder pins {version}."
        ),
        **{
            turn_cap_option: _with_default(
                harbor_options,
                turn_cap_option,
                DEFAULT_TURN_CAP,
                f"{harbor_options.model_fields[turn_cap_option].description} LiteCoder caps "
                f"turns at {DEFAULT_TURN_CAP} unless set; null for no cap.",
            )
        },
    )


def _with_default(model: type[AgentOptions], name: str, default: Any, description: str) -> Any:
    field = model.model_fields[name]
    annotation = field.annotation
    if field.metadata:
        annotation = Annotated[(annotation, *field.metadata)]  # type: ignore[valid-type]
    return annotation, Field(default=default, description=description)


class InstalledScaffold(ScaffoldFacts):
    """Mixed in before the Harbor agent class it wraps (`class X(InstalledScaffold, Harbor)`).

    A subclass names its scaffold, the pinned version, the option that caps turns, and how to
    ask the image which version it already has."""

    DEFAULT_VERSION: ClassVar[str]
    TURN_CAP_OPTION: ClassVar[str]
    WHAT_IS_INSTALLED: ClassVar[str]
    """How the install error names the tools, e.g. "`claude` on PATH or in ~/.local/bin"."""
    HOW_TO_BAKE_IN: ClassVar[str]
    """One line for the image's Dockerfile that installs them at the pinned version."""

    options: Any
    logs_dir: Any
    logger: Any
    context_id: Any
    _version: str | None

    @classmethod
    def parse_options(
        cls, kwargs: dict[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> Any:
        # Harbor's installed-agent constructor always hands `version` on, None when the user
        # gave none, so the field default alone does not pin it.
        options = super().parse_options(kwargs, env)  # type: ignore[misc]
        if options is not None and options.version is None and cls._pins_version(options):
            options = options.model_copy(update={"version": cls.DEFAULT_VERSION})
        return options

    @classmethod
    def _pins_version(cls, options: Any) -> bool:
        """False when the options choose the install some other way (e.g. a git ref)."""
        return True

    @property
    def model_connection(self) -> ResolvedModelConnection:
        """Harbor's connection, its endpoint routed through collect's recording proxy when one
        records this trial (the agent passes it into the container as its base-URL variable)."""
        connection = super().model_connection  # type: ignore[misc]
        endpoint = connection.configured_base_url
        routed = self._recorded(endpoint)
        if routed == endpoint:
            return connection
        env = {
            name: routed if value == endpoint else value for name, value in connection.env.items()
        }
        return replace(connection, base_url=routed, configured_base_url=routed, env=env)

    @property
    def extra_env(self) -> dict[str, str]:
        """The agent's own variables, with a base URL among them routed as `model_connection`
        routes it: Harbor lays these over every command the agent runs, after its own env."""
        env = super().extra_env  # type: ignore[misc]
        spec = getattr(self, "MODEL_CONNECTION", None)
        names = set(spec.base_url_envs) if spec else set()
        return {
            name: self._recorded(value) if name in names else value for name, value in env.items()
        }

    def _recorded(self, endpoint: str | None) -> str | None:
        return recorded_endpoint(endpoint, self.logs_dir, self.context_id, in_container=True)

    @property
    def turn_cap(self) -> int | None:
        return getattr(self.options, self.TURN_CAP_OPTION)

    async def installed_version(self, environment: BaseEnvironment) -> str | None:
        """The version the image already has, None when it has none."""
        raise NotImplementedError

    async def install(self, environment: BaseEnvironment) -> None:
        found = await self.installed_version(environment)
        wanted = self._version
        if found is not None and (wanted is None or found == wanted):
            self.logger.debug(f"{self.SCAFFOLD} {found} is already in the image; not installing")
            return
        if self.options.install == "never":
            raise self._missing_error(found, wanted)
        await super().install(environment)  # type: ignore[misc]

    def _missing_error(self, found: str | None, wanted: str | None) -> ScaffoldInstallError:
        want = f" {wanted}" if wanted else ""
        if found is None:
            return ScaffoldInstallError(
                f"install=never, but the image has no {self.WHAT_IS_INSTALLED}",
                hint=f"add `{self.HOW_TO_BAKE_IN}` to the image, or use install=auto",
            )
        return ScaffoldInstallError(
            f"install=never, but the image has {self.WHAT_IS_INSTALLED} {found}, not{want}",
            hint=f"pass version={found} to use it, or rebuild the image with{want}",
        )

    def populate_context_post_run(self, context: AgentContext) -> None:
        super().populate_context_post_run(context)  # type: ignore[misc]
        report = self.episode_report(self._read_trajectory())
        context.metadata = {**(context.metadata or {}), METADATA_KEY: report.model_dump()}

    def episode_report(self, trajectory: Trajectory | None) -> EpisodeReport:
        """No trajectory (the agent never got going, or its logs did not convert) counts as an
        episode of no turns, so every trial still carries a report."""
        if trajectory is None:
            return EpisodeReport(scaffold=self.SCAFFOLD, turns=0, turn_cap=self.turn_cap)
        reason = find_loop(trajectory, self.options.loop_window) or self.native_loop_reason()
        return EpisodeReport(
            scaffold=self.SCAFFOLD,
            turns=sum(step.source == "agent" for step in trajectory.steps),
            looping=reason is not None,
            loop_reason=reason,
            turn_cap=self.turn_cap,
        )

    def native_loop_reason(self) -> str | None:
        """Why the agent's own loop detection ended the episode, from its native logs."""
        return None

    def _read_trajectory(self) -> Trajectory | None:
        path = self.logs_dir / "trajectory.json"
        if not path.is_file():
            return None
        try:
            return Trajectory.model_validate(json.loads(path.read_text()))
        except (OSError, ValueError, ValidationError) as exc:
            self.logger.debug(f"Could not read {path} for the episode report: {exc}")
            return None


def last_line(stdout: str | None) -> str:
    lines = [line.strip() for line in (stdout or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""
