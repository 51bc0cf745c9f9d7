"""A local standalone Flink 2.2 session cluster from the scripts PyFlink ships: one JobManager, two
TaskManagers, web UI and REST API on localhost:8081.

Its Flink home is PyFlink's package; what differs lives under .data/flink: the configuration
(PyFlink's own, with two slots per TaskManager), the lib folder (PyFlink's jars plus flink-python,
which TaskManagers need to run Python functions), logs and pid files. Jobs bring the Kafka
connector themselves (pipeline.jars), and their Python functions run with the project's .venv.
(order_analytics/local_cluster.py starts a warm client beside it, which plans the runs that name it.)
"""
from __future__ import annotations

import os
import re
import subprocess
import time

import yaml

from order_analytics.errors import UserError
from order_analytics.paths import FLINK_DATA, python_worker_env
from order_analytics.infra import flink_rest, ports
from order_analytics.infra.sql_client import pyflink_home

CONF, LIB, LOG, PIDS = FLINK_DATA / "conf", FLINK_DATA / "lib", FLINK_DATA / "log", FLINK_DATA / "pids"
HOST, REST_PORT, RPC_PORT = "localhost", 8081, 6123
ADDRESS = f"{HOST}:{REST_PORT}"
TASK_MANAGERS, SLOTS = 2, 2
# On the 2 cores shared with other test runs (load average about 30) the second TaskManager
# registered 86 s after the start, and in other tries 90 s ran out.
READY_TIMEOUT_S = 180
# Each TaskManager's whole process. PyFlink's 1728m leaves 512 MB of heap, where hashmap state
# lives: a soak at 2,000 orders/s with a 7-day dedup window filled it in 8 minutes and the GC
# stalls got TaskManagers taken for dead. 2560m gives about 900 MB of heap (768 MB of it for tasks) and
# keeps the managed memory (0.4 of it, ~820 MB) for Python workers and RocksDB; two of them and
# the JobManager take 6 GB of a 24 GiB machine. Bounded state is still the dedup window's job
# (docs/reliability.md sizes it).
TASK_MANAGER_MEMORY = "2560m"
# How the cluster rides out a TaskManager lost in mid-stream (kill -9, an OOM kill, a machine gone):
FAULT_TOLERANCE = {
    # A job of parallelism 2 takes one slot on each TaskManager, not both of one: losing either then
    # leaves the other with two free slots, so the job restarts there at once (4 slots, 2 in use),
    # without waiting for the lost TaskManager to come back.
    "taskmanager.load-balance.mode": "SLOTS",
    # A dead TaskManager refuses connections: two failed heartbeat calls in a row (4 s) declare it
    # lost, so its slots are not offered to the restart. The timeout only matters for one that hangs
    # without dying: 20 s took a TaskManager busy with a backlog and its GC for dead in a soak run,
    # so it is 60 s.
    "heartbeat.interval": "2s",
    "heartbeat.timeout": "60s",
    "heartbeat.rpc-failure-threshold": 2,
    # The restart strategy is each job's own (restart.* in config/lesson3.yaml: every 10 s, 6 times):
    # the first restart, 10 s after the loss, finds the lost TaskManager already gone and the
    # survivor's free slots ready.
}


def _prepare() -> dict:
    """Write the cluster's conf and lib folders; the environment its scripts run with."""
    home = pyflink_home()
    for folder in (CONF, LIB, LOG, PIDS):
        folder.mkdir(parents=True, exist_ok=True)
    for jar in [*(home / "lib").glob("*.jar"), *(home / "opt").glob("flink-python-*.jar")]:
        if not (LIB / jar.name).exists():
            (LIB / jar.name).symlink_to(jar)
    config = yaml.safe_load((home / "conf" / "config.yaml").read_text())
    config["taskmanager"]["numberOfTaskSlots"] = SLOTS
    config["taskmanager"]["memory"]["process"]["size"] = TASK_MANAGER_MEMORY
    config["rest"] = {"address": HOST, "port": REST_PORT, "bind-address": HOST}
    config["jobmanager"]["memory"]["process"]["size"] = "1024m"
    config.update(FAULT_TOLERANCE)
    (CONF / "config.yaml").write_text(yaml.safe_dump(config))
    for name in ("log4j.properties", "log4j-console.properties", "log4j-cli.properties", "logback.xml"):
        if not (CONF / name).exists():
            (CONF / name).symlink_to(home / "conf" / name)
    return {**os.environ, **python_worker_env(), "FLINK_HOME": str(home), "FLINK_CONF_DIR": str(CONF), "FLINK_LIB_DIR": str(LIB),
            "FLINK_LOG_DIR": str(LOG), "FLINK_PID_DIR": str(PIDS)}


