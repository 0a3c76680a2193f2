"""Grade the history rewrite: per ref, the content-level history must equal the scrubbed one."""

import hashlib
import os
import sys

sys.path.append("/tests")
from gitcheck import Repo, blob_id  # noqa: E402
from verifier_kit import Checks, expected  # noqa: E402

truth = expected()
checks = Checks()
repo = Repo(truth["repo"])
secrets = [s.encode() for s in truth["secrets"]]


def leaks(data):
    return any(s in data for s in secrets)


def parse_commit(body):
    head, _, message = body.partition(b"\n\n")
    info = {"parents": [], "message": message.decode("utf-8", errors="replace")}
    for line in head.decode("utf-8", errors="replace").splitlines():
        key, _, value = line.partition(" ")
        if key == "parent":
            info["parents"].append(value)
        elif key in ("tree", "author"):
            info[key] = value
    return info


def content_id(tip):
    """Tree, author, message and parents, recursively: committer data does not count."""
    order = repo.rev_list("--topo-order", "--reverse", tip)
    bodies = repo.blobs(order)
    ids = {}
    for sha in order:
        info = parse_commit(bodies[sha])
        body = "\n".join(
            [info["tree"], info["author"], *[ids[p] for p in info["parents"]], info["message"]]
        )
        ids[sha] = hashlib.sha1(body.encode()).hexdigest()
    return ids[tip], len(order)


def same_refs():
    got = sorted(repo.refs())
    want = sorted(truth["refs"])
    return got == want, f"refs are {got}, expected {want}"


def ref_history(ref, want):
    def check():
        tip = repo.rev(ref)
        if tip is None:
            return False, "missing"
        got, count = content_id(tip)
        if count != want["count"]:
            return False, f"{count} commits, expected {want['count']}"
        return got == want[
            "canon"
        ], "trees, messages, authors or parents differ from the scrubbed history"

    return check


def tag_kept(ref, message):
    def check():
        target = repo.ref_target(ref)
        kind, body = repo.object(target)
        if kind != "tag":
            return False, f"{ref} is no longer an annotated tag"
        return body.partition(b"\n\n")[2].decode() == message, "tag message changed"

    return check


def nothing_reachable_leaks():
    objects = [
        line.split(" ", 1)[0] for line in repo.text("rev-list", "--objects", "--all").splitlines()
    ]
    contents = repo.blobs(objects)
    bad = [sha for sha, data in contents.items() if leaks(data)]
    return not bad, f"{len(bad)} reachable objects still contain a secret"


def worktree_clean():
    head = repo.head_ref()
    if head != "refs/heads/main":
        return False, f"HEAD is {head}"
    bad = []
    for path, (_mode, sha) in repo.tree("HEAD").items():
        try:
            with open(os.path.join(truth["repo"], path), "rb") as fh:
                if blob_id(fh.read()) != sha:
                    bad.append(path)
        except OSError:
            bad.append(path)
    return not bad, f"working tree differs from main: {bad[:5]}"


def no_object_leaks():
    bad = [sha for sha, _, data in repo.all_objects() if leaks(data)]
    return not bad, f"{len(bad)} objects in .git still contain a secret"


def no_file_leaks():
    bad = []
    for root, _, names in os.walk(truth["repo"]):
        for name in names:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as fh:
                    if leaks(fh.read()):
                        bad.append(os.path.relpath(path, truth["repo"]))
            except OSError:
                continue
    return not bad, f"files mentioning a secret: {bad[:5]}"


checks.run("same branches and tags, no backup refs", same_refs)
for ref, want in sorted(truth["refs"].items()):
    checks.run(f"{ref}: same history with only the secrets replaced", ref_history(ref, want))
    if want["annotated"] is not None:
        checks.run(
            f"{ref}: still an annotated tag with its message", tag_kept(ref, want["annotated"])
        )
checks.run("no reachable object contains a leaked value", nothing_reachable_leaks)
checks.run("main checked out and clean", worktree_clean)
if truth["full_purge"]:
    checks.run("no object in .git contains a leaked value", no_object_leaks)
    checks.run("no file under the repository mentions a leaked value", no_file_leaks)
checks.finish()
