"""Integrate an ODE model read from a spec file and report its state at requested times.

The generator draws the model and its parameters, prints them as short decimals and computes
the truth from exactly those printed values: with the closed-form solution where one exists
(easy), with a fine fixed-step RK4 (medium: nonlinear epidemics and oscillators, plus an
event located to high precision) or with a 5th-order Radau IIA implicit integrator on a
logarithmic grid (hard: a stiff mass-action reaction network given as a reaction list, which
explicit solvers cannot integrate in any reasonable number of steps). The tolerances are met
by any correct solver run at a sensible step and missed by crude Euler at a big step.
"""

from __future__ import annotations

import math
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SPEC_DIRS = ["/app/model", "/app/sim", "/app/ode", "/app/problem", "/app/case"]
OUT_DIRS = ["/app/out", "/app/results", "/app/output", "/app/run"]
CSV_NAMES = ["trajectory.csv", "states.csv", "solution.csv", "checkpoints.csv"]
JSON_NAMES = ["summary.json", "events.json", "report.json", "analysis.json"]

OPENINGS = [
    "A simulation request has landed in `{spec}`.",
    "The model you need to integrate is described in `{spec}`.",
    "Someone left an ODE problem specification at `{spec}`.",
    "Our modelling group wrote the problem set-up to `{spec}` and needs numbers back.",
    "The file `{spec}` defines an initial-value problem that nobody has solved yet.",
]
GOALS = [
    "Integrate it accurately and write the state at the requested times to `{csv}`.",
    "Solve the initial-value problem and tabulate the solution at the requested times in `{csv}`.",
    "Compute the solution at every requested output time and save it as `{csv}`.",
    "Produce a table of the solution at the requested times in `{csv}`.",
]


def _dec(rng: random.Random, lo: float, hi: float, digits: int) -> str:
    """A decimal drawn uniformly from [lo, hi], printed with `digits` decimals."""
    return f"{rng.uniform(lo, hi):.{digits}f}"


def _sig(value: float, digits: int = 3) -> str:
    """A value printed with a few significant digits (the printed text is the truth)."""
    return f"{value:.{digits - 1}e}"


def _fmt(value: float) -> str:
    return repr(float(value))


# ----------------------------------------------------------------------------- easy models
# Each returns (variable names, equation text, parameter lines, closed form f(t) -> state).


