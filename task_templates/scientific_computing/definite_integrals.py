"""Evaluate a table of definite integrals, written in a small math notation, to a tolerance.

Every integrand is a sum of terms whose antiderivative (or, for improper integrals, whose
definite value) is known in closed form, so the generator knows each integral exactly. The
parameters are printed as short decimals (or as named constants) and the truth is computed
from exactly those values. Difficulty adds terms, named constants, `pi` in the bounds and, at
hard, the cases that defeat a fixed-grid rule: integrable endpoint singularities, infinite
ranges, peaks far narrower than any uniform grid and hundreds of oscillations.
"""

from __future__ import annotations

import math
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

DIRS = ["/app/quad", "/app/integrals", "/app/calc", "/app/analysis", "/app/work"]
INPUT_NAMES = ["integrals.txt", "table.txt", "problems.txt", "worklist.txt", "quadrature.txt"]
OUT_DIRS = ["/app/out", "/app/results", "/app/answers", "/app/output"]
OUT_NAMES = ["values.csv", "integrals.csv", "results.csv", "quadrature.csv"]
ID_STYLES = ["I{n:02d}", "J{n}", "int_{n}", "q{n:03d}", "case{n}", "F{n:02d}"]
CONST_NAMES = [
    "alpha", "beta", "gam", "kappa", "omega", "lam", "mu0", "sig", "w1", "w2", "k1", "k2",
    "c0", "c1", "rho", "tau", "nu", "eta", "theta", "zeta", "psi", "phi0", "amp", "freq",
]  # fmt: skip

OPENINGS = [
    "A list of definite integrals is waiting in `{input}`.",
    "The analysis pipeline needs the integrals listed in `{input}` evaluated.",
    "`{input}` holds integrals that a report depends on; nobody has computed them yet.",
    "You are given a worklist of definite integrals in `{input}`.",
    "Our old Fortran quadrature job died; its input file `{input}` is all that is left.",
]
GOALS = [
    "Evaluate every integral and write the values to `{output}`.",
    "Compute each integral numerically (or exactly) and save the results as `{output}`.",
    "Produce `{output}` with the value of each integral.",
    "Work out all of the integrals and store them in `{output}`.",
]
TOLERANCE = {Difficulty.EASY: 1e-7, Difficulty.MEDIUM: 1e-9, Difficulty.HARD: 1e-9}
TOL_TEXT = {1e-7: "1e-7", 1e-9: "1e-9"}
COUNTS = {Difficulty.EASY: (5, 6), Difficulty.MEDIUM: (8, 10), Difficulty.HARD: (12, 14)}


class Params:
    """Draws printed parameters; some become named constants declared in the file."""

    def __init__(self, rng: random.Random, const_rate: float):
        self.rng, self.rate = rng, const_rate
        self.pool = rng.sample(CONST_NAMES, len(CONST_NAMES))
        self.consts: list[tuple[str, str]] = []

    def draw(self, lo: float, hi: float, digits: int) -> tuple[str, float]:
        text = f"{self.rng.uniform(lo, hi):.{digits}f}"
        value = float(text)
        if value == 0:
            return self.draw(lo, hi, digits)
        return self.name(text), value

    def name(self, text: str) -> str:
        if self.pool and self.rng.random() < self.rate:
            name = self.pool.pop()
            self.consts.append((name, text))
            return name
        return text


def _lin(coef: str, value: float) -> str:
    """`coef*x` with the sign folded in (coef text may be a constant name)."""
    return f"{coef}*x" if value > 0 or coef[0].isalpha() else f"-{coef[1:]}*x"


def _shift(text: str, value: float) -> str:
    if text[0].isalpha():
        return f"(x - {text})"
    return f"(x - {text})" if value >= 0 else f"(x + {text[1:]})"


# Each core takes (params, a, b, level) for finite [a, b] and returns (text, integral) or
# None when it does not fit the interval.
def _c_power(p, a, b, lvl):
    n = p.rng.randint(1, 4)
    text = "x" if n == 1 else f"x^{n}"
    return text, (b ** (n + 1) - a ** (n + 1)) / (n + 1)


