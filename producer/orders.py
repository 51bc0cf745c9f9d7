"""Seeded order events: valid orders and, on request, bad records. Pure: knows nothing of Kafka.

The same arguments always give byte-identical records, so a test can regenerate exactly what a run of
`python -m producer` put on the topic.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import count as count_up, islice

START_MS = 1764000000000  # 2025-11-24T16:00:00Z, a fixed event-time origin keeps runs reproducible

# Amount range per category, so totals and averages per category look plausible.
# "Café Gourmet" is non-ASCII on purpose: it tests the UTF-8 path end to end.
CATEGORIES: dict[str, tuple[float, float]] = {
    "Electronics": (50, 1500),
    "Books": (5, 60),
    "Clothing": (15, 250),
    "Home & Garden": (20, 600),
    "Sports & Outdoors": (10, 400),
    "Toys": (5, 120),
    "Café Gourmet": (3, 80),
}

# Every kind of bad record the jobs must set aside, injected in this order, round and round.
BAD_KINDS: tuple[str, ...] = (
    "not_json",
    "truncated_json",
    "json_array",
    "json_null",
    "missing_orderId",
    "missing_customerId",
    "missing_amount",
    "missing_category",
    "amount_as_string",
    "customerId_as_number",
    "amount_zero",
    "amount_negative",
    "amount_too_large",
    "empty_orderId",
    "empty_customerId",
)
# Kinds whose value carries no usable customer id, so the record goes without a key.
_KEYLESS = {"not_json", "json_null", "missing_customerId", "customerId_as_number", "empty_customerId"}


# Customers have habits, so that every segment and alert shows up in a live run: most buy anything,
# some buy cheap, some stay faithful to one category, some spend big, some order in bursts.
HABITS = ("everyday", "everyday", "bargain", "loyal", "big_spender", "burst")
CHEAP = ("Books", "Toys", "Café Gourmet")


@dataclass(frozen=True)
class Habit:
    kind: str
    favorite: str  # the category a loyal customer keeps coming back to

    def basket(self, rng: random.Random, categories: list[str]) -> tuple[str, float]:
        """The category and amount of this customer's next order."""
        if self.kind == "bargain":
            category = rng.choice(CHEAP)
        elif self.kind == "loyal" and rng.random() < 0.8:
            category = self.favorite
        elif self.kind == "big_spender" and rng.random() < 0.6:
            category = "Electronics"
        else:
            category = rng.choice(categories)
        low, high = CATEGORIES[category]
        # Squaring skews amounts towards the cheap end of the range, like real baskets; bargain
        # hunters stay in its lower third, big spenders in its upper half.
        share = rng.random() ** 2
        share = share / 3 if self.kind == "bargain" else 0.5 + share / 2 if self.kind == "big_spender" else share
        return category, round(low + (high - low) * share, 2)


@dataclass(frozen=True)
class Record:
    """One Kafka record to send. `order` is the parsed valid order, None for a bad record.
    `timestamp` is when it happened (epoch ms), sent as the record's own timestamp too, so the
    event time of a record without a usable `timestamp` field stays on the same clock."""

    key: str | None
    value: bytes
    order: dict | None
    timestamp: int
    bad_kind: str | None = None


