"""Build or operate a small X.509 PKI with the openssl CLI, to an exact specification.

Easy: create a self-signed CA and one server certificate (subject, SANs, key type and size,
validity, key usages) signed by it. Medium: the CA already exists (its key passphrase-protected)
and a queue of certificate signing requests waits; sign the ones the issuance policy allows,
copying their subject and SANs, and reject the others with a reason. The CA and the requests are
built by the generator itself from rng-drawn RSA primes, so they are byte-identical per seed and
the checker knows every public key it must find in the issued certificates. Hard: a root CA, a
path-length- and name-constrained intermediate, a server and a client certificate, a third
certificate that must be revoked in a CRL issued by the intermediate, a full-chain file and a
password-protected PKCS#12 bundle. The checker inspects everything with `openssl` inside the
container (verify with purposes and CRL checking, x509 -ext, pkcs12).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import random
from dataclasses import dataclass, field

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

ORGS = [
    ("Acme Corp", "acme"),
    ("Globex Ltd", "globex"),
    ("Initech", "initech"),
    ("Umbrella Labs", "umbrella"),
    ("Stark Industries", "stark"),
    ("Wayne Systems", "wayne"),
    ("Hooli", "hooli"),
    ("Vandelay Imports", "vandelay"),
]
COUNTRIES = ["US", "DE", "FR", "GB", "NL", "SE", "CA", "JP"]
SERVICES = ["api", "portal", "billing", "auth", "grafana", "registry", "mail", "vpn", "search"]
UNITS = ["Platform", "Infrastructure", "Payments", "Security", "SRE"]
KEYS = {
    "rsa2048": ("RSA", 2048),
    "rsa3072": ("RSA", 3072),
    "rsa4096": ("RSA", 4096),
    "p256": ("EC", "prime256v1"),
    "p384": ("EC", "secp384r1"),
}
OUT_DIRS = ["/app/pki", "/etc/ssl/private-ca", "/srv/tls", "/opt/pki"]

OPENINGS = [
    "{org} needs an internal PKI for its `{domain}` services.",
    "The platform team at {org} asked you to set up TLS certificates for `{domain}`.",
    "{org} is moving its internal services under `{domain}` to TLS with a private CA.",
    "Security at {org} wants certificates for `{domain}` issued by an in-house CA.",
]


def _key_text(spec: str) -> str:
    kind, size = KEYS[spec]
    return f"RSA {size}-bit" if kind == "RSA" else f"EC on curve `{size}`"


def _subject_text(subject: list[list[str]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in subject)


# --- deterministic RSA from the rng (for the medium CA and the certificate requests) ---------
# Drawing fresh primes in pure Python takes seconds per key, so keys are built from a stored
# pool of primes (assets/x509_pki/primes.json, taken from OpenSSL-generated RSA keys; any two of
# the same size multiply to a modulus of exactly twice their size).
@functools.cache
def _prime_pool() -> dict[int, list[int]]:
    raw = json.loads(X509PkiIssuance.asset("primes.json"))
    return {int(bits): [int(p, 16) for p in primes] for bits, primes in raw.items()}


def rsa_key(rng: random.Random, bits: int):
    from cryptography.hazmat.primitives.asymmetric import rsa

    e = 65537
    p, q = rng.sample(_prime_pool()[bits // 2], 2)
    phi = (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    public = rsa.RSAPublicNumbers(e, p * q)
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), public)
    return numbers.private_key()


def _name(subject: dict[str, str]):
    from cryptography.x509 import Name, NameAttribute
    from cryptography.x509.oid import NameOID

    oids = {
        "C": NameOID.COUNTRY_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "CN": NameOID.COMMON_NAME,
    }
    return Name([NameAttribute(oids[k], v) for k, v in subject.items()])


def make_ca(rng: random.Random, subject: dict[str, str], bits: int):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    key = rsa_key(rng, bits)
    name = _name(subject)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(rng.getrandbits(120) | (1 << 119))
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2044, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        key_pem,
        cert.public_bytes(serialization.Encoding.PEM),
        key.public_key().public_numbers().n,
    )


def make_csr(rng: random.Random, subject: dict[str, str], dns: list[str], bits: int, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    key = rsa_key(rng, bits)
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(subject))
    builder = builder.add_extension(
        x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    csr = builder.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM), key.public_key().public_numbers().n


def _cert_spec(
    subject,
    key,
    days,
    digest,
    *,
    issuer,
    ca=False,
    pathlen=None,
    san=None,
    eku=None,
    key_path=None,
    serial=None,
    name_constraint=None,
):
    kind = KEYS[key][0]
    if ca:
        usage = ["Certificate Sign", "CRL Sign"]
    elif kind == "RSA":
        usage = ["Digital Signature", "Key Encipherment"]
    else:
        usage = ["Digital Signature"]
    return {
        "subject": [[k, v] for k, v in subject.items()],  # a list: expected.json sorts keys
        "key": key,
        "days": days,
        "digest": digest,
        "issuer": issuer,
        "ca": ca,
        "pathlen": pathlen,
        "san": sorted(san or []),
        "eku": eku or [],
        "key_usage": usage,
        "key_path": key_path,
        "serial": serial,
        "name_constraint": name_constraint,
    }


def _requirements(label: str, path: str, spec: dict, key_path: str | None) -> list[str]:
    kind = KEYS[spec["key"]][0]
    lines = [
        f"**{label}** — certificate `{path}`"
        + (f", private key `{key_path}`" if key_path else "")
        + ":"
    ]
    lines.append(f"  - subject exactly `{_subject_text(spec['subject'])}` (in this order)")
    lines.append(f"  - key: {_key_text(spec['key'])}; valid for {spec['days']} days starting now")
    if spec["ca"]:
        bc = "`basicConstraints` critical `CA:TRUE`" + (
            f" with `pathlen:{spec['pathlen']}`" if spec["pathlen"] is not None else ""
        )
        lines.append(f"  - {bc}; `keyUsage` critical `keyCertSign, cRLSign`")
    else:
        usage = "digitalSignature, keyEncipherment" if kind == "RSA" else "digitalSignature"
        eku = ", ".join(spec["eku"])
        lines.append(
            f"  - `basicConstraints` `CA:FALSE`; `keyUsage` critical `{usage}`; "
            f"`extendedKeyUsage` `{eku}`"
        )
    if spec["san"]:
        sans = ", ".join(f"`{s}`" for s in spec["san"])
        lines.append(f"  - subjectAltName exactly: {sans}")
    if spec["name_constraint"]:
        lines.append(
            f"  - `nameConstraints` critical, permitting only DNS names under `{spec['name_constraint']}`"
        )
    if spec["serial"] is not None:
        lines.append(f"  - serial number `0x{spec['serial']:X}`")
    return lines


EKU_NAMES = {
    "serverAuth": "TLS Web Server Authentication",
    "clientAuth": "TLS Web Client Authentication",
}


@dataclass
class Drawn:
    """One easy or hard task's CA owner, output directory and server certificate parameters."""

    org: str
    country: str
    domain: str
    digest: str
    out: str
    hard: bool
    year: int
    services: list[str]
    server: str
    server_dns: list[str]
    server_san: list[str]
    leaf_key: str
    server_days: int
    certs: dict[str, dict] = field(default_factory=dict)  # path -> certificate spec
    steps: list[str] = field(default_factory=list)  # the instruction's requirement lines


