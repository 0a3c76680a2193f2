#!/bin/bash
# Reference solution: survey the run files (headers, flags, saturated readings), then for each
# run keep the usable rows, build a data-driven starting guess and run a weighted
# Levenberg-Marquardt fit with the analytic Jacobian; errors from (J^T W J)^-1.
set -euo pipefail
dir=@DIR@
out=@OUT@
ls -l "$dir"
find "$dir" -name 'run_*.dat' -print0 | xargs -0 sha256sum > /tmp/inputs.sha256
for f in "$dir"/run_*.dat; do
    echo "== $(basename "$f" .dat)"
    grep '^#' "$f"
    sat=$(grep '^# saturation:' "$f" | awk '{print $3}')
    # flag census and how many ok readings sit at the saturation level
    grep -v '^#' "$f" | awk '{print $4}' | sort | uniq -c
    grep -v '^#' "$f" | awk -v s="$sat" '$4 == "ok" && $2 + 0 >= s + 0' | wc -l
done
mkdir -p "$(dirname "$out")"
cat > /tmp/nlfit.py <<'PY'
import glob, json, os, sys
import numpy as np

directory, out, model = sys.argv[1:4]


def f_and_jac(p, t):
    if model == "decay":
        A, tau, C = p
        e = np.exp(-t / tau)
        return A * e + C, np.column_stack([e, A * e * t / tau**2, np.ones_like(t)])
    if model == "gaussian":
        A, mu, s, B0, B1 = p
        e = np.exp(-((t - mu) ** 2) / (2 * s * s))
        J = [e, A * e * (t - mu) / s**2, A * e * (t - mu) ** 2 / s**3, np.ones_like(t), t]
        return A * e + B0 + B1 * t, np.column_stack(J)
    if model == "logistic":
        K, r, t0 = p
        e = np.exp(-r * (t - t0))
        d = 1 + e
        return K / d, np.column_stack([1 / d, K * e * (t - t0) / d**2, -K * e * r / d**2])
    A, x0, g, C = p
    u = (t - x0) / g
    d = 1 + u * u
    J = [1 / d, 2 * A * u / (g * d * d), 2 * A * u * u / (g * d * d), np.ones_like(t)]
    return A / d + C, np.column_stack(J)


def first_guess(t, y):
    if model == "decay":
        C = np.mean(y[t >= t.min() + 0.85 * (t.max() - t.min())])
        keep = y - C > 0.1 * (y - C).max()
        slope, icpt = np.polyfit(t[keep], np.log(y[keep] - C), 1)
        return [np.exp(icpt), -1 / slope, C]
    if model == "logistic":
        K = y.max() * 1.02
        keep = (y > 0.1 * K) & (y < 0.9 * K)
        r, c = np.polyfit(t[keep], np.log(y[keep] / (K - y[keep])), 1)
        return [K, r, -c / r]
    edge = (t < np.quantile(t, 0.15)) | (t > np.quantile(t, 0.85))
    b1, b0 = np.polyfit(t[edge], y[edge], 1)
    rest = y - (b0 + b1 * t)
    i = int(np.argmax(rest))
    half = t[rest > rest[i] / 2]
    width = max(half.max() - half.min(), 1e-3)
    if model == "gaussian":
        return [rest[i], t[i], width / 2.355, b0, b1]
    return [rest[i], t[i], width / 2, float(np.median(y[edge]))]


def lm(p, t, y, s):
    p = np.array(p, float)
    lam = 1e-3
    f, J = f_and_jac(p, t)
    chi2 = float((((y - f) / s) ** 2).sum())
    for _ in range(1000):
        Jw, rw = J / s[:, None], (y - f) / s
        H, g = Jw.T @ Jw, Jw.T @ rw
        step = np.linalg.solve(H + lam * np.diag(np.diag(H)), g)
        trial = p + step
        ft, Jt = f_and_jac(trial, t)
        ct = float((((y - ft) / s) ** 2).sum())
        if ct <= chi2:
            p, f, J, chi2, lam = trial, ft, Jt, ct, max(lam / 10, 1e-12)
            if np.all(np.abs(step) <= 1e-13 * np.abs(p)):
                break
        else:
            lam *= 10
            if lam > 1e6:
                break
    Jw = J / s[:, None]
    return p, chi2, np.sqrt(np.diag(np.linalg.inv(Jw.T @ Jw))), (y - f) / s


names = {"decay": ["A", "tau", "C"], "gaussian": ["A", "mu", "s", "B0", "B1"],
         "logistic": ["K", "r", "t0"], "lorentzian": ["A", "x0", "gamma", "C"]}[model]
report = {}
for path in sorted(glob.glob(os.path.join(directory, "run_*.dat"))):
    label = os.path.basename(path)[len("run_"):-len(".dat")]
    header, rows = {}, []
    for line in open(path):
        if line.startswith("#"):
            if ":" in line:
                key, value = line[1:].split(":", 1)
                header[key.strip()] = value.strip()
            continue
        if line.strip():
            rows.append(line.split())
    sat, default = float(header["saturation"]), float(header["default_sigma"])
    t, y, s = [], [], []
    for tt, yy, ss, flag in rows:
        if flag != "ok" or float(yy) >= sat:
            continue
        t.append(float(tt)), y.append(float(yy)), s.append(default if ss == "-" else float(ss))
    t, y, s = map(np.array, (t, y, s))
    p, chi2, err, resid = lm(first_guess(t, y), t, y, s)
    if model in ("gaussian", "lorentzian"):
        p[2] = abs(p[2])
    report[label] = {
        "params": dict(zip(names, p.tolist())),
        "errors": dict(zip(names, err.tolist())),
        "chi2_dof": chi2 / (len(t) - len(p)),
        "n_used": int(len(t)),
        "n_outliers": int((np.abs(resid) > 3).sum()),
    }
    print(label, report[label]["params"], f"chi2/dof={report[label]['chi2_dof']:.3f}")
json.dump(report, open(out, "w"), indent=2)
PY
python3 /tmp/nlfit.py "$dir" "$out" @MODEL@ | tee /tmp/fit.log
head -c 600 "$out"
sha256sum --quiet -c /tmp/inputs.sha256 && echo "inputs unchanged"
