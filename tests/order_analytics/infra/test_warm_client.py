"""The warm client's own side, without Flink: its socket protocol and what it forgets between jobs.
(Jobs through it run in tests/e2e/test_cluster.py, on the real local cluster.)"""
import sys
import threading

import pytest

from order_analytics import warm_planner
from order_analytics.errors import UserError
from order_analytics.infra import warm_client, warm_server
from order_analytics.paths import UDFS


class _Job:
    """What a submit returns: a job that ends at once."""

    def __init__(self, statements, dedup_window_ms):
        self.job_id, self.statements, self.dedup_window_ms = "1" * 32, statements, dedup_window_ms

    def wait(self):
        pass

    def stop(self, savepoint_dir):
        return f"stopped ({savepoint_dir})"


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A warm client's server on a socket of the test's own (a real one may be running)."""
    monkeypatch.setattr(warm_client, "SOCKET", tmp_path / "warm.sock")
    server = warm_server.Server(_Job, warm_client.SOCKET)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_it_answers_when_ready_and_not_when_gone(server):
    assert warm_client.ready()
    server.shutdown()
    server.server_close()
    warm_client.SOCKET.unlink()
    assert not warm_client.ready()


def test_it_submits_through_what_its_caller_gave_it(server, tmp_path):
    job = warm_client.WarmJob(["SELECT 1"], 5000)
    submitted = server.jobs[job.job_id]
    assert (submitted.statements, submitted.dedup_window_ms) == (["SELECT 1"], 5000)
    assert job.stop(tmp_path) == f"stopped ({tmp_path})"
    assert job.job_id not in server.jobs


def test_a_job_it_does_not_know_is_one_line_for_the_user(server):
    job = object.__new__(warm_client.WarmJob)
    job.job_id = "0" * 32
    with pytest.raises(UserError, match="does not know this job"):
        job.wait()


def test_each_job_imports_the_functions_as_they_are_on_disk(monkeypatch):
    monkeypatch.syspath_prepend(str(UDFS))
    import rules  # noqa: F401  (udfs/rules.py, as CREATE FUNCTION imports it)

    assert "rules" in sys.modules
    warm_planner._fresh_udfs()
    assert "rules" not in sys.modules and "order_analytics.warm_planner" in sys.modules
