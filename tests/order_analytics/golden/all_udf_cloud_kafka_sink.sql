-- Lesson 3A: Customer Order Tracking + Lesson 3B: VIP Customer Detection + Lesson 3C: Order Frequency Analysis + Lesson 3D: Category Spending Analysis (udf variant, sink kafka)
-- Rendered by `python runner.py 3a 3b 3c 3d --sql` from the templates in sql/ and analyses/, and config.
-- Runs unchanged in `python runner.py sql-client -f FILE`.
-- Credentials are masked: print the runnable script with `python runner.py 3a 3b 3c 3d --sql --reveal-secrets`.

-- How the job runs: streaming on the Flink mini-cluster (inside the JVM of the runner or the SQL client).
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.target' = 'local';
SET 'pipeline.name' = 'lesson3-all-udf-kafka-orders';
-- A partly filled network buffer waits at most this long before it goes to the next task.
SET 'execution.buffer-timeout.interval' = '10ms';
-- Windows are aligned to the epoch in UTC, and their bounds read in UTC.
SET 'table.local-time-zone' = 'UTC';
SET 'parallelism.default' = '1';
SET 'pipeline.jars' = 'file://<project>/lib/flink/flink-sql-connector-kafka-5.0.0-2.2.jar';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '6';
SET 'restart-strategy.fixed-delay.delay' = '10s';
SET 'state.backend.type' = 'hashmap';
-- No state expires here. `python runner.py` gives the deduplication of orderIds alone a state TTL
-- (state.dedup_window: 7d) through a compiled plan; a SQL script can only set one TTL
-- for every operator, which would expire the totals too, so in the SQL client seen orderIds stay.
-- Several analyses read the same views: plan each shared view once (by its digest) instead of once per
-- reader, so the JSON checks of checked_orders run once per record in `all`, not five times.
SET 'table.optimizer.reuse-optimize-block-with-digest-enabled' = 'true';
-- Checkpoints: the state and the offsets a later run continues from (kept when the job is cancelled).
SET 'execution.checkpointing.interval' = '60s';
SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
SET 'execution.checkpointing.dir' = 'file://<project>/.data/checkpoints/lesson3-all-udf-kafka-orders';
-- The Python worker that runs udfs/ (python.client.executable: where the SQL client resolves them).
SET 'python.executable' = '<python>';
SET 'python.client.executable' = '<python>';
SET 'python.files' = '<project>/udfs';
-- The accumulators a worker keeps between bundles (python.state_cache_size in config).
SET 'python.state.cache-size' = '100000';
-- python.execution_mode auto: the runner sets thread instead when the job's one Python operator is a
-- scalar one (order_analytics/compiled_plan.py: python_mode); process is what any job runs with.
SET 'python.execution-mode' = 'process';
SET 'python.fn-execution.bundle.size' = '100000';
SET 'python.fn-execution.bundle.time' = '100';
-- No Python metrics: counting every row in the worker and reporting it to the JVM costs time per row,
-- and the job's own status line counts orders and results already.
SET 'python.metric.enabled' = 'false';

-- The Python functions of udfs/functions.py (pure rules in udfs/rules.py), registered by name.
CREATE TEMPORARY FUNCTION customer_tier AS 'functions.customer_tier' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION order_frequency AS 'functions.order_frequency' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION milestones_crossed AS 'functions.milestones_crossed' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION high_value_order AS 'functions.high_value_order' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION rapid_order AS 'functions.rapid_order' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION customer_segment AS 'functions.customer_segment' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION order_stats AS 'functions.order_stats' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION window_stats AS 'functions.window_stats' LANGUAGE PYTHON;

