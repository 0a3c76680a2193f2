"""Flatten a clickstream written by three generations of a logging client into one clean CSV.

The generator draws canonical events first, then renders each in the schema of the client
version that "logged" it: v1 nests the user and page and writes ISO timestamps (at hard
difficulty with UTC offsets), v2 is flat with epoch seconds, v3 renames everything and uses
epoch milliseconds. Medium adds repeated deliveries and truncated lines; hard spreads the
stream over several files, some gzip-compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta, timezone

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.tasks.model import TaskFile

TYPES = ["click", "view", "scroll", "purchase", "signup", "logout", "search", "share"]
PAGES = ["/", "/home", "/cart", "/checkout", "/search", "/help", "/pricing", "/blog", "/account"]
SIZES = {
    Difficulty.EASY: (40, 6, 2),
    Difficulty.MEDIUM: (150, 15, 3),
    Difficulty.HARD: (400, 30, 3),
}
DIRS = ["/app/events", "/app/logs/clicks", "/app/data/stream"]
OUTDIRS = ["/app/out", "/app/clean", "/app/export"]
OPENINGS = [
    "Three versions of our web client have been logging events into `{src}`, each in its own JSON shape.",
    "The analytics team dumped raw client events into `{src}`; the producers never agreed on a schema.",
    "`{src}` holds a raw event stream (JSON Lines) from several releases of a logging library.",
]
COLUMNS = ["event_id", "timestamp", "user_id", "event_type", "page"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _render(event: dict, version: int, rng: random.Random, offsets: bool) -> dict:
    moment = event["time"]
    if version == 1:
        if offsets:
            shift = timezone(timedelta(hours=rng.choice([-5, -3, 1, 2, 5, 9])))
            stamp = moment.astimezone(shift).isoformat()
        else:
            stamp = _iso(moment)
        return {
            "id": event["id"], "ts": stamp, "type": event["type"],
            "user": {"id": event["user"], "name": f"user{event['user']}"}, "props": {"page": event["page"]},
        }  # fmt: skip
    if version == 2:
        return {
            "schema": 2, "event_id": event["id"], "timestamp": int(moment.timestamp()),
            "event": event["type"], "user_id": event["user"], "page": event["page"],
        }  # fmt: skip
    return {
        "schema": 3, "eventId": event["id"], "time": int(moment.timestamp()) * 1000,
        "kind": event["type"], "actor": {"uid": f"u{event['user']}"}, "context": {"page": event["page"]},
    }  # fmt: skip


@register
class EventsFlatten(TemplateFamily):
    name = "events-flatten"
    domain = Domain.DATA_SCIENCE
    description = (
        "Normalise JSON-lines events from three client schemas into a sorted CSV plus a summary."
    )
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        n_events, n_users, versions = SIZES[difficulty]
        messy, hard = difficulty is not Difficulty.EASY, difficulty is Difficulty.HARD
        src, outdir = rng.choice(DIRS), rng.choice(OUTDIRS)
        start = datetime(2026, rng.randint(1, 9), rng.randint(1, 28), tzinfo=UTC)
        users = rng.sample(range(100, 999), n_users)
        events = []
        for i in range(n_events):
            events.append(
                {
                    "id": f"{rng.getrandbits(40):010x}-{i}",
                    "time": start + timedelta(seconds=rng.randrange(86400 * 3)),
                    "type": rng.choice(TYPES),
                    "user": rng.choice(users),
                    "page": rng.choice(PAGES),
                }
            )
        lines: list[str] = []
        duplicates = invalid = 0
        for event in events:
            version = rng.randint(1, versions)
            line = json.dumps(_render(event, version, rng, offsets=hard))
            lines.append(line)
            if messy and rng.random() < 0.07:  # a retried delivery, maybe in another schema
                duplicates += 1
                lines.insert(
                    rng.randrange(len(lines) + 1),
                    json.dumps(_render(event, rng.randint(1, versions), rng, hard)),
                )
            if messy and rng.random() < 0.04:
                invalid += 1
                lines.insert(rng.randrange(len(lines) + 1), line[: rng.randint(5, len(line) - 2)])
        # The first delivery of an id (in reading order) is the one that counts.
        n_files = 3 if hard else 1
        chunks = [lines[i::n_files] for i in range(n_files)]
        names = [f"part-{i:03d}.jsonl" for i in range(n_files)]
        gz = {names[-1]} if hard else set()
        files: dict[str, str | bytes | TaskFile] = {}
        reading_order: list[str] = []
        for name, chunk in zip(names, chunks, strict=True):
            text = "\n".join(chunk) + "\n"
            reading_order += chunk
            if name in gz:
                files[f"events/{name}.gz"] = gzip.compress(text.encode(), mtime=0)
            else:
                files[f"events/{name}"] = text
        seen, kept = set(), []
        for line in reading_order:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            event_id = record.get("id") or record.get("event_id") or record.get("eventId")
            if event_id not in seen:
                seen.add(event_id)
                kept.append(event_id)
        by_id = {e["id"]: e for e in events}
        rows = sorted(
            (
                [e["id"], _iso(e["time"]), str(e["user"]), e["type"], e["page"]]
                for e in (by_id[i] for i in kept)
            ),
            key=lambda row: (row[1], row[0]),
        )
        by_type: dict[str, int] = {}
        for row in rows:
            by_type[row[3]] = by_type.get(row[3], 0) + 1
        summary = {
            "events": len(rows),
            "users": len({row[2] for row in rows}),
            "invalid_lines": invalid,
            "duplicates": duplicates,
            "by_type": dict(sorted(by_type.items())),
        }

        shapes = [
            "v1: `id`, `ts` (ISO 8601"
            + (", with a UTC offset" if hard else "")
            + "), `type`, `user.id`, `props.page`",
            "v2 (`schema: 2`): `event_id`, `timestamp` (Unix seconds), `event`, `user_id`, `page`",
            'v3 (`schema: 3`): `eventId`, `time` (Unix milliseconds), `kind`, `actor.uid` (`"u"` + user id), `context.page`',
        ][:versions]
        rules = [
            f"Write `{outdir}/events.csv` with the header `{','.join(COLUMNS)}` and one row per event.",
            "`timestamp` is UTC in the form `YYYY-MM-DDTHH:MM:SSZ`; `user_id` is the bare number.",
            "Sort rows by timestamp, then by event_id.",
        ]
        if messy:
            rules.append(
                "Some events were delivered more than once (same id, possibly another schema): "
                "keep the first delivery in reading order and count the rest in `duplicates`."
            )
            rules.append(
                "Some lines are truncated and are not valid JSON: skip them and count them in `invalid_lines`."
            )
        if hard:
            rules.append(
                "Read the files in name order (`part-000` first); `.gz` files are gzip-compressed JSON Lines."
            )
        rng.shuffle(rules)
        summary_keys = "`events`, `users` (distinct user ids), `invalid_lines`, `duplicates`, `by_type` (event type -> count)"
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(src=src),
                "The shapes in use:",
                *[f"- {shape}" for shape in shapes],
                "",
                "Produce:",
                *[f"- {rule}" for rule in rules],
                f"- `{outdir}/summary.json`: one JSON object with keys {summary_keys}"
                + ("" if messy else " (both counts are 0 here)")
                + ".",
                f"There are {len(lines)} lines in total. Leave `{src}` unchanged.",
            ]
        )
        solution = (
            self.asset("solve.sh")
            .replace("@SRC@", src)
            .replace("@OUT@", outdir)
            .replace("@COLUMNS@", ",".join(COLUMNS))
        )
        return Instance(
            instruction=instruction,
            files=files,
            dockerfile=f"COPY events/ {src}/\n",
            solution=solution,
            checker=self.asset("check.py"),
            expected={
                "src": src,
                "inputs": {
                    f"{src}/{name.split('/', 1)[1]}": hashlib.sha256(
                        content if isinstance(content, bytes) else content.encode()
                    ).hexdigest()
                    for name, content in files.items()
                },
                "csv": f"{outdir}/events.csv",
                "summary_path": f"{outdir}/summary.json",
                "header": COLUMNS,
                "rows": rows,
                "summary": summary,
            },
            tags=["json", "jsonl", "csv", "etl"] + (["gzip"] if hard else []),
        )