def _easy_logistic(rng):
    r, K = _dec(rng, 0.2, 1.2, 3), str(rng.randint(200, 5000))
    N0 = str(rng.randint(5, int(K) // 4))
    rv, Kv, N0v = float(r), float(K), float(N0)
    horizon = 2.5 * math.log(Kv / N0v) / rv

    def sol(t):
        return [Kv / (1 + (Kv / N0v - 1) * math.exp(-rv * t))]

    return (
        "logistic",
        ["N"],
        "dN/dt = r*N*(1 - N/K)",
        [("r", r), ("K", K), ("N0", N0)],
        sol,
        horizon,
    )


def _easy_oscillator(rng):
    m, c, k = _dec(rng, 0.5, 3.0, 2), _dec(rng, 0.05, 1.0, 3), _dec(rng, 2.0, 20.0, 2)
    x0, v0 = _dec(rng, -2.0, 2.0, 2), _dec(rng, -3.0, 3.0, 2)
    mv, cv, kv, xv, vv = map(float, (m, c, k, x0, v0))
    w0 = math.sqrt(kv / mv)
    zeta = cv / (2 * math.sqrt(mv * kv))
    wd = w0 * math.sqrt(1 - zeta * zeta)
    a = zeta * w0
    B = (vv + a * xv) / wd

    def sol(t):
        e, co, si = math.exp(-a * t), math.cos(wd * t), math.sin(wd * t)
        x = e * (xv * co + B * si)
        v = e * (-a * (xv * co + B * si) + (-xv * wd * si + B * wd * co))
        return [x, v]

    return (
        "damped_oscillator",
        ["x", "v"],
        "m*x'' + c*x' + k*x = 0 with v = x' (x(0) = x0, v(0) = v0)",
        [("m", m), ("c", c), ("k", k), ("x0", x0), ("v0", v0)],
        sol,
        rng.uniform(6, 18),
    )


def _easy_cooling(rng):
    k, A, B = _dec(rng, 0.05, 0.5, 3), _dec(rng, 10, 30, 1), _dec(rng, 2, 10, 2)
    w, T0 = _dec(rng, 0.2, 1.5, 3), _dec(rng, 40, 90, 1)
    kv, Av, Bv, wv, T0v = map(float, (k, A, B, w, T0))
    den = kv * kv + wv * wv
    C = T0v - Av + Bv * kv * wv / den

    def sol(t):
        return [
            Av
            + Bv * (kv * kv * math.sin(wv * t) - kv * wv * math.cos(wv * t)) / den
            + C * math.exp(-kv * t)
        ]

    return (
        "periodic_cooling",
        ["T"],
        "dT/dt = -k*(T - (A + B*sin(w*t)))",
        [("k", k), ("A", A), ("B", B), ("w", w), ("T0", T0)],
        sol,
        rng.uniform(3, 6) / kv,
    )


def _easy_harvest(rng):
    r, K = _dec(rng, 0.3, 1.0, 3), str(rng.randint(500, 3000))
    rv, Kv = float(r), float(K)
    H = f"{rng.uniform(0.3, 0.8) * rv * Kv / 4:.2f}"
    Hv = float(H)
    disc = math.sqrt(1 - 4 * Hv / (rv * Kv))
    n1, n2 = Kv * (1 - disc) / 2, Kv * (1 + disc) / 2
    N0 = str(rng.randint(int(n1 + 0.15 * (n2 - n1)) + 1, int(1.3 * Kv)))
    N0v = float(N0)
    lam = rv * (n2 - n1) / Kv
    Q0 = (N0v - n2) / (N0v - n1)

    def sol(t):
        Q = Q0 * math.exp(-lam * t)
        return [(n2 - n1 * Q) / (1 - Q)]

    return (
        "logistic_harvest",
        ["N"],
        "dN/dt = r*N*(1 - N/K) - H",
        [("r", r), ("K", K), ("H", H), ("N0", N0)],
        sol,
        4.0 / lam,
    )


EASY_MODELS = [_easy_logistic, _easy_oscillator, _easy_cooling, _easy_harvest]


# --------------------------------------------------------------------------- medium models
def _rk4_path(f, y0, times, h):
    """Fine RK4 path through the sorted `times`: lists of (t, y) at every small step."""
    ts, ys = [times[0]], [list(y0)]
    t, y = times[0], list(y0)
    for target in times[1:]:
        n = max(1, math.ceil((target - t) / h - 1e-9))
        dt = (target - t) / n
        for i in range(n):
            y = _rk4_step(f, t, y, dt)
            t = ts[-1] + dt if i < n - 1 else target
            ts.append(t)
            ys.append(y)
        t = target
    return ts, ys


def _rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, [a + h / 2 * b for a, b in zip(y, k1, strict=True)])
    k3 = f(t + h / 2, [a + h / 2 * b for a, b in zip(y, k2, strict=True)])
    k4 = f(t + h, [a + h * b for a, b in zip(y, k3, strict=True)])
    return [
        a + h / 6 * (p + 2 * q + 2 * r + s) for a, p, q, r, s in zip(y, k1, k2, k3, k4, strict=True)
    ]


def _rk4_to(f, t, y, t_end, n=40):
    h = (t_end - t) / n
    for _ in range(n):
        y = _rk4_step(f, t, y, h)
        t += h
    return y


def _medium_lv(rng):
    names = rng.choice([("prey", "predator"), ("hares", "lynx"), ("rabbits", "foxes")])
    p = {
        "alpha": _dec(rng, 0.6, 1.4, 3),
        "beta": _dec(rng, 0.2, 0.6, 3),
        "delta": _dec(rng, 0.05, 0.3, 3),
        "gamma": _dec(rng, 0.3, 1.0, 3),
    }
    init = [_dec(rng, 2, 15, 2), _dec(rng, 1, 8, 2)]
    a, b, d, g = (float(p[k]) for k in ("alpha", "beta", "delta", "gamma"))
    x, y = names
    eq = [f"d{x}/dt = alpha*{x} - beta*{x}*{y}", f"d{y}/dt = delta*{x}*{y} - gamma*{y}"]

    def f(t, s):
        return [a * s[0] - b * s[0] * s[1], d * s[0] * s[1] - g * s[1]]

    return "lotka_volterra", list(names), eq, p, init, f, ("crossing", 0, "down"), (20, 40)


def _medium_sir(rng):
    N = rng.randint(2000, 60000)
    gamma = rng.uniform(0.05, 0.2)
    p = {"beta": f"{gamma * rng.uniform(1.6, 3.5):.4f}", "gamma": f"{gamma:.4f}", "N": str(N)}
    I0 = rng.randint(1, 40)
    init = [str(N - I0), str(I0), "0"]
    b, g = float(p["beta"]), float(p["gamma"])
    eq = ["dS/dt = -beta*S*I/N", "dI/dt = beta*S*I/N - gamma*I", "dR/dt = gamma*I"]

    def f(t, s):
        inf = b * s[0] * s[1] / N
        return [-inf, inf - g * s[1], g * s[1]]

    return "sir", ["S", "I", "R"], eq, p, init, f, ("peak", 1, None), (150, 260)


def _medium_seir(rng):
    N = rng.randint(2000, 60000)
    gamma = rng.uniform(0.08, 0.25)
    p = {
        "beta": f"{gamma * rng.uniform(1.8, 3.5):.4f}",
        "sigma": f"{rng.uniform(0.15, 0.5):.4f}",
        "gamma": f"{gamma:.4f}",
        "N": str(N),
    }
    E0, I0 = rng.randint(0, 30), rng.randint(1, 20)
    init = [str(N - E0 - I0), str(E0), str(I0), "0"]
    b, sg, g = float(p["beta"]), float(p["sigma"]), float(p["gamma"])
    eq = [
        "dS/dt = -beta*S*I/N",
        "dE/dt = beta*S*I/N - sigma*E",
        "dI/dt = sigma*E - gamma*I",
        "dR/dt = gamma*I",
    ]

    def f(t, s):
        inf = b * s[0] * s[2] / N
        return [-inf, inf - sg * s[1], sg * s[1] - g * s[2], g * s[2]]

    return "seir", ["S", "E", "I", "R"], eq, p, init, f, ("peak", 2, None), (160, 300)


def _medium_brusselator(rng):
    A = float(_dec(rng, 0.8, 1.5, 3))
    p = {"A": f"{A:.3f}", "B": f"{A * A + rng.uniform(1.3, 2.5):.3f}"}
    av, bv = float(p["A"]), float(p["B"])
    init = [_dec(rng, 0.5, 3, 2), _dec(rng, 0.5, 3, 2)]
    eq = ["du/dt = A + u^2*w - (B + 1)*u", "dw/dt = B*u - u^2*w"]

    def f(t, s):
        q = s[0] * s[0] * s[1]
        return [av + q - (bv + 1) * s[0], bv * s[0] - q]

    return "brusselator", ["u", "w"], eq, p, init, f, ("crossing", 0, "up"), (20, 35)


def _medium_vdp(rng):
    p = {"mu": _dec(rng, 0.5, 3.0, 3)}
    mu = float(p["mu"])
    init = [_dec(rng, -2, 2, 2), _dec(rng, -2, 2, 2)]
    eq = ["dx/dt = v", "dv/dt = mu*(1 - x^2)*v - x"]

    def f(t, s):
        return [s[1], mu * (1 - s[0] * s[0]) * s[1] - s[0]]

    direction = rng.choice(["up", "down"])
    return "van_der_pol", ["x", "v"], eq, p, init, f, ("crossing", 0, direction), (20, 40)


MEDIUM_MODELS = [_medium_lv, _medium_sir, _medium_seir, _medium_brusselator, _medium_vdp]


# ------------------------------------------------------------------------------ hard: stiff
SQ6 = math.sqrt(6.0)
RADAU_A = [
    [(88 - 7 * SQ6) / 360, (296 - 169 * SQ6) / 1800, (-2 + 3 * SQ6) / 225],
    [(296 + 169 * SQ6) / 1800, (88 + 7 * SQ6) / 360, (-2 - 3 * SQ6) / 225],
    [(16 - SQ6) / 36, (16 + SQ6) / 36, 1 / 9],
]
RADAU_C = [(4 - SQ6) / 10, (4 + SQ6) / 10, 1.0]


def _lu(M):
    """LU factors with partial pivoting of a small dense matrix (pure Python)."""
    n = len(M)
    a = [row[:] for row in M]
    perm = list(range(n))
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv] = a[piv], a[col]
        perm[col], perm[piv] = perm[piv], perm[col]
        p = a[col][col]
        prow = a[col]
        for r in range(col + 1, n):
            fac = a[r][col] / p
            a[r][col] = fac
            if fac:
                row = a[r]
                for c in range(col + 1, n):
                    row[c] -= fac * prow[c]
    return a, perm


