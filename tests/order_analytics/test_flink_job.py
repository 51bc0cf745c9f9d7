"""The compiled plan the runner submits: pure JSON, no Flink needed."""
import json

from order_analytics.compiled_plan import python_mode, with_dedup_window
from order_analytics.flink_job import plan_file
from order_analytics.settings import Duration


def plan(first_id: int) -> str:
    """A plan as Flink compiles it, its nodes numbered on from `first_id` (a JVM that planned before)."""
    ids = [first_id, first_id + 1, first_id + 2]
    return json.dumps({
        "nodes": [{"id": ids[2], "type": "stream-exec-sink_2"},
                  {"id": ids[0], "type": "stream-exec-table-source-scan_2"},
                  {"id": ids[1], "type": "stream-exec-deduplicate_1",
                   "state": [{"index": 0, "ttl": "0 ms", "name": "deduplicateState"}]}],
        "edges": [{"source": ids[0], "target": ids[1]}, {"source": ids[1], "target": ids[2]}]})


def test_only_the_deduplication_gets_the_window_as_its_ttl():
    nodes = json.loads(with_dedup_window(plan(1), Duration(7, "d")))["nodes"]
    assert [node.get("state") for node in nodes] == [None, None, [
        {"index": 0, "ttl": "604800000 ms", "name": "deduplicateState"}]]


def test_nodes_are_numbered_from_one_whatever_was_planned_before():
    """Operator uids come from node numbers: a warm client's later plan must match a fresh JVM's."""
    fresh, later = json.loads(with_dedup_window(plan(1), Duration(1, "d"))), json.loads(
        with_dedup_window(plan(23), Duration(1, "d")))
    assert later == fresh
    assert [(node["id"], node["type"]) for node in later["nodes"]] == [
        (3, "stream-exec-sink_2"), (1, "stream-exec-table-source-scan_2"), (2, "stream-exec-deduplicate_1")]
    assert later["edges"] == [{"source": 1, "target": 2}, {"source": 2, "target": 3}]


SCRIPT = ["SET 'rest.bind-port' = '8081-8091'", "SET 'execution.checkpointing.dir' = 'file:///tmp/a'",
          "SET 'table.local-time-zone' = 'UTC'", "CREATE TABLE t (n INT) WITH ('connector' = 'datagen')",
          "EXECUTE STATEMENT SET BEGIN INSERT INTO s SELECT n FROM t; END"]


def test_a_cached_plan_is_found_again_whatever_port_or_checkpoint_a_run_uses():
    """The web UI's port and where checkpoints go (or which one to continue from) shape no plan."""
    again = ["SET 'rest.bind-port' = '8083-8091'", "SET 'execution.checkpointing.dir' = 'file:///tmp/b'",
             *SCRIPT[2:], "SET 'execution.state-recovery.path' = 'file:///tmp/b/chk-3'"]
    assert plan_file(again, Duration(7, "d")) == plan_file(SCRIPT, Duration(7, "d"))


def test_a_cached_plan_is_not_used_for_another_script_or_window():
    other_option = [*SCRIPT[:2], "SET 'table.local-time-zone' = 'Europe/Berlin'", *SCRIPT[3:]]
    other_table = [*SCRIPT[:3], SCRIPT[3].replace("datagen", "kafka"), SCRIPT[4]]
    files = {plan_file(script, window) for script, window in [
        (SCRIPT, Duration(7, "d")), (SCRIPT, Duration(1, "d")), (other_option, Duration(7, "d")),
        (other_table, Duration(7, "d"))]}
    assert len(files) == 4


def nodes(*types: str) -> str:
    return json.dumps({"nodes": [{"id": i, "type": t} for i, t in enumerate(types, 1)], "edges": []})


def test_thread_mode_only_for_one_python_operator_that_is_scalar():
    scan, calc, sink = "stream-exec-table-source-scan_1", "stream-exec-calc_1", "stream-exec-sink_1"
    python_calc, python_aggregate = "stream-exec-python-calc_1", "stream-exec-python-group-aggregate_1"
    assert python_mode(nodes(scan, calc, python_calc, sink)) == "thread"
    assert python_mode(nodes(scan, python_calc, python_calc, sink)) == "process"  # two tasks, one interpreter
    assert python_mode(nodes(scan, python_aggregate, python_calc, sink)) == "process"
    assert python_mode(nodes(scan, python_aggregate, sink)) == "process"
    assert python_mode(nodes(scan, calc, sink)) == "process"
