"""Grade the PKI with openssl itself: chains, names, keys, extensions, validity, CRL, PKCS#12.

openssl only parses and verifies the files the agent wrote (nothing the agent wrote is
executed), so it runs directly as root.
"""

import datetime as dt
import hashlib
import os
import re
import stat
import subprocess
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
LONG = {
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "commonName": "CN",
    "emailAddress": "emailAddress",
}
KEYS = {
    "rsa2048": ("RSA", 2048),
    "rsa3072": ("RSA", 3072),
    "rsa4096": ("RSA", 4096),
    "p256": ("EC", "prime256v1"),
    "p384": ("EC", "secp384r1"),
}


def ossl(*args):
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def names(text, label):
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith(label + "="):
            inside = True
            continue
        if inside:
            if not line.startswith(" "):
                break
            key, _, value = line.strip().partition(" = ")
            out.append([LONG.get(key.strip(), key.strip()), value.strip()])
    return out


def extensions(path):
    code, text = ossl(
        "x509",
        "-in",
        path,
        "-noout",
        "-ext",
        "subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,nameConstraints",
    )
    exts, current = {}, None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            head, _, flag = line.partition(":")
            current = head.strip()
            exts[current] = {"critical": "critical" in flag, "body": []}
        elif current is not None and line.strip():
            exts[current]["body"].append(line.strip())
    return exts


def parse_time(value):
    return dt.datetime.strptime(value.strip(), "%b %d %H:%M:%S %Y GMT")


INFO = {}


def info(path):
    if path in INFO:
        return INFO[path]
    if not os.path.isfile(path):
        raise AssertionError(f"{path} is missing")
    code, text = ossl("x509", "-in", path, "-noout", "-text")
    if code != 0:
        raise AssertionError(f"{path} is not a PEM certificate: {text[-200:]}")
    _, subject = ossl("x509", "-in", path, "-noout", "-subject", "-nameopt", "multiline")
    _, issuer = ossl("x509", "-in", path, "-noout", "-issuer", "-nameopt", "multiline")
    _, dates = ossl("x509", "-in", path, "-noout", "-startdate", "-enddate", "-serial")
    fields = dict(line.split("=", 1) for line in dates.splitlines() if "=" in line)
    algo = re.search(r"Public Key Algorithm: (\S+)", text).group(1)
    bits = re.search(r"Public-Key: \((\d+) bit\)", text)
    curve = re.search(r"ASN1 OID: (\S+)", text)
    result = {
        "subject": names(subject, "subject"),
        "issuer": names(issuer, "issuer"),
        "not_before": parse_time(fields["notBefore"]),
        "not_after": parse_time(fields["notAfter"]),
        "serial": int(fields["serial"].strip(), 16),
        "key": ("RSA", int(bits.group(1)))
        if algo == "rsaEncryption"
        else ("EC", curve.group(1) if curve else "?"),
        "sigalg": re.search(r"Signature Algorithm: (\S+)", text).group(1).lower(),
        "exts": extensions(path),
        "pubkey": ossl("x509", "-in", path, "-noout", "-pubkey")[1],
    }
    INFO[path] = result
    return result


def chain_of(path):
    """Trust anchor and intermediates for `path`, following the spec's issuers."""
    certs = truth["certs"]
    issuer = certs[path]["issuer"] if path in certs else None
    if issuer in (None, "self"):
        return path, []
    middle = []
    while issuer in certs and certs[issuer]["issuer"] != "self":
        middle.append(issuer)
        issuer = certs[issuer]["issuer"]
    return issuer, middle


def verify(path, purpose=None, crl=None):
    anchor, middle = chain_of(path)
    args = ["verify", "-CAfile", anchor]
    for m in middle:
        args += ["-untrusted", m]
    if purpose:
        args += ["-purpose", purpose]
    if crl:
        args += ["-crl_check", "-CRLfile", crl]
    return ossl(*args, path)


def identity(path, spec):
    got = info(path)
    want_subject = spec["subject"]
    problems = []
    if got["subject"] != want_subject:
        problems.append(f"subject {got['subject']} != {want_subject}")
    want_key = tuple(KEYS[spec["key"]])
    if got["key"] != want_key:
        problems.append(f"key {got['key']} != {want_key}")
    if spec.get("serial") is not None and got["serial"] != spec["serial"]:
        problems.append(f"serial {got['serial']:X} != {spec['serial']:X}")
    if "modulus" in spec:
        _, mod = ossl("x509", "-in", path, "-noout", "-modulus")
        if mod.strip().split("=", 1)[-1].upper() != spec["modulus"]:
            problems.append("public key is not the one from the request")
    return not problems, "; ".join(problems)


