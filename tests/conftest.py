"""Shared fixtures: the real embedded Kafka broker, seeded topics, and the runner as users run it."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest

from order_analytics.infra import broker
from order_analytics.connection import ensure_topic
from order_analytics.paths import ROOT
from producer.orders import generate_orders


# The tests run against the embedded broker, whatever a developer's .env says: an empty variable
# wins over .env (python-dotenv never overrides one), and every runner a test starts inherits it.
# A test that wants another Kafka says so in its subprocess's environment.
os.environ["CNFL_KAFKA_BROKER"] = ""


@pytest.fixture(scope="session")
def kafka():
    """The real local Apache Kafka broker: started if it is not running, and then stopped again."""
    started = not broker.answers()
    broker.start(progress=lambda message: None)
    yield broker.BOOTSTRAP
    if started:
        broker.stop()


def sasl_env(tls: bool = False, secret: str = broker.SASL_PASSWORD, ca: object = broker.CA_FILE) -> dict:
    """The environment that points a process at one of the embedded broker's SASL listeners, as a
    .env for Confluent Cloud would: SASL_SSL on 9095 trusting `ca` (None: trust nothing extra), or
    SASL_PLAINTEXT on 9094."""
    env = {"CNFL_KAFKA_BROKER": broker.SSL_BOOTSTRAP if tls else broker.SASL_BOOTSTRAP,
           "CNFL_KC_API_KEY": broker.SASL_USER, "CNFL_KC_API_SECRET": secret,
           "CNFL_KAFKA_SECURITY_PROTOCOL": "SASL_SSL" if tls else "SASL_PLAINTEXT",
           "CNFL_KAFKA_SSL_CA_LOCATION": ""}
    if tls and ca is not None:
        env["CNFL_KAFKA_SSL_CA_LOCATION"] = str(ca)
    return env


@pytest.fixture(scope="session")
def other_ca(tmp_path_factory) -> str:
    """A CA that did not sign the broker's certificate."""
    path = tmp_path_factory.mktemp("other-ca") / "ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(path.with_suffix(".key")),
                    "-out", str(path), "-days", "1", "-subj", "/CN=some other CA"], check=True, capture_output=True)
    return str(path)


@dataclass
class SeededTopic:
    name: str
    values: list  # record values in offset order (one partition), bad records and duplicates included


def produce(topic: str, values: list, partitions: int = 1) -> None:
    from confluent_kafka import Producer

    ensure_topic({"bootstrap.servers": broker.BOOTSTRAP}, topic, partitions)
    producer = Producer({"bootstrap.servers": broker.BOOTSTRAP, "enable.idempotence": True})
    for value in values:
        producer.produce(topic, value)
    assert producer.flush(30) == 0


def topic_rows(topic: str) -> list[dict]:
    """Every row on a topic, from its start to its current end."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": broker.BOOTSTRAP, "group.id": f"test-{topic}",
                         "auto.offset.reset": "earliest", "enable.partition.eof": True})
    consumer.subscribe([topic])
    rows = []
    while True:
        message = consumer.poll(10)
        assert message is not None, f"no end of {topic} within 10 s"
        if message.error():
            break  # partition EOF: everything read (the topics here have one partition)
        rows.append(json.loads(message.value(), parse_float=Decimal))
    consumer.close()
    return rows


def seeded_values(count: int, seed: int, bad_ratio: float = 0.0, duplicate_ratio: float = 0.0) -> list:
    """Orders from the producer's generator, with some valid orders delivered again later."""
    rng = random.Random(seed)
    values = []
    for record in generate_orders(count, seed=seed, customers=40, bad_ratio=bad_ratio):
        values.append(record.value)
        if record.order is not None and rng.random() < duplicate_ratio:
            values.insert(rng.randint(len(values) // 2, len(values)), record.value)
    return values


@pytest.fixture(scope="session")
def orders_topic(kafka) -> SeededTopic:
    """A few thousand seeded orders with 2% bad records of every kind and 1% duplicates."""
    topic = SeededTopic(f"test-orders-{uuid.uuid4().hex[:8]}", seeded_values(3000, seed=3, bad_ratio=0.02,
                                                                              duplicate_ratio=0.01))
    produce(topic.name, topic.values)
    return topic


@dataclass
class Run:
    returncode: int
    stdout: list
    stderr: str


def run_runner(*args: str, timeout: int = 240, env: dict | None = None) -> Run:
    """`python runner.py ARGS` exactly as a user types it (`env`: variables added to the environment)."""
    done = subprocess.run([sys.executable, str(ROOT / "runner.py"), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return Run(done.returncode, done.stdout.splitlines(), done.stderr)


@pytest.fixture
def runner():
    return run_runner
