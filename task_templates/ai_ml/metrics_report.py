"""Evaluate classifier outputs: confusion matrix, per-class and averaged metrics in exact JSON.

The generator draws true labels and model outputs itself, writes them the way evaluation dumps
really look (separate files, inconsistent label spelling, missing, unmatched and repeated
prediction rows, score columns in a different order per model), and computes every metric
from the rows it wrote under the conventions the instruction states (how rows are matched,
zero division, tie breaking, AUC ties, log-loss clipping, per-group averaging).

- easy: one file with true and predicted label per row -> confusion matrix, accuracy,
  per-class precision/recall/F1/support and macro averages;
- medium: labels and predictions in two files to join by id, label spellings to normalise,
  missing, unmatched and duplicated prediction rows with stated rules, a class that is only
  ever predicted, plus micro and support-weighted averages and the row accounting;
- hard: several models' per-class probability files -> for each model everything above plus
  top-2 accuracy, log loss, one-vs-rest ROC AUC with ties, per-group accuracy and macro F1,
  and a ranking of the models.
"""

from __future__ import annotations

import csv
import io
import math
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

THEMES = [
    ("sentiment", ["negative", "neutral", "positive", "mixed", "sarcastic"]),
    ("intent", ["billing", "refund", "shipping", "login", "cancel", "upgrade"]),
    ("defect", ["scratch", "dent", "crack", "stain", "warp", "ok"]),
    ("species", ["heron", "egret", "ibis", "stork", "crane", "bittern"]),
    ("document", ["invoice", "receipt", "contract", "memo", "letter", "form"]),
    ("triage", ["urgent", "high", "medium", "low", "info"]),
]
GROUPS = [
    ("region", ["emea", "apac", "amer", "latam"]),
    ("device", ["ios", "android", "web", "kiosk"]),
    ("source", ["email", "chat", "phone", "form"]),
]
MODEL_NAMES = ["logreg_v1", "gbdt_v3", "cnn_small", "tiny_bert", "knn_k15", "forest_500"]
DIRS = ["/app/eval", "/app/evaluation", "/app/results/run_{n}", "/app/experiments/exp_{n}"]
COLUMN_PAIRS = [
    ("actual", "predicted"),
    ("y_true", "y_pred"),
    ("label", "prediction"),
    ("gold", "guess"),
]
OUTPUT_NAMES = ["metrics.json", "eval_report.json", "scores.json", "report.json"]
SIZES = {Difficulty.EASY: (3, 4, 120, 220), Difficulty.MEDIUM: (4, 5, 250, 400)}
HARD_ROWS = (300, 450)

OPENINGS = [
    "We need an evaluation report for the {theme} classifier.",
    "A {theme} classification run finished and its outputs are in `{dir}`.",
    "Please score the {theme} model outputs stored under `{dir}`.",
    "The {theme} team wants exact metrics for the predictions in `{dir}`.",
]


def _safe_div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _prf(confusion: list[list[int]], classes: list[str]) -> dict:
    """Per-class precision, recall, F1 and support from a square confusion matrix."""
    out = {}
    for i, cls in enumerate(classes):
        tp = confusion[i][i]
        predicted = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        p, r = _safe_div(tp, predicted), _safe_div(tp, support)
        out[cls] = {
            "precision": p,
            "recall": r,
            "f1": _safe_div(2 * p * r, p + r),
            "support": support,
        }
    return out


def _basic(pairs: list[tuple[str, str]], classes: list[str]) -> dict:
    index = {c: i for i, c in enumerate(classes)}
    confusion = [[0] * len(classes) for _ in classes]
    for true, pred in pairs:
        confusion[index[true]][index[pred]] += 1
    per_class = _prf(confusion, classes)
    n = len(pairs)
    macro = {
        m: sum(per_class[c][m] for c in classes) / len(classes)
        for m in ("precision", "recall", "f1")
    }
    weighted = {
        m: sum(per_class[c][m] * per_class[c]["support"] for c in classes) / n
        for m in ("precision", "recall", "f1")
    }
    accuracy = sum(t == p for t, p in pairs) / n
    return {
        "confusion_matrix": confusion,
        "accuracy": accuracy,
        "per_class": per_class,
        "macro_avg": macro,
        "micro_avg": {"precision": accuracy, "recall": accuracy, "f1": accuracy},
        "weighted_avg": weighted,
    }


