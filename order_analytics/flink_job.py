"""Run a rendered script on PyFlink: every statement in order, the last one submits the job.

The last statement is the EXECUTE STATEMENT SET whose INSERTs write the results (to Kafka, or a
blackhole). It runs on Flink's local mini-cluster inside this process's JVM, or on the cluster the
script's SET statements name.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from order_analytics.compiled_plan import python_mode, with_dedup_window
from order_analytics.connection import mask_secret
from order_analytics.flink_errors import LOG, one_line
from order_analytics.infra import gateway, jvm_archive
from order_analytics.paths import DATA, UDFS, python_worker_env
from order_analytics.sql_text import statements
from order_analytics.settings import Duration

JVM_OUTPUT = DATA / "logs" / "flink-stdout.log"
USER_JVM_ARGS = os.environ.get("JVM_ARGS", "")
PLANNING = "planning the job (Flink's JVM, the tables, the functions)"
SUBMITTING = "submitting the job (its plan, the Python workers)"
SAVEPOINT_WAIT_S = 60  # 30 s were not enough for the Python workers to deploy on a busy 2-core machine
NOT_RUNNING_YET = "is not being executed at the moment"  # Flink's CheckpointException while tasks deploy
PLANS = DATA / "plans"
UNPLANNED_SETTING = re.compile(r"^(SET|RESET)\s+'(rest\.|execution\.state-recovery\.|execution\.checkpointing\.dir')",
                               re.IGNORECASE)
VIEW = re.compile(r"^\s*CREATE\s+(TEMPORARY\s+)?VIEW\b", re.IGNORECASE)
SET_STATEMENT = re.compile(r"^SET\s+'([^']+)'\s*=\s*'([^']*)'$", re.IGNORECASE)


def _set(t_env, key: str, value: str) -> None:
    t_env.get_config().set(key, value)
    if key == "python.files":  # functions are also resolved in this process, as add_python_file does
        sys.path[:0] = [path for path in value.split(",") if path not in sys.path]


class Environment:
    """A streaming TableEnvironment whose JVM starts at once, in a thread of its own, while the
    caller goes on with the rest of its start-up (the broker, the topics, the script): Flink's
    JVM and planner take seconds to load, which need not wait for that. `get()` waits for it.
    The JVM's heap is at most `heap`."""

    def __init__(self, heap: str):
        # before PyFlink starts its JVM, which inherits them; PyFlink passes JVM_ARGS on (a user's own
        # JVM_ARGS come last, so an -Xmx there wins)
        os.environ.update(python_worker_env(), JVM_ARGS=f"-Xmx{heap} {jvm_archive.options()} {USER_JVM_ARGS}".strip())
        gateway.detach(JVM_OUTPUT)
        self._ready = threading.Event()
        self._t_env = self._error = None
        threading.Thread(target=self._create, name="flink-jvm", daemon=True).start()

    def _create(self) -> None:
        try:
            from pyflink.java_gateway import get_gateway

            get_gateway()  # the JVM first: it boots while the rest of PyFlink is imported
            from pyflink.table import EnvironmentSettings, TableEnvironment

            self._t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        except Exception as error:  # raised where it is waited for
            self._error = error
        finally:
            self._ready.set()

    def get(self):
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._t_env


def _environment(setup: list[str], environment: Environment, options: dict[str, str] | None = None):
    """The TableEnvironment of `environment` with Flink `options`, that ran the script's `setup`
    statements (settings, tables, views, functions)."""
    t_env = environment.get()
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
        t_env = _environment(script_statements[:-1], Environment(heap))
        job = re.sub(r"^\s*EXECUTE\s+", "", script_statements[-1], flags=re.IGNORECASE)
        with t_env.execute_sql(f"EXPLAIN {job}").collect() as rows:
            return next(rows)[0]
    except Exception as error:
        raise one_line(error) from None


def plan_file(script_statements: list[str], dedup_window: Duration | None) -> Path:
    """Where the compiled plan of a script is kept: named by a hash of all it is compiled from, the
    code of the Python functions included (the plan carries them pickled) and PyFlink's version.
    Settings that do not shape the plan (the web UI's port, where checkpoints go or which one to
    continue from) are left out of the hash, so a run that continues finds the plan of the first."""
    from pyflink.version import __version__

    digest = hashlib.sha256(f"{__version__}\0{dedup_window.millis if dedup_window else None}".encode())
    for statement in script_statements:
        if not UNPLANNED_SETTING.match(statement.strip()):
            digest.update(statement.encode() + b"\0")
    for source in sorted(UDFS.rglob("*.py")):
        digest.update(source.read_bytes())
    return PLANS / f"{digest.hexdigest()[:20]}.json"


def _quiet(step: str) -> None:
    pass


