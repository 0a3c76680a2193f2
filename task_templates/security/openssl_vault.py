"""Recover files from an `openssl enc -aes-256-cbc -pbkdf2` vault and answer questions about them.

The generator writes the plaintexts first (credential tables, a ledger, a JSON config, an env
file, a tar.gz of notes and logs), so every answer is known, then encrypts them byte-for-byte in
OpenSSL's own format (`Salted__` + salt + AES-256-CBC, key and IV from PBKDF2) with salts drawn
from the rng. Harder levels hide the passphrase (a keyring of rotated passphrases where only one
still opens the vault; a hex/base64-encoded master in a config file that opens a keyring of
per-file passphrases, iteration counts and digests), armour some files in base64 without saying
which, and plant a file whose plaintext no longer matches the signed manifest.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import random
import shlex
import tarfile
from dataclasses import dataclass, field

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

WORDS = [
    "amber",
    "falcon",
    "quartz",
    "maple",
    "cobalt",
    "tundra",
    "saffron",
    "harbor",
    "lantern",
    "meadow",
    "onyx",
    "pioneer",
    "ripple",
    "summit",
    "thistle",
    "violet",
    "willow",
    "zephyr",
    "basalt",
    "cinder",
    "delta",
    "ember",
    "fjord",
    "glacier",
]
SERVICES = [
    "postgres",
    "redis",
    "grafana",
    "jenkins",
    "gitlab",
    "ldap",
    "smtp",
    "minio",
    "kafka",
    "elastic",
    "registry",
    "rabbitmq",
]
USERS = ["svc_backup", "admin", "deploy", "reporter", "ci", "monitor", "etl", "app", "ops", "audit"]
ACCOUNTS = ["ACC-1001", "ACC-1002", "ACC-2040", "ACC-3307", "ACC-4410", "ACC-5521", "ACC-6012"]
ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

VAULT_DIRS = ["/srv/vault", "/opt/backup/vault", "/var/backups/secure", "/data/escrow"]
RECOVERED_DIRS = ["/app/recovered", "/app/plain", "/app/restore", "/app/decrypted"]
ANSWER_PATHS = ["/app/answers.json", "/app/recovery/answers.json", "/app/report/answers.json"]
PASS_FILES = ["/root/.vault_pass", "/etc/vault/passphrase", "/home/ops/.config/vault.pass"]
KEYRING_FILES = ["/etc/vault/keyring.txt", "/root/keyring.txt", "/opt/ops/keyring.lst"]
TOOLS = ["unlockd", "escrowctl", "vaultsync", "keywarden"]
DIGESTS = ["sha256", "sha512"]

OPENINGS = [
    "A backup vault in `{vault}` was encrypted by an administrator who has since left.",
    "During an incident review we found an encrypted escrow directory at `{vault}`.",
    "The files in `{vault}` were encrypted with `openssl enc` before a server migration.",
    "Someone archived sensitive files into `{vault}` using OpenSSL symmetric encryption.",
]
GOALS = [
    "Decrypt everything in it and answer a few questions about the contents.",
    "Recover the plaintext of every file and extract the facts listed below.",
    "Get the data back and report the requested values.",
]


def _word_pass(rng: random.Random) -> str:
    words = rng.sample(WORDS, 3)
    return f"{words[0]}-{words[1]}-{rng.randint(1000, 9999)}-{words[2]}"


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(n))


def _derive(passphrase: str, salt: bytes, iterations: int, digest: str) -> tuple[bytes, bytes]:
    material = hashlib.pbkdf2_hmac(digest, passphrase.encode(), salt, iterations, 48)
    return material[:32], material[32:]


def openssl_encrypt(
    plain: bytes, passphrase: str, salt: bytes, iterations: int, digest: str, armor: bool
) -> bytes:
    """Exactly what `openssl enc -aes-256-cbc -pbkdf2 -iter N -md D [-a]` writes for this salt."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.padding import PKCS7

    key, iv = _derive(passphrase, salt, iterations, digest)
    padder = PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    raw = b"Salted__" + salt + encryptor.update(padded) + encryptor.finalize()
    if not armor:
        return raw
    text = base64.b64encode(raw).decode()
    return "".join(text[i : i + 64] + "\n" for i in range(0, len(text), 64)).encode()


