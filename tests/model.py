"""An independent Python model of the contract's rules, to check the Flink jobs against.

It shares no code with the jobs (not udfs/, not sql/): it reads the raw record values the way
the contract describes them and computes every event the jobs must print, in order per key.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass
class Rules:
    vip: Decimal = Decimal(500)
    premium: Decimal = Decimal(1000)
    occasional: int = 2
    regular: int = 6
    frequent: int = 11
    milestones: tuple = (1000, 5000, 10000, 50000, 100000)
    high_value: Decimal = Decimal(400)           # alerts
    rapid_window_ms: int = 5 * 60_000
    window_ms: int = 3_600_000                   # hourly
    watermark_delay_ms: int = 1000
    categories: tuple = ()                       # the filter: empty = all
    segment_high_value: Decimal = Decimal(1000)  # segments
    frequent_orders: int = 11
    focus_min_orders: int = 4
    focus_share: Decimal = Decimal("0.6")
    low_avg: Decimal = Decimal(30)


def valid_order(value: bytes | None) -> dict | None:
    """The order in a record's value, or None for a bad record (see the contract's 'Bad input')."""
    if value is None:
        return None
    try:
        order = json.loads(value.decode("utf-8"), parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(order, dict):
        return None
    for name in ("orderId", "customerId", "category"):
        if not isinstance(order.get(name), str) or not order[name]:
            return None
    amount = order.get("amount")
    if not isinstance(amount, Decimal):
        return None
    if not amount.is_finite() or abs(amount) >= 10 ** 16:  # far out of range (and too big to round)
        return None
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if not Decimal(0) < amount < Decimal(1_000_000):
        return None
    if "timestamp" in order and not (isinstance(order["timestamp"], Decimal)
                                     and order["timestamp"] == order["timestamp"].to_integral_value()
                                     and order["timestamp"] >= 0):
        return None
    return {**order, "amount": amount}


def half_up(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _favorite(per_category: dict) -> str:
    """Most orders; ties: the larger total in it; then alphabetically first."""
    return min(per_category, key=lambda c: (-per_category[c][0], -per_category[c][1], c))


def _segment(orders: int, total: Decimal, avg: Decimal, share: Decimal, rules: Rules) -> str:
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


def _tier(total: Decimal, rules: Rules) -> str:
    return "PREMIUM" if total >= rules.premium else "VIP" if total >= rules.vip else "REGULAR"


def _frequency(n: int, rules: Rules) -> str:
    if n >= rules.frequent:
        return "FREQUENT"
    if n >= rules.regular:
        return "REGULAR"
    return "OCCASIONAL" if n >= rules.occasional else "NEW CUSTOMER"


@dataclass
class Expected:
    """Every event a job must emit, per key in order, and the records to set aside."""
    events: dict = field(default_factory=lambda: defaultdict(list))  # (job, key) -> [event, ...]
    bad_offsets: list = field(default_factory=list)  # offsets of the records to set aside
    late_offsets: list = field(default_factory=list)  # orders whose hourly window had closed
    # segments is an updating table: a customer's profile after each of its orders; Flink prints a
    # subsequence of them (per bundle), always ending with the last
    profiles: dict = field(default_factory=lambda: defaultdict(list))

    @property
    def bad(self) -> int:
        return len(self.bad_offsets)


def expected(values: list[bytes | None], rules: Rules = Rules(), record_times: list | None = None) -> Expected:
    """Every event of every analysis for these record values (in offset order, one partition).
    `record_times`: the Kafka record timestamps, the event time of orders without their own."""
    result = Expected()
    seen: set[str] = set()
    newest = None                                     # the newest event time of a valid record: the watermark
    last_time: dict[str, int] = {}                    # alerts: a customer's previous counted order
    windows: dict = {}                                # hourly: (customer, window start) -> [orders, total, max, {category: [n, total]}]
    closed_up_to = None                               # hourly: windows ending at or before this have fired
    profile: dict = defaultdict(lambda: [0, Decimal("0.00"), None, {}])  # segments
    customer_total, customer_orders = defaultdict(lambda: Decimal("0.00")), defaultdict(int)
    category_total, category_orders = defaultdict(lambda: Decimal("0.00")), defaultdict(int)
    category_max: dict[str, Decimal] = {}
    for offset, value in enumerate(values):
        order = valid_order(value)
        if order is None:
            result.bad_offsets.append(offset)
            continue
        time_ms = int(order["timestamp"]) if "timestamp" in order else record_times[offset] if record_times else None
        watermark = newest - rules.watermark_delay_ms if newest is not None else None
        if time_ms is not None:
            newest = time_ms if newest is None else max(newest, time_ms)
        if order["orderId"] in seen:
            continue
        seen.add(order["orderId"])
        customer, category, amount = order["customerId"], order["category"], order["amount"]
        if rules.categories and category not in rules.categories:
            continue

        # hourly: windows whose end the watermark has passed fire before this order is placed
        if watermark is not None:
            _fire_windows(result, windows, lambda end: end - 1 <= watermark)
        start = time_ms - time_ms % rules.window_ms if time_ms is not None else None
        if start is not None and watermark is not None and start + rules.window_ms - 1 <= watermark:
            result.late_offsets.append(offset)
        elif start is not None:
            w = windows.setdefault((customer, start, start + rules.window_ms), [0, Decimal("0.00"), amount, {}])
            w[0] += 1
            w[1] += amount
            w[2] = max(w[2], amount)
            w[3].setdefault(category, [0, Decimal("0.00")])
            w[3][category][0] += 1
            w[3][category][1] += amount

        if amount > rules.high_value:
            result.events["alerts", customer].append(
                {"job": "alerts", "kind": "high_value", "orderId": order["orderId"], "customerId": customer,
                 "amount": amount, "category": category})
        previous = last_time.get(customer)
        if previous is not None and time_ms is not None and 0 <= time_ms - previous < rules.rapid_window_ms:
            result.events["alerts", customer].append(
                {"job": "alerts", "kind": "rapid", "orderId": order["orderId"], "customerId": customer,
                 "gapMs": time_ms - previous})
        if time_ms is not None:
            last_time[customer] = time_ms

        p = profile[customer]
        p[0] += 1
        p[1] += amount
        p[2] = amount if p[2] is None else max(p[2], amount)
        p[3].setdefault(category, [0, Decimal("0.00")])
        p[3][category][0] += 1
        p[3][category][1] += amount
        favorite = _favorite(p[3])
        share, avg = half_up(Decimal(p[3][favorite][0]) / p[0]), half_up(p[1] / p[0])
        result.profiles[customer].append(
            {"job": "segments", "kind": "segment", "customerId": customer,
             "segment": _segment(p[0], p[1], avg, share, rules), "orders": p[0], "total": p[1], "avg": avg,
             "max": p[2], "favoriteCategory": favorite, "favoriteShare": share,
             "tier": _tier(p[1], rules), "frequency": _frequency(p[0], rules)})

        before = customer_total[customer]
        customer_total[customer] += amount
        customer_orders[customer] += 1
        total, n = customer_total[customer], customer_orders[customer]
        result.events["3a", customer].append(
            {"job": "3a", "kind": "totals", "customerId": customer, "total": total, "orders": n})
        if _tier(total, rules) != _tier(before, rules):
            result.events["3b", customer].append(
                {"job": "3b", "kind": "tier_change", "customerId": customer, "tier": _tier(total, rules),
                 "previousTier": _tier(before, rules)})
        result.events["3b", customer].append(
            {"job": "3b", "kind": "tier", "customerId": customer, "tier": _tier(total, rules),
             "total": total, "orders": n})
        if n == 1 or _frequency(n, rules) != _frequency(n - 1, rules):
            result.events["3c", customer].append(
                {"job": "3c", "kind": "frequency_change", "customerId": customer,
                 "frequency": _frequency(n, rules), "order": n})
        result.events["3c", customer].append(
            {"job": "3c", "kind": "frequency", "customerId": customer, "orders": n,
             "frequency": _frequency(n, rules)})

        before = category_total[category]
        category_total[category] += amount
        category_orders[category] += 1
        category_max[category] = max(category_max.get(category, amount), amount)
        total, n = category_total[category], category_orders[category]
        for milestone in rules.milestones:
            if before < milestone <= total:
                result.events["3d", category].append(
                    {"job": "3d", "kind": "milestone", "category": category, "milestone": milestone})
        result.events["3d", category].append(
            {"job": "3d", "kind": "category", "category": category, "total": total, "orders": n,
             "avg": (total / n).quantize(CENT, rounding=ROUND_HALF_UP), "max": category_max[category]})
    _fire_windows(result, windows, lambda end: True)  # a bounded run closes every open window at its end
    return result


def _fire_windows(result: Expected, windows: dict, closed) -> None:
    for key in sorted(k for k in windows if closed(k[2])):
        customer, start, end = key
        orders, total, largest, per_category = windows.pop(key)
        result.events["hourly", customer].append(
            {"job": "hourly", "kind": "hourly", "customerId": customer,
             "windowStart": _utc(start).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "windowEnd": _utc(end).strftime("%Y-%m-%dT%H:%M:%SZ"), "orders": orders, "total": total,
             "avg": half_up(total / orders), "max": largest, "topCategory": _favorite(per_category)})


def events_by_key(json_lines: list[str]) -> dict:
    """A job's `--format json` output, grouped like Expected.events (numbers read exactly)."""
    grouped = defaultdict(list)
    for line in json_lines:
        event = json.loads(line, parse_float=Decimal, parse_int=int)
        key = event.get("customerId", event.get("category"))
        grouped[event["job"], key].append(event)
    return grouped


