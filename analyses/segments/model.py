"""This analysis's rule for the tests' model (tests/model.py): a customer's profile after each of its
orders and its segment, the first that applies (an updating table: Flink prints a subsequence)."""
from collections import defaultdict
from decimal import Decimal

from tests.model import Rule, favorite, frequency, half_up, tier


def segment(orders, total, avg, share, rules) -> str:
    if orders == 1:
        return "NEW_CUSTOMER"
    if total >= rules.segment_high_value:
        return "HIGH_VALUE"
    if orders >= rules.frequent_orders:
        return "FREQUENT_BUYER"
    if orders >= rules.focus_min_orders and share >= rules.focus_share:
        return "CATEGORY_FOCUSED"
    if avg < rules.low_avg:
        return "PRICE_SENSITIVE"
    return "STANDARD"


class Model(Rule):
    def __init__(self, job, rules):
        super().__init__(job, rules)
        self.profile = defaultdict(lambda: [0, Decimal("0.00"), None, {}])  # orders, total, max, {category: [n, total]}

    def order(self, counted, result):
        p, amount = self.profile[counted.customer], counted.amount
        p[0] += 1
        p[1] += amount
        p[2] = amount if p[2] is None else max(p[2], amount)
        in_category = p[3].setdefault(counted.category, [0, Decimal("0.00")])
        in_category[0] += 1
        in_category[1] += amount
        top = favorite(p[3])
        share, avg = half_up(Decimal(p[3][top][0]) / p[0]), half_up(p[1] / p[0])
        result.profiles[counted.customer].append(
            {"job": self.job, "kind": "segment", "customerId": counted.customer,
             "segment": segment(p[0], p[1], avg, share, self.rules), "orders": p[0], "total": p[1], "avg": avg,
             "max": p[2], "favoriteCategory": top, "favoriteShare": share,
             "tier": tier(p[1], self.rules), "frequency": frequency(p[0], self.rules)})
