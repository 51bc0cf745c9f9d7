"""State survives a crash: kill -9 after a checkpoint, produce more, run again: exact totals."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

from lesson3 import checkpoints
from lesson3.paths import ROOT
from tests import model
from tests.conftest import produce, seeded_values


def start(*args: str) -> subprocess.Popen:
    """The runner in its own process group, as a user's terminal would hold it. Its stderr is read
    all the time into `job.stderr_text`: a full pipe nobody reads would block the runner."""
    job = subprocess.Popen([sys.executable, "runner.py", *args], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    job.stderr_lines = []
    job.stderr_reader = threading.Thread(target=lambda: job.stderr_lines.extend(job.stderr), daemon=True)
    job.stderr_reader.start()
    return job


def stderr_of(job: subprocess.Popen) -> str:
    return "".join(job.stderr_lines)


def stop(job: subprocess.Popen) -> str:
    """Ctrl-C, as a user would; the whole process group killed if that does not end it in 60 s."""
    job.send_signal(signal.SIGINT)
    try:
        job.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    job.stderr_reader.join(10)
    return stderr_of(job)


def read_until(job: subprocess.Popen, done, timeout_s: float = 180, latest: dict | None = None) -> dict:
    """Read JSON results into {customer: last totals event} (from `latest` on) until `done(latest)` holds."""
    latest = dict(latest or {})
    # a silent runner would block the read forever: the watchdog ends it (and its JVM) instead
    watchdog = threading.Timer(timeout_s, os.killpg, (job.pid, signal.SIGKILL))
    watchdog.start()
    try:
        for line in job.stdout:
            event = json.loads(line, parse_float=Decimal)
            latest[event["customerId"]] = event
            if done(latest):
                return latest
    finally:
        watchdog.cancel()
    job.stderr_reader.join(5)
    raise AssertionError(f"the expected results did not come within {timeout_s}s, or the runner ended: "
                         f"{stderr_of(job)[-2000:]}")


def final_totals(values: list) -> dict:
    return {key[1]: events[-1] for key, events in model.expected(values).events.items() if key[0] == "3a"}


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
