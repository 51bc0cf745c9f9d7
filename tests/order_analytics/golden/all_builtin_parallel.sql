-- Lesson 3A: Customer Order Tracking + Lesson 3B: VIP Customer Detection + Lesson 3C: Order Frequency Analysis + Lesson 3D: Category Spending Analysis (builtin variant, sink print)
-- Rendered by `python runner.py 3a 3b 3c 3d --sql` from the templates in sql/ and analyses/, and config.
-- Runs unchanged in `python runner.py sql-client -f FILE`.

-- How the job runs: streaming on the Flink mini-cluster (inside the JVM of the runner or the SQL client).
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.target' = 'local';
SET 'pipeline.name' = 'lesson3-all-builtin-print-orders';
-- A partly filled network buffer waits at most this long before it goes to the next task.
SET 'execution.buffer-timeout.interval' = '10ms';
-- Windows are aligned to the epoch in UTC, and their bounds read in UTC.
SET 'table.local-time-zone' = 'UTC';
SET 'parallelism.default' = '2';
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
SET 'execution.checkpointing.dir' = 'file://<project>/.data/checkpoints/lesson3-all-builtin-print-orders';

-- The order topic as it is: the value of each record as text, and where it came from. Reading text
-- (format raw) rather than json lets checked_orders set a bad record aside with its reason,
-- where the json format would fail the job or, with ignore-parse-errors, drop it silently.
CREATE TABLE orders_raw (
  `value`     STRING,
  `partition` INT              METADATA VIRTUAL,
  `offset`    BIGINT           METADATA VIRTUAL,
  kafka_time  TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  proc_time AS PROCTIME(),
  -- Event time: a valid order's own timestamp (epoch ms), else the record's time; for a bad record
  -- the epoch, whatever its timestamp or its record's time, so that it cannot move the watermark
  -- and make valid orders late. The same rule as checked_orders (sql/order_check.sql.j2), from one
  -- parse in the source, where the watermark is made. Only jobs that read the watermark (above
  -- parallelism 1, or with event-time windows) have one: the others do not pay for this parse.
  event_time AS COALESCE(TO_TIMESTAMP_LTZ(TRY_CAST(TRY_CAST(COALESCE(REGEXP_SUBSTR(REGEXP_SUBSTR(JSON_QUERY(`value`, '$[''amount'',''category'',''customerId'',''orderId'',''timestamp'']'), '^\{"amount":(?:(?:[1-9][0-9]{0,4}|[1-8][0-9]{5}|9[0-8][0-9]{4}|99[0-8][0-9]{3}|999[0-8][0-9]{2}|9999[0-8][0-9]|99999[0-8])(?:\.[0-9]+)?|999999(?:\.(?:[0-8][0-9]*|9|9[0-8][0-9]*|99|99[0-4][0-9]*))?|0\.(?:[1-9][0-9]*|0[1-9][0-9]*|00[5-9][0-9]*)|[1-9](?:\.[0-9]+)?E\+[1-5]),"category":"(?:[^"\\]++|\\.)++","customerId":"(?:[^"\\]++|\\.)++","orderId":"(?:[^"\\]++|\\.)++"(?:,"timestamp":(?:[0-9]+(?:\.0+)?|[1-9](?:\.[0-9]+)?E\+[0-9]+|0E[-+][0-9]+))?\}$'), '(?<=,"timestamp":)[^}]++|\}$'), '0') AS DECIMAL(20, 0)) AS BIGINT), 3), kafka_time),
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.bootstrap.servers' = 'localhost:9092',
  -- one stable group per pipeline, so committed offsets belong to it across restarts
  'properties.group.id' = 'lesson3-all-builtin-print-orders',
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
  SELECT `value`, `partition`, `offset`, event_time, proc_time,
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
    -- event time in epoch milliseconds, for exact gaps between orders (TIMESTAMPDIFF counts whole seconds)
    (CAST(TIMESTAMPDIFF(SECOND, TO_TIMESTAMP_LTZ(0, 3), event_time) AS BIGINT) * 1000 + EXTRACT(MILLISECOND FROM event_time)) AS event_ms,
    event_time,
    proc_time
  FROM matched
)
SELECT orderId, customerId, category, amount, error, record_value, `partition`, `offset`,
  event_ms, event_time, proc_time
