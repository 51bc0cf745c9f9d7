"""The troubleshooting list, answered by the tool: one live run of 3B on a topic that starts empty
shows its web UI, says the topic is empty, then (orders produced and read) that it has read to the
end, with status lines in between; `runner.py status` then lists the stopped pipeline."""
from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid

from tests.conftest import produce, seeded_values
from tests.e2e.live import start, stderr_of, stop


def wait_for(job, pattern: str, after: int = 0, timeout_s: float = 180) -> tuple[int, str]:
    """The first stderr line from line `after` on that matches `pattern`: (its index, the line)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for index, line in enumerate(list(job.stderr_lines)[after:], start=after):
            if re.search(pattern, line):
                return index, line
        assert job.poll() is None, f"the runner ended: {stderr_of(job)[-2000:]}"
        time.sleep(0.5)
    raise AssertionError(f"no line matching {pattern!r} within {timeout_s}s: {stderr_of(job)[-2000:]}")


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


def test_web_ui_waiting_hints_status_lines_and_status_command(kafka, runner, tmp_path):
    topic = f"test-trouble-{uuid.uuid4().hex[:8]}"
    produce(topic, [])  # the topic exists, empty
    options = ["--topic", topic, "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=2s"]
    job = start("3b", "--format", "json", "--set", "console.status_interval=2s", *options)
    try:
        # the web UI of the mini-cluster, on localhost, while the job runs
        _, line = wait_for(job, r"Flink: job \w+ running: http://localhost:\d+/#/job/running/\w+/overview")
        base, job_id = re.search(r"(http://localhost:\d+)/#/job/running/(\w+)/", line).groups()
        assert http_status(base + "/") == 200 and http_status(base + "/jobs/overview") == 200
        with urllib.request.urlopen(base + "/jobs/overview", timeout=5) as response:
            assert job_id in [j["jid"] for j in json.load(response)["jobs"]]

        # nothing to read: it says so once, with the producer's command
        empty_at, empty = wait_for(job, r"Waiting for orders")
        assert f"topic '{topic}' is empty" in empty and f"python -m producer --topic {topic}" in empty

        produce(topic, seeded_values(30, seed=5))
        # a status line with every field once the orders are read and a checkpoint is done
        _, status = wait_for(job, r"^Status: .* last checkpoint", after=empty_at + 1)
        assert re.match(r"Status: [\d.]+ orders/s read, [\d.]+ results/s, lag (\d+|\?), last checkpoint \d+s ago "
                        r"\([\d.]+ [KM]?B\), 0 bad records$", status), status
        # everything read: it says that, with the committed offsets and how to count again
        _, at_end = wait_for(job, r"Waiting for orders: this pipeline has read all 30 records", after=empty_at + 1)
        assert f"group lesson3-3b-udf-print-{topic}" in at_end and "--from earliest (or --fresh)" in at_end
        _, busy = wait_for(job, r"^Status: .*lag 0,", after=empty_at + 1)
    finally:
        stderr = stop(job)
    hints = [line for line in stderr.splitlines() if line.startswith("Waiting for orders")]
    assert len(hints) == 2, hints  # once per reason, not a flood
    assert "Traceback" not in stderr
    assert all(json.loads(line) for line in job.stdout.read().splitlines())  # JSON mode: stdout stays clean

    status = runner("status", "--set", f"checkpoint.dir={tmp_path}")
    assert status.returncode == 0, status.stderr
    text = "\n".join(status.stdout)
    assert text.startswith("Kafka: running") and "Flink cluster:" in text
    assert f"3b over '{topic}' (udf, sink print)" in text and f"[lesson3-3b-udf-print-{topic}]" in text
    assert re.search(r"last checkpoint: \d+s ago, [\d.]+ KB: .*savepoint", text), text
    assert f"consumer group lesson3-3b-udf-print-{topic}: 0 records behind the end" in text, text
    assert f"continue: python runner.py 3b --topic {topic} --set checkpoint.dir={tmp_path}" in text
