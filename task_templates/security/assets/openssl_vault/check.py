"""Grade the vault recovery: plaintexts byte-exact, answers equal to what the generator planted."""

import hashlib
import os
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json  # noqa: E402

truth = expected()
checks = Checks()


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def recovered(name, digest):
    path = os.path.join(truth["recovered_dir"], name)
    if not os.path.isfile(path):
        return False, f"{path} is missing"
    return sha256(path) == digest, f"{path} differs from the original plaintext"


for name, digest in sorted(truth["recovered"].items()):
    checks.run(f"recovered {name}", lambda name=name, digest=digest: recovered(name, digest))

answers = {}


def load():
    data = read_json(truth["answers_path"])
    if not isinstance(data, dict):
        return False, "not a JSON object"
    answers.update(data)
    return True


def answer(key, want, kind):
    if key not in answers:
        return False, f"key {key!r} missing"
    got = answers[key]
    if kind == "money":
        ok = (
            isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - want) <= 0.006
        )
    elif kind == "int":
        ok = isinstance(got, int) and not isinstance(got, bool) and got == want
    else:
        ok = isinstance(got, str) and got.strip() == want
    return ok, f"{key}: got {got!r}"


if checks.run("answers file is a JSON object", load):
    for key, spec in sorted(truth["answers"].items()):
        checks.run(
            f"answer {key}",
            lambda key=key, spec=spec: answer(key, spec["value"], spec["kind"]),
        )
    checks.run(
        "no extra answer keys",
        lambda: (
            set(answers) == set(truth["answers"]),
            sorted(set(answers) - set(truth["answers"])),
        ),
    )


def vault_intact():
    changed = [
        path
        for path, digest in sorted(truth["vault_files"].items())
        if not os.path.isfile(path) or sha256(path) != digest
    ]
    return not changed, f"modified or missing: {changed}"


checks.run("vault left unchanged", vault_intact)
checks.finish()