def _c_exp(p, a, b, lvl):
    t, A = p.draw(-2.0, 1.5, 2)
    return f"exp({_lin(t, A)})", (math.exp(A * b) - math.exp(A * a)) / A


def _c_exp_trig(p, a, b, lvl):
    t, A = p.draw(-1.5, 0.8, 2)
    u, B = p.draw(1.0, {"easy": 8, "medium": 30, "hard": 60}[lvl], 2)
    den = A * A + B * B
    if p.rng.random() < 0.5:

        def F(x):
            return math.exp(A * x) * (A * math.sin(B * x) - B * math.cos(B * x)) / den

        return f"exp({_lin(t, A)})*sin({u}*x)", F(b) - F(a)

    def G(x):
        return math.exp(A * x) * (A * math.cos(B * x) + B * math.sin(B * x)) / den

    return f"exp({_lin(t, A)})*cos({u}*x)", G(b) - G(a)


def _c_x_exp(p, a, b, lvl):
    t, A = p.draw(-2.0, 1.0, 2)
    if p.rng.random() < 0.5 or lvl == "easy":

        def F(x):
            return math.exp(A * x) * (x / A - 1 / A**2)

        return f"x*exp({_lin(t, A)})", F(b) - F(a)

    def G(x):
        return math.exp(A * x) * (x * x / A - 2 * x / A**2 + 2 / A**3)

    return f"x^2*exp({_lin(t, A)})", G(b) - G(a)


def _c_sin_sq(p, a, b, lvl):
    u, B = p.draw(0.5, {"easy": 6, "medium": 25, "hard": 80}[lvl], 2)

    def F(x):
        return x / 2 - math.sin(2 * B * x) / (4 * B)

    trig = p.rng.choice(["sin", "cos"])
    if trig == "cos":
        return f"cos({u}*x)^2", (b - a) - (F(b) - F(a))
    return f"sin({u}*x)^2", F(b) - F(a)


def _c_x_trig(p, a, b, lvl):
    u, B = p.draw(1.0, {"easy": 6, "medium": 40, "hard": 150}[lvl], 2)
    if p.rng.random() < 0.5:

        def F(x):
            return math.cos(B * x) / B**2 + x * math.sin(B * x) / B

        return f"x*cos({u}*x)", F(b) - F(a)

    def G(x):
        return math.sin(B * x) / B**2 - x * math.cos(B * x) / B

    return f"x*sin({u}*x)", G(b) - G(a)


def _c_lorentz(p, a, b, lvl):
    lo, hi, digits = {"easy": (0.2, 2.0, 2), "medium": (0.02, 0.5, 3), "hard": (0.0005, 0.005, 4)}[
        lvl
    ]
    mt, M = p.draw(a + 0.15 * (b - a), b - 0.15 * (b - a), 2)
    wt, W = p.draw(lo, hi, digits)
    return (
        f"1/({_shift(mt, M)}^2 + {wt}^2)",
        (math.atan((b - M) / W) - math.atan((a - M) / W)) / W,
    )


def _c_gauss(p, a, b, lvl):
    lo, hi, digits = {"easy": (0.3, 1.5, 2), "medium": (0.03, 0.5, 3), "hard": (0.001, 0.01, 4)}[
        lvl
    ]
    mt, M = p.draw(a + 0.15 * (b - a), b - 0.15 * (b - a), 2)
    st, S = p.draw(lo, hi, digits)
    r2 = S * math.sqrt(2)
    value = S * math.sqrt(math.pi / 2) * (math.erf((b - M) / r2) - math.erf((a - M) / r2))
    return f"exp(-{_shift(mt, M)}^2/(2*{st}^2))", value


def _c_recip(p, a, b, lvl):
    pt, P = p.draw(max(0.3, -a + 0.3), max(0.3, -a + 0.3) + 3, 2)
    return f"1/(x + {pt})", math.log((b + P) / (a + P))


def _c_sqrt(p, a, b, lvl):
    if a < 0:
        return None
    return "sqrt(x)", 2 / 3 * (b**1.5 - a**1.5)


def _c_ln(p, a, b, lvl):
    if a < 0 or (a == 0 and lvl != "hard"):
        return None

    def F(x):
        return 0.0 if x == 0 else x * math.log(x) - x

    return "ln(x)", F(b) - F(a)


