"""What one command fetches: whether it reaches the network, and what it installs unpinned.

Judged from the command's own arguments: offline flags (`pip --no-index`, `uv --offline`,
`npm --offline`) and loopback or local targets (`curl localhost:8080`, `git clone /git/repo`,
`git clone user@localhost:repo`) reach nothing outside the container.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from litecoder_harbor.validate.static.shell import Command

_PIP = re.compile(r"^pip(\d+(\.\d+)*)?$")
_PIP_FETCHES = {"install", "download", "wheel"}
_PIP_OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url",
                           "--extra-index-url", "-f", "--find-links", "-e", "--editable",
                           "-t", "--target", "--prefix", "--root", "--python", "--platform",
                           "--cache-dir", "--trusted-host", "--upgrade-strategy"}  # fmt: skip
_SUBCOMMANDS = {  # the subcommands that fetch anything
    "uv": {"pip", "run", "sync", "add", "tool", "lock"},
    "npm": {"install", "i", "ci", "exec", "add", "update"},
    "yarn": {"add", "install"},
    "pnpm": {"add", "install", "i"},
    "cargo": {"install", "fetch", "build", "run"},
    "go": {"get", "install", "mod"},
    "gem": {"install"},
    "conda": {"install", "create"},
    "mamba": {"install", "create"},
    "apt": {"install", "update", "upgrade"},
    "apt-get": {"install", "update", "upgrade", "dist-upgrade", "source"},
    "apk": {"add", "update", "upgrade"},
    "dnf": {"install", "update", "upgrade"},
    "yum": {"install", "update", "upgrade"},
}
_OFFLINE_FLAGS = {"--offline", "--no-index"}
_OFFLINE_ENV = {"UV_OFFLINE", "PIP_NO_INDEX", "npm_config_offline"}
_DOWNLOADERS = {"curl", "wget"}
_DOWNLOADER_OPTIONS_WITH_VALUE = {
    "-o", "--output", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "-X",
    "--request", "-u", "--user", "-A", "--user-agent", "-e", "--referer", "-F", "--form",
    "-T", "--upload-file", "-w", "--write-out", "-m", "--max-time", "--connect-timeout",
    "--retry", "-K", "--config", "-b", "--cookie", "-c", "--cookie-jar", "-O",
    "--output-document", "-P", "--directory-prefix", "-t", "--tries", "--timeout",
    "-U", "--post-data", "--unix-socket", "-x", "--proxy", "--cacert",
}  # fmt: skip
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]"}
_SHELL_SINKS = {"sh", "bash", "dash", "zsh", "ash", "ksh", "python", "python3", "perl", "ruby"}


def _is_pip(command: Command) -> bool:
    return _PIP.match(command.name) is not None


def _offline(command: Command) -> bool:
    return any(w in _OFFLINE_FLAGS for w in command.argv) or any(
        command.env.get(name, "").lower() in {"1", "true", "yes"} for name in _OFFLINE_ENV
    )


def network_use(command: Command) -> str | None:
    """How `command` reaches the network (e.g. `pip install`), or None if it does not."""
    name, args = command.name, command.argv[1:]
    if _is_pip(command):
        sub = next((a for a in args if not a.startswith("-")), None)
        fetches = sub in _PIP_FETCHES and not _offline(command)
        return f"{name} {sub}" if fetches else None
    if name in _DOWNLOADERS:
        hosts = [_host(url) for url in _urls(args)]
        return name if not hosts or any(h not in _LOOPBACK_HOSTS for h in hosts) else None
    if name == "git":
        return _git_network(args)
    if name in {"uvx", "npx"}:
        return None if _offline(command) or "--no-install" in args else name
    wanted = _SUBCOMMANDS.get(name)
    if wanted is None or _offline(command):
        return None
    sub = next((a for a in args if not a.startswith("-")), None)
    if name == "go" and sub == "mod" and "download" not in args:
        return None
    return f"{name} {sub}" if sub in wanted else None


def _urls(args: list[str]) -> list[str]:
    urls, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in _DOWNLOADER_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            urls.append(arg)
    return urls


def _host(url: str) -> str:
    """The host of a URL as curl reads it (scheme optional): `127.0.0.1:8080/x` -> 127.0.0.1."""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return url
    return "127.0.0.1" if host.startswith("127.") else host


def _git_network(args: list[str]) -> str | None:
    sub = next((a for a in args if not a.startswith("-")), None)
    if sub not in {"clone", "fetch", "pull", "submodule"}:
        return None
    targets = [a for a in args[args.index(sub) + 1 :] if not a.startswith("-")]
    remote = next((t for t in targets if _is_remote(t)), None)
    if sub == "clone" and targets and remote is None:
        return None  # a local path or a loopback server
    return f"git {sub}" if remote is not None or sub == "clone" else None


def _is_remote(target: str) -> bool:
    """A git URL whose host is not this machine (`user@host:repo`, `https://host/...`)."""
    if "://" in target:
        scheme = target.split("://", 1)[0]
        return scheme != "file" and _host(target) not in _LOOPBACK_HOSTS
    scp = re.match(r"^(?:[^@/]+@)?([^:/]+):", target)
    return scp is not None and scp.group(1) not in _LOOPBACK_HOSTS


def unpinned_installs(command: Command) -> list[str]:
    """What `command` installs with no fixed version, each as a short description."""
    if _is_pip(command) or (command.name == "uv" and command.argv[1:2] == ["pip"]):
        args = command.argv[2:] if command.name == "uv" else command.argv[1:]
        if not args or args[0] != "install":
            return []
        return [f"pip package {p!r} has no ==version" for p in _unpinned_pip(args[1:])]
    if command.name == "npm" and command.argv[1:2] and command.argv[1] in {"install", "i", "add"}:
        packages = [a for a in command.argv[2:] if not a.startswith("-")]
        return [f"npm package {p!r} has no @version" for p in packages if _npm_unpinned(p)]
    if command.name in _DOWNLOADERS and command.piped_into in _SHELL_SINKS:
        return [f"`{command.name} ... | {command.piped_into}` runs whatever the URL serves today"]
    return []


def _unpinned_pip(args: list[str]) -> list[str]:
    unpinned, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _PIP_OPTIONS_WITH_VALUE:
            skip = True
            continue
        local = arg in {".", "./"} or arg.startswith(("/", "./", "../", "git+", "http", "$"))
        if arg.startswith("-") or local or arg.endswith((".whl", ".tar.gz", ".zip")):
            continue
        if "==" not in arg and "@" not in arg:
            unpinned.append(arg)
    return unpinned


def _npm_unpinned(package: str) -> bool:
    if package.startswith((".", "/", "git+", "http", "file:", "$")):
        return False
    name_end = package.find("@", 1)  # past a scope's leading @
    return name_end < 0 or package[name_end + 1 :] in {"", "latest", "next"}
