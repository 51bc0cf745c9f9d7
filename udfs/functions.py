"""PyFlink wrappers of the rules (rules.py) and of the aggregate state (stats.py): no logic here.
SQL registers each with `CREATE TEMPORARY FUNCTION name AS 'functions.name' LANGUAGE PYTHON`
(udfs/ is shipped as python.files, so its modules are imported by their own names).
"""
from pyflink.common import Row
from pyflink.table import AggregateFunction, DataTypes
from pyflink.table.udf import udaf, udf

import rules
import stats

MONEY = DataTypes.DECIMAL(18, 2)
TOTAL = DataTypes.DECIMAL(38, 2)

# deterministic=False only so that the planner makes each call once: it copies a deterministic call
# into every expression that uses its result (3B's tier is shown and compared), which doubled the
# Python calls per order (docs/performance.md). Each call still depends on its arguments alone.
customer_tier = udf(rules.customer_tier, result_type=DataTypes.STRING(), deterministic=False)
order_frequency = udf(rules.order_frequency, result_type=DataTypes.STRING(), deterministic=False)
# The milestones come as separate constants: Flink has no ARRAY literal, so an ARRAY[...] argument
# is a column, carried in every row of 3D's state and decoded by Python on every call.
milestones_crossed = udf(lambda previous_total, total, *milestones: rules.milestones_crossed(
    previous_total, total, milestones), result_type=DataTypes.ARRAY(MONEY), deterministic=False)
high_value_order = udf(rules.high_value_order, result_type=DataTypes.BOOLEAN(), deterministic=False)
rapid_order = udf(rules.rapid_order, result_type=DataTypes.BOOLEAN(), deterministic=False)
customer_segment = udf(rules.customer_segment, result_type=DataTypes.STRING(), deterministic=False)

STATS = DataTypes.ROW([
    DataTypes.FIELD("orders", DataTypes.BIGINT()), DataTypes.FIELD("total", TOTAL),
    DataTypes.FIELD("largest", MONEY),
    DataTypes.FIELD("category_orders", DataTypes.MAP(DataTypes.STRING(), DataTypes.BIGINT())),
    DataTypes.FIELD("category_totals", DataTypes.MAP(DataTypes.STRING(), TOTAL))])
SUMMARY = DataTypes.ROW([
    DataTypes.FIELD("orders", DataTypes.BIGINT()), DataTypes.FIELD("total", TOTAL),
    DataTypes.FIELD("average", MONEY), DataTypes.FIELD("largest", MONEY),
    DataTypes.FIELD("favorite", DataTypes.STRING()), DataTypes.FIELD("share", DataTypes.DECIMAL(3, 2))])


def summary_row(state):
    summary = stats.summary(state)
    return None if summary is None else Row(*summary)


class OrderStats(AggregateFunction):
    """Orders, total, average, largest order and favorite category (with its share) of a group:
    a customer's hour (hourly) or a customer's whole history (segments)."""

    def create_accumulator(self):
        return Row(*stats.empty())

    def accumulate(self, accumulator, amount, category):
        stats.add(accumulator, amount, category)

    def merge(self, accumulator, accumulators):
        for other in accumulators:
            stats.merge(accumulator, other)

    def get_value(self, accumulator):
        return summary_row(accumulator)

    def get_accumulator_type(self):
        return STATS

    def get_result_type(self):
        return SUMMARY


order_stats = udaf(OrderStats(), result_type=SUMMARY, accumulator_type=STATS)
# hourly: a pandas (vectorized) aggregate in a group window, over the orders of many customers at once.
# Flink keeps a window's orders in Java state and hands them to Python in one call when the window
# fires, where a general aggregate costs round trips to Flink's state per order and a call per
# customer (docs/performance.md). Its result: the summaries of the customers as columns (a pandas
# aggregate cannot return an ARRAY of ROWs), each the same as order_stats gives.
CUSTOMER_SUMMARIES = DataTypes.ROW([
    DataTypes.FIELD(field.name, DataTypes.ARRAY(field.data_type))
    for field in [DataTypes.FIELD("customer", DataTypes.STRING()), *SUMMARY.fields]])


def columns(rows: list) -> Row:
    return Row(*(list(column) for column in zip(*rows))) if rows else Row(*[[] for _ in CUSTOMER_SUMMARIES.fields])


window_stats = udaf(lambda customers, amounts, categories: columns(stats.by_customer(customers, amounts, categories)),
                    result_type=CUSTOMER_SUMMARIES, func_type="pandas")
