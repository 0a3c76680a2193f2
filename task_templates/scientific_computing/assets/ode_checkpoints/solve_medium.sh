#!/bin/bash
# Reference solution: read the INI spec (equations live in its `;` comments), build the output
# time list, integrate with RK4 at a small step, then locate the event by re-integrating
# inside the step that contains it (bisection for crossings, golden section for a peak).
set -euo pipefail
spec=@SPEC@
csv=@CSV@
summary=@JSON@
ls -la "$(dirname "$spec")"
cat "$spec"
grep -n '^\[' "$spec"
grep -E '^; *d[A-Za-z]+/dt' "$spec" | sed 's/^; *//'
awk -F' = ' '/^\[event\]/{on=1; next} /^\[/{on=0} on && NF==2 {print "event", $1, "->", $2}' "$spec"
mkdir -p "$(dirname "$csv")" "$(dirname "$summary")"
cat > /tmp/ivp_medium.py <<'PY'
import configparser, json, math, re, sys

spec, csv_path, json_path = sys.argv[1:4]
raw = open(spec).read()
cfg = configparser.ConfigParser()
cfg.optionxform = str  # keep parameter and variable names case-sensitive
cfg.read_string(raw)
params = {k: float(v) for k, v in cfg["parameters"].items()}
names = list(cfg["initial"])
y0 = [float(cfg["initial"][n]) for n in names]
rhs = {}
for m in re.finditer(r"^;\s*d(\w+)/dt\s*=\s*(.+)$", raw, re.M):
    rhs[m.group(1)] = compile(m.group(2).replace("^", "**"), m.group(1), "eval")
code = [rhs[n] for n in names]


def f(t, y):
    env = dict(params, t=t, **dict(zip(names, y)))
    return [eval(c, {"__builtins__": {}}, env) for c in code]


def step(t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, [a + h / 2 * b for a, b in zip(y, k1)])
    k3 = f(t + h / 2, [a + h / 2 * b for a, b in zip(y, k2)])
    k4 = f(t + h, [a + h * b for a, b in zip(y, k3)])
    return [a + h / 6 * (b + 2 * c + 2 * d + e) for a, b, c, d, e in zip(y, k1, k2, k3, k4)]


def advance(t, y, t_end, n):
    h = (t_end - t) / n
    for _ in range(n):
        y = step(t, y, h)
        t += h
    return y


start, stop, inc = (float(v) for v in cfg["output"]["grid"].split(":"))
times = {start + i * inc for i in range(int(round((stop - start) / inc)) + 1)}
times |= {float(v) for v in cfg["output"]["extra"].split(",")}
times = sorted(times)

ev = cfg["event"]
var = names.index(ev["variable"])
kind = ev["kind"]
level = float(ev.get("level", "nan"))
sign = 1 if ev.get("direction", "up") == "up" else -1

H = 0.0025
table, t, y = {times[0]: y0}, times[0], y0
best = (y0[var], 0.0, y0, 0.0)  # peak: value, step start, state at step start, step length
crossing = None
for target in times[1:]:
    n = max(1, math.ceil((target - t) / H))
    h = (target - t) / n
    for _ in range(n):
        y_new = step(t, y, h)
        if kind == "peak" and y_new[var] > best[0]:
            best = (y_new[var], t, y, h)
        if kind == "crossing" and crossing is None and t + h > 0:
            if sign * (y[var] - level) < 0 <= sign * (y_new[var] - level):
                crossing = (t, y, h)
        t, y = t + h, y_new
    t = target
    table[target] = y

if kind == "peak":
    _, t0, ya, h = best
    # the best grid point is t0 + h; the maximum lies between its two neighbours
    lo, hi = t0, t0 + h + H
    g = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        m1, m2 = hi - g * (hi - lo), lo + g * (hi - lo)
        if advance(t0, ya, m1, 20)[var] > advance(t0, ya, m2, 20)[var]:
            hi = m2
        else:
            lo = m1
    t_ev = (lo + hi) / 2
    state = advance(t0, ya, t_ev, 20)
else:
    t0, ya, h = crossing
    lo, hi = t0, t0 + h
    for _ in range(60):
        mid = (lo + hi) / 2
        if sign * (advance(t0, ya, mid, 20)[var] - level) < 0:
            lo = mid
        else:
            hi = mid
    t_ev = (lo + hi) / 2
    state = advance(t0, ya, t_ev, 20)

with open(csv_path, "w") as fh:
    fh.write(",".join(["t", *names]) + "\n")
    for tt in times:
        fh.write(",".join(f"{v:.15g}" for v in [tt, *table[tt]]) + "\n")
with open(json_path, "w") as fh:
    json.dump({"event_time": t_ev, "event_state": dict(zip(names, state))}, fh, indent=2)
PY
cksum "$spec" > /tmp/spec.cksum
python3 /tmp/ivp_medium.py "$spec" "$csv" "$summary"
head -n 3 "$csv"
tail -n 2 "$csv"
wc -l "$csv"
cut -d, -f1 "$csv" | tail -n +2 | sort -g -c && echo "times ascending"
cat "$summary"
cksum "$spec" | cmp -s - /tmp/spec.cksum && printf '%s unchanged\n' "$spec"
