"""The seed's experiments end to end (alerts, hourly, segments, the category filter), in both
variants, compared with tests/model.py over orders from customers with habits, spanning many hours,
with bad records, redeliveries and orders that come after their hourly window has closed."""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest

from producer.orders import generate_orders, serialize
from tests import model
from tests.conftest import produce


@dataclass
class Topic:
    name: str
    values: list


def with_late_orders(values: list, rng: random.Random) -> list:
    """Every 150 records, an order dated 3 hours before the newest: its hourly window has closed."""
    result, newest = [], 0
    for n, value in enumerate(values):
        result.append(value)
        order = model.valid_order(value)
        if order is not None and "timestamp" in order:
            newest = max(newest, int(order["timestamp"]))
        if n % 150 == 149:
            late = dict(json.loads(value) if order else {"customerId": "customer_001", "category": "Books"},
                        orderId=f"late_{n}", amount=round(rng.uniform(5, 500), 2), timestamp=newest - 3 * 3_600_000)
            result.append(serialize(late))
    return result


@pytest.fixture(scope="module")
def habits_topic(kafka) -> Topic:
    rng = random.Random(8)
    values = [r.value for r in generate_orders(2500, seed=8, customers=150, bad_ratio=0.02)]
    values += [rng.choice(values[:1000]) for _ in range(20)]  # redeliveries (and bad records again)
    topic = Topic(f"test-experiments-{uuid.uuid4().hex[:8]}", with_late_orders(values, rng))
    produce(topic.name, topic.values)
    return topic


def assert_experiments_match(run, values, jobs, rules=model.Rules()):
    assert run.returncode == 0, run.stderr[-2000:]
    expected = model.expected(values, rules)
    actual = model.events_by_key(run.stdout)
    for job in set(jobs) - {"segments"}:
        want = {key: events for key, events in expected.events.items() if key[0] == job}
        got = {key: events for key, events in actual.items() if key[0] == job}
        assert got.keys() == want.keys(), f"{job}: keys differ"
        for key in want:
            assert got[key] == want[key], f"{job} {key[1]}: events differ"
    if "segments" in jobs:
        assert model.segment_mismatches(expected, run.stdout) == []
    assert {key[0] for key in actual} == set(jobs)
    dead = expected.bad + (len(expected.late_offsets) if "hourly" in jobs else 0)
    assert f" {dead} bad records set aside" in run.stderr
    return expected


@pytest.mark.parametrize("variant", ["udf", "builtin"])
def test_alerts_hourly_and_segments_match_the_model(runner, habits_topic, variant):
    run = runner("alerts", "hourly", "segments", "--variant", variant, "--bounded", "--format", "json",
                 "--topic", habits_topic.name)
    expected = assert_experiments_match(run, habits_topic.values, ["alerts", "hourly", "segments"])
    # the data reaches what the experiments are about
    assert len(expected.late_offsets) >= 10
    assert {p[-1]["segment"] for p in expected.profiles.values()} >= {
        "NEW_CUSTOMER", "HIGH_VALUE", "FREQUENT_BUYER", "CATEGORY_FOCUSED", "PRICE_SENSITIVE", "STANDARD"}
    kinds = {e["kind"] for (job, _), events in expected.events.items() if job == "alerts" for e in events}
    assert kinds == {"high_value", "rapid"}


def test_new_thresholds_and_the_category_filter_in_one_job(runner, habits_topic):
    run = runner("3b", "alerts", "segments", "--bounded", "--format", "json", "--topic", habits_topic.name,
                 "--set", "filter.categories=[Electronics, Books, Café Gourmet]", "--set", "alerts.high_value=300",
                 "--set", "alerts.rapid_window=2min", "--set", "segments.high_value=2000",
                 "--set", "segments.focus_share=0.5", "--set", "segments.low_avg=25")
    rules = model.Rules(categories=("Electronics", "Books", "Café Gourmet"), high_value=Decimal(300),
                        rapid_window_ms=120_000, segment_high_value=Decimal(2000), focus_share=Decimal("0.5"),
                        low_avg=Decimal(25))
    assert_experiments_match(run, habits_topic.values, ["3b", "alerts", "segments"], rules)
    assert not any('"Toys"' in line for line in run.stdout)


def test_text_lines_of_the_experiments(runner, habits_topic):
    run = runner("alerts", "hourly", "segments", "--variant", "builtin", "--bounded", "--topic",
                 habits_topic.name, "--set", "filter.categories=[Toys]")
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout
    assert lines[:3] == ["=== Flink Lesson 3 Experiment: Custom Alerts ===",
                         "High-value orders and customers ordering again within minutes", ""]
    assert any(line.startswith("ALERT: Rapid ordering detected for customer_") and "after the previous order)"
               in line for line in lines)
    assert any(line.startswith("Hourly Customer> customer_") and " UTC: orders=" in line and "top category=Toys"
               in line for line in lines)
    assert any(line.startswith("Segment> customer_") and "favorite=Toys 100%" in line for line in lines)
    assert any(line.startswith("🔀 SEGMENT CHANGE: customer_") for line in lines)
