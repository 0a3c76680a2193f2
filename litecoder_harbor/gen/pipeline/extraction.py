"""From a prepared container to `environment/` artifacts: what changed, what may be kept, the
Dockerfile steps that put it back, and the manifest that proves the rebuilt image matches.

How changes are found. The preparation agent (`preparation.PreparationAgent`) lists the
container's filesystem through Harbor's environment API before the model's first keystroke and
after its last one: every entry with its type, mode, owner, size and inode change time
(`find / -xdev -printf`). An entry is new or changed when it was not there before or its change
time is later than the first listing; a directory counts only when it is new or its mode or
owner changed (one whose contents changed is rebuilt by the steps anyway); entries there before
and gone after were deleted. We chose this over Docker's own `docker diff` of the container
Harbor started because it works on every Harbor environment (the diff exists only on a local
engine, and only while a container Harbor is about to remove is kept alive), the change time
cannot be set back from inside the container (`touch -d` sets only the modification time), and
what Harbor and the agent's tooling did before the first listing (tmux, the log mounts) is
excluded by construction. The files are then read with one `tar --no-recursion` of exactly the
kept paths, which keeps modes, numeric owners, symbolic links and git repositories as they are.

What may be kept (`select_changes`): noise is dropped silently (caches, temporary and runtime
files, shell histories, Harbor's own mounts and uploads); what must never be part of a task is
refused with the reason, which goes back to the model: files under `/logs` (Harbor's log mount),
package-managed system trees (the image provides the domain's packages; installing more is not
captured), special files, unusable names, too many or too large files, and (`check_secrets`)
any content shaped like an API key or holding the value of a key variable.

The Dockerfile steps (`dockerfile_steps`) delete what was deleted, COPY the files from
`environment/prepared/`, create empty directories and symbolic links, then set every kept
entry's numeric owner and mode. `manifest_of` reads a tar of the kept paths into
path -> (kind, mode, owner, content hash or link target); `compare_manifests` lists every
difference between the live container's and a container of the rebuilt image.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shlex
import tarfile
import zlib
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, Field

from litecoder_harbor.llm.secrets import Secret, key_shaped, key_values
from litecoder_harbor.tasks.model import TaskFile

PREPARED_DIR = "prepared"
"""Where the captured files live inside `environment/`."""
MAX_ENTRIES = 2_000
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024
"""Limits on one capture: a starting state is a repository or a configuration, not a disk image
(the files travel in every draft the later stages save)."""
SHOWN_REFUSALS = 8

LISTING_FORMAT = r"%C@\t%y\t%m\t%U\t%G\t%s\t%p\0"
"""`find -printf` format of one listing entry: change time, type, mode, uid, gid, size, path."""
LISTING_COMMAND = (
    r"find / -xdev \( -path /proc -o -path /sys -o -path /dev \) -prune -o "
    f"-printf '{LISTING_FORMAT}' 2>/dev/null"
)

_DROPPED: list[tuple[str, str]] = [
    # (pattern, why) - noise nobody asked for; matched against the whole path
    (r"/(tmp|var/tmp|run|var/run)(/.*)?", "temporary and runtime files"),
    (r"/(root|home/[^/]+)/\.cache(/.*)?|/var/cache(/.*)?|/var/lib/apt/lists(/.*)?", "caches"),
    (r".*/__pycache__(/.*)?|.*\.pyc|/etc/ld\.so\.cache", "caches"),
    (
        r"/(root|home/[^/]+)/\.(bash_history|python_history|lesshst|viminfo|wget-hsts)",
        "shell and editor histories",
    ),
    (r"/var/log/(apt(/.*)?|dpkg\.log|alternatives\.log)", "package manager logs"),
    (r"/(tests|solution|installed-agent)(/.*)?", "Harbor's uploads and agent tooling"),
    (r"/etc/(hosts|hostname|resolv\.conf)", "files the container runtime manages"),
]
_DROPPED_RE = [(re.compile(pattern), why) for pattern, why in _DROPPED]
_SYSTEM_TREES = re.compile(
    r"/(usr(?!/local(/|$))|bin|sbin|lib|lib32|lib64|libx32|boot|var/lib/dpkg|var/lib/apt)(/.*)?"
)
_LOOSE_GIT_OBJECT = re.compile(r".*/\.git/objects/[0-9a-f]{2}/[0-9a-f]{38}")

Kind = Literal["file", "dir", "symlink", "absent"]


class ListedEntry(BaseModel):
    """One line of a filesystem listing."""

    path: str
    type: str = Field(description="find's %y: f, d, l, p, s, c, b.")
    mode: int
    uid: int
    gid: int
    size: int
    ctime: Decimal


def parse_listing(data: bytes) -> dict[str, ListedEntry]:
    """A `LISTING_COMMAND` output (NUL-separated entries) by path. Paths that are not UTF-8
    keep their bytes as surrogate escapes, so they are refused by name, not lost."""
    entries = {}
    for record in data.split(b"\0"):
        fields = record.decode("utf-8", "surrogateescape").split("\t", 6)
        if len(fields) != 7:
            continue
        ctime, type_, mode, uid, gid, size, path = fields
        try:
            entries[path] = ListedEntry(
                path=path,
                type=type_,
                mode=int(mode, 8),
                uid=int(uid),
                gid=int(gid),
                size=int(size),
                ctime=Decimal(ctime),
            )
        except (ValueError, InvalidOperation):
            continue
    return entries


class Selection(BaseModel):
    """What a preparation changed, sorted into kept, dropped and refused."""

    kept: list[str] = Field(description="Paths to capture: the changes and their parents.")
    deleted: list[str] = Field(description="Top-most paths that existed before and are gone.")
    dropped: dict[str, int] = Field(description="Why -> how many entries were left out.")
    refused: list[str] = Field(description="Why the capture cannot be used, per problem.")
    readable: bool = Field(
        description="Within the limits, so the kept files may be read (and checked for secrets)."
    )


def _dropped(path: str) -> str | None:
    return next((why for pattern, why in _DROPPED_RE if pattern.fullmatch(path)), None)


def _refused(entry: ListedEntry | None, path: str) -> str | None:
    """Why `path` may not be part of a starting state, or None."""
    if "\n" in path or "\t" in path:
        return f"{path!r}: a name with a newline or tab cannot be placed by a Dockerfile"
    try:
        path.encode()
    except UnicodeEncodeError:
        return f"{path!r}: the name is not UTF-8"
    if path == "/logs" or path.startswith("/logs/"):  # Harbor's mount points never change
        return (
            f"{path}: under /logs, where Harbor mounts the agent's and verifier's logs; the "
            "starting state must not put anything there"
        )
    if _SYSTEM_TREES.fullmatch(path):
        return (
            f"{path}: a package-managed system path; installed or changed packages are not "
            "captured (the image has the domain's packages only: use those, and put your own "
            "programs under /usr/local or /opt)"
        )
    if entry is not None and entry.type not in ("f", "d", "l"):
        return f"{path}: not a regular file, directory or symbolic link (find type {entry.type})"
    return None


def _changed(entry: ListedEntry, before: ListedEntry | None, since: Decimal) -> bool:
    if before is None or before.type != entry.type:
        return True
    if entry.type == "d":
        return (entry.mode, entry.uid, entry.gid) != (before.mode, before.uid, before.gid)
    return entry.ctime > since


def _ancestors(path: str) -> list[str]:
    parents = [str(p) for p in PurePosixPath(path).parents]
    return [p for p in parents if p != "/"]


def select_changes(
    before: dict[str, ListedEntry], after: dict[str, ListedEntry], since: Decimal
) -> Selection:
    """Sort what changed between two listings (`since`: when the first was taken)."""
    dropped: Counter[str] = Counter()
    refused: list[str] = []
    kept: set[str] = set()
    for path, entry in sorted(after.items()):
        if path == "/" or not _changed(entry, before.get(path), since):
            continue
        if why := _dropped(path):
            dropped[why] += 1
        elif why := _refused(entry, path):
            refused.append(why)
        else:
            kept.add(path)
    gone = sorted(p for p in before if p not in after and p != "/")
    deleted = [p for p in gone if not any(a in before and a not in after for a in _ancestors(p))]
    kept_deleted = []
    for path in deleted:
        if why := _dropped(path):
            dropped[why] += 1
        elif why := _refused(before[path], path):
            refused.append(why)
        else:
            kept_deleted.append(path)
    kept |= {parent for path in kept for parent in _ancestors(path)}
    too_much = _limits([after[p] for p in kept if p in after])
    return Selection(
        kept=sorted(kept),
        deleted=kept_deleted,
        dropped=dict(dropped.most_common()),
        refused=_summarized(refused + too_much),
        readable=not too_much,
    )


def _limits(entries: list[ListedEntry]) -> list[str]:
    problems = []
    if len(entries) > MAX_ENTRIES:
        problems.append(
            f"{len(entries)} entries changed, more than the {MAX_ENTRIES} a starting state may "
            "hold: create only what the task needs"
        )
    files = [e for e in entries if e.type == "f"]
    for entry in files:
        if entry.size > MAX_FILE_BYTES:
            problems.append(
                f"{entry.path}: {entry.size:,} bytes, over the {MAX_FILE_BYTES:,} one file may "
                "have (generate large data in a script the task's solution can rerun, or make "
                "it smaller)"
            )
    total = sum(e.size for e in files)
    if total > MAX_TOTAL_BYTES:
        problems.append(
            f"the changed files hold {total:,} bytes, over the {MAX_TOTAL_BYTES:,} a starting "
            "state may have"
        )
    return problems


def _summarized(refused: list[str]) -> list[str]:
    if len(refused) <= SHOWN_REFUSALS:
        return refused
    return [*refused[:SHOWN_REFUSALS], f"... and {len(refused) - SHOWN_REFUSALS} more refused"]


# --- the captured files -----------------------------------------------------------------------


class ManifestEntry(BaseModel):
    """One path of a state: what it is, its mode and owner, and its content's hash (or where
    a link points)."""

    path: str
    kind: Kind
    mode: str | None = None
    uid: int | None = None
    gid: int | None = None
    sha256: str | None = None
    target: str | None = None


class Capture(BaseModel):
    """A kept state: the manifest plus the content of its files, by path."""

    manifest: list[ManifestEntry]
    contents: dict[str, bytes] = Field(repr=False)

    def entry(self, path: str) -> ManifestEntry | None:
        return next((e for e in self.manifest if e.path == path), None)


def read_capture(archive: bytes, paths: Iterable[str], deleted: Iterable[str] = ()) -> Capture:
    """The state of `paths` in a `tar --no-recursion` of them; a path missing from the archive
    (and every `deleted` one) is absent."""
    entries: dict[str, ManifestEntry] = {}
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        for member in tar.getmembers():
            path = "/" + member.name.lstrip("/").removeprefix("./").rstrip("/")
            common = {"path": path, "mode": f"{member.mode & 0o7777:04o}", "uid": member.uid}
            common["gid"] = member.gid
            if member.isdir():
                entries[path] = ManifestEntry(kind="dir", **common)
            elif member.issym():
                entries[path] = ManifestEntry(kind="symlink", target=member.linkname, **common)
            elif member.isfile() or member.islnk():
                handle = tar.extractfile(member)
                data = handle.read() if handle else b""
                contents[path] = data
                digest = hashlib.sha256(data).hexdigest()
                entries[path] = ManifestEntry(kind="file", sha256=digest, **common)
    for path in [*paths, *deleted]:
        entries.setdefault(path, ManifestEntry(path=path, kind="absent"))
    return Capture(manifest=sorted(entries.values(), key=lambda e: e.path), contents=contents)


def check_secrets(capture: Capture, secrets: Iterable[Secret] = ()) -> list[str]:
    """Why the capture may not be kept because of a secret in it (never the secret itself):
    text shaped like an API key, or the value of a key variable of this process. Loose git
    objects are read decompressed, so a key committed to a repository is found too."""
    values = [
        (name, value.encode()) for name, value in [*key_values(), *secrets] if len(value) >= 8
    ]
    problems = []
    for path, data in sorted(capture.contents.items()):
        if _LOOSE_GIT_OBJECT.fullmatch(path):
            with contextlib.suppress(zlib.error):
                data = zlib.decompress(data)
        named = next((name for name, value in values if value in data), None)
        if named is not None:
            problems.append(f"{path}: holds the value of {named}; secrets are never captured")
        elif key_shaped(data.decode("utf-8", "replace")):
            problems.append(
                f"{path}: holds a string shaped like an API key or token; secrets are never "
                "captured (use an obviously fake placeholder such as CHANGE_ME)"
            )
    return _summarized(problems)


def artifacts(capture: Capture) -> dict[str, TaskFile]:
    """The captured files as `environment/prepared/...` files of a draft (exact bytes)."""
    files = {}
    for entry in capture.manifest:
        if entry.kind == "file":
            mode = int(entry.mode or "0644", 8)
            files[f"{PREPARED_DIR}{entry.path}"] = TaskFile(
                content=capture.contents[entry.path], executable=bool(mode & 0o111)
            )
    return files


# --- Dockerfile steps -------------------------------------------------------------------------


PATHS_PER_LINE = 6


def _paths(paths: list[str]) -> str:
    quoted = [shlex.quote(p) for p in paths]
    lines = [
        " ".join(quoted[i : i + PATHS_PER_LINE]) for i in range(0, len(quoted), PATHS_PER_LINE)
    ]
    return " \\\n        ".join(lines)


def dockerfile_steps(capture: Capture) -> str:
    """The Dockerfile lines that rebuild the captured state on top of the image it was prepared
    in: delete, copy the files, make empty directories and links, then owners other than root
    and every mode (in that order: chown clears setuid bits; modes are always set, since the
    build context's modes depend on the umask of whoever wrote it)."""
    entries = [e for e in capture.manifest]
    absent = [e.path for e in entries if e.kind == "absent"]
    files = [e for e in entries if e.kind == "file"]
    dirs = [e for e in entries if e.kind == "dir"]
    links = [e for e in entries if e.kind == "symlink"]
    holding_files = {parent for f in files for parent in _ancestors(f.path)}
    steps = ["# The prepared starting state (files under prepared/, owners and modes below)."]
    if absent:
        steps.append(f"RUN rm -rf -- {_paths(absent)}")
    if files:
        steps.append(f"COPY {PREPARED_DIR}/ /")
    empty = [d.path for d in dirs if d.path not in holding_files]
    commands = []
    if empty:
        commands.append(f"mkdir -p -- {_paths(empty)}")
    for link in links:
        commands.append(f"ln -sfn -- {shlex.quote(link.target or '')} {shlex.quote(link.path)}")
    owners: dict[str, list[str]] = {}
    for entry in [*dirs, *files, *links]:
        if (entry.uid, entry.gid) != (0, 0):  # COPY, mkdir and ln make everything root's
            owners.setdefault(f"{entry.uid}:{entry.gid}", []).append(entry.path)
    for owner, paths in sorted(owners.items()):
        commands.append(f"chown -h {owner} -- {_paths(paths)}")
    modes: dict[str, list[str]] = {}
    for entry in [*dirs, *files]:  # chmod follows links; a link's own mode means nothing
        modes.setdefault(entry.mode or "0644", []).append(entry.path)
    for mode, paths in sorted(modes.items()):
        commands.append(f"chmod {mode} -- {_paths(paths)}")
    if commands:
        steps.append("RUN " + " \\\n    && ".join(commands))
    return "\n".join(steps) + "\n"


# --- comparing states -------------------------------------------------------------------------


def compare_manifests(live: list[ManifestEntry], rebuilt: list[ManifestEntry]) -> list[str]:
    """Every difference between two states, as `path: what differs`; empty when equal."""
    ours = {e.path: e for e in live}
    theirs = {e.path: e for e in rebuilt}
    differences = []
    for path in sorted(ours.keys() | theirs.keys()):
        a = ours.get(path) or ManifestEntry(path=path, kind="absent")
        b = theirs.get(path) or ManifestEntry(path=path, kind="absent")
        found = [
            f"{field} {getattr(a, field)} prepared, {getattr(b, field)} rebuilt"
            for field in ("kind", "mode", "uid", "gid", "sha256", "target")
            if getattr(a, field) != getattr(b, field)
        ]
        if found:
            differences.append(f"{path}: {'; '.join(found)}")
    return _summarized(differences)


def describe(files: dict[str, TaskFile], limit: int = 4_000) -> str:
    """The prepared files as a later stage's model should see them: each text file in full
    (up to `limit` characters), repositories as their working trees plus a note."""
    lines, repos = [], Counter()
    for name, file in sorted(files.items()):
        path = "/" + name.removeprefix(f"{PREPARED_DIR}/")
        if "/.git/" in path:
            repos[path.split("/.git/")[0]] += 1
            continue
        data = file.content if isinstance(file.content, bytes) else file.content.encode()
        try:
            text = data.decode()
        except UnicodeDecodeError:
            lines.append(f"{path}: binary, {len(data):,} bytes")
            continue
        if len(text) > limit:
            text = text[:limit] + "\n[... cut]"
        lines.append(f"```text path={path}\n{text.rstrip()}\n```")
    for repo, count in sorted(repos.items()):
        lines.append(f"{repo}: a git repository ({count} files under .git, history kept)")
    return "\n".join(lines)
