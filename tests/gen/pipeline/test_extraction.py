"""Extraction without containers: which changes are kept, dropped or refused, the secrets
check, the Dockerfile steps and the manifest comparison."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zlib
from decimal import Decimal

import pytest

from litecoder_harbor.gen.pipeline.extraction import (
    MAX_FILE_BYTES,
    ManifestEntry,
    check_secrets,
    compare_manifests,
    dockerfile_steps,
    parse_listing,
    read_capture,
    select_changes,
)

SINCE = Decimal("1000.5")


def listing(*rows: tuple) -> bytes:
    """find -printf lines: (path, type, mode, ctime[, uid, gid, size])."""
    out = b""
    for path, type_, mode, ctime, *rest in rows:
        uid, gid, size = (rest + [0, 0, 10])[:3] if rest else (0, 0, 10)
        out += f"{ctime}\t{type_}\t{mode}\t{uid}\t{gid}\t{size}\t{path}\0".encode()
    return out


BASE = [
    ("/", "d", "755", 1),
    ("/etc", "d", "755", 1),
    ("/etc/motd", "f", "644", 1),
    ("/etc/hosts", "f", "644", 1),
    ("/srv", "d", "755", 1),
    ("/usr", "d", "755", 1),
    ("/usr/bin", "d", "755", 1),
    ("/old", "d", "755", 1),
    ("/old/a.txt", "f", "644", 1),
    ("/logs", "d", "755", 1),
    ("/logs/agent", "d", "755", 1),
    ("/app", "d", "755", 1),
    ("/app/unchanged.txt", "f", "644", 1),
    ("/root", "d", "700", 1),
]


def select(*after_rows: tuple, removed: tuple[str, ...] = ()):
    before = parse_listing(listing(*BASE))
    after_base = [row for row in BASE if row[0] not in removed]
    after = parse_listing(listing(*after_base, *after_rows))
    return select_changes(before, after, SINCE)


def test_changes_kept_with_their_parents_and_deletions_collapsed():
    selection = select(
        ("/app", "d", "755", 2000),  # contents changed only: not kept for itself
        ("/app/repo", "d", "755", 2000),
        ("/app/repo/greeting.txt", "f", "644", 2000),
        ("/srv", "d", "1777", 2000),  # chmod only
        ("/etc/greeter", "d", "750", 2000, 999, 999),
        ("/etc/greeter/greeter.conf", "f", "640", 2000, 999, 999),
        removed=("/etc/motd", "/old", "/old/a.txt"),
    )
    assert not selection.refused and selection.readable
    assert selection.kept == [
        "/app",
        "/app/repo",
        "/app/repo/greeting.txt",
        "/etc",
        "/etc/greeter",
        "/etc/greeter/greeter.conf",
        "/srv",
    ]
    assert selection.deleted == ["/etc/motd", "/old"]  # /old/a.txt goes with /old


def test_noise_dropped_silently_and_tooling_mounts_ignored():
    selection = select(
        ("/tmp", "d", "1777", 2000),
        ("/tmp/tmux-0/default", "s", "770", 2000),
        ("/root/.bash_history", "f", "600", 2000),
        ("/root/.cache/pip/x", "f", "644", 2000),
        ("/app/pkg/__pycache__/m.cpython-311.pyc", "f", "644", 2000),
        ("/var/lib/apt/lists/deb", "f", "644", 2000),
        ("/tests/test.sh", "f", "755", 2000),
        ("/etc/hosts", "f", "644", 2000),
        ("/logs/agent", "d", "755", 2000),  # Harbor's mount point
    )
    assert not selection.refused and selection.kept == []
    assert selection.dropped["temporary and runtime files"] == 2
    assert selection.dropped["caches"] == 3
    assert selection.dropped["shell and editor histories"] == 1


def test_logs_system_trees_and_special_files_refused_with_the_reason():
    selection = select(
        ("/logs/prep-notes.txt", "f", "644", 2000),
        ("/logs/stash", "d", "755", 2000),
        ("/usr/bin/newtool", "f", "755", 2000),
        ("/usr/local/bin/greeter", "f", "755", 2000),
        ("/app/fifo", "p", "644", 2000),
        ("/app/bad\nname", "f", "644", 2000),
    )
    assert selection.refused
    refused = "\n".join(selection.refused)
    assert "/logs/prep-notes.txt: under /logs, where Harbor mounts" in refused
    assert "/logs/stash: under /logs" in refused
    assert "/usr/bin/newtool: a package-managed system path" in refused
    assert "/app/fifo: not a regular file, directory or symbolic link (find type p)" in refused
    assert "'/app/bad\\nname': a name with a newline" in refused
    assert "/usr/local/bin/greeter" in selection.kept  # /usr/local is the admin's own
    assert selection.readable  # no limit broken: what is kept can still be read


def test_limits_refuse_and_stop_reading():
    big = MAX_FILE_BYTES + 1
    selection = select(("/app/huge.bin", "f", "644", 2000, 0, 0, big))
    assert not selection.readable
    assert selection.refused == [
        f"/app/huge.bin: {big:,} bytes, over the {MAX_FILE_BYTES:,} one file may have (generate "
        "large data in a script the task's solution can rerun, or make it smaller)"
    ]


def test_unchanged_files_not_kept_even_when_listed_again():
    assert select(("/app/unchanged.txt", "f", "644", 1000)).kept == []


def tar_of(*members: tuple) -> bytes:
    """(name, kind, mode, uid, data_or_target)"""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, mode, uid, payload in members:
            info = tarfile.TarInfo(name)
            info.mode, info.uid, info.gid = mode, uid, uid
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
            else:
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def test_secrets_refused_without_repeating_them(monkeypatch):
    monkeypatch.setenv("DEPLOY_API_KEY", "value-of-the-deploy-key")
    key = "sk-proj-Abc123Def456Ghi789Jkl012"
    capture = read_capture(
        tar_of(
            ("app/.env", "file", 0o600, 0, f"OPENAI_API_KEY={key}\n".encode()),
            ("app/deploy.txt", "file", 0o644, 0, b"token: value-of-the-deploy-key\n"),
            ("app/repo/.git/objects/ab/" + "c" * 38, "file", 0o444, 0, zlib.compress(key.encode())),
            ("app/notes.txt", "file", 0o644, 0, b"use hf_hub_download; basic configuration\n"),
        ),
        ["/app/.env", "/app/deploy.txt", "/app/notes.txt"],
    )
    problems = check_secrets(capture)
    assert problems == [
        "/app/.env: holds a string shaped like an API key or token; secrets are never captured "
        "(use an obviously fake placeholder such as CHANGE_ME)",
        "/app/deploy.txt: holds the value of DEPLOY_API_KEY; secrets are never captured",
        f"/app/repo/.git/objects/ab/{'c' * 38}: holds a string shaped like an API key or token; "
        "secrets are never captured (use an obviously fake placeholder such as CHANGE_ME)",
    ]
    assert not any(key in p or "value-of-the-deploy-key" in p for p in problems)


def sample_capture():
    return read_capture(
        tar_of(
            ("app", "dir", 0o755, 0, None),
            ("app/my repo", "dir", 0o755, 0, None),
            ("app/my repo/file.txt", "file", 0o644, 0, b"hello\n"),
            ("etc/greeter", "dir", 0o750, 999, None),
            ("etc/greeter/greeter.conf", "file", 0o640, 999, b"port =\n"),
            ("usr/local/bin/su-tool", "file", 0o4755, 0, b"#!/bin/sh\n"),
            ("srv/empty", "dir", 0o1777, 0, None),
            ("app/current", "link", 0o777, 0, "my repo"),
        ),
        ["/app", "/app/my repo", "/srv/empty", "/app/current"],
        deleted=["/etc/motd"],
    )


def test_dockerfile_steps_place_files_owners_and_modes_in_order():
    steps = dockerfile_steps(sample_capture())
    lines = steps.splitlines()
    assert lines[1] == "RUN rm -rf -- /etc/motd"
    assert lines[2] == "COPY prepared/ /"
    body = steps.split("COPY prepared/ /\n", 1)[1]
    assert "mkdir -p -- /srv/empty" in body and "mkdir -p -- /app " not in body
    assert "ln -sfn -- 'my repo' /app/current" in body
    assert "chown -h 999:999 -- /etc/greeter /etc/greeter/greeter.conf" in body
    assert "chown -h 0:0" not in body  # what COPY makes already
    assert "chmod 0640 -- /etc/greeter/greeter.conf" in body
    assert "chmod 4755 -- /usr/local/bin/su-tool" in body
    assert "'/app/my repo/file.txt'" in body
    assert body.index("chown") < body.index("chmod")  # chown would clear the setuid bit
    chmod_paths = " ".join(line for line in body.splitlines() if "chmod" in line)
    assert "/app/current" not in chmod_paths  # chmod would follow the link


def test_capture_manifest_reads_kinds_and_hashes():
    capture = sample_capture()
    conf = capture.entry("/etc/greeter/greeter.conf")
    assert (conf.kind, conf.mode, conf.uid) == ("file", "0640", 999)
    assert conf.sha256 == hashlib.sha256(b"port =\n").hexdigest()
    assert capture.entry("/app/current").target == "my repo"
    assert capture.entry("/etc/motd").kind == "absent"


def test_manifest_comparison_lists_every_difference():
    live = sample_capture().manifest
    assert compare_manifests(live, live) == []
    changed = [
        e.model_copy(update={"mode": "0644"}) if e.path == "/etc/greeter/greeter.conf" else e
        for e in live
        if e.path != "/srv/empty"
    ]
    changed.append(ManifestEntry(path="/etc/motd", kind="file", mode="0644", uid=0, gid=0))
    assert compare_manifests(live, changed) == [
        "/etc/greeter/greeter.conf: mode 0640 prepared, 0644 rebuilt",
        "/etc/motd: kind absent prepared, file rebuilt; mode None prepared, 0644 rebuilt; "
        "uid None prepared, 0 rebuilt; gid None prepared, 0 rebuilt",
        "/srv/empty: kind dir prepared, absent rebuilt; mode 1777 prepared, None rebuilt; "
        "uid 0 prepared, None rebuilt; gid 0 prepared, None rebuilt",
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [("/app/\udcff", "the name is not UTF-8"), ("/app/tab\tname", "a name with a newline or tab")],
    ids=["not-utf8", "tab"],
)
def test_unusable_names_refused(name, reason):
    row = f"2000\tf\t644\t0\t0\t1\t{name}\0".encode("utf-8", "surrogateescape")
    after = parse_listing(listing(*BASE) + row)
    selection = select_changes(parse_listing(listing(*BASE)), after, SINCE)
    assert selection.refused == [
        f"{name!r}: {reason}" + (" cannot be placed by a Dockerfile" if "tab" in reason else "")
    ]