def _script(name: str, *args: str, env: dict) -> None:
    done = subprocess.run(["bash", str(pyflink_home() / "bin" / name), *args], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise UserError(f"{name} {' '.join(args)} failed: {(done.stderr or done.stdout).strip()[-300:]}; "
                        f"logs in {LOG}")


def overview(address: str = f"{HOST}:{REST_PORT}", timeout_s: float = 2.0) -> dict | None:
    """The REST API's /overview, or None when no cluster answers there."""
    try:
        return flink_rest.get(address, "/overview", timeout_s)
    except (OSError, ValueError):
        return None


def _unfinished_jobs(chosen, address: str) -> list[str]:
    return [job["jid"] for job in flink_rest.get(address, "/jobs/overview", 5)["jobs"]
            if job["state"] not in ("FINISHED", "CANCELED", "FAILED") and chosen(job["name"])]


def cancel_jobs(chosen, address: str = ADDRESS, timeout_s: float = 60) -> list[str]:
    """Cancel the unfinished jobs whose name `chosen(name)` picks (a job whose client was killed -9
    runs on) and wait until they have ended; their ids."""
    jobs = _unfinished_jobs(chosen, address)
    for job_id in jobs:
        flink_rest.cancel(address, job_id)
    deadline = time.monotonic() + timeout_s
    while jobs and set(jobs) & set(_unfinished_jobs(chosen, address)):
        if time.monotonic() > deadline:
            raise UserError(f"jobs {', '.join(jobs)} on {address} did not end within {timeout_s:.0f}s of a cancel")
        time.sleep(0.5)
    return jobs


def task_managers(address: str = ADDRESS) -> list[dict]:
    """Each registered TaskManager: its id, slots, and the pid of its process on this machine."""
    listed = flink_rest.get(address, "/taskmanagers", 5)["taskmanagers"]
    return [{"id": tm["id"], "slots": tm["slotsNumber"], "free": tm["freeSlots"],
             "pid": _pid_listening(tm["id"])} for tm in listed]


def _pid_listening(task_manager_id: str) -> int | None:
    """The pid of a standalone TaskManager, whose id is HOST:RPC_PORT-SUFFIX: the process that
    listens on that port (None for another kind of id, as a mini-cluster's)."""
    port = re.match(r"[^:]+:(\d+)-", task_manager_id)
    if not port:
        return None
    done = subprocess.run(["ss", "-Hltnp", f"sport = :{port.group(1)}"], capture_output=True, text=True)
    found = re.search(r"pid=(\d+)", done.stdout)
    return int(found.group(1)) if found else None


def status() -> str:
    info = overview()
    if not info:
        return "stopped"
    lines = [f"running: {info['taskmanagers']} TaskManagers, {info['slots-available']}/{info['slots-total']} "
             f"slots free, {info['jobs-running']} jobs running; web UI http://{HOST}:{REST_PORT}"]
    lines += [f"  TaskManager {tm['id']}: pid {tm['pid'] or '? (not on this machine)'}, "
              f"{tm['free']}/{tm['slots']} slots free" for tm in task_managers()]
    return "\n".join(lines)


def start_task_manager() -> None:
    """One more TaskManager, as after one was lost: the cluster back to its full size."""
    _script("taskmanager.sh", "start", env=_prepare())


def start(progress=print) -> bool:
    """Start the cluster and wait until its TaskManagers are up; False when it was running already."""
    if overview():
        return False
    for port in (REST_PORT, RPC_PORT):
        if not ports.free(port):
            raise UserError(f"port {port} is taken by another program: stop it, then start the cluster again")
    env = _prepare()
    progress(f"Starting a Flink cluster: 1 JobManager, {TASK_MANAGERS} TaskManagers (logs: {LOG}) ...")
    started = time.monotonic()
    _script("jobmanager.sh", "start", env=env)
    for _ in range(TASK_MANAGERS):
        _script("taskmanager.sh", "start", env=env)
    while time.monotonic() - started < READY_TIMEOUT_S:
        info = overview()
        if info and info["taskmanagers"] == TASK_MANAGERS:
            progress(f"Cluster: ready after {time.monotonic() - started:.1f}s; web UI http://{HOST}:{REST_PORT}")
            return True
        time.sleep(0.5)
    raise UserError(f"the Flink cluster did not come up within {READY_TIMEOUT_S}s; see the logs in {LOG}")


def stop() -> str:
    if not overview() and not any(PIDS.glob("*.pid")):
        return "not running"
    env = _prepare()
    _script("taskmanager.sh", "stop-all", env=env)
    _script("jobmanager.sh", "stop-all", env=env)
    return "stopped"
