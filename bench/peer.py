"""The benchmark's plain-Python peer: the four analyses in one loop, and the raw consumer ceiling.

    python -m bench.peer --topic bench-orders-20000-10000             # the peer
    python -m bench.peer --topic bench-orders-20000-10000 --ceiling   # only read every record

The peer is what the jobs are measured against: a confluent-kafka Consumer, json, Decimal and
dicts, computing every result of 3A (running total per customer), 3B (tier and tier changes), 3C
(frequency class and changes) and 3D (per-category total/count/avg/max and milestones) for every
order, like `runner.py all --bounded --from earliest --sink blackhole`: it reads the topic from its
start to the end offsets of now, judges bad records by the rules of sql/checked_orders.sql.j2,
counts each orderId once, skips categories outside filter.categories, and counts its results
instead of printing them. No fault tolerance, no state beyond this process, one thread.

The ceiling is the same Consumer reading the same records without looking at them: what reading
alone costs in Python here, so the peer's own work is its time less the ceiling's.

It stands alone on purpose: it shares nothing with the jobs (sql/, udfs/) nor with the tests' model
of the rules (tests/model.py), only the project's config (thresholds and the like) and the broker's
address. It prints one JSON object: orders, start-up s, total s, orders/s (start-up subtracted, as
for the jobs), results, bad records, duplicates and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterator

from confluent_kafka import Consumer, KafkaException, TopicPartition

from order_analytics import analyses
from order_analytics import settings as config
from order_analytics.infra import broker

CENT = Decimal("0.01")
ZERO = Decimal(0)
LIMIT = Decimal(1_000_000)
STRING_FIELDS = ("orderId", "customerId", "category")
JOB = {analysis.name: analysis.id for analysis in analyses.registry().values()}  # the peer's results name them so
BATCH = 10_000          # records per consume() call
IDLE_TIMEOUT_S = 30     # nothing to read this long before the end offsets: give up


@dataclass
class Run:
    """What one pass over a topic did. `customers` and `categories` are the state at its end."""
    orders: int = 0                 # records read, bad ones and duplicates included
    results: int = 0                # result rows computed (printed by nobody)
    bad: int = 0
    duplicates: int = 0
    skipped: int = 0                # valid orders outside filter.categories
    startup_s: float = 0.0          # consumer created, end offsets known, partitions assigned
    total_s: float = 0.0
    customers: dict = field(default_factory=dict)   # customerId -> [total, orders]
    categories: dict = field(default_factory=dict)  # category -> [total, orders, max]

    @property
    def orders_per_s(self) -> int:
        return round(self.orders / max(self.total_s - self.startup_s, 1e-6))

    def summary(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k not in ("customers", "categories")}
        return {**data, "startup_s": round(self.startup_s, 3), "total_s": round(self.total_s, 3),
                "orders_per_s": self.orders_per_s}


def order_of(value: bytes | None) -> dict | None:
    """The order in a record's value (amount a Decimal of 2 places), or None for a bad record:
    not UTF-8 JSON, not an object, orderId/customerId/category missing, not a string or empty, amount
    not a JSON number or not above 0 and below 1000000 (to cents, half-up), timestamp present but not
    a whole number of epoch milliseconds."""
    if value is None:
        return None
    try:
        order = json.loads(value.decode("utf-8"), parse_float=Decimal)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if type(order) is not dict:
        return None
    for name in STRING_FIELDS:
        text = order.get(name)
        if type(text) is not str or not text:
            return None
    amount = order.get("amount")
    if type(amount) is int:
        amount = Decimal(amount)
    elif type(amount) is not Decimal:  # a string, true/false, null, NaN, an array ...
        return None
    if not ZERO < amount < LIMIT:  # before rounding: 1e400 cannot be rounded to cents
        return None
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if not ZERO < amount < LIMIT:  # 0.001 -> 0.00, 999999.995 -> 1000000.00
        return None
    if "timestamp" in order and (type(order["timestamp"]) is not int or order["timestamp"] < 0):
        return None
    order["amount"] = amount
    return order


def _open(topic: str, bootstrap: str) -> tuple[Consumer, dict[int, list[int]]]:
    """A Consumer assigned to every non-empty partition of `topic` from its start, and for each the
    [next offset to read, end offset as of now]."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-peer", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest"})
    metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if metadata is None or metadata.error is not None:
        consumer.close()
        raise SystemExit(f"topic {topic} not found on {bootstrap}")
    offsets, assignment = {}, []
    for partition in metadata.partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        if high > low:
            offsets[partition] = [low, high]
            assignment.append(TopicPartition(topic, partition, low))
    consumer.assign(assignment)
    return consumer, offsets


def _values(consumer: Consumer, offsets: dict[int, list[int]]) -> Iterator[bytes | None]:
    """Every record value up to the end offsets, in the order the consumer hands them over."""
    offsets = {partition: list(pair) for partition, pair in offsets.items()}
    idle_since = time.monotonic()
    while offsets:
        # consume() waits for a full batch or its timeout: ask for no more than are left, or the
        # last batch would wait out the timeout (fewer are left when offsets have gaps)
        left = sum(end - position for position, end in offsets.values())
        batch = consumer.consume(min(BATCH, max(left, 1)), timeout=1)
        if not batch:
            if time.monotonic() - idle_since > IDLE_TIMEOUT_S:
                raise RuntimeError(f"nothing to read for {IDLE_TIMEOUT_S} s before the end offsets")
            continue
        idle_since = time.monotonic()
        for message in batch:
            if message.error():
                raise KafkaException(message.error())
            pair = offsets.get(message.partition())
            if pair is None:  # a partition already read to its end offset of the start
                continue
            yield message.value()
            pair[0] = message.offset() + 1
            if pair[0] >= pair[1]:
                del offsets[message.partition()]


