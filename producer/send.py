"""The send loop: put generated records on a Kafka topic, paced, and report each one like the seed."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from order_analytics.connection import ensure_topic
from order_analytics.errors import KafkaUnavailable
from producer.orders import LiveClock, Record, describe

# Idempotence keeps retries from writing duplicates or reordering; it needs acks=all. A short linger
# batches a burst without delaying a paced stream noticeably.
PRODUCER_SETTINGS = {"enable.idempotence": True, "acks": "all", "linger.ms": 5}
BAD_PREVIEW_CHARS = 60


class _Deliveries:
    """Counts acknowledged records and keeps the first delivery error for the send loop to raise."""

    def __init__(self) -> None:
        self.orders = 0
        self.bad = 0
        self.error: KafkaError | None = None

    def callback(self, record: Record) -> Callable[[KafkaError | None, Message], None]:
        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                self.error = self.error or error
            elif record.order is None:
                self.bad += 1
            else:
                self.orders += 1
        return on_delivery

    def raise_if_failed(self, topic: str) -> None:
        if self.error is not None:
            raise KafkaUnavailable(f"delivery to topic {topic} failed: {self.error.str()}; "
                                   "check that the broker is up and the credentials may write to it")


def send(records: Iterable[Record], producer_config: dict, topic: str, rate: float | None,
         partitions: int, out: Callable[[str], None] = print, stamp_now: bool = False) -> None:
    """Produce every record to `topic`, at most `rate` records per second when given; with
    `stamp_now`, each one stamped with the time it is sent instead of its seeded time (a key's
    stamps strictly increasing: `LiveClock`).

    Ctrl-C ends the run early but cleanly: what was produced is still flushed and summed up.
    """
    try:
        ensure_topic(producer_config, topic, partitions)
    except KafkaException as error:  # typically an API key that may not create topics
        raise KafkaUnavailable(f"cannot create topic {topic}: {error.args[0].str()}; create it yourself "
                               "or use a key allowed to") from None
    producer = Producer({**producer_config, **PRODUCER_SETTINGS})
    deliveries = _Deliveries()
    clock = LiveClock()
    try:
        started = time.monotonic()
        for index, record in enumerate(records):
            if rate:
                # Each record has its own due time from the start, so slow sends never add up to drift.
                _serve_until(producer, started + index / rate)
            if stamp_now:
                record = clock.stamp(record, int(time.time() * 1000))
            _produce(producer, topic, record, deliveries.callback(record))
            out(_console_line(record))
            producer.poll(0)
            deliveries.raise_if_failed(topic)
    except KeyboardInterrupt:
        pass  # the user's way to stop an endless run; flush below
    producer.flush()
    deliveries.raise_if_failed(topic)
    out(f"Sent {deliveries.orders} orders ({deliveries.bad} bad records) to {topic}")


def _serve_until(producer: Producer, due: float) -> None:
    """Wait until `due` (monotonic seconds), serving delivery callbacks meanwhile."""
    while (wait := due - time.monotonic()) > 0:
        producer.poll(wait)  # returns early whenever a callback was served


def _produce(producer: Producer, topic: str, record: Record,
             on_delivery: Callable[[KafkaError | None, Message], None]) -> None:
    key = None if record.key is None else record.key.encode("utf-8")
    while True:
        try:
            producer.produce(topic, key=key, value=record.value, timestamp=record.timestamp,
                             on_delivery=on_delivery)
            return
        except BufferError:
            producer.poll(0.1)  # local queue full at unlimited rate: let deliveries drain it


def _console_line(record: Record) -> str:
    if record.order is not None:
        return "Sent Order> " + describe(record.order)
    preview = record.value.decode("utf-8", errors="replace")
    if len(preview) > BAD_PREVIEW_CHARS:
        preview = preview[:BAD_PREVIEW_CHARS] + "…"
    return f"Sent bad record> {record.bad_kind}: {preview}"
