"""The same jobs on a real standalone Flink cluster, in parallel over a partitioned topic."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections import defaultdict

import pytest

from lesson3 import analyses, local_cluster
from lesson3.infra import cluster, flink_rest, warm_client
from lesson3.paths import ROOT
from producer.orders import generate_orders
from tests import model
from tests.conftest import produce, seeded_values
from tests.e2e.live import read_events, start, stop


LESSON = {a.id for a in analyses.select(["all"])}


def lesson_events(events_by_key: dict) -> dict:
    """The events of the lesson's four jobs (what `all` runs), by key."""
    return {key: events for key, events in events_by_key.items() if key[0] in LESSON}


def customer_events(events_by_key: dict) -> dict:
    """The events of each customer (3A-3C), in order: at parallelism 1 the topic's partition order
    is theirs. A category (3D) collects orders from every partition, so its line order follows how
    the partitions interleave; its last state does not."""
    return {key: events for key, events in lesson_events(events_by_key).items() if key[0] != "3d"}


def category_outcomes(events_by_key: dict) -> dict:
    """Each category's last state and the milestones it reached, whatever the line order."""
    return {key: ([e for e in events if e["kind"] == "category"][-1],
                  sorted(e["milestone"] for e in events if e["kind"] == "milestone"))
            for key, events in events_by_key.items() if key[0] == "3d"}


@pytest.fixture(scope="module")
def flink_cluster(kafka):
    local_cluster.start(progress=lambda message: None)
    yield cluster.ADDRESS
    local_cluster.stop()


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
    assert f"cluster {flink_cluster}, planned by its warm client" in run.stderr
    # above parallelism 1 the jobs order by event time: every line of every key, in order
    assert model.events_by_key(run.stdout) == lesson_events(expected.events)
    assert f"{expected.bad} bad records set aside" in run.stderr
    job_id = next(line for line in run.stderr.splitlines() if "/#/job/running/" in line).split("/job/running/")[1]
    assert flink_rest.get(flink_cluster, f"/jobs/{job_id.split('/')[0]}")["state"] == "FINISHED"


def test_the_mini_cluster_with_parallelism_1_agrees(runner, partitioned_topic):
    topic, expected = partitioned_topic
    run = runner("all", "--bounded", "--format", "json", "--topic", topic)
    assert run.returncode == 0, run.stderr[-2000:]
    events = model.events_by_key(run.stdout)
    assert customer_events(events) == customer_events(expected.events)
    assert category_outcomes(events) == category_outcomes(expected.events)


def test_the_warm_client_stops_with_a_savepoint_and_the_same_command_continues(flink_cluster, tmp_path):
    """A live run planned by the warm client: Ctrl-C stops its job on the cluster with a savepoint,
    and the same command continues from it (a new job, planned again by the warm client)."""
    topic = f"test-warm-{uuid.uuid4().hex[:8]}"
    values = seeded_values(600, seed=21, bad_ratio=0.02)
    first, second = values[:400], values[400:]
    produce(topic, first)
    command = ["3a", "3c", "--cluster", flink_cluster, "--topic", topic, "--format", "json",
               "--set", f"checkpoint.dir={tmp_path}"]

    def until(values: list):
        want = {key: events for key, events in model.expected(values).events.items() if key[0] in ("3a", "3c")}

        def done(events: list) -> bool:
            shown = defaultdict(list)
            for event in events:
                shown[event["job"], event["customerId"]].append(event)
            return shown == want
        return done

    assert warm_client.ready()
    job = start(*command)
    try:
        shown = read_events(job, until(first), timeout_s=120)
    finally:
        stderr = stop(job)
    assert f"cluster {flink_cluster}, planned by its warm client" in stderr
    assert "stopped with a savepoint" in stderr, stderr[-2000:]

    produce(topic, second)
    job = start(*command)
    try:
        read_events(job, until(values), timeout_s=120, events=shown)
    finally:
        stderr = stop(job)
    assert "continuing from checkpoint" in stderr and "planned by its warm client" in stderr, stderr[-2000:]
