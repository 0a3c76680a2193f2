"""Run the repaired pipeline (as nobody) on fresh hidden data and grade it against the labels."""

import csv
import os
import re
import shutil
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
proj, names, labels = truth["project"], truth["names"], truth["labels"]
work = tempfile.mkdtemp(prefix="grade-")
os.chmod(work, 0o777)  # the agent's code runs as nobody and writes its outputs here
train_csv, test_csv = f"{work}/train.csv", f"{work}/test.csv"
shutil.copy("/tests/hidden/train.csv", train_csv)
shutil.copy("/tests/hidden/test.csv", test_csv)
os.chmod(train_csv, 0o644)
os.chmod(test_csv, 0o644)
runs = {}


def pipeline(tag):
    """Train on the hidden train file with default hyper-parameters, predict the hidden test."""
    out = f"{work}/pred_{tag}.csv"
    if "script" in names:
        cmd = ["python3", f"{proj}/{names['script']}", "--train", train_csv, "--test", test_csv]
        rc, stdout, stderr = run_agent_code(cmd + ["--out", out, "--seed", "5"], 120, cwd=work)
    else:
        model = f"{work}/model_{tag}.json"
        cmd = ["python3", f"{proj}/{names['train']}", "--data", train_csv, "--model", model]
        rc, stdout, stderr = run_agent_code(cmd + ["--seed", "5"], 120, cwd=work)
        if rc == 0:
            cmd = ["python3", f"{proj}/{names['predict']}", "--model", model]
            cmd += ["--input", test_csv, "--out", out]
            rc, more, stderr = run_agent_code(cmd, 120, cwd=work)
            stdout += more
    runs[tag] = (rc, stdout, stderr, out)
    return rc == 0, f"exit status {rc}; stderr: {stderr.strip()[-300:]}"


def rows_of(path):
    with open(path, newline="") as fh:
        return [row for row in csv.reader(fh) if row]


def val_line():
    stdout = runs["first"][1]
    found = re.findall(r"^val_accuracy=([0-9.eE+-]+)\s*$", stdout, re.M)
    return bool(found) and 0.0 <= float(found[-1]) <= 1.0, f"stdout ends: {stdout[-200:]!r}"


def output_format():
    rows = rows_of(runs["first"][3])
    if [c.strip() for c in rows[0]] != ["id", "label"]:
        return False, f"header {rows[0]}"
    ids = [r[0].strip() for r in rows[1:]]
    if len(ids) != len(set(ids)) or set(ids) != set(labels):
        return False, f"{len(ids)} rows, {len(set(ids) & set(labels))} of {len(labels)} ids"
    bad = sorted({r[1].strip() for r in rows[1:]} - set(truth["classes"]))
    return not bad and all(len(r) == 2 for r in rows), f"unknown labels {bad[:4]}"


def accuracy():
    preds = {r[0].strip(): r[1].strip() for r in rows_of(runs["first"][3])[1:] if len(r) == 2}
    acc = sum(preds.get(i) == label for i, label in labels.items()) / len(labels)
    return acc >= truth["accuracy_bar"], f"accuracy {acc:.4f} < {truth['accuracy_bar']:.2f}"


def deterministic():
    ok, detail = pipeline("second")
    if not ok:
        return False, detail
    return read_text(runs["first"][3]) == read_text(runs["second"][3]), "predictions differ"


def data_untouched():
    changed = [p for p, text in truth["data_files"].items() if read_text(p) != text]
    return not changed, f"modified: {changed}"


present = checks.run(
    "project files present", lambda: all(os.path.isfile(f"{proj}/{n}") for n in names.values())
)
if present and checks.run("pipeline runs on fresh data", lambda: pipeline("first")):
    checks.run("prints val_accuracy=<number in [0, 1]>", val_line)
    if checks.run("predictions: header id,label, one row per id, known classes", output_format):
        checks.run("accuracy on fresh data reaches the bar", accuracy)
        checks.run("same seed gives identical predictions", deterministic)
checks.run("data files unchanged", data_untouched)
checks.finish()