@dataclass
class HardChain:
    """(hard) Paths and secrets of the chain beyond the server certificate."""

    root: str
    inter: str
    server_path: str
    client_path: str
    person: str
    revoked_name: str
    revoked_path: str
    revoked_serial: int
    p12_pass: str
    crl: str
    fullchain: str
    p12: str


def _draw(
    rng: random.Random, org: str, country: str, domain: str, digest: str, out: str, hard: bool
) -> Drawn:
    """Draw the CA year, the services, and the server certificate's names, key and lifetime."""
    year = rng.randint(2024, 2027)
    services = rng.sample(SERVICES, 3)
    server = services[0]
    server_dns = [f"{server}.{domain}"] + [
        f"{s}.{domain}" for s in rng.sample(SERVICES[3:], rng.randint(1, 2)) if s != server
    ]
    server_san = [f"DNS:{d}" for d in server_dns]
    ip_sans = [
        f"IP:10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        for _ in range(rng.randint(1, 2) if hard else rng.randint(0, 1))
    ]
    server_san += ip_sans
    leaf_key = rng.choice(["rsa2048", "rsa3072", "p256"])
    server_days = rng.choice([90, 180, 365, 397])
    return Drawn(
        org=org,
        country=country,
        domain=domain,
        digest=digest,
        out=out,
        hard=hard,
        year=year,
        services=services,
        server=server,
        server_dns=server_dns,
        server_san=server_san,
        leaf_key=leaf_key,
        server_days=server_days,
    )


