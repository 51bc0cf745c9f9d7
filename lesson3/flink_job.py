"""Run a rendered script on PyFlink: every statement in order, the last one submits the job.

The last statement is the EXECUTE STATEMENT SET whose INSERTs write the results (to Kafka, or a
blackhole). It runs on Flink's local mini-cluster inside this process's JVM, or on the cluster the
script's SET statements name.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

from lesson3.connection import mask_secret
from lesson3.errors import KafkaUnavailable, UsageError, UserError
from lesson3.infra import gateway
from lesson3.paths import DATA, UDFS, python_worker_env
from lesson3.script import statements
from lesson3.settings import Duration

LOG = DATA / "logs" / "runner.log"
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
# Root causes a user can act on, matched in a Java stack trace: (pattern, error class, advice).
KNOWN_CAUSES = [
    (r"Could not find any factory for identifier 'kafka'", UserError,
     "the Kafka connector jar is missing: run `make setup`"),
    (r"SaslAuthenticationException|Authentication failed", KafkaUnavailable,
     "Kafka authentication failed: check CNFL_KC_API_KEY and CNFL_KC_API_SECRET in .env"),
    (r"TimeoutException: Timed out waiting for a node assignment|Failed to list subscribed topic partitions",
     KafkaUnavailable, "Kafka did not answer: is the broker up? (`python runner.py kafka status`)"),
    (r"Cannot map checkpoint/savepoint state|Failed to rollback to checkpoint", UsageError,
     "the retained checkpoint does not fit this query, which changed since it was written: run with "
     "--fresh to start over (the old state is left unused), or run the query that wrote it"),
]


def _root_cause(text: str) -> str:
    """The innermost 'SomeException: message' of a Java trace."""
    causes = re.findall(r"((?:[\w$]+\.)+[\w$]*(?:Exception|Error): [^\n]+)", text)
    return causes[-1] if causes else text.strip().splitlines()[0]


def explain(error: Exception) -> UserError:
    """One line for a Flink/Py4J failure; the whole trace goes to .data/logs/runner.log.

    Flink quotes a table's options in its errors, the JAAS config among them: the secret is
    masked in both."""
    text = mask_secret(str(error))
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(mask_secret(traceback.format_exc()) + "\n")
    for pattern, kind, advice in KNOWN_CAUSES:
        if re.search(pattern, text):
            return kind(advice)
    return UserError(f"the Flink job failed: {_root_cause(text)[:400]} (full trace: {LOG})")


@contextlib.contextmanager
def _stdout_to(path: Path):
    """Point file descriptor 1 at `path` while PyFlink starts its JVM: the JVM (and the Python
    workers it starts) inherit it, so what Flink prints never mixes into our results on stdout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    saved, target = os.dup(1), os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)


def _with_dedup_window(plan_json: str, dedup_window: Duration) -> str:
    """The compiled plan with a state TTL on the deduplication of orderIds alone: totals never
    expire, the memory of counted orderIds after `dedup_window`. (`table.exec.state.ttl` would set
    one TTL for every operator, and SQL hints reach only joins and group aggregations.)

    Its nodes are numbered from 1, as in a fresh JVM: an operator's state is found by a uid made of
    its node's number, which counts on across the plans of one JVM, so the warm client's second plan
    of a query would not fit the checkpoint of its first (or of a run that planned it alone)."""
    plan = json.loads(plan_json)
    number = {node["id"]: index for index, node in enumerate(sorted(plan["nodes"], key=lambda n: n["id"]), 1)}
    for node in plan["nodes"]:
        node["id"] = number[node["id"]]
        if node["type"].startswith("stream-exec-deduplicate"):
            for state in node.get("state", []):
                state["ttl"] = f"{dedup_window.millis} ms"
    for edge in plan["edges"]:
        edge["source"], edge["target"] = number[edge["source"]], number[edge["target"]]
    return json.dumps(plan)


