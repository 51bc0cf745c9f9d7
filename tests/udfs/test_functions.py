"""The PyFlink wrappers of udfs/functions.py through a real TableEnvironment, in the style of PyFlink's
own UDF tests: rows in, every function called from SQL, rows out, with the exact Python types.

The functions are registered as the job registers them (`CREATE TEMPORARY FUNCTION name AS
'functions.name' LANGUAGE PYTHON`, udfs/ shipped as python.files) and called as the job's SQL calls
them (the udf variant's macros, thresholds from the default config). Scalar functions run in the
configured python.execution_mode as a job with one Python operator runs them (auto: thread); the
aggregate runs in a Python worker process (thread mode has no general Python aggregates). Tiny bundles (1 or 2 rows) make every row cross Python's boundary on
its own, and a state cache of one accumulator makes each key's accumulator go through Flink state.

Two Flink jobs in all (the JVM starts once per module): one for every scalar function, one for the
aggregate. Streaming mode: batch mode has no general (non-Pandas) Python aggregates.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal as D

import pytest

from order_analytics.paths import DEFAULT_CONFIG, UDFS, python_worker_env
from order_analytics.script import templates
from order_analytics.udf_names import python_functions
from order_analytics.settings import load

# Importing PyFlink warns of its own deprecated APIs as it defines them, and its Python worker pulls in
# Apache Beam's httplib2, which uses pyparsing's old names: none of it is this project's.
pytestmark = [pytest.mark.filterwarnings("ignore:.*deprecated since version:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning:httplib2.auth")]

SCALARS = {"customer_tier", "order_frequency", "milestones_crossed", "high_value_order", "rapid_order",
           "customer_segment"}
AGGREGATES = {"order_stats", "window_stats"}


@pytest.fixture(scope="module")
def t_env():
    """One streaming TableEnvironment (one JVM) for the module, configured as the job's SET statements
    configure it, with the project's functions registered."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in python_worker_env().items():  # before PyFlink starts its JVM, which inherits it
            patch.setenv(key, value)
        if str(UDFS) not in sys.path:  # functions are resolved in this process too (flink_job._execute)
            patch.syspath_prepend(str(UDFS))
        from pyflink.table import EnvironmentSettings, TableEnvironment

        env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        config = env.get_config()
        for key, value in {
            "parallelism.default": "1",
            "table.local-time-zone": "UTC",
            "python.executable": sys.executable,
            "python.client.executable": sys.executable,
            "python.files": str(UDFS),
            "python.execution-mode": {"auto": "thread"}.get(load().python.execution_mode,
                                                            load().python.execution_mode),
            "python.fn-execution.bundle.size": "2",
            "python.fn-execution.bundle.time": "100",
        }.items():
            config.set(key, value)
        for name in python_functions():
            env.execute_sql(f"CREATE TEMPORARY FUNCTION {name} AS 'functions.{name}' LANGUAGE PYTHON")
        yield env
        for name in python_functions():
            env.execute_sql(f"DROP TEMPORARY FUNCTION IF EXISTS {name}")


@pytest.fixture(scope="module")
def calls():
    """The udf variant's macros (sql/variants/udf.sql.j2) with the default config: the calls the job makes."""
    settings = load(DEFAULT_CONFIG)
    context = {"settings": settings, "thresholds": settings.thresholds, "frequency": settings.frequency,
               "milestones": settings.milestones}
    return templates().get_template("variants/udf.sql.j2").make_module(context)


def run(env, sql: str):
    """Run a bounded query to its end: (column name -> its SQL type, [(row kind, row)]). The result's
    iterator is closed, and with it the job and the mini-cluster it ran on."""
    result = env.execute_sql(sql)
    columns = (re.fullmatch(r"`([^`]+)` (.+)", str(column)) for column in result.get_resolved_schema().get_columns())
    types = {match.group(1): match.group(2) for match in columns}  # as Flink spells them
    with result.collect() as rows:
        changes = [(row.get_row_kind().name, row) for row in rows]
    return types, changes


