"""The order check's regular expressions (sql/order_check.sql.j2) against the model's rules.

Flink parses a record once into the canonical JSON text of its five fields and judges that text
with regular expressions. Here the same expressions (Java's and Python's regex syntax agree on
every construct they use) meet thousands of numbers and strings, written the way Jackson writes
them back, and must give the model's verdict on each. The real parse is tested end to end in
tests/e2e/test_bad_input.py.
"""
from __future__ import annotations

import json
import random
import re
from decimal import Decimal

import pytest

from order_analytics.script import templates
from tests import model

CHECK = templates().get_template("order_check.sql.j2").module
VALID_ORDER = re.compile(CHECK.valid_order)
AMOUNT_IN_RANGE = re.compile(f"^{CHECK.amount_in_range}$")


def as_jackson_writes(number: str) -> str:
    """A JSON number as Flink's JSON functions write it back: a whole number without fraction or
    exponent as its digits (a long or BigInteger), any other as Java's BigDecimal.toString(), which
    is Python's Decimal notation without a negative zero."""
    if re.fullmatch(r"-?[0-9]+", number):
        return str(int(number))
    value = Decimal(number)
    return str(value.copy_abs() if value == 0 else value)


def canonical(order: dict[str, str]) -> str:
    """The canonical object of an order given as member texts (JSON texts): the five names in order."""
    names = ["amount", "category", "customerId", "orderId", "timestamp"]
    return "{" + ",".join(f'"{name}":{order[name]}' for name in names if name in order) + "}"


def json_numbers(seed: int, count: int) -> list[str]:
    """JSON number texts around every edge of the amount and timestamp rules, and at random."""
    edges = ["0", "-0", "0.0", "-0.0", "0.004", "0.0049999", "0.005", "0.00500", "5E-3", "0.5e-2", "1e-8",
             "0.01", "1", "12.345", "12.344999", "999998.999", "999999", "999999.99", "999999.994999",
             "999999.995", "999999.9949", "1000000", "1000000.0", "1e5", "1E+5", "9.9999e5", "9.99999e5",
             "9.999999e5", "9.99999999e5", "1e6", "10e5", "0.1e7", "100000.004", "1764000000000",
             "1.764e12", "1764000000000.0", "1764000000000.5", "1.7640000000001E12", "1e30", "0e-7",
             "0e3", "-1", "1e-7", "1764000000000.00000000001", "12345678901234567890123"]
    rng = random.Random(seed)
    numbers = []
    for _ in range(count):
        whole = rng.choice(["0", str(rng.randint(1, 9)), str(rng.randint(10, 999999)), "999999", "999998",
                            str(rng.randint(1, 10 ** rng.randint(1, 20)))])
        fraction = rng.choice(["", "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 9))),
                               "." + rng.choice(["0", "00", "005", "0049", "995", "994", "9949999", "5"])])
        exponent = rng.choice(["", "", "", f"e{rng.randint(-9, 9)}", f"E+{rng.randint(0, 7)}", f"e-{rng.randint(0, 7)}"])
        numbers.append(rng.choice(["", "", "", "-"]) + whole + fraction + exponent)
    return edges + numbers


def model_says_valid(order: dict[str, str]) -> bool:
    return model.valid_order(("{" + ",".join(f'"{k}":{v}' for k, v in order.items()) + "}").encode()) is not None


ORDER = {"orderId": '"o1"', "customerId": '"c1"', "category": '"Books"', "amount": "10"}


def test_an_amount_is_judged_as_the_model_judges_it():
    wrong = []
    for number in json_numbers(seed=1, count=4000):
        order = {**ORDER, "amount": number}
        verdict = model_says_valid(order)
        if bool(VALID_ORDER.search(canonical({**order, "amount": as_jackson_writes(number)}))) != verdict \
                or bool(AMOUNT_IN_RANGE.search(as_jackson_writes(number))) != verdict:
            wrong.append(number)
    assert wrong == []


def test_a_timestamp_is_judged_as_the_model_judges_it_and_read_whole():
    wrong = []
    for number in json_numbers(seed=2, count=3000):
        order = {**ORDER, "timestamp": number}
        match = VALID_ORDER.search(canonical({**order, "timestamp": as_jackson_writes(number)}))
        if bool(match) != model_says_valid(order) or (match and Decimal(event_time_text(match[0])) != Decimal(number)):
            wrong.append(number)
    assert wrong == []


def test_a_valid_order_without_timestamp_gives_no_event_time_of_its_own():
    assert event_time_text(VALID_ORDER.search(canonical(ORDER))[0]) == "}"  # not a number: the record's time


def event_time_text(valid_order_text: str) -> str:
    """What the source reads event time from in a valid order's text (event_millis)."""
    return re.search(CHECK.timestamp_or_end, valid_order_text)[0]


STRINGS = ["", " ", "x", "order_00001", "Home & Garden", "Café 😀", 'say "hi"', "back\\slash", "\\", '"',
           "line\nbreak", "tab\t", "\u0001", "\u2028", ',"orderId":"fake', "ends with \\\\", "{}", "null"]


@pytest.mark.parametrize("field", ["orderId", "customerId", "category"])
def test_a_string_field_is_judged_as_the_model_judges_it_and_read_back_exactly(field):
    for value in STRINGS + [1, 1.5, None, True, ["x"], {"orderId": "x"}]:
        member = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        order = {**ORDER, field: member}
        text = canonical(order)
        assert bool(VALID_ORDER.search(text)) == model_says_valid(order), member
        if VALID_ORDER.search(text):  # the members' values, in order, and member() finds the field too
            members = re.findall(CHECK.member_value, text)
            assert members == [order[name] for name in CHECK.fields if name in order], member
            assert json.loads(members[CHECK.fields.index(field)]) == value, member
            assert json.loads(re.search(member_pattern(field), text)[0]) == value, member


def member_pattern(field: str) -> str:
    return re.fullmatch(r"REGEXP_SUBSTR\(o, '(.*)'\)", CHECK.member("o", field))[1]

