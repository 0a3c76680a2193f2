"""Sending a scaffold's model calls through collect's recording proxy, one path per trial.

Only the agent knows which trial it serves (its logs dir is `<job>/<trial>/agent`, and Harbor
gives every attempt of a trial its own id), and the agent is built by Harbor from one config
shared by all trials of a job, so the per-trial address has to be made here: while
`recording_proxy` is set (by `litecoder collect`, for the trials it runs), a scaffold whose
endpoint is the proxy's upstream calls `<proxy>/record/<job>/<trial>/<attempt id>/<path>`
instead. The job's config keeps the user's endpoint, so a rerun resumes the same job.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit
from uuid import UUID

ROUTE = "record"
"""First segment of a proxied path."""


@dataclass(frozen=True)
class ProxyAddresses:
    upstream: str
    """scheme://host:port of the endpoint the proxy forwards to."""
    from_host: str
    """The proxy's URL for calls from this process (Terminus-2)."""
    from_containers: str | None
    """Its URL for calls from inside task containers; None where they cannot reach it."""


recording_proxy: ContextVar[ProxyAddresses | None] = ContextVar("recording_proxy", default=None)


def origin(url: str) -> str:
    """scheme://host:port of `url`, without userinfo."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def recorded_endpoint(
    endpoint: str | None, logs_dir: Path, attempt: UUID | None, *, in_container: bool
) -> str | None:
    """`endpoint` routed through the recording proxy for this trial attempt, or unchanged when
    nothing records, the endpoint is another one, or the caller cannot reach the proxy."""
    proxy = recording_proxy.get()
    if proxy is None or endpoint is None or attempt is None:
        return endpoint
    base = proxy.from_containers if in_container else proxy.from_host
    if base is None or origin(endpoint) != proxy.upstream:
        return endpoint
    trial_dir = Path(logs_dir).parent
    segments = [ROUTE, trial_dir.parent.name, trial_dir.name, str(attempt)]
    route = "/".join(quote(segment, safe="") for segment in segments)
    return f"{base.rstrip('/')}/{route}{urlsplit(endpoint).path}".rstrip("/")
