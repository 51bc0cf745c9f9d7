"""One run of analyses, from what the user asked (a Request, order_analytics/request.py) to the job's end:
the script, the submission, the results shown (order_analytics/printer.py) until the job ends or Ctrl-C.
"""
from __future__ import annotations

import dataclasses
import sys
import threading
import time

from order_analytics import checkpoints, console, interrupts, script, sql_text, views_start
from order_analytics.connection import Connection, ensure_topic, from_environment, ready
from order_analytics.errors import UserError
from order_analytics.infra import warm_client
from order_analytics.printed import PrintedMemory
from order_analytics.printer import ResultPrinter, say
from order_analytics.request import Choice, Request, choose


def sql(request: Request, reveal_secrets: bool) -> str:
    """The script `run` would execute, for Flink's SQL client; with --sink postgres, the DDL of its
    tables in PostgreSQL is written beside (views.ddl_file), for `db psql -f` before the client runs."""
    chosen = choose(request)
    target = views_start.database_of(chosen)
    if target:
        views_start.write_ddl(chosen)
    return script.render(chosen.settings, chosen.pipeline, from_environment(), reveal_secrets=reveal_secrets,
                         command=request.command, for_client=True, database=target)


def explain(request: Request) -> str:
    """Flink's EXPLAIN of the job `run` would submit, without running it (no broker needed)."""
    from order_analytics import flink_job

    chosen = choose(request)
    database = views_start.database_of(chosen)
    text = script.render(chosen.settings, chosen.pipeline, from_environment(), database=database)
    return flink_job.explain(sql_text.statements(text), chosen.settings.state.heap)


def run(request: Request) -> int:
    """Run the analyses until the job ends (bounded) or Ctrl-C; print results as they come."""
    from order_analytics import flink_job

    chosen = choose(request)
    if _take_over(chosen):
        chosen = choose(request)  # the cancelled job's last checkpoint is the one to continue from
    config, pipeline = chosen.settings, chosen.pipeline
    interrupts.doing(f"starting {pipeline.name}", resume=_resume_hint(chosen))
    # `cluster start` keeps a client warm beside the cluster: it plans in about 2 s, not ten
    warm = bool(config.cluster) and warm_client.ready()
    # else Flink's JVM and planner load (seconds) while the broker is checked and the script made
    environment = None if warm else flink_job.Environment(config.state.heap)
    connection = ready(from_environment(), progress=say)
    pipeline = dataclasses.replace(pipeline, partitions=ensure_topic(connection.client_config(), pipeline.topic))
    print(console.banner(pipeline.analyses), file=sys.stderr if request.output_format == "json" else sys.stdout,
          flush=True)
    from order_analytics.infra import cluster as flink_cluster

    if config.cluster and not flink_cluster.overview(config.cluster):
        raise UserError(f"no Flink cluster answers at {config.cluster}: start one (`python runner.py cluster "
                        "start`) or leave out --cluster to use the embedded mini-cluster")
    where = (f"cluster {config.cluster}{', planned by its warm client' if warm else ''}" if config.cluster
             else "local mini-cluster")
    say(f"Flink: {pipeline.name}: {chosen.start}; topic '{pipeline.topic}'{', bounded' if pipeline.bounded else ''}, "
        f"{pipeline.variant} variant, sink {pipeline.sink}, {where} ...")
    target = views_start.prepare(chosen) if "postgres" in pipeline.sinks else None
    statements = sql_text.statements(script.render(config, pipeline, connection, database=target))
    watch = None
    if "print" in pipeline.sinks:
        memory = PrintedMemory(None if pipeline.bounded else pipeline.checkpoint_dir(config) / "console-printed.jsonl",
                               resuming=chosen.resuming)
        watch = ResultPrinter(pipeline, request.output_format, memory)
    return _supervise(chosen, connection, statements, watch, environment)


def _take_over(chosen: Choice) -> bool:
    """A runner killed with -9 leaves its job running on the cluster; run again, the same command
    cancels it before it picks the checkpoint to continue from (retained on cancel). Two jobs of one
    pipeline would write every result twice, and a checkpoint picked while the old job still runs
    could be older than results it commits later. True when it cancelled one."""
    from order_analytics.infra import cluster as flink_cluster

    address = chosen.settings.cluster
    if address and flink_cluster.overview(address):
        name = chosen.pipeline.name
        if flink_cluster.cancel_jobs(lambda job: job == name, address):
            say(f"Flink: {name} was still running on {address} (its runner was killed): cancelled it, "
                "to continue from its last checkpoint")
            return True
    return False


