"""Keeping credentials out of everything a run records or shows.

A key can reach us three ways besides its environment variable: inside an endpoint URL
(`http://user:key@host/v1`), echoed back in a server's error message, or pasted into a prompt.
URLs are recorded without their userinfo; text is scrubbed of the values of key variables and
of URL passwords (`redact`), and text a server sent also of anything shaped like a key
(`scrub_server_text`), since a server may echo a key we never knew about.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_KEY_ENV: dict[str, str] = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
"""Where each provider's key is read from unless a config names another variable."""
KEY_ENVS = frozenset(DEFAULT_KEY_ENV.values())
"""Always treated as secret; so is every other `*_API_KEY` variable set at the time."""
MIN_SECRET_LENGTH = 8
"""Shorter values are not real keys, and scrubbing them would mangle ordinary text."""

_PROVIDER_PREFIXES = (
    "sk|sk-ant|sk-proj|sk_live|rk_live|xai|gsk|hf|ghp|gho|ghu|ghs|ghr|github_pat|glpat|npm|pypi"
)
KEY_SHAPE_PATTERNS = (
    rf"\b(?:{_PROVIDER_PREFIXES})[-_][A-Za-z0-9_\-]{{8,}}",
    r"\bAIza[0-9A-Za-z_\-]{20,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bxox[abprs]-[A-Za-z0-9\-]{10,}",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    r"(?i:bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}",
    r"((?i:api[_-]?key|token|secret)\s*[=:]\s*['\"]?)[A-Za-z0-9._\-]{16,}",
    r"(://)[^/\s@]+@",
)
"""Shapes of API keys and tokens, in a syntax Python's `re` (with re.ASCII) and RE2 share:
provider keys (OpenAI, Anthropic, Hugging Face, GitHub, GitLab, npm, PyPI, Stripe, xAI, Groq),
Google and AWS access key ids, Slack tokens, JWTs, HTTP auth headers, `api_key=` / `token:` /
`secret=` assignments (the name stays) and URL userinfo (the scheme stays)."""
_KEY_SHAPES = re.compile("|".join(KEY_SHAPE_PATTERNS), re.ASCII)
_VENDOR_KEY_SHAPES = re.compile(KEY_SHAPE_PATTERNS[0], re.ASCII)

Secret = tuple[str, str]
"""(what it is, its value), e.g. ("OPENAI_API_KEY", "sk-..."); the name shows where it was."""


def without_userinfo(url: str) -> str:
    """`url` as it may be recorded: `http://user:key@host:8000/v1` -> `http://host:8000/v1`,
    also when the scheme is missing (`user:key@host/v1`), as in a URL about to be refused."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rpartition('@')[2]}{slash}{path}"


def url_secrets(url: str | None) -> list[Secret]:
    """The password (or lone token) in a URL's userinfo, to scrub wherever it might appear."""
    if not url:
        return []
    parts = urlsplit(url)
    value = parts.password or parts.username
    return [("api_base password", value)] if value and len(value) >= MIN_SECRET_LENGTH else []


def key_values(names: Iterable[str] = ()) -> list[Secret]:
    """The values of `names`, of the usual key variables and of every `*_API_KEY` set now."""
    wanted = KEY_ENVS | set(names) | {name for name in os.environ if name.endswith("_API_KEY")}
    return [(name, os.environ.get(name, "")) for name in sorted(wanted)]


def redact(text: str, secrets: Iterable[Secret]) -> str:
    """`text` with every secret's value (as is, and escaped as inside JSON) replaced by
    `[redacted <name>]`; the longest first, so a key inside another goes with it."""
    usable = [(name, value) for name, value in secrets if len(value) >= MIN_SECRET_LENGTH]
    for name, value in sorted(usable, key=lambda item: -len(item[1])):
        for form in {value, json.dumps(value)[1:-1]}:
            text = text.replace(form, f"[redacted {name}]")
    return text


def redact_bytes(data: bytes, secrets: Iterable[Secret]) -> bytes:
    usable = [(name, value) for name, value in secrets if len(value) >= MIN_SECRET_LENGTH]
    for name, value in sorted(usable, key=lambda item: -len(item[1])):
        data = data.replace(value.encode(), f"[redacted {name}]".encode())
    return data


def scrub_server_text(text: str, secrets: Iterable[Secret]) -> str:
    """What a server said (an error message), fit to show and store: known secrets redacted,
    then anything that looks like a key, a bearer token or URL userinfo."""
    return scrub_key_shapes(redact(text, [*secrets, *key_values()]))[0]


def scrub_key_shapes(text: str) -> tuple[str, int]:
    """`text` with URL userinfo and everything shaped like a key or token replaced by
    `[redacted]`, and how many were found: for text whose secrets are not known in advance (a
    server's error message, a trajectory, a dataset row)."""
    return _KEY_SHAPES.subn(_redaction, text)


def _redaction(found: re.Match[str]) -> str:
    """What replaces a match: an assignment keeps its name, a URL its scheme separator."""
    kept = found.group(1) or found.group(2) or ""
    return f"{kept}[redacted]" + ("@" if found.group(2) else "")


def key_shaped(text: str) -> bool:
    """Whether `text` holds something shaped like a vendor API key or token (with a digit in
    it, so identifiers such as `hf_hub_download` are not taken for one)."""
    return any(
        len(m.group()) >= 20 and any(ch.isdigit() for ch in m.group())
        for m in _VENDOR_KEY_SHAPES.finditer(text)
    )
