#!/bin/bash
# Reference solution: look at the data, then solve the polynomial least-squares problem with
# numpy's SVD-based lstsq on the Vandermonde matrix and compute the residual statistics.
set -euo pipefail
data=@DATA@
out=@OUT@
ls -l "$(dirname "$data")"
sha256sum "$data" > /tmp/input.sha256
head -n 6 "$data"
echo "comment lines: $(grep -c '^#' "$data")"
# quick look at the ranges (skip comments and the header)
grep -v '^#' "$data" | tail -n +2 | awk -F, '
    NR == 1 {xmin = xmax = $1; ymin = ymax = $2}
    {n++; if ($1 < xmin) xmin = $1; if ($1 > xmax) xmax = $1; if ($2 < ymin) ymin = $2; if ($2 > ymax) ymax = $2}
    END {printf "n=%d  x in [%g, %g]  y in [%g, %g]\n", n, xmin, xmax, ymin, ymax}'
mkdir -p "$(dirname "$out")"
cat > /tmp/polyfit.py <<'PY'
import json, sys
import numpy as np

data, out, degree = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [ln for ln in open(data) if ln.strip() and not ln.startswith("#")][1:]
xy = np.array([[float(v) for v in ln.split(",")] for ln in rows])
x, y = xy[:, 0], xy[:, 1]
A = np.vander(x, degree + 1, increasing=True)
coef, *_ = np.linalg.lstsq(A, y, rcond=None)
resid = y - A @ coef
ss_res = float(resid @ resid)
ss_tot = float(((y - y.mean()) ** 2).sum())
result = {
    "coefficients": coef.tolist(),
    "rmse": (ss_res / len(y)) ** 0.5,
    "r_squared": 1 - ss_res / ss_tot,
}
json.dump(result, open(out, "w"), indent=2)
print(f"fitted {len(y)} points")
PY
python3 /tmp/polyfit.py "$data" "$out" @DEGREE@ | tee /tmp/fit.log
cat "$out"
# the input must be untouched
sha256sum -c /tmp/input.sha256
