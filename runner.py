#!/usr/bin/env python3
"""Run the lesson's Flink SQL jobs on Kafka orders: `python runner.py 3d`. See --help."""
from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
import time

from lesson3 import broker, checkpoints, console, script, settings
from lesson3 import cluster as flink_cluster
from lesson3.connection import from_environment, ready
from lesson3.errors import UsageError, UserError
from lesson3.paths import ROOT

EPILOG = """\
jobs:
  3a   running total and order count per customer
  3b   VIP tier per customer, with tier-change alerts
  3c   order-frequency class per customer, with change alerts
  3d   total/count/avg/max per category, with revenue milestones
  all  the four in one Flink job over one read of the topic

other commands:
  python runner.py kafka start|stop|status    the embedded Apache Kafka broker on localhost:9092
  python runner.py cluster start|stop|status  a local Flink cluster (1 JobManager, 2 TaskManagers), UI on :8081
  python runner.py sql-client [-f FILE]       Flink's SQL client with the project's jars and UDFs

Kafka: with no CNFL_KAFKA_BROKER in the environment or .env, the embedded broker is used (started
on demand). Exit codes: 0 done, 2 usage or config error, 3 Kafka unreachable or authentication refused.
"""


def say(message: str) -> None:
    """Progress and status: stderr, so stdout carries only results."""
    print(message, file=sys.stderr, flush=True)


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit code 2, as the contract says
        raise UsageError(f"{message} (see python runner.py --help)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python runner.py", description=__doc__, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", metavar="JOB", help="3a, 3b, 3c, 3d or all")
    parser.add_argument("--sql", action="store_true", help="print the SQL script for Flink's SQL client and exit")
    parser.add_argument("--reveal-secrets", action="store_true",
                        help="with --sql: print real credentials instead of masking them")
    parser.add_argument("--from", dest="startup", choices=settings.STARTUP_MODES,
                        help="where to start reading, with empty state (default: continue from the last run's "
                             "checkpoint, else kafka.startup in config: group-offsets, falling back to earliest; "
                             "with --bounded: earliest)")
    parser.add_argument("--fresh", action="store_true",
                        help="do not continue from the last run's checkpoint: empty state, from earliest "
                             "unless --from says otherwise")
    parser.add_argument("--bounded", action="store_true",
                        help="stop at the end offsets that exist when the job starts, then exit 0; a bounded "
                             "run is a fresh analysis: it neither continues nor leaves state")
    parser.add_argument("--topic", help="source topic (default: kafka.topic in config)")
    parser.add_argument("--format", dest="output_format", choices=("text", "json"), default="text",
                        help="console format; json prints only JSON objects on stdout (default text)")
    parser.add_argument("--sink", choices=("print", "kafka", "blackhole"), default="print",
                        help="print: the console; kafka: a topic per analysis; blackhole: discard (default print)")
    parser.add_argument("--variant", choices=("udf", "builtin"), default="udf",
                        help="udf: rules as Python functions (default); builtin: the same in plain SQL")
    parser.add_argument("--cluster", metavar="HOST:PORT",
                        help="submit to a running Flink cluster instead of the embedded mini-cluster "
                             "(default: cluster in config, empty)")
    parser.add_argument("--config", help="YAML config (default config/lesson3.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key by dotted path, e.g. thresholds.vip=300; repeatable")
    args = parser.parse_args(argv)
    if args.job not in script.JOB_CHOICES:
        raise UsageError(f"unknown job '{args.job}': choose one of {', '.join(script.JOB_CHOICES)}")
    return args


def run_job(args: argparse.Namespace) -> int:
    config = settings.load(args.config, args.overrides + ([f"cluster={args.cluster}"] if args.cluster else []))
    topic = args.topic or config["kafka"]["topic"]
    # empty state reads from earliest unless told otherwise, or totals would restart from zero at the
    # committed offsets (the seed's "orders=1" trap); a bounded run always starts over, see sql/settings.sql.j2
    startup = args.startup or ("earliest" if args.bounded or args.fresh else config["kafka"]["startup"])
    run = script.Run(job=args.job, variant=args.variant, sink=args.sink, startup=startup, bounded=args.bounded,
                     topic=topic)
    resumable = not (args.startup or args.fresh or args.bounded)
    checkpoint = checkpoints.latest(script.checkpoint_dir(config, run)) if resumable else None
    if checkpoint:
        run = dataclasses.replace(run, resume_from=checkpoint.as_uri())
    connection = from_environment()
    if args.sql:
        print(script.render(config, run, connection, reveal_secrets=args.reveal_secrets,
                            command=" ".join(sys.argv[1:])))
        return 0
    ready(connection, progress=say)
    broker.ensure_topic(connection.client_config(), topic)
    print(console.banner(run.jobs), file=sys.stderr if args.output_format == "json" else sys.stdout, flush=True)
    cluster = config["cluster"]
    if cluster and not flink_cluster.overview(cluster):
        raise UserError(f"no Flink cluster answers at {cluster}: start one (`python runner.py cluster start`) "
                        "or leave out --cluster to use the embedded mini-cluster")
    where_it_runs = f"cluster {cluster}" if cluster else "local mini-cluster"
    say(f"Flink: {run.name}: {describe_start(run, checkpoint, args.startup, where_it_runs)}")
    return watch(run, connection, script.statements(script.render(config, run, connection)),
                 script.console_topic(config, run), args.output_format, cluster,
                 None if run.bounded else checkpoints.savepoints(script.checkpoint_dir(config, run)))


def describe_start(run: script.Run, checkpoint, startup_given: str | None, where_it_runs: str) -> str:
    if checkpoint:
        where = checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT) else checkpoint
        start = f"continuing from checkpoint {where}"
    else:
        reason = (" (--from given: the last run's checkpoint is not used)" if startup_given and not run.bounded
                  else " (bounded: a fresh analysis of the topic)" if run.bounded else "")
        start = f"starting with empty state, reading from {run.startup}{reason}"
    return (f"{start}; topic '{run.topic}'{', bounded' if run.bounded else ''}, {run.variant} variant, "
            f"sink {run.sink}, {where_it_runs} ...")


