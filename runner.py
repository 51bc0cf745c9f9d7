#!/usr/bin/env python3
"""Run the lesson's Flink SQL jobs on Kafka orders: `python runner.py 3d`. See --help."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from lesson3 import broker, checkpoints, console, script, settings
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
  python runner.py sql-client [-f FILE]       Flink's SQL client with the project's jars and UDFs

Kafka: with no CNFL_KAFKA_BROKER in the environment or .env, the embedded broker is used (started
on demand). Exit codes: 0 done, 2 usage or config error, 3 Kafka unreachable or authentication refused.
"""


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
                        help="where to start reading (default: kafka.startup in config, group-offsets)")
    parser.add_argument("--fresh", action="store_true",
                        help="do not continue from the last run's retained checkpoint; start with empty state")
    parser.add_argument("--bounded", action="store_true",
                        help="stop at the end offsets that exist when the job starts, then exit 0")
    parser.add_argument("--topic", help="source topic (default: kafka.topic in config)")
    parser.add_argument("--format", dest="output_format", choices=("text", "json"), default="text",
                        help="console format; json prints only JSON objects on stdout (default text)")
    parser.add_argument("--sink", choices=("print", "kafka", "blackhole"), default="print",
                        help="print: the console; kafka: a topic per analysis; blackhole: discard (default print)")
    parser.add_argument("--variant", choices=("udf", "builtin"), default="udf",
                        help="udf: rules as Python functions (default); builtin: the same in plain SQL")
    parser.add_argument("--config", help="YAML config (default config/lesson3.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key by dotted path, e.g. thresholds.vip=300; repeatable")
    args = parser.parse_args(argv)
    if args.job not in script.JOB_CHOICES:
        raise UsageError(f"unknown job '{args.job}': choose one of {', '.join(script.JOB_CHOICES)}")
    return args


def run_job(args: argparse.Namespace) -> int:
    config = settings.load(args.config, args.overrides)
    topic = args.topic or config["kafka"]["topic"]
    run = script.Run(job=args.job, variant=args.variant, sink=args.sink,
                     startup=args.startup or config["kafka"]["startup"], bounded=args.bounded, topic=topic)
    checkpoint = None if args.startup or args.fresh else checkpoints.latest(script.checkpoint_dir(config, run))
    if checkpoint:
        run = dataclasses.replace(run, resume_from=checkpoint.as_uri())
    connection = from_environment()
    if args.sql:
        print(script.render(config, run, connection, reveal_secrets=args.reveal_secrets,
                            command=" ".join(["runner.py", *sys.argv[1:]]).removeprefix("runner.py ")))
        return 0
    status = sys.stderr if args.output_format == "json" else sys.stdout
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731 - progress goes to stderr
    ready(connection, progress=say)
    broker.ensure_topic(connection.client_config(), topic)
    statements = script.statements(script.render(config, run, connection))
    print(console.banner(run.jobs), file=status, flush=True)
    if checkpoint:
        start = f"continuing from checkpoint {checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT) else checkpoint}"
    else:
        reason = " (--from given: the last run's checkpoint is not used)" if args.startup else ""
        start = f"starting with empty state, reading from {run.startup}{reason}"
    say(f"Flink: {run.name}: {start}; topic '{topic}'{', bounded' if run.bounded else ''}, "
        f"{run.variant} variant, sink {run.sink}, local mini-cluster ...")
    from lesson3 import flink_job

    dead_letter_topic = f"{topic}.dlq"
    results = set_aside = 0
    started = time.monotonic()
    job = None

    def show(row: dict) -> None:
        nonlocal results, set_aside
        if row["job"] == "bad":
            set_aside += 1
            say(f"⚠ set aside bad record #{set_aside} (partition {row['record_partition']}, "
                f"offset {row['record_offset']}): {row['error']} -> {dead_letter_topic}")
            return
        results += 1
        for line in console.lines(row, args.output_format):
            print(line, flush=True)

    try:
        job = flink_job.Job(statements)
        say(f"Flink: running job(s) {', '.join(job.job_ids)}; Ctrl-C stops")
        if job.is_query:
            for row in job.rows([name for name, _ in script.RESULT_COLUMNS]):
                show(row)
        job.wait()
        ended = "finished"
    except KeyboardInterrupt:
        ended = "stopped"
        if job:
            job.cancel()
    counts = f"{results} results, {set_aside} bad records set aside on {dead_letter_topic}" if job and job.is_query \
        else f"results in the {run.sink} sink, bad records on {dead_letter_topic}"
    say(f"{run.name} {ended} after {time.monotonic() - started:.1f}s: {counts}")
    return 0


def run_kafka(argv: list[str]) -> int:
    actions = {"start": lambda: broker.start(lambda m: print(m, file=sys.stderr)),
               "stop": broker.stop, "status": broker.status}
    if len(argv) != 1 or argv[0] not in actions:
        raise UsageError("usage: python runner.py kafka start|stop|status")
    print(f"Kafka: {actions[argv[0]]()}")
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


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["kafka"]:
            return run_kafka(argv[1:])
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
