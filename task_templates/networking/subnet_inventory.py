"""Reconcile a host inventory with a subnet plan: assignment, utilisation, aggregation, free space.

The generator lays out the address plan itself (a pool carved into subnets, some of them nested
or adjacent so they aggregate), scatters hosts inside and outside it, then damages the inventory
the way hand-kept files are damaged: stray whitespace, unparseable addresses, repeated
addresses, and at hard level network/broadcast addresses, IPv6 written in non-canonical forms,
CIDRs written with host bits set, and a list of allocation requests to fit into the free space.
Every expected output line is computed with `ipaddress` from the plan it drew.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from functools import partial

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SUBNET_WORDS = [
    "core",
    "dmz",
    "mgmt",
    "storage",
    "voice",
    "lab",
    "guest",
    "backup",
    "build",
    "db",
    "edge",
    "iot",
    "print",
    "cctv",
    "vpn",
    "admin",
    "dev",
    "qa",
    "ops",
    "hr",
]
HOST_WORDS = [
    "web",
    "api",
    "db",
    "cache",
    "mq",
    "ldap",
    "dns",
    "ntp",
    "git",
    "ci",
    "nas",
    "cam",
    "phone",
    "prn",
    "ap",
    "fw",
    "sw",
    "vm",
    "kiosk",
    "probe",
]
BAD_ADDRESSES = [
    "10.300.1.4",
    "192.168.1",
    "172.16.5.4.2",
    "10.1.1.256",
    "not-an-ip",
    "10.0.0.-1",
    "fe80::zz",
    "1.2.3.4/33",
    "",
    "10..2.3",
]
DIRS = ["/app/ipam", "/app/netplan", "/srv/addressing", "/opt/inventory", "/app/network"]
SUBNET_FILES = ["subnets.txt", "plan.txt", "networks.txt", "blocks.txt"]
HOST_FILES = ["hosts.csv", "inventory.csv", "devices.csv", "machines.csv"]
REQUEST_FILES = ["requests.txt", "asks.txt", "pending.txt"]
OUT_DIRS = ["out", "report", "results", "reconciled"]
TEAMS = ["alpha", "bravo", "canary", "delta", "echo", "falcon", "gamma", "harbor", "indigo", "jade"]

OPENINGS = [
    "The network team keeps its address plan in `{subnets}` and a hand-maintained host "
    "inventory in `{hosts}`; nobody has reconciled the two in months.",
    "You have inherited an IPAM export: the subnet plan is `{subnets}` and the device list "
    "is `{hosts}`.",
    "Before the next change window we need to know where every device in `{hosts}` lives in "
    "the plan described by `{subnets}`.",
    "An audit asks for a reconciliation of the inventory `{hosts}` against the subnet plan "
    "`{subnets}`.",
]
GOALS = [
    "Write the reconciliation report files into `{out}/` (create it).",
    "Produce the report files described below in the directory `{out}/` (create it).",
    "Generate the following files under `{out}/` (create the directory).",
]


def _usable(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    if net.version == 4 and net.prefixlen <= 30:
        return net.num_addresses - 2
    return net.num_addresses


def _percent(assigned: int, usable: int) -> str:
    tenths = (2 * assigned * 1000 + usable) // (2 * usable)  # round half up, exact
    return f"{tenths // 10}.{tenths % 10}"


def _sort_key(addr) -> tuple[int, int]:
    return (addr.version, int(addr))


def _net_key(net) -> tuple[int, int, int]:
    return (net.version, int(net.network_address), net.prefixlen)


def _subtract(free: list, net) -> list:
    """The collapsed free list with `net` taken out of it."""
    rest = []
    for block in free:
        if block.subnet_of(net):
            continue
        if net.subnet_of(block):
            rest += list(block.address_exclude(net))
        else:
            rest.append(block)
    return sorted(ipaddress.collapse_addresses(rest), key=_net_key)


def _ipv6_variant(addr: ipaddress.IPv6Address, rng: random.Random) -> str:
    """A valid but non-canonical spelling: exploded, upper case, or zero-padded groups."""
    style = rng.randrange(3)
    if style == 0:
        return addr.exploded
    if style == 1:
        return str(addr).upper()
    return ":".join(f"{int(g, 16):x}" for g in addr.exploded.split(":"))


def _new_host(rng: random.Random, seen_names: set[str]) -> str:
    """A host name not drawn before."""
    while True:
        name = f"{rng.choice(HOST_WORDS)}-{rng.randrange(1, 99):02d}"
        if name not in seen_names:
            seen_names.add(name)
            return name


@dataclass
class Drawn:
    """One task's file names, address plan and (damaged) inventory, filled in step by step."""

    difficulty: Difficulty
    medium_up: bool
    hard: bool
    base: str
    subnets_name: str
    hosts_name: str
    requests_name: str
    out: str
    subnets_path: str
    hosts_path: str
    requests_path: str
    pool: ipaddress.IPv4Network
    plan: list[tuple[str, ipaddress._BaseNetwork]]
    seen_names: set[str] = field(default_factory=set)
    taken: set[tuple[int, int]] = field(default_factory=set)
    entries: list[tuple[str, str, ipaddress._BaseAddress | None, str]] = field(
        default_factory=list
    )  # (hostname, written address, parsed address or None, kind)
    damaged: list[tuple[str, str, ipaddress._BaseAddress | None, str]] = field(default_factory=list)

    def most_specific(self, addr):
        """(prefix length, name, network) of the longest-prefix subnet holding addr, or None."""
        holders = [(n.prefixlen, name, n) for name, n in self.plan if addr in n]
        return max(holders, key=lambda t: t[0]) if holders else None


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn | None:
    """Draw paths, the address plan, the hosts and the damage; None to draw again."""
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    base = rng.choice(DIRS)
    subnets_name = rng.choice(SUBNET_FILES)
    hosts_name = rng.choice(HOST_FILES)
    requests_name = rng.choice(REQUEST_FILES)
    out = f"{base}/{rng.choice(OUT_DIRS)}"
    subnets_path, hosts_path = f"{base}/{subnets_name}", f"{base}/{hosts_name}"
    requests_path = f"{base}/{requests_name}"
    drawn_plan = _draw_plan(rng, difficulty)
    if drawn_plan is None:
        return None
    pool, plan = drawn_plan
    drawn = Drawn(
        difficulty=difficulty,
        medium_up=medium_up,
        hard=hard,
        base=base,
        subnets_name=subnets_name,
        hosts_name=hosts_name,
        requests_name=requests_name,
        out=out,
        subnets_path=subnets_path,
        hosts_path=hosts_path,
        requests_path=requests_path,
        pool=pool,
        plan=plan,
    )
    _draw_hosts(rng, drawn)
    _damage(rng, drawn)
    return drawn


