"""This analysis's rule for the tests' model (tests/model.py): a customer's running total and count."""
from tests.model import Rule, Running


class Model(Rule):
    def __init__(self, job, rules):
        super().__init__(job, rules)
        self.running = Running()

    def order(self, counted, result):
        _, total, n = self.running.add(counted.customer, counted.amount)
        result.events[self.job, counted.customer].append(
            {"job": self.job, "kind": "totals", "customerId": counted.customer, "total": total, "orders": n})
