"""The same jobs on a real standalone Flink cluster, in parallel over a partitioned topic."""
from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from lesson3 import cluster
from lesson3.paths import ROOT
from producer.orders import generate_orders
from tests import model

ORDER_FREE_ALERTS = {"frequency_change", "milestone"}  # which order sets them off does not matter


def final_states(events_by_key: dict) -> dict:
    """What must agree whatever the interleaving of partitions: each key's last state, the alerts
    whose set does not depend on order, and each customer's final tier."""
    states = {}
    for key, events in events_by_key.items():
        state = [e for e in events if e["kind"] not in ORDER_FREE_ALERTS | {"tier_change"}][-1]
        alerts = sorted(str(e) for e in events if e["kind"] in ORDER_FREE_ALERTS)
        states[key] = (state, alerts)
    return states


@pytest.fixture(scope="module")
def flink_cluster(kafka):
    cluster.start(progress=lambda message: None)
    yield f"{cluster.HOST}:{cluster.REST_PORT}"
    cluster.stop()


@pytest.fixture(scope="module")
def partitioned_topic(kafka):
    topic = f"test-partitions-{uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "producer", "--count", "3000", "--seed", "9", "--customers", "40",
                    "--partitions", "4", "--topic", topic, "--bad-ratio", "0.01"],
                   cwd=ROOT, check=True, capture_output=True)
    values = [record.value for record in generate_orders(3000, seed=9, customers=40, bad_ratio=0.01)]
    return topic, model.expected(values)


def test_all_on_the_cluster_with_parallelism_2(runner, flink_cluster, partitioned_topic):
    topic, expected = partitioned_topic
    run = runner("all", "--cluster", flink_cluster, "--set", "parallelism=2", "--bounded", "--format", "json",
                 "--topic", topic, timeout=400)
    assert run.returncode == 0, run.stderr[-2000:]
    assert final_states(model.events_by_key(run.stdout)) == final_states(expected.events)
    assert f"{expected.bad} bad records set aside" in run.stderr
    job_id = next(line for line in run.stderr.splitlines() if "/#/job/running/" in line).split("/job/running/")[1]
    assert cluster.job_details(flink_cluster, job_id.split("/")[0])["state"] == "FINISHED"


def test_the_mini_cluster_with_parallelism_1_agrees(runner, partitioned_topic):
    topic, expected = partitioned_topic
    run = runner("all", "--bounded", "--format", "json", "--topic", topic)
    assert run.returncode == 0, run.stderr[-2000:]
    assert final_states(model.events_by_key(run.stdout)) == final_states(expected.events)
