"""One run of analyses, from what the user asked to the job's end: where to start (a retained
checkpoint, or empty state from an offset), the script, the submission, the console.

The runner parses the command line and hands a Request here.
"""
from __future__ import annotations

import dataclasses
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lesson3 import analyses, checkpoints, console, script, settings
from lesson3.connection import Connection, ensure_topic, from_environment, ready
from lesson3.errors import UserError
from lesson3.infra import warm_client
from lesson3.paths import ROOT
from lesson3.pipeline import Pipeline
from lesson3.printed import PrintedMemory


def say(message: str) -> None:
    """Progress and status: stderr, so stdout carries only results."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Request:
    """What the user asked for (the runner's options)."""
    jobs: list[str]
    variant: str = "udf"
    sink: str = "print"
    topic: str | None = None
    bounded: bool = False
    startup: str | None = None        # --from; None: continue, else the config's default
    fresh: bool = False
    output_format: str = "text"
    config: Path | None = None
    overrides: list[str] = field(default_factory=list)
    command: str = ""                 # as typed, for the --sql header


@dataclass(frozen=True)
class Plan:
    """The request worked out once: settings, the pipeline, and why it starts where it does."""
    settings: settings.Settings
    pipeline: Pipeline
    start: str                        # the start, in words

    @property
    def resuming(self) -> bool:
        return self.pipeline.resume_from is not None


def plan(request: Request) -> Plan:
    config = settings.load(request.config, request.overrides)
    topic = settings.name(request.topic, "--topic") if request.topic else config.kafka.topic
    # empty state reads from earliest unless told otherwise, or totals would restart from zero at the
    # committed offsets (the seed's "orders=1" trap); a bounded run always starts over (sql/settings.sql.j2)
    startup = request.startup or ("earliest" if request.bounded or request.fresh else config.kafka.startup)
    pipeline = Pipeline(analyses.select(request.jobs), variant=request.variant, sink=request.sink, topic=topic,
                        bounded=request.bounded, startup=startup)
    checkpoint = None
    if not (request.startup or request.fresh or request.bounded):
        checkpoint = checkpoints.latest(pipeline.checkpoint_dir(config))
    if checkpoint:
        where = checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT) else checkpoint
        start = f"continuing from checkpoint {where}"
        pipeline = dataclasses.replace(pipeline, resume_from=checkpoint)
    else:
        reason = (" (bounded: a fresh analysis of the topic)" if request.bounded
                  else " (--from given: the last run's checkpoint is not used)" if request.startup
                  else " (--fresh)" if request.fresh else "")
        start = f"starting with empty state, reading from {startup}{reason}"
    return Plan(config, pipeline, start)


def sql(request: Request, reveal_secrets: bool) -> str:
    """The script `run` would execute, for Flink's SQL client."""
    chosen = plan(request)
    return script.render(chosen.settings, chosen.pipeline, from_environment(), reveal_secrets=reveal_secrets,
                         command=request.command, for_client=True)


def explain(request: Request) -> str:
    """Flink's plan of the job `run` would submit, without running it (no broker needed)."""
    from lesson3 import flink_job

    chosen = plan(request)
    return flink_job.plan_of(script.statements(script.render(chosen.settings, chosen.pipeline, from_environment())),
                             chosen.settings.state.heap)


def run(request: Request) -> int:
    """Run the analyses until the job ends (bounded) or Ctrl-C; print results as they come."""
    _take_over(plan(request))
    chosen = plan(request)
    config, pipeline = chosen.settings, chosen.pipeline
    connection = ready(from_environment(), progress=say)
    pipeline = dataclasses.replace(pipeline, partitions=ensure_topic(connection.client_config(), pipeline.topic))
    print(console.banner(pipeline.analyses), file=sys.stderr if request.output_format == "json" else sys.stdout,
          flush=True)
    from lesson3.infra import cluster as flink_cluster

    if config.cluster and not flink_cluster.overview(config.cluster):
        raise UserError(f"no Flink cluster answers at {config.cluster}: start one (`python runner.py cluster "
                        "start`) or leave out --cluster to use the embedded mini-cluster")
    # `cluster start` keeps a client warm beside the cluster: it plans in about 2 s, not ten
    warm = bool(config.cluster) and warm_client.ready()
    where = (f"cluster {config.cluster}{', planned by its warm client' if warm else ''}" if config.cluster
             else "local mini-cluster")
    say(f"Flink: {pipeline.name}: {chosen.start}; topic '{pipeline.topic}'{', bounded' if pipeline.bounded else ''}, "
        f"{pipeline.variant} variant, sink {pipeline.sink}, {where} ...")
    statements = script.statements(script.render(config, pipeline, connection))
    watch = None
    if pipeline.sink == "print":
        memory = PrintedMemory(None if pipeline.bounded else pipeline.checkpoint_dir(config) / "console-printed.jsonl",
                               resuming=chosen.resuming)
        watch = Console(pipeline, request.output_format, memory)
    return _supervise(chosen, connection, statements, watch, warm)