def _environment(setup: list[str], heap: str):
    """A streaming TableEnvironment that ran the script's `setup` statements (settings, tables,
    views, functions), in a JVM whose heap is at most `heap`."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    # before PyFlink starts its JVM, which inherits them; PyFlink passes JVM_ARGS on (a user's own
    # JVM_ARGS come last, so an -Xmx there wins)
    os.environ.update(python_worker_env(), JVM_ARGS=f"-Xmx{heap} {USER_JVM_ARGS}".strip())
    gateway.detach()
    with _stdout_to(JVM_OUTPUT):
        t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    for statement in setup:
        setting = SET_STATEMENT.match(statement.strip())
        if not setting:
            t_env.execute_sql(statement)
            continue
        # TableEnvironment has no SET statement (only the SQL client does): apply it to the config
        key, value = setting.groups()
        t_env.get_config().set(key, value)
        if key == "python.files":  # functions are also resolved in this process, as add_python_file does
            sys.path[:0] = [path for path in value.split(",") if path not in sys.path]
    return t_env


def plan_of(script_statements: list[str], heap: str) -> str:
    """Flink's plan of the job a script submits (EXPLAIN), without running it: the operators, which
    of them share a task, and every expression each one computes."""
    try:
        t_env = _environment(script_statements[:-1], heap)
        job = re.sub(r"^\s*EXECUTE\s+", "", script_statements[-1], flags=re.IGNORECASE)
        with t_env.execute_sql(f"EXPLAIN {job}").collect() as rows:
            return next(rows)[0]
    except Exception as error:
        raise explain(error) from None


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

    def __init__(self, statements: list[str], heap: str, dedup_window: Duration | None = None,
                 progress: Callable[[str], None] = _quiet):
        try:
            progress(PLANNING)
            plan_at = plan_file(statements, dedup_window)
            # a compiled plan has its views inlined: with one at hand, they are created only if it fails
            later = [s for s in statements[:-1] if VIEW.match(s)] if dedup_window and plan_at.exists() else []
            self._t_env = _environment([s for s in statements[:-1] if s not in later], heap)
            progress(SUBMITTING)
            self._result = self._submit(statements[-1], dedup_window, plan_at, later)
        except Exception as error:
            raise explain(error) from None
        self.job_id = str(self._result.get_job_client().get_job_id())

    def _submit(self, statement: str, dedup_window: Duration | None, plan_file: Path, views: list[str]):
        """Run the final statement set, through a compiled plan when seen orderIds expire (the plan
        compiled by an earlier run of the same script, when there is one; else the `views` left out
        are created first, and the plan compiled)."""
        body = re.fullmatch(r"\s*EXECUTE STATEMENT SET\s+BEGIN\s+(.*)\bEND\s*", statement, re.S | re.I)
        if dedup_window is None or body is None:
            return self._t_env.execute_sql(statement)
        from pyflink.java_gateway import get_gateway
        from pyflink.table.table_result import TableResult

        def load(plan: str):
            reference = get_gateway().jvm.org.apache.flink.table.api.PlanReference.fromJsonString(plan)
            return self._t_env._j_tenv.loadPlan(reference)

        if plan_file.exists():
            try:
                return TableResult(load(plan_file.read_text(encoding="utf-8")).execute())
            except Exception as error:  # written by another Flink, or damaged: compiled again below
                with open(LOG, "a", encoding="utf-8") as log:
                    log.write(f"cached plan {plan_file} not used: {mask_secret(str(error))[:400]}\n")
        for view in views:
            self._t_env.execute_sql(view)
        statement_set = self._t_env._j_tenv.createStatementSet()
        for insert in statements(body.group(1)):
            statement_set.addInsertSql(insert)
        plan = _with_dedup_window(statement_set.compilePlan().asJsonString(), dedup_window)
        compiled = load(plan)
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        partial = plan_file.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(plan, encoding="utf-8")
        partial.replace(plan_file)  # whole or not at all, also with two runs at once
        return TableResult(compiled.execute())

    def wait(self) -> None:
        """Until the job ends (only a bounded job ends by itself)."""
        try:
            self._result.wait()
        except Exception as error:
            raise explain(error) from None

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
