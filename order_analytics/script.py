"""Settings + a pipeline + sql/ and analyses/ templates -> the job's SQL script: pure text, no Flink.

`--sql` prints this script and the runner executes its statements. What one adds beyond them is
said where it is made: a run gives the mini-cluster its web UI (Flink options, monitor.py) and
submits through a compiled plan when seen orderIds expire (flink_job.py); `--sql` appends a tail
that shows a console run's results in the SQL client (`for_client` below).
"""
from __future__ import annotations

import re
import sys
import time

import jinja2

from order_analytics import views
from order_analytics.analyses import Analysis
from order_analytics.connection import MASK, Connection
from order_analytics.infra.database import Database
from order_analytics.outputs import outputs
from order_analytics.paths import ANALYSES, SQL, UDFS, connector_jar, jdbc_jars
from order_analytics.pipeline import Pipeline
from order_analytics.settings import STARTUP_MODES, Settings
from order_analytics.sql_text import sql_string
from order_analytics.udf_names import python_functions


def shared_steps(analyses: tuple[Analysis, ...]) -> list[str]:
    """The steps of sql/steps/ that `analyses` read (their `needs:`), each once, in the order the
    analyses name them (a step that reads another is named after it)."""
    return list(dict.fromkeys(step for analysis in analyses for step in analysis.needs))


def templates() -> jinja2.Environment:
    """The templates of sql/ and analyses/, with the filters they use."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([SQL, ANALYSES]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["sql_string"] = sql_string
    env.filters["sql_name"] = lambda name: f"`{name}`"
    return env


def postgres_tables(pipeline: Pipeline) -> list[views.Table]:
    """The PostgreSQL tables a pipeline writes (--sink postgres), the dead letters' included."""
    return [*(table for analysis in pipeline.analyses for table in views.analysis_tables(analysis, outputs(analysis))),
            views.dead_letter_table()]


def _views_context(pipeline: Pipeline, database: Database | None, reveal_secrets: bool) -> dict:
    """What sinks/postgres.sql.j2 reads: where the views go and their tables."""
    return {"reveal_secrets": reveal_secrets, "mask": MASK, "database": database,
            "postgres_tables": postgres_tables(pipeline) if "postgres" in pipeline.sinks else [],
            "views_ddl_file": views.ddl_file(pipeline.topic)}


def _watermark_context(context: dict, settings: Settings, pipeline: Pipeline) -> dict:
    # only jobs that read event time's watermark declare one (its rule costs a parse in the source)
    watermarked = context["order_time"] == "event_time" or context["exact_watermarks"]
    # Flink's Kafka reader with no partition never marks itself idle: it would hold the watermark at
    # its start for good, so a topic of fewer partitions than tasks is read by one task per partition
    fewer = pipeline.partitions is not None and pipeline.partitions < settings.parallelism
    return {"watermarked": watermarked, "source_parallelism": pipeline.partitions if watermarked and fewer else None}


def render(settings: Settings, pipeline: Pipeline, connection: Connection, reveal_secrets: bool = True,
           command: str | None = None, for_client: bool = False, database: Database | None = None) -> str:
    """The whole SQL script of `pipeline`. `for_client`: with a tail for Flink's SQL client that
    shows a console run's results as tables (the runner prints them itself). `database`: where
    --sink postgres writes."""
    analyses = pipeline.analyses
    postgres = "postgres" in pipeline.sinks
    context = {
        "settings": settings,
        "thresholds": settings.thresholds,
        "frequency": settings.frequency,
        "milestones": settings.milestones,
        "title": " + ".join(a.title for a in analyses) + f" ({pipeline.variant} variant, sink {pipeline.sink})",
        "command": command or f"{' '.join(a.id for a in analyses)} --sql",
        "masked": (connection.username is not None or postgres) and not reveal_secrets,
        **_views_context(pipeline, database, reveal_secrets),
        "pipeline": pipeline,
        "analyses": analyses,
        "shared_steps": shared_steps(analyses),
        "startup_mode": STARTUP_MODES[pipeline.startup],
        "group_id": pipeline.group_id(settings),
        "resume_from": pipeline.resume_from.as_uri() if pipeline.resume_from else None,
        "kafka_options": connection.flink_options(reveal=reveal_secrets),
        "console_topic": pipeline.console_topic(settings),
        "result_topic": lambda output: pipeline.result_topic(settings, output),
        "checkpoint_mode": settings.checkpoint.mode.upper().replace("-", "_"),
        # a bounded run starts over each time; only its transactional Kafka sink needs checkpoints
        "checkpointed": not pipeline.bounded or "kafka" in pipeline.sinks,
        "checkpoint_dir": pipeline.checkpoint_dir(settings).as_uri(),
        "connector_jar": ";".join([connector_jar(), *(jdbc_jars() if postgres else [])]),
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
    context.update(_watermark_context(context, settings, pipeline))
    env = templates()
    context["rules"] = env.get_template(f"variants/{pipeline.variant}.sql.j2").make_module(context)
    context["sql"] = env.get_template("macros.sql.j2").make_module(context)
    # each sink declares its tables, and all their INSERTs share one statement set: one job
    context["sinks"] = [env.get_template(f"sinks/{sink}.sql.j2").make_module(context) for sink in pipeline.sinks]
    text = env.get_template("script.sql.j2").render(context)
    return re.sub(r"\n{3,}", "\n\n", text)
