import argparse
import csv
import glob
import json
import math
import os


def norm(label):
    return label.strip().lower()


def div(a, b):
    return a / b if b else 0.0


def report(pairs, classes):
    idx = {c: i for i, c in enumerate(classes)}
    cm = [[0] * len(classes) for _ in classes]
    for t, p in pairs:
        cm[idx[t]][idx[p]] += 1
    per = {}
    for i, c in enumerate(classes):
        tp, col, row = cm[i][i], sum(r[i] for r in cm), sum(cm[i])
        p, r = div(tp, col), div(tp, row)
        per[c] = {"precision": p, "recall": r, "f1": div(2 * p * r, p + r), "support": row}
    n = len(pairs)
    acc = sum(t == p for t, p in pairs) / n
    names = ("precision", "recall", "f1")
    return {
        "confusion_matrix": cm,
        "accuracy": acc,
        "per_class": per,
        "macro_avg": {m: sum(per[c][m] for c in classes) / len(classes) for m in names},
        "micro_avg": {m: acc for m in names},
        "weighted_avg": {m: sum(per[c][m] * per[c]["support"] for c in classes) / n for m in names},
    }


def auc(scores, positive):
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks, i = [0.0] * len(scores), 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = sum(positive)
    s = sum(r for r, p in zip(ranks, positive, strict=True) if p)
    return (s - n_pos * (n_pos + 1) / 2) / (n_pos * (len(scores) - n_pos))


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def easy(args):
    data = rows(args.input)
    pairs = [(norm(r[args.true]), norm(r[args.pred])) for r in data]
    classes = sorted({c for p in pairs for c in p})
    out = report(pairs, classes)
    keep = ("confusion_matrix", "accuracy", "per_class", "macro_avg")
    return {"classes": classes, **{k: out[k] for k in keep}}


def medium(args):
    labels = rows(args.labels)
    with open(args.preds, newline="") as fh:
        preds_raw = list(csv.reader(fh))[1:]
    truth = {
        r["id"].strip(): norm(r[args.true] if args.true else list(r.values())[1]) for r in labels
    }
    last = {}
    for rid, label in preds_raw:
        last[rid.strip()] = norm(label)
    pairs = [(t, last[i]) for i, t in truth.items() if i in last]
    classes = sorted({c for p in pairs for c in p})
    out = report(pairs, classes)
    out.update(
        classes=classes,
        evaluated_rows=len(pairs),
        missing_predictions=sum(i not in last for i in truth),
        unmatched_predictions=sum(i not in truth for i in last),
        duplicate_predictions=len(preds_raw) - len(last),
    )
    return out


def hard(args):
    labels = rows(args.labels)
    truth = {r["id"].strip(): norm(r["label"]) for r in labels}
    group = {r["id"].strip(): r[args.group].strip() for r in labels}
    ids = sorted(truth)
    classes = sorted(set(truth.values()))
    models = {}
    for path in sorted(glob.glob(os.path.join(args.models, "*.csv"))):
        name = os.path.basename(path)[: -len(".csv")]
        probs = {r["id"].strip(): [float(r[f"p_{c}"]) for c in classes] for r in rows(path)}
        pairs, top2, loss = [], 0, 0.0
        for i in ids:
            p, t = probs[i], classes.index(truth[i])
            ranked = sorted(range(len(classes)), key=lambda c: (-p[c], classes[c]))
            pairs.append((truth[i], classes[ranked[0]]))
            top2 += t in ranked[:2]
            loss -= math.log(max(p[t], 1e-15))
        out = report(pairs, classes)
        del out["micro_avg"]
        out["top2_accuracy"] = top2 / len(ids)
        out["log_loss"] = loss / len(ids)
        out["auc"] = {
            c: auc([probs[i][k] for i in ids], [truth[i] == c for i in ids])
            for k, c in enumerate(classes)
        }
        out["macro_auc"] = sum(out["auc"].values()) / len(classes)
        out["per_group"] = {}
        for g in sorted(set(group.values())):
            sub = [pair for pair, i in zip(pairs, ids, strict=True) if group[i] == g]
            present = sorted({c for pair in sub for c in pair})
            stats = report(sub, present)
            out["per_group"][g] = {
                "n": len(sub),
                "accuracy": stats["accuracy"],
                "macro_f1": stats["macro_avg"]["f1"],
            }
        models[name] = out
    ranking = sorted(
        models, key=lambda m: (-models[m]["macro_avg"]["f1"], -models[m]["accuracy"], m)
    )
    return {"classes": classes, "models": models, "ranking": ranking, "best_model": ranking[0]}


def rounded(v):
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [rounded(x) for x in v]
    return v


ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["easy", "medium", "hard"])
for flag in ("--input", "--true", "--pred", "--labels", "--preds", "--models", "--group"):
    ap.add_argument(flag)
ap.add_argument("--out", required=True)
args = ap.parse_args()
result = {"easy": easy, "medium": medium, "hard": hard}[args.mode](args)
with open(args.out, "w") as fh:
    json.dump(rounded(result), fh, indent=2)
print(f"wrote {args.out}")