def _draw_plan(rng: random.Random, difficulty: Difficulty):
    """The pool and its subnets (adjacent, nested, hard: IPv6) in file order; None to redraw."""
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    if rng.random() < 0.5:
        pool = ipaddress.ip_network(f"10.{rng.randrange(1, 250)}.0.0/16")
    else:
        pool = ipaddress.ip_network(f"172.{rng.randrange(16, 32)}.0.0/16")
    n_top = {Difficulty.EASY: 5, Difficulty.MEDIUM: 8, Difficulty.HARD: 11}[difficulty]
    words = rng.sample(SUBNET_WORDS, len(SUBNET_WORDS))
    subnets: list[tuple[str, ipaddress._BaseNetwork]] = []
    used: list[ipaddress.IPv4Network] = []

    def free_in(parent, prefix):
        cands = [
            s for s in parent.subnets(new_prefix=prefix) if not any(s.overlaps(u) for u in used)
        ]
        return cands

    # top-level blocks live in a few /20s of the pool so that free space stays fragmented
    regions = rng.sample(list(pool.subnets(new_prefix=20)), 3)
    while len(subnets) < n_top:
        prefix = rng.choice([22, 23, 24, 24, 25, 26])
        cands = [c for r in regions for c in free_in(r, prefix)]
        block = rng.choice(cands[: max(1, len(cands) // 3)])  # bias to low addresses
        used.append(block)
        subnets.append((f"{words[len(subnets)]}", block))
        if rng.random() < 0.45 and len(subnets) < n_top:  # an adjacent sibling: aggregates
            sibling = [c for c in free_in(block.supernet(), prefix) if c != block]
            if sibling:
                used.append(sibling[0])
                subnets.append((f"{words[len(subnets)]}", sibling[0]))
    nested: list[tuple[str, ipaddress.IPv4Network]] = []
    if medium_up:
        roomy = [n for _, n in subnets if n.prefixlen <= 25]
        if len(roomy) < 2:
            return None  # redraw: nothing to nest children in
        parents = rng.sample(roomy, 2)
        for i, parent in enumerate(parents):
            child = rng.choice(list(parent.subnets(new_prefix=parent.prefixlen + 2)))
            nested.append((f"{words[n_top + i]}-{rng.choice(['a', 'b', 'x', 'z'])}", child))
    v6: list[tuple[str, ipaddress.IPv6Network]] = []
    if hard:
        site = ipaddress.ip_network(f"2001:db8:{rng.randrange(0x100, 0xFFFF):x}::/48")
        nets = rng.sample(range(1, 40), 3)
        for i, k in enumerate(nets):
            v6.append(
                (
                    f"{words[n_top + 2 + i]}6",
                    ipaddress.ip_network(f"{site.network_address + (k << 80)}/64"),
                )
            )
    all_subnets = subnets + nested + v6
    order = list(range(len(all_subnets)))
    rng.shuffle(order)
    plan = [all_subnets[i] for i in order]
    return pool, plan


def _draw_hosts(rng: random.Random, drawn: Drawn) -> None:
    """Hosts inside every subnet, inside the pool but in no subnet, and elsewhere."""
    difficulty, hard, pool, plan, taken = (
        drawn.difficulty,
        drawn.hard,
        drawn.pool,
        drawn.plan,
        drawn.taken,
    )
    most_specific = drawn.most_specific
    new_host = partial(_new_host, rng, drawn.seen_names)
    entries = drawn.entries

    def random_inside(net, avoid_edges=True):
        for _ in range(200):
            if net.version == 6:
                addr = net.network_address + rng.randrange(1, 1 << 16)
            else:
                lo, hi = (1, net.num_addresses - 2) if avoid_edges else (0, net.num_addresses - 1)
                addr = net.network_address + rng.randint(lo, hi)
            if (addr.version, int(addr)) in taken:
                continue
            hit = most_specific(addr)
            edges = (hit[2].network_address, hit[2].broadcast_address) if hit else ()
            if hit and hit[2].version == 4 and hit[2].prefixlen <= 30 and addr in edges:
                continue
            return addr
        raise RuntimeError("plan too crowded")

    per_subnet = {Difficulty.EASY: (1, 4), Difficulty.MEDIUM: (2, 6), Difficulty.HARD: (2, 7)}
    lo, hi = per_subnet[difficulty]
    for _name, net in plan:
        for _ in range(rng.randint(lo, hi)):
            addr = random_inside(net)
            taken.add((addr.version, int(addr)))
            entries.append((new_host(), str(addr), addr, "ok"))
    n_outside = {Difficulty.EASY: 4, Difficulty.MEDIUM: 7, Difficulty.HARD: 10}[difficulty]
    for i in range(n_outside):
        if i % 2 == 0:  # inside the pool but in no subnet
            while True:
                addr = pool.network_address + rng.randrange(1, pool.num_addresses - 1)
                if most_specific(addr) is None and (4, int(addr)) not in taken:
                    break
        else:  # elsewhere entirely
            addr = ipaddress.ip_address(f"192.168.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}")
            if (4, int(addr)) in taken:
                continue
        taken.add((4, int(addr)))
        entries.append((new_host(), str(addr), addr, "ok"))
    if hard:
        for _ in range(2):  # an IPv6 host outside every v6 subnet
            addr = ipaddress.ip_address(f"2001:db8:ffff::{rng.randrange(1, 0xFFFF):x}")
            taken.add((6, int(addr)))
            entries.append((new_host(), str(addr), addr, "ok"))
    rng.shuffle(entries)


def _damage(rng: random.Random, drawn: Drawn) -> None:
    """The inventory as hand-kept: bad and repeated addresses, (hard) edges and odd IPv6 forms."""
    medium_up, hard, plan, taken, entries = (
        drawn.medium_up,
        drawn.hard,
        drawn.plan,
        drawn.taken,
        drawn.entries,
    )
    most_specific = drawn.most_specific
    new_host = partial(_new_host, rng, drawn.seen_names)
    damaged = list(entries)
    if medium_up:
        for bad in rng.sample(BAD_ADDRESSES, 3 if hard else 2):
            damaged.insert(rng.randrange(len(damaged) + 1), (new_host(), bad, None, "bad"))
        for _ in range(3 if hard else 2):  # a later line repeats an earlier address
            pos = rng.randrange(len(damaged) // 2)
            host, written, addr, kind = damaged[pos]
            if kind != "ok":
                continue
            damaged.insert(
                rng.randrange(pos + 1, len(damaged) + 1), (new_host(), written, addr, "dup")
            )
    if hard:
        v4_plain = [n for _, n in plan if n.version == 4 and n.prefixlen <= 30]
        for edge in ("network", "broadcast", "network"):
            net = rng.choice(v4_plain)
            addr = net.network_address if edge == "network" else net.broadcast_address
            hit = most_specific(addr)
            if hit[2] != net or (4, int(addr)) in taken:
                continue  # a nested child owns this address: not an edge of its subnet
            taken.add((4, int(addr)))
            damaged.insert(rng.randrange(len(damaged) + 1), (new_host(), str(addr), addr, edge))
        damaged.insert(rng.randrange(len(damaged) + 1), (new_host(), "010.1.2.3", None, "bad"))
        # write some IPv6 addresses non-canonically
        damaged = [
            (h, _ipv6_variant(a, rng), a, k)
            if a is not None and a.version == 6 and rng.random() < 0.6
            else (h, w, a, k)
            for h, w, a, k in damaged
        ]
    drawn.damaged = damaged


def _ground_truth(drawn: Drawn) -> dict[str, list[str]]:
    """Expected lines of the output files other than the hard level's free space and allocations."""
    medium_up, plan, damaged = drawn.medium_up, drawn.plan, drawn.damaged
    most_specific = drawn.most_specific
    assigned, unassigned, invalid = [], [], []
    counts = {name: 0 for name, _ in plan}
    seen_addr: set[tuple[int, int]] = set()
    for lineno, (host, _written, addr, kind) in enumerate(damaged, start=2):
        if kind == "bad":
            invalid.append((lineno, "bad-address"))
            continue
        key = (addr.version, int(addr))
        if key in seen_addr:
            invalid.append((lineno, "duplicate"))
            continue
        if kind in ("network", "broadcast"):
            invalid.append((lineno, f"{kind}-address"))
            continue
        seen_addr.add(key)
        hit = most_specific(addr)
        if hit is None:
            unassigned.append((addr, host))
        else:
            assigned.append((addr, host, hit[1]))
            counts[hit[1]] += 1
    assigned.sort(key=lambda t: _sort_key(t[0]))
    unassigned.sort(key=lambda t: _sort_key(t[0]))
    nets = [n for _, n in plan]
    aggregate = sorted(
        [
            *ipaddress.collapse_addresses([n for n in nets if n.version == 4]),
            *ipaddress.collapse_addresses([n for n in nets if n.version == 6]),
        ],
        key=_net_key,
    )
    expected_files = {
        "assigned.txt": [f"{a} {h} {s}" for a, h, s in assigned],
        "unassigned.txt": [f"{a} {h}" for a, h in unassigned],
        "aggregate.txt": [str(n) for n in aggregate],
    }
    if medium_up:
        expected_files["utilization.csv"] = ["subnet,cidr,assigned,usable,percent"] + [
            f"{name},{net},{counts[name]},{_usable(net)},{_percent(counts[name], _usable(net))}"
            for name, net in plan
        ]
        expected_files["invalid.txt"] = [f"{n} {reason}" for n, reason in invalid]
    return expected_files


def _allocations(rng: random.Random, drawn: Drawn, expected_files: dict[str, list[str]]) -> str:
    """(hard) Draw the allocation requests, add free.txt and allocations.txt; the requests file."""
    hard, pool, plan = drawn.hard, drawn.pool, drawn.plan
    nets = [n for _, n in plan]
    requests_text = ""
    if hard:
        free = [pool]
        for net in nets:
            if net.version == 4:
                free = _subtract(free, net)
        expected_files["free.txt"] = [str(n) for n in free]
        requests = []
        for team in rng.sample(TEAMS, 6):
            need = rng.choice([3, 5, 12, 20, 30, 50, 60, 100, 120, 200, 250, 500, 1000])
            requests.append((team, need))
        requests.append((rng.choice([t for t in TEAMS if t not in dict(requests)]), 70000))
        allocations = []
        for team, need in requests:
            size = 1
            while size < need + 2:
                size *= 2
            prefix = 32 - size.bit_length() + 1
            spot = next((f for f in free if f.prefixlen <= prefix), None)
            if spot is None:
                allocations.append(f"{team} none")
                continue
            block = next(spot.subnets(new_prefix=prefix))
            allocations.append(f"{team} {block}")
            free = _subtract(free, block)
        expected_files["allocations.txt"] = allocations
        requests_text = "# team  hosts-needed\n" + "".join(f"{t} {n}\n" for t, n in requests)
    return requests_text


def _input_texts(rng: random.Random, drawn: Drawn) -> tuple[str, str]:
    """The subnet plan and host inventory files as the agent finds them."""
    medium_up, hard, pool, plan, damaged = (
        drawn.medium_up,
        drawn.hard,
        drawn.pool,
        drawn.plan,
        drawn.damaged,
    )
    sub_lines = [f"# address plan, pool {pool}", "# name cidr"]
    for name, net in plan:
        written = str(net)
        if hard and net.version == 4 and rng.random() < 0.35:
            host_bits = rng.randrange(1, net.num_addresses)
            written = f"{net.network_address + host_bits}/{net.prefixlen}"
        pad = " " * rng.randrange(1, 4) if medium_up else " "
        sub_lines.append(f"{name}{pad}{written}")
        if rng.random() < 0.2:
            sub_lines.append("")
    subnets_text = "\n".join(sub_lines) + "\n"
    host_lines = ["hostname,address"]
    for host, written, _addr, _kind in damaged:
        if medium_up and rng.random() < 0.3:
            host_lines.append(f" {host} , {written} ")
        else:
            host_lines.append(f"{host},{written}")
    hosts_text = "\n".join(host_lines) + "\n"
    return subnets_text, hosts_text


def _instruction(rng: random.Random, drawn: Drawn) -> str:
    """The task text: parsing rules (shuffled) and the output files to write."""
    medium_up, hard, base, out, pool = (
        drawn.medium_up,
        drawn.hard,
        drawn.base,
        drawn.out,
        drawn.pool,
    )
    subnets_name, hosts_name, requests_name = (
        drawn.subnets_name,
        drawn.hosts_name,
        drawn.requests_name,
    )
    subnets_path, hosts_path = drawn.subnets_path, drawn.hosts_path
    rules = [
        "A host belongs to the most specific subnet (longest prefix) whose block contains "
        "its address; hosts inside no subnet are unassigned."
        + (" Subnets may be nested inside other subnets." if medium_up else ""),
        "Order address lists numerically by address"
        + (" (all IPv4 before all IPv6)" if hard else "")
        + ", not as text: `10.0.0.9` comes before `10.0.0.10`.",
        f"In `{subnets_name}`, lines starting with `#` and blank lines are comments; other "
        "lines are `<name> <cidr>` separated by whitespace.",
    ]
    if medium_up:
        rules.append(
            f"`{hosts_name}` is CSV with a header; fields may carry surrounding spaces. A row "
            "whose address does not parse as an IP address is rejected as `bad-address`. A "
            "row repeating the address of an earlier accepted row is rejected as `duplicate`."
        )
    if hard:
        rules += [
            "An address written with a leading zero in an octet (like `010.1.2.3`) does not "
            "parse: it is a `bad-address`.",
            "IPv6 addresses in the inventory may be written in any valid form (exploded, "
            "upper case, ...); compare them as addresses and always print them in canonical "
            "compressed lower-case form. IPv4 addresses print as plain dotted quads.",
            "Some CIDRs in the plan are written with host bits set (like `10.9.8.77/24`); "
            "they mean their network (`10.9.8.0/24`), and must be printed that way.",
            "An IPv4 address equal to the network or broadcast address of the subnet it "
            "would be assigned to (prefix /30 or shorter) is rejected as `network-address` or "
            "`broadcast-address`. Rejected rows never count as earlier accepted rows.",
        ]
    rng.shuffle(rules)
    files_doc = [
        "- `assigned.txt`: one line `<address> <hostname> <subnet-name>` per assigned host, "
        "sorted by address.",
        "- `unassigned.txt`: one line `<address> <hostname>` per accepted host that is in no "
        "subnet, sorted by address.",
        "- `aggregate.txt`: the shortest list of CIDR blocks that covers exactly the union of "
        "all subnets in the plan, one per line, sorted by network address"
        + (" (IPv4 first)" if hard else "")
        + ".",
    ]
    if medium_up:
        files_doc += [
            "- `utilization.csv`: header `subnet,cidr,assigned,usable,percent`, then one row "
            f"per subnet in the order of `{subnets_name}`: its name, its CIDR, the number of "
            "hosts assigned to it (a host counts only in its most specific subnet), its usable "
            "addresses (IPv4 /30 or shorter: size minus 2; otherwise the full size) and "
            "`100 * assigned / usable` rounded half up to exactly one decimal (`0.0`, `12.5`).",
            f"- `invalid.txt`: one line `<line-number> <reason>` per rejected row of "
            f"`{hosts_name}` (the header is line 1), in file order.",
        ]
    if hard:
        files_doc += [
            f"- `free.txt`: the shortest list of CIDR blocks covering exactly the part of "
            f"the pool `{pool}` that no IPv4 subnet of the plan uses, sorted by address.",
            f"- `allocations.txt`: one line `<team> <cidr>` per request in `{requests_name}`, "
            "in file order. Each request asks for a number of hosts; give it the smallest "
            "block whose size is a power of two at least `hosts + 2`, placed at the lowest "
            "address where a block of that size (aligned to its size) lies entirely in free "
            "space of the pool. Allocated blocks stop being free for later requests. If no "
            "such block exists, write `<team> none`.",
        ]
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(subnets=subnets_path, hosts=hosts_path),
            rng.choice(GOALS).format(out=out),
            "",
            "Rules:",
            *[f"- {r}" for r in rules],
            "",
            "Files to write (each line ends with a newline; no extra blank lines):",
            *files_doc,
            "",
            "Use CIDR notation like `192.0.2.0/24` everywhere; print networks as their network "
            f"address. Do not modify anything else in `{base}`.",
        ]
    )
    return instruction


@register
class SubnetInventory(TemplateFamily):
    name = "subnet-inventory"
    result_paths = ("/app", "/srv/addressing", "/opt/inventory")  # the folder is drawn per seed
    domain = Domain.NETWORKING
    description = (
        "Reconcile a host inventory with a subnet plan: longest-prefix assignment, "
        "utilisation, CIDR aggregation and free-space allocation."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        if drawn is None:
            return self.generate(rng, difficulty)
        expected_files = _ground_truth(drawn)
        requests_text = _allocations(rng, drawn, expected_files)
        subnets_text, hosts_text = _input_texts(rng, drawn)
        instruction = _instruction(rng, drawn)
        hard, base, out, pool = drawn.hard, drawn.base, drawn.out, drawn.pool
        subnets_name, hosts_name, requests_name = (
            drawn.subnets_name,
            drawn.hosts_name,
            drawn.requests_name,
        )
        subnets_path, hosts_path, requests_path = (
            drawn.subnets_path,
            drawn.hosts_path,
            drawn.requests_path,
        )
        inputs = {subnets_path: subnets_text, hosts_path: hosts_text}
        files = {subnets_name: subnets_text, hosts_name: hosts_text}
        dockerfile = f"COPY {subnets_name} {subnets_path}\nCOPY {hosts_name} {hosts_path}\n"
        if hard:
            inputs[requests_path] = requests_text
            files[requests_name] = requests_text
            dockerfile += f"COPY {requests_name} {requests_path}\n"
        expected = {
            "out": out,
            "files": {name: lines for name, lines in sorted(expected_files.items())},
            "inputs": inputs,
        }
        solution = (
            self.asset("solve.sh")
            .replace("@BASE@", base)
            .replace("@SUBNETS@", subnets_path)
            .replace("@HOSTS@", hosts_path)
            .replace("@REQUESTS@", requests_path if hard else "")
            .replace("@POOL@", str(pool) if hard else "")
            .replace("@OUT@", out)
            .replace("@LEVEL@", difficulty.value)
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["ipv4", "cidr", "ipam"] + (["ipv6", "allocation"] if hard else []),
        )
