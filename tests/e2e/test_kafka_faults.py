"""The Kafka side of real use: SASL/PLAIN credentials (also over TLS, as Confluent Cloud speaks it),
and a broker that goes away during a run."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

from order_analytics.infra import broker
from order_analytics.paths import DATA, ROOT
import pytest

from tests.conftest import produce, sasl_env, seeded_values
from tests.e2e.test_jobs import assert_matches_model
from tests.e2e.live import final_totals, read_until, start, stop


@pytest.mark.parametrize("tls", [False, True], ids=["sasl_plaintext", "sasl_ssl"])
def test_a_job_runs_through_sasl_plain_and_never_shows_the_secret(kafka, tls):
    topic = f"test-sasl-{uuid.uuid4().hex[:8]}"
    values = seeded_values(300, seed=5, bad_ratio=0.02)
    produce(topic, values)
    env = sasl_env(tls)
    done = subprocess.run([sys.executable, "runner.py", "3a", "--bounded", "--format", "json", "--topic", topic],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, env={**os.environ, **env})
    run = type("Run", (), {"returncode": done.returncode, "stdout": done.stdout.splitlines(),
                           "stderr": done.stderr})
    assert_matches_model(run, type("Topic", (), {"values": values}), ["3a"])
    # every log of the project: the runner's, the Kafka clients', Flink's, the local cluster's
    logs = [path.read_text(errors="replace") for path in DATA.rglob("*") if path.is_file() and
            (path.suffix in (".log", ".out") or "log" in path.parent.name) and "kafka/data" not in str(path)]
    assert all(broker.SASL_PASSWORD not in text for text in [done.stdout, done.stderr, *logs])


def test_broker_stopped_and_started_during_a_run(kafka, tmp_path):
    topic = f"test-outage-{uuid.uuid4().hex[:8]}"
    values = seeded_values(900, seed=8)
    first, later = values[:450], values[450:]
    produce(topic, first)
    job = start("3a", "--topic", topic, "--format", "json", "--variant", "builtin",
                "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=2s")
    try:
        before_outage = read_until(job, lambda latest: latest == final_totals(first))
        broker.stop()
        time.sleep(5)
        broker.start(progress=lambda message: None)
        produce(topic, later)
        expected = final_totals(first + later)
        read_until(job, lambda latest: latest == expected, timeout_s=240, latest=before_outage)
    finally:
        stderr = stop(job)
    assert job.returncode == 0
    # one status line each way, instead of the Kafka client's own line for every failed connect
    assert "broker is unreachable; waiting" in stderr and "broker is back" in stderr
    assert "Connection refused" not in stderr
