"""This analysis's rule for the tests' model (tests/model.py): the tier after each order, and a
change when it differs from the tier of the total before it."""
from tests.model import RunningRule, tier


class Model(RunningRule):
    def order(self, counted, result):
        before, total, n = self.running.add(counted.customer, counted.amount)
        now, previous = tier(total, self.rules), tier(before, self.rules)
        events = result.events[self.job, counted.customer]
        if now != previous:
            events.append({"job": self.job, "kind": "tier_change", "customerId": counted.customer, "tier": now,
                           "previousTier": previous})
        events.append({"job": self.job, "kind": "tier", "customerId": counted.customer, "tier": now,
                       "total": total, "orders": n})
