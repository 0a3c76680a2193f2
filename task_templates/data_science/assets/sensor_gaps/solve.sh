#!/bin/bash
# Reference solution: look at the specs and the shape of the data, then audit in one pass.
set -euo pipefail
CSV=@CSV@
SPEC=@SPEC@
REPORT=@REPORT@
ls -l "$(dirname "$CSV")"
jq -r 'to_entries[] | "\(.key) every \(.value.interval_s)s in [\(.value.min), \(.value.max)] \(.value.unit)"' "$SPEC"
sed -n '1,5p' "$CSV"
tac "$CSV" | sed -n '1,3p'  # the latest readings
tail -n +2 "$CSV" | cut -d, -f1 | sort | uniq -c
awk -F, 'NR > 1 && ($3 == "" || $3 == "NaN")' "$CSV" | wc -l
tail -n +2 "$CSV" | cut -d, -f1,2 | sort | uniq -d | wc -l
mkdir -p "$(dirname "$REPORT")"
python3 - "$CSV" "$SPEC" "$REPORT" @GAP_FACTOR@ <<'PY'
import csv, json, math, sys
from datetime import datetime

csv_path, spec_path, report_path, factor = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = json.load(open(spec_path))
seen, valid, invalid = set(), {s: [] for s in spec}, {s: 0 for s in spec}
with open(csv_path, newline="") as fh:
    for row in csv.DictReader(fh):
        key = (row["sensor"], row["timestamp"])
        if key in seen:
            continue
        seen.add(key)
        s = spec[row["sensor"]]
        try:
            value = float(row["value"])
        except ValueError:
            invalid[row["sensor"]] += 1
            continue
        if math.isnan(value) or not s["min"] <= value <= s["max"]:
            invalid[row["sensor"]] += 1
            continue
        valid[row["sensor"]].append((row["timestamp"], value))
report = {}
for sensor, readings in valid.items():
    readings.sort()
    when = [datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") for t, _ in readings]
    limit = factor * spec[sensor]["interval_s"]
    gaps = [[readings[i][0], readings[i + 1][0]] for i in range(len(readings) - 1)
            if (when[i + 1] - when[i]).total_seconds() > limit]
    values = [v for _, v in readings]
    report[sensor] = {"valid": len(values), "invalid": invalid[sensor],
                      "mean": round(sum(values) / len(values), 3), "min": min(values),
                      "max": max(values), "gaps": gaps}
json.dump(report, open(report_path, "w"), indent=2)
PY
jq 'map_values({valid, invalid, gaps: (.gaps | length)})' "$REPORT"
