"""State survives a crash: kill -9, produce more, run again: exact totals, and every result shown
once, though the job replays the orders since its last checkpoint. The `--sink kafka` topics hold
each result exactly once for read_committed readers."""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

from order_analytics import checkpoints
from order_analytics.infra import broker
from tests import model
from tests.conftest import produce, seeded_values
from tests.e2e.live import gone, read_events, start, stop


def wait_for_checkpoint(folder, after: float, timeout_s: float = 90) -> None:
    """Until a checkpoint newer than `after` (a time.time()) is complete under `folder`."""
    deadline = time.time() + timeout_s
    while not ((checkpoint := checkpoints.latest(folder)) and checkpoint.stat().st_mtime > after):
        assert time.time() < deadline, f"no checkpoint within {timeout_s} s"
        time.sleep(0.3)


def kill_9(job) -> None:
    os.killpg(job.pid, signal.SIGKILL)  # the runner; its JVM (a session of its own) ends with its pipe
    job.wait()
    assert gone(job.pid) == [], "the JVM outlived its runner"


def expected_events(values: list, jobs: set) -> Counter:
    return Counter(json.dumps(event, sort_keys=True, default=str) for (job, _), events
                   in model.expected(values).events.items() if job in jobs for event in events)


def shown(events: list) -> Counter:
    return Counter(json.dumps(event, sort_keys=True, default=str) for event in events)


def test_kill_9_then_run_again_shows_every_result_once(kafka, runner, tmp_path):
    topic = f"test-restart-{uuid.uuid4().hex[:8]}"
    values = seeded_values(1500, seed=11, bad_ratio=0.02, duplicate_ratio=0.01)
    first, second, third = values[:700], values[700:1100], values[1100:]
    produce(topic, first)
    # checkpoints far apart, so that the kill lands after results no checkpoint covers yet
    options = ["3b", "3d", "--topic", topic, "--format", "json", "--variant", "builtin",
               "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=15s"]
    want_first, want_second = expected_events(first, {"3b", "3d"}), expected_events(first + second, {"3b", "3d"})

    job = start(*options)
    try:
        before = read_events(job, lambda events: shown(events) == want_first)
        wait_for_checkpoint(tmp_path / f"lesson3-3b-3d-builtin-print-{topic}", after=time.time())
        produce(topic, second)  # shown now, covered by no checkpoint: replayed after the kill
        read_events(job, lambda events: shown(events) == want_second, events=before)
    finally:
        kill_9(job)

    produce(topic, third)
    want_all = expected_events(values, {"3b", "3d"})
    job = start(*options)
    try:
        after = read_events(job, lambda events: shown(before + events) == want_all)
        time.sleep(3)  # anything shown twice would come now
    finally:
        stderr = stop(job)
    assert "continuing from checkpoint" in stderr, stderr[-2000:]
    assert job.returncode == 0 and "Traceback" not in stderr
    assert shown(before + after) == want_all  # each result once: no tier change or milestone twice

    bounded = runner("3b", "3d", "--bounded", *options[2:])  # a fresh analysis of the whole topic agrees
    assert bounded.returncode == 0, bounded.stderr[-2000:]
    assert shown([json.loads(line, parse_float=Decimal) for line in bounded.stdout]) == want_all


def committed_rows(topics: list[str]) -> dict:
    """Every row of these topics as a read_committed consumer sees them, in order per topic and key."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": broker.BOOTSTRAP, "group.id": f"test-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.partition.eof": True,
                         "isolation.level": "read_committed"})
    consumer.subscribe(topics)
    rows, ended = defaultdict(list), set()
    while len(ended) < len(topics):
        message = consumer.poll(10)
        assert message is not None, "no end of the result topics within 10 s"
        if message.error():
            ended.add(message.topic())
            continue
        key = tuple(json.loads(message.key()).values())  # e.g. ("customer_001",)
        rows[message.topic(), key].append(json.loads(message.value(), parse_float=Decimal))
    consumer.close()
    return rows


def test_kafka_sink_holds_each_result_exactly_once_across_kill_9(kafka, tmp_path):
    topic = f"test-eos-{uuid.uuid4().hex[:8]}"
    values = seeded_values(900, seed=13, bad_ratio=0.02, duplicate_ratio=0.01)
    produce(topic, values[:500])
    options = ["3b", "--topic", topic, "--sink", "kafka", "--variant", "builtin",
               "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=3s"]
    folder = tmp_path / f"lesson3-3b-builtin-kafka-{topic}"
    job = start(*options)
    try:
        wait_for_checkpoint(folder, after=time.time() + 4)  # a couple of commits in
        produce(topic, values[500:])
        time.sleep(1.5)  # the new orders are written, in a transaction no checkpoint has committed
    finally:
        kill_9(job)
    expected = model.expected(values).events
    states = sum(e["kind"] == "tier" for key, events in expected.items() if key[0] == "3b" for e in events)
    topics = [f"lesson3.{topic}.tier_changes", f"lesson3.{topic}.vip_tiers"]
    job = start(*options)
    try:  # restored, the orders since the checkpoint replayed, their transaction committed
        deadline = time.time() + 180
        while sum(len(rows) for (name, _), rows in committed_rows(topics[1:]).items()) < states:
            assert time.time() < deadline and job.poll() is None, "the results were not committed within 180 s"
            time.sleep(2)
        time.sleep(4)  # a duplicate would be committed with the next checkpoint
    finally:
        stop(job)

    changes = committed_rows(topics)
    for customer in {key[1] for key in expected if key[0] == "3b"}:
        key, want = (customer,), expected["3b", customer]
        assert changes[f"lesson3.{topic}.vip_tiers", key] == \
            [{"customerId": customer, "tier": e["tier"], "total": e["total"], "orders": e["orders"]}
             for e in want if e["kind"] == "tier"], customer
        assert changes[f"lesson3.{topic}.tier_changes", key] == \
            [{"customerId": customer, "tier": e["tier"], "previousTier": e["previousTier"]}
             for e in want if e["kind"] == "tier_change"], customer


def test_only_the_memory_of_counted_order_ids_expires(kafka, tmp_path):
    """state.dedup_window expires the seen orderIds alone: a redelivery within the window is not
    counted, one after it is; the customer's total never starts from zero again."""
    topic = f"test-ttl-{uuid.uuid4().hex[:8]}"
    order = {"orderId": "ttl-1", "customerId": "c-ttl", "amount": 10.0, "category": "Books"}
    produce(topic, [json.dumps(order).encode()])
    job = start("3a", "--topic", topic, "--format", "json", "--variant", "builtin", "--set", "state.dedup_window=4s",
                "--set", f"checkpoint.dir={tmp_path}")
    try:
        events = read_events(job, lambda events: len(events) == 1)
        produce(topic, [json.dumps(order).encode()])  # a redelivery at once: still remembered
        time.sleep(8)  # the orderId is forgotten now; the total is not
        produce(topic, [json.dumps(order).encode(), json.dumps(dict(order, orderId="ttl-2", amount=5.0)).encode()])
        read_events(job, lambda events: len(events) == 3, timeout_s=90, events=events)
    finally:
        stop(job)
    assert [(e["total"], e["orders"]) for e in events] == \
        [(Decimal("10.00"), 1), (Decimal("20.00"), 2), (Decimal("25.00"), 3)]
