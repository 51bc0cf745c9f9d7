"""An independent Python model of the contract's rules, to check the Flink jobs against.

It shares no code with the jobs (not udfs/, not sql/): it reads the raw record values the way
the contract describes them and computes every event the jobs must print, in order per key.
What is common to all analyses is here (validation, deduplication, the filter, event time); each
analysis's own rule is the model.py beside its view (analyses/<name>/model.py), found by the registry.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from order_analytics import analyses

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


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def favorite(per_category: dict) -> str:
    """Most orders; ties: the larger total in it; then alphabetically first (hourly and segments)."""
    return min(per_category, key=lambda c: (-per_category[c][0], -per_category[c][1], c))


def tier(total: Decimal, rules: Rules) -> str:
    """A running total's tier (3B's rule; segments shows it too)."""
    return "PREMIUM" if total >= rules.premium else "VIP" if total >= rules.vip else "REGULAR"


def frequency(n: int, rules: Rules) -> str:
    """An order count's frequency class (3C's rule; segments shows it too)."""
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


@dataclass(frozen=True)
class Counted:
    """A valid order, counted once, that reaches the analyses: with its offset and event time."""
    offset: int
    order: dict
    time_ms: int | None
    watermark: int | None            # the event time before this order, less the watermark delay

    @property
    def customer(self) -> str:
        return self.order["customerId"]

    @property
    def category(self) -> str:
        return self.order["category"]

    @property
    def amount(self) -> Decimal:
        return self.order["amount"]


class Running:
    """A running total and count per key (the shared step customer_running, and 3D's per category)."""

    def __init__(self):
        self._state: dict = defaultdict(lambda: [Decimal("0.00"), 0])

    def add(self, key: str, amount: Decimal) -> tuple[Decimal, Decimal, int]:
        """(the total before, the total after, the count after) this amount."""
        state = self._state[key]
        before = state[0]
        state[0] += amount
        state[1] += 1
        return before, state[0], state[1]


class Rule:
    """An analysis's rule for the model (its folder's model.py defines `Model(Rule)`): `order` sees
    every counted order in offset order, `end` the end of a bounded run; both add to `result`."""

    def __init__(self, job: str, rules: Rules):
        self.job, self.rules = job, rules

    def order(self, counted: Counted, result: Expected) -> None:
        raise NotImplementedError

    def end(self, result: Expected) -> None:
        """Nothing by default: only windows wait for the end."""


class RunningRule(Rule):
    """A rule over a running total and count per key (`self.running`)."""

    def __init__(self, job: str, rules: Rules):
        super().__init__(job, rules)
        self.running = Running()


def _module(path: Path):
    name = f"analysis_model_{path.parent.name}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


def rules_of_analyses(rules: Rules) -> list[Rule]:
    """One rule per analysis of the registry that has a model.py beside its view."""
    return [_module(analysis.model).Model(analysis.id, rules)
            for analysis in analyses.registry().values() if analysis.model]


def expected(values: list[bytes | None], rules: Rules = Rules(), record_times: list | None = None) -> Expected:
    """Every event of every analysis for these record values (in offset order, one partition).
    `record_times`: the Kafka record timestamps, the event time of orders without their own."""
    result = Expected()
    seen: set[str] = set()
    newest = None                                     # the newest event time of a valid record: the watermark
    each = rules_of_analyses(rules)
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
        if rules.categories and order["category"] not in rules.categories:
            continue
        counted = Counted(offset, order, time_ms, watermark)
        for rule in each:
            rule.order(counted, result)
    for rule in each:
        rule.end(result)
    return result


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
