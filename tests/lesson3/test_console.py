"""The console lines: the seed's text, and the contract's JSON objects."""
import json
from decimal import Decimal as D

from lesson3 import console


def row(job, subject, **fields):
    return {"job": job, "subject": subject, "total": None, "orders": None, "label": None,
            "previous_label": None, "avg_amount": None, "max_amount": None, "milestones": None, **fields}


def test_3a_line():
    assert console.lines(row("3a", "customer_002", total=D("312.56"), orders=2), "text") == \
        ["Customer Totals> (customer_002,312.56,2)"]


def test_3b_tier_change_comes_before_the_status():
    r = row("3b", "customer_002", total=D("567.34"), orders=3, label="VIP", previous_label="REGULAR")
    assert console.lines(r, "text") == [
        "🎉 TIER CHANGE: customer_002 upgraded to VIP (previous: REGULAR)",
        "VIP Status> customer_002: VIP (total: 567.34, orders: 3)"]
    assert console.lines(r, "json") == [
        '{"job":"3b","kind":"tier_change","customerId":"customer_002","tier":"VIP","previousTier":"REGULAR"}',
        '{"job":"3b","kind":"tier","customerId":"customer_002","tier":"VIP","total":567.34,"orders":3}']


def test_3b_no_change_prints_the_status_only():
    r = row("3b", "c", total=D("600.00"), orders=4, label="VIP", previous_label="VIP")
    assert console.lines(r, "text") == ["VIP Status> c: VIP (total: 600.00, orders: 4)"]


def test_3c_first_order_announces_its_class():
    r = row("3c", "customer_002", orders=1, label="NEW CUSTOMER", previous_label=None)
    assert console.lines(r, "text") == [
        "📈 FREQUENCY CHANGE: customer_002 is now NEW CUSTOMER (order #1)",
        "Order Frequency> customer_002: 1 orders in session (NEW CUSTOMER)"]


def test_3d_milestones_then_analysis_with_two_decimals():
    r = row("3d", "Home & Garden", total=D("6123.40"), orders=4, avg_amount=D("1530.85"), max_amount=D("5000"),
            milestones=[D("1000.00"), D("5000.00")])
    assert console.lines(r, "text") == [
        "🏆 CATEGORY MILESTONE: Home & Garden reached $1K+ revenue milestone!",
        "🏆 CATEGORY MILESTONE: Home & Garden reached $5K+ revenue milestone!",
        "Category Analysis> Category Home & Garden: total=6123.40, orders=4, avg=1530.85, max=5000.00"]
    events = [json.loads(line) for line in console.lines(r, "json")]
    assert events[0] == {"job": "3d", "kind": "milestone", "category": "Home & Garden", "milestone": 1000}
    assert events[2]["max"] == 5000.0


def test_json_keeps_non_ascii_and_exact_money():
    r = row("3d", "Café Gourmet", total=D("1000.10"), orders=3, avg_amount=D("333.37"), max_amount=D("999.99"),
            milestones=[])
    assert console.lines(r, "json") == [
        '{"job":"3d","kind":"category","category":"Café Gourmet","total":1000.10,"orders":3,"avg":333.37,"max":999.99}']
