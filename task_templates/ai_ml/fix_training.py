"""Repair a numpy training pipeline with planted bugs until it generalises to fresh data.

The generator writes a small, correct numpy project (a logistic-regression script, or a
train/predict pair around softmax regression or a ReLU MLP), then plants single-line bugs from
a catalogue: a flipped gradient sign, labels shuffled apart from their rows, the row id used as
a feature, scaler arguments swapped, a flipped early-stopping test, class names saved in the
wrong order, an unseeded split, zero-initialised hidden weights, ... Every bug on its own makes
the grader fail: it runs the fixed code (as `nobody`) on a fresh dataset shipped only to the
verifier, whose test ids come from another range, and requires accuracy above a bar set a
slack below the Bayes-optimal accuracy the generator computed for that dataset, plus an exact
CLI and output contract and identical predictions for identical seeds.

- easy: one script, binary logistic regression, two bugs;
- medium: a four-file project (data I/O, model, train, predict), softmax regression, four bugs;
- hard: the same layout around an Adam-trained MLP on data no linear model separates, six bugs
  of which at least two sit in the network code.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import random
import shlex

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

THEMES = [
    ("churnwatch", "customer churn signals", ["stays", "leaves", "downgrades", "upgrades"]),
    ("leafsort", "leaf shape measurements", ["oak", "maple", "birch", "ash"]),
    ("gridwatch", "substation telemetry", ["nominal", "overload", "fault", "surge"]),
    ("beanclf", "dry bean morphology", ["pinto", "navy", "kidney", "cranberry"]),
    ("quakecat", "seismic event features", ["quake", "blast", "noise", "slide"]),
    ("tumbler", "washing machine vibration logs", ["balanced", "offset", "loose", "jammed"]),
    ("orbitclf", "satellite pass statistics", ["leo", "meo", "geo", "heo"]),
]
PROJECT_DIRS = ["/app/{name}", "/app/src/{name}", "/app/projects/{name}"]
DATA_DIRS = ["data", "inputs", "csv"]
DATA_MODULES = ["dataio", "loader", "tabular", "prep"]
SCRIPT_NAMES = ["classify", "logreg", "fit_predict", "train_and_label"]

# Each bug: (file role, correct line, planted line, why the planted line is wrong).
SINGLE_BUGS = {
    "gradient_sign": (
        "script",
        "        w -= lr * grad_w",
        "        w += lr * grad_w",
        "the weight update climbs the loss instead of descending it",
    ),
    "shuffled_labels": (
        "script",
        "    X, y = X[order], y[order]",
        "    X, y = X[order], y[rng.permutation(len(y))]",
        "labels are shuffled with a different permutation than their rows",
    ),
    "id_feature": (
        "script",
        "    X = np.array([[float(v) for v in row[1 : 1 + n_features]] for row in rows])",
        "    X = np.array([[float(v) for v in row[: 1 + n_features]] for row in rows])",
        "the id column is read as a feature (new data has ids from another range)",
    ),
    "scaler_swap": (
        "script",
        "    X_test, _, _ = standardize(X_test, mean, std)",
        "    X_test, _, _ = standardize(X_test, std, mean)",
        "test rows are scaled with mean and std swapped",
    ),
    "threshold_flip": (
        "script",
        "    predicted = sigmoid(X_test @ w + b) > 0.5",
        "    predicted = sigmoid(X_test @ w + b) < 0.5",
        "test predictions use the inverted decision rule",
    ),
    "row_index_ids": (
        "script",
        "        for row_id, p in zip(ids, predicted):",
        "        for row_id, p in enumerate(predicted):",
        "the output carries row numbers instead of the ids",
    ),
    "unseeded": (
        "script",
        "    rng = np.random.default_rng(args.seed)",
        "    rng = np.random.default_rng()",
        "--seed is ignored, so runs are not reproducible",
    ),
}
SHARED_BUGS = {
    "shuffled_labels": (
        "data",
        "    X, y = X[order], y[order]",
        "    X, y = X[order], y[rng.permutation(len(y))]",
        "labels are shuffled with a different permutation than their rows",
    ),
    "id_feature": (
        "data",
        "FEATURES_START = 1  # index of the first feature column",
        "FEATURES_START = 0  # index of the first feature column",
        "column 0 (the id) is read as a feature",
    ),
    "scale_precedence": (
        "data",
        "    return (X - mean) / std",
        "    return X - mean / std",
        "operator precedence: only the mean is divided by std",
    ),
    "early_stop_flip": (
        "train",
        "        if val_loss < best_loss:",
        "        if val_loss > best_loss:",
        "the best-epoch test is inverted, so the untrained weights are kept",
    ),
    "class_order": (
        "train",
        '        "classes": classes,',
        '        "classes": list(dict.fromkeys(labels)),',
        "saved class names are not in the order the label indices were built with",
    ),
    "unseeded": (
        "train",
        "    rng = np.random.default_rng(args.seed)",
        "    rng = np.random.default_rng()",
        "--seed is ignored, so runs are not reproducible",
    ),
    "scaler_swap": (
        "predict",
        '    X = scale(X, np.array(saved["mean"]), np.array(saved["std"]))',
        '    X = scale(X, np.array(saved["std"]), np.array(saved["mean"]))',
        "prediction scales with mean and std swapped",
    ),
    "row_index_ids": (
        "predict",
        "        for row_id, k in zip(ids, predicted):",
        "        for row_id, k in enumerate(predicted):",
        "the output carries row numbers instead of the ids",
    ),
}
LINEAR_BUGS = {
    "gradient_sign": (
        "model",
        "        self.W -= lr * dW",
        "        self.W += lr * dW",
        "the weight update climbs the loss instead of descending it",
    ),
    "argmax_axis": (
        "model",
        "        return np.argmax(self.scores(X), axis=1)",
        "        return np.argmax(self.scores(X), axis=0)",
        "argmax over rows instead of over classes",
    ),
}
MLP_BUGS = {
    "adam_sign": (
        "model",
        "            self.params[name] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)",
        "            self.params[name] += lr * m_hat / (np.sqrt(v_hat) + 1e-8)",
        "the Adam step climbs the loss instead of descending it",
    ),
    "zero_init": (
        "model",
        '            "W1": rng.normal(0.0, np.sqrt(2.0 / n_features), (n_features, n_hidden)),',
        '            "W1": np.zeros((n_features, n_hidden)),',
        "zero hidden weights never receive a gradient through the ReLU",
    ),
    "linear_output": (
        "model",
        '        return H, H @ self.params["W2"] + self.params["b2"]',
        '        return H, A1 @ self.params["W2"] + self.params["b2"]',
        "the output layer reads the pre-activation, so the network is linear",
    ),
    "argmax_axis": (
        "model",
        "        return np.argmax(self.forward(X)[1], axis=1)",
        "        return np.argmax(self.forward(X)[1], axis=0)",
        "argmax over rows instead of over classes",
    ),
}
BUG_COUNT = {Difficulty.EASY: 2, Difficulty.MEDIUM: 4, Difficulty.HARD: 6}

# difficulty -> (classes, features, clusters per class, n_train, n_holdout, n_hidden_test)
SHAPES = {
    Difficulty.EASY: (2, 5, 1, 500, 300, 600),
    Difficulty.MEDIUM: (4, 6, 1, 800, 400, 800),
    Difficulty.HARD: (4, 5, 2, 1500, 500, 1000),
}
BAYES_WINDOW = {
    Difficulty.EASY: (0.88, 0.97),
    Difficulty.MEDIUM: (0.86, 0.95),
    Difficulty.HARD: (0.86, 0.95),
}
SLACK = {Difficulty.EASY: 0.06, Difficulty.MEDIUM: 0.07, Difficulty.HARD: 0.09}
LABEL_NOISE = 0.02
FEATURE_WORDS = [
    "amp",
    "rate",
    "ratio",
    "peak",
    "mean",
    "span",
    "energy",
    "skew",
    "load",
    "temp",
    "width",
    "depth",
    "count",
    "drift",
]

OPENINGS = [
    "The training code in `{proj}` ({story}) is broken.",
    "`{proj}` holds a small numpy classifier for {story}, and it does not work.",
    "Someone left a buggy numpy training pipeline for {story} in `{proj}`.",
    "Our {story} classifier in `{proj}` trains, but something is badly wrong with it.",
]
SYMPTOMS = [
    "Its predictions on new data are far worse than they should be.",
    "Predictions on new data are close to useless, and results are not reliable.",
    "Nobody trusts its output: accuracy on fresh rows is poor.",
]


def _sed_pattern(line: str) -> str:
    out = line
    for ch in "\\|.*[]^$":
        out = out.replace(ch, "\\" + ch)
    return out


def _sed_replacement(line: str) -> str:
    return line.replace("\\", "\\\\").replace("|", "\\|").replace("&", "\\&")


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


@register
class FixTraining(TemplateFamily):
    name = "training-script-repair"
    idempotent = True
    domain = Domain.AI_ML
    description = (
        "Find and fix planted bugs in a numpy training pipeline so it generalises to fresh "
        "hidden data under a fixed CLI contract."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        n_classes, n_features, n_comp, n_train, n_hold, n_hidden_test = SHAPES[difficulty]
        easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
        project, story, class_pool = rng.choice(THEMES)
        classes = rng.sample(class_pool, n_classes)
        features = [
            f"{w}_{i}" for i, w in enumerate(rng.sample(FEATURE_WORDS, n_features), start=1)
        ]
        proj = rng.choice(PROJECT_DIRS).format(name=project)
        data_dir = rng.choice(DATA_DIRS)
        bugs = self._pick_bugs(rng, difficulty)

        while True:
            model = self._draw_model(rng, difficulty, n_classes, n_features, n_comp)
            scales = [10 ** rng.uniform(-2, 4) for _ in features]
            offsets = [rng.uniform(-4, 4) * s * rng.choice([2, 10, 50]) for s in scales]
            priors = [1.0 / n_classes] * n_classes
            hidden_test = self._sample(rng, n_hidden_test, priors, model)
            bayes = [self._bayes(z, priors, model) for z, _ in hidden_test]
            acc = sum(b == y for b, (_, y) in zip(bayes, hidden_test, strict=True)) / n_hidden_test
            lo, hi = BAYES_WINDOW[difficulty]
            if lo <= acc <= hi:
                break
        bar = math.floor((acc - SLACK[difficulty]) * 100) / 100

        def render(rows, id_start, id_step, labelled):
            ids = []
            next_id = id_start
            for _ in rows:
                next_id += rng.randint(1, id_step)
                ids.append(next_id)
            rng.shuffle(ids)
            if labelled:
                rows = self._unsorted_first_labels(rows, classes.index(min(classes)))
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(["id", *features, *(["label"] if labelled else [])])
            for rid, (z, y) in zip(ids, rows, strict=True):
                values = [
                    f"{o + s * v:.{max(0, 3 - math.floor(math.log10(s)))}f}"
                    for v, s, o in zip(z, scales, offsets, strict=True)
                ]
                w.writerow([rid, *values, *([classes[y]] if labelled else [])])
            return buf.getvalue(), [str(i) for i in ids], rows

        train_text, _, _ = render(
            self._sample(rng, n_train, priors, model), rng.randrange(1000, 5000), 3, True
        )
        hold_rows = self._sample(rng, n_hold, priors, model)
        hold_text, hold_ids, _ = render(hold_rows, rng.randrange(200000, 400000), 9, False)
        hold_labels = "id,label\n" + "".join(
            f"{i},{classes[y]}\n" for i, (_, y) in zip(hold_ids, hold_rows, strict=True)
        )
        hidden_train_text, _, _ = render(
            self._sample(rng, n_train, priors, model), rng.randrange(1000, 5000), 3, True
        )
        hidden_test_text, hidden_ids, _ = render(
            hidden_test, rng.randrange(700000, 900000), 9, False
        )

        if easy:
            script = rng.choice(SCRIPT_NAMES)
            names = {"script": f"{script}.py"}
            sources = {"script": self.asset("single.py.in")}
        else:
            data_mod = rng.choice(DATA_MODULES)
            model_mod = "net" if hard else rng.choice(["model", "linear", "softmax"])
            train_name, predict_name = rng.choice(
                [("train", "predict"), ("fit", "predict"), ("train", "infer")]
            )
            names = {
                "data": f"{data_mod}.py",
                "model": f"{model_mod}.py",
                "train": f"{train_name}.py",
                "predict": f"{predict_name}.py",
            }
            sources = {
                "data": self.asset("dataio.py.in"),
                "model": self.asset("mlp.py.in" if hard else "linear.py.in"),
                "train": self.asset("train_mlp.py.in" if hard else "train_linear.py.in"),
                "predict": self.asset("predict.py.in"),
            }
        hyper = {
            "@EPOCHS@": str(rng.choice([300, 400, 500]) if not hard else rng.choice([500, 600])),
            "@LR@": str(rng.choice([0.1, 0.2, 0.3]) if not hard else rng.choice([0.01, 0.02])),
            "@L2@": rng.choice(["0.001", "0.0005", "0.0001"]),
            "@DECAY@": rng.choice(["0.999", "0.998"]),
            "@HIDDEN@": str(rng.choice([32, 48, 64])),
            "@STORY@": story,
            "@TITLE@": project,
            "@SCRIPT@": names.get("script", "")[:-3],
            "@DATA@": names.get("data", "")[:-3],
            "@MODEL@": names.get("model", "")[:-3],
            "@TRAIN@": names.get("train", "")[:-3],
            "@PREDICT@": names.get("predict", "")[:-3],
            "@CLASS@": "MLP" if hard else "SoftmaxRegression",
        }
        for role, text in sources.items():
            for key, value in hyper.items():
                text = text.replace(key, value)
            sources[role] = text
        catalogue = self._catalogue(difficulty)
        planted = dict(sources)
        for bug in bugs:
            role, good, bad, _ = catalogue[bug]
            assert planted[role].count(good + "\n") == 1, (bug, role)
            planted[role] = planted[role].replace(good + "\n", bad + "\n")

        files = {f"{data_dir}/train.csv": train_text, f"{data_dir}/holdout.csv": hold_text}
        files[f"{data_dir}/holdout_labels.csv"] = hold_labels
        for role, text in planted.items():
            files[names[role]] = text
        env_files = {f"project/{path}": text for path, text in files.items()}

        instruction = self._instruction(
            rng, difficulty, proj, story, names, data_dir, classes, bar, len(bugs)
        )
        expected = {
            "project": proj,
            "difficulty": difficulty.value,
            "names": names,
            "classes": classes,
            "labels": {i: classes[y] for i, (_, y) in zip(hidden_ids, hidden_test, strict=True)},
            "accuracy_bar": bar,
            "bayes_accuracy": round(acc, 4),
            "bugs": bugs,
            "data_files": {
                f"{proj}/{data_dir}/{name}": files[f"{data_dir}/{name}"]
                for name in ("train.csv", "holdout.csv", "holdout_labels.csv")
            },
        }
        solution = self._solution(difficulty, proj, data_dir, names, bugs, catalogue, planted)
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=env_files,
            dockerfile=f"COPY project/ {proj}/\n",
            test_files={"hidden/train.csv": hidden_train_text, "hidden/test.csv": hidden_test_text},
            tags=["debugging", "numpy", "training", *(["mlp"] if hard else [])],
        )

    @staticmethod
    def _catalogue(difficulty: Difficulty) -> dict:
        if difficulty is Difficulty.EASY:
            return SINGLE_BUGS
        extra = MLP_BUGS if difficulty is Difficulty.HARD else LINEAR_BUGS
        return {**SHARED_BUGS, **extra}

    def _pick_bugs(self, rng: random.Random, difficulty: Difficulty) -> list[str]:
        catalogue = self._catalogue(difficulty)
        if difficulty is Difficulty.HARD:
            core = rng.sample(sorted(MLP_BUGS), 2)
            rest = [b for b in sorted(catalogue) if b not in core]
            return sorted(core + rng.sample(rest, BUG_COUNT[difficulty] - 2))
        return sorted(rng.sample(sorted(catalogue), BUG_COUNT[difficulty]))

    @staticmethod
    def _draw_model(rng, difficulty, n_classes, n_features, n_comp):
        spread = {Difficulty.EASY: 0.9, Difficulty.MEDIUM: 1.3, Difficulty.HARD: 1.7}[difficulty]
        model = []
        for _ in range(n_classes):
            centre = [rng.gauss(0, spread) for _ in range(n_features)]
            comps = [(1.0, centre, [rng.uniform(0.7, 1.2) for _ in range(n_features)])]
            if n_comp == 2:  # a twin cluster on the opposite side: no hyperplane separates
                w = rng.uniform(0.4, 0.6)
                twin = [-c + rng.gauss(0, 0.3) for c in centre]
                comps = [
                    (w, centre, comps[0][2]),
                    (1 - w, twin, [rng.uniform(0.7, 1.1) for _ in range(n_features)]),
                ]
            model.append(comps)
        return model

    @staticmethod
    def _sample(rng, n, priors, model):
        rows = []
        for _ in range(n):
            k = rng.choices(range(len(priors)), weights=priors)[0]
            comps = model[k]
            _, mean, stds = comps[rng.choices(range(len(comps)), weights=[c[0] for c in comps])[0]]
            z = [rng.gauss(m, s) for m, s in zip(mean, stds, strict=True)]
            label = k
            if rng.random() < LABEL_NOISE:
                label = rng.choice([j for j in range(len(priors)) if j != k])
            rows.append((z, label))
        return rows

    @staticmethod
    def _bayes(z, priors, model):
        scores = []
        for k, comps in enumerate(model):
            parts = []
            for w, mean, stds in comps:
                ll = math.log(w)
                for v, m, s in zip(z, mean, stds, strict=True):
                    ll += -0.5 * ((v - m) / s) ** 2 - math.log(s)
                parts.append(ll)
            scores.append(math.log(priors[k]) + _logsumexp(parts))
        return max(range(len(scores)), key=scores.__getitem__)

    @staticmethod
    def _unsorted_first_labels(rows, first_sorted):
        """Start with a row whose class is not the alphabetically first one.

        Then the order in which class names first appear in the file differs from their sorted
        order, which is what makes saving classes in first-appearance order a real bug.
        """
        if rows[0][1] != first_sorted:
            return rows
        i = next(i for i, (_, y) in enumerate(rows) if y != first_sorted)
        return [rows[i], *rows[:i], *rows[i + 1 :]]

    def _instruction(self, rng, difficulty, proj, story, names, data_dir, classes, bar, n_bugs):
        data = f"{proj}/{data_dir}"
        fmt = dict(proj=proj, story=story)
        if difficulty is Difficulty.EASY:
            script = names["script"]
            usage = (
                f"`python3 {proj}/{script} --train TRAIN.csv --test TEST.csv --out PRED.csv "
                "[--seed N]`"
            )
            contract = [
                f"Keep the command line of `{script}` as it is: {usage}. It must still train on "
                "TRAIN.csv, print a line `val_accuracy=<number between 0 and 1>`, and write "
                "PRED.csv.",
            ]
            how_many = "It contains exactly two bugs."
        else:
            train, predict = names["train"], names["predict"]
            contract = [
                f"Keep the command lines as they are: `python3 {proj}/{train} --data TRAIN.csv "
                f"--model MODEL.json [--seed N]` trains, saves a model and prints a line "
                f"`val_accuracy=<number between 0 and 1>`; `python3 {proj}/{predict} --model "
                "MODEL.json --input DATA.csv --out PRED.csv` labels DATA.csv.",
            ]
            how_many = (
                "It contains several bugs, anywhere in these files."
                if difficulty is Difficulty.HARD
                else f"It contains {n_bugs} bugs (a file may hold more than one)."
            )
        rules = [
            *contract,
            "PRED.csv must have the header `id,label` and exactly one row per input row, "
            "carrying that row's `id` and a class name seen in training.",
            f"Graded on fresh data: the grader trains your fixed code with default "
            f"hyper-parameters on a new labelled file with the same columns as "
            f"`{data}/train.csv`, predicts a new unlabelled file (its ids come from another "
            f"range), and needs accuracy of at least {bar:.2f} on it.",
            "Running the same training command twice with the same `--seed` must give "
            "identical predictions.",
            "Use only Python 3, its standard library and numpy (nothing else is installed); each "
            "command must finish within 60 seconds.",
            f"Do not modify the files in `{data}/`.",
        ]
        rng.shuffle(rules)
        files = ", ".join(f"`{n}`" for n in sorted(names.values()))
        lines = [
            rng.choice(OPENINGS).format(**fmt),
            rng.choice(SYMPTOMS),
            "",
            f"The project's code is {files}. {how_many} Find and fix them.",
            f"`{data}/train.csv` is labelled training data (`id`, numeric features, `label`); "
            f"`{data}/holdout.csv` is unlabelled and `{data}/holdout_labels.csv` gives its true "
            "labels, so you can measure what the grader will measure.",
            f"The classes are: {', '.join(f'`{c}`' for c in sorted(classes))}.",
            "",
            "Requirements:",
            *[f"- {rule}" for rule in rules],
        ]
        return "\n".join(lines)

    def _solution(self, difficulty, proj, data_dir, names, bugs, catalogue, planted) -> str:
        d = data_dir
        files = sorted(names.values())
        if difficulty is Difficulty.EASY:
            script = names["script"]

            def run(out, seed):
                return (
                    f"timeout 60 python3 {script} --train {d}/train.csv --test {d}/holdout.csv "
                    f"--out {out} --seed {seed}"
                )
        else:
            train, predict = names["train"], names["predict"]

            def run(out, seed):
                model = out.replace(".csv", ".json")
                return (
                    f"timeout 60 python3 {train} --data {d}/train.csv --model {model} "
                    f"--seed {seed} && timeout 60 python3 {predict} --model {model} "
                    f"--input {d}/holdout.csv --out {out}"
                )

        # Half of the fixes go in as one patch file, the rest as in-place sed edits.
        by_patch, by_sed = bugs[len(bugs) // 2 :], bugs[: len(bugs) // 2]
        patch = []
        for role in sorted({catalogue[b][0] for b in by_patch}):
            before = planted[role]
            after = before
            for bug in by_patch:
                if catalogue[bug][0] == role:
                    _, good, bad, _ = catalogue[bug]
                    after = after.replace(bad + "\n", good + "\n")
            patch += difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                f"a/{names[role]}",
                f"b/{names[role]}",
                n=2,
            )
        lines = [
            "# Reference solution: reproduce the failure, read the code, fix each planted bug,",
            "# then measure holdout accuracy and check that equal seeds give equal predictions.",
            f"cd {proj}",
            f"ls -la . {d}",
            "find . -name '*.py' | sort | xargs wc -l",
            f"wc -l {d}/*.csv",
            f"head -n 3 {d}/train.csv",
            f"head -n 4 {d}/holdout.csv | cut -d, -f1",
            f"md5sum {d}/*.csv > /tmp/data.md5",
            "cat " + " ".join(files),
            'work="$(mktemp -d)"',
            "# The code as shipped: what does it report, and what does it predict?",
            f"( {run('$work/before.csv', 0)} ) 2>&1 | tail -n 4 || true",
            'tail -n +2 "$work/before.csv" 2>/dev/null | cut -d, -f2 | sort | uniq -c || true',
            "# Suspicious lines found while reading the code:",
        ]
        for bug in bugs:
            role, _, bad, why = catalogue[bug]
            lines.append(f"grep -n -F -- {shlex.quote(bad.strip())} {names[role]} || true  # {why}")
        lines += [
            f"cp -r {proj} /tmp/project.orig",
            "cat > /tmp/fixes.patch <<'PATCH'",
            "".join(patch).rstrip("\n"),
            "PATCH",
            "if patch -p1 --dry-run < /tmp/fixes.patch; then patch -p1 < /tmp/fixes.patch; fi",
        ]
        for bug in by_sed:
            role, good, bad, _ = catalogue[bug]
            expr = f"s|^{_sed_pattern(bad)}$|{_sed_replacement(good)}|"
            lines.append(f"sed -i {shlex.quote(expr)} {names[role]}")
        lines += [
            f"diff -ru /tmp/project.orig {proj} || true",
            "python3 -m py_compile " + " ".join(files),
            f'( {run("$work/after1.csv", 11)} ) | tee "$work/train.log" | tail -n 1',
            f"( {run('$work/after2.csv', 11)} ) > /dev/null",
            'cmp "$work/after1.csv" "$work/after2.csv" && echo "same seed, same predictions"',
            'join -t, <(tail -n +2 "$work/after1.csv" | sort) '
            f"<(tail -n +2 {d}/holdout_labels.csv | sort) "
            '| awk -F, \'$2 == $3 { ok++ } END { printf "holdout accuracy %.4f over %d rows\\n", '
            "ok / NR, NR }'",
            "md5sum -c /tmp/data.md5",
            'rm -rf __pycache__ /tmp/project.orig "$work"',
        ]
        return "\n".join(lines) + "\n"
