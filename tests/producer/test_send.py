"""`python -m producer` against the real local broker: what lands on the topic, what is printed, exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from order_analytics.infra import broker
from producer.orders import generate_orders
from producer.send import send
from tests.conftest import sasl_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def running_broker() -> None:
    broker.start(progress=lambda _line: None)


def unique_topic() -> str:
    return f"test-producer-{uuid.uuid4().hex[:12]}"


def run_producer(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # An empty CNFL_KAFKA_BROKER wins over a developer's .env (load_dotenv does not override), so the
    # tests always use the local broker unless they name another one.
    return subprocess.run([sys.executable, "-m", "producer", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "CNFL_KAFKA_BROKER": "", **env})


def consume_all(topic: str, partition: int = 0) -> list[tuple[bytes | None, bytes, int]]:
    """Every record of one partition, in order, from the beginning to the current end: key, value
    and the record's own timestamp."""
    consumer = Consumer({"bootstrap.servers": broker.BOOTSTRAP, "group.id": f"test-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
        records: list[tuple[bytes | None, bytes, int]] = []
        deadline = time.monotonic() + 20
        while len(records) < high and time.monotonic() < deadline:
            message = consumer.poll(1)
            if message is None:
                continue
            assert message.error() is None, message.error()
            records.append((message.key(), message.value(), message.timestamp()[1]))
        return records
    finally:
        consumer.close()


def expected(count: int, seed: int, bad_ratio: float = 0.0) -> list[tuple[bytes | None, bytes, int]]:
    return [(None if record.key is None else record.key.encode(), record.value, record.timestamp)
            for record in generate_orders(count, seed=seed, bad_ratio=bad_ratio)]


def test_topic_holds_exactly_the_generated_orders():
    topic = unique_topic()
    result = run_producer("--count", "200", "--seed", "7", "--topic", topic)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 201
    assert lines[0].startswith("Sent Order> Order{id=order_00001, customer=customer_")
    assert all(line.startswith("Sent Order> Order{") for line in lines[:-1])
    assert lines[-1] == f"Sent 200 orders (0 bad records) to {topic}"
    assert consume_all(topic) == expected(200, seed=7)


def test_timestamps_now_stamps_each_order_as_it_is_sent():
    topic = unique_topic()
    before = int(time.time() * 1000)
    result = run_producer("--count", "5", "--rate", "20", "--timestamps", "now", "--topic", topic)
    after = int(time.time() * 1000)
    assert result.returncode == 0, result.stderr
    times = [(json.loads(value)["timestamp"], timestamp) for _key, value, timestamp in consume_all(topic)]
    assert len(times) == 5 and all(before <= own == record <= after for own, record in times)
    assert [own for own, _ in times] == sorted(own for own, _ in times)


def test_bad_ratio_sends_the_expected_bad_records():
    topic = unique_topic()
    result = run_producer("--count", "300", "--seed", "3", "--bad-ratio", "0.2", "--topic", topic)
    assert result.returncode == 0, result.stderr
    records = list(generate_orders(300, seed=3, bad_ratio=0.2))
    bad = sum(1 for record in records if record.order is None)
    assert bad > 30
    assert result.stdout.count("Sent bad record> ") == bad
    assert result.stdout.splitlines()[-1] == f"Sent {300 - bad} orders ({bad} bad records) to {topic}"
    assert consume_all(topic) == expected(300, seed=3, bad_ratio=0.2)


@pytest.mark.parametrize("args", [["--count", "-1"], ["--bad-ratio", "2"], ["--rate", "0"], ["--nope"]])
def test_bad_arguments_exit_2_with_one_line(args: list[str]):
    result = run_producer(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("tls", [False, True], ids=["sasl_plaintext", "sasl_ssl"])
def test_sasl_credentials_reach_the_broker(tls):
    # SASL_SSL on 9095 (trusting the broker's own CA) is Confluent Cloud's protocol for real
    topic = unique_topic()
    result = run_producer("--count", "5", "--seed", "1", "--topic", topic, **sasl_env(tls))
    assert result.returncode == 0, result.stderr
    assert consume_all(topic) == expected(5, seed=1)


def test_refused_credentials_exit_3_without_leaking_the_secret():
    secret = "not-the-password-123"
    result = run_producer("--count", "5", "--topic", unique_topic(),
                          CNFL_KAFKA_BROKER=broker.SASL_BOOTSTRAP, CNFL_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
                          CNFL_KC_API_KEY=broker.SASL_USER, CNFL_KC_API_SECRET=secret)
    assert result.returncode == 3
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "authentication" in result.stderr and "CNFL_KC_API_SECRET" in result.stderr
    assert secret not in result.stderr


def test_send_paces_to_the_rate_and_creates_the_partitions():
    topic = unique_topic()
    lines: list[str] = []
    started = time.monotonic()
    send(generate_orders(10, seed=1), {"bootstrap.servers": broker.BOOTSTRAP}, topic, rate=40.0,
         partitions=3, out=lines.append)
    assert time.monotonic() - started >= 9 / 40  # the tenth record is due 9/40 s after the first
    assert lines[-1] == f"Sent 10 orders (0 bad records) to {topic}"
    metadata = AdminClient({"bootstrap.servers": broker.BOOTSTRAP}).list_topics(topic, timeout=10)
    assert len(metadata.topics[topic].partitions) == 3
