"""The four jobs end to end: real Kafka, real Flink mini-cluster, compared with tests/model.py."""
from __future__ import annotations

from decimal import Decimal

import pytest

from order_analytics import analyses
from tests import model

JOBS = [a.id for a in analyses.select(["all"])]  # the lesson's four


def assert_matches_model(run, topic, jobs, rules=model.Rules()):
    assert run.returncode == 0, run.stderr[-2000:]
    expected = model.expected(topic.values, rules)
    actual = model.events_by_key(run.stdout)
    for job in jobs:
        want = {key: events for key, events in expected.events.items() if key[0] == job}
        got = {key: events for key, events in actual.items() if key[0] == job}
        assert got.keys() == want.keys(), f"{job}: keys differ"
        for key in want:
            assert got[key] == want[key], f"{job} {key[1]}: events differ"
    assert {key[0] for key in actual} == set(jobs)
    assert f"{expected.bad} bad records set aside" in run.stderr


@pytest.mark.parametrize("variant", ["udf", "builtin"])
@pytest.mark.parametrize("job", JOBS + ["all"])
def test_job_matches_model(runner, orders_topic, job, variant):
    run = runner(job, "--variant", variant, "--bounded", "--from", "earliest", "--format", "json",
                 "--topic", orders_topic.name)
    assert_matches_model(run, orders_topic, JOBS if job == "all" else [job])


def test_thresholds_changed_with_set(runner, orders_topic):
    run = runner("all", "--bounded", "--from", "earliest", "--format", "json", "--topic", orders_topic.name,
                 "--set", "thresholds.vip=300", "--set", "thresholds.premium=700",
                 "--set", "frequency.regular=4", "--set", "milestones=[2000, 7500]")
    rules = model.Rules(vip=Decimal(300), premium=Decimal(700), regular=4, milestones=(2000, 7500))
    assert_matches_model(run, orders_topic, JOBS, rules)


def test_thresholds_changed_in_an_edited_yaml_copy(runner, orders_topic, tmp_path):
    config = tmp_path / "lesson3.yaml"
    config.write_text("thresholds:\n  vip: 250\n  premium: 800\nfrequency:\n  frequent: 8\n")
    run = runner("all", "--variant", "builtin", "--bounded", "--from", "earliest", "--format", "json",
                 "--topic", orders_topic.name, "--config", str(config))
    assert_matches_model(run, orders_topic, JOBS, model.Rules(vip=Decimal(250), premium=Decimal(800), frequent=8))


def test_category_average_is_rounded_once_at_scale(runner, kafka):
    """500100.00 over 10,001 orders is 50.0049995...: 50.00 half-up. Rounding the 6-place quotient
    Flink's division gives (50.005000) again would print 50.01."""
    import json
    import uuid

    from tests.conftest import produce

    topic = f"test-average-{uuid.uuid4().hex[:8]}"
    amounts = [50.0] * 10_000 + [100.0]
    produce(topic, [json.dumps({"orderId": f"avg-{n}", "customerId": f"c{n % 7}", "amount": amount,
                                "category": "Scale"}).encode() for n, amount in enumerate(amounts)])
    run = runner("3d", "--variant", "builtin", "--bounded", "--format", "json", "--topic", topic)
    assert run.returncode == 0, run.stderr[-2000:]
    last = model.events_by_key(run.stdout)["3d", "Scale"][-1]
    assert (last["total"], last["orders"], last["avg"]) == (Decimal("500100.00"), 10_001, Decimal("50.00"))
