"""The order generator against the contract's event format. Pure: no Kafka."""
from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from producer.orders import BAD_KINDS, CATEGORIES, LiveClock, describe, generate_orders, restamped

REQUIRED_STRINGS = ("orderId", "customerId", "category")


def contract_violation(value: bytes) -> str | None:
    """Why `value` is not a valid order by the contract, or None if it is one. Written from the
    contract, independently of the generator, so the two check each other."""
    try:
        order = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "not JSON"
    if not isinstance(order, dict):
        return "not an object"
    for field in REQUIRED_STRINGS:
        if not isinstance(order.get(field), str) or not order[field]:
            return f"{field} missing, empty or not a string"
    amount = order.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        return "amount missing or not a number"
    if not 0 < amount < 1_000_000:
        return "amount out of range"
    if "timestamp" in order and not isinstance(order["timestamp"], int):
        return "timestamp not epoch ms"
    return None


def test_same_seed_gives_byte_identical_records():
    first = list(generate_orders(500, seed=7, bad_ratio=0.1))
    again = list(generate_orders(500, seed=7, bad_ratio=0.1))
    assert first == again


def test_different_seed_gives_different_records():
    values = [record.value for record in generate_orders(50, seed=1)]
    others = [record.value for record in generate_orders(50, seed=2)]
    assert values != others


def test_count_is_honored_and_none_is_endless():
    assert len(list(generate_orders(123, seed=1))) == 123
    assert list(generate_orders(0, seed=1)) == []
    endless = generate_orders(None, seed=1)
    assert sum(1 for _ in zip(range(20_000), endless)) == 20_000


def test_orders_are_numbered_from_one_and_padded():
    orders = [record.order for record in generate_orders(100_000, seed=3)]
    assert [order["orderId"] for order in orders[:3]] == ["order_00001", "order_00002", "order_00003"]
    assert orders[-1]["orderId"] == "order_100000"  # more digits once five are not enough
    assert [order["orderId"] for order in orders] == [f"order_{n:05d}" for n in range(1, 100_001)]


def test_valid_orders_satisfy_the_contract():
    records = list(generate_orders(5_000, seed=11, customers=25))
    previous_timestamp = None
    for record in records:
        assert contract_violation(record.value) is None, record.value
        order = json.loads(record.value)
        assert order == record.order
        assert list(order) == ["orderId", "customerId", "amount", "category", "timestamp"]
        assert isinstance(order["amount"], float)
        assert Decimal(str(order["amount"])).as_tuple().exponent >= -2  # money: at most 2 decimals
        assert order["category"] in CATEGORIES
        low, high = CATEGORIES[order["category"]]
        assert low <= order["amount"] <= high
        assert isinstance(order["timestamp"], int)
        if previous_timestamp is not None:
            assert 1_000 <= order["timestamp"] - previous_timestamp <= 90_000
        previous_timestamp = order["timestamp"]
    assert records[0].order["timestamp"] == 1764000000000


def test_key_is_the_customer_id():
    for record in generate_orders(1_000, seed=5):
        assert record.key == record.order["customerId"]


def test_customers_are_in_range_and_some_order_more_often():
    counts = Counter(record.order["customerId"] for record in generate_orders(10_000, seed=9, customers=10))
    assert set(counts) == {f"customer_{n:03d}" for n in range(1, 11)}
    assert max(counts.values()) > 3 * min(counts.values())  # skewed, not uniform


def test_value_is_utf8_json_with_the_seed_separators():
    cafe = next(record for record in generate_orders(1_000, seed=1) if record.order["category"] == "Café Gourmet")
    assert '"category": "Café Gourmet"'.encode("utf-8") in cafe.value  # not \u00e9
    assert cafe.value.startswith(b'{"orderId": "order_')


def test_bad_ratio_is_roughly_honored():
    records = list(generate_orders(10_000, seed=13, bad_ratio=0.2))
    bad = sum(1 for record in records if record.order is None)
    assert 1_700 < bad < 2_300
    assert all(record.order is not None for record in generate_orders(2_000, seed=13))
    assert all(record.order is None for record in generate_orders(200, seed=13, bad_ratio=1.0))


def test_bad_records_replace_orders_without_gaps_in_numbering():
    orders = [record.order for record in generate_orders(1_000, seed=17, bad_ratio=0.3) if record.order]
    assert [order["orderId"] for order in orders] == [f"order_{n:05d}" for n in range(1, len(orders) + 1)]


def test_every_bad_kind_appears_and_is_really_invalid():
    bad = [record for record in generate_orders(2_000, seed=19, bad_ratio=0.1) if record.order is None]
    assert set(record.bad_kind for record in bad) == set(BAD_KINDS)
    for record in bad:
        assert contract_violation(record.value) is not None, (record.bad_kind, record.value)
        assert record.key is None or record.key.startswith("customer_")