def opens(blob: bytes, passphrase: str, iterations: int, digest: str) -> bool:
    """Whether OpenSSL would decrypt `blob` with this passphrase without a padding error."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = base64.b64decode(blob) if not blob.startswith(b"Salted__") else blob
    key, iv = _derive(passphrase, raw[8:16], iterations, digest)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    pad = padded[-1]
    return 1 <= pad <= 16 and padded[-pad:] == bytes([pad]) * pad


# --- plaintext kinds: each returns (file name, bytes, question, solve.sh lines) -------------------
# A question is (answer key, text for the instruction, answer, kind) with kind str | int | money.
# Solve lines run with $R set to the recovered directory and append `key<TAB>value` to $ANS.


def _credentials(rng: random.Random, hard: bool):
    services = rng.sample(SERVICES, 5)
    users = rng.sample(USERS, 4)
    pairs = rng.sample([(s, u) for s in services for u in users], rng.randint(8, 14))
    target = pairs[0]
    rows = []
    for service, user in pairs:
        rows.append(
            [
                service,
                user,
                _token(rng, 20),
                f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}",
            ]
        )
    answer = rows[0][2]
    if hard:  # the target pair was rotated later: only the newest row is current
        answer = _token(rng, 20)
        rows.append(
            [
                target[0],
                target[1],
                answer,
                f"2024-{rng.randint(7, 12):02d}-{rng.randint(1, 28):02d}",
            ]
        )
    rng.shuffle(rows)
    text = "service,username,secret,rotated\n" + "".join(",".join(r) + "\n" for r in rows)
    key = f"{target[0]}_secret"
    question = (
        f"the secret of user `{target[1]}` on service `{target[0]}` (from `credentials.csv`"
        + (
            "; if that pair appears more than once, the row with the latest `rotated` date"
            if hard
            else ""
        )
        + ")"
    )
    solve = [
        'head -n 3 "$R/credentials.csv"',
        f'v=$(awk -F, \'$1=="{target[0]}" && $2=="{target[1]}" {{print $4" "$3}}\' "$R/credentials.csv"'
        " | sort | tail -n 1 | cut -d' ' -f2)",
        f'printf \'%s\\t%s\\n\' {key} "$v" >> "$ANS"',
    ]
    return "credentials.csv", text.encode(), (key, question, answer, "str"), solve


def _ledger(rng: random.Random, hard: bool):
    accounts = rng.sample(ACCOUNTS, 4)
    target = accounts[0]
    lines, balance = [], 0
    for _ in range(rng.randint(18, 40)):
        account = rng.choice(accounts)
        direction = rng.choice(["credit", "debit"])
        cents = rng.randint(500, 900000)
        if account == target:
            balance += cents if direction == "credit" else -cents
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines.append(f"{day},{account},{direction},{cents // 100}.{cents % 100:02d}")
    if not any(f",{target}," in line for line in lines):
        return _ledger(rng, hard)
    text = "date,account,direction,amount\n" + "\n".join(lines) + "\n"
    key = f"balance_{target.lower().replace('-', '_')}"
    question = (
        f"the net balance of account `{target}` in `ledger.csv`: credits minus debits, "
        "a number rounded to 2 decimals"
    )
    solve = [
        'grep -c . "$R/ledger.csv"',
        f'v=$(awk -F, \'$2=="{target}" {{ if ($3=="credit") s+=$4; else s-=$4 }} '
        'END { printf "%.2f", s }\' "$R/ledger.csv")',
        f'printf \'%s\\t%s\\n\' {key} "$v" >> "$ANS"',
    ]
    return "ledger.csv", text.encode(), (key, question, round(balance / 100, 2), "money"), solve


def _settings(rng: random.Random, hard: bool):
    primary, replica = rng.sample(["db01", "db02", "db03", "pg-a", "pg-b", "pg-main"], 2)
    ports = rng.sample(range(5400, 5499), 2)
    doc = {
        "service": rng.choice(["billing", "inventory", "payroll", "crm"]),
        "database": {
            "primary": {"host": f"{primary}.internal", "port": ports[0]},
            "replica": {"host": f"{replica}.internal", "port": ports[1]},
        },
        "cache": {"host": "redis.internal", "port": rng.randint(6300, 6399)},
        "features": rng.sample(["sso", "audit", "export", "beta-ui", "rate-limit"], 3),
    }
    which = rng.choice(["primary", "replica"])
    field = rng.choice(["host", "port"])
    answer = doc["database"][which][field]
    key = f"{which}_db_{field}"
    question = f"the value of `database.{which}.{field}` in `settings.json` (keep its JSON type)"
    solve = [
        f'v=$(python3 -c \'import json,sys; print(json.load(open(sys.argv[1]))["database"]["{which}"]["{field}"])\' '
        '"$R/settings.json")',
        f'printf \'%s\\t%s\\n\' {key} "$v" >> "$ANS"',
    ]
    kind = "int" if field == "port" else "str"
    return (
        "settings.json",
        (json.dumps(doc, indent=2) + "\n").encode(),
        (key, question, answer, kind),
        solve,
    )


def _env(rng: random.Random, hard: bool):
    name = rng.choice(["API_TOKEN", "PAYMENT_KEY", "SMTP_PASSWORD", "S3_SECRET"])
    answer = _token(rng, 24)
    lines = [
        f"# generated for {rng.choice(['staging', 'production', 'dr-site'])}",
        f"APP_ENV={rng.choice(['prod', 'production', 'live'])}",
        f"# {name}={_token(rng, 24)}   (revoked)",
        f"LOG_LEVEL={rng.choice(['info', 'warn', 'debug'])}",
        f"export {name}={answer}",
        f"{name}_EXPIRES=2025-{rng.randint(1, 12):02d}-01",
        f"WORKERS={rng.randint(2, 16)}",
    ]
    key = name.lower()
    question = f"the active (not commented-out) value of `{name}` in `service.env`"
    solve = [
        'cat "$R/service.env"',
        f"v=$(grep -E '^(export )?{name}=' \"$R/service.env\" | cut -d= -f2-)",
        f'printf \'%s\\t%s\\n\' {key} "$v" >> "$ANS"',
    ]
    return "service.env", ("\n".join(lines) + "\n").encode(), (key, question, answer, "str"), solve


def _tar_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1714000000, 0o644
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def _archive(rng: random.Random, hard: bool):
    log_name = rng.choice(["app.log", "worker.log", "sync.log"])
    levels = ["INFO", "WARN", "ERROR", "DEBUG"]
    log_lines, errors = [], 0
    for i in range(rng.randint(30, 70)):
        level = rng.choices(levels, weights=[6, 2, 2, 2])[0]
        errors += level == "ERROR"
        msg = rng.choice(
            [
                "request handled",
                "retrying upstream after error",
                "cache miss",
                "ERROR budget recalculated",
                "job finished",
                "connection reset",
            ]
        )
        log_lines.append(
            f"2024-05-{1 + i // 10:02d}T{i % 24:02d}:{rng.randint(0, 59):02d}:00 [{level}] {msg}"
        )
    ticket = f"INC-{rng.randint(10000, 99999)}"
    notes = (
        "Handover notes\n\n"
        f"- rotate keys after {rng.choice(['the audit', 'go-live', 'migration'])}\n"
        f"- open ticket: {ticket}\n"
        f"- previous ticket INC-{rng.randint(10000, 99999)} is closed\n"
    )
    members = [
        ("bundle/logs/" + log_name, ("\n".join(log_lines) + "\n").encode()),
        ("bundle/notes/handover.txt", notes.encode()),
        ("bundle/VERSION", f"{rng.randint(1, 4)}.{rng.randint(0, 20)}\n".encode()),
    ]
    if rng.random() < 0.5:
        key = "error_lines"
        question = f"how many lines of `bundle/logs/{log_name}` inside `archive.tar.gz` have level `[ERROR]`"
        answer, kind = errors, "int"
        solve = [
            'mkdir -p /tmp/bundle && tar -xzf "$R/archive.tar.gz" -C /tmp/bundle',
            'tar -tzvf "$R/archive.tar.gz"',
            f"v=$(grep -c '\\[ERROR\\]' /tmp/bundle/bundle/logs/{log_name})",
        ]
    else:
        key = "open_ticket"
        question = "the open ticket id in `bundle/notes/handover.txt` inside `archive.tar.gz`"
        answer, kind = ticket, "str"
        solve = [
            'mkdir -p /tmp/bundle && tar -xzf "$R/archive.tar.gz" -C /tmp/bundle',
            'tar -tzvf "$R/archive.tar.gz"',
            "v=$(grep -i 'open ticket' /tmp/bundle/bundle/notes/handover.txt | grep -oE 'INC-[0-9]+')",
        ]
    solve.append(f'printf \'%s\\t%s\\n\' {key} "$v" >> "$ANS"')
    return "archive.tar.gz", _tar_bytes(members), (key, question, answer, kind), solve


KINDS = [_credentials, _ledger, _settings, _env]
COUNTS = {Difficulty.EASY: 2, Difficulty.MEDIUM: 3, Difficulty.HARD: 5}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Drawn:
    """One task's paths and plaintexts, and the vault being built: files, specs, hints, steps."""

    easy: bool
    hard: bool
    vault: str
    recovered: str
    answers_path: str
    plains: list[tuple]  # (name, bytes, question, solve)
    files: dict[str, bytes]
    dockerfile: list[str]
    solve: list[str]
    hints: list[str]
    # Per encrypted file: (enc name, plain name, passphrase, iterations, digest, armor)
    specs: list[tuple[str, str, str, int, str, bool]]
    tampered: str | None
    decoys: list[str] = field(default_factory=list)  # (medium) wrong keyring passphrases
    armored: str = ""  # (hard) the shell test that picks -a for an armoured file


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the paths, the plaintexts with their questions and (hard) the tampered file."""
    easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
    vault = rng.choice(VAULT_DIRS)
    recovered = rng.choice(RECOVERED_DIRS)
    answers_path = rng.choice(ANSWER_PATHS)
    n = COUNTS[difficulty]
    makers = rng.sample(KINDS, n - (0 if easy else 1)) + ([] if easy else [_archive])
    rng.shuffle(makers)
    plains = [maker(rng, hard) for maker in makers]  # (name, bytes, question, solve)

    files: dict[str, bytes] = {}
    dockerfile: list[str] = []
    solve: list[str] = [
        f"ls -la {vault}",
        f"wc -c {vault}/*",
        f'for f in {vault}/*.*; do printf \'%s: \' "$f"; od -An -c -N 8 "$f" | head -n 1; done',
    ]
    hints: list[str] = []
    # Per encrypted file: (enc name, plain name, passphrase, iterations, digest, armor)
    specs: list[tuple[str, str, str, int, str, bool]] = []

    tampered = None
    if hard:
        tampered = rng.choice([p[0] for p in plains])
    return Drawn(
        easy=easy,
        hard=hard,
        vault=vault,
        recovered=recovered,
        answers_path=answers_path,
        plains=plains,
        files=files,
        dockerfile=dockerfile,
        solve=solve,
        hints=hints,
        specs=specs,
        tampered=tampered,
    )


def _easy_passphrase(rng: random.Random, d: Drawn) -> None:
    """(easy) One passphrase in a file, default openssl parameters."""
    plains, specs, files, dockerfile, hints, solve = (
        d.plains,
        d.specs,
        d.files,
        d.dockerfile,
        d.hints,
        d.solve,
    )
    passphrase = _word_pass(rng)
    pass_file = rng.choice(PASS_FILES)
    for name, _, _, _ in plains:
        specs.append((f"{name}.enc", name, passphrase, 10000, "sha256", False))
    files["passphrase"] = passphrase + "\n"
    dockerfile.append(f"COPY passphrase {pass_file}")
    hints.append(
        f"The passphrase is stored in `{pass_file}`. The files were encrypted with "
        "`openssl enc -aes-256-cbc -pbkdf2` using the default iteration count and digest."
    )
    solve += [
        f"stat -c '%a %U %n' {pass_file}",
        f"PASS=$(head -n 1 {pass_file})",
    ]


def _medium_keyring(rng: random.Random, d: Drawn) -> None:
    """(medium) A keyring of rotated passphrases, only one of which opens the vault."""
    vault, plains, specs, files, dockerfile, hints, solve = (
        d.vault,
        d.plains,
        d.specs,
        d.files,
        d.dockerfile,
        d.hints,
        d.solve,
    )
    iterations = rng.choice([20000, 50000, 75000, 120000])
    passphrase = _word_pass(rng)
    decoys: list[str] = []
    n_decoys = rng.randint(3, 5)
    while len(decoys) < n_decoys:
        candidate = _word_pass(rng)
        if candidate != passphrase and candidate not in decoys:
            decoys.append(candidate)
    keyring = rng.choice(KEYRING_FILES)
    order = decoys + [passphrase]
    rng.shuffle(order)
    ring = ["# passphrase rotations, oldest first -- only one of them still opens the vault"]
    for i, candidate in enumerate(order):
        ring.append(f"2023-{i + 2:02d}-{rng.randint(1, 28):02d}  {candidate}")
    files["keyring"] = "\n".join(ring) + "\n"
    dockerfile.append(f"COPY keyring {keyring}")
    for name, _, _, _ in plains:
        armor = rng.random() < 0.5
        specs.append(
            (
                f"{name}.b64" if armor else f"{name}.enc",
                name,
                passphrase,
                iterations,
                "sha256",
                armor,
            )
        )
    if not any(s[5] for s in specs):
        first = specs[0]
        specs[0] = (f"{first[1]}.b64", first[1], first[2], first[3], first[4], True)
    readme = (
        "Vault format\n============\n"
        f"Encrypted with: openssl enc -aes-256-cbc -pbkdf2 -iter {iterations} (digest sha256)\n"
        "*.enc  raw binary output\n*.b64  same, base64-armoured (-a)\n"
    )
    files["vault/README"] = readme.encode()
    hints.append(
        f"The passphrase history is in `{keyring}`: exactly one of the listed passphrases "
        f"opens every file. `{vault}/README` documents how the files were encrypted."
    )
    solve += [
        f"cat {vault}/README",
        f"ITER=$(grep -oE -- '-iter [0-9]+' {vault}/README | awk '{{print $2}}')",
        f"grep -v '^#' {keyring} | awk 'NF {{print $2}}' > /tmp/candidates",
        "PASS=''",
        "while read -r cand; do",
        "  ok=1",
        f"  for f in {vault}/*.enc {vault}/*.b64; do",
        '    [ -e "$f" ] || continue',
        "    flag=''; case \"$f\" in *.b64) flag=-a ;; esac",
        '    openssl enc -d -aes-256-cbc -pbkdf2 -iter "$ITER" $flag -in "$f" -out /dev/null '
        '-pass "pass:$cand" 2>/dev/null || { ok=0; break; }',
        "  done",
        '  if [ "$ok" = 1 ]; then PASS=$cand; break; fi',
        "done < /tmp/candidates",
        'test -n "$PASS"',
    ]
    d.decoys = decoys


def _hard_master(rng: random.Random, d: Drawn) -> None:
    """(hard) An encoded master passphrase opens a keyring of per-file parameters."""
    vault, recovered, plains, specs, files, dockerfile, hints, solve = (
        d.vault,
        d.recovered,
        d.plains,
        d.specs,
        d.files,
        d.dockerfile,
        d.hints,
        d.solve,
    )
    master = _word_pass(rng)
    master_iter = rng.choice([30000, 60000, 100000])
    tool = rng.choice(TOOLS)
    encoding = rng.choice(["hex", "base64"])
    encoded = (
        master.encode().hex() if encoding == "hex" else base64.b64encode(master.encode()).decode()
    )
    stale = _word_pass(rng)
    stale_enc = (
        stale.encode().hex() if encoding == "hex" else base64.b64encode(stale.encode()).decode()
    )
    keyword = "master_hex" if encoding == "hex" else "master_b64"
    conf = (
        f"# {tool} configuration\n"
        "listen = 127.0.0.1:8200\n"
        f"vault_dir = {vault}\n"
        f"# {keyword} = {stale_enc}   (retired 2023-11)\n"
        f"{keyword} = {encoded}\n"
        "unlock_timeout = 30s\n"
    )
    files["tool.conf"] = conf
    dockerfile.append(f"COPY tool.conf /etc/{tool}/{tool}.conf")
    ring_lines = []
    for name, _, _, _ in plains:
        if rng.random() < 0.25:
            pw, iterations, digest = master, master_iter, "sha256"
        else:
            pw = _word_pass(rng)
            iterations = rng.choice([10000, 25000, 40000, 80000, 150000])
            digest = rng.choice(DIGESTS)
        armor = rng.random() < 0.4
        specs.append((f"{name}.enc", name, pw, iterations, digest, armor))
        ring_lines += [
            f"[{name}.enc]",
            f"passphrase = {pw}",
            f"iter = {iterations}",
            f"digest = {digest}",
            "",
        ]
    if not any(s[5] for s in specs):
        first = specs[0]
        specs[0] = (*first[:5], True)
    keyring_plain = (
        "# per-file parameters, all openssl enc -aes-256-cbc -pbkdf2\n\n" + "\n".join(ring_lines)
    ).encode()
    keyring_armor = rng.random() < 0.5
    plains.append(("keyring.txt", keyring_plain, None, []))
    specs.append(("keyring.txt.enc", "keyring.txt", master, master_iter, "sha256", keyring_armor))
    readme = (
        "Vault format\n============\n"
        f"keyring.txt.enc is encrypted with the {tool} master passphrase:\n"
        f"  openssl enc -aes-256-cbc -pbkdf2 -iter {master_iter} -md sha256\n"
        "Every other file uses the passphrase, -iter and -md listed for it in the keyring.\n"
        "Some files were base64-armoured (-a) when they were copied over e-mail.\n"
        "MANIFEST.sha256 holds the SHA-256 of every plaintext, taken when it was encrypted.\n"
    )
    files["vault/README"] = readme.encode()
    hints.append(
        f"The master passphrase was never written down in clear: the `{tool}` service keeps "
        "it, encoded, in its configuration file somewhere under `/etc`. Read "
        f"`{vault}/README` for how the vault is organised."
    )
    armored = '$([ "$(head -c 8 "$f")" = Salted__ ] || echo -a)'
    decode = (
        "printf '%s' \"$ENC\" | sed 's/../\\\\x&/g' | xargs -0 printf '%b'"
        if encoding == "hex"
        else "printf '%s' \"$ENC\" | base64 -d"
    )
    solve += [
        f"cat {vault}/README",
        f"grep -rn {keyword} /etc/{tool}/",
        f"ENC=$(grep -E '^{keyword} *=' /etc/{tool}/{tool}.conf | awk -F' = ' '{{print $2}}')",
        f"MASTER=$({decode})",
        f"MITER=$(grep -oE -- '-iter [0-9]+' {vault}/README | head -n 1 | awk '{{print $2}}')",
        f"mkdir -p {shlex.quote(recovered)}",
        f"f={vault}/keyring.txt.enc",
        f'openssl enc -d -aes-256-cbc -pbkdf2 -iter "$MITER" -md sha256 {armored} -in "$f" '
        f'-out {recovered}/keyring.txt -pass "pass:$MASTER"',
        f"cat {recovered}/keyring.txt",
    ]
    d.armored = armored


def _encrypt(rng: random.Random, d: Drawn):
    """Encrypt every file, redrawing salts a wrong candidate opens; plaintexts and questions."""
    easy, hard, vault, plains, specs, files, dockerfile, tampered, decoys = (
        d.easy,
        d.hard,
        d.vault,
        d.plains,
        d.specs,
        d.files,
        d.dockerfile,
        d.tampered,
        d.decoys,
    )
    plain_of = {p[0]: p[1] for p in plains}
    true_plain = dict(plain_of)
    if tampered is not None:
        original = plain_of[tampered]
        if tampered.endswith(".tar.gz"):
            changed = original[:-1] + bytes([original[-1] ^ 0x01])  # gzip trailer corrupted
        else:
            changed = original.replace(b"\n", b"\n#\n", 1)
        plain_of = {**plain_of, tampered: changed}
    wrong = [] if easy or hard else [c for c in decoys]
    for enc_name, plain_name, pw, iterations, digest, armor in specs:
        while True:
            salt = bytes(rng.randrange(256) for _ in range(8))
            blob = openssl_encrypt(plain_of[plain_name], pw, salt, iterations, digest, armor)
            if not any(opens(blob, c, iterations, digest) for c in wrong):
                break
        files[f"vault/{enc_name}"] = blob
    dockerfile.append(f"COPY vault/ {vault}/")

    questions = [p[2] for p in plains if p[2] is not None and p[0] != tampered]
    if hard:
        manifest = "".join(f"{_sha(true_plain[name])}  {name}\n" for name, *_ in plains)
        files["vault/MANIFEST.sha256"] = manifest.encode()
    return plain_of, questions


def _decrypt_steps(d: Drawn, questions: list) -> None:
    """The solution's steps that decrypt everything, answer the questions and write the JSON."""
    easy, hard, vault, recovered, answers_path, plains, solve, tampered, armored = (
        d.easy,
        d.hard,
        d.vault,
        d.recovered,
        d.answers_path,
        d.plains,
        d.solve,
        d.tampered,
        d.armored,
    )
    if easy:
        solve += [
            f"mkdir -p {recovered}",
            f"for f in {vault}/*.enc; do",
            '  openssl enc -d -aes-256-cbc -pbkdf2 -in "$f" '
            f'-out {recovered}/"$(basename "$f" .enc)" -pass "pass:$PASS"',
            "done",
        ]
    elif not hard:
        solve += [
            f"mkdir -p {recovered}",
            f"for f in {vault}/*.enc {vault}/*.b64; do",
            '  [ -e "$f" ] || continue',
            "  flag=''; case \"$f\" in *.b64) flag=-a ;; esac",
            '  out=$(basename "$f"); out=${out%.*}',
            '  openssl enc -d -aes-256-cbc -pbkdf2 -iter "$ITER" $flag -in "$f" '
            f'-out {recovered}/"$out" -pass "pass:$PASS"',
            "done",
        ]
    else:
        solve += [
            f"for f in {vault}/*.enc; do",
            '  base=$(basename "$f")',
            '  [ "$base" = keyring.txt.enc ] && continue',
            f'  pw=$(awk -v s="[$base]" \'$0==s {{on=1; next}} /^\\[/ {{on=0}} on && $1=="passphrase" {{print $3}}\' {recovered}/keyring.txt)',
            f'  it=$(awk -v s="[$base]" \'$0==s {{on=1; next}} /^\\[/ {{on=0}} on && $1=="iter" {{print $3}}\' {recovered}/keyring.txt)',
            f'  md=$(awk -v s="[$base]" \'$0==s {{on=1; next}} /^\\[/ {{on=0}} on && $1=="digest" {{print $3}}\' {recovered}/keyring.txt)',
            f'  openssl enc -d -aes-256-cbc -pbkdf2 -iter "$it" -md "$md" {armored} -in "$f" '
            f'-out {recovered}/"${{base%.enc}}" -pass "pass:$pw"',
            "done",
            f"cd {recovered} && sha256sum -c {vault}/MANIFEST.sha256 | tee /tmp/manifest.txt || true",
            "cd /app",
            "TAMPERED=$(grep -E ': FAILED$' /tmp/manifest.txt | cut -d: -f1)",
        ]
    solve += [f"ls -l {recovered}", f"R={recovered}", "ANS=/tmp/answers.tsv", ': > "$ANS"']
    for name, _, question, lines in plains:
        if question is not None and name != tampered:
            solve += lines
    if hard:
        solve.append('printf \'%s\\t%s\\n\' tampered "$TAMPERED" >> "$ANS"')
    kinds = {q[0]: q[3] for q in questions}
    if hard:
        kinds["tampered"] = "str"
    solve += [
        f'mkdir -p "$(dirname {answers_path})"',
        f"python3 - \"$ANS\" {answers_path} <<'PY'",
        "import json, sys",
        f"kinds = {json.dumps(kinds, sort_keys=True)}",
        "out = {}",
        "for line in open(sys.argv[1]):",
        "    key, value = line.rstrip('\\n').split('\\t', 1)",
        "    kind = kinds[key]",
        "    out[key] = int(value) if kind == 'int' else float(value) if kind == 'money' else value",
        "json.dump(out, open(sys.argv[2], 'w'), indent=2)",
        "PY",
        f"cat {answers_path}",
        'shred -u "$ANS"  # the scratch copy held the secrets in the clear',
    ]