FROM judged;

-- Valid orders, each orderId once: the first delivery counts, redeliveries are dropped.
-- Above parallelism 1 the orders of one customer travel through two shuffles (by orderId here, by
-- customer next) and can overtake each other; the analyses put them back in event-time order, and
-- the watermark says when that order is final. An order that comes when the watermark has already
-- passed its time could not be put in its place any more: it is set aside as late (dead_letters).
CREATE TEMPORARY VIEW first_deliveries AS
WITH deliveries AS (
  SELECT orderId, customerId, category, amount, event_ms, event_time, proc_time, record_value, `partition`, `offset`,
    ROW_NUMBER() OVER (PARTITION BY orderId ORDER BY proc_time) AS delivery
  FROM checked_orders
  WHERE error IS NULL
)
SELECT orderId, customerId, category, amount, event_ms, event_time, proc_time, record_value, `partition`, `offset`,
  -- no watermark yet (NULL): nothing can be late
  COALESCE(event_time <= CURRENT_WATERMARK(event_time), FALSE) AS late
FROM deliveries
WHERE delivery = 1;

CREATE TEMPORARY VIEW valid_orders AS
SELECT orderId, customerId, category, amount, event_ms, event_time, proc_time
FROM first_deliveries
WHERE NOT late;

-- The running total and order count of each customer after each of their orders: the state 3A, 3B and
-- 3C read (one operator even when all three run). An OVER aggregation emits exactly one row per
-- order, like the KeyedProcessFunction of the seed; a GROUP BY would emit retractions and updates.
-- Orders count in event-time order (see valid_orders).
CREATE TEMPORARY VIEW customer_running AS
SELECT
  customerId,
  amount,
  SUM(amount) OVER after_this_order AS total,
  COUNT(*) OVER after_this_order AS orders
