"""The views in PostgreSQL (--sink postgres) end to end: real Kafka, real Flink, real PostgreSQL
(the embedded server, started here), every table compared with tests/model.py; and after kill -9
and the same command again, still exact, no row twice."""
from __future__ import annotations

import os
import re
import signal
import time
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from order_analytics import analyses, settings, views
from order_analytics.infra import database
from order_analytics.paths import ROOT
from tests import model
from tests.conftest import produce, seeded_values
from tests.e2e import live
from tests.e2e.test_dashboard import browser  # noqa: F401  (the real-browser fixture)

NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.fixture(scope="module")
def views_database():
    """The embedded PostgreSQL, started (and installed, on a fresh machine) like `db start` does, and
    stopped again when these tests started it."""
    port = settings.load().views.port
    started = not database.running()
    database.start(port, progress=lambda message: None)
    before = os.environ.get("VIEWS_DATABASE_URL")
    os.environ["VIEWS_DATABASE_URL"] = ""  # the embedded one, whatever a developer's .env says
    yield database.from_environment(port)
    if before is None:
        del os.environ["VIEWS_DATABASE_URL"]
    else:
        os.environ["VIEWS_DATABASE_URL"] = before
    if started:
        database.stop()


def value(text):
    """A value as comparable: numbers as Decimal (numeric(.., 2) and BIGINT alike), else as is."""
    if isinstance(text, (int, Decimal)):
        return Decimal(text)
    return Decimal(text) if text is not None and NUMBER.fullmatch(text) else text


def row(fields: dict) -> tuple:
    return tuple(sorted((column, value(v)) for column, v in fields.items()))


def expected_tables(values: list, jobs: list[str]) -> dict[str, set]:
    """Every table with a topic as the model says it ends: the last state per key, every alert."""
    return model_tables(model.expected(values), jobs)


def model_tables(expected: model.Expected, jobs: list[str]) -> dict[str, set]:
    """The tables of `jobs` as the model's run `expected` ends them (bench/soak.py reads its own)."""
    tables, states = defaultdict(set), defaultdict(dict)
    chosen = analyses.select(jobs)
    for analysis in chosen:
        for event in (e for e in analysis.events if e.topic):
            tables[event.topic] = set()
    for (job, key), events in [*expected.events.items(),
                               *((("segments", c), p[-1:]) for c, p in expected.profiles.items())]:
        analysis = analyses.registry()[job]
        if analysis not in chosen:
            continue
        for event in events:
            declared = next(e for e in analysis.events if e.kind == event["kind"])
            fields = {views.snake(name): event[name] for name in declared.fields}
            if declared.appends:
                tables[declared.topic].add(row(fields))
            else:
                states[declared.topic][key] = row(fields)
    for table, last in states.items():
        tables[table] = set(last.values())
    return tables


def table_rows(target, schema: str, table: str) -> list[tuple]:
    rows = database.query(target, f'SELECT * FROM "{schema}"."{table}"')
    return [row({k: v for k, v in r.items() if k != views.CHANGED_AT}) for r in rows]


def assert_tables_match_model(target, schema: str, values: list, jobs: list[str]) -> None:
    for table, want in expected_tables(values, jobs).items():
        got = table_rows(target, schema, table)
        assert len(got) == len(set(got)), f"{table}: a row twice"
        assert set(got) == want, (f"{table}: {len(got)} rows, {len(want)} expected; missing "
                                  f"{sorted(want - set(got))[:3]}, extra {sorted(set(got) - want)[:3]}")
    expected = model.expected(values)
    dead = database.query(target, f'SELECT "partition", "offset" FROM "{schema}".dead_letters')
    late = expected.late_offsets if "hourly" in jobs else []
    assert sorted(int(r["offset"]) for r in dead) == sorted(expected.bad_offsets + late)
    assert_segment_changes_follow_profiles(target, schema, expected)


def assert_segment_changes_follow_profiles(target, schema: str, expected) -> None:
    """Each change is between two segments the customer had, in order, ending in the last one."""
    changes = defaultdict(list)
    for change in database.query(target, f'SELECT * FROM "{schema}".segment_changes ORDER BY orders'):
        changes[change["customer_id"]].append(change)
    for customer, made in changes.items():
        profiles = expected.profiles[customer]
        previous = None
        for change in made:
            n = int(change["orders"])
            assert profiles[n - 1]["segment"] == change["segment"] != change["previous_segment"], change
            assert any(p["segment"] == change["previous_segment"] for p in profiles[:n - 1]), change
            assert previous is None or previous == change["previous_segment"], (customer, made)
            previous = change["segment"]
        assert previous == profiles[-1]["segment"], (customer, made)


