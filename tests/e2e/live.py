"""A runner running live, as a user holds it in a terminal: started, read as it prints, stopped."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

from order_analytics.infra import gateway
from order_analytics.paths import ROOT
from tests import model


def start(*args: str) -> subprocess.Popen:
    """The runner in its own process group, as a user's terminal would hold it. Its stderr is read
    all the time into `job.stderr_lines`: a full pipe nobody reads would block the runner."""
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


def read_events(job: subprocess.Popen, done, timeout_s: float = 180, events: list | None = None) -> list:
    """Read JSON events (appended to `events`) until `done(events)` holds."""
    events = [] if events is None else events
    # a silent runner would block the read forever: the watchdog ends it (and its JVM) instead
    watchdog = threading.Timer(timeout_s, os.killpg, (job.pid, signal.SIGKILL))
    watchdog.start()
    try:
        for line in job.stdout:
            events.append(json.loads(line, parse_float=Decimal))
            if done(events):
                return events
    finally:
        watchdog.cancel()
    job.stderr_reader.join(5)
    raise AssertionError(f"the expected results did not come within {timeout_s}s, or the runner ended: "
                         f"{stderr_of(job)[-2000:]}")


def read_until(job: subprocess.Popen, done, timeout_s: float = 180, latest: dict | None = None) -> dict:
    """Read 3A's JSON results into {customer: last totals event} (from `latest` on) until `done(latest)` holds."""
    latest = dict(latest or {})

    def keep(events: list) -> bool:
        latest[events[-1]["customerId"]] = events[-1]
        return done(latest)

    read_events(job, keep, timeout_s)
    return latest


def final_totals(values: list) -> dict:
    return {key[1]: events[-1] for key, events in model.expected(values).events.items() if key[0] == "3a"}


def processes_of(runner_pid: int) -> list[int]:
    """The processes a runner started that may outlive it: its gateway JVM and the JVM's Python
    workers, in a session of their own, found by the runner's pid in their environment."""
    marker = f"{gateway.MARKER}={runner_pid}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                if marker in environ.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass  # gone meanwhile, or not ours to read
    return found


def gone(runner_pid: int, timeout_s: float = 10) -> list[int]:
    """Waits until the runner's JVM and workers have ended (they end once its pipe to the JVM
    closes); the pids still there after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (left := processes_of(runner_pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left
