"""An independent Python model of the contract's rules, to check the Flink jobs against.

It shares no code with the jobs (not udfs/, not sql/): it reads the raw record values the way
the contract describes them and computes every event the jobs must print, in order per key.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass
class Rules:
    vip: Decimal = Decimal(500)
    premium: Decimal = Decimal(1000)
    occasional: int = 2
    regular: int = 6
    frequent: int = 11
    milestones: tuple = (1000, 5000, 10000, 50000, 100000)


def valid_order(value: bytes | None) -> dict | None:
    """The order in a record's value, or None for a bad record (see the contract's 'Bad input')."""
    if value is None:
        return None
    try:
        order = json.loads(value.decode("utf-8"), parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(order, dict):
        return None
    for name in ("orderId", "customerId", "category"):
        if not isinstance(order.get(name), str) or not order[name]:
            return None
    amount = order.get("amount")
    if not isinstance(amount, Decimal):
        return None
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if not Decimal(0) < amount < Decimal(1_000_000):
        return None
    if "timestamp" in order and not (isinstance(order["timestamp"], Decimal)
                                     and order["timestamp"] == order["timestamp"].to_integral_value()
                                     and order["timestamp"] >= 0):
        return None
    return {**order, "amount": amount}


def _tier(total: Decimal, rules: Rules) -> str:
    return "PREMIUM" if total >= rules.premium else "VIP" if total >= rules.vip else "REGULAR"


def _frequency(n: int, rules: Rules) -> str:
    if n >= rules.frequent:
        return "FREQUENT"
    if n >= rules.regular:
        return "REGULAR"
    return "OCCASIONAL" if n >= rules.occasional else "NEW CUSTOMER"


@dataclass
class Expected:
    """Every event a job must emit, per key in order, and the records to set aside."""
    events: dict = field(default_factory=lambda: defaultdict(list))  # (job, key) -> [event, ...]
    bad_offsets: list = field(default_factory=list)  # offsets of the records to set aside

    @property
    def bad(self) -> int:
        return len(self.bad_offsets)


def expected(values: list[bytes | None], rules: Rules = Rules()) -> Expected:
    result = Expected()
    seen: set[str] = set()
    customer_total, customer_orders = defaultdict(lambda: Decimal("0.00")), defaultdict(int)
    category_total, category_orders = defaultdict(lambda: Decimal("0.00")), defaultdict(int)
    category_max: dict[str, Decimal] = {}
    for offset, value in enumerate(values):
        order = valid_order(value)
        if order is None:
            result.bad_offsets.append(offset)
            continue
        if order["orderId"] in seen:
            continue
        seen.add(order["orderId"])
        customer, category, amount = order["customerId"], order["category"], order["amount"]

        before = customer_total[customer]
        customer_total[customer] += amount
        customer_orders[customer] += 1
        total, n = customer_total[customer], customer_orders[customer]
        result.events["3a", customer].append(
            {"job": "3a", "kind": "totals", "customerId": customer, "total": total, "orders": n})
        if _tier(total, rules) != _tier(before, rules):
            result.events["3b", customer].append(
                {"job": "3b", "kind": "tier_change", "customerId": customer, "tier": _tier(total, rules),
                 "previousTier": _tier(before, rules)})
        result.events["3b", customer].append(
            {"job": "3b", "kind": "tier", "customerId": customer, "tier": _tier(total, rules),
             "total": total, "orders": n})
        if n == 1 or _frequency(n, rules) != _frequency(n - 1, rules):
            result.events["3c", customer].append(
                {"job": "3c", "kind": "frequency_change", "customerId": customer,
                 "frequency": _frequency(n, rules), "order": n})
        result.events["3c", customer].append(
            {"job": "3c", "kind": "frequency", "customerId": customer, "orders": n,
             "frequency": _frequency(n, rules)})

        before = category_total[category]
        category_total[category] += amount
        category_orders[category] += 1
        category_max[category] = max(category_max.get(category, amount), amount)
        total, n = category_total[category], category_orders[category]
        for milestone in rules.milestones:
            if before < milestone <= total:
                result.events["3d", category].append(
                    {"job": "3d", "kind": "milestone", "category": category, "milestone": milestone})
        result.events["3d", category].append(
            {"job": "3d", "kind": "category", "category": category, "total": total, "orders": n,
             "avg": (total / n).quantize(CENT, rounding=ROUND_HALF_UP), "max": category_max[category]})
    return result


def events_by_key(json_lines: list[str]) -> dict:
    """A job's `--format json` output, grouped like Expected.events (numbers read exactly)."""
    grouped = defaultdict(list)
    for line in json_lines:
        event = json.loads(line, parse_float=Decimal, parse_int=int)
        key = event.get("customerId", event.get("category"))
        grouped[event["job"], key].append(event)
    return grouped
