#!/bin/bash
# Reference solution: look at the plan and the inventory, then reconcile them with ipaddress.
set -euo pipefail
cd @BASE@
ls -la
hostname
sha256sum @SUBNETS@ @HOSTS@ > /tmp/inputs.sha256
nl -ba @SUBNETS@ | sed -n '1,25p'
grep -v '^#' @SUBNETS@ | grep -c .
head -n 5 @HOSTS@
wc -l @HOSTS@
# repeated addresses and obviously malformed ones, for a first impression
cut -d, -f2 @HOSTS@ | tr -d ' ' | sort | uniq -d | head
awk -F, 'NR > 1 && $2 !~ /[0-9a-fA-F]/ {print NR": "$0}' @HOSTS@
if [ -n "@REQUESTS@" ]; then cat @REQUESTS@; fi
mkdir -p @OUT@
cat > /tmp/reconcile.py <<'PY'
import csv
import ipaddress
import sys

subnets_path, hosts_path, out, requests_path, pool = sys.argv[1:6]


def key(addr):
    return (addr.version, int(addr))


def net_key(net):
    return (net.version, int(net.network_address), net.prefixlen)


plan = []
for line in open(subnets_path):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    name, cidr = line.split()
    plan.append((name, ipaddress.ip_network(cidr, strict=False)))


def owner(addr):
    holders = [(net.prefixlen, name, net) for name, net in plan if addr in net]
    return max(holders, key=lambda h: h[0]) if holders else None


assigned, unassigned, invalid, seen = [], [], [], set()
counts = {name: 0 for name, _ in plan}
with open(hosts_path, newline="") as fh:
    rows = list(csv.reader(fh))
for lineno, row in enumerate(rows[1:], start=2):
    host, text = row[0].strip(), row[1].strip()
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        invalid.append(f"{lineno} bad-address")
        continue
    if key(addr) in seen:
        invalid.append(f"{lineno} duplicate")
        continue
    hit = owner(addr)
    if hit and addr.version == 4 and hit[2].prefixlen <= 30:
        if addr == hit[2].network_address:
            invalid.append(f"{lineno} network-address")
            continue
        if addr == hit[2].broadcast_address:
            invalid.append(f"{lineno} broadcast-address")
            continue
    seen.add(key(addr))
    if hit is None:
        unassigned.append((addr, host))
    else:
        assigned.append((addr, host, hit[1]))
        counts[hit[1]] += 1


def usable(net):
    return net.num_addresses - 2 if net.version == 4 and net.prefixlen <= 30 else net.num_addresses


def percent(a, u):
    tenths = (2 * a * 1000 + u) // (2 * u)
    return f"{tenths // 10}.{tenths % 10}"


def write(name, lines):
    with open(f"{out}/{name}", "w") as fh:
        fh.writelines(f"{line}\n" for line in lines)


write("assigned.txt", [f"{a} {h} {s}" for a, h, s in sorted(assigned, key=lambda t: key(t[0]))])
write("unassigned.txt", [f"{a} {h}" for a, h in sorted(unassigned, key=lambda t: key(t[0]))])
nets = [net for _, net in plan]
agg = [n for v in (4, 6) for n in ipaddress.collapse_addresses([x for x in nets if x.version == v])]
write("aggregate.txt", [str(n) for n in sorted(agg, key=net_key)])
write(
    "utilization.csv",
    ["subnet,cidr,assigned,usable,percent"]
    + [f"{n},{net},{counts[n]},{usable(net)},{percent(counts[n], usable(net))}" for n, net in plan],
)
write("invalid.txt", invalid)

if requests_path:
    def subtract(free, net):
        rest = []
        for block in free:
            if block.subnet_of(net):
                continue
            rest += list(block.address_exclude(net)) if net.subnet_of(block) else [block]
        return sorted(ipaddress.collapse_addresses(rest), key=net_key)

    free = [ipaddress.ip_network(pool)]
    for net in nets:
        if net.version == 4:
            free = subtract(free, net)
    write("free.txt", [str(n) for n in free])
    allocations = []
    for line in open(requests_path):
        if not line.strip() or line.startswith("#"):
            continue
        team, need = line.split()
        size = 1
        while size < int(need) + 2:
            size *= 2
        prefix = 33 - size.bit_length()
        spot = next((f for f in free if f.prefixlen <= prefix), None)
        if spot is None:
            allocations.append(f"{team} none")
            continue
        block = next(spot.subnets(new_prefix=prefix))
        allocations.append(f"{team} {block}")
        free = subtract(free, block)
    write("allocations.txt", allocations)
PY
python3 /tmp/reconcile.py @SUBNETS@ @HOSTS@ @OUT@ "@REQUESTS@" "@POOL@"
wc -l @OUT@/*
stat -c '%s bytes  %n' @OUT@/*
head -n 5 @OUT@/assigned.txt
cat @OUT@/aggregate.txt
tail -n 3 @OUT@/unassigned.txt
# every inventory host is placed somewhere or was rejected: list the ones not placed
cut -d' ' -f2 @OUT@/assigned.txt @OUT@/unassigned.txt | sort > /tmp/placed.txt
tail -n +2 @HOSTS@ | cut -d, -f1 | tr -d ' ' | sort > /tmp/all-hosts.txt
comm -13 /tmp/placed.txt /tmp/all-hosts.txt | head -n 20
sha256sum -c /tmp/inputs.sha256
