"""Answer business questions about a generated shop database with SQL.

The generator draws customers, products, orders, order lines (and, at hard difficulty,
refunds), then picks questions from a bank and computes every answer in Python from the same
rows. The database reaches the image as a SQL script loaded at build time, so the agent only
ever sees `shop.db`. Traps are stated in the instruction, not hidden: only shipped orders earn
revenue, an order line's own price wins over the catalogue price, refunds reduce revenue.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

FIRST = ["Ada", "Bo", "Cy", "Di", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu", "Mo",
         "Ned", "Oli", "Pia", "Quin", "Rae", "Sol", "Tia", "Uma", "Vic", "Wes", "Xia", "Yul", "Zed"]  # fmt: skip
LAST = ["Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
        "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka"]  # fmt: skip
COUNTRIES = [
    "Norway",
    "Chile",
    "Kenya",
    "Japan",
    "Canada",
    "Poland",
    "Peru",
    "Ghana",
    "Spain",
    "Laos",
]
CATEGORIES = ["tools", "garden", "kitchen", "office", "outdoor", "toys", "lighting"]
NOUNS = ["lamp", "mug", "rake", "stapler", "tent", "kite", "drill", "bowl", "shovel", "pen", "lantern",
         "whisk", "chair", "hammer", "puzzle", "kettle", "trowel", "ruler", "hose", "yo-yo", "clamp"]  # fmt: skip
ADJECTIVES = ["red", "tiny", "deluxe", "basic", "steel", "bamboo", "folding", "smart", "classic"]
MONTHS = ["January", "February", "March", "April", "May", "June"]
SIZES = {  # customers, products, orders, questions
    Difficulty.EASY: (15, 10, 60, 3),
    Difficulty.MEDIUM: (40, 16, 220, 5),
    Difficulty.HARD: (80, 24, 500, 8),
}
DB_NAMES = ["shop.db", "store.db", "sales.db", "orders.db"]
OUTPUTS = ["/app/answers.json", "/app/report/answers.json", "/app/out/answers.json"]
OPENINGS = [
    "The SQLite database `{db}` holds six months of orders from a small web shop.",
    "You have read access to `{db}`, the order database of an online store (SQLite).",
    "Management has questions about the shop data in `{db}`, an SQLite file.",
]


@dataclass
class Shop:
    customers: list[tuple[int, str, str]]  # id, name, country
    products: list[tuple[int, str, str, int]]  # id, name, category, list price (cents)
    orders: list[
        tuple[int, int, date, date, date | None, str]
    ]  # id, customer, ordered, promised, shipped, status
    lines: list[tuple[int, int, int, int]]  # order, product, quantity, unit price (cents)
    refunds: list[tuple[int, int]]  # order, amount (cents)


def _draw_shop(rng: random.Random, difficulty: Difficulty) -> Shop:
    n_customers, n_products, n_orders, _ = SIZES[difficulty]
    names = rng.sample([f"{f} {last}" for f in FIRST for last in LAST], n_customers)
    countries = rng.sample(COUNTRIES, 3 + n_customers // 20)
    customers = [(i + 1, name, rng.choice(countries)) for i, name in enumerate(names)]
    titles = rng.sample([f"{a} {n}" for a in ADJECTIVES for n in NOUNS], n_products)
    categories = rng.sample(CATEGORIES, 3 + n_products // 10)
    products = [
        (i + 1, t, rng.choice(categories), rng.randint(199, 9999)) for i, t in enumerate(titles)
    ]
    unsold = {p[0] for p in rng.sample(products, 2)}
    sellable = [p for p in products if p[0] not in unsold]
    orders, lines, refunds = [], [], []
    for order_id in range(1, n_orders + 1):
        ordered = date(2026, 1, 1) + timedelta(days=rng.randrange(181))
        promised = ordered + timedelta(days=rng.randint(3, 7))
        status = rng.choices(["shipped", "pending", "cancelled"], weights=[75, 15, 10])[0]
        shipped = ordered + timedelta(days=rng.randint(1, 10)) if status == "shipped" else None
        orders.append((order_id, rng.randint(1, n_customers), ordered, promised, shipped, status))
        for product in rng.sample(sellable, rng.randint(1, 4)):
            discount = rng.choice([100, 100, 100, 90, 75])  # some lines sold below list price
            lines.append((order_id, product[0], rng.randint(1, 5), product[3] * discount // 100))
        if difficulty is Difficulty.HARD and status == "shipped" and rng.random() < 0.12:
            refunds.append((order_id, rng.randint(100, 2500)))
    return Shop(customers, products, orders, lines, refunds)


def _sql_script(shop: Shop) -> str:
    def text(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def day(value: date | None) -> str:
        return "NULL" if value is None else text(value.isoformat())

    out = [
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);",
        "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,"
        " list_price_cents INTEGER NOT NULL);",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),"
        " ordered_on TEXT NOT NULL, promised_on TEXT NOT NULL, shipped_on TEXT, status TEXT NOT NULL);",
        "CREATE TABLE order_lines (order_id INTEGER NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL"
        " REFERENCES products(id), quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL);",
        "CREATE TABLE refunds (order_id INTEGER NOT NULL REFERENCES orders(id), amount_cents INTEGER NOT NULL);",
        "BEGIN;",
    ]
    out += [
        f"INSERT INTO customers VALUES ({i}, {text(n)}, {text(c)});" for i, n, c in shop.customers
    ]
    out += [
        f"INSERT INTO products VALUES ({i}, {text(n)}, {text(c)}, {p});"
        for i, n, c, p in shop.products
    ]
    out += [
        f"INSERT INTO orders VALUES ({i}, {c}, {day(o)}, {day(p)}, {day(s)}, {text(st)});"
        for i, c, o, p, s, st in shop.orders
    ]
    out += [f"INSERT INTO order_lines VALUES ({o}, {p}, {q}, {u});" for o, p, q, u in shop.lines]
    out += [f"INSERT INTO refunds VALUES ({o}, {a});" for o, a in shop.refunds]
    return "\n".join(out + ["COMMIT;", ""])


@dataclass
class Question:
    text: str
    kind: str  # number | integer | text | list
    answer: object
    sql: str


# Revenue of a shipped order: its lines at their own price, less its refunds (in cents).
_NET = (
    "(SELECT o.id AS order_id, o.customer_id, o.ordered_on,"
    " SUM(l.quantity * l.unit_price_cents) - COALESCE((SELECT SUM(r.amount_cents) FROM refunds r"
    " WHERE r.order_id = o.id), 0) AS cents FROM orders o JOIN order_lines l ON l.order_id = o.id"
    " WHERE o.status = 'shipped' GROUP BY o.id)"
)


class Bank:
    """Question generators over one shop; each returns None when its answer would be ambiguous."""

    def __init__(self, shop: Shop, rng: random.Random):
        self.shop, self.rng = shop, rng
        self.customer = {c[0]: c for c in shop.customers}
        self.product = {p[0]: p for p in shop.products}
        refunded = Counter()
        for order_id, amount in shop.refunds:
            refunded[order_id] += amount
        self.net = {}  # shipped order id -> net cents
        for order_id, _product, quantity, price in shop.lines:
            if self._status(order_id) == "shipped":
                self.net[order_id] = self.net.get(order_id, 0) + quantity * price
        for order_id in self.net:
            self.net[order_id] -= refunded[order_id]
        self.orders = {o[0]: o for o in shop.orders}

    def _status(self, order_id: int) -> str:
        return self.shop.orders[order_id - 1][5]

    def revenue_by_country(self) -> Question | None:
        country = self.rng.choice(sorted({c[2] for c in self.shop.customers}))
        cents = sum(
            v for o, v in self.net.items() if self.customer[self.orders[o][1]][2] == country
        )
        return Question(
            f"What is the total revenue, in dollars, from customers in {country}?",
            "number",
            cents / 100,
            f"SELECT printf('%.2f', COALESCE(SUM(n.cents), 0) / 100.0) FROM {_NET} n"
            f" JOIN customers c ON c.id = n.customer_id WHERE c.country = '{country}';",
        )

    def late_shipments(self) -> Question | None:
        count = sum(1 for o in self.shop.orders if o[4] is not None and o[4] > o[3])
        return Question(
            "How many orders were shipped after their promised date?",
            "integer",
            count,
            "SELECT COUNT(*) FROM orders WHERE shipped_on IS NOT NULL AND shipped_on > promised_on;",
        )

    def top_customer_of_month(self) -> Question | None:
        month = self.rng.randint(1, 6)
        totals: dict[int, int] = defaultdict(int)
        for order_id, cents in self.net.items():
            if self.orders[order_id][2].month == month:
                totals[self.orders[order_id][1]] += cents
        ranked = sorted(totals.values(), reverse=True)
        if len(ranked) < 2 or ranked[0] == ranked[1]:
            return None
        best = max(totals, key=totals.get)
        return Question(
            f"Which customer (name) brought the most revenue from orders placed in {MONTHS[month - 1]} 2026?",
            "text",
            self.customer[best][1],
            f"SELECT c.name FROM {_NET} n JOIN customers c ON c.id = n.customer_id"
            f" WHERE strftime('%m', n.ordered_on) = '{month:02d}'"
            " GROUP BY c.id ORDER BY SUM(n.cents) DESC LIMIT 1;",
        )

    def best_sellers(self) -> Question | None:
        category = self.rng.choice(sorted({p[2] for p in self.shop.products}))
        k = self.rng.randint(2, 3)
        units: Counter[str] = Counter()
        for order_id, product_id, quantity, _ in self.shop.lines:
            name, cat = self.product[product_id][1], self.product[product_id][2]
            if cat == category and self._status(order_id) == "shipped":
                units[name] += quantity
        ranked = sorted(units.items(), key=lambda item: (-item[1], item[0]))
        if len(ranked) < k:
            return None
        return Question(
            f"List the {k} products of category '{category}' with the most units sold in shipped"
            " orders, most units first (ties broken by product name, A to Z).",
            "list",
            [name for name, _ in ranked[:k]],
            "SELECT p.name FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p"
            f" ON p.id = l.product_id WHERE o.status = 'shipped' AND p.category = '{category}'"
            f" GROUP BY p.id ORDER BY SUM(l.quantity) DESC, p.name ASC LIMIT {k};",
        )

    def cancelled_share(self) -> Question | None:
        share = 100 * sum(o[5] == "cancelled" for o in self.shop.orders) / len(self.shop.orders)
        return Question(
            "What percentage of all orders were cancelled (rounded to 1 decimal)?",
            "number",
            round(share, 1),
            "SELECT printf('%.1f', 100.0 * SUM(status = 'cancelled') / COUNT(*)) FROM orders;",
        )

    def never_ordered(self) -> Question | None:
        used = {line[1] for line in self.shop.lines}
        names = sorted(p[1] for p in self.shop.products if p[0] not in used)
        return Question(
            "Which products were never part of any order (any status)? Names, A to Z.",
            "list",
            names,
            "SELECT name FROM products WHERE id NOT IN (SELECT product_id FROM order_lines) ORDER BY name;",
        )

    def pending_value(self) -> Question | None:
        cents = sum(q * u for o, _, q, u in self.shop.lines if self._status(o) == "pending")
        return Question(
            "What is the total value, in dollars, of the lines of orders that are still pending?",
            "number",
            cents / 100,
            "SELECT printf('%.2f', COALESCE(SUM(l.quantity * l.unit_price_cents), 0) / 100.0)"
            " FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status = 'pending';",
        )

    def repeat_customers(self) -> Question | None:
        n = self.rng.randint(2, 4)
        per_customer = Counter(self.orders[o][1] for o in self.net)
        return Question(
            f"How many customers have at least {n} shipped orders?",
            "integer",
            sum(1 for count in per_customer.values() if count >= n),
            "SELECT COUNT(*) FROM (SELECT customer_id FROM orders WHERE status = 'shipped'"
            f" GROUP BY customer_id HAVING COUNT(*) >= {n});",
        )

    def average_lines(self) -> Question | None:
        per_order = Counter(o for o, *_ in self.shop.lines if self._status(o) == "shipped")
        return Question(
            "On average, how many lines does a shipped order have (rounded to 2 decimals)?",
            "number",
            round(sum(per_order.values()) / len(per_order), 2),
            "SELECT printf('%.2f', AVG(n)) FROM (SELECT COUNT(*) AS n FROM order_lines l"
            " JOIN orders o ON o.id = l.order_id WHERE o.status = 'shipped' GROUP BY o.id);",
        )

    QUESTIONS = [revenue_by_country, late_shipments, top_customer_of_month, best_sellers,
                 cancelled_share, never_ordered, pending_value, repeat_customers, average_lines]  # fmt: skip

    def draw(self, count: int) -> list[Question]:
        questions: list[Question] = []
        kinds = self.rng.sample(self.QUESTIONS, len(self.QUESTIONS))
        for _attempt in range(50 * count):
            if len(questions) == count:
                return questions
            for make in kinds:
                question = make(self)
                if question is not None and all(q.text != question.text for q in questions):
                    questions.append(question)
                    break
            kinds = kinds[1:] + kinds[:1]
        raise RuntimeError(f"could not draw {count} distinct unambiguous questions")


JQ_OF_KIND = {
    "number": '($raw | rtrimstr("\\n") | tonumber)',
    "integer": '($raw | rtrimstr("\\n") | tonumber)',
    "text": '($raw | rtrimstr("\\n"))',
    "list": '($raw | split("\\n") | map(select(length > 0)))',
}
TYPE_OF_KIND = {
    "number": "a number",
    "integer": "an integer",
    "text": "a string",
    "list": "a JSON array of strings",
}


@register
class SqliteReport(TemplateFamily):
    name = "sqlite-report"
    domain = Domain.DATA_SCIENCE
    description = "Answer business questions about an SQLite shop database in an exact JSON format."
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        shop = _draw_shop(rng, difficulty)
        questions = Bank(shop, rng).draw(SIZES[difficulty][3])
        db, output = f"/app/{rng.choice(DB_NAMES)}", rng.choice(OUTPUTS)
        rules = [
            "Revenue counts only orders whose status is `shipped`.",
            "An order line's revenue is `quantity * unit_price_cents` — the line's own price, "
            "which may differ from the product's `list_price_cents`.",
            "Money answers are in dollars (cents / 100), as numbers.",
        ]
        if shop.refunds:
            rules.append(
                "Refunds (table `refunds`) reduce the revenue of their order: an order's revenue "
                "is the sum of its lines minus the sum of its refunds."
            )
        rng.shuffle(rules)
        listing = [
            f"- `q{i}` ({TYPE_OF_KIND[q.kind]}): {q.text}" for i, q in enumerate(questions, 1)
        ]
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(db=db),
                f"Answer the questions below and write `{output}`: one JSON object whose keys are "
                "the question ids and whose values are the answers.",
                "",
                *listing,
                "",
                "Definitions:",
                *[f"- {rule}" for rule in rules],
                "Do not modify the database.",
            ]
        )
        sql_calls = "\n".join(
            f'sqlite3 -batch -noheader "$DB" "{q.sql}" > "$WORK/q{i}"'
            for i, q in enumerate(questions, 1)
        )
        jq_args = " ".join(f'--rawfile q{i} "$WORK/q{i}"' for i in range(1, len(questions) + 1))
        jq_program = ", ".join(
            f"q{i}: {JQ_OF_KIND[q.kind].replace('$raw', f'$q{i}')}"
            for i, q in enumerate(questions, 1)
        )
        solution = self.asset("solve.sh").replace("@DB@", db).replace("@OUTPUT@", output)
        solution = solution.replace("@SQL_CALLS@", sql_calls).replace("@JQ_ARGS@", jq_args)
        solution = solution.replace("@JQ_PROGRAM@", "{" + jq_program + "}")
        return Instance(
            instruction=instruction,
            files={"seed.sql": _sql_script(shop)},
            dockerfile=f"COPY seed.sql /tmp/seed.sql\nRUN sqlite3 {db} < /tmp/seed.sql && rm /tmp/seed.sql\n",
            solution=solution,
            checker=self.asset("check.py"),
            expected={
                "output": output,
                "database": db,
                "answers": {
                    f"q{i}": {"kind": q.kind, "value": q.answer} for i, q in enumerate(questions, 1)
                },
                "row_counts": {
                    "customers": len(shop.customers),
                    "orders": len(shop.orders),
                    "order_lines": len(shop.lines),
                    "refunds": len(shop.refunds),
                },
            },
            tags=["sql", "sqlite", "json"] + (["refunds"] if shop.refunds else []),
        )