def _lu_solve(lu, rhs):
    a, perm = lu
    n = len(a)
    x = [rhs[p] for p in perm]
    for r in range(n):
        row = a[r]
        x[r] -= sum(row[c] * x[c] for c in range(r))
    for r in range(n - 1, -1, -1):
        row = a[r]
        x[r] = (x[r] - sum(row[c] * x[c] for c in range(r + 1, n))) / row[r]
    return x


class MassAction:
    """dy/dt of a mass-action network: reactions are (reactant coefs, product coefs, k)."""

    def __init__(self, n, reactions):
        self.n, self.reactions = n, reactions

    def rates(self, y):
        out = []
        for reac, _, k in self.reactions:
            r = k
            for i, s in reac.items():
                r *= y[i] ** s
            out.append(r)
        return out

    def f(self, y):
        dy = [0.0] * self.n
        for (reac, prod, _), r in zip(self.reactions, self.rates(y), strict=True):
            for i, s in reac.items():
                dy[i] -= s * r
            for i, s in prod.items():
                dy[i] += s * r
        return dy

    def jac(self, y):
        J = [[0.0] * self.n for _ in range(self.n)]
        for reac, prod, k in self.reactions:
            for j, sj in reac.items():
                d = k * sj * y[j] ** (sj - 1)
                for i, s in reac.items():
                    if i != j:
                        d *= y[i] ** s
                for i, s in reac.items():
                    J[i][j] -= s * d
                for i, s in prod.items():
                    J[i][j] += s * d
        return J

    def radau_step(self, y, h):
        """One Radau IIA (order 5) step by simplified Newton; None if Newton fails."""
        n = self.n
        J = self.jac(y)
        M = [[0.0] * (3 * n) for _ in range(3 * n)]
        for a in range(3):
            for b in range(3):
                for i in range(n):
                    for j in range(n):
                        M[a * n + i][b * n + j] = (1.0 if a == b and i == j else 0.0) - h * RADAU_A[
                            a
                        ][b] * J[i][j]
        lu = _lu(M)
        Z = [0.0] * (3 * n)
        scale = max(1e-300, max(abs(v) for v in y))
        previous = math.inf
        for _ in range(30):
            F = [self.f([y[i] + Z[a * n + i] for i in range(n)]) for a in range(3)]
            G = [
                -Z[a * n + i] + h * sum(RADAU_A[a][b] * F[b][i] for b in range(3))
                for a in range(3)
                for i in range(n)
            ]
            dZ = _lu_solve(lu, G)
            Z = [z + d for z, d in zip(Z, dZ, strict=True)]
            size = max(abs(d) for d in dZ)
            if size <= 1e-14 * scale or (size >= 0.5 * previous and size <= 1e-11 * scale):
                return [y[i] + Z[2 * n + i] for i in range(n)]
            previous = size
        return None

    def advance(self, y, t0, t1, steps):
        """Integrate from t0 to t1 in `steps` equal Radau steps (halving on Newton failure)."""
        h = (t1 - t0) / steps
        for _ in range(steps):
            y = self._robust(y, h, 0)
        return y

    def _robust(self, y, h, depth):
        out = self.radau_step(y, h)
        if out is None:
            if depth > 30:
                raise ArithmeticError("Radau step keeps failing")
            return self._robust(self._robust(y, h / 2, depth + 1), h / 2, depth + 1)
        return out


