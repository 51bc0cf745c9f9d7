"""Settings + a pipeline + sql/ and analyses/ templates -> the job's SQL script: pure text, no Flink.

The runner executes exactly this script and `--sql` prints it, so the two cannot drift apart.
"""
from __future__ import annotations

import ast
import re
import sys
import time
from dataclasses import dataclass

import jinja2

from lesson3.analyses import Analysis, Event
from lesson3.connection import Connection
from lesson3.paths import ANALYSES, SQL, UDFS, connector_jar
from lesson3.pipeline import Pipeline
from lesson3.settings import STARTUP_MODES, Settings

# The steps in sql/ that analyses may share (`needs:` in analysis.yml), in the order they build on each other.
SHARED_STEPS = ("customer_running",)


@dataclass(frozen=True)
class Output:
    """One event of an analysis as a `--sink kafka` table: its columns and the query that fills it."""
    event: Event
    table: str
    columns: list[tuple[str, str]]
    query: str


def outputs(analysis: Analysis) -> list[Output]:
    """The analysis's events as rows of their own: the alerts where they happen (`when`, one row per
    `for_each` element), the state after every order; each with the event's fields as columns."""
    result = []
    for event in (e for e in analysis.events if e.topic):
        types = dict(analysis.columns)
        source = analysis.name
        if event.for_each:
            element, array = event.for_each
            types[element] = re.fullmatch(r"ARRAY<(.*)>", types[array]).group(1)
            source += f" CROSS JOIN UNNEST({array}) AS crossed (`{element}`)"
        columns = [(name, types[column]) for name, column in event.fields.items()]
        select = ", ".join(f"`{column}` AS `{name}`" for name, column in event.fields.items())
        where = f" WHERE {event.when}" if event.when else ""
        result.append(Output(event, f"{event.topic}_topic", columns, f"SELECT {select} FROM {source}{where}"))
    return result


def python_functions() -> list[str]:
    """The functions udfs/functions.py defines (`name = udf(...)` or `udaf(...)`), read without
    importing PyFlink: each is registered under its own name."""
    tree = ast.parse((UDFS / "functions.py").read_text(encoding="utf-8"))
    return [node.targets[0].id for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) in ("udf", "udaf")]


def sql_string(text: str) -> str:
    """A SQL string literal: quotes doubled, so a value from config cannot end it early."""
    return "'" + text.replace("'", "''") + "'"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([SQL, ANALYSES]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["sql_string"] = sql_string
    env.filters["sql_name"] = lambda name: f"`{name}`"
    return env


def render(settings: Settings, pipeline: Pipeline, connection: Connection, reveal_secrets: bool = True,
           command: str | None = None, for_client: bool = False) -> str:
    """The whole SQL script of `pipeline`. `for_client`: with a tail for Flink's SQL client that
    shows a console run's results as tables (the runner prints them itself)."""
    analyses = pipeline.analyses
    context = {
        "settings": settings,
        "thresholds": settings.thresholds,
        "frequency": settings.frequency,
        "milestones": settings.milestones,
        "title": " + ".join(a.title for a in analyses) + f" ({pipeline.variant} variant, sink {pipeline.sink})",
        "command": command or f"{' '.join(a.id for a in analyses)} --sql",
        "masked": connection.username is not None and not reveal_secrets,
        "pipeline": pipeline,
        "analyses": analyses,
        "shared_steps": [step for step in SHARED_STEPS if any(step in a.needs for a in analyses)],
        "startup_mode": STARTUP_MODES[pipeline.startup],
        "group_id": pipeline.group_id(settings),
        "resume_from": pipeline.resume_from.as_uri() if pipeline.resume_from else None,
        "kafka_options": connection.flink_options(reveal=reveal_secrets),
        "console_topic": pipeline.console_topic(settings),
        "result_topic": lambda output: pipeline.result_topic(settings, output),
        "checkpoint_mode": settings.checkpoint.mode.upper().replace("-", "_"),
        # a bounded run starts over each time; only its transactional Kafka sink needs checkpoints
        "checkpointed": not pipeline.bounded or pipeline.sink == "kafka",
        "checkpoint_dir": pipeline.checkpoint_dir(settings).as_uri(),
        "connector_jar": connector_jar(),
        "python_executable": sys.executable,
        "udf_dir": str(UDFS),
        "functions": python_functions(),
        "outputs": outputs,
        # the views of orders analyses could not count, for the dead-letter topic
        "late_views": [a.dead_letters for a in analyses if a.dead_letters],
        "exact_watermarks": any(a.windows for a in analyses),
        "for_client": for_client,
        # where the client's tables start reading: this run's results only (rows written from now on)
        "results_from": ("'scan.startup.mode' = 'timestamp', "
                         f"'scan.startup.timestamp-millis' = '{int(time.time() * 1000)}'"
                         + (", 'scan.bounded.mode' = 'latest-offset'" if pipeline.bounded else "")),
        # One task per key sees a partition's records in their order; above parallelism 1 the
        # dedup shuffle by orderId mixes them, and only event time can order them again.
        "order_time": "proc_time" if settings.parallelism == 1 else "event_time",
    }
    # only jobs that read event time's watermark declare one (its rule costs a parse in the source)
    context["watermarked"] = context["order_time"] == "event_time" or context["exact_watermarks"]
    # Flink's Kafka reader with no partition never marks itself idle: it would hold the watermark at
    # its start for good, so a topic of fewer partitions than tasks is read by one task per partition
    fewer = pipeline.partitions is not None and pipeline.partitions < settings.parallelism
    context["source_parallelism"] = pipeline.partitions if context["watermarked"] and fewer else None
    env = _environment()
    context["rules"] = env.get_template(f"variants/{pipeline.variant}.sql.j2").make_module(context)
    context["sql"] = env.get_template("macros.sql.j2").make_module(context)
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
