"""This analysis's rule for the tests' model (tests/model.py): the frequency class of a customer's
order count, and a change on every change of class, the first order included."""
from tests.model import RunningRule, frequency


class Model(RunningRule):
    def order(self, counted, result):
        _, _, n = self.running.add(counted.customer, counted.amount)
        now = frequency(n, self.rules)
        events = result.events[self.job, counted.customer]
        if n == 1 or now != frequency(n - 1, self.rules):
            events.append({"job": self.job, "kind": "frequency_change", "customerId": counted.customer,
                           "frequency": now, "order": n})
        events.append({"job": self.job, "kind": "frequency", "customerId": counted.customer, "orders": n,
                       "frequency": now})