def _log_grid(t_end, times, per_decade=100, t_first=1e-10):
    """0, then geometric points from t_first to t_end, plus every output time."""
    pts = {0.0, t_end, *times}
    k = 0
    while True:
        t = t_first * 10 ** (k / per_decade)
        if t >= t_end:
            break
        pts.add(t)
        k += 1
    return sorted(pts)


def _net_robertson(rng):
    k1 = float(_sig(rng.uniform(0.02, 0.08)))
    k2 = float(_sig(10 ** rng.uniform(7.0, 7.7)))
    k3 = float(_sig(10 ** rng.uniform(3.7, 4.3)))
    a0 = float(_dec(rng, 0.5, 2.0, 2))
    reactions = [
        ({"A": 1}, {"B": 1}, k1),
        ({"B": 2}, {"B": 1, "C": 1}, k2),
        ({"B": 1, "C": 1}, {"A": 1, "C": 1}, k3),
    ]
    return ["A", "B", "C"], {"A": a0, "B": 0.0, "C": 0.0}, reactions, "A", ["B"]


def _net_enzyme(rng):
    kf = float(_sig(10 ** rng.uniform(5.0, 6.0)))
    kr = float(_sig(10 ** rng.uniform(1.0, 3.0)))
    kcat = float(_sig(10 ** rng.uniform(0.3, 1.7)))
    e0 = float(_sig(10 ** rng.uniform(-3.3, -2.7)))
    s0 = float(_dec(rng, 0.5, 2.0, 2))
    kp = float(_sig(10 ** rng.uniform(-4.0, -3.0)))
    reactions = [
        ({"E": 1, "S": 1}, {"C": 1}, kf),
        ({"C": 1}, {"E": 1, "S": 1}, kr),
        ({"C": 1}, {"E": 1, "P": 1}, kcat),
        ({"P": 1}, {"Q": 1}, kp),
    ]
    init = {"E": e0, "S": s0, "C": 0.0, "P": 0.0, "Q": 0.0}
    return ["E", "S", "C", "P", "Q"], init, reactions, "S", ["C", "P"]


