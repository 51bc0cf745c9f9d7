-- Lesson 3D: Category Spending Analysis (builtin variant, sink print)
-- Rendered by `python runner.py 3d --sql` from the templates in sql/ and analyses/, and config.
-- Runs unchanged in `python runner.py sql-client -f FILE`.

-- How the job runs: streaming on the Flink mini-cluster (inside the JVM of the runner or the SQL client).
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.target' = 'local';
SET 'pipeline.name' = 'lesson3-3d-builtin-print-bounded-orders';
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
-- A bounded run reads the topic from its start offsets to the end offsets of now and starts with
-- empty state every time (a checkpoint taken at the end could not read on), so it needs no
-- checkpoints; it waits for its job to finish (so does the SQL client with -f).
SET 'table.dml-sync' = 'true';

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
  'properties.bootstrap.servers' = 'localhost:9092',
  -- one stable group per pipeline, so committed offsets belong to it across restarts
  'properties.group.id' = 'lesson3-3d-builtin-print-bounded-orders',
  -- a bounded run starts over each time: its offsets are not for a next run
  'properties.commit.offsets.on.checkpoint' = 'false',
  'properties.auto.offset.reset' = 'earliest',
  'scan.startup.mode' = 'earliest-offset',
  -- stop at the end offsets that exist when the job starts
  'scan.bounded.mode' = 'latest-offset',
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
  ARRAY_REMOVE(ARRAY[
      CASE WHEN total - amount < 1000.00 AND total >= 1000.00 THEN CAST(1000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 5000.00 AND total >= 5000.00 THEN CAST(5000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 10000.00 AND total >= 10000.00 THEN CAST(10000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 50000.00 AND total >= 50000.00 THEN CAST(50000.00 AS DECIMAL(18, 2)) END,
      CASE WHEN total - amount < 100000.00 AND total >= 100000.00 THEN CAST(100000.00 AS DECIMAL(18, 2)) END
    ], CAST(NULL AS DECIMAL(18, 2))) AS milestones
FROM running_totals;

-- Every record the analyses leave out, with the reason: the bad records.
-- They go to the dead-letter topic, and the console counts them.
CREATE TEMPORARY VIEW dead_letters AS
SELECT error, record_value, `partition`, `offset`, proc_time
FROM checked_orders
WHERE error IS NOT NULL
;

-- The results for the console go to a topic of their own, "lesson3.console.3d-builtin-print-bounded-orders", as they come
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
  'topic' = 'lesson3.console.3d-builtin-print-bounded-orders',
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
  'topic' = 'lesson3.console.3d-builtin-print-bounded-orders',
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
INSERT INTO category_spending_console SELECT '3d', * FROM category_spending;
INSERT INTO dead_letters_console SELECT 'dead_letter', error, `partition`, `offset` FROM dead_letters;
END;
