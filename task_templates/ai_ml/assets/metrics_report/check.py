"""Compare the metrics JSON with the values the generator computed from the rows it wrote."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text  # noqa: E402

TOL = 1.5e-4
truth = expected()
checks = Checks()
got = {}


def same(want, have, where="$"):
    """(ok, first difference) for nested JSON: floats within TOL, everything else exact."""
    if isinstance(want, (bool, str)):
        return (have == want, f"{where}: {have!r} != {want!r}")
    if isinstance(want, int) and not isinstance(want, bool):
        ok = isinstance(have, (int, float)) and not isinstance(have, bool) and have == want
        return ok, f"{where}: {have!r} != {want!r}"
    if isinstance(want, float):
        ok = isinstance(have, (int, float)) and not isinstance(have, bool)
        return ok and abs(have - want) <= TOL, f"{where}: {have!r} vs expected {want:.6f}"
    if isinstance(want, dict):
        if not isinstance(have, dict) or set(have) != set(want):
            keys = sorted(have) if isinstance(have, dict) else type(have).__name__
            return False, f"{where}: keys {keys} != {sorted(want)}"
        for key in sorted(want):
            ok, detail = same(want[key], have[key], f"{where}.{key}")
            if not ok:
                return False, detail
        return True, ""
    if isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            return False, f"{where}: not a list of {len(want)} items"
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            ok, detail = same(w, h, f"{where}[{i}]")
            if not ok:
                return False, detail
        return True, ""
    return have == want, f"{where}: {have!r} != {want!r}"


def load():
    data = read_json(truth["output"])
    if not isinstance(data, dict):
        return False, "not a JSON object"
    got.update(data)
    return True


def per_class_field(source_want, source_have, field):
    def run():
        want = {c: v[field] for c, v in source_want["per_class"].items()}
        have_pc = source_have["per_class"]
        have = {c: (have_pc[c][field] if c in have_pc else None) for c in want}
        return same(want, have, f"per_class.*.{field}")

    return run


def metric_checks(prefix, want, have):
    """Named checks for one metrics object (the whole report, or one model of it)."""
    for key in ("confusion_matrix", "accuracy"):
        checks.run(f"{prefix}{key}", lambda k=key: same(want[k], have[k], k))
    checks.run(
        f"{prefix}per_class keys",
        lambda: same(sorted(want["per_class"]), sorted(have["per_class"])),
    )
    for field in ("precision", "recall", "f1", "support"):
        checks.run(f"{prefix}per_class {field}", per_class_field(want, have, field))
    for key in ("macro_avg", "micro_avg", "weighted_avg"):
        if key in want:
            checks.run(f"{prefix}{key}", lambda k=key: same(want[k], have[k], k))


if checks.run("output is a JSON object", load):
    metrics = truth.get("metrics")
    if truth["level"] in ("easy", "medium"):
        keys = sorted(["classes", *metrics])
        checks.run("exactly the required keys", lambda: same(keys, sorted(got)))
        checks.run("classes", lambda: same(truth["classes"], got["classes"], "classes"))
        metric_checks("", metrics, got)
        if truth["level"] == "medium":
            for key in (
                "evaluated_rows",
                "missing_predictions",
                "unmatched_predictions",
                "duplicate_predictions",
            ):
                checks.run(key, lambda k=key: same(metrics[k], got[k], k))
    else:
        checks.run(
            "exactly the required keys",
            lambda: same(["best_model", "classes", "models", "ranking"], sorted(got)),
        )
        checks.run("classes", lambda: same(truth["classes"], got["classes"], "classes"))
        checks.run(
            "one entry per model", lambda: same(sorted(truth["models"]), sorted(got["models"]))
        )
        for name, want in sorted(truth["models"].items()):
            have = got["models"].get(name, {})
            metric_checks(f"{name}: ", want, have)
            for key in ("top2_accuracy", "log_loss", "auc", "macro_auc", "per_group"):
                checks.run(f"{name}: {key}", lambda k=key, w=want, h=have: same(w[k], h[k], k))
        checks.run("ranking", lambda: same(truth["ranking"], got["ranking"], "ranking"))
        checks.run("best_model", lambda: same(truth["best_model"], got["best_model"]))
checks.run(
    "input files unchanged",
    lambda: all(read_text(path) == text for path, text in truth["inputs"].items()),
)
checks.finish()
