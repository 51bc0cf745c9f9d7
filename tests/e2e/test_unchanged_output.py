"""The seed's console lines of the lesson's jobs, as the project printed them before the registry of
analyses: captured once per job (`python runner.py JOB --bounded` over the topic below, both variants
alike) in golden/<job>.txt, over the records of golden/orders.txt (one value a line, in offset order).
`all` must print, per analysis, exactly those lines in that order.

Should an intended change alter them, regenerate with the single jobs and read the diff.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from order_analytics import analyses
from tests.conftest import produce

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def capture_topic(kafka) -> str:
    topic = f"test-capture-{uuid.uuid4().hex[:8]}"
    produce(topic, (GOLDEN / "orders.txt").read_bytes().splitlines())
    return topic


def prefixes(analysis) -> tuple[str, ...]:
    """The literal start of each of its lines, e.g. 'VIP Status> '."""
    return tuple(event.text.split("{", 1)[0] for event in analysis.events)


@pytest.mark.parametrize("variant", ["udf", "builtin"])
def test_all_prints_each_jobs_captured_lines(runner, capture_topic, variant):
    run = runner("all", "--variant", variant, "--bounded", "--topic", capture_topic)
    assert run.returncode == 0, run.stderr[-2000:]
    lesson = analyses.select(["all"])
    banners = [line for a in lesson for line in [*a.banner, ""]]
    assert run.stdout[:len(banners)] == banners
    for analysis in lesson:
        golden = (GOLDEN / f"{analysis.id}.txt").read_text(encoding="utf-8").splitlines()
        assert golden[:3] == [*analysis.banner, ""]
        printed = [line for line in run.stdout if line.startswith(prefixes(analysis))]
        assert printed == golden[3:], analysis.id
    assert "13 bad records set aside" in run.stderr
