"""Audit sensor time series: drop glitches, find outages, summarise each sensor.

The generator draws a regular series per sensor, knocks out stretches to make outages, and
sprinkles glitches (out-of-range values, `NaN`, empty cells). At medium difficulty the rows of
all sensors are shuffled together; at hard some readings are delivered twice (only the first
counts) and sensors have different sampling intervals.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

KINDS = {  # name: (low, high, unit, typical value, spread)
    "temp": (-40.0, 85.0, "C", 21.0, 6.0),
    "humidity": (0.0, 100.0, "%", 55.0, 12.0),
    "pressure": (870.0, 1085.0, "hPa", 1012.0, 9.0),
    "co2": (250.0, 5000.0, "ppm", 650.0, 150.0),
    "lux": (0.0, 20000.0, "lx", 900.0, 400.0),
}
SIZES = {Difficulty.EASY: (2, 60), Difficulty.MEDIUM: (4, 150), Difficulty.HARD: (6, 300)}
DIRS = ["/app/sensors", "/app/telemetry", "/app/data/plant"]
REPORTS = ["/app/report/sensors.json", "/app/out/audit.json", "/app/sensor_report.json"]
OPENINGS = [
    "Field sensors uploaded their readings to `{csv}`; their specs are in `{spec}`.",
    "The building's telemetry export is `{csv}`, with per-sensor specs in `{spec}`.",
    "We need a health audit of the sensors whose readings are in `{csv}` (specs: `{spec}`).",
]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@register
class SensorGaps(TemplateFamily):
    name = "sensor-gaps"
    domain = Domain.DATA_SCIENCE
    description = (
        "Clean sensor readings against their specs, find outages and summarise each sensor."
    )
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        n_sensors, n_points = SIZES[difficulty]
        shuffled, hard = difficulty is not Difficulty.EASY, difficulty is Difficulty.HARD
        folder, report = rng.choice(DIRS), rng.choice(REPORTS)
        gap_factor = rng.choice([2, 3])
        start = datetime(
            2026, rng.randint(1, 10), rng.randint(1, 28), rng.randint(0, 23), tzinfo=UTC
        )
        spec, rows, truth = {}, [], {}
        kinds = sorted(KINDS)
        for index in range(n_sensors):
            kind = kinds[index % len(kinds)]
            sensor = f"{kind}-{rng.randint(10, 99)}{chr(97 + index)}"
            low, high, unit, typical, spread = KINDS[kind]
            interval = rng.choice([30, 60, 120, 300]) if hard else 60
            spec[sensor] = {"interval_s": interval, "min": low, "max": high, "unit": unit}
            outages = sorted(rng.sample(range(5, n_points - 5), rng.randint(1, 3)))
            missing = {
                p + k for p in outages for k in range(rng.randint(gap_factor, gap_factor + 6))
            }
            valid: list[tuple[datetime, float]] = []
            invalid = 0
            for step in range(n_points):
                if step in missing:
                    continue
                moment = start + timedelta(seconds=step * interval)
                value = round(rng.gauss(typical, spread), 2)
                value = min(max(value, low), high)
                if rng.random() < 0.06:
                    invalid += 1
                    bad = rng.choice(
                        [
                            str(round(high + rng.uniform(1, 50), 2)),
                            str(round(low - rng.uniform(1, 50), 2)),
                            "NaN",
                            "",
                        ]
                    )
                    rows.append([sensor, _stamp(moment), bad])
                    continue
                rows.append([sensor, _stamp(moment), f"{value:.2f}"])
                valid.append((moment, value))
                if hard and rng.random() < 0.05:  # redelivered later with a different value
                    rows.append(
                        [sensor, _stamp(moment), f"{min(max(value + 1.5, low), high):.2f}", "dup"]
                    )
            gaps = [
                [_stamp(a), _stamp(b)]
                for (a, _), (b, _) in zip(valid, valid[1:], strict=False)
                if (b - a).total_seconds() > gap_factor * interval
            ]
            values = [v for _, v in valid]
            truth[sensor] = {
                "valid": len(values),
                "invalid": invalid,
                "mean": round(sum(values) / len(values), 3),
                "min": min(values),
                "max": max(values),
                "gaps": gaps,
            }
        if shuffled:
            originals = [r for r in rows if len(r) == 3]
            rng.shuffle(originals)
            for dup in (
                r for r in rows if len(r) == 4
            ):  # a duplicate always comes after its first delivery
                first = next(i for i, r in enumerate(originals) if r[:2] == dup[:2])
                originals.insert(rng.randint(first + 1, len(originals)), dup[:3])
            rows = originals
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["sensor", "timestamp", "value"])
        writer.writerows(rows)

        csv_path, spec_path = f"{folder}/readings.csv", f"{folder}/sensors.json"
        rules = [
            "A reading is invalid if its value is empty, not a number (`NaN` counts as not a number), "
            "or outside the sensor's `[min, max]`; invalid readings are counted but otherwise ignored.",
            f"An outage is a stretch where two consecutive valid readings of a sensor (in time order) are "
            f"more than {gap_factor} x the sensor's `interval_s` apart; report it as "
            "`[last reading before, first reading after]` timestamps.",
            "`mean` is rounded to 3 decimals; `min` and `max` are the extreme valid values.",
        ]
        if shuffled:
            rules.append("Rows of all sensors are mixed and not in time order.")
        if hard:
            rules.append(
                "Some readings were delivered twice (same sensor and timestamp): only the first "
                "row in the file counts; later copies are neither valid nor invalid."
            )
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(csv=csv_path, spec=spec_path),
                f"Write `{report}`: a JSON object with one key per sensor, each mapping to "
                '`{"valid": int, "invalid": int, "mean": number, "min": number, "max": number, '
                '"gaps": [[start, end], ...]}` with timestamps written exactly as in the CSV and gaps '
                "in time order.",
                "",
                *[f"- {rule}" for rule in rules],
                f"Do not modify anything under `{folder}`.",
            ]
        )
        solution = self.asset("solve.sh").replace("@CSV@", csv_path).replace("@SPEC@", spec_path)
        solution = solution.replace("@REPORT@", report).replace("@GAP_FACTOR@", str(gap_factor))
        return Instance(
            instruction=instruction,
            files={"readings.csv": buffer.getvalue(), "sensors.json": json.dumps(spec, indent=2)},
            dockerfile=f"COPY readings.csv sensors.json {folder}/\n",
            solution=solution,
            checker=self.asset("check.py"),
            expected={
                "report": report,
                "csv": csv_path,
                "csv_text": buffer.getvalue(),
                "sensors": truth,
            },
            tags=["time-series", "csv", "json", "data-quality"],
        )
