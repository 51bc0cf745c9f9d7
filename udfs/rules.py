"""The lesson's rules as pure functions: no Flink here, so unit tests call them directly.

Thresholds arrive as arguments (rendered into the SQL from config/lesson3.yaml), which keeps every
function pure and lets a reader of the SQL see the numbers in use.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence


def customer_tier(total: Decimal | int, vip: Decimal | int, premium: Decimal | int) -> str:
    """3B: REGULAR below `vip`, VIP from `vip` up to below `premium`, PREMIUM from `premium`: all three
    in one unit (the udf variant passes whole cents)."""
    if total >= premium:
        return "PREMIUM"
    if total >= vip:
        return "VIP"
    return "REGULAR"


def order_frequency(orders: int, occasional: int, regular: int, frequent: int) -> str:
    """3C: the class of a customer's order count."""
    if orders >= frequent:
        return "FREQUENT"
    if orders >= regular:
        return "REGULAR"
    if orders >= occasional:
        return "OCCASIONAL"
    return "NEW CUSTOMER"


def milestones_crossed(previous_total: Decimal, total: Decimal, milestones: Sequence[Decimal]) -> list[Decimal]:
    """3D: the milestones a category's total reached with its latest order (usually none, maybe several)."""
    return [m for m in milestones if previous_total < m <= total]



def high_value_order(amount: Decimal, threshold: Decimal) -> bool:
    """alerts: an order above the threshold (the seed's `order.amount > 400.0`)."""
    return amount > threshold


def rapid_order(gap_ms: int | None, window_ms: int) -> bool:
    """alerts: an order less than `window_ms` after the customer's previous one (None: there was none).
    A negative gap (an order dated before the previous one) is no rapid re-order."""
    return gap_ms is not None and 0 <= gap_ms < window_ms


def customer_segment(orders: int, total: Decimal, average: Decimal, favorite_share: Decimal, high_value: Decimal,
                     frequent_orders: int, focus_min_orders: int, focus_share: Decimal, low_average: Decimal) -> str:
    """segments: the first segment that applies (thresholds from segments.* in config)."""
    if orders == 1:
        return "NEW_CUSTOMER"
    if total >= high_value:
        return "HIGH_VALUE"
    if orders >= frequent_orders:
        return "FREQUENT_BUYER"
    if orders >= focus_min_orders and favorite_share >= focus_share:
        return "CATEGORY_FOCUSED"
    if average < low_average:
        return "PRICE_SENSITIVE"
    return "STANDARD"
