#!/usr/bin/env python3
"""Run the Flink SQL analyses of analyses/ on Kafka orders: `python runner.py JOB [JOB ...]`."""
from __future__ import annotations

from order_analytics import interrupts

if __name__ == "__main__":  # before the imports that take a second: a Ctrl-C while they load ends in one line too
    interrupts.install()

import argparse  # noqa: E402
import sys  # noqa: E402

from order_analytics import analyses, local_cluster, session, settings  # noqa: E402
from order_analytics.connection import from_environment  # noqa: E402
from order_analytics.errors import UsageError, UserError  # noqa: E402
from order_analytics.infra import broker, gateway  # noqa: E402
from order_analytics.pipeline import SINKS  # noqa: E402
from order_analytics.printer import say  # noqa: E402
from order_analytics.request import Request  # noqa: E402

OTHER_COMMANDS = """\
other commands:
  python runner.py kafka start|stop|status    the embedded Apache Kafka broker on localhost:9092
  python runner.py cluster start|stop|status  a local Flink cluster (1 JobManager, 2 TaskManagers), UI on :8081,
                                              and a warm client that plans its --cluster runs in about 2 s
  python runner.py sql-client [-f FILE]       Flink's SQL client with the project's jars and UDFs
  python runner.py status [--set K=V]         the broker, the cluster, every pipeline with state: last
                                              checkpoint, lag, dead letters, the command that continues it
  python runner.py dashboard [--port N]       a live web page of the --sink kafka results (http://localhost:8050)
  python runner.py db start|stop|status       the views' PostgreSQL (--sink postgres) on 127.0.0.1:5432 (views.port)
  python runner.py db psql [PSQL_ARGS...]     psql on the views' database: -At -c SQL, -f FILE, or interactive

Kafka: with no CNFL_KAFKA_BROKER in the environment or .env, the embedded broker is used (started
on demand). Views: VIEWS_DATABASE_URL (environment or .env) names another PostgreSQL than the embedded one.
Exit codes: 0 done, 2 usage or config error, 3 Kafka or the views' database unreachable or authentication refused.
"""


