"""`python runner.py cluster start|stop|status`: the local Flink cluster (infra/cluster.py) with
its warm client beside it (infra/warm_process.py running order_analytics/warm_planner.py)."""
from __future__ import annotations

from order_analytics import warm_planner
from order_analytics.infra import cluster, warm_process


def status() -> str:
    state = cluster.status()
    if state == "stopped":
        return state
    first, *task_managers = state.splitlines()  # the warm client on the cluster's line, its TaskManagers below
    return "\n".join([f"{first}; warm client {warm_process.status()}", *task_managers])


def start(progress=print) -> str:
    started = cluster.start(progress)
    warm = warm_process.start(warm_planner.command(cluster.ADDRESS), progress)
    if not started:
        return f"already running ({status()})"
    return (f"running; its warm client {warm}: a run with --cluster {cluster.ADDRESS} "
            "is planned and submitted in about 2 s")


def stop() -> str:
    warm_process.stop()
    return cluster.stop()
