"""The waiting hint and the status line, from samples: no Flink, no Kafka."""
from __future__ import annotations

from order_analytics.infra.kafka_offsets import TopicOffsets
from order_analytics.monitor import Context, Hint, Sample, StatusLine, age, rerun_command, size, status_line

CONTEXT = Context(topic="t1", group="lesson3-3b-udf-print-t1", rerun="python runner.py 3b --topic t1")
EMPTY = TopicOffsets("t1", {0: 0}, {0: 0}, {0: None})
READ_ALL = TopicOffsets("t1", {0: 0}, {0: 400}, {0: 400})


def feed(hint: Hint, samples, offsets) -> list[str]:
    return [line for sample in samples if (line := hint.observe(sample, lambda: offsets))]


def test_an_empty_topic_is_named_once_with_the_producer_command():
    said = feed(Hint(CONTEXT), [Sample(t, running=True, read=0) for t in range(0, 40)], EMPTY)
    assert said == ["Waiting for orders: topic 't1' is empty. Start the producer in another terminal: "
                    "python -m producer --topic t1"]


def test_nothing_is_said_before_ten_quiet_seconds_nor_while_reading_or_starting():
    hint = Hint(CONTEXT)
    assert feed(hint, [Sample(t, running=True, read=0) for t in range(0, 10)], EMPTY) == []
    assert feed(hint, [Sample(t, running=True, read=t) for t in range(10, 40)], EMPTY) == []
    assert feed(hint, [Sample(t, running=False, read=None) for t in range(40, 80)], EMPTY) == []


def test_a_topic_read_to_its_end_names_the_offsets_and_how_to_count_again():
    said = feed(Hint(CONTEXT), [Sample(t, running=True, read=400, lag=0) for t in range(0, 30)], READ_ALL)
    assert len(said) == 1
    for phrase in ("read all 400 records of 't1'", "group lesson3-3b-udf-print-t1: partition 0 at 400",
                   "python -m producer --topic t1", "python runner.py 3b --topic t1 --from earliest (or --fresh)"):
        assert phrase in said[0]


def test_said_again_only_when_the_reason_changes():
    hint = Hint(CONTEXT)
    first = feed(hint, [Sample(t, running=True, read=0, lag=0) for t in range(0, 15)], EMPTY)
    reading = feed(hint, [Sample(t, running=True, read=t * 10, lag=0) for t in range(15, 20)], READ_ALL)
    at_end = feed(hint, [Sample(t, running=True, read=190, lag=0) for t in range(20, 35)], READ_ALL)
    more = feed(hint, [Sample(t, running=True, read=t * 10, lag=0) for t in range(35, 40)], READ_ALL)
    again = feed(hint, [Sample(t, running=True, read=390, lag=0) for t in range(40, 60)], READ_ALL)
    assert (len(first), reading, len(at_end), more, again) == (1, [], 1, [], [])
    assert "empty" in first[0] and "up to its end" in at_end[0]


def test_records_waiting_or_a_silent_broker_give_no_hint():
    waiting = TopicOffsets("t1", {0: 0}, {0: 400}, {0: 100})
    assert feed(Hint(CONTEXT), [Sample(t, running=True, read=0, lag=300) for t in range(30)], waiting) == []
    assert feed(Hint(CONTEXT), [Sample(t, running=True, read=0) for t in range(30)], None) == []


def test_from_latest_says_that_only_new_orders_show():
    context = Context(topic="t1", group="g", rerun="python runner.py 3a", start="latest")
    said = feed(Hint(context), [Sample(t, running=True, read=0, lag=0) for t in range(15)], READ_ALL)
    assert "from its end (--from latest)" in said[0] and "python runner.py 3a --from earliest" in said[0]


def test_status_line_fields():
    before = Sample(100.0, running=True, read=1000, results=990, bad=3, lag=None)
    after = Sample(130.0, running=True, read=1300, results=1290, bad=5, lag=12,
                   checkpoint={"id": 4, "at": 5000.0, "size": 17033}, wall=5012.0)
    assert status_line(before, after) == ("Status: 10.0 orders/s read, 10.0 results/s, lag 12, last checkpoint "
                                          "12s ago (16.6 KB), 5 bad records")
    other_sink = Sample(130.0, running=True, read=1300)
    assert status_line(before, other_sink, checkpointed=False) == (
        "Status: 10.0 orders/s read, lag ?, no checkpoints (bounded run)")


def test_status_line_every_interval_and_never_at_zero():
    status = StatusLine(30)
    lines = [status.observe(Sample(t, running=True, read=t)) for t in range(0, 95)]
    assert [t for t, line in enumerate(lines) if line] == [30, 60, 90]
    assert not any(StatusLine(0).observe(Sample(t, read=t)) for t in range(100))


def test_sizes_ages_and_the_rerun_command():
    assert (size(900), size(17033), size(5 * 1024 ** 2)) == ("900 B", "16.6 KB", "5.0 MB")
    assert (age(12.7), age(600), age(7300), age(200000)) == ("12s", "10min", "2h", "2d")
    assert rerun_command(["3b", "--from", "latest", "--topic", "t 1", "--fresh"]) == "python runner.py 3b --topic 't 1'"
