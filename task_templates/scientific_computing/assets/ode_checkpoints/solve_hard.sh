#!/bin/bash
# Reference solution: parse the mechanism, build the mass-action right-hand side and its
# Jacobian, and integrate with an implicit 2-stage Radau IIA method (order 3, L-stable) on a
# geometric time grid, which handles the stiffness; then locate the half-time and the peaks
# by re-integrating inside the grid interval that contains them.
set -euo pipefail
net=@SPEC@
csv=@CSV@
summary=@JSON@
ls -l "$(dirname "$net")"
cat "$net"
echo "species: $(grep -c '^species' "$net"), reactions: $(grep -cE '^R[0-9]+:' "$net")"
# the spread of the rate constants shows how stiff the system is
grep -oE 'k *= *[0-9.eE+-]+' "$net" | tr -d 'k= ' | sort -g | sed -n '1p;$p'
mkdir -p "$(dirname "$csv")"
cat > /tmp/kinetics.py <<'PY'
import json, math, re, sys
import numpy as np

net_path, csv_path, json_path, reactant = sys.argv[1:5]
peak_species = sys.argv[5:]
names, y0, reactions, times = [], [], [], []
for line in open(net_path):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    if line.startswith("species"):
        _, name, value = line.split()
        names.append(name)
        y0.append(float(value))
    elif line.startswith("report"):
        times = [float(v) for v in line.split()[1:]]
    elif re.match(r"R\d+:", line):
        body, rate = line.split(":", 1)[1].split(";")
        k = float(rate.split("=")[1])
        sides = []
        for side in body.split("->"):
            coef = {}
            for term in side.split("+"):
                parts = term.split()
                c, s = (int(parts[0]), parts[1]) if len(parts) == 2 else (1, parts[0])
                coef[names.index(s)] = coef.get(names.index(s), 0) + c
            sides.append(coef)
        reactions.append((sides[0], sides[1], k))
n = len(names)
nu = np.zeros((n, len(reactions)))
for r, (reac, prod, _) in enumerate(reactions):
    for i, c in reac.items():
        nu[i, r] -= c
    for i, c in prod.items():
        nu[i, r] += c


def rates(y):
    return np.array([k * math.prod(y[i] ** c for i, c in reac.items()) for reac, _, k in reactions])


def f(y):
    return nu @ rates(y)


def jac(y):
    dr = np.zeros((len(reactions), n))
    for r, (reac, _, k) in enumerate(reactions):
        for j, cj in reac.items():
            dr[r, j] = k * cj * y[j] ** (cj - 1) * math.prod(
                y[i] ** c for i, c in reac.items() if i != j
            )
    return nu @ dr


A = np.array([[5 / 12, -1 / 12], [3 / 4, 1 / 4]])


def radau3(y, h):
    """One step of the 2-stage Radau IIA method, simplified Newton on the stage increments."""
    M = np.eye(2 * n) - h * np.kron(A, jac(y))
    Z = np.zeros(2 * n)
    for _ in range(50):
        F = np.concatenate([f(y + Z[:n]), f(y + Z[n:])])
        dZ = np.linalg.solve(M, -Z + h * np.kron(A, np.eye(n)) @ F)
        Z += dZ
        if np.max(np.abs(dZ)) < 1e-14 * max(1.0, np.max(np.abs(y))):
            return y + Z[n:]
    return radau3(radau3(y, h / 2), h / 2)


def advance(y, t0, t1, steps=1):
    h = (t1 - t0) / steps
    for _ in range(steps):
        y = radau3(y, h)
    return y


t_end = max(times)
grid = {0.0, *times}
t = 1e-12
while t < t_end:
    grid.add(t)
    t *= 10 ** (1 / 400)
grid = sorted(g for g in grid if g <= t_end)
path = [np.array(y0)]
for t0, t1 in zip(grid, grid[1:]):
    path.append(advance(path[-1], t0, t1))
at = dict(zip(grid, path))

with open(csv_path, "w") as fh:
    fh.write(",".join(["t", *names]) + "\n")
    for tt in times:
        fh.write(",".join(f"{v:.12g}" for v in [tt, *at[tt]]) + "\n")

ir = names.index(reactant)
half = y0[ir] / 2
j = next(i for i in range(len(grid) - 1) if path[i + 1][ir] <= half)
lo, hi = grid[j], grid[j + 1]
for _ in range(50):
    mid = (lo + hi) / 2
    if advance(path[j], grid[j], mid, 4)[ir] > half:
        lo = mid
    else:
        hi = mid
result = {"half_time": (lo + hi) / 2, "peaks": {}}
g = (math.sqrt(5) - 1) / 2
for s in peak_species:
    k = names.index(s)
    i = max(range(1, len(path) - 1), key=lambda q: path[q][k])
    lo, hi = grid[i - 1], grid[i + 1]
    for _ in range(50):
        m1, m2 = hi - g * (hi - lo), lo + g * (hi - lo)
        if advance(path[i - 1], grid[i - 1], m1, 4)[k] > advance(path[i - 1], grid[i - 1], m2, 4)[k]:
            hi = m2
        else:
            lo = m1
    tp = (lo + hi) / 2
    result["peaks"][s] = {"time": tp, "value": float(advance(path[i - 1], grid[i - 1], tp, 4)[k])}
with open(json_path, "w") as fh:
    json.dump(result, fh, indent=2)
PY
time python3 /tmp/kinetics.py "$net" "$csv" "$summary" @REACTANT@ @PEAKS@ 2>&1 | tee /tmp/kinetics.log
column_count=$(head -n 1 "$csv" | tr ',' '\n' | wc -l)
echo "columns: $column_count"
tail -n 3 "$csv"
cat "$summary"
