"""What the warm Flink client plans, and the job it warms up with: `python -m order_analytics.warm_planner
HOST:PORT`, started by `python runner.py cluster start` (order_analytics/local_cluster.py).

Most of a run's start-up is the client, not the cluster: PyFlink starts a JVM, and Flink's planner
spends seconds of CPU loading and JIT-compiling itself before the first job is planned. This
process has planned and submitted (and at once cancelled) one job, and stays up: it plans a run's
statements exactly as the runner would (`flink_job.Job`, a fresh TableEnvironment per job) and
answers with the job's id; the run reads its results from Kafka as always.
"""
from __future__ import annotations

import sys
from pathlib import Path

from order_analytics import errors, flink_job, script, sql_text
from order_analytics.connection import from_environment
from order_analytics.infra import warm_server
from order_analytics.paths import UDFS
from order_analytics.request import Request, choose
from order_analytics.settings import Duration

MODULE = "order_analytics.warm_planner"  # what `python -m` runs (under `-m` this module's __name__ is __main__)
HEAP = "1g"  # it only plans: the jobs run, and keep their state, on the cluster


def command(cluster: str) -> list[str]:
    """The command that starts the warm client for the cluster at `cluster` (HOST:PORT)."""
    return [sys.executable, "-m", MODULE, cluster]


def _fresh_udfs() -> None:
    """Forget the modules of udfs/ so a job plans with the functions as they are now on disk."""
    for name, module in list(sys.modules.items()):
        if Path(getattr(module, "__file__", None) or "/").parent == UDFS:
            del sys.modules[name]


def submit(statements: list[str], dedup_window_ms: int | None) -> flink_job.Job:
    _fresh_udfs()
    return flink_job.Job(statements, flink_job.Environment(HEAP),
                         dedup_window=Duration(dedup_window_ms, "ms") if dedup_window_ms is not None else None)


def warm_up(cluster: str) -> None:
    """Plan and submit the heaviest job (all, udf; bounded, into a blackhole) and cancel it at once,
    so the code of the planner, the compiled plan and the submission is loaded and compiled before
    the first real run. (Also running one row through a Python function to its end, to warm the
    cluster's tasks, took 11 s more here and saved about half a second of the first run.) A failure
    (a config that does not load, say) only leaves the warming to the first run."""
    try:
        chosen = choose(Request(jobs=["all"], variant="udf", sink="blackhole", bounded=True,
                                overrides=[f"cluster={cluster}"]))
        statements = sql_text.statements(script.render(chosen.settings, chosen.pipeline, from_environment()))
        rename = "SET 'pipeline.name' = 'warm-up of the warm client (cancelled at once)'"
        flink_job.Job(statements[:-1] + [rename, statements[-1]], flink_job.Environment(HEAP),
                      chosen.settings.state.dedup_window).stop(None)
    except errors.UserError as error:
        print(f"warm-up skipped: {error}", flush=True)


if __name__ == "__main__":
    warm_server.serve(submit, lambda: warm_up(sys.argv[1]))
