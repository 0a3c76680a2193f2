#!/bin/bash
# Reference solution: look at the logs, count errors with a helper, then write and test the policy.
set -euo pipefail
ls -la @LOGDIR@
df -h @LOGDIR@  # room for the rotated copies?
head -n 5 @LOGDIR@/@APP@.log
zcat @LOGDIR@/*.gz | sed -n "1,5p"
zgrep -c -E ' (ERROR|CRITICAL) ' @LOGDIR@/*.gz || true
cat /etc/logrotate.d/* 2>/dev/null || true

mkdir -p "$(dirname @REPORT@)"
python3 - <<'PY'
import csv, glob, gzip, json, re
from datetime import datetime, timezone

LEVELS = set("@LEVELS@".split(","))
LO, HI = "@WINDOW_LO@", "@WINDOW_HI@"
UTC = timezone.utc
lo = datetime.strptime(LO, "%Y-%m-%d %H:%M").replace(tzinfo=UTC) if LO else None
hi = datetime.strptime(HI, "%Y-%m-%d %H:%M").replace(tzinfo=UTC) if HI else None
APP_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d+ (\S+) \[req=([^\]]+)\] (.*)$")

seen, counts = set(), {}
for path in sorted(glob.glob("@LOGDIR@/*.log*")):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("{"):
                rec = json.loads(line)
                when = datetime.fromisoformat(rec["ts"].replace("Z", "+00:00"))
                level, req, code = rec["level"].upper(), rec["req"], rec.get("code")
            else:
                m = APP_LINE.match(line)
                if not m:
                    continue  # a continuation line (stack trace) belongs to the entry above
                when = datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                level, req = m[2], m[3]
                found = re.search(r"code=(\w+)", m[4])
                code = found[1] if found else None
            if req in seen:
                continue
            seen.add(req)
            when = when.astimezone(UTC)
            if level not in LEVELS or (lo and when < lo) or (hi and when >= hi):
                continue
            key = (when.strftime("%Y-%m-%d %H:00"), code)
            counts[key] = counts.get(key, 0) + 1

with open("@REPORT@", "w", newline="") as fh:
    out = csv.writer(fh, lineterminator="\n")
    out.writerow(["hour", "code", "count"])
    for (hour, code), n in sorted(counts.items()):
        out.writerow([hour, code, n])
PY
head -n 12 @REPORT@
wc -l @REPORT@

# Any other config that already claims these logs would make logrotate fail with duplicates.
for f in $(grep -l "@LOGDIR@" /etc/logrotate.d/* || true); do
    if [ "$f" != "@LR@" ]; then rm -v "$f"; fi
done
cat > @LR@ <<CONF
@LOGDIR@/*.log {
    @FREQ@
    rotate @KEEP@
@MAXSIZE@    compress
@DELAY@    missingok
    notifempty
    create @CREATE@
@POST@}
CONF
# logrotate refuses group-writable log directories unless told which user to rotate as
dry_run=$(logrotate -d @LR@ 2>&1 || true)
if grep -q "insecure permissions" <<<"$dry_run"; then
    sed -i "s/^    create .*/&\n    su $(stat -c '%U %G' @LOGDIR@)/" @LR@
fi
chmod 0644 @LR@
cat @LR@
logrotate -d @LR@
logrotate -d /etc/logrotate.conf 2>&1 | grep -i error && exit 1

# Rehearse on a copy: rotate it a few times for real.
scratch=$(mktemp -d)
chmod 0755 "$scratch"
cp -a @LOGDIR@ "$scratch/"
sed "s#@LOGDIR@#$scratch/@APP@#g" @LR@ > "$scratch/policy"
for i in 1 2 3; do
    echo "rehearsal $i" >> "$scratch/@APP@/@APP@.log"
    logrotate -f -s "$scratch/state" "$scratch/policy"
done
ls -la "$scratch/@APP@"
gunzip -t "$scratch/@APP@"/*.gz  # every compressed generation must be intact
rm -rf "$scratch"
sha256sum @LOGDIR@/*