def test_every_wrapper_is_tested():
    assert set(python_functions()) == SCALARS | AGGREGATES


def test_milestones_are_passed_as_decimal_constants(calls):
    """milestones_crossed returns some of the milestones it is given, and ARRAY<DECIMAL(18, 2)> takes
    no int: 1000 instead of 1000.00 fails the job (thread mode: ArrayStoreException: java.lang.Long; a
    worker process: 'int' object has no attribute 'quantize'). Each is a constant of its own, not an
    ARRAY[...], which Flink computes as a column of every row (see udfs/functions.py)."""
    assert calls.milestones_between("p", "t") == (
        "milestones_crossed(p, t, 1000.00, 5000.00, 10000.00, 50000.00, 100000.00)")


# -- scalar functions: one job, one row per case, every function called on every row ---------------

@dataclass
class Case:
    """Inputs as the job's columns have them, and what each function returns for them."""
    total: str                      # DECIMAL(38, 2): SUM(amount)
    previous_total: str             # DECIMAL(38, 2): total - amount
    amount: str                     # DECIMAL(18, 2)
    gap_ms: int | None              # BIGINT: event_ms - LAG(event_ms), NULL on a customer's first order
    orders: int                     # BIGINT: COUNT(*)
    average: str                    # DECIMAL(18, 2)
    share: str                      # DECIMAL(3, 2)
    tier: str
    frequency: str
    milestones: list = field(default_factory=list)
    high_value: bool = False
    rapid: bool = False
    segment: str = "STANDARD"


CASES = [
    Case("400.00", "0.00", "400.00", None, 1, "400.00", "1.00", "REGULAR", "NEW CUSTOMER",
         segment="NEW_CUSTOMER"),                                          # 400.00 is not high; no gap
    Case("1000.00", "999.99", "0.01", 0, 2, "500.00", "0.50", "PREMIUM", "OCCASIONAL",
         milestones=[D("1000.00")], rapid=True, segment="HIGH_VALUE"),      # exactly PREMIUM, $1K, a gap of 0
    Case("999.99", "599.98", "400.01", 299_999, 6, "166.67", "0.50", "VIP", "REGULAR",
         high_value=True, rapid=True),                                     # 400.01 is high; window - 1
    Case("6000.00", "500.00", "5500.00", 300_000, 11, "545.45", "0.18", "PREMIUM", "FREQUENT",
         milestones=[D("1000.00"), D("5000.00")], high_value=True,
         segment="HIGH_VALUE"),                                            # two milestones; a gap of the window
    Case("500.00", "490.00", "10.00", -1, 11, "45.45", "0.18", "VIP", "FREQUENT",
         segment="FREQUENT_BUYER"),                                        # exactly VIP; a negative gap
    Case("200.00", "150.00", "50.00", 1, 4, "50.00", "0.60", "REGULAR", "OCCASIONAL", rapid=True,
         segment="CATEGORY_FOCUSED"),                                      # share exactly focus_share
    Case("89.97", "59.98", "29.99", 300_001, 3, "29.99", "0.33", "REGULAR", "OCCASIONAL",
         segment="PRICE_SENSITIVE"),                                       # avg just below low_avg
    Case("90.00", "60.00", "30.00", None, 3, "30.00", "1.00", "REGULAR", "OCCASIONAL"),  # avg exactly low_avg
    Case("100000.00", "0.00", "99999.99", 86_400_000, 10, "10000.00", "0.59", "PREMIUM", "REGULAR",
         milestones=[D("1000.00"), D("5000.00"), D("10000.00"), D("50000.00"), D("100000.00")],
         high_value=True, segment="HIGH_VALUE"),                           # every milestone at once
]


