from decimal import Decimal as D

import pytest

from rules import (customer_segment, customer_tier, high_value_order, milestones_crossed, order_frequency,
                   rapid_order)

VIP, PREMIUM = D("500.00"), D("1000.00")
MILESTONES = [D(1000), D(5000), D(10000), D(50000), D(100000)]


@pytest.mark.parametrize("total, tier", [
    (D("0.00"), "REGULAR"), (D("499.99"), "REGULAR"), (D("500.00"), "VIP"), (D("999.99"), "VIP"),
    (D("1000.00"), "PREMIUM"), (D("999.99") + D("0.01"), "PREMIUM"), (D("1500.00"), "PREMIUM"),
])
def test_tier_edges(total, tier):
    assert customer_tier(total, VIP, PREMIUM) == tier


def test_first_order_can_jump_straight_to_premium():
    assert (customer_tier(D("0.00"), VIP, PREMIUM), customer_tier(D("1500.00"), VIP, PREMIUM)) == ("REGULAR", "PREMIUM")


@pytest.mark.parametrize("orders, frequency", [
    (1, "NEW CUSTOMER"), (2, "OCCASIONAL"), (5, "OCCASIONAL"), (6, "REGULAR"), (10, "REGULAR"),
    (11, "FREQUENT"), (500, "FREQUENT"),
])
def test_frequency_edges(orders, frequency):
    assert order_frequency(orders, 2, 6, 11) == frequency


def test_frequency_changes_at_orders_1_2_6_11():
    classes = [order_frequency(n, 2, 6, 11) for n in range(0, 13)]
    changes = [n for n in range(1, 13) if n == 1 or classes[n] != classes[n - 1]]
    assert changes == [1, 2, 6, 11]


@pytest.mark.parametrize("previous, total, crossed", [
    (D("0.00"), D("999.99"), []),
    (D("999.99"), D("1000.00"), [D(1000)]),
    (D("1000.00"), D("1200.00"), []),        # reached before: not again
    (D("500.00"), D("6000.00"), [D(1000), D(5000)]),
    (D("0.00"), D("100000.00"), MILESTONES),
])
def test_milestones_crossed(previous, total, crossed):
    assert milestones_crossed(previous, total, MILESTONES) == crossed



# alerts: high_value_order (`amount > alerts.high_value`, rendered as 400.00)
HIGH = D("400.00")


@pytest.mark.parametrize("amount, high", [
    (D("0.01"), False), (D("399.99"), False), (D("400.00"), False), (D("400.01"), True), (D("999999.99"), True),
])
def test_high_value_order_is_strictly_above_the_threshold(amount, high):
    assert high_value_order(amount, HIGH) is high


def test_high_value_order_of_an_exact_sum_and_an_integer_threshold():
    assert high_value_order(D("399.99") + D("0.01"), HIGH) is False
    assert high_value_order(D("400.01"), 400) is True and high_value_order(D("400.00"), 400) is False


# alerts: rapid_order (0 <= gap < alerts.rapid_window, rendered in ms)
WINDOW = 300_000


@pytest.mark.parametrize("gap, rapid", [
    (None, False),                  # the customer's first order: no previous one
    (-1, False), (-WINDOW, False),  # dated before the previous order
    (0, True),                      # the same millisecond
    (1, True), (WINDOW - 1, True),
    (WINDOW, False), (WINDOW + 1, False),
])
def test_rapid_order_edges(gap, rapid):
    assert rapid_order(gap, WINDOW) is rapid


def test_rapid_order_with_a_zero_window_is_never_rapid():
    assert [rapid_order(gap, 0) for gap in (None, -1, 0, 1)] == [False] * 4


# segments: customer_segment, the first segment that applies (config defaults, as rendered)
SEGMENTS = dict(high_value=D("1000.00"), frequent_orders=11, focus_min_orders=4, focus_share=D("0.60"),
                low_average=D("30.00"))


def segment(orders, total, average, share):
    return customer_segment(orders, D(total), D(average), D(share), **SEGMENTS)


@pytest.mark.parametrize("orders, total, average, share, expected", [
    # one of each
    (1, "50.00", "50.00", "1.00", "NEW_CUSTOMER"),
    (2, "1200.00", "600.00", "0.50", "HIGH_VALUE"),
    (11, "550.00", "50.00", "0.18", "FREQUENT_BUYER"),
    (5, "250.00", "50.00", "0.80", "CATEGORY_FOCUSED"),
    (3, "60.00", "20.00", "0.33", "PRICE_SENSITIVE"),
    (3, "150.00", "50.00", "0.33", "STANDARD"),
    # boundaries
    (2, "1000.00", "500.00", "0.50", "HIGH_VALUE"),       # total exactly high_value
    (2, "999.99", "500.00", "0.50", "STANDARD"),          # ... a cent below
    (11, "330.00", "30.00", "0.18", "FREQUENT_BUYER"),    # orders exactly frequent_orders
    (10, "300.00", "30.00", "0.20", "STANDARD"),          # ... one fewer
    (4, "200.00", "50.00", "0.60", "CATEGORY_FOCUSED"),   # share exactly focus_share, orders exactly focus_min_orders
    (4, "200.00", "50.00", "0.59", "STANDARD"),           # ... share a cent below
    (3, "150.00", "50.00", "1.00", "STANDARD"),           # ... one order too few for a focus
    (3, "89.97", "29.99", "0.33", "PRICE_SENSITIVE"),     # avg just below low_avg
    (3, "90.00", "30.00", "0.33", "STANDARD"),            # avg exactly low_avg
])
def test_segment_edges(orders, total, average, share, expected):
    assert segment(orders, total, average, share) == expected


@pytest.mark.parametrize("orders, total, average, share, expected", [
    (1, "5000.00", "5000.00", "1.00", "NEW_CUSTOMER"),    # a first order is NEW_CUSTOMER whatever its size
    (1, "10.00", "10.00", "1.00", "NEW_CUSTOMER"),        # ... and however cheap
    (11, "1000.00", "90.91", "1.00", "HIGH_VALUE"),       # HIGH_VALUE before FREQUENT_BUYER and CATEGORY_FOCUSED
    (40, "1000.00", "25.00", "1.00", "HIGH_VALUE"),       # ... and before PRICE_SENSITIVE
    (11, "110.00", "10.00", "1.00", "FREQUENT_BUYER"),    # FREQUENT_BUYER before CATEGORY_FOCUSED and PRICE_SENSITIVE
    (4, "40.00", "10.00", "1.00", "CATEGORY_FOCUSED"),    # CATEGORY_FOCUSED before PRICE_SENSITIVE
    (2, "20.00", "10.00", "1.00", "PRICE_SENSITIVE"),     # a focus needs focus_min_orders: PRICE_SENSITIVE
])
def test_segment_precedence(orders, total, average, share, expected):
    assert segment(orders, total, average, share) == expected


def test_segment_with_the_thresholds_as_sql_renders_them():
    """Flink hands integer literals over as int and `0.60`/`30.00` as Decimal: both compare exactly."""
    assert customer_segment(4, D("200.00"), D("50.00"), D("0.60"), 1000, 11, 4, D("0.6"), 30) == "CATEGORY_FOCUSED"
    assert customer_segment(3, D("89.97"), D("29.99"), D("0.33"), 1000, 11, 4, D("0.6"), 30) == "PRICE_SENSITIVE"
