from decimal import Decimal as D

import pytest

from rules import customer_tier, milestones_crossed, order_frequency

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