FROM valid_orders
WINDOW after_this_order AS (
  PARTITION BY customerId ORDER BY event_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
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
  CASE WHEN total >= 1000.00 THEN 'PREMIUM'
     WHEN total >= 500.00 THEN 'VIP'
     ELSE 'REGULAR' END AS tier,
  CASE WHEN total - amount >= 1000.00 THEN 'PREMIUM'
     WHEN total - amount >= 500.00 THEN 'VIP'
     ELSE 'REGULAR' END AS previous_tier,
  CASE WHEN orders >= 11 THEN 'FREQUENT'
     WHEN orders >= 6 THEN 'REGULAR'
     WHEN orders >= 2 THEN 'OCCASIONAL'
     ELSE 'NEW CUSTOMER' END AS frequency,
  CASE WHEN orders > 1 THEN CASE WHEN orders - 1 >= 11 THEN 'FREQUENT'
     WHEN orders - 1 >= 6 THEN 'REGULAR'
     WHEN orders - 1 >= 2 THEN 'OCCASIONAL'
     ELSE 'NEW CUSTOMER' END END AS previous_frequency
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
    PARTITION BY category ORDER BY event_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  )
)
SELECT
  category,
  total,
  orders,
  CAST(CAST((2 * CAST(total * 100 AS BIGINT) + orders) / (2 * orders) AS DECIMAL(18, 0)) * 0.01 AS DECIMAL(18, 2)) AS avg_amount,  -- the exact quotient, rounded once
  max_amount,
  ARRAY_REMOVE(ARRAY[
      CASE WHEN total - amount < 1000.00 AND total >= 1000.00 THEN CAST(1000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 5000.00 AND total >= 5000.00 THEN CAST(5000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 10000.00 AND total >= 10000.00 THEN CAST(10000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 50000.00 AND total >= 50000.00 THEN CAST(50000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 100000.00 AND total >= 100000.00 THEN CAST(100000.00 AS DECIMAL(18, 2)) END
    ], CAST(NULL AS DECIMAL(18, 2))) AS milestones
FROM running_totals;

-- Every record the analyses leave out, with the reason: the bad records,
-- the orders that came too late to be put in their event-time place.
-- They go to the dead-letter topic, and the console counts them.
CREATE TEMPORARY VIEW dead_letters AS
SELECT error, record_value, `partition`, `offset`, proc_time
FROM checked_orders
WHERE error IS NOT NULL
UNION ALL
SELECT 'late: behind the watermark (more than 1s behind the newest orders)' AS error,
  record_value, `partition`, `offset`, proc_time
FROM first_deliveries
WHERE late
;

-- The results for the console go to a topic of their own, "lesson3.console.all-builtin-print-orders", as they come
-- (at-least-once, no transactions, so a reader sees each row at once); `python runner.py` prints
-- them in the format of the seed. A SELECT streamed back to the client (collect) would be simpler,
-- but Flink restores its result buffer from a checkpoint into a new client that cannot read it,
-- so a restarted job would hang; and it cannot share a job with the dead-letter INSERT.
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
  'properties.bootstrap.servers' = 'localhost:9092',
  'format' = 'json',
  'json.encode.decimal-as-plain-number' = 'true',
  'json.timestamp-format.standard' = 'ISO-8601',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

CREATE TEMPORARY TABLE customer_totals_console (
  `analysis` STRING,
  `customerId` STRING,
  `total` DECIMAL(38, 2),
  `orders` BIGINT
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.console.all-builtin-print-orders',
  'properties.bootstrap.servers' = 'localhost:9092',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'customerId',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

CREATE TEMPORARY TABLE vip_tiers_console (
  `analysis` STRING,
  `customerId` STRING,
  `total` DECIMAL(38, 2),
  `orders` BIGINT,
  `tier` STRING,
  `previous_tier` STRING,
  `tier_changed` BOOLEAN
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.console.all-builtin-print-orders',
  'properties.bootstrap.servers' = 'localhost:9092',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'customerId',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

CREATE TEMPORARY TABLE order_frequency_console (
  `analysis` STRING,
  `customerId` STRING,
  `orders` BIGINT,
  `frequency` STRING,
  `frequency_changed` BOOLEAN
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.console.all-builtin-print-orders',
  'properties.bootstrap.servers' = 'localhost:9092',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'customerId',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

CREATE TEMPORARY TABLE category_spending_console (
  `analysis` STRING,
  `category` STRING,
  `total` DECIMAL(38, 2),
  `orders` BIGINT,
  `avg_amount` DECIMAL(18, 2),
  `max_amount` DECIMAL(18, 2),
  `milestones` ARRAY<DECIMAL(18, 2)>
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.console.all-builtin-print-orders',
  'properties.bootstrap.servers' = 'localhost:9092',
  -- keyed, so that the rows of each key stay in order on one partition
  'key.format' = 'json',
  'key.fields' = 'category',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

-- The dead letters too, so that the console can count them.
CREATE TEMPORARY TABLE dead_letters_console (
  `analysis` STRING,
  `error` STRING,
  `partition` INT,
  `offset` BIGINT
) WITH (
  'connector' = 'kafka',
  'topic' = 'lesson3.console.all-builtin-print-orders',
  'properties.bootstrap.servers' = 'localhost:9092',
  'format' = 'json',
  'json.encode.decimal-as-plain-number' = 'true',
  'json.timestamp-format.standard' = 'ISO-8601',
  -- a broker that is away (restarting) is waited for this long, not the producer's 60 s (kafka.broker_wait)
  'properties.max.block.ms' = '300000',
  'properties.delivery.timeout.ms' = '300000',
  'sink.delivery-guarantee' = 'at-least-once'
);

EXECUTE STATEMENT SET
BEGIN
INSERT INTO dead_letter_topic
SELECT error, record_value, `partition`, `offset`, CAST(proc_time AS TIMESTAMP_LTZ(3))
FROM dead_letters;
INSERT INTO customer_totals_console SELECT '3a', * FROM customer_totals;
INSERT INTO vip_tiers_console SELECT '3b', * FROM vip_tiers;
INSERT INTO order_frequency_console SELECT '3c', * FROM order_frequency;
INSERT INTO category_spending_console SELECT '3d', * FROM category_spending;
INSERT INTO dead_letters_console SELECT 'dead_letter', error, `partition`, `offset` FROM dead_letters;
END;
