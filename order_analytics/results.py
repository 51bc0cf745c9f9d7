"""Reads a console run's result rows back from its Kafka topic, from where the topic ended before
the job started: the rows of this run only, on the mini-cluster and on a remote cluster alike."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Callable, Iterator

from order_analytics.connection import Connection, ensure_topic

RETENTION_MS = 24 * 3600 * 1000  # console rows are for watching, not for keeping


class ResultReader:
    def __init__(self, connection: Connection, topic: str, say: Callable[[str], None]):
        from confluent_kafka import Consumer, TopicPartition

        ensure_topic(connection.client_config(), topic, config={"retention.ms": str(RETENTION_MS)})
        self._say, self._lost = say, False
        self._consumer = Consumer({**connection.client_config(), "group.id": f"{topic}.reader",
                                   "enable.auto.commit": False, "isolation.level": "read_uncommitted",
                                   "error_cb": self._connection_error})
        partitions = self._consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self._start = {partition: self._consumer.get_watermark_offsets(TopicPartition(topic, partition),
                                                                       timeout=10)[1] for partition in partitions}
        self._topic = topic
        self._consumer.assign([TopicPartition(topic, p, offset) for p, offset in self._start.items()])

    def _connection_error(self, error) -> None:
        """librdkafka retries by itself; the user is told once that it waits, and when it is back."""
        from confluent_kafka import KafkaError

        if error.code() == KafkaError._ALL_BROKERS_DOWN and not self._lost:
            self._lost = True
            self._say("Kafka: the broker is unreachable; waiting for it to come back (the job retries too)")

    def poll(self, timeout_s: float) -> Iterator[dict]:
        """The rows that arrived within `timeout_s`."""
        for message in self._consumer.consume(500, timeout_s):
            if message.error() is None and message.value() is not None:
                if self._lost:
                    self._lost = False
                    self._say("Kafka: the broker is back; results continue")
                yield json.loads(message.value(), parse_float=Decimal)

    def drain(self) -> Iterator[dict]:
        """Every row up to the topic's current end (after the job has finished writing)."""
        from confluent_kafka import TopicPartition

        partitions = self._consumer.assignment()
        ends = {p.partition: self._consumer.get_watermark_offsets(TopicPartition(self._topic, p.partition),
                                                                   timeout=10)[1] for p in partitions}
        while True:  # a partition not read from yet reports no position: it is still at its start
            positions = {p.partition: max(p.offset, self._start[p.partition])
                         for p in self._consumer.position(partitions)}
            if all(positions[p] >= end for p, end in ends.items()):
                return
            yield from self.poll(0.5)

    def close(self) -> None:
        self._consumer.close()
