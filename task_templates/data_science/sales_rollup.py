"""Roll a messy sales export up into per-region revenue, following stated cleaning rules.

The generator draws clean orders first (so the truth is known), then damages their CSV
rendering the way real exports are damaged: padded and mixed-case region names, currency
symbols and thousands separators, unusable quantities, and — at higher difficulty — repeated
order ids and quoted product names containing commas, which defeat a naive `split(",")`.
"""

from __future__ import annotations

import csv
import io
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

REGIONS = [
    "north",
    "south",
    "east",
    "west",
    "central",
    "coastal",
    "mountain",
    "lakeside",
    "harbor",
    "valley",
    "plains",
    "metro",
    "island",
    "desert",
    "forest",
    "river",
]
PRODUCTS = [
    "widget",
    "gadget",
    "sprocket",
    "gizmo",
    "doohickey",
    "flange",
    "bracket",
    "valve",
    "gear",
    "spindle",
    "coupler",
    "gasket",
    "rotor",
    "bearing",
    "nozzle",
    "hinge",
]
PRODUCTS_WITH_COMMAS = ["widget, large", "gear, spare", "valve, 2-pack", "hinge, brass"]
INVALID_QUANTITIES = ["", "N/A", "n/a", "-", "?", "unknown", "1.5", "two"]
SIZES = {Difficulty.EASY: (3, 30), Difficulty.MEDIUM: (5, 120), Difficulty.HARD: (7, 400)}

INPUT_NAMES = ["sales.csv", "orders.csv", "transactions.csv", "export.csv", "q3_sales.csv"]
OUTPUT_DIRS = ["/app/output", "/app/report", "/app/results"]
OUTPUT_NAMES = ["region_totals.json", "rollup.json", "revenue_by_region.json", "summary.json"]
OPENINGS = [
    "Finance exported last quarter's orders to `{input}`, and the export is messy.",
    "The file `{input}` holds a raw order export from the sales system; it was never cleaned.",
    "A colleague left you `{input}`, an order dump with formatting problems.",
    "Our billing job wrote its orders to `{input}` without any validation.",
]
GOALS = [
    "Compute revenue per region and write the result to `{output}`.",
    "Produce a per-region revenue rollup at `{output}`.",
    "Summarise revenue by region into the JSON file `{output}`.",
]


def _money(value: float, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{value:.2f}"
    if style == 1:
        return f"${value:.2f}"
    if style == 2:
        return f"${value:,.2f}"
    return f"{value:,.2f}" if value >= 1000 else f" {value:.2f} "


def _messy_region(region: str, rng: random.Random) -> str:
    cased = rng.choice([region, region.upper(), region.title(), region.capitalize()])
    return " " * rng.randrange(3) + cased + " " * rng.randrange(3)


@register
class SalesRollup(TemplateFamily):
    name = "sales-rollup"
    domain = Domain.DATA_SCIENCE
    description = "Clean a messy CSV order export and roll revenue up per region into JSON."
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        n_regions, n_orders = SIZES[difficulty]
        hard = difficulty is Difficulty.HARD
        dedupe = difficulty is not Difficulty.EASY
        regions = rng.sample(REGIONS, n_regions)
        products = rng.sample(PRODUCTS, 6) + (PRODUCTS_WITH_COMMAS if hard else [])
        input_name = rng.choice(INPUT_NAMES)
        output = f"{rng.choice(OUTPUT_DIRS)}/{rng.choice(OUTPUT_NAMES)}"

        totals_cents = dict.fromkeys(regions, 0)
        keyed_rows: list[tuple[float, list[str]]] = []  # (file position, row)
        invalid = duplicates = 0
        for position, order_id in enumerate(rng.sample(range(10000, 99999), n_orders)):
            region = rng.choice(regions)
            quantity = rng.randint(1, 40)
            price_cents = rng.randint(99, 250000)
            day = f"2026-{rng.randint(7, 9):02d}-{rng.randint(1, 28):02d}"
            row = [str(order_id), day, _messy_region(region, rng), rng.choice(products)]
            if rng.random() < 0.12:
                invalid += 1
                row += [rng.choice(INVALID_QUANTITIES), _money(price_cents / 100, rng)]
            else:
                totals_cents[region] += quantity * price_cents
                row += [str(quantity), _money(price_cents / 100, rng)]
            keyed_rows.append((position, row))
            if dedupe and rng.random() < 0.08:
                duplicates += 1
                again = list(row)
                again[4] = str(rng.randint(1, 40))  # the repeat disagrees: only the first counts
                keyed_rows.append((rng.uniform(position + 0.5, n_orders), again))
        if min(totals_cents.values()) == 0 or len(set(totals_cents.values())) < len(regions):
            return self.generate(rng, difficulty)  # redraw: every region sells, no tied totals
        rows = [row for _, row in sorted(keyed_rows, key=lambda item: item[0])]

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["order_id", "date", "region", "product", "quantity", "unit_price"])
        writer.writerows(rows)

        rules = [
            "Region names are inconsistent: strip surrounding whitespace and lowercase them.",
            "`unit_price` may carry surrounding spaces, a leading `$` and `,` thousands "
            "separators; revenue of a row is `quantity * unit_price`.",
            "A row whose `quantity` is not a whole number (empty, `N/A`, `1.5`, ...) is invalid: "
            "leave it out of the totals and count it in `invalid_rows`.",
        ]
        if dedupe:
            rules.append(
                "Some `order_id`s appear more than once; only the first occurrence in file order "
                "counts. Count every later occurrence in `duplicate_rows` (never in `invalid_rows`)."
            )
        rules.append("The file is standard CSV: fields containing commas are double-quoted.")
        rng.shuffle(rules)
        example_region = rng.choice([r for r in REGIONS if r not in regions])
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(input=f"/app/{input_name}"),
                rng.choice(GOALS).format(output=output),
                "",
                "Cleaning rules:",
                *[f"- {rule}" for rule in rules],
                "",
                f"Write `{output}` (create the directory if needed) as one JSON object with keys:",
                "- `totals`: an object mapping every cleaned region name to its revenue, "
                "rounded to 2 decimals;",
                "- `invalid_rows`: the number of invalid rows;",
                *(["- `duplicate_rows`: the number of repeated order rows;"] if dedupe else []),
                "- `top_region`: the region with the highest revenue.",
                "",
                "For example (values made up): "
                f'`{{"totals": {{"{example_region}": 1234.5}}, "invalid_rows": 0, '
                + ('"duplicate_rows": 0, ' if dedupe else "")
                + f'"top_region": "{example_region}"}}`',
                f"Do not modify `/app/{input_name}`.",
            ]
        )
        expected = {
            "input": f"/app/{input_name}",
            "input_text": buffer.getvalue(),
            "output": output,
            "totals": {region: cents / 100 for region, cents in totals_cents.items()},
            "invalid_rows": invalid,
            "duplicate_rows": duplicates if dedupe else None,
            "top_region": max(totals_cents, key=totals_cents.get),
        }
        return Instance(
            instruction=instruction,
            files={input_name: buffer.getvalue()},
            dockerfile=f"COPY {input_name} /app/{input_name}\n",
            solution=self.asset("solve.sh")
            .replace("@INPUT@", f"/app/{input_name}")
            .replace("@OUTPUT@", output),
            checker=self.asset("check.py"),
            expected=expected,
            tags=["csv", "json", "data-cleaning"] + (["deduplication"] if dedupe else []),
        )
