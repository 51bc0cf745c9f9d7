"""A local standalone Flink 2.2 session cluster from the scripts PyFlink ships: one JobManager, two
TaskManagers, web UI and REST API on localhost:8081.

Its Flink home is PyFlink's package; what differs lives under .data/flink: the configuration
(PyFlink's own, with two slots per TaskManager), the lib folder (PyFlink's jars plus flink-python,
which TaskManagers need to run Python functions), logs and pid files. Jobs bring the Kafka
connector themselves (pipeline.jars), and their Python functions run with the project's .venv.
(lesson3/local_cluster.py starts a warm client beside it, which plans the runs that name it.)
"""
from __future__ import annotations

import os
import subprocess
import time

import yaml

from lesson3.errors import UserError
from lesson3.paths import FLINK_DATA, python_worker_env
from lesson3.infra import flink_rest, ports
from lesson3.infra.sql_client import pyflink_home

CONF, LIB, LOG, PIDS = FLINK_DATA / "conf", FLINK_DATA / "lib", FLINK_DATA / "log", FLINK_DATA / "pids"
HOST, REST_PORT, RPC_PORT = "localhost", 8081, 6123
ADDRESS = f"{HOST}:{REST_PORT}"
TASK_MANAGERS, SLOTS = 2, 2
READY_TIMEOUT_S = 90


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
    config["rest"] = {"address": HOST, "port": REST_PORT, "bind-address": HOST}
    config["jobmanager"]["memory"]["process"]["size"] = "1024m"
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


def status() -> str:
    info = overview()
    if not info:
        return "stopped"
    return (f"running: {info['taskmanagers']} TaskManagers, {info['slots-available']}/{info['slots-total']} "
            f"slots free, {info['jobs-running']} jobs running; web UI http://{HOST}:{REST_PORT}")


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