def _easy_certs(rng: random.Random, d: Drawn):
    """(easy) A self-signed CA and the server certificate; no extra rules or files."""
    org, country, digest, out, year, server, server_dns, server_san, leaf_key, server_days = (
        d.org,
        d.country,
        d.digest,
        d.out,
        d.year,
        d.server,
        d.server_dns,
        d.server_san,
        d.leaf_key,
        d.server_days,
    )
    certs, steps = d.certs, d.steps
    ca_key = rng.choice(["rsa3072", "rsa4096", "p384"])
    ca_subject = {"C": country, "O": org, "CN": f"{org} Root CA {year}"}
    ca_days = rng.choice([1825, 3650, 2920])
    ca = f"{out}/ca.crt"
    certs[ca] = _cert_spec(
        ca_subject,
        ca_key,
        ca_days,
        digest,
        issuer="self",
        ca=True,
        key_path=f"{out}/ca.key",
    )
    leaf_subject = {"C": country, "O": org, "CN": server_dns[0]}
    leaf = f"{out}/{server}.crt"
    certs[leaf] = _cert_spec(
        leaf_subject,
        leaf_key,
        server_days,
        digest,
        issuer=ca,
        san=server_san,
        eku=["serverAuth"],
        key_path=f"{out}/{server}.key",
    )
    steps += _requirements("CA", ca, certs[ca], f"{out}/ca.key")
    steps += [""] + _requirements("Server certificate", leaf, certs[leaf], f"{out}/{server}.key")
    extra_rules = []
    extras: dict = {}
    return extra_rules, extras


