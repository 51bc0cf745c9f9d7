"""The pure aggregate state of order_stats (udfs/stats.py) on plain lists, as unit tests hold it."""
from decimal import Decimal as D

import pytest

import stats
from stats import CATEGORY_ORDERS, CATEGORY_TOTALS, LARGEST, ORDERS, TOTAL


def state(*orders):
    """A fresh accumulator after `orders`, each (amount, category)."""
    accumulator = stats.empty()
    for amount, category in orders:
        stats.add(accumulator, D(amount), category)
    return accumulator


def test_empty_is_a_fresh_list_each_time():
    first, second = stats.empty(), stats.empty()
    assert first == [0, D("0.00"), None, {}, {}]
    stats.add(first, D("1.00"), "Books")
    assert second == [0, D("0.00"), None, {}, {}]


def test_add_counts_totals_the_largest_and_per_category():
    accumulator = state(("156.78", "Electronics"), ("20.00", "Books"), ("312.50", "Electronics"))
    assert accumulator == [3, D("489.28"), D("312.50"), {"Electronics": 2, "Books": 1},
                           {"Electronics": D("469.28"), "Books": D("20.00")}]


def test_add_ignores_a_missing_amount_or_category():
    accumulator = state(("10.00", "Books"))
    stats.add(accumulator, None, "Books")
    stats.add(accumulator, D("99.00"), None)
    assert accumulator == state(("10.00", "Books"))


def test_money_sums_are_exact():
    accumulator = state(("999.99", "Books"), ("0.01", "Books"))
    assert accumulator[TOTAL] == D("1000.00") and str(accumulator[TOTAL]) == "1000.00"
    assert str(accumulator[CATEGORY_TOTALS]["Books"]) == "1000.00"


def test_merge_adds_both_sides():
    left = state(("10.00", "Books"), ("300.00", "Toys"))
    stats.merge(left, state(("50.00", "Books"), ("5.00", "Garden")))
    assert left == [4, D("365.00"), D("300.00"), {"Books": 2, "Toys": 1, "Garden": 1},
                    {"Books": D("60.00"), "Toys": D("300.00"), "Garden": D("5.00")}]


def test_merge_of_an_empty_accumulator_changes_nothing():
    accumulator = state(("10.00", "Books"))
    stats.merge(accumulator, stats.empty())
    assert accumulator == state(("10.00", "Books"))


def test_merge_into_an_empty_accumulator_takes_the_other():
    accumulator = stats.empty()
    stats.merge(accumulator, state(("10.00", "Books"), ("7.50", "Toys")))
    assert accumulator == state(("10.00", "Books"), ("7.50", "Toys"))
    assert accumulator[LARGEST] == D("10.00")


def test_merge_of_two_empty_accumulators_stays_empty():
    accumulator = stats.empty()
    stats.merge(accumulator, stats.empty())
    assert accumulator == stats.empty() and stats.summary(accumulator) is None


def test_merge_does_not_share_the_others_maps():
    other = state(("10.00", "Books"))
    accumulator = stats.empty()
    stats.merge(accumulator, other)
    stats.add(accumulator, D("1.00"), "Books")
    assert other[CATEGORY_ORDERS] == {"Books": 1} and other[CATEGORY_TOTALS] == {"Books": D("10.00")}


def test_split_and_merged_equals_added_in_one():
    orders = [("12.30", "Books"), ("99.99", "Toys"), ("0.01", "Books"), ("45.00", "Garden"), ("45.00", "Toys")]
    whole = state(*orders)
    for cut in range(len(orders) + 1):
        left, right = state(*orders[:cut]), state(*orders[cut:])
        stats.merge(left, right)
        assert stats.summary(left) == stats.summary(whole)


def test_summary_is_none_before_any_order():
    assert stats.summary(stats.empty()) is None


def test_summary_of_one_order():
    assert stats.summary(state(("156.78", "Electronics"))) == (1, D("156.78"), D("156.78"), D("156.78"),
                                                               "Electronics", D("1.00"))