def _continue_command() -> str:
    """The command that continues this pipeline from its checkpoint: as typed, without --from and --fresh."""
    from order_analytics.monitor import rerun_command

    return rerun_command(sys.argv[1:])


def _resume_hint(chosen: Choice) -> str:
    """For the line of a run interrupted before its job ran: the command that continues, if anything does."""
    return f"; `{_continue_command()}` continues from its checkpoint" if chosen.resuming else ""


def _progress(cluster: str | None):
    """A Job's progress: a line for each step, and what a signal then interrupts. A submission to a
    remote cluster is waited for, so that its job is stopped, not left running there unknown."""
    from order_analytics import flink_job

    began = [time.monotonic()]

    def progress(step: str) -> None:
        if cluster and step == flink_job.SUBMITTING:
            interrupts.defer()
        else:
            interrupts.doing(step)
        took = f" (planned in {time.monotonic() - began[0]:.1f}s)" if step == flink_job.SUBMITTING else ""
        began[0] = time.monotonic()
        say(f"Flink: {step} ...{took}")

    return progress


def _submit(chosen: Choice, statements: list[str], live, environment):
    """The job, planned and submitted (in `environment`, or by the cluster's warm client without one)."""
    from order_analytics import flink_job

    config, pipeline = chosen.settings, chosen.pipeline
    # A bounded run starts over every time and ends with its backlog: the seen orderIds need no
    # expiry there, and the compiled plan that sets it costs seconds of start-up.
    dedup_window = None if pipeline.bounded else config.state.dedup_window
    if environment is None:
        interrupts.defer()
        say("Flink: submitting the job to the cluster's warm client ...")
        return warm_client.WarmJob(statements, dedup_window.millis if dedup_window else None)
    # thread mode on the embedded mini-cluster only: a cluster's TaskManagers run Python in workers
    choose = config.python.execution_mode == "auto" and not config.cluster and pipeline.variant == "udf"
    return flink_job.Job(statements, environment, dedup_window, options=live.flink_options(),
                         progress=_progress(config.cluster), choose_python_mode=choose)


def _supervise(chosen: Choice, connection: Connection, statements: list[str], watch: ResultPrinter | None,
               environment) -> int:
    """Submit the job, show its results until it ends or Ctrl-C, then stop it (with a savepoint)."""
    from order_analytics import monitor
    from order_analytics.results import ResultReader

    config, pipeline = chosen.settings, chosen.pipeline
    reader = ResultReader(connection, pipeline.console_topic(config), say) if watch else None
    started = time.monotonic()
    live = monitor.Monitor(chosen, connection, watch, say)  # web UI, waiting hint, status line
    job = _submit(chosen, statements, live, environment)
    try:
        interrupts.running()  # from here on Ctrl-C stops the job with a savepoint
        page = live.attach(job.job_id)
        waiting = "; waiting for the first records" if watch else ""
        say(f"Flink: job {job.job_id} running{f': {page}' if page else ''}{waiting}; Ctrl-C stops it")
        _follow(job, reader, watch)
        interrupts.stopping()  # it has ended: a signal now would only cut the last line short
        outcome = "finished"
    except KeyboardInterrupt:
        interrupts.stopping()
        live.stop()  # no status line in the middle of the stopping line
        savepoints = None if pipeline.bounded else checkpoints.savepoints(pipeline.checkpoint_dir(config))
        print(f"Stopping{' with a savepoint' if savepoints else ''} ... ", end="", file=sys.stderr, flush=True)
        outcome = job.stop(savepoints) + (f" (on {config.cluster})" if config.cluster else "")
    finally:
        live.stop()
        if reader:
            reader.close()
            watch.memory.close()
    shown = watch.summary() if watch else f"results in the {pipeline.sink} sink, bad records on {pipeline.dead_letter_topic}"
    more = "" if pipeline.bounded or outcome == "finished" else f"; `{_continue_command()}` continues it"
    say(f"{pipeline.name} {outcome} after {time.monotonic() - started:.1f}s: {shown}{more}")
    return 0


def _follow(job, reader, watch: ResultPrinter | None) -> None:
    """Show the job's results until it ends by itself (a bounded job), then those still on their way."""
    ended, failure = threading.Event(), []

    def wait() -> None:
        try:
            job.wait()
        except UserError as error:
            failure.append(error)
        finally:
            ended.set()

    threading.Thread(target=wait, daemon=True).start()
    while not ended.is_set():
        if reader:
            for row in reader.poll(0.2):
                watch.show(row)
        else:
            ended.wait(0.5)
    if failure:
        raise failure[0]
    for row in reader.drain() if reader else ():
        watch.show(row)
