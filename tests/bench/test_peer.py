"""The benchmark's plain-Python peer computes what the rules say: its results, and its state at the
end, against the tests' independent model over a seeded topic with bad records and duplicates."""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from bench.peer import ceiling, order_of, peer
from order_analytics import settings as config
from tests.conftest import produce, seeded_values
from tests.model import Rules, expected

# bad in ways the producer does not make, judged as sql/checked_orders.sql.j2 judges them
EDGES = [None, b"\xff\xfe not utf-8", b"[]", b'"text"',
         b'{"orderId": "e1", "customerId": "c1", "category": "Books", "amount": 0.001}',
         b'{"orderId": "e2", "customerId": "c1", "category": "Books", "amount": 999999.999}',
         b'{"orderId": "e3", "customerId": "c1", "category": "Books", "amount": true}',
         b'{"orderId": "e4", "customerId": "c1", "category": "Books", "amount": NaN}',
         b'{"orderId": "e5", "customerId": "c1", "category": "Books", "amount": null}',
         b'{"orderId": "e6", "customerId": "c1", "category": "Books", "amount": 5, "timestamp": -1}',
         b'{"orderId": "e7", "customerId": "c1", "category": "Books", "amount": 5, "timestamp": "1"}',
         b'{"orderId": "e8", "customerId": "c1", "category": ["Books"], "amount": 5}',
         b'{"orderId": 9, "customerId": "c1", "category": "Books", "amount": 5}']
# valid ones: a whole-number amount, one to round half-up, one just below the limit, and totals that
# land exactly on a threshold (VIP at 500, PREMIUM and the $1K milestone at 1000)
GOOD = [b'{"orderId": "g1", "customerId": "c1", "category": "Books", "amount": 5, "timestamp": 0}',
        b'{"orderId": "g2", "customerId": "c1", "category": "Books", "amount": 0.005}',
        b'{"orderId": "g3", "customerId": "c2", "category": "Toys", "amount": 999999.994, "extra": [1]}',
        b'{"orderId": "g4", "customerId": "c3", "category": "Exact", "amount": 500}',
        b'{"orderId": "g5", "customerId": "c3", "category": "Exact", "amount": 500.00}']


@pytest.fixture(scope="module")
def topic(kafka):
    values = seeded_values(3000, seed=11, bad_ratio=0.03, duplicate_ratio=0.02) + EDGES + GOOD
    name = f"test-peer-{uuid.uuid4().hex[:8]}"
    produce(name, values)
    return name, values


def test_the_peer_gives_every_result_of_the_model(topic):
    name, values = topic
    settings = config.load()
    rules = Rules(vip=settings.thresholds.vip, premium=settings.thresholds.premium,
                  occasional=settings.frequency.occasional, regular=settings.frequency.regular,
                  frequent=settings.frequency.frequent, milestones=settings.milestones)
    want = expected(values, rules)
    got = defaultdict(list)

    def collect(results: list[dict]) -> None:
        for result in results:
            got[result["job"], result.get("customerId", result.get("category"))].append(result)

    run = peer(name, settings, emit=collect)

    assert run.orders == len(values)
    assert run.bad == want.bad
    assert run.duplicates > 0
    jobs = ("3a", "3b", "3c", "3d")
    assert run.results == sum(len(events) for (job, _), events in want.events.items() if job in jobs)
    # the state after the last order of each customer and category ...
    totals = {key: events[-1] for (job, key), events in want.events.items() if job == "3a"}
    assert {c: (total, n) for c, (total, n) in run.customers.items()} == \
        {c: (e["total"], e["orders"]) for c, e in totals.items()}
    categories = {key: [e for e in events if e["kind"] == "category"][-1]
                  for (job, key), events in want.events.items() if job == "3d"}
    assert {c: (total, n, top) for c, (total, n, top) in run.categories.items()} == \
        {c: (e["total"], e["orders"], e["max"]) for c, e in categories.items()}
    for category, event in categories.items():
        assert got["3d", category][-1] == event
    # ... and every event on the way, in order per key
    assert dict(got) == {key: events for key, events in want.events.items() if key[0] in jobs}
    assert got["3a", "c1"][-1]["total"] == Decimal("5.01")
    assert got["3d", "Toys"][-1]["max"] == Decimal("999999.99")
    assert [e["tier"] for e in got["3b", "c3"] if e["kind"] == "tier_change"] == ["VIP", "PREMIUM"]
    assert [e["milestone"] for e in got["3d", "Exact"] if e["kind"] == "milestone"] == [Decimal(1000)]


def test_the_thresholds_come_from_the_config(topic):
    name, values = topic
    settings = config.load(overrides=["thresholds.vip=100", "thresholds.premium=200",
                                      "milestones=[10, 20]", "filter.categories=[Books]"])
    rules = Rules(vip=Decimal(100), premium=Decimal(200), milestones=(10, 20), categories=("Books",))
    want = expected(values, rules)
    got = defaultdict(list)
    run = peer(name, settings, emit=lambda results: [got[r["job"], r.get("customerId", r.get("category"))]
                                                      .append(r) for r in results])
    assert run.skipped > 0 and set(run.categories) == {"Books"}
    assert dict(got) == {key: events for key, events in want.events.items() if key[0] in ("3a", "3b", "3c", "3d")}


def test_the_ceiling_reads_every_record(topic):
    name, values = topic
    run = ceiling(name)
    assert (run.orders, run.results) == (len(values), 0)


@pytest.mark.parametrize("value", EDGES)
def test_bad_records(value):
    assert order_of(value) is None


def test_amounts_to_cents_half_up():
    assert [order_of(v)["amount"] for v in GOOD] == [Decimal("5.00"), Decimal("0.01"), Decimal("999999.99"),
                                                     Decimal("500.00"), Decimal("500.00")]
    assert order_of(b'{"orderId": "x", "customerId": "c", "category": "B", "amount": 1e400}') is None
