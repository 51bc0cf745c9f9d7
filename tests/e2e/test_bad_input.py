"""Bad records never stop a job nor change a total: they go to '<topic>.dlq', each exactly once."""
from __future__ import annotations

import uuid

from tests import model
from tests.conftest import produce, seeded_values, topic_rows
from tests.e2e.test_jobs import JOBS, assert_matches_model

# Hand-made bad records beside the generator's kinds: the edges of the contract.
EDGES = [b"", b"  ", b"{}", b'{"orderId": "x"}', b"\xff\xfe not utf-8", b'"just a string"', b"42",
         b'{"orderId": "e1", "customerId": "c", "amount": 999999.995, "category": "Books"}',
         b'{"orderId": "e2", "customerId": "c", "amount": 12.5, "category": "Books", "timestamp": "soon"}',
         b'{"orderId": "e3", "customerId": "c", "amount": null, "category": "Books"}',
         b'{"orderId": "e4", "customerId": "c", "amount": 5, "category": ["Books"]}',
         # epoch milliseconds written as a whole number in other ways are valid, a fraction is not
         b'{"orderId": "e5", "customerId": "c", "amount": 5, "category": "Books", "timestamp": 1.764e12}',
         b'{"orderId": "e6", "customerId": "c", "amount": 6, "category": "Books", "timestamp": 1764000000000.0}',
         b'{"orderId": "e7", "customerId": "c", "amount": 7, "category": "Books", "timestamp": 1764000000000.5}',
         b'{"orderId": "e8", "customerId": "c", "amount": 8, "category": "Books", "timestamp": -1}']


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
    for letter in letters:
        assert letter["error"] and letter["partition"] == 0 and letter["seen_at"]
        try:
            assert letter["raw"] == values[letter["offset"]].decode("utf-8")
        except UnicodeDecodeError:
            pass  # Flink's raw format replaces what is not UTF-8; the offset still names the record