def watch(run: script.Run, connection, statements: list[str], console_topic: str, output_format: str,
          cluster: str, savepoint_dir) -> int:
    """Submit the job; print its results as they come (print sink) until it ends or Ctrl-C."""
    from lesson3 import flink_job
    from lesson3.results import ResultReader

    reader = ResultReader(connection, console_topic, say) if run.sink == "print" else None
    counts = {"results": 0, "bad": 0}

    def show(row: dict) -> None:
        if row["job"] == "bad":
            counts["bad"] += 1
            say(f"⚠ set aside bad record #{counts['bad']} (partition {row['record_partition']}, "
                f"offset {row['record_offset']}): {row['error']} -> {run.topic}.dlq")
            return
        counts["results"] += 1
        for line in console.lines(row, output_format):
            print(line, flush=True)

    started = time.monotonic()
    job = flink_job.Job(statements)
    web_ui = f": http://{cluster}/#/job/running/{job.job_id}/overview" if cluster else ""
    say(f"Flink: job {job.job_id} running{web_ui}; Ctrl-C stops it")
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
            for row in reader.poll(0.2) if reader else ():
                show(row)
            if not reader:
                ended.wait(0.5)
        if failure:
            raise failure[0]
        for row in reader.drain() if reader else ():
            show(row)
        outcome = "finished"
    except KeyboardInterrupt:
        say("Stopping ...")
        outcome = job.stop(savepoint_dir) + (f" (on {cluster})" if cluster else "")
    finally:
        if reader:
            reader.close()
    shown = (f"{counts['results']} results, {counts['bad']} bad records set aside on {run.topic}.dlq"
             if reader else f"results in the {run.sink} sink, bad records on {run.topic}.dlq")
    say(f"{run.name} {outcome} after {time.monotonic() - started:.1f}s: {shown}")
    return 0


def run_service(name: str, service, argv: list[str]) -> int:
    """`python runner.py kafka|cluster start|stop|status`."""
    actions = {"start": lambda: service.start(say), "stop": service.stop, "status": service.status}
    if len(argv) != 1 or argv[0] not in actions:
        raise UsageError(f"usage: python runner.py {name} start|stop|status")
    print(f"{name.capitalize()}: {actions[argv[0]]()}")
    return 0


def run_sql_client(argv: list[str]) -> int:
    parser = ArgumentParser(prog="python runner.py sql-client",
                            description="Flink's SQL client (embedded) with the Kafka connector and the project's "
                                        "Python functions; paste a script from `python runner.py JOB --sql`.")
    parser.add_argument("-f", "--file", help="run the statements of this SQL file, then exit")
    args = parser.parse_args(argv)
    if not from_environment().username:
        broker.start(lambda m: print(m, file=sys.stderr))
    from lesson3 import sql_client

    return sql_client.run(args.file)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    # Ctrl-C and `kill` stop a job the same clean way, even when started from a shell that ignores
    # SIGINT for background commands (Python then installs no Ctrl-C handler of its own).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if argv[:1] == ["kafka"]:
            return run_service("kafka", broker, argv[1:])
        if argv[:1] == ["cluster"]:
            return run_service("cluster", flink_cluster, argv[1:])
        if argv[:1] == ["sql-client"]:
            return run_sql_client(argv[1:])
        return run_job(parse_args(argv))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
