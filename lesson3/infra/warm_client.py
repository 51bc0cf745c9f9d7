"""A warm Flink client beside the local cluster, so a run is planned and submitted in about 2 s, not ten.

Most of a run's start-up is the client, not the cluster: PyFlink starts a JVM, and Flink's planner
spends seconds of CPU loading and JIT-compiling itself before the first job is planned. `python
runner.py cluster start` therefore also starts this process: one PyFlink client that has submitted
(and at once cancelled) one job (`_warm_up`), and stays up. A run with `--cluster` hands it the rendered
statements over a Unix socket; it plans and submits them exactly as the runner would
(`flink_job.Job`, a fresh TableEnvironment per job) and answers with the job's id; the run reads
its results from Kafka as always. A run that finds no warm client plans in its own JVM, as before.

One request per connection, a JSON line each way:
    {"submit": [statements...], "dedup_window_ms": N|null} -> {"job_id": ...}
    {"wait": JOB_ID} -> {"ended": true} once the job has ended
    {"stop": JOB_ID, "savepoints": DIR|null} -> {"outcome": ...}
    {"ping": true} -> {"ready": true}
and for a failure {"error": one line, "kind": UserError | UsageError | KafkaUnavailable}.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

from lesson3 import errors, flink_job
from lesson3.paths import DATA, ROOT, UDFS
from lesson3.settings import Duration

HOME = DATA / "flink"
SOCKET = HOME / "warm-client.sock"
PID = HOME / "pids" / "warm-client.pid"
LOG = HOME / "log" / "warm-client.log"
READY_TIMEOUT_S = 120
SUBMIT_TIMEOUT_S = 300  # a plan takes seconds once warm; a busy machine, or no warm-up, takes longer
HEAP = "1g"  # it only plans: the jobs run, and keep their state, on the cluster


def _ask(request: dict, timeout_s: float | None) -> dict:
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
    """`_ask` for a run: a warm client that stops answering is one line, not a trace."""
    try:
        return _ask(request, timeout_s)
    except (OSError, ValueError) as error:
        raise errors.UserError(f"the warm Flink client stopped answering ({error}); see {LOG}. `python runner.py "
                               "cluster stop` then `start` restarts it; without it a run plans in its own JVM") from None


def ready() -> bool:
    try:
        return bool(_ask({"ping": True}, timeout_s=2.0).get("ready"))
    except (OSError, ValueError):
        return False


class WarmJob:
    """`flink_job.Job`'s interface (job_id, wait, stop) for a job the warm client submitted."""

    def __init__(self, statements: list[str], dedup_window: Duration | None = None):
        reply = _request({"submit": statements, "dedup_window_ms": dedup_window.millis if dedup_window else None},
                         timeout_s=SUBMIT_TIMEOUT_S)
        self.job_id = reply["job_id"]

    def wait(self) -> None:
        _request({"wait": self.job_id}, timeout_s=None)

    def stop(self, savepoint_dir: Path | None) -> str:
        return _request({"stop": self.job_id, "savepoints": str(savepoint_dir) if savepoint_dir else None},
                        timeout_s=None)["outcome"]


# --- the process itself -------------------------------------------------------------------------

