"""The views' start-up for a run with --sink postgres: which database it writes to, that database
started (the embedded one) and checked, and the schema of the views created in it."""
from __future__ import annotations

from order_analytics import script, views
from order_analytics.printer import say
from order_analytics.request import Choice


def database_of(chosen: Choice):
    """Where --sink postgres writes (None without it)."""
    if "postgres" not in chosen.pipeline.sinks:
        return None
    from order_analytics.infra import database

    return database.from_environment(chosen.settings.views.port)


def write_ddl(chosen: Choice) -> None:
    """The DDL of the views' tables beside the --sql script (views.ddl_file), for `db psql -f`
    before the SQL client runs the script."""
    ddl = views.ddl_file(chosen.pipeline.topic)
    ddl.parent.mkdir(parents=True, exist_ok=True)
    ddl.write_text(views.database_script(chosen.pipeline.topic, views.every_table()))


def prepare(chosen: Choice, progress=say):
    """Start the embedded database if it is the one used, check it answers (exit 3 if not), and
    create the schema of the views; a run with empty state starts with empty tables."""
    from order_analytics.infra import database

    target = database_of(chosen)
    if target.embedded:
        progress(f"PostgreSQL: {database.start(target.port, progress)}")
    database.check(target)
    topic = chosen.pipeline.topic
    ddl = views.database_script(topic, views.every_table())
    if not chosen.resuming:
        ddl += views.empty_script(topic, script.postgres_tables(chosen.pipeline))
    database.psql_run(target, ddl)
    return target