def validity(path, spec):
    got = info(path)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    span = (got["not_after"] - got["not_before"]).total_seconds()
    problems = []
    if abs(span - spec["days"] * 86400) > 86400 + 120:
        problems.append(f"valid for {span / 86400:.1f} days, want {spec['days']}")
    if not got["not_before"] <= now + dt.timedelta(hours=1) or got["not_after"] <= now:
        problems.append("not currently valid")
    if now - got["not_before"] > dt.timedelta(days=2):
        problems.append("does not start now")
    if spec["digest"] not in got["sigalg"].replace("-", ""):
        problems.append(f"signature {got['sigalg']}, want {spec['digest']}")
    return not problems, "; ".join(problems)


def ext_values(got, name):
    body = " ".join(got["exts"].get(name, {}).get("body", []))
    return [v.strip() for v in body.split(",") if v.strip()]


def extensions_ok(path, spec):
    got = info(path)
    exts = got["exts"]
    problems = []
    bc = exts.get("X509v3 Basic Constraints")
    if spec["ca"]:
        want = ["CA:TRUE"] + ([f"pathlen:{spec['pathlen']}"] if spec["pathlen"] is not None else [])
        if not bc or not bc["critical"] or ext_values(got, "X509v3 Basic Constraints") != want:
            problems.append(f"basicConstraints must be critical {want}")
    elif not bc or ext_values(got, "X509v3 Basic Constraints") != ["CA:FALSE"]:
        problems.append("basicConstraints must be CA:FALSE")
    ku = exts.get("X509v3 Key Usage")
    if (
        not ku
        or not ku["critical"]
        or sorted(ext_values(got, "X509v3 Key Usage")) != sorted(spec["key_usage"])
    ):
        problems.append(f"keyUsage must be critical {spec['key_usage']}")
    want_eku = sorted(truth["eku_names"][e] for e in spec["eku"])
    if sorted(ext_values(got, "X509v3 Extended Key Usage")) != want_eku:
        problems.append(f"extendedKeyUsage must be {want_eku}")
    sans = sorted(
        v.replace("IP Address:", "IP:") for v in ext_values(got, "X509v3 Subject Alternative Name")
    )
    if sans != sorted(spec["san"]):
        problems.append(f"subjectAltName {sans} != {spec['san']}")
    if spec.get("name_constraint"):
        nc = exts.get("X509v3 Name Constraints")
        body = nc["body"] if nc else []
        if not nc or not nc["critical"] or body != ["Permitted:", f"DNS:{spec['name_constraint']}"]:
            problems.append(f"nameConstraints must permit only DNS:{spec['name_constraint']}")
    return not problems, "; ".join(problems)


def chain_ok(path, spec):
    got = info(path)
    if spec["issuer"] == "self":
        if got["issuer"] != got["subject"]:
            return False, "not self-signed"
    elif got["issuer"] != info(spec["issuer"])["subject"]:
        return False, f"issuer {got['issuer']} is not {spec['issuer']}"
    purpose = None
    if not spec["ca"]:
        purpose = "sslserver" if "serverAuth" in spec["eku"] else "sslclient"
    code, out = verify(path, purpose)
    return code == 0 and ": OK" in out, out[-300:]


def private_key(spec):
    path = spec["key_path"]
    if not os.path.isfile(path):
        return False, f"{path} missing"
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return False, f"{path} has mode {mode:o}"
    code, pub = ossl("pkey", "-in", path, "-pubout", "-passin", "pass:")
    if code != 0:
        return False, f"{path} is not an unencrypted private key"
    return pub.strip() == info_pub(spec).strip(), f"{path} does not match its certificate"


def info_pub(spec):
    for path, s in truth["certs"].items():
        if s is spec:
            return info(path)["pubkey"]
    return ""


for path, spec in truth["certs"].items():
    label = os.path.basename(path)
    if checks.run(f"{label}: readable certificate", lambda p=path: bool(info(p))):
        checks.run(f"{label}: subject, key and serial", lambda p=path, s=spec: identity(p, s))
        checks.run(f"{label}: validity and digest", lambda p=path, s=spec: validity(p, s))
        checks.run(f"{label}: extensions", lambda p=path, s=spec: extensions_ok(p, s))
        checks.run(f"{label}: issuer and chain verify", lambda p=path, s=spec: chain_ok(p, s))
        if spec.get("key_path"):
            checks.run(f"{label}: private key", lambda s=spec: private_key(s))


