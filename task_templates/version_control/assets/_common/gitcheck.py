"""Read-only git helpers for the version-control checkers (stdlib only, runs as root).

git runs with the system and global config switched off, hooks and fsmonitor disabled and
`safe.directory=*` (the repository may belong to another user after the agent's work). Only
plumbing that never runs configured programs is used: rev-parse, cat-file, ls-tree, rev-list,
for-each-ref, merge-base. Trees are exported by reading blobs, not with `git archive` or a
checkout, so no smudge filter or attribute the agent planted can run as root.
"""

import hashlib
import os
import subprocess

GIT = [
    "git",
    "-c",
    "safe.directory=*",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.quotePath=false",
]
ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/nonexistent",
    "LANG": "C.UTF-8",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
}


class GitError(Exception):
    pass


class Repo:
    def __init__(self, path):
        self.path = path

    def run(self, *args, input=None, ok_codes=(0,)):
        proc = subprocess.run(
            GIT + ["-C", self.path, *args],
            input=input,
            capture_output=True,
            env=ENV,
            timeout=120,
        )
        if proc.returncode not in ok_codes:
            raise GitError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')[:300]}")
        return proc.stdout

    def text(self, *args):
        return self.run(*args).decode("utf-8", errors="replace").strip()

    def rev(self, name):
        """Commit id `name` resolves to (tags peeled), or None."""
        out = self.run("rev-parse", "--verify", "--quiet", name + "^{commit}", ok_codes=(0, 1))
        return out.decode().strip() or None

    def ref_target(self, ref):
        """Object id stored in `ref` (a tag object for annotated tags), or None."""
        out = self.run("rev-parse", "--verify", "--quiet", ref, ok_codes=(0, 1))
        return out.decode().strip() or None

    def head_ref(self):
        """The branch HEAD points at (full ref name), or None when HEAD is detached."""
        out = self.run("symbolic-ref", "-q", "HEAD", ok_codes=(0, 1))
        return out.decode().strip() or None

    def refs(self, prefix="refs/"):
        out = self.text("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def is_ancestor(self, a, b):
        proc = subprocess.run(
            GIT + ["-C", self.path, "merge-base", "--is-ancestor", a, b],
            capture_output=True,
            env=ENV,
            timeout=60,
        )
        return proc.returncode == 0

    def object(self, sha):
        """(type, raw body) of one object."""
        kind = self.text("cat-file", "-t", sha)
        return kind, self.run("cat-file", kind, sha)

    def commit(self, sha):
        kind, body = self.object(sha)
        if kind != "commit":
            raise GitError(f"{sha} is a {kind}, not a commit")
        head, _, message = body.partition(b"\n\n")
        info = {"parents": [], "message": message.decode("utf-8", errors="replace")}
        for line in head.decode("utf-8", errors="replace").splitlines():
            key, _, value = line.partition(" ")
            if key == "parent":
                info["parents"].append(value)
            elif key in ("tree", "author", "committer"):
                info[key] = value
        return info

    def first_parents(self, rev):
        return self.text("rev-list", "--first-parent", rev).split()

    def rev_list(self, *args):
        return self.text("rev-list", *args).split()

    def tree(self, rev):
        """path -> (mode, blob id) of every file in the tree of `rev`."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", rev)
        files = {}
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            mode, kind, sha = meta.decode().split()
            if kind == "blob":
                files[path.decode("utf-8", errors="replace")] = (mode, sha)
        return files

    def blobs(self, shas):
        """Contents of many objects at once: id -> bytes."""
        shas = list(dict.fromkeys(shas))
        if not shas:
            return {}
        out = self.run("cat-file", "--batch", input=("\n".join(shas) + "\n").encode())
        found, pos = {}, 0
        for _ in shas:
            end = out.index(b"\n", pos)
            header = out[pos:end].decode().split()
            pos = end + 1
            if len(header) < 3:  # "<id> missing"
                continue
            size = int(header[2])
            found[header[0]] = out[pos : pos + size]
            pos += size + 1
        return found

    def file(self, rev, path):
        """Bytes of `path` at `rev`, or None."""
        entry = self.tree(rev).get(path)
        return None if entry is None else self.blobs([entry[1]])[entry[1]]

    def export(self, rev, dest):
        """Write the files of `rev` under `dest` (world-readable) without running any filter."""
        files = self.tree(rev)
        contents = self.blobs(sha for _, sha in files.values())
        os.makedirs(dest, exist_ok=True)
        os.chmod(dest, 0o755)
        for path, (mode, sha) in files.items():
            if mode not in ("100644", "100755") or ".." in path.split("/"):
                continue
            target = os.path.join(dest, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(contents.get(sha, b""))
            os.chmod(target, 0o755 if mode == "100755" else 0o644)
        for root, dirs, _ in os.walk(dest):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        return files

    def all_objects(self):
        """Every object in the object database, reachable or not: yields (id, type, bytes)."""
        out = self.run("cat-file", "--batch-all-objects", "--batch", "--unordered")
        pos = 0
        while pos < len(out):
            end = out.index(b"\n", pos)
            sha, kind, size = out[pos:end].decode().split()
            pos = end + 1
            size = int(size)
            yield sha, kind, out[pos : pos + size]
            pos += size + 1


def blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def conflict_markers(data):
    """Lines of `data` that look like leftover merge-conflict markers."""
    bad = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if line.startswith(("<<<<<<< ", ">>>>>>> ", "||||||| ")) or line in (
            "<<<<<<<",
            ">>>>>>>",
            "=======",
        ):
            bad.append(number)
    return bad