def serialize(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")


def describe(order: dict) -> str:
    """The seed's console form of an order."""
    return (f"Order{{id={order['orderId']}, customer={order['customerId']}, "
            f"amount={order['amount']:.2f}, category={order['category']}}}")


def generate_orders(count: int | None, seed: int, customers: int = 10, bad_ratio: float = 0.0,
                    start_ms: int = START_MS, id_prefix: str = "order") -> Iterator[Record]:
    """Yield `count` records (endless when None); each is bad with probability `bad_ratio`.

    Order ids are `<id_prefix>_00001` and up: give each run its own prefix when its orders must not
    look like redeliveries of an earlier run's (the jobs count each orderId once)."""
    if count is not None and count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if customers < 1:
        raise ValueError(f"customers must be >= 1, got {customers}")
    if not 0.0 <= bad_ratio <= 1.0:
        raise ValueError(f"bad_ratio must be between 0 and 1, got {bad_ratio}")
    records = _records(random.Random(seed), customers, bad_ratio, start_ms, id_prefix)
    return records if count is None else islice(records, count)


def _records(rng: random.Random, customers: int, bad_ratio: float, start_ms: int,
             id_prefix: str) -> Iterator[Record]:
    customer_ids = [f"customer_{n:03d}" for n in range(1, customers + 1)]
    # Zipf-like weights: a few customers order much more often than the rest, as in a real shop,
    # so some reach VIP and FREQUENT while others stay NEW.
    popularity = [1 / rank for rank in range(1, customers + 1)]
    rng.shuffle(popularity)
    categories = list(CATEGORIES)
    habits = {customer: Habit(rng.choice(HABITS), rng.choice(categories)) for customer in customer_ids}
    order_numbers = count_up(1)
    bad_numbers = count_up(0)
    timestamp = start_ms
    burst: list[str] = []  # the next orders of a customer ordering in a burst
    while True:
        customer = burst.pop() if burst else rng.choices(customer_ids, weights=popularity)[0]
        habit = habits[customer]
        if habit.kind == "burst" and not burst and rng.random() < 0.5:
            burst = [customer] * rng.randint(1, 3)
        category, amount = habit.basket(rng, categories)
        if rng.random() < bad_ratio:
            bad_number = next(bad_numbers)
            # Bad records get their own id space so they never collide with a valid order's id
            # (the jobs deduplicate on orderId).
            draft = _order(f"{id_prefix}_bad_{bad_number + 1:05d}", customer, amount, category, timestamp)
            yield _bad_record(BAD_KINDS[bad_number % len(BAD_KINDS)], draft)
        else:
            order = _order(f"{id_prefix}_{next(order_numbers):05d}", customer, amount, category, timestamp)
            yield Record(key=customer, value=serialize(order), order=order, timestamp=timestamp)
        # about 20 s between orders of the shop (a backlog of 3,000 spans some 17 hours of hourly
        # windows); seconds within a burst, so some customers trip the rapid-ordering alert
        timestamp += rng.randint(5_000, 90_000) if burst else rng.randint(1_000, 40_000)


def _order(order_id: str, customer: str, amount: float, category: str, timestamp: int) -> dict:
    return {"orderId": order_id, "customerId": customer, "amount": amount, "category": category,
            "timestamp": timestamp}


def restamped(record: Record, timestamp: int) -> Record:
    """The same record as happening at `timestamp` (epoch ms): a live stream stamps each order as
    it is sent. A bad record keeps its value; only the time it was sent changes."""
    if record.order is None:
        return replace(record, timestamp=timestamp)
    order = dict(record.order, timestamp=timestamp)
    return replace(record, value=serialize(order), order=order, timestamp=timestamp)


class LiveClock:
    """Stamps records with the time they are sent, each key's later than its previous one.

    At thousands of records per second several orders of one customer (a burst) are sent within
    the same millisecond. Above parallelism 1 the jobs order a customer's orders by event time
    (docs/event-time.md), and orders with equal times have no order among themselves there (they
    reach the ordering step through different tasks), so a tie would let the job and the topic's
    offsets disagree on which came first. A key's stamp is therefore at least 1 ms after its last."""

    def __init__(self) -> None:
        self.last_ms: dict[str | None, int] = {}

    def stamp(self, record: Record, now_ms: int) -> Record:
        timestamp = max(now_ms, self.last_ms.get(record.key, now_ms - 1) + 1)
        self.last_ms[record.key] = timestamp
        return restamped(record, timestamp)


def _bad_record(kind: str, draft: dict) -> Record:
    """A record of the given bad kind, made by spoiling a valid-looking draft order."""
    if kind == "not_json":
        value = b"this is not json"
    elif kind == "truncated_json":
        whole = serialize(draft)
        value = whole[: len(whole) // 2]
    elif kind == "json_array":
        value = serialize([draft])
    elif kind == "json_null":
        value = b"null"
    else:
        spoiled = dict(draft)
        if kind.startswith("missing_"):
            del spoiled[kind.removeprefix("missing_")]
        elif kind.startswith("empty_"):
            spoiled[kind.removeprefix("empty_")] = ""
        else:
            spoiled.update({
                "amount_as_string": {"amount": "12.50"},
                "customerId_as_number": {"customerId": int(draft["customerId"].removeprefix("customer_"))},
                "amount_zero": {"amount": 0},
                "amount_negative": {"amount": -draft["amount"]},
                "amount_too_large": {"amount": 1000000},
            }[kind])
        value = serialize(spoiled)
    key = None if kind in _KEYLESS else draft["customerId"]
    return Record(key=key, value=value, order=None, timestamp=draft["timestamp"], bad_kind=kind)
