"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and SIGTERM at several moments
of a run's start-up and of the running job: one line on stderr, no Python or Java trace, the exit
code of the contract, and no process of the run left (the gateway JVM and its Python workers carry
the runner's pid in their environment: order_analytics/infra/gateway.py). Also kill -9 of the runner: its
JVM must not live on."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import pytest

from order_analytics.paths import ROOT
from tests.conftest import produce, seeded_values
from tests.e2e.live import gone

TRACES = ("Traceback", "py4j", "Py4J", "Exception")
PROGRESS = ("Flink: ", "Kafka: ")  # lines the run may print between the signal's moment and its arrival


@pytest.fixture(scope="module")
def topic(kafka) -> str:
    name = f"test-interrupts-{uuid.uuid4().hex[:8]}"
    produce(name, seeded_values(3, seed=5))
    return name


@dataclass
class Interrupted:
    returncode: int
    before: list          # stderr lines seen before the signal was sent
    after: list           # stderr lines seen after it
    left: list            # pids of the run's processes still there 10 s after the runner ended

    @property
    def stderr(self) -> str:
        return "\n".join(self.before + self.after)

    def said(self) -> str:
        """The one line the signal brought (progress lines already on their way are let pass)."""
        lines = [line for line in self.after if line.strip() and not line.startswith(PROGRESS)]
        assert len(lines) == 1, self.stderr[-3000:]
        return lines[0]


def interrupt(topic: str, tmp_path, when, sig: int, timeout_s: float = 240) -> Interrupted:
    """Start `3b` on `topic`; `when` (seconds after the start, or a pattern of a line on stdout or
    stderr) send `sig` to its process group; read everything until it ends."""
    job = subprocess.Popen([sys.executable, "runner.py", "3b", "--topic", topic, "--from", "earliest",
                            "--no-status", "--set", f"checkpoint.dir={tmp_path}"], cwd=ROOT, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    lines, seen = [], threading.Event()
    stdout_seen = []

    def read(stream, into) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))
            if isinstance(when, str) and re.search(when, line):
                seen.set()

    readers = [threading.Thread(target=read, args=(job.stderr, lines), daemon=True),
               threading.Thread(target=read, args=(job.stdout, stdout_seen), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        if isinstance(when, str):
            assert seen.wait(timeout_s), f"no line matching {when!r}: {lines[-20:]}"
        else:
            time.sleep(when)
        count = len(lines)
        os.killpg(job.pid, sig)
        returncode = job.wait(150)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    for reader in readers:
        reader.join(10)
    left = gone(job.pid)
    for pid in left:  # not to disturb the next tests; the assertion says what was left
        os.kill(pid, signal.SIGKILL)
    return Interrupted(returncode, lines[:count], lines[count:], left)


def assert_clean(run: Interrupted) -> None:
    for trace in TRACES:
        assert trace not in run.stderr, run.stderr[-3000:]
    assert run.left == [], f"left running: {run.left}"


@pytest.mark.parametrize("when, sig, doing", [
    (0.3, signal.SIGINT, "starting"),                                # Python's imports
    (r"Flink: planning", signal.SIGINT, "planning the job"),         # the JVM starting
    (r"Flink: submitting", signal.SIGTERM, "submitting the job"),
])
def test_a_signal_during_the_start_up_ends_the_run_with_one_line(topic, tmp_path, when, sig, doing):
    run = interrupt(topic, tmp_path, when, sig)
    assert_clean(run)
    assert run.returncode == 130, run.stderr[-3000:]
    assert re.fullmatch(rf"Interrupted while {doing}\b.*: no job was left running", run.said()), run.stderr[-3000:]


@pytest.mark.parametrize("when, sig", [
    (r"VIP Status>", signal.SIGINT),             # a result shown: the job runs
    (r"Flink: job \w+ running", signal.SIGTERM),
])
def test_a_signal_while_the_job_runs_stops_it_with_a_savepoint_in_one_line(topic, tmp_path, when, sig):
    run = interrupt(topic, tmp_path, when, sig)
    assert_clean(run)
    assert run.returncode == 0, run.stderr[-3000:]
    line = run.said()
    assert re.match(r"Stopping with a savepoint \.\.\. lesson3-3b-\S+ stopped with a savepoint \(.+\)", line), line
    assert line.endswith(f"; `python runner.py 3b --topic {topic} --no-status --set checkpoint.dir={tmp_path}` "
                         "continues it"), line


def test_kill_9_of_the_runner_leaves_no_jvm(topic, tmp_path):
    run = interrupt(topic, tmp_path, r"Flink: job \w+ running", signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL
    assert run.left == [], f"left running after kill -9: {run.left}"
