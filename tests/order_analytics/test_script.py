"""The rendered SQL: golden files for the local broker and Confluent Cloud, and the statement split.

After an intended change of the templates: UPDATE_GOLDEN=1 pytest tests/order_analytics/test_script.py
"""
import os
import sys
from pathlib import Path

import pytest

from order_analytics import analyses, script, settings, sql_text
from order_analytics.connection import MASK, Connection
from order_analytics.paths import ROOT
from order_analytics.pipeline import Pipeline

GOLDEN = Path(__file__).parent / "golden"
LOCAL = Connection("localhost:9092")
CLOUD = Connection("pkc-test.eu-west-1.aws.confluent.cloud:9092", "SASL_SSL", "KEY123", "s3cr3t-value")
ALL = analyses.select(["all"])
CASES = {  # name: (pipeline, connection, --set overrides)
    "3d_builtin_local.sql": (Pipeline(analyses.select(["3d"]), variant="builtin", bounded=True, startup="earliest"),
                             LOCAL, []),
    "all_udf_cloud_kafka_sink.sql": (Pipeline(ALL, sink="kafka"), CLOUD, []),
    "3b_udf_blackhole.sql": (Pipeline(analyses.select(["3b"]), sink="blackhole", topic="t"), LOCAL, []),
    # above parallelism 1: ordered by event time, late orders set aside
    "all_builtin_parallel.sql": (Pipeline(ALL, variant="builtin"), LOCAL, ["parallelism=2"]),
}


def portable(text: str) -> str:
    """The script without this machine's paths, so the golden files hold on any checkout."""
    return text.replace(sys.executable, "<python>").replace(ROOT.as_uri(), "file://<project>") \
        .replace(str(ROOT), "<project>")


@pytest.mark.parametrize("name", CASES)
def test_rendered_script_matches_golden_file(name):
    pipeline, connection, overrides = CASES[name]
    text = portable(script.render(settings.load(overrides=overrides), pipeline, connection, reveal_secrets=False))
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_secret_is_masked_unless_revealed():
    config = settings.load()
    masked = script.render(config, Pipeline(analyses.select(["3a"])), CLOUD, reveal_secrets=False)
    assert "s3cr3t-value" not in masked and MASK in masked and "--reveal-secrets" in masked
    revealed = script.render(config, Pipeline(analyses.select(["3a"])), CLOUD, reveal_secrets=True)
    assert 'password="s3cr3t-value"' in revealed
    assert "org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule" in revealed


def test_thresholds_come_from_config():
    config = settings.load(overrides=["thresholds.vip=123.45", "frequency.frequent=42"])
    text = script.render(config, Pipeline(ALL, variant="builtin"), LOCAL)
    assert "total >= 123.45" in text and "orders >= 42" in text
    assert ">= 500.00" not in text


def test_statements_keep_a_statement_set_whole():
    text = script.render(settings.load(), Pipeline(ALL, sink="kafka"), LOCAL)
    statements = sql_text.statements(text)
    assert statements[-1].startswith("EXECUTE STATEMENT SET") and statements[-1].endswith("END")
    assert statements[-1].count("INSERT INTO") == 8  # dead letters + 3a + 2 x 3b + 2 x 3c + 2 x 3d
    assert all(not s.rstrip().endswith(";") for s in statements)
    assert statements[0] == "SET 'execution.runtime-mode' = 'streaming'"



def test_several_analyses_share_one_read_and_one_running_aggregate():
    text = script.render(settings.load(), Pipeline(analyses.select(["3b", "3a", "3d"])), LOCAL)
    assert text.count("CREATE TABLE orders_raw") == 1
    assert text.count("CREATE TEMPORARY VIEW customer_running") == 1
    assert "CREATE TEMPORARY VIEW order_frequency" not in text
    inserts = [line for line in text.splitlines() if line.startswith("INSERT INTO")]
    assert inserts[1:] == ["INSERT INTO customer_totals_console SELECT '3a', * FROM customer_totals;",
                           "INSERT INTO vip_tiers_console SELECT '3b', * FROM vip_tiers;",
                           "INSERT INTO category_spending_console SELECT '3d', * FROM category_spending;",
                           "INSERT INTO dead_letters_console SELECT 'dead_letter', error, `partition`, `offset` "
                           "FROM dead_letters;"]


def test_result_topics_name_their_source_topic():
    text = script.render(settings.load(), Pipeline(analyses.select(["3b"]), sink="kafka", topic="shop-eu"), LOCAL)
    assert "'topic' = 'lesson3.shop-eu.tier_changes'" in text and "'topic' = 'lesson3.shop-eu.vip_tiers'" in text


@pytest.mark.parametrize("partitions, parallelism, source_tasks", [(1, 2, "1"), (3, 4, "3"), (4, 2, None),
                                                                   (None, 2, None), (1, 1, None)])
def test_no_source_task_without_a_partition_where_the_watermark_counts(partitions, parallelism, source_tasks):
    # a Kafka reader with no partition never goes idle, and no idle timeout stands in for that
    config = settings.load(overrides=[f"parallelism={parallelism}"])
    text = script.render(config, Pipeline(analyses.select(["3a"]), partitions=partitions), LOCAL)
    assert ("'scan.parallelism'" in text) == (source_tasks is not None)
    assert source_tasks is None or f"'scan.parallelism' = '{source_tasks}'" in text
    assert "table.exec.source.idle-timeout" not in text
    idle = script.render(settings.load(overrides=["parallelism=2", "idle_timeout=5s"]),
                         Pipeline(analyses.select(["3a"])), LOCAL)
    assert "SET 'table.exec.source.idle-timeout' = '5s';" in idle
