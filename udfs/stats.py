"""What the aggregate functions keep per key: orders, total, the largest order, and orders and total
per category. Pure Python over a mutable sequence of five fields (a PyFlink Row in the job, a list
in unit tests), so nothing here knows Flink.

The orders reach the aggregates deduplicated and never retracted, so the largest order is one
value, not a multiset.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ORDERS, TOTAL, LARGEST, CATEGORY_ORDERS, CATEGORY_TOTALS = range(5)


def empty() -> list:
    return [0, Decimal("0.00"), None, {}, {}]


def add(stats, amount: Decimal | None, category: str | None) -> None:
    if amount is None or category is None:
        return
    stats[ORDERS] += 1
    stats[TOTAL] += amount
    stats[LARGEST] = amount if stats[LARGEST] is None else max(stats[LARGEST], amount)
    stats[CATEGORY_ORDERS][category] = stats[CATEGORY_ORDERS].get(category, 0) + 1
    stats[CATEGORY_TOTALS][category] = stats[CATEGORY_TOTALS].get(category, Decimal("0.00")) + amount


def by_customer(customers, amounts, categories) -> list:
    """The summary of each customer among these orders (a window's, handed over at once), as tuples
    (customer, *summary), by customer; a customer none of whose orders counted has none."""
    states = {}
    for customer, amount, category in zip(customers, amounts, categories):
        if customer not in states:
            states[customer] = empty()
        add(states[customer], amount, category)
    return [(customer, *summary(state)) for customer, state in sorted(states.items()) if state[ORDERS]]


def merge(stats, other) -> None:
    if not other[ORDERS]:
        return
    stats[ORDERS] += other[ORDERS]
    stats[TOTAL] += other[TOTAL]
    stats[LARGEST] = other[LARGEST] if stats[LARGEST] is None else max(stats[LARGEST], other[LARGEST])
    for category, orders in other[CATEGORY_ORDERS].items():
        stats[CATEGORY_ORDERS][category] = stats[CATEGORY_ORDERS].get(category, 0) + orders
        stats[CATEGORY_TOTALS][category] = stats[CATEGORY_TOTALS].get(category, Decimal("0.00")) \
            + other[CATEGORY_TOTALS][category]


def half_up_ratio(numerator, denominator: int) -> Decimal:
    """numerator / denominator, exact, rounded half-up to cents once (500100.00 / 10001 = 50.00)."""
    with localcontext() as exact:
        exact.prec = 60
        return (Decimal(numerator) / denominator).quantize(CENT, rounding=ROUND_HALF_UP)


def favorite(stats) -> str:
    """The category with most orders; ties: the larger total in it; then alphabetically first."""
    orders, totals = stats[CATEGORY_ORDERS], stats[CATEGORY_TOTALS]
    return min(orders, key=lambda category: (-orders[category], -totals[category], category))


def summary(stats) -> tuple | None:
    """(orders, total, avg, max, favorite category, its share of the orders); None before any order."""
    if not stats[ORDERS]:
        return None
    top = favorite(stats)
    return (stats[ORDERS], stats[TOTAL], half_up_ratio(stats[TOTAL], stats[ORDERS]), stats[LARGEST], top,
            half_up_ratio(stats[CATEGORY_ORDERS][top], stats[ORDERS]))