def _c_inv_sqrt(p, a, b, lvl):
    if a < 0 or (a == 0 and lvl != "hard"):
        return None
    return "1/sqrt(x)", 2 * (math.sqrt(b) - math.sqrt(a))


def _c_neg_power(p, a, b, lvl):
    if a != 0:
        return None
    pt, P = p.draw(0.2, 0.8, 2)
    return f"x^(-{pt})", b ** (1 - P) / (1 - P)


def _c_x_over(p, a, b, lvl):
    wt, W = p.draw(0.3, 2.0, 2)
    return f"x/(x^2 + {wt}^2)", math.log((b * b + W * W) / (a * a + W * W)) / 2


def _c_sech2(p, a, b, lvl):
    t, A = p.draw(0.3, 3.0, 2)
    return f"1/cosh({t}*x)^2", (math.tanh(A * b) - math.tanh(A * a)) / A


def _c_atan(p, a, b, lvl):
    def F(x):
        return x * math.atan(x) - math.log(1 + x * x) / 2

    return "atan(x)", F(b) - F(a)


def _c_fast_trig(p, a, b, lvl):
    u, B = p.draw(100.0, 400.0, 1)
    if p.rng.random() < 0.5:
        return f"sin({u}*x)", (math.cos(B * a) - math.cos(B * b)) / B
    return f"cos({u}*x)", (math.sin(B * b) - math.sin(B * a)) / B


EASY_CORES = [_c_power, _c_exp, _c_exp_trig, _c_x_exp, _c_sin_sq, _c_x_trig, _c_lorentz]
EASY_CORES += [_c_gauss, _c_recip, _c_sqrt]
MEDIUM_CORES = EASY_CORES + [_c_ln, _c_inv_sqrt, _c_x_over, _c_sech2, _c_atan]
HARD_SPECIAL = [_c_lorentz, _c_gauss, _c_fast_trig, _c_x_trig, _c_neg_power, _c_inv_sqrt, _c_ln]


# Improper integrals: (text, value) on [0, inf) or (-inf, inf).
def _i_exp_trig(p):
    t, A = p.draw(0.3, 2.5, 2)
    u, B = p.draw(0.5, 12.0, 2)
    if p.rng.random() < 0.5:
        return f"exp(-{t}*x)*cos({u}*x)", A / (A * A + B * B)
    return f"exp(-{t}*x)*sin({u}*x)", B / (A * A + B * B)


def _i_gamma(p):
    t, A = p.draw(0.4, 2.5, 2)
    n = p.rng.randint(1, 3)
    return (f"x*exp(-{t}*x)" if n == 1 else f"x^{n}*exp(-{t}*x)"), math.factorial(n) / A ** (n + 1)


def _i_half_lorentz(p):
    wt, W = p.draw(0.2, 3.0, 2)
    return f"1/(x^2 + {wt}^2)", math.pi / (2 * W)


def _i_half_gauss(p):
    t, A = p.draw(0.2, 4.0, 2)
    return f"exp(-{t}*x^2)", math.sqrt(math.pi / A) / 2


def _i_sqrt_pole(p):
    pt, P = p.draw(0.3, 4.0, 2)
    return f"1/((x + {pt})*sqrt(x))", math.pi / math.sqrt(P)


def _i_lorentz(p):
    mt, M = p.draw(-3.0, 3.0, 2)
    wt, W = p.draw(0.05, 2.0, 2)
    return f"1/({_shift(mt, M)}^2 + {wt}^2)", math.pi / W


def _i_gauss(p):
    mt, M = p.draw(-3.0, 3.0, 2)
    st, S = p.draw(0.1, 2.0, 2)
    return f"exp(-{_shift(mt, M)}^2/(2*{st}^2))", S * math.sqrt(2 * math.pi)


def _i_gauss_cos(p):
    t, A = p.draw(0.2, 3.0, 2)
    u, B = p.draw(0.5, 6.0, 2)
    return f"exp(-{t}*x^2)*cos({u}*x)", math.sqrt(math.pi / A) * math.exp(-B * B / (4 * A))


def _i_sech2(p):
    t, A = p.draw(0.3, 3.0, 2)
    return f"1/cosh({t}*x)^2", 2 / A


