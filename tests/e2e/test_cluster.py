"""The same jobs on a real standalone Flink cluster, in parallel over a partitioned topic."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from order_analytics import analyses, local_cluster
from order_analytics.infra import broker, cluster, flink_rest, warm_client
from order_analytics.paths import ROOT
from producer.orders import generate_orders
from producer.send import send
from tests import model
from tests.conftest import produce, seeded_values, topic_rows
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
    """The local cluster: started if it is not running, and then stopped again."""
    started = cluster.overview() is None
    local_cluster.start(progress=lambda message: None)
    yield cluster.ADDRESS
    cluster.cancel_jobs(lambda name: "-test-" in name)  # a runner a test had to kill leaves its job running
    if started:
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


def test_status_lists_each_task_manager_with_its_pid(flink_cluster):
    done = subprocess.run([sys.executable, "runner.py", "cluster", "status"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = [line for line in done.stdout.splitlines() if line.strip().startswith("TaskManager ")]
    assert len(listed) == cluster.TASK_MANAGERS
    for line in listed:
        pid = int(line.split(": pid ")[1].split(",")[0])
        assert "TaskManagerRunner" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")


@pytest.fixture
def backlog(kafka):
    """About 2,000 orders over 4 partitions, keyed by customer, in time order within each partition,
    with bad records and duplicates (each 40th order delivered twice): the issue's backlog."""
    topic = f"test-backlog-{uuid.uuid4().hex[:8]}"
    records = []
    for index, record in enumerate(generate_orders(2000, seed=31, customers=40, bad_ratio=0.01)):
        records += [record, record] if index % 40 == 39 else [record]
    send_orders(records, topic)
    return topic, [record.value for record in records]


def send_orders(records: list, topic: str, stamp_now: bool = False) -> None:
    send(records, {"bootstrap.servers": broker.BOOTSTRAP}, topic, rate=None, partitions=4, out=lambda line: None,
         stamp_now=stamp_now)


def by_key(events: list) -> dict:
    grouped = defaultdict(list)
    for event in events:
        grouped[event["job"], event.get("customerId", event.get("category"))].append(event)
    return grouped


def read_backlog_results(job, topic: str, values: list, events: list, timeout_s: float = 300) -> tuple[dict, dict]:
    """Every result of the backlog `values`, read live (on from `events`, those read already), and
    what the model expects. The newest orders of each partition wait for the watermark, so orders
    stamped now follow (to every partition); the backlog's results are then each key's first ones."""
    expected = lesson_events(model.expected(values).events)
    send_orders(list(generate_orders(200, seed=77, customers=40, id_prefix="flush")), topic, stamp_now=True)

    shown = by_key(events)
    missing = {key: len(wanted) - len(shown.get(key, ())) for key, wanted in expected.items()}

    def complete(events: list) -> bool:
        key = next(iter(by_key(events[-1:])))
        if missing.get(key, 0) > 0:
            missing[key] -= 1
        return not any(missing.values())

    shown = by_key(read_events(job, complete, timeout_s=timeout_s, events=events))
    return {key: shown[key][:len(wanted)] for key, wanted in expected.items()}, expected


def late_letters(topic: str) -> list:
    return [letter for letter in topic_rows(f"{topic}.dlq") if letter["error"].startswith("late")]


def test_a_task_stopped_for_longer_than_any_idle_timeout_makes_no_order_late(flink_cluster, backlog, tmp_path):
    """The issue's hole: at parallelism 2 one task falls silent while it still has orders to read
    (here its TaskManager is stopped for 8 s: more than the 5 s idle timeout that once took such a
    task for idle), the other reads on; no valid order may come late, and every result is exact."""
    topic, values = backlog
    job = start("all", "--cluster", flink_cluster, "--set", "parallelism=2", "--from", "earliest", "--format", "json",
                "--topic", topic, "--set", f"checkpoint.dir={tmp_path}")
    try:
        events = read_events(job, lambda events: len(events) >= 50, timeout_s=180)
        slowed = cluster.task_managers(flink_cluster)[0]["pid"]
        os.kill(slowed, signal.SIGSTOP)
        try:
            time.sleep(8)
        finally:
            os.kill(slowed, signal.SIGCONT)
        shown, expected = read_backlog_results(job, topic, values, events)
    finally:
        stop(job)
    assert late_letters(topic) == []
    assert shown == expected


def test_a_task_manager_killed_mid_stream_heals_by_itself_with_every_result_once(flink_cluster, backlog, tmp_path):
    """kill -9 of a TaskManager running half the job: the cluster restarts the job on the free slots
    of the other from its last checkpoint, and the console shows every result once, none missing."""
    topic, values = backlog
    job = start("all", "--cluster", flink_cluster, "--set", "parallelism=2", "--from", "earliest", "--format", "json",
                "--topic", topic, "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=2s")
    try:
        events = read_events(job, lambda events: len(events) >= 50, timeout_s=180)
        killed = cluster.task_managers(flink_cluster)[0]["pid"]
        os.kill(killed, signal.SIGKILL)
        shown, expected = read_backlog_results(job, topic, values, events)
        assert job.poll() is None  # healed without the runner's help
    finally:
        stderr = stop(job)
        cluster.start_task_manager()
    assert shown == expected
    job_id = stderr.split("/#/job/running/")[1].split("/")[0]
    with urllib.request.urlopen(f"http://{flink_cluster}/jobs/{job_id}/exceptions", timeout=5) as response:
        failures = json.load(response)["exceptionHistory"]["entries"]
    assert failures and "remote task manager" in failures[0]["stacktrace"]  # it did lose half its tasks
    assert late_letters(topic) == []
    deadline = time.monotonic() + 60
    while len(cluster.task_managers(flink_cluster)) < cluster.TASK_MANAGERS:  # the cluster as it was
        assert time.monotonic() < deadline
        time.sleep(1)
