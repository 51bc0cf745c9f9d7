"""Settings + sql/*.sql.j2 -> the job's SQL script: pure text, no Flink needed.

The runner executes exactly this script and `--sql` prints it, so the two cannot drift apart.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2

from lesson3.connection import Connection
from lesson3.paths import FLINK_JARS, SQL, UDFS

JOBS = {
    "3a": ("customer_totals", "Lesson 3A: Customer Order Tracking"),
    "3b": ("vip_tiers", "Lesson 3B: VIP Customer Detection"),
    "3c": ("order_frequency", "Lesson 3C: Order Frequency Analysis"),
    "3d": ("category_spending", "Lesson 3D: Category Spending Analysis"),
}
JOB_CHOICES = (*JOBS, "all")
# The one shape of every result row (sql/results.sql.j2), read back by the console.
RESULT_COLUMNS = [
    ("job", "STRING"), ("subject", "STRING"), ("total", "DECIMAL(38, 2)"), ("orders", "BIGINT"),
    ("label", "STRING"), ("previous_label", "STRING"), ("avg_amount", "DECIMAL(18, 2)"),
    ("max_amount", "DECIMAL(18, 2)"), ("milestones", "ARRAY<DECIMAL(18, 2)>"),
    ("error", "STRING"), ("record_value", "STRING"), ("record_partition", "INT"), ("record_offset", "BIGINT")]
STARTUP_MODES = {"earliest": "earliest-offset", "latest": "latest-offset", "group-offsets": "group-offsets"}
INTERVAL_UNITS = {"ms": "MILLISECOND", "s": "SECOND", "min": "MINUTE", "h": "HOUR", "d": "DAY"}


@dataclass(frozen=True)
class Run:
    """What to run: the runner's options, after validation."""
    job: str                      # 3a, 3b, 3c, 3d or all
    variant: str = "udf"          # udf | builtin
    sink: str = "print"           # print | kafka | blackhole
    startup: str = "group-offsets"
    bounded: bool = False
    topic: str = "orders"
    resume_from: str | None = None  # a retained checkpoint to continue from


    @property
    def jobs(self) -> list[str]:
        return list(JOBS) if self.job == "all" else [self.job]

    @property
    def identity(self) -> str:
        """Names the pipeline's consumer group and checkpoint folder. Another topic, variant or
        sink is another pipeline (its state does not fit), so each has its own."""
        return f"{self.job}-{self.variant}-{self.sink}{'-bounded' if self.bounded else ''}-{self.topic}"

    @property
    def name(self) -> str:
        return f"lesson3-{self.identity}"


def checkpoint_dir(settings: dict, run: Run) -> Path:
    return settings["checkpoint"]["dir"] / run.name


def console_topic(settings: dict, run: Run) -> str:
    """Where a console run's results go, for `python runner.py` to print."""
    return f"{settings['kafka']['results_prefix']}.console.{run.identity}"


def connector_jar() -> str:
    jars = sorted(FLINK_JARS.glob("flink-sql-connector-kafka-*.jar"))
    return jars[0].as_uri() if jars else (FLINK_JARS / "flink-sql-connector-kafka.jar").as_uri()


def _interval(duration: str) -> str:
    """'5s' -> INTERVAL '5' SECOND."""
    number, unit = re.fullmatch(r"(\d+)\s*(ms|s|min|h|d)", duration).groups()
    return f"INTERVAL '{number}' {INTERVAL_UNITS[unit]}"


def _millis(duration: str) -> int:
    """'1s' -> 1000 (options that take plain milliseconds)."""
    number, unit = re.fullmatch(r"(\d+)\s*(ms|s|min|h|d)", duration).groups()
    return int(number) * {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}[unit]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SQL), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False)
    env.filters["interval"] = _interval
    env.filters["millis"] = _millis
    return env


def render(settings: dict, run: Run, connection: Connection, reveal_secrets: bool = True,
           command: str | None = None) -> str:
    """The whole SQL script of `run`."""
    checkpoint_mode = settings["checkpoint"]["mode"]
    context = {
        **settings,
        "title": " + ".join(JOBS[j][1] for j in run.jobs) + f" ({run.variant} variant, sink {run.sink})",
        "command": command or f"{run.job} --sql",
        "masked": connection.username is not None and not reveal_secrets,
        "jobs": run.jobs,
        "views": {job: view for job, (view, _) in JOBS.items()},
        "variant": run.variant,
        "sink": run.sink,
        "topic": run.topic,
        "bounded": run.bounded,
        "startup_mode": STARTUP_MODES[run.startup],
        "group_id": f"{settings['kafka']['group_id_prefix']}-{run.identity}",
        "resume_from": run.resume_from,
        "results_prefix": settings["kafka"]["results_prefix"],
        "kafka_options": connection.flink_options(reveal=reveal_secrets),
        "pipeline_name": run.name,
        "console_topic": console_topic(settings, run),
        "checkpoint_mode": checkpoint_mode.upper().replace("-", "_"),
        # a bounded run starts over each time; only its transactional Kafka sink needs checkpoints
        "checkpointed": not run.bounded or run.sink == "kafka",
        "checkpoint_dir": checkpoint_dir(settings, run).as_uri(),
        "connector_jar": connector_jar(),
        "python_executable": sys.executable,
        "cluster": settings["cluster"],
        "udf_dir": str(UDFS),
        "string_fields": ["orderId", "customerId", "category"],
        "columns": RESULT_COLUMNS,
        # One task per key sees a partition's records in their order; above parallelism 1 the
        # dedup shuffle by orderId mixes them, and only event time can order them again.
        "order_time": "proc_time" if settings["parallelism"] == 1 else "event_time",
    }
    env = _environment()
    context["rules"] = env.get_template(f"variants/{run.variant}.sql.j2").make_module(context)
    text = env.get_template("script.sql.j2").render(context)
    return re.sub(r"\n{3,}", "\n\n", text)


def statements(script: str) -> list[str]:
    """Split a script into statements the way Flink's SQL client does: at a ';' that ends a line.

    An `EXECUTE STATEMENT SET BEGIN ... END;` block stays one statement.
    """
    result, current, in_set = [], [], False
    for line in script.splitlines():
        code = line.strip()
        if not current and (not code or code.startswith("--")):
            continue  # comments between statements are for readers of the script
        current.append(line)
        if code.upper().startswith("EXECUTE STATEMENT SET"):
            in_set = True
        if code.endswith(";") and not code.startswith("--") and (not in_set or code.upper() == "END;"):
            result.append("\n".join(current).rstrip().rstrip(";"))
            current, in_set = [], False
    if any(line.strip() and not line.strip().startswith("--") for line in current):
        result.append("\n".join(current))
    return result
