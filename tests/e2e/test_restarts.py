"""State survives a crash: kill -9 after a checkpoint, produce more, run again: exact totals."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

from lesson3 import checkpoints
from lesson3.paths import ROOT
from tests import model
from tests.conftest import produce, seeded_values


def last_event_per_key(events_by_key: dict) -> dict:
    return {key: events[-1] for key, events in events_by_key.items()}


def test_kill_9_then_run_again_continues_exactly(kafka, runner, tmp_path):
    topic = f"test-restart-{uuid.uuid4().hex[:8]}"
    values = seeded_values(1200, seed=11, bad_ratio=0.02, duplicate_ratio=0.01)
    first, later = values[:800], values[800:]
    produce(topic, first)
    options = ["--topic", topic, "--format", "json", "--variant", "builtin",
               "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=2s"]
    job = subprocess.Popen([sys.executable, "runner.py", "3a", *options], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        results_of_first = sum(len(events) for key, events in model.expected(first).events.items() if key[0] == "3a")
        for seen, _ in enumerate(job.stdout, start=1):  # every result of the first part printed ...
            if seen == results_of_first:
                break
        printed_at = time.time()
        deadline, checkpoint = time.monotonic() + 60, None
        while time.monotonic() < deadline:  # ... and a checkpoint taken after that
            checkpoint = checkpoints.latest(tmp_path / f"lesson3-3a-builtin-print-{topic}")
            if checkpoint and checkpoint.stat().st_mtime > printed_at:
                break
            time.sleep(0.5)
        assert checkpoint, "no checkpoint within 60 s"
    finally:
        os.killpg(job.pid, signal.SIGKILL)  # the whole process group: runner, JVM, Python workers
        job.wait()

    produce(topic, later)
    run = runner("3a", "--bounded", *options)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "continuing from checkpoint" in run.stderr
    resumed = last_event_per_key(model.events_by_key(run.stdout))
    expected = last_event_per_key(model.expected(first + later).events)
    assert resumed  # the later orders moved some totals on
    for key, event in resumed.items():
        assert event == expected[key], f"{key}: {event} != {expected[key]}"
    customers_with_later_orders = {("3a", order["customerId"]) for order in map(model.valid_order, later) if order}
    assert customers_with_later_orders <= resumed.keys()