-- The order topic as it is: the value of each record as text, and where it came from. Reading text
-- (format raw) rather than json lets checked_orders set a bad record aside with its reason,
-- where the json format would fail the job or, with ignore-parse-errors, drop it silently.
CREATE TABLE orders_raw (
  `value`     STRING,
  `partition` INT              METADATA VIRTUAL,
  `offset`    BIGINT           METADATA VIRTUAL,
  kafka_time  TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  proc_time AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- one stable group per pipeline, so committed offsets belong to it across restarts
  'properties.group.id' = 'lesson3-all-udf-kafka-orders',
  'properties.auto.offset.reset' = 'earliest',
  'scan.startup.mode' = 'group-offsets',
  'format' = 'raw'
);

-- Every record judged: `error` names why it is not a valid order, NULL when it is one. Plain SQL,
-- shared by both variants, so bad input is handled the same whichever computes the analyses.
-- Each record is parsed once (sql/order_check.sql.j2): one JSON_QUERY gives its five fields as
-- canonical JSON text, one regular expression over that text decides whether it is a valid order
-- and a second pass takes its members' values; only a bad record is looked at further, for its reason.
-- `CASE WHEN RAND() < 2 THEN x END` is always x. It makes the step non-deterministic, and the planner
-- never copies a non-deterministic expression into the places that read it (where it would run
-- once for each): so the parse and the match run once per record, in steps of their own.
CREATE TEMPORARY VIEW checked_orders AS
WITH parsed AS (
  SELECT `value`, `partition`, `offset`, kafka_time, proc_time,
    CASE WHEN RAND() < 2 THEN JSON_QUERY(`value`, '$[''amount'',''category'',''customerId'',''orderId'',''timestamp'']') END AS order_json
  FROM orders_raw
),
matched AS (
  SELECT *, CASE WHEN RAND() < 2 THEN REGEXP_EXTRACT_ALL(REGEXP_SUBSTR(order_json, '^\{"amount":(?:(?:[1-9][0-9]{0,4}|[1-8][0-9]{5}|9[0-8][0-9]{4}|99[0-8][0-9]{3}|999[0-8][0-9]{2}|9999[0-8][0-9]|99999[0-8])(?:\.[0-9]+)?|999999(?:\.(?:[0-8][0-9]*|9|9[0-8][0-9]*|99|99[0-4][0-9]*))?|0\.(?:[1-9][0-9]*|0[1-9][0-9]*|00[5-9][0-9]*)|[1-9](?:\.[0-9]+)?E\+[1-5]),"category":"(?:[^"\\]++|\\.)++","customerId":"(?:[^"\\]++|\\.)++","orderId":"(?:[^"\\]++|\\.)++"(?:,"timestamp":(?:[0-9]+(?:\.0+)?|[1-9](?:\.[0-9]+)?E\+[0-9]+|0E[-+][0-9]+))?\}$'), '"[A-Za-z]++":((?:"(?:[^"\\]++|\\.)*+"|[^,}]*+))', 1) END AS members
  FROM parsed
),
judged AS (
  SELECT
    CASE WHEN POSITION('\' IN members[4]) = 0 THEN SUBSTRING(members[4] FROM 2 FOR CHAR_LENGTH(members[4]) - 2)
      ELSE JSON_UNQUOTE(members[4]) END AS orderId,
    CASE WHEN POSITION('\' IN members[3]) = 0 THEN SUBSTRING(members[3] FROM 2 FOR CHAR_LENGTH(members[3]) - 2)
      ELSE JSON_UNQUOTE(members[3]) END AS customerId,
    CASE WHEN POSITION('\' IN members[2]) = 0 THEN SUBSTRING(members[2] FROM 2 FOR CHAR_LENGTH(members[2]) - 2)
      ELSE JSON_UNQUOTE(members[2]) END AS category,
    CAST(members[1] AS DECIMAL(18, 2)) AS amount,
    CASE
      WHEN members IS NOT NULL THEN CAST(NULL AS STRING)
      WHEN `value` IS NULL THEN 'empty record'
      WHEN order_json IS NULL THEN 'not a JSON object'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"orderId":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') IS NULL THEN 'missing field orderId'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"orderId":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') NOT LIKE '"%' THEN 'orderId is not a string'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"orderId":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') = '""' THEN 'orderId is empty'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"customerId":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') IS NULL THEN 'missing field customerId'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"customerId":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') NOT LIKE '"%' THEN 'customerId is not a string'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"customerId":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') = '""' THEN 'customerId is empty'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"category":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') IS NULL THEN 'missing field category'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"category":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') NOT LIKE '"%' THEN 'category is not a string'
      WHEN REGEXP_SUBSTR(order_json, '(?<=[{,]"category":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') = '""' THEN 'category is empty'
      WHEN REGEXP_SUBSTR(order_json, '(?<=^\{"amount":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)') IS NULL THEN 'missing field amount'
      WHEN NOT REGEXP(REGEXP_SUBSTR(order_json, '(?<=^\{"amount":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)'), '^-?[0-9]') THEN 'amount is not a number'
      WHEN NOT REGEXP(REGEXP_SUBSTR(order_json, '(?<=^\{"amount":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)'), '^(?:(?:[1-9][0-9]{0,4}|[1-8][0-9]{5}|9[0-8][0-9]{4}|99[0-8][0-9]{3}|999[0-8][0-9]{2}|9999[0-8][0-9]|99999[0-8])(?:\.[0-9]+)?|999999(?:\.(?:[0-8][0-9]*|9|9[0-8][0-9]*|99|99[0-4][0-9]*))?|0\.(?:[1-9][0-9]*|0[1-9][0-9]*|00[5-9][0-9]*)|[1-9](?:\.[0-9]+)?E\+[1-5])$')
        THEN 'amount out of range: must be above 0 and below 1000000'
      WHEN NOT REGEXP(COALESCE(REGEXP_SUBSTR(order_json, '(?<=[{,]"timestamp":)(?:"(?:[^"\\]++|\\.)*+"|[^,}]*+)'), '0'), '^(?:[0-9]+(?:\.0+)?|[1-9](?:\.[0-9]+)?E\+[0-9]+|0E[-+][0-9]+)$')
        THEN 'timestamp is not epoch milliseconds'
      ELSE 'not a valid order'
    END AS error,
    `value` AS record_value, `partition`, `offset`,
    -- No watermark, so the source's event time is not needed as a time attribute: the same value from
    -- the member at hand (reading the source's column would compute its own parse again here).
    COALESCE(TRY_CAST(TRY_CAST(members[5] AS DECIMAL(20, 0)) AS BIGINT), (CAST(TIMESTAMPDIFF(SECOND, TO_TIMESTAMP_LTZ(0, 3), kafka_time) AS BIGINT) * 1000 + EXTRACT(MILLISECOND FROM kafka_time))) AS event_ms,
    proc_time
  FROM matched
)
SELECT orderId, customerId, category, amount, error, record_value, `partition`, `offset`,
  event_ms, TO_TIMESTAMP_LTZ(event_ms, 3) AS event_time, proc_time
FROM judged;

-- Valid orders, each orderId once: the first delivery counts, redeliveries are dropped.
CREATE TEMPORARY VIEW valid_orders AS
WITH deliveries AS (
  SELECT orderId, customerId, category, amount, event_ms, event_time, proc_time,
    ROW_NUMBER() OVER (PARTITION BY orderId ORDER BY proc_time) AS delivery
  FROM checked_orders
  WHERE error IS NULL
)
SELECT orderId, customerId, category, amount, event_ms, event_time, proc_time
FROM deliveries
WHERE delivery = 1;

-- The running total and order count of each customer after each of their orders: the state 3A, 3B and
-- 3C read (one operator even when all three run). An OVER aggregation emits exactly one row per
-- order, like the KeyedProcessFunction of the seed; a GROUP BY would emit retractions and updates.
-- Orders count in arrival order, which at parallelism 1 is the order of their partition.
CREATE TEMPORARY VIEW customer_running AS
SELECT
  customerId,
  amount,
  SUM(amount) OVER after_this_order AS total,
  COUNT(*) OVER after_this_order AS orders
FROM valid_orders
WINDOW after_this_order AS (
  PARTITION BY customerId ORDER BY proc_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
);

-- 3B's tier and 3C's frequency class of each customer after each order, and before it (the tier of
-- the total without this order, the class of the count before it; a first order has no class before),
-- for those of the two that the job runs. One step for both, so that in the udf variant one Python
-- operator makes every call of the two rules and each row crosses to Python once.
CREATE TEMPORARY VIEW customer_rules AS
SELECT
  customerId,
  total,
  orders,
  customer_tier(CAST((total) * 100 AS BIGINT), 50000, 100000) AS tier,
  customer_tier(CAST((total - amount) * 100 AS BIGINT), 50000, 100000) AS previous_tier,
  order_frequency(orders, 2, 6, 11) AS frequency,
  CASE WHEN orders > 1 THEN order_frequency(orders - 1, 2, 6, 11) END AS previous_frequency
FROM customer_running;

-- 3A Customer Order Tracking: total and order count of a customer after each order.
CREATE TEMPORARY VIEW customer_totals AS
SELECT customerId, total, orders
FROM customer_running;

-- 3B VIP Customer Detection: tier of a customer after each order, and the tier before it
-- (that of the total without this order, sql/steps/customer_rules), so a change shows in the same row.
CREATE TEMPORARY VIEW vip_tiers AS
SELECT customerId, total, orders, tier, previous_tier, tier <> previous_tier AS tier_changed
FROM customer_rules;

-- 3C Order Frequency Analysis: order count of a customer and its class after each order. The
-- class changes when it differs from that of the count before (sql/steps/customer_rules); the
-- first order announces one too.
CREATE TEMPORARY VIEW order_frequency AS
SELECT customerId, orders, frequency,
  previous_frequency IS NULL OR frequency <> previous_frequency AS frequency_changed
FROM customer_rules;

-- 3D Category Spending Analysis: total, count, average and largest order of a category after each
-- order, and the revenue milestones that order made the category reach.
CREATE TEMPORARY VIEW category_spending AS
WITH running_totals AS (
  SELECT
    category,
    amount,
    SUM(amount) OVER after_this_order AS total,
    COUNT(*) OVER after_this_order AS orders,
    MAX(amount) OVER after_this_order AS max_amount
  FROM valid_orders
  WINDOW after_this_order AS (
    PARTITION BY category ORDER BY proc_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  )
)
SELECT
  category,
  total,
  orders,
  CAST(CAST((2 * CAST(total * 100 AS BIGINT) + orders) / (2 * orders) AS DECIMAL(18, 0)) * 0.01 AS DECIMAL(18, 2)) AS avg_amount,  -- the exact quotient, rounded once
  max_amount,
  milestones_crossed(total - amount, total, 1000.00, 5000.00, 10000.00, 50000.00, 100000.00) AS milestones
FROM running_totals;

-- Every record the analyses leave out, with the reason: the bad records.
-- They go to the dead-letter topic, and the console counts them.
CREATE TEMPORARY VIEW dead_letters AS
SELECT error, record_value, `partition`, `offset`, proc_time
FROM checked_orders
WHERE error IS NOT NULL
;

-- Each event of each analysis to a topic of its own, for dashboards and other consumers: the state
-- after each order on an upsert topic (the latest row per key, compacted), and the alerts as an
-- append-only stream, keyed like the state so that each key's alerts stay in order.
-- Records the analyses leave out, on "orders.dlq" with why and where they came from.
CREATE TEMPORARY TABLE dead_letter_topic (
  `error` STRING,
  `raw` STRING,
  `partition` INT,
  `offset` BIGINT,
  `seen_at` TIMESTAMP_LTZ(3)
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders.dlq',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  'format' = 'json',
  'json.encode.decimal-as-plain-number' = 'true',
  'json.timestamp-format.standard' = 'ISO-8601',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

CREATE TEMPORARY TABLE customer_totals_topic (
  `customerId` STRING,
  `total` DECIMAL(38, 2),
  `orders` BIGINT,
  PRIMARY KEY (`customerId`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lesson3.orders.customer_totals',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-customer_totals',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

CREATE TEMPORARY TABLE tier_changes_topic (
  `customerId` STRING,
  `tier` STRING,
  `previousTier` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.orders.tier_changes',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'customerId',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-tier_changes',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

CREATE TEMPORARY TABLE vip_tiers_topic (
  `customerId` STRING,
  `tier` STRING,
  `total` DECIMAL(38, 2),
  `orders` BIGINT,
  PRIMARY KEY (`customerId`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lesson3.orders.vip_tiers',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-vip_tiers',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

CREATE TEMPORARY TABLE frequency_changes_topic (
  `customerId` STRING,
  `frequency` STRING,
  `order` BIGINT
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.orders.frequency_changes',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'customerId',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-frequency_changes',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

CREATE TEMPORARY TABLE order_frequency_topic (
  `customerId` STRING,
  `orders` BIGINT,
  `frequency` STRING,
  PRIMARY KEY (`customerId`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lesson3.orders.order_frequency',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-order_frequency',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

CREATE TEMPORARY TABLE category_milestones_topic (
  `category` STRING,
  `milestone` DECIMAL(18, 2)
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.orders.category_milestones',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'category',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-category_milestones',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

CREATE TEMPORARY TABLE category_spending_topic (
  `category` STRING,
  `total` DECIMAL(38, 2),
  `orders` BIGINT,
  `avg` DECIMAL(18, 2),
  `max` DECIMAL(18, 2),
  PRIMARY KEY (`category`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lesson3.orders.category_spending',
  'properties.bootstrap.servers' = 'pkc-test.eu-west-1.aws.confluent.cloud:9092',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY123" password="<hidden: run with --reveal-secrets>";',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'lesson3-all-udf-kafka-orders-category_spending',
  -- the Flink default (1 h) is above transaction.max.timeout.ms of the broker (15 min)
  'properties.transaction.timeout.ms' = '900000'
);

EXECUTE STATEMENT SET
BEGIN
INSERT INTO dead_letter_topic
SELECT error, record_value, `partition`, `offset`, CAST(proc_time AS TIMESTAMP_LTZ(3))
FROM dead_letters;
INSERT INTO customer_totals_topic SELECT `customerId` AS `customerId`, `total` AS `total`, `orders` AS `orders` FROM customer_totals;
INSERT INTO tier_changes_topic SELECT `customerId` AS `customerId`, `tier` AS `tier`, `previous_tier` AS `previousTier` FROM vip_tiers WHERE tier_changed;
INSERT INTO vip_tiers_topic SELECT `customerId` AS `customerId`, `tier` AS `tier`, `total` AS `total`, `orders` AS `orders` FROM vip_tiers;
INSERT INTO frequency_changes_topic SELECT `customerId` AS `customerId`, `frequency` AS `frequency`, `orders` AS `order` FROM order_frequency WHERE frequency_changed;
INSERT INTO order_frequency_topic SELECT `customerId` AS `customerId`, `orders` AS `orders`, `frequency` AS `frequency` FROM order_frequency;
INSERT INTO category_milestones_topic SELECT `category` AS `category`, `milestone` AS `milestone` FROM category_spending CROSS JOIN UNNEST(milestones) AS crossed (`milestone`);
INSERT INTO category_spending_topic SELECT `category` AS `category`, `total` AS `total`, `orders` AS `orders`, `avg_amount` AS `avg`, `max_amount` AS `max` FROM category_spending;
END;
