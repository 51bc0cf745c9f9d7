"""The compiled plan (Flink's JSON of a statement set, COMPILE PLAN) of a live run, rewritten before it runs."""
from __future__ import annotations

import json

from order_analytics.settings import Duration


def with_dedup_window(plan_json: str, dedup_window: Duration) -> str:
    """The compiled plan with a state TTL on the deduplication of orderIds alone: totals never
    expire, the memory of counted orderIds after `dedup_window`. (`table.exec.state.ttl` would set
    one TTL for every operator, and SQL hints reach only joins and group aggregations.)

    Its nodes are numbered from 1, as in a fresh JVM: an operator's state is found by a uid made of
    its node's number, which counts on across the plans of one JVM, so the warm client's second plan
    of a query would not fit the checkpoint of its first (or of a run that planned it alone)."""
    plan = json.loads(plan_json)
    number = {node["id"]: index for index, node in enumerate(sorted(plan["nodes"], key=lambda n: n["id"]), 1)}
    for node in plan["nodes"]:
        node["id"] = number[node["id"]]
        if node["type"].startswith("stream-exec-deduplicate"):
            for state in node.get("state", []):
                state["ttl"] = f"{dedup_window.millis} ms"
    for edge in plan["edges"]:
        edge["source"], edge["target"] = number[edge["source"]], number[edge["target"]]
    return json.dumps(plan)


def python_mode(plan_json: str) -> str:
    """The Python execution mode that runs a plan's Python functions fastest (python.execution_mode:
    auto): `thread` when its one Python operator is a scalar one (its functions run in an interpreter
    inside the JVM: no worker to start, no rows sent to another process; measured: 3B udf planned
    and running seconds sooner, and at higher throughput); else `process`, since Python operators in
    different tasks would take turns at the JVM's one interpreter, and aggregates run in a worker
    process whatever the mode (docs/performance.md)."""
    python = [node["type"] for node in json.loads(plan_json)["nodes"] if node["type"].startswith("stream-exec-python-")]
    return "thread" if len(python) == 1 and python[0].startswith("stream-exec-python-calc") else "process"
