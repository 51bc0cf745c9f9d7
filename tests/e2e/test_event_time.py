"""Above parallelism 1 the jobs order each key's orders by event time; an order that comes after
the watermark has passed its time is not lost but set aside as late, on the dead-letter topic."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections import Counter

from order_analytics.infra import broker
from order_analytics.paths import ROOT
from producer.orders import START_MS, generate_orders
from tests.conftest import topic_rows
from tests.e2e.live import read_until, start, stderr_of, stop


def test_an_order_behind_the_watermark_is_set_aside_as_late(kafka, tmp_path):
    from confluent_kafka import Producer

    topic = f"test-late-{uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "producer", "--count", "300", "--seed", "4", "--customers", "20",
                    "--partitions", "2", "--topic", topic], cwd=ROOT, check=True, capture_output=True)
    orders = [record.order for record in generate_orders(300, seed=4, customers=20)]
    # an order's result is printed once the watermark has passed its time, so the newest orders
    # wait for later ones; the first 200 all come
    printed = Counter(order["customerId"] for order in orders[:200])
    job = start("3a", "--topic", topic, "--format", "json", "--variant", "builtin", "--set", "parallelism=2",
                "--set", f"checkpoint.dir={tmp_path}")
    try:
        read_until(job, lambda latest: all(latest.get(c, {}).get("orders", 0) >= n for c, n in printed.items()))
        late = {"orderId": "late-1", "customerId": "customer_001", "amount": 10.0, "category": "Books",
                "timestamp": START_MS}  # as old as the first order, whose result is out: the watermark is past it
        producer = Producer({"bootstrap.servers": broker.BOOTSTRAP})
        producer.produce(topic, json.dumps(late).encode(), key=b"customer_001", timestamp=START_MS)
        assert producer.flush(30) == 0
        deadline = time.time() + 60
        while "set aside bad record #1" not in stderr_of(job):
            assert time.time() < deadline, "the late order was not set aside within 60 s"
            time.sleep(0.5)
    finally:
        stop(job)
    letters = topic_rows(f"{topic}.dlq")
    assert [json.loads(letter["raw"])["orderId"] for letter in letters] == ["late-1"]
    assert letters[0]["error"].startswith("late: behind the watermark")