HALF_LINE = [_i_exp_trig, _i_gamma, _i_half_lorentz, _i_half_gauss, _i_sqrt_pole]
WHOLE_LINE = [_i_lorentz, _i_gauss, _i_gauss_cos, _i_sech2]


def _join(terms: list[tuple[str, str, float]]) -> str:
    """Terms (coef text, core text, coef value) as `c1*core1 - c2*core2 + ...`."""
    out = ""
    for i, (ct, core, cv) in enumerate(terms):
        neg = cv < 0 and not ct[0].isalpha()
        body = ct[1:] if neg else ct
        if core == "1":
            piece = body
        elif body == "1":
            piece = core
        elif core.startswith("1/"):
            piece = f"{body}{core[1:]}"  # 2.5/(x + 1), not 2.5*1/(x + 1)
        else:
            piece = f"{body}*{core}"
        if i == 0:
            out = ("-" if neg else "") + piece
        else:
            out += (" - " if neg else " + ") + piece
    return out


def _coef(p: Params, allow_const: bool = True) -> tuple[str, float]:
    if p.rng.random() < 0.25:
        return "1", 1.0
    text = f"{p.rng.choice([-1, 1]) * p.rng.uniform(0.2, 5.0):.2f}"
    value = float(text)
    if value == 0:
        return "1", 1.0
    return (p.name(text) if allow_const and value > 0 else text), value


def _finite_interval(rng, lvl, pi_bounds):
    """Bounds as (text, value); `pi` multiples at medium and hard sometimes."""
    if pi_bounds and rng.random() < 0.25:
        k = rng.choice([1, 2, 3, 4])
        return ("0", 0.0), (("pi" if k == 1 else f"{k}*pi"), k * math.pi)
    a = rng.choice([0.0, 0.0, round(rng.uniform(-2, 1), 1), round(rng.uniform(0.1, 1.5), 2)]) + 0.0
    b = round(a + rng.uniform(1.0, 8.0 if lvl != "easy" else 5.0), rng.choice([1, 2]))
    return (f"{a:g}", a), (f"{b:g}", b)


def _integral(rng, p, lvl, kind):
    """One integral: (integrand text, lower text, upper text, exact value)."""
    if kind in ("half", "whole"):
        catalog = HALF_LINE if kind == "half" else WHOLE_LINE
        picks = rng.sample(catalog, rng.randint(1, 2))
        terms, value = [], 0.0
        for make in picks:
            core, v = make(p)
            ct, cv = _coef(p)
            terms.append((ct, core, cv))
            value += cv * v
        lo = "0" if kind == "half" else "-inf"
        return _join(terms), lo, "inf", value
    (lt, a), (ut, b) = _finite_interval(rng, lvl, pi_bounds=lvl != "easy")
    if kind == "special":
        a_special = a
        if rng.random() < 0.5:  # the singular cores want a = 0
            a_special, lt = 0.0, "0"
        first = rng.choice(HARD_SPECIAL)
        made = first(p, a_special, b, "hard")
        if made is None:
            return _integral(rng, p, lvl, kind)
        a = a_special
        cores = [made]
        n_more = rng.randint(0, 1)
    else:
        cores = []
        n_more = 1 if lvl == "easy" else rng.randint(1, 3)
    catalog = EASY_CORES if lvl == "easy" else MEDIUM_CORES
    tries = 0
    while n_more > 0 and tries < 50:
        tries += 1
        made = rng.choice(catalog)(p, a, b, "easy" if lvl == "easy" else "medium")
        if made is not None and made[0] not in [c[0] for c in cores]:
            cores.append(made)
            n_more -= 1
    if rng.random() < 0.3 and lvl != "easy":  # a constant term
        cores.append(("1", b - a))
    terms, value = [], 0.0
    for core, v in cores:
        ct, cv = _coef(p)
        terms.append((ct, core, cv))
        value += cv * v
    return _join(terms), lt, ut, value


def _plan(rng, difficulty, n):
    if difficulty is Difficulty.HARD:
        kinds = ["half", "half", "whole", "special", "special", "special", "special"]
        kinds += ["plain"] * (n - len(kinds))
    else:
        kinds = ["plain"] * n
    rng.shuffle(kinds)
    return kinds