def _instruction(rng: random.Random, d: Drawn, questions: list) -> str:
    """The task text: the hints, the requirements and the answer keys (both shuffled)."""
    easy, hard, vault, recovered, answers_path, hints = (
        d.easy,
        d.hard,
        d.vault,
        d.recovered,
        d.answers_path,
        d.hints,
    )
    answer_lines = [f"- `{key}`: {text}" for key, text, _, _ in questions]
    if hard:
        answer_lines.append(
            "- `tampered`: the name (as written in the manifest) of the one recovered file "
            "whose SHA-256 does not match `MANIFEST.sha256`"
        )
    rng.shuffle(answer_lines)
    rules = [
        f"Write the plaintext of every encrypted file in `{vault}` to `{recovered}/`, named "
        "after the encrypted file without its "
        + ("`.enc` suffix" if easy or hard else "`.enc`/`.b64` suffix")
        + " (for example `foo.csv.enc` becomes `foo.csv`), byte-for-byte identical to the "
        "original plaintext.",
        f"Do not modify, move or delete anything in `{vault}`.",
        f"Write `{answers_path}` as one JSON object with exactly the keys listed below. "
        "Numbers must be JSON numbers (balances rounded to 2 decimals, counts and ports as "
        "integers); everything else is a JSON string.",
    ]
    rng.shuffle(rules)
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(vault=vault),
            rng.choice(GOALS),
            "",
            *hints,
            "",
            "Requirements:",
            *[f"- {rule}" for rule in rules],
            "",
            f"Keys of `{answers_path}`:",
            *answer_lines,
        ]
    )
    return instruction


