"""This analysis's rule for the tests' model (tests/model.py): per customer, tumbling event-time
windows aligned to the epoch, each one line when the watermark passes its end (or the bounded run
ends); an order whose window has closed is late."""
from decimal import Decimal

from tests.model import Rule, favorite, half_up, utc


class Model(Rule):
    def __init__(self, job, rules):
        super().__init__(job, rules)
        self.windows = {}  # (customer, start, end) -> [orders, total, max, {category: [n, total]}]

    def order(self, counted, result):
        watermark, time_ms, size = counted.watermark, counted.time_ms, self.rules.window_ms
        if watermark is not None:  # windows whose end the watermark has passed fire before this order
            self._fire(result, lambda end: end - 1 <= watermark)
        if time_ms is None:
            return
        start = time_ms - time_ms % size
        if watermark is not None and start + size - 1 <= watermark:
            result.late_offsets.append(counted.offset)
            return
        window = self.windows.setdefault((counted.customer, start, start + size),
                                         [0, Decimal("0.00"), counted.amount, {}])
        window[0] += 1
        window[1] += counted.amount
        window[2] = max(window[2], counted.amount)
        in_category = window[3].setdefault(counted.category, [0, Decimal("0.00")])
        in_category[0] += 1
        in_category[1] += counted.amount

    def end(self, result):
        self._fire(result, lambda end: True)  # a bounded run closes every open window at its end

    def _fire(self, result, closed):
        for key in sorted(k for k in self.windows if closed(k[2])):
            customer, start, end = key
            orders, total, largest, per_category = self.windows.pop(key)
            result.events[self.job, customer].append(
                {"job": self.job, "kind": "hourly", "customerId": customer,
                 "windowStart": utc(start).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "windowEnd": utc(end).strftime("%Y-%m-%dT%H:%M:%SZ"), "orders": orders, "total": total,
                 "avg": half_up(total / orders), "max": largest, "topCategory": favorite(per_category)})
