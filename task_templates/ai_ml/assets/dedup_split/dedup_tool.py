import argparse
import csv
import json
import math
import os
import random

PUNCT = ".,!?;:'\""
DELETE = str.maketrans("", "", PUNCT)


def key(text):
    return " ".join(text.lower().translate(DELETE).split())


def read_csv(path, delimiter=","):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "text", "label"])
        for r in rows:
            w.writerow([r["id"], r["text"], r["label"]])


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            obj = {"id": int(r["id"]), "text": r["text"], "label": r["label"], "user": r["user"]}
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")


def stratified_take(rows, fraction):
    """Per label, the floor(fraction * n + 0.5) rows with the largest ids (a fixed choice)."""
    taken = set()
    for label in sorted({r["label"] for r in rows}):
        members = sorted((r for r in rows if r["label"] == label), key=lambda r: -int(r["id"]))
        taken.update(r["id"] for r in members[: math.floor(fraction * len(members) + 0.5)])
    return [r for r in rows if r["id"] in taken], [r for r in rows if r["id"] not in taken]


def easy(args):
    rows = read_csv(args.input)
    first = {}
    for r in sorted(rows, key=lambda r: int(r["id"])):
        first.setdefault(r["text"], r)
    kept = sorted(first.values(), key=lambda r: int(r["id"]))
    test, train = stratified_take(kept, args.fraction)
    write_csv(f"{args.out}/train.csv", train)
    write_csv(f"{args.out}/test.csv", test)
    return {
        "input_rows": len(rows),
        "duplicate_rows": len(rows) - len(kept),
        "unique_rows": len(kept),
        "train_rows": len(train),
        "test_rows": len(test),
    }


def group_by_key(rows):
    groups = {}
    for r in rows:
        groups.setdefault(key(r["text"]), []).append(r)
    conflicts = {k for k, v in groups.items() if len({r["label"] for r in v}) > 1}
    return groups, conflicts


def medium(args):
    old_train, old_test = read_csv(args.train), read_csv(args.test)
    for r in old_train:
        r["split"] = "train"
    for r in old_test:
        r["split"] = "test"
    everything = old_train + old_test
    groups, conflicts = group_by_key(everything)
    test, pool, leaked = [], [], 0
    for k, copies in groups.items():
        if k in conflicts:
            continue
        in_test = [r for r in copies if r["split"] == "test"]
        if in_test:
            test.append(min(in_test, key=lambda r: int(r["id"])))
            leaked += any(r["split"] == "train" for r in copies)
        else:
            pool.append(min(copies, key=lambda r: int(r["id"])))
    val, train = stratified_take(pool, args.fraction)
    conflict_rows = sum(len(groups[k]) for k in conflicts)
    for name, part in (("train", train), ("val", val), ("test", test)):
        write_csv(f"{args.out}/{name}.csv", sorted(part, key=lambda r: int(r["id"])))
    return {
        "input_rows": len(everything),
        "conflict_keys": len(conflicts),
        "conflict_rows": conflict_rows,
        "duplicate_rows": len(everything) - conflict_rows - len(test) - len(pool),
        "leaked_keys": leaked,
        "train_rows": len(train),
        "val_rows": len(val),
        "test_rows": len(test),
    }


def hard(args):
    with open(f"{args.data}/label_aliases.json") as fh:
        aliases = json.load(fh)
    rows = []
    shards = sorted(os.listdir(f"{args.data}/shards"))
    for name in shards:
        path = f"{args.data}/shards/{name}"
        if name.endswith(".csv"):
            for r in read_csv(path):
                rows.append(
                    {"id": r["id"], "text": r["text"], "label": r["label"], "user": r["user"]}
                )
        elif name.endswith(".tsv"):
            for r in read_csv(path, delimiter="\t"):
                rows.append(
                    {
                        "id": r["row_id"],
                        "text": r["body"],
                        "label": r["category"],
                        "user": r["author"],
                    }
                )
        elif name.endswith(".jsonl"):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        o = json.loads(line)
                        rows.append(
                            {
                                "id": str(o["uid"]),
                                "text": o["utterance"],
                                "label": o["intent"],
                                "user": o["author"],
                            }
                        )
    for r in rows:
        r["label"] = aliases.get(r["label"], r["label"])
    groups, conflicts = group_by_key(rows)
    kept = [min(v, key=lambda r: int(r["id"])) for k, v in groups.items() if k not in conflicts]
    kept.sort(key=lambda r: int(r["id"]))
    by_user = {}
    for r in kept:
        by_user.setdefault(r["user"], []).append(r)
    labels = sorted({r["label"] for r in kept})
    per_label = {c: sum(r["label"] == c for r in kept) for c in labels}
    total = len(kept)
    rng = random.Random(0)
    users = sorted(by_user)
    for attempt in range(1000):
        rng.shuffle(users)
        chosen, size, counts = set(), 0, dict.fromkeys(labels, 0)
        for u in users:
            add = {c: sum(r["label"] == c for r in by_user[u]) for c in labels}
            if size + len(by_user[u]) > args.hi * total:
                continue
            if any(counts[c] + add[c] > args.class_hi * per_label[c] for c in labels):
                continue
            chosen.add(u)
            size += len(by_user[u])
            for c in labels:
                counts[c] += add[c]
            if size >= (args.lo + args.hi) / 2 * total:
                break
        ok = args.lo * total <= size <= args.hi * total and all(
            args.class_lo * per_label[c] <= counts[c] <= args.class_hi * per_label[c]
            for c in labels
        )
        if ok:
            print(f"valid group split after {attempt + 1} attempt(s): {size}/{total} rows in test")
            break
    else:
        raise SystemExit("no valid split found")
    test = [r for r in kept if r["user"] in chosen]
    train = [r for r in kept if r["user"] not in chosen]
    write_jsonl(f"{args.out}/train.jsonl", train)
    write_jsonl(f"{args.out}/test.jsonl", test)
    conflict_rows = sum(len(groups[k]) for k in conflicts)
    return {
        "input_rows": len(rows),
        "conflict_keys": len(conflicts),
        "conflict_rows": conflict_rows,
        "duplicate_rows": len(rows) - conflict_rows - len(kept),
        "unique_rows": len(kept),
        "train_rows": len(train),
        "test_rows": len(test),
    }


ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["easy", "medium", "hard"])
for flag in ("--input", "--train", "--test", "--data", "--out"):
    ap.add_argument(flag)
for flag in ("--fraction", "--lo", "--hi", "--class-lo", "--class-hi"):
    ap.add_argument(flag, type=float)
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
report = {"easy": easy, "medium": medium, "hard": hard}[args.mode](args)
with open(f"{args.out}/report.json", "w") as fh:
    json.dump(report, fh, indent=2)
print(json.dumps(report))