@dataclass(frozen=True)
class Rules:
    """The config's rules of 3B to 3D, and the categories that reach the analyses."""
    vip: Decimal
    premium: Decimal
    occasional: int
    regular: int
    frequent: int
    milestones: tuple[Decimal, ...]
    only: frozenset[str]

    @classmethod
    def of(cls, settings: config.Settings) -> Rules:
        return cls(settings.thresholds.vip, settings.thresholds.premium, settings.frequency.occasional,
                   settings.frequency.regular, settings.frequency.frequent, settings.milestones,
                   frozenset(settings.filter.categories))

    def tier(self, total: Decimal) -> str:
        return "PREMIUM" if total >= self.premium else "VIP" if total >= self.vip else "REGULAR"

    def frequency(self, n: int) -> str:
        return ("FREQUENT" if n >= self.frequent else "REGULAR" if n >= self.regular
                else "OCCASIONAL" if n >= self.occasional else "NEW CUSTOMER")


def _customer_results(rules: Rules, customers: dict, customer: str, amount: Decimal) -> list[dict]:
    """3A running total per customer; 3B its tier, and the change when it differs from the tier
    before this order; 3C its frequency class, and its change (the first order announces one)."""
    state = customers.get(customer)
    if state is None:
        state = customers[customer] = [Decimal("0.00"), 0]
    before = state[0]
    total = state[0] = before + amount
    n = state[1] = state[1] + 1
    results = [{"job": JOB["customer_totals"], "kind": "totals", "customerId": customer, "total": total, "orders": n}]
    tier, previous = rules.tier(total), rules.tier(before)
    if tier != previous:
        results.append({"job": JOB["vip_tiers"], "kind": "tier_change", "customerId": customer, "tier": tier,
                        "previousTier": previous})
    results.append({"job": JOB["vip_tiers"], "kind": "tier", "customerId": customer, "tier": tier, "total": total, "orders": n})
    frequency = rules.frequency(n)
    if n == 1 or frequency != rules.frequency(n - 1):
        results.append({"job": JOB["order_frequency"], "kind": "frequency_change", "customerId": customer, "frequency": frequency,
                        "order": n})
    results.append({"job": JOB["order_frequency"], "kind": "frequency", "customerId": customer, "orders": n, "frequency": frequency})
    return results


def _category_results(rules: Rules, categories: dict, category: str, amount: Decimal) -> list[dict]:
    """3D per category: total, count, max, avg (exact quotient, half-up once), milestones."""
    state = categories.get(category)
    if state is None:
        state = categories[category] = [Decimal("0.00"), 0, amount]
    before = state[0]
    total = state[0] = before + amount
    n = state[1] = state[1] + 1
    if amount > state[2]:
        state[2] = amount
    results = [{"job": JOB["category_spending"], "kind": "milestone", "category": category, "milestone": milestone}
               for milestone in rules.milestones if before < milestone <= total]
    cents = int(total * 100)
    avg = Decimal((2 * cents + n) // (2 * n)) / 100  # half-up: floor(cents / n + 1/2)
    results.append({"job": JOB["category_spending"], "kind": "category", "category": category, "total": total, "orders": n,
                    "avg": avg.quantize(CENT), "max": state[2]})
    return results


def _results(rules: Rules, run: Run, seen: set[str], value: bytes | None) -> list[dict]:
    """The results of one record (none for a bad one, a duplicate or a category filtered out)."""
    run.orders += 1
    order = order_of(value)
    if order is None:
        run.bad += 1
        return []
    if order["orderId"] in seen:
        run.duplicates += 1
        return []
    seen.add(order["orderId"])
    if rules.only and order["category"] not in rules.only:
        run.skipped += 1
        return []
    return (_customer_results(rules, run.customers, order["customerId"], order["amount"])
            + _category_results(rules, run.categories, order["category"], order["amount"]))


def peer(topic: str, settings: config.Settings, bootstrap: str = broker.BOOTSTRAP,
         emit: Callable[[list[dict]], object] | None = None) -> Run:
    """Every result of 3A-3D for every order on `topic`; `emit` (if any) gets each order's results."""
    rules = Rules.of(settings)
    run = Run()
    started = time.monotonic()
    consumer, offsets = _open(topic, bootstrap)
    run.startup_s = time.monotonic() - started
    seen: set[str] = set()
    try:
        for value in _values(consumer, offsets):
            results = _results(rules, run, seen, value)
            if results:
                run.results += len(results)
                if emit is not None:
                    emit(results)
    finally:
        consumer.close()
    run.total_s = time.monotonic() - started
    return run


def ceiling(topic: str, bootstrap: str = broker.BOOTSTRAP) -> Run:
    """The same Consumer reading every record of `topic` to the end offsets of now, and no more."""
    run = Run()
    started = time.monotonic()
    consumer, offsets = _open(topic, bootstrap)
    run.startup_s = time.monotonic() - started
    try:
        for _ in _values(consumer, offsets):
            run.orders += 1
    finally:
        consumer.close()
    run.total_s = time.monotonic() - started
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--ceiling", action="store_true", help="only read every record (no parsing)")
    parser.add_argument("--bootstrap", default=broker.BOOTSTRAP)
    parser.add_argument("--config", help="config file (default config/lesson3.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    settings = config.load(args.config, args.overrides)
    run = ceiling(args.topic, args.bootstrap) if args.ceiling else peer(args.topic, settings, args.bootstrap)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({**run.summary(), "rss_mb": round(rss_mb)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