def sql_values(cases: list[Case]) -> str:
    def row(index: int, case: Case) -> str:
        gap = "CAST(NULL AS BIGINT)" if case.gap_ms is None else f"CAST({case.gap_ms} AS BIGINT)"
        return (f"({index}, CAST({case.total} AS DECIMAL(38, 2)), CAST({case.previous_total} AS DECIMAL(38, 2)), "
                f"CAST({case.amount} AS DECIMAL(18, 2)), {gap}, CAST({case.orders} AS BIGINT), "
                f"CAST({case.average} AS DECIMAL(18, 2)), CAST({case.share} AS DECIMAL(3, 2)))")

    return ",\n".join(row(index, case) for index, case in enumerate(cases))


@pytest.fixture(scope="module")
def scalar_results(t_env, calls):
    """Every scalar function on every case, as the job's SQL calls them; bundles of 2 rows and an odd
    number of rows, so the last bundle is flushed half full at the end of the input."""
    assert len(CASES) % 2 == 1
    t_env.get_config().set("python.fn-execution.bundle.size", "2")
    return run(t_env, f"""
        SELECT id,
          {calls.tier_of('total')} AS tier,
          {calls.frequency_of('orders')} AS frequency,
          {calls.milestones_between('previous_total', 'total')} AS milestones,
          {calls.high_value_order('amount')} AS high_value,
          {calls.rapid_order('gap_ms')} AS rapid,
          {calls.segment_of('orders', 'total', 'average', 'share')} AS segment
        FROM (VALUES {sql_values(CASES)})
          AS cases (id, total, previous_total, amount, gap_ms, orders, average, share)""")


@pytest.fixture(scope="module")
def scalar_rows(scalar_results):
    _, changes = scalar_results
    assert {kind for kind, _ in changes} == {"INSERT"}
    return {row[0]: row for _, row in changes}


def test_scalar_result_types(scalar_results):
    types, _ = scalar_results
    assert list(types) == COLUMNS
    assert types == {"id": "INT NOT NULL", "tier": "STRING", "frequency": "STRING",
                     "milestones": "ARRAY<DECIMAL(18, 2)>", "high_value": "BOOLEAN", "rapid": "BOOLEAN",
                     "segment": "STRING"}


def test_every_case_comes_back_once(scalar_rows):
    assert sorted(scalar_rows) == list(range(len(CASES)))


COLUMNS = ["id", "tier", "frequency", "milestones", "high_value", "rapid", "segment"]


def column(scalar_rows, name: str) -> list:
    """One result column, in the order of CASES."""
    return [scalar_rows[i][COLUMNS.index(name)] for i in range(len(CASES))]


@pytest.mark.parametrize("name", ["tier", "frequency", "segment"])
def test_string_results(scalar_rows, name):
    got = column(scalar_rows, name)
    assert got == [getattr(case, name) for case in CASES]
    assert all(type(value) is str for value in got)


def test_milestones_crossed_are_lists_of_cents(scalar_rows):
    got = column(scalar_rows, "milestones")
    assert got == [case.milestones for case in CASES]
    for milestones in got:
        assert type(milestones) is list   # an empty ARRAY comes back as [], not None
        assert all(type(m) is D and m.as_tuple().exponent == -2 for m in milestones)
    assert [str(m) for m in got[-1]] == ["1000.00", "5000.00", "10000.00", "50000.00", "100000.00"]


def test_high_value_order_is_a_bool(scalar_rows):
    got = column(scalar_rows, "high_value")
    assert got == [case.high_value for case in CASES]
    assert all(type(value) is bool for value in got)
    assert (got[0], got[2]) == (False, True)   # 400.00 is not high, 400.01 is


def test_rapid_order_with_null_and_edge_gaps(scalar_rows):
    got = {case.gap_ms: rapid for case, rapid in zip(CASES, column(scalar_rows, "rapid"))}
    assert got == {None: False, 0: True, 1: True, 299_999: True, 300_000: False, 300_001: False, -1: False,
                   86_400_000: False}
    assert all(type(value) is bool for value in got.values())


