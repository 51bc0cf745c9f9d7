"""Follows the result topics on Kafka and feeds every record to the Board.

Each result topic is read from its beginning (the upsert topics are compacted, so that is the
current state plus what the log still holds), then followed; read_committed, so only the results
of completed checkpoints count. Topics a job has not created yet are picked up when they appear.
While Kafka is unreachable the Board says so, and librdkafka reconnects by itself.
"""
from __future__ import annotations

import threading
import time
import uuid

from order_analytics.connection import Connection
from order_analytics.dashboard.state import Board
from order_analytics.pipeline import Identity

METADATA_EVERY_S = 2.0     # how often new topics and Kafka's health are looked at
LAG_EVERY_S = 2.0


class Follower:
    def __init__(self, connection: Connection, board: Board, topics: list[str], source_topic: str,
                 group_prefix: str):
        self.connection, self.board = connection, board
        self.topics, self.source_topic, self.group_prefix = list(topics), source_topic, group_prefix
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._follow, name="dashboard-follower", daemon=True),
                         threading.Thread(target=self._watch_lag, name="dashboard-lag", daemon=True)]

    def start(self) -> "Follower":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout_s: float = 5) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)

    def _on_error(self, error) -> None:
        from confluent_kafka import KafkaError

        if error.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT, KafkaError._AUTHENTICATION):
            self.board.kafka(False, f"Kafka at {self.connection.bootstrap} is unreachable ({error.str()})")

    def _follow(self) -> None:
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        consumer = Consumer({**self.connection.client_config(), "log_level": 3,
                             "group.id": f"lesson3-dashboard-{uuid.uuid4().hex[:8]}",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest",
                             "isolation.level": "read_committed", "error_cb": self._on_error,
                             "topic.metadata.refresh.interval.ms": 5000})
        assigned: set[str] = set()
        next_look = 0.0
        try:
            while not self._stop.is_set():
                if time.monotonic() >= next_look:
                    next_look = time.monotonic() + METADATA_EVERY_S
                    try:
                        metadata = consumer.list_topics(timeout=2)
                    except Exception as error:  # no answer: Kafka is down (the client keeps retrying)
                        self.board.kafka(False, f"Kafka at {self.connection.bootstrap} does not answer ({error})")
                        continue
                    self.board.kafka(True)
                    existing = {t for t in self.topics if t in metadata.topics and metadata.topics[t].partitions}
                    new = existing - assigned
                    if new:
                        consumer.incremental_assign([TopicPartition(t, p, OFFSET_BEGINNING)
                                                     for t in sorted(new) for p in metadata.topics[t].partitions])
                        assigned |= new
                    self.board.topics_present(existing)
                if not assigned:
                    self._stop.wait(0.2)
                    continue
                for message in consumer.consume(500, 0.1):
                    if message.error() is not None:
                        continue  # partition EOF or a transient error librdkafka retries itself
                    kind, stamp = message.timestamp()
                    self.board.apply(message.topic(), message.key(), message.value(), stamp if kind else None)
        finally:
            consumer.close()

    def _watch_lag(self) -> None:
        """The lag of each job reading the source topic (its group's committed offsets against the
        topic's end), and the rate orders arrive at."""
        from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
        from confluent_kafka.admin import AdminClient, OffsetSpec

        admin = AdminClient({**self.connection.client_config(), "log_level": 3})
        previous: tuple[float, int] | None = None
        while not self._stop.wait(LAG_EVERY_S):
            try:
                topic = admin.list_topics(self.source_topic, timeout=2).topics.get(self.source_topic)
                if topic is None or topic.error is not None or not topic.partitions:
                    self.board.lag({}, None)
                    continue
                partitions = [TopicPartition(self.source_topic, p) for p in topic.partitions]
                offsets = admin.list_offsets({tp: OffsetSpec.latest() for tp in partitions}, request_timeout=2)
                ends = {tp.partition: future.result(timeout=3).offset for tp, future in offsets.items()}
                now, total = time.monotonic(), sum(ends.values())
                rate = round((total - previous[1]) / (now - previous[0]), 1) if previous else None
                previous = (now, total)
                listed = admin.list_consumer_groups(request_timeout=2).result(timeout=3).valid
                ours = {g.group_id: Identity.parse(g.group_id, f"{self.group_prefix}-") for g in listed}
                lags = {}
                for group, identity in ours.items():
                    if identity is None or identity.topic != self.source_topic or "kafka" not in identity.sink:
                        continue
                    request = [ConsumerGroupTopicPartitions(group, partitions)]
                    result = admin.list_consumer_group_offsets(request, request_timeout=2)[group].result(timeout=3)
                    committed = {tp.partition: tp.offset for tp in result.topic_partitions
                                 if tp.topic == self.source_topic and tp.offset >= 0}
                    if committed:
                        lags[identity] = sum(max(0, ends[p] - committed.get(p, 0)) for p in ends)
                self.board.lag(lags, rate)
            except Exception:  # Kafka down or slow: the follower's banner says so; try again later
                previous = None
