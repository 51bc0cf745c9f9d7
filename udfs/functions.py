"""PyFlink wrappers of the rules, one line each; SQL registers them with
`CREATE TEMPORARY FUNCTION name AS 'functions.name' LANGUAGE PYTHON` (udfs/ is shipped as python.files).
"""
from pyflink.table import DataTypes
from pyflink.table.udf import udf

import rules

MONEY = DataTypes.DECIMAL(18, 2)

customer_tier = udf(rules.customer_tier, result_type=DataTypes.STRING())
order_frequency = udf(rules.order_frequency, result_type=DataTypes.STRING())
milestones_crossed = udf(rules.milestones_crossed, result_type=DataTypes.ARRAY(MONEY))
high_value_order = udf(rules.high_value_order, result_type=DataTypes.BOOLEAN())
rapid_order = udf(rules.rapid_order, result_type=DataTypes.BOOLEAN())