# -- the aggregate: order_stats in a GROUP BY ------------------------------------------------------

ORDERS = [  # (customer, amount, category): customers interleaved, so the accumulators go in and out of state
    ("thirds", "10.00", "Books"), ("tie", "10.00", "Books"), ("half", "0.12", "Toys"),
    ("thirds", "10.00", "Books"), ("tie", "10.01", "Toys"), ("half", "0.13", "Books"),
    ("thirds", "10.00", "Toys"), ("tie", "10.00", "Books"), ("tie", "10.00", "Toys"),
    ("alpha", "5.00", "Toys"), ("alpha", "5.00", "Garden"),
    ("big", "9999999999999999.99", "Küche & Bad"), ("big", "9999999999999999.99", "Küche & Bad"),
    ("big", "9999999999999999.99", "Küche & Bad"),
    ("nothing", None, "Books"), ("late", None, "Books"), ("late", "999.99", "Books"), ("late", "0.01", "Toys"),
    *[("eighths", f"{n}.00", f"Category {n}") for n in range(1, 9)],
    *[("elevenths", "1.00", "Books")] * 10, ("elevenths", "1.05", "Books"),
]

SUMMARIES = {  # (orders, total, average, largest, favorite, share)
    "thirds": (3, "30.00", "10.00", "10.00", "Books", "0.67"),            # share 2/3
    "tie": (4, "40.01", "10.00", "10.01", "Toys", "0.50"),                # tie on orders: the larger total
    "half": (2, "0.25", "0.13", "0.13", "Books", "0.50"),                 # average 0.125 half-up; tie: larger total
    "alpha": (2, "10.00", "5.00", "5.00", "Garden", "0.50"),              # tie on both: alphabetically first
    "big": (3, "29999999999999999.97", "9999999999999999.99", "9999999999999999.99", "Küche & Bad", "1.00"),
    "late": (2, "1000.00", "500.00", "999.99", "Books", "0.50"),          # a NULL amount counts nothing
    "eighths": (8, "36.00", "4.50", "8.00", "Category 8", "0.13"),         # share 1/8 = 0.125 half-up
    "elevenths": (11, "11.05", "1.00", "1.05", "Books", "1.00"),           # 1.004545...: once, not via 1.005
    "nothing": None,                                                      # no order counted: a NULL ROW
}


def sql_orders() -> str:
    def amount(value):
        return "CAST(NULL AS DECIMAL(18, 2))" if value is None else f"CAST('{value}' AS DECIMAL(18, 2))"

    return ",\n".join(f"('{customer}', {amount(value)}, '{category}')" for customer, value, category in ORDERS)


@pytest.fixture(scope="module")
def aggregate_results(t_env, scalar_results):  # after the scalar job: the bundle size is per job
    t_env.get_config().set("python.fn-execution.bundle.size", "1")
    t_env.get_config().set("python.state.cache-size", "1")
    return run(t_env, f"""
        SELECT customerId, order_stats(amount, category) AS stats
        FROM (VALUES {sql_orders()}) AS orders (customerId, amount, category)
        GROUP BY customerId""")


@pytest.fixture(scope="module")
def profiles(aggregate_results):
    """The updating table after the changelog: each customer's last row. Every retraction retracts the
    row before it."""
    _, changes = aggregate_results
    current = {}
    for kind, row in changes:
        customer, stats = row[0], row[1]
        if kind in ("INSERT", "UPDATE_AFTER"):
            assert customer not in current, f"{customer}: {kind} without retracting {current.get(customer)}"
            current[customer] = stats
        else:
            assert kind == "UPDATE_BEFORE" and current.pop(customer) == stats
    return current


def test_aggregate_result_type(aggregate_results):
    types, _ = aggregate_results
    assert types["stats"] == ("ROW<`orders` BIGINT, `total` DECIMAL(38, 2), `average` DECIMAL(18, 2), "
                              "`largest` DECIMAL(18, 2), `favorite` STRING, `share` DECIMAL(3, 2)>")


