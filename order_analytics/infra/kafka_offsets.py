"""Offsets on the broker: where a topic starts and ends, and where a consumer group has got to."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicOffsets:
    """Per partition: the first offset, the end offset, and the group's committed offset (None: none)."""
    topic: str
    start: dict[int, int]
    end: dict[int, int]
    committed: dict[int, int | None]

    @property
    def records(self) -> int:
        """Records on the topic now (between its start and its end)."""
        return sum(self.end[p] - self.start[p] for p in self.end)

    @property
    def lag(self) -> int | None:
        """Records behind the end for the group; None when it has committed nothing."""
        if not self.committed or all(offset is None for offset in self.committed.values()):
            return None
        return sum(self.end[p] - (self.committed.get(p) if self.committed.get(p) is not None else self.start[p])
                   for p in self.end)


def read(client_config: dict, topic: str, group: str | None = None, timeout_s: float = 5.0) -> TopicOffsets | None:
    """The topic's offsets (and `group`'s committed ones); None when the topic does not exist.
    Raises KafkaException when the broker does not answer within `timeout_s`."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({**client_config, "group.id": group or "lesson3-offsets", "enable.auto.commit": False,
                         "log_level": 0})
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
        if metadata is None or metadata.error is not None or not metadata.partitions:
            return None
        start, end = {}, {}
        for partition in metadata.partitions:
            start[partition], end[partition] = consumer.get_watermark_offsets(TopicPartition(topic, partition),
                                                                              timeout=timeout_s)
        committed: dict[int, int | None] = {}
        if group:
            for tp in consumer.committed([TopicPartition(topic, p) for p in metadata.partitions], timeout=timeout_s):
                committed[tp.partition] = tp.offset if tp.offset >= 0 else None
        return TopicOffsets(topic, start, end, committed)
    finally:
        consumer.close()
