#!/bin/bash
# Reference solution: inspect the file, keep the valid rows, and solve the weighted linear
# least-squares problem (rows scaled by 1/sigma) with numpy; errors from (A^T W A)^-1.
set -euo pipefail
data=@DATA@
out=@OUT@
ls -l "$data"
cksum "$data" > /tmp/input.cksum
head -n 8 "$data"
wc -l "$data"
echo "comment/blank lines: $(grep -cE '^(#|$)' "$data")"
echo "missing values: $(grep -ciE ',(na|nan)?,' "$data")"
# rows whose sigma column is not strictly positive
awk -F, '!/^#/ && NF == 3 && $3 + 0 <= 0 && $3 != "sigma" {print; if (++k == 5) exit}' "$data"
# smallest uncertainties first: zero or negative ones must be dropped
grep -v '^#' "$data" | tail -n +2 | cut -d, -f3 | sort -g | uniq | head -n 4
mkdir -p "$(dirname "$out")"
cat > /tmp/wfit.py <<'PY'
import csv, json, math, sys
import numpy as np

data, out, model, fixed = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
lines = [ln for ln in open(data) if ln.strip() and not ln.startswith("#")]
x, y, s = [], [], []
for row in csv.DictReader(lines):
    xv, yv, sv = (row[k].strip() for k in row)
    try:
        yf, sf = float(yv), float(sv)
    except ValueError:
        continue
    if not math.isfinite(yf) or sf <= 0:
        continue
    x.append(float(xv)), y.append(yf), s.append(sf)
x, y, s = map(np.array, (x, y, s))
if model == "seasonal":
    w = 2 * np.pi / fixed
    names, A = "abcd", np.column_stack([np.ones_like(x), x, np.sin(w * x), np.cos(w * x)])
elif model == "exp_baseline":
    names, A = "abc", np.column_stack([np.ones_like(x), x, np.exp(-x / fixed)])
else:
    names, A = "abc", np.column_stack([np.ones_like(x), np.log(x), 1 / x])
Aw, yw = A / s[:, None], y / s
theta, *_ = np.linalg.lstsq(Aw, yw, rcond=None)
cov = np.linalg.inv(Aw.T @ Aw)
chi2 = float(((yw - Aw @ theta) ** 2).sum())
dof = len(y) - len(names)
result = {
    "params": dict(zip(names, theta.tolist())),
    "errors": dict(zip(names, np.sqrt(np.diag(cov)).tolist())),
    "chi2": chi2,
    "dof": dof,
    "reduced_chi2": chi2 / dof,
    "n_used": len(y),
}
json.dump(result, open(out, "w"), indent=2)
PY
python3 /tmp/wfit.py "$data" "$out" @MODEL@ @FIXED@
tee /tmp/fit.log < "$out"
cksum "$data" | cmp - /tmp/input.cksum && echo "input unchanged"
