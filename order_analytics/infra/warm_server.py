"""The warm Flink client's server: answers the requests of warm_client.py on its Unix socket.

It knows nothing of what it plans: its caller (order_analytics/warm_planner.py) hands it `submit`, which
turns statements into a running job (job_id, wait(), stop()), and `warm_up`, run once before the
socket opens.
"""
from __future__ import annotations

import json
import os
import signal
import socketserver
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from order_analytics import errors
from order_analytics.infra.warm_client import SOCKET

UNKNOWN_JOB = "the warm client does not know this job (it was restarted): see the cluster's web UI"


class Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, submit: Callable, path: Path = SOCKET):
        self.submit = submit  # (statements, dedup_window_ms) -> a job: job_id, wait(), stop(savepoint_dir)
        self.jobs: dict[str, object] = {}
        self.planning = threading.Lock()  # one job planned at a time (the planner's modules are shared)
        super().__init__(str(path), _Handler)

    def answer(self, request: dict) -> dict:
        if "submit" in request:
            started = time.monotonic()
            with self.planning:
                job = self.submit(request["submit"], request["dedup_window_ms"])
            self.jobs[job.job_id] = job
            print(f"job {job.job_id} submitted in {time.monotonic() - started:.1f}s", flush=True)
            return {"job_id": job.job_id}
        if "wait" in request:
            job = self.jobs[request["wait"]]
            try:
                job.wait()
            finally:
                self.jobs.pop(request["wait"], None)
            return {"ended": True}
        if "stop" in request:
            job = self.jobs.pop(request["stop"])
            return {"outcome": job.stop(Path(request["savepoints"]) if request["savepoints"] else None)}
        return {"ready": True}


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: Server = self.server
        request = json.loads(self.rfile.readline())
        try:
            reply = server.answer(request)
        except errors.UserError as error:
            reply = {"error": str(error), "kind": type(error).__name__}
        except KeyError:
            reply = {"error": UNKNOWN_JOB, "kind": "UserError"}
        try:
            self.wfile.write(json.dumps(reply).encode() + b"\n")
        except OSError:  # the run that asked has ended (Ctrl-C): a job it never heard of is cancelled
            if "submit" in request and "job_id" in reply:
                server.jobs.pop(reply["job_id"]).stop(None)


def serve(submit: Callable, warm_up: Callable[[], None]) -> None:
    """Warm up, then answer runs until SIGTERM."""
    SOCKET.parent.mkdir(parents=True, exist_ok=True)
    SOCKET.unlink(missing_ok=True)
    os.umask(0o077)  # the socket is ours alone: statements carry the Kafka credentials
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.monotonic()
    warm_up()
    server = Server(submit)
    print(f"warm client ready after {time.monotonic() - started:.1f}s on {SOCKET}", flush=True)
    try:
        server.serve_forever()
    finally:
        SOCKET.unlink(missing_ok=True)