# the favorite category: most orders; ties: the larger total in it; then alphabetically first
@pytest.mark.parametrize("orders, favorite", [
    ([("5.00", "Toys"), ("5.00", "Toys"), ("500.00", "Books")], "Toys"),          # most orders beats a larger total
    ([("10.00", "Books"), ("10.01", "Toys")], "Toys"),                            # tie: the larger total
    ([("10.00", "Toys"), ("10.00", "Books")], "Books"),                           # tie on both: alphabetically first
    ([("10.00", "Toys"), ("10.00", "Garden"), ("5.00", "Books"), ("5.00", "Books")], "Books"),
    ([("6.00", "Toys"), ("4.00", "Toys"), ("5.00", "Books"), ("5.00", "Books")], "Books"),  # equal totals too
    ([("1.00", "books"), ("1.00", "Books")], "Books"),                            # by code point: upper case first
    ([("1.00", "Äpfel"), ("1.00", "Zebra")], "Zebra"),                            # non-ASCII after ASCII
])
def test_favorite(orders, favorite):
    accumulator = state(*orders)
    assert stats.favorite(accumulator) == favorite == stats.summary(accumulator)[4]


def test_favorite_does_not_depend_on_the_order_of_arrival():
    orders = [("4.00", "Toys"), ("6.00", "Books"), ("50.00", "Garden"), ("6.00", "Toys"), ("4.00", "Books")]
    assert {stats.favorite(state(*orders[i:], *orders[:i])) for i in range(len(orders))} == {"Books"}


# ratios: the exact quotient, rounded half-up to cents once
@pytest.mark.parametrize("numerator, denominator, ratio", [
    (D("500100.00"), 10001, "50.00"),     # 50.0049995...: a float or a first rounding to 3 places says 50.01
    (2, 3, "0.67"), (1, 3, "0.33"),
    (1, 8, "0.13"),                       # 0.125 half-up (banker's rounding says 0.12)
    (3, 8, "0.38"), (5, 8, "0.63"),       # 0.375, 0.625 (banker's: 0.38, 0.62)
    (D("0.05"), 2, "0.03"),               # 0.025
    (1, 1, "1.00"),
    (D("99999999999999999999999999999999999.99"), 1, "99999999999999999999999999999999999.99"),  # DECIMAL(38, 2)
    (D("99999999999999999999999999999999999.99"), 3, "33333333333333333333333333333333333.33"),
])
def test_half_up_ratio(numerator, denominator, ratio):
    result = stats.half_up_ratio(numerator, denominator)
    assert str(result) == ratio and result.as_tuple().exponent == -2


def test_average_of_500100_over_10001_orders_is_50_00():
    accumulator = state(*[("50.00", "Books")] * 10000, ("100.00", "Toys"))
    orders, total, average, largest, favorite, share = stats.summary(accumulator)
    assert (orders, total, average, largest, favorite, share) == (10001, D("500100.00"), D("50.00"), D("100.00"),
                                                                  "Books", D("1.00"))
    assert str(average) == "50.00" and str(share) == "1.00"   # 10000/10001 = 0.99990...: half-up 1.00


def test_share_of_two_thirds_is_0_67():
    summary = stats.summary(state(("10.00", "Books"), ("10.00", "Books"), ("10.00", "Toys")))
    assert (summary[4], str(summary[5])) == ("Books", "0.67")
    assert str(summary[2]) == "10.00"


def test_share_of_one_eighth_is_0_13():
    """Eight categories, one order each: all tie on orders, the largest total wins, a share of 0.125."""
    orders = [(f"{n}.00", f"Category {n}") for n in range(1, 9)]
    summary = stats.summary(state(*orders))
    assert (summary[0], str(summary[1]), str(summary[2]), str(summary[3])) == (8, "36.00", "4.50", "8.00")
    assert (summary[4], str(summary[5])) == ("Category 8", "0.13")


def test_summary_values_are_cents():
    summary = stats.summary(state(("10", "Books"), ("0.5", "Toys"), ("1.25", "Toys")))
    orders, total, average, largest, favorite, share = summary
    assert isinstance(orders, int) and isinstance(favorite, str)
    assert [str(value) for value in (average, share)] == ["3.92", "0.67"]   # 11.75 / 3 = 3.9166...
    assert all(isinstance(value, D) for value in (total, average, largest, share))


def test_by_customer_is_the_summary_of_each_customers_orders():
    customers = ["b", "a", "b", "c", "b"]
    amounts = [D("10.00"), D("5.00"), D("20.00"), None, D("0.01")]
    categories = ["Toys", "Books", "Books", "Books", "Toys"]
    assert stats.by_customer(customers, amounts, categories) == [
        ("a", *stats.summary(state(("5.00", "Books")))),
        ("b", *stats.summary(state(("10.00", "Toys"), ("20.00", "Books"), ("0.01", "Toys")))),
    ]  # by customer; "c" has no order counted, so no summary


def test_by_customer_of_no_orders():
    assert stats.by_customer([], [], []) == []