@pytest.fixture(scope="module")
def bounded_run(kafka, views_database):
    """One bounded run of every analysis into PostgreSQL over a seeded topic."""
    from tests.conftest import run_runner

    topic = f"test-views-{uuid.uuid4().hex[:8]}"
    values = seeded_values(600, seed=7, bad_ratio=0.02, duplicate_ratio=0.01)
    produce(topic, values)
    run = run_runner("all", "alerts", "hourly", "segments", "--sink", "postgres", "--bounded", "--topic", topic,
                     timeout=400)
    return run, topic, values


def test_bounded_run_leaves_every_table_equal_to_the_model(bounded_run, views_database):
    run, topic, values = bounded_run
    assert run.returncode == 0, run.stderr[-2000:]
    assert_tables_match_model(views_database, topic, values, ["all", "alerts", "hourly", "segments"])


def test_customer_profile_joins_what_exists(bounded_run, views_database):
    _, topic, values = bounded_run
    expected = model.expected(values)
    profile = {r["customer_id"]: r for r in database.query(views_database, f'SELECT * FROM "{topic}".customer_profile')}
    assert profile.keys() == expected.profiles.keys()
    for customer, profiles in expected.profiles.items():
        last = profiles[-1]
        assert row(profile[customer]) == row({"customer_id": customer, "total": last["total"], "orders": last["orders"],
                                               "tier": last["tier"], "frequency": last["frequency"],
                                               "segment": last["segment"]})


def wait_for(check, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s}s"
        time.sleep(1)


def test_kill_9_then_the_same_command_is_still_exact(kafka, views_database, tmp_path):
    """Killed between checkpoints, the job replays what no checkpoint covers: upserts on natural
    keys land on themselves, an older state never overwrites a newer, no change is made up."""
    from tests.e2e.test_restarts import wait_for_checkpoint

    topic = f"test-views-live-{uuid.uuid4().hex[:8]}"
    values = seeded_values(500, seed=11, bad_ratio=0.02, duplicate_ratio=0.01)
    jobs = ["all", "alerts", "segments"]
    command = [*jobs, "--sink", "postgres", "--topic", topic, "--no-status",
               "--set", f"checkpoint.dir={tmp_path}", "--set", "checkpoint.interval=3s"]
    produce(topic, values[:300])
    job = live.start(*command)
    try:
        # the start of a job takes a minute or more on a busy 2-core machine
        wait_for_checkpoint(tmp_path / f"lesson3-3a-3b-3c-3d-alerts-segments-udf-postgres-{topic}", after=time.time(),
                            timeout_s=240)
        produce(topic, values[300:])
        time.sleep(1.5)  # written to the tables, covered by no checkpoint yet
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    totals = model.expected(values).events

    def caught_up() -> bool:
        orders = database.query(views_database, f'SELECT sum(orders) AS n FROM "{topic}".customer_totals')[0]["n"]
        return orders is not None and int(orders) == sum(1 for (j, _), e in totals.items() if j == "3a" for _ in e)

    job = live.start(*command)
    try:
        wait_for(caught_up, 240, "every order in customer_totals")
        time.sleep(2)  # the alerts of the last orders flushed too (every second)
    finally:
        stderr = live.stop(job)
    assert "continuing from checkpoint" in stderr, stderr[-2000:]
    assert_tables_match_model(views_database, topic, values, jobs)


@pytest.mark.parametrize("query", sorted(p.name for p in (ROOT / "lesson4").glob("[0-9]*.sql")))
def test_every_lesson4_query_runs_with_db_psql(bounded_run, query):
    from tests.conftest import run_runner

    _, topic, _ = bounded_run
    run = run_runner("db", "psql", "-v", f"topic={topic}", "-v", "customer=customer_002", "-f", f"lesson4/{query}")
    assert run.returncode == 0, run.stderr
    assert "(0 rows)" not in "\n".join(run.stdout) or query.startswith("5_"), run.stdout


def test_the_reserved_words_are_the_servers_own(views_database):
    """views.RESERVED names what cannot be a column unquoted: the server's reserved words."""
    words = database.query(views_database, "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')")
    assert views.RESERVED == {r["word"] for r in words}


