"""This analysis's rule for the tests' model (tests/model.py): a high-value order, and an order soon
after the customer's previous counted one (event time)."""
from tests.model import Rule


class Model(Rule):
    def __init__(self, job, rules):
        super().__init__(job, rules)
        self.last_time = {}  # a customer's previous counted order

    def order(self, counted, result):
        customer, order, time_ms = counted.customer, counted.order, counted.time_ms
        if counted.amount > self.rules.high_value:
            result.events[self.job, customer].append(
                {"job": self.job, "kind": "high_value", "orderId": order["orderId"], "customerId": customer,
                 "amount": counted.amount, "category": counted.category})
        previous = self.last_time.get(customer)
        if previous is not None and time_ms is not None and 0 <= time_ms - previous < self.rules.rapid_window_ms:
            result.events[self.job, customer].append(
                {"job": self.job, "kind": "rapid", "orderId": order["orderId"], "customerId": customer,
                 "gapMs": time_ms - previous})
        if time_ms is not None:
            self.last_time[customer] = time_ms