def _take_over(chosen: Plan) -> None:
    """A runner killed with -9 leaves its job running on the cluster; run again, the same command
    cancels it before it picks the checkpoint to continue from (retained on cancel). Two jobs of one
    pipeline would write every result twice, and a checkpoint picked while the old job still runs
    could be older than results it commits later."""
    from lesson3.infra import cluster as flink_cluster

    address = chosen.settings.cluster
    if address and flink_cluster.overview(address):
        name = chosen.pipeline.name
        if flink_cluster.cancel_jobs(lambda job: job == name, address):
            say(f"Flink: {name} was still running on {address} (its runner was killed): cancelled it, "
                "to continue from its last checkpoint")


class Console:
    """Prints a console run's result rows as the seed's lines or JSON, each once, and counts them."""

    def __init__(self, pipeline: Pipeline, output_format: str, memory: PrintedMemory):
        self.pipeline, self.output_format, self.memory = pipeline, output_format, memory
        self.changelog = console.Changelog()
        self.dead_letter_places: set[tuple] = set()
        self.results = self.dead_letters = 0

    def show(self, row: dict) -> None:
        if "op" in row:  # a change of an updating table
            row = self.changelog.row(row)
            if row is None:
                return
        if row["analysis"] == "dead_letter":
            place = (row["partition"], row["offset"])
            if place in self.dead_letter_places:  # written again after a restart of the job
                return
            self.dead_letter_places.add(place)
            self.dead_letters += 1
            say(f"⚠ set aside bad record #{self.dead_letters} (partition {row['partition']}, "
                f"offset {row['offset']}): {row['error']} -> {self.pipeline.dead_letter_topic}")
            return
        if not self.memory.first_time(analyses.registry()[row["analysis"]], row):
            return  # written again after a restart from a checkpoint: shown before
        self.results += 1
        for line in console.lines(row, self.output_format):
            print(line, flush=True)

    def summary(self) -> str:
        return f"{self.results} results, {self.dead_letters} bad records set aside on {self.pipeline.dead_letter_topic}"


def _supervise(chosen: Plan, connection: Connection, statements: list[str], watch: Console | None,
               warm: bool) -> int:
    """Submit the job, show its results until it ends or Ctrl-C, then stop it (with a savepoint)."""
    from lesson3 import flink_job, monitor
    from lesson3.results import ResultReader

    config, pipeline = chosen.settings, chosen.pipeline
    reader = ResultReader(connection, pipeline.console_topic(config), say) if watch else None
    started = time.monotonic()
    live = monitor.Monitor(chosen, connection, watch, say)  # web UI, waiting hint, status line
    # A bounded run starts over every time and ends with its backlog: the seen orderIds need no
    # expiry there, and the compiled plan that sets it costs seconds of start-up.
    dedup_window = None if pipeline.bounded else config.state.dedup_window
    if warm:
        job = warm_client.WarmJob(statements, dedup_window)
    else:
        job = flink_job.Job(live.flink_settings() + statements, config.state.heap, dedup_window)
    page = live.attach(job.job_id)
    say(f"Flink: job {job.job_id} running{f': {page}' if page else ''}; Ctrl-C stops it")
    ended, failure = threading.Event(), []

    def wait() -> None:
        try:
            job.wait()
        except UserError as error:
            failure.append(error)
        finally:
            ended.set()

    threading.Thread(target=wait, daemon=True).start()
    try:
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
        outcome = "finished"
    except KeyboardInterrupt:
        say("Stopping ...")
        savepoints = None if pipeline.bounded else checkpoints.savepoints(pipeline.checkpoint_dir(config))
        outcome = job.stop(savepoints) + (f" (on {config.cluster})" if config.cluster else "")
    finally:
        live.stop()
        if reader:
            reader.close()
            watch.memory.close()
    shown = watch.summary() if watch else f"results in the {pipeline.sink} sink, bad records on {pipeline.dead_letter_topic}"
    say(f"{pipeline.name} {outcome} after {time.monotonic() - started:.1f}s: {shown}")
    return 0
