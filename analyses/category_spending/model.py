"""This analysis's rule for the tests' model (tests/model.py): per category total, orders, avg
(the exact quotient, half-up once) and max, and each milestone once, when the total first reaches it."""
from decimal import ROUND_HALF_UP

from tests.model import CENT, RunningRule


class Model(RunningRule):
    def __init__(self, job, rules):
        super().__init__(job, rules)
        self.largest = {}

    def order(self, counted, result):
        category, amount = counted.category, counted.amount
        before, total, n = self.running.add(category, amount)
        self.largest[category] = max(self.largest.get(category, amount), amount)
        events = result.events[self.job, category]
        events.extend({"job": self.job, "kind": "milestone", "category": category, "milestone": milestone}
                      for milestone in self.rules.milestones if before < milestone <= total)
        events.append({"job": self.job, "kind": "category", "category": category, "total": total, "orders": n,
                       "avg": (total / n).quantize(CENT, rounding=ROUND_HALF_UP), "max": self.largest[category]})
