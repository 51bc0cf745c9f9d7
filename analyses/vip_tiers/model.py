"""This analysis's rule for the tests' model (tests/model.py): the tier after each order, and a
change when it differs from the tier of the total before it."""
from tests.model import Rule, Running, tier


class Model(Rule):
    def __init__(self, job, rules):
        super().__init__(job, rules)
        self.running = Running()

    def order(self, counted, result):
        before, total, n = self.running.add(counted.customer, counted.amount)
        now, previous = tier(total, self.rules), tier(before, self.rules)
        events = result.events[self.job, counted.customer]
        if now != previous:
            events.append({"job": self.job, "kind": "tier_change", "customerId": counted.customer, "tier": now,
                           "previousTier": previous})
        events.append({"job": self.job, "kind": "tier", "customerId": counted.customer, "tier": now,
                       "total": total, "orders": n})