def epilog() -> str:
    listed = [(a.id, a.help) for a in analyses.registry().values()]
    listed.append((analyses.ALL, "the lesson's four (" + " ".join(a.id for a in analyses.registry().values()
                                                                  if a.in_all) + ") in one Flink job"))
    width = max(len(job) for job, _ in listed)
    jobs = "\n".join(f"  {job:<{width}}  {text}" for job, text in listed)
    example = " ".join(job for job, _ in listed[1:4:2])  # two of them
    return (f"jobs (several run as one Flink job over one read of the topic, e.g. `{example}`):\n{jobs}\n\n"
            + OTHER_COMMANDS)


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit code 2, as the contract says
        raise UsageError(f"{message} (see python runner.py --help)")

    def add_config_options(self, example: str = "thresholds.vip=300") -> None:
        """--config and --set, the same for every command that reads the config."""
        self.add_argument("--config", help="YAML config (default config/lesson3.yaml)")
        self.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                          help=f"override one config key by dotted path, e.g. {example}; repeatable")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python runner.py", description=__doc__, epilog=epilog(),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jobs", metavar="JOB", nargs="+", help=", ".join(analyses.choices()))
    parser.add_argument("--sql", action="store_true", help="print the SQL script for Flink's SQL client and exit")
    parser.add_argument("--explain", action="store_true",
                        help="print Flink's plan of the job (EXPLAIN: its operators, which share a task, what "
                             "each computes) and exit; nothing runs")
    parser.add_argument("--reveal-secrets", action="store_true",
                        help="with --sql: print real credentials instead of masking them")
    parser.add_argument("--from", dest="startup", choices=tuple(settings.STARTUP_MODES),
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
    parser.add_argument("--sink", dest="sinks", action="append", choices=SINKS,
                        help="print: the console; kafka: a topic per analysis event; postgres: a table per "
                             "analysis event in PostgreSQL (see `db` below); blackhole: discard (default "
                             "print); repeatable: `--sink kafka --sink postgres` writes both from one job")
    parser.add_argument("--variant", choices=("udf", "builtin"), default="udf",
                        help="udf: rules as Python functions (default); builtin: the same in plain SQL")
    parser.add_argument("--cluster", metavar="HOST:PORT",
                        help="submit to a running Flink cluster instead of the embedded mini-cluster "
                             "(default: cluster in config, empty)")
    parser.add_argument("--no-status", action="store_true",
                        help="no status line on stderr while the job runs (default: every "
                             "console.status_interval in config, 30s)")
    parser.add_config_options()
    args = parser.parse_args(argv)
    analyses.select(args.jobs)  # an unknown job is a usage error before anything starts
    return args


def run_jobs(argv: list[str]) -> int:
    args = parse_args(argv)
    # one name for a set of sinks, whatever their order on the command line (its pipeline's name)
    sink = "-".join(s for s in SINKS if s in (args.sinks or ["print"]))
    request = Request(
        jobs=args.jobs, variant=args.variant, sink=sink, topic=args.topic, bounded=args.bounded,
        startup=args.startup, fresh=args.fresh, output_format=args.output_format, config=args.config,
        overrides=args.overrides + ([f"cluster={args.cluster}"] if args.cluster else [])
        + (["console.status_interval=0s"] if args.no_status else []),
        command=" ".join(argv))
    if args.sql:
        print(session.sql(request, reveal_secrets=args.reveal_secrets))
        return 0
    if args.explain:
        print(session.explain(request))
        return 0
    return session.run(request)


def run_service(name: str, service, argv: list[str]) -> int:
    """`python runner.py kafka|cluster start|stop|status`."""
    actions = {"start": lambda: service.start(say), "stop": service.stop, "status": service.status}
    if len(argv) != 1 or argv[0] not in actions:
        raise UsageError(f"usage: python runner.py {name} start|stop|status")
    print(f"{name.capitalize()}: {actions[argv[0]]()}")
    return 0


def run_db(argv: list[str]) -> int:
    """`python runner.py db start|stop|status|psql [PSQL_ARGS...]`: the views' PostgreSQL."""
    from order_analytics.infra import database

    if not argv or argv[0] not in ("start", "stop", "status", "psql") or (argv[0] != "psql" and len(argv) != 1):
        raise UsageError("usage: python runner.py db start|stop|status, or python runner.py db psql [PSQL_ARGS...]")
    port = settings.load().views.port
    views = database.from_environment(port)
    if argv[0] == "psql":
        if views.embedded and not database.running():
            database.start(port, say)
        database.check(views)
        database.psql_exec(views, argv[1:])
    if not views.embedded:  # nothing of ours to start or stop: say which database is used, and whether it answers
        database.check(views)
        print(f"Database: VIEWS_DATABASE_URL names {views.shown}, which answers (nothing embedded to {argv[0]})")
        return 0
    actions = {"start": lambda: database.start(port, say), "stop": database.stop, "status": lambda: database.status(port)}
    print(f"Database: {actions[argv[0]]()}")
    return 0


def run_sql_client(argv: list[str]) -> int:
    parser = ArgumentParser(prog="python runner.py sql-client",
                            description="Flink's SQL client (embedded) with the Kafka connector and the project's "
                                        "Python functions; paste a script from `python runner.py JOB --sql`.")
    parser.add_argument("-f", "--file", help="run the statements of this SQL file, then exit")
    args = parser.parse_args(argv)
    if not from_environment().username:
        broker.start(lambda m: print(m, file=sys.stderr))
    from order_analytics.infra import sql_client

    return sql_client.run(args.file)


def run_dashboard(argv: list[str]) -> int:
    from order_analytics import dashboard

    parser = ArgumentParser(prog="python runner.py dashboard",
                            description="A live web page of the results that `python runner.py JOB --sink kafka` "
                                        "writes for the configured source topic; Ctrl-C stops it.")
    parser.add_argument("--port", type=int, default=dashboard.DEFAULT_PORT,
                        help=f"port to listen on (default {dashboard.DEFAULT_PORT})")
    parser.add_argument("--host", default=dashboard.DEFAULT_HOST,
                        help=f"address to listen on (default {dashboard.DEFAULT_HOST}; 0.0.0.0: every interface)")
    parser.add_config_options("kafka.topic=orders4")
    args = parser.parse_args(argv)
    return dashboard.serve(args.config, args.overrides, host=args.host, port=args.port)


def run_status(argv: list[str]) -> int:
    """`python runner.py status`: everything in one look; exit 0 even when the broker is down."""
    parser = ArgumentParser(prog="python runner.py status",
                            description="The broker, the local Flink cluster and every pipeline with state: its last "
                                        "checkpoint, consumer lag, dead letters and the command that continues it.")
    parser.add_config_options("checkpoint.dir=/tmp/ck, as given to the runs")
    args = parser.parse_args(argv)
    from order_analytics import status

    config_args = (["--config", args.config] if args.config else []) + [
        word for assignment in args.overrides for word in ("--set", assignment)]
    for line in status.report(settings.load(args.config, args.overrides), config_args):
        print(line)
    return 0


SERVICES = ("kafka", "cluster", "sql-client", "status", "dashboard")


def main(argv: list[str]) -> int:
    # Ctrl-C and `kill` stop a job the same clean way (order_analytics/interrupts.py), even when started from
    # a shell that ignores SIGINT for background commands. The other commands end on KeyboardInterrupt.
    if argv[:1] and argv[0] in SERVICES:
        interrupts.running()
    try:
        if argv[:1] == ["kafka"]:
            return run_service("kafka", broker, argv[1:])
        if argv[:1] == ["cluster"]:
            return run_service("cluster", local_cluster, argv[1:])
        if argv[:1] == ["db"]:
            return run_db(argv[1:])
        if argv[:1] == ["sql-client"]:
            return run_sql_client(argv[1:])
        if argv[:1] == ["status"]:
            return run_status(argv[1:])
        if argv[:1] == ["dashboard"]:
            return run_dashboard(argv[1:])
        return run_jobs(argv)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return interrupts.EXIT_CODE


if __name__ == "__main__":
    gateway.leave(main(sys.argv[1:]))  # the job has stopped, or none ran: its JVM and workers end with the runner