def _expected(d: Drawn, plain_of: dict[str, bytes], questions: list) -> dict:
    """Ground truth: the vault's hashes, the recovered plaintexts' hashes and the answers."""
    hard, vault, recovered, answers_path, files, specs, tampered = (
        d.hard,
        d.vault,
        d.recovered,
        d.answers_path,
        d.files,
        d.specs,
        d.tampered,
    )
    expected = {
        "vault_dir": vault,
        "vault_files": {
            f"{vault}/{path[len('vault/') :]}": _sha(data)
            for path, data in sorted(files.items())
            if path.startswith("vault/")
        },
        "recovered_dir": recovered,
        "recovered": {plain: _sha(plain_of[plain]) for _, plain, *_ in specs},
        "answers_path": answers_path,
        "answers": {key: {"value": answer, "kind": kind} for key, _, answer, kind in questions},
    }
    if hard:
        expected["answers"]["tampered"] = {"value": tampered, "kind": "str"}
    return expected


@register
class OpensslVaultRecovery(TemplateFamily):
    name = "openssl-vault-recovery"
    domain = Domain.SECURITY
    description = (
        "Find the passphrase, decrypt an openssl enc (AES-256-CBC, PBKDF2) vault and report "
        "facts from the recovered files."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        if drawn.easy:
            _easy_passphrase(rng, drawn)
        elif not drawn.hard:
            _medium_keyring(rng, drawn)
        else:
            _hard_master(rng, drawn)
        plain_of, questions = _encrypt(rng, drawn)
        _decrypt_steps(drawn, questions)
        instruction = _instruction(rng, drawn, questions)
        expected = _expected(drawn, plain_of, questions)
        hard, files, solve, dockerfile = drawn.hard, drawn.files, drawn.solve, drawn.dockerfile
        return Instance(
            instruction=instruction,
            solution="\n".join(solve) + "\n",
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile="".join(line + "\n" for line in dockerfile),
            tags=["openssl", "encryption", "pbkdf2"] + (["forensics"] if hard else []),
        )
