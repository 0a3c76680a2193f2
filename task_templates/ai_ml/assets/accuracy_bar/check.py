"""Grade the predictions against the hidden labels the generator drew for test.csv."""

import csv
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
labels = truth["labels"]
target = truth["target"]
preds = {}
rows = []


def load():
    with open(truth["output"], newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [cell.strip() for cell in next(reader)]
        if header != ["id", target]:
            return False, f"header is {header}, want ['id', '{target}']"
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != 2:
                return False, f"row {row[:4]} does not have exactly 2 fields"
            rows.append((row[0].strip(), row[1].strip()))
    preds.update(rows)
    return bool(rows), "no prediction rows"


def one_row_per_id():
    ids = [rid for rid, _ in rows]
    dupes = len(ids) - len(set(ids))
    missing = sorted(set(labels) - set(ids))
    extra = sorted(set(ids) - set(labels))
    detail = f"{dupes} duplicate ids, {len(missing)} missing (e.g. {missing[:3]}), "
    detail += f"{len(extra)} unknown (e.g. {extra[:3]})"
    return dupes == 0 and not missing and not extra, detail


def known_classes():
    bad = sorted({label for _, label in rows} - set(truth["classes"]))
    return not bad, f"labels outside the class list: {bad[:5]}"


def accuracy():
    hits = sum(preds.get(rid) == label for rid, label in labels.items())
    acc = hits / len(labels)
    return acc >= truth["accuracy_bar"], f"accuracy {acc:.4f} < bar {truth['accuracy_bar']:.2f}"


def balanced_accuracy():
    recalls = []
    for cls in truth["classes"]:
        ids = [rid for rid, label in labels.items() if label == cls]
        recalls.append(sum(preds.get(rid) == cls for rid in ids) / len(ids))
    bal = sum(recalls) / len(recalls)
    bar = truth["balanced_accuracy_bar"]
    return bal >= bar, f"balanced accuracy {bal:.4f} < bar {bar:.2f}"


if checks.run("predictions CSV with the required header", load):
    checks.run("exactly one prediction per test id", one_row_per_id)
    checks.run("every prediction is a listed class", known_classes)
    checks.run("accuracy reaches the bar", accuracy)
    if truth["balanced_accuracy_bar"] is not None:
        checks.run("balanced accuracy reaches the bar", balanced_accuracy)
checks.run("train file left unchanged", lambda: read_text(truth["train"]) == truth["train_text"])
checks.run("test file left unchanged", lambda: read_text(truth["test"]) == truth["test_text"])
checks.finish()
