"""This analysis's rule for the tests' model (tests/model.py): a customer's running total and count."""
from tests.model import RunningRule


class Model(RunningRule):
    def order(self, counted, result):
        _, total, n = self.running.add(counted.customer, counted.amount)
        result.events[self.job, counted.customer].append(
            {"job": self.job, "kind": "totals", "customerId": counted.customer, "total": total, "orders": n})
