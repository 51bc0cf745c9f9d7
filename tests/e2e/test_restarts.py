"""State survives a crash: kill -9 after a checkpoint, produce more, run again: exact totals."""
from __future__ import annotations

import os
import signal
import time
import uuid

from lesson3 import checkpoints
from tests import model
from tests.conftest import produce, seeded_values
from tests.e2e.live import final_totals, read_until, start, stop


def test_kill_9_then_run_again_continues_exactly(kafka, runner, tmp_path):
    topic = f"test-restart-{uuid.uuid4().hex[:8]}"
    values = seeded_values(1200, seed=11, bad_ratio=0.02, duplicate_ratio=0.01)
    first, later = values[:800], values[800:]
    produce(topic, first)
    options = ["3a", "--topic", topic, "--format", "json", "--variant", "builtin",
               "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=2s"]

    job = start(*options)
    try:
        read_until(job, lambda latest: latest == final_totals(first))
        printed_at, checkpoint = time.time(), None
        while not (checkpoint and checkpoint.stat().st_mtime > printed_at):  # a checkpoint after them
            time.sleep(0.5)
            checkpoint = checkpoints.latest(tmp_path / f"lesson3-3a-builtin-print-{topic}")
            assert time.time() - printed_at < 60, "no checkpoint within 60 s"
    finally:
        os.killpg(job.pid, signal.SIGKILL)  # the whole process group: runner, JVM, Python workers
        job.wait()

    produce(topic, later)
    expected = final_totals(first + later)
    moved = {order["customerId"] for order in map(model.valid_order, later) if order}
    job = start(*options)
    try:
        latest = read_until(job, lambda latest: all(latest.get(c) == expected[c] for c in moved))
    finally:
        stderr = stop(job)
    assert "continuing from checkpoint" in stderr
    assert job.returncode == 0 and "stopped" in stderr and "Traceback" not in stderr
    assert {c: latest[c] for c in moved} == {c: expected[c] for c in moved}

    bounded = runner("3a", "--bounded", *options[1:])  # a fresh analysis of the whole topic agrees
    assert bounded.returncode == 0, bounded.stderr[-2000:]
    assert last_events(bounded.stdout) == expected


def last_events(lines: list) -> dict:
    return {key[1]: events[-1] for key, events in model.events_by_key(lines).items()}
