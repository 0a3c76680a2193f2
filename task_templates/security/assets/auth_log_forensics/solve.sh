#!/bin/bash
# Reference solution: stitch the rotated logs oldest-first, then apply the stated rules.
set -euo pipefail
LOGDIR=@LOGDIR@
OUT=@OUT@
mkdir -p "$OUT"
WORK=$(mktemp -d)
ls -l "$LOGDIR"/auth.log*

# oldest first: auth.log.N(.gz) ... auth.log.1, auth.log
for f in "$LOGDIR"/auth.log*; do
    n=$(basename "$f" | sed -E 's/^auth\.log\.?//; s/\.gz$//')
    echo "${n:-0} $f"
done | sort -k1,1nr | cut -d' ' -f2 > "$WORK/order"
cat "$WORK/order"
while read -r f; do zcat -f "$f"; done < "$WORK/order" > "$WORK/all.log"
wc -l "$WORK/all.log"
zgrep -c 'Failed password' "$LOGDIR"/auth.log* || true
grep -o 'message repeated [0-9]* times' "$WORK/all.log" | head -n 3 || true
awk '{print $5}' "$WORK/all.log" | sed 's/\[.*//' | sort | uniq -c

python3 - "$WORK/all.log" "$OUT" @YEAR@ @ATTEMPTS@ @WINDOW@ @PUBKEY@ @TRUSTED@ <<'PY'
import csv, ipaddress, re, sys
from datetime import datetime
path, out, year, attempts, window, pubkey = sys.argv[1:7]
trusted = [ipaddress.ip_network(c) for c in sys.argv[7:]]
year, attempts, window = int(year), int(attempts), int(window)
kinds = "password|publickey" if pubkey == "1" else "password"
fail = re.compile(rf"^Failed (?:{kinds}) for (?:invalid user )?\S+ from (\S+) port")
accept = re.compile(r"^Accepted \S+ for (\S+) from (\S+) port")
failures, accepted, last_month = {}, [], None
for line in open(path):
    month = datetime.strptime(line[:3], "%b").month
    if last_month is not None and month < last_month:
        year += 1
    last_month = month
    t = datetime.strptime(f"{year} {line[:15]}", "%Y %b %d %H:%M:%S")
    msg = line.split(": ", 1)[1].rstrip("\n")
    times = 1
    m = re.match(r"^message repeated (\d+) times: \[ (.*)\]$", msg)
    if m:
        times, msg = int(m.group(1)), m.group(2)
    m = fail.match(msg)
    if m:
        failures.setdefault(m.group(1), []).extend([t] * times)
    m = accept.match(msg)
    if m:
        accepted.append((t, m.group(2), m.group(1)))
flagged = {}
for ip, times in failures.items():
    times.sort()
    lo = 0
    for hi in range(len(times)):
        while (times[hi] - times[lo]).total_seconds() > window:
            lo += 1
        if hi - lo + 1 >= attempts:
            flagged[ip] = times
            break
fmt = "%Y-%m-%d %H:%M:%S"
rows = sorted(
    ([ip, len(t), t[0].strftime(fmt), t[-1].strftime(fmt)] for ip, t in flagged.items()),
    key=lambda r: (r[2], r[0]),
)
with open(f"{out}/bruteforce.csv", "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["ip", "failures", "first_failure", "last_failure"])
    w.writerows(rows)
with open(f"{out}/.block", "w") as fh:
    for ip, *_ in rows:
        if not any(ipaddress.ip_address(ip) in net for net in trusted):
            fh.write(ip + "\n")
with open(f"{out}/.logins", "w") as fh:
    for t, ip, user in sorted(accepted):
        if ip in flagged and t > flagged[ip][0]:
            fh.write(f"{t.strftime(fmt)} {ip} {user}\n")
PY
cat "$OUT/bruteforce.csv"
tail -n +2 "$OUT/bruteforce.csv" | cut -d, -f1 | paste -sd' '

# deny rules from the block list
if [ @FORMAT@ = hosts.deny ]; then
    {
        echo "# sshd brute-force sources"
        awk '{ if (index($0, ":")) print "sshd: [" $0 "]"; else print "sshd: " $0 }' "$OUT/.block"
    } > "$OUT/hosts.deny"
    cat "$OUT/hosts.deny"
else
    {
        echo '*filter'
        grep -v ':' "$OUT/.block" | awk '{print "-A INPUT -s " $0 "/32 -p tcp --dport 22 -j DROP"}'
        echo 'COMMIT'
    } > "$OUT/blocklist.rules"
    if [ -n "@V6FILE@" ]; then
        {
            echo '*filter'
            grep ':' "$OUT/.block" | awk '{print "-A INPUT -s " $0 "/128 -p tcp --dport 22 -j DROP"}'
            echo 'COMMIT'
        } > "@V6FILE@"
    fi
    cat "$OUT/blocklist.rules"
fi

if [ @MEDIUM@ = 1 ]; then
    cp "$OUT/.logins" "$OUT/compromised.txt"
    cat "$OUT/compromised.txt"
    grep -oE 'Invalid user [^ ]+ from' "$WORK/all.log" | awk '{print $3}' | sort | uniq -c \
        | awk '{print $1, $2}' | LC_ALL=C sort -k1,1nr -k2,2 | tee "$OUT/invalid_users.txt" | head -n 5
fi
rm -f "$OUT/.block" "$OUT/.logins"