def _hard_certs(rng: random.Random, d: Drawn) -> HardChain:
    """(hard) Root, constrained intermediate, server, client and to-be-revoked certificates."""
    org, country, domain, digest, out, services, server = (
        d.org,
        d.country,
        d.domain,
        d.digest,
        d.out,
        d.services,
        d.server,
    )
    server_dns, server_san, leaf_key, server_days, certs = (
        d.server_dns,
        d.server_san,
        d.leaf_key,
        d.server_days,
        d.certs,
    )
    root_key = rng.choice(["rsa4096", "p384"])
    inter_key = rng.choice(["rsa3072", "p256", "p384"])
    root_subject = {"C": country, "O": org, "CN": f"{org} Root CA"}
    inter_subject = {
        "C": country,
        "O": org,
        "OU": rng.choice(UNITS),
        "CN": f"{org} Issuing CA {rng.randint(1, 9)}",
    }
    root = f"{out}/root-ca.crt"
    inter = f"{out}/intermediate.crt"
    certs[root] = _cert_spec(
        root_subject,
        root_key,
        7300,
        digest,
        issuer="self",
        ca=True,
        key_path=f"{out}/root-ca.key",
    )
    certs[inter] = _cert_spec(
        inter_subject,
        inter_key,
        rng.choice([1825, 3650]),
        digest,
        issuer=root,
        ca=True,
        pathlen=0,
        key_path=f"{out}/intermediate.key",
        name_constraint=f".{domain}",
    )
    server_path = f"{out}/{server}.crt"
    certs[server_path] = _cert_spec(
        {"C": country, "O": org, "CN": server_dns[0]},
        leaf_key,
        server_days,
        digest,
        issuer=inter,
        san=server_san,
        eku=["serverAuth"],
        key_path=f"{out}/{server}.key",
    )
    person = rng.choice(["alice", "bob", "carol", "dave", "erin", "frank"])
    client_path = f"{out}/{person}-client.crt"
    certs[client_path] = _cert_spec(
        {"C": country, "O": org, "OU": rng.choice(UNITS), "CN": person},
        rng.choice(["rsa2048", "p256"]),
        rng.choice([30, 90, 365]),
        digest,
        issuer=inter,
        san=[f"email:{person}@{domain}"],
        eku=["clientAuth"],
        key_path=f"{out}/{person}-client.key",
    )
    revoked_serial = rng.getrandbits(64) | (1 << 63)
    revoked_name = services[1]
    revoked_path = f"{out}/{revoked_name}-old.crt"
    certs[revoked_path] = _cert_spec(
        {"C": country, "O": org, "CN": f"{revoked_name}.{domain}"},
        "rsa2048",
        365,
        digest,
        issuer=inter,
        san=[f"DNS:{revoked_name}.{domain}"],
        eku=["serverAuth"],
        key_path=f"{out}/{revoked_name}-old.key",
        serial=revoked_serial,
    )
    p12_pass = f"{rng.choice(['Lima', 'Oslo', 'Quito', 'Riga'])}-{rng.randint(1000, 9999)}-{rng.choice(['kite', 'reef', 'fern'])}"
    crl = f"{out}/intermediate.crl.pem"
    fullchain = f"{out}/{server}-fullchain.pem"
    p12 = f"{out}/{person}-client.p12"
    return HardChain(
        root=root,
        inter=inter,
        server_path=server_path,
        client_path=client_path,
        person=person,
        revoked_name=revoked_name,
        revoked_path=revoked_path,
        revoked_serial=revoked_serial,
        p12_pass=p12_pass,
        crl=crl,
        fullchain=fullchain,
        p12=p12,
    )


def _hard_requirements(d: Drawn, c: HardChain):
    """(hard) Requirement lines per certificate, the extra files' rules and their ground truth."""
    out, server, certs, steps = d.out, d.server, d.certs, d.steps
    root, inter, server_path, client_path, person = (
        c.root,
        c.inter,
        c.server_path,
        c.client_path,
        c.person,
    )
    revoked_name, revoked_path, revoked_serial, p12_pass, crl, fullchain, p12 = (
        c.revoked_name,
        c.revoked_path,
        c.revoked_serial,
        c.p12_pass,
        c.crl,
        c.fullchain,
        c.p12,
    )
    steps += _requirements("Root CA", root, certs[root], f"{out}/root-ca.key")
    steps += [""] + _requirements(
        "Intermediate CA (signed by the root)",
        inter,
        certs[inter],
        f"{out}/intermediate.key",
    )
    steps += [""] + _requirements(
        "Server certificate (signed by the intermediate)",
        server_path,
        certs[server_path],
        f"{out}/{server}.key",
    )
    steps += [""] + _requirements(
        "Client certificate (signed by the intermediate)",
        client_path,
        certs[client_path],
        f"{out}/{person}-client.key",
    )
    steps += [""] + _requirements(
        "Certificate to revoke (signed by the intermediate)",
        revoked_path,
        certs[revoked_path],
        f"{out}/{revoked_name}-old.key",
    )
    extra_rules = [
        f"`{crl}`: a PEM CRL issued and signed by the intermediate CA that revokes "
        f"`{revoked_path}` (serial `0x{revoked_serial:X}`) and no other certificate; "
        "its next update must be in the future.",
        f"`{fullchain}`: the server certificate followed by the intermediate certificate "
        "(PEM, exactly these two, in this order).",
        f"`{p12}`: a PKCS#12 bundle of the client certificate and its private key "
        f"(plus the intermediate), protected with the password `{p12_pass}`.",
    ]
    extras = {
        "crl": crl,
        "revoked": revoked_path,
        "revoked_serial": revoked_serial,
        "fullchain": fullchain,
        "fullchain_certs": [server_path, inter],
        "p12": p12,
        "p12_pass": p12_pass,
        "p12_cert": client_path,
        "root": root,
        "intermediate": inter,
        "server": server_path,
        "client": client_path,
    }
    return extra_rules, extras