def test_one_update_per_counted_order(aggregate_results):
    """Bundles of one row: each order's result leaves before the next order comes in."""
    _, changes = aggregate_results
    assert sum(kind == "UPDATE_AFTER" for kind, _ in changes) == len(ORDERS) - len(SUMMARIES)


@pytest.mark.parametrize("customer", SUMMARIES)
def test_order_stats(profiles, customer):
    expected = SUMMARIES[customer]
    if expected is None:
        assert profiles[customer] is None
        return
    got = tuple(profiles[customer])
    orders, total, average, largest, favorite, share = expected
    assert got == (orders, D(total), D(average), D(largest), favorite, D(share))
    assert [str(value) for value in got[1:4] + got[5:]] == [total, average, largest, share]  # 2 places
    assert type(got[0]) is int and type(got[4]) is str
    assert all(type(value) is D for value in got[1:4] + got[5:])


def test_every_customer_has_a_profile(profiles):
    assert set(profiles) == set(SUMMARIES)


# -- the pandas aggregate: window_stats in a group window ------------------------------------------

@pytest.fixture(scope="module")
def window_results(t_env, aggregate_results, tmp_path_factory):
    """window_stats over the same orders, all in one hour of event time and one call: a streaming
    group window (as hourly runs it) over a file with a watermark, since VALUES has none. Arrow
    batches of 2 rows: a window's orders still reach Python together."""
    orders = tmp_path_factory.mktemp("orders") / "orders.csv"
    orders.write_text("".join(f"{customer},{'' if amount is None else amount},{category},2025-11-24 10:{n % 60:02d}:00\n"
                              for n, (customer, amount, category) in enumerate(ORDERS)), encoding="utf-8")
    t_env.get_config().set("python.fn-execution.arrow.batch.size", "2")
    t_env.execute_sql(f"""
        CREATE TEMPORARY TABLE window_orders (
          customerId STRING, amount DECIMAL(18, 2), category STRING, ts TIMESTAMP(3),
          WATERMARK FOR ts AS ts
        ) WITH ('connector' = 'filesystem', 'path' = '{orders}', 'format' = 'csv', 'csv.null-literal' = '')""")
    try:
        return run(t_env, """
            SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) AS window_start, window_stats(customerId, amount, category) AS stats
            FROM window_orders
            GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)""")
    finally:
        t_env.execute_sql("DROP TEMPORARY TABLE window_orders")


def test_window_stats_result_type(window_results):
    types, _ = window_results
    assert types["stats"] == ("ROW<`customer` ARRAY<STRING>, `orders` ARRAY<BIGINT>, `total` ARRAY<DECIMAL(38, 2)>, "
                              "`average` ARRAY<DECIMAL(18, 2)>, `largest` ARRAY<DECIMAL(18, 2)>, "
                              "`favorite` ARRAY<STRING>, `share` ARRAY<DECIMAL(3, 2)>>")


def test_one_call_per_window(window_results):
    _, changes = window_results
    assert [(kind, str(row[0])) for kind, row in changes] == [("INSERT", "2025-11-24 10:00:00")]


def test_window_stats_is_order_stats_of_each_customer(window_results, profiles):
    """The same summaries from the same orders, whether Python sees them one by one or all at once, by
    customer; a customer with no order counted has none."""
    columns = window_results[1][0][1][1]
    summaries = {customer: summary for customer, *summary in zip(*columns)}
    assert list(summaries) == sorted(customer for customer in SUMMARIES if SUMMARIES[customer])
    for customer, summary in summaries.items():
        assert tuple(summary) == tuple(profiles[customer])
        assert [type(value) for value in summary] == [int, D, D, D, str, D]
        assert [str(value) for value in summary] == [str(value) for value in profiles[customer]]
