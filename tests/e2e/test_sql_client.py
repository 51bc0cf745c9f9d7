"""`--sql` scripts run unchanged in Flink's own SQL client, with the same results as the runner, and
show each analysis's results there as a table."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from order_analytics import analyses, console, settings
from order_analytics.connection import Connection
from order_analytics.infra import broker
from order_analytics.paths import ROOT
from order_analytics.pipeline import Pipeline
from order_analytics.results import ResultReader
from tests import model


@pytest.mark.parametrize("jobs, variant", [("all", "udf"), ("all", "builtin")])
def test_printed_script_runs_in_the_sql_client(orders_topic, tmp_path, jobs, variant):
    job = jobs.split()
    options = [*job, "--bounded", "--from", "earliest", "--variant", variant, "--topic", orders_topic.name]
    printed = subprocess.run([sys.executable, "runner.py", *options, "--sql"],
                             cwd=ROOT, capture_output=True, text=True, check=True)
    sql_file = tmp_path / "script.sql"
    sql_file.write_text(printed.stdout)
    pipeline = Pipeline(analyses.select(job), variant=variant, bounded=True, startup="earliest",
                        topic=orders_topic.name)
    # the runner's own tests may have written to this pipeline's result topic: read from its end of now
    results = ResultReader(Connection(broker.BOOTSTRAP), pipeline.console_topic(settings.load()), print)
    client = subprocess.run([sys.executable, "runner.py", "sql-client", "-f", str(sql_file)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "[ERROR]" not in client.stdout, client.stdout[-3000:]

    rows = list(results.drain())
    results.close()
    dead = [row for row in rows if row["analysis"] == "dead_letter"]
    events = [console.json_line(event) for row in rows if row not in dead for event in console.events(row)]
    expected = model.expected(orders_topic.values)
    jobs = [a.id for a in pipeline.analyses]
    assert model.events_by_key(events) == {key: e for key, e in expected.events.items() if key[0] in jobs}
    assert len(dead) == expected.bad
    # and the client showed each analysis's rows of this run as a table, one after the other
    tables = [int(n) for n in re.findall(r"Received a total of (\d+) rows", client.stdout)]
    assert tables == [sum(row["analysis"] == a.id for row in rows) for a in pipeline.analyses]