@register
class DefiniteIntegrals(TemplateFamily):
    name = "definite-integrals"
    domain = Domain.SCIENTIFIC_COMPUTING
    description = (
        "Parse a worklist of definite integrals in math notation and evaluate each to a stated "
        "tolerance (oscillatory, peaked, singular and improper ones at hard)."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        lvl = difficulty.value
        n = rng.randint(*COUNTS[difficulty])
        p = Params(rng, const_rate=0.0 if difficulty is Difficulty.EASY else 0.25)
        style = rng.choice(ID_STYLES)
        first = rng.randint(1, 20)
        ids = [style.format(n=first + i) for i in range(n)]
        rows = []
        for ident, kind in zip(ids, _plan(rng, difficulty, n), strict=True):
            text, lo, hi, value = _integral(rng, p, lvl, kind)
            rows.append((ident, text, lo, hi, value))

        in_dir = rng.choice(DIRS)
        in_name = rng.choice(INPUT_NAMES)
        in_path = f"{in_dir}/{in_name}"
        out_path = f"{rng.choice(OUT_DIRS)}/{rng.choice(OUT_NAMES)}"
        lines = ["# id | integrand f(x) | lower limit | upper limit"]
        if p.consts:
            lines.append("# constants")
            lines += [f"const {name} = {value}" for name, value in p.consts]
            lines.append("")
        decoys = []
        for i, (ident, text, lo, hi, _) in enumerate(rows):
            lines.append(f"{ident} | {text} | {lo} | {hi}")
            if difficulty is not Difficulty.EASY and rng.random() < 0.2:
                decoy = style.format(n=first + n + len(decoys) + 5)
                decoys.append(decoy)
                lines.append(f"# {decoy} | {rows[(i + 1) % n][1]} | 0 | 1   (withdrawn)")
        file_text = "\n".join(lines) + "\n"

        tol = TOLERANCE[difficulty]
        rules = [
            "Integrands use `x` as the variable, `^` for powers, `ln` for the natural "
            "logarithm and the functions `exp`, `sqrt`, `sin`, `cos`, `atan`, `cosh`; `pi` is "
            "the usual constant.",
            f"Each value must be within {TOL_TEXT[tol]} of the exact integral (relative to its "
            "magnitude when that exceeds 1).",
            "Lines starting with `#` are comments and are not integrals to evaluate.",
            f"Do not modify `{in_path}`.",
            "Write the values with at least 12 significant digits.",
        ]
        if p.consts:
            rules.append(
                "`const NAME = value` lines define named constants used in the integrands."
            )
        if difficulty is Difficulty.HARD:
            rules.append(
                "Limits can be `inf` / `-inf` (improper integrals, all of them convergent); "
                "some integrands have integrable singularities at an endpoint, very narrow "
                "peaks or hundreds of oscillations, so check that your method really converges."
            )
        elif difficulty is Difficulty.MEDIUM:
            rules.append("Limits may be written with `pi` (e.g. `2*pi`).")
        rng.shuffle(rules)
        sample_id = style.format(n=first + n + 40)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(input=in_path),
                rng.choice(GOALS).format(output=out_path),
                "",
                "Each non-comment line of the input reads `id | f(x) | lower | upper` and "
                "stands for the integral of f(x) dx from lower to upper.",
                "",
                "Rules:",
                *[f"- {rule}" for rule in rules],
                "",
                f"`{out_path}` (create the directory) must be a CSV file with the header "
                "`id,value` and one row per integral, in the order of the input file. For "
                f"example (made-up value): `{sample_id},-0.123456789012`.",
            ]
        )
        expected = {
            "input": in_path,
            "input_text": file_text,
            "output": out_path,
            "ids": [r[0] for r in rows],
            "values": {r[0]: r[4] for r in rows},
            "tolerance": tol,
        }
        solution = self.asset("solve.sh").replace("@INPUT@", in_path).replace("@OUTPUT@", out_path)
        tags = ["quadrature", "numerical-integration", "parsing"]
        if difficulty is Difficulty.HARD:
            tags += ["improper-integrals", "singularities"]
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={in_name: file_text},
            dockerfile=f"COPY {in_name} {in_path}\n",
            tags=tags,
        )
