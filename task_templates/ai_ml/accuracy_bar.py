"""Train a small classifier on a labelled CSV and predict hidden test labels above a stated bar.

The generator samples every row from a known class-conditional model (diagonal Gaussian
mixtures in a latent space, mapped to wildly different feature scales, plus class-dependent
categorical columns), so it knows the hidden test labels and can score the Bayes-optimal
classifier on the very test rows it wrote. The accuracy bar sits a fixed slack below that
optimum and well above the majority-class rate, so a sound pipeline (clean, impute, encode,
standardize, validate a model) clears it and constant or random answers cannot.

Difficulty changes the work, not just the size:
- easy: 2-3 well separated classes, clean numeric columns on moderate scales;
- medium: more classes, feature scales spanning six orders of magnitude, missing cells,
  a categorical column, uninformative columns, and a balanced-accuracy bar as well;
- hard: every class is a mixture of far-apart clusters (a linear model falls short of the bar),
  imbalanced classes, messy label spellings in train.csv, two categorical columns, `NA`/`?`
  cells, test.csv with its columns in another order, and a bookkeeping column that encodes the
  label in train.csv but takes unseen values in test.csv.
"""

from __future__ import annotations

import csv
import io
import math
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

THEMES = [
    {
        "dataset": "pump_telemetry",
        "story": "vibration and pressure telemetry from centrifugal pumps",
        "target": "condition",
        "classes": [
            "normal",
            "cavitation",
            "misalignment",
            "bearing_wear",
            "seal_leak",
            "impeller_damage",
        ],
        "numeric": [
            "inlet_pressure",
            "outlet_pressure",
            "flow_rate",
            "motor_current",
            "vibration_rms",
            "casing_temp",
            "shaft_speed",
            "noise_db",
            "oil_temp",
            "power_factor",
            "suction_head",
            "valve_position",
        ],
        "categorical": {
            "pump_model": ["p100", "p200", "p350", "p500"],
            "site": ["north", "south", "east", "west", "harbor"],
        },
        "artifact": "logger_batch",
    },
    {
        "dataset": "cellar_samples",
        "story": "chemical assays of wine samples from one cellar",
        "target": "cultivar",
        "classes": ["merlot", "syrah", "malbec", "tempranillo", "grenache", "nebbiolo"],
        "numeric": [
            "alcohol",
            "malic_acid",
            "ash",
            "alkalinity",
            "magnesium",
            "phenols",
            "flavanoids",
            "proanthocyanins",
            "color_intensity",
            "hue",
            "od_ratio",
            "proline",
        ],
        "categorical": {
            "barrel": ["oak", "steel", "clay", "acacia"],
            "vineyard": ["v_east", "v_ridge", "v_river", "v_slope", "v_terrace"],
        },
        "artifact": "lab_run",
    },
    {
        "dataset": "flow_captures",
        "story": "per-flow statistics from a campus network tap",
        "target": "traffic_class",
        "classes": ["web", "video", "voip", "backup", "gaming", "telemetry"],
        "numeric": [
            "mean_pkt_size",
            "pkt_rate",
            "flow_duration",
            "bytes_up",
            "bytes_down",
            "iat_mean",
            "iat_std",
            "syn_count",
            "rst_count",
            "ttl_mean",
            "window_size",
            "port_entropy",
        ],
        "categorical": {
            "protocol": ["tcp", "udp", "quic"],
            "vlan": ["staff", "guest", "lab", "dorm"],
        },
        "artifact": "capture_no",
    },
    {
        "dataset": "birdsong_clips",
        "story": "acoustic features of short bird-song recordings",
        "target": "species",
        "classes": ["wren", "thrush", "warbler", "finch", "sparrow", "robin"],
        "numeric": [
            "peak_freq",
            "bandwidth",
            "duration_ms",
            "syllable_rate",
            "harmonic_ratio",
            "spectral_entropy",
            "min_freq",
            "max_freq",
            "amplitude_db",
            "pitch_slope",
            "note_count",
            "pause_ms",
        ],
        "categorical": {
            "habitat": ["forest", "meadow", "wetland", "garden"],
            "recorder": ["zoom_h1", "tascam", "phone", "parabolic"],
        },
        "artifact": "upload_batch",
    },
    {
        "dataset": "soil_cores",
        "story": "lab measurements of soil cores from field surveys",
        "target": "soil_type",
        "classes": ["loam", "clay", "sand", "silt", "peat", "chalk"],
        "numeric": [
            "ph",
            "nitrogen",
            "phosphorus",
            "potassium",
            "moisture",
            "organic_matter",
            "bulk_density",
            "conductivity",
            "cation_exchange",
            "calcium",
            "magnesium_ppm",
            "sulfur",
        ],
        "categorical": {
            "depth_band": ["shallow", "mid", "deep"],
            "survey_region": ["upland", "lowland", "coastal", "valley", "plateau"],
        },
        "artifact": "tray_number",
    },
]

