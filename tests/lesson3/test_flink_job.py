"""The compiled plan the runner submits for a live run: pure JSON, no Flink needed."""
import json

from lesson3.compiled_plan import with_dedup_window
from lesson3.settings import Duration


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
