"""The console lines: the seed's text, and the contract's JSON objects, from rows of each analysis's view."""
import json
from decimal import Decimal as D

import pytest

from order_analytics import console
from order_analytics.analyses import registry


def test_3a_line():
    row = {"analysis": "3a", "customerId": "customer_002", "total": D("312.56"), "orders": 2}
    assert console.lines(row, "text") == ["Customer Totals> (customer_002,312.56,2)"]


def tier_row(total, orders, tier, previous_tier):
    return {"analysis": "3b", "customerId": "customer_002", "total": D(total), "orders": orders, "tier": tier,
            "previous_tier": previous_tier, "tier_changed": tier != previous_tier}


def test_3b_tier_change_comes_before_the_status():
    row = tier_row("567.34", 3, "VIP", "REGULAR")
    assert console.lines(row, "text") == [
        "🎉 TIER CHANGE: customer_002 upgraded to VIP (previous: REGULAR)",
        "VIP Status> customer_002: VIP (total: 567.34, orders: 3)"]
    assert console.lines(row, "json") == [
        '{"job":"3b","kind":"tier_change","customerId":"customer_002","tier":"VIP","previousTier":"REGULAR"}',
        '{"job":"3b","kind":"tier","customerId":"customer_002","tier":"VIP","total":567.34,"orders":3}']


def test_3b_no_change_prints_the_status_only():
    assert console.lines(tier_row("600.00", 4, "VIP", "VIP"), "text") == [
        "VIP Status> customer_002: VIP (total: 600.00, orders: 4)"]


def test_3c_first_order_announces_its_class():
    row = {"analysis": "3c", "customerId": "customer_002", "orders": 1, "frequency": "NEW CUSTOMER",
           "frequency_changed": True}
    assert console.lines(row, "text") == [
        "📈 FREQUENCY CHANGE: customer_002 is now NEW CUSTOMER (order #1)",
        "Order Frequency> customer_002: 1 orders in session (NEW CUSTOMER)"]


def category_row(category, total, orders, avg, max_amount, milestones):
    return {"analysis": "3d", "category": category, "total": D(total), "orders": orders, "avg_amount": D(avg),
            "max_amount": D(max_amount), "milestones": [D(m) for m in milestones]}


def test_3d_milestones_then_analysis_with_two_decimals():
    row = category_row("Home & Garden", "6123.40", 4, "1530.85", "5000", ["1000.00", "5000.00"])
    assert console.lines(row, "text") == [
        "🏆 CATEGORY MILESTONE: Home & Garden reached $1K+ revenue milestone!",
        "🏆 CATEGORY MILESTONE: Home & Garden reached $5K+ revenue milestone!",
        "Category Analysis> Category Home & Garden: total=6123.40, orders=4, avg=1530.85, max=5000.00"]
    lines = console.lines(row, "json")
    assert lines[0] == '{"job":"3d","kind":"milestone","category":"Home & Garden","milestone":1000}'
    assert json.loads(lines[2])["max"] == 5000.0


def test_json_keeps_non_ascii_and_exact_money():
    row = category_row("Café Gourmet", "1000.10", 3, "333.37", "999.99", [])
    assert console.lines(row, "json") == [
        '{"job":"3d","kind":"category","category":"Café Gourmet","total":1000.10,"orders":3,"avg":333.37,"max":999.99}']


@pytest.mark.parametrize("milestone, label", [
    (D(1000), "$1K"), (D(5000), "$5K"), (D(10000), "$10K"), (D(50000), "$50K"), (D(100000), "$100K"),
    (D(1000000), "$1M"), (D(2500), "$2.5K"), (D(750), "$750"),
])
def test_milestone_labels(milestone, label):
    assert console.milestone_label(milestone) == label


SAMPLES = {"STRING": "2025-11-24T10:00:00Z", "BIGINT": 1, "BOOLEAN": True}


@pytest.mark.parametrize("analysis", registry().values(), ids=lambda a: a.id)
def test_every_event_reads_declared_columns(analysis):
    """analysis.yml cannot name a column its view does not have, nor a field its text does not know."""
    columns = dict(analysis.columns)
    if analysis.changelog:  # the console adds the compared column's value before the change (Changelog)
        columns |= {f"previous_{analysis.changelog}": columns[analysis.changelog],
                    f"{analysis.changelog}_changed": "BOOLEAN"}
    for event in analysis.events:
        known = set(columns) | ({event.for_each[0]} if event.for_each else set())
        assert set(event.fields.values()) <= known, event.kind
        assert event.when is None or columns[event.when] == "BOOLEAN"
        sample = {name: SAMPLES.get(columns.get(column, "DECIMAL"), D("0.58"))
                  for name, column in event.fields.items()}
        assert console.render(event.text, sample)