def test_the_learners_schema_holds_the_tables_and_customer_profile_alone(bounded_run, views_database):
    _, topic, _ = bounded_run
    found = database.query(views_database, "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                                           f"WHERE table_schema IN ('{topic}', 'flink/{topic}')")
    assert {(r["table_name"], r["table_type"]) for r in found if r["table_schema"] == topic} == {
        *((name, "BASE TABLE") for name in (t.name for t in views.every_table())), ("dead_letters", "BASE TABLE"),
        ("customer_profile", "VIEW")}
    assert {r["table_name"] for r in found if r["table_schema"] != topic} == {"frequency_changes", "dead_letters"}


def test_db_commands(views_database):
    from tests.conftest import run_runner

    assert run_runner("db", "status").stdout[0].startswith("Database: running on postgresql://lesson3@127.0.0.1:")
    assert run_runner("db", "psql", "-At", "-c", "SELECT 6 * 7").stdout == ["42"]
    assert run_runner("db", "restart").returncode == 2


def test_a_database_that_does_not_answer_is_exit_3_with_one_line_and_no_password(kafka, orders_topic):
    import subprocess
    import sys

    env = {**os.environ, "VIEWS_DATABASE_URL": "postgresql://shop:s3cret-pw@127.0.0.1:1/shop"}
    for args in (["db", "status"], ["3a", "--sink", "postgres", "--bounded", "--topic", orders_topic.name]):
        done = subprocess.run([sys.executable, "runner.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 3, done.stderr
        error = done.stderr.strip().splitlines()[-1]
        assert error.startswith("error: the views' database at postgresql://shop@127.0.0.1:1/shop did not answer")
        assert "s3cret-pw" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_printed_script_runs_in_the_sql_client_after_its_ddl(views_database, kafka, tmp_path):
    """`--sql` with --sink postgres: the DDL file it names, run with `db psql -f`, then the script in
    Flink's SQL client: the tables as the runner would leave them."""
    import subprocess
    import sys

    topic = f"test-views-client-{uuid.uuid4().hex[:8]}"
    values = seeded_values(300, seed=5, bad_ratio=0.02)
    produce(topic, values)
    printed = subprocess.run([sys.executable, "runner.py", "3a", "3d", "--variant", "builtin", "--sink", "postgres",
                              "--bounded", "--topic", topic, "--sql", "--reveal-secrets"],
                             cwd=ROOT, capture_output=True, text=True, check=True)
    ddl = re.search(r"db psql -f ([^`\s]+)", printed.stdout).group(1)
    assert ddl == str(views.ddl_file(topic))
    assert subprocess.run([sys.executable, "runner.py", "db", "psql", "-q", "-f", ddl], cwd=ROOT).returncode == 0
    script = tmp_path / "script.sql"
    script.write_text(printed.stdout)
    client = subprocess.run([sys.executable, "runner.py", "sql-client", "-f", str(script)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert "[ERROR]" not in client.stdout, client.stdout[-3000:]
    assert_tables_match_model(views_database, topic, values, ["3a", "3d"])


def test_the_dashboard_finds_a_customer_by_id_in_the_views(bounded_run, browser):
    """A real browser: the search box shows the customer's profile from customer_profile, and the
    page says how fresh the views are."""
    from selenium.webdriver.common.by import By

    from tests.e2e.test_dashboard import Dashboard, wait_for as wait_for_page

    _, topic, values = bounded_run
    customer, profiles = sorted(model.expected(values).profiles.items())[1]
    dashboard = Dashboard("--set", f"kafka.topic={topic}")
    try:
        browser.get(dashboard.url)
        wait_for_page(browser, lambda d: "newest change" in d.find_element(By.ID, "views-age").text.lower(),
                      what="the views' freshness")
        browser.find_element(By.ID, "find-id").send_keys(customer)
        browser.find_element(By.CSS_SELECTOR, "#find button").click()
        shown = wait_for_page(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f'#found table[data-customer="{customer}"]'),
                              what="the customer's profile")[0]
        cell = lambda name: shown.find_element(By.CSS_SELECTOR, f"td.{name}").text  # noqa: E731
        assert (cell("total"), cell("orders"), cell("tier"), cell("segment")) == (
            f"${profiles[-1]['total']:,.2f}", str(profiles[-1]["orders"]), profiles[-1]["tier"], profiles[-1]["segment"])
        browser.find_element(By.ID, "find-id").clear()
        browser.find_element(By.ID, "find-id").send_keys("customer_404")
        browser.find_element(By.CSS_SELECTOR, "#find button").click()
        wait_for_page(browser, lambda d: "no customer 'customer_404'" in d.find_element(By.ID, "found").text,
                      what="a customer that is not there")
    finally:
        dashboard.stop()

