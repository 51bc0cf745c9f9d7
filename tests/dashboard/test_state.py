"""The dashboard's reducer: result-topic records folded into the page's state, without Kafka."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from order_analytics import analyses, console, settings
from order_analytics.analyses import Analysis, Event
from order_analytics.dashboard.state import ALERTS_KEPT, Board, sources
from order_analytics.pipeline import Identity
from tests import model
from tests.conftest import seeded_values

TOPIC = "orders"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def found():
    return sources(settings.load(), TOPIC)


def topic_of(found, job: str, kind: str) -> str:
    return next(s.topic for s in found if s.analysis.id == job and s.event.kind == kind)


def key_of(found, job: str, event: dict) -> bytes:
    column = analyses.registry()[job].key
    return json.dumps({column: event[column]}).encode()


def value_of(event: dict) -> bytes:
    """The record value as the job's JSON format writes it: the event's fields, money as plain numbers."""
    return console.json_line({k: v for k, v in event.items() if k not in ("job", "kind")}).encode()


def fold(board: Board, found, events: list[dict], start_ms: int = 1) -> None:
    for offset, event in enumerate(events):
        board.apply(topic_of(found, event["job"], event["kind"]), key_of(found, event["job"], event),
                    value_of(event), start_ms + offset)


def in_order(expected: model.Expected) -> list[dict]:
    """The model's events of the lesson's four, every key's in its order (topics interleave keys; each
    key stays in order)."""
    four = {a.id for a in analyses.select(["all"])}
    return [event for (job, _), events in expected.events.items() if job in four for event in events]


def test_every_result_topic_of_the_registry_is_followed(found):
    topics = {s.topic for s in found}
    for analysis in analyses.registry().values():
        for event in analysis.events:
            if event.topic:  # segment changes have none: the console sees them in the changelog
                assert f"lesson3.{TOPIC}.{event.topic}" in topics
    assert {s.is_alert for s in found} == {True, False}


def test_the_final_state_of_the_model(found):
    expected = model.expected(seeded_values(600, seed=5, bad_ratio=0.02, duplicate_ratio=0.02))
    board = Board(found, TOPIC, clock=Clock())
    fold(board, found, in_order(expected))
    state = board.snapshot()

    final = {key: events[-1] for key, events in expected.events.items()}
    categories = {row["category"]: row for row in state["categories"]}
    want = {key[1]: e for key, e in final.items() if key[0] == "3d"}
    assert categories.keys() == want.keys()
    for name, event in want.items():
        row = categories[name]
        assert (Decimal(row["total"]), row["orders"], Decimal(row["avg"]), Decimal(row["max"])) == \
               (event["total"], event["orders"], event["avg"], event["max"])
        reached = [e["milestone"] for e in expected.events["3d", name] if e["kind"] == "milestone"]
        assert row.get("milestones", []) == [console.milestone_label(Decimal(m)) for m in reached]
    assert [Decimal(r["total"]) for r in state["categories"]] == \
           sorted((Decimal(r["total"]) for r in state["categories"]), reverse=True)

    customers = {row["customerId"]: row for row in state["customers"]["rows"]}
    tiers = {key[1]: e for key, e in final.items() if key[0] == "3b"}
    frequencies = {key[1]: e for key, e in final.items() if key[0] == "3c"}
    assert customers.keys() == tiers.keys()
    for customer, event in tiers.items():
        row = customers[customer]
        assert (row["tier"], Decimal(row["total"]), row["orders"]) == (event["tier"], event["total"], event["orders"])
        assert row["frequency"] == frequencies[customer]["frequency"]
    counts = {t["tier"]: t["count"] for t in state["tiers"]}
    assert counts == {tier: sum(1 for e in tiers.values() if e["tier"] == tier) for tier in counts}
    assert [t["tier"] for t in state["tiers"]] == [t for t in ("REGULAR", "VIP", "PREMIUM") if t in counts]

    assert state["kpis"]["orders"] == sum(e["orders"] for e in want.values())
    assert Decimal(state["kpis"]["revenue"]) == sum(e["total"] for e in want.values())
    assert state["kpis"]["customers"] == len(tiers)
    assert not state["empty"]


def test_alerts_newest_first_in_the_seeds_text_and_capped(found):
    expected = model.expected(seeded_values(400, seed=9))
    alerts = [e for e in in_order(expected) if e["kind"] in ("tier_change", "frequency_change", "milestone")]
    assert len(alerts) > ALERTS_KEPT
    board = Board(found, TOPIC, clock=Clock())
    fold(board, found, alerts)
    state = board.snapshot()
    assert [a["text"] for a in state["alerts"]] == [console.text(e) for e in reversed(alerts)][:ALERTS_KEPT]
    assert state["alert_counts"] == {kind: sum(1 for e in alerts if e["kind"] == kind)
                                     for kind in ("tier_change", "frequency_change", "milestone")}
    assert state["alerts"][0]["time"] == len(alerts)  # the record's timestamp


def test_nothing_yet_is_an_empty_state_with_a_hint(found):
    board = Board(found, TOPIC, hint=["python runner.py all --sink kafka"], clock=Clock())
    state = board.snapshot()
    assert state["empty"] and state["hint"] == ["python runner.py all --sink kafka"]
    assert state["categories"] == [] and state["customers"]["rows"] == [] and state["kpis"]["lag"] is None
    board.topics_present({topic_of(found, "3d", "category")})
    assert board.snapshot()["empty"]  # a topic without records is still nothing to show


def test_kafka_down_and_back(found):
    board = Board(found, TOPIC, clock=Clock())
    assert board.snapshot()["kafka"]["ok"] is None
    version = board.version
    board.kafka(False, "Kafka at localhost:9092 does not answer")
    assert board.snapshot()["kafka"] == {"ok": False, "message": "Kafka at localhost:9092 does not answer"}
    assert board.version > version
    board.kafka(True)
    assert board.snapshot()["kafka"] == {"ok": True, "message": ""}


def test_a_tombstone_removes_the_key(found):
    board = Board(found, TOPIC, clock=Clock())
    topic = topic_of(found, "3d", "category")
    key = json.dumps({"category": "Books"}).encode()
    board.apply(topic, key, b'{"category":"Books","total":10.00,"orders":1,"avg":10.00,"max":10.00}', 1)
    assert [c["category"] for c in board.snapshot()["categories"]] == ["Books"]
    board.apply(topic, key, None, 2)
    assert board.snapshot()["categories"] == []


def test_orders_per_second_from_the_record_times(found):
    clock = Clock()
    board = Board(found, TOPIC, clock=clock)
    now_ms = int(clock.now * 1000)
    totals, categories = topic_of(found, "3a", "totals"), topic_of(found, "3d", "category")
    for i in range(50):  # 50 orders in the last 5 s, each with its 3A and 3D result
        stamp = now_ms - 5000 + i * 100
        board.apply(totals, b'{"customerId":"c"}', b'{"customerId":"c","total":1.00,"orders":1}', stamp)
        board.apply(categories, b'{"category":"Toys"}',
                    b'{"category":"Toys","total":1.00,"orders":1,"avg":1.00,"max":1.00}', stamp)
    for i in range(30):  # and older ones, out of the window
        board.apply(totals, b'{"customerId":"c"}', b'{"customerId":"c","total":1.00,"orders":1}', now_ms - 60_000 + i)
    assert board.snapshot()["kpis"]["rate"] == 5.0    # 50 in the 10 s window
    clock.now += 30
    assert board.snapshot()["kpis"]["rate"] == 0.0    # the stream stopped


def test_lag_of_the_running_job_not_of_bounded_runs(found):
    board = Board(found, TOPIC, clock=Clock())
    board.lag({Identity.parse(f"{job}-orders"): lag for job, lag in
               {"all-udf-kafka": 12, "3d-udf-kafka": 4000, "all-udf-kafka-bounded": 0}.items()}, 19.5)
    kpis = board.snapshot()["kpis"]
    assert (kpis["lag"], kpis["input_rate"]) == (12, 19.5)
    assert kpis["lags"]["all-udf-kafka-bounded"] == 0


def _analysis(id_, key, events, columns=None):
    return Analysis(id=id_, name=id_, title=id_, help="", banner=(), key=key, needs=(),
                    columns=columns or {}, events=tuple(events))


def test_a_field_comes_from_the_first_analysis_and_windows_are_not_current_state():
    registry = {
        "a": _analysis("a", "customerId", [Event("totals", {"customerId": "customerId", "total": "total"},
                                                 "{customerId} {total}", "totals")]),
        "b": _analysis("b", "customerId", [Event("hourly", {"customerId": "customerId", "windowStart": "w",
                                                            "total": "total"}, "{customerId}", "hourly")]),
        "c": _analysis("c", "customerId", [Event("segment", {"customerId": "customerId", "segment": "segment",
                                                             "total": "total"}, "{customerId}", "segments"),
                                           Event("segment_change", {"customerId": "customerId", "segment": "s"},
                                                 "{customerId} is now {segment}", "segment_changes",
                                                 when="changed")]),
    }
    found = sources(settings.load(), TOPIC, registry)
    board = Board(found, TOPIC, clock=Clock())
    key = b'{"customerId":"c1"}'
    board.apply("lesson3.orders.hourly", key, b'{"customerId":"c1","windowStart":"x","total":5.00}', 1)
    board.apply("lesson3.orders.segments", key, b'{"customerId":"c1","segment":"HIGH_VALUE","total":1.00}', 2)
    board.apply("lesson3.orders.totals", key, b'{"customerId":"c1","total":2000.00}', 3)
    board.apply("lesson3.orders.segment_changes", key, b'{"customerId":"c1","segment":"HIGH_VALUE"}', 4)
    state = board.snapshot()
    assert state["customers"]["rows"] == [{"customerId": "c1", "total": "2000.00", "segment": "HIGH_VALUE"}]
    assert state["customers"]["segments"] is True
    assert [a["text"] for a in state["alerts"]] == ["c1 is now HIGH_VALUE"]


def test_records_of_other_topics_are_ignored(found):
    board = Board(found, TOPIC, clock=Clock())
    board.apply("something.else", b"{}", b'{"category":"Books"}', 1)
    assert board.snapshot()["empty"]
