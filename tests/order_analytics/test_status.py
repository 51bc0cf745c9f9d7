"""`runner.py status`: checkpoint folders back to pipelines, and what is said about each."""
from __future__ import annotations

from pathlib import Path

from order_analytics import analyses, settings
import pytest

from order_analytics.pipeline import PREFIX, Identity, Pipeline
from order_analytics.status import Facts, describe, parse, resume_command


def test_every_pipeline_name_parses_back():
    for jobs, variant, sink, topic in [(["3a"], "udf", "print", "orders"), (["3b", "3d"], "builtin", "kafka", "a-b.c_d"),
                                       (["all"], "udf", "blackhole", "udf-print-x")]:
        pipeline = Pipeline(analyses.select(jobs), variant=variant, sink=sink, topic=topic)
        assert parse(pipeline.name) == pipeline
    assert parse("lesson3-nojob-udf-print-t") is None and parse("notes") is None


def test_the_command_that_continues_a_pipeline():
    pipeline = Pipeline(analyses.select(["3b", "3d"]), variant="builtin", sink="kafka", topic="t")
    assert resume_command(pipeline, ["--set", "checkpoint.dir=/tmp/x"]) == (
        "python runner.py 3b 3d --topic t --variant builtin --sink kafka --set checkpoint.dir=/tmp/x")
    assert resume_command(Pipeline(analyses.select(["all"]), topic="t"), []) == "python runner.py all --topic t"


def test_a_stopped_pipeline_is_described_with_checkpoint_lag_dead_letters_and_command():
    config = settings.load()
    pipeline = Pipeline(analyses.select(["3a"]), topic="t")
    folder = Path("/tmp/ck") / pipeline.name
    facts = Facts(folder, pipeline, checkpoint=folder / "savepoints" / "savepoint-1", checkpoint_age_s=90,
                  checkpoint_bytes=14000, group=pipeline.group_id(config), lag=5, committed={0: 395},
                  topic_records=400, dead_letters=2)
    lines = describe(facts, [])
    assert lines[0].startswith("  3a over 't' (udf, sink print)")
    assert "last checkpoint: 90s ago, 13.7 KB: /tmp/ck/lesson3-3a-udf-print-t/savepoints/savepoint-1" in lines[1]
    assert "lesson3-3a-udf-print-t: 5 records behind the end of 't' (partition 0 at 395)" in lines[2]
    assert "dead letters: 2 on t.dlq" in lines[3]
    assert lines[4] == "    continue: python runner.py 3a --topic t"


def test_broker_down_and_running_jobs_are_shown_not_errors():
    pipeline = Pipeline(analyses.select(["3a"]), topic="t")
    lines = describe(Facts(Path("/x") / pipeline.name, pipeline, group="g", kafka_up=False,
                           running_at="http://localhost:8082/#/job/running/1/overview"), [])
    assert "none complete" in lines[1] and "not known while Kafka is down" in lines[2]
    assert lines[-1] == "    running now: http://localhost:8082/#/job/running/1/overview"


@pytest.mark.parametrize("name", ["all-udf-kafka-orders", "3a-3c-builtin-print-bounded-my.topic-1",
                                  "alerts-udf-blackhole-t"])
def test_an_identity_reads_back_as_written(name):
    assert str(Identity.parse(name)) == name
    assert Identity.parse(f"{PREFIX}-{name}", f"{PREFIX}-") == Identity.parse(name)
    assert Identity.parse(name, f"{PREFIX}-") is None
