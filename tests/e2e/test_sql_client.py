"""`--sql` scripts run unchanged in Flink's own SQL client, with the same results as the runner."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from lesson3 import console
from lesson3.paths import ROOT
from tests import model

DECIMALS = {"total", "avg_amount", "max_amount"}


def tableau_rows(output: str) -> list[dict]:
    """The rows of the SQL client's tableau result: '| op | job | subject | ... |' lines."""
    lines = [line for line in output.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[1:]:
        cells = dict(zip(header, (cell.strip() for cell in line.strip("|").split("|"))))
        if cells["op"] not in ("+I", "+U"):
            continue
        row = {name: None if value == "<NULL>" else value for name, value in cells.items()}
        for name in DECIMALS & row.keys():
            row[name] = Decimal(row[name]) if row[name] is not None else None
        row["orders"] = int(row["orders"]) if row["orders"] is not None else None
        milestones = row["milestones"]
        row["milestones"] = [Decimal(m) for m in milestones.strip("[]").split(",") if m.strip()] if milestones else []
        rows.append(row)
    return rows


@pytest.mark.parametrize("variant", ["udf", "builtin"])
@pytest.mark.parametrize("job", ["3a", "3b", "3c", "3d", "all"])
def test_printed_script_runs_in_the_sql_client(orders_topic, tmp_path, job, variant):
    script = tmp_path / f"{job}.sql"
    printed = subprocess.run([sys.executable, "runner.py", job, "--sql", "--bounded", "--from", "earliest",
                              "--variant", variant, "--topic", orders_topic.name],
                             cwd=ROOT, capture_output=True, text=True, check=True)
    script.write_text(printed.stdout)
    client = subprocess.run([sys.executable, "runner.py", "sql-client", "-f", str(script)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "[ERROR]" not in client.stdout, client.stdout[-3000:]
    rows = tableau_rows(client.stdout)
    jobs = ["3a", "3b", "3c", "3d"] if job == "all" else [job]
    events = [console.json_line(event) for row in rows if row["job"] != "bad" for event in console.events(row)]
    expected = model.expected(orders_topic.values)
    actual = model.events_by_key(events)
    assert actual == {key: events for key, events in expected.events.items() if key[0] in jobs}
    assert sum(row["job"] == "bad" for row in rows) == expected.bad
