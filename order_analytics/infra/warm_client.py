"""A run's side of the warm Flink client: hand it a job's statements, wait for the job, stop it.

The warm client is a PyFlink process beside the local cluster (warm_server.py, started by
warm_process.py) that has planned one job already, so a run with `--cluster` is planned and
submitted in about 2 s, not ten. A run that finds none plans in its own JVM.

One request per connection on a Unix socket, a JSON line each way:
    {"submit": [statements...], "dedup_window_ms": N|null} -> {"job_id": ...}
    {"wait": JOB_ID} -> {"ended": true} once the job has ended
    {"stop": JOB_ID, "savepoints": DIR|null} -> {"outcome": ...}
    {"ping": true} -> {"ready": true}
and for a failure {"error": one line, "kind": UserError | UsageError | KafkaUnavailable}.
"""
from __future__ import annotations

import json
import socket
from pathlib import Path

from order_analytics import errors
from order_analytics.paths import FLINK_DATA

SOCKET = FLINK_DATA / "warm-client.sock"
LOG = FLINK_DATA / "log" / "warm-client.log"
SUBMIT_TIMEOUT_S = 300  # a plan takes seconds once warm; a busy machine, or no warm-up, takes longer


def ask(request: dict, timeout_s: float | None) -> dict:
    """One request and its answer; OSError when no warm client listens."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout_s)
        connection.connect(str(SOCKET))
        connection.sendall(json.dumps(request).encode() + b"\n")
        answer = connection.makefile("rb").readline()
    if not answer:
        raise OSError("the warm client closed the connection without an answer")
    reply = json.loads(answer)
    if "error" in reply:
        raise getattr(errors, reply["kind"], errors.UserError)(reply["error"])
    return reply


def _request(request: dict, timeout_s: float | None) -> dict:
    """`ask` for a run: a warm client that stops answering is one line, not a trace."""
    try:
        return ask(request, timeout_s)
    except (OSError, ValueError) as error:
        raise errors.UserError(f"the warm Flink client stopped answering ({error}); see {LOG}. `python runner.py "
                               "cluster stop` then `start` restarts it; without it a run plans in its own JVM") from None


def ready() -> bool:
    try:
        return bool(ask({"ping": True}, timeout_s=2.0).get("ready"))
    except (OSError, ValueError):
        return False


class WarmJob:
    """`flink_job.Job`'s interface (job_id, wait, stop) for a job the warm client submitted."""

    def __init__(self, statements: list[str], dedup_window_ms: int | None = None):
        reply = _request({"submit": statements, "dedup_window_ms": dedup_window_ms}, timeout_s=SUBMIT_TIMEOUT_S)
        self.job_id = reply["job_id"]

    def wait(self) -> None:
        _request({"wait": self.job_id}, timeout_s=None)

    def stop(self, savepoint_dir: Path | None) -> str:
        return _request({"stop": self.job_id, "savepoints": str(savepoint_dir) if savepoint_dir else None},
                        timeout_s=None)["outcome"]
