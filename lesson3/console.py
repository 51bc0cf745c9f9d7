"""Result rows -> the seed's console lines (text) or one JSON object a line (json). Pure formatting."""
from __future__ import annotations

import json
from decimal import Decimal

from udfs.rules import milestone_label

BANNERS = {
    "3a": ("=== Flink Lesson 3A: Customer Order Tracking ===",
           "Tracking customer order totals and counts with stateful processing"),
    "3b": ("=== Flink Lesson 3B: VIP Customer Detection ===",
           "Real-time customer classification based on spending patterns"),
    "3c": ("=== Flink Lesson 3C: Order Frequency Analysis ===",
           "Analyzing customer ordering behavior and frequency patterns"),
    "3d": ("=== Flink Lesson 3D: Category Spending Analysis ===",
           "Analyzing spending patterns and performance by product category"),
}


def banner(jobs: list[str]) -> str:
    return "\n".join(f"{title}\n{subtitle}\n" for title, subtitle in (BANNERS[j] for j in jobs))


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _json_value(value) -> str:
    """JSON text of a value; money stays exact (a Decimal is written as its 2-decimal number)."""
    if isinstance(value, Decimal):
        return money(value)
    return json.dumps(value, ensure_ascii=False)


def json_line(fields: dict) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{_json_value(v)}" for k, v in fields.items()) + "}"


def _whole(amount: Decimal):
    """A milestone as the contract writes it: 1000, not 1000.00 (cents only when it has them)."""
    return int(amount) if amount == amount.to_integral_value() else amount


def events(row: dict) -> list[dict]:
    """The contract's JSON objects for one result row: alerts first, then the state after the order."""
    job, subject = row["job"], row["subject"]
    if job == "3a":
        return [{"job": job, "kind": "totals", "customerId": subject, "total": row["total"],
                 "orders": row["orders"]}]
    changed = row["label"] != row["previous_label"]  # 3b and 3c: the class before this order differs
    if job == "3b":
        state = {"job": job, "kind": "tier", "customerId": subject, "tier": row["label"], "total": row["total"],
                 "orders": row["orders"]}
        change = {"job": job, "kind": "tier_change", "customerId": subject, "tier": row["label"],
                  "previousTier": row["previous_label"]}
        return [change, state] if changed else [state]
    if job == "3c":
        state = {"job": job, "kind": "frequency", "customerId": subject, "orders": row["orders"],
                 "frequency": row["label"]}
        change = {"job": job, "kind": "frequency_change", "customerId": subject, "frequency": row["label"],
                  "order": row["orders"]}
        return [change, state] if changed else [state]
    if job == "3d":
        return [{"job": job, "kind": "milestone", "category": subject, "milestone": _whole(m)}
                for m in row["milestones"] or []] + \
               [{"job": job, "kind": "category", "category": subject, "total": row["total"],
                 "orders": row["orders"], "avg": row["avg_amount"], "max": row["max_amount"]}]
    raise ValueError(f"unknown job {job!r}")


def text(event: dict) -> str:
    """The seed's line for one event."""
    kind = event["kind"]
    if kind == "totals":
        return f"Customer Totals> ({event['customerId']},{money(event['total'])},{event['orders']})"
    if kind == "tier_change":
        return (f"🎉 TIER CHANGE: {event['customerId']} upgraded to {event['tier']} "
                f"(previous: {event['previousTier']})")
    if kind == "tier":
        return (f"VIP Status> {event['customerId']}: {event['tier']} "
                f"(total: {money(event['total'])}, orders: {event['orders']})")
    if kind == "frequency_change":
        return f"📈 FREQUENCY CHANGE: {event['customerId']} is now {event['frequency']} (order #{event['order']})"
    if kind == "frequency":
        return (f"Order Frequency> {event['customerId']}: {event['orders']} orders in session "
                f"({event['frequency']})")
    if kind == "milestone":
        return (f"🏆 CATEGORY MILESTONE: {event['category']} reached "
                f"{milestone_label(Decimal(event['milestone']))}+ revenue milestone!")
    if kind == "category":
        return (f"Category Analysis> Category {event['category']}: total={money(event['total'])}, "
                f"orders={event['orders']}, avg={money(event['avg'])}, max={money(event['max'])}")
    raise ValueError(f"unknown event kind {kind!r}")


def lines(row: dict, output_format: str) -> list[str]:
    render = json_line if output_format == "json" else text
    return [render(event) for event in events(row)]