# What each bad kind must break, by the contract_violation reasons above.
EXPECTED_VIOLATION = {
    "not_json": "not JSON",
    "truncated_json": "not JSON",
    "json_array": "not an object",
    "json_null": "not an object",
    "missing_orderId": "orderId missing, empty or not a string",
    "missing_customerId": "customerId missing, empty or not a string",
    "missing_amount": "amount missing or not a number",
    "missing_category": "category missing, empty or not a string",
    "amount_as_string": "amount missing or not a number",
    "customerId_as_number": "customerId missing, empty or not a string",
    "amount_zero": "amount out of range",
    "amount_negative": "amount out of range",
    "amount_too_large": "amount out of range",
    "empty_orderId": "orderId missing, empty or not a string",
    "empty_customerId": "customerId missing, empty or not a string",
}


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_each_bad_kind_breaks_the_contract_the_way_its_name_says(kind: str):
    record = next(record for record in generate_orders(None, seed=23, bad_ratio=0.5) if record.bad_kind == kind)
    assert record.order is None
    assert contract_violation(record.value) == EXPECTED_VIOLATION[kind]


def test_describe_matches_the_seed_line():
    order = {"orderId": "order_00001", "customerId": "customer_002", "amount": 156.78,
             "category": "Electronics", "timestamp": 1764000000000}
    assert describe(order) == "Order{id=order_00001, customer=customer_002, amount=156.78, category=Electronics}"
    assert describe({**order, "amount": 89.9}).endswith("amount=89.90, category=Electronics}")


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        list(generate_orders(-1, seed=1))
    with pytest.raises(ValueError):
        list(generate_orders(1, seed=1, bad_ratio=1.5))
    with pytest.raises(ValueError):
        list(generate_orders(1, seed=1, customers=0))



def test_every_record_carries_its_time_for_the_kafka_record():
    for record in generate_orders(200, seed=5, bad_ratio=0.3):
        if record.order is not None:
            assert record.timestamp == record.order["timestamp"] == json.loads(record.value)["timestamp"]
        assert record.timestamp >= 1764000000000


def test_restamped_order_happens_at_the_new_time_and_is_otherwise_the_same():
    record = next(iter(generate_orders(1, seed=1)))
    later = restamped(record, 1_800_000_000_000)
    assert later.timestamp == later.order["timestamp"] == json.loads(later.value)["timestamp"] == 1_800_000_000_000
    assert {**json.loads(later.value), "timestamp": None} == {**json.loads(record.value), "timestamp": None}
    assert later.key == record.key and contract_violation(later.value) is None


def test_restamped_bad_record_keeps_its_value():
    bad = next(record for record in generate_orders(50, seed=1, bad_ratio=1.0) if record.bad_kind == "not_json")
    assert restamped(bad, 5).value == bad.value and restamped(bad, 5).timestamp == 5


def test_customer_habits_reach_every_segment_and_both_alerts():
    from tests import model

    expected = model.expected([r.value for r in generate_orders(3000, seed=3, customers=200)])
    segments = {profiles[-1]["segment"] for profiles in expected.profiles.values()}
    assert segments == {"NEW_CUSTOMER", "HIGH_VALUE", "FREQUENT_BUYER", "CATEGORY_FOCUSED", "PRICE_SENSITIVE",
                        "STANDARD"}
    kinds = {event["kind"] for (job, _), events in expected.events.items() if job == "alerts" for event in events}
    assert kinds == {"high_value", "rapid"}
    windows = {event["windowStart"] for (job, _), events in expected.events.items() if job == "hourly"
               for event in events}
    assert len(windows) > 10  # the backlog spans many hourly windows


def test_live_clock_never_gives_two_orders_of_a_customer_the_same_time():
    # a burst sent within one millisecond: equal times would leave their order open above parallelism 1
    burst = [record for record in generate_orders(2000, seed=7, customers=50) if record.key == "customer_001"][:3]
    clock = LiveClock()
    stamps = [clock.stamp(record, 1_800_000_000_000).timestamp for record in burst]
    assert stamps == [1_800_000_000_000, 1_800_000_000_001, 1_800_000_000_002]
    other = next(record for record in generate_orders(50, seed=7, customers=50) if record.key != "customer_001")
    assert clock.stamp(other, 1_800_000_000_000).timestamp == 1_800_000_000_000  # other keys keep the time sent
    assert clock.stamp(burst[0], 1_800_000_000_010).timestamp == 1_800_000_000_010  # time moving on wins
