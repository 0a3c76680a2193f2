"""Grade the reconciliation report against the lines the generator computed with `ipaddress`."""

import os
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()


def lines_of(name):
    path = os.path.join(truth["out"], name)
    if not os.path.isfile(path):
        raise AssertionError(f"{path} does not exist")
    lines = [line.rstrip() for line in read_text(path).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def same_lines(name, want):
    def run():
        got = lines_of(name)
        missing = sorted(set(want) - set(got))[:3]
        extra = sorted(set(got) - set(want))[:3]
        ok = sorted(got) == sorted(want)
        return ok, f"{len(got)} lines, want {len(want)}; missing {missing}, unexpected {extra}"

    return run


def same_order(name, want):
    def run():
        got = lines_of(name)
        first = next((i for i, (g, w) in enumerate(zip(got, want, strict=False)) if g != w), None)
        return got == want, f"first difference at line {first}"

    return run


for name, want in truth["files"].items():
    checks.run(f"{name}: the right lines", same_lines(name, want))
    checks.run(f"{name}: in the required order", same_order(name, want))
for path, text in sorted(truth["inputs"].items()):
    checks.run(
        f"input {os.path.basename(path)} left unchanged", lambda p=path, t=text: read_text(p) == t
    )
checks.finish()
