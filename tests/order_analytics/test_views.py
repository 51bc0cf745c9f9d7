"""The views' DDL derived from the registry (pure: no database, no Flink)."""
import dataclasses

import pytest

from order_analytics import analyses, script, settings, views
from order_analytics.connection import MASK, Connection
from order_analytics.infra.database import Database
from order_analytics.outputs import outputs
from order_analytics.pipeline import Pipeline
from order_analytics.sql_text import statements

TABLES = {t.name: t for t in views.every_table()}
EVERY = ["all", "alerts", "hourly", "segments"]


@pytest.mark.parametrize("field, column", [("customerId", "customer_id"), ("previousTier", "previous_tier"),
                                           ("windowStart", "window_start"), ("gapMs", "gap_ms"), ("total", "total"),
                                           ("order", "order"), ("offset", "offset")])
def test_columns_are_the_fields_in_snake_case_reserved_words_too(field, column):
    assert views.snake(field) == column


def test_flink_writes_a_table_with_a_reserved_word_through_a_view_that_renames_it():
    assert {name for name, t in TABLES.items() if t.through_view} == {"frequency_changes"}
    assert views.dead_letter_table().key == ("partition", "offset")
    ddl = views.database_script("orders", list(TABLES.values()))
    assert '"order" bigint' in ddl and '"offset" bigint' in ddl and "PRIMARY KEY (\"partition\", \"offset\")" in ddl
    assert 'CREATE SCHEMA IF NOT EXISTS "flink/orders";' in ddl
    assert ('CREATE OR REPLACE VIEW "flink/orders"."dead_letters" AS\n'
            'SELECT "error", "raw", "partition", "offset" AS "offset_", "seen_at"\nFROM "orders"."dead_letters";') in ddl
    assert '"order" AS "order_"' in ddl and ddl.count("CREATE OR REPLACE VIEW") == 3  # and customer_profile


def test_the_flink_table_of_a_renamed_column_writes_the_writer_view():
    text = render("postgres", reveal=False)
    frequency = next(s for s in statements(text) if "frequency_changes_postgres (" in s)
    assert "`order_` BIGINT" in frequency and "`order`" not in frequency
    assert "'table-name' = '\"flink/orders\".\"frequency_changes\"'" in frequency
    dead = next(s for s in statements(text) if "dead_letters_postgres (" in s)
    assert "PRIMARY KEY (`partition`, `offset_`) NOT ENFORCED" in dead
    assert "'table-name' = '\"orders\".\"customer_totals\"'" in text


def test_one_table_per_event_named_as_its_topic():
    assert set(TABLES) == {"customer_totals", "vip_tiers", "order_frequency", "category_spending", "customer_segments",
                           "hourly_customers", "tier_changes", "frequency_changes", "category_milestones",
                           "high_value_orders", "rapid_orders", "segment_changes"}


@pytest.mark.parametrize("table, key", [("customer_totals", ("customer_id",)), ("category_spending", ("category",)),
                                        ("tier_changes", ("customer_id", "tier")),
                                        ("category_milestones", ("category", "milestone")),
                                        ("high_value_orders", ("order_id",)), ("rapid_orders", ("order_id",)),
                                        ("hourly_customers", ("customer_id", "window_start")),
                                        ("segment_changes", ("customer_id", "orders"))])
def test_state_tables_keyed_by_the_analysis_key_alerts_by_a_natural_key(table, key):
    assert TABLES[table].key == key
    assert set(key) <= set(dict(TABLES[table].columns))


def test_only_state_tables_guard_against_older_states():
    assert {name for name, t in TABLES.items() if t.position} == {
        "customer_totals", "vip_tiers", "order_frequency", "category_spending", "customer_segments"}


def test_money_is_numeric_with_cents():
    ddl = views.database_script("orders", list(TABLES.values()))
    assert '"total" numeric(38, 2)' in ddl and '"amount" numeric(18, 2)' in ddl
    assert "double" not in ddl and "real" not in ddl.replace("already", "")


def test_segment_changes_come_from_the_old_and_new_rows_of_customer_segments():
    ddl = views.database_script("orders", list(TABLES.values()))
    assert 'AFTER UPDATE ON "orders"."customer_segments"' in ddl
    assert 'VALUES (NEW."customer_id", NEW."segment", OLD."segment", NEW."orders")' in ddl


def test_the_profile_view_takes_each_column_from_every_table_that_has_it():
    ddl = views.profile_ddl("orders", list(TABLES.values()))
    assert "CREATE OR REPLACE VIEW \"orders\".customer_profile" in ddl
    assert 't4."segment" AS "segment"' in ddl and "COALESCE(t2.\"tier\", t4.\"tier\") AS \"tier\"" in ddl


def test_a_schema_named_as_an_unusual_topic_is_quoted():
    ddl = views.database_script("shop-eu.v2", list(TABLES.values()))
    assert 'CREATE SCHEMA IF NOT EXISTS "shop-eu.v2";' in ddl


def test_a_new_analysis_gets_its_table_from_its_analysis_yml_alone():
    base = analyses.registry()["3a"]
    event = dataclasses.replace(base.events[0], kind="basket", topic="baskets")
    alert = dataclasses.replace(base.events[0], kind="big_basket", topic="big_baskets", when="orders",
                                key=("customerId", "orders"))
    new = dataclasses.replace(base, id="baskets", name="baskets", events=(event, alert))
    tables = {t.name: t for t in views.analysis_tables(new, outputs(new))}
    assert tables["baskets"].key == ("customer_id",) and tables["big_baskets"].key == ("customer_id", "orders")
    with pytest.raises(ValueError, match="natural `key:`"):
        views.analysis_tables(new, outputs(dataclasses.replace(new, events=(dataclasses.replace(alert, key=()),))))


def render(sinks: str, reveal: bool) -> str:
    target = Database("db.example", 5433, "shop", "app", "p4ss-w0rd", embedded=False)
    return script.render(settings.load(), Pipeline(analyses.select(EVERY), sink=sinks), Connection("localhost:9092"),
                         reveal_secrets=reveal, database=target)


def test_sql_of_postgres_and_kafka_sinks_is_one_statement_set_with_the_password_masked():
    text = render("kafka-postgres", reveal=False)
    assert "p4ss-w0rd" not in text and f"'password' = '{MASK}'" in text
    assert "'url' = 'jdbc:postgresql://db.example:5433/shop'" in text
    assert "'table-name' = '\"orders\".\"segment_changes\"'" not in text  # the database writes that one
    job = statements(text)[-1]
    assert job.count("INSERT INTO") == len(statements(job.split("BEGIN", 1)[1].rsplit("END", 1)[0]))
    assert "INSERT INTO customer_totals_topic" in job and "INSERT INTO customer_totals_postgres" in job
    assert "flink-connector-jdbc-postgres" in text


def test_sql_reveals_the_password_when_asked():
    assert "'password' = 'p4ss-w0rd'" in render("postgres", reveal=True)