def _instruction(rng: random.Random, d: Drawn, opening: str, extra_rules: list[str]) -> str:
    """The task text: the certificates to create, extra files, general rules (shuffled)."""
    digest, out, steps = d.digest, d.out, d.steps
    general = [
        f"Every certificate is signed with {digest.upper().replace('SHA', 'SHA-')}.",
        "Private keys are unencrypted PEM files with mode 0600 (nothing for group or others).",
        "Certificates are PEM files.",
        "Extensions not listed may be present (key identifiers, for example), but a listed "
        "extension must have exactly the listed values.",
    ]
    rng.shuffle(general)
    instruction = "\n".join(
        [
            opening,
            f"Use `openssl` to create the following under `{out}/` (create the directory).",
            "",
            *steps,
            "",
            *(["Also produce:", *[f"- {r}" for r in extra_rules], ""] if extra_rules else []),
            "General rules:",
            *[f"- {r}" for r in general],
        ]
    )
    return instruction


@register
class X509PkiIssuance(TemplateFamily):
    name = "x509-pki-issuance"
    result_paths = ("/app", "/srv", "/opt", "/etc/ssl/private-ca", "/etc/pki")  # drawn per seed
    domain = Domain.SECURITY
    description = (
        "Create or operate a private X.509 CA with openssl: issue certificates to an exact "
        "spec, sign or reject CSRs by policy, revoke via CRL, bundle chains and PKCS#12."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        org, slug = rng.choice(ORGS)
        country = rng.choice(COUNTRIES)
        domain = f"{slug}.{rng.choice(['internal', 'corp', 'lan', 'intra'])}"
        digest = rng.choice(["sha256", "sha384"])
        out = rng.choice(OUT_DIRS)
        opening = rng.choice(OPENINGS).format(org=org, domain=domain)
        if difficulty is Difficulty.MEDIUM:
            return self._medium(rng, org, country, domain, opening)
        hard = difficulty is Difficulty.HARD
        drawn = _draw(rng, org, country, domain, digest, out, hard)
        if not hard:
            extra_rules, extras = _easy_certs(rng, drawn)
        else:
            chain = _hard_certs(rng, drawn)
            extra_rules, extras = _hard_requirements(drawn, chain)
        instruction = _instruction(rng, drawn, opening, extra_rules)
        certs, server = drawn.certs, drawn.server
        expected = {"mode": "build", "certs": certs, "extras": extras, "eku_names": EKU_NAMES}
        if hard:
            solution = self._hard_solution(
                out, certs, extras, digest, server, chain.person, chain.revoked_name
            )
        else:
            solution = self._easy_solution(out, certs, digest, server)
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            tags=["openssl", "x509", "pki"] + (["crl", "pkcs12"] if hard else []),
        )

    # --- medium: sign a queue of CSRs with an existing CA -----------------------------------
    @staticmethod
    def _medium_instruction(
        rng: random.Random,
        opening: str,
        domain: str,
        days: int,
        digest: str,
        ca_dir: str,
        req_dir: str,
        issued_dir: str,
    ) -> str:
        """(medium) The task text: the CA, the issuance policy and the rules (both shuffled)."""
        policy = [
            f"every DNS name in the request (CN and subjectAltName) must be `{domain}` or end in "
            f"`.{domain}` (otherwise reason `name-not-allowed`)",
            "RSA keys must have at least 2048 bits (otherwise reason `weak-key`)",
            "the request must not ask for a CA certificate (`basicConstraints` `CA:TRUE`; "
            "otherwise reason `ca-requested`)",
        ]
        rng.shuffle(policy)
        rules = [
            "Subject and subjectAltName are copied exactly from the request (same attributes, same order).",
            f"Valid for {days} days starting now, signed with {digest.upper().replace('SHA', 'SHA-')}.",
            "`basicConstraints` `CA:FALSE`; `keyUsage` critical `digitalSignature, keyEncipherment`; "
            "`extendedKeyUsage` `serverAuth`.",
            "Every issued certificate has its own serial number.",
        ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                opening,
                f"The CA is in `{ca_dir}` (`ca.crt`, and `ca.key`, encrypted with the passphrase "
                f"in `{ca_dir}/passphrase.txt`). Certificate signing requests are queued in "
                f"`{req_dir}`.",
                "",
                "Issuance policy — a request is signed only if all of these hold:",
                *[f"- {p}" for p in policy],
                "",
                f"For every request `<name>.csr` that passes, write `{issued_dir}/<name>.crt` "
                f"signed by this CA, and `{issued_dir}/<name>-chain.pem` (the certificate followed "
                "by the CA certificate):",
                *[f"- {r}" for r in rules],
                "",
                f"Write `{issued_dir}/rejected.txt` with one line `<name>.csr <reason>` per "
                "rejected request, sorted by file name, using the reason words above (if a "
                "request breaks several rules, use the first reason in this order: "
                "`weak-key`, `name-not-allowed`, `ca-requested`). Issue nothing for rejected "
                f"requests. Do not modify `{ca_dir}/ca.crt` or the requests.",
            ]
        )
        return instruction

    def _medium(self, rng, org, country, domain, opening) -> Instance:
        ca_dir = rng.choice(["/app/ca", "/etc/pki/ca", "/srv/ca"])
        req_dir = rng.choice(["/app/requests", "/srv/csr-queue", "/var/spool/csr"])
        issued_dir = rng.choice(["/app/issued", "/srv/issued", "/app/certs"])
        ca_subject = {"C": country, "O": org, "CN": f"{org} Internal CA"}
        ca_key_pem, ca_pem, ca_n = make_ca(rng, ca_subject, 2048)
        passphrase = f"{rng.choice(['granite', 'copper', 'indigo'])}-{rng.randint(100000, 999999)}"
        days = rng.choice([90, 180, 365, 397])
        digest = rng.choice(["sha256", "sha384"])
        names = rng.sample(SERVICES, 4)
        reasons = rng.sample(["weak-key", "name-not-allowed", "ca-requested"], 2)
        bad = dict(zip(rng.sample(names, 2), reasons, strict=True))
        files: dict[str, bytes | str] = {
            "ca/ca.crt": ca_pem,
            "ca/ca.key.plain": ca_key_pem,
            "ca/passphrase.txt": passphrase + "\n",
        }
        requests, issued, rejected = {}, {}, []
        for svc in names:
            reason = bad.get(svc)
            subject = {"C": country, "O": org}
            if rng.random() < 0.5:
                subject["OU"] = rng.choice(UNITS)
            subject["CN"] = f"{svc}.{domain}"
            dns = [f"{svc}.{domain}"] + [f"{svc}-{i}.{domain}" for i in range(1, rng.randint(1, 3))]
            if reason == "name-not-allowed":
                dns.append(
                    f"{svc}.{rng.choice(['example.com', 'evil.net', domain.split('.')[0] + '-corp.com'])}"
                )
            bits = 1024 if reason == "weak-key" else rng.choice([2048, 3072])
            pem, n = make_csr(rng, subject, dns, bits, reason == "ca-requested")
            files[f"requests/{svc}.csr"] = pem
            requests[f"{req_dir}/{svc}.csr"] = hashlib.sha256(pem).hexdigest()
            if reason:
                rejected.append(f"{svc}.csr {reason}")
                continue
            issued[f"{issued_dir}/{svc}.crt"] = {
                **_cert_spec(
                    subject,
                    f"rsa{bits}",
                    days,
                    digest,
                    issuer=f"{ca_dir}/ca.crt",
                    san=[f"DNS:{d}" for d in dns],
                    eku=["serverAuth"],
                ),
                "modulus": f"{n:X}",
                "chain": f"{issued_dir}/{svc}-chain.pem",
            }
        dockerfile = (
            f"COPY ca/ {ca_dir}/\nCOPY requests/ {req_dir}/\n"
            f"RUN openssl pkey -in {ca_dir}/ca.key.plain -aes256 -passout file:{ca_dir}/passphrase.txt "
            f"-out {ca_dir}/ca.key && rm {ca_dir}/ca.key.plain && chmod 600 {ca_dir}/ca.key {ca_dir}/passphrase.txt\n"
        )
        instruction = self._medium_instruction(
            rng, opening, domain, days, digest, ca_dir, req_dir, issued_dir
        )
        expected = {
            "mode": "sign",
            "ca": f"{ca_dir}/ca.crt",
            "ca_sha256": hashlib.sha256(ca_pem).hexdigest(),
            "ca_modulus": f"{ca_n:X}",
            "requests": requests,
            "certs": issued,
            "rejected_path": f"{issued_dir}/rejected.txt",
            "rejected": sorted(rejected),
            "never_issued": sorted(
                f"{issued_dir}/{line.split('.csr')[0]}.crt" for line in rejected
            ),
            "eku_names": EKU_NAMES,
        }
        solution = (
            self.asset("solve_medium.sh")
            .replace("@CADIR@", ca_dir)
            .replace("@REQDIR@", req_dir)
            .replace("@OUT@", issued_dir)
            .replace("@DOMAIN@", domain)
            .replace("@DAYS@", str(days))
            .replace("@DIGEST@", digest)
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["openssl", "x509", "pki", "csr"],
        )

    # --- reference solutions for easy and hard ----------------------------------------------
    @staticmethod
    def _genkey(spec: str, path: str) -> str:
        kind, size = KEYS[spec]
        if kind == "RSA":
            return f"openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:{size} -out {path}"
        return f"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:{size} -out {path}"

    @staticmethod
    def _subj(subject: list[list[str]]) -> str:
        return "/" + "/".join(f"{k}={v}" for k, v in subject)

    @staticmethod
    def _ext_lines(spec: dict) -> list[str]:
        lines = ["subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid,issuer"]
        if spec["ca"]:
            pathlen = f", pathlen:{spec['pathlen']}" if spec["pathlen"] is not None else ""
            lines += [
                f"basicConstraints = critical, CA:TRUE{pathlen}",
                "keyUsage = critical, keyCertSign, cRLSign",
            ]
            if spec["name_constraint"]:
                lines.append(f"nameConstraints = critical, permitted;DNS:{spec['name_constraint']}")
        else:
            usage = (
                "digitalSignature, keyEncipherment"
                if KEYS[spec["key"]][0] == "RSA"
                else "digitalSignature"
            )
            lines += [
                "basicConstraints = CA:FALSE",
                f"keyUsage = critical, {usage}",
                f"extendedKeyUsage = {', '.join(spec['eku'])}",
            ]
        if spec["san"]:
            lines.append("subjectAltName = " + ", ".join(spec["san"]))
        return lines

    def _issue(
        self, path: str, spec: dict, issuer_key: str | None, digest: str, ext_name: str
    ) -> list[str]:
        key = spec["key_path"]
        ext = f"/tmp/{ext_name}.ext"
        lines = [self._genkey(spec["key"], key), f"chmod 600 {key}"]
        lines.append(f"cat > {ext} <<'EXT'")
        lines += ["[req]", "distinguished_name = dn", "[dn]", "[v3]", *self._ext_lines(spec), "EXT"]
        subj = self._subj(spec["subject"])
        if spec["issuer"] == "self":
            lines.append(
                f"openssl req -new -x509 -key {key} -subj '{subj}' -days {spec['days']} "
                f"-{digest} -config {ext} -extensions v3 -out {path}"
            )
        else:
            serial = (
                f"-set_serial 0x{spec['serial']:X}"
                if spec["serial"] is not None
                else "-CAcreateserial -CAserial /tmp/ca.srl"
            )
            lines += [
                f"openssl req -new -key {key} -subj '{subj}' -out /tmp/{ext_name}.csr",
                f"openssl x509 -req -in /tmp/{ext_name}.csr -CA {spec['issuer']} -CAkey {issuer_key} "
                f"{serial} -days {spec['days']} -{digest} -extfile {ext} -extensions v3 -out {path}",
            ]
        lines.append(
            f"openssl x509 -in {path} -noout -subject -issuer -dates -ext subjectAltName,basicConstraints,keyUsage,extendedKeyUsage"
        )
        return lines

    def _easy_solution(self, out, certs, digest, server) -> str:
        ca, leaf = list(certs)
        lines = [
            "#!/bin/bash",
            "set -euo pipefail",
            f"install -d -m 755 {out}",
            f"cd {out}",
            "openssl version",
            "date -u",
        ]
        lines += self._issue(ca, certs[ca], None, digest, "ca")
        lines += self._issue(leaf, certs[leaf], certs[ca]["key_path"], digest, "leaf")
        lines += [
            f"openssl verify -CAfile {ca} {leaf}",
            f"cmp <(openssl x509 -in {leaf} -noout -pubkey) <(openssl pkey -in {certs[leaf]['key_path']} -pubout)",
            f"openssl x509 -in {leaf} -noout -fingerprint -sha256 | tee /tmp/leaf.fingerprint",
            f"ls -l {out}",
            f"stat -c '%a %n' {out}/*.key",
        ]
        return "\n".join(lines) + "\n"

    def _hard_solution(self, out, certs, extras, digest, server, person, revoked_name) -> str:
        root, inter, srv, client, revoked = (
            extras["root"],
            extras["intermediate"],
            extras["server"],
            extras["client"],
            extras["revoked"],
        )
        ik = certs[inter]["key_path"]
        lines = [
            "#!/bin/bash",
            "set -euo pipefail",
            f"mkdir -p {out}",
            f"cd {out}",
            "openssl version",
        ]
        lines += self._issue(root, certs[root], None, digest, "root")
        lines += self._issue(inter, certs[inter], certs[root]["key_path"], digest, "inter")
        lines += self._issue(srv, certs[srv], ik, digest, "server")
        lines += self._issue(client, certs[client], ik, digest, "client")
        lines += self._issue(revoked, certs[revoked], ik, digest, "revoked")
        db = "/tmp/ca-db"
        lines += [
            f"mkdir -p {db} && touch {db}/index.txt && echo 1000 > {db}/crlnumber",
            f"cat > {db}/ca.cnf <<'CNF'",
            "[ca]",
            "default_ca = inter",
            "[inter]",
            f"database = {db}/index.txt",
            f"crlnumber = {db}/crlnumber",
            f"certificate = {inter}",
            f"private_key = {ik}",
            f"default_md = {digest}",
            "default_crl_days = 30",
            "CNF",
            f"openssl ca -config {db}/ca.cnf -revoke {revoked} -crl_reason superseded",
            f"openssl ca -config {db}/ca.cnf -gencrl -out {extras['crl']}",
            f"openssl crl -in {extras['crl']} -noout -text | grep -A1 'Serial Number'",
            f"cat {srv} {inter} > {extras['fullchain']}",
            f"grep -c 'BEGIN CERTIFICATE' {extras['fullchain']}",
            f"diff <(openssl x509 -in {srv} -noout -pubkey) <(openssl pkey -in {certs[srv]['key_path']} -pubout)",
            f"cut -f1,4 {db}/index.txt",
            f"openssl pkcs12 -export -in {client} -inkey {certs[client]['key_path']} -certfile {inter} "
            f"-passout 'pass:{extras['p12_pass']}' -out {extras['p12']}",
            f"openssl pkcs12 -in {extras['p12']} -passin 'pass:{extras['p12_pass']}' -nokeys -clcerts | grep subject",
            f"openssl verify -CAfile {root} -untrusted {inter} -purpose sslserver {srv}",
            f"openssl verify -CAfile {root} -untrusted {inter} -purpose sslclient {client}",
            f"openssl verify -crl_check -CRLfile {extras['crl']} -CAfile {root} -untrusted {inter} {revoked} || true",
            f"ls -l {out}",
        ]
        return "\n".join(lines) + "\n"
