"""Run a rendered script on PyFlink: every statement in order, the last one submits the job.

The last statement is the EXECUTE STATEMENT SET whose INSERTs write the results (to Kafka, or a
blackhole). It runs on Flink's local mini-cluster inside this process's JVM, or on the cluster the
script's SET statements name.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from lesson3.compiled_plan import with_dedup_window
from lesson3.connection import mask_secret
from lesson3.flink_errors import LOG, one_line
from lesson3.infra.stdout import stdout_to
from lesson3.paths import DATA, python_worker_env
from lesson3.sql_text import statements
from lesson3.settings import Duration

JVM_OUTPUT = DATA / "logs" / "flink-stdout.log"
USER_JVM_ARGS = os.environ.get("JVM_ARGS", "")
SET_STATEMENT = re.compile(r"^SET\s+'([^']+)'\s*=\s*'([^']*)'$", re.IGNORECASE)


def _set(t_env, key: str, value: str) -> None:
    t_env.get_config().set(key, value)
    if key == "python.files":  # functions are also resolved in this process, as add_python_file does
        sys.path[:0] = [path for path in value.split(",") if path not in sys.path]


def _environment(setup: list[str], heap: str, options: dict[str, str] | None = None):
    """A streaming TableEnvironment with Flink `options`, that ran the script's `setup` statements
    (settings, tables, views, functions), in a JVM whose heap is at most `heap`."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    # before PyFlink starts its JVM, which inherits them; PyFlink passes JVM_ARGS on (a user's own
    # JVM_ARGS come last, so an -Xmx there wins)
    os.environ.update(python_worker_env(), JVM_ARGS=f"-Xmx{heap} {USER_JVM_ARGS}".strip())
    with stdout_to(JVM_OUTPUT):
        t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    for key, value in (options or {}).items():
        _set(t_env, key, value)
    for statement in setup:
        # TableEnvironment has no SET statement (only the SQL client does): the script's go to the config
        setting = SET_STATEMENT.match(statement.strip())
        if setting:
            _set(t_env, *setting.groups())
        else:
            t_env.execute_sql(statement)
    return t_env


def explain(script_statements: list[str], heap: str) -> str:
    """Flink's EXPLAIN of the job a script submits (EXPLAIN), without running it: the operators, which
    of them share a task, and every expression each one computes."""
    try:
        t_env = _environment(script_statements[:-1], heap)
        job = re.sub(r"^\s*EXECUTE\s+", "", script_statements[-1], flags=re.IGNORECASE)
        with t_env.execute_sql(f"EXPLAIN {job}").collect() as rows:
            return next(rows)[0]
    except Exception as error:
        raise one_line(error) from None


class Job:
    """The Flink job a script submits (its last statement); `wait()` until it ends, or `stop()`."""

    def __init__(self, statements: list[str], heap: str, dedup_window: Duration | None = None,
                 options: dict[str, str] | None = None):
        """`options`: Flink options of this run beyond the script's own SET statements."""
        try:
            self._t_env = _environment(statements[:-1], heap, options)
            self._result = self._submit(statements[-1], dedup_window)
        except Exception as error:
            raise one_line(error) from None
        self.job_id = str(self._result.get_job_client().get_job_id())

    def _submit(self, statement: str, dedup_window: Duration | None):
        """Run the final statement set, through a compiled plan when seen orderIds expire."""
        body = re.fullmatch(r"\s*EXECUTE STATEMENT SET\s+BEGIN\s+(.*)\bEND\s*", statement, re.S | re.I)
        if dedup_window is None or body is None:
            return self._t_env.execute_sql(statement)
        from pyflink.java_gateway import get_gateway
        from pyflink.table.table_result import TableResult

        statement_set = self._t_env._j_tenv.createStatementSet()
        for insert in statements(body.group(1)):
            statement_set.addInsertSql(insert)
        plan = with_dedup_window(statement_set.compilePlan().asJsonString(), dedup_window)
        reference = get_gateway().jvm.org.apache.flink.table.api.PlanReference.fromJsonString(plan)
        return TableResult(self._t_env._j_tenv.loadPlan(reference).execute())

    def wait(self) -> None:
        """Until the job ends (only a bounded job ends by itself)."""
        try:
            self._result.wait()
        except Exception as error:
            raise one_line(error) from None

    def stop(self, savepoint_dir: Path | None) -> str:
        """Stop the job, with a savepoint in `savepoint_dir` to continue from when there is one."""
        from pyflink.java_gateway import get_gateway

        try:
            client = self._result.get_job_client()
        except Exception:  # the Flink JVM is gone (it got the signal too): its checkpoints stay
            return "stopped (Flink had already ended; the next run continues from the last checkpoint)"
        if savepoint_dir is not None:
            try:  # PyFlink 2.2's stop_with_savepoint calls a signature Flink 2 no longer has
                canonical = get_gateway().jvm.org.apache.flink.core.execution.SavepointFormatType.CANONICAL
                path = client._j_job_client.stopWithSavepoint(False, savepoint_dir.as_uri(), canonical).get()
                return f"stopped with a savepoint ({path.removeprefix('file:')}); run the same command to continue"
            except Exception as error:  # no savepoint (the job may be failing): cancel, checkpoints stay
                with open(LOG, "a", encoding="utf-8") as log:
                    log.write(f"stop with savepoint failed: {mask_secret(str(error))}\n")
        try:
            client.cancel().result()
        except Exception:
            pass  # already finished, or the mini-cluster is gone: nothing left to stop
        return "stopped"
