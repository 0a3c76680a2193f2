#!/bin/bash
# Reference solution: parse the export as CSV, apply the cleaning rules, write the rollup.
set -euo pipefail
# Look before computing: size, header, the spellings of regions, the odd quantities.
ls -l @INPUT@
wc -l @INPUT@
head -n 5 @INPUT@
shuf -n 3 --random-source=@INPUT@ @INPUT@  # a few rows from the middle, too
cut -d, -f1 @INPUT@ | tail -n +2 | sort | uniq -d | head
awk -F, 'NR > 1 && $5 !~ /^[0-9]+$/ {print $5}' @INPUT@ | sort | uniq -c
sha256sum @INPUT@ > /tmp/input.sha256
mkdir -p "$(dirname @OUTPUT@)"
python3 - <<'PY'
import csv, json
from decimal import Decimal

totals, seen = {}, set()
invalid = duplicates = 0
with open("@INPUT@", newline="") as fh:
    for row in csv.DictReader(fh):
        if row["order_id"] in seen:
            duplicates += 1
            continue
        seen.add(row["order_id"])
        region = row["region"].strip().lower()
        quantity = row["quantity"].strip()
        if not quantity.isdigit():
            invalid += 1
            continue
        price = Decimal(row["unit_price"].strip().lstrip("$").replace(",", ""))
        totals[region] = totals.get(region, Decimal(0)) + int(quantity) * price
result = {
    "totals": {region: float(round(amount, 2)) for region, amount in sorted(totals.items())},
    "invalid_rows": invalid,
    "duplicate_rows": duplicates,
    "top_region": max(totals, key=totals.get),
}
with open("@OUTPUT@", "w") as fh:
    json.dump(result, fh, indent=2)
PY
cat @OUTPUT@
sha256sum -c /tmp/input.sha256