def _fresh_udfs() -> None:
    """Forget the modules of udfs/ so a job plans with the functions as they are now on disk."""
    for name, module in list(sys.modules.items()):
        if Path(getattr(module, "__file__", None) or "/").parent == UDFS:
            del sys.modules[name]


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self):
        self.jobs: dict[str, flink_job.Job] = {}
        self.planning = threading.Lock()  # one job planned at a time (the udfs modules are shared)
        super().__init__(str(SOCKET), _Handler)


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: _Server = self.server
        request = json.loads(self.rfile.readline())
        try:
            if "submit" in request:
                window = request["dedup_window_ms"]
                started = time.monotonic()
                with server.planning:
                    _fresh_udfs()
                    job = flink_job.Job(request["submit"], HEAP,
                                        dedup_window=Duration(window, "ms") if window is not None else None)
                server.jobs[job.job_id] = job
                print(f"job {job.job_id} submitted in {time.monotonic() - started:.1f}s", flush=True)
                reply = {"job_id": job.job_id}
            elif "wait" in request:
                job = server.jobs[request["wait"]]
                try:
                    job.wait()
                finally:
                    server.jobs.pop(request["wait"], None)
                reply = {"ended": True}
            elif "stop" in request:
                job = server.jobs.pop(request["stop"])
                reply = {"outcome": job.stop(Path(request["savepoints"]) if request["savepoints"] else None)}
            else:
                reply = {"ready": True}
        except errors.UserError as error:
            reply = {"error": str(error), "kind": type(error).__name__}
        except KeyError:
            reply = {"error": "the warm client does not know this job (it was restarted): see the cluster's "
                              "web UI", "kind": "UserError"}
        try:
            self.wfile.write(json.dumps(reply).encode() + b"\n")
        except OSError:  # the run that asked has ended (Ctrl-C): a job it never heard of is cancelled
            if "submit" in request and "job_id" in reply:
                server.jobs.pop(reply["job_id"]).stop(None)


def _warm_up(cluster: str) -> None:
    """Plan and submit the heaviest job (all, udf; bounded, into a blackhole) and cancel it at once,
    so the code of the planner, the compiled plan and the submission is loaded and compiled before
    the first real run. (Also running one row through a Python function to its end, to warm the
    cluster's tasks, took 11 s more here and saved about half a second of the first run.) A failure
    (a config that does not load, say) only leaves the warming to the first run."""
    from lesson3 import session, script
    from lesson3.connection import from_environment

    try:
        chosen = session.plan(session.Request(jobs=["all"], variant="udf", sink="blackhole", bounded=True,
                                              overrides=[f"cluster={cluster}"]))
        statements = script.statements(script.render(chosen.settings, chosen.pipeline, from_environment()))
        rename = "SET 'pipeline.name' = 'warm-up of the warm client (cancelled at once)'"
        flink_job.Job(statements[:-1] + [rename, statements[-1]], HEAP, chosen.settings.state.dedup_window).stop(None)
    except errors.UserError as error:
        print(f"warm-up skipped: {error}", flush=True)


def serve(cluster: str) -> None:
    """Warm up on the cluster at `cluster` (HOST:PORT), then answer runs until SIGTERM."""
    SOCKET.unlink(missing_ok=True)
    os.umask(0o077)  # the socket is ours alone: statements carry the Kafka credentials
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.monotonic()
    _warm_up(cluster)
    server = _Server()
    print(f"warm client ready after {time.monotonic() - started:.1f}s on {SOCKET}", flush=True)
    try:
        server.serve_forever()
    finally:
        SOCKET.unlink(missing_ok=True)


def _pid() -> int | None:
    """The warm client's process id while it lives (a killed one may linger as a zombie a while)."""
    try:
        pid = int(PID.read_text())
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return None if state in ("Z", "X") else pid


def start(cluster: str, progress=print) -> str:
    """Start the warm client (if it is not running) for the cluster at `cluster` and wait until it is ready."""
    if ready():
        return "ready"
    if not _pid():
        for folder in (PID.parent, LOG.parent):
            folder.mkdir(parents=True, exist_ok=True)
        with open(LOG, "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "lesson3.infra.warm_client", cluster], cwd=ROOT,
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        PID.write_text(str(process.pid))
    progress("Warming up a Flink client for quick submits (plans one job once) ...")
    started = time.monotonic()
    while time.monotonic() - started < READY_TIMEOUT_S:
        if ready():
            return f"ready after {time.monotonic() - started:.1f}s"
        if not _pid():
            raise errors.UserError(f"the warm Flink client ended while warming up; see {LOG}")
        time.sleep(0.5)
    raise errors.UserError(f"the warm Flink client was not ready within {READY_TIMEOUT_S}s; see {LOG}")


def stop() -> str:
    pid = _pid()
    if pid:
        os.kill(pid, signal.SIGTERM)
    PID.unlink(missing_ok=True)
    return "stopped" if pid else "not running"


def status() -> str:
    return "ready" if ready() else "warming up" if _pid() else "not running"


if __name__ == "__main__":
    serve(sys.argv[1])
