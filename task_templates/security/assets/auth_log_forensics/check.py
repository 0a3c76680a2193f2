"""Grade the auth-log forensics outputs against the events the generator simulated."""

import csv
import hashlib
import io
import os
import re
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
rows = []


def load_csv():
    text = read_text(truth["bruteforce"])
    reader = list(csv.reader(io.StringIO(text)))
    if not reader or [c.strip() for c in reader[0]] != [
        "ip",
        "failures",
        "first_failure",
        "last_failure",
    ]:
        return False, f"bad header: {reader[:1]}"
    rows.extend([c.strip() for c in r] for r in reader[1:] if r)
    return True


def same_ips():
    got = sorted(r[0] for r in rows)
    want = sorted(r[0] for r in truth["rows"])
    return (
        got == want,
        f"missing {sorted(set(want) - set(got))}, extra {sorted(set(got) - set(want))}",
    )


def by_ip():
    return {r[0]: r for r in rows if len(r) == 4}


def counts():
    got = by_ip()
    bad = [r[0] for r in truth["rows"] if r[0] not in got or got[r[0]][1] != str(r[1])]
    return not bad, f"wrong failure counts for {bad}"


def windows():
    got = by_ip()
    bad = [r[0] for r in truth["rows"] if r[0] not in got or got[r[0]][2:] != r[2:]]
    return not bad, f"wrong first/last failure for {bad}"


def order():
    return [r[0] for r in rows] == [
        r[0] for r in truth["rows"]
    ], "rows not ordered by first_failure"


if checks.run("bruteforce.csv readable with the exact header", load_csv):
    checks.run("bruteforce.csv: exactly the brute-force sources", same_ips)
    checks.run("bruteforce.csv: failure counts", counts)
    checks.run("bruteforce.csv: first/last failure times", windows)
    checks.run("bruteforce.csv: row order", order)


HOSTS_DENY = re.compile(r"^sshd\s*:\s*(\S+)\s*$")
IPTABLES = re.compile(r"^-A INPUT -s (\S+)/(32|128) -p tcp --dport 22 -j DROP$")


def parse_deny(path):
    lines = [ln.strip() for ln in read_text(path).splitlines()]
    addresses, bad = [], []
    if truth["deny_format"] == "hosts.deny":
        for line in lines:
            if not line or line.startswith("#"):
                continue
            m = HOSTS_DENY.match(line)
            if not m:
                bad.append(line)
                continue
            address = m.group(1)
            if ":" in address.strip("[]") and not (
                address.startswith("[") and address.endswith("]")
            ):
                bad.append(line)
            addresses.append(address.strip("[]"))
        return addresses, bad
    body = [ln for ln in lines if ln and not ln.startswith("#")]
    if not body or body[0] != "*filter" or body[-1] != "COMMIT":
        bad.append("file must start with *filter and end with COMMIT")
    for line in body[1:-1]:
        if line.startswith(":"):
            continue
        m = IPTABLES.match(line)
        if not m:
            bad.append(line)
            continue
        want_len = "128" if ":" in m.group(1) else "32"
        if m.group(2) != want_len:
            bad.append(line)
        addresses.append(m.group(1))
    return addresses, bad


def deny_rules():
    addresses, bad = parse_deny(truth["deny_path"])
    if truth["deny_v6"]:
        more, bad6 = parse_deny(truth["deny_v6"])
        if any(":" not in a for a in more) or any(":" in a for a in addresses):
            bad.append("IPv4 and IPv6 sources must go to their own files")
        addresses += more
        bad += bad6
    if bad:
        return False, f"malformed lines: {bad[:5]}"
    got, want = sorted(addresses), truth["blocked"]
    return got == want, f"blocked {got}, want {want}"


def trusted_not_blocked():
    addresses, _ = parse_deny(truth["deny_path"])
    if truth["deny_v6"] and os.path.exists(truth["deny_v6"]):
        addresses += parse_deny(truth["deny_v6"])[0]
    flagged = {r[0] for r in truth["rows"]}
    trusted = sorted(flagged - set(truth["blocked"]))
    hit = sorted(set(trusted) & set(addresses))
    return bool(addresses) and not hit, f"trusted sources blocked: {hit}"


checks.run("deny rules block exactly the untrusted brute-force sources", deny_rules)
if truth["trusted"]:
    checks.run("trusted networks never blocked", trusted_not_blocked)


def exact_lines(path, want):
    got = [ln.strip() for ln in read_text(path).splitlines() if ln.strip()]
    got = [" ".join(ln.split()) for ln in got]
    return got == want, f"got {got[:6]}, want {want[:6]}"


if truth["compromised"]:
    checks.run(
        "compromised.txt lists the logins that followed the attacks",
        lambda: exact_lines(truth["compromised"], truth["logins"]),
    )
if truth["invalid_users"]:
    checks.run(
        "invalid_users.txt counts and order",
        lambda: exact_lines(truth["invalid_users"], truth["invalid"]),
    )


def logs_intact():
    changed = []
    for path, digest in sorted(truth["logs"].items()):
        try:
            with open(path, "rb") as fh:
                ok = hashlib.sha256(fh.read()).hexdigest() == digest
        except OSError:
            ok = False
        if not ok:
            changed.append(path)
    return not changed, f"modified or missing: {changed}"


checks.run("logs left unchanged", logs_intact)
checks.finish()
