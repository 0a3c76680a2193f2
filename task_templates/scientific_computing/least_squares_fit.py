"""Fit a model to noisy measurements by least squares and report parameters and statistics.

The generator draws the true parameters, simulates noisy data, prints it (with the damage a
real export has: comment lines, missing values, invalid uncertainties, flagged and saturated
readings) and then computes the least-squares optimum *of the printed data* under the stated
rules — exactly, with rational arithmetic, for the linear models of easy and medium, and by
Levenberg-Marquardt iterated to convergence from the true parameters for the nonlinear models
of hard. Tolerances are tight relative to each parameter's standard error, so applying a rule
wrongly (keeping a saturated reading, ignoring the weights) moves the answer out of range.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

DATA_DIRS = ["/app/data", "/app/lab", "/app/measurements", "/app/input"]
OUT_DIRS = ["/app/fit", "/app/results", "/app/out", "/app/analysis"]
OUT_NAMES = ["fit.json", "parameters.json", "fit_report.json", "result.json"]
EASY_COLUMNS = [
    ("x", "y"),
    ("time_s", "signal"),
    ("temp_c", "resistance_ohm"),
    ("load_kn", "extension_mm"),
    ("dose_mg", "response"),
    ("depth_m", "pressure_kpa"),
]
OPENINGS = [
    "Measurements from the lab are in `{data}`.",
    "A colleague exported a data set to `{data}` and wants a model fitted to it.",
    "`{data}` holds the readings from last week's experiment.",
    "The instrument dumped its readings into `{data}`.",
    "We need a calibration fit of the data in `{data}`.",
]
GOALS = [
    "Fit the model below by least squares and write the results to `{out}`.",
    "Determine the best-fit parameters by least squares and save them in `{out}`.",
    "Perform a least-squares fit and report the parameters in `{out}`.",
]


def _solve_fraction(M: list[list[Fraction]], v: list[Fraction]) -> list[Fraction]:
    """Exact Gauss-Jordan solve of a small system."""
    n = len(v)
    a = [row[:] + [v[i]] for i, row in enumerate(M)]
    for c in range(n):
        piv = next(r for r in range(c, n) if a[r][c] != 0)
        a[c], a[piv] = a[piv], a[c]
        inv = 1 / a[c][c]
        a[c] = [x * inv for x in a[c]]
        for r in range(n):
            if r != c and a[r][c] != 0:
                f = a[r][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c], strict=True)]
    return [a[r][n] for r in range(n)]


def _inverse_fraction(M):
    n = len(M)
    cols = [_solve_fraction(M, [Fraction(int(i == j)) for i in range(n)]) for j in range(n)]
    return [[cols[j][i] for j in range(n)] for i in range(n)]


def _linear_lsq(rows, weights):
    """Exact weighted least squares: rows are basis values, weights 1/sigma^2 (Fractions)."""
    p = len(rows[0][0])
    AtA = [[Fraction(0)] * p for _ in range(p)]
    Atb = [Fraction(0)] * p
    for (basis, y), w in zip(rows, weights, strict=True):
        for i in range(p):
            wi = w * basis[i]
            Atb[i] += wi * y
            for j in range(i, p):
                AtA[i][j] += wi * basis[j]
    for i in range(p):
        for j in range(i):
            AtA[i][j] = AtA[j][i]
    theta = _solve_fraction(AtA, Atb)
    chi2 = Fraction(0)
    for (basis, y), w in zip(rows, weights, strict=True):
        r = y - sum(b * t for b, t in zip(basis, theta, strict=True))
        chi2 += w * r * r
    return theta, chi2, _inverse_fraction(AtA)


def _poly_text(degree: int) -> str:
    terms = ["c0", "c1*x"] + [f"c{k}*x^{k}" for k in range(2, degree + 1)]
    return " + ".join(terms[: degree + 1])


# ------------------------------------------------------------------ medium: linear models
def _m_seasonal(rng):
    period = rng.choice([7.0, 12.0, 24.0, 365.25 / 12, 52.0])
    x = sorted(round(rng.uniform(0, rng.uniform(3, 6) * period), 2) for _ in range(200))
    true = [rng.uniform(5, 50), rng.uniform(-0.5, 0.5), rng.uniform(2, 10), rng.uniform(-8, 8)]
    w = 2 * math.pi / period

    def basis(t):
        return [1.0, t, math.sin(w * t), math.cos(w * t)]

    text = f"y = a + b*t + c*sin(2*pi*t/P) + d*cos(2*pi*t/P), with the period P = {period:g}"
    return "seasonal", period, ["a", "b", "c", "d"], basis, true, x, text, "t"


def _m_exp_baseline(rng):
    tau = round(rng.uniform(0.5, 3.0), 2)
    x = sorted(round(rng.uniform(0, 8 * tau), 3) for _ in range(160))
    true = [rng.uniform(1, 20), rng.uniform(-1, 1), rng.uniform(10, 60)]

    def basis(t):
        return [1.0, t, math.exp(-t / tau)]

    text = f"y = a + b*t + c*exp(-t/tau), with the fixed time constant tau = {tau:g}"
    return "exp_baseline", tau, ["a", "b", "c"], basis, true, x, text, "t"


def _m_log_inverse(rng):
    x = sorted(round(rng.uniform(0.5, 30.0), 3) for _ in range(150))
    true = [rng.uniform(-5, 5), rng.uniform(1, 8), rng.uniform(2, 20)]

    def basis(t):
        return [1.0, math.log(t), 1.0 / t]

    return "log_inverse", 0.0, ["a", "b", "c"], basis, true, x, "y = a + b*ln(x) + c/x", "x"


MEDIUM_MODELS = [_m_seasonal, _m_exp_baseline, _m_log_inverse]


# -------------------------------------------------------------------- hard: nonlinear models
class Model:
    """A nonlinear model: value and gradient in its parameters."""

    def __init__(self, key, names, text, f, grad):
        self.key, self.names, self.text, self.f, self.grad = key, names, text, f, grad


def _decay_f(x, p):
    return p[0] * math.exp(-x / p[1]) + p[2]


def _decay_g(x, p):
    e = math.exp(-x / p[1])
    return [e, p[0] * e * x / (p[1] * p[1]), 1.0]


def _gauss_f(x, p):
    return p[0] * math.exp(-((x - p[1]) ** 2) / (2 * p[2] ** 2)) + p[3] + p[4] * x


def _gauss_g(x, p):
    e = math.exp(-((x - p[1]) ** 2) / (2 * p[2] ** 2))
    return [e, p[0] * e * (x - p[1]) / p[2] ** 2, p[0] * e * (x - p[1]) ** 2 / p[2] ** 3, 1.0, x]


def _logistic_f(x, p):
    return p[0] / (1 + math.exp(-p[1] * (x - p[2])))


def _logistic_g(x, p):
    e = math.exp(-p[1] * (x - p[2]))
    d = 1 + e
    return [1 / d, p[0] * e * (x - p[2]) / d**2, -p[0] * e * p[1] / d**2]


def _lorentz_f(x, p):
    u = (x - p[1]) / p[2]
    return p[0] / (1 + u * u) + p[3]


def _lorentz_g(x, p):
    u = (x - p[1]) / p[2]
    d = 1 + u * u
    return [1 / d, 2 * p[0] * u / (p[2] * d * d), 2 * p[0] * u * u / (p[2] * d * d), 1.0]


MODELS = {
    "decay": Model(
        "decay", ["A", "tau", "C"], "y = A*exp(-t/tau) + C  (tau > 0)", _decay_f, _decay_g
    ),
    "gaussian": Model(
        "gaussian",
        ["A", "mu", "s", "B0", "B1"],
        "y = A*exp(-(t - mu)^2/(2*s^2)) + B0 + B1*t  (s > 0)",
        _gauss_f,
        _gauss_g,
    ),
    "logistic": Model(
        "logistic", ["K", "r", "t0"], "y = K/(1 + exp(-r*(t - t0)))", _logistic_f, _logistic_g
    ),
    "lorentzian": Model(
        "lorentzian",
        ["A", "x0", "gamma", "C"],
        "y = A/(1 + ((t - x0)/gamma)^2) + C  (gamma > 0)",
        _lorentz_f,
        _lorentz_g,
    ),
}


def _solve_float(M, v):
    n = len(v)
    a = [row[:] + [v[i]] for i, row in enumerate(M)]
    for c in range(n):
        piv = max(range(c, n), key=lambda r: abs(a[r][c]))
        a[c], a[piv] = a[piv], a[c]
        for r in range(c + 1, n):
            f = a[r][c] / a[c][c]
            for k in range(c, n + 1):
                a[r][k] -= f * a[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][k] * x[k] for k in range(r + 1, n))) / a[r][r]
    return x


def _normal(model, p, pts):
    n = len(p)
    JtJ = [[0.0] * n for _ in range(n)]
    Jtr = [0.0] * n
    chi2 = 0.0
    for x, y, s in pts:
        g = model.grad(x, p)
        r = (y - model.f(x, p)) / s
        chi2 += r * r
        for i in range(n):
            gi = g[i] / s
            Jtr[i] += gi * r
            for j in range(n):
                JtJ[i][j] += gi * g[j] / s
    return JtJ, Jtr, chi2


def _levenberg_marquardt(model, p0, pts):
    """Weighted nonlinear least squares, iterated to the float limit from p0."""
    p, lam = list(p0), 1e-3
    JtJ, Jtr, chi2 = _normal(model, p, pts)
    for _ in range(500):
        M = [[JtJ[i][j] * (1 + lam * (i == j)) for j in range(len(p))] for i in range(len(p))]
        step = _solve_float(M, Jtr)
        trial = [a + b for a, b in zip(p, step, strict=True)]
        tJ, tr, tchi = _normal(model, trial, pts)
        if tchi <= chi2:
            small = all(abs(d) <= 1e-13 * abs(v) for d, v in zip(step, p, strict=True))
            p, JtJ, Jtr, chi2, lam = trial, tJ, tr, tchi, max(lam / 10, 1e-12)
            if small:
                break
        else:
            lam *= 10
            if lam > 1e6:
                break  # no downhill step left: the float limit of the optimum
    cov = [_solve_float(JtJ, [float(i == j) for i in range(len(p))]) for j in range(len(p))]
    errors = [math.sqrt(cov[i][i]) for i in range(len(p))]
    return p, chi2, errors


def _draw_run(rng, model):
    """True parameters, sample positions and a saturation level for one run."""
    n = rng.randint(70, 120)
    if model.key == "decay":
        A, tau, C = rng.uniform(800, 3000), rng.uniform(0.5, 20), rng.uniform(50, 300)
        xs = [round(i * 6 * tau / (n - 1), 4) for i in range(n)]
        sat = round(C + A * rng.uniform(0.72, 0.85))
        return [A, tau, C], xs, sat, A
    if model.key == "gaussian":
        lo = round(rng.uniform(0, 100), 1)
        span = rng.uniform(20, 80)
        mu, s = lo + span * rng.uniform(0.35, 0.65), span * rng.uniform(0.06, 0.14)
        A, B0, B1 = rng.uniform(500, 2500), rng.uniform(50, 200), rng.uniform(-2, 2)
        xs = [round(lo + i * span / (n - 1), 3) for i in range(n)]
        sat = round(B0 + B1 * mu + A * rng.uniform(0.78, 0.88))
        return [A, mu, s, B0, B1], xs, sat, A
    if model.key == "logistic":
        K, r = rng.uniform(500, 5000), rng.uniform(0.2, 2.0)
        t0 = rng.uniform(5, 15) / r
        xs = [round(i * 2 * t0 / (n - 1), 4) for i in range(n)]
        return [K, r, t0], xs, round(K * rng.uniform(0.96, 0.99)), K  # the plateau clips
    x0, g = rng.uniform(-50, 50), rng.uniform(1, 6)
    A, C = rng.uniform(400, 2000), rng.uniform(20, 150)
    xs = [round(x0 - 12 * g + i * 24 * g / (n - 1), 3) for i in range(n)]
    sat = round(C + A * rng.uniform(0.8, 0.9))
    return [A, x0, g, C], xs, sat, A


@register
class LeastSquaresFit(TemplateFamily):
    name = "least-squares-fit"
    domain = Domain.SCIENTIFIC_COMPUTING
    description = (
        "Fit a linear or nonlinear model to noisy (and messy) measurements by least squares; "
        "report parameters, uncertainties and residual statistics."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        out = f"{rng.choice(OUT_DIRS)}/{rng.choice(OUT_NAMES)}"
        if difficulty is Difficulty.EASY:
            return self._easy(rng, out)
        if difficulty is Difficulty.MEDIUM:
            return self._medium(rng, out)
        return self._hard(rng, out)

    # ------------------------------------------------------------------ easy
    def _easy(self, rng, out):
        degree = rng.randint(1, 3)
        xname, yname = rng.choice(EASY_COLUMNS)
        n = rng.randint(25, 60)
        lo = round(rng.uniform(-5, 5), 1)
        hi = lo + rng.uniform(4, 10)
        true = [rng.uniform(-20, 20)] + [
            rng.uniform(-5, 5) / (1.5**k) for k in range(1, degree + 1)
        ]
        noise = rng.uniform(0.05, 0.5) * (1 + abs(true[1]))
        xs = sorted(f"{rng.uniform(lo, hi):.3f}" for _ in range(n))
        data = []
        for xt in xs:
            x = float(xt)
            y = sum(c * x**k for k, c in enumerate(true)) + rng.gauss(0, noise)
            data.append((xt, f"{y:.4f}"))
        data_path = f"{rng.choice(DATA_DIRS)}/{rng.choice(['samples.csv', 'readings.csv', 'calibration.csv', 'points.csv'])}"
        header = [
            f"# exported {rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"# operator: {rng.choice(['kim', 'lopez', 'nakamura', 'osei', 'weber'])}",
        ][: rng.randint(1, 2)]
        text = "\n".join([*header, f"{xname},{yname}", *(f"{x},{y}" for x, y in data)]) + "\n"
        rows = [([Fraction(x) ** k for k in range(degree + 1)], Fraction(y)) for x, y in data]
        theta, ssr, cov = _linear_lsq(rows, [Fraction(1)] * n)
        ys = [Fraction(y) for _, y in data]
        mean = sum(ys) / n
        sst = sum((y - mean) ** 2 for y in ys)
        s2 = ssr / (n - degree - 1)
        sigmas = [math.sqrt(float(s2 * cov[i][i])) for i in range(degree + 1)]
        rules = [
            f"Fit `{yname}` as a function of `{xname}` with the polynomial "
            f"`{_poly_text(degree).replace('x', xname)}` (degree {degree}), by ordinary "
            "(unweighted) least squares over every data row.",
            "Lines starting with `#` are comments.",
            "`rmse` is sqrt(sum of squared residuals / number of points) and `r_squared` is "
            "1 - SS_res/SS_tot with SS_tot taken about the mean.",
            "Coefficients must match the exact least-squares solution to a relative 1e-6 "
            "(or to 1e-4 of the coefficient's standard error, if that is larger); rmse and "
            "r_squared to a relative 1e-6.",
            f"Do not modify `{data_path}`.",
        ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(data=data_path),
                rng.choice(GOALS).format(out=out),
                "",
                *[f"- {r}" for r in rules],
                "",
                f"`{out}` (create the directory) must be a JSON object with `coefficients` (the "
                f"list [c0, c1, ...] of all {degree + 1} coefficients, constant term first), "
                "`rmse` and `r_squared`. Shape (made-up numbers): "
                '`{"coefficients": [1.0, -2.0], "rmse": 0.5, "r_squared": 0.9}`.',
            ]
        )
        expected = {
            "level": "easy",
            "data": data_path,
            "data_text": text,
            "output": out,
            "coefficients": [float(t) for t in theta],
            "coef_sigma": sigmas,
            "rmse": math.sqrt(float(ssr / n)),
            "r_squared": float(1 - ssr / sst),
        }
        solution = (
            self.asset("solve_easy.sh")
            .replace("@DATA@", data_path)
            .replace("@OUT@", out)
            .replace("@DEGREE@", str(degree))
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={"data.csv": text},
            dockerfile=f"COPY data.csv {data_path}\n",
            tags=["least-squares", "polynomial-fit", "statistics"],
        )

    # ---------------------------------------------------------------- medium
    def _medium(self, rng, out):
        key, fixed, names, basis, true, xs, model_text, xname = rng.choice(MEDIUM_MODELS)(rng)
        base_sigma = rng.uniform(0.3, 1.5)
        data_path = f"{rng.choice(DATA_DIRS)}/{rng.choice(['series.csv', 'observations.csv', 'log.csv', 'record.csv'])}"
        lines = [
            f"# source: station {rng.randint(100, 999)}",
            "# sigma is the 1-standard-deviation uncertainty of y",
            f"{xname},y,sigma",
        ]
        used = []
        skipped = {"missing": 0, "bad_sigma": 0}
        for x in xs:
            b = basis(x)
            y = sum(c * v for c, v in zip(true, b, strict=True))
            s = round(base_sigma * rng.uniform(0.5, 2.0), 2)
            yt = f"{y + rng.gauss(0, s):.3f}"
            roll = rng.random()
            if roll < 0.04:
                skipped["missing"] += 1
                lines.append(f"{x:g},{rng.choice(['NA', 'nan', '', 'NaN'])},{s:.2f}")
            elif roll < 0.07:
                skipped["bad_sigma"] += 1
                lines.append(f"{x:g},{yt},{rng.choice(['0', '0.00', '-1', f'{-s:.2f}'])}")
            else:
                lines.append(f"{x:g},{yt},{s:.2f}")
                used.append((b, Fraction(yt), Fraction(f"{s:.2f}")))
            if rng.random() < 0.03:
                lines.append(rng.choice(["", "# instrument recalibrated", "# gap in record"]))
        text = "\n".join(lines) + "\n"
        rows = [([Fraction(v) for v in b], y) for b, y, _ in used]
        weights = [1 / (s * s) for _, _, s in used]
        theta, chi2, cov = _linear_lsq(rows, weights)
        n_used, p = len(used), len(names)
        errors = [math.sqrt(float(cov[i][i])) for i in range(p)]
        rules = [
            f"The model is `{model_text}`; fit the parameters "
            + ", ".join(f"`{n}`" for n in names)
            + ".",
            "Minimise the weighted sum of squares chi2 = sum(((y - model)/sigma)^2).",
            "Skip comment lines (`#`) and blank lines; skip rows whose `y` is missing or not a "
            "number (`NA`, `nan`, empty) and rows whose `sigma` is not strictly positive.",
            "Standard errors are the square roots of the diagonal of (A^T W A)^-1, where A is "
            "the design matrix and W = diag(1/sigma^2) — do not rescale them by the reduced "
            "chi-square.",
            "Parameters must match the exact weighted least-squares solution to a relative "
            "1e-6 (or 1e-4 of their standard error, if larger); errors and chi2 to a relative "
            "1e-5.",
            f"Do not modify `{data_path}`.",
        ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(data=data_path),
                rng.choice(GOALS).format(out=out),
                "",
                *[f"- {r}" for r in rules],
                "",
                f"`{out}` (create the directory) must be a JSON object with: `params` and "
                "`errors` (objects keyed by parameter name), `chi2`, `dof` (rows used minus "
                "number of parameters), `reduced_chi2` (chi2/dof) and `n_used` (rows used in "
                "the fit).",
            ]
        )
        expected = {
            "level": "medium",
            "data": data_path,
            "data_text": text,
            "output": out,
            "names": names,
            "params": [float(t) for t in theta],
            "errors": errors,
            "chi2": float(chi2),
            "n_used": n_used,
            "dof": n_used - p,
            "reduced_chi2": float(chi2) / (n_used - p),
        }
        solution = (
            self.asset("solve_medium.sh")
            .replace("@DATA@", data_path)
            .replace("@OUT@", out)
            .replace("@MODEL@", key)
            .replace("@FIXED@", f"{fixed:g}")
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={"data.csv": text},
            dockerfile=f"COPY data.csv {data_path}\n",
            tags=["least-squares", "weighted-fit", "data-cleaning", "uncertainty"],
        )

    # ------------------------------------------------------------------ hard
    def _hard(self, rng, out):
        model = MODELS[rng.choice(sorted(MODELS))]
        data_dir = rng.choice(DATA_DIRS) + "/" + rng.choice(["runs", "scans", "sweeps"])
        n_runs = rng.randint(3, 5)
        labels = sorted(rng.sample(["A1", "A2", "B1", "B2", "B3", "C1", "C4", "D2", "E7"], n_runs))
        instrument = rng.choice(["XR-7", "LS-200", "PMT-3", "QDet-9"])
        files, truth = {}, {}
        for label in labels:
            made = self._hard_run(rng, model, label, instrument)
            if made is None:
                return self.generate(rng, Difficulty.HARD)
            files[f"run_{label}.dat"], truth[label] = made
        rules = [
            f"Every file is one run; fit each run separately with the model `{model.text}`, "
            "parameters " + ", ".join(f"`{n}`" for n in model.names) + ".",
            "Header lines start with `#`; `# saturation: S` gives the detector's saturation "
            "level and `# default_sigma: D` the uncertainty to use where the sigma column "
            "is `-`.",
            "Use only rows whose flag is `ok` and whose reading is strictly below the "
            "saturation level (a saturated reading is clipped, not measured).",
            "Minimise chi2 = sum(((y - model)/sigma)^2) over the used rows (weighted nonlinear "
            "least squares).",
            "Standard errors are the square roots of the diagonal of (J^T W J)^-1 at the "
            "optimum (J the Jacobian, W = diag(1/sigma^2)), not rescaled by the reduced "
            "chi-square.",
            "`n_outliers` counts used rows whose normalised residual |y - model|/sigma exceeds "
            "3 at the optimum; they stay in the fit.",
            "Parameters must agree with the true weighted least-squares optimum to within "
            "1e-3 of their standard error (or a relative 1e-7); errors and chi2_dof to a "
            "relative 1e-4.",
            f"Do not modify anything in `{data_dir}`.",
        ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(data=f"{data_dir}/run_*.dat"),
                rng.choice(GOALS).format(out=out),
                "",
                *[f"- {r}" for r in rules],
                "",
                f"`{out}` (create the directory) must be a JSON object with one entry per run "
                "label (the part of the file name after `run_`), each an object with `params` "
                "and `errors` (objects keyed by parameter name), `chi2_dof` (chi2 divided by "
                "rows used minus number of parameters), `n_used` and `n_outliers`.",
            ]
        )
        expected = {
            "level": "hard",
            "data_dir": data_dir,
            "data_files": files,
            "output": out,
            "names": model.names,
            "runs": truth,
        }
        solution = (
            self.asset("solve_hard.sh")
            .replace("@DIR@", data_dir)
            .replace("@OUT@", out)
            .replace("@MODEL@", model.key)
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={f"runs/{name}": body for name, body in files.items()},
            dockerfile=f"COPY runs/ {data_dir}/\n",
            tags=["least-squares", "nonlinear-fit", "levenberg-marquardt", "multi-file"],
        )

    def _hard_run(self, rng, model, label, instrument):
        true, xs, sat, scale = _draw_run(rng, model)
        base = scale * rng.uniform(0.008, 0.025)
        default_sigma = f"{base:.2f}"
        lines = [
            f"# instrument: {instrument}   run: {label}",
            f"# saturation: {sat}",
            f"# default_sigma: {default_sigma}",
            "# columns: t reading sigma flag",
        ]
        pts = []
        n_sat = 0
        n_planted = rng.randint(0, 2)
        planted = set(rng.sample(range(len(xs)), n_planted))
        for i, x in enumerate(xs):
            clean = model.f(x, true)
            s = round(base * rng.uniform(0.7, 1.4), 2)
            use_default = rng.random() < 0.12
            s_used = float(default_sigma) if use_default else s
            y = clean + rng.gauss(0, s_used)
            if i in planted:
                y = clean + rng.choice([-1, 1]) * rng.uniform(5, 8) * s_used
            flag = "ok"
            if rng.random() < 0.05:
                flag = rng.choice(["bad", "gate", "spike", "dropout"])
                y = rng.choice([0.0, clean * rng.uniform(1.5, 3), clean * rng.uniform(0.05, 0.4)])
            yt = f"{min(y, sat):.2f}" if flag == "ok" else f"{y:.2f}"
            if flag == "ok" and float(yt) >= sat:
                yt = f"{sat:.2f}"
                n_sat += 1
            st = "-" if use_default else f"{s:.2f}"
            lines.append(f"{x:<10g} {yt:>10} {st:>7} {flag}")
            if flag == "ok" and float(yt) < sat:
                pts.append((x, float(yt), s_used))
        if n_sat < 2:
            return None
        p, chi2, errors = _levenberg_marquardt(model, true, pts)
        if model.key in ("gaussian", "lorentzian"):
            p[2] = abs(p[2])
        resid = [abs(y - model.f(x, p)) / s for x, y, s in pts]
        if any(2.9 < r < 3.1 for r in resid):
            return None  # too close to the outlier threshold to grade fairly
        dof = len(pts) - len(p)
        return "\n".join(lines) + "\n", {
            "params": p,
            "errors": errors,
            "chi2_dof": chi2 / dof,
            "n_used": len(pts),
            "n_outliers": sum(r > 3 for r in resid),
        }