# difficulty -> (classes, informative, noise columns, clusters per class, categoricals, n_train, n_test)
SHAPES = {
    Difficulty.EASY: (2, 4, 0, 1, 0, 300, 400),
    Difficulty.MEDIUM: (4, 5, 2, 1, 1, 900, 700),
    Difficulty.HARD: (5, 6, 4, 2, 2, 1800, 1000),
}
# Bayes accuracy window accepted for a draw, and the slack of the bar below it.
BAYES_WINDOW = {
    Difficulty.EASY: (0.88, 0.97),
    Difficulty.MEDIUM: (0.86, 0.95),
    Difficulty.HARD: (0.84, 0.94),
}
SLACK = {Difficulty.EASY: 0.07, Difficulty.MEDIUM: 0.09, Difficulty.HARD: 0.11}
BALANCED_EXTRA_SLACK = {Difficulty.MEDIUM: 0.02, Difficulty.HARD: 0.05}
LABEL_NOISE = 0.03
DATA_DIRS = ["/app/data", "/app/dataset", "/app/inputs"]
OUTPUTS = [
    "/app/predictions.csv",
    "/app/output/predictions.csv",
    "/app/submission/preds.csv",
    "/app/results/test_predictions.csv",
]

OPENINGS = [
    "`{train}` holds {story}, labelled with the `{target}` column.",
    "You are given {story}: `{train}` is labelled (`{target}`), `{test}` is not.",
    "A team collected {story} and labelled part of it; the labelled rows are in `{train}`.",
    "The dataset `{name}` contains {story}. Its labelled part is `{train}`.",
]
GOALS = [
    "Train a classifier on it and predict `{target}` for every row of `{test}`.",
    "Build a model that predicts `{target}`, then label every row of `{test}` with it.",
    "Your job: fit any model you like and predict the `{target}` of each row in `{test}`.",
]
TOOLING = [
    "Python 3 with numpy is installed (no scikit-learn, no internet); "
    "any method is fine as long as the predictions clear the bar.",
    "Only python3 and numpy are available offline; write the model yourself "
    "(nearest centroids, logistic regression, k-NN, a small MLP, ...).",
    "There is no network access; numpy is the only installed numerical library.",
]


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