def segment_mismatches(expected: Expected, lines: list[str]) -> list[str]:
    """What is wrong with a `segments` output (an updating table: per customer, a subsequence of its
    profiles after each order, the last one exact; a change wherever the printed segment changes)."""
    printed = defaultdict(list)
    for key, events in events_by_key(lines).items():
        if key[0] == "segments":
            printed[key[1]] = events
    problems = []
    if printed.keys() != expected.profiles.keys():
        problems.append(f"customers differ: {sorted(set(printed) ^ set(expected.profiles))[:5]}")
    for customer, profiles in expected.profiles.items():
        events, shown, last = printed.get(customer, []), [], None
        for event in events:
            if event["kind"] == "segment_change":
                if last is None or event["previousSegment"] != last["segment"] or event["segment"] == last["segment"]:
                    problems.append(f"{customer}: a change {event} after {last}")
                continue
            if last is not None and last["segment"] != event["segment"] and \
                    (len(shown) < 1 or events[events.index(event) - 1]["kind"] != "segment_change"):
                problems.append(f"{customer}: the segment changed to {event['segment']} unannounced")
            shown.append(event)
            last = event
        remaining = iter(profiles)
        if not all(any(p == s for p in remaining) for s in shown):
            problems.append(f"{customer}: {len(shown)} profiles are not its profiles in order")
        if not shown or shown[-1] != profiles[-1]:
            problems.append(f"{customer}: last profile {shown[-1] if shown else None} != {profiles[-1]}")
    return problems