def pem_blocks(text):
    return [
        "".join(block.split())
        for block in re.findall(
            r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S
        )
    ]


def same_pems(path, parts):
    got = pem_blocks(read_text(path))
    want = [pem_blocks(read_text(p))[0] for p in parts]
    return got == want, f"{path} must hold exactly {parts} in order"


extras = truth.get("extras") or {}
if extras:

    def crl_ok():
        crl, inter = extras["crl"], extras["intermediate"]
        code, out = ossl("crl", "-in", crl, "-CAfile", inter, "-noout")
        if code != 0 or "verify OK" not in out:
            return False, "CRL missing or not signed by the intermediate"
        _, text = ossl("crl", "-in", crl, "-noout", "-text", "-nameopt", "multiline")
        serials = [int(s, 16) for s in re.findall(r"Serial Number: ([0-9A-Fa-f]+)", text)]
        if serials != [extras["revoked_serial"]]:
            return False, f"CRL revokes {[f'{s:X}' for s in serials]}"
        _, nxt = ossl("crl", "-in", crl, "-noout", "-nextupdate")
        when = parse_time(nxt.strip().split("=", 1)[1])
        return when > dt.datetime.now(dt.UTC).replace(tzinfo=None), "nextUpdate passed"

    def revoked_rejected():
        code, out = verify(extras["revoked"], crl=extras["crl"])
        return code != 0 and "certificate revoked" in out, out[-200:]

    def server_passes_crl():
        code, out = verify(extras["server"], purpose="sslserver", crl=extras["crl"])
        return code == 0, out[-200:]

    def p12_ok():
        password = "pass:" + extras["p12_pass"]
        for legacy in ([], ["-legacy"]):
            code, certs = ossl(
                "pkcs12", *legacy, "-in", extras["p12"], "-passin", password, "-nokeys", "-clcerts"
            )
            if code == 0:
                break
        else:
            return False, "cannot open the PKCS#12 file with the password"
        if pem_blocks(certs) != pem_blocks(read_text(extras["p12_cert"])):
            return False, "PKCS#12 does not hold the client certificate"
        _, cas = ossl(
            "pkcs12", *legacy, "-in", extras["p12"], "-passin", password, "-nokeys", "-cacerts"
        )
        if pem_blocks(read_text(extras["intermediate"]))[0] not in pem_blocks(cas):
            return False, "PKCS#12 does not hold the intermediate certificate"
        code, keys = ossl(
            "pkcs12", *legacy, "-in", extras["p12"], "-passin", password, "-nocerts", "-nodes"
        )
        with open("/tmp/.p12key.pem", "w") as fh:
            fh.write(keys)
        _, pub = ossl("pkey", "-in", "/tmp/.p12key.pem", "-pubout")
        os.remove("/tmp/.p12key.pem")
        return pub.strip() == info(extras["p12_cert"])["pubkey"].strip(), "key does not match"

    checks.run("CRL signed by the intermediate revokes exactly the old certificate", crl_ok)
    checks.run("revoked certificate fails CRL-checked verification", revoked_rejected)
    checks.run("server certificate passes CRL-checked verification", server_passes_crl)
    checks.run("full chain file", lambda: same_pems(extras["fullchain"], extras["fullchain_certs"]))
    checks.run("PKCS#12 bundle", p12_ok)

if truth["mode"] == "sign":

    def sha256(path):
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()

    for path, spec in truth["certs"].items():
        checks.run(
            f"{os.path.basename(spec['chain'])}: certificate then CA",
            lambda s=spec, p=path: same_pems(s["chain"], [p, truth["ca"]]),
        )

    def rejected():
        got = [" ".join(ln.split()) for ln in read_text(truth["rejected_path"]).splitlines()]
        got = [ln for ln in got if ln]
        return got == truth["rejected"], f"got {got}"

    def serials_unique():
        serials = [info(p)["serial"] for p in truth["certs"]]
        return len(set(serials)) == len(serials), "serial numbers repeat"

    checks.run("rejected.txt lists the refused requests with reasons", rejected)
    checks.run(
        "nothing issued for refused requests",
        lambda: not [p for p in truth["never_issued"] if os.path.exists(p)],
    )
    checks.run("serial numbers unique", serials_unique)
    checks.run(
        "CA certificate and requests unchanged",
        lambda: (
            sha256(truth["ca"]) == truth["ca_sha256"]
            and all(sha256(p) == d for p, d in truth["requests"].items())
        ),
    )
checks.finish()
