"""What Flink runs, read from its own plan (`python runner.py JOB --explain`), not from timings.

Each JSON function parses the whole record, and the planner copies an expression into every place
that reads it: so the number of JSON_QUERY calls in the optimized plan is the number of parses per
record. The check (sql/order_check.sql.j2) parses a record once; a job that reads the watermark
parses it twice more, for the source's event time and its watermark. Likewise each Python function
is called once per use in the SQL (udfs/functions.py says how), and with no column of constants;
the calls of one key's rules share one Python operator (3B's and 3C's: sql/steps/customer_rules), so a
row crosses to Python once per key, its money as BIGINT cents.
"""
from __future__ import annotations

import re

import pytest


def optimized_plan(run) -> str:
    assert run.returncode == 0, run.stderr
    text = "\n".join(run.stdout)
    return text[text.index("== Optimized Execution Plan =="):]


ALL_UDF_CALLS = {"customer_tier": 2, "order_frequency": 2, "milestones_crossed": 1}


@pytest.mark.parametrize("args, parses, python_calls, python_operators", [
    (["all", "--variant", "builtin"], 1, {}, 0),
    (["3b", "3d", "alerts"], 1, {"customer_tier": 2, "milestones_crossed": 1, "high_value_order": 1,
                                 "rapid_order": 1}, 4),
    (["all", "--set", "parallelism=2"], 3, ALL_UDF_CALLS, 2),  # event-time order: a watermark
], ids=["all-builtin", "3b-3d-alerts-udf", "all-parallel"])
def test_each_record_is_parsed_once_and_each_python_call_made_once(runner, args, parses, python_calls,
                                                                   python_operators):
    plan = optimized_plan(runner(*args, "--explain", timeout=180))
    assert len(re.findall(r"\bJSON_QUERY\(", plan)) == parses
    # no other JSON function reads the record again, and the shared steps are planned once
    assert not re.search(r"\bJSON_VALUE\(|\bIS JSON\b|\bJSON_EXISTS\(", plan)
    assert len(re.findall(r"\bDeduplicate\(", plan)) == 1
    calls = {name: len(re.findall(rf"\b{name}\(", plan)) for name in ALL_UDF_CALLS | python_calls}
    assert calls == {name: python_calls.get(name, 0) for name in calls}
    assert not re.search(r"ARRAY\([\d.]+,", plan)  # an ARRAY[...] of constants is a column of every row
    # one Python operator for 3B's and 3C's rules together, one for 3D's, two for the alerts' (their
    # calls sit on two sides of the LAG); and in 3B alone no call of 3C's rule (see above)
    assert len(re.findall(r"\bPythonCalc\(", plan)) == python_operators
    # the tier's money in whole cents: the thresholds 500 and 1000 (config) as 50000 and 100000
    assert all(call == ", 50000, 100000)" for call in re.findall(r"(?<=customer_tier\()[^,]+(, [^)]*\))", plan))
