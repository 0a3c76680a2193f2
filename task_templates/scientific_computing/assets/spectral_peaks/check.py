"""Grade the reported tones against the tones the generator synthesised."""

import hashlib
import math
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json  # noqa: E402

truth = expected()
checks = Checks()
report = {}


def load():
    data = read_json(truth["output"])
    if not isinstance(data, dict):
        return False, "not a JSON object"
    report.update(data)
    return True


def tones_match(get, want, freq_tol, amp_rtol):
    """Three checks' worth of comparison: count, frequencies, amplitudes (sorted by freq)."""

    def listed():
        got = get()
        if not isinstance(got, list) or len(got) != len(want):
            return None
        pairs = sorted((float(t["frequency_hz"]), float(t["amplitude"])) for t in got)
        if not all(math.isfinite(f) and math.isfinite(a) for f, a in pairs):
            return None
        return pairs

    def count():
        got = get()
        n = len(got) if isinstance(got, list) else None
        return n == len(want), f"{n} tones reported, expected {len(want)}"

    def freqs():
        pairs = listed()
        if pairs is None:
            return False, "tone list unusable"
        bad = [
            w["frequency_hz"]
            for (f, _), w in zip(pairs, want, strict=True)
            if abs(f - w["frequency_hz"]) > freq_tol
        ]
        return not bad, f"no tone reported close enough to {bad} Hz"

    def amps():
        pairs = listed()
        if pairs is None:
            return False, "tone list unusable"
        bad = [
            w["frequency_hz"]
            for (_, a), w in zip(pairs, want, strict=True)
            if abs(a - w["amplitude"]) > amp_rtol * w["amplitude"]
        ]
        return not bad, f"wrong amplitude for the tones at {bad} Hz"

    return count, freqs, amps


def inputs_unchanged():
    bad = []
    for path, digest in sorted(truth["inputs"].items()):
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != digest:
                bad.append(path)
    return not bad, f"modified: {bad}"


def add_tone_checks(prefix, get, want, freq_tol):
    count, freqs, amps = tones_match(get, want, freq_tol, truth["amp_rtol"])
    if checks.run(f"{prefix}number of tones", count):
        checks.run(f"{prefix}tone frequencies", freqs)
        checks.run(f"{prefix}tone amplitudes", amps)


if checks.run("report is a JSON object", load):
    level = truth["level"]
    if level == "easy":
        checks.run(
            "dc_offset", lambda: abs(float(report["dc_offset"]) - truth["dc_offset"]) <= 0.02
        )
        add_tone_checks("", lambda: report["tones"], truth["tones"], truth["freq_tol"])
    elif level == "medium":
        checks.run("sample_rate", lambda: report["sample_rate"] == truth["sample_rate"])
        checks.run("n_samples", lambda: report["n_samples"] == truth["n_samples"])
        add_tone_checks("", lambda: report["tones"], truth["tones"], truth["freq_tol"])
    else:
        checks.run("one entry per WAV file", lambda: sorted(report) == sorted(truth["files"]))
        for name, info in sorted(truth["files"].items()):
            checks.run(
                f"{name}: sample_rate",
                lambda n=name, i=info: report[n]["sample_rate"] == i["sample_rate"],
            )
            checks.run(
                f"{name}: channel count",
                lambda n=name, i=info: len(report[n]["channels"]) == len(i["channels"]),
            )
            for c, want in enumerate(info["channels"]):
                add_tone_checks(
                    f"{name} channel {c}: ",
                    lambda n=name, c=c: report[n]["channels"][c],
                    want,
                    info["freq_tol"],
                )
checks.run("inputs left unchanged", inputs_unchanged)
checks.finish()