def _stop_with_savepoint(client, savepoint_dir: Path) -> str | None:
    """The savepoint's path, or None when there is none (the job may be failing; its checkpoints stay).
    A job stopped while its tasks are still being deployed refuses a savepoint: asked again, until
    they run (or SAVEPOINT_WAIT_S)."""
    from pyflink.java_gateway import get_gateway

    # PyFlink 2.2's stop_with_savepoint calls a signature Flink 2 no longer has
    canonical = get_gateway().jvm.org.apache.flink.core.execution.SavepointFormatType.CANONICAL
    deadline = time.monotonic() + SAVEPOINT_WAIT_S
    while True:
        try:
            return client._j_job_client.stopWithSavepoint(False, savepoint_dir.as_uri(), canonical).get()
        except Exception as error:
            if NOT_RUNNING_YET not in str(error) or time.monotonic() > deadline:
                with open(LOG, "a", encoding="utf-8") as log:
                    log.write(f"stop with savepoint failed: {mask_secret(str(error))}\n")
                return None
            time.sleep(0.5)


class Job:
    """The Flink job a script submits (its last statement); `wait()` until it ends, or `stop()`.
    `progress` hears of each step as it begins: PLANNING, then SUBMITTING."""

    def __init__(self, statements: list[str], environment: Environment, dedup_window: Duration | None = None,
                 options: dict[str, str] | None = None, progress: Callable[[str], None] = _quiet,
                 choose_python_mode: bool = False):
        """`environment`: where it is planned (started before, or `Environment(heap)`); `options`:
        Flink options of this run beyond the script's own SET statements; `choose_python_mode`: the
        plan's Python operators set the Python execution mode (compiled_plan.python_mode)."""
        try:
            progress(PLANNING)
            plan_at = plan_file(statements, dedup_window)
            # a compiled plan has its views inlined: with one at hand, they are created only if it fails
            later = [s for s in statements[:-1] if VIEW.match(s)] if dedup_window and plan_at.exists() else []
            self._t_env = _environment([s for s in statements[:-1] if s not in later], environment, options)
            progress(SUBMITTING)
            self._choose_python_mode = choose_python_mode
            self._result = self._submit(statements[-1], dedup_window, plan_at, later)
        except Exception as error:
            raise one_line(error) from None
        self.job_id = str(self._result.get_job_client().get_job_id())

    def _submit(self, statement: str, dedup_window: Duration | None, plan_file: Path, views: list[str]):
        """Run the final statement set. Through a compiled plan when seen orderIds expire (a live run:
        the plan carries their TTL and is kept for the next run of the same script, else the `views`
        left out are created first) or when its Python operators choose the Python execution mode."""
        body = re.fullmatch(r"\s*EXECUTE STATEMENT SET\s+BEGIN\s+(.*)\bEND\s*", statement, re.S | re.I)
        if body is None or not (dedup_window or self._choose_python_mode):
            return self._t_env.execute_sql(statement)
        from pyflink.table.table_result import TableResult

        found = self._cached(plan_file) if dedup_window else None
        compiled, plan = found or self._compile(body.group(1), views, dedup_window, plan_file)
        if self._choose_python_mode:  # read when execute() translates the plan into operators
            _set(self._t_env, "python.execution-mode", python_mode(plan))
        return TableResult(compiled.execute())

    def _compile(self, inserts: str, views: list[str], dedup_window: Duration | None, plan_file: Path):
        """The statement set of `inserts` compiled, and its JSON; with the TTL of `dedup_window` and kept
        in `plan_file` when there is one."""
        for view in views:
            self._t_env.execute_sql(view)
        statement_set = self._t_env._j_tenv.createStatementSet()
        for insert in statements(inserts):
            statement_set.addInsertSql(insert)
        compiled = statement_set.compilePlan()
        plan = compiled.asJsonString()
        if dedup_window is None:
            return compiled, plan
        plan = with_dedup_window(plan, dedup_window)
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        partial = plan_file.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(plan, encoding="utf-8")
        partial.replace(plan_file)  # whole or not at all, also with two runs at once
        return self._load(plan), plan

    def _load(self, plan: str):
        from pyflink.java_gateway import get_gateway

        reference = get_gateway().jvm.org.apache.flink.table.api.PlanReference.fromJsonString(plan)
        return self._t_env._j_tenv.loadPlan(reference)

    def _cached(self, plan_file: Path):
        """The plan an earlier run of the same script compiled, with its JSON; None when there is none
        (or it does not load: written by another Flink, or damaged)."""
        if not plan_file.exists():
            return None
        plan = plan_file.read_text(encoding="utf-8")
        try:
            return self._load(plan), plan
        except Exception as error:
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(f"cached plan {plan_file} not used: {mask_secret(str(error))[:400]}\n")
            return None

    def wait(self) -> None:
        """Until the job ends (only a bounded job ends by itself)."""
        try:
            self._result.wait()
        except Exception as error:
            raise one_line(error) from None

    def stop(self, savepoint_dir: Path | None) -> str:
        """Stop the job, with a savepoint in `savepoint_dir` to continue from when there is one."""
        try:
            client = self._result.get_job_client()
        except Exception:  # the Flink JVM is gone (it got the signal too): its checkpoints stay
            return "stopped (Flink had already ended; the next run continues from the last checkpoint)"
        if savepoint_dir is not None:
            path = _stop_with_savepoint(client, savepoint_dir)
            if path:
                return f"stopped with a savepoint ({path.removeprefix('file:')})"
        try:
            client.cancel().result()
        except Exception:
            pass  # already finished, or the mini-cluster is gone: nothing left to stop
        return "stopped"
