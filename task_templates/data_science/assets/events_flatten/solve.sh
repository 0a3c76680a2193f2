#!/bin/bash
# Reference solution: survey the shapes with jq, then normalise every line in one pass.
set -euo pipefail
SRC=@SRC@
OUT=@OUT@
ls -la "$SRC"
find "$SRC" -type f | sort
zcat -f "$SRC"/* | wc -l
zcat -f "$SRC"/* | sed -n '1,3p'
# Which key sets occur, and how often (`fromjson?` skips the truncated lines).
zcat -f "$SRC"/* | jq -cR 'fromjson? | keys' | sort | uniq -c
mkdir -p "$OUT"
python3 - "$SRC" "$OUT" <<'PY'
import csv, glob, gzip, json, os, sys
from datetime import datetime, timezone

src, out = sys.argv[1], sys.argv[2]

def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def normalise(r):
    if "eventId" in r:
        return r["eventId"], iso(datetime.fromtimestamp(r["time"] / 1000, timezone.utc)), int(r["actor"]["uid"][1:]), r["kind"], r["context"]["page"]
    if "event_id" in r:
        return r["event_id"], iso(datetime.fromtimestamp(r["timestamp"], timezone.utc)), int(r["user_id"]), r["event"], r["page"]
    ts = datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
    return r["id"], iso(ts), int(r["user"]["id"]), r["type"], r["props"]["page"]

rows, seen, invalid, duplicates = [], set(), 0, 0
for path in sorted(glob.glob(os.path.join(src, "*"))):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                invalid += 1
                continue
            row = normalise(record)
            if row[0] in seen:
                duplicates += 1
                continue
            seen.add(row[0])
            rows.append(row)
rows.sort(key=lambda r: (r[1], r[0]))
with open(os.path.join(out, "events.csv"), "w", newline="") as fh:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow("@COLUMNS@".split(","))
    writer.writerows(rows)
by_type = {}
for row in rows:
    by_type[row[3]] = by_type.get(row[3], 0) + 1
summary = {"events": len(rows), "users": len({r[2] for r in rows}), "invalid_lines": invalid,
           "duplicates": duplicates, "by_type": dict(sorted(by_type.items()))}
with open(os.path.join(out, "summary.json"), "w") as fh:
    json.dump(summary, fh, indent=2)
PY
sed -n '1,5p' "$OUT/events.csv"
tail -n +2 "$OUT/events.csv" | cut -d, -f4 | sort | uniq -c
jq . "$OUT/summary.json"
