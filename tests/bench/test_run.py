"""The benchmark's ratios and the profile's summary, from rows and stacks made up here (no runs)."""
from __future__ import annotations

from bench.profile import report
from bench.run import table, with_ratio


def row(job: str, variant: str, per_s: int, per_cpu_s: int | None) -> dict:
    return {"job": job, "variant": variant, "orders_per_s": per_s, "orders_per_cpu_s": per_cpu_s, "cpu_s": 1.0,
            "startup_s": 1.0, "total_s": 2.0, "flink_mb": 1, "heap_mb": 1, "python_workers_mb": 0}


def test_a_udf_row_is_a_ratio_of_its_own_jobs_builtin_row_and_every_row_of_the_peer():
    rows = [row("3b", "builtin", 100, 40), row("3b", "udf", 80, 20), row("3c", "udf", 50, 10)]
    peers = [row("peer", "python", 200, 100), row("ceiling", "kcat", 1000, None)]
    with_ratio([*rows, *peers], peers)
    assert [(r["x_builtin"], r["cpu_x_builtin"]) for r in rows] == [(None, None), (0.8, 0.5), (None, None)]
    assert [(r["x_peer"], r["cpu_x_peer"]) for r in [*rows, *peers]] == [
        (0.5, 0.4), (0.4, 0.2), (0.25, 0.1), (1.0, 1.0), (5.0, None)]
    assert "| 3b | udf | 80 | 0.80 | 0.40 | 1.0 | 0.50 | 0.20 |" in table(rows, peers)


def test_the_profile_sums_the_jobs_threads_by_task_and_by_method():
    taken = [("Source: orders_raw[1] -> Calc[2] (1/1)#0", ["java.util.regex.Pattern.match", "StreamExecCalc$27.processElement"]),
             ("Source: orders_raw[1] -> Calc[2] (1/1)#0", ["java.util.regex.Pattern.match"]),
             ("Deduplicate[9] (1/1)#0", ["org.apache.flink.runtime.state.heap.CopyOnWriteStateMap.get"]),
             ("OverAggregate[12] (1/1)#0", [])]
    lines = report(taken, top=5)
    assert lines[0] == "4 samples of the job's threads"
    assert "   50.0%  Source: orders_raw[1] -> Calc[2] (1/1)#0" in lines
    assert "   50.0%  java.util.regex.Pattern.match" in lines
    assert "   25.0%  org.apache.flink.runtime.state.heap.CopyOnWriteStateMap.get" in lines