@register
class AccuracyBar(TemplateFamily):
    name = "classifier-accuracy-bar"
    idempotent = True
    domain = Domain.AI_ML
    description = (
        "Train a small numpy classifier on a messy labelled CSV and predict hidden test labels "
        "above an accuracy bar."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        while True:  # redraw until the class separation lands in the difficulty's window
            instance = self._attempt(rng, difficulty)
            if instance is not None:
                return instance

    def _attempt(self, rng: random.Random, difficulty: Difficulty) -> Instance | None:
        n_classes, n_inf, n_noise, n_comp, n_cat, n_train, n_test = SHAPES[difficulty]
        easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
        theme = rng.choice(THEMES)
        if easy:
            n_classes = rng.choice([2, 3])
        classes = rng.sample(theme["classes"], n_classes)
        names = rng.sample(theme["numeric"], n_inf + n_noise)
        cat_names = sorted(rng.sample(sorted(theme["categorical"]), n_cat))
        artifact = theme["artifact"] if hard else None

        if hard:
            raw = [rng.uniform(0.5, 1.5) for _ in classes]
            raw.sort(reverse=True)
            raw[0] *= 2.0
        else:
            raw = [rng.uniform(0.8, 1.2) for _ in classes]
        priors = [r / sum(raw) for r in raw]

        # Per-feature mapping of the latent value z to the written value: offset + scale * z.
        span = (0.5, 1.5) if easy else (-2.0, 4.0)
        scales = {f: 10 ** rng.uniform(*span) for f in names}
        offsets = {
            f: round(rng.uniform(-3, 3) * scales[f] * rng.choice([1, 4, 20]), 3) for f in names
        }
        digits = {f: max(0, 3 - int(math.floor(math.log10(scales[f])))) for f in names}

        model = self._draw_model(rng, difficulty, n_classes, n_inf, n_comp)
        cat_probs = {
            c: [self._categorical(rng, len(theme["categorical"][c])) for _ in classes]
            for c in cat_names
        }

        missing = 0.0 if easy else (0.04 if hard else 0.05)
        train_rows = self._sample(rng, n_train, priors, model, cat_probs, n_noise, missing)
        test_rows = self._sample(rng, n_test, priors, model, cat_probs, n_noise, missing)
        bayes = [self._bayes(r, priors, model, cat_probs) for r in test_rows]
        labels = [r["label"] for r in test_rows]
        bayes_acc = sum(b == y for b, y in zip(bayes, labels, strict=True)) / n_test
        lo, hi = BAYES_WINDOW[difficulty]
        counts = [labels.count(k) for k in range(n_classes)]
        if not lo <= bayes_acc <= hi or min(counts) < 20:
            return None
        recalls = [
            sum(b == y == k for b, y in zip(bayes, labels, strict=True)) / counts[k]
            for k in range(n_classes)
        ]
        bayes_bal = sum(recalls) / n_classes
        majority = max(counts) / n_test
        bar = math.floor((bayes_acc - SLACK[difficulty]) * 100) / 100
        bal_bar = (
            None
            if easy
            else math.floor(
                (bayes_bal - SLACK[difficulty] - BALANCED_EXTRA_SLACK[difficulty]) * 100
            )
            / 100
        )
        if bar < majority + 0.2:
            return None  # the bar must sit far above what a constant answer scores

        # Render both files.
        na_tokens = ["", "NA", "?"] if hard else [""]
        id_base = rng.randrange(10000, 60000)
        all_ids = rng.sample(range(id_base, id_base + 10 * (n_train + n_test)), n_train + n_test)
        train_ids, test_ids = sorted(all_ids[:n_train]), sorted(all_ids[n_train:])
        rng.shuffle(train_ids)
        rng.shuffle(test_ids)
        target = theme["target"]
        columns = ["id", *names, *cat_names]
        rng.shuffle(columns)
        columns.remove("id")
        columns = ["id", *columns]
        if artifact:
            columns.insert(rng.randrange(2, len(columns)), artifact)
        test_columns = list(columns)
        if hard:
            while test_columns == columns:
                rest = test_columns[1:]
                rng.shuffle(rest)
                test_columns = ["id", *rest]

        def render(row, rid, split):
            values = {"id": str(rid)}
            for j, f in enumerate(names):
                if row["observed"][j]:
                    values[f] = f"{offsets[f] + scales[f] * row['z'][j]:.{digits[f]}f}"
                else:
                    values[f] = rng.choice(na_tokens)
            for c in cat_names:
                values[c] = theme["categorical"][c][row["cats"][c]]
            if artifact:
                if split == "train":
                    values[artifact] = str(100 + 7 * row["label"] + rng.randrange(7))
                else:
                    values[artifact] = str(100 + 7 * n_classes + rng.randrange(12))
            return values

        def label_text(k):
            name = classes[k]
            if not hard or rng.random() < 0.6:
                return name
            spelled = rng.choice([name.upper(), name.title(), name.capitalize(), name])
            return " " * rng.randrange(2) + spelled + " " * rng.randrange(3)

        train_buf, test_buf = io.StringIO(), io.StringIO()
        tw = csv.writer(train_buf, lineterminator="\n")
        tw.writerow([*columns, target])
        for row, rid in zip(train_rows, train_ids, strict=True):
            values = render(row, rid, "train")
            tw.writerow([*(values[c] for c in columns), label_text(row["label"])])
        sw = csv.writer(test_buf, lineterminator="\n")
        sw.writerow(test_columns)
        for row, rid in zip(test_rows, test_ids, strict=True):
            values = render(row, rid, "test")
            sw.writerow([values[c] for c in test_columns])

        data_dir = rng.choice(DATA_DIRS)
        train_path, test_path = f"{data_dir}/train.csv", f"{data_dir}/test.csv"
        output = rng.choice(OUTPUTS)
        instruction = self._instruction(
            rng,
            theme=theme,
            difficulty=difficulty,
            train=train_path,
            test=test_path,
            output=output,
            classes=classes,
            bar=bar,
            bal_bar=bal_bar,
            has_missing=missing > 0,
            na_tokens=na_tokens,
            cat_names=cat_names,
        )
        expected = {
            "train": train_path,
            "test": test_path,
            "train_text": train_buf.getvalue(),
            "test_text": test_buf.getvalue(),
            "output": output,
            "target": target,
            "classes": classes,
            "labels": {str(rid): classes[y] for rid, y in zip(test_ids, labels, strict=True)},
            "accuracy_bar": bar,
            "balanced_accuracy_bar": bal_bar,
            "bayes_accuracy": round(bayes_acc, 4),
            "majority_rate": round(majority, 4),
        }
        solution = (
            self.asset("solve.sh")
            .replace("@TRAIN@", train_path)
            .replace("@TEST@", test_path)
            .replace("@OUTPUT@", output)
            .replace("@TARGET@", target)
            .replace("@CLASSES@", ",".join(classes))
            .replace("@BAR@", f"{bar:.2f}")
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={"train.csv": train_buf.getvalue(), "test.csv": test_buf.getvalue()},
            dockerfile=f"COPY train.csv test.csv {data_dir}/\n",
            tags=["classification", "numpy", "csv"]
            + (["missing-values", "feature-scaling"] if not easy else [])
            + (["distribution-shift", "nonlinear"] if hard else []),
        )

    @staticmethod
    def _categorical(rng: random.Random, levels: int) -> list[float]:
        weights = [rng.random() ** 2 + 0.05 for _ in range(levels)]
        return [w / sum(weights) for w in weights]

    @staticmethod
    def _draw_model(rng, difficulty, n_classes, n_inf, n_comp):
        """Per class: a list of (weight, means, stds) diagonal Gaussian components in z-space."""
        spread = {Difficulty.EASY: 1.35, Difficulty.MEDIUM: 1.25, Difficulty.HARD: 1.9}[difficulty]
        model = []
        if n_comp == 1:
            for _ in range(n_classes):
                mean = [rng.gauss(0, spread) for _ in range(n_inf)]
                stds = [rng.uniform(0.7, 1.2) for _ in range(n_inf)]
                model.append([(1.0, mean, stds)])
            return model
        # Mixtures: clusters of one class sit on opposite sides of the cloud, so the class
        # regions interleave and no single hyperplane separates them.
        centres = [[rng.gauss(0, spread) for _ in range(n_inf)] for _ in range(n_classes)]
        for centre in centres:
            w = rng.uniform(0.35, 0.65)
            model.append(
                [
                    (w, centre, [rng.uniform(0.6, 1.0) for _ in range(n_inf)]),
                    (
                        1 - w,
                        [-c + rng.gauss(0, 0.4) for c in centre],
                        [rng.uniform(0.6, 1.0) for _ in range(n_inf)],
                    ),
                ]
            )
        return model

    @staticmethod
    def _sample(rng, n, priors, model, cat_probs, n_noise, missing):
        rows = []
        for _ in range(n):
            k = rng.choices(range(len(priors)), weights=priors)[0]
            comps = model[k]
            _, mean, stds = comps[rng.choices(range(len(comps)), weights=[c[0] for c in comps])[0]]
            z = [rng.gauss(m, s) for m, s in zip(mean, stds, strict=True)]
            z += [rng.gauss(0, 1) for _ in range(n_noise)]
            observed = [rng.random() >= missing for _ in z]
            cats = {c: rng.choices(range(len(p[k])), weights=p[k])[0] for c, p in cat_probs.items()}
            label = k
            if rng.random() < LABEL_NOISE:
                label = rng.choice([j for j in range(len(priors)) if j != k])
            rows.append({"z": z, "observed": observed, "cats": cats, "label": label})
        return rows

    @staticmethod
    def _bayes(row, priors, model, cat_probs):
        """The most probable class given what the row shows (missing cells marginalised)."""
        z, observed, cats = row["z"], row["observed"], row["cats"]
        best, best_score = 0, -math.inf
        for k, comps in enumerate(model):
            parts = []
            for w, mean, stds in comps:
                ll = math.log(w)
                for j in range(len(mean)):
                    if not observed[j]:
                        continue
                    d = (z[j] - mean[j]) / stds[j]
                    ll += -0.5 * d * d - math.log(stds[j])
                parts.append(ll)
            score = math.log(priors[k]) + _logsumexp(parts)
            for c, p in cat_probs.items():
                score += math.log(p[k][cats[c]])
            if score > best_score:
                best, best_score = k, score
        return best

    @staticmethod
    def _instruction(
        rng,
        *,
        theme,
        difficulty,
        train,
        test,
        output,
        classes,
        bar,
        bal_bar,
        has_missing,
        na_tokens,
        cat_names,
    ):
        target = theme["target"]
        fmt = dict(
            train=train, test=test, target=target, story=theme["story"], name=theme["dataset"]
        )
        notes = []
        if has_missing:
            tokens = " or ".join(f"`{t}`" if t else "an empty field" for t in na_tokens)
            notes.append(f"Some numeric cells are missing (written as {tokens}).")
        if cat_names:
            listed = ", ".join(f"`{c}`" for c in cat_names)
            notes.append(f"Column(s) {listed} hold category names, not numbers.")
        if difficulty is not Difficulty.EASY:
            notes.append("Numeric columns come in very different units and ranges.")
        if difficulty is Difficulty.HARD:
            notes.append(
                f"The `{target}` values in `{train}` are not consistently spelled "
                "(case, stray spaces); the canonical names are the lowercase ones listed below."
            )
            notes.append(
                f"`{test}` does not list its columns in the same order as `{train}`; "
                "match columns by header name."
            )
            notes.append(
                "Not every column generalises: compare how each one behaves in train and test "
                "before trusting it."
            )
        rng.shuffle(notes)
        rules = [
            f"`{output}` is a CSV file with the header `id,{target}` and exactly one row per row "
            f"of `{test}` (same ids, any order, no duplicates).",
            f"Every predicted `{target}` is one of: "
            + ", ".join(f"`{c}`" for c in sorted(classes))
            + " (exactly as written here).",
            f"Accuracy on the hidden true labels of `{test}` must be at least {bar:.2f}.",
        ]
        if bal_bar is not None:
            rules.append(
                f"Balanced accuracy (the mean over classes of per-class recall) must be at least "
                f"{bal_bar:.2f}."
            )
        rules.append(f"Do not modify `{train}` or `{test}`.")
        rng.shuffle(rules)
        example = rng.choice(classes)
        lines = [
            rng.choice(OPENINGS).format(**fmt),
            rng.choice(GOALS).format(**fmt),
            "",
            *notes,
            *([""] if notes else []),
            rng.choice(TOOLING),
            "",
            f"Write the predictions to `{output}` (create its directory if needed). Requirements:",
            *[f"- {rule}" for rule in rules],
            "",
            f"A row looks like `4711,{example}` (the id here is made up).",
        ]
        return "\n".join(lines)
