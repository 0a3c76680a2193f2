"""Git histories modelled in Python, with the object ids git itself will give them.

A family describes a repository as a list of commits (full file snapshots, parents, authors,
fixed timestamps, messages) plus its refs. `History` computes every blob, tree, commit and tag
id the way git does (SHA-1 over `<type> <size>\\0<body>`), so the generator knows commit hashes
as ground truth, and renders the history as a `git fast-import` stream that a small set-up
script imports at image build time. The script re-checks the tips against the ids computed
here, so a model that ever disagreed with git would fail the build loudly instead of shipping
a task with a wrong answer key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

REGULAR = "100644"
EXECUTABLE = "100755"
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z; histories are laid out after it


def object_id(kind: str, body: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body).hexdigest()


def blob_id(data: bytes) -> str:
    return object_id("blob", data)


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    def ident(self, when: int) -> str:
        return f"{self.name} <{self.email}> {when} +0000"


PEOPLE = [
    Person("Ada Moreno", "ada.moreno@example.org"),
    Person("Bilal Haddad", "bilal@example.org"),
    Person("Chen Wei", "chen.wei@example.org"),
    Person("Dana Kowalski", "dana.k@example.org"),
    Person("Emeka Obi", "emeka.obi@example.org"),
    Person("Freya Lind", "freya@example.org"),
    Person("Goran Petrov", "goran.p@example.org"),
    Person("Hana Sato", "hana.sato@example.org"),
    Person("Ivan Rossi", "ivan.rossi@example.org"),
    Person("Jade Nguyen", "jade.n@example.org"),
    Person("Kofi Mensah", "kofi@example.org"),
    Person("Lena Braun", "lena.braun@example.org"),
]
"""Fictional contributors; families draw a few per instance."""


Files = dict[str, str | bytes | tuple[str, str | bytes]]
"""A snapshot: path -> content, or path -> (mode, content) for an executable file."""


def _normalise(files: Files) -> dict[str, tuple[str, bytes]]:
    out = {}
    for path, value in files.items():
        mode, content = value if isinstance(value, tuple) else (REGULAR, value)
        data = content.encode() if isinstance(content, str) else content
        out[path] = (mode, data)
    return out


def snapshot_tree(files: Files) -> str:
    """Tree id of a snapshot given as path -> content (or (mode, content))."""
    return tree_id(_normalise(files))


def tree_id(files: dict[str, tuple[str, bytes]]) -> str:
    """Id of the root tree holding `files` (path -> (mode, data)), nested folders included."""
    root: dict = {}
    for path, entry in files.items():
        node = root
        *folders, name = path.split("/")
        for folder in folders:
            node = node.setdefault(folder, {})
        node[name] = entry

    def build(node: dict) -> str:
        entries = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append((name + "/", b"40000 " + name.encode(), build(value)))
            else:
                mode, data = value
                entries.append((name, f"{mode} {name}".encode(), blob_id(data)))
        entries.sort(key=lambda e: e[0].encode())
        body = b"".join(head + b"\0" + bytes.fromhex(sha) for _, head, sha in entries)
        return object_id("tree", body)

    return build(root)


@dataclass
class Commit:
    index: int
    files: dict[str, tuple[str, bytes]]
    parents: list[int]
    author: Person
    authored: int
    committer: Person
    committed: int
    message: str
    tree: str = ""
    sha: str = ""

    def text(self, name: str) -> str:
        return self.files[name][1].decode()

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass
class Tag:
    name: str
    target: int
    tagger: Person
    when: int
    message: str
    sha: str = ""


@dataclass
class History:
    commits: list[Commit] = field(default_factory=list)
    refs: dict[str, int] = field(default_factory=dict)
    """Branches and lightweight tags: full ref name -> commit index."""
    tags: list[Tag] = field(default_factory=list)
    """Annotated tags."""

    def commit(
        self,
        files: Files,
        message: str,
        parents: list[int],
        author: Person,
        when: int,
        committer: Person | None = None,
        committed: int | None = None,
    ) -> int:
        """Add a commit with the full snapshot `files`; returns its index."""
        if not message.endswith("\n"):
            message += "\n"
        if parents and any(p >= len(self.commits) for p in parents):
            raise ValueError("parents must exist before their children")
        if not parents and self.commits:
            raise ValueError("only the first commit may be a root")
        snapshot = _normalise(files)
        c = Commit(
            index=len(self.commits),
            files=snapshot,
            parents=list(parents),
            author=author,
            authored=when,
            committer=committer or author,
            committed=committed if committed is not None else when,
            message=message,
        )
        c.tree = tree_id(snapshot)
        lines = [f"tree {c.tree}"]
        lines += [f"parent {self.commits[p].sha}" for p in c.parents]
        lines += [
            f"author {c.author.ident(c.authored)}",
            f"committer {c.committer.ident(c.committed)}",
        ]
        c.sha = object_id("commit", ("\n".join(lines) + "\n\n" + message).encode())
        self.commits.append(c)
        return c.index

    def annotated_tag(self, name: str, target: int, tagger: Person, when: int, message: str):
        if not message.endswith("\n"):
            message += "\n"
        tag = Tag(name, target, tagger, when, message)
        body = (
            f"object {self.commits[target].sha}\ntype commit\ntag {name}\n"
            f"tagger {tagger.ident(when)}\n\n{message}"
        )
        tag.sha = object_id("tag", body.encode())
        self.tags.append(tag)
        return tag

    def sha(self, ref_or_index: str | int) -> str:
        index = ref_or_index if isinstance(ref_or_index, int) else self.refs[ref_or_index]
        return self.commits[index].sha

    def ancestors(self, index: int) -> set[int]:
        """`index` and every commit reachable from it."""
        seen, stack = set(), [index]
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self.commits[i].parents)
        return seen

    # ---- rendering -----------------------------------------------------------------------

    def fast_import(self) -> bytes:
        """A `git fast-import` stream recreating every commit, branch and tag byte for byte."""
        out = bytearray()

        def data(payload: bytes) -> None:
            out.extend(b"data %d\n" % len(payload))
            out.extend(payload)
            out.extend(b"\n")

        for c in self.commits:
            out.extend(b"commit refs/heads/_import\n")
            out.extend(b"mark :%d\n" % (c.index + 1))
            out.extend(f"author {c.author.ident(c.authored)}\n".encode())
            out.extend(f"committer {c.committer.ident(c.committed)}\n".encode())
            data(c.message.encode())
            before: dict[str, tuple[str, bytes]] = {}
            if c.parents:
                out.extend(b"from :%d\n" % (c.parents[0] + 1))
                for p in c.parents[1:]:
                    out.extend(b"merge :%d\n" % (p + 1))
                before = self.commits[c.parents[0]].files
            for path in sorted(before):
                if path not in c.files:
                    out.extend(f"D {path}\n".encode())
            for path in sorted(c.files):
                if before.get(path) != c.files[path]:
                    mode, payload = c.files[path]
                    out.extend(f"M {mode} inline {path}\n".encode())
                    data(payload)
            out.extend(b"\n")
        for ref, index in sorted(self.refs.items()):
            out.extend(f"reset {ref}\nfrom :{index + 1}\n\n".encode())
        for tag in self.tags:
            out.extend(f"tag {tag.name}\nfrom :{tag.target + 1}\n".encode())
            out.extend(f"tagger {tag.tagger.ident(tag.when)}\n".encode())
            data(tag.message.encode())  # no blank line after a tag: fast-import rejects it
        return bytes(out)

    def setup_script(
        self, repo: str, *, branch: str = "main", identity: Person | None = None, extra: str = ""
    ) -> str:
        """Shell script run at build time: import the stream, check out `branch`, verify ids."""
        checks = [
            f"expect {ref} {self.commits[index].sha}" for ref, index in sorted(self.refs.items())
        ]
        checks += [f"expect refs/tags/{tag.name} {tag.sha}" for tag in self.tags]
        ident = identity or Person("Repo Maintainer", "maintainer@example.org")
        return "\n".join(
            [
                "#!/bin/sh",
                "# Build-time set-up: recreate the repository from a fast-import stream whose",
                "# authors, committers and dates are fixed, so every object id is reproducible.",
                "set -eu",
                'here=$(dirname "$0")',
                "expect() {",
                '    got=$(git rev-parse "$1")',
                '    if [ "$got" != "$2" ]; then echo "id mismatch for $1: $got != $2" >&2; exit 1; fi',
                "}",
                f"git init -q -b {branch} {repo}",
                f"cd {repo}",
                'git fast-import --quiet < "$here/history.fi"',
                "git update-ref -d refs/heads/_import",
                f"git symbolic-ref HEAD refs/heads/{branch}",
                "git reset -q --hard",
                f'git config user.name "{ident.name}"',
                f'git config user.email "{ident.email}"',
                *checks,
                extra,
                "",
            ]
        )

    def environment(
        self,
        repo: str,
        *,
        branch: str = "main",
        identity: Person | None = None,
        extra: str = "",
    ) -> tuple[dict[str, bytes | str], str]:
        """Build-context files and Dockerfile lines that create the repository at `repo`."""
        files = {
            "setup/history.fi": self.fast_import(),
            "setup/build_repo.sh": self.setup_script(
                repo, branch=branch, identity=identity, extra=extra
            ),
        }
        dockerfile = "COPY setup /tmp/setup\nRUN sh /tmp/setup/build_repo.sh && rm -rf /tmp/setup\n"
        return files, dockerfile


def canonical_ids(history: History, trees: dict[int, str], messages: dict[int, str]) -> dict:
    """Content ids of commits ignoring committer data: tree, author, message and parents.

    Used where the agent rewrites history (new committer dates are fine): a rewritten commit
    must match its expected counterpart in tree, author line, message and parent structure.
    The checker computes the same function over the agent's repository.
    """
    ids: dict[int, str] = {}
    for c in history.commits:  # parents always come first
        body = "\n".join(
            [
                trees[c.index],
                c.author.ident(c.authored),
                *[ids[p] for p in c.parents],
                messages[c.index],
            ]
        )
        ids[c.index] = hashlib.sha1(body.encode()).hexdigest()
    return ids
