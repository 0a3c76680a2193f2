#!/bin/bash
# Reference solution: read the key = value spec, integrate with classic RK4 at a step far
# below the model's time scales, and tabulate the state at the requested times.
set -euo pipefail
spec=@SPEC@
out=@CSV@
ls -l "$(dirname "$spec")"
cat "$spec"
model=$(grep -E '^model *=' "$spec" | cut -d= -f2 | tr -d ' ')
echo "model: $model"
grep -E '^report_times' "$spec" | cut -d= -f2 | tr ' ' '\n' | sed '/^$/d' > /tmp/times.txt
echo "$(wc -l < /tmp/times.txt) output times"
mkdir -p "$(dirname "$out")"
cat > /tmp/ivp.py <<'PY'
import sys

spec, out = sys.argv[1], sys.argv[2]
p = {}
for line in open(spec):
    line = line.split("#", 1)[0].strip()
    if "=" in line:
        key, value = (s.strip() for s in line.split("=", 1))
        p[key] = value
model = p.pop("model")
times = [float(t) for t in p.pop("report_times").split()]
q = {k: float(v) for k, v in p.items()}
import math

if model == "logistic":
    names, y0 = ["N"], [q["N0"]]
    f = lambda t, y: [q["r"] * y[0] * (1 - y[0] / q["K"])]
elif model == "logistic_harvest":
    names, y0 = ["N"], [q["N0"]]
    f = lambda t, y: [q["r"] * y[0] * (1 - y[0] / q["K"]) - q["H"]]
elif model == "periodic_cooling":
    names, y0 = ["T"], [q["T0"]]
    f = lambda t, y: [-q["k"] * (y[0] - q["A"] - q["B"] * math.sin(q["w"] * t))]
elif model == "damped_oscillator":
    names, y0 = ["x", "v"], [q["x0"], q["v0"]]
    f = lambda t, y: [y[1], -(q["c"] * y[1] + q["k"] * y[0]) / q["m"]]
else:
    sys.exit(f"unknown model {model}")


def rk4(t, y, t_end, h=5e-4):
    n = max(1, math.ceil((t_end - t) / h))
    h = (t_end - t) / n
    for _ in range(n):
        k1 = f(t, y)
        k2 = f(t + h / 2, [a + h / 2 * b for a, b in zip(y, k1)])
        k3 = f(t + h / 2, [a + h / 2 * b for a, b in zip(y, k2)])
        k4 = f(t + h, [a + h * b for a, b in zip(y, k3)])
        y = [a + h / 6 * (b + 2 * c + 2 * d + e) for a, b, c, d, e in zip(y, k1, k2, k3, k4)]
        t += h
    return y


state, t, y = {}, 0.0, y0
for target in sorted(set(times)):
    y = rk4(t, y, target)
    t = target
    state[target] = y
with open(out, "w") as fh:
    fh.write(",".join(["t", *names]) + "\n")
    for target in times:
        fh.write(",".join(f"{v:.15g}" for v in [target, *state[target]]) + "\n")
PY
python3 /tmp/ivp.py "$spec" "$out"
head -n 4 "$out"
# one data row per requested time
rows=$(tail -n +2 "$out" | wc -l)
test "$rows" -eq "$(wc -l < /tmp/times.txt)"
cut -d, -f1 "$out" | tail -n +2 | diff - /tmp/times.txt > /dev/null || echo "note: times printed differently"
