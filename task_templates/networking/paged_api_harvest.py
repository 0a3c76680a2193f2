"""Harvest a paginated, rate-limited local JSON API with token auth, and aggregate what it serves.

The image ships a small API server (stdlib `http.server`) and its configuration: records to
serve, credentials, page sizes and a deterministic rate limiter that answers `429` with
`Retry-After` and counts clients that retry too early. The agent starts it, reads its API.md,
and writes a reusable client that pages through everything and writes an aggregate; it also runs
the client once for the shipped data. Medium switches to cursor pagination, client-credential
tokens and transient `503`s, and filters test records; hard adds tokens that expire after a few
uses, a second collection with a different pagination style to join against, and records that
appear in several revisions or are deleted. The checker grades the agent's output against truth
the generator computed, then runs the agent's client (as nobody) against a fresh server with a
hidden data set and different limits, and checks from the server's own statistics that every
`Retry-After` was honoured.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SERVICES = ["ledger", "shopfront", "bookings", "billing", "tickets", "orders", "fulfil"]
RESOURCES = ["orders", "invoices", "charges", "bookings", "payments", "sales"]
CATEGORIES = [
    "books",
    "garden",
    "toys",
    "audio",
    "kitchen",
    "sports",
    "office",
    "travel",
    "pets",
    "tools",
    "beauty",
    "games",
]
REGIONS = ["emea", "apac", "latam", "nordics", "benelux", "iberia", "anz", "na-east", "na-west"]
FIRST = ["ada", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lu", "mo"]
PREFIXES = ["/api/v1", "/v2", "/api", "/rest/v1"]
CLIENT_NAMES = ["harvest.py", "fetch_all.py", "collect.py", "sync_api.py", "pull.py"]
WORK_DIRS = ["/app/client", "/app/harvester", "/opt/harvest", "/app/work"]
OUT_NAMES = ["summary.json", "report.json", "totals.json", "aggregate.json"]

OPENINGS = [
    "A local `{svc}` API serves our {res}; finance wants numbers computed from all of them.",
    "The `{svc}` service exposes its {res} through a paginated JSON API on this machine.",
    "We need a reliable way to pull every one of the {res} out of the `{svc}` API and summarise "
    "them.",
    "Write a client for the `{svc}` API that downloads all {res} and aggregates them.",
]


def _records(rng: random.Random, level: Difficulty, n: int, customers: list[dict]) -> list[dict]:
    """The rows the server serves, in serving order (hard: several revisions, deletions)."""
    medium_up = level is not Difficulty.EASY
    hard = level is Difficulty.HARD
    cats = rng.sample(CATEGORIES, 6)
    statuses = ["paid"] * 6 + ["refunded", "pending"] + (["void"] if medium_up else ["pending"])
    ids = rng.sample(range(1000, 99999), n)
    rows = []
    for i in ids:
        row = {
            "id": i,
            "customer_id": rng.choice(customers)["id"],
            "status": rng.choice(statuses),
            "amount_cents": rng.randrange(199, 250000),
            "category": rng.choice(cats),
        }
        if hard:
            row["rev"] = 1
        rows.append(row)
    if hard:
        extra = []
        for row in rng.sample(rows, n // 6):
            for rev in range(2, rng.randint(3, 4)):
                again = dict(row, rev=rev)
                again["amount_cents"] = rng.randrange(199, 250000)
                again["status"] = rng.choice(statuses)
                if rng.random() < 0.25:
                    again["deleted"] = True
                extra.append(again)
        for row in extra:  # later revisions land anywhere, even before their predecessors
            rows.insert(rng.randrange(len(rows) + 1), row)
    return rows


def _truth(rows: list[dict], customers: list[dict], level: Difficulty) -> dict:
    if level is Difficulty.EASY:
        return {
            "count": len(rows),
            "total_cents": sum(r["amount_cents"] for r in rows),
            "by_status": dict(sorted(Counter(r["status"] for r in rows).items())),
        }
    if level is Difficulty.HARD:
        latest: dict[int, dict] = {}
        for r in rows:
            if r["id"] not in latest or r["rev"] > latest[r["id"]]["rev"]:
                latest[r["id"]] = r
        rows = [r for r in latest.values() if not r.get("deleted")]
    counted = [r for r in rows if r["status"] != "void"]
    paid = [r for r in counted if r["status"] == "paid"]
    by_cat: dict[str, int] = {r["category"]: 0 for r in counted}
    for r in paid:
        by_cat[r["category"]] += r["amount_cents"]
    out = {
        "count": len(counted),
        "paid_cents": sum(r["amount_cents"] for r in paid),
        "refunded_cents": sum(r["amount_cents"] for r in counted if r["status"] == "refunded"),
        "by_category": dict(sorted(by_cat.items())),
    }
    if level is Difficulty.HARD:
        region = {c["id"]: c["region"] for c in customers}
        by_region: dict[str, int] = {region[r["customer_id"]]: 0 for r in counted}
        per_customer: dict[str, int] = defaultdict(int)
        for r in paid:
            by_region[region[r["customer_id"]]] += r["amount_cents"]
            per_customer[r["customer_id"]] += r["amount_cents"]
        out["by_region"] = dict(sorted(by_region.items()))
        ranked = sorted(per_customer.items(), key=lambda kv: (-kv[1], kv[0]))
        out["top_customers"] = [cid for cid, _ in ranked[:3]]
    return out


def _customers(rng: random.Random, n: int) -> list[dict]:
    ids = rng.sample(range(100, 9999), n)
    regions = rng.sample(REGIONS, 5)
    return [
        {"id": f"c-{i}", "name": f"{rng.choice(FIRST)} {i}", "region": rng.choice(regions)}
        for i in ids
    ]


def _token(rng: random.Random, n: int = 24) -> str:
    return "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789") for _ in range(n)
    )


def _config(rng, level, resource, prefix, rows, customers) -> tuple[dict, dict]:
    """Server config, and the credentials file content (token text or client JSON)."""
    medium_up = level is not Difficulty.EASY
    hard = level is Difficulty.HARD
    cfg: dict = {
        "prefix": prefix,
        "first_throttle": rng.choice([2, 3]),
        "rate_every": rng.choice([4, 5, 6]),
        "retry_after": 1,
        "fail_every": rng.choice([7, 9, 11]) if medium_up else 0,
    }
    if medium_up:
        cfg["collections"] = {
            resource: {
                "style": "cursor",
                "default_limit": 10,
                "max_limit": rng.choice([20, 25, 30]),
                "rows": rows,
            }
        }
        cid, secret = f"{resource}-reader-{rng.randrange(100, 999)}", _token(rng, 32)
        cfg.update(auth="client", client_id=cid, client_secret=secret)
        cfg["token_uses"] = rng.choice([4, 5, 6]) if hard else 0
        creds = {"client_id": cid, "client_secret": secret}
    else:
        cfg["collections"] = {
            resource: {"style": "page", "page_size": rng.choice([8, 10, 12]), "rows": rows}
        }
        token = _token(rng)
        cfg.update(auth="static", token=token)
        creds = token
    if hard:
        cfg["collections"]["customers"] = {
            "style": "page",
            "page_size": rng.choice([7, 8, 9]),
            "rows": customers,
        }
    return cfg, creds


@register
class PagedApiHarvest(TemplateFamily):
    name = "paged-api-harvest"
    result_paths = ("/app", "/opt/harvest")  # the work folder is drawn per seed
    domain = Domain.NETWORKING
    description = (
        "Write a robust client for a local paginated JSON API (token auth, 429 Retry-After, "
        "503s, expiring tokens, cursors) and aggregate everything it serves."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        medium_up = difficulty is not Difficulty.EASY
        hard = difficulty is Difficulty.HARD
        svc = rng.choice(SERVICES)
        resource = rng.choice(RESOURCES)
        prefix = rng.choice(PREFIXES)
        home = f"/app/{svc}-api"
        work = rng.choice(WORK_DIRS)
        client = f"{work}/{rng.choice(CLIENT_NAMES)}"
        output = f"{work}/{rng.choice(OUT_NAMES)}"
        port = rng.randrange(8200, 8990)
        creds_name = "credentials.json" if medium_up else "token.txt"
        n_rows = {
            Difficulty.EASY: (45, 70),
            Difficulty.MEDIUM: (110, 150),
            Difficulty.HARD: (150, 190),
        }

        datasets = []
        for _ in range(2):  # the shipped one, then the hidden one the client is re-run against
            customers = (
                _customers(rng, rng.randint(30, 40))
                if hard
                else [{"id": f"c-{i}", "region": ""} for i in rng.sample(range(100, 9999), 25)]
            )
            rows = _records(rng, difficulty, rng.randint(*n_rows[difficulty]), customers)
            cfg, creds = _config(rng, difficulty, resource, prefix, rows, customers)
            datasets.append((cfg, creds, _truth(rows, customers, difficulty)))
        (cfg, creds, truth), (hidden_cfg, hidden_creds, hidden_truth) = datasets

        def creds_text(c):
            return json.dumps(c, indent=2) + "\n" if isinstance(c, dict) else c + "\n"

        api_doc = self._api_doc(svc, resource, prefix, difficulty, creds_name)
        server_src = self.asset("api_server.py")
        config_text = json.dumps(cfg, indent=1) + "\n"
        files = {
            "api/server.py": server_src,
            "api/config.json": config_text,
            "api/API.md": api_doc,
            f"api/{creds_name}": creds_text(creds),
        }
        keys_doc = self._keys_doc(difficulty, resource)
        rules = [
            "When the API answers `429`, wait at least the number of seconds in its "
            "`Retry-After` header before sending any further request, then retry. Retrying "
            "early is detected and counts against you.",
            "Fetch every page: stop only when the API says there are no more.",
            "Amounts are integer cents; keep them as integers.",
        ]
        if medium_up:
            rules += [
                "A `503` is transient: retry the same request after a short pause.",
                "Records with status `void` are test data: ignore them entirely (not counted "
                "anywhere).",
            ]
        if hard:
            rules += [
                "Access tokens stop working after a few uses (`401` with error "
                "`token_expired`): get a new one and retry.",
                "A record can be served several times with different `rev` numbers; only the "
                'highest `rev` of each `id` counts, and if that revision has `"deleted": true` '
                "the record does not count at all.",
                "Join each record to its customer through `customer_id` to find its region.",
            ]
        rng.shuffle(rules)
        cred_desc = (
            "a file holding the bearer token"
            if not medium_up
            else "a JSON file with `client_id` and `client_secret`"
        )
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(svc=svc, res=resource),
                f"The server and its documentation are in `{home}/` (read `{home}/API.md`). "
                f"Start it with:",
                "",
                f"    python3 {home}/server.py --port {port} --config {home}/config.json",
                "",
                "Your tasks:",
                f"1. Write a client program `{client}` (Python 3 standard library only), run as",
                "",
                f"       python3 {client} --base-url http://127.0.0.1:<port> --credentials <file> --out <file>",
                "",
                f"   where `<file>` after `--credentials` is {cred_desc} (same format as "
                f"`{home}/{creds_name}`). It downloads every {resource[:-1]} record from the API "
                "and writes the aggregate described below to the `--out` file as one JSON "
                "object. It will also be run, as user `nobody`, against another instance of this "
                "server with different data, credentials, page sizes and rate limits, so nothing "
                "about the shipped data may be hard-coded.",
                f"2. Run it against the server above with `{home}/{creds_name}` and write the "
                f"result to `{output}`.",
                "",
                "Rules:",
                *[f"- {r}" for r in rules],
                "",
                "The aggregate is a JSON object with exactly these keys:",
                *keys_doc,
                "",
                f"Do not modify anything in `{home}`.",
            ]
        )

        expected = {
            "output": output,
            "client": client,
            "work": work,
            "creds_name": creds_name,
            "visible": truth,
            "hidden": hidden_truth,
            "hidden_creds": creds_text(hidden_creds),
            "inputs": {
                f"{home}/{name.split('/', 1)[1]}": text for name, text in sorted(files.items())
            },
        }
        solution = (
            self.asset("solve.sh")
            .replace("@HOME@", home)
            .replace("@PORT@", str(port))
            .replace("@CLIENT@", client)
            .replace("@OUTPUT@", output)
            .replace("@CREDS@", f"{home}/{creds_name}")
            .replace("@WORK@", work)
            .replace("@PREFIX@", prefix)
            .replace("@RESOURCE@", resource)
            .replace("@LEVEL@", difficulty.value)
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=f"COPY api/ {home}/\n",
            test_files={
                "api_server.py": server_src,
                "hidden_config.json": json.dumps(hidden_cfg, indent=1) + "\n",
            },
            tags=["http", "rest-api", "pagination", "rate-limiting", "json"]
            + (["oauth-client-credentials"] if medium_up else [])
            + (["join", "deduplication"] if hard else []),
        )

    @staticmethod
    def _keys_doc(level: Difficulty, resource: str) -> list[str]:
        if level is Difficulty.EASY:
            return [
                f"- `count`: the number of {resource};",
                "- `total_cents`: the sum of `amount_cents` over all of them;",
                "- `by_status`: an object mapping each `status` that occurs to its number of "
                f"{resource}.",
            ]
        doc = [
            f"- `count`: the number of counted {resource} (any status except `void`);",
            "- `paid_cents`: the sum of `amount_cents` over counted records with status `paid`;",
            "- `refunded_cents`: the same for status `refunded`;",
            "- `by_category`: an object mapping every `category` that occurs among counted "
            "records to the `paid_cents` of that category (`0` if none of them is paid).",
        ]
        if level is Difficulty.HARD:
            doc[-1] = doc[-1][:-1] + ";"
            doc += [
                "- `by_region`: an object mapping the region of every customer that has a counted "
                "record to the `paid_cents` of that region's records (`0` if none is paid);",
                "- `top_customers`: the `customer_id`s of the three customers with the largest "
                "paid total, largest first (ties: smaller id as text first).",
            ]
        return doc

    @staticmethod
    def _api_doc(svc, resource, prefix, level: Difficulty, creds_name) -> str:
        medium_up = level is not Difficulty.EASY
        hard = level is Difficulty.HARD
        lines = [
            f"# {svc} API",
            "",
            "All responses are JSON. Every request may be refused by the rate limiter:",
            "",
            '- `429 Too Many Requests`, body `{"error": "rate_limited"}`, with a '
            "`Retry-After: <seconds>` header. The limiter remembers when you may come back; "
            "requests sent before then are refused again (and logged).",
        ]
        if medium_up:
            lines.append(
                '- `503 Service Unavailable`, body `{"error": "temporarily_unavailable"}`: '
                "a transient failure, try again shortly."
            )
        lines += ["", "## Authentication", ""]
        if medium_up:
            lines += [
                "Exchange the client credentials (see `" + creds_name + "`) for a bearer token:",
                "",
                "    POST /auth/token",
                "    Content-Type: application/json",
                "",
                '    {"client_id": "...", "client_secret": "..."}',
                "",
                'Reply: `{"access_token": "...", "token_type": "Bearer"'
                + (', "max_uses": <n>' if hard else "")
                + '}`. Wrong credentials give `401` `{"error": "invalid_client"}`.',
            ]
            if hard:
                lines += [
                    "",
                    "A token is good for `max_uses` authorised GET requests; after that the API "
                    'answers `401` with `{"error": "token_expired"}`.',
                ]
        else:
            lines += [f"The bearer token is in `{creds_name}`."]
        lines += [
            "",
            "Send `Authorization: Bearer <token>` on every GET. A missing or unknown token "
            'gives `401` `{"error": "invalid_token"}`.',
            "",
            "## Collections",
            "",
        ]
        if medium_up:
            lines += [
                f"    GET {prefix}/{resource}?limit=<n>[&cursor=<cursor>]",
                "",
                "`limit` is optional (default 10; too large a value gives `400` with the "
                'allowed `max_limit` in the body). Reply: `{"data": [...], "next_cursor": '
                '"..." | null}`. Pass `next_cursor` back as `cursor` to get the next page; '
                "`null` means there are no more pages.",
            ]
        else:
            lines += [
                f"    GET {prefix}/{resource}?page=<n>",
                "",
                'Pages are numbered from 1. Reply: `{"page": <n>, "total_pages": <t>, '
                '"items": [...]}`.',
            ]
        fields = "`id`, `customer_id`, `status`, `amount_cents`, `category`"
        if hard:
            fields += ", `rev` and sometimes `deleted`"
        lines += ["", f"Each {resource[:-1]} record has {fields}."]
        if hard:
            lines += [
                "",
                f"    GET {prefix}/customers?page=<n>",
                "",
                'Pages are numbered from 1. Reply: `{"page": <n>, "total_pages": <t>, '
                '"items": [...]}`; each customer has `id`, `name` and `region`.',
            ]
        return "\n".join(lines) + "\n"
