"""Dataset hygiene: deduplicate a labelled text dataset and split it without leakage.

The generator writes unique utterances first (so it knows every sample's identity), then
damages the dump the way scraped datasets are damaged: exact copies, near copies that differ
only in case, punctuation and whitespace (tabs, non-breaking spaces), copies carrying a
different label (conflicts), copies on both sides of an existing train/test split (leakage),
shards in three formats with label aliases, and authors whose rows must stay together. The
rules that define a duplicate, which copy survives and what a valid split is are exact, so the
checker knows the surviving ids and verifies every stated property of the agent's split.

- easy: one CSV, exact duplicates, exact per-class test counts;
- medium: an old train/test pair with leakage, near duplicates and label conflicts; the old
  test set is frozen and a stratified validation split is carved out of train;
- hard: CSV + JSONL + TSV shards with different field names and label aliases, unicode
  whitespace, conflicts that only appear after canonicalising labels, and a group-aware
  stratified split (an author's rows never straddle train and test) within stated tolerances.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

ITEMS = [
    "headphones",
    "blender",
    "desk lamp",
    "backpack",
    "router",
    "kettle",
    "monitor",
    "keyboard",
    "phone case",
    "air fryer",
    "tent",
    "printer",
    "smart watch",
    "coffee grinder",
    "webcam",
]
WHEN = ["yesterday", "last week", "on monday", "this morning", "two days ago", "since friday"]
THEMES = {
    "support_tickets": {
        "refund": [
            "I want a refund for the {item}",
            "can I get my money back for the {item}, it stopped working {when}",
            "please refund order {num}",
            "the {item} broke {when} so I'd like a refund",
        ],
        "shipping": [
            "where is my {item}? order {num}",
            "my package with the {item} has not arrived, ordered {when}",
            "tracking for order {num} has not updated since {when}",
            "when will the {item} ship",
        ],
        "login": [
            "I can't log in since {when}",
            "reset my password please, account {num}",
            "the login page rejects my password for account {num}",
            "locked out of my account {when}, help",
        ],
        "billing": [
            "I was charged twice for order {num}",
            "why is there an extra fee on invoice {num}",
            "my card was billed {when} for the {item}, but I cancelled",
            "the invoice for the {item} shows the wrong amount",
        ],
        "cancel": [
            "cancel my order {num} please",
            "I don't want the {item} anymore, cancel it",
            "please stop my subscription, order {num}",
            "cancel the {item} I ordered {when}",
        ],
    },
    "it_helpdesk": {
        "network": [
            "wifi keeps dropping on floor {floor} {when}",
            "no internet at desk {num}",
            "vpn disconnects every few minutes since {when}",
            "the network in room {num} is very slow",
        ],
        "printer": [
            "printer on floor {floor} is jammed",
            "can't print to the printer in room {num}",
            "the printer shows error {num} since {when}",
            "printouts from floor {floor} come out blank",
        ],
        "email": [
            "my mailbox is full, ticket {num}",
            "emails to the sales list bounce since {when}",
            "outlook won't open, error {num}",
            "I stopped receiving email {when}",
        ],
        "hardware": [
            "laptop {num} won't boot",
            "my {item} is broken, asset {num}",
            "screen flickers on laptop {num} since {when}",
            "the {item} at desk {num} makes a grinding noise",
        ],
        "access": [
            "I need access to share {num}",
            "badge {num} does not open the door on floor {floor}",
            "please grant me admin rights on machine {num}",
            "my account was disabled {when}, ticket {num}",
        ],
    },
    "product_reviews": {
        "positive": [
            "love this {item}, works great",
            "the {item} arrived {when} and it's excellent",
            "best {item} I've owned, five stars, order {num}",
            "great value, the {item} exceeded my expectations",
        ],
        "negative": [
            "the {item} broke {when}, terrible quality",
            "do not buy this {item}, order {num} was a waste",
            "awful {item}, returned it after {floor} days",
            "the {item} stopped working {when}; very disappointed",
        ],
        "neutral": [
            "the {item} is okay, nothing special",
            "received the {item} {when}, it does the job",
            "average {item}, order {num}, no complaints",
            "the {item} works as described, {floor} stars",
        ],
        "question": [
            "does the {item} come with a warranty?",
            "is the {item} compatible with model {num}?",
            "how long does the {item} battery last?",
            "can I buy a spare part for the {item}, order {num}?",
        ],
    },
}
ALIASES = {
    "refund": ["refund_request", "REFUND", "money_back"],
    "shipping": ["delivery", "SHIPPING", "where_is_order"],
    "login": ["password", "auth", "LOGIN"],
    "billing": ["invoice", "charges", "BILLING"],
    "cancel": ["cancellation", "CANCEL", "stop_order"],
    "network": ["wifi", "NETWORK", "connectivity"],
    "printer": ["print", "PRINTER", "printing"],
    "email": ["mail", "EMAIL", "outlook"],
    "hardware": ["device", "HARDWARE", "hw"],
    "access": ["permissions", "ACCESS", "rights"],
    "positive": ["pos", "POSITIVE", "good"],
    "negative": ["neg", "NEGATIVE", "bad"],
    "neutral": ["neu", "NEUTRAL", "meh"],
    "question": ["q", "QUESTION", "ask"],
}
PUNCT = ".,!?;:'\""
DELETE = str.maketrans("", "", PUNCT)
NBSP = "\u00a0"
SIZES = {Difficulty.EASY: (150, 220), Difficulty.MEDIUM: (300, 380), Difficulty.HARD: (520, 640)}
DIRS = ["/app/data", "/app/corpus", "/app/datasets/{theme}"]
OUT_DIRS = ["/app/clean", "/app/splits", "/app/output/{theme}"]

OPENINGS = [
    "The `{theme}` dataset in `{dir}` is full of duplicates and we cannot trust its splits.",
    "Before training on the `{theme}` texts in `{dir}`, they need to be cleaned and re-split.",
    "A labelled text dataset (`{theme}`) lives in `{dir}`; it was scraped twice and merged "
    "carelessly.",
    "Our `{theme}` training data in `{dir}` leaks and repeats itself; fix that.",
]


def key(text: str) -> str:
    """The normalised identity of a text under the rules the instruction states."""
    return " ".join(text.lower().translate(DELETE).split())


def _variant(text: str, rng: random.Random, unicode_ws: bool, tabs: bool) -> str:
    """A near copy: same key, different characters."""
    for _ in range(20):
        out = text
        ops = rng.sample(["case", "punct", "space", "ends", "ws"], rng.randint(1, 3))
        if "case" in ops:
            out = rng.choice([out.upper(), out.capitalize(), out.title(), out.lower()])
        if "punct" in ops:
            stripped = out.rstrip(PUNCT)
            out = stripped + rng.choice(["", ".", "!", "!!", "?", "..."])
        if "space" in ops:
            words = out.split(" ")
            i = rng.randrange(len(words))
            words[i] = words[i] + " "
            out = " ".join(words)
        if "ends" in ops:
            out = " " * rng.randint(1, 2) + out + " " * rng.randint(0, 2)
        if "ws" in ops and unicode_ws:
            pool = [NBSP, "  "] + (["\t"] if tabs else [])
            out = out.replace(" ", rng.choice(pool), 1)
        if out != text and key(out) == key(text):
            return out
    return text + " "


def _csv(header, rows, delimiter=","):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@register
class DedupSplit(TemplateFamily):
    name = "dataset-dedup-split"
    idempotent = True
    domain = Domain.AI_ML
    description = (
        "Deduplicate a labelled text dataset (exact and near copies, label conflicts, "
        "train/test leakage) and write clean stratified splits with verified properties."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        theme = rng.choice(sorted(THEMES))
        n_classes = {Difficulty.EASY: rng.choice([3, 4]), Difficulty.MEDIUM: 4}.get(
            difficulty, len(THEMES[theme])
        )
        classes = sorted(rng.sample(sorted(THEMES[theme]), n_classes))
        base = self._base_samples(rng, theme, classes, rng.randint(*SIZES[difficulty]))
        data_dir = rng.choice(DIRS).format(theme=theme)
        out_dir = rng.choice(OUT_DIRS).format(theme=theme)
        if difficulty is Difficulty.EASY:
            return self._easy(rng, theme, classes, base, data_dir, out_dir)
        if difficulty is Difficulty.MEDIUM:
            return self._medium(rng, theme, classes, base, data_dir, out_dir)
        return self._hard(rng, theme, classes, base, data_dir, out_dir)

    @staticmethod
    def _base_samples(rng, theme, classes, n):
        seen, out = set(), []
        while len(out) < n:
            label = rng.choice(classes)
            text = rng.choice(THEMES[theme][label]).format(
                item=rng.choice(ITEMS),
                when=rng.choice(WHEN),
                num=rng.randrange(1000, 99999),
                floor=rng.randint(2, 9),
            )
            if key(text) in seen:
                continue
            seen.add(key(text))
            out.append((text, label))
        return out

    # ----------------------------------------------------------------------------- easy
    def _easy(self, rng, theme, classes, base, data_dir, out_dir) -> Instance:
        rows = [(text, label) for text, label in base]
        rows += [rng.choice(base) for _ in range(int(len(base) * rng.uniform(0.12, 0.2)))]
        ids = rng.sample(range(100, 100 + 20 * len(rows)), len(rows))
        table = list(zip(ids, rows, strict=True))
        rng.shuffle(table)
        first = {}
        for i, (text, _) in sorted(table):
            first.setdefault(text, i)
        kept = sorted(first.values())
        label_of = {i: label for i, (_, label) in table}
        fraction = rng.choice([0.2, 0.25, 0.3])
        counts = {c: sum(label_of[i] == c for i in kept) for c in classes}
        test_counts = {c: math.floor(fraction * n + 0.5) for c, n in counts.items()}
        name = rng.choice(["samples.csv", "dataset.csv", "all.csv"])
        text = _csv(["id", "text", "label"], [[i, t, lab] for i, (t, lab) in table])
        report = {
            "input_rows": len(table),
            "duplicate_rows": len(table) - len(kept),
            "unique_rows": len(kept),
            "train_rows": len(kept) - sum(test_counts.values()),
            "test_rows": sum(test_counts.values()),
        }
        expected = {
            "level": "easy",
            "out_dir": out_dir,
            "format": "csv",
            "inputs": {f"{data_dir}/{name}": text},
            "rows": {str(i): {"text": t, "label": lab} for i, (t, lab) in table},
            "splits": {"train": None, "test": None},
            "pool": {"train+test": [str(i) for i in kept]},
            "exact_counts": {"test": test_counts},
            "report": report,
        }
        rules = [
            "Two rows are duplicates when their `text` is exactly identical (byte for byte); "
            "keep only the row with the smallest `id` of each such set.",
            f"Every kept row goes to exactly one of `train.csv` and `test.csv`; `test.csv` must "
            f"hold exactly `floor({fraction} * n + 0.5)` rows of each label, where n is the "
            "number of kept rows with that label (which rows is up to you).",
            "Copy kept rows unchanged: same `id`, `text` and `label`.",
            f"Do not modify `{data_dir}/{name}`.",
        ]
        rng.shuffle(rules)
        instruction = self._instruction(
            rng,
            theme,
            data_dir,
            out_dir,
            f"`{data_dir}/{name}` is a CSV file (`id,text,label`; texts containing commas or "
            "quotes are quoted the standard CSV way).",
            rules,
            ["train.csv", "test.csv"],
            "CSV files with the header `id,text,label` (standard CSV quoting)",
            report,
        )
        solution = self._solution("easy", data_dir, out_dir, {"input": name, "fraction": fraction})
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={name: text},
            dockerfile=f"COPY {name} {data_dir}/{name}\n",
            tags=["deduplication", "data-splitting", "csv"],
        )

    # --------------------------------------------------------------------------- medium
    def _medium(self, rng, theme, classes, base, data_dir, out_dir) -> Instance:
        n = len(base)
        order = list(range(n))
        rng.shuffle(order)
        n_test = n // 5
        old_test = set(order[:n_test])
        conflicts = set(rng.sample(order, rng.randint(5, 10)))
        leaks = rng.sample(sorted(old_test), rng.randint(15, 30))
        rows = []  # (split, text, label)
        for b, (text, label) in enumerate(base):
            split = "test" if b in old_test else "train"
            rows.append((split, text, label))
            for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
                copy = rng.choice([text, _variant(text, rng, True, True)])
                rows.append((split, copy, label))
            if b in conflicts:
                other = rng.choice([c for c in classes if c != label])
                rows.append((rng.choice(["train", "test"]), _variant(text, rng, True, True), other))
        for b in leaks:
            text, label = base[b]
            rows.append(("train", rng.choice([text, _variant(text, rng, True, True)]), label))
        ids = rng.sample(range(10000, 10000 + 12 * len(rows)), len(rows))
        table = [(i, *row) for i, row in zip(ids, rows, strict=True)]
        rng.shuffle(table)

        by_key = {}
        for i, split, text, label in table:
            by_key.setdefault(key(text), []).append((i, split, label))
        conflict_keys = sorted(k for k, v in by_key.items() if len({r[2] for r in v}) > 1)
        test_ids, pool_ids, leaked = [], [], 0
        for k, copies in by_key.items():
            if k in conflict_keys:
                continue
            in_test = [r for r in copies if r[1] == "test"]
            if in_test:
                test_ids.append(min(r[0] for r in in_test))
                leaked += any(r[1] == "train" for r in copies)
            else:
                pool_ids.append(min(r[0] for r in copies))
        label_of = {i: label for i, _, _, label in table}
        fraction = rng.choice([0.1, 0.15])
        counts = {c: sum(label_of[i] == c for i in pool_ids) for c in classes}
        val_counts = {c: math.floor(fraction * m + 0.5) for c, m in counts.items()}
        conflict_rows = sum(len(by_key[k]) for k in conflict_keys)
        report = {
            "input_rows": len(table),
            "conflict_keys": len(conflict_keys),
            "conflict_rows": conflict_rows,
            "duplicate_rows": len(table) - conflict_rows - len(test_ids) - len(pool_ids),
            "leaked_keys": leaked,
            "train_rows": len(pool_ids) - sum(val_counts.values()),
            "val_rows": sum(val_counts.values()),
            "test_rows": len(test_ids),
        }
        train_name, test_name = rng.choice(
            [("train.csv", "test.csv"), ("old_train.csv", "old_test.csv")]
        )
        header = ["id", "text", "label"]
        train_text = _csv(header, [[i, t, lab] for i, s, t, lab in table if s == "train"])
        test_text = _csv(header, [[i, t, lab] for i, s, t, lab in table if s == "test"])
        expected = {
            "level": "medium",
            "out_dir": out_dir,
            "format": "csv",
            "inputs": {
                f"{data_dir}/{train_name}": train_text,
                f"{data_dir}/{test_name}": test_text,
            },
            "rows": {str(i): {"text": t, "label": lab} for i, _, t, lab in table},
            "splits": {"train": None, "val": None, "test": sorted(str(i) for i in test_ids)},
            "pool": {"train+val": sorted(str(i) for i in pool_ids)},
            "exact_counts": {"val": val_counts},
            "report": report,
        }
        rules = [
            "Two texts are the same sample when they are equal after normalisation: lowercase, "
            f"delete the characters {' '.join(f'`{c}`' for c in PUNCT)}, turn every run of "
            "whitespace (spaces, tabs, non-breaking spaces) into one space, and trim both ends.",
            "If the copies of a sample carry more than one label, the sample is unusable: drop "
            "every copy (count the samples in `conflict_keys` and their rows in "
            "`conflict_rows`).",
            f"The old test set is frozen: a sample with a copy in `{test_name}` goes to the new "
            f"`test.csv`, represented by the smallest `id` among its copies in `{test_name}`; "
            f"its copies in `{train_name}` are leakage (count such samples in `leaked_keys`).",
            "Every sample that is neither a conflict nor frozen in test is represented by its "
            "copy with the smallest `id` and goes to `train.csv` or `val.csv`.",
            f"`val.csv` must hold exactly `floor({fraction} * n + 0.5)` rows of each label, where "
            "n is the number of samples of that label available to train/val (which ones is up "
            "to you).",
            "`duplicate_rows` counts every input row that is not kept and not a conflict row.",
            "Copy kept rows unchanged (`id`, original `text`, `label`).",
            "Do not modify the input files.",
        ]
        rng.shuffle(rules)
        instruction = self._instruction(
            rng,
            theme,
            data_dir,
            out_dir,
            f"It was split long ago into `{data_dir}/{train_name}` and `{data_dir}/{test_name}` "
            "(CSV, `id,text,label`, standard quoting); ids are unique across both files.",
            rules,
            ["train.csv", "val.csv", "test.csv"],
            "CSV files with the header `id,text,label` (standard CSV quoting)",
            report,
        )
        solution = self._solution(
            "medium",
            data_dir,
            out_dir,
            {"train": train_name, "test": test_name, "fraction": fraction},
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files={train_name: train_text, test_name: test_text},
            dockerfile=f"COPY {train_name} {test_name} {data_dir}/\n",
            tags=["deduplication", "data-splitting", "leakage", "csv"],
        )

    # ----------------------------------------------------------------------------- hard
    def _hard(self, rng, theme, classes, base, data_dir, out_dir) -> Instance:
        aliases = {c: rng.sample(ALIASES[c], 2) for c in classes}
        n_users = len(base) // 3
        users = [f"u{n:04d}" for n in rng.sample(range(10000), n_users)]
        weights = [rng.random() ** 2 + 0.05 for _ in users]
        rows = []  # (text, canonical label, written label, user)

        def spelled(label):
            return label if rng.random() < 0.5 else rng.choice(aliases[label])

        conflicts = set(rng.sample(range(len(base)), rng.randint(6, 12)))
        alias_twins = set(rng.sample(range(len(base)), 20)) - conflicts
        for b, (text, label) in enumerate(base):
            user = rng.choices(users, weights=weights)[0]
            rows.append((text, label, spelled(label), user))
            for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
                copy = rng.choice([text, _variant(text, rng, True, False)])
                rows.append(
                    (copy, label, spelled(label), rng.choice([user, user, rng.choice(users)]))
                )
            if b in alias_twins:  # same label under another alias: not a conflict
                rows.append((_variant(text, rng, True, False), label, aliases[label][0], user))
            if b in conflicts:
                other = rng.choice([c for c in classes if c != label])
                rows.append((_variant(text, rng, True, False), other, spelled(other), user))
        ids = rng.sample(range(1, 30 * len(rows)), len(rows))
        table = [(i, *row) for i, row in zip(ids, rows, strict=True)]
        rng.shuffle(table)

        by_key = {}
        for i, text, label, _, user in table:
            by_key.setdefault(key(text), []).append((i, label, user))
        conflict_keys = sorted(k for k, v in by_key.items() if len({r[1] for r in v}) > 1)
        kept = sorted(min(v)[0] for k, v in by_key.items() if k not in conflict_keys)
        info = {i: (text, label, user) for i, text, label, _, user in table}
        conflict_rows = sum(len(by_key[k]) for k in conflict_keys)

        # Shards: three formats, three field spellings; a row's shard is drawn at random.
        shards = {"csv": [], "jsonl": [], "tsv": []}
        for i, text, _, written, user in table:
            fmt = rng.choice(["csv", "jsonl", "tsv"] if "\t" not in text else ["csv", "jsonl"])
            shards[fmt].append((i, text, written, user))
        names = rng.sample(["part-a", "part-b", "part-c", "batch1", "batch2", "batch3"], 3)
        files = {
            f"shards/{names[0]}.csv": _csv(
                ["id", "text", "label", "user"],
                [[i, t, lab, u] for i, t, lab, u in shards["csv"]],
            ),
            f"shards/{names[1]}.jsonl": "".join(
                json.dumps({"uid": i, "utterance": t, "intent": lab, "author": u}) + "\n"
                for i, t, lab, u in shards["jsonl"]
            ),
            f"shards/{names[2]}.tsv": _csv(
                ["row_id", "category", "author", "body"],
                [[i, lab, u, t] for i, t, lab, u in shards["tsv"]],
                delimiter="\t",
            ),
        }
        alias_map = {a: c for c in classes for a in aliases[c]}
        files["label_aliases.json"] = json.dumps(alias_map, indent=2, sort_keys=True) + "\n"
        lo, hi = rng.choice([(0.17, 0.23), (0.22, 0.28)])
        slack = 0.07
        while not self._feasible(
            rng, kept, info, classes, lo, hi, round(lo - slack, 2), round(hi + slack, 2)
        ):
            slack += 0.02  # widen the per-label window until a valid split provably exists
        class_lo, class_hi = round(lo - slack, 2), round(hi + slack, 2)
        report = {
            "input_rows": len(table),
            "conflict_keys": len(conflict_keys),
            "conflict_rows": conflict_rows,
            "duplicate_rows": len(table) - conflict_rows - len(kept),
            "unique_rows": len(kept),
            "train_rows": None,
            "test_rows": None,
        }
        expected = {
            "level": "hard",
            "out_dir": out_dir,
            "format": "jsonl",
            "inputs": {f"{data_dir}/{p}": t for p, t in files.items()},
            "rows": {
                str(i): {"text": t, "label": lab, "user": u} for i, (t, lab, u) in info.items()
            },
            "splits": {"train": None, "test": None},
            "pool": {"train+test": [str(i) for i in kept]},
            "exact_counts": {},
            "test_share": [lo, hi],
            "class_test_share": [class_lo, class_hi],
            "report": report,
        }
        rules = [
            f"Labels come under several spellings; `{data_dir}/label_aliases.json` maps every "
            "alias to its canonical label (a label that is not in the map is already "
            "canonical). Write canonical labels only.",
            "Two texts are the same sample when they are equal after normalisation: lowercase, "
            f"delete the characters {' '.join(f'`{c}`' for c in PUNCT)}, turn every run of "
            "Unicode whitespace (spaces, tabs, non-breaking spaces, ...) into one space, and "
            "trim both ends.",
            "If the copies of a sample carry more than one canonical label, drop every copy "
            "(count those samples in `conflict_keys`, their rows in `conflict_rows`).",
            "Every sample that is not a conflict is represented by its copy with the smallest id "
            "(ids are unique across shards); `duplicate_rows` counts its other copies.",
            "All kept rows of one user must land in the same split.",
            f"`test.jsonl` must hold between {lo:.0%} and {hi:.0%} of the kept rows, and for "
            f"every label between {class_lo:.0%} and {class_hi:.0%} of that label's kept rows.",
            "Copy each kept row's `id`, original `text` and `user` unchanged.",
            "Do not modify the input files.",
        ]
        rng.shuffle(rules)
        shard_desc = (
            f"The dataset arrived as three shards in `{data_dir}/shards/`: "
            f"`{names[0]}.csv` (`id,text,label,user`, standard CSV quoting), "
            f"`{names[1]}.jsonl` (one JSON object per line: `uid`, `utterance`, `intent`, "
            f"`author`) and `{names[2]}.tsv` (tab-separated with CSV-style quoting: `row_id`, "
            "`category`, `author`, `body`). Across formats, `uid`/`row_id` is the id, "
            "`utterance`/`body` the text, `intent`/`category` the label and `author` the user."
        )
        instruction = self._instruction(
            rng,
            theme,
            data_dir,
            out_dir,
            shard_desc,
            rules,
            ["train.jsonl", "test.jsonl"],
            'JSON Lines files, one object per kept row: `{"id": <int>, "text": ..., '
            '"label": ..., "user": ...}`',
            report,
        )
        solution = self._solution(
            "hard",
            data_dir,
            out_dir,
            {"shards": names, "lo": lo, "hi": hi, "class_lo": class_lo, "class_hi": class_hi},
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=f"COPY shards/ {data_dir}/shards/\n"
            f"COPY label_aliases.json {data_dir}/label_aliases.json\n",
            tags=["deduplication", "data-splitting", "group-split", "jsonl", "unicode"],
        )

    @staticmethod
    def _feasible(rng, kept, info, classes, lo, hi, class_lo, class_hi) -> bool:
        """Prove a valid group split exists: greedy over shuffled users, a few restarts."""
        groups = {}
        for i in kept:
            groups.setdefault(info[i][2], []).append(info[i][1])
        total = len(kept)
        per_class = {c: sum(info[i][1] == c for i in kept) for c in classes}
        users = sorted(groups)
        for _ in range(50):
            rng.shuffle(users)
            test = dict.fromkeys(classes, 0)
            size = 0
            for u in users:
                add = {c: groups[u].count(c) for c in classes}
                if size + len(groups[u]) > hi * total:
                    continue
                if any(test[c] + add[c] > class_hi * per_class[c] for c in classes):
                    continue
                size += len(groups[u])
                for c in classes:
                    test[c] += add[c]
                if size >= (lo + hi) / 2 * total:
                    break
            if lo * total <= size <= hi * total and all(
                class_lo * per_class[c] <= test[c] <= class_hi * per_class[c] for c in classes
            ):
                return True
        return False

    @staticmethod
    def _instruction(rng, theme, data_dir, out_dir, source, rules, outputs, fmt, report):
        listed = ", ".join(f"`{out_dir}/{o}`" for o in outputs)
        fields = ", ".join(f"`{k}`" for k in report)
        lines = [
            rng.choice(OPENINGS).format(theme=theme, dir=data_dir),
            source,
            "",
            f"Produce {listed} — {fmt} — and `{out_dir}/report.json`.",
            "",
            "Rules:",
            *[f"- {r}" for r in rules],
            "",
            f"`report.json` is one JSON object with the integer fields {fields}; the row "
            "counts describe the files you wrote.",
        ]
        return "\n".join(lines)

    def _solution(self, level, data_dir, out_dir, params) -> str:
        tool = self.asset("dedup_tool.py").rstrip("\n")
        lines = [
            "# Reference solution: inspect the dump, then deduplicate and split it with a small",
            "# script that follows the stated rules, and look at what it wrote.",
            f"ls -lR {data_dir}",
        ]
        if level == "easy":
            src = f"{data_dir}/{params['input']}"
            inputs = [src]
            lines += [
                f"file {src}",
                f"head -n 5 {src}",
                f"wc -l {src}",
                "# rows repeating another row apart from the id",
                f"cut -d, -f2- {src} | sort | uniq -d | wc -l",
                f"awk -F, 'NR > 1 {{ print $NF }}' {src} | sort | uniq -c",
                f"grep -c '\"' {src} || true",
            ]
            run = (
                f"python3 /tmp/dedup_tool.py easy --input {src} --fraction {params['fraction']} "
                f"--out {out_dir}"
            )
            check = [
                f"wc -l {out_dir}/*.csv",
                f"tail -n 2 {out_dir}/test.csv",
                f"cat {out_dir}/train.csv {out_dir}/test.csv | cut -d, -f1 | sort | uniq -d | wc -l",
            ]
        elif level == "medium":
            train, test = f"{data_dir}/{params['train']}", f"{data_dir}/{params['test']}"
            inputs = [train, test]
            lines += [
                f"file {train} {test}",
                f"head -n 5 {train} {test}",
                f"wc -l {train} {test}",
                "# ids must be unique across the two files",
                f"cat {train} {test} | cut -d, -f1 | sort | uniq -d | wc -l",
                "# near copies hide behind tabs and non-breaking spaces",
                f"grep -c $'\\t' {train} {test} || true",
                f"grep -c $'\\xc2\\xa0' {train} {test} || true",
                f"grep -m 1 $'\\xc2\\xa0' {test} | od -c | tail -n 4 || true",
                f"tr '[:upper:]' '[:lower:]' < {test} | cut -d, -f2 | sort | uniq -d | wc -l",
            ]
            run = (
                f"python3 /tmp/dedup_tool.py medium --train {train} --test {test} "
                f"--fraction {params['fraction']} --out {out_dir}"
            )
            check = [
                f"wc -l {out_dir}/*.csv",
                f'for f in {out_dir}/*.csv; do echo "$f: $(tail -n +2 "$f" | '
                "awk -F, '{ print $NF }' | sort | uniq -c | tr -s ' ' | paste -sd' ')\"; done",
                f"tail -n 2 {out_dir}/val.csv",
            ]
        else:
            shards = f"{data_dir}/shards"
            inputs = [f"{shards}/*", f"{data_dir}/label_aliases.json"]
            lines += [
                f"file {shards}/*",
                f"head -n 3 {shards}/*",
                f"wc -l {shards}/*",
                f"jq -r 'to_entries[] | \"\\(.key) -> \\(.value)\"' {data_dir}/label_aliases.json",
                f"jq -r '.intent' {shards}/*.jsonl | sort | uniq -c",
                f"iconv -f UTF-8 -t UTF-8 {shards}/*.csv > /dev/null && echo 'valid UTF-8'",
                f"grep -c $'\\xc2\\xa0' {shards}/* || true",
            ]
            run = (
                f"python3 /tmp/dedup_tool.py hard --data {data_dir} --out {out_dir} "
                f"--lo {params['lo']} --hi {params['hi']} --class-lo {params['class_lo']} "
                f"--class-hi {params['class_hi']}"
            )
            check = [
                f"wc -l {out_dir}/*.jsonl",
                f"jq -r '.label' {out_dir}/test.jsonl | sort | uniq -c",
                "# every user on one side only",
                f"comm -12 <(jq -r '.user' {out_dir}/train.jsonl | sort -u) "
                f"<(jq -r '.user' {out_dir}/test.jsonl | sort -u) | wc -l",
                f"jq -s 'length' {out_dir}/test.jsonl",
            ]
        lines += [
            f"sha1sum {' '.join(inputs)} > /tmp/inputs.sha1",
            f"mkdir -p {out_dir}",
            "cat > /tmp/dedup_tool.py <<'PY'",
            tool,
            "PY",
            run,
            *check,
            f"jq . {out_dir}/report.json",
            "sha1sum -c /tmp/inputs.sha1",
        ]
        return "\n".join(lines) + "\n"