def _net_chain(rng):
    kf = float(_sig(10 ** rng.uniform(3.0, 4.0)))
    kb = float(_sig(kf * rng.uniform(0.5, 2.0)))
    k2 = float(_sig(10 ** rng.uniform(-1.0, 0.0)))
    k3 = float(_sig(10 ** rng.uniform(0.0, 1.0)))
    a0 = float(_dec(rng, 0.5, 2.0, 2))
    reactions = [
        ({"A": 1}, {"B": 1}, kf),
        ({"B": 1}, {"A": 1}, kb),
        ({"B": 1}, {"C": 1}, k2),
        ({"A": 1, "C": 1}, {"D": 1}, k3),
    ]
    return ["A", "B", "C", "D"], {"A": a0, "B": 0.0, "C": 0.0, "D": 0.0}, reactions, "A", ["B", "C"]


NETWORKS = [_net_robertson, _net_enzyme, _net_chain]
SPECIES_POOL = [
    "X", "Y", "Z", "W", "U", "V", "P", "Q", "R", "M", "N", "K", "L", "G", "H", "J",
    "Ax", "Bz", "Cq", "Dm", "Ek", "Fr", "Gt", "Hn", "NO2", "O3", "HO2", "CH4", "ATP", "ADP",
]  # fmt: skip


def _species_term(coef, name):
    return name if coef == 1 else f"{coef} {name}"


def _side(d, names):
    return " + ".join(_species_term(c, names[s]) for s, c in d.items())