def _auc(scores: list[float], positive: list[bool]) -> float:
    """One-vs-rest ROC AUC with ties counted as one half (average ranks)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = sum(positive)
    n_neg = len(scores) - n_pos
    rank_sum = sum(r for r, p in zip(ranks, positive, strict=True) if p)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _messy(label: str, rng: random.Random, rate: float) -> str:
    if rng.random() >= rate:
        return label
    spelled = rng.choice([label.upper(), label.title(), label.capitalize()])
    return " " * rng.randrange(2) + spelled + " " * rng.randrange(1, 3)


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@register
class MetricsReport(TemplateFamily):
    name = "classifier-metrics-report"
    idempotent = True
    domain = Domain.AI_ML
    description = (
        "Compute a confusion matrix and per-class, macro, micro and weighted metrics (up to "
        "AUC, log loss and per-group scores) from classifier outputs into exact JSON."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        theme, pool = rng.choice(THEMES)
        directory = rng.choice(DIRS).format(n=rng.randrange(10, 99))
        output = f"{directory}/{rng.choice(OUTPUT_NAMES)}"
        if difficulty is Difficulty.EASY:
            return self._easy(rng, theme, pool, directory, output)
        if difficulty is Difficulty.MEDIUM:
            return self._medium(rng, theme, pool, directory, output)
        return self._hard(rng, theme, pool, directory, output)

    # ----------------------------------------------------------------------------- easy
    def _easy(self, rng, theme, pool, directory, output) -> Instance:
        k_lo, k_hi, n_lo, n_hi = SIZES[Difficulty.EASY]
        classes = sorted(rng.sample(pool, rng.randint(k_lo, k_hi)))
        n = rng.randint(n_lo, n_hi)
        skill = rng.uniform(0.55, 0.85)
        pairs = []
        while True:
            pairs = [self._draw_pair(rng, classes, skill, None) for _ in range(n)]
            if all(any(t == c for t, _ in pairs) for c in classes):
                break
        true_col, pred_col = rng.choice(COLUMN_PAIRS)
        ids = rng.sample(range(1000, 9999), n)
        rows = [[i, t, p] for i, (t, p) in zip(ids, pairs, strict=True)]
        input_name = rng.choice(["predictions.csv", "val_predictions.csv", "outputs.csv"])
        text = _csv(["id", true_col, pred_col], rows)
        truth = _basic(pairs, classes)
        expected = {
            "level": "easy",
            "output": output,
            "inputs": {f"{directory}/{input_name}": text},
            "classes": classes,
            "metrics": _rounded(
                {k: truth[k] for k in ("confusion_matrix", "accuracy", "per_class", "macro_avg")}
            ),
        }
        keys = [
            "`classes`: the class names, sorted alphabetically;",
            "`confusion_matrix`: a list of rows, row i = true class `classes[i]`, column j = "
            "predicted class `classes[j]`, integer counts;",
            "`accuracy`: the fraction of rows whose prediction equals the true label;",
            "`per_class`: an object mapping each class to `{precision, recall, f1, support}` "
            "(support = number of rows whose true label is that class, an integer);",
            "`macro_avg`: `{precision, recall, f1}`, the unweighted means over `classes`.",
        ]
        rules = [
            "A class that is never predicted has precision 0; when precision + recall is 0, F1 "
            "is 0.",
            "The classes are every label that occurs in either column.",
            "Round floats to at least 4 decimals (more is fine).",
        ]
        rng.shuffle(rules)
        lines = [
            rng.choice(OPENINGS).format(theme=theme, dir=directory),
            f"`{directory}/{input_name}` has one row per evaluated example: `id`, the true label "
            f"in `{true_col}` and the model's label in `{pred_col}`.",
            "",
            f"Write `{output}` as a single JSON object with exactly these keys:",
            *[f"- {k}" for k in keys],
            "",
            "Conventions:",
            *[f"- {r}" for r in rules],
            f"Leave `{directory}/{input_name}` unchanged.",
        ]
        solution = self._solution(
            "easy",
            directory,
            output,
            {"input": f"{directory}/{input_name}", "true": true_col, "pred": pred_col},
        )
        return Instance(
            instruction="\n".join(lines),
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={input_name: text},
            dockerfile=f"COPY {input_name} {directory}/{input_name}\n",
            tags=["metrics", "evaluation", "json"],
        )

    # --------------------------------------------------------------------------- medium
    def _medium(self, rng, theme, pool, directory, output) -> Instance:
        k_lo, k_hi, n_lo, n_hi = SIZES[Difficulty.MEDIUM]
        chosen = rng.sample(pool, rng.randint(k_lo, k_hi))
        ghost = chosen.pop() if rng.random() < 0.7 else None  # predicted, never true
        true_classes = sorted(chosen)
        n = rng.randint(n_lo, n_hi)
        skill = rng.uniform(0.5, 0.8)
        ids = rng.sample(range(10000, 99999), n + 40)
        label_ids, stray_ids = ids[:n], ids[n:]
        while True:
            pairs = [self._draw_pair(rng, true_classes, skill, ghost) for _ in range(n)]
            if all(any(t == c for t, _ in pairs) for c in true_classes):
                break
        label_rows = [[i, _messy(t, rng, 0.25)] for i, (t, _) in zip(label_ids, pairs, strict=True)]
        missing = set(rng.sample(range(n), rng.randint(3, 12)))
        pred_rows = []
        for j, (i, (_, p)) in enumerate(zip(label_ids, pairs, strict=True)):
            if j in missing:
                continue
            if rng.random() < 0.05:  # an earlier, superseded prediction for the same id
                pred_rows.append(
                    (rng.uniform(0, j), [i, _messy(rng.choice(true_classes), rng, 0.25)])
                )
            pred_rows.append((j + 0.5 + rng.random() * 0.4, [i, _messy(p, rng, 0.25)]))
        for i in stray_ids[: rng.randint(2, 9)]:
            pred_rows.append((rng.uniform(0, n), [i, _messy(rng.choice(true_classes), rng, 0.25)]))
        pred_rows = [row for _, row in sorted(pred_rows, key=lambda item: item[0])]
        rng.shuffle(label_rows)

        # Ground truth under the stated rules, from the rows as written.
        truth_of = {str(i): lab.strip().lower() for i, lab in label_rows}
        last, seen = {}, 0
        for i, lab in pred_rows:
            last[str(i)] = lab.strip().lower()
            seen += 1
        evaluated = [(t, last[i]) for i, t in truth_of.items() if i in last]
        classes = sorted({c for pair in evaluated for c in pair})
        truth = _basic(evaluated, classes)
        counts = {
            "evaluated_rows": len(evaluated),
            "missing_predictions": sum(i not in last for i in truth_of),
            "unmatched_predictions": sum(i not in truth_of for i in last),
            "duplicate_predictions": seen - len(last),
        }

        label_col, pred_col = rng.choice([("label", "predicted"), ("target", "prediction")])
        label_name = rng.choice(["labels.csv", "ground_truth.csv", "gold.csv"])
        pred_name = rng.choice(["predictions.csv", "model_output.csv", "preds.csv"])
        label_text = _csv(["id", label_col], label_rows)
        pred_text = _csv(["id", pred_col], pred_rows)
        expected = {
            "level": "medium",
            "output": output,
            "inputs": {
                f"{directory}/{label_name}": label_text,
                f"{directory}/{pred_name}": pred_text,
            },
            "classes": classes,
            "metrics": _rounded({**truth, **counts}),
        }
        keys = [
            "`classes`: the class names, sorted;",
            "`confusion_matrix`: row i = true class `classes[i]`, column j = predicted class "
            "`classes[j]`, integer counts over the evaluated rows;",
            "`accuracy`: correct evaluated rows / evaluated rows;",
            "`per_class`: each class -> `{precision, recall, f1, support}` (support: evaluated "
            "rows whose true label is the class);",
            "`macro_avg`, `micro_avg`, `weighted_avg`: each `{precision, recall, f1}`; macro is "
            "the plain mean over `classes`, weighted uses the supports as weights, micro pools "
            "all decisions;",
            "`evaluated_rows`, `missing_predictions`, `unmatched_predictions`, "
            "`duplicate_predictions`: integer counts as defined above.",
        ]
        rules = [
            "Labels in both files are not consistently spelled: strip surrounding whitespace "
            "and lowercase them before anything else.",
            f"An id of `{label_name}` with no prediction is not evaluated; count it in "
            "`missing_predictions`.",
            f"A prediction whose id is not in `{label_name}` is ignored; count such ids in "
            "`unmatched_predictions`.",
            f"When an id has several rows in `{pred_name}`, the last one in file order counts; "
            "`duplicate_predictions` is the number of rows superseded this way.",
            "`classes` holds every normalised label occurring in the evaluated rows, true or "
            "predicted (a class may be predicted without ever being true: its support is 0).",
            "Zero division gives 0: precision of a never-predicted class, recall of a class with "
            "no support, and F1 when precision + recall is 0.",
            "Round floats to at least 4 decimals.",
        ]
        rng.shuffle(rules)
        lines = [
            rng.choice(OPENINGS).format(theme=theme, dir=directory),
            f"True labels are in `{directory}/{label_name}` (`id,{label_col}`) and the model's "
            f"outputs in `{directory}/{pred_name}` (`id,{pred_col}`); rows are in no particular "
            "order.",
            "",
            "Rules:",
            *[f"- {r}" for r in rules],
            "",
            f"Write `{output}` as one JSON object with exactly these keys:",
            *[f"- {k}" for k in keys],
            "Do not modify the input files.",
        ]
        solution = self._solution(
            "medium",
            directory,
            output,
            {
                "labels": f"{directory}/{label_name}",
                "preds": f"{directory}/{pred_name}",
            },
        )
        return Instance(
            instruction="\n".join(lines),
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={label_name: label_text, pred_name: pred_text},
            dockerfile=f"COPY {label_name} {pred_name} {directory}/\n",
            tags=["metrics", "evaluation", "json", "join"],
        )

    # ----------------------------------------------------------------------------- hard
    def _hard(self, rng, theme, pool, directory, output) -> Instance:
        classes = sorted(rng.sample(pool, rng.randint(4, 5)))
        group_name, group_pool = rng.choice(GROUPS)
        groups = sorted(rng.sample(group_pool, 3))
        n = rng.randint(*HARD_ROWS)
        models = sorted(rng.sample(MODEL_NAMES, rng.randint(3, 4)))
        ids = rng.sample(range(100000, 999999), n)
        truth_idx = [rng.randrange(len(classes)) for _ in range(n)]
        for c in range(len(classes)):  # every class occurs
            truth_idx[c] = c
        row_group = [rng.choice(groups) for _ in range(n)]
        label_rows = [
            [i, _messy(classes[t], rng, 0.2), g]
            for i, t, g in zip(ids, truth_idx, row_group, strict=True)
        ]
        rng.shuffle(label_rows)
        while True:
            files, results = {}, {}
            for name in models:
                skill = rng.uniform(0.8, 2.6)
                weak_group = rng.choice(groups)
                bias = [rng.gauss(0, 0.4) for _ in classes]
                rows = []
                for i, t, g in zip(ids, truth_idx, row_group, strict=True):
                    s = skill * (0.45 if g == weak_group else 1.0)
                    logits = [
                        (s if c == t else 0.0) + bias[c] + rng.gauss(0, 1.0)
                        for c in range(len(classes))
                    ]
                    top = max(logits)
                    exps = [math.exp(v - top) for v in logits]
                    probs = [round(e / sum(exps), 4) for e in exps]
                    if rng.random() < 0.04:  # a confident tie, as rounding dumps produce
                        a, b = rng.sample(range(len(classes)), 2)
                        probs[a] = probs[b] = 0.5
                        probs = [p if c in (a, b) else 0.0 for c, p in enumerate(probs)]
                    rows.append((i, probs))
                order = list(range(len(classes)))
                rng.shuffle(order)
                rng.shuffle(rows)
                header = ["id", *[f"p_{classes[c]}" for c in order]]
                body = [[i, *[f"{probs[c]:.4f}" for c in order]] for i, probs in rows]
                files[f"{name}.csv"] = _csv(header, body)
                results[name] = self._hard_metrics(rows, ids, truth_idx, row_group, classes, groups)
            f1s = sorted((r["macro_avg"]["f1"] for r in results.values()), reverse=True)
            if all(a - b > 0.003 for a, b in zip(f1s, f1s[1:], strict=False)):
                break
        ranking = sorted(
            models,
            key=lambda m: (-results[m]["macro_avg"]["f1"], -results[m]["accuracy"], m),
        )
        models_dir = rng.choice(["models", "outputs", "scores"])
        label_name = rng.choice(["labels.csv", "gold.csv", "test_labels.csv"])
        label_text = _csv(["id", "label", group_name], label_rows)
        inputs = {f"{directory}/{label_name}": label_text}
        inputs.update({f"{directory}/{models_dir}/{k}": v for k, v in files.items()})
        expected = {
            "level": "hard",
            "output": output,
            "inputs": inputs,
            "classes": classes,
            "models": _rounded(results),
            "ranking": ranking,
            "best_model": ranking[0],
            "groups": groups,
        }
        per_model = [
            "`confusion_matrix` (row = true class, column = predicted class, both in `classes` "
            "order), `accuracy`;",
            "`per_class`: class -> `{precision, recall, f1, support}`; `macro_avg` and "
            "`weighted_avg` (support-weighted): `{precision, recall, f1}`;",
            "`top2_accuracy`: fraction of rows whose true class is among the two top-ranked "
            "classes;",
            "`log_loss`: mean over rows of `-ln(max(p_true, 1e-15))`, where `p_true` is the "
            "probability the file gives to the row's true class (use the values as written, "
            "without renormalising);",
            "`auc`: class -> one-vs-rest ROC AUC of that class's probability column (positives: "
            "rows whose true label is the class); `macro_auc`: their plain mean;",
            f"`per_group`: each value of the `{group_name}` column -> `{{n, accuracy, macro_f1}}` "
            "computed on that group's rows only.",
        ]
        rules = [
            "Labels in the label file are not consistently spelled: strip whitespace and "
            "lowercase them.",
            "The predicted class of a row is the class with the highest probability; ties go to "
            "the class that comes first alphabetically. The same order ranks classes for "
            "top-2 accuracy.",
            "Probability columns are named `p_<class>` and their order differs between files; "
            "match them by name, and match rows to labels by `id`.",
            "AUC counts tied scores as one half (equivalently: average ranks).",
            "Zero division gives 0 (precision of a never-predicted class, F1 when precision + "
            "recall is 0).",
            "Within a group, `macro_f1` averages the F1 of the classes that occur in that "
            "group's true labels or predictions, computed on that group's rows.",
            "Round floats to at least 4 decimals.",
        ]
        rng.shuffle(rules)
        lines = [
            rng.choice(OPENINGS).format(theme=theme, dir=directory),
            f"`{directory}/{label_name}` gives the true `label` and the `{group_name}` of each "
            f"`id`. Each file in `{directory}/{models_dir}/` holds one model's per-class "
            "probabilities for every id; the model's name is the file name without `.csv`.",
            "",
            "Conventions:",
            *[f"- {r}" for r in rules],
            "",
            f"Write `{output}` as one JSON object with keys `classes` (sorted class names), "
            "`models`, `ranking` and `best_model`:",
            "- `models` maps each model name to an object with keys:",
            *[f"  - {k}" for k in per_model],
            "- `ranking`: model names sorted by macro F1, best first (ties: higher accuracy, "
            "then name);",
            "- `best_model`: the first name of `ranking`.",
            "Do not modify the input files.",
        ]
        solution = self._solution(
            "hard",
            directory,
            output,
            {
                "labels": f"{directory}/{label_name}",
                "models": f"{directory}/{models_dir}",
                "group": group_name,
            },
        )
        env = {label_name: label_text, **{f"{models_dir}/{k}": v for k, v in files.items()}}
        return Instance(
            instruction="\n".join(lines),
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=env,
            dockerfile=f"COPY {label_name} {directory}/\nCOPY {models_dir}/ {directory}/{models_dir}/\n",
            tags=["metrics", "evaluation", "json", "auc", "log-loss"],
        )

    @staticmethod
    def _draw_pair(rng, classes, skill, ghost):
        true = rng.choice(classes)
        if rng.random() < skill:
            return true, true
        wrong = [c for c in classes if c != true] + ([ghost] * 2 if ghost else [])
        return true, rng.choice(wrong)

    @staticmethod
    def _hard_metrics(rows, ids, truth_idx, row_group, classes, groups):
        truth_of = dict(zip(ids, truth_idx, strict=True))
        group_of = dict(zip(ids, row_group, strict=True))
        k = len(classes)
        pairs, top2, loss = [], 0, 0.0
        by_id = dict(rows)
        for i in ids:
            probs, t = by_id[i], truth_of[i]
            ranked = sorted(range(k), key=lambda c: (-probs[c], classes[c]))
            pairs.append((classes[t], classes[ranked[0]]))
            top2 += t in ranked[:2]
            loss += -math.log(max(probs[t], 1e-15))
        out = _basic(pairs, classes)
        del out["micro_avg"]
        out["top2_accuracy"] = top2 / len(ids)
        out["log_loss"] = loss / len(ids)
        out["auc"] = {
            classes[c]: _auc([by_id[i][c] for i in ids], [truth_of[i] == c for i in ids])
            for c in range(k)
        }
        out["macro_auc"] = sum(out["auc"].values()) / k
        per_group = {}
        for g in groups:
            sub = [pair for pair, i in zip(pairs, ids, strict=True) if group_of[i] == g]
            present = sorted({c for pair in sub for c in pair})
            stats = _basic(sub, present)
            per_group[g] = {
                "n": len(sub),
                "accuracy": stats["accuracy"],
                "macro_f1": stats["macro_avg"]["f1"],
            }
        out["per_group"] = per_group
        return out

    def _solution(self, level, directory, output, paths) -> str:
        tool = self.asset("metrics_tool.py")
        head = [
            "# Reference solution: look at the files, cross-check a few counts in the shell, then",
            "# compute every metric with a small script following the stated conventions.",
            f"ls -lR {directory}",
        ]
        if level == "easy":
            src = paths["input"]
            inputs = [src]
            head += [
                f"head -n 5 {src}",
                f"wc -l {src}",
                f"tail -n +2 {src} | cut -d, -f2 | sort | uniq -c",
                f"tail -n +2 {src} | cut -d, -f3 | sort | uniq -c",
                f"read -r ok n < <(awk -F, 'NR > 1 {{ n++; if ($2 == $3) ok++ }} "
                f"END {{ print ok + 0, n }}' {src})",
                'echo "accuracy cross-check: $(echo "scale=6; $ok / $n" | bc)"',
            ]
            checks = [f"jq -r '.classes | join(\",\")' {output}", f"jq '.accuracy' {output}"]
            run = (
                f"python3 /tmp/metrics_tool.py easy --input {src} --true {paths['true']} "
                f"--pred {paths['pred']} --out {output}"
            )
        elif level == "medium":
            lab, pred = paths["labels"], paths["preds"]
            inputs = [lab, pred]

            def ids(path):
                return f"<(tail -n +2 {path} | cut -d, -f1 | sort -u)"

            head += [
                f"head -n 5 {lab} {pred}",
                f"wc -l {lab} {pred}",
                "# how are labels spelled?",
                f"tail -n +2 {lab} | cut -d, -f2 | sort | uniq -c | sort -rn",
                "# ids predicted more than once, labelled ids without a prediction, and the reverse",
                f"tail -n +2 {pred} | cut -d, -f1 | sort | uniq -d | wc -l",
                f"comm -23 {ids(lab)} {ids(pred)} | wc -l",
                f"comm -13 {ids(lab)} {ids(pred)} | wc -l",
                "# ids present in both files (the rows that get evaluated)",
                f"join -t, <(tail -n +2 {lab} | sort -t, -k1,1) <(tail -n +2 {pred} | "
                "sort -t, -k1,1 -u) | wc -l",
            ]
            checks = [
                f"jq '{{evaluated_rows, missing_predictions, unmatched_predictions, "
                f"duplicate_predictions}}' {output}",
                f"jq -r '.per_class | to_entries[] | \"\\(.key) \\(.value.support)\"' {output}",
            ]
            header = f"$(head -n 1 {lab} | cut -d, -f2)"
            run = (
                f"python3 /tmp/metrics_tool.py medium --labels {lab} --preds {pred} "
                f"--true {header} --out {output}"
            )
        else:
            lab, models = paths["labels"], paths["models"]
            inputs = [lab, f"{models}/*.csv"]
            head += [
                f"head -n 3 {lab}",
                f"wc -l {lab} {models}/*.csv",
                f'for f in {models}/*.csv; do echo "$f: $(head -n 1 "$f")"; done',
                "# do the probability rows sum to one?",
                f"for f in {models}/*.csv; do awk -F, 'NR > 1 {{ s = 0; for (i = 2; i <= NF; i++) "
                "s += $i; if (s < 0.99 || s > 1.01) bad++ } END { print FILENAME, bad + 0 }' "
                '"$f"; done',
                f"tail -n +2 {lab} | cut -d, -f3 | sort | uniq -c",
                f"paste -d' ' <(ls {models}) <(for f in {models}/*.csv; do tail -n +2 \"$f\" | "
                "wc -l; done)",
            ]
            checks = [
                f"jq -r '.ranking[]' {output} | nl",
                f"jq -r '.models | to_entries[] | \"\\(.key) macro_f1=\\(.value.macro_avg.f1) "
                f"auc=\\(.value.macro_auc)\"' {output}",
            ]
            run = (
                f"python3 /tmp/metrics_tool.py hard --labels {lab} --models {models} "
                f"--group {paths['group']} --out {output}"
            )
        lines = [
            *head,
            f"sha256sum {' '.join(inputs)} > /tmp/inputs.sha256",
            "cat > /tmp/metrics_tool.py <<'PY'",
            tool.rstrip("\n"),
            "PY",
            run,
            f"python3 -m json.tool {output} > /tmp/pretty.json",
            "head -n 40 /tmp/pretty.json",
            *checks,
            "sha256sum -c /tmp/inputs.sha256",
        ]
        return "\n".join(lines) + "\n"
