"""Bad records never stop a job nor change a total: they go to '<topic>.dlq', each exactly once."""
from __future__ import annotations

import uuid

from tests import model
from tests.conftest import produce, seeded_values, topic_rows
from tests.e2e.test_jobs import JOBS, assert_matches_model

# Hand-made records at the edges of the contract, beside the generator's kinds. Each record is parsed
# once into a canonical text and judged by regular expressions (sql/order_check.sql.j2): these are the
# forms where Jackson's writing of that text and the model's reading of the record could part.
EDGES = [b"", b"  ", b"{}", b'{"orderId": "x"}', b"\xff\xfe not utf-8", b'"just a string"', b"42", b"null",
         b'[{"orderId": "x"}]',
         b'{"orderId": "e1", "customerId": "c", "amount": 999999.995, "category": "Books"}',
         b'{"orderId": "e2", "customerId": "c", "amount": 12.5, "category": "Books", "timestamp": "soon"}',
         b'{"orderId": "e3", "customerId": "c", "amount": null, "category": "Books"}',
         b'{"orderId": "e4", "customerId": "c", "amount": 5, "category": ["Books"]}',
         # epoch milliseconds written as a whole number in other ways are valid, a fraction is not
         b'{"orderId": "e5", "customerId": "c", "amount": 5, "category": "Books", "timestamp": 1.764e12}',
         b'{"orderId": "e6", "customerId": "c", "amount": 6, "category": "Books", "timestamp": 1764000000000.0}',
         b'{"orderId": "e7", "customerId": "c", "amount": 7, "category": "Books", "timestamp": 1764000000000.5}',
         b'{"orderId": "e8", "customerId": "c", "amount": 8, "category": "Books", "timestamp": -1}',
         b'{"orderId": "t1", "customerId": "c", "amount": 9, "category": "Books", "timestamp": null}',
         b'{"orderId": "t2", "customerId": "c", "amount": 9, "category": "Books", "timestamp": 1.7640000000001E12}',
         b'{"orderId": "t3", "customerId": "c", "amount": 9, "category": "Books", "timestamp": 1764000000000.0000001}',
         b'{"orderId": "t4", "customerId": "c", "amount": 9, "category": "Books", "timestamp": "1764000000000"}',
         # amounts: rounded half-up to cents, then above 0 and below 1000000
         b'{"orderId": "a1", "customerId": "c", "amount": 0.005, "category": "Books"}',
         b'{"orderId": "a2", "customerId": "c", "amount": 0.004999, "category": "Books"}',
         b'{"orderId": "a3", "customerId": "c", "amount": 999999.994999, "category": "Books"}',
         b'{"orderId": "a4", "customerId": "c", "amount": 1E+5, "category": "Books"}',
         b'{"orderId": "a5", "customerId": "c", "amount": 9.9999e5, "category": "Books"}',
         b'{"orderId": "a6", "customerId": "c", "amount": 1e6, "category": "Books"}',
         b'{"orderId": "a7", "customerId": "c", "amount": 12.345, "category": "Books"}',
         b'{"orderId": "a8", "customerId": "c", "amount": -0.0, "category": "Books"}',
         b'{"orderId": "a9", "customerId": "c", "amount": 1e-8, "category": "Books"}',
         b'{"orderId": "a10", "customerId": "c", "amount": "12.50", "category": "Books"}',
         b'{"orderId": "a11", "customerId": "c", "amount": true, "category": "Books"}',
         # strings: escapes, non-ASCII, nesting, duplicates, spaces
         b'{"orderId": "s1 \\u00e9 \\"q\\" \\\\ / \\n\\t", "customerId": "Zo\xc3\xab \xf0\x9f\x98\x80", "amount": 10,'
         b' "category": "Caf\xc3\xa9 \\ud83d\\ude00, \\"orderId\\":1}"}',
         b'{"orderId": "s2", "customerId": "c", "amount": 10, "category": "B\\u0001c"}',
         b'{"orderId": "s3", "customerId": 123, "amount": 10, "category": "Books"}',
         b'{"orderId": "", "customerId": "c", "amount": 10, "category": "Books"}',
         b'{"orderId": "s4", "customerId": "c", "amount": {"orderId": "z"}, "category": "Books"}',
         b'{"orderId": "s5", "customerId": "c", "amount": 10, "category": "Books", "extra": {"amount": "x"}, "more": [1, {}]}',
         b'{"x": {"orderId": "nested", "customerId": "c", "amount": 5, "category": "B"}}',
         b'{"orderId": "d1", "orderId": "d2", "customerId": "c", "amount": 10, "category": "Books"}',
         b'  {"orderId" : "w1" , "customerId" : "c" , "amount" : 10 , "category" : "Books" }  ']

# The reason a dead letter gives for some of them, by the record's value.
AMOUNT_RANGE = "amount out of range: must be above 0 and below 1000000"
REASONS = {b"42": "not a JSON object", b"null": "not a JSON object", b'[{"orderId": "x"}]': "not a JSON object",
           b"{}": "missing field orderId", b'{"orderId": "x"}': "missing field customerId"}
REASONS |= {value: reason for value in EDGES for order_id, reason in [
    ("e1", AMOUNT_RANGE), ("e2", "timestamp is not epoch milliseconds"), ("e3", "amount is not a number"),
    ("e4", "category is not a string"), ("t3", "timestamp is not epoch milliseconds"), ("a6", AMOUNT_RANGE),
    ("a8", AMOUNT_RANGE), ("a10", "amount is not a number"), ("s3", "customerId is not a string"),
    ("s4", "amount is not a number")] if value.startswith(b'{"orderId": "%s",' % order_id.encode())}
REASONS[b'{"orderId": "", "customerId": "c", "amount": 10, "category": "Books"}'] = "orderId is empty"


def test_dead_letter_topic_holds_exactly_the_bad_records(runner, kafka):
    topic = f"test-bad-{uuid.uuid4().hex[:8]}"
    values = seeded_values(600, seed=21, bad_ratio=0.05, duplicate_ratio=0.02) + EDGES
    produce(topic, values)
    run = runner("all", "--bounded", "--from", "earliest", "--format", "json", "--topic", topic)
    topic_values = type("Topic", (), {"values": values})
    assert_matches_model(run, topic_values, JOBS)

    letters = topic_rows(f"{topic}.dlq")
    expected = model.expected(values)
    assert sorted(letter["offset"] for letter in letters) == expected.bad_offsets
    reasons = {}
    for letter in letters:
        assert letter["error"] and letter["partition"] == 0 and letter["seen_at"]
        value = values[letter["offset"]]
        reasons[value] = letter["error"]
        try:
            assert letter["raw"] == value.decode("utf-8")
        except UnicodeDecodeError:
            pass  # Flink's raw format replaces what is not UTF-8; the offset still names the record
    assert {value: reasons.get(value) for value in REASONS} == REASONS