@register
class OdeCheckpoints(TemplateFamily):
    name = "ode-checkpoints"
    domain = Domain.SCIENTIFIC_COMPUTING
    description = (
        "Integrate an initial-value problem from a spec file (closed-form, nonlinear or stiff "
        "kinetics) and report states and events at requested times within tolerance."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        spec_dir = rng.choice(SPEC_DIRS)
        out_dir = rng.choice(OUT_DIRS)
        csv_path = f"{out_dir}/{rng.choice(CSV_NAMES)}"
        if difficulty is Difficulty.EASY:
            return self._easy(rng, spec_dir, csv_path)
        json_path = f"{out_dir}/{rng.choice(JSON_NAMES)}"
        if difficulty is Difficulty.MEDIUM:
            return self._medium(rng, spec_dir, csv_path, json_path)
        return self._hard(rng, spec_dir, csv_path, json_path)

    # ------------------------------------------------------------------ easy
    def _easy(self, rng, spec_dir, csv_path):
        model, names, equation, params, sol, horizon = rng.choice(EASY_MODELS)(rng)
        n_times = rng.randint(6, 9)
        times = sorted({round(rng.uniform(0.05, 1.0) * horizon, 2) for _ in range(n_times)})
        spec_name = rng.choice(["problem.txt", "spec.txt", "model.txt", "ivp.txt"])
        spec_path = f"{spec_dir}/{spec_name}"
        lines = [f"# {equation}", f"model = {model}"]
        lines += [f"{k} = {v}" for k, v in params]
        listed = times[:]
        rng.shuffle(listed)  # the listed order is the row order, and it is not sorted
        lines.append("report_times = " + " ".join(f"{t:g}" for t in listed))
        spec_text = "\n".join(lines) + "\n"
        truth = [[t, *sol(t)] for t in listed]
        rules = [
            "Every value must be within a relative error of 1e-6 of the exact solution "
            "(an absolute error of 1e-6 where the value is smaller than 1 in magnitude); "
            "a forward-Euler run with a coarse step will not get there.",
            "Write one row per time listed in `report_times`, in the order listed.",
            "Print numbers with at least 10 significant digits (plain or scientific notation).",
            f"Do not modify `{spec_path}`.",
        ]
        rng.shuffle(rules)
        header = ",".join(["t", *names])
        fake = ",".join(["t", *names]) + "\n" + ",".join(["0.123", *["-9.87654321"] * len(names)])
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(spec=spec_path),
                rng.choice(GOALS).format(csv=csv_path),
                "",
                f"The model (`{model}`) is `{equation}`; its parameters, initial value(s) and the "
                "output times (`report_times`, space separated) are `key = value` lines of the "
                "spec file. Integrate from t = 0.",
                "",
                "Requirements:",
                *[f"- {rule}" for rule in rules],
                "",
                f"`{csv_path}` must be a CSV file (create its directory) with exactly the header "
                f"`{header}` followed by the rows. For example (made-up numbers):",
                "```",
                fake,
                "```",
            ]
        )
        expected = {
            "level": "easy",
            "spec": spec_path,
            "spec_text": spec_text,
            "csv": csv_path,
            "columns": ["t", *names],
            "rows": truth,
            "rtol": 1e-6,
            "atol": 1e-6,
            "time_tol": 1e-6,
        }
        solution = (
            self.asset("solve_easy.sh").replace("@SPEC@", spec_path).replace("@CSV@", csv_path)
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={spec_name: spec_text},
            dockerfile=f"COPY {spec_name} {spec_path}\n",
            tags=["ode", "numerical-integration", model],
        )

    # ---------------------------------------------------------------- medium
    def _medium(self, rng, spec_dir, csv_path, json_path):
        model, names, eqs, params, init, f, event, span = rng.choice(MEDIUM_MODELS)(rng)
        step = rng.choice([0.5, 1.0, 1.25, 2.0, 2.5, 4.0, 5.0])
        t_end = step * math.ceil(rng.uniform(*span) / step)
        grid = [i * step for i in range(int(round(t_end / step)) + 1)]
        extras = [round(rng.uniform(0.3, t_end - 0.3), 2) for _ in range(rng.randint(3, 5))]
        extras.append(rng.choice(grid[1:-1]))  # a duplicate of a grid time
        rng.shuffle(extras)
        times = sorted(set(grid) | set(extras))
        y0 = [float(v) for v in init]
        h = t_end / 40000
        ts, ys = _rk4_path(f, y0, times, h)
        at = {}
        for t, y in zip(ts, ys, strict=True):
            at.setdefault(t, y)
        rows = [[t, *at[t]] for t in times]

        kind, var, direction = event
        if kind == "peak":
            i = max(range(len(ts)), key=lambda j: ys[j][var])
            if i in (0, len(ts) - 1):
                return self.generate(rng, Difficulty.MEDIUM)  # peak must be interior
            lo, hi = ts[i - 1], ts[i + 1]
            ylo = ys[i - 1]
            g = (math.sqrt(5) - 1) / 2
            for _ in range(80):
                m1, m2 = hi - g * (hi - lo), lo + g * (hi - lo)
                if _rk4_to(f, ts[i - 1], ylo, m1)[var] > _rk4_to(f, ts[i - 1], ylo, m2)[var]:
                    hi = m2
                else:
                    lo = m1
            t_ev = (lo + hi) / 2
            level = None
        else:
            values = [y[var] for y in ys]
            lo_v, hi_v = min(values), max(values)
            level = float(f"{lo_v + rng.uniform(0.3, 0.7) * (hi_v - lo_v):.3f}")
            sign = 1 if direction == "up" else -1
            idx = next(
                (
                    j
                    for j in range(len(ts) - 1)
                    if sign * (values[j] - level) < 0 <= sign * (values[j + 1] - level)
                ),
                None,
            )
            if idx is None or ts[idx] < 0.5:
                return self.generate(rng, Difficulty.MEDIUM)
            slope = abs(values[idx + 1] - values[idx]) / (ts[idx + 1] - ts[idx])
            if slope < 0.05 * (hi_v - lo_v):
                return self.generate(rng, Difficulty.MEDIUM)  # a grazing crossing is ill-posed
            lo, hi = ts[idx], ts[idx + 1]
            for _ in range(80):
                mid = (lo + hi) / 2
                if sign * (_rk4_to(f, ts[idx], ys[idx], mid)[var] - level) < 0:
                    lo = mid
                else:
                    hi = mid
            t_ev = (lo + hi) / 2
        base = i - 1 if kind == "peak" else idx
        state_ev = _rk4_to(f, ts[base], ys[base], t_ev)

        spec_name = rng.choice(["model.ini", "problem.ini", "setup.cfg", "run.cfg"])
        spec_path = f"{spec_dir}/{spec_name}"
        ev_lines = [f"kind = {kind}", f"variable = {names[var]}"]
        if kind == "crossing":
            ev_lines += [f"level = {level}", f"direction = {direction}"]
        spec_lines = [
            "; initial-value problem, integrate from t = 0",
            "[model]",
            f"type = {model}",
            *[f"; {e}" for e in eqs],
            "",
            "[parameters]",
            *[f"{k} = {v}" for k, v in params.items()],
            "",
            "[initial]",
            *[f"{n} = {v}" for n, v in zip(names, init, strict=True)],
            "",
            "[output]",
            f"grid = 0:{t_end:g}:{step:g}",
            "extra = " + ", ".join(f"{t:g}" for t in extras),
            "",
            "[event]",
            *ev_lines,
        ]
        spec_text = "\n".join(spec_lines) + "\n"
        rules = [
            "`[output] grid = start:stop:step` means start, start+step, ... up to and "
            "including stop; `extra` lists further times. Report the union of both, sorted "
            "ascending, each time once.",
            "Every state value must be within a relative error of 1e-6 of the true solution "
            "(absolute 1e-6 for values below 1 in magnitude).",
            f"Do not modify `{spec_path}`.",
            "The equations are the `;` comment lines of the `[model]` section; the names in "
            "`[initial]` give the variables and their column order.",
        ]
        rng.shuffle(rules)
        if kind == "peak":
            ev_text = (
                f"The `[event]` section asks for the peak of `{names[var]}`: the time in "
                f"(0, {t_end:g}] at which it reaches its maximum."
            )
        else:
            verb = "rises above" if direction == "up" else "falls below"
            ev_text = (
                f"The `[event]` section asks for a level crossing: the first time t > 0 at "
                f"which `{names[var]}` {verb} `level` (crossing it {direction}wards)."
            )
        header = ",".join(["t", *names])
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(spec=spec_path),
                rng.choice(GOALS).format(csv=csv_path),
                "",
                f"The spec is an INI file describing the `{model}` model. {ev_text}",
                "",
                "Rules:",
                *[f"- {rule}" for rule in rules],
                "",
                "Outputs (create the directory):",
                f"- `{csv_path}`: CSV with exactly the header `{header}`, one row per output "
                "time, numbers with at least 10 significant digits.",
                f"- `{json_path}`: a JSON object with `event_time` (the event time, within "
                "1e-4) and `event_state` (an object mapping every variable name to its value "
                "at the event time, each within a relative error of 1e-5, or an absolute error of 1e-5 "
                "for values below 1 in magnitude).",
                "",
                f'Example of the JSON shape (made-up values): `{{"event_time": 1.5, '
                f'"event_state": {{"{names[0]}": 0.25, ...}}}}`.',
            ]
        )
        expected = {
            "level": "medium",
            "spec": spec_path,
            "spec_text": spec_text,
            "csv": csv_path,
            "json": json_path,
            "columns": ["t", *names],
            "rows": rows,
            "rtol": 1e-6,
            "atol": 1e-6,
            "time_tol": 1e-6,
            "event_time": t_ev,
            "event_time_tol": 1e-4,
            "event_state": dict(zip(names, state_ev, strict=True)),
            "event_rtol": 1e-5,
        }
        solution = (
            self.asset("solve_medium.sh")
            .replace("@SPEC@", spec_path)
            .replace("@CSV@", csv_path)
            .replace("@JSON@", json_path)
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={spec_name: spec_text},
            dockerfile=f"COPY {spec_name} {spec_path}\n",
            tags=["ode", "numerical-integration", "event-location", model],
        )

    # ------------------------------------------------------------------ hard
    def _hard(self, rng, spec_dir, csv_path, json_path):
        template = rng.choice(NETWORKS)
        species, init, reactions, reactant, intermediates = template(rng)
        names = dict(zip(species, rng.sample(SPECIES_POOL, len(species)), strict=True))
        index = {s: i for i, s in enumerate(species)}
        net = MassAction(
            len(species),
            [
                ({index[s]: c for s, c in r.items()}, {index[s]: c for s, c in p.items()}, k)
                for r, p, k in reactions
            ],
        )
        y0 = [init[s] for s in species]
        ir = index[reactant]

        # First pass: find the half-life of the main reactant to set the time horizon.
        probe_end = 1e7
        grid = _log_grid(probe_end, [], per_decade=25)
        y, t_half = y0, None
        for t0, t1 in zip(grid, grid[1:], strict=False):
            y_next = net.advance(y, t0, t1, 1)
            if y_next[ir] <= y0[ir] / 2:
                t_half = t1
                break
            y = y_next
        if t_half is None or t_half < 1e-3:
            return self.generate(rng, Difficulty.HARD)
        t_end = float(f"{10 ** math.ceil(math.log10(t_half * rng.uniform(8, 40))):g}")
        t_end *= rng.choice([1, 2, 4])
        decades = [10.0**k for k in range(-6, 8) if 10.0**k < t_end]
        times = sorted(
            {
                *decades,
                t_end,
                *(float(f"{t_end * 10 ** rng.uniform(-5, -0.2):.3g}") for _ in range(3)),
            }
        )
        grid = _log_grid(t_end, times, per_decade=100)
        path = [y0]
        for t0, t1 in zip(grid, grid[1:], strict=False):
            path.append(net.advance(path[-1], t0, t1, 1))
        at = dict(zip(grid, path, strict=True))
        rows = [[t, *at[t]] for t in times]

        def refine(j, t):
            """State at time t in (grid[j], grid[j+1]], integrated from the grid point."""
            return net.advance(path[j], grid[j], t, 2)

        # Half-time of the reactant: bisection inside the bracketing grid interval.
        j = next(i for i in range(len(grid) - 1) if path[i + 1][ir] <= y0[ir] / 2)
        lo, hi = grid[j], grid[j + 1]
        for _ in range(45):
            mid = (lo + hi) / 2
            if refine(j, mid)[ir] > y0[ir] / 2:
                lo = mid
            else:
                hi = mid
        half_time = (lo + hi) / 2

        peaks = {}
        for s in intermediates:
            k = index[s]
            i = max(range(len(path)), key=lambda q: path[q][k])
            if i in (0, len(path) - 1) or path[-1][k] > 0.95 * path[i][k]:
                return self.generate(rng, Difficulty.HARD)  # no clear interior maximum
            lo, hi = grid[i - 1], grid[i + 1]
            g = (math.sqrt(5) - 1) / 2
            for _ in range(45):
                m1, m2 = hi - g * (hi - lo), lo + g * (hi - lo)
                if refine(i - 1, m1)[k] > refine(i - 1, m2)[k]:
                    hi = m2
                else:
                    lo = m1
            tp = (lo + hi) / 2
            peaks[names[s]] = {"time": tp, "value": refine(i - 1, tp)[k]}

        # The reaction file, in shuffled order and mixed number styles.
        order = list(range(len(reactions)))
        rng.shuffle(order)
        net_name = rng.choice(["network.rxn", "mechanism.txt", "reactions.txt", "kinetics.rxn"])
        spec_path = f"{spec_dir}/{net_name}"
        lines = [
            "# mass-action reaction mechanism (concentrations in mol/L, time in s)",
            "# species <name> <initial concentration>",
        ]
        for s in species:
            lines.append(f"species {names[s]} {init[s]:g}")
        lines += ["", "# <label>: <reactants> -> <products> ; k = <rate constant>"]
        for n, q in enumerate(order, 1):
            reac, prod, k = reactions[q]
            kt = rng.choice([f"{k:.2e}", f"{k:.2E}", f"{k:g}"])
            sep = rng.choice(["k = ", "k=", "k ="])
            lines.append(f"R{n}: {_side(reac, names)} -> {_side(prod, names)} ; {sep}{kt}")
        lines += ["", "# output times (s)", "report " + " ".join(f"{t:g}" for t in times)]
        spec_text = "\n".join(lines) + "\n"
        # The printed constants must be the ones the truth used.
        for q in order:
            k = reactions[q][2]
            assert float(f"{k:.2e}") == k and float(f"{k:g}") == k

        col_names = [names[s] for s in species]
        peak_names = sorted(peaks)
        rules = [
            "Reaction rates follow the law of mass action: a reaction `2 X + Y -> ...` with "
            "constant k runs at rate k*[X]^2*[Y]; a coefficient before a species name is its "
            "stoichiometric coefficient.",
            "The system is stiff (rate constants span many orders of magnitude); explicit "
            "methods need impossibly small steps, so use an implicit or stiff solver.",
            "Concentrations must be within a relative error of 1e-4 of the true solution "
            "(or an absolute error of 1e-10, whichever is larger).",
            f"Do not modify `{spec_path}`.",
            "Times on the `report` line are in seconds, from t = 0; output one row per time "
            "in that order.",
        ]
        rng.shuffle(rules)
        header = ",".join(["t", *col_names])
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(spec=spec_path),
                rng.choice(GOALS).format(csv=csv_path),
                "",
                "The file is a chemical reaction mechanism: `species` lines declare each "
                "species with its initial concentration, each `R<n>:` line is one irreversible "
                "reaction with its rate constant, and the `report` line lists the output times.",
                "",
                "Rules:",
                *[f"- {rule}" for rule in rules],
                "",
                "Outputs (create the directory):",
                f"- `{csv_path}`: CSV with exactly the header `{header}` (species in declaration "
                "order), numbers with at least 8 significant digits.",
                f"- `{json_path}`: a JSON object with `half_time`, the first time at which "
                f"[{names[reactant]}] falls to half its initial value (relative error 1e-4), and "
                "`peaks`, an object with an entry for each of "
                + ", ".join(f"`{p}`" for p in peak_names)
                + ': `{"time": ..., "value": ...}` giving when that species reaches its '
                "maximum concentration over 0 <= t <= the last report time, and that maximum "
                "(value within relative 1e-4, time within relative 1e-2).",
            ]
        )
        expected = {
            "level": "hard",
            "spec": spec_path,
            "spec_text": spec_text,
            "csv": csv_path,
            "json": json_path,
            "columns": ["t", *col_names],
            "rows": rows,
            "rtol": 1e-4,
            "atol": 1e-10,
            "time_tol": 1e-9,
            "half_time": half_time,
            "half_time_rtol": 1e-4,
            "peaks": peaks,
            "peak_value_rtol": 1e-4,
            "peak_time_rtol": 1e-2,
        }
        solution = (
            self.asset("solve_hard.sh")
            .replace("@SPEC@", spec_path)
            .replace("@CSV@", csv_path)
            .replace("@JSON@", json_path)
            .replace("@REACTANT@", names[reactant])
            .replace("@PEAKS@", " ".join(peak_names))
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={net_name: spec_text},
            dockerfile=f"COPY {net_name} {spec_path}\n",
            tags=["ode", "stiff", "chemical-kinetics", "implicit-methods"],
        )
